/* What the experiments share (experiment paper, fmnist, dag): their flags, every solver
 * side by side, the GA runs, the bandwidth sweep and the pictures gnuplot draws. */
#ifndef PD_CLI_EXPERIMENT_H
#define PD_CLI_EXPERIMENT_H

#include "args.h"
#include "setup.h"
#include "predoff/study.h"

typedef struct cli_experiment_args {
    const char *name; /* "paper", "fmnist", "dag": for the plots' header and the flag checks */
    const char *out;
    double runs, points, repeats;
    pd_solve_options opt;
} cli_experiment_args;

/* Reads --out, --runs, --points, --repeats and the solver flags into a, whose name, out,
 * runs, points and repeats hold the experiment's defaults, and creates the output folder.
 * A flag of the experiment table that is for other experiments (--model, --models, ...)
 * fails, naming them. */
pd_status cli_experiment_read_args(const cli_parsed *p, cli_experiment_args *a, pd_error *err);

typedef struct cli_experiment_run {
    size_t n;            /* solvers, as pd_solvers lists them */
    pd_solver_result *r; /* [n], owned */
    pd_ga_runs runs;     /* seeds 1..runs */
    pd_solution conv;    /* the GA with seed 1, its generations */
} cli_experiment_run;

/* Every solver, the GA runs, and GA seed 1's convergence (written to OUT/ga-convergence.dat). */
pd_status cli_experiment_solve(const cli_setup *s, const cli_experiment_args *a,
                               cli_experiment_run *run, pd_error *err);
/* Prints the solver table and the GA runs' summary. */
void cli_experiment_print(const cli_setup *s, const cli_experiment_run *run,
                          const cli_experiment_args *a);
/* The named solver's result, or NULL when it did not apply. */
const pd_solver_result *cli_experiment_result(const cli_experiment_run *run, const char *name);
/* The bandwidth sweep (it leaves s->pb's links at the last point), its data, plots.gp and
 * the two pictures; prints where they are. */
pd_status cli_experiment_sweep(cli_setup *s, const cli_experiment_args *a,
                               const cli_experiment_run *run, pd_error *err);
void cli_experiment_run_free(cli_experiment_run *run);

/* experiment fmnist (experiment_fmnist.c) and experiment dag (experiment_dag.c); each
 * returns the exit status. */
int cli_experiment_fmnist(const cli_parsed *p);
int cli_experiment_dag(const cli_parsed *p);

#endif
