/* The ONNX reader: each operator and attribute it takes, the layouts it converts, exits
 * and accuracies from outputs and metadata, every error it reports, and the JSON writer's
 * round trip. The files are tests/fixtures/onnx/ops/ (tools/make_onnx_ops.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/io.h"
#include "predoff/npy.h"
#include "predoff/onnx.h"
#include "predoff/runtime.h"

#define OPS PD_SOURCE_DIR "/tests/fixtures/onnx/ops/"

static pd_graph *read_ok(const char *name, pd_weights **w)
{
    char path[512];
    snprintf(path, sizeof path, OPS "%s.onnx", name);
    pd_graph *g = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_onnx_read(path, &g, w, &err))
        fail_msg("%s: %s", name, err.msg);
    return g;
}

static const pd_layer *layer(const pd_graph *g, const char *name)
{
    int32_t i = pd_graph_find(g, name);
    if (i < 0)
        fail_msg("no layer \"%s\"", name);
    return &g->layers[i];
}

static const pd_named_tensor *tensor(const pd_weights *w, const char *name)
{
    const pd_named_tensor *t = pd_weights_find(w, name);
    if (!t)
        fail_msg("no tensor \"%s\"", name);
    return t;
}

static void test_conv(void **state)
{
    (void)state;
    pd_weights *w = NULL;
    pd_graph *g = read_ok("conv", &w);
    assert_int_equal(g->n_layers, 2);
    const pd_layer *c = layer(g, "conv1"); /* the node's name */
    assert_int_equal(c->type, PD_LAYER_CONV);
    assert_int_equal(c->p.filters, 6);
    assert_int_equal(c->p.groups, 2);
    assert_int_equal(c->p.stride, 2);
    assert_int_equal(c->p.stride_w, 1);
    assert_int_equal(c->p.pad, 1);
    assert_int_equal(c->p.pad_w, 0);
    assert_int_equal(c->p.pad_b, 2);
    assert_int_equal(c->p.pad_r, 1);
    assert_int_equal(c->p.dilation, 1);
    assert_int_equal(c->p.dilation_w, 2);
    assert_true(c->p.bias);
    assert_int_equal(c->out.h, 5); /* (9 + 3 - 3) / 2 + 1 */
    assert_int_equal(c->out.w, 6); /* (9 + 1 - 5) / 1 + 1 */
    const pd_layer *r = layer(g, "out"); /* named by the graph output */
    assert_true(r->is_exit);
    assert_int_equal(g->n_exits, 1);
    const pd_named_tensor *t = tensor(w, "conv1.weight");
    assert_int_equal(t->ndim, 4);
    assert_int_equal(t->dims[1], 2);
    assert_true(t->data[7] == 0.7f);
    assert_true(tensor(w, "conv1.bias")->data[5] == 0.5f);
    pd_weights_free(w);
    pd_graph_free(g);

    g = read_ok("conv_same", NULL);
    c = &g->layers[0];
    assert_int_equal(c->out.h, 4); /* ceil(8 / 2) */
    assert_int_equal(c->p.pad, 0); /* SAME_UPPER: the odd pad at the end */
    assert_int_equal(c->p.pad_b, 1);
    assert_int_equal(c->p.pad_r, 1);
    assert_false(c->p.bias);
    pd_graph_free(g);
}

/* Gemm's B as [I, O] (transB 0) or [O, I] (transB 1), MatMul's [I, O]: all become fc's
 * [O, I]; element [o][i] is checked against the file's arange. */
static void test_fc_layouts(void **state)
{
    (void)state;
    const char *names[] = {"gemm_t0", "gemm_t1", "matmul_add"};
    const char *fc[] = {"logits", "logits", "y"};
    for (int k = 0; k < 3; k++) {
        pd_weights *w = NULL;
        pd_graph *g = read_ok(names[k], &w);
        assert_int_equal(g->n_layers, 2);
        assert_int_equal(g->layers[0].type, PD_LAYER_FLATTEN);
        const pd_layer *l = layer(g, fc[k]);
        assert_int_equal(l->type, PD_LAYER_FC);
        assert_int_equal(l->p.outputs, 5);
        assert_true(l->p.bias);
        char name[64];
        snprintf(name, sizeof name, "%s.weight", fc[k]);
        const pd_named_tensor *t = tensor(w, name);
        assert_int_equal(t->dims[0], 5);
        assert_int_equal(t->dims[1], 12);
        int o = 3, i = 7;
        float want = k == 1 ? (float)(o * 12 + i) / 10.0f : (float)(i * 5 + o) / 10.0f;
        assert_true(fabsf(t->data[o * 12 + i] - want) < 1e-6f);
        snprintf(name, sizeof name, "%s.bias", fc[k]);
        assert_true(tensor(w, name)->data[4] == 0.4f);
        pd_weights_free(w);
        pd_graph_free(g);
    }
}

