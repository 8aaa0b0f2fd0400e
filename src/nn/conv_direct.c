/* Direct convolution for stride-1 layers with few filters (pd_layer_direct_conv: fewer than
 * 16), eight output pixels of a row to a vector (AVX2 and FMA). im2col and a matrix
 * product suit many filters; with 5 or 10 the product is a thin matrix that OpenBLAS
 * runs at a fraction of its speed, and writing the columns costs as much as it. Here
 * each output row of up to three filters at a time is summed tap by tap: per tap, one
 * broadcast weight per filter and one load of eight neighbouring input pixels per
 * vector, from a zero-padded copy of the input rows the part reads.
 *
 * A pass, or one part of a split pass, owns a range of output rows of every filter. */
#include "conv_direct.h"

#include <string.h>

#include "predoff/runtime.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "act_avx.h"
#define HAVE_DIRECT 1
#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline, target("avx2,fma")))
#endif

#define MAX_FILTERS 3 /* filters summed at once */
#define MAX_VECTORS 4 /* vectors of eight pixels of a row summed at once */

int pd_direct_conv(const pd_layer *l)
{
    return pd_runtime_vector_convolutions() ? pd_layer_direct_conv(l) : 0;
}

/* The padded rows' width: the vectors of a row, and the kernel's reach past them. */
static int64_t padded_width(const pd_layer *l)
{
    return (l->out.w + 7) / 8 * 8 + l->p.kernel - 1;
}

/* One part's padded rows, at most: every channel, every row the output reads. */
static size_t part_floats(const pd_layer *l)
{
    return (size_t)(l->in.c * (l->out.h + l->p.kernel - 1) * padded_width(l));
}

size_t pd_direct_scratch_floats(const pd_layer *l, int parts)
{
    if (!pd_direct_conv(l))
        return 0;
    return (size_t)(parts > 0 ? parts : 1) * part_floats(l);
}

#ifdef HAVE_DIRECT

/* Padded input rows [y0, y0 + rows) (padded coordinates) of every channel into pad, each
 * padded_width wide: zeros outside the input. */
static void pad_rows(const pd_layer *l, const float *in, float *pad, int64_t y0, int64_t rows)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, p = l->p.pad, PW = padded_width(l);
    memset(pad, 0, (size_t)(C * rows * PW) * sizeof *pad);
    for (int64_t c = 0; c < C; c++)
        for (int64_t r = 0; r < rows; r++) {
            int64_t y = y0 + r - p;
            if (y >= 0 && y < H)
                memcpy(pad + (c * rows + r) * PW + p, in + (c * H + y) * W,
                       (size_t)W * sizeof *pad);
        }
}

/* Output row oy, filters [f0, f0 + nf), vectors [v0, v0 + nv) of eight pixels: nf and nv
 * constants once inlined. `rows` is the padded block's height, oy0 its first output row. */
INLINE void block(const int nf, const int nv, const pd_forward_args *a, const float *pad,
                  int64_t rows, int64_t oy0, int64_t oy, int64_t f0, int64_t v0)
{
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, k = l->p.kernel, PW = padded_width(l), OH = l->out.h,
                  OW = l->out.w;
    __m256 acc[MAX_FILTERS][MAX_VECTORS];
    for (int f = 0; f < nf; f++)
        for (int v = 0; v < nv; v++)
            acc[f][v] = _mm256_set1_ps(a->b ? a->b[f0 + f] : 0.0f);
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++) {
            const float *src = pad + (c * rows + oy - oy0 + ky) * PW + v0 * 8;
            const float *w = a->w + (f0 * C + c) * k * k + ky * k;
            for (int64_t kx = 0; kx < k; kx++) {
                __m256 x[MAX_VECTORS];
                for (int v = 0; v < nv; v++)
                    x[v] = _mm256_loadu_ps(src + v * 8 + kx);
                for (int f = 0; f < nf; f++) {
                    __m256 wt = _mm256_broadcast_ss(w + f * C * k * k + kx);
                    for (int v = 0; v < nv; v++)
                        acc[f][v] = _mm256_fmadd_ps(wt, x[v], acc[f][v]);
                }
            }
        }
    const __m256 zero = _mm256_setzero_ps(), cap = _mm256_set1_ps(a->act.cap);
    for (int f = 0; f < nf; f++)
        for (int v = 0; v < nv; v++) {
            __m256 y = pd_act_on(a->act) ? pd_act8(acc[f][v], a->act.silu, zero, cap) : acc[f][v];
            float *o = a->out + ((f0 + f) * OH + oy) * OW + (v0 + v) * 8;
            int64_t lanes = OW - (v0 + v) * 8;
            if (lanes >= 8) {
                _mm256_storeu_ps(o, y);
            } else {
                float tmp[8];
                _mm256_storeu_ps(tmp, y);
                memcpy(o, tmp, (size_t)lanes * sizeof *o);
            }
        }
}

/* The blocks of one output row with nf filters from f0, a row's vectors four at a time. */
INLINE void row_filters(const int nf, const pd_forward_args *a, const float *pad,
                        int64_t rows, int64_t oy0, int64_t oy, int64_t f0)
{
    const int64_t NV = (a->l->out.w + 7) / 8;
    for (int64_t v0 = 0; v0 < NV; v0 += MAX_VECTORS)
        switch (NV - v0 < MAX_VECTORS ? NV - v0 : MAX_VECTORS) {
        case 1: block(nf, 1, a, pad, rows, oy0, oy, f0, v0); break;
        case 2: block(nf, 2, a, pad, rows, oy0, oy, f0, v0); break;
        case 3: block(nf, 3, a, pad, rows, oy0, oy, f0, v0); break;
        default: block(nf, 4, a, pad, rows, oy0, oy, f0, v0); break;
        }
}

static TARGET void rows_of(const pd_forward_args *a, float *pad, int64_t oy0, int64_t oy1)
{
    const pd_layer *l = a->l;
    const int64_t rows = oy1 - oy0 + l->p.kernel - 1, F = l->p.filters;
    pad_rows(l, a->in, pad, oy0, rows);
    for (int64_t oy = oy0; oy < oy1; oy++)
        for (int64_t f0 = 0; f0 < F; f0 += MAX_FILTERS)
            switch (F - f0 < MAX_FILTERS ? F - f0 : MAX_FILTERS) {
            case 1: row_filters(1, a, pad, rows, oy0, oy, f0); break;
            case 2: row_filters(2, a, pad, rows, oy0, oy, f0); break;
            default: row_filters(3, a, pad, rows, oy0, oy, f0); break;
            }
}

#endif

void pd_direct_part(const pd_forward_args *a, int part, int parts)
{
#ifdef HAVE_DIRECT
    const int64_t OH = a->l->out.h, oy0 = OH * part / parts, oy1 = OH * (part + 1) / parts;
    if (oy1 > oy0)
        rows_of(a, a->scratch + (size_t)part * part_floats(a->l), oy0, oy1);
#else
    (void)a, (void)part, (void)parts; /* pd_direct_conv is 0: conv.c never comes here */
#endif
}
