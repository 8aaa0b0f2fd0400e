/* The model graph: the built-in models' shapes and features worked out by hand,
 * PyTorch's window rules, defaults, and every parse error (formats.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect_error.h"
#include "predoff/graph.h"

#define NEAR(a, b) near_((double)(a), (double)(b), #a, __LINE__)

static void near_(double got, double want, const char *what, int line)
{
    if (!(fabs(got - want) <= 1e-9 * (1.0 + fabs(want))))
        fail_msg("line %d: %s = %.17g, want %.17g", line, what, got, want);
}

static pd_graph *open_ok(const char *name)
{
    pd_graph *g = NULL;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_graph_open(name, &g, &err);
    if (st != PD_OK)
        fail_msg("pd_graph_open(%s): %s", name, err.msg);
    assert_non_null(g);
    return g;
}

static pd_graph *parse_ok(const char *json)
{
    pd_graph *g = NULL;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_graph_from_json(json, strlen(json), "ok.json", &g, &err);
    if (st != PD_OK)
        fail_msg("%s\n  rejected: %s", json, err.msg);
    assert_non_null(g);
    return g;
}

static const pd_layer *layer(const pd_graph *g, const char *name)
{
    int32_t i = pd_graph_find(g, name);
    if (i < 0)
        fail_msg("no layer %s", name);
    return &g->layers[i];
}

static void shape_is(const pd_graph *g, const char *name, int64_t c, int64_t h, int64_t w)
{
    pd_shape s = layer(g, name)->out;
    if (s.c != c || s.h != h || s.w != w)
        fail_msg("%s: %lldx%lldx%lld, want %lldx%lldx%lld", name, (long long)s.c, (long long)s.h,
                 (long long)s.w, (long long)c, (long long)h, (long long)w);
}

/* The one tensor a layer of a tree reads. */
static int32_t parent_of(const pd_layer *l)
{
    assert_int_equal(l->n_inputs, 1);
    return l->inputs[0];
}

static double feat(const pd_graph *g, const char *name, pd_feature f)
{
    return pd_graph_feature(g, (size_t)pd_graph_find(g, name), f);
}

/* Parses json as "bad.json"; it must fail with PD_EINPUT and a message holding
 * "bad.json" and every one of the NULL-terminated strings after it. */
static void bad_model(const char *json, ...)
{
    pd_graph *g = (pd_graph *)0x1;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_graph_from_json(json, strlen(json), "bad.json", &g, &err);
    assert_null(g);
    va_list ap;
    va_start(ap, json);
    expect_input_error(json, st, &err, "bad.json", ap);
    va_end(ap);
}

/* A model with input [3, 8, 8] and the given layers. */
#define M(layers) "{\"name\": \"t\", \"input\": [3, 8, 8], \"layers\": [" layers "]}"
/* A last layer that makes a model valid: an fc exit reading the one before it. */
#define EXIT ", {\"name\": \"out\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true}"

/* ---- b-alexnet ---- */

static void test_alexnet_structure(void **state)
{
    (void)state;
    pd_graph *g = open_ok("b-alexnet");
    assert_string_equal(g->name, "b-alexnet");
    assert_int_equal(g->n_layers, 52);
    assert_int_equal(g->input.c, 3);
    assert_int_equal(g->input.h, 32);
    assert_int_equal(g->input.w, 32);
    assert_int_equal(g->n_exits, 5);
    static const char *const exits[] = {"b1_fc", "b2_fc", "b3_fc2", "b4_fc2", "fc8"};
    static const double acc[] = {0.524, 0.598, 0.655, 0.712, 0.784};
    for (size_t k = 0; k < 5; k++) {
        const pd_layer *l = &g->layers[g->exits[k]];
        assert_string_equal(l->name, exits[k]);
        assert_true(l->is_exit);
        assert_true(l->has_accuracy);
        NEAR(l->accuracy, acc[k]);
        /* every branch classifies into the 10 CIFAR-10 classes */
        assert_int_equal(l->type, PD_LAYER_FC);
        assert_int_equal(l->out.c, 10);
        assert_int_equal(l->out.h, 1);
        assert_int_equal(l->out.w, 1);
    }
    /* parents come first; exactly the five exit layers are exits */
    size_t n_exit = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        assert_true(parent_of(&g->layers[i]) < (int32_t)i);
        n_exit += g->layers[i].is_exit;
    }
    assert_int_equal(n_exit, 5);
    assert_int_equal(parent_of(layer(g, "conv1")), -1);
    /* the side branches hang off the trunk */
    assert_int_equal(parent_of(layer(g, "b1_relu1")), pd_graph_find(g, "conv1"));
    assert_int_equal(parent_of(layer(g, "relu1")), pd_graph_find(g, "conv1"));
    assert_int_equal(parent_of(layer(g, "b3_relu1")), pd_graph_find(g, "conv3"));
    assert_int_equal(parent_of(layer(g, "relu4")), pd_graph_find(g, "conv4"));
    assert_int_equal(pd_graph_find(g, "no_such_layer"), -1);
    pd_graph_free(g);
}

static void test_alexnet_shapes(void **state)
{
    (void)state;
    pd_graph *g = open_ok("b-alexnet");
    /* conv1: 32 filters k5 s1 p2 on 32: (32 + 4 - 5)/1 + 1 = 32 */
    shape_is(g, "conv1", 32, 32, 32);
    /* pool k3 s2 p1 floor on 32: (32 + 2 - 3)/2 + 1 = 15 + 1 = 16 */
    shape_is(g, "pool1", 32, 16, 16);
    shape_is(g, "lrn1", 32, 16, 16);
    /* conv2: k5 p2 keeps 16 */
    shape_is(g, "conv2", 64, 16, 16);
    /* (16 + 2 - 3)/2 + 1 = 7 + 1 = 8 */
    shape_is(g, "pool2", 64, 8, 8);
    shape_is(g, "conv3", 96, 8, 8);
    shape_is(g, "conv4", 96, 8, 8);
    shape_is(g, "conv5", 64, 8, 8);
    /* (8 + 2 - 3)/2 + 1 = 3 + 1 = 4 */
    shape_is(g, "pool5", 64, 4, 4);
    shape_is(g, "fc6", 256, 1, 1);
    shape_is(g, "fc7", 128, 1, 1);
    /* branch 1: pool 32 -> 16, conv keeps 16, pool 16 -> 8; fc reads 32*8*8 = 2048 */
    shape_is(g, "b1_pool1", 32, 16, 16);
    shape_is(g, "b1_conv", 32, 16, 16);
    shape_is(g, "b1_pool2", 32, 8, 8);
    assert_int_equal(pd_shape_elems(layer(g, "b1_fc")->in), 2048);
    /* branch 2: from conv2 (16): pool 8, conv 32 filters, pool 4; fc reads 32*4*4 = 512 */
    shape_is(g, "b2_pool2", 32, 4, 4);
    assert_int_equal(pd_shape_elems(layer(g, "b2_fc")->in), 512);
    /* branches 3 and 4: from 8x8: conv 32 filters, pool 4; fc1 reads 512 */
    shape_is(g, "b3_pool", 32, 4, 4);
    shape_is(g, "b4_pool", 32, 4, 4);
    shape_is(g, "b3_fc1", 128, 1, 1);
    shape_is(g, "b3_drop", 128, 1, 1);
    /* fc6 reads pool5 flattened: 64*4*4 = 1024 */
    assert_int_equal(pd_shape_elems(layer(g, "fc6")->in), 1024);
    /* each layer's input is its parent's output */
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        pd_shape want = parent_of(l) < 0 ? g->input : g->layers[parent_of(l)].out;
        assert_int_equal(l->in.c, want.c);
        assert_int_equal(l->in.h, want.h);
        assert_int_equal(l->in.w, want.w);
    }
    pd_graph_free(g);
}

