/* Fully connected: the input flattened in C, H, W order, times a weight matrix. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"outputs", PD_PARAM_INT, offsetof(pd_layer_params, outputs), 1, 0, 1, 16777216.0, NULL, {0}},
    {"bias", PD_PARAM_BOOL, offsetof(pd_layer_params, bias), 0, 1, 0, 1, NULL, {0}},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    if (pd_shape_elems(l->in) > INT_MAX) /* the product's sizes go to BLAS as int */
        return pd_error_set(err, PD_EINPUT, "%lld inputs: more than %d, the most one matrix "
                            "product takes", (long long)pd_shape_elems(l->in), INT_MAX);
    l->out = (pd_shape){l->p.outputs, 1, 1};
    return PD_OK;
}

static double weights(const pd_layer *l)
{
    return (double)l->p.outputs * (double)pd_shape_elems(l->in) +
           (l->p.bias ? (double)l->p.outputs : 0.0);
}

static double macs(const pd_layer *l)
{
    return (double)l->p.outputs * (double)pd_shape_elems(l->in);
}

/* A 1x1 kernel with `outputs` filters over a 1x1 image. */
static double kernel_filters(const pd_layer *l)
{
    return (double)l->p.outputs;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "%lld%s", (long long)l->p.outputs, l->p.bias ? "" : " nobias");
}

/* PyTorch's Linear: weight [O, I], bias [O], over fan_in I (the input flattened). */
static size_t tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS])
{
    const int64_t o = l->p.outputs, i = pd_shape_elems(l->in);
    t[0] = (pd_layer_tensor){".weight", 2, {o, i}, PD_INIT_FAN_IN, (double)i};
    if (!l->p.bias)
        return 1;
    t[1] = (pd_layer_tensor){".bias", 1, {o}, PD_INIT_FAN_IN, (double)i};
    return 2;
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    /* the classifiers of today's CNNs too: 512 to 1280 inputs, 1000 outputs */
    static const int ins[] = {32, 64, 256, 576, 720, 1024, 1280, 2048, 4096},
                     outs[] = {10, 32, 84, 128, 256, 512, 1000};
    size_t n = 0;
    for (size_t a = 0; a < sizeof ins / sizeof ins[0]; a++)
        for (size_t b = 0; b < sizeof outs / sizeof outs[0]; b++)
            n += pd_sweep_point_emit(emit, ctx, ins[a], 1, "\"type\": \"fc\", \"outputs\": %d",
                                     outs[b]);
    return n;
}

#define IN PD_FEAT_IN_ELEMS
#define OUT PD_FEAT_OUT_ELEMS
#define MACS PD_FEAT_MACS
static const pd_feature_set candidates[] = {
    {2, {IN, OUT}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}}, {3, {MACS, IN, OUT}},
};

const pd_layer_type_def pd_fc_type = {
    .name = "fc",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = infer,
    .weights = weights,
    .macs = macs,
    .kernel_filters = kernel_filters,
    .describe = describe,
    .tensors = tensors,
    .fit = {{2, {IN, OUT}}, {1, {MACS}}, sizeof candidates / sizeof candidates[0], candidates},
    .sweep = sweep,
};
