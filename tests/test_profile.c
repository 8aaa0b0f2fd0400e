/* Tier latency profiles: the presets, the linear models, clamping, coverage and every
 * parse error (formats.md, cost-model.md "Compute time"). */
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

#include "predoff/graph.h"
#include "expect_error.h"
#include "profile_parse.h"
#include "predoff/profile.h"

#define NEAR(a, b) near_((double)(a), (double)(b), #a, __LINE__)

static void near_(double got, double want, const char *what, int line)
{
    if (!(fabs(got - want) <= 1e-12 * (1e-12 + fabs(want))))
        fail_msg("line %d: %s = %.17g, want %.17g", line, what, got, want);
}

static pd_profile *open_ok(const char *name)
{
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_profile_open(name, &p, &err) != PD_OK)
        fail_msg("pd_profile_open(%s): %s", name, err.msg);
    assert_non_null(p);
    return p;
}

/* A profile whose "layers" object is the argument. */
#define P(layers) "{\"name\": \"p\", \"layers\": {" layers "}}"
#define RELU "\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1e-5], \"intercept\": 0.5}"

/* An engine's features as a stand-in engine would give them (the planner's tests have no
 * runtime): what a profile fitted on predoff's runtime reads. */
static double fake_feature(const pd_graph *g, size_t i, pd_feature f)
{
    return f == PD_FEAT_RUNTIME_MACS ? pd_layer_macs(&g->layers[i]) : 0.0;
}
/* fuses nothing; holds the float32 weights, no scratch */
static const pd_engine_hook fake_engine = {fake_feature, NULL, NULL, NULL};

static void test_presets_open(void **state)
{
    (void)state;
    size_t n = 0;
    const pd_preset_profile *pre = pd_preset_profiles(&n);
    assert_true(n >= 3);
    static const char *const needed[] = {"paper-rpi3b", "paper-laptop", "paper-cloud"};
    for (size_t k = 0; k < 3; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(pre[i].name, needed[k]) == 0;
        if (!found)
            fail_msg("no preset %s", needed[k]);
    }
    pd_graph *alex = NULL, *lenet = NULL;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &alex, &err), PD_OK);
    assert_int_equal(pd_graph_open("b-lenet", &lenet, &err), PD_OK);
    /* for the presets fitted on the runtime */
    assert_int_equal(pd_graph_set_feature_hook(alex, &fake_engine, NULL), PD_OK);
    assert_int_equal(pd_graph_set_feature_hook(lenet, &fake_engine, NULL), PD_OK);
    for (size_t i = 0; i < n; i++) {
        pd_profile *p = open_ok(pre[i].name);
        /* the preset's name inside its JSON is the name it is listed under */
        assert_string_equal(p->name, pre[i].name);
        /* every preset models the six layer types of the paper's models (not yet add or
         * concat, which no profile has measured), so it covers both built-in models */
        for (int t = 0; t <= PD_LAYER_FC; t++)
            assert_true(p->layer[t].present);
        pd_error_clear(&err);
        assert_int_equal(pd_profile_covers(p, alex, &err), PD_OK);
        assert_int_equal(pd_profile_covers(p, lenet, &err), PD_OK);
        pd_profile_free(p);
        /* the embedded text parses the same way */
        p = NULL;
        assert_int_equal(pd_profile_from_json(pre[i].json, pre[i].json_len, pre[i].name, &p, &err),
                         PD_OK);
        pd_profile_free(p);
    }
    pd_graph_free(alex);
    pd_graph_free(lenet);
}

