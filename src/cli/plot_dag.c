/* experiment dag's data and pictures: ARCH.dat (every solver against the rate, two tiers
 * then three) and plots.gp, which draws latency-ARCH.png, gain.png and (dag_placement.c's
 * part) placement-ARCH.png from them and ARCH-placement.dat. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiment_dag.h"
#include "plot.h"

const char *const cli_dag_case_title[2] = {"two tiers: mobile, edge",
                                          "three tiers: mobile, edge, cloud"};
static const char *const case_words[2] = {"two tiers", "three tiers"};

/* Whether solver column s has a value at some point. */
static int applies(const pd_sweep *sw, size_t s)
{
    for (size_t p = 0; p < sw->n_points; p++)
        if (!isnan(sw->objective_ms[p * sw->n_solvers + s]))
            return 1;
    return 0;
}

static void write_case(FILE *f, const cli_dag_case *c, int k)
{
    const pd_sweep *sw = &c->sw;
    fprintf(f, "# %s; did not apply (NaN):", cli_dag_case_title[k]);
    int none = 1;
    for (size_t s = 0; s < sw->n_solvers; s++)
        if (c->ref[s].status) {
            fprintf(f, "%s %s (%s)", none ? "" : ";", c->ref[s].solver->name, c->ref[s].msg);
            none = 0;
        }
    fprintf(f, "%s\n", none ? " none" : "");
    for (size_t p = 0; p < sw->n_points; p++) {
        fprintf(f, "%.6g", sw->rate_bps[p] / 1e6);
        for (size_t s = 0; s < sw->n_solvers; s++)
            fprintf(f, " %.9g", sw->objective_ms[p * sw->n_solvers + s]);
        if (c->ga.runs)
            fprintf(f, " %.9g %.9g %.9g %zu", c->ga.best[p], c->ga.median[p], c->ga.worst[p],
                    c->ga.reached[p]);
        else
            fprintf(f, " NaN NaN NaN NaN");
        double ex = sw->objective_ms[p * sw->n_solvers + cli_dag_column("exact")];
        double single = cli_dag_best_single(sw, p, NULL);
        double base = cli_dag_best_baseline(sw, p, NULL);
        fprintf(f, " %.9g %.9g %.9g %.9g\n", single, cli_dag_gain_pct(ex, single), base,
                cli_dag_gain_pct(ex, base));
    }
}

static pd_status write_data(const char *dir, const cli_dag_arch *a, pd_error *err)
{
    char name[CLI_DAG_NAME_MAX + 16];
    snprintf(name, sizeof name, "%s.dat", a->name);
    FILE *f = cli_out_open(dir, name, err);
    if (!f)
        return PD_EINPUT;
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    fprintf(f, "# predoff experiment dag: %s (%zu layers, %zu exits), expected latency (ms) "
               "against the mobile-edge rate (Mbps, both ways)\n"
               "# index 0: two tiers, index 1: three tiers; NaN: does not apply\n# Mbps",
            a->name, a->n_layers, a->n_exits);
    for (size_t s = 0; s < n; s++)
        fprintf(f, " %s", solvers[s].name);
    fprintf(f, " ga_best ga_median ga_worst ga_reached best_single single_gain_pct best_baseline "
               "baseline_gain_pct\n# (ga: seed 1; ga_*: seeds 1..runs, ga_reached of them at "
               "the exact optimum; best_single: edgent or neurosurgeon; best_baseline: every "
               "solver but exact, brute and ga; gain: the share of its latency the exact plan "
               "saves, %%)\n");
    for (int k = 0; k < 2; k++) {
        if (k)
            fprintf(f, "\n\n");
        write_case(f, &a->c[k], k);
    }
    return cli_out_close(f, dir, name, err);
}

/* The lowest and highest latency worth showing: every finite value, up to twice the worst
 * of the exact plan and the best single cut (the one-tier placements climb far above). */
static void y_range(const cli_dag_arch *a, double *lo, double *hi)
{
    double top = 0.0;
    *lo = INFINITY;
    for (int k = 0; k < 2; k++) {
        const pd_sweep *sw = &a->c[k].sw;
        for (size_t p = 0; p < sw->n_points; p++) {
            double s = cli_dag_best_single(sw, p, NULL);
            double e = sw->objective_ms[p * sw->n_solvers + cli_dag_column("exact")];
            top = fmax(top, fmax(isnan(s) ? 0.0 : s, isnan(e) ? 0.0 : e));
            for (size_t v = 0; v < sw->n_solvers; v++)
                if (!isnan(sw->objective_ms[p * sw->n_solvers + v]))
                    *lo = fmin(*lo, sw->objective_ms[p * sw->n_solvers + v]);
        }
    }
    if (!isfinite(*lo) || !(top > 0.0)) {
        *lo = 0.1;
        top = 1.0;
    }
    *lo *= 0.8;
    *hi = 2.0 * top;
}

/* y tics at 1, 2 and 5 times the powers of ten in [lo, hi]. */
static void log_tics(FILE *gp, double lo, double hi)
{
    const char *sep = "set ytics (";
    for (double d = pow(10.0, floor(log10(lo))); d <= hi; d *= 10.0)
        for (int m = 0; m < 3; m++) {
            double v = d * (m == 0 ? 1.0 : m == 1 ? 2.0 : 5.0);
            if (v < lo || v > hi)
                continue;
            fprintf(gp, "%s%g", sep, v);
            sep = ", ";
        }
    fprintf(gp, "%s\n", *sep == ',' ? ")" : "set ytics autofreq");
}

