/* Opaque: a layer known only by measurement (formats.md). Its output shape is given, and
 * its MACs and weight bytes may be; its time comes from a profile's measured table. It can
 * be planned, never run: the runtime has no pass for it. It reads one tensor or more. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

#define MAX_SIDE 1048576.0             /* as any side of a model's input */
#define MAX_WEIGHT_BYTES 4398046511104.0 /* 4 x 2^40: the builder's 2^40 weights, as float32 */

static const pd_param_desc params[] = {
    {"shape", PD_PARAM_SHAPE, offsetof(pd_layer_params, shape.c), 1, 0, 1, MAX_SIDE, NULL,
     {offsetof(pd_layer_params, shape.h), offsetof(pd_layer_params, shape.w)}},
    {"macs", PD_PARAM_REAL, offsetof(pd_layer_params, macs), 0, 0, 0, 1e18, NULL, {0}},
    {"weight_bytes", PD_PARAM_REAL, offsetof(pd_layer_params, weight_bytes), 0, 0, 0,
     MAX_WEIGHT_BYTES, NULL, {0}},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    (void)err;
    l->out = l->p.shape;
    return PD_OK;
}

static pd_status infer_inputs(pd_layer *l, const pd_shape *in, size_t n, pd_error *err)
{
    (void)in;
    (void)n;
    return infer(l, err);
}

/* Its weights as float32 values: what the loading term and the model's bytes count. */
static double weights(const pd_layer *l)
{
    return l->p.weight_bytes / 4.0;
}

static double macs(const pd_layer *l)
{
    return l->p.macs;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    (void)l;
    snprintf(buf, n, "measured only");
}

/* Never fitted (a profile's "layers" may not model it), but every type offers sets. */
static const pd_feature_set candidates[] = {{1, {PD_FEAT_IN_ELEMS}}};

const pd_layer_type_def pd_opaque_type = {
    .name = "opaque",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = infer,
    .weights = weights,
    .macs = macs,
    .kernel_filters = pd_layer_no_kernel_filters,
    .describe = describe,
    .infer_inputs = infer_inputs,
    .any_inputs = true,
    .fit = {{1, {PD_FEAT_IN_ELEMS}}, {1, {PD_FEAT_MACS}}, 1, candidates},
};
