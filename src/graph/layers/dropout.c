/* Dropout: identity at inference, still a timed layer. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"ratio", PD_PARAM_REAL, offsetof(pd_layer_params, ratio), 0, 0.5, 0.0, 1.0, NULL, {0}},
};

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "ratio %g", l->p.ratio);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_elementwise("\"type\": \"dropout\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_dropout_type = {
    .name = "dropout",
    .params = params,
    .n_params = 1,
    .infer = pd_layer_same_shape,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates}, /* no MACs */
    .sweep = sweep,
};
