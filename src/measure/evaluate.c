/* A fitted profile against timings: every row's prediction (a boosted entry's rows in one
 * call), and per type and kind how well they match, the check that a fit generalises. */
#include <math.h>
#include <stdlib.h>

#include "predoff/measure.h"

double pd_timing_column(const pd_layer_timing *r, int c)
{
    if (c >= 0 && c < PD_FEATURE_COUNT)
        return r->features[c];
    return c >= PD_FEATURE_COUNT && c < PD_COLUMN_COUNT ? r->shape[c - PD_FEATURE_COUNT] : NAN;
}

/* The rows of t that boosted entry m costs, predicted in one call into pred. */
static pd_status predict_boosted(const pd_profile *p, const pd_timings *t,
                                 const pd_linear_model *m, double *x, size_t *rows,
                                 double *y, double *pred, pd_error *err)
{
    int n_cols;
    const int *cols = pd_boosted_columns(m->boosted, &n_cols);
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        if (pd_profile_model_for(p, r->type, r->kind) != m)
            continue;
        int missing = 0;
        for (int k = 0; k < n_cols; k++)
            missing |= isnan(x[n * (size_t)n_cols + (size_t)k] = pd_timing_column(r, cols[k]));
        if (!missing) /* a row without a column the trees read is not predicted */
            rows[n++] = i;
    }
    pd_status st = pd_boosted_predict(m->boosted, x, n, y, err);
    for (size_t k = 0; !st && k < n; k++)
        pred[rows[k]] = y[k];
    return st;
}

pd_status pd_profile_predict_timings(const pd_profile *p, const pd_timings *t, double *pred,
                                     pd_error *err)
{
    int boosted = 0;
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        const pd_linear_model *m = pd_profile_model_for(p, r->type, r->kind);
        pred[i] = NAN;
        if (m->present && m->boosted)
            boosted = 1;
        else if (m->present) /* NAN when a feature the model needs is missing */
            pred[i] = fmax(0.0, pd_linear_predict(m, r->features));
    }
    if (!boosted || !t->n)
        return PD_OK;
    double *x = malloc(t->n * PD_COLUMN_COUNT * sizeof *x), *y = malloc(t->n * sizeof *y);
    size_t *rows = malloc(t->n * sizeof *rows);
    pd_status st = x && y && rows ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (int e = 0; !st && e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(p, e);
        if (m->present && m->boosted)
            st = predict_boosted(p, t, m, x, rows, y, pred, err);
    }
    free(x);
    free(y);
    free(rows);
    return st;
}

/* The quality row of a timing: its kind's, or its type's when it has none. */
static size_t row_of(const pd_layer_timing *r)
{
    return r->kind != PD_KIND_NONE ? PD_LAYER_TYPE_COUNT + (size_t)r->kind : (size_t)r->type;
}

void pd_timings_score(const pd_timings *t, const double *pred, pd_fit_quality *quality)
{
    double sum[PD_FIT_QUALITY_ROWS] = {0}, sum_sq[PD_FIT_QUALITY_ROWS] = {0},
           err_sq[PD_FIT_QUALITY_ROWS] = {0}, ape[PD_FIT_QUALITY_ROWS] = {0},
           within[PD_FIT_QUALITY_ROWS] = {0};
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        pd_layer_kind kind = k < PD_LAYER_TYPE_COUNT ? PD_KIND_NONE
                                                     : (pd_layer_kind)(k - PD_LAYER_TYPE_COUNT);
        pd_layer_type type = kind == PD_KIND_NONE ? (pd_layer_type)k : pd_layer_kind_type(kind);
        quality[k] = (pd_fit_quality){type, kind, 0, NAN, NAN, NAN, NAN, false, 0, 0, 0.0};
    }
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        double y = r->median_ms;
        if (!isfinite(pred[i]) || r->fused_into[0])
            continue; /* no model, or a feature the model needs is missing from this row; or
                       * a fused layer, timed alone, whose time in a run is its producer's */
        size_t q = row_of(r);
        quality[q].samples++;
        sum[q] += y;
        sum_sq[q] += y * y;
        err_sq[q] += (pred[i] - y) * (pred[i] - y);
        ape[q] += fabs(pred[i] - y) / y;
        within[q] += fabs(pred[i] - y) <= 0.1 * y;
    }
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        double n = (double)quality[k].samples;
        if (n == 0)
            continue;
        double var = sum_sq[k] - sum[k] * sum[k] / n;
        quality[k].r2 = var > 0 ? 1.0 - err_sq[k] / var : NAN;
        quality[k].mape = 100.0 * ape[k] / n;
        quality[k].within_10 = within[k] / n;
    }
}

pd_status pd_profile_evaluate(const pd_profile *p, const pd_timings *t, pd_fit_quality *quality,
                              pd_error *err)
{
    const pd_timings none = {0};
    pd_timings_score(&none, NULL, quality); /* every row without samples, until scored */
    double *pred = malloc((t->n ? t->n : 1) * sizeof *pred);
    if (!pred)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = pd_profile_predict_timings(p, t, pred, err);
    if (!st)
        pd_timings_score(t, pred, quality);
    for (size_t i = 0; !st && i < t->n; i++)
        if (isfinite(pred[i]))
            quality[row_of(&t->rows[i])].boosted =
                pd_profile_model_for(p, t->rows[i].type, t->rows[i].kind)->boosted != NULL;
    free(pred);
    return st;
}
