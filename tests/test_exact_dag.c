/* The exact solver on DAGs (issue 15, point 1): the minimum cut of exact_dag.c against brute
 * force (objective by pd_objective_by_exits) on random DAGs from a fixed seed, with 2 and 3
 * tiers, several exits, shared readers, pins, the loading term and per-hop delays, and on
 * adversarial graphs; against the tree DP on trees; pins honoured by brute, exact and the
 * DP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dag_problem.h"
#include "random_problem.h"
#include "predoff/solve.h"

#define SAME(a, b) (fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static double uniform(pd_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * pd_rng_uniform(r);
}

/* Solves pb with the named solver (or the DAG cut itself for "exact_dag"); the objective by
 * exits (the same sum brute ranks by), the placement in *placement when it is not NULL. */
static double solve(const char *name, const pd_problem *pb, pd_slot *placement)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.max_placements = 1e7;
    pd_slot *p = malloc(pb->n_layers);
    assert_non_null(p);
    pd_error err;
    pd_status st;
    if (strcmp(name, "exact_dag") == 0)
        st = pd_solve_exact_dag(pb, &opt, p, &err);
    else if (strcmp(name, "exact") == 0)
        st = pd_solve_exact(pb, &opt, p, &err);
    else
        st = pd_solve_brute(pb, &opt, p, &err);
    if (st)
        fail_msg("%s: %s", name, err.msg);
    size_t bad;
    if (!pd_problem_pins_kept(pb, p, &bad))
        fail_msg("%s: layer %zu pinned to %d, placed on %d", name, bad, pb->pin[bad], p[bad]);
    double e = pd_objective_by_exits(pb, p);
    if (placement)
        memcpy(placement, p, pb->n_layers);
    free(p);
    return e;
}

/* Pins up to `most` random layers to random slots. */
static void random_pins(pd_rng *rng, pd_problem *pb, size_t most)
{
    assert_int_equal(dag_random_pins(rng, pb, most, NULL), PD_OK);
}

/* brute's search, n_tiers ^ free layers */
static double search_size(const pd_problem *pb)
{
    return pow((double)pb->n_tiers, (double)(pb->n_layers - pd_problem_n_pinned(pb)));
}

/* Whether a placement uses more than one tier. */
static bool mixed(const pd_problem *pb, const pd_slot *p)
{
    for (size_t i = 1; i < pb->n_layers; i++)
        if (p[i] != p[0])
            return true;
    return false;
}

/* The acceptance test: the cut equals brute force on 360 random DAGs (fixed seed). Block
 * networks (residual, inception, long skips, side exits that read earlier blocks) and
 * random_problem.c's DAGs of far reads; 2 tiers (mobile + edge or + cloud) and 3; with and
 * without the loading term (intercepts and slopes at least 0, where one cut per set of
 * tiers is exact) and pins; per-hop delays in every scenario. Small enough for brute. */
static void test_exact_dag_equals_brute(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1515);
    int trials = 0, with_mixed = 0, with_pins = 0, with_load = 0, three = 0, shared = 0;
    while (trials < 360) {
        int tiers = 2 + trials % 2;
        int load = (trials / 2) % 3 == 0 ? 2 : 0;
        pd_problem *pb;
        pd_error err;
        if (trials % 4 == 3) {
            rp_config c = {2 + (size_t)pd_rng_below(&rng, tiers == 2 ? 13 : 8), tiers, load != 0,
                           uniform(&rng, 0.2, 0.6)};
            assert_int_equal(rp_make_dag(&rng, &c, &pb, &err), PD_OK);
            for (int s = 0; s < tiers && load; s++) /* its slopes are at least 0 already */
                pb->load_fixed_ms[s] = fabs(pb->load_fixed_ms[s]);
        } else {
            dag_config c = {tiers, tiers == 2 && trials % 5 == 0, load, 4};
            assert_int_equal(dag_block_problem(&rng, &c, &pb, &err), PD_OK);
        }
        if (trials % 3 == 1)
            random_pins(&rng, pb, 4);
        if (search_size(pb) > 6e4) { /* too many for brute: draw again */
            pd_problem_free(pb);
            continue;
        }
        assert_false(pb->topo->tree);
        pd_slot *p = malloc(pb->n_layers);
        assert_non_null(p);
        double cut = solve("exact", pb, p), brute = solve("brute", pb, NULL);
        if (!SAME(cut, brute))
            print_error("trial %d: exact %.12g brute %.12g (%zu layers, %d tiers, load %d, %zu "
                        "pinned)\n",
                        trials, cut, brute, pb->n_layers, tiers, pb->load_on,
                        pd_problem_n_pinned(pb));
        assert_true(SAME(cut, brute));
        with_mixed += mixed(pb, p);
        with_pins += pd_problem_n_pinned(pb) > 0;
        with_load += pb->load_on;
        three += tiers == 3;
        for (size_t l = 0; l < pb->n_layers; l++) {
            size_t d;
            pd_topology_readers(pb->topo, (int32_t)l, &d);
            shared += d > 1;
        }
        free(p);
        pd_problem_free(pb);
        trials++;
    }
    print_message("exact = brute on %d DAGs: %d on 3 tiers, %d with pins, %d with loading, %d "
                  "optima on more than one tier; %d tensors with several readers\n",
                  trials, three, with_pins, with_load, with_mixed, shared);
    assert_true(with_mixed > 100 && with_pins > 80 && with_load > 80 && shared > 200);
}

