/* The line through a link probe's round trips: intercept = 2 delays, slope = 2 x 8 / rate. */
#include <lapacke.h>
#include <math.h>

#include "predoff/measure.h"

pd_status pd_link_fit_means(const double *bytes, const double *mean_ms, size_t n,
                            pd_link_fit *out, pd_error *err)
{
    enum { MAX_SIZES = 64 };
    if (n < 2 || n > MAX_SIZES)
        return pd_error_set(err, PD_EINPUT, "a link fit needs 2 to %d sizes, not %zu", MAX_SIZES, n);
    int spread = 0;
    for (size_t i = 1; i < n; i++)
        spread |= bytes[i] != bytes[0];
    if (!spread)
        return pd_error_set(err, PD_EINPUT, "the probe sizes are all alike: no line through them");
    double a[2 * MAX_SIZES], b[MAX_SIZES], mean = 0.0;
    for (size_t i = 0; i < n; i++) { /* column-major: ones, then bytes in kB */
        a[i] = 1.0;
        a[n + i] = bytes[i] / 1000.0;
        b[i] = mean_ms[i];
        mean += mean_ms[i] / (double)n;
    }
    lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)n, 2, 1, a, (lapack_int)n,
                                    b, (lapack_int)n);
    if (info != 0)
        return pd_error_set(err, PD_EINPUT, "no line through the probe sizes (LAPACKE_dgels: %d)",
                            (int)info);
    double intercept = b[0], per_kb = b[1];
    if (!(per_kb > 0.0)) {
        /* no rise with size: the rate is beyond what these sizes can show (loopback, say);
         * the fixed part is then all there is */
        out->delay_ms = mean / 2.0;
        out->rate_bps = INFINITY;
        out->r2 = 0.0;
        return PD_OK;
    }
    double ss_res = 0.0, ss_tot = 0.0;
    for (size_t i = 0; i < n; i++) {
        double pred = intercept + per_kb * bytes[i] / 1000.0;
        ss_res += (mean_ms[i] - pred) * (mean_ms[i] - pred);
        ss_tot += (mean_ms[i] - mean) * (mean_ms[i] - mean);
    }
    out->delay_ms = intercept > 0.0 ? intercept / 2.0 : 0.0;
    /* per_kb ms per 1000 bytes, both ways: 2 x 8 x 1000 bits per per_kb ms */
    out->rate_bps = 2.0 * 8.0 * 1000.0 / (per_kb / 1000.0);
    out->r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 1.0;
    return PD_OK;
}
