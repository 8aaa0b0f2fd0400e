/* The layer-type descriptors: each row whole, and its parts agreeing with one another
 * (tensors with the weight count, sweep points with the shape rule, fit sets with the
 * paper's first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/runtime.h"

static void test_fit_sets_whole(void **state)
{
    (void)state;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++) {
        const pd_fit_sets *s = pd_layer_type_fit_sets((pd_layer_type)t);
        assert_non_null(s);
        assert_true(s->paper.n >= 1 && s->paper.n <= PD_FEATURE_SET_MAX);
        assert_true(s->macs.n >= 1 && s->macs.n <= PD_FEATURE_SET_MAX);
        assert_true(s->n_candidates >= 1);
        /* AUTO judges the paper's set first */
        assert_int_equal(s->candidates[0].n, s->paper.n);
        for (int k = 0; k < s->paper.n; k++)
            assert_int_equal(s->candidates[0].f[k], s->paper.f[k]);
        for (size_t c = 0; c < s->n_candidates; c++)
            for (int k = 0; k < s->candidates[c].n; k++)
                assert_true((unsigned)s->candidates[c].f[k] < PD_FEATURE_COUNT);
    }
    assert_null(pd_layer_type_fit_sets(PD_LAYER_TYPE_COUNT));
}

typedef struct sweep_check {
    pd_layer_type type;
    size_t n;
} sweep_check;

/* Point p's one-layer model (its timed layer "l" at *l), or the test fails naming it. */
static pd_graph *point_graph(const pd_sweep_point *p, size_t *l)
{
    char json[512];
    assert_true(pd_sweep_point_json(p, "s", json, sizeof json));
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "sweep", &g, &err) != PD_OK)
        fail_msg("%s: %s", json, err.msg);
    *l = p->pre[0] ? 1 : 0;
    return g;
}

static void parse_point(void *vctx, const pd_sweep_point *p)
{
    sweep_check *c = vctx;
    size_t l;
    pd_graph *g = point_graph(p, &l);
    static const size_t after[] = {0, 1, 1, 2}; /* a ReLU, a Clip, a SiLU's two layers */
    assert_true((unsigned)p->post < sizeof after / sizeof after[0]);
    assert_int_equal(g->n_layers, l + 1 + after[p->post]);
    assert_string_equal(g->layers[l].name, "l");
    assert_int_equal(g->layers[l].type, c->type);
    assert_true(g->layers[g->n_layers - 1].is_exit && g->n_exits == 1);
    /* what follows is what the runtime fuses into "l" */
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, NULL), PD_OK);
    for (size_t i = l + 1; i < g->n_layers; i++)
        assert_int_equal(pd_graph_fused_into(g, i), (int32_t)l);
    assert_true((pd_graph_feature(g, l, PD_FEAT_FUSED_ACT_ELEMS) > 0.0) == (p->post != 0));
    pd_graph_free(g);
    c->n++;
}

/* Every point of every grid is a valid one-layer model of its own type. */
static void test_sweep_points_parse(void **state)
{
    (void)state;
    size_t total = 0;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++) {
        sweep_check c = {(pd_layer_type)t, 0};
        size_t n = pd_layer_type_sweep((pd_layer_type)t, parse_point, &c);
        assert_int_equal(n, c.n);
        assert_int_equal(pd_layer_type_sweep((pd_layer_type)t, NULL, NULL), n);
        total += n;
    }
    assert_true(total > 0);
}

/* The conv sweep's fused points, by the kernel a network runs: each family meets a SiLU at
 * some points and a ReLU or a Clip at others (a family the sweep times with one only is one
 * the trees must guess the other for: MobileNetV2's 3 x 3 depthwise layers with a ReLU6). */
enum { FAM_DENSE_S1, FAM_DENSE_S2, FAM_STEM, FAM_DW_K3, FAM_DW_K5, FAM_POINTWISE, FAM_COUNT };
typedef struct fused_check {
    unsigned seen[FAM_COUNT]; /* bit 0: a ReLU or a Clip, bit 1: a SiLU */
} fused_check;

