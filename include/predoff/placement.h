/* Plan files (formats.md, "Plan"): writing one, and reading its placement back. */
#ifndef PREDOFF_PLACEMENT_H
#define PREDOFF_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the "placement" object of a plan JSON (other fields are ignored):
 * every layer of g named once, each on a tier of pb. Writes g->n_layers slots. */
pd_status pd_placement_from_json(const char *text, size_t len, const char *source,
                                 const pd_graph *g, const pd_problem *pb, pd_slot *placement,
                                 pd_error *err);

/* The same, without a scenario: each layer's tier (g->n_layers values). */
pd_status pd_placement_tiers_from_json(const char *text, size_t len, const char *source,
                                       const pd_graph *g, pd_tier *tiers, pd_error *err);

/* The genetic algorithm's parameters and history, as a plan records them. */
typedef struct pd_plan_ga {
    size_t population, generations, elitism;
    double crossover, mutation, scaling;
    uint64_t seed;
    size_t n_history;                /* generations recorded, the random first one included */
    const double *best_ms, *mean_ms; /* [n_history] */
} pd_plan_ga;

/* What a plan file holds; every pointer is borrowed. pd_plan_init fills the placement's
 * part; a solver's figures come from pd_plan_from_solution (solve.h). */
typedef struct pd_plan {
    const pd_graph *g;
    const pd_scenario *sc;
    const pd_problem *pb;
    const char *solver;          /* "exact", or "eval" for a given placement */
    const pd_slot *placement;    /* [pb->n_layers] */
    const pd_evaluation *ev;     /* the placement evaluated by the spec's rule */
    bool solved;                 /* false: evaluated only, no solve time or shortfall */
    double solve_ms;
    double below_requirement;    /* share of tasks served below their requirement */
    int32_t served_exit;         /* -1: each task its exit; else the one that serves all */
    double served_ms;            /* with served_exit: that exit's latency */
    bool deadline_missed;        /* with served_exit */
    const pd_plan_ga *ga;        /* NULL: not the genetic algorithm */
} pd_plan;

/* An evaluated placement, no solver figures (served_exit -1, ga NULL). */
void pd_plan_init(pd_plan *plan, const pd_graph *g, const pd_scenario *sc, const pd_problem *pb,
                  const char *solver, const pd_slot *placement, const pd_evaluation *ev);

/* The expected latency a plan reports: the served exit's latency when one exit serves every
 * task, else the evaluation's (so plan and eval agree to the bit). */
double pd_plan_expected_ms(const pd_plan *plan);

/* Writes the plan JSON, indented, to path ("-": standard output). PD_EINPUT for a path that
 * cannot be opened or a figure that is not finite (nothing is written), PD_EIO for a failed
 * write. */
pd_status pd_plan_write(const pd_plan *plan, const char *path, pd_error *err);

/* Writes the smallest plan file the readers above take, {"placement": {layer: tier, ..}}:
 * layer i of g on tiers[i]. */
pd_status pd_placement_write_tiers(const pd_graph *g, const pd_tier *tiers, const char *path,
                                   pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
