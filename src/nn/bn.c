/* Batch norm at inference: the net folds weight, bias, running_mean and running_var into
 * a scale and a shift per channel once (kernel_bn.c), and the pass is one multiply-add per
 * value, split over threads by channels. It needs those prepared weights: a net always
 * prepares them (the trainer does not train bn). */
#include "elementwise.h"
#include "forward.h"
#include "kernels.h"

static size_t prepared_floats(const pd_layer *l)
{
    return 2 * (size_t)l->in.c;
}

static void prepare(const pd_layer *l, const float *const *t, float *prep)
{
    pd_k_bn_prepare(l->in.c, t[0], t[1], t[2], t[3], l->p.eps, prep, prep + l->in.c);
}

static void channels(const pd_forward_args *a, size_t c0, size_t c1)
{
    const int64_t c = a->l->in.c, hw = a->l->in.h * a->l->in.w;
    const size_t off = c0 * (size_t)hw;
    pd_k_bn((int64_t)(c1 - c0), hw, a->prep + c0, a->prep + c + c0, a->in + off, a->out + off);
}

static void forward(const pd_forward_args *a)
{
    channels(a, 0, (size_t)a->l->in.c);
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    const size_t c = (size_t)a->l->in.c, hw = (size_t)(a->l->in.h * a->l->in.w);
    pd_forward_ranges(a, c * hw < PD_ELEMENTWISE_SPLIT_MIN ? NULL : w, c, 0, channels);
}

const pd_forward_op pd_bn_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .prepared_floats = prepared_floats,
    .prepare = prepare,
    .in_place = true,
};