static void test_rpi3b_values(void **state)
{
    (void)state;
    pd_profile *p = open_ok("paper-rpi3b");
    /* paper table 4.2, mobile conv: 6.13e-3 * in + 2.67e-2 * (k/s)^2 * filters - 9.909 */
    const pd_linear_model *conv = &p->layer[PD_LAYER_CONV];
    assert_int_equal(conv->n, 2);
    assert_int_equal(conv->features[0], PD_FEAT_IN_ELEMS);
    assert_int_equal(conv->features[1], PD_FEAT_KERNEL_FILTERS);
    NEAR(conv->coef[0], 6.13e-3);
    NEAR(conv->coef[1], 2.67e-2);
    NEAR(conv->intercept, -9.909);
    /* relu 1.5e-5 * in + 0.488; load 4.49e-6 * weight bytes + 82.136; parse 3.48e-6 * model
     * bytes + 4.253 */
    NEAR(p->layer[PD_LAYER_RELU].coef[0], 1.5e-5);
    NEAR(p->layer[PD_LAYER_RELU].intercept, 0.488);
    assert_true(p->load.present);
    assert_int_equal(p->load.features[0], PD_FEAT_WEIGHT_BYTES);
    NEAR(p->load.coef[0], 4.49e-6);
    NEAR(p->load.intercept, 82.136);
    assert_true(p->parse.present);
    assert_int_equal(p->parse.features[0], PD_FEAT_MODEL_BYTES);
    NEAR(p->parse.coef[0], 3.48e-6);
    NEAR(p->parse.intercept, 4.253);
    pd_profile_free(p);
}

static void test_cloud_is_laptop_over_4(void **state)
{
    (void)state;
    pd_profile *laptop = open_ok("paper-laptop");
    pd_profile *cloud = open_ok("paper-cloud");
    /* e.g. conv: 6.03e-5 / 4 = 1.5075e-5, 1.24e-4 / 4 = 3.1e-5, 0.189 / 4 = 0.04725 */
    NEAR(cloud->layer[PD_LAYER_CONV].coef[0], 1.5075e-5);
    NEAR(cloud->layer[PD_LAYER_CONV].intercept, 0.04725);
    enum { MODELLED = PD_LAYER_FC + 1 }; /* the paper's six types, then the loading */
    const pd_linear_model *lm[MODELLED + 1], *cm[MODELLED + 1];
    for (int t = 0; t < MODELLED; t++) {
        lm[t] = &laptop->layer[t];
        cm[t] = &cloud->layer[t];
    }
    lm[MODELLED] = &laptop->load;
    cm[MODELLED] = &cloud->load;
    for (int t = 0; t <= MODELLED; t++) {
        assert_true(lm[t]->present);
        assert_true(cm[t]->present);
        assert_int_equal(cm[t]->n, lm[t]->n);
        assert_true(lm[t]->n >= 1);
        for (int i = 0; i < lm[t]->n; i++) {
            assert_int_equal(cm[t]->features[i], lm[t]->features[i]);
            NEAR(cm[t]->coef[i], lm[t]->coef[i] / 4.0);
        }
        NEAR(cm[t]->intercept, lm[t]->intercept / 4.0);
    }
    /* neither has a parsing model: parsing happens on the mobile */
    assert_false(laptop->parse.present);
    assert_false(cloud->parse.present);
    pd_profile_free(laptop);
    pd_profile_free(cloud);
}

static void test_linear_predict(void **state)
{
    (void)state;
    pd_linear_model m;
    memset(&m, 0, sizeof m);
    m.present = true;
    m.n = 2;
    m.features[0] = PD_FEAT_IN_ELEMS;
    m.features[1] = PD_FEAT_MACS;
    m.coef[0] = 2.0;
    m.coef[1] = 0.5;
    m.intercept = 1.0;
    double f[PD_FEATURE_COUNT];
    for (int k = 0; k < PD_FEATURE_COUNT; k++)
        f[k] = 1000.0; /* features the model does not name must not count */
    f[PD_FEAT_IN_ELEMS] = 10.0;
    f[PD_FEAT_MACS] = 4.0;
    /* 1 + 2*10 + 0.5*4 = 23 */
    NEAR(pd_linear_predict(&m, f), 23.0);
    /* not clamped: intercept -30 gives 23 - 31 = -8 */
    m.intercept = -30.0;
    NEAR(pd_linear_predict(&m, f), -8.0);
    /* no features: the intercept */
    m.n = 0;
    NEAR(pd_linear_predict(&m, f), -30.0);
}

