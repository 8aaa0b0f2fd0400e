/* Pooling, max or average, floor or ceil mode as PyTorch's, padding counted in the average
 * or not (count_include_pad), or global: the window is the whole map. */
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

#define BIG 1048576.0

static const char *const modes[] = {"max", "avg", NULL};

static const pd_param_desc params[] = {
    {"kernel", PD_PARAM_INT, offsetof(pd_layer_params, kernel), 0, 0, 1, 4096, NULL, {0}},
    {"stride", PD_PARAM_INT, offsetof(pd_layer_params, stride), 0, 0, 1, BIG, NULL, {0}},
    {"pad", PD_PARAM_INT, offsetof(pd_layer_params, pad), 0, 0, 0, BIG, NULL, {0}},
    {"mode", PD_PARAM_ENUM, offsetof(pd_layer_params, mode), 0, PD_POOL_MAX, 0, 1, modes, {0}},
    {"ceil", PD_PARAM_BOOL, offsetof(pd_layer_params, ceil), 0, 0, 0, 1, NULL, {0}},
    {"global", PD_PARAM_BOOL, offsetof(pd_layer_params, global), 0, 0, 0, 1, NULL, {0}},
    {"count_include_pad", PD_PARAM_BOOL, offsetof(pd_layer_params, count_include_pad), 0, 1, 0, 1,
     NULL, {0}},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    pd_layer_params *p = &l->p;
    if (p->global) {
        if (p->kernel || p->stride || p->pad || p->ceil)
            return pd_error_set(err, PD_EINPUT, "a global pool takes no kernel, stride, pad or ceil");
        l->out = (pd_shape){l->in.c, 1, 1};
        return PD_OK;
    }
    if (p->kernel == 0)
        return pd_error_set(err, PD_EINPUT, "missing field \"kernel\"");
    if (p->stride == 0)
        p->stride = p->kernel; /* the documented default */
    if (2 * p->pad > p->kernel)
        return pd_error_set(err, PD_EINPUT, "pad %lld is more than half the kernel %lld",
                            (long long)p->pad, (long long)p->kernel);
    int64_t h, w;
    if (pd_window_out(l->in.h, p->kernel, p->stride, p->pad, p->ceil, "height", &h, err) ||
        pd_window_out(l->in.w, p->kernel, p->stride, p->pad, p->ceil, "width", &w, err))
        return PD_EINPUT;
    l->out = (pd_shape){l->in.c, h, w};
    return PD_OK;
}

/* One comparison or addition per window element. */
static double macs(const pd_layer *l)
{
    if (l->p.global)
        return (double)pd_shape_elems(l->in);
    return (double)pd_shape_elems(l->out) * (double)(l->p.kernel * l->p.kernel);
}

static double kernel_filters(const pd_layer *l)
{
    if (l->p.global) /* one window, the map, per channel */
        return (double)l->in.c;
    double r = (double)l->p.kernel / (double)l->p.stride;
    return r * r * (double)l->in.c;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    if (l->p.global)
        snprintf(buf, n, "%s global", modes[l->p.mode]);
    else
        snprintf(buf, n, "%s k%lld s%lld p%lld%s%s", modes[l->p.mode], (long long)l->p.kernel,
                 (long long)l->p.stride, (long long)l->p.pad, l->p.ceil ? " ceil" : "",
                 l->p.mode == PD_POOL_AVG && l->p.pad && !l->p.count_include_pad ? " nopadcount"
                                                                                   : "");
}

static size_t sweep(pd_sweep_emit emit, void *ctx)
{
    static const int cs[] = {16, 32, 64, 96}, hws[] = {8, 16, 32};
    size_t n = 0;
    for (size_t a = 0; a < sizeof cs / sizeof cs[0]; a++)
        for (size_t b = 0; b < sizeof hws / sizeof hws[0]; b++)
            for (int k = 2; k <= 3; k++)
                for (int m = 0; m < 2; m++)
                    n += pd_sweep_point_emit(emit, ctx, cs[a], hws[b],
                                             "\"type\": \"pool\", \"mode\": \"%s\", "
                                             "\"kernel\": %d, \"stride\": 2, \"pad\": %d",
                                             m ? "avg" : "max", k, k / 2);
    /* the max pools of today's CNNs: GoogLeNet's stride-1 3 x 3 in its inception blocks, the
     * stride-2 3 x 3 (ceil mode) between stages */
    n += pd_sweep_spatial_maps("\"type\": \"pool\", \"mode\": \"max\", \"kernel\": 3, "
                               "\"stride\": 1, \"pad\": 1, \"ceil\": true",
                               emit, ctx);
    n += pd_sweep_spatial_maps("\"type\": \"pool\", \"mode\": \"max\", \"kernel\": 3, "
                               "\"stride\": 2, \"ceil\": true",
                               emit, ctx);
    n += pd_sweep_spatial_maps("\"type\": \"pool\", \"mode\": \"avg\", \"global\": true",
                               emit, ctx);
    n += pd_sweep_spatial_maps("\"type\": \"pool\", \"mode\": \"max\", \"global\": true",
                               emit, ctx);
    return n;
}

/* A global pool reads each value once for one output a channel; a windowed one reads each
 * window: their costs follow different features. The mode splits each again: the same shape
 * costs twice as much averaged over a window as maximised (the sweep, PERFORMANCE.md), and
 * ten times as much maximised over the whole map as averaged, and no feature tells them
 * apart. The kinds: pool/global (average) and pool/global-max; pool/avg, and the windowed
 * max pool of most networks with no kind of its own. */
static pd_layer_kind kind(const pd_layer *l)
{
    if (l->p.global)
        return l->p.mode == PD_POOL_MAX ? PD_KIND_POOL_GLOBAL_MAX : PD_KIND_POOL_GLOBAL;
    return l->p.mode == PD_POOL_AVG ? PD_KIND_POOL_AVG : PD_KIND_NONE;
}

#define IN PD_FEAT_IN_ELEMS
#define OUT PD_FEAT_OUT_ELEMS
#define MACS PD_FEAT_MACS
/* kernel_filters, (k/s)^2 x channels, counts the channels: a pool's passes go channel by
 * channel and row by row, so a 7 x 7 map costs more per value than a 56 x 56 one */
static const pd_feature_set candidates[] = {
    {2, {IN, OUT}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}}, {3, {MACS, IN, OUT}},
    {2, {MACS, PD_FEAT_KERNEL_FILTERS}}, {3, {MACS, OUT, PD_FEAT_KERNEL_FILTERS}},
    {3, {IN, OUT, PD_FEAT_KERNEL_FILTERS}},
};

const pd_layer_type_def pd_pool_type = {
    .name = "pool",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .infer = infer,
    .weights = pd_layer_no_weights,
    .macs = macs,
    .kernel_filters = kernel_filters,
    .describe = describe,
    .fit = {{2, {IN, OUT}}, {1, {MACS}}, sizeof candidates / sizeof candidates[0], candidates},
    .sweep = sweep,
    .kind = kind,
};
