/* Pooling, as PyTorch's. Forward: the inference runtime's, sample by sample; max pooling
 * then finds each maximum's index in its plane (aux, int32), the first maximum of the
 * window in row-major order (the window clipped to the real input: padding is -inf; the
 * last NaN, as torch's max_pool2d), and backward sends each output's gradient there.
 * Average pooling's backward (count_include_pad) spreads each output's gradient evenly
 * over the window's real elements, divided by the window clipped to the padded input, as
 * the forward pass divides. */
#include <math.h>
#include <stdint.h>

#include "grad.h"
#include "nn/pool_window.h"

/* PyTorch's choice in a window: the first maximum in row-major order, the last NaN. */
static int64_t torch_argmax(const float *in, int64_t W, pd_pool_span y, pd_pool_span x)
{
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
    return best;
}

/* Where each output's maximum is in its window, given the forward's maxima: the first
 * element equal to it (a search that mispredicts once per window, not at every new
 * maximum); a NaN, equal to nothing, takes torch's rule. */
static void max_index(const pd_layer *l, const float *in, const float *out, int32_t *at)
{
    const int64_t W = l->in.w, k = l->p.kernel, s = l->p.stride, p = l->p.pad, OH = l->out.h,
                  OW = l->out.w;
    for (int64_t oy = 0; oy < OH; oy++) {
        pd_pool_span y = pd_pool_window(oy, s, p, k, l->in.h);
        for (int64_t ox = 0; ox < OW; ox++) {
            pd_pool_span x = pd_pool_window(ox, s, p, k, W);
            float m = out[oy * OW + ox];
            for (int64_t yy = y.lo; yy < y.hi; yy++)
                for (int64_t xx = x.lo; xx < x.hi; xx++)
                    if (in[yy * W + xx] == m) {
                        at[oy * OW + ox] = (int32_t)(yy * W + xx);
                        goto next;
                    }
            at[oy * OW + ox] = (int32_t)torch_argmax(in, W, y, x);
        next:;
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

/* the maxima's indices, int32 in float-sized slots */
static size_t aux_floats(const pd_layer *l, size_t batch)
{
    _Static_assert(sizeof(int32_t) == sizeof(float), "an index in each float slot");
    return l->p.mode == PD_POOL_MAX ? batch * (size_t)pd_shape_elems(l->out) : 0;
}

static void index_part(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)part;
    (void)parts;
    const pd_layer *l = a->l;
    const size_t C = (size_t)l->in.c, in_n = (size_t)(l->in.h * l->in.w),
                 out_n = (size_t)(l->out.h * l->out.w);
    int32_t *at = (int32_t *)(void *)a->aux;
    for (size_t i = s0 * C; i < s1 * C; i++)
        max_index(l, a->in + i * in_n, a->out + i * out_n, at + i * out_n);
}

static void forward(const pd_grad_args *a)
{
    pd_grad_forward_by_sample(a);
    if (a->l->p.mode == PD_POOL_MAX)
        pd_grad_split(a, index_part);
}

static void backward_part(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)part;
    (void)parts;
    const pd_layer *l = a->l;
    const size_t C = (size_t)l->in.c, in_n = (size_t)(l->in.h * l->in.w),
                 out_n = (size_t)(l->out.h * l->out.w);
    const int32_t *at = (const int32_t *)(const void *)a->aux;
    for (size_t i = s0 * C; i < s1 * C; i++) {
        const float *dout = a->dout + i * out_n;
        float *din = a->din + i * in_n;
        if (l->p.mode == PD_POOL_MAX) {
            const int32_t *idx = at + i * out_n;
            for (size_t o = 0; o < out_n; o++)
                din[idx[o]] += dout[o];
        } else {
            avg_plane(l, dout, din);
        }
    }
}

static void backward(const pd_grad_args *a)
{
    if (a->din)
        pd_grad_split(a, backward_part);
}

const pd_grad_op pd_pool_grad = {forward, backward, pd_grad_runtime_scratch, aux_floats};