static void test_layer_ms(void **state)
{
    (void)state;
    pd_profile *rpi = open_ok("paper-rpi3b");
    pd_profile *laptop = open_ok("paper-laptop");
    pd_graph *g = NULL;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &g, &err), PD_OK);
    size_t conv1 = (size_t)pd_graph_find(g, "conv1"), relu1 = (size_t)pd_graph_find(g, "relu1");
    size_t fc8 = (size_t)pd_graph_find(g, "fc8"), pool1 = (size_t)pd_graph_find(g, "pool1");
    /* conv1 on the Pi: in 3072, (5/1)^2 * 32 = 800:
     * -9.909 + 6.13e-3 * 3072 + 2.67e-2 * 800 = -9.909 + 18.83136 + 21.36 = 30.28236 */
    NEAR(pd_profile_layer_ms(rpi, g, conv1), 30.28236);
    /* relu1 on the Pi: 0.488 + 1.5e-5 * 32768 = 0.488 + 0.49152 = 0.97952 */
    NEAR(pd_profile_layer_ms(rpi, g, relu1), 0.97952);
    /* pool1 on the laptop: 0.211 + 1.63e-5 * 32768 + 4.07e-6 * 8192
     *   = 0.211 + 0.5341184 + 0.03334144 = 0.77845984 */
    NEAR(pd_profile_layer_ms(laptop, g, pool1), 0.77845984);
    /* fc8 on the laptop (negative out coefficient): 0.164 + 1.07e-4 * 128 - 1.83e-4 * 10
     *   = 0.164 + 0.013696 - 0.00183 = 0.175866 */
    NEAR(pd_profile_layer_ms(laptop, g, fc8), 0.175866);
    pd_graph_free(g);

    /* a conv too small for the Pi's intercept: 1 filter k1 over [1, 4, 4]:
     * -9.909 + 6.13e-3 * 16 + 2.67e-2 * 1 = -9.909 + 0.09808 + 0.0267 = -9.78422 < 0 -> 0 */
    g = graph_ok("{\"name\": \"tiny\", \"input\": [1, 4, 4], \"layers\": [{\"name\": \"c\", "
                 "\"type\": \"conv\", \"filters\": 1, \"kernel\": 1, \"exit\": true}]}");
    double f[PD_FEATURE_COUNT];
    for (int k = 0; k < PD_FEATURE_COUNT; k++)
        f[k] = pd_graph_feature(g, 0, (pd_feature)k);
    NEAR(pd_linear_predict(&rpi->layer[PD_LAYER_CONV], f), -9.78422);
    assert_true(pd_profile_layer_ms(rpi, g, 0) == 0.0);
    pd_graph_free(g);

    /* a profile whose fc model goes negative: 2 - 1 * in_elems, in = 8 -> -6 -> 0;
     * with in = 1 it is 2 - 1 = 1 */
    pd_profile *neg = parse_ok(P("\"fc\": {\"features\": [\"in_elems\"], \"coef\": [-1], "
                                 "\"intercept\": 2}"));
    g = graph_ok("{\"name\": \"f\", \"input\": [2, 2, 2], \"layers\": [{\"name\": \"f\", "
                 "\"type\": \"fc\", \"outputs\": 1, \"exit\": true}]}");
    assert_true(pd_profile_layer_ms(neg, g, 0) == 0.0);
    pd_graph_free(g);
    g = graph_ok("{\"name\": \"f\", \"input\": [1, 1, 1], \"layers\": [{\"name\": \"f\", "
                 "\"type\": \"fc\", \"outputs\": 1, \"exit\": true}]}");
    NEAR(pd_profile_layer_ms(neg, g, 0), 1.0);
    pd_graph_free(g);
    pd_profile_free(neg);
    pd_profile_free(rpi);
    pd_profile_free(laptop);
}