static void test_alexnet_features(void **state)
{
    (void)state;
    pd_graph *g = open_ok("b-alexnet");
    /* conv1: in 3x32x32 = 3072 elements, out 32x32x32 = 32768 */
    NEAR(feat(g, "conv1", PD_FEAT_IN_ELEMS), 3072);
    NEAR(feat(g, "conv1", PD_FEAT_IN_BYTES), 12288);   /* 4 * 3072 */
    NEAR(feat(g, "conv1", PD_FEAT_OUT_ELEMS), 32768);
    NEAR(feat(g, "conv1", PD_FEAT_OUT_BYTES), 131072); /* 4 * 32768 */
    NEAR(feat(g, "conv1", PD_FEAT_KERNEL_FILTERS), 800);           /* (5/1)^2 * 32 */
    NEAR(feat(g, "conv1", PD_FEAT_KERNEL_FILTERS_CHANNELS), 2400); /* 800 * 3 */
    NEAR(feat(g, "conv1", PD_FEAT_MACS), 2457600);     /* 32768 * 3 * 25 */
    NEAR(feat(g, "conv1", PD_FEAT_WEIGHT_BYTES), 9728); /* 4 * (32*3*25 + 32) = 4 * 2432 */

    /* conv2: in 32x16x16 = 8192, out 64x16x16 = 16384 */
    NEAR(feat(g, "conv2", PD_FEAT_IN_ELEMS), 8192);
    NEAR(feat(g, "conv2", PD_FEAT_OUT_ELEMS), 16384);
    NEAR(feat(g, "conv2", PD_FEAT_KERNEL_FILTERS), 1600);            /* 25 * 64 */
    NEAR(feat(g, "conv2", PD_FEAT_KERNEL_FILTERS_CHANNELS), 51200);  /* 1600 * 32 */
    NEAR(feat(g, "conv2", PD_FEAT_MACS), 13107200);      /* 16384 * 32 * 25 */
    NEAR(feat(g, "conv2", PD_FEAT_WEIGHT_BYTES), 205056); /* 4 * (64*32*25 + 64) = 4 * 51264 */

    /* pool1: k3 s2 over 32 channels, in 32768, out 8192; a pool's "filters" are its
     * channels: (3/2)^2 * 32 = 72; one operation per window element: 8192 * 9 */
    NEAR(feat(g, "pool1", PD_FEAT_IN_ELEMS), 32768);
    NEAR(feat(g, "pool1", PD_FEAT_OUT_ELEMS), 8192);
    NEAR(feat(g, "pool1", PD_FEAT_KERNEL_FILTERS), 72);
    NEAR(feat(g, "pool1", PD_FEAT_MACS), 73728);
    NEAR(feat(g, "pool1", PD_FEAT_WEIGHT_BYTES), 0);

    /* lrn1: size 3 over 32x16x16 = 8192 elements: 8192 * 3 */
    NEAR(feat(g, "lrn1", PD_FEAT_MACS), 24576);
    NEAR(feat(g, "lrn1", PD_FEAT_OUT_ELEMS), 8192);
    NEAR(feat(g, "lrn1", PD_FEAT_WEIGHT_BYTES), 0);
    NEAR(feat(g, "lrn1", PD_FEAT_KERNEL_FILTERS), 0);

    /* relu1: no weights, no MACs, in = out = 32768 */
    NEAR(feat(g, "relu1", PD_FEAT_IN_ELEMS), 32768);
    NEAR(feat(g, "relu1", PD_FEAT_OUT_ELEMS), 32768);
    NEAR(feat(g, "relu1", PD_FEAT_MACS), 0);
    NEAR(feat(g, "relu1", PD_FEAT_WEIGHT_BYTES), 0);

    /* fc6: 1024 -> 256: a 1x1 kernel with 256 filters over 1024 channels */
    NEAR(feat(g, "fc6", PD_FEAT_IN_ELEMS), 1024);
    NEAR(feat(g, "fc6", PD_FEAT_IN_BYTES), 4096);
    NEAR(feat(g, "fc6", PD_FEAT_OUT_ELEMS), 256);
    NEAR(feat(g, "fc6", PD_FEAT_OUT_BYTES), 1024);
    NEAR(feat(g, "fc6", PD_FEAT_KERNEL_FILTERS), 256);
    NEAR(feat(g, "fc6", PD_FEAT_KERNEL_FILTERS_CHANNELS), 262144); /* 256 * 1024 */
    NEAR(feat(g, "fc6", PD_FEAT_MACS), 262144);                    /* 256 * 1024 */
    NEAR(feat(g, "fc6", PD_FEAT_WEIGHT_BYTES), 1049600); /* 4 * (256*1024 + 256) = 4 * 262400 */
    NEAR(pd_layer_weight_count(layer(g, "fc6")), 262400);
    NEAR(pd_layer_macs(layer(g, "fc6")), 262144);

    /* b1_fc: 2048 -> 10: 4 * (10*2048 + 10) = 4 * 20490 */
    NEAR(feat(g, "b1_fc", PD_FEAT_WEIGHT_BYTES), 81960);

    /* model bytes: 4 * the weights and biases of every conv and fc:
     * conv1 32*3*25+32 = 2432      b1_conv 32*32*9+32 = 9248    b1_fc 10*2048+10 = 20490
     * conv2 64*32*25+64 = 51264    b2_conv 32*64*9+32 = 18464   b2_fc 10*512+10 = 5130
     * conv3 96*64*9+96 = 55392     b3_conv 32*96*9+32 = 27680   b3_fc1 128*512+128 = 65664
     *                              b3_fc2 10*128+10 = 1290
     * conv4 96*96*9+96 = 83040     b4_conv 27680  b4_fc1 65664  b4_fc2 1290
     * conv5 64*96*9+64 = 55360     fc6 262400  fc7 128*256+128 = 32896  fc8 1290
     * sum = 786674, times 4 = 3146696 */
    NEAR(g->model_bytes, 3146696);
    NEAR(pd_graph_model_bytes(g), 3146696);
    NEAR(feat(g, "relu1", PD_FEAT_MODEL_BYTES), 3146696);
    NEAR(feat(g, "fc8", PD_FEAT_MODEL_BYTES), 3146696);
    pd_graph_free(g);
}

static void test_on_path(void **state)
{
    (void)state;
    pd_graph *g = open_ok("b-alexnet");
#define IDX(n) ((size_t)pd_graph_find(g, n))
    enum { B1, B2, B3, B4, MAIN }; /* exit numbers: b1_fc b2_fc b3_fc2 b4_fc2 fc8 */
    assert_true(g->topo->tree);
    /* conv1 is in every exit's sub-graph; an exit is in its own */
    for (size_t k = 0; k < g->n_exits; k++) {
        assert_true(pd_graph_in_exit(g, IDX("conv1"), k));
        assert_true(pd_graph_in_exit(g, (size_t)g->exits[k], k));
    }
    /* exit 1 is conv1 and its own branch only */
    assert_true(pd_graph_in_exit(g, IDX("b1_pool2"), B1));
    assert_false(pd_graph_in_exit(g, IDX("relu1"), B1));
    assert_false(pd_graph_in_exit(g, IDX("conv2"), B1));
    /* exit 3 runs through the trunk to conv3, then its branch */
    assert_true(pd_graph_in_exit(g, IDX("conv2"), B3));
    assert_true(pd_graph_in_exit(g, IDX("lrn2"), B3));
    assert_false(pd_graph_in_exit(g, IDX("relu3"), B3));
    assert_false(pd_graph_in_exit(g, IDX("b2_relu1"), B3));
    /* the main exit does not pass through any branch */
    assert_true(pd_graph_in_exit(g, IDX("conv5"), MAIN));
    assert_false(pd_graph_in_exit(g, IDX("b4_fc2"), MAIN));
    assert_false(pd_graph_in_exit(g, IDX("b1_relu1"), MAIN));
    /* a later exit is not in an earlier one's sub-graph */
    assert_false(pd_graph_in_exit(g, IDX("fc8"), B1));
    assert_false(pd_graph_in_exit(g, IDX("b2_fc"), B1));
    /* paths by count: exit 1 = conv1 + 7 branch layers = 8;
     * main exit = conv1 relu1 pool1 lrn1 conv2 relu2 pool2 lrn2 conv3 relu3 conv4 relu4
     * conv5 relu5 pool5 fc6 relu6 drop6 fc7 relu7 drop7 fc8 = 22 */
    size_t n1 = 0, n5 = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        n1 += pd_graph_in_exit(g, i, B1);
        n5 += pd_graph_in_exit(g, i, MAIN);
    }
    assert_int_equal(n1, 8);
    assert_int_equal(n5, 22);
    assert_int_equal(g->topo->sub_len[B1], 8);
    assert_int_equal(g->topo->sub_len[MAIN], 22);
    /* the walk gives the path from the exit up, and the list the same from the root down */
    int32_t list[22], up[22];
    size_t len = 0;
    pd_sub_walk w = pd_sub_walk_begin(g->topo, MAIN);
    for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
        up[len++] = v;
    assert_int_equal(len, 22);
    pd_topology_sub_list(g->topo, MAIN, list);
    assert_int_equal(list[0], IDX("conv1"));
    assert_int_equal(list[21], IDX("fc8"));
    for (size_t i = 0; i < len; i++)
        assert_int_equal(list[i], up[len - 1 - i]);
