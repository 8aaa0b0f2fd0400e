/* Solvers: each finds a placement for a pd_problem. One table lists them all. */
#ifndef PREDOFF_SOLVE_H
#define PREDOFF_SOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/objective.h"
#include "predoff/placement.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The genetic algorithm's parameters (paper section 4.4). */
typedef struct pd_ga_params {
    size_t population;   /* individuals per generation (200) */
    size_t generations;  /* generations after the random first one (50, as the paper) */
    double crossover;    /* chance a selected pair is crossed (0.9) */
    double mutation;     /* chance a child has one group moved to another tier (0.5) */
    size_t elitism;      /* best individuals copied unchanged into the next generation (10) */
    double scaling;      /* linear fitness scaling: the best gets this many times the mean (10) */
} pd_ga_params;

/* Parameters every solver may read; fill with pd_solve_options_init, then override. */
typedef struct pd_solve_options {
    uint64_t seed;          /* for randomised solvers */
    double deadline_ms;     /* latency bound for solvers that take one; <= 0: none */
    double max_placements;  /* brute refuses larger searches */
    pd_ga_params ga;
} pd_solve_options;

void pd_solve_options_init(pd_solve_options *opt);

/* What a solver found. */
typedef struct pd_solution {
    pd_slot *placement;     /* [n_layers], owned */
    int32_t served_exit;    /* -1: every task takes the exit its requirement calls for
                             * (cost-model.md); else the one exit (index) that serves all */
    double objective_ms;    /* expected latency under that rule */
    double below_requirement; /* share of tasks served by an exit below their requirement */
    bool deadline_missed;   /* a deadline was given and no configuration met it */
    double solve_ms;        /* wall-clock time of the solver */
    size_t n_history;       /* ga: generations recorded, the random first one included */
    double *history_best;   /* ga: best objective of each generation, owned */
    double *history_mean;   /* ga: mean objective of each generation, owned */
} pd_solution;

typedef struct pd_solver {
    const char *name;
    const char *summary;
    /* Writes sol->placement (allocated, pb->n_layers slots); may set served_exit and the
     * history. pd_solve computes the objective and the share below requirement. */
    pd_status (*solve)(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                       pd_error *err);
} pd_solver;

/* All solvers, in the order reports list them. */
const pd_solver *pd_solvers(size_t *count);
/* The solver with that name, or NULL. */
const pd_solver *pd_solver_find(const char *name);

/* Runs a solver, times it and evaluates its placement into *out (free with pd_solution_free). */
pd_status pd_solve(const pd_solver *solver, const pd_problem *pb, const pd_solve_options *opt,
                   pd_solution *out, pd_error *err);
void pd_solution_free(pd_solution *sol);

/* A plan's solver figures from sol (solved, solve time, shortfall, the served exit); with a
 * GA history, *ga holds opt's GA parameters and the history and plan->ga points to it.
 * sol, opt and ga are borrowed by plan. */
void pd_plan_from_solution(pd_plan *plan, const pd_solution *sol, const pd_solve_options *opt,
                           pd_plan_ga *ga);

/* The solvers themselves, callable directly. Each honours pb->pin or refuses.
 * pd_solve_exact: the tree DP on a tree, pd_solve_exact_dag on any other graph. */
pd_status pd_solve_exact(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err);
/* The exact solver on any layer graph (a tree too), by one minimum s-t cut per set of tiers
 * in use (exact_dag.c; igraph's max-flow). Not to be run in two threads at once: igraph's
 * error handler is process-wide. */
pd_status pd_solve_exact_dag(const pd_problem *pb, const pd_solve_options *opt,
                             pd_slot *placement, pd_error *err);
pd_status pd_solve_brute(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err);
/* The paper's genetic algorithm; records best and mean objective per generation in sol. */
pd_status pd_solve_ga(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                      pd_error *err);
/* Baselines (baselines.c): Edgent, Neurosurgeon, and every layer on one tier. */
pd_status pd_solve_edgent(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                          pd_error *err);
pd_status pd_solve_neurosurgeon(const pd_problem *pb, const pd_solve_options *opt,
                                pd_solution *sol, pd_error *err);
pd_status pd_solve_all_on(const pd_problem *pb, pd_tier tier, pd_slot *placement, pd_error *err);
/* DADS (dads.c): the most accurate exit serves every task, its sub-graph parted between the
 * mobile and the edge (the cloud without one) by one minimum cut, data flowing one way. */
pd_status pd_solve_dads(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                        pd_error *err);

/* Validates GA parameters against the problem (population >= 2, rates in [0, 1], ...). */
pd_status pd_ga_params_check(const pd_ga_params *p, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
