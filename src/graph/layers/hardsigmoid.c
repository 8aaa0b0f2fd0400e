/* Hardsigmoid: max(0, min(1, alpha x + beta)); PyTorch's is alpha 1/6, beta 1/2. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"alpha", PD_PARAM_REAL, offsetof(pd_layer_params, alpha), 0, 1.0 / 6.0, -1e30, 1e30, NULL,
     {0}},
    {"beta", PD_PARAM_REAL, offsetof(pd_layer_params, beta), 0, 0.5, -1e30, 1e30, NULL, {0}},
};

static void describe(const pd_layer *l, char *buf, size_t n)
{
    if (l->p.alpha == 1.0 / 6.0 && l->p.beta == 0.5)
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "a%g b%g", l->p.alpha, l->p.beta);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"hardsigmoid\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_hardsigmoid_type = {
    .name = "hardsigmoid",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates}, /* no MACs */
    .sweep = sweep,
};
