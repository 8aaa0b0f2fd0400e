/* 1 x 1 convolution by a register-blocked product (conv_pointwise.h).
 *
 * The output is cut into blocks of MR = 12 filters by NR pixels (32 with AVX-512, two
 * vectors; 8 with AVX2, one). A block's 12 x NR sums stay in registers (24 or 12 of them)
 * across the whole channel loop: per channel, NR inputs loaded once, each of the 12
 * filters' weights broadcast from the prepared panel (12 consecutive floats) and
 * multiplied into them. The sums start at the bias and leave with the ReLU applied, one
 * store each. A part of a split takes a range of blocks, pixel-block major, so that the
 * inputs of a block of pixels stay in cache while every filter panel passes over them.
 * Pixels past the last full block are masked lanes (loads of them read nothing). */
#include "conv_pointwise.h"

#include <string.h>

#include "kernels.h" /* pd_k_act_rows */
#include "predoff/runtime.h"

#define MR 12

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "act_avx.h"

static bool have_avx512(void)
{
    return __builtin_cpu_supports("avx512f");
}

static bool have_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* One block: filters [0, mv) of the panel (mv <= MR), pixels [0, nv) (nv <= 32) from
 * in (row stride ld), into out (row stride ld). */
__attribute__((target("avx512f"))) static void block512(const float *panel, const float *bias,
                                                        const float *in, int64_t ld, int64_t C,
                                                        float *out, int nv, int mv, pd_act act)
{
    const __mmask16 k0 = nv >= 16 ? 0xffff : (__mmask16)((1u << nv) - 1u),
                    k1 = nv >= 32 ? 0xffff : nv > 16 ? (__mmask16)((1u << (nv - 16)) - 1u) : 0;
    __m512 c0[MR], c1[MR];
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++)
        c0[m] = c1[m] = _mm512_set1_ps(bias[m]);
    for (int64_t k = 0; k < C; k++) {
        const float *x = in + k * ld, *w = panel + k * MR;
        const __m512 a0 = _mm512_maskz_loadu_ps(k0, x), a1 = _mm512_maskz_loadu_ps(k1, x + 16);
#pragma GCC unroll 12
        for (int m = 0; m < MR; m++) {
            const __m512 b = _mm512_set1_ps(w[m]);
            c0[m] = _mm512_fmadd_ps(b, a0, c0[m]);
            c1[m] = _mm512_fmadd_ps(b, a1, c1[m]);
        }
    }
    const __m512 zero = _mm512_setzero_ps(), cap = _mm512_set1_ps(act.cap);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) { /* constant m: the sums stay in registers */
        if (m >= mv)
            break;
        __m512 y0 = c0[m], y1 = c1[m];
        if (act.relu) { /* pd_act1: 0 where x <= 0, then min(x, cap); NaN kept */
            y0 = _mm512_mask_mov_ps(y0, _mm512_cmp_ps_mask(y0, zero, _CMP_LE_OQ), zero);
            y1 = _mm512_mask_mov_ps(y1, _mm512_cmp_ps_mask(y1, zero, _CMP_LE_OQ), zero);
            y0 = _mm512_mask_mov_ps(y0, _mm512_cmp_ps_mask(y0, cap, _CMP_GT_OQ), cap);
            y1 = _mm512_mask_mov_ps(y1, _mm512_cmp_ps_mask(y1, cap, _CMP_GT_OQ), cap);
        }
        _mm512_mask_storeu_ps(out + m * ld, k0, y0);
        _mm512_mask_storeu_ps(out + m * ld + 16, k1, y1);
    }
    if (act.silu) /* on the rows just stored, in L1: the floats of the SiLU pass */
        pd_k_act_rows(out, mv, ld, nv, act);
}

/* The same with AVX2: pixels [0, nv), nv <= 8. */
__attribute__((target("avx2,fma"))) static void block256(const float *panel, const float *bias,
                                                         const float *in, int64_t ld, int64_t C,
                                                         float *out, int nv, int mv, pd_act act)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nv), lane);
    __m256 c[MR];
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++)
        c[m] = _mm256_set1_ps(bias[m]);
    for (int64_t k = 0; k < C; k++) {
        const float *w = panel + k * MR;
        const __m256 a = _mm256_maskload_ps(in + k * ld, mask);
#pragma GCC unroll 12
        for (int m = 0; m < MR; m++)
            c[m] = _mm256_fmadd_ps(_mm256_set1_ps(w[m]), a, c[m]);
    }
    const __m256 zero = _mm256_setzero_ps(), cap = _mm256_set1_ps(act.cap);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
        if (m >= mv)
            break;
        _mm256_maskstore_ps(out + m * ld, mask,
                            pd_act_on(act) ? pd_act8(c[m], act.silu, zero, cap) : c[m]);
    }
}
#else
static bool have_avx512(void)
{
    return false;
}

static bool have_avx2(void)
{
    return false;
}
#endif

bool pd_pointwise_conv(const pd_layer *l)
{
    return pd_conv_is_plain(l) && l->p.kernel == 1 && l->p.stride == 1 && l->p.pad == 0 &&
           (have_avx512() || have_avx2());
}

static int64_t panels(const pd_layer *l)
{
    return (l->p.filters + MR - 1) / MR;
}

size_t pd_pointwise_prepared_floats(const pd_layer *l)
{
    if (!pd_pointwise_conv(l))
        return 0;
    return (size_t)(panels(l) * MR) * (size_t)(l->in.c + 1);
}

void pd_pointwise_prepare(const pd_layer *l, const float *w, const float *b, float *prep)
{
    const int64_t C = l->in.c, F = l->p.filters, P = panels(l);
    memset(prep, 0, pd_pointwise_prepared_floats(l) * sizeof *prep);
    float *bias = prep + P * MR * C;
    for (int64_t f = 0; f < F; f++) {
        float *panel = prep + (f / MR) * MR * C;
        for (int64_t k = 0; k < C; k++)
            panel[k * MR + f % MR] = w[f * C + k];
        bias[f] = b[f];
    }
}

void pd_pointwise_part(const pd_forward_args *a, int part, int parts)
{
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, F = l->p.filters, N = l->out.h * l->out.w, P = panels(l);
    const bool wide = have_avx512();
    const int64_t NR = wide ? 32 : 8, nb = (N + NR - 1) / NR, units = nb * P;
    const int64_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
    const float *bias = a->prep + P * MR * C;
    for (int64_t u = u0; u < u1; u++) {
        const int64_t n0 = (u % nb) * NR, f0 = (u / nb) * MR;
        const int nv = (int)(N - n0 < NR ? N - n0 : NR), mv = (int)(F - f0 < MR ? F - f0 : MR);
        const float *panel = a->prep + (u / nb) * MR * C;
        float *out = a->out + f0 * N + n0;
#if defined(__x86_64__) && defined(__GNUC__)
        if (wide)
            block512(panel, bias + f0, a->in + n0, N, C, out, nv, mv, a->act);
        else
            block256(panel, bias + f0, a->in + n0, N, C, out, nv, mv, a->act);
#else
        (void)panel, (void)out, (void)nv, (void)mv, (void)bias;
#endif
    }
}
