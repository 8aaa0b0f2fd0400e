/* predoff experiment paper: the paper's section-5 experiment, with the exact optimum beside
 * the genetic algorithm and the baselines, and two pictures drawn by gnuplot. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plot.h"
#include "report.h"
#include "setup.h"
#include "predoff/study.h"

const cli_flag cmd_experiment_flags[] = {
    {"--out", "DIR", "where the data, the gnuplot script and the pictures go (default out/paper)"},
    {"--runs", "N", "genetic-algorithm runs, seeds 1..N (default 20, as the paper)"},
    {"--points", "N", "bandwidths in the sweep from 0.1 to 100 Mbps (default 31)"},
    {"--repeats", "N", "timings per solver, the median is reported (default 5)"},
    CLI_SOLVER_FLAGS,
    {NULL, NULL, NULL},
};

/* The paper's figures (section 5.2). */
#define PAPER_PREDNNOFF_MS 188.93
#define PAPER_EDGENT_MS 207.11

typedef struct experiment_args {
    const char *out;
    double runs, points, repeats;
} experiment_args;

static pd_status read_args(const cli_parsed *p, experiment_args *a, pd_error *err)
{
    *a = (experiment_args){"out/paper", 20, 31, 5};
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (cli_is(o, "--out"))
            a->out = o->value;
        else if (cli_is(o, "--runs") && cli_real("--runs", o->value, 1, 10000, &a->runs, err))
            return PD_EINPUT;
        else if (cli_is(o, "--points") && cli_real("--points", o->value, 2, 10000, &a->points, err))
            return PD_EINPUT;
        else if (cli_is(o, "--repeats") &&
                 cli_real("--repeats", o->value, 1, 1000, &a->repeats, err))
            return PD_EINPUT;
    }
    if (strchr(a->out, '\'') || strchr(a->out, '\n'))
        return pd_error_set(err, PD_EINPUT, "--out: a folder name without quotes or newlines");
    return PD_OK;
}

static const pd_solver_result *find_result(const pd_solver_result *r, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].solver->name, name) == 0)
            return r[i].status ? NULL : &r[i];
    return NULL;
}

static pd_status write_convergence(const char *dir, const pd_solution *sol, pd_error *err)
{
    FILE *f = out_open(dir, "ga-convergence.dat", err);
    if (!f)
        return PD_EINPUT;
    fprintf(f, "# generation best_ms mean_ms (generation 0: the random first population)\n");
    for (size_t g = 0; g < sol->n_history; g++)
        fprintf(f, "%zu %.9g %.9g\n", g, sol->history_best[g], sol->history_mean[g]);
    return out_close(f, dir, "ga-convergence.dat", err);
}

/* Columns: Mbps, then one per solver that applies at every point. */
static pd_status write_sweep(const char *dir, const pd_sweep *sw, const pd_solver *solvers,
                             FILE *gp, pd_error *err)
{
    FILE *f = out_open(dir, "bandwidth.dat", err);
    if (!f)
        return PD_EINPUT;
    fprintf(f, "# Mbps");
    for (size_t s = 0; s < sw->n_solvers; s++)
        fprintf(f, " %s", solvers[s].name);
    fprintf(f, "   (expected latency, ms; NaN: does not apply)\n");
    for (size_t p = 0; p < sw->n_points; p++) {
        fprintf(f, "%.6g", sw->rate_bps[p] / 1e6);
        for (size_t s = 0; s < sw->n_solvers; s++)
            fprintf(f, " %.9g", sw->objective_ms[p * sw->n_solvers + s]);
        fprintf(f, "\n");
    }
    const char *sep = "plot ";
    static const char *const styles[] = {"lw 3 lc rgb '#000000'", "lw 2 dt 2 lc rgb '#d62728'",
                                         "lw 2 lc rgb '#9467bd'", "lw 2 dt 3 lc rgb '#1f77b4'",
                                         "lw 2 dt 4 lc rgb '#ff7f0e'", "lw 2 lc rgb '#2ca02c'",
                                         "lw 2 lc rgb '#8c564b'", "lw 2 lc rgb '#17becf'"};
    for (size_t s = 0; s < sw->n_solvers; s++) {
        if (isnan(sw->objective_ms[s]))
            continue;
        fprintf(gp, "%s'bandwidth.dat' using 1:%zu with linespoints pt 7 ps 0.5 %s title '%s'",
                sep, s + 2, styles[s % (sizeof styles / sizeof styles[0])], solvers[s].name);
        sep = ", \\\n     ";
    }
    fprintf(gp, "\n");
    return out_close(f, dir, "bandwidth.dat", err);
}

static pd_status draw(const char *dir, const pd_sweep *sw, const pd_solver *solvers,
                      double exact_ms, const pd_scenario *sc, pd_error *err)
{
    FILE *gp = out_open(dir, "plots.gp", err);
    if (!gp)
        return PD_EINPUT;
    fprintf(gp, "# Made by predoff experiment paper; run gnuplot plots.gp in this folder.\n"
                "set terminal pngcairo size 960,600 font 'sans,11'\n"
                "set grid\nset key top right\n"
                "set output 'ga-convergence.png'\n"
                "set title 'Genetic algorithm on b-alexnet (seed 1): expected latency per generation'\n"
                "set xlabel 'generation (0: the random first population)'\n"
                "set ylabel 'expected latency (ms)'\nset logscale y\n"
                "plot 'ga-convergence.dat' using 1:2 with lines lw 2 title 'best', \\\n"
                "     'ga-convergence.dat' using 1:3 with lines lw 2 title 'mean', \\\n"
                "     %.9g with lines dt 2 lw 2 title 'exact optimum'\n"
                "set output 'bandwidth.png'\n"
                "set title 'b-alexnet: expected latency against the mobile-edge bandwidth (%s)'\n"
                "set xlabel 'bandwidth, both ways (Mbps)'\nset logscale x\n"
                "set key outside right\n",
            exact_ms, sc->demand.spec);
    pd_status st = write_sweep(dir, sw, solvers, gp, err);
    pd_status st2 = out_close(gp, dir, "plots.gp", err);
    if (st || st2)
        return st ? st : st2;
    return plot_run(dir, "plots.gp", err);
}