static void test_covers(void **state)
{
    (void)state;
    /* every type but lrn: covers b-lenet (conv, pool, relu, fc), not b-alexnet */
    pd_profile *p = parse_ok(
        "{\"name\": \"no-lrn\", \"layers\": {"
        "\"conv\": {\"features\": [\"in_elems\"], \"coef\": [1], \"intercept\": 0},"
        "\"relu\": {\"features\": [], \"coef\": [], \"intercept\": 1},"
        "\"pool\": {\"features\": [\"out_elems\"], \"coef\": [1], \"intercept\": 0},"
        "\"dropout\": {\"features\": [], \"coef\": [], \"intercept\": 1},"
        "\"fc\": {\"features\": [\"macs\"], \"coef\": [1], \"intercept\": 0}}}");
    assert_false(p->layer[PD_LAYER_LRN].present);
    assert_false(p->load.present);
    assert_false(p->parse.present);
    pd_graph *alex = NULL, *lenet = NULL;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet", &alex, &err), PD_OK);
    assert_int_equal(pd_graph_open("b-lenet", &lenet, &err), PD_OK);
    pd_error_clear(&err);
    assert_int_equal(pd_profile_covers(p, lenet, &err), PD_OK);
    assert_int_equal(pd_profile_covers(p, alex, &err), PD_EINPUT);
    assert_int_equal(err.status, PD_EINPUT);
    assert_non_null(strstr(err.msg, "\"no-lrn\""));
    assert_non_null(strstr(err.msg, "\"lrn\""));
    assert_non_null(strstr(err.msg, "b-alexnet"));
    pd_profile_free(p);

    /* relu only: b-lenet's first layer is a conv */
    p = parse_ok(P(RELU));
    pd_error_clear(&err);
    assert_int_equal(pd_profile_covers(p, lenet, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "\"p\""));
    assert_non_null(strstr(err.msg, "\"conv\""));
    pd_profile_free(p);
    pd_graph_free(alex);
    pd_graph_free(lenet);
}

/* Kinds: a depthwise conv costed by conv/depthwise's model, the other convs by conv's; a
 * profile without the kind costs it by conv's (as every profile did before kinds); a
 * profile with the kind alone does not cover a plain conv. */
static void test_kinds(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(
        "{\"name\": \"k\", \"input\": [8, 6, 6], \"layers\": ["
        "{\"name\": \"dw\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 3, \"pad\": 1, "
        "\"groups\": 8},"
        "{\"name\": \"pw\", \"type\": \"conv\", \"filters\": 16, \"kernel\": 1},"
        "{\"name\": \"g\", \"type\": \"conv\", \"filters\": 16, \"kernel\": 3, \"pad\": 1, "
        "\"groups\": 4},"
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"exit\": true}]}");
    static const pd_layer_kind want[] = {PD_KIND_CONV_DEPTHWISE, PD_KIND_CONV_POINTWISE,
                                         PD_KIND_CONV_GROUPED, PD_KIND_NONE};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pd_layer_kind_of(&g->layers[i]), want[i]);
    assert_string_equal(pd_layer_kind_name(PD_KIND_CONV_DEPTHWISE), "conv/depthwise");
    assert_int_equal(pd_layer_kind_parse("conv/pointwise"), PD_KIND_CONV_POINTWISE);
    assert_int_equal(pd_layer_kind_parse("conv"), PD_LAYER_KIND_COUNT);
    assert_int_equal(pd_layer_kind_type(PD_KIND_CONV_GROUPED), PD_LAYER_CONV);
    assert_int_equal(pd_layer_kind_type(PD_KIND_NONE), PD_LAYER_TYPE_COUNT);
    assert_string_equal(pd_layer_model_name(PD_LAYER_CONV, PD_KIND_NONE), "conv");
    pd_graph *pools = graph_ok(
        "{\"name\": \"p\", \"input\": [8, 6, 6], \"layers\": ["
        "{\"name\": \"w\", \"type\": \"pool\", \"kernel\": 2},"
        "{\"name\": \"a\", \"type\": \"pool\", \"mode\": \"avg\", \"kernel\": 1},"
        "{\"name\": \"m\", \"type\": \"pool\", \"mode\": \"max\", \"global\": true, "
        "\"exit\": true},"
        "{\"name\": \"g\", \"type\": \"pool\", \"mode\": \"avg\", \"global\": true, "
        "\"inputs\": [\"a\"], \"exit\": true}]}");
    /* the mode splits each: a windowed max has no kind, the other three have theirs */
    static const pd_layer_kind want_pools[] = {PD_KIND_NONE, PD_KIND_POOL_AVG,
                                               PD_KIND_POOL_GLOBAL_MAX, PD_KIND_POOL_GLOBAL};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pd_layer_kind_of(&pools->layers[i]), want_pools[i]);
    for (size_t i = 1; i < 4; i++) {
        pd_layer_kind k = want_pools[i];
        assert_int_equal(pd_layer_kind_type(k), PD_LAYER_POOL);
        assert_int_equal(pd_layer_kind_parse(pd_layer_kind_name(k)), k);
    }
    assert_string_equal(pd_layer_kind_name(PD_KIND_POOL_AVG), "pool/avg");
    assert_string_equal(pd_layer_kind_name(PD_KIND_POOL_GLOBAL_MAX), "pool/global-max");
    pd_graph_free(pools);
