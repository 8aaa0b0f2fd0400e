/* Convolution, PyTorch's Conv2d: kernels, strides and dilations square or [h, w], zero
 * padding alike on every side, [h, w] or [top, left, bottom, right], groups (depthwise:
 * groups = channels = filters), an optional bias. */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include "graph/layer_type.h"

#define BIG 1048576.0
#define O(f) offsetof(pd_layer_params, f)

static const pd_param_desc params[] = {
    {"filters", PD_PARAM_INT, O(filters), 1, 0, 1, BIG, NULL, {0}},
    {"kernel", PD_PARAM_PAIR, O(kernel), 1, 0, 1, 4096, NULL, {O(kernel_w)}},
    {"stride", PD_PARAM_PAIR, O(stride), 0, 1, 1, BIG, NULL, {O(stride_w)}},
    {"pad", PD_PARAM_PADS, O(pad), 0, 0, 0, BIG, NULL, {O(pad_w), O(pad_b), O(pad_r)}},
    {"dilation", PD_PARAM_PAIR, O(dilation), 0, 1, 1, 4096, NULL, {O(dilation_w)}},
    {"groups", PD_PARAM_INT, O(groups), 0, 1, 1, BIG, NULL, {0}},
    {"bias", PD_PARAM_BOOL, O(bias), 0, 1, 0, 1, NULL, {0}},
};

/* floor((in + pads - d (k - 1) - 1) / s) + 1, as PyTorch; the dilated kernel must fit. */
static pd_status side(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pads, const char *dim,
                      int64_t *out, pd_error *err)
{
    int64_t span = in + pads, reach = d * (k - 1) + 1;
    if (reach > span)
        return pd_error_set(err, PD_EINPUT, "kernel %lld%s is larger than the padded input %s %lld",
                            (long long)k, d > 1 ? " (dilated)" : "", dim, (long long)span);
    *out = (span - reach) / s + 1;
    return PD_OK;
}

static pd_status infer(pd_layer *l, pd_error *err)
{
    const pd_layer_params *p = &l->p;
    if (l->in.c % p->groups || p->filters % p->groups)
        return pd_error_set(err, PD_EINPUT,
                            "field \"groups\": %lld does not divide the %lld input channels and "
                            "the %lld filters",
                            (long long)p->groups, (long long)l->in.c, (long long)p->filters);
    int64_t h = 0, w = 0;
    if (side(l->in.h, p->kernel, p->stride, p->dilation, p->pad + p->pad_b, "height", &h, err) ||
        side(l->in.w, p->kernel_w, p->stride_w, p->dilation_w, p->pad_w + p->pad_r, "width", &w,
             err))
        return PD_EINPUT;
    /* the products' sizes go to BLAS as int */
    if (h * w > INT_MAX || (l->in.c / p->groups) * p->kernel * p->kernel_w > INT_MAX)
        return pd_error_set(err, PD_EINPUT,
                            "%lld x %lld outputs, each over %lld inputs: more than %d, the most "
                            "one matrix product takes",
                            (long long)h, (long long)w,
                            (long long)((l->in.c / p->groups) * p->kernel * p->kernel_w), INT_MAX);
    l->out = (pd_shape){p->filters, h, w};
    return PD_OK;
}

bool pd_conv_is_plain(const pd_layer *l)
{
    const pd_layer_params *p = &l->p;
    return l->type == PD_LAYER_CONV && p->kernel == p->kernel_w && p->stride == p->stride_w &&
           p->pad == p->pad_w && p->pad == p->pad_b && p->pad == p->pad_r && p->dilation == 1 &&
           p->dilation_w == 1 && p->groups == 1;
}

/* Depthwise, other grouped, pointwise (1 x 1, one group), or none: the convolutions of
 * today's CNNs, whose cost per multiply-accumulate differs several-fold (a depthwise layer
 * reads each input once for a few taps; a pointwise one is a plain matrix product). */
static pd_layer_kind kind(const pd_layer *l)
{
    const pd_layer_params *p = &l->p;
    if (p->groups > 1)
        return p->groups == l->in.c && p->groups == p->filters ? PD_KIND_CONV_DEPTHWISE
                                                                : PD_KIND_CONV_GROUPED;
    return p->kernel == 1 && p->kernel_w == 1 ? PD_KIND_CONV_POINTWISE : PD_KIND_NONE;
}

