/* Each layer's forward pass against a plain reference written from the definitions
 * (PyTorch's semantics), on random shapes and values: relative error under 1e-4. The pass
 * split over a pool of 1, 2 and 3 threads agrees with the pass alone (to float rounding:
 * OpenBLAS sums a matrix's edge tiles in another order, so a split moves which outputs
 * fall on an edge) and gives the same floats, bit for bit, every time it runs with the
 * same number of threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "nn/workers.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

/* A one-layer model around `layer` (JSON fields without name and exit). */
static pd_graph *one_layer(int64_t c, int64_t h, int64_t w, const char *layer)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"input\": [%lld, %lld, %lld], \"layers\": "
             "[{\"name\": \"l\", %s, \"exit\": true}]}",
             (long long)c, (long long)h, (long long)w, layer);
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "test", &g, &err))
        print_error("%s\n", err.msg);
    assert_non_null(g);
    return g;
}

static float *random_floats(pd_rng *r, size_t n, float lo, float hi)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * (float)pd_rng_uniform(r);
    return v;
}

/* Runs the layer's forward pass and compares with `want`: from the plain weights, or from
 * `prep`, the weights as the type's prepare() left them. */
static void check_pass(const pd_layer *l, const float *w, const float *b, const float *in,
                       const double *want, const float *prep)
{
    size_t n_out = (size_t)pd_shape_elems(l->out);
    const pd_forward_op *op = pd_forward_op_of(l->type);
    float *out = malloc(n_out * sizeof *out);
    size_t ns = op->scratch_floats(l);
    float *scratch = malloc((ns ? ns : 1) * sizeof *scratch);
    assert_non_null(out);
    assert_non_null(scratch);
    pd_forward_args a = {l, w, b, in, out, scratch, pd_act_none(), prep, &in, 1, &l->in};
    op->forward(&a);
    double worst = 0.0, scale = 1e-6;
    for (size_t i = 0; i < n_out; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n_out; i++)
        worst = fmax(worst, fabs((double)out[i] - want[i]) / scale);
    if (worst >= 1e-4)
        print_error("layer %s%s: relative error %g\n", pd_layer_type_name(l->type),
                    prep ? " (prepared weights)" : "", worst);
    assert_true(worst < 1e-4);
    if (op->forward_split)
        for (int threads = 1; threads <= 3; threads++) {
            pd_workers *pool = NULL;
            assert_int_equal(pd_workers_new(threads, &pool, NULL), PD_OK);
            size_t nss = op->split_scratch_floats ? op->split_scratch_floats(l, threads) : ns;
            float *split = malloc(n_out * sizeof *split);
            float *split_scratch = malloc((nss ? nss : 1) * sizeof *split_scratch);
            assert_non_null(split);
            assert_non_null(split_scratch);
            float *first = malloc(n_out * sizeof *first);
            assert_non_null(first);
            for (int run = 0; run < 3; run++) {
                memset(split, 0xff, n_out * sizeof *split); /* NaNs where nothing is written */
                pd_forward_args s = {l, w, b, in, split, split_scratch, pd_act_none(), prep, &in, 1,
                                     &l->in};
                op->forward_split(&s, pool);
                double gap = 0.0, size = 1e-6;
                for (size_t i = 0; i < n_out; i++) {
                    size = fmax(size, fabs((double)out[i]));
                    gap = fmax(gap, isnan(split[i]) ? INFINITY : fabs((double)split[i] - out[i]));
                }
                if (gap / size >= 1e-5)
                    print_error("layer %s %lldx%lldx%lld -> %lldx%lldx%lld split over %d threads: "
                                "%g from the pass alone\n", pd_layer_type_name(l->type),
                                (long long)l->in.c, (long long)l->in.h, (long long)l->in.w,
                                (long long)l->out.c, (long long)l->out.h, (long long)l->out.w,
                                threads, gap / size);
                assert_true(gap / size < 1e-5);
                if (run == 0)
                    memcpy(first, split, n_out * sizeof *first);
                else
                    assert_memory_equal(split, first, n_out * sizeof *first);
            }
            free(first);
            free(split);
            free(split_scratch);
            pd_workers_free(pool);
        }
    free(out);
    free(scratch);
}

