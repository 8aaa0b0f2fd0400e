/* Local response normalisation across channels, PyTorch's LocalResponseNorm. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"size", PD_PARAM_INT, offsetof(pd_layer_params, size), 0, 5, 1, 4096, NULL, {0}},
    {"alpha", PD_PARAM_REAL, offsetof(pd_layer_params, alpha), 0, 1e-4, 0.0, 1e6, NULL, {0}},
    {"beta", PD_PARAM_REAL, offsetof(pd_layer_params, beta), 0, 0.75, 0.0, 1e3, NULL, {0}},
    {"k", PD_PARAM_REAL, offsetof(pd_layer_params, k), 0, 1.0, 0.0, 1e6, NULL, {0}},
};

/* One multiply-accumulate per channel in each element's window. */
static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->in) * (double)l->p.size;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "size %lld alpha %g beta %g k %g", (long long)l->p.size, l->p.alpha,
             l->p.beta, l->p.k);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_elementwise("\"type\": \"lrn\"", emit, ctx);
}

/* its output is its input's size: no set of both */
static const pd_feature_set candidates[] = {
    {1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_MACS}}, {2, {PD_FEAT_MACS, PD_FEAT_IN_ELEMS}},
};

const pd_layer_type_def pd_lrn_type = {
    .name = "lrn",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_MACS}}, 3, candidates},
    .sweep = sweep,
};
