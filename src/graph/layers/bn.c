/* Batch norm at inference, PyTorch's BatchNorm2d in eval(): per channel,
 * (x - running_mean) / sqrt(running_var + eps) * weight + bias. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"eps", PD_PARAM_REAL, offsetof(pd_layer_params, eps), 0, 1e-5, 1e-30, 1.0, NULL, {0}},
};

static double weights(const pd_layer *l)
{
    return 4.0 * (double)l->in.c;
}

/* One multiply-add per element, once the net has folded the four tensors into two. */
static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->out);
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    if (l->p.eps == 1e-5)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "eps %g", l->p.eps);
}

/* PyTorch's names and initial values: weight 1, bias 0, running_mean 0, running_var 1. */
static size_t tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS])
{
    const int64_t c = l->in.c;
    t[0] = (pd_layer_tensor){".weight", 1, {c}, PD_INIT_ONES, 1};
    t[1] = (pd_layer_tensor){".bias", 1, {c}, PD_INIT_ZEROS, 1};
    t[2] = (pd_layer_tensor){".running_mean", 1, {c}, PD_INIT_ZEROS, 1};
    t[3] = (pd_layer_tensor){".running_var", 1, {c}, PD_INIT_ONES, 1};
    return 4;
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"bn\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_bn_type = {
    .name = "bn",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = pd_layer_same_shape,
    .weights = weights,
    .macs = macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .tensors = tensors,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_MACS}}, 1, candidates},
    .sweep = sweep,
};
