/* Convolution: im2col into the scratch buffer, then one sgemm,
 * out[F, HW] = W[F, C k k] col[C k k, HW] + bias. A 1x1 convolution with stride 1 and no
 * padding reads its input as the column matrix directly. */
#include <cblas.h>
#include <string.h>

#include "forward.h"

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

/* col[(c k k), (oh ow)]: each row is one input channel and kernel offset over all outputs. */
static void im2col(const pd_layer *l, const float *in, float *col)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride,
                  p = l->p.pad, OH = l->out.h, OW = l->out.w;
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++)
            for (int64_t kx = 0; kx < k; kx++) {
                float *row = col + ((c * k + ky) * k + kx) * OH * OW;
                const float *plane = in + c * H * W;
                for (int64_t oy = 0; oy < OH; oy++) {
                    int64_t y = oy * s - p + ky;
                    float *dst = row + oy * OW;
                    if (y < 0 || y >= H) {
                        memset(dst, 0, (size_t)OW * sizeof *dst);
                        continue;
                    }
                    const float *src = plane + y * W;
                    if (s == 1) {
                        /* a contiguous run, zeros where the window leaves the input */
                        int64_t x0 = kx - p;
                        int64_t lo = x0 < 0 ? -x0 : 0;
                        int64_t hi = W - x0 < OW ? W - x0 : OW;
                        if (hi < lo)
                            hi = lo;
                        if (lo > 0)
                            memset(dst, 0, (size_t)lo * sizeof *dst);
                        if (hi > lo)
                            memcpy(dst + lo, src + x0 + lo, (size_t)(hi - lo) * sizeof *dst);
                        if (hi < OW)
                            memset(dst + hi, 0, (size_t)(OW - hi) * sizeof *dst);
                    } else {
                        for (int64_t ox = 0; ox < OW; ox++) {
                            int64_t x = ox * s - p + kx;
                            dst[ox] = x >= 0 && x < W ? src[x] : 0.0f;
                        }
                    }
                }
            }
}

static void forward(const pd_forward_args *a)
{
    const pd_layer *l = a->l;
    int F = (int)l->p.filters, K = (int)(l->in.c * l->p.kernel * l->p.kernel),
        N = (int)(l->out.h * l->out.w);
    const float *col = a->in;
    if (!is_pointwise(l)) {
        im2col(l, a->in, a->scratch);
        col = a->scratch;
    }
    for (int f = 0; f < F; f++) {
        float *o = a->out + (size_t)f * (size_t)N;
        for (int i = 0; i < N; i++)
            o[i] = a->b[f];
    }
    if (F >= 32)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, N, K, 1.0f, a->w, K, col, N,
                    1.0f, a->out, N);
    else /* the same product seen column-major, out^T = col^T W^T: few filters tile badly as rows */
        cblas_sgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, F, K, 1.0f, col, N, a->w, K,
                    1.0f, a->out, N);
}

const pd_forward_op pd_conv_forward = {forward, scratch_floats};
