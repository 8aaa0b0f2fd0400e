/* The packed product (panels.h).
 *
 * The output is cut into blocks of MR = 12 filters by NR pixels (32 with AVX-512, two
 * vectors; 8 with AVX2, one). A block's 12 x NR sums stay in registers (24 or 12 of them)
 * across the whole loop over K: per k, NR inputs loaded once, each of the 12 filters'
 * weights broadcast from the packed panel (12 consecutive floats) and multiplied into
 * them. The sums start at the bias and leave with the activation applied, one store each.
 * Pixels past the last full block are masked lanes (loads of them read nothing), and a
 * block of at most 16 pixels takes one vector a filter (half512): the last block of a 13 x 13
 * or 14 x 14 map cost a full block's multiply-adds before. */
#include "panels.h"

#include <string.h>

#include "kernels.h" /* pd_k_act_rows */

#define MR PD_PANEL_MR
/* The bytes of a chunk's K rows (pd_panels_chunk): a part of the L2 cache. */
#define PANELS_CHUNK_BYTES (128 * 1024)

static bool have_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return __builtin_cpu_supports("avx512f");
#else
    return false;
#endif
}

static bool have_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "act_avx.h"

/* pd_act1's ReLU and cap on sixteen: 0 where x <= 0, then min(x, cap); NaN kept. */
static inline __attribute__((always_inline, target("avx512f"))) __m512
relu_cap512(__m512 y, __m512 zero, __m512 cap)
{
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, zero, _CMP_LE_OQ), zero);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, cap, _CMP_GT_OQ), cap);
}

/* One block: filters [0, mv) of the panel (mv <= MR), pixels [0, nv) (nv <= 32) from
 * in (row stride ld), into out (row stride ldo). */
__attribute__((target("avx512f"))) static void block512(const float *panel, const float *bias,
                                                        const float *in, int64_t ld, int64_t C,
                                                        float *out, int64_t ldo, int nv, int mv,
                                                        pd_act act)
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
        if (act.relu) {
            y0 = relu_cap512(y0, zero, cap);
            y1 = relu_cap512(y1, zero, cap);
        }
        _mm512_mask_storeu_ps(out + m * ldo, k0, y0);
        _mm512_mask_storeu_ps(out + m * ldo + 16, k1, y1);
    }
    if (act.silu) /* on the rows just stored, in L1: the floats of the SiLU pass */
        pd_k_act_rows(out, mv, ldo, nv, act);
}

/* block512 for nv <= 16 pixels: one vector a filter, so a block of up to half the width
 * (the last of a 14 x 14 or 13 x 13 map's) costs half the multiply-adds. */
__attribute__((target("avx512f"))) static void half512(const float *panel, const float *bias,
                                                       const float *in, int64_t ld, int64_t C,
                                                       float *out, int64_t ldo, int nv, int mv,
                                                       pd_act act)
{
    const __mmask16 k0 = nv >= 16 ? 0xffff : (__mmask16)((1u << nv) - 1u);
    __m512 c0[MR];
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++)
        c0[m] = _mm512_set1_ps(bias[m]);
    for (int64_t k = 0; k < C; k++) {
        const float *w = panel + k * MR;
        const __m512 a0 = _mm512_maskz_loadu_ps(k0, in + k * ld);
#pragma GCC unroll 12
        for (int m = 0; m < MR; m++)
            c0[m] = _mm512_fmadd_ps(_mm512_set1_ps(w[m]), a0, c0[m]);
    }
    const __m512 zero = _mm512_setzero_ps(), cap = _mm512_set1_ps(act.cap);
#pragma GCC unroll 12
    for (int m = 0; m < MR; m++) {
        if (m >= mv)
            break;
        __m512 y0 = c0[m];
        if (act.relu)
            y0 = relu_cap512(y0, zero, cap);
        _mm512_mask_storeu_ps(out + m * ldo, k0, y0);
    }
    if (act.silu)
        pd_k_act_rows(out, mv, ldo, nv, act);
}

/* The same with AVX2: pixels [0, nv), nv <= 8. */
__attribute__((target("avx2,fma"))) static void block256(const float *panel, const float *bias,
                                                         const float *in, int64_t ld, int64_t C,
                                                         float *out, int64_t ldo, int nv, int mv,
                                                         pd_act act)
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
        _mm256_maskstore_ps(out + m * ldo, mask,
                            pd_act_on(act) ? pd_act8(c[m], act.silu, zero, cap) : c[m]);
    }
}
#endif

