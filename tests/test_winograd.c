/* Winograd's minimal filtering: the matrices that the Cook-Toom construction builds give
 * the correlation of n inputs with r taps for every F(m, r) the runtime could use, and the
 * runtime takes that path, or the direct convolution, for the convolutions it should, with
 * latency features that count its work (test_layers compares each path's outputs with the
 * plain reference; test_runtime, whole networks with PyTorch's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn/conv_direct.h"
#include "nn/winograd.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

static void test_matrices_correlate(void **state)
{
    (void)state;
    static const int mr[][2] = {{2, 3}, {2, 5}, {4, 3}, {4, 5}, {6, 3}, {3, 3}, {2, 7}};
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (size_t t = 0; t < sizeof mr / sizeof mr[0]; t++) {
        const int m = mr[t][0], r = mr[t][1], n = m + r - 1;
        double at[64], g[64], bt[64];
        pd_winograd_matrices(m, r, at, g, bt);
        for (int trial = 0; trial < 20; trial++) {
            double d[8], k[8], gk[8], btd[8], y;
            for (int i = 0; i < n; i++)
                d[i] = 2.0 * pd_rng_uniform(&rng) - 1.0;
            for (int i = 0; i < r; i++)
                k[i] = 2.0 * pd_rng_uniform(&rng) - 1.0;
            for (int j = 0; j < n; j++) {
                gk[j] = btd[j] = 0.0;
                for (int i = 0; i < r; i++)
                    gk[j] += g[j * r + i] * k[i];
                for (int i = 0; i < n; i++)
                    btd[j] += bt[j * n + i] * d[i];
            }
            for (int i = 0; i < m; i++) {
                y = 0.0;
                for (int j = 0; j < n; j++)
                    y += at[i * n + j] * gk[j] * btd[j];
                double want = 0.0;
                for (int q = 0; q < r; q++)
                    want += k[q] * d[i + q];
                if (fabs(y - want) > 1e-9)
                    print_error("F(%d, %d) output %d: %.17g, want %.17g\n", m, r, i, y, want);
                assert_true(fabs(y - want) <= 1e-9);
            }
        }
    }
}

/* F(2, 3)'s matrices are Lavin and Gray's, up to the sign of B^T's first and last rows
 * (matched by G's first row and A^T's last column). */
static void test_matrices_f23(void **state)
{
    (void)state;
    double at[8], g[12], bt[16];
    pd_winograd_matrices(2, 3, at, g, bt);
    const double want_bt[16] = {-1, 0, 1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, -1, 0, 1};
    const double want_g[12] = {-1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1};
    const double want_at[8] = {1, 1, 1, 0, 0, 1, -1, 1};
    for (int i = 0; i < 16; i++)
        assert_true(bt[i] == want_bt[i]);
    for (int i = 0; i < 12; i++)
        assert_true(g[i] == want_g[i]);
    for (int i = 0; i < 8; i++)
        assert_true(at[i] == want_at[i]);
}

static const pd_layer *conv_of(pd_graph **g, int64_t c, int64_t hw, int64_t k, int64_t stride,
                               int64_t filters)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"input\": [%lld, %lld, %lld], \"layers\": [{\"name\": \"l\", "
             "\"type\": \"conv\", \"filters\": %lld, \"kernel\": %lld, \"stride\": %lld, "
             "\"pad\": 1, \"exit\": true}]}",
             (long long)c, (long long)hw, (long long)hw, (long long)filters, (long long)k,
             (long long)stride);
    assert_int_equal(pd_graph_from_json(json, strlen(json), "test", g, NULL), PD_OK);
    return &(*g)->layers[0];
}

