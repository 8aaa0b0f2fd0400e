/* predoff experiment paper: the paper's section-5 experiment, with the exact optimum beside
 * the genetic algorithm and the baselines, and two pictures drawn by gnuplot. The second
 * experiment, fmnist, is in experiment_fmnist.c, the third, dag, in experiment_dag.c; what
 * they share in experiment.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "experiment.h"
#include "experiment_dag.h"
#include "report.h"
#include "setup.h"

const cli_flag cli_cmd_experiment_flags[] = {
    {"--model", "MODEL", "fmnist: the model (default b-alexnet-gray); paper runs b-alexnet"},
    {"--out", "DIR", "where the data, the gnuplot script and the pictures go (default out/NAME)"},
    {"--runs", "N",
     "genetic-algorithm runs, seeds 1..N (default 20, as the paper; dag: " CLI_DAG_RUNS_TEXT
     " at each bandwidth)"},
    {"--points", "N",
     "bandwidths in the sweep from 0.1 to 100 Mbps (default 31; dag: 0.1 to 1000 Mbps, "
     "default " CLI_DAG_POINTS_TEXT ")"},
    {"--repeats", "N", "paper, fmnist: timings per solver, the median is reported (default 5)"},
    {"--models", "DIR",
     "dag: DIR/ARCH/model.onnx for each architecture, as tools/make_onnx_models.py DIR makes "
     "them (default " CLI_DAG_MODELS ")"},
    {"--archs", "A,B,..", "dag: the architectures (default the six of tools/make_onnx_models.py)"},
    {"--at", "MBPS,..", "dag: the bandwidths whose placements are drawn (default 1,10,100)"},
    {"--mobile-slowdown", "F",
     "dag: the mobile's layer times times F (default 10: x86-1core under a 10% CPU quota)"},
    CLI_SOLVER_FLAGS,
    {NULL, NULL, NULL},
};

/* The paper's figures (section 5.2). */
#define PAPER_PREDNNOFF_MS 188.93
#define PAPER_EDGENT_MS 207.11

static void print_paper(const cli_setup *s, const cli_experiment_run *run,
                        const cli_experiment_args *a)
{
    printf("The paper's section-5 experiment (Pre-DNNOff, section 5.2)\n");
    printf("model: %s (%zu layers, %zu exits; exit accuracies assumed, see docs/REPRODUCTION.md)\n",
           s->g->name, s->g->n_layers, s->g->n_exits);
    cli_report_scenario_line(stdout, &s->sc);
    cli_experiment_print(s, run, a);

    const pd_solver_result *ex = cli_experiment_result(run, "exact");
    const pd_solver_result *ed = cli_experiment_result(run, "edgent");
    printf("\n%-28s %12s %12s %10s\n", "", "Pre-DNNOff", "Edgent", "difference");
    printf("%-28s %9.2f ms %9.2f ms %+9.1f%%\n", "paper (table 4.2, GA)", PAPER_PREDNNOFF_MS,
           PAPER_EDGENT_MS, 100.0 * (PAPER_PREDNNOFF_MS - PAPER_EDGENT_MS) / PAPER_EDGENT_MS);
    if (ex && ed)
        printf("%-28s %9.2f ms %9.2f ms %+9.1f%%\n", "predoff (exact solver)", ex->objective_ms,
               ed->objective_ms, 100.0 * (ex->objective_ms - ed->objective_ms) / ed->objective_ms);
}

static int experiment_paper(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_experiment_args a = {.name = "paper", .out = "out/paper", .runs = 20, .points = 31,
                             .repeats = 5};
    if (cli_experiment_read_args(p, &a, &err))
        return cli_fail(&err);
    cli_setup s;
    if (cli_setup_model(p, "b-alexnet", &s, &err))
        return cli_fail(&err);
    cli_experiment_run run;
    int status = CLI_EXIT_OK;
    if (cli_experiment_solve(&s, &a, &run, &err)) {
        status = cli_fail(&err);
    } else {
        print_paper(&s, &run, &a);
        fflush(stdout);
        if (cli_experiment_sweep(&s, &a, &run, &err))
            status = cli_fail(&err);
        cli_experiment_run_free(&run);
    }
    cli_setup_close(&s);
    return status;
}

int cli_cmd_experiment(const cli_parsed *p)
{
    if (p->n_pos == 1 && strcmp(p->pos[0], "paper") == 0)
        return experiment_paper(p);
    if (p->n_pos == 1 && strcmp(p->pos[0], "fmnist") == 0)
        return cli_experiment_fmnist(p);
    if (p->n_pos == 1 && strcmp(p->pos[0], "dag") == 0)
        return cli_experiment_dag(p);
    pd_error err;
    pd_error_clear(&err);
    pd_error_set(&err, PD_EINPUT,
                 "experiment: expected the name of an experiment: paper, fmnist or dag");
    return cli_fail(&err);
}
