/* Random trees and scenarios: wide enough ranges that every tier wins somewhere. */
#include "random_problem.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static double uniform(pd_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * pd_rng_uniform(r);
}

pd_status rp_make(pd_rng *rng, const rp_config *c, pd_problem **out, pd_error *err)
{
    size_t n = c->n_layers;
    int32_t *parent = malloc(n * sizeof *parent);
    char *is_exit = calloc(n, 1);
    char *has_child = calloc(n, 1);
    if (!parent || !is_exit || !has_child) {
        free(parent);
        free(is_exit);
        free(has_child);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (i == 0)
            parent[i] = -1;
        else if (pd_rng_uniform(rng) < c->branch_prob)
            parent[i] = (int32_t)pd_rng_below(rng, i);
        else
            parent[i] = (int32_t)i - 1;
        if (parent[i] >= 0)
            has_child[parent[i]] = 1;
    }
    size_t n_exits = 0;
    for (size_t i = 0; i < n; i++) {
        is_exit[i] = !has_child[i] || pd_rng_uniform(rng) < 0.1;
        n_exits += (size_t)is_exit[i];
    }
    pd_problem *pb;
    pd_status st = pd_problem_new(n, c->n_tiers, n_exits, c->load != 0, &pb, err);
    if (!st) {
        size_t nt = (size_t)c->n_tiers, k = 0;
        double slowness[PD_MAX_TIERS] = {uniform(rng, 1, 10), uniform(rng, 0.1, 3), uniform(rng, 0.05, 1)};
        for (size_t i = 0; i < n; i++) {
            pb->out_bytes[i] = exp(uniform(rng, log(1e2), log(1e5)));
            double work = exp(uniform(rng, -2.0, 4.0));
            for (size_t s = 0; s < nt; s++) {
                pb->compute_ms[i * nt + s] = work * slowness[s] * exp(uniform(rng, -1.5, 1.5));
                if (c->load)
                    pb->load_ms[i * nt + s] = uniform(rng, 0.0, 0.3);
            }
            if (is_exit[i]) {
                pb->exit_layer[k] = (int32_t)i;
                pb->exit_accuracy[k] = uniform(rng, 0.4, 0.95);
                k++;
            }
        }
        pb->input_bytes = exp(uniform(rng, log(1e3), log(1e5)));
        for (size_t s = 0; s < nt && c->load; s++)
            pb->load_fixed_ms[s] = uniform(rng, 0.0, 5.0);
        pd_problem_set_links(pb, uniform(rng, 1e7, 2e8), uniform(rng, 1e7, 2e8),
                             uniform(rng, 1e7, 1e9), uniform(rng, 0.0, 2.0),
                             uniform(rng, 0.0, 2.0));
        pd_distribution d = {.kind = PD_DIST_NORMAL, .a = uniform(rng, 0.45, 0.9),
                             .b = uniform(rng, 0.02, 0.2)};
        st = pd_problem_set_parents(pb, parent, err);
        if (!st)
            st = pd_problem_set_demand(pb, &d, err);
        if (st)
            pd_problem_free(pb);
        else
            *out = pb;
    }
    free(parent);
    free(is_exit);
    free(has_child);
    return st;
}

pd_status rp_make_dag(pd_rng *rng, const rp_config *c, pd_problem **out, pd_error *err)
{
    size_t n = c->n_layers;
    size_t *start = malloc((n + 1) * sizeof *start);
    int32_t *ids = malloc(3 * n * sizeof *ids);
    char *is_exit = calloc(n, 1), *read = calloc(n, 1);
    pd_status st = PD_OK;
    if (!start || !ids || !is_exit || !read) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
        goto done;
    }
    start[0] = 0;
    bool joined = false;
    for (size_t i = 0; i < n; i++) {
        size_t k = pd_rng_uniform(rng) < c->branch_prob ? 2 + pd_rng_below(rng, 2) : 1;
        if (i == n - 1 && i > 0 && !joined)
            k = 2;
        joined |= k > 1;
        for (size_t j = 0; j < k; j++) /* -1 (the input) .. i - 1; the first mostly i - 1 */
            ids[start[i] + j] = j == 0 && i > 0 && pd_rng_uniform(rng) < 0.7
                                    ? (int32_t)i - 1
                                    : (int32_t)pd_rng_below(rng, i + 1) - 1;
        for (size_t j = 0; j < k; j++)
            if (ids[start[i] + j] >= 0)
                read[ids[start[i] + j]] = 1;
        start[i + 1] = start[i] + k;
    }
    size_t n_exits = 0;
    for (size_t i = 0; i < n; i++) {
        is_exit[i] = !read[i] || pd_rng_uniform(rng) < 0.15;
        n_exits += (size_t)is_exit[i];
    }
    pd_problem *pb;
    if ((st = pd_problem_new(n, c->n_tiers, n_exits, c->load != 0, &pb, err)))
        goto done;
    size_t nt = (size_t)c->n_tiers, e = 0;
    for (size_t i = 0; i < n; i++) {
        pb->out_bytes[i] = exp(uniform(rng, log(1e2), log(1e5)));
        for (size_t s = 0; s < nt; s++) {
            pb->compute_ms[i * nt + s] = exp(uniform(rng, -2.0, 3.0));
            if (c->load)
                pb->load_ms[i * nt + s] = uniform(rng, 0.0, 0.3);
        }
        if (is_exit[i]) {
            pb->exit_layer[e] = (int32_t)i;
            pb->exit_accuracy[e++] = uniform(rng, 0.4, 0.95);
        }
    }
    pb->input_bytes = exp(uniform(rng, log(1e3), log(1e5)));
    for (size_t s = 0; s < nt && c->load; s++)
        pb->load_fixed_ms[s] = uniform(rng, -1.0, 5.0);
    pd_problem_set_links(pb, uniform(rng, 1e7, 2e8), uniform(rng, 1e7, 2e8),
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
done:
    free(start);
    free(ids);
    free(is_exit);
    free(read);
    return st;
}

