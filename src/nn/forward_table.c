/* The one table of forward passes, indexed by layer type. */
#include "forward.h"
#include "workers.h"

static const pd_forward_op *const ops[] = {
    [PD_LAYER_CONV] = &pd_conv_forward,       [PD_LAYER_RELU] = &pd_relu_forward,
    [PD_LAYER_POOL] = &pd_pool_forward,       [PD_LAYER_LRN] = &pd_lrn_forward,
    [PD_LAYER_DROPOUT] = &pd_dropout_forward, [PD_LAYER_FC] = &pd_fc_forward,
    [PD_LAYER_ADD] = &pd_add_forward,         [PD_LAYER_CONCAT] = &pd_concat_forward,
    [PD_LAYER_BN] = &pd_bn_forward,           [PD_LAYER_MUL] = &pd_mul_forward,
    [PD_LAYER_CLIP] = &pd_clip_forward,       [PD_LAYER_SIGMOID] = &pd_sigmoid_forward,
    [PD_LAYER_HARDSIGMOID] = &pd_hardsigmoid_forward,
    [PD_LAYER_HARDSWISH] = &pd_hardswish_forward,
    [PD_LAYER_FLATTEN] = &pd_flatten_forward,
    [PD_LAYER_OPAQUE] = NULL, /* known only by measurement: pd_net_new refuses it */
};
_Static_assert(sizeof ops / sizeof ops[0] == PD_LAYER_TYPE_COUNT, "one row per type");

const pd_forward_op *pd_forward_op_of(pd_layer_type t)
{
    return (unsigned)t < PD_LAYER_TYPE_COUNT ? ops[t] : NULL;
}

size_t pd_no_scratch(const pd_layer *l)
{
    (void)l;
    return 0;
}

typedef struct range_ctx {
    const pd_forward_args *a;
    size_t n;
    pd_range_fn fn;
} range_ctx;

static void range_part(void *vctx, int p, int parts)
{
    const range_ctx *c = vctx;
    size_t i0 = pd_part_start(c->n, p, parts), i1 = pd_part_start(c->n, p + 1, parts);
    if (i1 > i0)
        c->fn(c->a, i0, i1);
}

void pd_forward_ranges(const pd_forward_args *a, pd_workers *w, size_t n, size_t split_min,
                       pd_range_fn fn)
{
    if (!w || n < split_min) {
        fn(a, 0, n);
        return;
    }
    range_ctx c = {a, n, fn};
    pd_workers_run(w, range_part, &c);
}

size_t pd_part_start(size_t n, int p, int parts)
{
    size_t blocks = (n + 15) / 16, start = blocks * (size_t)p / (size_t)parts * 16;
    return start < n ? start : n;
}
