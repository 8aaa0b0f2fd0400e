/* The sweep's networks: small random multi-exit CNNs built of the blocks real networks use
 * (plain, basic and bottleneck residual, inverted residual with squeeze-and-excitation,
 * fire, inception), so that the sweep times layers inside runs as the networks' layers are
 * timed: their inputs just written, their weights waiting while the rest of the run
 * computes, the runtime's fusions as they happen. Deterministic in the index. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "predoff/measure.h"
#include "predoff/rng.h"

typedef struct net_text {
    char *buf;
    size_t cap, len;
    bool full;
    int next; /* the next layer's number, for names */
} net_text;

typedef struct tensor {
    char name[24];
    int c, hw;
} tensor;

static void put(net_text *t, const char *fmt, ...)
{
    if (t->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len)
        t->full = true;
    else
        t->len += (size_t)n;
}

/* Opens a layer named after its number, reading `in`; returns its output, c x hw x hw. */
static tensor open_layer(net_text *t, const char *type, const tensor *in, int c, int hw)
{
    tensor out = {.c = c, .hw = hw};
    snprintf(out.name, sizeof out.name, "n%d", t->next++);
    put(t, "%s{\"name\": \"%s\", \"type\": \"%s\", \"input\": \"%s\"", t->next > 1 ? ", " : "",
        out.name, type, in->name);
    return out;
}

static const char *const acts[] = {"relu", "clip", "hardswish"}; /* and SiLU, 3 */

/* A layer of several inputs ("add", "concat", "mul"). */
static tensor join(net_text *t, const char *type, const tensor *a, const tensor *b, int c)
{
    tensor out = {.c = c, .hw = a->hw};
    snprintf(out.name, sizeof out.name, "n%d", t->next++);
    put(t, ", {\"name\": \"%s\", \"type\": \"%s\", \"inputs\": [\"%s\", \"%s\"]}", out.name, type,
        a->name, b->name);
    return out;
}

/* A layer of type `type` and no parameters, of its input's shape. */
static tensor simple(net_text *t, const char *type, const tensor *in)
{
    tensor out = open_layer(t, type, in, in->c, in->hw);
    put(t, "}");
    return out;
}

/* Activation a after in: relu, relu6, hardswish, or SiLU (EfficientNet's, a sigmoid and a
 * mul, which the runtime fuses into the layer before). */
static tensor act(net_text *t, const tensor *in, int a)
{
    if (a == 3) {
        tensor sig = simple(t, "sigmoid", in);
        return join(t, "mul", in, &sig, in->c);
    }
    return simple(t, acts[a], in);
}

/* A convolution of k x k, stride s, same padding, groups g, then its activation a (-1:
 * none). */
static tensor conv(net_text *t, const tensor *in, int filters, int k, int s, int g, int a)
{
    int hw = (in->hw + 2 * (k / 2) - k) / s + 1;
    tensor out = open_layer(t, "conv", in, filters, hw);
    put(t, ", \"filters\": %d, \"kernel\": %d, \"stride\": %d, \"pad\": %d", filters, k, s,
        k / 2);
    if (g > 1)
        put(t, ", \"groups\": %d", g);
    put(t, "}");
    return a >= 0 ? act(t, &out, a) : out;
}

static tensor pool(net_text *t, const tensor *in, const char *mode, int k, int s, int p)
{
    tensor out = open_layer(t, "pool", in, in->c, (in->hw + 2 * p - k) / s + 1);
    put(t, ", \"mode\": \"%s\", \"kernel\": %d, \"stride\": %d, \"pad\": %d}", mode, k, s, p);
    return out;
}

static tensor global_pool(net_text *t, const tensor *in)
{
    tensor out = open_layer(t, "pool", in, in->c, 1);
    put(t, ", \"mode\": \"avg\", \"global\": true}");
    return out;
}

