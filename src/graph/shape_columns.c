/* The raw shape columns of a layer (formats.md, "Timings CSV"): what a learned latency model
 * reads beside the counts, the same numbers whether the profiler writes them or a planner
 * asks for them. */
#include <string.h>

#include "predoff/graph.h"

static const char *const names[] = {
    [PD_SHAPE_CHANNELS] = "channels",         [PD_SHAPE_HEIGHT] = "height",
    [PD_SHAPE_WIDTH] = "width",               [PD_SHAPE_FILTERS] = "filters",
    [PD_SHAPE_KERNEL_H] = "kernel_h",         [PD_SHAPE_KERNEL_W] = "kernel_w",
    [PD_SHAPE_STRIDE] = "stride",             [PD_SHAPE_PAD] = "pad",
    [PD_SHAPE_GROUPS] = "groups",             [PD_SHAPE_OUT_CHANNELS] = "out_channels",
    [PD_SHAPE_OUT_HEIGHT] = "out_height",     [PD_SHAPE_OUT_WIDTH] = "out_width",
};
_Static_assert(sizeof names / sizeof names[0] == PD_SHAPE_COLUMN_COUNT, "one name per column");

const char *pd_shape_column_name(pd_shape_column c)
{
    return (unsigned)c < PD_SHAPE_COLUMN_COUNT ? names[c] : "?";
}

pd_shape_column pd_shape_column_parse(const char *name)
{
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        if (strcmp(names[c], name) == 0)
            return (pd_shape_column)c;
    return PD_SHAPE_COLUMN_COUNT;
}

/* A pool's window: its kernel, or the whole map when global. */
static double pool_kernel(const pd_layer *l, int width)
{
    if (l->p.global)
        return (double)(width ? l->in.w : l->in.h);
    return (double)l->p.kernel;
}

double pd_layer_shape_column(const pd_layer *l, pd_shape_column c)
{
    const int conv = l->type == PD_LAYER_CONV, pool = l->type == PD_LAYER_POOL;
    switch (c) {
    case PD_SHAPE_CHANNELS: return (double)l->in.c;
    case PD_SHAPE_HEIGHT: return (double)l->in.h;
    case PD_SHAPE_WIDTH: return (double)l->in.w;
    case PD_SHAPE_FILTERS: return conv ? (double)l->p.filters : 0.0;
    case PD_SHAPE_KERNEL_H: return conv ? (double)l->p.kernel : pool ? pool_kernel(l, 0) : 0.0;
    case PD_SHAPE_KERNEL_W: return conv ? (double)l->p.kernel_w : pool ? pool_kernel(l, 1) : 0.0;
    case PD_SHAPE_STRIDE:
        return conv || (pool && !l->p.global) ? (double)l->p.stride : pool ? 1.0 : 0.0;
    case PD_SHAPE_PAD: return conv || pool ? (double)l->p.pad : 0.0;
    case PD_SHAPE_GROUPS: return conv ? (double)l->p.groups : 0.0;
    case PD_SHAPE_OUT_CHANNELS: return (double)l->out.c;
    case PD_SHAPE_OUT_HEIGHT: return (double)l->out.h;
    case PD_SHAPE_OUT_WIDTH: return (double)l->out.w;
    case PD_SHAPE_COLUMN_COUNT: break;
    }
    return 0.0;
}

const char *pd_column_name(int c)
{
    if (c >= 0 && c < PD_FEATURE_COUNT)
        return pd_feature_name((pd_feature)c);
    return pd_shape_column_name((pd_shape_column)(c - PD_FEATURE_COUNT));
}

int pd_column_parse(const char *name)
{
    pd_feature f = pd_feature_parse(name);
    if (f != PD_FEATURE_COUNT)
        return (int)f;
    pd_shape_column s = pd_shape_column_parse(name);
    return s == PD_SHAPE_COLUMN_COUNT ? PD_COLUMN_COUNT : PD_FEATURE_COUNT + (int)s;
}

double pd_graph_column(const pd_graph *g, size_t i, int c)
{
    if (c >= 0 && c < PD_FEATURE_COUNT)
        return pd_graph_feature(g, i, (pd_feature)c);
    return pd_layer_shape_column(&g->layers[i], (pd_shape_column)(c - PD_FEATURE_COUNT));
}
