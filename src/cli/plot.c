/* Output folders and gnuplot: the experiments write data and scripts, gnuplot draws. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pd_status cli_out_mkdir(const char *path, pd_error *err)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf || !*path)
        return pd_error_set(err, PD_EINPUT, "output folder \"%s\": empty or too long", path);
    strcpy(buf, path);
    for (char *c = buf + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char keep = *c;
            *c = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return pd_error_set(err, PD_EINPUT, "%s: %s", buf, strerror(errno));
            *c = keep;
            if (!keep)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return pd_error_set(err, PD_EINPUT, "%s: not a folder", path);
    return PD_OK;
}

FILE *cli_out_open(const char *dir, const char *name, pd_error *err)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    return f;
}

pd_status cli_out_close(FILE *f, const char *dir, const char *name, pd_error *err)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? pd_error_set(err, PD_EIO, "%s/%s: write failed", dir, name) : PD_OK;
}

pd_status cli_plot_run(const char *dir, const char *script, pd_error *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return pd_error_set(err, PD_EIO, "gnuplot: cannot start a process: %s", strerror(errno));
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return pd_error_set(err, PD_EIO, "gnuplot: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return pd_error_set(err, PD_EIO,
                            "gnuplot not found: the data and %s/%s are written; install gnuplot "
                            "(apt-get install gnuplot-nox) to draw the pictures",
                            dir, script);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return pd_error_set(err, PD_EIO, "gnuplot failed on %s/%s", dir, script);
    return PD_OK;
}

/* How each solver is drawn: the exact optimum last, so on top of every curve that touches
 * it; the single-tier baselines as wide pale bands beneath (they coincide with the optimum
 * over whole ranges); Edgent, Neurosurgeon and DADS, which often coincide with each other,
 * with markers that stay visible one inside the other. Unknown solvers get the last style. */
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
    {"dads", 1, "linespoints lw 1 dt 3 pt 8 ps 2.2 lc rgb '#9467bd'"},
    {"ga", 3, "linespoints lw 2 dt 1 pt 9 ps 1.1 lc rgb '#d62728'"},
    {"exact", 4, "linespoints lw 2 dt 1 pt 7 ps 0.6 lc rgb '#000000'"},
    {NULL, 1, "linespoints lw 1.5 dt 5 pt 3 ps 1 lc rgb '#e377c2'"},
};

const char *cli_plot_solver_style(const char *solver, int *layer)
{
    const struct sweep_style *st = sweep_styles;
    while (st->solver && strcmp(st->solver, solver) != 0)
        st++;
    *layer = st->layer;
    return st->style;
}

/* Columns: Mbps, one per solver (NaN where it does not apply), then the GA over its seeds. */
static pd_status write_sweep(const char *dir, const pd_sweep *sw, const pd_sweep_ga *ga,
                             const pd_solver *solvers, FILE *gp, pd_error *err)
{
    FILE *f = cli_out_open(dir, "bandwidth.dat", err);
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
    for (int layer = 0; layer < CLI_PLOT_LAYERS; layer++)
        for (size_t s = 0; s < sw->n_solvers; s++) {
            int at;
            const char *style = cli_plot_solver_style(solvers[s].name, &at);
            if (at != layer || isnan(sw->objective_ms[s]))
                continue;
            fprintf(gp, ", \\\n     'bandwidth.dat' using 1:%zu with %s title '%s%s'", s + 2,
                    style, solvers[s].name, strcmp(solvers[s].name, "ga") ? "" : ", seed 1");
        }
    fprintf(gp, "\n");
    return cli_out_close(f, dir, "bandwidth.dat", err);
}

pd_status cli_plot_experiment(const char *dir, const char *name, const pd_graph *g,
                              const pd_sweep *sw, const pd_sweep_ga *ga, const pd_solver *solvers,
                              double exact_ms, const pd_scenario *sc, pd_error *err)
{
    FILE *gp = cli_out_open(dir, "plots.gp", err);
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
            name, g->name, exact_ms, g->name, sc->demand.spec);
    pd_status st = write_sweep(dir, sw, ga, solvers, gp, err);
    pd_status st2 = cli_out_close(gp, dir, "plots.gp", err);
    if (st || st2)
        return st ? st : st2;
    return cli_plot_run(dir, "plots.gp", err);
}
