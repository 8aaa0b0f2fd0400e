/* The solvers: exact against exhaustive search, on hand-made and random trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/rng.h"
#include "predoff/solve.h"
#include "hand_problem.h"
#include "random_problem.h"

static double solve_value(const char *name, const pd_problem *pb, pd_slot *placement)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find(name), pb, &opt, &sol, &err), PD_OK);
    if (placement)
        memcpy(placement, sol.placement, pb->n_layers);
    double v = sol.objective_ms;
    assert_true(fabs(v - pd_objective(pb, sol.placement)) <= 1e-12 * (1 + fabs(v)));
    pd_solution_free(&sol);
    return v;
}

/* The acceptance test: exact equals brute on random trees and scenarios (fixed seed),
 * half of them with the model-loading term, on 1 to 3 tiers. */
static void test_exact_equals_brute(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 20261127);
    int with_load = 0, three_tiers = 0, mixed = 0;
    for (int trial = 0; trial < 400; trial++) {
        int tiers = 1 + (int)pd_rng_below(&rng, 3);
        size_t max_layers = tiers == 3 ? 8 : tiers == 2 ? 12 : 6;
        rp_config c = {1 + pd_rng_below(&rng, max_layers), tiers, trial % 2,
                       pd_rng_uniform(&rng) * 0.6};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        pd_slot pe[16], pbr[16];
        double exact = solve_value("exact", pb, pe);
        double brute = solve_value("brute", pb, pbr);
        if (fabs(exact - brute) > 1e-9 * (1 + fabs(brute)))
            print_error("trial %d: exact %.12g brute %.12g (%zu layers, %d tiers, load %d)\n",
                        trial, exact, brute, pb->n_layers, tiers, c.load);
        assert_true(fabs(exact - brute) <= 1e-9 * (1 + fabs(brute)));
        with_load += c.load;
        three_tiers += tiers == 3;
        for (size_t i = 1; i < pb->n_layers; i++)
            if (pe[i] != pe[0]) {
                mixed++;
                break;
            }
        pd_problem_free(pb);
    }
    /* the sample really covers the loading term and the cloud */
    assert_true(with_load >= 200);
    assert_true(three_tiers >= 100);
    /* and optima that split the network, not only all-on-one-tier ones */
    print_message("exact = brute on 400 trees; %d optima use more than one tier\n", mixed);
    assert_true(mixed >= 80);
}

/* On trees too big for brute force: exact is never beaten by random placements
 * nor by any single-layer change of its own placement. */
static void test_exact_is_locally_and_randomly_unbeaten(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 99);
    for (int trial = 0; trial < 30; trial++) {
        rp_config c = {50 + pd_rng_below(&rng, 150), 3, trial % 2, 0.1};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        pd_slot *pl = malloc(pb->n_layers), *other = malloc(pb->n_layers);
        assert_non_null(pl);
        assert_non_null(other);
        double best = solve_value("exact", pb, pl);
        for (size_t i = 0; i < pb->n_layers; i++)
            for (int s = 0; s < pb->n_tiers; s++) {
                memcpy(other, pl, pb->n_layers);
                other[i] = (pd_slot)s;
                assert_true(pd_objective(pb, other) >= best - 1e-9 * (1 + best));
            }
        for (int r = 0; r < 200; r++) {
            for (size_t i = 0; i < pb->n_layers; i++)
                other[i] = (pd_slot)pd_rng_below(&rng, 3);
            assert_true(pd_objective(pb, other) >= best - 1e-9 * (1 + best));
        }
        free(pl);
        free(other);
        pd_problem_free(pb);
    }
}

/* The hand example of test_objective: the optimum is all-edge at 4.635 ms; with the edge's
 * loading intercept at 14 ms it is all-mobile at 18.5 ms. */
static void test_exact_hand_example(void **state)
{
    (void)state;
    for (int load = 0; load < 2; load++) {
        pd_problem *pb = hand_problem(load);
        pd_slot pl[3];
        double v = solve_value("exact", pb, pl);
        assert_true(fabs(v - (load ? 18.5 : 4.635)) < 1e-9);
        for (int i = 0; i < 3; i++)
            assert_int_equal(pl[i], load ? 0 : 1);
        pd_problem_free(pb);
    }
}

/* A loading that the clamp of cost-model.md cuts to 0: the mobile's intercept -100 with 12
 * per layer. The best placement runs layer 0 on the mobile and layer 1 on the edge (3.02 ms,
 * the mobile's loading max(0, -88) = 0); the DP on the linear, unclamped loading would
 * charge -88 + 12 per mobile layer against it and pick all-edge (11.12 ms). */
