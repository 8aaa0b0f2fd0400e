/* ReLU: max(0, x), elementwise, NaN kept as PyTorch keeps it (x <= 0 is false for NaN);
 * split over threads, each takes a range of elements. */
#include "forward.h"
#include "workers.h"

static void relu_range(const float *in, float *out, size_t i0, size_t i1)
{
    for (size_t i = i0; i < i1; i++)
        out[i] = pd_relu(in[i]);
}

static void forward(const pd_forward_args *a)
{
    relu_range(a->in, a->out, 0, (size_t)pd_shape_elems(a->l->in));
}

static void part(void *ctx, int p, int parts)
{
    const pd_forward_args *a = ctx;
    size_t n = (size_t)pd_shape_elems(a->l->in);
    relu_range(a->in, a->out, pd_part_start(n, p, parts), pd_part_start(n, p + 1, parts));
}

/* Fewer elements than this run alone: b-alexnet's relu1 (32768) took 5.7 us alone and
 * 6.1 us split in two; the pass is bound by memory, not by one core. */
#define SPLIT_MIN (1 << 17)

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (pd_shape_elems(a->l->in) < SPLIT_MIN)
        forward(a);
    else
        pd_workers_run(w, part, (void *)a);
}

/* in place: each value is read before it is written, at the same index */
const pd_forward_op pd_relu_forward = {
    .forward = forward,
    .scratch_floats = pd_no_scratch,
    .forward_split = forward_split,
    .in_place = true,
};
