/* Pooling as PyTorch computes it: max pads with -inf; average counts the padding
 * (count_include_pad) but not the part of a ceil-mode window past the padded input. */
#include <math.h>

#include "forward.h"

static void forward(const pd_forward_args *a)
{
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, k = l->p.kernel, s = l->p.stride,
                  p = l->p.pad, OH = l->out.h, OW = l->out.w;
    const int is_max = l->p.mode == PD_POOL_MAX;
    for (int64_t c = 0; c < C; c++) {
        const float *plane = a->in + c * H * W;
        float *out = a->out + c * OH * OW;
        for (int64_t oy = 0; oy < OH; oy++) {
            int64_t y0 = oy * s - p, y1 = y0 + k < H + p ? y0 + k : H + p;
            int64_t ya = y0 < 0 ? 0 : y0, yb = y1 < H ? y1 : H;
            for (int64_t ox = 0; ox < OW; ox++) {
                int64_t x0 = ox * s - p, x1 = x0 + k < W + p ? x0 + k : W + p;
                int64_t xa = x0 < 0 ? 0 : x0, xb = x1 < W ? x1 : W;
                float acc = is_max ? -INFINITY : 0.0f;
                for (int64_t y = ya; y < yb; y++)
                    for (int64_t x = xa; x < xb; x++) {
                        float v = plane[y * W + x];
                        if (is_max)
                            acc = v > acc ? v : acc;
                        else
                            acc += v;
                    }
                out[oy * OW + ox] = is_max ? acc : acc / (float)((y1 - y0) * (x1 - x0));
            }
        }
    }
}

const pd_forward_op pd_pool_forward = {forward, pd_no_scratch};
