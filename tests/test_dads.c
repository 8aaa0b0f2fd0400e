/* The DADS baseline (src/solve/dads.c): on trees, where Neurosurgeon serves the same exit,
 * Neurosurgeon's best single cut (pins too); on small random DAGs, exhaustive search over the
 * best exit's sub-graph on the mobile and the server restricted to the one-way placements
 * (pins too), never above Neurosurgeon and never below the search over every two-tier
 * placement; its placements valid; its refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dag_problem.h"
#include "random_problem.h"
#include "predoff/solve.h"

#define SAME(a, b) (fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))
enum { MAX_SUB = 16 }; /* the search below tries 2^MAX_SUB placements at most */

static pd_status run(const char *name, const pd_problem *pb, pd_solution *sol, pd_error *err)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    return pd_solve(pd_solver_find(name), pb, &opt, sol, err);
}

/* DADS's server: the edge, else the cloud (-1: the mobile alone). */
static int server_slot(const pd_problem *pb)
{
    int s = -1;
    for (int i = pb->n_tiers - 1; i > 0; i--)
        if (pb->tier[i] == PD_TIER_EDGE || (s < 0 && pb->tier[i] == PD_TIER_CLOUD))
            s = i;
    return s;
}

/* Whether no layer of exit k's sub-graph on the mobile reads a tensor computed elsewhere. */
static bool one_way(const pd_problem *pb, size_t k, const pd_slot *pl)
{
    for (size_t v = 0; v < pb->n_layers; v++) {
        if (!pd_topology_in_sub(pb->topo, k, v))
            continue;
        size_t m;
        const int32_t *in = pd_topology_inputs(pb->topo, v, &m);
        for (size_t i = 0; i < m; i++)
            if (in[i] >= 0 && pl[in[i]] != 0 && pl[v] == 0)
                return false;
    }
    return true;
}

/* Every placement of exit k's sub-graph on the mobile and `server` (the other layers on the
 * mobile, or on their pins) that keeps the pins, costed as the exit serving every task: the
 * least over the one-way ones in *ow, over all in *any (INFINITY: none). */
static void search(const pd_problem *pb, size_t k, int server, double *ow, double *any)
{
    size_t len = pb->topo->sub_len[k], n = pb->n_layers;
    assert_true(len <= MAX_SUB);
    int32_t list[MAX_SUB];
    pd_topology_sub_list(pb->topo, k, list);
    pd_slot *pl = calloc(n, 1);
    assert_non_null(pl);
    for (size_t i = 0; i < n; i++)
        if (!pd_topology_in_sub(pb->topo, k, i) && pd_problem_pin_of(pb, i) != PD_SLOT_FREE)
            pl[i] = (pd_slot)pd_problem_pin_of(pb, i);
    *ow = *any = INFINITY;
    for (uint32_t m = 0; m < (1u << len); m++) {
        for (size_t i = 0; i < len; i++)
            pl[list[i]] = (pd_slot)((m >> i) & 1u ? server : 0);
        if (!pd_problem_pins_kept(pb, pl, NULL))
            continue;
        double c = pd_objective_single_exit(pb, pl, k);
        *any = fmin(*any, c);
        if (one_way(pb, k, pl))
            *ow = fmin(*ow, c);
    }
    free(pl);
}

/* DADS's placement: the best exit's sub-graph on the mobile and the server, one way; every
 * other layer on the mobile or its pin; the pins kept. */
static void check_placement(const pd_problem *pb, const pd_solution *sol)
{
    size_t k = pd_problem_best_exit(pb);
    int server = server_slot(pb);
    assert_int_equal(sol->served_exit, (int32_t)k);
    for (size_t i = 0; i < pb->n_layers; i++) {
        int p = sol->placement[i];
        if (pd_topology_in_sub(pb->topo, k, i))
            assert_true(p == 0 || p == server);
        else
            assert_true(p == 0 || p == pd_problem_pin_of(pb, i));
    }
    assert_true(pd_problem_pins_kept(pb, sol->placement, NULL));
    assert_true(one_way(pb, k, sol->placement));
}

/* On a tree A(k) is a chain, and a one-way placement of it a single cut: DADS is
 * Neurosurgeon's figure wherever Neurosurgeon serves the same exit (the trunk's end is the
 * most accurate), with the same pins, or both refuse them. */
static void test_trees_equal_neurosurgeon(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 2019);
    int compared = 0, refused = 0;
    for (int trial = 0; compared + refused < 300; trial++) {
        assert_true(trial < 5000);
        rp_config c = {1 + (size_t)pd_rng_below(&rng, 40), 2 + trial % 2, trial % 3 == 0,
                       0.3};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        pd_solution ns, ds;
        assert_int_equal(run("neurosurgeon", pb, &ns, NULL), PD_OK); /* its exit, pins aside */
        int32_t trunk = ns.served_exit;
        pd_solution_free(&ns);
        if (trunk != (int32_t)pd_problem_best_exit(pb)) {
            pd_problem_free(pb);
            continue;
        }
        if (trial % 2)
            assert_int_equal(dag_random_pins(&rng, pb, 3, NULL), PD_OK);
        pd_error e1, e2;
        pd_status s1 = run("neurosurgeon", pb, &ns, &e1), s2 = run("dads", pb, &ds, &e2);
        assert_int_equal(s1, s2);
        if (s1) {
            assert_non_null(strstr(e1.msg, "cannot honour --pin"));
            assert_non_null(strstr(e2.msg, "dads cannot honour --pin"));
            refused++;
        } else {
            if (!SAME(ds.objective_ms, ns.objective_ms))
                fail_msg("tree %d: dads %.12g, neurosurgeon %.12g", trial, ds.objective_ms,
                         ns.objective_ms);
            check_placement(pb, &ds);
            compared++;
            pd_solution_free(&ns);
            pd_solution_free(&ds);
        }
        pd_problem_free(pb);
    }
    print_message("dads = neurosurgeon on %d trees, both refused the pins on %d\n", compared,
                  refused);
    assert_true(compared > 200 && refused > 20);
}

