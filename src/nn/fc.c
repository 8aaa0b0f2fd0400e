/* Fully connected: out = W x + b, the input flattened in C, H, W order (BLAS sgemv); split
 * over threads, each takes a range of outputs (rows of W). */
#include <cblas.h>
#include <string.h>

#include "forward.h"
#include "workers.h"

static void rows(const pd_forward_args *a, size_t o0, size_t o1)
{
    int inputs = (int)pd_shape_elems(a->l->in);
    if (o1 <= o0)
        return;
    if (a->b)
        memcpy(a->out + o0, a->b + o0, (o1 - o0) * sizeof *a->out);
    else /* "bias": false */
        memset(a->out + o0, 0, (o1 - o0) * sizeof *a->out);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)(o1 - o0), inputs, 1.0f,
                a->w + o0 * (size_t)inputs, inputs, a->in, 1, 1.0f, a->out + o0, 1);
}

static void forward(const pd_forward_args *a)
{
    rows(a, 0, (size_t)a->l->p.outputs);
}

static void part(void *ctx, int p, int parts)
{
    const pd_forward_args *a = ctx;
    size_t n = (size_t)a->l->p.outputs;
    rows(a, pd_part_start(n, p, parts), pd_part_start(n, p + 1, parts));
}

/* Fewer weights than this run alone (a few microseconds; a hand-off costs about one). */
#define SPLIT_MIN 32768

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (pd_layer_macs(a->l) < SPLIT_MIN)
        forward(a);
    else
        pd_workers_run(w, part, (void *)a);
}

const pd_forward_op pd_fc_forward = {
    .forward = forward, .scratch_floats = pd_no_scratch, .forward_split = forward_split};