static void note_fused(void *vctx, const pd_sweep_point *p)
{
    fused_check *c = vctx;
    if (p->post == PD_SWEEP_POST_NONE)
        return;
    size_t at;
    pd_graph *g = point_graph(p, &at);
    const pd_layer *l = &g->layers[at];
    int fam;
    if (l->p.groups > 1 && l->p.groups == l->in.c)
        fam = l->p.kernel == 3 ? FAM_DW_K3 : FAM_DW_K5;
    else if (l->in.c == 3 && l->in.h == 224)
        fam = FAM_STEM;
    else if (l->p.kernel == 1 && l->p.stride == 1)
        fam = FAM_POINTWISE;
    else
        fam = l->p.stride == 1 ? FAM_DENSE_S1 : FAM_DENSE_S2;
    c->seen[fam] |= p->post == PD_SWEEP_POST_SILU ? 2u : 1u;
    pd_graph_free(g);
}

static void test_conv_sweep_fuses_each_activation(void **state)
{
    (void)state;
    fused_check c = {{0}};
    pd_layer_type_sweep(PD_LAYER_CONV, note_fused, &c);
    for (int f = 0; f < FAM_COUNT; f++)
        if (c.seen[f] != 3u)
            fail_msg("conv sweep family %d: fused with %s only", f,
                     c.seen[f] == 1u ? "a ReLU or a Clip" : c.seen[f] == 2u ? "a SiLU" : "none");
}

/* The tensors a layer lists hold exactly its weight count, for conv and fc of many sizes. */
static void test_tensors_hold_the_weights(void **state)
{
    (void)state;
    static const char *const layers[] = {
        "\"type\": \"conv\", \"filters\": 7, \"kernel\": 3, \"pad\": 1",
        "\"type\": \"conv\", \"filters\": 1, \"kernel\": 1",
        "\"type\": \"fc\", \"outputs\": 13",
        "\"type\": \"relu\"",
        "\"type\": \"pool\", \"kernel\": 2",
        "\"type\": \"lrn\"",
        "\"type\": \"dropout\"",
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++)
        for (int c = 1; c <= 5; c += 2) {
            char json[512];
            snprintf(json, sizeof json,
                     "{\"name\": \"t\", \"input\": [%d, 6, 5], \"layers\": [{\"name\": \"l\", "
                     "%s, \"exit\": true}]}",
                     c, layers[i]);
            pd_graph *g = NULL;
            assert_int_equal(pd_graph_from_json(json, strlen(json), "t", &g, NULL), PD_OK);
            pd_layer_tensor t[PD_LAYER_MAX_TENSORS];
            size_t n = pd_layer_tensors(&g->layers[0], t);
            double held = 0;
            for (size_t k = 0; k < n; k++) {
                double e = 1;
                assert_true(t[k].ndim >= 1 && t[k].ndim <= 4);
                assert_true(t[k].suffix[0] == '.');
                for (int d = 0; d < t[k].ndim; d++)
                    e *= (double)t[k].dims[d];
                held += e;
                if (t[k].init == PD_INIT_FAN_IN)
                    assert_true(t[k].fan_in >= 1);
            }
            assert_true(held == pd_layer_weight_count(&g->layers[0]));
            pd_graph_free(g);
        }
}


static pd_graph *one_layer(const char *input, const char *layer, pd_error *err)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"input\": %s, \"layers\": [{\"name\": \"l\", %s, "
             "\"exit\": true}]}",
             input, layer);
    pd_graph *g = NULL;
    pd_graph_from_json(json, strlen(json), "t.json", &g, err);
    return g;
}

/* conv's shapes as PyTorch's Conv2d gives them (the expected sizes were computed by
 * torch.nn.Conv2d for the same arguments). */
