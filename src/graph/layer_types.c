/* The one table of layer types, and what all of them share. */
#include "layer_type.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const pd_layer_type_def *const types[] = {
    [PD_LAYER_CONV] = &pd_conv_type,       [PD_LAYER_RELU] = &pd_relu_type,
    [PD_LAYER_POOL] = &pd_pool_type,       [PD_LAYER_LRN] = &pd_lrn_type,
    [PD_LAYER_DROPOUT] = &pd_dropout_type, [PD_LAYER_FC] = &pd_fc_type,
    [PD_LAYER_ADD] = &pd_add_type,         [PD_LAYER_CONCAT] = &pd_concat_type,
    [PD_LAYER_BN] = &pd_bn_type,           [PD_LAYER_MUL] = &pd_mul_type,
    [PD_LAYER_CLIP] = &pd_clip_type,       [PD_LAYER_SIGMOID] = &pd_sigmoid_type,
    [PD_LAYER_HARDSIGMOID] = &pd_hardsigmoid_type, [PD_LAYER_HARDSWISH] = &pd_hardswish_type,
    [PD_LAYER_FLATTEN] = &pd_flatten_type,
};
_Static_assert(sizeof types / sizeof types[0] == PD_LAYER_TYPE_COUNT,
               "one row per layer type");

const pd_layer_type_def *pd_layer_type_def_of(pd_layer_type t)
{
    return (unsigned)t < PD_LAYER_TYPE_COUNT ? types[t] : NULL;
}

const char *pd_layer_type_name(pd_layer_type t)
{
    const pd_layer_type_def *d = pd_layer_type_def_of(t);
    return d ? d->name : "?";
}

pd_layer_type pd_layer_type_parse(const char *name)
{
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        if (strcmp(types[t]->name, name) == 0)
            return (pd_layer_type)t;
    return PD_LAYER_TYPE_COUNT;
}

void pd_layer_describe(const pd_layer *l, char *buf, size_t n)
{
    types[l->type]->describe(l, buf, n);
}

double pd_layer_weight_count(const pd_layer *l) { return types[l->type]->weights(l); }

size_t pd_layer_tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS])
{
    const pd_layer_type_def *d = pd_layer_type_def_of(l->type);
    return d && d->tensors ? d->tensors(l, t) : 0;
}

const pd_fit_sets *pd_layer_type_fit_sets(pd_layer_type t)
{
    const pd_layer_type_def *d = pd_layer_type_def_of(t);
    return d ? &d->fit : NULL;
}

size_t pd_layer_type_sweep(pd_layer_type t, pd_sweep_emit emit, void *ctx)
{
    const pd_layer_type_def *d = pd_layer_type_def_of(t);
    return d && d->sweep ? d->sweep(emit, ctx) : 0;
}

size_t pd_sweep_point_emit(pd_sweep_emit emit, void *ctx, int c, int hw, const char *fmt, ...)
{
    if (emit) {
        pd_sweep_point p = {.c = c, .hw = hw};
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p.layer, sizeof p.layer, fmt, ap);
        va_end(ap);
        emit(ctx, &p);
    }
    return 1;
}

/* Every (channels, map size) pair of the two lists whose product is at most `limit`. */
static size_t sweep_grid(const char *fields, const int *c, size_t nc, const int *hw, size_t nhw,
                         int limit, pd_sweep_emit emit, void *ctx)
{
    size_t n = 0;
    for (size_t a = 0; a < nc; a++)
        for (size_t b = 0; b < nhw; b++)
            if (c[a] * hw[b] <= limit)
                n += pd_sweep_point_emit(emit, ctx, c[a], hw[b], "%s", fields);
    return n;
}

size_t pd_sweep_elementwise(const char *fields, pd_sweep_emit emit, void *ctx)
{
    static const int c[] = {16, 32, 64, 96}, hw[] = {4, 8, 16, 32};
    return sweep_grid(fields, c, 4, hw, 4, 96 * 32, emit, ctx);
}

size_t pd_sweep_feature_maps(const char *fields, pd_sweep_emit emit, void *ctx)
{
    static const int c[] = {16, 32, 64, 128, 256, 512, 1024}, hw[] = {7, 14, 28, 56, 112};
    return sweep_grid(fields, c, 7, hw, 5, 16384, emit, ctx); /* the pairs that occur */
}
double pd_layer_macs(const pd_layer *l) { return types[l->type]->macs(l); }

double pd_layer_no_weights(const pd_layer *l)
{
    (void)l;
    return 0;
}

double pd_layer_no_macs(const pd_layer *l)
{
    (void)l;
    return 0;
}

double pd_layer_no_kernel_filters(const pd_layer *l)
{
    (void)l;
    return 0.0;
}

void pd_layer_no_params(const pd_layer *l, char *buf, size_t n)
{
    (void)l;
    if (n)
        buf[0] = '\0';
}

pd_status pd_layer_same_shape(pd_layer *l, pd_error *err)
{
    (void)err;
    l->out = l->in;
    return PD_OK;
}

pd_status pd_window_out(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int ceil_mode,
                        const char *dim, int64_t *out, pd_error *err)
{
    int64_t span = in + 2 * pad;
    if (kernel > span)
        return pd_error_set(err, PD_EINPUT, "kernel %lld is larger than the padded input %s %lld",
                            (long long)kernel, dim, (long long)span);
    int64_t o;
    if (ceil_mode) {
        o = (span - kernel + stride - 1) / stride + 1;
        /* PyTorch drops a last window that would start in the right padding. */
        if ((o - 1) * stride >= in + pad)
            o--;
    } else {
        o = (span - kernel) / stride + 1;
    }
    *out = o;
    return PD_OK;
}
