/* The one table of forward passes, indexed by layer type. */
#include "forward.h"

static const pd_forward_op *const ops[] = {
    [PD_LAYER_CONV] = &pd_conv_forward,       [PD_LAYER_RELU] = &pd_relu_forward,
    [PD_LAYER_POOL] = &pd_pool_forward,       [PD_LAYER_LRN] = &pd_lrn_forward,
    [PD_LAYER_DROPOUT] = &pd_dropout_forward, [PD_LAYER_FC] = &pd_fc_forward,
    /* no kernels yet: pd_net_new refuses a model with these */
    [PD_LAYER_ADD] = NULL,                    [PD_LAYER_CONCAT] = NULL,
};
_Static_assert(sizeof ops / sizeof ops[0] == PD_LAYER_TYPE_COUNT, "one forward pass per type");

const pd_forward_op *pd_forward_op_of(pd_layer_type t)
{
    return (unsigned)t < PD_LAYER_TYPE_COUNT ? ops[t] : NULL;
}

size_t pd_no_scratch(const pd_layer *l)
{
    (void)l;
    return 0;
}

size_t pd_part_start(size_t n, int p, int parts)
{
    size_t blocks = (n + 15) / 16, start = blocks * (size_t)p / (size_t)parts * 16;
    return start < n ? start : n;
}