/* One group's channels times the kernel's taps: what each output value sums. */
static double taps(const pd_layer *l)
{
    return (double)(l->in.c / l->p.groups) * (double)(l->p.kernel * l->p.kernel_w);
}

static double weights(const pd_layer *l)
{
    return (double)l->p.filters * taps(l) + (l->p.bias ? (double)l->p.filters : 0.0);
}

static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->out) * taps(l);
}

static double kernel_filters(const pd_layer *l)
{
    double rh = (double)l->p.kernel / (double)l->p.stride,
           rw = (double)l->p.kernel_w / (double)l->p.stride_w;
    return rh * rw * (double)l->p.filters;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    const pd_layer_params *p = &l->p;
    if (pd_conv_is_plain(l)) {
        snprintf(buf, n, "%lld k%lld s%lld p%lld%s", (long long)p->filters,
                 (long long)p->kernel, (long long)p->stride, (long long)p->pad,
                 p->bias ? "" : " nobias");
        return;
    }
    char k[48], s[48], d[48] = "", pad[96], g[32] = "";
    snprintf(k, sizeof k, p->kernel == p->kernel_w ? "%lld" : "%lldx%lld", (long long)p->kernel,
             (long long)p->kernel_w);
    snprintf(s, sizeof s, p->stride == p->stride_w ? "%lld" : "%lldx%lld", (long long)p->stride,
             (long long)p->stride_w);
    if (p->dilation != 1 || p->dilation_w != 1)
        snprintf(d, sizeof d, p->dilation == p->dilation_w ? " d%lld" : " d%lldx%lld",
                 (long long)p->dilation, (long long)p->dilation_w);
    if (p->pad == p->pad_w && p->pad == p->pad_b && p->pad == p->pad_r)
        snprintf(pad, sizeof pad, "%lld", (long long)p->pad);
    else
        snprintf(pad, sizeof pad, "%lld,%lld,%lld,%lld", (long long)p->pad, (long long)p->pad_w,
                 (long long)p->pad_b, (long long)p->pad_r);
    if (p->groups > 1)
        snprintf(g, sizeof g, p->groups == l->in.c && p->groups == p->filters ? " dw" : " g%lld",
                 (long long)p->groups);
    snprintf(buf, n, "%lld k%s s%s p%s%s%s%s", (long long)p->filters, k, s, pad, d, g,
             p->bias ? "" : " nobias");
}

/* PyTorch's Conv2d: weight [F, C/groups, kh, kw], bias [F], both over fan_in C/groups kh kw. */
static size_t tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS])
{
    const int64_t f = l->p.filters, c = l->in.c / l->p.groups;
    const double fan_in = taps(l);
    t[0] = (pd_layer_tensor){".weight", 4, {f, c, l->p.kernel, l->p.kernel_w}, PD_INIT_FAN_IN,
                             fan_in};
    if (!l->p.bias)
        return 1;
    t[1] = (pd_layer_tensor){".bias", 1, {f}, PD_INIT_FAN_IN, fan_in};
    return 2;
}

/* Convolutions with the activation a runtime may run in their pass after them (a fit then
 * sees the fused kernels networks run, by their fused_act_elems): ResNet's dense 3 x 3 and
 * 1 x 1 with a ReLU, MobileNetV2's depthwise and pointwise with a Clip(0, 6) (ReLU6),
 * EfficientNet's with a SiLU, every network's stem; at the sizes they occur at: every
 * depthwise, pointwise and stem one, every third dense one. Each kernel size and stride
 * meets a SiLU at some points and a ReLU or a Clip at others: a fused ReLU costs a
 * depthwise layer a few percent, a SiLU half again its time. */
/* The activation after the i-th depthwise or pointwise fused point: each second a SiLU,
 * the others a ReLU or a Clip in turn. */
static pd_sweep_post every_second_silu(size_t i)
{
    return i % 2 == 0 ? PD_SWEEP_POST_SILU : i % 4 == 1 ? PD_SWEEP_POST_RELU : PD_SWEEP_POST_CLIP;
}

