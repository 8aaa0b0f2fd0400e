/* Convolution of any geometry (groups, dilation, rectangular kernels and strides, asymmetric
 * padding, optional bias): depthwise by its own kernel (kernel_depthwise.c), the rest by
 * im2col and one sgemm per group,
 * out_g[F/G, OH OW] = W_g[F/G, C/G kh kw] col_g[C/G kh kw, OH OW] + bias.
 *
 * Split over threads, the sgemm path gives each thread a range of output pixels (its own
 * block of the column matrix, for every group in turn): the threads share nothing they
 * write. */
#include <cblas.h>
#include <limits.h>
#include <string.h>

#include "forward.h" /* pd_part_start */
#include "kernels.h"

int64_t pd_k_conv_out(int64_t n, int64_t lo, int64_t hi, int64_t k, int64_t s, int64_t d)
{
    int64_t span = d * (k - 1) + 1, padded = n + lo + hi;
    if (s < 1 || span > padded)
        return 0;
    return (padded - span) / s + 1;
}

int64_t pd_k_conv_out_h(const pd_k_conv_geom *g)
{
    return pd_k_conv_out(g->h, g->pt, g->pb, g->kh, g->sh, g->dh);
}

int64_t pd_k_conv_out_w(const pd_k_conv_geom *g)
{
    return pd_k_conv_out(g->w, g->pl, g->pr, g->kw, g->sw, g->dw);
}

bool pd_k_conv_valid(const pd_k_conv_geom *g)
{
    const int64_t positive[] = {g->c,  g->h,  g->w,  g->filters, g->groups, g->kh,
                                g->kw, g->sh, g->sw, g->dh,      g->dw};
    const int64_t pads[] = {g->pt, g->pl, g->pb, g->pr};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
        if (positive[i] < 1 || positive[i] > INT_MAX)
            return false;
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++)
        if (pads[i] < 0 || pads[i] > INT_MAX)
            return false;
    if (g->c % g->groups != 0 || g->filters % g->groups != 0)
        return false;
    int64_t oh = pd_k_conv_out_h(g), ow = pd_k_conv_out_w(g), cg = g->c / g->groups;
    if (oh < 1 || ow < 1)
        return false;
    /* sgemm's sizes (K rows of columns, OH OW pixels) and the input's plane within int:
     * with every field within int too, no product below overflows 64 bits */
    return oh <= INT_MAX / ow && cg <= INT_MAX / g->kh && cg * g->kh <= INT_MAX / g->kw &&
           g->h <= INT_MAX / g->w;
}

bool pd_k_conv_is_depthwise(const pd_k_conv_geom *g)
{
    return g->groups == g->c && g->filters == g->c;
}

/* The input is its own column matrix. */
static bool is_pointwise(const pd_k_conv_geom *g)
{
    return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 &&
           g->pb == 0 && g->pr == 0;
}

/* Rows of one group's column matrix. */
static int64_t col_rows(const pd_k_conv_geom *g)
{
    return g->c / g->groups * g->kh * g->kw;
}

size_t pd_k_conv_gemm_scratch_floats(const pd_k_conv_geom *g)
{
    if (is_pointwise(g))
        return 0;
    return (size_t)col_rows(g) * (size_t)(pd_k_conv_out_h(g) * pd_k_conv_out_w(g));
}

size_t pd_k_conv_scratch_floats(const pd_k_conv_geom *g)
{
    return pd_k_conv_is_depthwise(g) ? pd_k_depthwise_scratch_floats(g)
                                     : pd_k_conv_gemm_scratch_floats(g);
}

size_t pd_k_conv_split_scratch_floats(const pd_k_conv_geom *g, int threads)
{
    /* the sgemm path's threads take disjoint blocks of one column matrix */
    if (!pd_k_conv_is_depthwise(g) || !pd_k_conv_splits(g))
        return pd_k_conv_scratch_floats(g);
    return (size_t)(threads > 1 ? threads : 1) * pd_k_depthwise_scratch_floats(g);
}