/* Small random DAGs, 2 and 3 tiers (now and then mobile + cloud), the loading term on every
 * other, pins on every third: DADS is the search over the one-way placements (and refuses
 * exactly when none keeps the pins), at least the search over all of them, at most
 * Neurosurgeon's single cut of the same exit. */
static void test_dags_against_search(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1519);
    int checked = 0, refused = 0, below_ns = 0, above_any = 0;
    for (int trial = 0; checked + refused < 300; trial++) {
        pd_problem *pb;
        assert_int_equal(dag_random(&rng, trial, &pb, NULL), PD_OK);
        size_t k = pd_problem_best_exit(pb);
        if (pb->topo->sub_len[k] > MAX_SUB) {
            pd_problem_free(pb);
            continue;
        }
        if (trial % 3 == 1)
            assert_int_equal(dag_random_pins(&rng, pb, 3, NULL), PD_OK);
        double ow, any;
        search(pb, k, server_slot(pb), &ow, &any);
        pd_solution ds;
        pd_error err;
        pd_status st = run("dads", pb, &ds, &err);
        if (ow == INFINITY) {
            /* a pin to a third tier, or a mobile pin that depends on a server one */
            assert_int_equal(st, PD_EINPUT);
            assert_non_null(strstr(err.msg, "dads cannot honour --pin"));
            refused++;
            pd_problem_free(pb);
            continue;
        }
        if (st)
            fail_msg("dag %d: dads refused (%s); the search found %.12g", trial, err.msg, ow);
        if (!SAME(ds.objective_ms, ow))
            fail_msg("dag %d: dads %.12g, one-way search %.12g", trial, ds.objective_ms, ow);
        assert_true(ds.objective_ms >= any - 1e-9 * (1.0 + any));
        above_any += !SAME(ds.objective_ms, any);
        check_placement(pb, &ds);
        pd_solution ns;
        if (run("neurosurgeon", pb, &ns, NULL) == PD_OK) {
            assert_int_equal(ns.served_exit, (int32_t)k);
            assert_true(ds.objective_ms <= ns.objective_ms + 1e-9 * (1.0 + ns.objective_ms));
            below_ns += !SAME(ds.objective_ms, ns.objective_ms);
            pd_solution_free(&ns);
        }
        pd_solution_free(&ds);
        checked++;
        pd_problem_free(pb);
    }
    print_message("dads = the one-way search on %d DAGs (%d refused the pins): below "
                  "neurosurgeon's single cut on %d, above the unrestricted search on %d\n",
                  checked, refused, below_ns, above_any);
    /* the cut crosses several tensors where that pays, which a single cut cannot */
    assert_true(checked > 200 && refused > 5 && below_ns > 10);
}

/* A chain of four on mobile + edge + cloud: a pin to the cloud in the sub-graph, and a
 * layer pinned to the mobile after one pinned to the edge, are refused; a pin off the
 * sub-graph is kept; with the mobile alone, everything runs there. */
static void test_refusals_and_one_tier(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 5);
    rp_config c = {6, 3, 0, 0.0}; /* a chain: every layer reads the one before */
    pd_problem *pb;
    assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
    size_t k = pd_problem_best_exit(pb);
    int32_t exit = pb->exit_layer[k];
    assert_true(exit >= 2);
    pd_error err;
    pd_solution sol;
    assert_int_equal(pd_problem_pin(pb, 0, 2, NULL), PD_OK);
    assert_int_equal(run("dads", pb, &sol, &err), PD_EINPUT);
    assert_string_equal(err.msg, "dads cannot honour --pin: a layer of the most accurate exit's "
                                 "sub-graph is pinned to the cloud, and DADS cuts between the "
                                 "mobile and the edge");
    pb->pin[0] = 1;
    assert_int_equal(pd_problem_pin(pb, (size_t)exit, 0, NULL), PD_OK);
    assert_int_equal(run("dads", pb, &sol, &err), PD_EINPUT);
    assert_string_equal(err.msg, "dads cannot honour --pin: a layer pinned to the mobile depends "
                                 "on one pinned to the edge, and DADS offloads one way (what the "
                                 "edge computes stays there)");
    pb->pin[0] = 0; /* the first on the mobile, the exit on the mobile: all of it there */
    if ((size_t)exit + 1 < pb->n_layers)
        assert_int_equal(pd_problem_pin(pb, (size_t)exit + 1, 2, NULL), PD_OK);
    assert_int_equal(run("dads", pb, &sol, NULL), PD_OK);
    for (size_t i = 0; i <= (size_t)exit; i++)
        assert_int_equal(sol.placement[i], 0);
    check_placement(pb, &sol);
    pd_solution_free(&sol);
    pd_problem_free(pb);

    c.n_tiers = 1;
    assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
    assert_int_equal(run("dads", pb, &sol, NULL), PD_OK);
    assert_int_equal(sol.served_exit, (int32_t)pd_problem_best_exit(pb));
    for (size_t i = 0; i < pb->n_layers; i++)
        assert_int_equal(sol.placement[i], 0);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trees_equal_neurosurgeon),
        cmocka_unit_test(test_dags_against_search),
        cmocka_unit_test(test_refusals_and_one_tier),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
