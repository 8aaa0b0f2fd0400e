/* Clip: min(max(x, min), max), PyTorch's clamp (ReLU6 by default); NaN stays NaN. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

static const pd_param_desc params[] = {
    {"min", PD_PARAM_REAL, offsetof(pd_layer_params, min), 0, 0.0, -1e30, 1e30, NULL, {0}},
    {"max", PD_PARAM_REAL, offsetof(pd_layer_params, max), 0, 6.0, -1e30, 1e30, NULL, {0}},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    if (l->p.max < l->p.min)
        return pd_error_set(err, PD_EINPUT, "field \"max\": %g is below \"min\" %g", l->p.max,
                            l->p.min);
    l->out = l->in;
    return PD_OK;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "%g..%g", l->p.min, l->p.max);
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    return pd_sweep_feature_maps("\"type\": \"clip\"", emit, ctx);
}

static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_clip_type = {
    .name = "clip",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = infer,
    .weights = pd_layer_no_weights,
    .macs = pd_layer_no_macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_IN_ELEMS}}, 1, candidates}, /* no MACs */
    .sweep = sweep,
};
