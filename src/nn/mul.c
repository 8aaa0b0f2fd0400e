/* Mul: two inputs of one shape elementwise, or the second [C, 1, 1] broadcast over the
 * first's H x W (a squeeze-and-excitation gate); split by elements, or by channels. */
#include "elementwise.h"
#include "forward.h"
#include "kernels.h"

static bool gated(const pd_forward_args *a)
{
    return a->in_shapes[1].h * a->in_shapes[1].w != a->l->out.h * a->l->out.w;
}

static void elements(const pd_forward_args *a, size_t i0, size_t i1)
{
    pd_k_mul(a->ins[0] + i0, a->ins[1] + i0, i1 - i0, a->out + i0);
}

static void channels(const pd_forward_args *a, size_t c0, size_t c1)
{
    const size_t hw = (size_t)(a->l->out.h * a->l->out.w);
    pd_k_mul_channels(a->ins[0] + c0 * hw, a->ins[1] + c0, (int64_t)(c1 - c0), (int64_t)hw,
                      a->out + c0 * hw);
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    size_t n = (size_t)pd_shape_elems(a->l->out);
    if (gated(a))
        pd_forward_ranges(a, n < PD_ELEMENTWISE_SPLIT_MIN ? NULL : w, (size_t)a->l->out.c, 0,
                          channels);
    else
        pd_forward_ranges(a, w, n, PD_ELEMENTWISE_SPLIT_MIN, elements);
}

static void forward(const pd_forward_args *a)
{
    forward_split(a, NULL);
}

const pd_forward_op pd_mul_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .in_place = true,
};