/* A problem on a hand-made graph (layer i reads ids[start[i] .. start[i + 1])) with random
 * costs, delays and demand. */
static pd_problem *graph_problem(pd_rng *rng, size_t n, const size_t *start, const int32_t *ids,
                                 size_t n_exits, const int32_t *exits, int n_tiers, int load)
{
    pd_problem *pb;
    assert_int_equal(pd_problem_new(n, n_tiers, n_exits, load != 0, &pb, NULL), PD_OK);
    size_t nt = (size_t)n_tiers;
    for (size_t i = 0; i < n; i++) {
        pb->out_bytes[i] = exp(uniform(rng, log(1e2), log(1e6)));
        for (size_t s = 0; s < nt; s++) {
            pb->compute_ms[i * nt + s] = exp(uniform(rng, -2.0, 3.0)) / (1.0 + (double)s);
            if (load)
                pb->load_ms[i * nt + s] = uniform(rng, 0.0, 0.5);
        }
    }
    for (size_t s = 0; s < nt && load; s++)
        pb->load_fixed_ms[s] = uniform(rng, 0.0, 3.0);
    for (size_t k = 0; k < n_exits; k++) {
        pb->exit_layer[k] = exits[k];
        pb->exit_accuracy[k] = uniform(rng, 0.4, 0.95);
    }
    pb->input_bytes = exp(uniform(rng, log(1e3), log(1e6)));
    pd_problem_set_links(pb, uniform(rng, 1e6, 3e8), uniform(rng, 1e6, 3e8),
                         uniform(rng, 1e7, 1e9), uniform(rng, 0.0, 3.0), uniform(rng, 0.0, 3.0));
    pd_distribution d = {.kind = PD_DIST_UNIFORM, .a = 0.3, .b = 1.0};
    assert_int_equal(pd_problem_set_inputs(pb, start, ids, NULL), PD_OK);
    assert_int_equal(pd_problem_set_demand(pb, &d, NULL), PD_OK);
    return pb;
}

/* Adversarial graphs, each with many random costs, 2 and 3 tiers, with and without pins:
 * (a) a tensor read on all three tiers: t's readers r0, r1, r2 pinned to the mobile, the
 *     edge and the cloud (t free, so it crosses up once and is forwarded once, or comes
 *     down once; read on one tier twice, it is sent once);
 * (b) exits whose sub-graphs overlap in all but one layer: e1 and e2 both read c, which reads
 *     b, and e2 reads b too, so b's readers are {c} for e1 and {c, e2} for e2 (two groups),
 *     and e1 is itself read by a third exit e3 (A(e3) = A(e1) + e3);
 * (c) one exit's output read by a later layer: the result goes back to the mobile for that
 *     exit while it goes on upwards for the next. */
