/* ReLU on eight floats as pd_relu does on one: x where !(x <= 0), NaN included (PyTorch
 * keeps NaN), else +0. _mm256_max_ps(x, 0) would turn NaN into 0. */
#ifndef PD_RELU_AVX_H
#define PD_RELU_AVX_H

#include <immintrin.h>

static inline __attribute__((always_inline, target("avx2,fma"))) __m256 pd_relu8(__m256 x,
                                                                                 __m256 zero)
{
    return _mm256_blendv_ps(zero, x, _mm256_cmp_ps(x, zero, _CMP_NLE_UQ));
}

/* pd_act1 on eight: the ReLU, then min(x, cap) with the cap first, since _mm256_min_ps(a, b)
 * returns b when either is NaN; cap +inf for a plain ReLU. */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 pd_act8(__m256 x,
                                                                                __m256 zero,
                                                                                __m256 cap)
{
    return _mm256_min_ps(cap, pd_relu8(x, zero));
}

#endif
