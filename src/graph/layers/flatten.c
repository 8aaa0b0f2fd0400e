/* Flatten: [C, H, W] to [C H W, 1, 1], the same floats in the same order. */
#include "graph/layer_type.h"

static pd_status infer(pd_layer *l, pd_error *err)
{
    (void)err;
    l->out = (pd_shape){pd_shape_elems(l->in), 1, 1};
    return PD_OK;
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"flatten\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_flatten_type = {
    .name = "flatten",
    .infer = infer,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = pd_layer_no_params,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates}, /* no MACs */
    .sweep = sweep,
};
