/* The genetic algorithm: reaches the optimum on the paper's scenario, never beats the
 * exact optimum (on trees and, its genes in topological order, on DAGs), keeps the pins, is
 * deterministic per seed, and records its generations. */
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
#include "dag_problem.h"
#include "random_problem.h"

static pd_problem *paper_problem(void)
{
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
    assert_int_equal(pd_graph_open("b-alexnet", &g, NULL), PD_OK);
    assert_int_equal(pd_scenario_init(&sc, NULL), PD_OK);
    assert_int_equal(pd_problem_build(g, &sc, &pb, NULL), PD_OK);
    pd_scenario_free(&sc);
    pd_graph_free(g);
    return pb;
}

static double exact_value(const pd_problem *pb)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &sol, NULL), PD_OK);
    double v = sol.objective_ms;
    pd_solution_free(&sol);
    return v;
}

/* The paper ran its GA 20 times and always got the same result; with our defaults
 * (generations 50 as the paper), at least 19 of 20 seeds reach the exact optimum. */
static void test_paper_scenario_reaches_optimum(void **state)
{
    (void)state;
    pd_problem *pb = paper_problem();
    double exact = exact_value(pb);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    assert_int_equal(opt.ga.generations, 50);
    int reached = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        opt.seed = seed;
        pd_solution sol;
        assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &sol, NULL), PD_OK);
        assert_true(sol.objective_ms >= exact - 1e-9 * exact);
        reached += sol.objective_ms <= exact * (1 + 1e-9);
        pd_solution_free(&sol);
    }
    print_message("ga reached the exact optimum (%.4f ms) in %d of 20 seeds\n", exact, reached);
    assert_true(reached >= 19);
    pd_problem_free(pb);
}

/* The defaults with a small population, elitism 2, for many random problems. */
static pd_solve_options small_ga(size_t population, size_t generations)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.ga.population = population;
    opt.ga.generations = generations;
    opt.ga.elitism = 2;
    return opt;
}

/* Never below the exact optimum; the reported objective is the placement's; the best
 * never gets worse from one generation to the next (elitism). */
static void test_never_below_exact_on_random_trees(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 4242);
    pd_solve_options opt = small_ga(30, 15);
    for (int trial = 0; trial < 200; trial++) {
        rp_config c = {1 + pd_rng_below(&rng, 40), 1 + (int)pd_rng_below(&rng, 3), trial % 2,
                       0.2};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        double exact = exact_value(pb);
        opt.seed = (uint64_t)trial;
        pd_solution sol;
        assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &sol, NULL), PD_OK);
        assert_true(sol.objective_ms >= exact - 1e-9 * (1 + exact));
        assert_true(fabs(sol.objective_ms - pd_objective(pb, sol.placement)) <= 1e-12 * (1 + exact));
        assert_int_equal(sol.n_history, opt.ga.generations + 1);
        for (size_t g = 1; g < sol.n_history; g++) {
            assert_true(sol.history_best[g] <= sol.history_best[g - 1] * (1 + 1e-12));
            assert_true(sol.history_mean[g] >= sol.history_best[g] * (1 - 1e-12));
        }
        assert_true(fabs(sol.history_best[sol.n_history - 1] - sol.objective_ms) <=
                    1e-12 * (1 + exact));
        pd_solution_free(&sol);
        pd_problem_free(pb);
    }
}

/* On random DAGs (tests/support/dag_problem.c: residual, inception, long skips, side exits;
 * 2 and 3 tiers, the loading term, pins on every other one): never below the exact optimum
 * (the minimum cut), a placement on the problem's slots that keeps the pins, its objective
 * the placement's, the best never worse from one generation to the next; the same seed
 * gives the same run, bit for bit. */