static void plot_latency(FILE *gp, const cli_dag_arch *a)
{
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    double lo, hi;
    y_range(a, &lo, &hi);
    fprintf(gp, "\nreset\nset terminal pngcairo size 1280,680 font 'sans,10' noenhanced\n"
                "set output 'latency-%s.png'\n"
                "set multiplot layout 1,2 title '%s (%zu layers, %zu exits): expected latency "
                "against the mobile-edge bandwidth' font ',13'\n"
                "set xrange [%g:%g]\nset yrange [%.6g:%.6g]\nset logscale xy\nset grid\n"
                "set xlabel 'bandwidth, both ways (Mbps)'\nset ylabel 'expected latency (ms)'\n"
                "set key outside below center horizontal maxrows 3 width -1 spacing 1.1\n"
                "set bmargin 9\n",
            a->name, a->name, a->n_layers, a->n_exits, CLI_DAG_LO_BPS / 1e6, CLI_DAG_HI_BPS / 1e6,
            lo, hi);
    log_tics(gp, lo, hi);
    for (int k = 0; k < 2; k++) {
        const cli_dag_case *c = &a->c[k];
        fprintf(gp, "set title '%s'\nunset label 1\n", cli_dag_case_title[k]);
        int none = 1;
        for (size_t s = 0; s < n; s++)
            if (!applies(&c->sw, s)) {
                fprintf(gp, "%s%s", none ? "set label 1 'did not apply: " : ", ", solvers[s].name);
                none = 0;
            }
        if (!none)
            fprintf(gp, "' at graph 0.02, graph 0.04 font ',9'\n");
        const char *sep = "plot ";
        if (c->ga.runs) {
            fprintf(gp, "plot '%s.dat' index %d using 1:%zu:%zu with filledcurves fs transparent "
                        "solid 0.15 noborder lc rgb '#d62728' title 'ga, seeds 1..%zu'",
                    a->name, k, n + 2, n + 4, c->ga.runs);
            sep = ", \\\n     ";
        }
        for (int layer = 0; layer < CLI_PLOT_LAYERS; layer++)
            for (size_t s = 0; s < n; s++) {
                int at;
                const char *style = cli_plot_solver_style(solvers[s].name, &at);
                if (at != layer || !applies(&c->sw, s))
                    continue;
                fprintf(gp, "%s'%s.dat' index %d using 1:%zu with %s title '%s%s'", sep, a->name,
                        k, s + 2, style, solvers[s].name,
                        strcmp(solvers[s].name, "ga") ? "" : ", seed 1");
                sep = ", \\\n     ";
            }
        fprintf(gp, "\n");
    }
    fprintf(gp, "unset multiplot\nunset label 1\n");
}

/* The gain of the exact plan over the best single cut (top) and the best baseline (bottom),
 * one line per architecture. */
static void plot_gain(FILE *gp, const cli_dag_arch *archs, size_t count)
{
    size_t n;
    pd_solvers(&n);
    fprintf(gp, "\nreset\nset terminal pngcairo size 1280,900 font 'sans,10' noenhanced\n"
                "set output 'gain.png'\n"
                "set multiplot layout 2,2 title 'What the exact DAG plan saves: the share of "
                "the other plan''s expected latency' font ',13'\n"
                "set logscale x\nset grid\nset xrange [%g:%g]\n"
                "set yrange [-1:*]\nset xlabel 'bandwidth, both ways (Mbps)'\n"
                "set key outside below center horizontal maxcols 3\n",
            CLI_DAG_LO_BPS / 1e6, CLI_DAG_HI_BPS / 1e6);
    static const char *const against[2] = {"the best single cut (edgent, neurosurgeon)",
                                           "the best baseline (all but exact, brute, ga)"};
    for (int b = 0; b < 2; b++)
        for (int k = 0; k < 2; k++) {
            fprintf(gp, "set title '%s, against %s'\nset ylabel 'saved (%%)'\nplot ",
                    case_words[k], against[b]);
            for (size_t i = 0; i < count; i++)
                fprintf(gp, "%s'%s.dat' index %d using 1:%zu with linespoints lw 2 pt %zu ps 0.7 "
                            "title '%s'",
                        i ? ", \\\n     " : "", archs[i].name, k, n + 7 + 2 * (size_t)b, i + 4,
                        archs[i].name);
            fprintf(gp, "\n");
        }
    fprintf(gp, "unset multiplot\n");
}

pd_status cli_plot_dag(const char *dir, const cli_dag_arch *archs, size_t n, pd_error *err)
{
    for (size_t i = 0; i < n; i++) {
        pd_status st = write_data(dir, &archs[i], err);
        if (!st)
            st = cli_dag_write_placements(dir, &archs[i], err);
        if (st)
            return st;
    }
    FILE *gp = cli_out_open(dir, "plots.gp", err);
    if (!gp)
        return PD_EINPUT;
    fprintf(gp, "# Made by predoff experiment dag; run gnuplot plots.gp in this folder.\n");
    for (size_t i = 0; i < n; i++) {
        plot_latency(gp, &archs[i]);
        cli_dag_plot_placement(gp, &archs[i]);
    }
    plot_gain(gp, archs, n);
    pd_status st = cli_out_close(gp, dir, "plots.gp", err);
    return st ? st : cli_plot_run(dir, "plots.gp", err);
}
