/* Concat: two or more inputs of equal height and width, joined along the channels. */
#include <stdio.h>

#include "graph/layer_type.h"

static pd_status infer_inputs(pd_layer *l, const pd_shape *in, size_t n, pd_error *err)
{
    int64_t c = 0;
    for (size_t j = 0; j < n; j++) {
        if (in[j].h != in[0].h || in[j].w != in[0].w)
            return pd_error_set(err, PD_EINPUT,
                                "field \"inputs\": input %zu is %lldx%lldx%lld but input 1 is "
                                "%lldx%lldx%lld (concat takes inputs of equal height and width)",
                                j + 1, (long long)in[j].c, (long long)in[j].h, (long long)in[j].w,
                                (long long)in[0].c, (long long)in[0].h, (long long)in[0].w);
        c += in[j].c; /* each c is below 2^40 and n below 2^21: no overflow */
    }
    l->out = (pd_shape){c, in[0].h, in[0].w};
    return PD_OK;
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"concat\", \"inputs\": [\"@input\", \"@input\"]",
                                emit, ctx);
}

/* a copy of its output */
static const pd_feature_set candidates[] = {{1, {PD_FEAT_OUT_ELEMS}}};

const pd_layer_type_def pd_concat_type = {
    .name = "concat",
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = pd_layer_no_params,
    .infer_inputs = infer_inputs,
    .fit = {{1, {PD_FEAT_OUT_ELEMS}}, {1, {PD_FEAT_OUT_ELEMS}}, 1, candidates},
    .sweep = sweep,
};
