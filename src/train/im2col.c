/* im2col and its adjoint col2im (which adds), for the convolution's training passes. For
 * a kernel column kx the output columns that read inside the input form one range
 * [lo, hi), so each output row is zeros, one plain (or strided) run, zeros. */
#include "im2col.h"

#include <string.h>

typedef struct run {
    int64_t lo, hi; /* output columns ox in [lo, hi) read x = ox s - p + kx inside [0, W) */
} run;

static run inside(int64_t kx, int64_t s, int64_t p, int64_t W, int64_t OW)
{
    int64_t lo = p - kx > 0 ? (p - kx + s - 1) / s : 0;
    int64_t hi = W - 1 + p - kx >= 0 ? (W - 1 + p - kx) / s + 1 : 0;
    hi = hi < OW ? hi : OW;
    lo = lo < hi ? lo : hi;
    run r = {lo, hi};
    return r;
}

void pd_im2col(const pd_layer *l, const float *in, float *col, size_t ld)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride,
                  p = l->p.pad, OH = l->out.h, OW = l->out.w;
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++)
            for (int64_t kx = 0; kx < k; kx++) {
                float *row = col + (size_t)((c * k + ky) * k + kx) * ld;
                const float *plane = in + c * H * W;
                run r = inside(kx, s, p, W, OW);
                for (int64_t oy = 0; oy < OH; oy++) {
                    int64_t y = oy * s - p + ky;
                    float *dst = row + oy * OW;
                    if (y < 0 || y >= H) {
                        memset(dst, 0, (size_t)OW * sizeof *dst);
                        continue;
                    }
                    const float *src = plane + y * W;
                    int64_t off = kx - p; /* x = ox s + off */
                    for (int64_t ox = 0; ox < r.lo; ox++)
                        dst[ox] = 0.0f;
                    if (s == 1 && r.hi > r.lo)
                        memcpy(dst + r.lo, src + r.lo + off, (size_t)(r.hi - r.lo) * sizeof *dst);
                    else if (s != 1)
                        for (int64_t ox = r.lo; ox < r.hi; ox++)
                            dst[ox] = src[ox * s + off];
                    for (int64_t ox = r.hi; ox < OW; ox++)
                        dst[ox] = 0.0f;
                }
            }
}

void pd_col2im_add(const pd_layer *l, const float *col, size_t ld, float *in)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride,
                  p = l->p.pad, OH = l->out.h, OW = l->out.w;
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++)
            for (int64_t kx = 0; kx < k; kx++) {
                const float *row = col + (size_t)((c * k + ky) * k + kx) * ld;
                float *plane = in + c * H * W;
                run r = inside(kx, s, p, W, OW);
                if (r.hi == r.lo)
                    continue;
                for (int64_t oy = 0; oy < OH; oy++) {
                    int64_t y = oy * s - p + ky;
                    if (y < 0 || y >= H)
                        continue;
                    const float *src = row + oy * OW;
                    float *dst = plane + y * W + r.lo * s + kx - p; /* x of ox = r.lo */
                    if (s == 1)
                        for (int64_t i = 0; i < r.hi - r.lo; i++)
                            dst[i] += src[r.lo + i];
                    else
                        for (int64_t i = 0; i < r.hi - r.lo; i++)
                            dst[i * s] += src[r.lo + i];
                }
            }
}
