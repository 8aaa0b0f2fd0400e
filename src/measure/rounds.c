/* Rounds of a profile: the same layers timed again and again over one run, so that a host
 * whose speed drifts (a shared machine can change by 2x within seconds) touches every layer
 * alike instead of whichever were timed in its slow moment. A layer's merged row holds the
 * median over the rounds of each round's median, 10th and 90th percentile, and the mean of
 * all its timed runs. */
#include <math.h>
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
        for (size_t r = 0; r < n_rounds; r++)
            v[r] = rounds[r].rows[i].median_ms;
        row.median_ms = median_of(v, n_rounds);
        for (size_t r = 0; r < n_rounds; r++)
            v[r] = rounds[r].rows[i].p10_ms;
        row.p10_ms = median_of(v, n_rounds);
        for (size_t r = 0; r < n_rounds; r++)
            v[r] = rounds[r].rows[i].p90_ms;
        row.p90_ms = median_of(v, n_rounds);
        size_t warm = 0; /* the rounds that timed it warm too */
        for (size_t r = 0; r < n_rounds; r++)
            if (rounds[r].rows[i].warm_ms > 0.0)
                v[warm++] = rounds[r].rows[i].warm_ms;
        row.warm_ms = warm ? median_of(v, warm) : 0.0;
        size_t reuse = 0; /* and with the buffer between runs (at the same bytes in each) */
        for (size_t r = 0; r < n_rounds; r++)
            if (rounds[r].rows[i].reuse_ms > 0.0)
                v[reuse++] = rounds[r].rows[i].reuse_ms;
        row.reuse_ms = reuse ? median_of(v, reuse) : 0.0;
        row.reuse_bytes = reuse ? row.reuse_bytes : 0.0;
        size_t runs_timed = 0; /* the run's time, from start to start, where a round has it */
        for (size_t r = 0; r < n_rounds; r++)
            if (!isnan(rounds[r].rows[i].features[PD_FEAT_RUN_MS]))
                v[runs_timed++] = rounds[r].rows[i].features[PD_FEAT_RUN_MS];
        row.features[PD_FEAT_RUN_MS] = runs_timed ? median_of(v, runs_timed) : NAN;
        size_t periods = 0; /* and that of the run with the buffer read, where given */
        for (size_t r = 0; r < n_rounds; r++)
            if (rounds[r].rows[i].reuse_ms > 0.0 && rounds[r].rows[i].reuse_run_ms > 0.0)
                v[periods++] = rounds[r].rows[i].reuse_run_ms;
        row.reuse_run_ms = reuse && periods ? median_of(v, periods) : 0.0;
        st = pd_timings_add(out, &row, err);
    }
    free(v);
    return st;
}