/* check_pass from the plain weights and, for a layer whose type prepares them (a
 * convolution that runs by Winograd's method), from the prepared ones too. */
static void check(const pd_layer *l, const float *w, const float *b, const float *in,
                  const double *want)
{
    check_pass(l, w, b, in, want, NULL);
    const pd_forward_op *op = pd_forward_op_of(l->type);
    size_t np = op->prepared_floats ? op->prepared_floats(l) : 0;
    if (np == 0)
        return;
    float *prep = malloc(np * sizeof *prep);
    assert_non_null(prep);
    const float *t[2] = {w, b};
    op->prepare(l, t, prep);
    check_pass(l, w, b, in, want, prep);
    free(prep);
}

/* Shapes beyond the random ones: b-alexnet's layers, odd and large filter counts (the
 * row-major product from 32 filters on), pixel counts that do not split evenly. */
static const int64_t conv_shapes[][7] = {
    /* c, h, w, k, s, p, f */
    {3, 32, 32, 5, 1, 2, 32}, {32, 16, 16, 5, 1, 2, 64}, {64, 8, 8, 3, 1, 1, 96},
    {96, 8, 8, 3, 1, 1, 96},  {96, 8, 8, 3, 1, 1, 64},   {5, 9, 7, 3, 1, 1, 33},
    {7, 13, 11, 3, 2, 1, 97}, {4, 6, 6, 1, 1, 0, 31},    {6, 17, 5, 1, 1, 0, 40},
    {2, 3, 3, 3, 1, 0, 35},   {3, 23, 19, 5, 1, 2, 7},   {8, 31, 29, 3, 1, 1, 5},
    /* Winograd's (with prepared weights): odd sizes that leave part of a tile outside the
     * output, filters that are not a multiple of 16, one tile only, tile counts that split
     * unevenly and leave blocks of fewer than six tiles */
    {16, 9, 7, 3, 1, 1, 16},  {24, 5, 11, 5, 1, 2, 20},  {16, 13, 13, 5, 1, 0, 33},
    {32, 16, 16, 3, 1, 1, 32}, {64, 8, 8, 3, 1, 1, 32},  {16, 3, 3, 3, 1, 1, 17},
    {40, 6, 6, 5, 1, 1, 48},  {16, 4, 4, 3, 1, 0, 16},   {24, 15, 13, 3, 1, 1, 40},
    {16, 17, 11, 5, 1, 2, 24}, {256, 4, 4, 3, 1, 1, 16}, {16, 30, 30, 5, 1, 0, 16},
    {32, 9, 9, 3, 1, 1, 48},
    /* F(2, 5): outputs shorter than m, one tile, filters split; F(2, 3) split by tiles in
     * the middle of a row; padding beyond r - 1; one-pixel outputs; many channels */
    {16, 1, 9, 5, 1, 2, 16},  {64, 1, 9, 5, 1, 2, 40},   {64, 2, 2, 5, 1, 2, 48},
    {32, 2, 40, 3, 1, 1, 16}, {24, 2, 60, 3, 1, 1, 33},  {16, 10, 10, 3, 1, 2, 16},
    {16, 8, 8, 5, 1, 4, 16},  {16, 3, 3, 3, 1, 3, 16},   {16, 40, 1, 3, 1, 1, 16},
    {256, 16, 16, 5, 1, 2, 32}, {384, 13, 13, 3, 1, 1, 64},
    /* four tiles but one block of 16 filters: split by tiles after all */
    {128, 8, 8, 3, 1, 1, 16},
    /* direct (few filters): rows of 6 vectors (4 + 2), padding beyond k - 1, 7 x 7, filters
     * not a multiple of 3, one-pixel-wide outputs */
    {4, 9, 45, 5, 1, 2, 20},  {2, 5, 5, 3, 1, 3, 7},     {8, 20, 20, 7, 1, 3, 12},
    {6, 30, 1, 3, 1, 1, 31},
};