static void test_exact_with_clamped_loading(void **state)
{
    (void)state;
    pd_problem *pb;
    assert_int_equal(pd_problem_new(2, 2, 1, true, &pb, NULL), PD_OK);
    const int32_t parent[] = {-1, 0};
    const double compute[] = {1, 10, 10, 1}, bytes[] = {1000, 10};
    memcpy(pb->out_bytes, bytes, sizeof bytes);
    memcpy(pb->compute_ms, compute, sizeof compute);
    pb->input_bytes = 100;
    pb->exit_layer[0] = 1;
    pb->exit_accuracy[0] = 0.8;
    assert_int_equal(pd_problem_set_parents(pb, parent, NULL), PD_OK);
    pd_problem_set_links(pb, 8e6, 4e6, 1e9, 0.0, 0.0);
    pb->load_fixed_ms[0] = -100.0;
    pb->load_ms[0 * 2 + 0] = pb->load_ms[1 * 2 + 0] = 12.0;
    pd_distribution d = {.kind = PD_DIST_UNIFORM, .a = 0.5, .b = 0.9};
    assert_int_equal(pd_problem_set_demand(pb, &d, NULL), PD_OK);
    pd_slot pe[2], pbr[2];
    double brute = solve_value("brute", pb, pbr);
    assert_true(fabs(brute - 3.02) < 1e-9);
    double exact = solve_value("exact", pb, pe);
    assert_true(fabs(exact - 3.02) < 1e-9);
    assert_int_equal(pe[0], 0);
    assert_int_equal(pe[1], 1);
    pd_problem_free(pb);

    /* random trees with negative intercepts: exact never reports less than the optimum,
     * nor anything negative, and finds it in most */
    pd_rng rng;
    pd_rng_seed(&rng, 4242);
    int equal = 0, trials = 200;
    for (int trial = 0; trial < trials; trial++) {
        rp_config c = {1 + pd_rng_below(&rng, 9), 2 + (int)pd_rng_below(&rng, 2), 1, 0.3};
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        for (int s = 0; s < pb->n_tiers; s++)
            pb->load_fixed_ms[s] = -5.0 * pd_rng_uniform(&rng);
        pd_slot a[16], b[16];
        exact = solve_value("exact", pb, a);
        brute = solve_value("brute", pb, b);
        assert_true(brute >= 0.0);
        assert_true(exact >= brute - 1e-9 * (1 + brute));
        equal += fabs(exact - brute) <= 1e-9 * (1 + brute);
        pd_problem_free(pb);
    }
    print_message("clamped loading: exact = brute on %d of %d trees\n", equal, trials);
    assert_true(equal >= trials * 9 / 10);
}

static void test_brute_refuses_large_searches(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 3);
    rp_config c = {30, 2, 0, 0.1};
    pd_problem *pb;
    assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find("brute"), pb, &opt, &sol, &err), PD_ELIMIT);
    assert_non_null(strstr(err.msg, "2^30"));
    assert_non_null(strstr(err.msg, "--solver exact"));
    assert_null(sol.placement);
    pd_problem_free(pb);
}

/* On the paper's model, exact finds the same optimum as brute restricted to a few layers
 * is impossible to check directly (2^52 placements); instead the exact optimum is no
 * worse than the all-mobile and all-edge placements and every one-layer change. */
static void test_exact_on_b_alexnet(void **state)
{
    (void)state;
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &g, &err), PD_OK);
    assert_int_equal(pd_scenario_init(&sc, &err), PD_OK);
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_OK);
    pd_slot pl[64], other[64];
    double best = solve_value("exact", pb, pl);
    memset(other, 0, sizeof other);
    assert_true(pd_objective(pb, other) >= best);
    memset(other, 1, sizeof other);
    assert_true(pd_objective(pb, other) >= best);
    for (size_t i = 0; i < pb->n_layers; i++) {
        memcpy(other, pl, pb->n_layers);
        other[i] = (pd_slot)(1 - other[i]);
        assert_true(pd_objective(pb, other) >= best);
    }
    pd_problem_free(pb);
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

static void test_solver_table(void **state)
{
    (void)state;
    size_t n;
    const pd_solver *s = pd_solvers(&n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(pd_solver_find(s[i].name), &s[i]);
        assert_non_null(s[i].summary);
    }
    assert_null(pd_solver_find("nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_equals_brute),
        cmocka_unit_test(test_exact_is_locally_and_randomly_unbeaten),
        cmocka_unit_test(test_exact_hand_example),
        cmocka_unit_test(test_exact_with_clamped_loading),
        cmocka_unit_test(test_brute_refuses_large_searches),
        cmocka_unit_test(test_exact_on_b_alexnet),
        cmocka_unit_test(test_solver_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