#undef IDX
    pd_graph_free(g);
}

/* ---- b-lenet ---- */

static void test_lenet(void **state)
{
    (void)state;
    pd_graph *g = open_ok("b-lenet");
    assert_int_equal(g->n_layers, 17);
    assert_int_equal(g->n_exits, 2);
    assert_string_equal(g->layers[g->exits[0]].name, "b1_fc");
    assert_string_equal(g->layers[g->exits[1]].name, "fc5");
    assert_false(g->layers[g->exits[0]].has_accuracy); /* "exit": true gives none */
    assert_false(g->layers[g->exits[1]].has_accuracy);
    /* conv1 5 filters k5 p3 on 28: 28 + 6 - 5 + 1 = 30 */
    shape_is(g, "conv1", 5, 30, 30);
    /* ceil pool k2 s2 on 30: ceil(28/2) + 1 = 15; last start 28 < 30, kept */
    shape_is(g, "b1_pool1", 5, 15, 15);
    shape_is(g, "b1_conv", 10, 15, 15); /* k3 p1 keeps 15 */
    /* ceil pool on 15: ceil(13/2) + 1 = 7 + 1 = 8; last start 14 < 15, kept (floor: 7) */
    shape_is(g, "b1_pool2", 10, 8, 8);
    assert_int_equal(pd_shape_elems(layer(g, "b1_fc")->in), 640); /* 10*8*8 */
    shape_is(g, "b1_fc", 10, 1, 1);
    shape_is(g, "pool1", 5, 15, 15);
    /* conv2 k5 p3 on 15: 15 + 6 - 5 + 1 = 17 */
    shape_is(g, "conv2", 10, 17, 17);
    /* ceil pool on 17: ceil(15/2) + 1 = 8 + 1 = 9; last start 16 < 17, kept (floor: 8) */
    shape_is(g, "pool2", 10, 9, 9);
    /* conv3 k5 p3 on 9: 9 + 6 - 5 + 1 = 11 */
    shape_is(g, "conv3", 20, 11, 11);
    /* ceil pool on 11: ceil(9/2) + 1 = 5 + 1 = 6; last start 10 < 11, kept (floor: 5) */
    shape_is(g, "pool3", 20, 6, 6);
    /* fc4 reads 20*6*6 = 720 */
    assert_int_equal(pd_shape_elems(layer(g, "fc4")->in), 720);
    NEAR(feat(g, "fc4", PD_FEAT_IN_ELEMS), 720);
    NEAR(feat(g, "fc4", PD_FEAT_WEIGHT_BYTES), 4.0 * (84 * 720 + 84)); /* 4 * 60564 */
    shape_is(g, "fc5", 10, 1, 1);
    /* conv1: (5/1)^2 * 5 = 125; weights 5*1*25 + 5 = 130 */
    NEAR(feat(g, "conv1", PD_FEAT_KERNEL_FILTERS), 125);
    NEAR(feat(g, "conv1", PD_FEAT_KERNEL_FILTERS_CHANNELS), 125);
    NEAR(feat(g, "conv1", PD_FEAT_WEIGHT_BYTES), 520);
    /* model bytes: conv1 130, b1_conv 10*5*9+10 = 460, b1_fc 10*640+10 = 6410,
     * conv2 10*5*25+10 = 1260, conv3 20*10*25+20 = 5020, fc4 84*720+84 = 60564,
     * fc5 10*84+10 = 850; sum 74694, times 4 = 298776 */
    NEAR(g->model_bytes, 298776);
    pd_graph_free(g);
}

/* ---- shapes, defaults and features of small models ---- */

static void test_pool_ceil_rule(void **state)
{
    (void)state;
    /* height 5, kernel 2, stride 2, pad 1, ceil: span 7, ceil((7-2)/2) + 1 = 4 windows
     * starting at -1, 1, 3, 5; the last starts at 5, past the input's last index 4, in
     * the right padding, so PyTorch drops it: 3 (a plain ceiling would give 4).
     * Width 6, same window: span 8, ceil(6/2) + 1 = 4 windows starting at -1, 1, 3, 5;
     * 5 is inside the input (last index 5), kept: 4. */
    pd_graph *g = parse_ok("{\"name\": \"p\", \"input\": [2, 5, 6], \"layers\": ["
                           "{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 2, \"stride\": 2, "
                           "\"pad\": 1, \"ceil\": true, \"exit\": true}]}");
    shape_is(g, "p", 2, 3, 4);
    pd_graph_free(g);

    /* ceil versus floor, no padding: input 6, kernel 3, stride 2:
     * ceil: ceil(3/2) + 1 = 3 (last start 4 < 6, kept); floor: 1 + 1 = 2 */
    g = parse_ok("{\"name\": \"p\", \"input\": [1, 6, 6], \"layers\": ["
                 "{\"name\": \"c\", \"type\": \"pool\", \"kernel\": 3, \"stride\": 2, "
                 "\"ceil\": true, \"exit\": true},"
                 "{\"name\": \"f\", \"type\": \"pool\", \"kernel\": 3, \"stride\": 2, "
                 "\"input\": \"c\", \"exit\": true}]}");
    shape_is(g, "c", 1, 3, 3);
    /* f reads c's 3x3: floor (3 - 3)/2 + 1 = 1 */
    shape_is(g, "f", 1, 1, 1);
    pd_graph_free(g);

    g = parse_ok("{\"name\": \"p\", \"input\": [1, 6, 6], \"layers\": ["
                 "{\"name\": \"f\", \"type\": \"pool\", \"kernel\": 3, \"stride\": 2, "
                 "\"ceil\": false, \"exit\": true}]}");
    shape_is(g, "f", 1, 2, 2);
    pd_graph_free(g);

    /* kernel 3 stride 3 pad 1 on 4, ceil: span 6, ceil(3/3) + 1 = 2; last start
     * 3 - 1 = 2 < 4, kept */
    g = parse_ok("{\"name\": \"p\", \"input\": [1, 4, 4], \"layers\": ["
                 "{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 3, \"stride\": 3, \"pad\": 1, "
                 "\"mode\": \"avg\", \"ceil\": true, \"exit\": true}]}");
    shape_is(g, "p", 1, 2, 2);
    assert_int_equal(layer(g, "p")->p.mode, PD_POOL_AVG);
    pd_graph_free(g);
}

