/* Activations on eight floats in AVX2 registers, as the scalar and elementwise passes do
 * them one at a time (act.h, kernel_act.c): the same operations in the same order, so a
 * convolution that applies one in its own pass gives the floats the separate pass gives. */
#ifndef PD_NN_ACT_AVX_H
#define PD_NN_ACT_AVX_H

#include <immintrin.h>
#include <stdbool.h>

#define PD_AVX_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

/* ReLU as pd_relu: x where !(x <= 0), NaN included (PyTorch keeps NaN), else +0.
 * _mm256_max_ps(x, 0) would turn NaN into 0. */
PD_AVX_INLINE __m256 pd_relu8(__m256 x, __m256 zero)
{
    return _mm256_blendv_ps(zero, x, _mm256_cmp_ps(x, zero, _CMP_NLE_UQ));
}

/* exp(t) for t <= 0 (NaN gives some number: the caller puts NaN back), 0 below the
 * smallest normal float: Cephes' expf, t = n ln 2 + r, |r| <= ln 2 / 2, a degree-7
 * polynomial in r times 2^n built in the exponent bits. */
PD_AVX_INLINE __m256 pd_exp_nonpositive8(__m256 t)
{
    const __m256 least = _mm256_set1_ps(-87.33654475f); /* ln FLT_MIN */
    const __m256 under = _mm256_cmp_ps(t, least, _CMP_LT_OQ);
    const __m256 x = _mm256_max_ps(t, least);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504089f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23); /* n >= -126 */
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(under, y);
}

PD_AVX_INLINE __m256 pd_sigmoid8(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 e = pd_exp_nonpositive8(_mm256_or_ps(x, sign)); /* exp(-|x|) */
    __m256 d = _mm256_add_ps(one, e);
    /* 1 / d or e / d: the numerator chosen first, so one division (the costly part) */
    __m256 y = _mm256_div_ps(
        _mm256_blendv_ps(e, one, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ)), d);
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/* x sigmoid(x), as pd_k_silu (the product rounded once, as pd_k_mul rounds it). */
PD_AVX_INLINE __m256 pd_silu8(__m256 x)
{
    return _mm256_mul_ps(x, pd_sigmoid8(x));
}

/* pd_act1 on eight, for an act that is on (relu or silu): the ReLU, then min(x, cap) with
 * the cap first, since _mm256_min_ps(a, b) returns b when either is NaN (cap +inf for a
 * plain ReLU); or SiLU. */
PD_AVX_INLINE __m256 pd_act8(__m256 x, bool silu, __m256 zero, __m256 cap)
{
    return silu ? pd_silu8(x) : _mm256_min_ps(cap, pd_relu8(x, zero));
}

#endif
