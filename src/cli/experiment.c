/* The parts of the experiments they share (experiment.h). */
#include "experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"

pd_status experiment_read_args(const cli_parsed *p, const char *name, const char *default_out,
                               experiment_args *a, pd_error *err)
{
    *a = (experiment_args){name, default_out, 20, 31, 5, {0}};
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
    return st ? st : out_mkdir(a->out, err);
}

const pd_solver_result *experiment_result(const experiment_run *run, const char *name)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->r[i].solver->name, name) == 0)
            return run->r[i].status ? NULL : &run->r[i];
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

pd_status experiment_solve(const cli_setup *s, const experiment_args *a, experiment_run *run,
                           pd_error *err)
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
        experiment_run_free(run);
    return st;
}

void experiment_print(const cli_setup *s, const experiment_run *run, const experiment_args *a)
{
    const pd_ga_runs *runs = &run->runs;
    const pd_solve_options *opt = &a->opt;
    printf("\nevery solver (solve time: median of %g runs):\n", a->repeats);
    report_comparison(stdout, s->g, s->pb, run->r, run->n, "edgent");

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

static pd_status draw(const experiment_args *a, const pd_graph *g, const pd_sweep *sw,
                      const pd_solver *solvers, double exact_ms, const pd_scenario *sc,
                      pd_error *err)
{
    FILE *gp = out_open(a->out, "plots.gp", err);
    if (!gp)
        return PD_EINPUT;
    fprintf(gp, "# Made by predoff experiment %s; run gnuplot plots.gp in this folder.\n"
                "set terminal pngcairo size 960,600 font 'sans,11'\n"
                "set grid\nset key top right\n"
                "set output 'ga-convergence.png'\n"
                "set title 'Genetic algorithm on %s (seed 1): expected latency per generation'\n"
                "set xlabel 'generation (0: the random first population)'\n"
                "set ylabel 'expected latency (ms)'\nset logscale y\n"
                "plot 'ga-convergence.dat' using 1:2 with lines lw 2 title 'best', \\\n"
                "     'ga-convergence.dat' using 1:3 with lines lw 2 title 'mean', \\\n"
                "     %.9g with lines dt 2 lw 2 title 'exact optimum'\n"
                "set output 'bandwidth.png'\n"
                "set title '%s: expected latency against the mobile-edge bandwidth (%s)'\n"
                "set xlabel 'bandwidth, both ways (Mbps)'\nset logscale x\n"
                "set key outside right\n",
            a->name, g->name, exact_ms, g->name, sc->demand.spec);
    pd_status st = write_sweep(a->out, sw, solvers, gp, err);
    pd_status st2 = out_close(gp, a->out, "plots.gp", err);
    if (st || st2)
        return st ? st : st2;
    return plot_run(a->out, "plots.gp", err);
}

pd_status experiment_sweep(cli_setup *s, const experiment_args *a, const experiment_run *run,
                           pd_error *err)
{
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    pd_solve_options first = a->opt;
    first.seed = 1;
    pd_sweep sw = {0};
    pd_status st = pd_bandwidth_sweep(s->pb, &first, 0.1e6, 100e6, (size_t)a->points,
                                      s->sc.wired_bps, s->sc.wireless_delay_ms,
                                      s->sc.wired_delay_ms, &sw, err);
    if (!st)
        st = draw(a, s->g, &sw, solvers, run->runs.exact_ms, &s->sc, err);
    if (!st)
        printf("\npictures: %s/ga-convergence.png (GA, seed 1), %s/bandwidth.png "
               "(%zu bandwidths, GA seed 1); data and plots.gp beside them\n",
               a->out, a->out, sw.n_points);
    pd_sweep_free(&sw);
    return st;
}

void experiment_run_free(experiment_run *run)
{
    pd_solution_free(&run->conv);
    pd_ga_runs_free(&run->runs);
    free(run->r);
    memset(run, 0, sizeof *run);
}
