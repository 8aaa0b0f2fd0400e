/* Rounds of a profile: the same layers timed again and again over one run, so that a host
 * whose speed drifts (a shared machine can change by 2x within seconds) touches every layer
 * alike instead of whichever were timed in its slow moment. A layer's merged row holds the
 * median over the rounds of each round's median, 10th and 90th percentile, and the mean of
 * all its timed runs. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "predoff/measure.h"

/* The median of v[0..n) (n >= 1), sorting v. */
static double median_of(double *v, size_t n)
{
    pd_sort_doubles(v, n);
    return pd_quantile_sorted(v, n, 0.5);
}

/* One measure of a round's row, into *x; false when the round did not take it. */
typedef bool (*measure_fn)(const pd_layer_timing *r, double *x);

static bool median_ms(const pd_layer_timing *r, double *x) { return *x = r->median_ms, true; }
static bool p10_ms(const pd_layer_timing *r, double *x) { return *x = r->p10_ms, true; }
static bool p90_ms(const pd_layer_timing *r, double *x) { return *x = r->p90_ms, true; }
/* timed warm too */
static bool warm_ms(const pd_layer_timing *r, double *x) { return (*x = r->warm_ms) > 0.0; }
/* and with the buffer between runs (at the same bytes in each round) */
static bool reuse_ms(const pd_layer_timing *r, double *x) { return (*x = r->reuse_ms) > 0.0; }
/* the run's time, from start to start, where the round has it */
static bool run_ms(const pd_layer_timing *r, double *x)
{
    return !isnan(*x = r->features[PD_FEAT_RUN_MS]);
}
/* and that of the run with the buffer read, where given */
static bool reuse_run_ms(const pd_layer_timing *r, double *x)
{
    return r->reuse_ms > 0.0 && (*x = r->reuse_run_ms) > 0.0;
}

/* The median over the rounds that took measure m of row i (v: scratch for n_rounds), or
 * `none` when none did. */
static double median_over(const pd_timings *rounds, size_t n_rounds, size_t i, measure_fn m,
                          double *v, double none)
{
    size_t k = 0;
    for (size_t r = 0; r < n_rounds; r++)
        k += m(&rounds[r].rows[i], &v[k]);
    return k ? median_of(v, k) : none;
}

pd_status pd_timings_merge_rounds(const pd_timings *rounds, size_t n_rounds, pd_timings *out,
                                  pd_error *err)
{
    if (n_rounds == 0)
        return pd_error_set(err, PD_EINPUT, "no rounds to merge");
    const pd_timings *first = &rounds[0];
    for (size_t r = 1; r < n_rounds; r++) {
        if (rounds[r].n != first->n)
            return pd_error_set(err, PD_EINPUT, "round %zu has %zu timings, round 1 has %zu",
                                r + 1, rounds[r].n, first->n);
        for (size_t i = 0; i < first->n; i++)
            if (strcmp(rounds[r].rows[i].source, first->rows[i].source) != 0 ||
                strcmp(rounds[r].rows[i].layer, first->rows[i].layer) != 0)
                return pd_error_set(err, PD_EINPUT,
                                    "round %zu's timing %zu is %s/%s, round 1's is %s/%s", r + 1,
                                    i + 1, rounds[r].rows[i].source, rounds[r].rows[i].layer,
                                    first->rows[i].source, first->rows[i].layer);
    }
    double *v = malloc(n_rounds * sizeof *v);
    if (!v)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = PD_OK;
    for (size_t i = 0; i < first->n && !st; i++) {
        pd_layer_timing row = first->rows[i];
        double sum = 0.0;
        size_t runs = 0;
        for (size_t r = 0; r < n_rounds; r++) {
            sum += rounds[r].rows[i].mean_ms * (double)rounds[r].rows[i].repeats;
            runs += rounds[r].rows[i].repeats;
        }
        row.repeats = runs;
        row.mean_ms = runs ? sum / (double)runs : NAN;
        row.median_ms = median_over(rounds, n_rounds, i, median_ms, v, NAN);
        row.p10_ms = median_over(rounds, n_rounds, i, p10_ms, v, NAN);
        row.p90_ms = median_over(rounds, n_rounds, i, p90_ms, v, NAN);
        row.warm_ms = median_over(rounds, n_rounds, i, warm_ms, v, 0.0);
        row.reuse_ms = median_over(rounds, n_rounds, i, reuse_ms, v, 0.0);
        row.reuse_bytes = row.reuse_ms > 0.0 ? row.reuse_bytes : 0.0;
        row.features[PD_FEAT_RUN_MS] = median_over(rounds, n_rounds, i, run_ms, v, NAN);
        row.reuse_run_ms = median_over(rounds, n_rounds, i, reuse_run_ms, v, 0.0);
        st = pd_timings_add(out, &row, err);
    }
    free(v);
    return st;
}