#define CONV "\"conv\": {\"features\": [\"macs\"], \"coef\": [1e-3], \"intercept\": 1}"
#define DW "\"conv/depthwise\": {\"features\": [\"macs\"], \"coef\": [1e-2], \"intercept\": 2}"
    pd_profile *both = parse_ok(P(CONV ", " DW)), *conv = parse_ok(P(CONV)),
               *dw_only = parse_ok(P(DW));
    assert_true(both->kind[PD_KIND_CONV_DEPTHWISE].present);
    assert_false(both->kind[PD_KIND_CONV_POINTWISE].present);
    assert_false(conv->kind[PD_KIND_CONV_DEPTHWISE].present);
    const double dw_macs = pd_layer_macs(&g->layers[0]); /* 8 x 36 x 9 */
    NEAR(dw_macs, 2592.0);
    NEAR(pd_profile_layer_ms(both, g, 0), 2.0 + 1e-2 * dw_macs);
    NEAR(pd_profile_layer_ms(conv, g, 0), 1.0 + 1e-3 * dw_macs); /* the fallback */
    for (size_t i = 1; i < 4; i++) /* no model of their own kind: conv's */
        NEAR(pd_profile_layer_ms(both, g, i), pd_profile_layer_ms(conv, g, i));
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_covers(both, g, &err), PD_OK);
    assert_int_equal(pd_profile_covers(conv, g, &err), PD_OK);
    assert_int_equal(pd_profile_covers(dw_only, g, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "no model for layer type \"conv\""));
    assert_non_null(strstr(err.msg, "(layer \"pw\")"));
    pd_profile_free(both);
    pd_profile_free(conv);
    pd_profile_free(dw_only);
    pd_graph_free(g);
    /* names: an unknown kind, one given twice */
    bad_profile(P(CONV ", \"conv/dephtwise\": {\"features\": [], \"coef\": [], "
                  "\"intercept\": 0}"),
                "unknown layer type or kind \"conv/dephtwise\"",
                "kinds: conv/depthwise, conv/grouped, conv/pointwise, pool/global, pool/avg, "
                "pool/global-max;", NULL);
    bad_profile(P(DW ", " DW), "\"conv/depthwise\" given twice", NULL);
#undef CONV
#undef DW
}

/* A model a profile cannot cost: the message names the type and the fix, the built-in
 * profiles that have the type (whichever those are) and the commands that fit one. */
static void test_covers_fix(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(
        "{\"name\": \"res\", \"input\": [4, 6, 6], \"layers\": ["
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"sum\", \"type\": \"add\", \"inputs\": [\"@input\", \"c\"], \"exit\": true}]}");
    pd_profile *rpi = open_ok("paper-rpi3b");
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_covers(rpi, g, &err), PD_EINPUT);
    char want[256] = "none is built in";
    size_t n, len = 0;
    const pd_preset_profile *pre = pd_preset_profiles(&n);
    for (size_t i = 0; i < n; i++) {
        pd_profile *q = open_ok(pre[i].name);
        if (q->layer[PD_LAYER_ADD].present)
            len += (size_t)snprintf(want + len, sizeof want - len, "%s%s",
                                    len ? ", " : "built in: ", pre[i].name);
        pd_profile_free(q);
    }
    if (!strstr(err.msg, "profile \"paper-rpi3b\" has no model for layer type \"add\", which "
                         "model \"res\" uses (layer \"sum\"); use a profile that has one (") ||
        !strstr(err.msg, want) ||
        !strstr(err.msg, ") or fit one for this machine: predoff profile MODEL -o T.csv && "
                         "predoff fit T.csv --features auto -o T.json"))
        fail_msg("message: %s (want the presets: %s)", err.msg, want);
    assert_null(strchr(err.msg, '\n'));
    pd_profile_free(rpi);
    pd_graph_free(g);
}

