/* The objective of cost-model.md, checked against sums worked out by hand, and on DAGs
 * against a slow reference written from the spec's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "predoff/objective.h"
#include "predoff/rng.h"
#include "predoff/solve.h"
#include <string.h>
#include "hand_problem.h"
#include "random_problem.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static void test_probabilities_and_weights(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    NEAR(pb->exit_prob[0], 0.25);
    NEAR(pb->exit_prob[1], 0.75);
    NEAR(pb->unmet_probability, 0.25);
    NEAR(pb->weight[0], 1.0);
    NEAR(pb->weight[1], 0.25);
    NEAR(pb->weight[2], 0.75);
    pd_problem_free(pb);
}

static void test_hand_objectives(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    /* all mobile: L_A = 10 + 4 = 14, L_B = 10 + 6 = 16; E = 0.25*14 + 0.75*16 = 15.5 */
    const pd_slot mobile[] = {0, 0, 0};
    /* all edge: L_A = 0.1 up + 2 + 1 + 0.02 back = 3.12, L_B = 0.1 + 2 + 3 + 0.04 = 5.14;
     * E = 0.78 + 3.855 = 4.635 */
    const pd_slot edge[] = {1, 1, 1};
    /* L0 edge, L1 mobile, L2 edge: L_A = 0.1 + 2 + 1000*0.002 + 4 = 8.1; E = 2.025 + 3.855 */
    const pd_slot mixed[] = {1, 0, 1};
    const pd_slot *pl[] = {mobile, edge, mixed};
    const double want[] = {15.5, 4.635, 5.88};
    const double want_a[] = {14, 3.12, 8.1};
    for (int c = 0; c < 3; c++) {
        NEAR(pd_objective(pb, pl[c]), want[c]);
        NEAR(pd_objective_by_exits(pb, pl[c]), want[c]);
        pd_evaluation ev;
        assert_int_equal(pd_evaluate(pb, pl[c], &ev, NULL), PD_OK);
        NEAR(ev.expected_ms, want[c]);
        NEAR(ev.exit_ms[0], want_a[c]);
        NEAR(ev.load_ms, 0.0);
        pd_evaluation_free(&ev);
    }
    pd_problem_free(pb);
}

static void test_delays_and_parsing(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    pd_problem_set_links(pb, 8e6, 4e6, 1e9, 0.5, 0.0);
    pb->parse_ms = 2.0;
    /* all edge, 0.5 ms each way: L_A = 3.12 + 1 + 2 = 6.12, L_B = 5.14 + 1 + 2 = 8.14;
     * E = 0.25*6.12 + 0.75*8.14 = 1.53 + 6.105 = 7.635 */
    const pd_slot edge[] = {1, 1, 1};
    NEAR(pd_objective(pb, edge), 7.635);
    NEAR(pd_objective_by_exits(pb, edge), 7.635);
    /* all mobile: no transfer, so no delay: 15.5 + 2 */
    const pd_slot mobile[] = {0, 0, 0};
    NEAR(pd_objective(pb, mobile), 17.5);
    pd_problem_free(pb);
}

static void test_loading(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(1);
    /* all edge: 4.635 + 14 + 3 * 0.1 = 18.935; all mobile: 15.5 + 3 = 18.5;
     * L0 edge, L1 mobile, L2 edge: 5.88 + 3 + 14 + 0.2 = 23.08 */
    const pd_slot edge[] = {1, 1, 1}, mobile[] = {0, 0, 0}, mixed[] = {1, 0, 1};
    NEAR(pd_objective(pb, edge), 18.935);
    NEAR(pd_objective(pb, mobile), 18.5);
    NEAR(pd_objective(pb, mixed), 23.08);
    NEAR(pd_load_ms(pb, mixed), 17.2);
    pd_evaluation ev;
    assert_int_equal(pd_evaluate(pb, mixed, &ev, NULL), PD_OK);
    NEAR(ev.expected_ms, 23.08);
    NEAR(ev.load_ms, 17.2);
    pd_evaluation_free(&ev);
    pd_problem_free(pb);
}

/* cost-model.md: a tier's loading is max(0, b0 + b1 * its layers), so a negative intercept
 * never makes a tier's loading, nor E[L], negative. */
