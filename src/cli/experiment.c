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

/* The GA over seeds 1..runs at every point of a sweep: best, median and worst result, and
 * how many seeds reached the exact optimum. */
typedef struct sweep_ga {
    size_t runs;
    double *best, *median, *worst; /* [n_points], owned */
    size_t *reached;               /* [n_points], owned */
} sweep_ga;

static void sweep_ga_free(sweep_ga *ga)
{
    free(ga->best);
    free(ga->median);
    free(ga->worst);
    free(ga->reached);
    memset(ga, 0, sizeof *ga);
}

static pd_status sweep_ga_run(cli_setup *s, const experiment_args *a, const pd_sweep *sw,
                              sweep_ga *ga, pd_error *err)
{
    size_t np = sw->n_points;
    *ga = (sweep_ga){(size_t)a->runs, malloc(np * sizeof(double)), malloc(np * sizeof(double)),
                     malloc(np * sizeof(double)), malloc(np * sizeof(size_t))};
    if (!ga->best || !ga->median || !ga->worst || !ga->reached) {
        sweep_ga_free(ga);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t p = 0; p < np; p++) {
        pd_problem_set_links(s->pb, sw->rate_bps[p], sw->rate_bps[p], s->sc.wired_bps,
                             s->sc.wireless_delay_ms, s->sc.wired_delay_ms);
        pd_ga_runs r;
        pd_status st = pd_ga_repeat(s->pb, &a->opt, 1, ga->runs, &r, err);
        if (st) {
            sweep_ga_free(ga);
            return st;
        }
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < r.runs; i++) {
            lo = fmin(lo, r.objective_ms[i]);
            hi = fmax(hi, r.objective_ms[i]);
        }
        ga->best[p] = lo;
        ga->worst[p] = hi;
        ga->median[p] = pd_median(r.objective_ms, r.runs);
        ga->reached[p] = r.reached;
        pd_ga_runs_free(&r);
    }
    return PD_OK;
}

/* How each solver is drawn: the exact optimum last, so on top of every curve that touches
 * it; the single-tier baselines as wide pale bands beneath (they coincide with the optimum
 * over whole ranges); Edgent and Neurosurgeon, which often coincide with each other, with
 * markers that stay visible one inside the other. Unknown solvers get the last style. */
static const struct sweep_style {
    const char *solver;
    int layer; /* drawing order: lower first */
    const char *style;
} sweep_styles[] = {
    {"mobile", 0, "lines lw 9 lc rgb '#802ca02c'"},
    {"edge", 0, "lines lw 9 lc rgb '#808c564b'"},
    {"cloud", 0, "lines lw 9 lc rgb '#8017becf'"},
    {"brute", 1, "linespoints lw 1 dt 3 pt 6 ps 1.8 lc rgb '#7f7f7f'"},
    {"edgent", 2, "linespoints lw 1.5 dt 2 pt 4 ps 1.6 lc rgb '#1f77b4'"},
    {"neurosurgeon", 2, "linespoints lw 1.5 dt 4 pt 2 ps 1.1 lc rgb '#ff7f0e'"},
    {"ga", 3, "linespoints lw 2 dt 1 pt 9 ps 1.1 lc rgb '#d62728'"},
    {"exact", 4, "linespoints lw 2 dt 1 pt 7 ps 0.6 lc rgb '#000000'"},
    {NULL, 1, "linespoints lw 1.5 dt 5 pt 3 ps 1 lc rgb '#e377c2'"},
};

static const struct sweep_style *style_of(const char *solver)
{
    const struct sweep_style *st = sweep_styles;
    while (st->solver && strcmp(st->solver, solver) != 0)
        st++;
    return st;
}