static tensor concat(net_text *t, const tensor *parts, int n)
{
    tensor out = {.hw = parts[0].hw};
    snprintf(out.name, sizeof out.name, "n%d", t->next++);
    put(t, ", {\"name\": \"%s\", \"type\": \"concat\", \"inputs\": [", out.name);
    for (int i = 0; i < n; i++) {
        put(t, "%s\"%s\"", i ? ", " : "", parts[i].name);
        out.c += parts[i].c;
    }
    put(t, "]}");
    return out;
}

static tensor fc(net_text *t, const tensor *in, int outputs, bool exit)
{
    tensor out = open_layer(t, "fc", in, outputs, 1);
    put(t, ", \"outputs\": %d%s}", outputs, exit ? ", \"exit\": true" : "");
    return out;
}

static tensor lrn(net_text *t, const tensor *in)
{
    tensor out = open_layer(t, "lrn", in, in->c, in->hw);
    put(t, ", \"size\": 3, \"alpha\": 5e-05}");
    return out;
}

static tensor flatten(net_text *t, const tensor *in)
{
    tensor out = open_layer(t, "flatten", in, in->c * in->hw * in->hw, 1);
    put(t, "}");
    return out;
}

static int pick(pd_rng *r, const int *v, int n) { return v[pd_rng_below(r, (uint64_t)n)]; }

static int round8(double c) { return c < 8 ? 8 : 8 * (int)((c + 4) / 8); }

/* An early exit's head from x: pooled to 1 x 1 and flattened, a convolution of stride 2
 * before the pool or not, as predoff's multi-exit ONNX models have; or BranchyNet's, a
 * convolution and a pool, then one or two fc layers on the map. */
static void head(net_text *t, pd_rng *r, const tensor *x, int a)
{
    const int outputs = pick(r, (const int[]){10, 100, 1000}, 3);
    const int style = (int)pd_rng_below(r, 3);
    if (style < 2) { /* pooled, after a convolution of stride 2 in style 1 */
        tensor g = *x;
        if (style == 1)
            g = conv(t, x, pick(r, (const int[]){16, 32, 64}, 3), 3, x->hw >= 4 ? 2 : 1, 1, 0);
        g = global_pool(t, &g);
        if (pd_rng_below(r, 2) == 0)
            g = flatten(t, &g);
        fc(t, &g, outputs, true);
        return;
    }
    tensor h = conv(t, x, pick(r, (const int[]){16, 32, 64}, 3), 3, 1, 1, a);
    if (h.hw >= 4)
        h = pool(t, &h, "max", 3, 2, 1);
    while (h.c * h.hw * h.hw > 8192) /* an fc of at most 8192 inputs */
        h = pool(t, &h, "max", 2, 2, 0);
    if (pd_rng_below(r, 2) == 0) {
        h = fc(t, &h, pick(r, (const int[]){64, 128, 256}, 3), false);
        h = act(t, &h, 0);
        if (pd_rng_below(r, 2) == 0)
            h = simple(t, "dropout", &h);
    }
    fc(t, &h, outputs, true);
}

typedef enum family { PLAIN, BASIC, BOTTLENECK, INVERTED, FIRE, INCEPTION, FAMILIES } family;

/* A residual block's end: y plus x (through a 1 x 1 projection of stride s when the
 * shapes differ, as ResNet's), then activation a. */
static tensor residual(net_text *t, const tensor *x, const tensor *y, int s, int a)
{
    tensor skip = *x;
    if (s > 1 || x->c != y->c)
        skip = conv(t, x, y->c, 1, s, 1, -1);
    tensor sum = join(t, "add", y, &skip, y->c);
    return act(t, &sum, a);
}

