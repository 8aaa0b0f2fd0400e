/* Edgent, Neurosurgeon and the single-tier baselines, on the hand-worked problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hand_problem.h"
#include "random_problem.h"
#include "predoff/solve.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static pd_solution run(const char *name, const pd_problem *pb, double deadline)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.deadline_ms = deadline;
    pd_solution sol;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find(name), pb, &opt, &sol, &err), PD_OK);
    return sol;
}

/* Edgent without a deadline takes the most accurate exit, B (L0 -> L2). Its partitions:
 * all edge 0.1 + 2 + 3 + 0.04 = 5.14; L0 on the mobile 10 + 1 + 3 + 0.04 = 14.04; all mobile
 * 16. So 5.14, all on the edge, and only the unmet 0.25 is served below requirement. */
static void test_edgent_no_deadline(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    pd_solution sol = run("edgent", pb, 0.0);
    assert_int_equal(sol.served_exit, 1);
    NEAR(sol.objective_ms, 5.14);
    NEAR(sol.below_requirement, 0.25);
    assert_int_equal(sol.placement[0], 1);
    assert_int_equal(sol.placement[2], 1);
    assert_false(sol.deadline_missed);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

/* A 4 ms deadline: B's best 5.14 misses it; A (L0 -> L1) all on the edge takes
 * 0.1 + 2 + 1 + 0.02 = 3.12 and meets it. Tasks above 0.6 (0.75) get less than they need. */
static void test_edgent_deadline(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    pd_solution sol = run("edgent", pb, 4.0);
    assert_int_equal(sol.served_exit, 0);
    NEAR(sol.objective_ms, 3.12);
    NEAR(sol.below_requirement, 0.75);
    assert_false(sol.deadline_missed);
    pd_solution_free(&sol);
    /* 1 ms: nobody meets it; the fastest configuration (A, 3.12) is kept and flagged */
    sol = run("edgent", pb, 1.0);
    assert_int_equal(sol.served_exit, 0);
    NEAR(sol.objective_ms, 3.12);
    assert_true(sol.deadline_missed);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

/* With loading (intercepts mobile 3, edge 14; 0.1 per edge layer), B's partitions cost
 * all edge 5.14 + 14 + 0.2 = 19.34, L0 mobile 14.04 + 3 + 14 + 0.1 = 31.14, all mobile
 * 16 + 3 = 19: Edgent keeps B on the mobile at 19. */
static void test_edgent_with_loading(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(1);
    pd_solution sol = run("edgent", pb, 0.0);
    assert_int_equal(sol.served_exit, 1);
    NEAR(sol.objective_ms, 19.0);
    assert_int_equal(sol.placement[0], 0);
    assert_int_equal(sol.placement[2], 0);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

/* Neurosurgeon serves the trunk's exit. L1 and L2 are equally deep, so the trunk goes on
 * through the first, L1: exit A, all on the edge, 3.12 ms, 0.75 below requirement. */
static void test_neurosurgeon(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    pd_solution sol = run("neurosurgeon", pb, 0.0);
    assert_int_equal(sol.served_exit, 0);
    NEAR(sol.objective_ms, 3.12);
    NEAR(sol.below_requirement, 0.75);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

/* Single-tier baselines keep the spec's rule: each task takes its own exit.
 * All mobile 15.5, all edge 4.635 (worked out in test_objective.c). */
static void test_single_tier(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    pd_solution sol = run("mobile", pb, 0.0);
    assert_int_equal(sol.served_exit, -1);
    NEAR(sol.objective_ms, 15.5);
    NEAR(sol.below_requirement, 0.25);
    pd_solution_free(&sol);
    sol = run("edge", pb, 0.0);
    NEAR(sol.objective_ms, 4.635);
    pd_solution_free(&sol);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find("cloud"), pb, &opt, &sol, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "no cloud tier"));
    pd_problem_free(pb);
}

static void test_edgent_needs_edge(void **state)
{
    (void)state;
    pd_problem *pb;
    assert_int_equal(pd_problem_new(2, 1, 1, 0, &pb, NULL), PD_OK);
    pb->exit_layer[0] = 1;
    pb->exit_prob[0] = 1.0;
    const int32_t parent[] = {-1, 0};
    assert_int_equal(pd_problem_set_parents(pb, parent, NULL), PD_OK);
    assert_int_equal(pd_problem_set_weights(pb, NULL), PD_OK);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find("edgent"), pb, &opt, &sol, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "edge"));
    /* Neurosurgeon without a server runs everything on the mobile */
    assert_int_equal(pd_solve(pd_solver_find("neurosurgeon"), pb, &opt, &sol, &err), PD_OK);
    assert_int_equal(sol.placement[0], 0);
    assert_int_equal(sol.placement[1], 0);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

/* The slow, obvious partition: every prefix of exit k's path on the mobile, the rest on
 * `server`, each costed by pd_objective_single_exit; the least. */
static double best_split_by_search(const pd_problem *pb, size_t k, int server)
{
    size_t len = 0;
    int32_t path[64];
    pd_sub_walk w = pd_sub_walk_begin(pb->topo, k);
    for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
        path[len++] = v;
    pd_slot *pl = calloc(pb->n_layers, sizeof *pl);
    assert_non_null(pl);
    double best = INFINITY;
    for (size_t prefix = 0; prefix <= len; prefix++) {
        for (size_t i = 0; i < len; i++)
            pl[path[len - 1 - i]] = (pd_slot)(i < prefix ? 0 : server);
        best = fmin(best, pd_objective_single_exit(pb, pl, k));
    }
    free(pl);
    return best;
}

/* Edgent's and Neurosurgeon's one-pass partition (running sums over the path) against
 * the search, on random trees with and without loading, two and three tiers. */
static void test_partition_against_search(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 12);
    for (int trial = 0; trial < 300; trial++) {
        rp_config c = {2 + (size_t)pd_rng_below(&rng, 30), 2 + (int)pd_rng_below(&rng, 2),
                       trial % 2, 0.3};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        const char *names[] = {"edgent", "neurosurgeon"};
        for (int s = 0; s < 2; s++) {
            pd_solution sol = run(names[s], pb, 0.0);
            assert_true(sol.served_exit >= 0);
            NEAR(sol.objective_ms, best_split_by_search(pb, (size_t)sol.served_exit, 1));
            pd_solution_free(&sol);
        }
        pd_problem_free(pb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edgent_no_deadline),   cmocka_unit_test(test_edgent_deadline),
        cmocka_unit_test(test_edgent_with_loading),  cmocka_unit_test(test_neurosurgeon),
        cmocka_unit_test(test_single_tier),          cmocka_unit_test(test_edgent_needs_edge),
        cmocka_unit_test(test_partition_against_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
