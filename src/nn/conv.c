/* Convolution: im2col into the scratch buffer, then one sgemm,
 * out[F, HW] = W[F, C k k] col[C k k, HW] + bias. A 1x1 convolution with stride 1 and no
 * padding reads its input as the column matrix directly.
 *
 * Split over a net's threads, each thread takes a range of output pixels: it writes the
 * columns of those pixels (its own block of the scratch) and multiplies W by them, so the
 * threads share nothing but W and the input, and no thread waits for another. Each
 * output's sum runs over the same K terms in the same order whatever the split. */
#include <cblas.h>
#include <string.h>

#include "forward.h"
#include "workers.h"

static int is_pointwise(const pd_layer *l)
{
    return l->p.kernel == 1 && l->p.stride == 1 && l->p.pad == 0;
}

static size_t scratch_floats(const pd_layer *l)
{
    if (is_pointwise(l))
        return 0;
    return (size_t)(l->in.c * l->p.kernel * l->p.kernel) * (size_t)(l->out.h * l->out.w);
}

/* Rows [r0, r1) of the columns of output pixels [n0, n1) (row-major over OH x OW), each
 * row r being one input channel and kernel offset (c k + ky) k + kx:
 * col[r * ld + (n - n0)]. */
static void im2col(const pd_layer *l, const float *in, float *col, int64_t ld, int64_t r0,
                   int64_t r1, int64_t n0, int64_t n1)
{
    const int64_t H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride, p = l->p.pad,
                  OW = l->out.w;
    for (int64_t r = r0; r < r1; r++) {
        int64_t c = r / (k * k), ky = r / k % k, kx = r % k;
        float *row = col + r * ld - n0;
        const float *plane = in + c * H * W;
        /* ox in [xlo, xhi) reads inside the input along x (stride 1) */
        int64_t xlo = p - kx > 0 ? p - kx : 0, xhi = W + p - kx < OW ? W + p - kx : OW;
        for (int64_t oy = n0 / OW; oy * OW < n1; oy++) {
            int64_t a = oy * OW > n0 ? 0 : n0 - oy * OW;        /* first ox */
            int64_t b = (oy + 1) * OW < n1 ? OW : n1 - oy * OW; /* past the last */
            float *dst = row + oy * OW;
            int64_t y = oy * s - p + ky;
            if (y < 0 || y >= H) {
                memset(dst + a, 0, (size_t)(b - a) * sizeof *dst);
                continue;
            }
            const float *src = plane + y * W;
            if (s == 1) {
                /* a contiguous run, zeros where the window leaves the input */
                int64_t lo = xlo > a ? xlo : a, hi = xhi < b ? xhi : b;
                if (hi < lo)
                    hi = lo;
                if (lo > a)
                    memset(dst + a, 0, (size_t)(lo - a) * sizeof *dst);
                if (hi > lo)
                    memcpy(dst + lo, src + lo - p + kx, (size_t)(hi - lo) * sizeof *dst);
                if (b > hi)
                    memset(dst + hi, 0, (size_t)(b - hi) * sizeof *dst);
            } else {
                for (int64_t ox = a; ox < b; ox++) {
                    int64_t x = ox * s - p + kx;
                    dst[ox] = x >= 0 && x < W ? src[x] : 0.0f;
                }
            }
        }
    }
}

/* Output pixels [n0, n1) of every filter: columns into col (K x (n1 - n0)), then the
 * product into out's columns n0 .. n1. */
static void conv_pixels(const pd_forward_args *a, float *col, int n0, int n1)
{
    const pd_layer *l = a->l;
    int F = (int)l->p.filters, K = (int)(l->in.c * l->p.kernel * l->p.kernel),
        N = (int)(l->out.h * l->out.w), n = n1 - n0;
    const float *cols = a->in + n0;
    int ldc = N;
    if (!is_pointwise(l)) {
        im2col(l, a->in, col, n, 0, K, n0, n1);
        cols = col;
        ldc = n;
    }
    for (int f = 0; f < F; f++) {
        float *o = a->out + (size_t)f * (size_t)N + n0;
        for (int i = 0; i < n; i++)
            o[i] = a->b[f];
    }
    if (F >= 32)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, n, K, 1.0f, a->w, K, cols, ldc,
                    1.0f, a->out + n0, N);
    else /* the same product seen column-major, out^T = col^T W^T: few filters tile badly as rows */
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, F, K, 1.0f, cols, ldc, a->w, K,
                    1.0f, a->out + n0, N);
}

static void forward(const pd_forward_args *a)
{
    conv_pixels(a, a->scratch, 0, (int)(a->l->out.h * a->l->out.w));
}

/* Part p of `parts`: a range of pixels. */
static void pixels_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const pd_layer *l = a->l;
    size_t N = (size_t)(l->out.h * l->out.w), K = (size_t)(l->in.c * l->p.kernel * l->p.kernel);
    size_t n0 = pd_part_start(N, part, parts), n1 = pd_part_start(N, part + 1, parts);
    if (n1 > n0)
        conv_pixels(a, a->scratch + K * n0, (int)n0, (int)n1);
}

/* Fewer multiply-adds than this run alone: handing a layer to the pool costs about a
 * microsecond, so do not split a layer that takes a few. */
#define SPLIT_MIN_MACS (1 << 18)

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (pd_layer_macs(a->l) < SPLIT_MIN_MACS)
        forward(a);
    else
        pd_workers_run(w, pixels_part, (void *)a);
}

const pd_forward_op pd_conv_forward = {forward, scratch_floats, forward_split, NULL};
