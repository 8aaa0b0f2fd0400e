/* What plan, eval and compare print. */
#ifndef PD_CLI_REPORT_H
#define PD_CLI_REPORT_H

#include <stdio.h>

#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/placement.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/study.h"

/* The plan report; opt is the solver's options (NULL for eval). */
void cli_report_text(FILE *f, const pd_plan *plan, const pd_solve_options *opt);
/* A table of solver results, with the difference from the `reference` solver's. */
void cli_report_comparison(FILE *f, const pd_graph *g, const pd_problem *pb,
                           const pd_solver_result *r, size_t n, const char *reference);
/* One line naming the scenario's tiers, links and demand. */
void cli_report_scenario_line(FILE *f, const pd_scenario *sc);
/* Where a tier's profile has measured times for g's layers, one line saying how many and
 * from which file; nothing otherwise. */
void cli_report_measured_line(FILE *f, const pd_scenario *sc, const pd_graph *g);

#endif
