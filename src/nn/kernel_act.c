/* Elementwise activations as PyTorch computes them: clip (clamp), sigmoid, hardsigmoid,
 * hardswish; eight at a time with AVX2 and FMA when the CPU has them (chosen at run time).
 * Clip, hardsigmoid and hardswish do the same operations in the same order either way, so
 * both paths give the same floats; sigmoid's vector exp is a polynomial (a few ulp). */
#include <math.h>
#include <string.h>

#include "kernels.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "act_avx.h" /* pd_sigmoid8 */
#define HAVE_AVX2 1
#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#endif

/* min(max(x, lo), hi) with NaN kept: neither comparison holds for it. */
static inline float clip1(float x, float lo, float hi)
{
    float m = x < lo ? lo : x;
    return m > hi ? hi : m;
}

/* exp(-|x|) <= 1 never overflows, and 1 / (1 + e) or e / (1 + e) keeps the small side's
 * relative precision. */
static inline float sigmoid1(float x)
{
    float e = expf(-fabsf(x)), d = 1.0f + e;
    return x >= 0.0f ? 1.0f / d : e / d; /* NaN: e / d is NaN */
}

static const float SIXTH = 1.0f / 6.0f;

static inline float hardsigmoid_torch1(float x)
{
    return clip1(x + 3.0f, 0.0f, 6.0f) / 6.0f;
}

static inline float hardsigmoid1(float x, float alpha, float beta)
{
    return clip1(alpha * x + beta, 0.0f, 1.0f);
}

static inline float hardswish1(float x)
{
    return x * clip1(x + 3.0f, 0.0f, 6.0f) / 6.0f;
}

#ifdef HAVE_AVX2
static bool have_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* clip1 on eight: _mm256_max_ps(a, b) is a > b ? a : b, so b when either is NaN. */
INLINE __m256 clip8(__m256 x, __m256 lo, __m256 hi)
{
    return _mm256_min_ps(hi, _mm256_max_ps(lo, x));
}

TARGET static void clip_avx2(const float *in, float *out, size_t n, float lo, float hi)
{
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, clip8(_mm256_loadu_ps(in + i), vlo, vhi));
    for (; i < n; i++)
        out[i] = clip1(in[i], lo, hi);
}

/* sigmoid(x), or with times_x x sigmoid(x) (SiLU, the product rounded as pd_k_mul rounds
 * it: the same floats as a sigmoid pass and then a multiply). The last n % 8 through the
 * vector path too (from a copy): every element gets the same arithmetic wherever it lies. */
INLINE __m256 sigmoid_or_silu8(__m256 x, bool times_x)
{
    __m256 y = pd_sigmoid8(x);
    return times_x ? _mm256_mul_ps(x, y) : y;
}

TARGET static void sigmoid_avx2(const float *in, float *out, size_t n, bool times_x)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, sigmoid_or_silu8(_mm256_loadu_ps(in + i), times_x));
    if (i < n) {
        float tmp[8] = {0};
        memcpy(tmp, in + i, (n - i) * sizeof *tmp);
        _mm256_storeu_ps(tmp, sigmoid_or_silu8(_mm256_loadu_ps(tmp), times_x));
        memcpy(out + i, tmp, (n - i) * sizeof *tmp);
    }
}

TARGET static void hardsigmoid_torch_avx2(const float *in, float *out, size_t n)
{
    const __m256 three = _mm256_set1_ps(3.0f), zero = _mm256_setzero_ps(),
                 six = _mm256_set1_ps(6.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(in + i);
        _mm256_storeu_ps(out + i, _mm256_div_ps(clip8(_mm256_add_ps(x, three), zero, six), six));
    }
    for (; i < n; i++)
        out[i] = hardsigmoid_torch1(in[i]);
}

TARGET static void hardsigmoid_avx2(const float *in, float *out, size_t n, float alpha,
                                    float beta)
{
    const __m256 a = _mm256_set1_ps(alpha), b = _mm256_set1_ps(beta),
                 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 t = _mm256_add_ps(_mm256_mul_ps(a, _mm256_loadu_ps(in + i)), b); /* not fused */
        _mm256_storeu_ps(out + i, clip8(t, zero, one));
    }
    for (; i < n; i++)
        out[i] = hardsigmoid1(in[i], alpha, beta);
}

TARGET static void hardswish_avx2(const float *in, float *out, size_t n)
{
    const __m256 three = _mm256_set1_ps(3.0f), zero = _mm256_setzero_ps(),
                 six = _mm256_set1_ps(6.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(in + i);
        __m256 c = clip8(_mm256_add_ps(x, three), zero, six);
        _mm256_storeu_ps(out + i, _mm256_div_ps(_mm256_mul_ps(x, c), six));
    }
    for (; i < n; i++)
        out[i] = hardswish1(in[i]);
}
#endif

void pd_k_clip(const float *in, float *out, size_t n, float lo, float hi)
{
#ifdef HAVE_AVX2
    if (have_avx2()) {
        clip_avx2(in, out, n, lo, hi);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        out[i] = clip1(in[i], lo, hi);
}

void pd_k_sigmoid(const float *in, float *out, size_t n)
{
#ifdef HAVE_AVX2
    if (have_avx2()) {
        sigmoid_avx2(in, out, n, false);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        out[i] = sigmoid1(in[i]);
}

void pd_k_silu(const float *in, float *out, size_t n)
{
#ifdef HAVE_AVX2
    if (have_avx2()) {
        sigmoid_avx2(in, out, n, true);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * sigmoid1(in[i]);
}

void pd_k_hardsigmoid(const float *in, float *out, size_t n, float alpha, float beta)
{
    const bool torch = alpha == SIXTH && beta == 0.5f;
#ifdef HAVE_AVX2
    if (have_avx2()) {
        if (torch)
            hardsigmoid_torch_avx2(in, out, n);
        else
            hardsigmoid_avx2(in, out, n, alpha, beta);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        out[i] = torch ? hardsigmoid_torch1(in[i]) : hardsigmoid1(in[i], alpha, beta);
}

void pd_k_hardswish(const float *in, float *out, size_t n)
{
#ifdef HAVE_AVX2
    if (have_avx2()) {
        hardswish_avx2(in, out, n);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        out[i] = hardswish1(in[i]);
}

void pd_k_act_rows(float *out, int64_t rows, int64_t ld, int64_t n, pd_act act)
{
    for (int64_t r = 0; r < rows; r++) {
        float *o = out + r * ld;
        if (act.silu)
            pd_k_silu(o, o, (size_t)n);
        else if (act.relu)
            for (int64_t i = 0; i < n; i++)
                o[i] = pd_act1(act, o[i]);
    }
}
