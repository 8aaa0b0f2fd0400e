/* Each layer's forward pass against a plain reference written from the definitions
 * (PyTorch's semantics), on random shapes and values: relative error under 1e-4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/forward.h"
#include "predoff/graph.h"
#include "predoff/rng.h"

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

/* Runs the layer's forward pass and compares with `want`. */
static void check(const pd_layer *l, const float *w, const float *b, const float *in,
                  const double *want)
{
    size_t n_out = (size_t)pd_shape_elems(l->out);
    const pd_forward_op *op = pd_forward_op_of(l->type);
    float *out = malloc(n_out * sizeof *out);
    size_t ns = op->scratch_floats(l);
    float *scratch = malloc((ns ? ns : 1) * sizeof *scratch);
    assert_non_null(out);
    assert_non_null(scratch);
    pd_forward_args a = {l, w, b, in, out, scratch};
    op->forward(&a);
    double worst = 0.0, scale = 1e-6;
    for (size_t i = 0; i < n_out; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n_out; i++)
        worst = fmax(worst, fabs((double)out[i] - want[i]) / scale);
    if (worst >= 1e-4)
        print_error("layer %s: relative error %g\n", pd_layer_type_name(l->type), worst);
    assert_true(worst < 1e-4);
    free(out);
    free(scratch);
}

static void test_conv(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 1);
    for (int t = 0; t < 60; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 6), h = 3 + (int64_t)pd_rng_below(&r, 14),
                w = 3 + (int64_t)pd_rng_below(&r, 14), k = 1 + (int64_t)pd_rng_below(&r, 5),
                s = 1 + (int64_t)pd_rng_below(&r, 3), p = (int64_t)pd_rng_below(&r, 3),
                f = 1 + (int64_t)pd_rng_below(&r, 8);
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
    for (int t = 0; t < 120; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 4), h = 2 + (int64_t)pd_rng_below(&r, 12),
                w = 2 + (int64_t)pd_rng_below(&r, 12), k = 1 + (int64_t)pd_rng_below(&r, 4),
                s = 1 + (int64_t)pd_rng_below(&r, 3), p = (int64_t)pd_rng_below(&r, (uint64_t)k / 2 + 1);
        int is_max = (int)pd_rng_below(&r, 2), ceil_mode = (int)pd_rng_below(&r, 2);
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
    for (int t = 0; t < 40; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 20), h = 1 + (int64_t)pd_rng_below(&r, 6),
                w = 1 + (int64_t)pd_rng_below(&r, 6), n = 1 + (int64_t)pd_rng_below(&r, 7);
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

static void test_fc_relu_dropout(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 4);
    for (int t = 0; t < 30; t++) {
        int64_t c = 1 + (int64_t)pd_rng_below(&r, 5), h = 1 + (int64_t)pd_rng_below(&r, 5),
                w = 1 + (int64_t)pd_rng_below(&r, 5), o = 1 + (int64_t)pd_rng_below(&r, 30);
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_lrn),
        cmocka_unit_test(test_fc_relu_dropout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