static void test_clip(void **state)
{
    (void)state;
    pd_graph *g = read_ok("clip10", NULL); /* attributes */
    assert_int_equal(g->layers[0].type, PD_LAYER_CLIP);
    assert_true(g->layers[0].p.min == 0.0 && g->layers[0].p.max == 6.0);
    pd_graph_free(g);
    g = read_ok("clip13", NULL); /* constant inputs */
    assert_int_equal(g->layers[0].type, PD_LAYER_CLIP);
    assert_true(g->layers[0].p.min == -1.0 && g->layers[0].p.max == 2.0);
    pd_graph_free(g);
    g = read_ok("clip_min", NULL); /* clamp(min=0) */
    assert_int_equal(g->layers[0].type, PD_LAYER_RELU);
    pd_graph_free(g);
}

static void test_ops(void **state)
{
    (void)state;
    pd_weights *w = NULL;
    pd_graph *g = read_ok("ops", &w);
    assert_int_equal(g->n_layers, 16); /* Identity and Constant folded away */
    assert_int_equal(g->n_exits, 2);
    assert_string_equal(g->layers[g->exits[0]].name, "first");
    assert_string_equal(g->layers[g->exits[1]].name, "second");
    assert_true(g->layers[g->exits[0]].has_accuracy);
    assert_true(g->layers[g->exits[0]].accuracy == 0.25);
    assert_true(g->layers[g->exits[1]].accuracy == 0.75);
    const pd_layer *l = layer(g, "bn");
    assert_true(fabs(l->p.eps - 1e-3) < 1e-9);
    assert_true(tensor(w, "bn.running_var")->data[2] == 0.7f);
    assert_true(tensor(w, "bn.weight")->data[1] == 1.1f);
    l = layer(g, "mp");
    assert_true(l->p.mode == PD_POOL_MAX && l->p.kernel == 3 && l->p.stride == 2 &&
                l->p.pad == 1 && l->p.ceil);
    l = layer(g, "ap");
    assert_true(l->p.mode == PD_POOL_AVG && l->p.kernel == 2 && l->p.stride == 1 &&
                l->p.count_include_pad);
    l = layer(g, "lrn");
    assert_true(l->p.size == 3 && fabs(l->p.alpha - 2e-4) < 1e-9 && l->p.beta == 0.5 &&
                l->p.k == 2.0);
    assert_int_equal(layer(g, "drop")->type, PD_LAYER_DROPOUT);
    assert_int_equal(layer(g, "sig")->type, PD_LAYER_SIGMOID);
    assert_true(fabs(layer(g, "hsig")->p.alpha - 1.0 / 6.0) < 1e-7);
    assert_int_equal(layer(g, "hsw")->type, PD_LAYER_HARDSWISH);
    assert_true(layer(g, "gap")->p.global && layer(g, "gmp")->p.mode == PD_POOL_MAX);
    l = layer(g, "se"); /* the [C, 1, 1] factor is put second */
    assert_int_equal(l->type, PD_LAYER_MUL);
    assert_int_equal(l->inputs[0], pd_graph_find(g, "hsw"));
    assert_int_equal(l->inputs[1], pd_graph_find(g, "gap"));
    assert_int_equal(layer(g, "sum")->type, PD_LAYER_ADD);
    assert_int_equal(layer(g, "cat")->out.c, 8);
    l = layer(g, "second");
    assert_false(l->p.bias);
    assert_int_equal(l->p.outputs, 3);
    pd_weights_free(w);
    pd_graph_free(g);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"bad_op", "node \"soft\" (Softmax): unsupported operator"},
        {"bad_dtype", "node \"c\" (Conv): weight \"w\": unsupported data type 11"},
        {"bad_weight", "(Conv): unsupported weight \"r\" that is not an initializer"},
        {"bad_missing", "input \"nowhere\" is no initializer"},
        {"bad_reshape", "(Reshape): unsupported shape"},
        {"bad_reshape_empty", "(Reshape): unsupported shape"},
        {"bad_broadcast", "(Add): unsupported broadcasting of [4, 9, 9] and [4, 1, 1]"},
        {"bad_attr", "(Conv): unsupported attribute \"foo\""},
        {"bad_lrn", "(LRN): unsupported even size 4"},
        {"bad_pool", "(MaxPool): unsupported non-square kernel"},
        {"bad_const_add", "(Add): unsupported Add of a constant"},
        {"bad_channels", "weight of shape [2, 3, 1, 1], the layer needs [2, 4, 1, 1]"},
        {"bad_output", "output \"y\": unsupported (not computed by a layer)"},
        {"bad_autopad", "unsupported auto_pad \"WHATEVER\""},
        {"bad_gemm", "(Gemm): unsupported alpha 2"},
        {"bad_unused", "node \"dead\" (Sigmoid): leads to no graph output"},
        {"bad_raw", "weight \"w\": 28 bytes of data for 8 floats"},
        {"bad_meta", "metadata \"predoff.exit_accuracy\""},
        {"bad_batch", "unsupported batch 2"},
        {"bad_opset", "unsupported opset 6"},
        {"bad_inputs", "unsupported second input \"z\""},
        {"bad_bytes", "not a valid ONNX (protobuf) model"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, OPS "%s.onnx", cases[k].file);
        pd_graph *g = (pd_graph *)1;
        pd_weights *w = (pd_weights *)1;
        pd_error err;
        pd_error_clear(&err);
        pd_status st = pd_onnx_read(path, &g, &w, &err);
        if (st != PD_EINPUT || !strstr(err.msg, cases[k].msg) || !strstr(err.msg, path))
            fail_msg("%s: status %d, \"%s\"; want \"%s\"", cases[k].file, (int)st, err.msg,
                     cases[k].msg);
        assert_null(g);
        assert_null(w);
    }
}

