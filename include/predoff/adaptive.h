/* The adaptive sweep (`predoff profile --sweep --adaptive`, nn-Meter's idea, Zhang et al.,
 * MobiSys 2021): time a coarse grid of single-layer models, then, round by round, more
 * shapes near the rows the current predictor's cross-validated error is largest on, until
 * a time budget or a count is spent. */
#ifndef PREDOFF_ADAPTIVE_H
#define PREDOFF_ADAPTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/measure.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Times sweep point g (a single-layer model named "sweep", pd_sweep_point_json's form) and
 * appends exactly one row, as pd_profile_sweep_graph does (index: the point's number). */
typedef pd_status (*pd_sweep_timer)(void *ctx, const pd_graph *g, size_t index,
                                    pd_timings *out, pd_error *err);

/* Where the loop is, after the coarse grid (round 0) and after each round. */
typedef struct pd_adaptive_state {
    size_t round;
    size_t points;     /* timed so far, the coarse grid's included */
    size_t coarse;     /* the coarse grid's */
    double elapsed_s, budget_s;
    /* per type and kind (pd_timings_score's rows) from the rows' cross-validated
     * predictions: mape is the CV MAPE, within_10 the share within 10% */
    pd_fit_quality cv[PD_FIT_QUALITY_ROWS];
} pd_adaptive_state;
typedef void (*pd_adaptive_progress_fn)(void *ctx, const pd_adaptive_state *s);

typedef struct pd_adaptive_options {
    pd_fit_options fit;   /* the fit whose per-row CV error guides the sampling */
    double budget_s;      /* no round starts that would end after this, from the start
                           * (the coarse grid is always timed whole); INFINITY: none */
    size_t max_points;    /* add at most this many points to the coarse grid (0: no limit) */
    size_t batch;         /* points a round (0: an eighth of those timed so far, at least 8) */
    size_t coarse_every;  /* the coarse grid: every k-th point of each type's (and kind's)
                           * part of the sweep grid, its first included (4) */
    double seed_min_ms;   /* rows faster than this are fitted but not sampled around (0) */
    uint64_t seed;        /* the order each row's neighbours are tried in (1) */
    /* the coarse grid's models (single-layer, pd_sweep_point_json's form), not owned;
     * NULL: the subset of the sweep grid coarse_every says */
    const pd_graph *const *coarse;
    size_t n_coarse;
    pd_sweep_timer time_point; /* required */
    void *time_ctx;
    double (*now_s)(void *ctx); /* the clock, in seconds (NULL: the monotonic clock) */
    void *now_ctx;
    pd_adaptive_progress_fn progress; /* may be NULL */
    void *progress_ctx;
} pd_adaptive_options;

void pd_adaptive_options_init(pd_adaptive_options *o);

typedef struct pd_adaptive_result {
    size_t coarse, added, rounds;
    bool budget_spent; /* stopped by the budget (else by max_points, or nothing left) */
    pd_fit_quality before[PD_FIT_QUALITY_ROWS]; /* CV figures on the coarse grid */
    pd_fit_quality after[PD_FIT_QUALITY_ROWS];  /* and on every point at the end */
} pd_adaptive_result;

/* Runs the loop: the coarse grid timed, then each round the rows sorted by their
 * cross-validated relative error (pd_fit_cv_predict with o->fit), largest first, and for
 * each in turn up to two of its neighbours not timed before (one parameter stepped inside
 * the ranges real networks use, the kind kept: src/measure/adaptive_moves.h), tried in an
 * order drawn from o->seed, until the round's batch is full; the round timed; the CV
 * figures again. Appends every timed row to out (the coarse grid's first, then each
 * round's, in the order timed; source "sweep"); the fits see only these rows. With a
 * timer that gives the same times, the same points every run. */
pd_status pd_adaptive_sweep(const pd_adaptive_options *o, pd_timings *out,
                            pd_adaptive_result *res, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
