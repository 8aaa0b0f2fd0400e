/* Least squares on the relative error: each row of [1, features] scaled by 1 / its time,
 * so the target is all ones; columns equilibrated, then QR by LAPACKE_dgels. */
#include "measure/lstsq.h"

#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define RCOND_MIN 1e-10 /* below this the columns are collinear for all practical purposes */

pd_status pd_lsq_work_init(pd_lsq_work *w, size_t rows, pd_error *err)
{
    size_t cols = PD_LSQ_MAX_FEATURES + 1;
    *w = (pd_lsq_work){0};
    if (rows == 0)
        rows = 1;
    if (rows > SIZE_MAX / sizeof(double) / cols)
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu rows)", rows);
    w->a = malloc(rows * cols * sizeof *w->a);
    w->b = malloc(rows * sizeof *w->b);
    if (!w->a || !w->b) {
        pd_lsq_work_free(w);
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu rows)", rows);
    }
    w->rows = rows;
    return PD_OK;
}

void pd_lsq_work_free(pd_lsq_work *w)
{
    if (!w)
        return;
    free(w->a);
    free(w->b);
    *w = (pd_lsq_work){0};
}

pd_lsq_result pd_lsq_fit(const pd_layer_timing *rows, const size_t *idx, size_t m,
                         const pd_feature *features, int n_features, pd_lsq_work *w,
                         pd_linear_model *model)
{
    size_t p = (size_t)n_features + 1;
    if (n_features < 0 || n_features > PD_LSQ_MAX_FEATURES || m < p || m > w->rows ||
        m > (size_t)INT32_MAX)
        return PD_LSQ_SINGULAR;
    double *a = w->a, *b = w->b, scale[PD_LSQ_MAX_FEATURES + 1];
    for (size_t j = 0; j < p; j++) {
        double top = 0.0;
        for (size_t i = 0; i < m; i++) {
            const pd_layer_timing *r = &rows[idx[i]];
            double x = j ? r->features[features[j - 1]] : 1.0;
            double v = x / r->median_ms;
            a[j * m + i] = v;
            top = fabs(v) > top ? fabs(v) : top;
        }
        if (!(top > 0.0) || !isfinite(top))
            return PD_LSQ_SINGULAR; /* a column of zeros (or worse) */
        scale[j] = top;
        for (size_t i = 0; i < m; i++)
            a[j * m + i] /= top;
    }
    for (size_t i = 0; i < m; i++)
        b[i] = 1.0;
    lapack_int lm = (lapack_int)m, lp = (lapack_int)p;
    lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', lm, lp, 1, a, lm, b, lm);
    if (info == LAPACK_WORK_MEMORY_ERROR)
        return PD_LSQ_NOMEM;
    if (info != 0)
        return PD_LSQ_SINGULAR; /* info > 0: an exactly zero diagonal in R */
    double rcond = 0.0;
    info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', lp, a, lm, &rcond);
    if (info == LAPACK_WORK_MEMORY_ERROR)
        return PD_LSQ_NOMEM;
    if (info != 0 || !(rcond >= RCOND_MIN))
        return PD_LSQ_SINGULAR;
    pd_linear_model out = {.present = true, .n = n_features, .intercept = b[0] / scale[0]};
    for (int j = 0; j < n_features; j++) {
        out.features[j] = features[j];
        out.coef[j] = b[j + 1] / scale[j + 1];
    }
    if (!isfinite(out.intercept))
        return PD_LSQ_SINGULAR;
    for (int j = 0; j < n_features; j++)
        if (!isfinite(out.coef[j]))
            return PD_LSQ_SINGULAR;
    *model = out;
    return PD_LSQ_OK;
}
