/* The solver table and the timing wrapper every solver runs through. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "predoff/solve.h"

static const pd_solver solvers[] = {
    {"exact", "dynamic program over the tree, optimal (O(layers x tiers^2))", pd_solve_exact},
    {"brute", "every placement tried; refuses beyond --max-placements", pd_solve_brute},
};

const pd_solver *pd_solvers(size_t *count)
{
    *count = sizeof solvers / sizeof solvers[0];
    return solvers;
}

const pd_solver *pd_solver_find(const char *name)
{
    for (size_t i = 0; i < sizeof solvers / sizeof solvers[0]; i++)
        if (strcmp(solvers[i].name, name) == 0)
            return &solvers[i];
    return NULL;
}

void pd_solve_options_init(pd_solve_options *opt)
{
    opt->seed = 1;
    opt->deadline_ms = 0.0;
    opt->max_placements = 5e6;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

pd_status pd_solve(const pd_solver *solver, const pd_problem *pb, const pd_solve_options *opt,
                   pd_solution *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    out->placement = calloc(pb->n_layers, sizeof *out->placement);
    if (!out->placement)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    double t0 = now_ms();
    pd_status st = solver->solve(pb, opt, out->placement, err);
    out->solve_ms = now_ms() - t0;
    if (st) {
        pd_solution_free(out);
        return st;
    }
    out->objective_ms = pd_objective(pb, out->placement);
    return PD_OK;
}

void pd_solution_free(pd_solution *sol)
{
    if (sol) {
        free(sol->placement);
        sol->placement = NULL;
    }
}
