/* experiment dag's placement strips: ARCH-placement.dat, each layer's tier in topological
 * order under the exact plan and the best single cut at a few rates, and the part of
 * plots.gp that draws it as placement-ARCH.png. */
#include <stdio.h>

#include "experiment_dag.h"
#include "plot.h"

/* The tiers' colours, as experiment paper draws the one-tier placements, and grey for a
 * layer a plan never runs. */
static const char *const tier_colour[PD_TIER_COUNT + 1] = {"#2ca02c", "#8c564b", "#17becf",
                                                           "#d9d9d9"};

/* One matrix per set of tiers: a row per plan (each rate: exact, then the single cut), a
 * column per layer. */
pd_status cli_dag_write_placements(const char *dir, const cli_dag_arch *a, pd_error *err)
{
    char name[CLI_DAG_NAME_MAX + 32];
    snprintf(name, sizeof name, "%s-placement.dat", a->name);
    FILE *f = cli_out_open(dir, name, err);
    if (!f)
        return PD_EINPUT;
    for (int k = 0; k < 2; k++) {
        fprintf(f, "%s# %s: each layer's tier in topological order (0 mobile, 1 edge, 2 cloud, "
                   "3 not run; NaN: no single cut applied), a row per plan: at each rate the exact "
                   "plan, then the best single cut\n",
                k ? "\n\n" : "", cli_dag_case_title[k]);
        for (size_t i = 0; i < a->c[k].n_at; i++)
            for (int row = 0; row < 2; row++) {
                const unsigned char *t = row ? a->c[k].at[i].single_tier : a->c[k].at[i].exact_tier;
                for (size_t l = 0; l < a->n_layers; l++)
                    if (t)
                        fprintf(f, l ? " %d" : "%d", (int)t[l]);
                    else
                        fprintf(f, l ? " NaN" : "NaN");
                fprintf(f, "\n");
            }
    }
    return cli_out_close(f, dir, name, err);
}

void cli_dag_plot_placement(FILE *gp, const cli_dag_arch *a)
{
    size_t rows = 2 * a->c[0].n_at;
    fprintf(gp, "\nreset\nset terminal pngcairo size 1280,%zu font 'sans,10' noenhanced\n"
                "set output 'placement-%s.png'\n"
                "set multiplot layout 2,1 title '%s: where each layer runs, the exact plan "
                "against the best single cut' font ',13'\n"
                "unset key\nset lmargin 34\nset rmargin 12\n"
                "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\nset x2range [-0.5:%zu.5]\n"
                "set xlabel 'layers in topological order'\nunset ylabel\nset xtics out nomirror\n"
                "set cbrange [-0.5:3.5]\nset palette maxcolors 4\n"
                "set palette defined (0 '%s', 1 '%s', 2 '%s', 3 '%s')\n"
                "set cbtics ('mobile' 0, 'edge' 1, 'cloud' 2, 'not run' 3) scale 0\n"
                "set x2tics (",
            200 + 2 * (26 * rows + 60), a->name, a->name, a->n_layers - 1, rows - 1,
            a->n_layers - 1, tier_colour[0], tier_colour[1], tier_colour[2], tier_colour[3]);
    for (size_t e = 0; e < a->n_exits; e++)
        fprintf(gp, "%s'%s' %d", e ? ", " : "", a->exit_name[e], a->exit_layer[e]);
    fprintf(gp, ") out rotate by 30 left font ',9'\nset grid noxtics x2tics front lt 1 lw 1 "
                "lc rgb '#000000' dt 2\n");
    for (int k = 0; k < 2; k++) {
        const cli_dag_case *c = &a->c[k];
        fprintf(gp, "set title '%s'\nunset arrow\nset ytics (", cli_dag_case_title[k]);
        for (size_t i = 0; i < c->n_at; i++) {
            const cli_dag_at *at = &c->at[i];
            fprintf(gp, "%s'%g Mbps, exact: %.4g ms, %zu sent' %zu, ", i ? ", " : "",
                    at->bps / 1e6, at->exact_ms, at->exact_cross, 2 * i);
            if (at->single)
                fprintf(gp, "'%s: %.4g ms, %zu sent' %zu", at->single, at->single_ms,
                        at->single_cross, 2 * i + 1);
            else
                fprintf(gp, "'no single cut' %zu", 2 * i + 1);
        }
        fprintf(gp, ") scale 0 font ',9'\n");
        for (size_t i = 1; i < c->n_at; i++)
            fprintf(gp, "set arrow from graph 0, first %zu.5 to graph 1, first %zu.5 nohead "
                        "front lw 4 lc rgb '#ffffff'\n",
                    2 * i - 1, 2 * i - 1);
        fprintf(gp, "plot '%s-placement.dat' index %d matrix with image\n", a->name, k);
    }
    fprintf(gp, "unset multiplot\n");
}