static void test_parse_errors(void **state)
{
    (void)state;
    /* not JSON, not an object */
    bad_profile("{\"name\": \"p\", \"layers\": {", "JSON", NULL);
    bad_profile("[]", "object", NULL);
    /* name, layers, unknown or duplicate top-level fields */
    bad_profile("{\"layers\": {" RELU "}}", "\"name\"", NULL);
    bad_profile("{\"name\": 3, \"layers\": {" RELU "}}", "\"name\"", NULL);
    bad_profile("{\"name\": \"p\"}", "\"layers\"", NULL);
    bad_profile("{\"name\": \"p\", \"layers\": []}", "\"layers\"", NULL);
    bad_profile("{\"name\": \"p\", \"layers\": {" RELU "}, \"loads\": {}}", "unknown field",
                "\"loads\"", NULL);
    bad_profile("{\"name\": \"p\", \"name\": \"q\", \"layers\": {" RELU "}}", "\"name\"", "twice",
                NULL);
    /* a feature no graph gives (a run's time: the trees' alone) */
    bad_profile(P("\"conv\": {\"features\": [\"run_ms\"], \"coef\": [1], \"intercept\": 0}"),
                "layers.conv", "boosted trees alone", NULL);
    /* unknown feature */
    bad_profile(P("\"conv\": {\"features\": [\"in_elems\", \"flops\"], \"coef\": [1, 2], "
                  "\"intercept\": 0}"),
                "layers.conv", "unknown feature", "\"flops\"", "fused_act_elems, run_bytes, fused_exp_elems, run_ms)",
                NULL);
    bad_profile(P("\"conv\": {\"features\": [3], \"coef\": [1], \"intercept\": 0}"),
                "layers.conv", "\"features\"", NULL);
    bad_profile(P("\"conv\": {\"features\": \"in_elems\", \"coef\": [1], \"intercept\": 0}"),
                "layers.conv", "\"features\"", NULL);
    /* coef and feature counts differ, both ways */
    bad_profile(P("\"conv\": {\"features\": [\"in_elems\", \"kernel_filters\"], \"coef\": [1], "
                  "\"intercept\": 0}"),
                "layers.conv", "2 features but 1 coefficients", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1, 2], \"intercept\": 0}"),
                "layers.relu", "1 features but 2 coefficients", NULL);
    /* sixteen features cannot all be distinct: there are fifteen */
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\", \"out_elems\", \"in_bytes\", "
                  "\"out_bytes\", \"kernel_filters\", \"kernel_filters_channels\", \"macs\", "
                  "\"weight_bytes\", \"model_bytes\", \"runtime_macs\", \"transform_elems\", "
                  "\"fused_act_elems\", \"run_bytes\", \"fused_exp_elems\", \"run_ms\", "
                  "\"in_elems\"], "
                  "\"coef\": [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], \"intercept\": 0}"),
                "layers.relu", "features", NULL);
    /* unknown layer type, a type given twice */
    bad_profile(P(RELU ", \"conv3d\": {\"features\": [], \"coef\": [], \"intercept\": 0}"),
                "unknown layer type", "\"conv3d\"", NULL);
    bad_profile(P(RELU ", " RELU), "\"relu\"", "twice", NULL);
    /* coefficients: not numbers, infinite, absurdly large */
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [\"1e-5\"], "
                  "\"intercept\": 0}"),
                "layers.relu", "\"coef\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [null], \"intercept\": 0}"),
                "layers.relu", "\"coef\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1e999], \"intercept\": 0}"),
                "layers.relu", "\"coef\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [-1e13], \"intercept\": 0}"),
                "layers.relu", "\"coef\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": 1, \"intercept\": 0}"),
                "layers.relu", "\"coef\"", NULL);
    /* intercept: missing, not a number, infinite */
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1]}"), "layers.relu",
                "missing", "\"intercept\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1], \"intercept\": \"0\"}"),
                "layers.relu", "\"intercept\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1], "
                  "\"intercept\": -1e999}"),
                "layers.relu", "\"intercept\"", NULL);
    /* a feature given twice */
    bad_profile(P("\"conv\": {\"features\": [\"in_elems\", \"in_elems\"], \"coef\": [1, 2], "
                  "\"intercept\": 0}"),
                "layers.conv", "\"in_elems\"", "twice", NULL);
    /* a model that is not an object, or has an unknown field */
    bad_profile(P("\"relu\": 3"), "layers.relu", NULL);
    bad_profile(P("\"relu\": {\"features\": [], \"coef\": [], \"intercept\": 0, \"slope\": 1}"),
                "layers.relu", "\"slope\"", NULL);
    bad_profile(P("\"relu\": {\"features\": [], \"coef\": [], \"intercept\": 0, "
                  "\"intercept\": 1}"),
                "layers.relu", "\"intercept\"", "twice", NULL);
    /* load and parse are checked the same way */
    bad_profile("{\"name\": \"p\", \"layers\": {" RELU "}, \"load\": {\"features\": "
                "[\"weight_byte\"], \"coef\": [1], \"intercept\": 0}}",
                "load", "\"weight_byte\"", NULL);
    bad_profile("{\"name\": \"p\", \"layers\": {" RELU "}, \"parse\": {\"features\": "
                "[\"model_bytes\"], \"coef\": [1]}}",
                "parse", "\"intercept\"", NULL);
}

