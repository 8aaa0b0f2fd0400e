/* Dropout as PyTorch's in training mode: each element is kept with probability 1 - p and
 * then scaled by 1 / (1 - p), else zeroed; the mask (0 or the scale) is kept in aux for
 * the backward pass, which multiplies by it. In evaluation mode it is the identity. */
#include <string.h>

#include "grad.h"

static size_t aux_floats(const pd_layer *l, size_t batch)
{
    return batch * (size_t)pd_shape_elems(l->in);
}

static void forward(const pd_grad_args *a)
{
    size_t n = a->batch * (size_t)pd_shape_elems(a->l->in);
    double p = a->l->p.ratio;
    if (!a->training || p <= 0.0) {
        memcpy(a->out, a->in, n * sizeof *a->out);
        for (size_t i = 0; i < n; i++)
            a->aux[i] = 1.0f;
        return;
    }
    float scale = p < 1.0 ? (float)(1.0 / (1.0 - p)) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        a->aux[i] = pd_rng_uniform(a->rng) < p ? 0.0f : scale;
        a->out[i] = a->in[i] * a->aux[i];
    }
}

static void backward(const pd_grad_args *a)
{
    if (!a->din)
        return;
    size_t n = a->batch * (size_t)pd_shape_elems(a->l->in);
    for (size_t i = 0; i < n; i++)
        a->din[i] += a->dout[i] * a->aux[i];
}

const pd_grad_op pd_dropout_grad = {forward, backward, pd_grad_no_scratch, aux_floats};