bool pd_panels_available(void)
{
    return have_avx512() || have_avx2();
}

static int64_t panels(int64_t F)
{
    return (F + MR - 1) / MR;
}

size_t pd_panels_floats(int64_t F, int64_t K)
{
    return (size_t)(panels(F) * MR) * (size_t)(K + 1);
}

void pd_panels_pack(int64_t F, int64_t K, const float *w, const float *b, float *prep)
{
    const int64_t P = panels(F);
    memset(prep, 0, pd_panels_floats(F, K) * sizeof *prep);
    float *bias = prep + P * MR * K;
    for (int64_t f = 0; f < F; f++) {
        float *panel = prep + (f / MR) * MR * K;
        for (int64_t k = 0; k < K; k++)
            panel[k * MR + f % MR] = w[f * K + k];
        bias[f] = b ? b[f] : 0.0f; /* a bias-free layer's sums start at zero */
    }
}

pd_panels_order pd_panels_order_for(int64_t K, int64_t N)
{
    return (double)K * (double)N * sizeof(float) <= 1024.0 * 1024.0 ? PD_PANELS_BY_FILTERS
                                                                     : PD_PANELS_BY_PIXELS;
}

void pd_panels_part(const float *prep, int64_t F, int64_t K, int64_t N, const float *in,
                    float *out, pd_act act, pd_panels_order order, int part, int parts)
{
    const int64_t P = panels(F);
    const bool wide = have_avx512();
    const int64_t NR = pd_panels_nr(), nb = (N + NR - 1) / NR, units = nb * P;
    const int64_t u0 = units * part / parts, u1 = units * (part + 1) / parts;
    const float *bias = prep + P * MR * K;
    for (int64_t u = u0; u < u1; u++) {
        const int64_t pb = order == PD_PANELS_BY_FILTERS ? u % nb : u / P,
                      pn = order == PD_PANELS_BY_FILTERS ? u / nb : u % P;
        const int64_t n0 = pb * NR, f0 = pn * MR;
        const int nv = (int)(N - n0 < NR ? N - n0 : NR), mv = (int)(F - f0 < MR ? F - f0 : MR);
        const float *panel = prep + pn * MR * K;
        float *o = out + f0 * N + n0;
#if defined(__x86_64__) && defined(__GNUC__)
        if (wide)
            (nv <= 16 ? half512 : block512)(panel, bias + f0, in + n0, N, K, o, N, nv, mv, act);
        else
            block256(panel, bias + f0, in + n0, N, K, o, N, nv, mv, act);
#else
        (void)panel, (void)o, (void)nv, (void)mv, (void)bias, (void)in, (void)act;
#endif
    }
}

int64_t pd_panels_nr(void)
{
    return have_avx512() ? 32 : 8;
}

int64_t pd_panels_chunk(int64_t K)
{
    const int64_t NR = pd_panels_nr(), budget = PANELS_CHUNK_BYTES / (int64_t)sizeof(float);
    int64_t n = K > 0 ? budget / K / NR * NR : NR;
    if (n > PD_PANELS_MAX_CHUNK / PD_PANELS_MAX_NR * NR)
        n = PD_PANELS_MAX_CHUNK / PD_PANELS_MAX_NR * NR;
    return n < NR ? NR : n;
}

void pd_panels_span(const float *prep, int64_t F, int64_t K, const float *in, int64_t ld_in,
                    float *out, int64_t ld_out, int64_t n, pd_act act)
{
    const int64_t P = panels(F), NR = pd_panels_nr();
    const bool wide = have_avx512();
    const float *bias = prep + P * MR * K;
    for (int64_t pn = 0; pn < P; pn++) { /* a panel's rows written along, few streams at once */
        const int64_t f0 = pn * MR;
        const int mv = (int)(F - f0 < MR ? F - f0 : MR);
        const float *panel = prep + pn * MR * K;
        for (int64_t n0 = 0; n0 < n; n0 += NR) {
            const int nv = (int)(n - n0 < NR ? n - n0 : NR);
            float *o = out + f0 * ld_out + n0;
#if defined(__x86_64__) && defined(__GNUC__)
            if (wide)
                (nv <= 16 ? half512 : block512)(panel, bias + f0, in + n0, ld_in, K, o, ld_out, nv,
                                                mv, act);
            else
                block256(panel, bias + f0, in + n0, ld_in, K, o, ld_out, nv, mv, act);
#else
            (void)panel, (void)o, (void)mv, (void)bias, (void)in, (void)act, (void)nv, (void)ld_in;
#endif
        }
    }
}
