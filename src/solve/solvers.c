/* The solver table and the timing wrapper every solver runs through. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "predoff/solve.h"

static pd_status run_exact(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                           pd_error *err)
{
    return pd_solve_exact(pb, opt, sol->placement, err);
}

static pd_status run_brute(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                           pd_error *err)
{
    return pd_solve_brute(pb, opt, sol->placement, err);
}

#define ALL_ON(fn, tier)                                                                        \
    static pd_status fn(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,   \
                        pd_error *err)                                                          \
    {                                                                                           \
        (void)opt;                                                                              \
        return pd_solve_all_on(pb, tier, sol->placement, err);                                  \
    }
ALL_ON(run_mobile, PD_TIER_MOBILE)
ALL_ON(run_edge, PD_TIER_EDGE)
ALL_ON(run_cloud, PD_TIER_CLOUD)

static const pd_solver solvers[] = {
    {"exact", "optimal: a DP over a tree (O(layers x tiers^2)), one minimum cut on a DAG",
     run_exact},
    {"ga", "the paper's genetic algorithm (section 4.4); genes by branch, or topological on a DAG",
     pd_solve_ga},
    {"brute", "every placement tried; refuses beyond --max-placements", run_brute},
    {"edgent", "Edgent: one exit and one mobile/edge partition serve every task", pd_solve_edgent},
    {"neurosurgeon", "Neurosurgeon: no early exit, best mobile/edge partition of the trunk",
     pd_solve_neurosurgeon},
    {"dads", "DADS: no early exit, one minimum cut of the best exit's DAG, mobile to edge",
     pd_solve_dads},
    {"mobile", "every layer on the mobile", run_mobile},
    {"edge", "every layer on the edge", run_edge},
    {"cloud", "every layer in the cloud", run_cloud},
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
    /* generations as the paper; the rest chosen by the sweep in docs/REPRODUCTION.md */
    opt->ga = (pd_ga_params){.population = 200, .generations = 50, .crossover = 0.9,
                             .mutation = 0.5, .elitism = 10, .scaling = 10.0};
}

/* Share of tasks whose requirement is above the accuracy of the exit serving them. */
static double below_requirement(const pd_problem *pb, int32_t served)
{
    if (served < 0)
        return pb->unmet_probability;
    /* every exit after `served` in the spec's order would have been needed, and the
     * requirements above every exit (in the best exit's share, or left over if served
     * is the best) */
    size_t best = pd_problem_best_exit(pb);
    if ((size_t)served == best)
        return pb->unmet_probability;
    double acc = pb->exit_accuracy[served], share = 0.0;
    int32_t layer = pb->exit_layer[served];
    for (size_t k = 0; k < pb->n_exits; k++)
        if (pb->exit_accuracy[k] > acc ||
            (pb->exit_accuracy[k] == acc && pb->exit_layer[k] > layer))
            share += pb->exit_prob[k];
    return share;
}

pd_status pd_solve(const pd_solver *solver, const pd_problem *pb, const pd_solve_options *opt,
                   pd_solution *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    out->placement = calloc(pb->n_layers, sizeof *out->placement);
    if (!out->placement)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    out->served_exit = -1;
    double t0 = pd_now_ms();
    pd_status st = solver->solve(pb, opt, out, err);
    if (!st) /* what the runtime fuses, costed apart only where a pin keeps it so */
        pd_problem_join_fused(pb, out->served_exit, out->placement);
    out->solve_ms = pd_now_ms() - t0;
    if (st) {
        pd_solution_free(out);
        return st;
    }
    out->objective_ms = out->served_exit < 0
                            ? pd_objective(pb, out->placement)
                            : pd_objective_single_exit(pb, out->placement, (size_t)out->served_exit);
    out->below_requirement = below_requirement(pb, out->served_exit);
    return PD_OK;
}

void pd_solution_free(pd_solution *sol)
{
    if (sol) {
        free(sol->placement);
        free(sol->history_best);
        free(sol->history_mean);
        sol->placement = NULL;
        sol->history_best = sol->history_mean = NULL;
        sol->n_history = 0;
    }
}

void pd_plan_from_solution(pd_plan *plan, const pd_solution *sol, const pd_solve_options *opt,
                           pd_plan_ga *ga)
{
    plan->solved = true;
    plan->solve_ms = sol->solve_ms;
    plan->below_requirement = sol->below_requirement;
    plan->served_exit = sol->served_exit;
    plan->served_ms = sol->served_exit >= 0 ? sol->objective_ms : 0.0;
    plan->deadline_missed = sol->deadline_missed;
    plan->ga = NULL;
    if (sol->n_history) {
        const pd_ga_params *p = &opt->ga;
        *ga = (pd_plan_ga){p->population, p->generations, p->elitism, p->crossover, p->mutation,
                           p->scaling, opt->seed, sol->n_history, sol->history_best,
                           sol->history_mean};
        plan->ga = ga;
    }
}