pd_status rp_make_dag_sized(pd_rng *rng, size_t n, size_t n_exits, int n_tiers, pd_problem **out,
                            pd_error *err)
{
    *out = NULL;
    if (n == 0 || n_exits == 0 || n_exits > n)
        return pd_error_set(err, PD_EINPUT, "rp_make_dag_sized: 1 to %zu exits", n);
    size_t *start = malloc((n + 1) * sizeof *start);
    int32_t *ids = malloc(3 * n * sizeof *ids);
    char *is_exit = calloc(n, 1);
    pd_status st = PD_OK;
    pd_problem *pb = NULL;
    if (!start || !ids || !is_exit) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
        goto done;
    }
    start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = start[i];
        ids[at++] = (int32_t)i - 1; /* the layer before (the input for layer 0) */
        size_t k = i == 0 ? 1 : 1 + (size_t)pd_rng_below(rng, 3);
        for (size_t j = 1; j < k; j++) {
            int32_t v;
            if (pd_rng_below(rng, 4) == 0)
                v = (int32_t)pd_rng_below(rng, i + 1) - 1;
            else {
                size_t w = i < 64 ? i : 64;
                v = (int32_t)(i - 1 - (size_t)pd_rng_below(rng, w));
            }
            bool again = false;
            for (size_t q = start[i]; q < at && !again; q++)
                again = ids[q] == v;
            if (!again)
                ids[at++] = v;
        }
        start[i + 1] = at;
    }
    is_exit[n - 1] = 1;
    for (size_t e = 1; e < n_exits;) {
        size_t l = (size_t)pd_rng_below(rng, n);
        if (!is_exit[l]) {
            is_exit[l] = 1;
            e++;
        }
    }
    if ((st = pd_problem_new(n, n_tiers, n_exits, false, &pb, err)))
        goto done;
    size_t nt = (size_t)n_tiers, e = 0;
    const double speed[PD_MAX_TIERS] = {1.0, 0.4, 0.2};
    for (size_t i = 0; i < n; i++) {
        pb->out_bytes[i] = exp(uniform(rng, log(1e3), log(1e6)));
        double work = exp(uniform(rng, -2.0, 3.0));
        for (size_t s = 0; s < nt; s++)
            pb->compute_ms[i * nt + s] = work * speed[s] * exp(uniform(rng, -1.5, 1.5));
        if (is_exit[i]) {
            pb->exit_layer[e] = (int32_t)i;
            pb->exit_accuracy[e++] = uniform(rng, 0.4, 0.95);
        }
    }
    pb->input_bytes = exp(uniform(rng, log(1e4), log(1e6)));
    pd_problem_set_links(pb, uniform(rng, 1e7, 2e8), uniform(rng, 1e7, 2e8),
                         uniform(rng, 1e8, 1e9), uniform(rng, 0.0, 2.0), uniform(rng, 0.0, 2.0));
    pd_distribution d = {.kind = PD_DIST_NORMAL, .a = uniform(rng, 0.45, 0.9),
                         .b = uniform(rng, 0.02, 0.2)};
    st = pd_problem_set_inputs(pb, start, ids, err);
    if (!st)
        st = pd_problem_set_demand(pb, &d, err);
    if (st)
        pd_problem_free(pb);
    else
        *out = pb;
done:
    free(start);
    free(ids);
    free(is_exit);
    return st;
}