static void test_conv_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *input, *layer, *describe;
        int64_t c, h, w;
        double weights, macs;
    } cases[] = {
        /* plain: described as before */
        {"[3, 32, 32]", "\"type\": \"conv\", \"filters\": 8, \"kernel\": 5, \"pad\": 2",
         "8 k5 s1 p2", 8, 32, 32, 8 * 3 * 25 + 8, 8 * 32 * 32 * 75.0},
        /* depthwise 3x3 stride 2: Conv2d(32, 32, 3, 2, 1, groups=32) -> 32x8x8 from 16x16 */
        {"[32, 16, 16]",
         "\"type\": \"conv\", \"filters\": 32, \"kernel\": 3, \"stride\": 2, \"pad\": 1, "
         "\"groups\": 32",
         "32 k3 s2 p1 dw", 32, 8, 8, 32 * 9 + 32, 32 * 64 * 9.0},
        /* grouped, no bias: Conv2d(8, 4, 1, groups=2, bias=False) */
        {"[8, 5, 7]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": 1, \"groups\": 2, "
                      "\"bias\": false",
         "4 k1 s1 p0 g2 nobias", 4, 5, 7, 4 * 4, 4 * 35 * 4.0},
        /* rectangular kernel, dilation, [h, w] pads: Conv2d(2, 3, (1, 7), padding=(0, 3))
         * and Conv2d(2, 3, 3, dilation=2, padding=2) */
        {"[2, 9, 11]", "\"type\": \"conv\", \"filters\": 3, \"kernel\": [1, 7], \"pad\": [0, 3]",
         "3 k1x7 s1 p0,3,0,3", 3, 9, 11, 3 * 2 * 7 + 3, 3 * 99 * 14.0},
        {"[2, 9, 11]", "\"type\": \"conv\", \"filters\": 3, \"kernel\": 3, \"dilation\": 2, "
                       "\"pad\": 2",
         "3 k3 s1 p2 d2", 3, 9, 11, 3 * 2 * 9 + 3, 3 * 99 * 18.0},
        /* asymmetric pads [top, left, bottom, right] and strides [h, w]: (9 + 0 + 1 - 3) / 2
         * + 1 = 4 rows, (11 + 1 + 0 - 3) / 3 + 1 = 4 columns */
        {"[1, 9, 11]", "\"type\": \"conv\", \"filters\": 2, \"kernel\": 3, \"stride\": [2, 3], "
                       "\"pad\": [0, 1, 1, 0]",
         "2 k3 s2x3 p0,1,1,0", 2, 4, 4, 2 * 9 + 2, 2 * 16 * 9.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_error err;
        pd_graph *g = one_layer(cases[i].input, cases[i].layer, &err);
        if (!g)
            fail_msg("%s: %s", cases[i].layer, err.msg);
        const pd_layer *l = &g->layers[0];
        assert_int_equal(l->out.c, cases[i].c);
        assert_int_equal(l->out.h, cases[i].h);
        assert_int_equal(l->out.w, cases[i].w);
        assert_true(pd_layer_weight_count(l) == cases[i].weights);
        assert_true(pd_layer_macs(l) == cases[i].macs);
        assert_int_equal(pd_conv_is_plain(l), i == 0);
        char d[128];
        pd_layer_describe(l, d, sizeof d);
        assert_string_equal(d, cases[i].describe);
        pd_graph_free(g);
    }
}

static void test_conv_errors(void **state)
{
    (void)state;
    static const struct {
        const char *input, *layer, *message;
    } cases[] = {
        {"[3, 8, 8]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"groups\": 2",
         "\"groups\": 2 does not divide the 3 input channels"},
        {"[2, 4, 4]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"dilation\": 2",
         "kernel 3 (dilated) is larger than the padded input height 4"},
        {"[2, 4, 4]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": [3, 3, 3]",
         "field \"kernel\" must be a number or [h, w]"},
        {"[2, 4, 4]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": [1, 1, 1]",
         "field \"pad\" must be a number or [h, w] or [top, left, bottom, right]"},
        {"[2, 4, 4]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": [3, 0]", "\"kernel\""},
        {"[2, 4, 4]", "\"type\": \"conv\", \"filters\": 4, \"kernel\": 1, \"bias\": 1",
         "field \"bias\" must be true or false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_error err;
        pd_graph *g = one_layer(cases[i].input, cases[i].layer, &err);
        assert_null(g);
        if (!strstr(err.msg, cases[i].message) || !strstr(err.msg, "t.json") ||
            !strstr(err.msg, "layer \"l\""))
            fail_msg("%s: got \"%s\", wanted \"%s\"", cases[i].layer, err.msg, cases[i].message);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_sets_whole),
        cmocka_unit_test(test_sweep_points_parse),
        cmocka_unit_test(test_conv_sweep_fuses_each_activation),
        cmocka_unit_test(test_tensors_hold_the_weights),
        cmocka_unit_test(test_conv_shapes),
        cmocka_unit_test(test_conv_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