/* One block of family f from x to `c` channels, the first of a stage striding by s. */
static tensor block(net_text *t, pd_rng *r, family f, const tensor *x, int c, int s, int a)
{
    switch (f) {
    case PLAIN: { /* AlexNet's and LeNet's: a pool halves the map, an LRN may follow */
        tensor y = conv(t, x, c, pick(r, (const int[]){3, 3, 5}, 3), 1, 1, a);
        if (pd_rng_below(r, 3) == 0)
            y = conv(t, &y, c, 3, 1, 1, a);
        if (s > 1) {
            const int k = y.hw >= 3 ? pick(r, (const int[]){2, 3}, 2) : 2;
            y = pool(t, &y, "max", k, 2, k == 3);
            if (pd_rng_below(r, 3) == 0)
                y = lrn(t, &y);
        }
        return y;
    }
    case BASIC: {
        tensor y = conv(t, x, c, 3, s, 1, a);
        y = conv(t, &y, c, 3, 1, 1, -1);
        return residual(t, x, &y, s, a);
    }
    case BOTTLENECK: {
        int mid = round8(c / 4.0);
        tensor y = conv(t, x, mid, 1, 1, 1, a);
        y = conv(t, &y, mid, 3, s, 1, a);
        y = conv(t, &y, c, 1, 1, 1, -1);
        return residual(t, x, &y, s, a);
    }
    case INVERTED: {
        int wide = round8(x->c * (double)pick(r, (const int[]){3, 4, 6, 6}, 4));
        tensor y = *x;
        if (wide != x->c)
            y = conv(t, x, wide, 1, 1, 1, a);
        y = conv(t, &y, wide, pick(r, (const int[]){3, 3, 5}, 3), s, wide, a);
        if (pd_rng_below(r, 2) == 0) { /* squeeze and excite */
            tensor g = global_pool(t, &y);
            /* MobileNetV3 squeezes by 4, EfficientNet by 24 of its block's input */
            const int squeeze = wide / pick(r, (const int[]){4, 8, 16, 24}, 4);
            tensor e = conv(t, &g, squeeze > 4 ? squeeze : 4, 1, 1, 1, a == 3 ? 3 : 0);
            e = conv(t, &e, wide, 1, 1, 1, -1);
            tensor sig = simple(t, a == 2 ? "hardsigmoid" : "sigmoid", &e);
            y = join(t, "mul", &y, &sig, wide);
        }
        y = conv(t, &y, c, 1, 1, 1, -1);
        if (s == 1 && x->c == c)
            y = join(t, "add", &y, x, c);
        return y;
    }
    case FIRE: {
        tensor in = *x;
        if (s > 1)
            in = pool(t, x, "max", 3, 2, (int)pd_rng_below(r, 2)); /* 0: odd maps */
        tensor sq = conv(t, &in, round8(c / 8.0), 1, 1, 1, 0);
        tensor parts[2] = {conv(t, &sq, c / 2, 1, 1, 1, 0), conv(t, &sq, c / 2, 3, 1, 1, 0)};
        return concat(t, parts, 2);
    }
    default: { /* inception */
        tensor in = *x;
        if (s > 1)
            in = pool(t, x, "max", 3, 2, (int)pd_rng_below(r, 2)); /* 0: odd maps */
        int q = round8(c / 4.0);
        tensor parts[4];
        parts[0] = conv(t, &in, q, 1, 1, 1, 0);
        tensor m = conv(t, &in, round8(q * 0.75), 1, 1, 1, 0);
        parts[1] = conv(t, &m, q, 3, 1, 1, 0);
        m = conv(t, &in, round8(q / 4.0), 1, 1, 1, 0);
        parts[2] = conv(t, &m, q, pick(r, (const int[]){3, 5}, 2), 1, 1, 0);
        m = pool(t, &in, "max", 3, 1, 1);
        parts[3] = conv(t, &m, c - 3 * q > 8 ? c - 3 * q : 8, 1, 1, 1, 0);
        return concat(t, parts, 4);
    }
    }
}

