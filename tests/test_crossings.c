/* Which tensors cross which link (pd_split_crossings): on random DAGs and placements the
 * bytes crossing each link direction are the cost model's (pd_evaluate, with one link
 * direction priced at a millisecond a byte and everything else free); every crossing is
 * a hand-over across that link, after the tensor is made and before its reader beyond it;
 * a request played through the hand-overs has every tensor where a layer reads it, and
 * the result on the mobile; on trees a hand-over carries the one tensor that crosses its
 * cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/objective.h"
#include "predoff/split.h"
#include "random_problem.h"

static const pd_tier M = PD_TIER_MOBILE, E = PD_TIER_EDGE, C = PD_TIER_CLOUD;

/* Whether a transfer from tier a to tier b crosses d (the cloud through the edge). */
static int route_crosses(pd_tier a, pd_tier b, pd_link_dir d)
{
    switch (d) {
    case PD_TO_EDGE:
        return a == M && b != M;
    case PD_TO_CLOUD:
        return a != C && b == C;
    case PD_FROM_CLOUD:
        return a == C && b != C;
    default:
        return a != M && b == M;
    }
}

/* The cost model's bytes across d for exit k: L_k with only d priced, a ms a byte. */
static double model_bytes(pd_problem *pb, const pd_slot *placement, size_t k, pd_link_dir d)
{
    for (int a = 0; a < pb->n_tiers; a++)
        for (int b = 0; b < pb->n_tiers; b++) {
            pb->ms_per_byte[a][b] = route_crosses(pb->tier[a], pb->tier[b], d) ? 1.0 : 0.0;
            pb->hop_ms[a][b] = 0.0;
        }
    pd_evaluation ev;
    assert_int_equal(pd_evaluate(pb, placement, &ev, NULL), PD_OK);
    double x = ev.exit_ms[k];
    pd_evaluation_free(&ev);
    return x;
}

/* Plays one request (A(k) in list) through its hand-overs: every layer's inputs are on its
 * tier when it runs, a tensor is on the sending side when it crosses, the result ends on
 * the mobile. have[tier * (len + 1) + q + 1]. */
static void play(const pd_topology *t, const int32_t *list, size_t len,
                 const pd_tier *at, const int32_t *cut)
{
    const size_t cuts = len + 1;
    char *have = calloc(PD_TIER_COUNT * cuts, 1);
    int32_t *pos_of = malloc(t->n_layers * sizeof *pos_of);
    assert_non_null(have);
    assert_non_null(pos_of);
    for (size_t p = 0; p < len; p++)
        pos_of[list[p]] = (int32_t)p;
    have[M * cuts] = 1; /* the input */
    static const pd_link_dir order[PD_LINK_DIRS] = {PD_TO_EDGE, PD_TO_CLOUD, PD_FROM_CLOUD,
                                                    PD_TO_MOBILE};
    static const pd_tier from[PD_LINK_DIRS] = {PD_TIER_MOBILE, PD_TIER_EDGE, PD_TIER_CLOUD,
                                               PD_TIER_EDGE};
    static const pd_tier to[PD_LINK_DIRS] = {PD_TIER_EDGE, PD_TIER_CLOUD, PD_TIER_EDGE,
                                             PD_TIER_MOBILE};
    for (size_t c = 0; c <= len; c++) {
        for (int o = 0; o < PD_LINK_DIRS; o++) {
            pd_link_dir d = order[o];
            for (size_t e = 0; e < cuts; e++)
                if (cut[e * PD_LINK_DIRS + d] == (int32_t)c) {
                    assert_true(have[from[d] * cuts + e]);
                    have[to[d] * cuts + e] = 1;
                }
        }
        if (c == len)
            break;
        size_t n;
        const int32_t *in = pd_topology_inputs(t, (size_t)list[c], &n);
        for (size_t j = 0; j < n; j++) {
            size_t e = in[j] < 0 ? 0 : (size_t)pos_of[in[j]] + 1;
            if (!have[at[c] * cuts + e])
                fail_msg("position %zu on tier %d lacks tensor %zu", c, at[c], e);
        }
        have[at[c] * cuts + c + 1] = 1;
    }
    assert_true(have[M * cuts + len]); /* the result */
    free(have);
    free(pos_of);
}

/* One placement of problem pb: every exit's crossings against the cost model, checked as
 * the file's comment says. */
