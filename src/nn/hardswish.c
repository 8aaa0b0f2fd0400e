/* Hardswish: x relu6(x + 3) / 6, PyTorch's arithmetic. Split by elements. */
#include "elementwise.h"
#include "forward.h"
#include "kernels.h"

static void range(const pd_forward_args *a, size_t i0, size_t i1)
{
    pd_k_hardswish(a->in + i0, a->out + i0, i1 - i0);
}

static void forward(const pd_forward_args *a)
{
    range(a, 0, (size_t)pd_shape_elems(a->l->in));
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    pd_forward_ranges(a, w, (size_t)pd_shape_elems(a->l->in), PD_ELEMENTWISE_SPLIT_MIN, range);
}

const pd_forward_op pd_hardswish_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .in_place = true,
};