static void test_loading_clamped_at_zero(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(1);
    pb->load_fixed_ms[1] = -14.2; /* the edge: -14.2 + 0.1 per layer is below 0 */
    const pd_slot edge[] = {1, 1, 1}, mixed[] = {1, 0, 1}, mobile[] = {0, 0, 0};
    NEAR(pd_load_ms(pb, edge), 0.0);
    /* mixed: the mobile's 3 + max(0, -14.2 + 0.2) */
    NEAR(pd_load_ms(pb, mixed), 3.0);
    NEAR(pd_load_ms(pb, mobile), 3.0);
    NEAR(pd_objective(pb, edge), 4.635);
    NEAR(pd_objective_by_exits(pb, edge), 4.635);
    NEAR(pd_objective(pb, mixed), 5.88 + 3.0);
    pd_evaluation ev;
    assert_int_equal(pd_evaluate(pb, edge, &ev, NULL), PD_OK);
    NEAR(ev.expected_ms, 4.635);
    NEAR(ev.load_ms, 0.0);
    assert_true(ev.exit_ms[0] >= 0.0 && ev.exit_ms[1] >= 0.0);
    pd_evaluation_free(&ev);
    /* one exit serving every task: L_A all edge 3.12, loading max(0, -14.2 + 0.2) */
    NEAR(pd_objective_single_exit(pb, edge, 0), 3.12);
    /* a negative slope is clamped the same way: the mobile's 3 - 10 per layer */
    pb->load_fixed_ms[1] = 14.0;
    for (int i = 0; i < 3; i++)
        pb->load_ms[i * 2] = -10.0;
    NEAR(pd_load_ms(pb, mobile), 0.0);
    NEAR(pd_objective(pb, mobile), 15.5);
    pd_problem_free(pb);
}

static void test_cloud_links(void **state)
{
    (void)state;
    pd_problem *pb;
    assert_int_equal(pd_problem_new(1, 3, 1, 0, &pb, NULL), PD_OK);
    pd_problem_set_links(pb, 8e6, 4e6, 80e6, 1.0, 0.25);
    /* per byte: up 0.001, down 0.002, wired 0.0001 ms */
    NEAR(pd_transfer_ms(pb, 0, 1, 1000), 1.0 + 1.0);
    NEAR(pd_transfer_ms(pb, 1, 0, 1000), 2.0 + 1.0);
    NEAR(pd_transfer_ms(pb, 1, 2, 1000), 0.1 + 0.25);
    NEAR(pd_transfer_ms(pb, 2, 1, 1000), 0.1 + 0.25);
    NEAR(pd_transfer_ms(pb, 0, 2, 1000), 1.0 + 0.1 + 1.25);
    NEAR(pd_transfer_ms(pb, 2, 0, 1000), 0.1 + 2.0 + 1.25);
    NEAR(pd_transfer_ms(pb, 2, 2, 1000), 0.0);
    pd_problem_free(pb);
}

/* Ties in accuracy: the exit with the lower layer index is first and takes the mass. */
static void test_tie_order_and_history(void **state)
{
    (void)state;
    pd_problem *pb;
    assert_int_equal(pd_problem_new(3, 1, 3, 0, &pb, NULL), PD_OK);
    /* exits listed out of layer order: layer 2 (0.7), layer 1 (0.7), layer 0 (0.5) */
    pb->exit_layer[0] = 2;
    pb->exit_layer[1] = 1;
    pb->exit_layer[2] = 0;
    pb->exit_accuracy[0] = 0.7;
    pb->exit_accuracy[1] = 0.7;
    pb->exit_accuracy[2] = 0.5;
    const int32_t parent[] = {-1, 0, 0};
    assert_int_equal(pd_problem_set_parents(pb, parent, NULL), PD_OK);
    /* past requirements 0.3, 0.5, 0.6, 0.7, 0.9: F(0.5) = 2/5, F(0.7) = 4/5 */
    const double past[] = {0.9, 0.3, 0.7, 0.5, 0.6};
    pd_distribution d;
    assert_int_equal(pd_distribution_history(past, 5, "past", &d, NULL), PD_OK);
    assert_int_equal(pd_problem_set_demand(pb, &d, NULL), PD_OK);
    NEAR(pb->exit_prob[2], 0.4);
    /* layer 1 comes first among the tied: it takes 0.4, then the unmet 0.2 goes to the
     * last in order, layer 2, whose own share is 0 */
    NEAR(pb->exit_prob[1], 0.4);
    NEAR(pb->exit_prob[0], 0.2);
    NEAR(pb->unmet_probability, 0.2);
    NEAR(pb->weight[0], 1.0);
    pd_distribution_free(&d);
    pd_problem_free(pb);
}

