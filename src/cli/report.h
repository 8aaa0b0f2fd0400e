/* What plan and eval print: the readable report and the plan JSON of formats.md. */
#ifndef PD_CLI_REPORT_H
#define PD_CLI_REPORT_H

#include <stdio.h>

#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/study.h"

typedef struct plan_view {
    const pd_graph *g;
    const pd_scenario *sc;
    const pd_problem *pb;
    const char *solver;           /* "exact", or "eval" for a given placement */
    const pd_slot *placement;
    const pd_evaluation *ev;      /* the placement evaluated by the spec's rule */
    const pd_solution *sol;       /* NULL for eval */
    const pd_solve_options *opt;  /* NULL for eval */
} plan_view;

void report_text(FILE *f, const plan_view *v);
/* Writes the plan JSON to path ("-": standard output). */
pd_status report_json(const char *path, const plan_view *v, pd_error *err);
/* A table of solver results, with the difference from the `reference` solver's. */
void report_comparison(FILE *f, const pd_graph *g, const pd_problem *pb,
                       const pd_solver_result *r, size_t n, const char *reference);
/* One line naming the scenario's tiers, links and demand. */
void report_scenario_line(FILE *f, const pd_scenario *sc);

#endif