/* Columns: Mbps, one per solver (NaN where it does not apply), then the GA over its seeds. */
static pd_status write_sweep(const char *dir, const pd_sweep *sw, const sweep_ga *ga,
                             const pd_solver *solvers, FILE *gp, pd_error *err)
{
    FILE *f = out_open(dir, "bandwidth.dat", err);
    if (!f)
        return PD_EINPUT;
    fprintf(f, "# Mbps");
    for (size_t s = 0; s < sw->n_solvers; s++)
        fprintf(f, " %s", solvers[s].name);
    fprintf(f, " ga_best ga_median ga_worst ga_reached   (expected latency, ms; NaN: does not "
               "apply; ga: seed 1; ga_*: seeds 1..%zu, ga_reached of them at the exact optimum)\n",
            ga->runs);
    for (size_t p = 0; p < sw->n_points; p++) {
        fprintf(f, "%.6g", sw->rate_bps[p] / 1e6);
        for (size_t s = 0; s < sw->n_solvers; s++)
            fprintf(f, " %.9g", sw->objective_ms[p * sw->n_solvers + s]);
        fprintf(f, " %.9g %.9g %.9g %zu\n", ga->best[p], ga->median[p], ga->worst[p],
                ga->reached[p]);
    }
    size_t col = sw->n_solvers + 2; /* ga_best */
    fprintf(gp, "plot 'bandwidth.dat' using 1:%zu:%zu with filledcurves "
                "fs transparent solid 0.15 noborder lc rgb '#d62728' "
                "title 'ga, seeds 1..%zu: best to worst', \\\n"
                "     'bandwidth.dat' using 1:%zu with lines lw 1.5 dt 3 lc rgb '#d62728' "
                "title 'ga, median of the seeds'",
            col, col + 2, ga->runs, col + 1);
    for (int layer = 0; layer <= 4; layer++)
        for (size_t s = 0; s < sw->n_solvers; s++) {
            const struct sweep_style *st = style_of(solvers[s].name);
            if (st->layer != layer || isnan(sw->objective_ms[s]))
                continue;
            fprintf(gp, ", \\\n     'bandwidth.dat' using 1:%zu with %s title '%s%s'", s + 2,
                    st->style, solvers[s].name, strcmp(solvers[s].name, "ga") ? "" : ", seed 1");
        }
    fprintf(gp, "\n");
    return out_close(f, dir, "bandwidth.dat", err);
}

static pd_status draw(const experiment_args *a, const pd_graph *g, const pd_sweep *sw,
                      const sweep_ga *ga, const pd_solver *solvers, double exact_ms,
                      const pd_scenario *sc, pd_error *err)
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
                "set terminal pngcairo size 960,720 font 'sans,11'\n"
                "set output 'bandwidth.png'\n"
                "set title '%s: expected latency against the mobile-edge bandwidth (%s)'\n"
                "set xlabel 'bandwidth, both ways (Mbps)'\nset logscale x\nset logscale y\n"
                "set autoscale yfix\nset offsets 0, 0, graph 0.04, graph 0.04\n"
                "set key outside below center horizontal maxcols 4 spacing 1.2 width 2\n",
            a->name, g->name, exact_ms, g->name, sc->demand.spec);
    pd_status st = write_sweep(a->out, sw, ga, solvers, gp, err);
    pd_status st2 = out_close(gp, a->out, "plots.gp", err);
    if (st || st2)
        return st ? st : st2;
    return plot_run(a->out, "plots.gp", err);
}

/* One line on the GA across the sweep: where every seed found the optimum, and the worst gap
 * of seed 1 (the plotted curve) and of any seed. */
static void print_sweep_ga(const pd_sweep *sw, const sweep_ga *ga, size_t exact_col,
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

pd_status experiment_sweep(cli_setup *s, const experiment_args *a, const experiment_run *run,
                           pd_error *err)
{
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    pd_solve_options first = a->opt;
    first.seed = 1;
    pd_sweep sw = {0};
    sweep_ga ga = {0};
    pd_status st = pd_bandwidth_sweep(s->pb, &first, 0.1e6, 100e6, (size_t)a->points,
                                      s->sc.wired_bps, s->sc.wireless_delay_ms,
                                      s->sc.wired_delay_ms, &sw, err);
    if (!st)
        st = sweep_ga_run(s, a, &sw, &ga, err);
    if (!st)
        st = draw(a, s->g, &sw, &ga, solvers, run->runs.exact_ms, &s->sc, err);
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
    sweep_ga_free(&ga);
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