static void test_two_formulas_agree(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (int trial = 0; trial < 300; trial++) {
        rp_config c = {1 + pd_rng_below(&rng, 60), 1 + (int)pd_rng_below(&rng, 3),
                       (int)pd_rng_below(&rng, 2), 0.3};
        pd_problem *pb;
        assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        pd_slot *pl = malloc(pb->n_layers);
        assert_non_null(pl);
        for (size_t i = 0; i < pb->n_layers; i++)
            pl[i] = (pd_slot)pd_rng_below(&rng, (uint64_t)pb->n_tiers);
        double a = pd_objective(pb, pl), b = pd_objective_by_exits(pb, pl);
        assert_true(fabs(a - b) <= 1e-9 * (1.0 + fabs(a)));
        double total = 0;
        for (size_t k = 0; k < pb->n_exits; k++) {
            assert_true(pb->exit_prob[k] >= -1e-15);
            total += pb->exit_prob[k];
        }
        NEAR(total, 1.0);
        free(pl);
        pd_problem_free(pb);
    }
}

/* ---- DAGs ---- */

/* A diamond with a side exit: a reads the input; b and c read a; d reads b and c.
 * Exits: b (k = 0) and d (k = 1), p = 0.25 and 0.75. Compute: layer i on slot s costs
 * (i + 1) * {10, 2, 1}[s]. Bytes: input 100, a 1000, b 500, c 300, d 10. Links: up 8 Mbit/s
 * (1000 B = 1 ms), down 4 Mbit/s (1000 B = 2 ms), wired 1 Gbit/s (1000 B = 0.008 ms). */
static pd_problem *diamond(double wireless_delay, double wired_delay)
{
    pd_problem *pb;
    assert_int_equal(pd_problem_new(4, 3, 2, false, &pb, NULL), PD_OK);
    const size_t start[] = {0, 1, 2, 3, 5};
    const int32_t ids[] = {PD_TENSOR_INPUT, 0, 0, 1, 2};
    const double bytes[] = {1000, 500, 300, 10}, speed[] = {10, 2, 1};
    for (size_t i = 0; i < 4; i++)
        for (size_t s = 0; s < 3; s++)
            pb->compute_ms[i * 3 + s] = (double)(i + 1) * speed[s];
    memcpy(pb->out_bytes, bytes, sizeof bytes);
    pb->input_bytes = 100;
    pb->exit_layer[0] = 1;
    pb->exit_layer[1] = 3;
    pb->exit_prob[0] = 0.25;
    pb->exit_prob[1] = 0.75;
    pd_problem_set_links(pb, 8e6, 4e6, 1e9, wireless_delay, wired_delay);
    assert_int_equal(pd_problem_set_inputs(pb, start, ids, NULL), PD_OK);
    assert_int_equal(pd_problem_set_weights(pb, NULL), PD_OK);
    return pb;
}

static void check_exits(const pd_problem *pb, const pd_slot *pl, double l0, double l1)
{
    pd_evaluation ev;
    assert_int_equal(pd_evaluate(pb, pl, &ev, NULL), PD_OK);
    NEAR(ev.exit_ms[0], l0);
    NEAR(ev.exit_ms[1], l1);
    NEAR(ev.expected_ms, 0.25 * l0 + 0.75 * l1);
    pd_evaluation_free(&ev);
    NEAR(pd_objective(pb, pl), 0.25 * l0 + 0.75 * l1);
    NEAR(pd_objective_by_exits(pb, pl), 0.25 * l0 + 0.75 * l1);
    NEAR(pd_objective_single_exit(pb, pl, 0), l0);
    NEAR(pd_objective_single_exit(pb, pl, 1), l1);
}

