/* A fitted profile against held-out timings: the check that a fit generalises. */
#include <math.h>

#include "predoff/measure.h"

/* The quality row of a timing: its kind's, or its type's when it has none. */
static size_t row_of(const pd_layer_timing *r)
{
    return r->kind != PD_KIND_NONE ? PD_LAYER_TYPE_COUNT + (size_t)r->kind : (size_t)r->type;
}

void pd_profile_evaluate(const pd_profile *p, const pd_timings *t, pd_fit_quality *quality)
{
    double sum[PD_FIT_QUALITY_ROWS] = {0}, sum_sq[PD_FIT_QUALITY_ROWS] = {0},
           err_sq[PD_FIT_QUALITY_ROWS] = {0}, ape[PD_FIT_QUALITY_ROWS] = {0};
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        pd_layer_kind kind = k < PD_LAYER_TYPE_COUNT ? PD_KIND_NONE
                                                     : (pd_layer_kind)(k - PD_LAYER_TYPE_COUNT);
        pd_layer_type type = kind == PD_KIND_NONE ? (pd_layer_type)k : pd_layer_kind_type(kind);
        quality[k] = (pd_fit_quality){type, kind, 0, NAN, NAN, NAN};
    }
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        const pd_linear_model *m = pd_profile_model_for(p, r->type, r->kind);
        if (!m->present)
            continue;
        double pred = fmax(0.0, pd_linear_predict(m, r->features)), y = r->median_ms;
        if (!isfinite(pred))
            continue; /* a feature the model needs is missing from this row */
        size_t q = row_of(r);
        quality[q].samples++;
        sum[q] += y;
        sum_sq[q] += y * y;
        err_sq[q] += (pred - y) * (pred - y);
        ape[q] += fabs(pred - y) / y;
    }
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        double n = (double)quality[k].samples;
        if (n == 0)
            continue;
        double var = sum_sq[k] - sum[k] * sum[k] / n;
        quality[k].r2 = var > 0 ? 1.0 - err_sq[k] / var : NAN;
        quality[k].mape = 100.0 * ape[k] / n;
    }
}
