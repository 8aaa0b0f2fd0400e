/* Sigmoid: 1 / (1 + exp(-x)). Split by elements. And SiLU, x sigmoid(x), for a net that
 * runs a sigmoid and the multiply after it as one pass (net_plan.h). */
#include "elementwise.h"
#include "forward.h"
#include "kernels.h"

static void range(const pd_forward_args *a, size_t i0, size_t i1)
{
    pd_k_sigmoid(a->in + i0, a->out + i0, i1 - i0);
}

static void forward(const pd_forward_args *a)
{
    range(a, 0, (size_t)pd_shape_elems(a->l->in));
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    pd_forward_ranges(a, w, (size_t)pd_shape_elems(a->l->in), PD_ELEMENTWISE_SPLIT_MIN, range);
}

static void silu_range(const pd_forward_args *a, size_t i0, size_t i1)
{
    pd_k_silu(a->in + i0, a->out + i0, i1 - i0);
}

void pd_silu_forward_split(const pd_forward_args *a, pd_workers *w)
{
    pd_forward_ranges(a, w, (size_t)pd_shape_elems(a->l->out), PD_ELEMENTWISE_SPLIT_MIN,
                      silu_range);
}

const pd_forward_op pd_sigmoid_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .in_place = true,
};