static void test_conv(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 1);
    const int n_fixed = (int)(sizeof conv_shapes / sizeof conv_shapes[0]);
    for (int t = 0; t < 60 + n_fixed; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 6), h = 3 + (int64_t)pd_rng_below(&r, 14),
                w = 3 + (int64_t)pd_rng_below(&r, 14), k = 1 + (int64_t)pd_rng_below(&r, 5),
                s = 1 + (int64_t)pd_rng_below(&r, 3), p = (int64_t)pd_rng_below(&r, 3),
                f = 1 + (int64_t)pd_rng_below(&r, 8);
        if (t >= 60) {
            const int64_t *sh = conv_shapes[t - 60];
            c = sh[0], h = sh[1], w = sh[2], k = sh[3], s = sh[4], p = sh[5], f = sh[6];
        }
        if (k > h + 2 * p || k > w + 2 * p)
            continue;
        char spec[160];
        snprintf(spec, sizeof spec,
                 "\"type\": \"conv\", \"filters\": %lld, \"kernel\": %lld, \"stride\": %lld, "
                 "\"pad\": %lld",
                 (long long)f, (long long)k, (long long)s, (long long)p);
        pd_graph *g = one_layer(c, h, w, spec);
        const pd_layer *l = &g->layers[0];
        float *in = random_floats(&r, (size_t)(c * h * w), -1, 1);
        float *wt = random_floats(&r, (size_t)(f * c * k * k), -1, 1);
        float *b = random_floats(&r, (size_t)f, -1, 1);
        int64_t oh = l->out.h, ow = l->out.w;
        double *want = malloc((size_t)(f * oh * ow) * sizeof *want);
        assert_non_null(want);
        for (int64_t fi = 0; fi < f; fi++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    double acc = b[fi];
                    for (int64_t ci = 0; ci < c; ci++)
                        for (int64_t ky = 0; ky < k; ky++)
                            for (int64_t kx = 0; kx < k; kx++) {
                                int64_t y = oy * s - p + ky, x = ox * s - p + kx;
                                if (y >= 0 && y < h && x >= 0 && x < w)
                                    acc += (double)wt[((fi * c + ci) * k + ky) * k + kx] *
                                           in[(ci * h + y) * w + x];
                            }
                    want[(fi * oh + oy) * ow + ox] = acc;
                }
        check(l, wt, b, in, want);
        free(in);
        free(wt);
        free(b);
        free(want);
        pd_graph_free(g);
    }
}

/* Window positions along one side inside the padded input [-p, n + p). */
static int64_t padded_span(int64_t start, int64_t k, int64_t n, int64_t p)
{
    int64_t count = 0;
    for (int64_t i = start; i < start + k; i++)
        count += i >= -p && i < n + p;
    return count;
}

static void test_pool(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 2);
    for (int t = 0; t < 124; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 4), h = 2 + (int64_t)pd_rng_below(&r, 12),
                w = 2 + (int64_t)pd_rng_below(&r, 12), k = 1 + (int64_t)pd_rng_below(&r, 4),
                s = 1 + (int64_t)pd_rng_below(&r, 3), p = (int64_t)pd_rng_below(&r, (uint64_t)k / 2 + 1);
        int is_max = (int)pd_rng_below(&r, 2), ceil_mode = (int)pd_rng_below(&r, 2);
        if (t >= 120) /* large enough to be split over threads: b-alexnet's pool1, odd sizes */
            c = t % 2 ? 32 : 37, h = t % 2 ? 32 : 31, w = t % 2 ? 32 : 29, k = 3, s = 2, p = 1,
            is_max = t < 122, ceil_mode = t % 2 == 0;
        if (k > h + 2 * p || k > w + 2 * p)
            continue;
        char spec[160];
        snprintf(spec, sizeof spec,
                 "\"type\": \"pool\", \"mode\": \"%s\", \"kernel\": %lld, \"stride\": %lld, "
                 "\"pad\": %lld, \"ceil\": %s",
                 is_max ? "max" : "avg", (long long)k, (long long)s, (long long)p,
                 ceil_mode ? "true" : "false");
        pd_graph *g = one_layer(c, h, w, spec);
        const pd_layer *l = &g->layers[0];
        float *in = random_floats(&r, (size_t)(c * h * w), -2, 2);
        int64_t oh = l->out.h, ow = l->out.w;
        double *want = malloc((size_t)(c * oh * ow) * sizeof *want);
        assert_non_null(want);
        for (int64_t ci = 0; ci < c; ci++)
            for (int64_t oy = 0; oy < oh; oy++)
                for (int64_t ox = 0; ox < ow; ox++) {
                    double best = -INFINITY, sum = 0.0;
                    for (int64_t y = oy * s - p; y < oy * s - p + k; y++)
                        for (int64_t x = ox * s - p; x < ox * s - p + k; x++)
                            if (y >= 0 && y < h && x >= 0 && x < w) {
                                best = fmax(best, in[(ci * h + y) * w + x]);
                                sum += in[(ci * h + y) * w + x];
                            }
                    double div = (double)(padded_span(oy * s - p, k, h, p) *
                                          padded_span(ox * s - p, k, w, p));
                    want[(ci * oh + oy) * ow + ox] = is_max ? best : sum / div;
                }
        check(l, NULL, NULL, in, want);
        free(in);
        free(want);
        pd_graph_free(g);
    }
}