/* Every prefix of a valid file is refused cleanly (or read, for the whole). */
static void test_truncated(void **state)
{
    (void)state;
    FILE *f = fopen(OPS "ops.onnx", "rb");
    assert_non_null(f);
    uint8_t buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 100 && n < sizeof buf);
    for (size_t len = 0; len < n; len++) {
        pd_graph *g = NULL;
        pd_weights *w = NULL;
        pd_error err;
        pd_status st = pd_onnx_parse(buf, len, "ops", "ops", &g, &w, &err);
        assert_true(st == PD_OK ? g && w : !g && !w); /* a prefix may parse: fields end */
        pd_graph_free(g);
        pd_weights_free(w);
    }
    pd_graph *g = NULL;
    pd_error err;
    assert_int_equal(pd_onnx_parse(buf, n, "ops", "ops", &g, NULL, &err), PD_OK);
    pd_graph_free(g);
}

static void same_graph(const pd_graph *a, const pd_graph *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->n_layers, b->n_layers);
    assert_int_equal(a->n_exits, b->n_exits);
    assert_memory_equal(&a->input, &b->input, sizeof a->input);
    for (size_t i = 0; i < a->n_layers; i++) {
        const pd_layer *x = &a->layers[i], *y = &b->layers[i];
        char dx[128], dy[128];
        pd_layer_describe(x, dx, sizeof dx);
        pd_layer_describe(y, dy, sizeof dy);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->type, y->type);
        assert_string_equal(dx, dy);
        assert_memory_equal(&x->out, &y->out, sizeof x->out);
        assert_int_equal(x->n_inputs, y->n_inputs);
        assert_memory_equal(x->inputs, y->inputs, x->n_inputs * sizeof *x->inputs);
        assert_int_equal(x->is_exit, y->is_exit);
        assert_int_equal(x->has_accuracy, y->has_accuracy);
        assert_true(x->accuracy == y->accuracy);
        assert_true(pd_layer_weight_count(x) == pd_layer_weight_count(y));
        if (!(x->p.alpha == y->p.alpha && x->p.beta == y->p.beta && x->p.eps == y->p.eps &&
              x->p.min == y->p.min && x->p.max == y->p.max && x->p.k == y->p.k &&
              x->p.count_include_pad == y->p.count_include_pad && x->p.ceil == y->p.ceil &&
              x->p.bias == y->p.bias))
            fail_msg("%s, layer %s: %.17g %.17g %.17g %.17g / %.17g %.17g %.17g %.17g", a->name,
                     x->name, x->p.alpha, x->p.beta, x->p.min, x->p.max, y->p.alpha, y->p.beta,
                     y->p.min, y->p.max);
    }
}

