/* Output folders and gnuplot: the experiments write data and scripts, gnuplot draws. */
#ifndef PD_CLI_PLOT_H
#define PD_CLI_PLOT_H

#include <stdio.h>

#include "predoff/error.h"
#include "predoff/study.h"

/* Creates a folder and its missing parents. */
pd_status cli_out_mkdir(const char *path, pd_error *err);
/* Opens dir/name for writing. */
FILE *cli_out_open(const char *dir, const char *name, pd_error *err);
/* Closes f, reporting a failed write as an error naming dir/name. */
pd_status cli_out_close(FILE *f, const char *dir, const char *name, pd_error *err);
/* Runs `gnuplot script` inside dir; fails with a clear message when gnuplot is missing. */
pd_status cli_plot_run(const char *dir, const char *script, pd_error *err);
/* How the experiments' pictures draw a solver's curve: the text after gnuplot's `with`,
 * and *layer, its drawing order (0 first, up to CLI_PLOT_LAYERS - 1: the exact optimum
 * last, on top); a solver without a style of its own gets a common one. */
#define CLI_PLOT_LAYERS 5
const char *cli_plot_solver_style(const char *solver, int *layer);
/* experiment NAME's plots.gp and bandwidth.dat in dir, then gnuplot draws them (with
 * ga-convergence.dat, written before): the GA's convergence against the exact optimum
 * exact_ms, and every solver against the bandwidth. */
pd_status cli_plot_experiment(const char *dir, const char *name, const pd_graph *g,
                              const pd_sweep *sw, const pd_sweep_ga *ga, const pd_solver *solvers,
                              double exact_ms, const pd_scenario *sc, pd_error *err);

#endif