bool pd_sweep_net_json(size_t index, char *buf, size_t n)
{
    if (n == 0)
        return false;
    pd_rng r;
    pd_rng_seed(&r, 0x5EEDu + 7919u * (uint64_t)index);
    net_text t = {buf, n, 0, false, 0};
    /* inverted residuals twice as often: most of today's networks for phones are built of
     * them (MobileNetV2 and V3, EfficientNet, MnasNet) */
    family f = (family)pick(&r, (const int[]){PLAIN, BASIC, BOTTLENECK, INVERTED, INVERTED, FIRE,
                                              INCEPTION}, 7);
    /* plain networks mostly small (LeNet's, CIFAR's), the others as phones' cameras give */
    const int hw_in = f == PLAIN ? pick(&r, (const int[]){28, 32, 32, 64, 96, 227}, 6)
                                 : pick(&r, (const int[]){28, 32, 64, 96, 128, 160, 224, 224,
                                                          224, 227}, 10);
    const int c_in = hw_in == 28 ? 1 : 3;
    int a = (int)pd_rng_below(&r, 4), width = pick(&r, (const int[]){16, 24, 32, 48, 64}, 5);
    if (f == PLAIN || f == BASIC || f == BOTTLENECK)
        a = 0; /* relu, as those networks have */
    put(&t, "{\"name\": \"sweepnet-%zu\", \"input\": [%d, %d, %d], \"layers\": [", index, c_in,
        hw_in, hw_in);
    tensor x = {"@input", c_in, hw_in};
    int stem_k = hw_in >= 128 ? pick(&r, (const int[]){3, 5, 7}, 3) : 3;
    x = conv(&t, &x, width, stem_k, hw_in >= 96 ? 2 : 1, 1, a);
    if (hw_in >= 96 && pd_rng_below(&r, 2) == 0)
        x = pool(&t, &x, "max", 3, 2, (int)pd_rng_below(&r, 2));
    const int stages = 2 + (int)pd_rng_below(&r, 4);
    /* early exits: after one stage before the last surely, after each other one by a coin */
    const int exit_stage = (int)pd_rng_below(&r, (uint64_t)stages - 1);
    int c = f == BOTTLENECK ? 4 * width : width;
    for (int st = 0; st < stages && !t.full; st++) {
        const int blocks = 1 + (int)pd_rng_below(&r, 3);
        const int s = st > 0 && x.hw >= 4 ? 2 : 1;
        c = round8(c * (st == 0 ? 1.0 : (f == INVERTED ? 1.5 : 2.0)));
        if (c > (f == BOTTLENECK ? 1024 : 512))
            c = f == BOTTLENECK ? 1024 : 512;
        for (int b = 0; b < blocks; b++)
            x = block(&t, &r, f, &x, c, b == 0 ? s : 1, a);
        if (st < stages - 1 && (st == exit_stage || pd_rng_below(&r, 2) == 0))
            head(&t, &r, &x, a);
    }
    if (f == INVERTED) /* MobileNet's last 1 x 1 */
        x = conv(&t, &x, pick(&r, (const int[]){576, 960, 1280}, 3), 1, 1, 1, a);
    if (f == PLAIN && x.c * x.hw * x.hw <= 16384) { /* AlexNet's: fc layers on the map */
        tensor h = fc(&t, &x, pick(&r, (const int[]){128, 256, 512, 1024}, 4), false);
        h = act(&t, &h, 0);
        h = simple(&t, "dropout", &h);
        fc(&t, &h, pick(&r, (const int[]){10, 100, 1000}, 3), true);
    } else {
        tensor g = global_pool(&t, &x);
        if (pd_rng_below(&r, 2) == 0)
            g = flatten(&t, &g);
        if (pd_rng_below(&r, 3) == 0) { /* a hidden fc before the last, as MobileNetV3's */
            g = fc(&t, &g, 1024, false);
            g = act(&t, &g, a);
            g = simple(&t, "dropout", &g);
        }
        fc(&t, &g, 1000, true);
    }
    put(&t, "]}");
    return !t.full;
}
