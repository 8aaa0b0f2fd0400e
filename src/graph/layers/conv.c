/* Convolution: square kernel, stride and zero padding, PyTorch's shapes. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

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

/* PyTorch's Conv2d: weight [F, C, k, k], bias [F], both over fan_in C k k. */
static size_t tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS])
{
    const int64_t f = l->p.filters, c = l->in.c, k = l->p.kernel;
    const double fan_in = (double)(c * k * k);
    t[0] = (pd_layer_tensor){".weight", 4, {f, c, k, k}, PD_INIT_FAN_IN, fan_in};
    t[1] = (pd_layer_tensor){".bias", 1, {f}, PD_INIT_FAN_IN, fan_in};
    return 2;
}

/* Small and odd sizes too: real models have 5-filter layers and 17x17 maps. */
static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    static const int cs[] = {1, 3, 8, 16, 32, 64, 96}, hws[] = {7, 12, 17, 24, 32},
                     fs[] = {4, 10, 16, 32, 64, 96}, ks[] = {1, 3, 5};
    size_t n = 0;
    for (size_t a = 0; a < sizeof cs / sizeof cs[0]; a++)
        for (size_t b = 0; b < sizeof hws / sizeof hws[0]; b++)
            for (size_t f = 0; f < sizeof fs / sizeof fs[0]; f++)
                for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++)
                    for (int s = 1; s <= 2; s++)
                        if (s == 1 || (hws[b] >= 12 && ks[k] != 1))
                            n += pd_sweep_point_emit(emit, ctx, cs[a], hws[b],
                                                     "\"type\": \"conv\", \"filters\": %d, "
                                                     "\"kernel\": %d, \"stride\": %d, \"pad\": %d",
                                                     fs[f], ks[k], s, ks[k] / 2);
    return n;
}

#define IN PD_FEAT_IN_ELEMS
#define OUT PD_FEAT_OUT_ELEMS
#define KF PD_FEAT_KERNEL_FILTERS
#define MACS PD_FEAT_MACS
#define RMACS PD_FEAT_RUNTIME_MACS
/* runtime_macs counts the multiplies of the algorithm the runtime runs the layer with
 * (Winograd's for many), so the sets come in both; transform_elems, the work of
 * Winograd's transforms, goes with runtime_macs. */
static const pd_feature_set candidates[] = {
    {2, {IN, KF}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}}, {3, {MACS, IN, OUT}},
    {2, {PD_FEAT_KERNEL_FILTERS_CHANNELS, IN}}, {1, {RMACS}}, {2, {RMACS, IN}},
    {2, {RMACS, OUT}}, {3, {RMACS, IN, OUT}}, {2, {RMACS, PD_FEAT_TRANSFORM_ELEMS}},
    {3, {RMACS, PD_FEAT_TRANSFORM_ELEMS, OUT}},
};

const pd_layer_type_def pd_conv_type = {
    .name = "conv",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = infer,
    .weights = weights,
    .macs = macs,
    .kernel_filters = kernel_filters,
    .describe = describe,
    .tensors = tensors,
    .fit = {{2, {IN, KF}}, {1, {MACS}}, sizeof candidates / sizeof candidates[0], candidates},
    .sweep = sweep,
};
