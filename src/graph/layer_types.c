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
    [PD_LAYER_FLATTEN] = &pd_flatten_type, [PD_LAYER_OPAQUE] = &pd_opaque_type,
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

/* The kinds, each with the type it is a kind of (its rule is in the type's file). */
static const struct {
    const char *name;
    pd_layer_type type;
} kinds[] = {
    [PD_KIND_NONE] = {"?", PD_LAYER_TYPE_COUNT},
    [PD_KIND_CONV_DEPTHWISE] = {"conv/depthwise", PD_LAYER_CONV},
    [PD_KIND_CONV_GROUPED] = {"conv/grouped", PD_LAYER_CONV},
    [PD_KIND_CONV_POINTWISE] = {"conv/pointwise", PD_LAYER_CONV},
    [PD_KIND_POOL_GLOBAL] = {"pool/global", PD_LAYER_POOL},
    [PD_KIND_POOL_AVG] = {"pool/avg", PD_LAYER_POOL},
    [PD_KIND_POOL_GLOBAL_MAX] = {"pool/global-max", PD_LAYER_POOL},
};
_Static_assert(sizeof kinds / sizeof kinds[0] == PD_LAYER_KIND_COUNT, "one row per kind");

pd_layer_kind pd_layer_kind_of(const pd_layer *l)
{
    const pd_layer_type_def *d = pd_layer_type_def_of(l->type);
    return d && d->kind ? d->kind(l) : PD_KIND_NONE;
}

pd_layer_type pd_layer_kind_type(pd_layer_kind k)
{
    return (unsigned)k < PD_LAYER_KIND_COUNT ? kinds[k].type : PD_LAYER_TYPE_COUNT;
}

const char *pd_layer_kind_name(pd_layer_kind k)
{
    return (unsigned)k < PD_LAYER_KIND_COUNT ? kinds[k].name : "?";
}

pd_layer_kind pd_layer_kind_parse(const char *name)
{
    for (int k = PD_KIND_NONE + 1; k < PD_LAYER_KIND_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0)
            return (pd_layer_kind)k;
    return PD_LAYER_KIND_COUNT;
}

const char *pd_layer_model_name(pd_layer_type t, pd_layer_kind k)
{
    return k == PD_KIND_NONE ? pd_layer_type_name(t) : pd_layer_kind_name(k);
}

_Static_assert(PD_LAYER_KIND_COUNT == 7, "pd_layer_kind_names lists every kind");
const char *pd_layer_kind_names(void)
{
    return "conv/depthwise, conv/grouped, conv/pointwise, pool/global, pool/avg, "
           "pool/global-max";
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

static void emit_point(pd_sweep_emit emit, void *ctx, pd_sweep_post post, int c, int hw,
                       const char *fmt, va_list ap)
{
    pd_sweep_point p = {.c = c, .hw = hw, .post = post};
    vsnprintf(p.layer, sizeof p.layer, fmt, ap);
    emit(ctx, &p);
}

size_t pd_sweep_point_emit(pd_sweep_emit emit, void *ctx, int c, int hw, const char *fmt, ...)
{
    if (emit) {
        va_list ap;
        va_start(ap, fmt);
        emit_point(emit, ctx, PD_SWEEP_POST_NONE, c, hw, fmt, ap);
        va_end(ap);
    }
    return 1;
}

size_t pd_sweep_point_emit_post(pd_sweep_emit emit, void *ctx, pd_sweep_post post, int c, int hw,
                                const char *fmt, ...)
{
    if (emit) {
        va_list ap;
        va_start(ap, fmt);
        emit_point(emit, ctx, post, c, hw, fmt, ap);
        va_end(ap);
    }
    return 1;
}

bool pd_sweep_point_json(const pd_sweep_point *p, const char *name, char *buf, size_t n)
{
    static const char *const post[] = {
        [PD_SWEEP_POST_NONE] = ", \"exit\": true}",
        [PD_SWEEP_POST_RELU] = "}, {\"name\": \"post\", \"type\": \"relu\", \"exit\": true}",
        [PD_SWEEP_POST_CLIP] = "}, {\"name\": \"post\", \"type\": \"clip\", \"min\": 0, "
                               "\"max\": 6, \"exit\": true}",
        [PD_SWEEP_POST_SILU] = "}, {\"name\": \"sig\", \"type\": \"sigmoid\"}, {\"name\": "
                               "\"post\", \"type\": \"mul\", \"inputs\": [\"l\", \"sig\"], "
                               "\"exit\": true}",
    };
    if ((unsigned)p->post > PD_SWEEP_POST_SILU)
        return false;
    char pre[sizeof p->pre + 48] = "";
    if (p->pre[0])
        snprintf(pre, sizeof pre, "{\"name\": \"pre\", %s}, ", p->pre);
    int len = snprintf(buf, n,
                       "{\"name\": \"%s\", \"input\": [%d, %d, %d], \"layers\": "
                       "[%s{\"name\": \"l\", %s%s]}",
                       name, p->c, p->hw, p->hw, pre, p->layer, post[p->post]);
    return len >= 0 && (size_t)len < n;
}

/* Every (channels, map size) pair of the two lists whose product is at most `limit`, the
 * layer after a layer `pre` unless that is NULL. */
static size_t sweep_grid(const char *pre, const char *fields, const int *c, size_t nc,
                         const int *hw, size_t nhw, int limit, pd_sweep_emit emit, void *ctx)
{
    size_t n = 0;
    for (size_t a = 0; a < nc; a++)
        for (size_t b = 0; b < nhw; b++)
            if (c[a] * hw[b] <= limit) {
                if (!emit) {
                    n++;
                    continue;
                }
                pd_sweep_point p = {.c = c[a], .hw = hw[b]};
                snprintf(p.layer, sizeof p.layer, "%s", fields);
                snprintf(p.pre, sizeof p.pre, "%s", pre ? pre : "");
                emit(ctx, &p);
                n++;
            }
    return n;
}

size_t pd_sweep_elementwise(const char *fields, pd_sweep_emit emit, void *ctx)
{
    static const int c[] = {16, 32, 64, 96}, hw[] = {4, 8, 16, 32};
    return sweep_grid(NULL, fields, c, 4, hw, 4, 96 * 32, emit, ctx);
}

/* 1 x 1: the [C, 1, 1] tensors of squeeze-and-excitation (its activations, its factor) */
static const int maps_c[] = {16, 32, 64, 128, 256, 512, 1024},
                 maps_hw[] = {1, 7, 14, 28, 56, 112};

size_t pd_sweep_feature_maps(const char *fields, pd_sweep_emit emit, void *ctx)
{
    return sweep_grid(NULL, fields, maps_c, 7, maps_hw, 6, 16384, emit, ctx); /* as they occur */
}

size_t pd_sweep_spatial_maps(const char *fields, pd_sweep_emit emit, void *ctx)
{
    return sweep_grid(NULL, fields, maps_c, 7, maps_hw + 1, 5, 16384, emit, ctx); /* no 1 x 1 */
}

size_t pd_sweep_feature_maps_after(const char *pre, const char *fields, pd_sweep_emit emit,
                                   void *ctx)
{
    return sweep_grid(pre, fields, maps_c, 7, maps_hw + 1, 5, 16384, emit, ctx); /* no 1 x 1 */
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