static void test_lrn(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 3);
    for (int t = 0; t < 42; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 20), h = 1 + (int64_t)pd_rng_below(&r, 6),
                w = 1 + (int64_t)pd_rng_below(&r, 6), n = 1 + (int64_t)pd_rng_below(&r, 7);
        if (t >= 40) /* large enough to be split over threads */
            c = 32, h = t == 40 ? 16 : 13, w = t == 40 ? 16 : 11, n = 5;
        double alpha = 1e-4 + pd_rng_uniform(&r), beta = t % 3 ? 0.5 + pd_rng_uniform(&r) : 0.75,
               k = 0.5 + 2 * pd_rng_uniform(&r);
        char spec[160];
        snprintf(spec, sizeof spec,
                 "\"type\": \"lrn\", \"size\": %lld, \"alpha\": %.17g, \"beta\": %.17g, "
                 "\"k\": %.17g",
                 (long long)n, alpha, beta, k);
        pd_graph *g = one_layer(c, h, w, spec);
        float *in = random_floats(&r, (size_t)(c * h * w), -3, 3);
        double *want = malloc((size_t)(c * h * w) * sizeof *want);
        assert_non_null(want);
        for (int64_t ci = 0; ci < c; ci++)
            for (int64_t i = 0; i < h * w; i++) {
                double sum = 0.0;
                for (int64_t cj = ci - n / 2; cj <= ci + (n - 1) / 2; cj++)
                    if (cj >= 0 && cj < c)
                        sum += (double)in[cj * h * w + i] * in[cj * h * w + i];
                want[ci * h * w + i] = in[ci * h * w + i] / pow(k + alpha / (double)n * sum, beta);
            }
        check(&g->layers[0], NULL, NULL, in, want);
        free(in);
        free(want);
        pd_graph_free(g);
    }
}

/* Max pooling lets a NaN through from anywhere in its window, as PyTorch's does (a plain
 * comparison keeps a NaN only when it comes first): the three loops (k 3 s 2, k 2 s 2 and
 * any other window), and the whole-plane 3 x 3 stride-1 pass of rows under 32 (14 x 14,
 * 7 x 7, 2 x 2, 1 x 1), alone and split over 2 threads (inputs of 8192 or more elements
 * are split: the channels are chosen so that every case is). */