static void test_dags(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1515);
    pd_solve_options opt = small_ga(40, 20);
    int reached = 0, pinned = 0, bounded = 0, below_exact = 0;
    double most_below = 0.0;
    const int trials = 160;
    for (int trial = 0; trial < trials; trial++) {
        pd_problem *pb;
        assert_int_equal(dag_random(&rng, trial, &pb, NULL), PD_OK);
        assert_false(pb->topo->tree);
        if (trial % 2)
            assert_int_equal(dag_random_pins(&rng, pb, 3, NULL), PD_OK);
        pinned += pd_problem_n_pinned(pb) > 0;
        double exact = exact_value(pb);
        opt.seed = (uint64_t)trial + 1;
        pd_solution a, b;
        assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &a, NULL), PD_OK);
        /* where a tier's loading can be clamped at 0, exact is not proven optimal
         * (docs/DESIGN.md): the bound is then brute force's, where it searches */
        double bound = exact;
        if (pd_problem_clampable_slots(pb)) {
            pd_solve_options bo = opt;
            bo.max_placements = 1e6;
            pd_solution br;
            bound = -INFINITY;
            if (pd_solve(pd_solver_find("brute"), pb, &bo, &br, NULL) == PD_OK) {
                bound = br.objective_ms;
                pd_solution_free(&br);
            }
            below_exact += a.objective_ms < exact * (1 - 1e-9);
            most_below = fmax(most_below, (exact - a.objective_ms) / exact);
        }
        bounded += bound > -INFINITY;
        if (!(a.objective_ms >= bound - 1e-9 * (1 + fabs(bound))))
            fail_msg("dag %d: ga %.12g, below the optimum %.12g", trial, a.objective_ms, bound);
        assert_true(fabs(a.objective_ms - pd_objective(pb, a.placement)) <= 1e-12 * (1 + exact));
        for (size_t l = 0; l < pb->n_layers; l++)
            assert_true(a.placement[l] < pb->n_tiers);
        assert_true(pd_problem_pins_kept(pb, a.placement, NULL));
        assert_int_equal(a.served_exit, -1);
        for (size_t g = 1; g < a.n_history; g++)
            assert_true(a.history_best[g] <= a.history_best[g - 1] * (1 + 1e-12));
        assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &b, NULL), PD_OK);
        assert_memory_equal(a.placement, b.placement, pb->n_layers);
        assert_memory_equal(a.history_best, b.history_best, a.n_history * sizeof(double));
        assert_memory_equal(a.history_mean, b.history_mean, a.n_history * sizeof(double));
        reached += a.objective_ms <= exact * (1 + 1e-9);
        pd_solution_free(&a);
        pd_solution_free(&b);
        pd_problem_free(pb);
    }
    print_message("ga (population 40, 20 generations) reached the exact optimum on %d of %d "
                  "random DAGs (%d with pins; %d checked against a proven optimum; below exact, "
                  "where a clamped loading leaves it unproven, on %d, by up to %.2g%%)\n",
                  reached, trials, pinned, bounded, below_exact, 100.0 * most_below);
    /* a search that works: the small DAGs' optimum is found most of the time */
    assert_true(reached > trials / 2);
    assert_true(pinned > trials / 4 && bounded > trials * 3 / 4);
}

static void test_same_seed_same_result(void **state)
{
    (void)state;
    pd_problem *pb = paper_problem();
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.ga.generations = 10;
    pd_solution a, b, c;
    opt.seed = 7;
    assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &a, NULL), PD_OK);
    assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &b, NULL), PD_OK);
    opt.seed = 8;
    assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &c, NULL), PD_OK);
    assert_memory_equal(a.placement, b.placement, pb->n_layers);
    assert_memory_equal(a.history_mean, b.history_mean, a.n_history * sizeof(double));
    /* another seed starts from another random population */
    assert_true(memcmp(a.history_mean, c.history_mean, a.n_history * sizeof(double)) != 0);
    pd_solution_free(&a);
    pd_solution_free(&b);
    pd_solution_free(&c);
    pd_problem_free(pb);
}

static void test_parameters_checked(void **state)
{
    (void)state;
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_error err;
    pd_ga_params good = opt.ga;
    assert_int_equal(pd_ga_params_check(&good, &err), PD_OK);
    pd_ga_params p = good;
    p.population = 1;
    assert_int_equal(pd_ga_params_check(&p, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "population"));
    p = good;
    p.crossover = 1.5;
    assert_int_equal(pd_ga_params_check(&p, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "crossover"));
    p = good;
    p.mutation = NAN;
    assert_int_equal(pd_ga_params_check(&p, &err), PD_EINPUT);
    p = good;
    p.elitism = p.population;
    assert_int_equal(pd_ga_params_check(&p, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "elitism"));
    p = good;
    p.scaling = 0.5;
    assert_int_equal(pd_ga_params_check(&p, &err), PD_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_scenario_reaches_optimum),
        cmocka_unit_test(test_never_below_exact_on_random_trees),
        cmocka_unit_test(test_dags),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_parameters_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