static void round_trip(const pd_graph *g)
{
    char *text = NULL;
    pd_error err;
    assert_int_equal(pd_graph_to_json(g, &text, &err), PD_OK);
    pd_graph *back = NULL;
    if (pd_graph_from_json(text, strlen(text), "written", &back, &err))
        fail_msg("%s: %s\n%s", g->name, err.msg, text);
    same_graph(g, back);
    pd_graph_free(back);
    free(text);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    const char *onnx[] = {"conv", "conv_same", "gemm_t0", "matmul_add", "clip13", "ops"};
    for (size_t k = 0; k < sizeof onnx / sizeof onnx[0]; k++) {
        pd_graph *g = read_ok(onnx[k], NULL);
        round_trip(g);
        pd_graph_free(g);
    }
    size_t n;
    const pd_builtin_model *m = pd_builtin_models(&n);
    for (size_t k = 0; k < n; k++) {
        pd_graph *g = NULL;
        pd_error err;
        assert_int_equal(pd_graph_open(m[k].name, &g, &err), PD_OK);
        round_trip(g);
        pd_graph_free(g);
    }
    const char *dags[] = {PD_SOURCE_DIR "/tests/fixtures/dag-residual/model.json",
                          PD_SOURCE_DIR "/tests/fixtures/dag-inception/model.json"};
    for (size_t k = 0; k < 2; k++) {
        pd_graph *g = NULL;
        pd_error err;
        assert_int_equal(pd_graph_open(dags[k], &g, &err), PD_OK);
        round_trip(g);
        pd_graph_free(g);
    }
}

static void test_model_open(void **state)
{
    (void)state;
    pd_graph *g = NULL;
    pd_weights *w = (pd_weights *)1;
    pd_error err;
    assert_int_equal(pd_model_open("b-lenet", &g, &w, &err), PD_OK);
    assert_null(w); /* JSON models bring no weights */
    pd_graph_free(g);
    assert_int_equal(pd_model_open(OPS "conv.onnx", &g, &w, &err), PD_OK);
    assert_string_equal(g->name, "conv");
    assert_int_equal(w->n, 2);
    pd_weights_free(w);
    pd_graph_free(g);
    assert_true(pd_onnx_is_path("a/b.onnx"));
    assert_false(pd_onnx_is_path("b.onnx.json"));
    assert_false(pd_onnx_is_path(".onnx"));
}

/* A network exported by torch.onnx.export (tools/make_onnx_fixtures.py) runs to PyTorch's
 * outputs, committed with its JSON twin, within 1e-5 relative. */
static void test_pytorch_export(void **state)
{
    (void)state;
    const char *dir = PD_SOURCE_DIR "/tests/fixtures/dag-inception/";
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    pd_error err;
    if (pd_onnx_read(PD_SOURCE_DIR "/tests/fixtures/onnx/dag-inception.onnx", &g, &w, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pd_net_new(g, w, "onnx", 1, &net, &err), PD_OK);
    for (int i = 0; i < 2; i++)
        for (size_t k = 0; k < g->n_exits; k++) {
            char path[512];
            pd_array x = {0}, want = {0};
            snprintf(path, sizeof path, "%sinput-%d.npy", dir, i);
            assert_int_equal(pd_npy_read(path, &x, &err), PD_OK);
            snprintf(path, sizeof path, "%sexit-%s-%d.npy", dir, g->layers[g->exits[k]].name, i);
            assert_int_equal(pd_npy_read(path, &want, &err), PD_OK);
            size_t len, n;
            pd_net_path(net, k, &len);
            const float *y;
            assert_int_equal(pd_net_run(net, k, 0, len, x.data, x.count, &y, &n, NULL, &err),
                             PD_OK);
            assert_int_equal(n, want.count);
            double top = 0, worst = 0;
            for (size_t j = 0; j < n; j++) {
                top = fmax(top, fabs(want.data[j]));
                worst = fmax(worst, fabs(y[j] - want.data[j]));
            }
            if (!(worst <= 1e-5 * top))
                fail_msg("input %d, exit %zu: off by %g of %g", i, k, worst, top);
            pd_array_free(&x);
            pd_array_free(&want);
        }
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),         cmocka_unit_test(test_fc_layouts),
        cmocka_unit_test(test_clip),         cmocka_unit_test(test_ops),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_json_round_trip), cmocka_unit_test(test_model_open),
        cmocka_unit_test(test_pytorch_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