static void test_conv_shapes(void **state)
{
    (void)state;
    /* conv 8 filters k3 s2 on 3x9x7: (9-3)/2 + 1 = 4, (7-3)/2 + 1 = 3 (floor) */
    pd_graph *g = parse_ok("{\"name\": \"c\", \"input\": [3, 9, 7], \"layers\": ["
                           "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 3, "
                           "\"stride\": 2},"
                           "{\"name\": \"k1\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1, "
                           "\"stride\": 2, \"exit\": true},"
                           "{\"name\": \"big\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 5, "
                           "\"pad\": 1, \"input\": \"c\", \"exit\": {}}]}");
    shape_is(g, "c", 8, 4, 3);
    /* kernel_filters = (3/2)^2 * 8 = 18; times 3 input channels = 54 */
    NEAR(feat(g, "c", PD_FEAT_KERNEL_FILTERS), 18);
    NEAR(feat(g, "c", PD_FEAT_KERNEL_FILTERS_CHANNELS), 54);
    /* macs: 8*4*3 = 96 outputs, each 3*9 = 27 products: 2592 */
    NEAR(feat(g, "c", PD_FEAT_MACS), 2592);
    /* k1 s2 on 8x4x3: (4-1)/2 + 1 = 2, (3-1)/2 + 1 = 2; kernel_filters (1/2)^2 * 4 = 1,
     * times 8 channels = 8 */
    shape_is(g, "k1", 4, 2, 2);
    NEAR(feat(g, "k1", PD_FEAT_KERNEL_FILTERS), 1);
    NEAR(feat(g, "k1", PD_FEAT_KERNEL_FILTERS_CHANNELS), 8);
    /* k5 p1 on 4x3: spans 6 and 5, (6-5) + 1 = 2, (5-5) + 1 = 1 */
    shape_is(g, "big", 1, 2, 1);
    /* "exit": {} is an exit without accuracy */
    assert_true(layer(g, "big")->is_exit);
    assert_false(layer(g, "big")->has_accuracy);
    assert_int_equal(g->n_exits, 2);
    assert_int_equal(g->exits[0], 1);
    assert_int_equal(g->exits[1], 2);
    pd_graph_free(g);
}

static void test_defaults(void **state)
{
    (void)state;
    pd_graph *g = parse_ok("{\"name\": \"d\", \"input\": [3, 9, 9], \"layers\": ["
                           "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3},"
                           "{\"name\": \"l\", \"type\": \"lrn\"},"
                           "{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 3},"
                           "{\"name\": \"d\", \"type\": \"dropout\"},"
                           "{\"name\": \"r\", \"type\": \"relu\"},"
                           "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 2, "
                           "\"exit\": {\"accuracy\": 0.5}}]}");
    assert_null(g->note);
    const pd_layer *c = layer(g, "c"), *l = layer(g, "l"), *p = layer(g, "p");
    /* conv: stride 1, pad 0: (9 - 3)/1 + 1 = 7 */
    assert_int_equal(c->p.stride, 1);
    assert_int_equal(c->p.pad, 0);
    shape_is(g, "c", 4, 7, 7);
    /* lrn: size 5, alpha 1e-4, beta 0.75, k 1 */
    assert_int_equal(l->p.size, 5);
    NEAR(l->p.alpha, 1e-4);
    NEAR(l->p.beta, 0.75);
    NEAR(l->p.k, 1.0);
    NEAR(feat(g, "l", PD_FEAT_MACS), 4 * 7 * 7 * 5); /* elements times size 5 */
    /* pool: stride = kernel = 3, pad 0, max, floor: (7 - 3)/3 + 1 = 2 */
    assert_int_equal(p->p.stride, 3);
    assert_int_equal(p->p.pad, 0);
    assert_int_equal(p->p.mode, PD_POOL_MAX);
    assert_false(p->p.ceil);
    shape_is(g, "p", 4, 2, 2);
    /* dropout ratio 0.5, shape kept */
    NEAR(layer(g, "d")->p.ratio, 0.5);
    shape_is(g, "d", 4, 2, 2);
    shape_is(g, "r", 4, 2, 2);
    /* each layer reads the one before; the first reads the input */
    for (size_t i = 0; i < g->n_layers; i++)
        assert_int_equal(parent_of(&g->layers[i]), (int32_t)i - 1);
    /* fc: 16 inputs, 2 outputs: 2*16 + 2 = 34 weights */
    NEAR(pd_layer_weight_count(layer(g, "f")), 34);
    assert_true(layer(g, "f")->has_accuracy);
    NEAR(layer(g, "f")->accuracy, 0.5);
    /* model: conv 4*3*9 + 4 = 112, fc 34: 4 * 146 = 584 */
    NEAR(g->model_bytes, 584);
    pd_graph_free(g);

    /* accuracies 0 and 1 are inside [0, 1]; a stride given for pool is kept */
    g = parse_ok(M("{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 2, \"stride\": 1,"
                   " \"exit\": {\"accuracy\": 0}},"
                   "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": {\"accuracy\": 1}}"));
    assert_int_equal(layer(g, "p")->p.stride, 1);
    shape_is(g, "p", 3, 7, 7); /* (8 - 2)/1 + 1 = 7 */
    NEAR(layer(g, "p")->accuracy, 0.0);
    NEAR(layer(g, "f")->accuracy, 1.0);
    pd_graph_free(g);
}

static void test_names(void **state)
{
    (void)state;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        assert_int_equal(pd_layer_type_parse(pd_layer_type_name((pd_layer_type)t)), t);
    assert_int_equal(pd_layer_type_parse("conv"), PD_LAYER_CONV);
    assert_int_equal(pd_layer_type_parse("Conv"), PD_LAYER_TYPE_COUNT);
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        assert_int_equal(pd_feature_parse(pd_feature_name((pd_feature)f)), f);
    assert_int_equal(pd_feature_parse("kernel_filters_channels"), PD_FEAT_KERNEL_FILTERS_CHANNELS);
    assert_int_equal(pd_feature_parse("flops"), PD_FEATURE_COUNT);

    size_t n = 0;
    const pd_builtin_model *m = pd_builtin_models(&n);
    bool alexnet = false, lenet = false;
    for (size_t i = 0; i < n; i++) {
        alexnet |= strcmp(m[i].name, "b-alexnet") == 0;
        lenet |= strcmp(m[i].name, "b-lenet") == 0;
        pd_graph *g = open_ok(m[i].name);
        assert_string_equal(g->name, m[i].name);
        pd_graph_free(g);
    }
    assert_true(alexnet);
    assert_true(lenet);
}

/* ---- parse errors ---- */

static void test_errors_document(void **state)
{
    (void)state;
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 8], \"layers\": [", "JSON", NULL);
    bad_model("", "JSON", NULL);
    bad_model("[1, 2, 3]", "object", NULL);
    bad_model("\"b-alexnet\"", "object", NULL);
    /* missing or empty name, input, layers */
    bad_model("{\"input\": [3, 8, 8], \"layers\": [{\"name\": \"f\", \"type\": \"fc\", "
              "\"outputs\": 1, \"exit\": true}]}",
              "\"name\"", NULL);
    bad_model("{\"name\": \"\", \"input\": [3, 8, 8], \"layers\": [{\"name\": \"f\", \"type\": "
              "\"fc\", \"outputs\": 1, \"exit\": true}]}",
              "\"name\"", NULL);
    bad_model("{\"name\": \"t\", \"layers\": [{\"name\": \"f\", \"type\": \"fc\", "
              "\"outputs\": 1, \"exit\": true}]}",
              "\"input\"", NULL);
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 8]}", "\"layers\"", NULL);
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 8], \"layers\": []}", "\"layers\"", NULL);
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 8], \"layers\": {}}", "\"layers\"", NULL);
    /* unknown and duplicate top-level fields */
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 8], \"layer\": [], \"layers\": [{\"name\": "
              "\"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": true}]}",
              "unknown field", "\"layer\"", NULL);
    bad_model("{\"name\": \"t\", \"name\": \"u\", \"input\": [3, 8, 8], \"layers\": [{\"name\": "
              "\"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": true}]}",
              "\"name\"", "twice", NULL);
    bad_model("{\"name\": \"t\", \"note\": 3, \"input\": [3, 8, 8], \"layers\": [{\"name\": "
              "\"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": true}]}",
              "\"note\"", NULL);
}

