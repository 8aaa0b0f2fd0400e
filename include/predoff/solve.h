/* Solvers: each finds a placement for a pd_problem. One table lists them all. */
#ifndef PREDOFF_SOLVE_H
#define PREDOFF_SOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/objective.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parameters every solver may read; fill with pd_solve_options_init, then override. */
typedef struct pd_solve_options {
    uint64_t seed;          /* for randomised solvers */
    double deadline_ms;     /* latency bound for solvers that take one; <= 0: none */
    double max_placements;  /* brute refuses larger searches */
} pd_solve_options;

void pd_solve_options_init(pd_solve_options *opt);

/* What a solver found. */
typedef struct pd_solution {
    pd_slot *placement;   /* [n_layers], owned */
    double objective_ms;  /* pd_objective of the placement */
    double solve_ms;      /* wall-clock time of the solver */
} pd_solution;

typedef struct pd_solver {
    const char *name;
    const char *summary;
    /* Writes a placement of pb->n_layers slots. */
    pd_status (*solve)(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
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

/* The solvers themselves, callable directly. */
pd_status pd_solve_exact(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err);
pd_status pd_solve_brute(const pd_problem *pb, const pd_solve_options *opt, pd_slot *placement,
                         pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