static void test_parse_ok(void **state)
{
    (void)state;
    /* the example of formats.md */
    pd_profile *p = parse_ok(
        "{\"name\": \"paper-rpi3b\", \"layers\": {"
        "\"conv\": {\"features\": [\"in_elems\", \"kernel_filters\"], \"coef\": [6.13e-3, 2.67e-2],"
        " \"intercept\": -9.909},"
        "\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1.5e-5], \"intercept\": 0.488}},"
        "\"load\":  {\"features\": [\"weight_bytes\"], \"coef\": [4.49e-6], \"intercept\": 82.136},"
        "\"parse\": {\"features\": [\"model_bytes\"], \"coef\": [3.48e-6], \"intercept\": 4.253}}");
    assert_string_equal(p->name, "paper-rpi3b");
    assert_null(p->note);
    assert_true(p->layer[PD_LAYER_CONV].present);
    assert_true(p->layer[PD_LAYER_RELU].present);
    assert_false(p->layer[PD_LAYER_POOL].present);
    assert_true(p->load.present);
    assert_true(p->parse.present);
    /* load of 1e6 weight bytes: 82.136 + 4.49e-6 * 1e6 = 86.626 */
    double f[PD_FEATURE_COUNT] = {0};
    f[PD_FEAT_WEIGHT_BYTES] = 1e6;
    NEAR(pd_linear_predict(&p->load, f), 86.626);
    pd_profile_free(p);
}

static void test_open(void **state)
{
    (void)state;
    pd_profile *p = (pd_profile *)0x1;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_open("no-such-profile", &p, &err), PD_EINPUT);
    assert_null(p);
    assert_non_null(strstr(err.msg, "no-such-profile"));

    const char *missing = "/tmp/predoff-test-no-such-dir/prof.json";
    p = (pd_profile *)0x1;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_open(missing, &p, &err), PD_EINPUT);
    assert_null(p);
    assert_non_null(strstr(err.msg, missing));

    p = open_ok(PD_SOURCE_DIR "/profiles/paper-laptop.json");
    assert_string_equal(p->name, "paper-laptop");
    NEAR(p->layer[PD_LAYER_CONV].intercept, 0.189);
    pd_profile_free(p);

    char path[] = "/tmp/predoff-test-profile-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *bad = P("\"relu\": {\"features\": [\"in_elems\"], \"coef\": [1, 2], "
                        "\"intercept\": 0}");
    assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    p = (pd_profile *)0x1;
    pd_error_clear(&err);
    pd_status st = pd_profile_open(path, &p, &err);
    unlink(path);
    assert_int_equal(st, PD_EINPUT);
    assert_null(p);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "layers.relu"));
}

/* pd_profile_scale(p, factor) must be PD_EINPUT with a message holding each of the
 * NULL-terminated fragments. */