static void test_errors_input_shape(void **state)
{
    (void)state;
    static const char *const shapes[] = {
        "[3, 8]", "[3, 8, 8, 8]", "[]", "[0, 8, 8]", "[3, -8, 8]", "[3, 8, 8.5]",
        "[3, \"8\", 8]", "\"3x8x8\"", "[3, 8, 1e999]", "[3, 8, 1e300]", "[3, 8, 2097152]", "8",
    };
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"name\": \"t\", \"input\": %s, \"layers\": [{\"name\": \"f\", \"type\": "
                 "\"fc\", \"outputs\": 1, \"exit\": true}]}",
                 shapes[k]);
        bad_model(json, "\"input\"", NULL);
    }
}

static void test_errors_layer_entries(void **state)
{
    (void)state;
    /* a layer that is not an object, or has no name: named by position */
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": true}, 7"),
              "layer 2", "object", NULL);
    bad_model(M("{\"type\": \"fc\", \"outputs\": 1, \"exit\": true}"), "layer 1", "\"name\"",
              NULL);
    bad_model(M("{\"name\": \"r\", \"type\": \"relu\"}, {\"name\": 5, \"type\": \"fc\","
                " \"outputs\": 1, \"exit\": true}"),
              "layer 2", "\"name\"", NULL);
    /* type */
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv3d\", \"filters\": 2, \"kernel\": 3}" EXIT),
              "layer \"c1\"", "type", "conv3d", NULL);
    bad_model(M("{\"name\": \"c1\", \"filters\": 2, \"kernel\": 3}" EXIT), "layer \"c1\"",
              "\"type\"", NULL);
    bad_model(M("{\"name\": \"c1\", \"type\": 3}" EXIT), "layer \"c1\"", "\"type\"", NULL);
    /* unknown fields: one no type takes, and one another type takes */
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 3, "
                "\"padding_mode\": 2}" EXIT),
              "layer \"c1\"", "unknown field", "\"padding_mode\"", NULL);
    bad_model(M("{\"name\": \"r1\", \"type\": \"relu\", \"kernel\": 3}" EXIT), "layer \"r1\"",
              "unknown field", "\"kernel\"", NULL);
    bad_model(M("{\"name\": \"p1\", \"type\": \"pool\", \"kernel\": 2, \"filters\": 3}" EXIT),
              "layer \"p1\"", "unknown field", "\"filters\"", NULL);
    /* duplicate fields */
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 3, "
                "\"kernel\": 3}" EXIT),
              "layer \"c1\"", "\"kernel\"", "twice", NULL);
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv\", \"type\": \"relu\", \"filters\": 2, "
                "\"kernel\": 3}" EXIT),
              "layer \"c1\"", "\"type\"", "twice", NULL);
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, "
                "\"exit\": {\"accuracy\": 0.5, \"accuracy\": 0.6}}"),
              "layer \"f\"", "\"accuracy\"", "twice", NULL);
    /* missing required parameters */
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv\", \"kernel\": 3}" EXIT), "layer \"c1\"",
              "missing", "\"filters\"", NULL);
    bad_model(M("{\"name\": \"c1\", \"type\": \"conv\", \"filters\": 3}" EXIT), "layer \"c1\"",
              "missing", "\"kernel\"", NULL);
    bad_model(M("{\"name\": \"p1\", \"type\": \"pool\", \"stride\": 2}" EXIT), "layer \"p1\"",
              "missing", "\"kernel\"", NULL);
    bad_model(M("{\"name\": \"f1\", \"type\": \"fc\", \"exit\": true}"), "layer \"f1\"",
              "missing", "\"outputs\"", NULL);
}

/* Every listed parameter value is rejected, naming layer x and the field. */
static void test_errors_parameter_values(void **state)
{
    (void)state;
    static const struct {
        const char *layer; /* JSON of layer "x" without its closing brace, %s the value */
        const char *field;
    } cases[] = {
        {"\"type\": \"conv\", \"kernel\": 3, \"filters\": %s", "\"filters\""},
        {"\"type\": \"conv\", \"filters\": 2, \"kernel\": %s", "\"kernel\""},
        {"\"type\": \"conv\", \"filters\": 2, \"kernel\": 3, \"stride\": %s", "\"stride\""},
        {"\"type\": \"pool\", \"kernel\": 2, \"stride\": %s", "\"stride\""},
        {"\"type\": \"pool\", \"kernel\": %s", "\"kernel\""},
        {"\"type\": \"fc\", \"outputs\": %s", "\"outputs\""},
        {"\"type\": \"lrn\", \"size\": %s", "\"size\""},
    };
    /* positive integers only: zero, negative, fractional, huge, infinite, a string */
    static const char *const values[] = {"0", "-1", "2.5", "1e300", "1e999", "-1e999",
                                         "\"3\"", "true", "null", "[3]"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            char fmt[512], json[1024];
            snprintf(fmt, sizeof fmt, M("{\"name\": \"x\", %s}" EXIT), cases[c].layer);
            snprintf(json, sizeof json, fmt, values[v]);
            bad_model(json, "layer \"x\"", cases[c].field, NULL);
        }

    /* per-type upper bounds: filters <= 2^20, kernel <= 4096, fc outputs <= 2^24 */
    bad_model(M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1048577, \"kernel\": 1}" EXIT),
              "layer \"x\"", "\"filters\"", NULL);
    bad_model(M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 4097}" EXIT),
              "layer \"x\"", "\"kernel\"", NULL);
    bad_model(M("{\"name\": \"x\", \"type\": \"fc\", \"outputs\": 16777217, \"exit\": true}"),
              "layer \"x\"", "\"outputs\"", NULL);
    /* pad: 0 is fine, negative, fractional and infinite are not */
    static const char *const pads[] = {"-1", "0.5", "1e999", "1e300", "\"1\""};
    for (size_t v = 0; v < sizeof pads / sizeof pads[0]; v++) {
        char json[1024];
        snprintf(json, sizeof json,
                 M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1, "
                   "\"pad\": %s}" EXIT),
                 pads[v]);
        bad_model(json, "layer \"x\"", "\"pad\"", NULL);
        snprintf(json, sizeof json,
                 M("{\"name\": \"x\", \"type\": \"pool\", \"kernel\": 2, \"pad\": %s}" EXIT),
                 pads[v]);
        bad_model(json, "layer \"x\"", "\"pad\"", NULL);
    }
    /* real parameters: out of range, infinite, not numbers */
    static const struct {
        const char *layer;
        const char *field;
    } reals[] = {
        {"\"type\": \"lrn\", \"alpha\": -1", "\"alpha\""},
        {"\"type\": \"lrn\", \"alpha\": 1e999", "\"alpha\""},
        {"\"type\": \"lrn\", \"beta\": -1e999", "\"beta\""},
        {"\"type\": \"lrn\", \"beta\": \"x\"", "\"beta\""},
        {"\"type\": \"lrn\", \"k\": 1e999", "\"k\""},
        {"\"type\": \"lrn\", \"k\": -0.5", "\"k\""},
        {"\"type\": \"dropout\", \"ratio\": 1.5", "\"ratio\""},
        {"\"type\": \"dropout\", \"ratio\": -0.1", "\"ratio\""},
        {"\"type\": \"dropout\", \"ratio\": 1e999", "\"ratio\""},
        {"\"type\": \"pool\", \"kernel\": 2, \"mode\": \"min\"", "\"mode\""},
        {"\"type\": \"pool\", \"kernel\": 2, \"mode\": 0", "\"mode\""},
        {"\"type\": \"pool\", \"kernel\": 2, \"ceil\": 1", "\"ceil\""},
        {"\"type\": \"pool\", \"kernel\": 2, \"ceil\": \"true\"", "\"ceil\""},
        {"\"type\": \"relu\", \"input\": 0", "\"input\""},
    };
    for (size_t c = 0; c < sizeof reals / sizeof reals[0]; c++) {
        char json[1024];
        snprintf(json, sizeof json, M("{\"name\": \"x\", %s}" EXIT), reals[c].layer);
        bad_model(json, "layer \"x\"", reals[c].field, NULL);
    }
    /* a pool pad beyond half the kernel (PyTorch refuses it too) */
    bad_model(M("{\"name\": \"x\", \"type\": \"pool\", \"kernel\": 2, \"pad\": 2}" EXIT),
              "layer \"x\"", "pad", NULL);
}