static void test_dag_by_hand(void **state)
{
    (void)state;
    pd_problem *pb = diamond(0.0, 0.0);
    assert_false(pb->topo->tree);
    /* weights: a and b serve both exits, c and d only exit d */
    NEAR(pb->weight[0], 1.0);
    NEAR(pb->weight[1], 1.0);
    NEAR(pb->weight[2], 0.75);
    NEAR(pb->weight[3], 0.75);
    /* a read on the edge (b) and in the cloud (c): sent up once, forwarded once.
     * Exit d: compute 10 + 4 + 3 + 4 = 21; a mobile -> cloud 1 + 0.008; b edge -> cloud
     * 0.004; d cloud -> mobile 0.00008 + 0.02. Exit b: 10 + 4, a up 1 (c is not in A(b)),
     * b edge -> mobile 1. */
    const pd_slot up_and_on[] = {0, 1, 2, 2};
    check_exits(pb, up_and_on, 16.0, 21.0 + 1.008 + 0.004 + 0.02008);
    /* a read by two layers on the edge: sent once. Exit d: 10 + 4 + 6 + 8, a up 1, d back
     * 0.02; exit b: 10 + 4 + 1 + 1 */
    const pd_slot both_edge[] = {0, 1, 1, 1};
    check_exits(pb, both_edge, 16.0, 28.0 + 1.0 + 0.02);
    /* the diamond's sides apart: exit b runs on the mobile alone (a's crossing to c is
     * exit d's only); exit d: 10 + 20 + 6 + 8, a up 1, b up 0.5, d back 0.02 */
    const pd_slot split[] = {0, 0, 1, 1};
    check_exits(pb, split, 30.0, 44.0 + 1.0 + 0.5 + 0.02);
    /* a on the edge read on the mobile and in the cloud: both links, once each way.
     * Exit d: 2 + 20 + 3 + 4, input up 0.1, a 0.008 + 2, b mobile -> cloud 0.5 + 0.004,
     * d back 0.02008; exit b: 2 + 20, input 0.1, a down 2 */
    const pd_slot from_edge[] = {1, 0, 2, 2};
    check_exits(pb, from_edge, 24.1, 29.0 + 0.1 + 2.008 + 0.504 + 0.02008);
    pd_problem_free(pb);
    /* each crossed link's delay once per crossing: wireless 0.5, wired 0.25 */
    pb = diamond(0.5, 0.25);
    check_exits(pb, up_and_on, 16.0 + 0.5 + 0.5,
                21.0 + 1.008 + 0.75 + 0.004 + 0.25 + 0.02008 + 0.75);
    check_exits(pb, from_edge, 24.1 + 0.5 + 0.5,
                29.0 + 0.1 + 0.5 + 2.008 + 0.75 + 0.504 + 0.75 + 0.02008 + 0.75);
    pd_problem_free(pb);
}

/* The reference: cost-model.md's words, slowly. */
typedef struct ref_links {
    double up, down, wired, wireless_delay, wired_delay; /* bit/s, ms */
} ref_links;

static bool ref_reads(const pd_problem *pb, size_t layer, int32_t tensor)
{
    for (size_t j = pb->topo->in_start[layer]; j < pb->topo->in_start[layer + 1]; j++)
        if (pb->topo->in_ids[j] == tensor)
            return true;
    return false;
}

/* v in A(exit): v is the exit, or in the sub-graph of one of the exit's inputs */
static bool ref_in_sub(const pd_problem *pb, int32_t v, int32_t exit)
{
    if (v == exit)
        return true;
    for (size_t j = pb->topo->in_start[exit]; j < pb->topo->in_start[exit + 1]; j++) {
        int32_t u = pb->topo->in_ids[j];
        if (u >= 0 && ref_in_sub(pb, v, u))
            return true;
    }
    return false;
}

/* L_k: compute over A(k), then for the input and each output of A(k) the links it
 * crosses, away from its tier, towards the readers in A(k) (and the mobile for k's). */
static double ref_exit(const pd_problem *pb, const pd_slot *pl, size_t k, const ref_links *r)
{
    int32_t exit = pb->exit_layer[k];
    int n = (int)pb->n_layers;
    double t = pb->parse_ms;
    for (int v = 0; v < n; v++)
        if (ref_in_sub(pb, v, exit))
            t += pb->compute_ms[(size_t)v * (size_t)pb->n_tiers + pl[v]];
    for (int u = -1; u < n; u++) {
        if (u >= 0 && !ref_in_sub(pb, u, exit))
            continue;
        int where = u < 0 ? PD_TIER_MOBILE : (int)pb->tier[pl[u]];
        bool at[PD_TIER_COUNT] = {false};
        if (u == exit)
            at[PD_TIER_MOBILE] = true;
        for (int v = 0; v < n; v++)
            if (ref_in_sub(pb, v, exit) && ref_reads(pb, (size_t)v, u))
                at[pb->tier[pl[v]]] = true;
        double bytes = u < 0 ? pb->input_bytes : pb->out_bytes[u];
        /* link 0: mobile-edge, link 1: edge-cloud; beyond it going up: tiers > link */
        for (int link = 0; link < 2; link++) {
            bool above = false, below = false;
            for (int tier = 0; tier < PD_TIER_COUNT; tier++)
                if (at[tier]) {
                    above |= tier > link;
                    below |= tier <= link;
                }
            double delay = link == 0 ? r->wireless_delay : r->wired_delay;
            if (where <= link && above)
                t += 8.0 * bytes / (link == 0 ? r->up : r->wired) * 1000.0 + delay;
            if (where > link && below)
                t += 8.0 * bytes / (link == 0 ? r->down : r->wired) * 1000.0 + delay;
        }
    }
    return t;
}

