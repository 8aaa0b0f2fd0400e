/* Fully connected: the input flattened in C, H, W order, times a weight matrix. */
#include <stddef.h>
#include <stdio.h>

#include "../layer_type.h"

static const pd_param_desc params[] = {
    {"outputs", PD_PARAM_INT, offsetof(pd_layer_params, outputs), 1, 0, 1, 16777216.0, NULL},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    (void)err;
    l->out = (pd_shape){l->p.outputs, 1, 1};
    return PD_OK;
}

static double weights(const pd_layer *l)
{
    return (double)l->p.outputs * (double)pd_shape_elems(l->in) + (double)l->p.outputs;
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
    snprintf(buf, n, "%lld", (long long)l->p.outputs);
}

const pd_layer_type_def pd_fc_type = {
    "fc", params, 1, infer, weights, macs, kernel_filters, describe,
    NULL,
};