static void test_max_pool_nan(void **state)
{
    (void)state;
    static const int64_t cases[][4] = {{3, 2, 1, 40}, {2, 2, 0, 40}, {3, 1, 1, 40},
                                       {3, 1, 1, 14}, {3, 1, 1, 7},  {3, 1, 1, 2},
                                       {3, 1, 1, 1}}; /* k, s, p, H = W */
    pd_rng r;
    pd_rng_seed(&r, 9);
    pd_workers *pool = NULL;
    assert_int_equal(pd_workers_new(2, &pool, NULL), PD_OK);
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int64_t k = cases[t][0], s = cases[t][1], p = cases[t][2], H = cases[t][3],
                      C = 8192 / (H * H) + 8;
        char spec[160];
        snprintf(spec, sizeof spec,
                 "\"type\": \"pool\", \"mode\": \"max\", \"kernel\": %lld, \"stride\": %lld, "
                 "\"pad\": %lld", (long long)k, (long long)s, (long long)p);
        pd_graph *g = one_layer(C, H, H, spec);
        const pd_layer *l = &g->layers[0];
        const pd_forward_op *op = pd_forward_op_of(l->type);
        float *in = random_floats(&r, (size_t)(C * H * H), -2, 2);
        const int64_t nan_at[][3] = {{0, 0, 0}, {1, 5, 6}, {3, 7, 7}, {7, 39, 39}, {5, 20, 1}};
        for (size_t q = 0; q < sizeof nan_at / sizeof nan_at[0]; q++)
            in[(nan_at[q][0] * H + nan_at[q][1] % H) * H + nan_at[q][2] % H] = NAN;
        const int64_t OH = l->out.h, n_out = C * OH * OH;
        float *out = malloc((size_t)n_out * sizeof *out);
        float *scratch = malloc(op->split_scratch_floats(l, 2) * sizeof *scratch);
        assert_non_null(out);
        assert_non_null(scratch);
        for (int split = 0; split < 2; split++) {
            const float *ins = in;
            pd_forward_args a = {l, NULL, NULL, in, out, scratch, pd_act_none(), NULL, &ins, 1, &l->in};
            if (split)
                op->forward_split(&a, pool);
            else
                op->forward(&a);
            for (int64_t c = 0; c < C; c++)
                for (int64_t oy = 0; oy < OH; oy++)
                    for (int64_t ox = 0; ox < OH; ox++) {
                        int has_nan = 0;
                        double best = -INFINITY;
                        for (int64_t y = oy * s - p; y < oy * s - p + k; y++)
                            for (int64_t x = ox * s - p; x < ox * s - p + k; x++)
                                if (y >= 0 && y < H && x >= 0 && x < H) {
                                    float v = in[(c * H + y) * H + x];
                                    has_nan |= isnan(v);
                                    best = isnan(v) ? best : fmax(best, v);
                                }
                        float got = out[(c * OH + oy) * OH + ox];
                        if (has_nan)
                            assert_true(isnan(got));
                        else
                            assert_true((double)got == best);
                    }
        }
        free(in);
        free(out);
        free(scratch);
        pd_graph_free(g);
    }
    pd_workers_free(pool);
}

/* Runs l's pass on `in` into out: alone, or split over `pool`. */
static void run_pass(const pd_layer *l, const float *w, const float *b, const float *in,
                     float *out, pd_act act, const float *prep, pd_workers *pool)
{
    const pd_forward_op *op = pd_forward_op_of(l->type);
    size_t ns = op->scratch_floats(l), nss = op->split_scratch_floats
                                                ? op->split_scratch_floats(l, 2)
                                                : ns;
    size_t n = ns > nss ? ns : nss;
    float *scratch = malloc((n ? n : 1) * sizeof *scratch);
    assert_non_null(scratch);
    pd_forward_args a = {l, w, b, in, out, scratch, act, prep, &in, 1, &l->in};
    if (pool && op->forward_split)
        op->forward_split(&a, pool);
    else
        op->forward(&a);
    free(scratch);
}

/* NaN and infinity propagate as in PyTorch (issue 12): ReLU keeps a NaN (a ReLU written
 * x > 0 ? x : 0, or max(x, 0) in AVX, made it a clean 0 and `run` printed a class as if it
 * were real); a convolution with its ReLU fused, by each of the runtime's three
 * algorithms, gives NaN wherever its window reads one; LRN gives NaN exactly on the
 * channels whose window holds it and PyTorch's values on the others. Alone and split. */
