/* Convolution: square kernel, stride and zero padding, PyTorch's shapes. */
#include <stddef.h>
#include <stdio.h>

#include "../layer_type.h"

#define BIG 1048576.0

static const pd_param_desc params[] = {
    {"filters", PD_PARAM_INT, offsetof(pd_layer_params, filters), 1, 0, 1, BIG, NULL},
    {"kernel", PD_PARAM_INT, offsetof(pd_layer_params, kernel), 1, 0, 1, 4096, NULL},
    {"stride", PD_PARAM_INT, offsetof(pd_layer_params, stride), 0, 1, 1, BIG, NULL},
    {"pad", PD_PARAM_INT, offsetof(pd_layer_params, pad), 0, 0, 0, BIG, NULL},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    const pd_layer_params *p = &l->p;
    int64_t h, w;
    if (pd_window_out(l->in.h, p->kernel, p->stride, p->pad, 0, "height", &h, err) ||
        pd_window_out(l->in.w, p->kernel, p->stride, p->pad, 0, "width", &w, err))
        return PD_EINPUT;
    l->out = (pd_shape){p->filters, h, w};
    return PD_OK;
}

static double weights(const pd_layer *l)
{
    return (double)l->p.filters * (double)l->in.c * (double)(l->p.kernel * l->p.kernel) +
           (double)l->p.filters;
}

static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->out) * (double)l->in.c * (double)(l->p.kernel * l->p.kernel);
}

static double kernel_filters(const pd_layer *l)
{
    double r = (double)l->p.kernel / (double)l->p.stride;
    return r * r * (double)l->p.filters;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "%lld k%lld s%lld p%lld", (long long)l->p.filters, (long long)l->p.kernel,
             (long long)l->p.stride, (long long)l->p.pad);
}

const pd_layer_type_def pd_conv_type = {
    "conv", params, sizeof params / sizeof params[0], infer, weights, macs, kernel_filters, describe,
    NULL,
};
