/* The layers that join tensors: add (n inputs), mul (equal shapes, or a [C, 1, 1] second
 * input broadcast over H x W) and concat along channels. */
#include <string.h>

#include "kernels.h"

/* Elements summed at a time over every input, on the stack: each block reads every input
 * before it writes out, so out may be any input. */
#define BLOCK 256

void pd_k_add(const float *const *in, int n_in, size_t n, float *out)
{
    if (n_in == 2) { /* a residual connection: one vectorised pass */
        const float *a = in[0], *b = in[1];
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] + b[i];
        return;
    }
    float acc[BLOCK];
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        const float *a = in[0] + i0, *b = in[1] + i0;
        for (size_t i = 0; i < m; i++)
            acc[i] = a[i] + b[i];
        for (int k = 2; k < n_in; k++) {
            const float *x = in[k] + i0;
            for (size_t i = 0; i < m; i++)
                acc[i] += x[i];
        }
        memcpy(out + i0, acc, m * sizeof *out);
    }
}

void pd_k_mul(const float *a, const float *b, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] * b[i];
}

void pd_k_mul_channels(const float *a, const float *s, int64_t c, int64_t hw, float *out)
{
    for (int64_t ch = 0; ch < c; ch++) {
        const float v = s[ch];
        const float *x = a + ch * hw;
        float *y = out + ch * hw;
        for (int64_t i = 0; i < hw; i++)
            y[i] = x[i] * v;
    }
}

void pd_k_concat(const float *const *in, const int64_t *c, int n_in, int64_t hw, float *out)
{
    for (int k = 0; k < n_in; k++) {
        size_t m = (size_t)(c[k] * hw);
        memcpy(out, in[k], m * sizeof *out);
        out += m;
    }
}