/* Loading: each slot that runs one of `layers` pays max(0, intercept + its slopes). */
static double ref_load(const pd_problem *pb, const pd_slot *pl, int32_t only_exit)
{
    if (!pb->load_on)
        return 0.0;
    double t = 0.0;
    for (int s = 0; s < pb->n_tiers; s++) {
        bool used = false;
        double sum = pb->load_fixed_ms[s];
        for (size_t v = 0; v < pb->n_layers; v++)
            if (pl[v] == s && (only_exit < 0 || ref_in_sub(pb, (int32_t)v, only_exit))) {
                used = true;
                sum += pb->load_ms[v * (size_t)pb->n_tiers + (size_t)s];
            }
        t += used && sum > 0.0 ? sum : 0.0;
    }
    return t;
}

static double ref_objective(const pd_problem *pb, const pd_slot *pl, const ref_links *r)
{
    double e = 0.0;
    for (size_t k = 0; k < pb->n_exits; k++)
        e += pb->exit_prob[k] * ref_exit(pb, pl, k, r);
    return e + ref_load(pb, pl, -1);
}

/* Random DAGs (and trees, which the same words must fit), 1, 2 (mobile + edge, or mobile
 * + cloud) or 3 tiers, random placements: the objective, each L_k, the single-exit cost;
 * and brute's optimum is the reference's least over every placement. */
static void test_dag_against_reference(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 13);
    int dags = 0;
    for (int trial = 0; trial < 400; trial++) {
        rp_config c = {1 + pd_rng_below(&rng, 7), 1 + (int)pd_rng_below(&rng, 3),
                       (int)pd_rng_below(&rng, 2), 0.4};
        pd_problem *pb;
        bool tree = trial % 4 == 3;
        assert_int_equal((tree ? rp_make : rp_make_dag)(&rng, &c, &pb, NULL), PD_OK);
        dags += !pb->topo->tree;
        if (pb->n_tiers == 2 && pd_rng_below(&rng, 2))
            pb->tier[1] = PD_TIER_CLOUD; /* mobile + cloud: every hop crosses both links */
        ref_links r = {1e6 * (1 + (double)pd_rng_below(&rng, 100)),
                       1e6 * (1 + (double)pd_rng_below(&rng, 100)),
                       1e7 * (1 + (double)pd_rng_below(&rng, 100)), pd_rng_uniform(&rng),
                       pd_rng_uniform(&rng)};
        pd_problem_set_links(pb, r.up, r.down, r.wired, r.wireless_delay, r.wired_delay);
        pb->parse_ms = pd_rng_uniform(&rng);
        size_t n = pb->n_layers;
        pd_slot *pl = malloc(n), *best = malloc(n);
        assert_non_null(pl);
        assert_non_null(best);
        for (int rep = 0; rep < 10; rep++) {
            for (size_t i = 0; i < n; i++)
                pl[i] = (pd_slot)pd_rng_below(&rng, (uint64_t)pb->n_tiers);
            double want = ref_objective(pb, pl, &r);
            NEAR(pd_objective(pb, pl), want);
            NEAR(pd_objective_by_exits(pb, pl), want);
            pd_evaluation ev;
            assert_int_equal(pd_evaluate(pb, pl, &ev, NULL), PD_OK);
            NEAR(ev.expected_ms, want);
            for (size_t k = 0; k < pb->n_exits; k++) {
                NEAR(ev.exit_ms[k], ref_exit(pb, pl, k, &r));
                NEAR(pd_objective_single_exit(pb, pl, k),
                     ref_exit(pb, pl, k, &r) + ref_load(pb, pl, pb->exit_layer[k]));
            }
            pd_evaluation_free(&ev);
        }
        /* brute against every placement, costed by the reference */
        pd_solve_options opt;
        pd_solve_options_init(&opt);
        assert_int_equal(pd_solve_brute(pb, &opt, best, NULL), PD_OK);
        double least = INFINITY;
        memset(pl, 0, n);
        for (;;) {
            least = fmin(least, ref_objective(pb, pl, &r));
            size_t i = 0;
            while (i < n && ++pl[i] == pb->n_tiers)
                pl[i++] = 0;
            if (i == n)
                break;
        }
        NEAR(ref_objective(pb, best, &r), least);
        free(pl);
        free(best);
        pd_problem_free(pb);
    }
    assert_true(dags > 200); /* most trials were DAGs, not trees */
}

