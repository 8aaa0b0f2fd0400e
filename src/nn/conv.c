/* Convolution. With prepared weights (a net's) a layer that pd_winograd_tile accepts runs
 * by Winograd's minimal filtering (winograd.c), a 1 x 1 layer by the packed product of our
 * own (conv_pointwise.c, panels.c); a stride-1 layer with few filters that pd_direct_conv
 * accepts, directly (conv_direct.c); every other one (strided layers, the 7 x 7 stems) by
 * im2col and the packed product (conv_packed.c).
 * Without prepared weights, or on a CPU without AVX2 and FMA, im2col and one sgemm; a 1x1
 * convolution with stride 1 and no padding reads its input as the column matrix directly.
 * im2col first copies the input rows it reads into a zero-padded block, so each piece of a
 * column row is one plain copy. Split over a net's threads, the sgemm path gives each
 * thread a range of output pixels: it pads the input rows those pixels read and writes
 * their columns (its own blocks of the scratch), then multiplies W by them, so the threads
 * share nothing but W and the input, and no thread waits for another.
 *
 * A convolution that is not plain (pd_conv_is_plain: groups, dilation, rectangular
 * kernels or strides, uneven pads) runs by the general kernel, kernel_conv.c (depthwise by
 * its own loop). A plain one without a bias runs the plain paths, its sums from zero. */
#include <cblas.h>
#include <string.h>

#include "conv_direct.h"
#include "conv_packed.h"
#include "conv_pointwise.h"
#include "forward.h"
#include "kernels.h"
#include "winograd.h"
#include "workers.h"

static pd_k_conv_geom geom_of(const pd_layer *l)
{
    const pd_layer_params *p = &l->p;
    return (pd_k_conv_geom){l->in.c,     l->in.h,       l->in.w,     p->filters,
                            p->groups,   p->kernel,     p->kernel_w, p->stride,
                            p->stride_w, p->dilation,   p->dilation_w, p->pad,
                            p->pad_w,    p->pad_b,      p->pad_r};
}

static int is_pointwise(const pd_layer *l)
{
    return l->p.kernel == 1 && l->p.stride == 1 && l->p.pad == 0;
}

static int64_t col_rows(const pd_layer *l)
{
    return l->in.c * l->p.kernel * l->p.kernel;
}

static size_t col_floats(const pd_layer *l)
{
    return (size_t)col_rows(l) * (size_t)(l->out.h * l->out.w);
}

/* The padded input, (H + 2 pad) x (W + 2 pad) for each channel: a bound on what one
 * thread pads. */
static size_t pad_floats(const pd_layer *l)
{
    return (size_t)(l->in.c * (l->in.h + 2 * l->p.pad) * (l->in.w + 2 * l->p.pad));
}

/* The columns, then the padded rows of each thread; or Winograd's, if larger; or the
 * direct convolution's. */
static size_t split_scratch_floats(const pd_layer *l, int threads)
{
    if (!pd_conv_is_plain(l)) {
        pd_k_conv_geom g = geom_of(l);
        return pd_k_conv_split_scratch_floats(&g, threads);
    }
    if (pd_direct_conv(l))
        return pd_direct_scratch_floats(l, threads);
    size_t wino = pd_winograd_scratch_floats(l, threads);
    if (is_pointwise(l))
        return wino;
    size_t cols = col_floats(l) + (size_t)threads * pad_floats(l),
           packed = pd_packed_scratch_floats(l, threads);
    cols = cols > packed ? cols : packed;
    return cols > wino ? cols : wino;
}

static size_t scratch_floats(const pd_layer *l)
{
    return split_scratch_floats(l, 1);
}

/* Rows [y0, y1) of the padded input (padded coordinates) into pad[c][y - y0][x], each
 * W + 2 pad wide, zeros outside the input. */