static void test_adversarial(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 99);
    /* (a) 0 a(in) 1 t(a) 2 r0(t) 3 r1(t) 4 r2(t) 5 s(t) 6 out(r0, r1, r2, s) */
    const size_t a_start[] = {0, 1, 2, 3, 4, 5, 6, 10};
    const int32_t a_ids[] = {-1, 0, 1, 1, 1, 1, 2, 3, 4, 5};
    const int32_t a_exits[] = {6, 2};
    /* (b) 0 a(in) 1 b(a) 2 c(b) 3 e1(c) 4 e2(b, c) 5 e3(e1, in) */
    const size_t b_start[] = {0, 1, 2, 3, 4, 6, 8};
    const int32_t b_ids[] = {-1, 0, 1, 2, 1, 2, 3, -1};
    const int32_t b_exits[] = {3, 4, 5};
    /* (c) 0 a(in) 1 x(a) 2 e1(x) 3 y(e1, a) 4 e2(y) */
    const size_t c_start[] = {0, 1, 2, 3, 5, 6};
    const int32_t c_ids[] = {-1, 0, 1, 2, 0, 3};
    const int32_t c_exits[] = {2, 4};
    int spread = 0;
    for (int trial = 0; trial < 240; trial++) {
        int tiers = 2 + trial % 2, load = trial % 5 == 0, graph = (trial / 2) % 3;
        pd_problem *pb;
        if (graph == 0) {
            pb = graph_problem(&rng, 7, a_start, a_ids, 2, a_exits, 3, load);
            if (trial % 4 < 2) { /* its readers on all three tiers */
                assert_int_equal(pd_problem_pin(pb, 2, 0, NULL), PD_OK);
                assert_int_equal(pd_problem_pin(pb, 3, 1, NULL), PD_OK);
                assert_int_equal(pd_problem_pin(pb, 4, 2, NULL), PD_OK);
            }
        } else if (graph == 1) {
            pb = graph_problem(&rng, 6, b_start, b_ids, 3, b_exits, tiers, load);
            if (trial % 4 == 1)
                random_pins(&rng, pb, 2);
        } else {
            pb = graph_problem(&rng, 5, c_start, c_ids, 2, c_exits, tiers, load);
            if (trial % 4 == 1)
                random_pins(&rng, pb, 2);
        }
        pd_slot p[8];
        double cut = solve("exact", pb, p), brute = solve("brute", pb, NULL);
        if (!SAME(cut, brute))
            print_error("adversarial %d (graph %d): exact %.12g brute %.12g\n", trial, graph, cut,
                        brute);
        assert_true(SAME(cut, brute));
        spread += graph == 0 && p[2] == 0 && p[3] == 1 && p[4] == 2 && p[1] == 1;
        pd_problem_free(pb);
    }
    print_message("adversarial: 240 graphs, t on the edge and read on all three tiers in %d "
                  "optima\n", spread);
}

/* On trees both exact solvers: the cut and the DP reach the same objective (with and without
 * loading, with pins), and brute's where brute can search. */
static void test_cut_equals_dp_on_trees(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    int searched = 0;
    for (int trial = 0; trial < 300; trial++) {
        bool small = trial % 3 == 0;
        rp_config c = {small ? 1 + (size_t)pd_rng_below(&rng, 9) : 1 + (size_t)pd_rng_below(&rng, 300),
                       2 + trial % 2, trial % 4 == 1, 0.3};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        if (trial % 5 < 2)
            random_pins(&rng, pb, 1 + pb->n_layers / 4);
        double dp = solve("exact", pb, NULL), cut = solve("exact_dag", pb, NULL);
        if (!SAME(cut, dp))
            print_error("tree %d: cut %.12g dp %.12g (%zu layers)\n", trial, cut, dp, pb->n_layers);
        assert_true(SAME(cut, dp));
        if (small && search_size(pb) <= 1e5) {
            assert_true(SAME(dp, solve("brute", pb, NULL)));
            searched++;
        }
        pd_problem_free(pb);
    }
    assert_true(searched > 80);
}

/* Loading whose clamp binds (an intercept or a slope below 0): as the tree DP, the cut is then
 * the best of one cut per set of tiers and per clampable tier's variant, not proven optimal;
 * it is never below brute, and equal to it in most cases. */
static void test_clamped_loading(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 21);
    int trials = 0, equal = 0;
    while (trials < 100) {
        dag_config c = {2 + trials % 2, false, 1, 3};
        pd_problem *pb;
        assert_int_equal(dag_block_problem(&rng, &c, &pb, NULL), PD_OK);
        if (search_size(pb) > 6e4) {
            pd_problem_free(pb);
            continue;
        }
        double cut = solve("exact", pb, NULL), brute = solve("brute", pb, NULL);
        assert_true(cut >= brute - 1e-9 * (1.0 + fabs(brute)));
        equal += SAME(cut, brute);
        pd_problem_free(pb);
        trials++;
    }
    print_message("clamped loading: exact = brute on %d of %d DAGs\n", equal, trials);
    assert_true(equal >= 90);
}