/* brute and exact take the DAG (the same optimum), and so does the GA (its genes in
 * topological order); pd_problem_need_tree, for a solver that needs a tree, names the join
 * and what to use. Edgent and Neurosurgeon cut d's sub-graph once where one tensor crosses: before
 * a (the input, 0.1 ms up; all on the edge, 2 + 4 + 6 + 8 = 20 ms; d back 0.02 ms), after
 * a (10 + 1 + 18 + 0.02 = 29.02) or after d (all mobile, 100); not after b or c, where two
 * cross. The exits' accuracies tie: d, the later, is the most accurate. */
static void test_dag_solvers(void **state)
{
    (void)state;
    pd_problem *pb = diamond(0.0, 0.0);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    static const char *const single_cut[] = {"edgent", "neurosurgeon"};
    for (size_t i = 0; i < 2; i++) {
        pd_solution sol;
        assert_int_equal(pd_solve(pd_solver_find(single_cut[i]), pb, &opt, &sol, NULL), PD_OK);
        assert_int_equal(sol.served_exit, 1);
        NEAR(sol.objective_ms, 20.12);
        for (size_t l = 0; l < 4; l++)
            assert_int_equal(sol.placement[l], 1);
        pd_solution_free(&sol);
    }
    pd_solution sol;
    pd_error err;
    assert_int_equal(pd_problem_need_tree(pb, "solver x", &err), PD_ELIMIT);
    assert_non_null(
        strstr(err.msg, "solver x needs a tree model; the model has layer 3 with 2 inputs"));
    assert_non_null(strstr(err.msg, "on a DAG use --solver exact (optimal), ga, dads"));
    assert_int_equal(pd_solve(pd_solver_find("brute"), pb, &opt, &sol, NULL), PD_OK);
    /* the least of the hand placements above, or better */
    assert_true(sol.objective_ms <= 0.25 * 16.0 + 0.75 * (21.0 + 1.008 + 0.004 + 0.02008) + 1e-9);
    pd_solution ex;
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &ex, NULL), PD_OK);
    NEAR(ex.objective_ms, sol.objective_ms);
    pd_solution ga;
    assert_int_equal(pd_solve(pd_solver_find("ga"), pb, &opt, &ga, NULL), PD_OK);
    NEAR(ga.objective_ms, sol.objective_ms); /* 4 layers: 16 placements, 200 individuals */
    pd_solution_free(&ga);
    pd_solution_free(&ex);
    pd_solution_free(&sol);
    pd_problem_free(pb);
}

static void test_bad_slot_rejected(void **state)
{
    (void)state;
    pd_problem *pb = hand_problem(0);
    const pd_slot bad[] = {0, 2, 0};
    pd_evaluation ev = {0};
    pd_error err;
    assert_int_equal(pd_evaluate(pb, bad, &ev, &err), PD_EINPUT);
    assert_null(ev.exit_ms);
    pd_problem_free(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probabilities_and_weights),
        cmocka_unit_test(test_hand_objectives),
        cmocka_unit_test(test_delays_and_parsing),
        cmocka_unit_test(test_loading),
        cmocka_unit_test(test_loading_clamped_at_zero),
        cmocka_unit_test(test_cloud_links),
        cmocka_unit_test(test_tie_order_and_history),
        cmocka_unit_test(test_two_formulas_agree),
        cmocka_unit_test(test_bad_slot_rejected),
        cmocka_unit_test(test_dag_by_hand),
        cmocka_unit_test(test_dag_against_reference),
        cmocka_unit_test(test_dag_solvers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
