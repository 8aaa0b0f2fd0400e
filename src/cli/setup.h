/* What plan, eval and compare all begin with: a model, a scenario, a problem. */
#ifndef PD_CLI_SETUP_H
#define PD_CLI_SETUP_H

#include "args.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"

typedef struct cli_setup {
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
} cli_setup;

/* Reads the one positional MODEL and the scenario flags, and builds the problem. */
pd_status cli_setup_open(const cli_parsed *p, cli_setup *s, pd_error *err);
/* The same for a model named by the command rather than by the user. */
pd_status cli_setup_model(const cli_parsed *p, const char *model, cli_setup *s, pd_error *err);
/* cli_setup_model in two steps, for a command that changes the scenario in between:
 * begin opens the model and the scenario (no problem yet), finish builds the problem.
 * Each closes s when it fails. */
pd_status cli_setup_begin(const cli_parsed *p, const char *model, cli_setup *s, pd_error *err);
pd_status cli_setup_finish(cli_setup *s, pd_error *err);
void cli_setup_close(cli_setup *s);

/* The flags every solving command takes (the table rows). */
#define CLI_SOLVER_FLAGS                                                                       \
    {"--seed", "N", "seed for randomised solvers (default 1)"},                               \
        {"--deadline", "MS", "edgent: the latency the chosen exit must meet (default: none)"}, \
        {"--max-placements", "N", "brute refuses searches larger than this (default 5e6)"},   \
        {"--population", "N", "ga: individuals per generation (default 200)"},                \
        {"--generations", "N", "ga: generations after the first (default 50)"},               \
        {"--crossover", "P", "ga: crossover rate (default 0.9)"},                              \
        {"--mutation", "P", "ga: chance a child has one layer moved (default 0.5)"},           \
        {"--elitism", "N", "ga: best individuals kept unchanged (default 10)"},                 \
    {                                                                                          \
        "--scaling", "C", "ga: linear fitness scaling, best = C x mean (default 10)"            \
    }

/* Reads --solver, --json and the CLI_SOLVER_FLAGS; leaves the outputs alone when absent. */
pd_status cli_solve_flags(const cli_parsed *p, pd_solve_options *opt, const char **solver_name,
                          const char **json, pd_error *err);

#endif