/* Brute with pins tries exactly the placements that keep them: on a small DAG, its optimum is
 * the best of every placement with the pinned layers in place, found here by filtering all. */
static void test_brute_with_pins(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 5);
    for (int trial = 0; trial < 20; trial++) {
        rp_config c = {3 + (size_t)pd_rng_below(&rng, 5), 3, trial % 2, 0.4};
        pd_problem *pb;
        assert_int_equal(rp_make_dag(&rng, &c, &pb, NULL), PD_OK);
        assert_int_equal(pd_problem_pin(pb, 0, 2, NULL), PD_OK);
        assert_int_equal(pd_problem_pin(pb, pb->n_layers - 1, 1, NULL), PD_OK);
        size_t n = pb->n_layers;
        pd_slot cur[8] = {0};
        double best = INFINITY;
        for (;;) {
            if (pd_problem_pins_kept(pb, cur, NULL))
                best = fmin(best, pd_objective_by_exits(pb, cur));
            size_t i = 0;
            while (i < n && ++cur[i] == 3)
                cur[i++] = 0;
            if (i == n)
                break;
        }
        assert_true(SAME(solve("brute", pb, NULL), best));
        assert_true(SAME(solve("exact", pb, NULL), best));
        pd_problem_free(pb);
    }
}

/* The best single cut of exit k between the mobile and `server` that keeps the pins, every
 * cut one tensor crosses tried, the pinned layers off A(k) on their pins; INFINITY if none. */
static double best_pinned_cut(const pd_problem *pb, size_t k, int server)
{
    size_t len = pb->topo->sub_len[k], n = pb->n_layers;
    int32_t *list = malloc(len * sizeof *list), *cross = malloc((len + 1) * sizeof *cross);
    pd_slot *pl = malloc(n);
    assert_true(list && cross && pl);
    pd_topology_sub_list(pb->topo, k, list);
    assert_int_equal(pd_topology_sub_cuts(pb->topo, k, list, cross, NULL), PD_OK);
    double best = INFINITY;
    for (size_t c = 0; c <= len; c++) {
        if (cross[c] == PD_CUT_SEVERAL)
            continue;
        for (size_t v = 0; v < n; v++)
            pl[v] = pd_problem_pin_of(pb, v) == PD_SLOT_FREE ? 0 : pb->pin[v];
        for (size_t i = 0; i < len; i++)
            pl[list[i]] = (pd_slot)(i < c ? 0 : server);
        if (pd_problem_pins_kept(pb, pl, NULL))
            best = fmin(best, pd_objective_single_exit(pb, pl, k));
    }
    free(list);
    free(cross);
    free(pl);
    return best;
}

/* Every solver keeps the pins or refuses, on trees and DAGs with 2 and 3 tiers: exact is
 * brute's optimum (where brute searches) and never above another solver; the GA keeps them
 * in every individual; Neurosurgeon is the best single cut that keeps them, or refuses when
 * there is none; a one-tier baseline refuses a pin to another tier. */