static void test_errors_window(void **state)
{
    (void)state;
    /* conv kernel 9 on 8 without padding: 9 > 8 */
    bad_model(M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 9}" EXIT),
              "layer \"x\"", "kernel", "larger", NULL);
    /* with pad 1 the padded input is 10 and kernel 11 is still too large */
    bad_model(M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 11, "
                "\"pad\": 1}" EXIT),
              "layer \"x\"", "kernel", "larger", NULL);
    /* pool kernel 9 on 8, also in ceil mode */
    bad_model(M("{\"name\": \"x\", \"type\": \"pool\", \"kernel\": 9, \"ceil\": true}" EXIT),
              "layer \"x\"", "kernel", "larger", NULL);
    /* only the width is too small: input [3, 8, 2], kernel 3 */
    bad_model("{\"name\": \"t\", \"input\": [3, 8, 2], \"layers\": [{\"name\": \"x\", \"type\": "
              "\"conv\", \"filters\": 1, \"kernel\": 3}" EXIT "]}",
              "layer \"x\"", "kernel", "width", NULL);
    /* a later layer sees the shrunken shape: 8 -> 4 -> kernel 5 too large */
    bad_model(M("{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 2}, "
                "{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 5}" EXIT),
              "layer \"x\"", "kernel", NULL);
    /* exactly the padded size fits: kernel 10 with pad 1 on 8 gives 1x1 */
    pd_graph *g = parse_ok(M("{\"name\": \"x\", \"type\": \"conv\", \"filters\": 1, "
                             "\"kernel\": 10, \"pad\": 1}" EXIT));
    shape_is(g, "x", 1, 1, 1);
    pd_graph_free(g);
    /* a tensor beyond 2^40 elements: input 2^20 x 2^20 x 2^20 through a relu */
    bad_model("{\"name\": \"t\", \"input\": [1048576, 1048576, 1048576], \"layers\": ["
              "{\"name\": \"x\", \"type\": \"relu\"}" EXIT "]}",
              "layer \"x\"", NULL);
    /* weights beyond 2^40: fc of 2^24 outputs over 2^20 * 2^20 inputs */
    bad_model("{\"name\": \"t\", \"input\": [1, 1048576, 1048576], \"layers\": ["
              "{\"name\": \"x\", \"type\": \"fc\", \"outputs\": 16777216, \"exit\": true}]}",
              "layer \"x\"", NULL);
}

static void test_errors_graph(void **state)
{
    (void)state;
    /* a layer reading itself */
    bad_model(M("{\"name\": \"r\", \"type\": \"relu\"}, "
                "{\"name\": \"a\", \"type\": \"relu\", \"input\": \"a\"}" EXIT),
              "layer \"a\"", "\"input\"", "itself", NULL);
    /* a parent listed after its child, which does not read it back: no cycle */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"input\": \"b\"}, "
                "{\"name\": \"b\", \"type\": \"relu\", \"input\": \"@input\"}" EXIT),
              "layer \"a\"", "\"input\"", "\"b\"", "after", "before children", NULL);
    /* a two-layer cycle, by name; and by default (b reads the layer before it, a) */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"input\": \"b\"}, "
                "{\"name\": \"b\", \"type\": \"relu\", \"input\": \"a\"}" EXIT),
              "layer \"a\"", "\"input\"", "\"b\"", "cycle", NULL);
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"input\": \"b\"}, "
                "{\"name\": \"b\", \"type\": \"relu\"}" EXIT),
              "layer \"a\"", "\"input\"", "\"b\"", "cycle", NULL);
    /* an unknown parent */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"input\": \"nope\"}" EXIT),
              "layer \"a\"", "\"input\"", "unknown parent", "\"nope\"", NULL);
    /* a duplicate name */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, {\"name\": \"a\", \"type\": \"relu\"}" EXIT),
              "layer \"a\"", "duplicate name", NULL);
    /* no exit at all, and "exit": false is no exit */
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1}"), "no exit", NULL);
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": false}"),
              "no exit", NULL);
    /* a dangling side branch and a dangling tail */
    bad_model(M("{\"name\": \"c\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 3}, "
                "{\"name\": \"dangling\", \"type\": \"relu\", \"input\": \"c\"}, "
                "{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"input\": \"c\", "
                "\"exit\": true}"),
              "layer \"dangling\"", "no exit", NULL);
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": true}, "
                "{\"name\": \"tail\", \"type\": \"relu\"}"),
              "layer \"tail\"", "no exit", NULL);
    /* exit accuracies outside [0, 1], infinite, or not numbers; exit of the wrong kind */
    static const char *const exits[] = {"{\"accuracy\": 1.5}", "{\"accuracy\": -0.1}",
                                        "{\"accuracy\": 1e999}", "{\"accuracy\": \"0.5\"}",
                                        "{\"accuracy\": 1.0000001}"};
    for (size_t k = 0; k < sizeof exits / sizeof exits[0]; k++) {
        char json[512];
        snprintf(json, sizeof json,
                 M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": %s}"), exits[k]);
        bad_model(json, "layer \"f\"", "accuracy", NULL);
    }
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": 1}"),
              "layer \"f\"", "\"exit\"", NULL);
    bad_model(M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 1, \"exit\": {\"acc\": 0.5}}"),
              "layer \"f\"", "exit", "\"acc\"", NULL);
}

/* ---- DAGs ---- */

/* a residual add, then a concat with a second branch from the input */
#define DAG                                                                                     \
    M("{\"name\": \"c1\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1, "      \
      "\"input\": \"@input\"}, "                                                                \
      "{\"name\": \"r1\", \"type\": \"relu\"}, "                                                \
      "{\"name\": \"c2\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1}, "     \
      "{\"name\": \"sum\", \"type\": \"add\", \"inputs\": [\"c2\", \"c1\"]}, "                  \
      "{\"name\": \"e1\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}, "                 \
      "{\"name\": \"c3\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 1, "                  \
      "\"inputs\": [\"@input\"]}, "                                                             \
      "{\"name\": \"cat\", \"type\": \"concat\", \"inputs\": [\"sum\", \"c3\", \"sum\"]}, "     \
      "{\"name\": \"e2\", \"type\": \"fc\", \"outputs\": 10, \"exit\": true}")

