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
void cli_setup_close(cli_setup *s);

/* Reads --solver, --json, --seed and --max-placements; leaves the outputs alone when absent. */
pd_status cli_solve_flags(const cli_parsed *p, pd_solve_options *opt, const char **solver_name,
                          const char **json, pd_error *err);

#endif