static void test_every_solver_keeps_pins(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 77);
    size_t n_solvers, refused = 0, kept = 0;
    const pd_solver *solvers = pd_solvers(&n_solvers);
    for (int trial = 0; trial < 60; trial++) {
        pd_problem *pb;
        if (trial % 2) {
            dag_config c = {2 + trial % 3 / 2, trial % 3 == 0, 0, 3};
            assert_int_equal(dag_block_problem(&rng, &c, &pb, NULL), PD_OK);
        } else {
            rp_config c = {3 + (size_t)pd_rng_below(&rng, 8), 2 + (trial / 2) % 2, 0, 0.3};
            assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        }
        random_pins(&rng, pb, 3);
        pd_solve_options opt;
        pd_solve_options_init(&opt);
        opt.ga.population = 30;
        opt.ga.generations = 10;
        opt.ga.elitism = 2;
        double exact = solve("exact", pb, NULL);
        for (size_t i = 0; i < n_solvers; i++) {
            pd_solution sol;
            pd_error err;
            pd_status st = pd_solve(&solvers[i], pb, &opt, &sol, &err);
            const char *name = solvers[i].name;
            if (st) {
                /* a one-tier baseline, or a single cut with no cut that keeps the pins, or a
                 * solver that does not take this problem at all */
                assert_true(st == PD_EINPUT || st == PD_ELIMIT);
                if (strstr(err.msg, "cannot honour --pin"))
                    refused++;
                /* on a DAG its exit is the most accurate; its server slot 1 (edge, or cloud) */
                if (strcmp(name, "neurosurgeon") == 0 && strstr(err.msg, "--pin") &&
                    !pb->topo->tree)
                    assert_true(best_pinned_cut(pb, pd_problem_best_exit(pb), 1) == INFINITY);
                continue;
            }
            assert_true(pd_problem_pins_kept(pb, sol.placement, NULL));
            kept++;
            if (sol.served_exit < 0)
                assert_true(exact <= sol.objective_ms + 1e-9 * (1.0 + exact));
            if (strcmp(name, "neurosurgeon") == 0)
                assert_true(SAME(sol.objective_ms, best_pinned_cut(pb, (size_t)sol.served_exit, 1)));
            pd_solution_free(&sol);
        }
        pd_problem_free(pb);
    }
    print_message("pins: %zu solutions kept them, %zu refusals said they cannot\n", kept, refused);
    assert_true(kept > 150 && refused > 30);
}

/* A pin to a second slot, and one out of range, are refused. */
static void test_pin_conflicts(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 3);
    rp_config c = {6, 2, 0, 0.4};
    pd_problem *pb;
    assert_int_equal(rp_make_dag(&rng, &c, &pb, NULL), PD_OK);
    pd_error err;
    assert_int_equal(pd_problem_pin(pb, 2, 1, &err), PD_OK);
    assert_int_equal(pd_problem_pin(pb, 2, 1, &err), PD_OK);
    assert_int_equal(pd_problem_pin(pb, 2, 0, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "pinned to slots 1 and 0"));
    assert_int_equal(pd_problem_pin(pb, 2, 2, &err), PD_EINPUT);
    assert_int_equal(pd_problem_pin(pb, 6, 0, &err), PD_EINPUT);
    assert_int_equal(pd_problem_n_pinned(pb), 1);
    pd_problem_free(pb);
}

/* --pin's spelling: items LAYER=TIER, a name ending at its last '=', the same pin twice
 * taken once; a malformed item, an unknown tier or two tiers for a layer refused. */
static void test_pin_spelling(void **state)
{
    (void)state;
    pd_scenario sc;
    memset(&sc, 0, sizeof sc);
    pd_error err;
    assert_int_equal(pd_scenario_add_pins(&sc, "conv1=mobile,a=b=cloud", &err), PD_OK);
    assert_int_equal(pd_scenario_add_pins(&sc, "conv1=mobile,fc=edge", &err), PD_OK);
    assert_int_equal(sc.n_pins, 3);
    assert_string_equal(sc.pins[0].layer, "conv1");
    assert_int_equal(sc.pins[0].tier, PD_TIER_MOBILE);
    assert_string_equal(sc.pins[1].layer, "a=b");
    assert_int_equal(sc.pins[1].tier, PD_TIER_CLOUD);
    assert_string_equal(sc.pins[2].layer, "fc");
    static const char *const bad[] = {"", "conv1", "=edge", "conv1=", "conv1=Edge", "x=edge,,y=edge",
                                      "x=edge,", "fc=cloud", "conv1=mobilemobilemobile"};
    static const char *const why[] = {"is not LAYER=TIER", "is not LAYER=TIER", "is not LAYER=TIER",
                                      "is not LAYER=TIER", "unknown tier \"Edge\"", "item 2",
                                      "item 2", "pinned to edge and to cloud",
                                      "is not LAYER=TIER"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pd_scenario_add_pins(&sc, bad[i], &err), PD_EINPUT);
        if (!strstr(err.msg, why[i]))
            fail_msg("\"%s\": %s", bad[i], err.msg);
    }
    pd_scenario_free(&sc);
    assert_int_equal(sc.n_pins, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_dag_equals_brute), cmocka_unit_test(test_adversarial),
        cmocka_unit_test(test_cut_equals_dp_on_trees), cmocka_unit_test(test_clamped_loading),
        cmocka_unit_test(test_brute_with_pins),        cmocka_unit_test(test_pin_conflicts),
        cmocka_unit_test(test_every_solver_keeps_pins), cmocka_unit_test(test_pin_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