static void pad_rows(const pd_layer *l, const float *in, float *pad, int64_t y0, int64_t y1)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, p = l->p.pad, Wp = W + 2 * p;
    for (int64_t c = 0; c < C; c++)
        for (int64_t yy = y0; yy < y1; yy++) {
            float *d = pad + (c * (y1 - y0) + yy - y0) * Wp;
            int64_t y = yy - p;
            if (y < 0 || y >= H) {
                memset(d, 0, (size_t)Wp * sizeof *d);
                continue;
            }
            memset(d, 0, (size_t)p * sizeof *d);
            memcpy(d + p, in + (c * H + y) * W, (size_t)W * sizeof *d);
            memset(d + p + W, 0, (size_t)p * sizeof *d);
        }
}

/* n floats; the common widths of a row of b-alexnet's and b-lenet's outputs get copies
 * of a known size, which the compiler turns into a few vector moves. */
static void copy_floats(float *dst, const float *src, int64_t n)
{
    switch (n) {
    case 8: memcpy(dst, src, 8 * sizeof *dst); break;
    case 16: memcpy(dst, src, 16 * sizeof *dst); break;
    case 32: memcpy(dst, src, 32 * sizeof *dst); break;
    default: memcpy(dst, src, (size_t)n * sizeof *dst); break;
    }
}

/* The columns of output pixels [n0, n1) (row-major over OH x OW): row r of col, one input
 * channel and kernel offset (c k + ky) k + kx, at col[r * ld + (n - n0)]. `pad` receives
 * the padded input rows those pixels read. */
static void im2col(const pd_layer *l, const float *in, float *col, float *pad, int64_t ld,
                   int64_t n0, int64_t n1)
{
    const int64_t C = l->in.c, k = l->p.kernel, s = l->p.stride, OW = l->out.w,
                  Wp = l->in.w + 2 * l->p.pad;
    const int64_t oy0 = n0 / OW, oy1 = (n1 - 1) / OW; /* the first and last output rows */
    const int64_t y0 = oy0 * s, y1 = oy1 * s + k, rows = y1 - y0;
    pad_rows(l, in, pad, y0, y1);
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++)
            for (int64_t kx = 0; kx < k; kx++) {
                float *row = col + ((c * k + ky) * k + kx) * ld - n0;
                for (int64_t oy = oy0; oy <= oy1; oy++) {
                    int64_t a = oy == oy0 ? n0 - oy * OW : 0;      /* first ox */
                    int64_t b = oy == oy1 ? n1 - oy * OW : OW;     /* past the last */
                    float *dst = row + oy * OW;
                    const float *src = pad + (c * rows + oy * s + ky - y0) * Wp + kx;
                    if (s == 1)
                        copy_floats(dst + a, src + a, b - a);
                    else
                        for (int64_t ox = a; ox < b; ox++)
                            dst[ox] = src[ox * s];
                }
            }
}

/* Output pixels [n0, n1) of every filter: columns into col (K x (n1 - n0)), then the
 * product into out's columns n0 .. n1. */
static void conv_pixels(const pd_forward_args *a, float *col, float *pad, int n0, int n1)
{
    const pd_layer *l = a->l;
    int F = (int)l->p.filters, K = (int)(l->in.c * l->p.kernel * l->p.kernel),
        N = (int)(l->out.h * l->out.w), n = n1 - n0;
    const float *cols = a->in + n0;
    int ldc = N;
    if (!is_pointwise(l)) {
        im2col(l, a->in, col, pad, n, n0, n1);
        cols = col;
        ldc = n;
    }
    for (int f = 0; f < F; f++) {
        float *o = a->out + (size_t)f * (size_t)N + n0;
        for (int i = 0; i < n; i++)
            o[i] = a->b ? a->b[f] : 0.0f;
    }
    if (F >= 32)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, n, K, 1.0f, a->w, K, cols, ldc,
                    1.0f, a->out + n0, N);
    else /* the same product seen column-major, out^T = col^T W^T: few filters tile badly as rows */
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, F, K, 1.0f, cols, ldc, a->w, K,
                    1.0f, a->out + n0, N);
    if (pd_act_on(a->act))
        pd_k_act_rows(a->out + n0, F, (int64_t)N, n, a->act);
}