static void test_nan_propagates(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 12);
    pd_workers *pool = NULL;
    assert_int_equal(pd_workers_new(2, &pool, NULL), PD_OK);

    /* ReLU: NaN stays, +inf stays, -inf and -0 become +0 */
    pd_graph *g = one_layer(16, 16, 16, "\"type\": \"relu\"");
    size_t n = 16 * 16 * 16;
    float *in = random_floats(&r, n, -1, 1), *out = malloc(n * sizeof *out);
    assert_non_null(out);
    in[5] = NAN;
    in[4000] = NAN;
    in[7] = INFINITY;
    in[8] = -INFINITY;
    in[9] = -0.0f;
    for (int split = 0; split < 2; split++) {
        run_pass(&g->layers[0], NULL, NULL, in, out, pd_act_none(), NULL, split ? pool : NULL);
        for (size_t i = 0; i < n; i++) {
            if (isnan(in[i]))
                assert_true(isnan(out[i]));
            else
                assert_true(out[i] == (in[i] > 0 ? in[i] : 0.0f) && !signbit(out[i]));
        }
    }
    pd_graph_free(g);
    free(in);
    free(out);

    /* conv + fused ReLU: im2col (stride 2), the direct kernel (3 channels, 8 filters) and
     * Winograd (16 and 16, its weights prepared); one NaN input pixel at (5, 6) */
    static const int64_t convs[][4] = {{3, 8, 2, 0}, {3, 8, 1, 0}, {16, 16, 1, 1}}; /* C F s wino */
    for (size_t t = 0; t < sizeof convs / sizeof convs[0]; t++) {
        const int64_t C = convs[t][0], F = convs[t][1], st = convs[t][2], H = 12, k = 3;
        char spec[160];
        snprintf(spec, sizeof spec,
                 "\"type\": \"conv\", \"filters\": %lld, \"kernel\": 3, \"stride\": %lld, "
                 "\"pad\": 1", (long long)F, (long long)st);
        g = one_layer(C, H, H, spec);
        const pd_layer *l = &g->layers[0];
        const pd_forward_op *op = pd_forward_op_of(l->type);
        in = random_floats(&r, (size_t)(C * H * H), -1, 1);
        float *w = random_floats(&r, (size_t)(F * C * k * k), -1, 1);
        float *b = random_floats(&r, (size_t)F, -1, 1);
        for (int64_t c = 0; c < C; c++)
            in[(c * H + 5) * H + 6] = c == 1 ? NAN : in[(c * H + 5) * H + 6];
        size_t np = op->prepared_floats ? op->prepared_floats(l) : 0;
        if (convs[t][3] && pd_runtime_vector_convolutions())
            assert_true(np > 0); /* the shape really is Winograd's */
        float *prep = np ? malloc(np * sizeof *prep) : NULL;
        if (np) {
            assert_non_null(prep);
            const float *wb[2] = {w, b};
            op->prepare(l, wb, prep);
        }
        const int64_t OH = l->out.h;
        out = malloc((size_t)(F * OH * OH) * sizeof *out);
        assert_non_null(out);
        for (int split = 0; split < 2; split++) {
            run_pass(l, w, b, in, out, pd_act_relu(), prep, split ? pool : NULL);
            for (int64_t f = 0; f < F; f++)
                for (int64_t oy = 0; oy < OH; oy++)
                    for (int64_t ox = 0; ox < OH; ox++) {
                        int64_t y0 = oy * st - 1, x0 = ox * st - 1;
                        bool reads = y0 <= 5 && 5 < y0 + k && x0 <= 6 && 6 < x0 + k;
                        float v = out[(f * OH + oy) * OH + ox];
                        if (reads)
                            assert_true(isnan(v));
                        else if (!np) /* Winograd mixes a whole tile: NaN beyond the window */
                            assert_true(isfinite(v) && v >= 0.0f);
                    }
        }
        free(prep);
        free(out);
        free(in);
        free(w);
        free(b);
        pd_graph_free(g);
    }

    /* LRN, 8 channels of 16 x 16 (split), size 5, both of its formulas (beta 0.75 by square
     * roots, any other by powf): a NaN at channel 3 of pixel 10 makes channels 1..5 of it
     * NaN; +inf at channel 0 of pixel 20 makes channel 0 NaN (inf / inf), 1 and 2 zero */
    const double betas[] = {0.75, 0.6};
    for (size_t q = 0; q < 2; q++) {
        const int64_t C = 8, HW = 256;
        char spec[128];
        snprintf(spec, sizeof spec,
                 "\"type\": \"lrn\", \"size\": 5, \"alpha\": 0.5, \"beta\": %g, \"k\": 2",
                 betas[q]);
        g = one_layer(C, 16, 16, spec);
        in = random_floats(&r, (size_t)(C * HW), -1, 1);
        out = malloc((size_t)(C * HW) * sizeof *out);
        assert_non_null(out);
        in[3 * HW + 10] = NAN;
        in[0 * HW + 20] = INFINITY;
        for (int split = 0; split < 2; split++) {
            run_pass(&g->layers[0], NULL, NULL, in, out, pd_act_none(), NULL, split ? pool : NULL);
            for (int64_t c = 0; c < C; c++)
                for (int64_t i = 0; i < HW; i++) {
                    double sum = 0.0;
                    for (int64_t j = c - 2; j <= c + 2; j++)
                        if (j >= 0 && j < C)
                            sum += (double)in[j * HW + i] * in[j * HW + i];
                    double want = in[c * HW + i] / pow(2.0 + 0.5 / 5.0 * sum, betas[q]);
                    float got = out[c * HW + i];
                    if (isnan(want))
                        assert_true(isnan(got));
                    else
                        assert_true(fabs(got - want) <= 1e-5 * (1 + fabs(want)));
                }
            assert_true(isnan(out[1 * HW + 10]) && isnan(out[5 * HW + 10]));
            assert_true(!isnan(out[0 * HW + 10]) && !isnan(out[6 * HW + 10]));
            assert_true(isnan(out[20]) && out[1 * HW + 20] == 0.0f && isfinite(out[3 * HW + 20]));
        }
        free(in);
        free(out);
        pd_graph_free(g);
    }
    pd_workers_free(pool);
}

