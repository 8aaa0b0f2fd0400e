/* The objective of cost-model.md, checked against sums worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "predoff/objective.h"
#include "predoff/rng.h"
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
