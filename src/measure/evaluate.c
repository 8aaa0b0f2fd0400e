/* A fitted profile against held-out timings: the check that a fit generalises. */
#include <math.h>

#include "predoff/measure.h"

void pd_profile_evaluate(const pd_profile *p, const pd_timings *t, pd_fit_quality *quality)
{
    double sum[PD_LAYER_TYPE_COUNT] = {0}, sum_sq[PD_LAYER_TYPE_COUNT] = {0},
           err_sq[PD_LAYER_TYPE_COUNT] = {0}, ape[PD_LAYER_TYPE_COUNT] = {0};
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        quality[k] = (pd_fit_quality){(pd_layer_type)k, 0, NAN, NAN, NAN};
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        const pd_linear_model *m = &p->layer[r->type];
        if (!m->present)
            continue;
        double pred = fmax(0.0, pd_linear_predict(m, r->features)), y = r->median_ms;
        if (!isfinite(pred))
            continue; /* a feature the model needs is missing from this row */
        quality[r->type].samples++;
        sum[r->type] += y;
        sum_sq[r->type] += y * y;
        err_sq[r->type] += (pred - y) * (pred - y);
        ape[r->type] += fabs(pred - y) / y;
    }
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++) {
        double n = (double)quality[k].samples;
        if (n == 0)
            continue;
        double var = sum_sq[k] - sum[k] * sum[k] / n;
        quality[k].r2 = var > 0 ? 1.0 - err_sq[k] / var : NAN;
        quality[k].mape = 100.0 * ape[k] / n;
    }
}