static void test_fc_relu_dropout(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 4);
    for (int t = 0; t < 32; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 5), h = 1 + (int64_t)pd_rng_below(&r, 5),
                w = 1 + (int64_t)pd_rng_below(&r, 5), o = 1 + (int64_t)pd_rng_below(&r, 30);
        if (t >= 30) /* large enough to be split over threads */
            c = 64, h = t == 30 ? 48 : 47, w = t == 30 ? 48 : 45, o = t == 30 ? 64 : 37;
        size_t n = (size_t)(c * h * w);
        char spec[64];
        snprintf(spec, sizeof spec, "\"type\": \"fc\", \"outputs\": %lld", (long long)o);
        pd_graph *g = one_layer(c, h, w, spec);
        float *in = random_floats(&r, n, -1, 1);
        float *wt = random_floats(&r, (size_t)o * n, -1, 1);
        float *b = random_floats(&r, (size_t)o, -1, 1);
        double *want = malloc(((size_t)o > n ? (size_t)o : n) * sizeof *want);
        assert_non_null(want);
        for (int64_t j = 0; j < o; j++) {
            double acc = b[j];
            for (size_t i = 0; i < n; i++)
                acc += (double)wt[(size_t)j * n + i] * in[i];
            want[j] = acc;
        }
        check(&g->layers[0], wt, b, in, want);
        pd_graph_free(g);

        g = one_layer(c, h, w, "\"type\": \"relu\"");
        for (size_t i = 0; i < n; i++)
            want[i] = in[i] > 0 ? in[i] : 0.0;
        check(&g->layers[0], NULL, NULL, in, want);
        pd_graph_free(g);

        g = one_layer(c, h, w, "\"type\": \"dropout\", \"ratio\": 0.3");
        for (size_t i = 0; i < n; i++)
            want[i] = in[i];
        check(&g->layers[0], NULL, NULL, in, want);
        pd_graph_free(g);
        free(in);
        free(wt);
        free(b);
        free(want);
    }
}

int main(void)
{
    openblas_set_num_threads(1); /* one thread a call, as a net sets it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_max_pool_nan),
        cmocka_unit_test(test_lrn),
        cmocka_unit_test(test_fc_relu_dropout),
        cmocka_unit_test(test_nan_propagates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
