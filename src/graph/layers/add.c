/* Add: the elementwise sum of two or more inputs of one shape. */
#include <stdio.h>

#include "graph/layer_type.h"

static pd_status infer_inputs(pd_layer *l, const pd_shape *in, size_t n, pd_error *err)
{
    for (size_t j = 1; j < n; j++)
        if (in[j].c != in[0].c || in[j].h != in[0].h || in[j].w != in[0].w)
            return pd_error_set(err, PD_EINPUT,
                                "field \"inputs\": input %zu is %lldx%lldx%lld but input 1 is "
                                "%lldx%lldx%lld (add takes inputs of one shape)",
                                j + 1, (long long)in[j].c, (long long)in[j].h, (long long)in[j].w,
                                (long long)in[0].c, (long long)in[0].h, (long long)in[0].w);
    l->out = in[0];
    return PD_OK;
}

/* One addition per output element and further input. */
static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->out);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"add\", \"inputs\": [\"@input\", \"@input\"]", emit,
                                ctx);
}

/* elementwise over its inputs (in_elems sums them) */
static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_add_type = {
    .name = "add",
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = pd_layer_no_params,
    .infer_inputs = infer_inputs,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates},
    .sweep = sweep,
};
