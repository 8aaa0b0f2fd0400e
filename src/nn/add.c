/* Add: the sum of two or more inputs of one shape, in their order ((a + b) + c ...), split
 * by elements. */
#include "elementwise.h"
#include "forward.h"
#include "kernels.h"

static void sum(const pd_forward_args *a, size_t i0, size_t i1)
{
    const float *two[2] = {a->ins[0] + i0, a->ins[1] + i0};
    pd_k_add(two, 2, i1 - i0, a->out + i0);
    for (size_t j = 2; j < a->n_ins; j++) {
        const float *more[2] = {a->out + i0, a->ins[j] + i0};
        pd_k_add(more, 2, i1 - i0, a->out + i0);
    }
}

static void forward(const pd_forward_args *a)
{
    sum(a, 0, (size_t)pd_shape_elems(a->l->out));
}

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    pd_forward_ranges(a, w, (size_t)pd_shape_elems(a->l->out), PD_ELEMENTWISE_SPLIT_MIN, sum);
}

/* The output may be written over the first input (the net never plans that when the first
 * input is also a third or later one, which is read after the first write). */
const pd_forward_op pd_add_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .in_place = true,
};