static void test_dag_parse(void **state)
{
    (void)state;
    pd_graph *g = parse_ok(DAG);
#define IDX(n) pd_graph_find(g, n)
    const pd_layer *sum = layer(g, "sum"), *cat = layer(g, "cat");
    assert_int_equal(sum->n_inputs, 2);
    assert_int_equal(sum->inputs[0], IDX("c2"));
    assert_int_equal(sum->inputs[1], IDX("c1"));
    assert_int_equal(layer(g, "c1")->inputs[0], PD_TENSOR_INPUT);
    assert_int_equal(layer(g, "c3")->inputs[0], PD_TENSOR_INPUT);
    assert_int_equal(cat->n_inputs, 3); /* in order, a repeat kept: it matters for concat */
    assert_int_equal(cat->inputs[2], IDX("sum"));
    /* add keeps the shape; concat sums the channels */
    shape_is(g, "sum", 4, 8, 8);
    shape_is(g, "cat", 10, 8, 8);
    shape_is(g, "e2", 10, 1, 1);
    NEAR(pd_layer_weight_count(sum), 0);
    NEAR(pd_layer_macs(sum), 4 * 8 * 8);
    NEAR(pd_layer_macs(cat), 0);
    NEAR(pd_layer_weight_count(layer(g, "e2")), 10 * 640 + 10);
    /* in_elems sums the inputs (formats.md) */
    NEAR(feat(g, "sum", PD_FEAT_IN_ELEMS), 2 * 256);
    NEAR(feat(g, "cat", PD_FEAT_IN_ELEMS), 256 + 128 + 256);
    NEAR(feat(g, "cat", PD_FEAT_IN_BYTES), 4 * 640);
    NEAR(feat(g, "e1", PD_FEAT_IN_ELEMS), 256);
    /* the topology */
    const pd_topology *t = g->topo;
    assert_false(t->tree);
    assert_int_equal(t->first_join, IDX("sum"));
    assert_null(pd_topology_tree_parents(t));
    size_t n;
    const int32_t *rd = pd_topology_readers(t, PD_TENSOR_INPUT, &n);
    assert_int_equal(n, 2);
    assert_int_equal(rd[0], IDX("c1"));
    assert_int_equal(rd[1], IDX("c3"));
    rd = pd_topology_readers(t, IDX("c1"), &n);
    assert_int_equal(n, 2);
    assert_int_equal(rd[0], IDX("r1"));
    assert_int_equal(rd[1], IDX("sum"));
    rd = pd_topology_readers(t, IDX("sum"), &n); /* cat reads sum twice: listed once */
    assert_int_equal(n, 2);
    assert_int_equal(rd[0], IDX("e1"));
    assert_int_equal(rd[1], IDX("cat"));
    pd_topology_readers(t, IDX("e2"), &n);
    assert_int_equal(n, 0);
    /* A(e1) = c1 r1 c2 sum e1; A(e2) = all but e1 */
    assert_int_equal(t->sub_len[0], 5);
    assert_int_equal(t->sub_len[1], 7);
    for (size_t i = 0; i < g->n_layers; i++) {
        const char *name = g->layers[i].name;
        assert_int_equal(pd_graph_in_exit(g, i, 0), i <= (size_t)IDX("e1"));
        assert_int_equal(pd_graph_in_exit(g, i, 1), strcmp(name, "e1") != 0);
    }
    int32_t list[7];
    pd_topology_sub_list(t, 1, list);
    const char *const want[] = {"c1", "r1", "c2", "sum", "c3", "cat", "e2"};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(list[i], IDX(want[i]));
    /* peak activations, worked out: input 768 B. Exit e1: c1 runs (768 + 1024), the input
     * goes; r1, c2 (1024 x 3), r1 goes; sum (3072), c2 and c1 go; e1: peak 3072. Exit e2:
     * the input stays for c3: c1 1792, r1 2816, c2 3840, r1 goes; sum 3840, c2 and c1 go
     * (1792); c3 2304, the input goes; cat 1024 + 512 + 2560 = 4096; e2 2600 */
    double peak;
    assert_int_equal(pd_graph_exit_peak_bytes(g, 0, &peak, NULL), PD_OK);
    NEAR(peak, 3072);
    assert_int_equal(pd_graph_exit_peak_bytes(g, 1, &peak, NULL), PD_OK);
    NEAR(peak, 4096);
#undef IDX
    pd_graph_free(g);
    /* "@input" in "input" of a later layer: a second root */
    g = parse_ok(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                   "{\"name\": \"b\", \"type\": \"relu\", \"input\": \"@input\"}, "
                   "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"b\"]}" EXIT));
    assert_int_equal(layer(g, "b")->inputs[0], PD_TENSOR_INPUT);
    assert_int_equal(layer(g, "a")->inputs[0], PD_TENSOR_INPUT);
    pd_graph_free(g);
}

static void test_dag_errors(void **state)
{
    (void)state;
    /* input and inputs together */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"input\": \"@input\", "
                "\"inputs\": [\"@input\"]}" EXIT),
              "layer \"a\"", "\"input\"", "\"inputs\"", "together", NULL);
    /* inputs of the wrong kind */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"inputs\": []}" EXIT), "layer \"a\"",
              "\"inputs\"", "non-empty", NULL);
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\", \"inputs\": \"@input\"}" EXIT),
              "layer \"a\"", "\"inputs\"", NULL);
    bad_model(M("{\"name\": \"a\", \"type\": \"add\", \"inputs\": [\"@input\", 3]}" EXIT),
              "layer \"a\"", "\"inputs\"", "entry 2", NULL);
    /* unknown parents, self and later ones, in inputs */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"nope\"]}" EXIT),
              "layer \"s\"", "\"inputs\"", "unknown parent", "\"nope\"", NULL);
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"s\"]}" EXIT),
              "layer \"s\"", "\"inputs\"", "itself", "cycle", NULL);
    /* a longer cycle: s reads c, c reads b, b reads s */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"c\"]}, "
                "{\"name\": \"b\", \"type\": \"relu\", \"input\": \"s\"}, "
                "{\"name\": \"c\", \"type\": \"relu\", \"input\": \"b\"}" EXIT),
              "layer \"s\"", "\"inputs\"", "cycle", "\"c\"", NULL);
    /* a parent listed late that does not read back: the order rule, not a cycle */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"c\"]}, "
                "{\"name\": \"c\", \"type\": \"relu\", \"input\": \"@input\"}" EXIT),
              "layer \"s\"", "\"inputs\"", "\"c\"", "listed after it", NULL);
    /* the reserved name */
    bad_model(M("{\"name\": \"@input\", \"type\": \"relu\"}" EXIT), "\"@input\"", "reserved",
              NULL);
    /* how many inputs a type takes */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1, "
                "\"inputs\": [\"a\", \"@input\"]}" EXIT),
              "layer \"c\"", "\"inputs\"", "\"conv\" reads one tensor, not 2", NULL);
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, {\"name\": \"s\", \"type\": \"add\"}" EXIT),
              "layer \"s\"", "\"add\"", "two or more", "\"inputs\"", NULL);
    bad_model(M("{\"name\": \"s\", \"type\": \"concat\", \"inputs\": [\"@input\"]}" EXIT),
              "layer \"s\"", "\"concat\"", "two or more", NULL);
    /* shapes that do not fit: add of 4x8x8 and 3x8x8; concat of 8x8 and 4x4 */
    bad_model(M("{\"name\": \"c\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"c\", \"@input\"]}" EXIT),
              "layer \"s\"", "\"inputs\"", "input 2 is 3x8x8 but input 1 is 4x8x8", "one shape",
              NULL);
    bad_model(M("{\"name\": \"p\", \"type\": \"pool\", \"kernel\": 2}, "
                "{\"name\": \"s\", \"type\": \"concat\", \"inputs\": [\"@input\", \"p\"]}" EXIT),
              "layer \"s\"", "\"inputs\"", "input 2 is 3x4x4", "height and width", NULL);
    /* a layer that feeds only a layer no exit uses: both lead nowhere; the first is named */
    bad_model(M("{\"name\": \"a\", \"type\": \"relu\"}, "
                "{\"name\": \"b\", \"type\": \"relu\", \"input\": \"@input\"}, "
                "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"a\", \"b\"]}, "
                "{\"name\": \"out\", \"type\": \"fc\", \"outputs\": 2, \"input\": \"a\", "
                "\"exit\": true}"),
              "layer \"b\"", "no exit", NULL);
    /* too many inputs is a limit */
    char *json = malloc(100000);
    assert_non_null(json);
    size_t len = (size_t)snprintf(json, 100000, "{\"name\": \"t\", \"input\": [1, 1, 1], "
                                  "\"layers\": [{\"name\": \"s\", \"type\": \"add\", \"inputs\": [");
    for (int i = 0; i < 4097; i++)
        len += (size_t)snprintf(json + len, 100000 - len, "%s\"@input\"", i ? ", " : "");
    snprintf(json + len, 100000 - len, "], \"exit\": true}]}");
    pd_graph *g = NULL;
    pd_error err;
    assert_int_equal(pd_graph_from_json(json, strlen(json), "wide.json", &g, &err), PD_ELIMIT);
    assert_non_null(strstr(err.msg, "wide.json: layer \"s\": field \"inputs\": 4097 tensors"));
    free(json);
}

