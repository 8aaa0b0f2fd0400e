/* Batch norm at inference: folded once into a scale and a shift per channel, then
 * y = x scale + shift. */
#include <math.h>

#include "kernels.h"

void pd_k_bn_prepare(int64_t c, const float *weight, const float *bias, const float *mean,
                     const float *var, double eps, float *scale, float *shift)
{
    for (int64_t i = 0; i < c; i++) {
        double s = (double)weight[i] / sqrt((double)var[i] + eps);
        scale[i] = (float)s;
        shift[i] = (float)((double)bias[i] - (double)mean[i] * s);
    }
}

void pd_k_bn(int64_t c, int64_t hw, const float *scale, const float *shift, const float *in,
             float *out)
{
    for (int64_t ch = 0; ch < c; ch++) {
        const float s = scale[ch], t = shift[ch];
        const float *x = in + ch * hw;
        float *y = out + ch * hw;
        for (int64_t i = 0; i < hw; i++) /* vectorised by the compiler; y may be x */
            y[i] = x[i] * s + t;
    }
}