static size_t fused_sweep(pd_sweep_emit emit, void *ctx)
{
    static const pd_sweep_post posts[] = {PD_SWEEP_POST_RELU, PD_SWEEP_POST_CLIP,
                                          PD_SWEEP_POST_SILU};
    static const int d_c[] = {16, 64, 128, 256, 512}, d_hw[] = {7, 14, 28, 56},
                     dw_c[] = {32, 96, 144, 240, 384, 576, 960}, dw_hw[] = {7, 14, 28, 56, 112},
                     pw_c[] = {16, 24, 40, 96, 160, 320, 640}, pw_hw[] = {7, 14, 28, 56, 112};
    size_t n = 0, at = 0;
    /* dense 1 x 1 and 3 x 3, stride 1 and 2 (the exits' branches are 3 x 3, stride 2):
     * every third, the three activations in turn */
    for (size_t a = 0; a < sizeof d_c / sizeof d_c[0]; a++)
        for (size_t b = 0; b < sizeof d_hw / sizeof d_hw[0]; b++)
            for (int k = 1; k <= 3; k += 2)
                for (int s = 1; s <= 2; s++) {
                    if (d_c[a] * d_hw[b] > 7168)
                        continue;
                    if (at % 3 == 0)
                        n += pd_sweep_point_emit_post(emit, ctx, posts[at / 3 % 3], d_c[a],
                                                      d_hw[b],
                                                      "\"type\": \"conv\", \"filters\": %d, "
                                                      "\"kernel\": %d, \"stride\": %d, "
                                                      "\"pad\": %d",
                                                      d_c[a] * (k == 1 ? 2 : 1), k, s, k / 2);
                    at++;
                }
    /* the stems, 3 channels on 224 x 224, stride 2, each with each activation */
    for (int f = 16; f <= 64; f *= 2)
        for (int k = 3; k <= 7; k += 4)
            for (size_t q = 0; q < sizeof posts / sizeof posts[0]; q++)
                n += pd_sweep_point_emit_post(emit, ctx, posts[q], 3, 224,
                                              "\"type\": \"conv\", \"filters\": %d, "
                                              "\"kernel\": %d, \"stride\": 2, \"pad\": %d",
                                              f, k, k / 2);
    /* depthwise 3 x 3 and 5 x 5 at every size, each second with a SiLU (an exponential an
     * element: as much as the convolution's own work at these sizes, EfficientNet's), the
     * others with a ReLU or a Clip in turn; the turn moves on by one at each (channels,
     * size), whose four points (two kernels, two strides) would otherwise give the 3 x 3
     * ones a SiLU always and the 5 x 5 ones never */
    size_t dw = 0;
    for (size_t a = 0; a < sizeof dw_c / sizeof dw_c[0]; a++)
        for (size_t b = 0; b < sizeof dw_hw / sizeof dw_hw[0]; b++)
            for (int s = 1; s <= 2; s++)
                for (int k = 3; k <= 5; k += 2)
                    if (dw_c[a] * dw_hw[b] <= 16384) {
                        n += pd_sweep_point_emit_post(emit, ctx, every_second_silu(dw + dw / 4),
                                                      dw_c[a], dw_hw[b],
                                                      "\"type\": \"conv\", \"filters\": %d, "
                                                      "\"kernel\": %d, \"stride\": %d, "
                                                      "\"pad\": %d, \"groups\": %d, "
                                                      "\"bias\": false",
                                                      dw_c[a], k, s, k / 2, dw_c[a]);
                        dw++;
                    }
    /* pointwise at every size, as the depthwise (EfficientNet's SiLU expansions are its 1 x 1
     * layers with most work) */
    size_t pw = 0;
    for (size_t a = 0; a < sizeof pw_c / sizeof pw_c[0]; a++)
        for (size_t f = 0; f < sizeof pw_c / sizeof pw_c[0]; f++)
            for (size_t b = 0; b < sizeof pw_hw / sizeof pw_hw[0]; b++)
                if (pw_c[a] * pw_hw[b] <= 10752 && 6 * pw_c[f] * pw_hw[b] <= 6 * 10752)
                    n += pd_sweep_point_emit_post(emit, ctx, every_second_silu(pw++), pw_c[a],
                                                  pw_hw[b],
                                                  "\"type\": \"conv\", \"filters\": %d, "
                                                  "\"kernel\": 1, \"bias\": false",
                                                  pw_c[f] * 6 > 960 ? pw_c[f] : pw_c[f] * 6);
    return n;
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
    /* the dense 3 x 3 convolutions of ResNet-18, GoogLeNet and SqueezeNet: 16 to 512
     * channels and filters on 7 x 7 to 56 x 56 maps (the pairs that occur), up to 2.5e8
     * multiply-accumulates; and the stems, 3 channels at 224 x 224 */
    static const int d_c[] = {16, 32, 64, 128, 256, 512}, d_hw[] = {7, 14, 28, 56},
                     d_f[] = {32, 64, 128, 256, 512};
    for (size_t a = 0; a < sizeof d_c / sizeof d_c[0]; a++)
        for (size_t b = 0; b < sizeof d_hw / sizeof d_hw[0]; b++)
            for (size_t f = 0; f < sizeof d_f / sizeof d_f[0]; f++)
                for (int s = 1; s <= 2; s++) {
                    const double o = (d_hw[b] - 1) / s + 1;
                    if (d_c[a] * d_hw[b] > 7168 || (d_c[a] >= 32 && d_f[f] > 4 * d_c[a]) ||
                        o * o * d_f[f] * d_c[a] * 9.0 > 2.5e8)
                        continue;
                    n += pd_sweep_point_emit(emit, ctx, d_c[a], d_hw[b],
                                             "\"type\": \"conv\", \"filters\": %d, "
                                             "\"kernel\": 3, \"stride\": %d, \"pad\": 1",
                                             d_f[f], s);
                }
    /* the largest the six architectures have beyond that grid: GoogLeNet's 64 -> 192 on
     * 56 x 56 (3.5e8), SqueezeNet's 512 -> 1000 classifier on 13 x 13, the MobileNets' and
     * EfficientNet's 16 and 32 -> 96 pointwise on 112 x 112 */
    n += pd_sweep_point_emit(emit, ctx, 64, 56,
                             "\"type\": \"conv\", \"filters\": 192, \"kernel\": 3, \"pad\": 1");
    n += pd_sweep_point_emit(emit, ctx, 512, 13, "\"type\": \"conv\", \"filters\": 1000, "
                                                 "\"kernel\": 1");
    /* ResNet's downsampling 1 x 1 convolutions, stride 2, and their neighbours */
    static const int ds_c[] = {64, 128, 256}, ds_hw[] = {56, 28, 14};
    for (size_t a = 0; a < sizeof ds_c / sizeof ds_c[0]; a++)
        for (int m = 1; m <= 4; m *= 2)
            n += pd_sweep_point_emit(emit, ctx, ds_c[a], ds_hw[a],
                                     "\"type\": \"conv\", \"filters\": %d, \"kernel\": 1, "
                                     "\"stride\": 2, \"bias\": false",
                                     ds_c[a] * m);
    for (int c = 16; c <= 32; c *= 2)
        n += pd_sweep_point_emit(emit, ctx, c, 112,
                                 "\"type\": \"conv\", \"filters\": 96, \"kernel\": 1, "
                                 "\"bias\": false");
    for (int f = 16; f <= 64; f *= 2)
        for (int k = 3; k <= 7; k += 4)
            n += pd_sweep_point_emit(emit, ctx, 3, 224,
                                     "\"type\": \"conv\", \"filters\": %d, \"kernel\": %d, "
                                     "\"stride\": 2, \"pad\": %d",
                                     f, k, k / 2);
    /* grouped convolutions that are not depthwise (ResNeXt's, AlexNet's two groups) */
    static const int g_c[] = {32, 64, 128, 256}, g_g[] = {2, 4, 32}, g_hw[] = {7, 14, 28};
    for (size_t a = 0; a < sizeof g_c / sizeof g_c[0]; a++)
        for (size_t g = 0; g < sizeof g_g / sizeof g_g[0]; g++)
            for (size_t b = 0; b < sizeof g_hw / sizeof g_hw[0]; b++)
                n += pd_sweep_point_emit(emit, ctx, g_c[a], g_hw[b],
                                         "\"type\": \"conv\", \"filters\": %d, "
                                         "\"kernel\": 3, \"pad\": 1, \"groups\": %d",
                                         g_c[a], g_g[g]);
    /* the convolutions of MobileNets and EfficientNets: depthwise 3 x 3 and 5 x 5 at the
     * channel counts and map sizes they use, and pointwise 1 x 1 between such widths (up to
     * 1152 channels, maps up to 112 x 112) and on the 1 x 1 maps of squeeze-and-excitation */
    static const int dw_c[] = {16, 32, 72, 96, 120, 144, 240, 384, 480, 576, 672, 960, 1152},
                     dw_hw[] = {7, 14, 28, 56, 112},
                     pw_c[] = {16, 24, 40, 80, 160, 320, 640, 1152},
                     pw_hw[] = {7, 14, 28, 56, 112},
                     se_c[] = {4, 8, 16, 32, 64, 144, 288, 576, 1152};
    for (size_t a = 0; a < sizeof se_c / sizeof se_c[0]; a++)
        for (size_t f = 0; f < sizeof se_c / sizeof se_c[0]; f++)
            if (se_c[a] * se_c[f] <= 1152 * 64) /* squeeze or excite, not both wide */
                n += pd_sweep_point_emit(emit, ctx, se_c[a], 1,
                                         "\"type\": \"conv\", \"filters\": %d, "
                                         "\"kernel\": 1",
                                         se_c[f]);
    for (size_t a = 0; a < sizeof dw_c / sizeof dw_c[0]; a++)
        for (size_t b = 0; b < sizeof dw_hw / sizeof dw_hw[0]; b++)
            for (int k = 3; k <= 5; k += 2)
                for (int s = 1; s <= 2; s++)
                    if (dw_c[a] * dw_hw[b] <= 16384) /* the sizes that occur together */
                        n += pd_sweep_point_emit(emit, ctx, dw_c[a], dw_hw[b],
                                                 "\"type\": \"conv\", \"filters\": %d, "
                                                 "\"kernel\": %d, \"stride\": %d, \"pad\": %d, "
                                                 "\"groups\": %d, \"bias\": false",
                                                 dw_c[a], k, s, k / 2, dw_c[a]);
    for (size_t a = 0; a < sizeof pw_c / sizeof pw_c[0]; a++)
        for (size_t f = 0; f < sizeof pw_c / sizeof pw_c[0]; f++)
            for (size_t b = 0; b < sizeof pw_hw / sizeof pw_hw[0]; b++)
                if (pw_c[a] * pw_hw[b] <= 10752 && pw_c[f] * pw_hw[b] <= 10752)
                    n += pd_sweep_point_emit(emit, ctx, pw_c[a], pw_hw[b],
                                             "\"type\": \"conv\", \"filters\": %d, "
                                             "\"kernel\": 1, \"bias\": false",
                                             pw_c[f]);
    return n + fused_sweep(emit, ctx);
}