static void test_which_layers(void **state)
{
    (void)state;
    const int cpu = pd_runtime_vector_convolutions();
    static const struct {
        int64_t c, hw, k, stride, filters;
        int winograd; /* on a CPU with AVX2 and FMA */
        int direct;
    } cases[] = {
        {32, 16, 5, 1, 64, 4, 0}, /* b-alexnet's conv2 */
        {96, 8, 3, 1, 96, 4, 0},  /* conv4 */
        {16, 2, 3, 1, 16, 2, 0},  /* 2 x 2 outputs: one tile of F(2, 3) (16 multiplies a
                                  channel), of F(4, 3) 36 */
        {16, 6, 3, 1, 16, 2, 0},  /* 6 x 6: 9 x 16 = 4 x 36, a tie */
        {16, 6, 5, 1, 16, 4, 0},  /* 4 x 4 of 5 x 5: one tile of 64 against 4 x 36 */
        {16, 4, 5, 1, 16, 2, 0},  /* 2 x 2 of 5 x 5: 36 against 64 */
        {16, 8, 3, 1, 20, 4, 0},  /* 20 filters: runtime_macs counts 32 */
        {16, 12, 5, 1, 16, 4, 0}, /* 10 x 10: 25 x 36 against 9 x 64 */
        {3, 32, 5, 1, 32, 0, 1},  /* conv1: three channels: direct */
        {3, 32, 5, 1, 33, 0, 0},  /* 33 filters: im2col */
        {32, 16, 3, 2, 32, 0, 0}, /* stride 2 */
        {32, 16, 1, 1, 32, 0, 0}, /* 1 x 1 */
        {32, 16, 7, 1, 32, 0, 1}, /* 7 x 7 */
        {20, 16, 3, 1, 32, 0, 1}, /* channels not a multiple of 8 */
        {32, 16, 3, 1, 8, 0, 1},  /* 8 filters */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_graph *g = NULL;
        const pd_layer *l = conv_of(&g, cases[i].c, cases[i].hw, cases[i].k, cases[i].stride,
                                    cases[i].filters);
        int want = cpu ? cases[i].winograd : 0;
        assert_int_equal(pd_winograd_tile(l), want);
        assert_int_equal(pd_layer_direct_conv(l), cases[i].direct); /* the shape rule */
        assert_int_equal(pd_direct_conv(l), cpu && cases[i].direct);
        assert_true((pd_direct_scratch_floats(l, 2) > 0) == (cpu && cases[i].direct));
        assert_int_equal(pd_layer_winograd_tile(l), cases[i].winograd); /* the shape rule */
        assert_true((pd_winograd_prepared_floats(l) > 0) == (want > 0));
        /* the features count what the rule runs: Winograd's multiplies and transforms */
        const int64_t m = cases[i].winograd, n = m + cases[i].k - 1,
                      oh = l->out.h, ow = l->out.w, c = cases[i].c, f = cases[i].filters;
        double points = m ? (double)(((oh + m - 1) / m) * ((ow + m - 1) / m) * n * n) : 0.0;
        double f16 = (double)((f + 15) / 16 * 16);
        /* a direct convolution's rows are vectors of 8 pixels, the last one partly used */
        double direct = (double)(f * oh * ((ow + 7) / 8 * 8) * c * cases[i].k * cases[i].k);
        assert_true(pd_layer_runtime_macs(l) == (m                  ? points * (double)c * f16
                                                 : cases[i].direct ? direct
                                                                   : pd_layer_macs(l)));
        assert_true(pd_layer_transform_elems(l) == points * (double)(c + f));
        pd_graph_free(g);
    }
}

/* b-alexnet's conv2 in numbers: F(4, 5) on a 16 x 16 output, 16 tiles of 8 x 8. */
static void test_conv2_features(void **state)
{
    (void)state;
    pd_graph *g = NULL;
    const char *json = "{\"name\": \"t\", \"input\": [32, 16, 16], \"layers\": [{\"name\": \"l\", "
                       "\"type\": \"conv\", \"filters\": 64, \"kernel\": 5, \"pad\": 2, "
                       "\"exit\": true}]}";
    assert_int_equal(pd_graph_from_json(json, strlen(json), "test", &g, NULL), PD_OK);
    assert_true(pd_layer_macs(&g->layers[0]) == 13107200.0);     /* 64 x 256 x 32 x 25 */
    assert_true(pd_layer_runtime_macs(&g->layers[0]) == 2097152.0); /* 16 x 64 x 32 x 64 */
    assert_true(pd_layer_transform_elems(&g->layers[0]) == 98304.0); /* 16 x 64 x 96 */
    /* the graph gives the engine's features only through the runtime's hook */
    assert_true(isnan(pd_graph_feature(g, 0, PD_FEAT_RUNTIME_MACS)));
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, NULL), PD_OK);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_RUNTIME_MACS) == 2097152.0);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_TRANSFORM_ELEMS) == 98304.0);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_MACS) == 13107200.0);
    pd_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrices_correlate),
        cmocka_unit_test(test_matrices_f23),
        cmocka_unit_test(test_which_layers),
        cmocka_unit_test(test_conv2_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
