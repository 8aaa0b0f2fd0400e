/* The one table of training passes, indexed by layer type, and what they share. */
#include "grad.h"

#include "nn/forward.h"

static const pd_grad_op *const ops[] = {
    [PD_LAYER_CONV] = &pd_conv_grad,       [PD_LAYER_RELU] = &pd_relu_grad,
    [PD_LAYER_POOL] = &pd_pool_grad,       [PD_LAYER_LRN] = &pd_lrn_grad,
    [PD_LAYER_DROPOUT] = &pd_dropout_grad, [PD_LAYER_FC] = &pd_fc_grad,
    /* no training passes yet: pd_trainer_new refuses a model with these */
    [PD_LAYER_ADD] = NULL,                 [PD_LAYER_CONCAT] = NULL,
    [PD_LAYER_BN] = NULL,                  [PD_LAYER_MUL] = NULL,
    [PD_LAYER_CLIP] = NULL,                [PD_LAYER_SIGMOID] = NULL,
    [PD_LAYER_HARDSIGMOID] = NULL,         [PD_LAYER_HARDSWISH] = NULL,
    [PD_LAYER_FLATTEN] = NULL,             [PD_LAYER_OPAQUE] = NULL, /* never: it cannot run */
};
_Static_assert(sizeof ops / sizeof ops[0] == PD_LAYER_TYPE_COUNT, "one training pass per type");

const pd_grad_op *pd_grad_op_of(pd_layer_type t)
{
    return (unsigned)t < PD_LAYER_TYPE_COUNT ? ops[t] : NULL;
}

size_t pd_grad_no_scratch(const pd_layer *l, size_t batch, int threads)
{
    (void)l;
    (void)batch;
    (void)threads;
    return 0;
}

size_t pd_grad_no_aux(const pd_layer *l, size_t batch)
{
    (void)l;
    (void)batch;
    return 0;
}

/* one runtime scratch per thread, each a multiple of 16 floats (64 bytes) */
static size_t runtime_part(const pd_layer *l)
{
    return (pd_forward_op_of(l->type)->scratch_floats(l) + 15) / 16 * 16;
}

size_t pd_grad_runtime_scratch(const pd_layer *l, size_t batch, int threads)
{
    (void)batch;
    return (size_t)(threads > 1 ? threads : 1) * runtime_part(l);
}

static void by_sample(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)parts;
    const pd_layer *l = a->l;
    const pd_forward_op *op = pd_forward_op_of(l->type);
    size_t in_n = (size_t)pd_shape_elems(l->in), out_n = (size_t)pd_shape_elems(l->out);
    float *scratch = a->scratch + (size_t)part * runtime_part(l);
    for (size_t s = s0; s < s1; s++) {
        const float *in = a->in + s * in_n;
        pd_forward_args f = {l,    a->w, a->b,          in,   a->out + s * out_n, scratch,
                             pd_act_none(), NULL, &in, 1,    &l->in};
        op->forward(&f);
    }
}

void pd_grad_forward_by_sample(const pd_grad_args *a)
{
    pd_grad_split(a, by_sample);
}
