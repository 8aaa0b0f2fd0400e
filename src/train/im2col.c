/* im2col and its adjoint col2im (which adds), for the convolution's training passes. */
#include "im2col.h"

void pd_im2col(const pd_layer *l, const float *in, float *col)
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
                        for (int64_t ox = 0; ox < OW; ox++)
                            dst[ox] = 0.0f;
                        continue;
                    }
                    const float *src = plane + y * W;
                    for (int64_t ox = 0; ox < OW; ox++) {
                        int64_t x = ox * s - p + kx;
                        dst[ox] = x >= 0 && x < W ? src[x] : 0.0f;
                    }
                }
            }
}

void pd_col2im_add(const pd_layer *l, const float *col, float *in)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride,
                  p = l->p.pad, OH = l->out.h, OW = l->out.w;
    for (int64_t c = 0; c < C; c++)
        for (int64_t ky = 0; ky < k; ky++)
            for (int64_t kx = 0; kx < k; kx++) {
                const float *row = col + ((c * k + ky) * k + kx) * OH * OW;
                float *plane = in + c * H * W;
                for (int64_t oy = 0; oy < OH; oy++) {
                    int64_t y = oy * s - p + ky;
                    if (y < 0 || y >= H)
                        continue;
                    const float *src = row + oy * OW;
                    float *dst = plane + y * W;
                    for (int64_t ox = 0; ox < OW; ox++) {
                        int64_t x = ox * s - p + kx;
                        if (x >= 0 && x < W)
                            dst[x] += src[ox];
                    }
                }
            }
}
