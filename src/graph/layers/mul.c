/* Mul: the elementwise product of two inputs, of one shape, or the second [C, 1, 1] and
 * broadcast over the first's H x W (squeeze-and-excitation's gate). */
#include <stdio.h>

#include "graph/layer_type.h"

static pd_status infer_inputs(pd_layer *l, const pd_shape *in, size_t n, pd_error *err)
{
    if (n != 2)
        return pd_error_set(err, PD_EINPUT, "field \"inputs\": mul takes 2 inputs, not %zu", n);
    bool same = in[1].c == in[0].c && in[1].h == in[0].h && in[1].w == in[0].w,
         gate = in[1].c == in[0].c && in[1].h == 1 && in[1].w == 1;
    if (!same && !gate)
        return pd_error_set(err, PD_EINPUT,
                            "field \"inputs\": input 2 is %lldx%lldx%lld, but mul takes the "
                            "first's shape %lldx%lldx%lld or %lldx1x1",
                            (long long)in[1].c, (long long)in[1].h, (long long)in[1].w,
                            (long long)in[0].c, (long long)in[0].h, (long long)in[0].w,
                            (long long)in[0].c);
    l->out = in[0];
    return PD_OK;
}

static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->out);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    /* equal shapes (SiLU's x * sigmoid(x)), and a [C, 1, 1] factor (squeeze-and-excitation) */
    return pd_sweep_feature_maps("\"type\": \"mul\", \"inputs\": [\"@input\", \"@input\"]", emit,
                                 ctx) +
           pd_sweep_feature_maps_after("\"type\": \"pool\", \"mode\": \"avg\", \"global\": true",
                                       "\"type\": \"mul\", \"inputs\": [\"@input\", \"pre\"]",
                                       emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_OUT_ELEMS}}};

const pd_layer_type_def pd_mul_type = {
    .name = "mul",
    .infer = pd_layer_same_shape,
    .infer_inputs = infer_inputs,
    .weights = pd_layer_no_weights,
    .macs = macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = pd_layer_no_params,
    .fit = {{1, {PD_FEAT_OUT_ELEMS}}, {1, {PD_FEAT_MACS}}, 1, candidates},
    .sweep = sweep,
};
