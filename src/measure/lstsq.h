/* Linear least squares on the relative error of layer times, solved by LAPACKE. */
#ifndef PD_MEASURE_LSTSQ_H
#define PD_MEASURE_LSTSQ_H

#include <stddef.h>

#include "predoff/measure.h"

enum { PD_LSQ_MAX_FEATURES = 5 }; /* the largest candidate set the fitter tries: a type's
                                   * (PD_FEATURE_SET_MAX), fused_act_elems and
                                   * fused_exp_elems */

typedef enum pd_lsq_result {
    PD_LSQ_OK,
    PD_LSQ_SINGULAR, /* fewer rows than parameters, or the design is (nearly) rank-deficient */
    PD_LSQ_NOMEM,
} pd_lsq_result;

/* Scratch for pd_lsq_fit: room for `rows` rows of up to PD_LSQ_MAX_FEATURES + 1 columns. */
typedef struct pd_lsq_work {
    double *a, *b;
    size_t rows;
} pd_lsq_work;

pd_status pd_lsq_work_init(pd_lsq_work *w, size_t rows, pd_error *err);
void pd_lsq_work_free(pd_lsq_work *w);

/* Fits t = intercept + sum_j coef[j] * feature[j] to rows[idx[0..m)] (median_ms as t,
 * every needed feature given and every time > 0), minimising sum ((pred - t) / t)^2.
 * On PD_LSQ_OK, *model holds the features, coefficients and intercept. m <= w->rows. */
pd_lsq_result pd_lsq_fit(const pd_layer_timing *rows, const size_t *idx, size_t m,
                         const pd_feature *features, int n_features, pd_lsq_work *w,
                         pd_linear_model *model);

#endif
