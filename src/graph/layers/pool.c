/* Pooling, max or average, floor or ceil mode as PyTorch's. */
#include <stddef.h>
#include <stdio.h>

#include "../layer_type.h"

#define BIG 1048576.0

static const char *const modes[] = {"max", "avg", NULL};

static const pd_param_desc params[] = {
    {"kernel", PD_PARAM_INT, offsetof(pd_layer_params, kernel), 1, 0, 1, 4096, NULL},
    {"stride", PD_PARAM_INT, offsetof(pd_layer_params, stride), 0, 0, 1, BIG, NULL},
    {"pad", PD_PARAM_INT, offsetof(pd_layer_params, pad), 0, 0, 0, BIG, NULL},
    {"mode", PD_PARAM_ENUM, offsetof(pd_layer_params, mode), 0, PD_POOL_MAX, 0, 1, modes},
    {"ceil", PD_PARAM_BOOL, offsetof(pd_layer_params, ceil), 0, 0, 0, 1, NULL},
};

static pd_status infer(pd_layer *l, pd_error *err)
{
    pd_layer_params *p = &l->p;
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
    return (double)pd_shape_elems(l->out) * (double)(l->p.kernel * l->p.kernel);
}

static double kernel_filters(const pd_layer *l)
{
    double r = (double)l->p.kernel / (double)l->p.stride;
    return r * r * (double)l->in.c;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "%s k%lld s%lld p%lld%s", modes[l->p.mode], (long long)l->p.kernel,
             (long long)l->p.stride, (long long)l->p.pad, l->p.ceil ? " ceil" : "");
}

const pd_layer_type_def pd_pool_type = {
    "pool", params, sizeof params / sizeof params[0], infer, pd_layer_no_weights, macs,
    kernel_filters, describe,
    NULL,
};