static void check_placement(pd_problem *pb, const pd_slot *placement, size_t *crossed)
{
    const pd_topology *t = pb->topo;
    pd_tier *tier_of = malloc(pb->n_layers * sizeof *tier_of);
    assert_non_null(tier_of);
    for (size_t i = 0; i < pb->n_layers; i++)
        tier_of[i] = pb->tier[placement[i]];
    for (size_t k = 0; k < pb->n_exits; k++) {
        size_t len = t->sub_len[k];
        int32_t *list = malloc(len * sizeof *list);
        int32_t *cut = malloc((len + 1) * PD_LINK_DIRS * sizeof *cut);
        pd_tier *at = malloc(len * sizeof *at);
        assert_non_null(list);
        assert_non_null(cut);
        assert_non_null(at);
        pd_topology_sub_list(t, k, list);
        for (size_t p = 0; p < len; p++)
            at[p] = tier_of[list[p]];
        assert_int_equal(pd_split_crossings(t, k, list, len, tier_of, cut, NULL), PD_OK);
        for (int d = 0; d < PD_LINK_DIRS; d++) {
            double bytes = 0.0;
            for (size_t e = 0; e <= len; e++) {
                int32_t c = cut[e * PD_LINK_DIRS + d];
                if (c < 0)
                    continue;
                (*crossed)++;
                /* a hand-over across d, after the tensor is made */
                assert_true(pd_split_handover(at, len, (size_t)c, (pd_link_dir)d));
                assert_true((size_t)c >= e);
                bytes += e == 0 ? pb->input_bytes : pb->out_bytes[list[e - 1]];
            }
            double want = model_bytes(pb, placement, k, (pd_link_dir)d);
            if (bytes != want)
                fail_msg("exit %zu, %s: %.0f bytes cross, the cost model charges %.0f", k,
                         pd_link_dir_name((pd_link_dir)d), bytes, want);
        }
        play(t, list, len, at, cut);
        if (t->tree) /* one tensor a hand-over: the one crossing its cut */
            for (size_t e = 0; e <= len; e++)
                for (int d = 0; d < PD_LINK_DIRS; d++) {
                    int32_t c = cut[e * PD_LINK_DIRS + d];
                    assert_true(c < 0 || (size_t)c == e);
                }
        free(list);
        free(cut);
        free(at);
    }
    free(tier_of);
}

/* Random DAGs (and trees), three tiers; placements uniform over the three, or over the
 * mobile and one other (the cloud through the edge); whole bytes, so the sums are exact. */
static void test_bytes_are_the_cost_models(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1506);
    size_t crossed = 0, several = 0;
    for (int trial = 0; trial < 400; trial++) {
        rp_config cfg = {.n_layers = 2 + (size_t)pd_rng_below(&rng, 40), .n_tiers = 3,
                         .branch_prob = trial % 2 ? 0.4 : 0.15};
        pd_problem *pb;
        pd_error err;
        if ((trial % 5 ? rp_make_dag : rp_make)(&rng, &cfg, &pb, &err))
            fail_msg("%s", err.msg);
        for (size_t i = 0; i < pb->n_layers; i++) {
            pb->out_bytes[i] = floor(pb->out_bytes[i]);
            for (int s = 0; s < pb->n_tiers; s++)
                pb->compute_ms[i * (size_t)pb->n_tiers + (size_t)s] = 0.0;
        }
        pb->input_bytes = floor(pb->input_bytes);
        pb->parse_ms = 0.0;
        pd_slot *placement = malloc(pb->n_layers * sizeof *placement);
        assert_non_null(placement);
        for (int p = 0; p < 4; p++) {
            for (size_t i = 0; i < pb->n_layers; i++) {
                uint64_t r = pd_rng_below(&rng, p < 2 ? 3 : 2);
                placement[i] = (pd_slot)(p == 3 && r ? 2 : r); /* p 3: mobile and cloud */
            }
            size_t before = crossed;
            check_placement(pb, placement, &crossed);
            several += crossed > before + 1;
        }
        free(placement);
        pd_problem_free(pb);
    }
    assert_true(crossed > 5000);
    assert_true(several > 500);
}

/* By hand: a tensor read on the edge and in the cloud is sent up once and forwarded
 * once; a cloud's tensor read on the edge and on the mobile comes down once and is passed
 * on once; a tensor the edge made for a later edge layer does not move.
 *   0 a (mobile) <- input    1 b (edge) <- a    2 c (cloud) <- a, b
 *   3 d (mobile) <- c        4 e (edge) <- b, c, d (the exit) */
static void test_by_hand(void **state)
{
    (void)state;
    const size_t in_start[] = {0, 1, 2, 4, 5, 8};
    const int32_t in_ids[] = {PD_TENSOR_INPUT, 0, 0, 1, 2, 1, 2, 3};
    const int32_t exits[] = {4};
    pd_topology *t;
    assert_int_equal(pd_topology_new(5, in_start, in_ids, 1, exits, &t, NULL), PD_OK);
    const pd_tier tier_of[] = {M, E, C, M, E};
    int32_t list[5], cut[6 * PD_LINK_DIRS];
    pd_topology_sub_list(t, 0, list);
    assert_int_equal(pd_split_crossings(t, 0, list, 5, tier_of, cut, NULL), PD_OK);
    /* [tensor][direction]: to edge, to cloud, from cloud, to mobile */
    const int32_t want[6][4] = {
        {-1, -1, -1, -1}, /* the input: read on the mobile only */
        {1, 2, -1, -1},   /* a: up at cut 1 (b), forwarded at cut 2 (c) */
        {-1, 2, -1, -1},  /* b: to the cloud at 2; kept on the edge for e */
        {-1, -1, 3, 3},   /* c: down at 3, on to the mobile at once (d), kept for e */
        {4, -1, -1, -1},  /* d: up at 4 */
        {-1, -1, -1, 5},  /* e: the result */
    };
    for (int e = 0; e < 6; e++)
        for (int d = 0; d < PD_LINK_DIRS; d++)
            if (cut[e * PD_LINK_DIRS + d] != want[e][d])
                fail_msg("tensor %d, %s: cut %d, wanted %d", e - 1, pd_link_dir_name((pd_link_dir)d),
                         cut[e * PD_LINK_DIRS + d], want[e][d]);
    pd_topology_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_bytes_are_the_cost_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