static void forward(const pd_forward_args *a)
{
    const pd_layer *l = a->l;
    if (!pd_conv_is_plain(l)) {
        pd_k_conv_geom g = geom_of(l);
        pd_k_conv(&g, a->w, a->b, a->in, a->out, a->scratch, a->act);
        return;
    }
    if (a->prep) {
        if (pd_pointwise_conv(l))
            pd_pointwise_part(a, 0, 1);
        else if (pd_packed_conv(l))
            pd_packed_forward(a, NULL);
        else
            pd_winograd_part(a, 0, 1);
        return;
    }
    if (pd_direct_conv(l)) {
        pd_direct_part(a, 0, 1);
        return;
    }
    float *pad = is_pointwise(l) ? NULL : a->scratch + col_floats(l);
    conv_pixels(a, a->scratch, pad, 0, (int)(l->out.h * l->out.w));
}

/* Part p of `parts`: a range of pixels. */
static void pixels_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const pd_layer *l = a->l;
    size_t N = (size_t)(l->out.h * l->out.w), K = (size_t)(l->in.c * l->p.kernel * l->p.kernel);
    size_t n0 = pd_part_start(N, part, parts), n1 = pd_part_start(N, part + 1, parts);
    if (n1 <= n0)
        return;
    if (is_pointwise(l))
        conv_pixels(a, NULL, NULL, (int)n0, (int)n1);
    else
        conv_pixels(a, a->scratch + K * n0,
                    a->scratch + col_floats(l) + (size_t)part * pad_floats(l), (int)n0, (int)n1);
}

/* Fewer multiply-adds than this run alone: handing a layer to the pool costs about a
 * microsecond, so do not split a layer that takes a few. */
#define SPLIT_MIN_MACS (1 << 18)

/* Part p of `parts`: a range of Winograd's tiles. */
static void tiles_part(void *ctx, int part, int parts)
{
    pd_winograd_part(ctx, part, parts);
}

/* Part p of `parts`: a range of the 1 x 1 product's blocks. */
static void blocks_part(void *ctx, int part, int parts)
{
    pd_pointwise_part(ctx, part, parts);
}

/* Part p of `parts`: a range of the direct convolution's output rows. */
static void rows_part(void *ctx, int part, int parts)
{
    pd_direct_part(ctx, part, parts);
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (!pd_conv_is_plain(a->l)) {
        pd_k_conv_geom g = geom_of(a->l);
        pd_k_conv_split(&g, a->w, a->b, a->in, a->out, a->scratch, a->act, w);
    } else if (pd_layer_macs(a->l) < SPLIT_MIN_MACS)
        forward(a);
    else if (a->prep && pd_packed_conv(a->l))
        pd_packed_forward(a, w);
    else
        pd_workers_run(w,
                       a->prep ? (pd_pointwise_conv(a->l) ? blocks_part : tiles_part)
                       : pd_direct_conv(a->l) ? rows_part
                                              : pixels_part,
                       (void *)a);
}

static size_t prepared_floats(const pd_layer *l)
{
    if (pd_packed_conv(l))
        return pd_packed_prepared_floats(l);
    return pd_pointwise_conv(l) ? pd_pointwise_prepared_floats(l) : pd_winograd_prepared_floats(l);
}

static void prepare(const pd_layer *l, const float *const *t, float *prep)
{
    if (pd_pointwise_conv(l))
        pd_pointwise_prepare(l, t[0], t[1], prep);
    else if (pd_packed_conv(l))
        pd_packed_prepare(l, t[0], t[1], prep);
    else
        pd_winograd_prepare(l, t[0], t[1], prep);
}

const pd_forward_op pd_conv_forward = {
    .forward = forward,
    .scratch_floats = scratch_floats,
    .forward_split = forward_split,
    .split_scratch_floats = split_scratch_floats,
    .prepared_floats = prepared_floats,
    .prepare = prepare,
};
