/* Pooling. Forward: the inference runtime's, sample by sample. Backward as PyTorch's:
 * max pooling sends each output's gradient to the first maximum of its window in
 * row-major order (the window clipped to the real input: padding is -inf); average
 * pooling (count_include_pad) spreads it evenly over the window's real elements, divided
 * by the window clipped to the padded input, as the forward pass divides. */
#include <math.h>

#include "grad.h"
#include "nn/pool_window.h"


static void max_plane(const pd_layer *l, const float *in, const float *dout, float *din)
{
    const int64_t W = l->in.w, k = l->p.kernel, s = l->p.stride, p = l->p.pad, OH = l->out.h,
                  OW = l->out.w;
    for (int64_t oy = 0; oy < OH; oy++) {
        pd_pool_span y = pd_pool_window(oy, s, p, k, l->in.h);
        for (int64_t ox = 0; ox < OW; ox++) {
            pd_pool_span x = pd_pool_window(ox, s, p, k, W);
            int64_t best = y.lo * W + x.lo;
            float m = -INFINITY;
            for (int64_t yy = y.lo; yy < y.hi; yy++)
                for (int64_t xx = x.lo; xx < x.hi; xx++) {
                    float v = in[yy * W + xx];
                    if (v > m || isnan(v)) {
                        m = v;
                        best = yy * W + xx;
                    }
                }
            din[best] += dout[oy * OW + ox];
        }
    }
}

static void avg_plane(const pd_layer *l, const float *dout, float *din)
{
    const int64_t W = l->in.w, k = l->p.kernel, s = l->p.stride, p = l->p.pad, OH = l->out.h,
                  OW = l->out.w;
    for (int64_t oy = 0; oy < OH; oy++) {
        pd_pool_span y = pd_pool_window(oy, s, p, k, l->in.h);
        for (int64_t ox = 0; ox < OW; ox++) {
            pd_pool_span x = pd_pool_window(ox, s, p, k, W);
            float g = dout[oy * OW + ox] / (float)(y.padded * x.padded);
            for (int64_t yy = y.lo; yy < y.hi; yy++)
                for (int64_t xx = x.lo; xx < x.hi; xx++)
                    din[yy * W + xx] += g;
        }
    }
}

static void backward(const pd_grad_args *a)
{
    if (!a->din)
        return;
    const pd_layer *l = a->l;
    const size_t planes = a->batch * (size_t)l->in.c, in_n = (size_t)(l->in.h * l->in.w),
                 out_n = (size_t)(l->out.h * l->out.w);
    for (size_t i = 0; i < planes; i++) {
        if (l->p.mode == PD_POOL_MAX)
            max_plane(l, a->in + i * in_n, a->dout + i * out_n, a->din + i * in_n);
        else
            avg_plane(l, a->dout + i * out_n, a->din + i * in_n);
    }
}

const pd_grad_op pd_pool_grad = {pd_grad_forward_by_sample, backward, pd_grad_runtime_scratch,
                                 pd_grad_no_aux};
