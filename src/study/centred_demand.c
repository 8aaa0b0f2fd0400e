/* The requirement distribution centred among the exits' accuracies (experiment fmnist). */
#include <stdio.h>

#include "predoff/study.h"

pd_status pd_centred_demand(const double *accuracy, size_t n, pd_distribution *out, pd_error *err)
{
    if (n == 0)
        return pd_error_set(err, PD_EINPUT, "a centred demand needs at least one exit accuracy");
    double sum = 0.0, lo = accuracy[0], hi = accuracy[0];
    for (size_t k = 0; k < n; k++) {
        sum += accuracy[k];
        lo = accuracy[k] < lo ? accuracy[k] : lo;
        hi = accuracy[k] > hi ? accuracy[k] : hi;
    }
    double sigma = (hi - lo) / 4.0;
    if (sigma < PD_CENTRED_MIN_SIGMA)
        sigma = PD_CENTRED_MIN_SIGMA;
    /* through the spec, so that --accuracy-dist with the printed spec is the same demand */
    char spec[64];
    snprintf(spec, sizeof spec, "normal:%.6g,%.6g", sum / (double)n, sigma);
    return pd_distribution_parse(spec, out, err);
}