/* The topology of plain arrays: what pd_topology_new checks, and a DAG's bound. */
static void test_topology_arrays(void **state)
{
    (void)state;
    pd_topology *t = (pd_topology *)0x1;
    pd_error err;
    const int32_t exit1[] = {1};
    /* layer 1 reads layer 1: not before it */
    const size_t start[] = {0, 1, 2};
    const int32_t self[] = {PD_TENSOR_INPUT, 1};
    assert_int_equal(pd_topology_new(2, start, self, 1, exit1, &t, &err), PD_EINPUT);
    assert_null(t);
    assert_non_null(strstr(err.msg, "layer 1: input 1 does not come before it"));
    /* a layer reading nothing */
    const size_t empty[] = {0, 1, 1};
    const int32_t one[] = {PD_TENSOR_INPUT};
    assert_int_equal(pd_topology_new(2, empty, one, 1, exit1, &t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "layer 1 reads no tensor"));
    /* an exit that is no layer */
    const int32_t chain[] = {PD_TENSOR_INPUT, 0};
    const int32_t bad_exit[] = {2};
    assert_int_equal(pd_topology_new(2, start, chain, 1, bad_exit, &t, &err), PD_EINPUT);
    /* a chain is a tree: its parents are its inputs, A(k) the path */
    assert_int_equal(pd_topology_new(2, start, chain, 1, exit1, &t, &err), PD_OK);
    assert_true(t->tree);
    assert_int_equal(pd_topology_tree_parents(t)[1], 0);
    assert_true(pd_topology_in_sub(t, 0, 0) && pd_topology_in_sub(t, 0, 1));
    const double bytes[] = {10, 30};
    double peak;
    assert_int_equal(pd_topology_peak_bytes(t, 0, bytes, 100, &peak, NULL), PD_OK);
    assert_true(peak == 110); /* input + layer 0, then layer 0 + layer 1 = 40 */
    pd_topology *copy;
    assert_int_equal(pd_topology_copy(t, &copy, NULL), PD_OK);
    assert_true(copy->tree && copy->sub_len[0] == 2);
    pd_topology_free(copy);
    pd_topology_free(t);
    pd_topology_free(NULL);
    /* a DAG of 4097 layers with 4097 exits is beyond 2^24 exits x layers */
    enum { N = 4097 };
    size_t *st = malloc((N + 1) * sizeof *st);
    int32_t *ids = malloc((N + 1) * sizeof *ids), *ex = malloc(N * sizeof *ex);
    assert_true(st && ids && ex);
    st[0] = 0;
    for (size_t i = 0; i < N; i++) {
        ids[st[i]] = (int32_t)i - 1;
        st[i + 1] = st[i] + 1;
        ex[i] = (int32_t)i;
    }
    ids[N] = PD_TENSOR_INPUT; /* the last layer reads the one before and the input */
    st[N] = N + 1;
    assert_int_equal(pd_topology_new(N, st, ids, N, ex, &t, &err), PD_ELIMIT);
    assert_non_null(strstr(err.msg, "4097 layers (not a tree) with 4097 exits"));
    /* the same as a tree is fine: no bitset */
    st[N] = N;
    assert_int_equal(pd_topology_new(N, st, ids, N, ex, &t, &err), PD_OK);
    assert_true(t->tree && t->sub_len[N - 1] == N && pd_topology_in_sub(t, N - 1, 0));
    assert_false(pd_topology_in_sub(t, 0, 1));
    pd_topology_free(t);
    free(st);
    free(ids);
    free(ex);
}

/* ---- opening by name or path ---- */

static void test_open(void **state)
{
    (void)state;
    pd_graph *g = (pd_graph *)0x1;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_graph_open("no-such-model", &g, &err), PD_EINPUT);
    assert_null(g);
    assert_int_equal(err.status, PD_EINPUT);
    assert_non_null(strstr(err.msg, "no-such-model"));

    const char *missing = "/tmp/predoff-test-no-such-dir/model.json";
    g = (pd_graph *)0x1;
    pd_error_clear(&err);
    assert_int_equal(pd_graph_open(missing, &g, &err), PD_EINPUT);
    assert_null(g);
    assert_non_null(strstr(err.msg, missing));

    /* the built-in's own file gives the same graph */
    g = open_ok(PD_SOURCE_DIR "/models/b-lenet.json");
    assert_int_equal(g->n_layers, 17);
    shape_is(g, "pool3", 20, 6, 6);
    pd_graph_free(g);

    /* a file: good, then bad; errors name the path */
    char path[] = "/tmp/predoff-test-graph-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *good = M("{\"name\": \"f\", \"type\": \"fc\", \"outputs\": 3, \"exit\": true}");
    assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    pd_status st = pd_graph_open(path, &g, &err);
    if (st != PD_OK)
        unlink(path);
    assert_int_equal(st, PD_OK);
    shape_is(g, "f", 3, 1, 1);
    NEAR(g->model_bytes, 4.0 * (3 * 192 + 3)); /* 3 outputs over 3*8*8 = 192 inputs */
    pd_graph_free(g);

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(M("{\"name\": \"c\", \"type\": \"conv\", \"filters\": 0, \"kernel\": 3}" EXIT), f);
    fclose(f);
    g = (pd_graph *)0x1;
    pd_error_clear(&err);
    st = pd_graph_open(path, &g, &err);
    unlink(path);
    assert_int_equal(st, PD_EINPUT);
    assert_null(g);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "layer \"c\""));
    assert_non_null(strstr(err.msg, "\"filters\""));
}

/* ---- exits in path order ---- */

static void order_is(const char *json, const size_t *want, size_t n)
{
    pd_graph *g = parse_ok(json);
    assert_int_equal(g->n_exits, n);
    size_t order[8];
    assert_int_equal(pd_graph_exit_path_order(g, order, NULL), PD_OK);
    for (size_t i = 0; i < n; i++)
        if (order[i] != want[i])
            fail_msg("%s\n  order[%zu] = %zu, want %zu", json, i, order[i], want[i]);
    pd_graph_free(g);
}

#define FC_EXIT(name, from) \
    "{\"name\": \"" name "\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true, \"input\": \"" from "\"}"

static void test_exit_path_order(void **state)
{
    (void)state;
    /* b-lenet: the branch leaves after conv1, the trunk's exit fc5 last */
    pd_graph *g = open_ok("b-lenet");
    size_t order[2];
    assert_int_equal(pd_graph_exit_path_order(g, order, NULL), PD_OK);
    assert_string_equal(g->layers[g->exits[order[0]]].name, "b1_fc");
    assert_string_equal(g->layers[g->exits[order[1]]].name, "fc5");
    pd_graph_free(g);
    /* exits in model order xb, x1, out, xa: x1 leaves the trunk first (after r1); xb and xa
     * both after r2, in model order; the trunk's exit out last */
    static const size_t want[] = {1, 0, 3, 2};
    order_is(M("{\"name\": \"r1\", \"type\": \"relu\"}, {\"name\": \"r2\", \"type\": \"relu\"}, "
               "{\"name\": \"r3\", \"type\": \"relu\"}, " FC_EXIT("xb", "r2") ", "
               FC_EXIT("x1", "r1") ", {\"name\": \"r4\", \"type\": \"relu\", \"input\": \"r3\"}, "
               "{\"name\": \"out\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true}, "
               FC_EXIT("xa", "r2")),
             want, 4);
    /* two exits with paths as long: the later one is the trunk's, met last */
    static const size_t tie[] = {0, 1};
    order_is(M("{\"name\": \"r1\", \"type\": \"relu\"}, " FC_EXIT("e1", "r1") ", "
               FC_EXIT("e2", "r1")),
             tie, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alexnet_structure),
        cmocka_unit_test(test_alexnet_shapes),
        cmocka_unit_test(test_alexnet_features),
        cmocka_unit_test(test_on_path),
        cmocka_unit_test(test_dag_parse),
        cmocka_unit_test(test_dag_errors),
        cmocka_unit_test(test_topology_arrays),
        cmocka_unit_test(test_lenet),
        cmocka_unit_test(test_pool_ceil_rule),
        cmocka_unit_test(test_conv_shapes),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_errors_document),
        cmocka_unit_test(test_errors_input_shape),
        cmocka_unit_test(test_errors_layer_entries),
        cmocka_unit_test(test_errors_parameter_values),
        cmocka_unit_test(test_errors_window),
        cmocka_unit_test(test_errors_graph),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_exit_path_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