void pd_k_tap_range(int64_t n, int64_t s, int64_t off, int64_t out, int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = n - off <= 0 ? 0 : (n - off + s - 1) / s;
    if (b > out)
        b = out;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

typedef struct conv_call {
    const pd_k_conv_geom *g;
    const float *w, *b, *in;
    float *out, *scratch;
    pd_act act;
} conv_call;


/* ---- im2col and sgemm ---- */

/* The columns of output pixels [n0, n1) (row-major over OH x OW) of one group, whose first
 * input channel is `in`: row r (channel c, tap ky, kx: (c kh + ky) kw + kx) of col holds
 * pixel n at col[r * ld + n - n0], 0 where the tap falls in the padding. */
static void im2col(const pd_k_conv_geom *g, const float *in, float *col, int64_t ld, int64_t n0,
                   int64_t n1)
{
    const int64_t H = g->h, W = g->w, OW = pd_k_conv_out_w(g), cg = g->c / g->groups;
    const int64_t oy0 = n0 / OW, oy1 = (n1 - 1) / OW; /* the first and last output rows */
    for (int64_t c = 0; c < cg; c++)
        for (int64_t ky = 0; ky < g->kh; ky++)
            for (int64_t kx = 0; kx < g->kw; kx++) {
                float *row = col + ((c * g->kh + ky) * g->kw + kx) * ld;
                const int64_t off = kx * g->dw - g->pl; /* input column of ox: ox sw + off */
                int64_t xlo, xhi;
                pd_k_tap_range(W, g->sw, off, OW, &xlo, &xhi);
                for (int64_t oy = oy0; oy <= oy1; oy++) {
                    int64_t a = oy == oy0 ? n0 - oy * OW : 0;  /* first ox */
                    int64_t b = oy == oy1 ? n1 - oy * OW : OW; /* past the last */
                    float *dst = row + oy * OW + a - n0; /* output column a */
                    int64_t iy = oy * g->sh - g->pt + ky * g->dh;
                    int64_t lo = xlo > a ? xlo : a, hi = xhi < b ? xhi : b;
                    if (iy < 0 || iy >= H || hi <= lo) {
                        memset(dst, 0, (size_t)(b - a) * sizeof *dst);
                        continue;
                    }
                    const float *src = in + (c * H + iy) * W;
                    memset(dst, 0, (size_t)(lo - a) * sizeof *dst);
                    if (g->sw == 1)
                        memcpy(dst + lo - a, src + lo + off, (size_t)(hi - lo) * sizeof *dst);
                    else
                        for (int64_t ox = lo; ox < hi; ox++)
                            dst[ox - a] = src[ox * g->sw + off];
                    memset(dst + hi - a, 0, (size_t)(b - hi) * sizeof *dst);
                }
            }
}

/* Output pixels [n0, n1) of every filter, `col` (col_rows x (n1 - n0)) for the columns. */
static void gemm_pixels(const conv_call *x, float *col, int64_t n0, int64_t n1)
{
    const pd_k_conv_geom *g = x->g;
    const int64_t G = g->groups, cg = g->c / G, fg = g->filters / G, K = col_rows(g),
                  N = pd_k_conv_out_h(g) * pd_k_conv_out_w(g), n = n1 - n0;
    const bool pointwise = is_pointwise(g);
    for (int64_t gi = 0; gi < G; gi++) {
        const float *in = x->in + gi * cg * g->h * g->w, *w = x->w + gi * fg * K, *cols;
        float *out = x->out + gi * fg * N + n0;
        int64_t ldb;
        if (pointwise) {
            cols = in + n0;
            ldb = N;
        } else {
            im2col(g, in, col, n, n0, n1);
            cols = col;
            ldb = n;
        }
        float beta = 0.0f; /* sgemm then writes out without reading it */
        if (x->b) {
            for (int64_t f = 0; f < fg; f++)
                for (int64_t i = 0; i < n; i++)
                    out[f * N + i] = x->b[gi * fg + f];
            beta = 1.0f;
        }
        if (fg >= 32)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)fg, (int)n, (int)K, 1.0f,
                        w, (int)K, cols, (int)ldb, beta, out, (int)N);
        else /* out^T = col^T W^T, column-major: few filters tile badly as rows (conv.c) */
            cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)fg, (int)K, 1.0f,
                        cols, (int)ldb, w, (int)K, beta, out, (int)N);
    }
    if (pd_act_on(x->act))
        pd_k_act_rows(x->out + n0, g->filters, N, n, x->act);
}

void pd_k_conv_gemm(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                    float *out, float *scratch, pd_act act)
{
    conv_call x = {g, w, b, in, out, scratch, act};
    gemm_pixels(&x, scratch, 0, pd_k_conv_out_h(g) * pd_k_conv_out_w(g));
}

/* Part p of `parts`: a range of pixels, its columns at scratch + K n0. */
static void gemm_part(void *ctx, int p, int parts)
{
    const conv_call *x = ctx;
    size_t N = (size_t)(pd_k_conv_out_h(x->g) * pd_k_conv_out_w(x->g));
    size_t n0 = pd_part_start(N, p, parts), n1 = pd_part_start(N, p + 1, parts);
    if (n1 > n0)
        gemm_pixels(x, x->scratch ? x->scratch + (size_t)col_rows(x->g) * n0 : NULL,
                    (int64_t)n0, (int64_t)n1);
}

/* ---- either ---- */

void pd_k_conv(const pd_k_conv_geom *g, const float *w, const float *b, const float *in, float *out,
               float *scratch, pd_act act)
{
    if (pd_k_conv_is_depthwise(g))
        pd_k_conv_depthwise(g, w, b, in, out, scratch, act);
    else
        pd_k_conv_gemm(g, w, b, in, out, scratch, act);
}

/* Fewer multiply-adds than this run alone: a hand-off to the pool costs about a
 * microsecond (conv.c's bound). */
#define SPLIT_MIN_MACS (1 << 18)

bool pd_k_conv_splits(const pd_k_conv_geom *g)
{
    double macs = (double)g->filters * (double)col_rows(g) * (double)pd_k_conv_out_h(g) *
                  (double)pd_k_conv_out_w(g);
    return macs >= SPLIT_MIN_MACS;
}

void pd_k_conv_split(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                     float *out, float *scratch, pd_act act, pd_workers *pool)
{
    if (!pd_k_conv_splits(g)) {
        pd_k_conv(g, w, b, in, out, scratch, act);
        return;
    }
    if (pd_k_conv_is_depthwise(g)) {
        pd_k_conv_depthwise_split(g, w, b, in, out, scratch, act, pool);
        return;
    }
    conv_call x = {g, w, b, in, out, scratch, act};
    pd_workers_run(pool, gemm_part, &x);
}
