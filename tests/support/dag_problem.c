/* Random DAG problems shaped like real networks (moved here from test_dag_cuts.c). */
#include "dag_problem.h"

#include <math.h>
#include <string.h>

#include "random_problem.h"

static double uniform(pd_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * pd_rng_uniform(r);
}

pd_status dag_block_problem(pd_rng *rng, const dag_config *c, pd_problem **out, pd_error *err)
{
    enum { MAX = 96, MAX_BLOCKS = 8 };
    size_t start[MAX + 1] = {0};
    int32_t ids[3 * MAX], exit_of[MAX];
    size_t n = 0, n_exits = 0;
    int32_t x = PD_TENSOR_INPUT, outs[MAX];
    size_t n_outs = 0;
    *out = NULL;
    if (c->max_blocks < 2 || c->max_blocks > MAX_BLOCKS)
        return pd_error_set(err, PD_EINPUT, "dag_block_problem: 2 to %d blocks", MAX_BLOCKS);
#define LAYER(...)                                                                             \
    do {                                                                                       \
        const int32_t in_[] = {__VA_ARGS__};                                                   \
        size_t m_ = sizeof in_ / sizeof in_[0];                                                \
        memcpy(ids + start[n], in_, sizeof in_);                                               \
        start[n + 1] = start[n] + m_;                                                          \
        n++;                                                                                   \
    } while (0)
    size_t blocks = 2 + pd_rng_below(rng, c->max_blocks - 1);
    for (size_t b = 0; b < blocks; b++) {
        switch (pd_rng_below(rng, 6)) {
        case 0: /* plain layers */
            for (size_t j = 1 + pd_rng_below(rng, 3); j-- > 0;) {
                LAYER(x);
                x = (int32_t)n - 1;
            }
            break;
        case 1: { /* residual */
            int32_t skip = x;
            if (pd_rng_below(rng, 2)) {
                LAYER(x);
                skip = (int32_t)n - 1;
            }
            LAYER(x);
            LAYER((int32_t)n - 1);
            LAYER((int32_t)n - 1, skip);
            x = (int32_t)n - 1;
            break;
        }
        case 2: { /* inception */
            int32_t from = x;
            LAYER(from);
            int32_t a = (int32_t)n - 1;
            LAYER(from);
            LAYER((int32_t)n - 1);
            int32_t cc = (int32_t)n - 1;
            if (pd_rng_below(rng, 2))
                LAYER(a, cc);
            else
                LAYER(a, cc, from);
            x = (int32_t)n - 1;
            break;
        }
        case 3: /* a long skip */
            if (n_outs) {
                LAYER(x, outs[pd_rng_below(rng, n_outs)]);
                x = (int32_t)n - 1;
            }
            break;
        default: /* a side exit */
            if (n_outs && pd_rng_below(rng, 3) == 0)
                LAYER(x, outs[pd_rng_below(rng, n_outs)]);
            else
                LAYER(x);
            if (pd_rng_below(rng, 2)) {
                LAYER((int32_t)n - 1);
            }
            exit_of[n_exits++] = (int32_t)n - 1;
            break;
        }
        outs[n_outs++] = x;
    }
    bool joined = false; /* a DAG, not a tree: a join somewhere, or a residual block now */
    for (size_t i = 0; i < n && !joined; i++)
        joined = start[i + 1] - start[i] > 1;
    if (!joined) {
        LAYER(x);
        LAYER((int32_t)n - 1, x);
        x = (int32_t)n - 1;
    }
    LAYER(x);
    LAYER((int32_t)n - 1);
    exit_of[n_exits++] = (int32_t)n - 1;
#undef LAYER
    pd_problem *pb;
    pd_status st = pd_problem_new(n, c->n_tiers, n_exits, c->load != 0, &pb, err);
    if (st)
        return st;
    if (c->cloud_only)
        pb->tier[1] = PD_TIER_CLOUD;
    size_t nt = (size_t)c->n_tiers;
    bool may_clamp = c->load == 1;
    double slowness[PD_MAX_TIERS] = {uniform(rng, 1, 10), uniform(rng, 0.1, 3),
                                     uniform(rng, 0.05, 1)};
    for (size_t i = 0; i < n; i++) {
        pb->out_bytes[i] = exp(uniform(rng, log(1e2), log(1e5)));
        double work = exp(uniform(rng, -2.0, 4.0));
        for (size_t s = 0; s < nt; s++) {
            pb->compute_ms[i * nt + s] = work * slowness[pb->tier[s]] * exp(uniform(rng, -1.5, 1.5));
            if (c->load)
                pb->load_ms[i * nt + s] = uniform(rng, may_clamp ? -0.1 : 0.0, 0.3);
        }
    }
    for (size_t k = 0; k < n_exits; k++) {
        pb->exit_layer[k] = exit_of[k];
        pb->exit_accuracy[k] = uniform(rng, 0.4, 0.95);
    }
    pb->input_bytes = exp(uniform(rng, log(1e3), log(1e5)));
    for (size_t s = 0; s < nt && c->load; s++) /* may clamp: the clamp binds now and then */
        pb->load_fixed_ms[s] = uniform(rng, may_clamp ? -4.0 : 0.0, 4.0);
    pd_problem_set_links(pb, uniform(rng, 1e6, 2e8), uniform(rng, 1e6, 2e8),
                         uniform(rng, 1e7, 1e9), uniform(rng, 0.0, 2.0), uniform(rng, 0.0, 2.0));
    pd_distribution d = {.kind = PD_DIST_NORMAL, .a = uniform(rng, 0.45, 0.9),
                         .b = uniform(rng, 0.02, 0.2)};
    st = pd_problem_set_inputs(pb, start, ids, err);
    if (!st)
        st = pd_problem_set_demand(pb, &d, err);
    if (st)
        pd_problem_free(pb);
    else
        *out = pb;
    return st;
}

pd_status dag_random(pd_rng *rng, int trial, pd_problem **out, pd_error *err)
{
    int tiers = 2 + trial % 2, load = (trial / 2) % 2;
    if (trial % 5 == 4) {
        rp_config c = {2 + (size_t)pd_rng_below(rng, 20), tiers, load, uniform(rng, 0.1, 0.5)};
        return rp_make_dag(rng, &c, out, err);
    }
    dag_config c = {tiers, tiers == 2 && trial % 7 == 0, load, 8};
    return dag_block_problem(rng, &c, out, err);
}

pd_status dag_random_pins(pd_rng *rng, pd_problem *pb, size_t most, pd_error *err)
{
    size_t k = (size_t)pd_rng_below(rng, most + 1);
    for (size_t i = 0; i < k; i++) {
        size_t l = (size_t)pd_rng_below(rng, pb->n_layers);
        pd_status st = PD_OK;
        if (pd_problem_pin_of(pb, l) == PD_SLOT_FREE)
            st = pd_problem_pin(pb, l, (int)pd_rng_below(rng, (uint64_t)pb->n_tiers), err);
        if (st)
            return st;
    }
    return PD_OK;
}