#define IN PD_FEAT_IN_ELEMS
#define OUT PD_FEAT_OUT_ELEMS
#define KF PD_FEAT_KERNEL_FILTERS
#define MACS PD_FEAT_MACS
#define RMACS PD_FEAT_RUNTIME_MACS
#define WB PD_FEAT_WEIGHT_BYTES
/* runtime_macs counts the multiplies of the algorithm the runtime runs the layer with
 * (Winograd's for many), so the sets come in both; transform_elems, the work of
 * Winograd's transforms, goes with runtime_macs; weight_bytes, what a layer of a model
 * larger than the caches reads from memory each run (512 x 512 x 3 x 3: 9.4 MB). */
static const pd_feature_set candidates[] = {
    {2, {IN, KF}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}}, {3, {MACS, IN, OUT}},
    {2, {PD_FEAT_KERNEL_FILTERS_CHANNELS, IN}}, {1, {RMACS}}, {2, {RMACS, IN}},
    {2, {RMACS, OUT}}, {3, {RMACS, IN, OUT}}, {2, {RMACS, PD_FEAT_TRANSFORM_ELEMS}},
    {3, {RMACS, PD_FEAT_TRANSFORM_ELEMS, OUT}}, {2, {MACS, WB}}, {3, {MACS, WB, OUT}},
    {2, {RMACS, WB}}, {3, {RMACS, WB, OUT}}, {3, {RMACS, WB, IN}},
    {3, {RMACS, PD_FEAT_TRANSFORM_ELEMS, WB}},
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
    .kind = kind,
};