static void print_results(const cli_setup *s, const pd_solver_result *r, size_t n,
                          const pd_ga_runs *runs, const pd_solve_options *opt, double repeats)
{
    printf("The paper's section-5 experiment (Pre-DNNOff, section 5.2)\n");
    printf("model: %s (%zu layers, %zu exits; exit accuracies assumed, see docs/REPRODUCTION.md)\n",
           s->g->name, s->g->n_layers, s->g->n_exits);
    report_scenario_line(stdout, &s->sc);
    printf("\nevery solver (solve time: median of %g runs):\n", repeats);
    report_comparison(stdout, s->g, s->pb, r, n, "edgent");

    double *sorted = malloc(runs->runs * sizeof *sorted);
    double *times = malloc(runs->runs * sizeof *times);
    if (sorted && times) {
        memcpy(sorted, runs->objective_ms, runs->runs * sizeof *sorted);
        memcpy(times, runs->solve_ms, runs->runs * sizeof *times);
        double med = pd_median(sorted, runs->runs);
        printf("\ngenetic algorithm, %zu runs (seeds 1..%zu; population %zu, %zu generations, "
               "crossover %g, mutation %g, elitism %zu, scaling %g):\n",
               runs->runs, runs->runs, opt->ga.population, opt->ga.generations,
               opt->ga.crossover, opt->ga.mutation, opt->ga.elitism, opt->ga.scaling);
        printf("  reached the exact optimum (%.4f ms) in %zu of %zu runs\n", runs->exact_ms,
               runs->reached, runs->runs);
        printf("  expected latency: best %.4f, median %.4f, worst %.4f ms; median time %.3f ms\n",
               sorted[0], med, sorted[runs->runs - 1], pd_median(times, runs->runs));
    }
    free(sorted);
    free(times);

    const pd_solver_result *ex = find_result(r, n, "exact"), *ed = find_result(r, n, "edgent");
    printf("\n%-28s %12s %12s %10s\n", "", "Pre-DNNOff", "Edgent", "difference");
    printf("%-28s %9.2f ms %9.2f ms %+9.1f%%\n", "paper (table 4.2, GA)", PAPER_PREDNNOFF_MS,
           PAPER_EDGENT_MS, 100.0 * (PAPER_PREDNNOFF_MS - PAPER_EDGENT_MS) / PAPER_EDGENT_MS);
    if (ex && ed)
        printf("%-28s %9.2f ms %9.2f ms %+9.1f%%\n", "predoff (exact solver)", ex->objective_ms,
               ed->objective_ms, 100.0 * (ex->objective_ms - ed->objective_ms) / ed->objective_ms);
}

int cmd_experiment(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    if (p->n_pos != 1 || strcmp(p->pos[0], "paper") != 0) {
        pd_error_set(&err, PD_EINPUT, "experiment: expected the name of an experiment: paper");
        return cli_fail(&err);
    }
    experiment_args a;
    pd_solve_options opt;
    const char *unused_solver = NULL, *unused_json = NULL;
    if (read_args(p, &a, &err) || cli_solve_flags(p, &opt, &unused_solver, &unused_json, &err) ||
        out_mkdir(a.out, &err))
        return cli_fail(&err);
    cli_setup s;
    if (cli_setup_model(p, "b-alexnet", &s, &err))
        return cli_fail(&err);
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    pd_solver_result *r = malloc(n * sizeof *r);
    pd_ga_runs runs = {0};
    pd_solution conv = {0};
    pd_sweep sw = {0};
    int status = EXIT_OK;
    pd_solve_options first = opt;
    first.seed = 1;
    if (!r) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        status = cli_fail(&err);
    } else if (pd_compare_solvers(s.pb, &opt, (size_t)a.repeats, r, &err) ||
               pd_ga_repeat(s.pb, &opt, 1, (size_t)a.runs, &runs, &err) ||
               pd_solve(pd_solver_find("ga"), s.pb, &first, &conv, &err) ||
               write_convergence(a.out, &conv, &err)) {
        status = cli_fail(&err);
    } else {
        print_results(&s, r, n, &runs, &opt, a.repeats);
        fflush(stdout);
        double exact = runs.exact_ms;
        if (pd_bandwidth_sweep(s.pb, &first, 0.1e6, 100e6, (size_t)a.points, s.sc.wired_bps,
                               s.sc.wireless_delay_ms, s.sc.wired_delay_ms, &sw, &err) ||
            draw(a.out, &sw, solvers, exact, &s.sc, &err))
            status = cli_fail(&err);
        else
            printf("\npictures: %s/ga-convergence.png (GA, seed 1), %s/bandwidth.png "
                   "(%zu bandwidths, GA seed 1); data and plots.gp beside them\n",
                   a.out, a.out, sw.n_points);
    }
    pd_sweep_free(&sw);
    pd_solution_free(&conv);
    pd_ga_runs_free(&runs);
    free(r);
    cli_setup_close(&s);
    return status;
}