static void scale_refused(pd_profile *p, double factor, ...)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_profile_scale(p, factor, &err);
    if (st != PD_EINPUT)
        fail_msg("scale by %g: status %d, want PD_EINPUT (%s)", factor, (int)st, err.msg);
    va_list ap;
    va_start(ap, factor);
    for (const char *want; (want = va_arg(ap, const char *));)
        if (!strstr(err.msg, want))
            fail_msg("scale by %g: message lacks <%s>: %s", factor, want, err.msg);
    va_end(ap);
}

/* pd_profile_scale: every layer's compute time times the factor (the models' and the
 * measured ones), loading untouched, the name marked; a bad factor or a measured time
 * pushed past a day refused with the profile unchanged. */
static void test_scale(void **state)
{
    (void)state;
    pd_profile *rpi = open_ok("paper-rpi3b"), *slow = open_ok("paper-rpi3b");
    pd_graph *g = NULL;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_graph_open("b-alexnet", &g, &err), PD_OK);
    assert_int_equal(pd_profile_scale(slow, 10.0, &err), PD_OK);
    assert_string_equal(slow->name, "paper-rpi3b x10");
    size_t positive = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        double a = pd_profile_layer_ms(rpi, g, i), b = pd_profile_layer_ms(slow, g, i);
        if (!(fabs(b - 10.0 * a) <= 1e-12 * (1.0 + b)))
            fail_msg("layer %s: %.17g ms scaled by 10 is %.17g", g->layers[i].name, a, b);
        positive += a > 0.0;
    }
    assert_true(positive > g->n_layers / 2); /* the comparison above saw real times */
    assert_true(slow->load.intercept == rpi->load.intercept);
    assert_true(slow->load.n == rpi->load.n);
    for (int k = 0; k < rpi->load.n; k++)
        assert_true(slow->load.coef[k] == rpi->load.coef[k]);

    /* a kind's model too: a depthwise convolution's time by conv/depthwise, scaled */
    pd_graph *dw = graph_ok("{\"name\": \"k\", \"input\": [8, 6, 6], \"layers\": [{\"name\": "
                            "\"dw\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 3, "
                            "\"pad\": 1, \"groups\": 8, \"exit\": true}]}");
    pd_profile *kinds = parse_ok(P("\"conv\": {\"features\": [\"macs\"], \"coef\": [1e-3], "
                                   "\"intercept\": 1}, \"conv/depthwise\": {\"features\": "
                                   "[\"macs\"], \"coef\": [1e-2], \"intercept\": 2}"));
    assert_int_equal(pd_profile_scale(kinds, 3.0, &err), PD_OK);
    NEAR(pd_profile_layer_ms(kinds, dw, 0), 3.0 * (2.0 + 1e-2 * 2592.0));
    pd_profile_free(kinds);
    pd_graph_free(dw);

    pd_profile *m = parse_ok("{\"name\": \"m\", \"measured\": {\"net\": {\"a\": 2.5, "
                             "\"b\": 8e7}}}");
    scale_refused(m, 2.0, "profile \"m\"", "measured.net.b", "8e+07 ms times 2", NULL);
    assert_string_equal(m->name, "m");
    assert_true(m->measured[0].layer[0].ms == 2.5);
    assert_int_equal(pd_profile_scale(m, 0.5, &err), PD_OK);
    assert_true(m->measured[0].layer[0].ms == 1.25 && m->measured[0].layer[1].ms == 4e7);
    assert_string_equal(m->name, "m x0.5");
    scale_refused(m, 0.0, "profile \"m x0.5\": a factor of 0 is outside", NULL);
    scale_refused(m, NAN, "a factor of nan is outside", NULL);
    scale_refused(m, 2e3, "a factor of 2000 is outside", NULL);
    assert_string_equal(m->name, "m x0.5");
    pd_profile_free(m);
    pd_graph_free(g);
    pd_profile_free(rpi);
    pd_profile_free(slow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presets_open),
        cmocka_unit_test(test_rpi3b_values),
        cmocka_unit_test(test_cloud_is_laptop_over_4),
        cmocka_unit_test(test_linear_predict),
        cmocka_unit_test(test_layer_ms),
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_covers_fix),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
