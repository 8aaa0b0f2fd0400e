/* The parts of the experiments they share (experiment.h). */
#include "experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"

/* The flags of the experiment table that only some experiments take. */
static const struct flag_owner {
    const char *flag;
    const char *experiments; /* the ones that take it, space-separated */
} flag_owners[] = {
    {"--model", "fmnist"},           {"--repeats", "paper fmnist"}, {"--models", "dag"},
    {"--archs", "dag"},              {"--at", "dag"},               {"--mobile-slowdown", "dag"},
};

/* Whether the space-separated list holds the word. */
static int list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *c = list; (c = strstr(c, word)); c += n)
        if ((c == list || c[-1] == ' ') && (c[n] == ' ' || c[n] == '\0'))
            return 1;
    return 0;
}

pd_status cli_experiment_read_args(const cli_parsed *p, cli_experiment_args *a, pd_error *err)
{
    for (size_t i = 0; i < p->n_opts; i++)
        for (size_t k = 0; k < sizeof flag_owners / sizeof flag_owners[0]; k++)
            if (cli_is(&p->opts[i], flag_owners[k].flag) &&
                !list_has(flag_owners[k].experiments, a->name))
                return pd_error_set(err, PD_EINPUT, "experiment %s: %s is for experiment %s",
                                    a->name, flag_owners[k].flag, flag_owners[k].experiments);
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
    const char *unused_solver = NULL, *unused_json = NULL;
    pd_status st = cli_solve_flags(p, &a->opt, &unused_solver, &unused_json, err);
    return st ? st : cli_out_mkdir(a->out, err);
}

const pd_solver_result *cli_experiment_result(const cli_experiment_run *run, const char *name)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->r[i].solver->name, name) == 0)
            return run->r[i].status ? NULL : &run->r[i];
    return NULL;
}

static pd_status write_convergence(const char *dir, const pd_solution *sol, pd_error *err)
{
    FILE *f = cli_out_open(dir, "ga-convergence.dat", err);
    if (!f)
        return PD_EINPUT;
    fprintf(f, "# generation best_ms mean_ms (generation 0: the random first population)\n");
    for (size_t g = 0; g < sol->n_history; g++)
        fprintf(f, "%zu %.9g %.9g\n", g, sol->history_best[g], sol->history_mean[g]);
    return cli_out_close(f, dir, "ga-convergence.dat", err);
}

pd_status cli_experiment_solve(const cli_setup *s, const cli_experiment_args *a,
                               cli_experiment_run *run, pd_error *err)
{
    memset(run, 0, sizeof *run);
    pd_solvers(&run->n);
    run->r = malloc(run->n * sizeof *run->r);
    if (!run->r)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_solve_options first = a->opt;
    first.seed = 1;
    pd_status st = pd_compare_solvers(s->pb, &a->opt, (size_t)a->repeats, run->r, err);
    if (!st)
        st = pd_ga_repeat(s->pb, &a->opt, 1, (size_t)a->runs, &run->runs, err);
    if (!st)
        st = pd_solve(pd_solver_find("ga"), s->pb, &first, &run->conv, err);
    if (!st)
        st = write_convergence(a->out, &run->conv, err);
    if (st)
        cli_experiment_run_free(run);
    return st;
}

void cli_experiment_print(const cli_setup *s, const cli_experiment_run *run,
                          const cli_experiment_args *a)
{
    const pd_ga_runs *runs = &run->runs;
    const pd_solve_options *opt = &a->opt;
    printf("\nevery solver (solve time: median of %g runs):\n", a->repeats);
    cli_report_comparison(stdout, s->g, s->pb, run->r, run->n, "edgent");

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
    } else {
        printf("\ngenetic algorithm: out of memory summarising the runs\n");
    }
    free(sorted);
    free(times);
}

/* One line on the GA across the sweep: where every seed found the optimum, and the worst gap
 * of seed 1 (the plotted curve) and of any seed. */
static void print_sweep_ga(const pd_sweep *sw, const pd_sweep_ga *ga, size_t exact_col,
                           size_t ga_col)
{
    size_t all = 0, w1 = 0, wa = 0;
    double g1 = 0.0, ga_gap = 0.0;
    for (size_t p = 0; p < sw->n_points; p++) {
        double ex = sw->objective_ms[p * sw->n_solvers + exact_col];
        double s1 = sw->objective_ms[p * sw->n_solvers + ga_col];
        all += ga->reached[p] == ga->runs;
        if (s1 / ex > g1) {
            g1 = s1 / ex;
            w1 = p;
        }
        if (ga->worst[p] / ex > ga_gap) {
            ga_gap = ga->worst[p] / ex;
            wa = p;
        }
    }
    const double *o = sw->objective_ms;
    size_t n = sw->n_solvers;
    printf("genetic algorithm on the sweep, seeds 1..%zu: every seed at the exact optimum at %zu "
           "of %zu bandwidths; seed 1 furthest above it at %.3g Mbps (%.1f ms, optimum %.1f, "
           "x%.2f), any seed at %.3g Mbps (%.1f ms, optimum %.1f, x%.2f; median of the seeds "
           "%.1f)\n",
           ga->runs, all, sw->n_points, sw->rate_bps[w1] / 1e6, o[w1 * n + ga_col],
           o[w1 * n + exact_col], g1, sw->rate_bps[wa] / 1e6, ga->worst[wa],
           o[wa * n + exact_col], ga_gap, ga->median[wa]);
}

pd_status cli_experiment_sweep(cli_setup *s, const cli_experiment_args *a,
                               const cli_experiment_run *run, pd_error *err)
{
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    pd_solve_options first = a->opt;
    first.seed = 1;
    pd_sweep sw = {0};
    pd_sweep_ga ga = {0};
    pd_status st = pd_bandwidth_sweep(s->pb, &first, 0.1e6, 100e6, (size_t)a->points,
                                      s->sc.wired_bps, s->sc.wireless_delay_ms,
                                      s->sc.wired_delay_ms, &sw, err);
    if (!st)
        st = pd_sweep_ga_run(s->pb, &a->opt, (size_t)a->runs, &sw, s->sc.wired_bps,
                             s->sc.wireless_delay_ms, s->sc.wired_delay_ms, &ga, err);
    if (!st)
        st = cli_plot_experiment(a->out, a->name, s->g, &sw, &ga, solvers, run->runs.exact_ms,
                                 &s->sc, err);
    if (!st) {
        size_t exact_col = n, ga_col = n;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(solvers[i].name, "exact") == 0)
                exact_col = i;
            if (strcmp(solvers[i].name, "ga") == 0)
                ga_col = i;
        }
        printf("\n");
        if (exact_col < n && ga_col < n)
            print_sweep_ga(&sw, &ga, exact_col, ga_col);
        printf("pictures: %s/ga-convergence.png (GA, seed 1), %s/bandwidth.png "
               "(%zu bandwidths, GA seed 1 and seeds 1..%zu); data and plots.gp beside them\n",
               a->out, a->out, sw.n_points, ga.runs);
    }
    pd_sweep_ga_free(&ga);
    pd_sweep_free(&sw);
    return st;
}

void cli_experiment_run_free(cli_experiment_run *run)
{
    pd_solution_free(&run->conv);
    pd_ga_runs_free(&run->runs);
    free(run->r);
    memset(run, 0, sizeof *run);
}
