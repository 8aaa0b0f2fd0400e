/* ReLU: elementwise, shape unchanged. */
#include "graph/layer_type.h"

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_elementwise("\"type\": \"relu\"", emit, ctx) +
           pd_sweep_feature_maps("\"type\": \"relu\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_relu_type = {
    .name = "relu",
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = pd_layer_no_params,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates}, /* no MACs */
    .sweep = sweep,
};
