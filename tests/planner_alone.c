/* The planner embedded on its own: this program links only predoff_planner (graph, cost,
 * solve, study, core), never the inference engine, OpenBLAS, LAPACKE or ZeroMQ (CTest
 * checks its dynamic dependencies too). It plans the built-in models as the CLI does. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "predoff/cost.h"
#include "predoff/graph.h"
#include "predoff/solve.h"
#include "predoff/study.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "planner_alone: FAILED: %s\n", what);
        failures++;
    }
}

static double plan(const pd_problem *pb, const char *solver)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    pd_error err;
    if (pd_solve(pd_solver_find(solver), pb, &opt, &sol, &err)) {
        fprintf(stderr, "planner_alone: %s: %s\n", solver, err.msg);
        failures++;
        return NAN;
    }
    double v = sol.objective_ms;
    check(fabs(v - pd_objective(pb, sol.placement)) <= 1e-12 * (1 + fabs(v)),
          "a solution's objective is the objective of its placement");
    pd_solution_free(&sol);
    return v;
}

/* b-lenet on mobile and edge: 2^17 placements, so brute force checks the tree DP. */
static pd_status open_lenet(pd_graph **g, pd_scenario *sc, pd_error *err)
{
    size_t len = 0;
    const char *measured = pd_builtin_accuracy("b-lenet", &len); /* as the CLI plans it */
    pd_status st = pd_graph_open("b-lenet", g, err);
    if (!st)
        st = pd_scenario_init(sc, err);
    if (!st && !measured)
        st = pd_error_set(err, PD_EINPUT, "b-lenet's measured accuracies are not built in");
    if (!st)
        st = pd_scenario_parse_accuracies(sc, *g, measured, len, "built in", err);
    return st;
}

static void exact_equals_brute(void)
{
    pd_graph *g = NULL;
    pd_scenario sc;
    pd_problem *pb = NULL;
    pd_error err;
    if (open_lenet(&g, &sc, &err)) {
        fprintf(stderr, "planner_alone: %s\n", err.msg);
        failures++;
        pd_graph_free(g);
        return;
    }
    if (pd_problem_build(g, &sc, &pb, &err)) {
        fprintf(stderr, "planner_alone: %s\n", err.msg);
        failures++;
    } else {
        double exact = plan(pb, "exact"), brute = plan(pb, "brute");
        check(isfinite(exact) && fabs(exact - brute) <= 1e-9 * (1 + brute), "exact = brute");
        pd_solver_result results[16];
        size_t n = 0;
        pd_solvers(&n);
        check(n <= 16, "at most 16 solvers");
        pd_solve_options opt;
        pd_solve_options_init(&opt);
        if (n <= 16)
            check(pd_compare_solvers(pb, &opt, 1, results, &err) == PD_OK, "compare runs");
    }
    pd_problem_free(pb);
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

/* A profile that reads the engine's features cannot cost a graph with no feature hook:
 * the planner says so rather than planning with NaN. */
static void engine_features_need_a_hook(void)
{
    static const char profile[] =
        "{\"name\": \"engine\", \"layers\": {"
        "\"conv\": {\"features\": [\"runtime_macs\"], \"coef\": [1e-6], \"intercept\": 0},"
        "\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1e-6], \"intercept\": 0},"
        "\"pool\": {\"features\": [\"in_elems\"], \"coef\": [1e-6], \"intercept\": 0},"
        "\"fc\": {\"features\": [\"in_elems\"], \"coef\": [1e-6], \"intercept\": 0}}}";
    pd_graph *g = NULL;
    pd_scenario sc;
    pd_problem *pb = NULL;
    pd_error err;
    if (open_lenet(&g, &sc, &err)) {
        fprintf(stderr, "planner_alone: %s\n", err.msg);
        failures++;
        pd_graph_free(g);
        return;
    }
    pd_profile *p = NULL;
    check(pd_profile_from_json(profile, strlen(profile), "engine.json", &p, &err) == PD_OK,
          "the profile parses");
    if (p) {
        pd_profile_free(sc.profile[PD_TIER_MOBILE]);
        sc.profile[PD_TIER_MOBILE] = p;
        check(isnan(pd_graph_feature(g, 0, PD_FEAT_RUNTIME_MACS)),
              "no hook: runtime_macs is NaN");
        check(pd_problem_build(g, &sc, &pb, &err) == PD_EINPUT &&
                  strstr(err.msg, "\"runtime_macs\"") && strstr(err.msg, "feature hook"),
              "no hook: the problem is refused, naming the feature");
        pd_problem_free(pb);
        pb = NULL;
    }
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

int main(void)
{
    exact_equals_brute();
    engine_features_need_a_hook();
    if (failures)
        return 1;
    printf("planner_alone: ok\n");
    return 0;
}
