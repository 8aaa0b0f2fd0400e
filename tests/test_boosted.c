/* Boosted trees as latency models (issue 16): a fit on a known nonlinear law beats the
 * linear one and predicts held-out rows; save, load and predict give the same numbers;
 * --model auto keeps the lower CV error; a fit is the same every run; the batched layer
 * times equal the one-by-one ones; model files that are missing, cut short, foreign or of
 * other features are refused, naming the file; own mode predicts each layer at its run as
 * the tier runs it, fused layers in their producers' passes. */
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
#include "predoff/measure.h"
#include "predoff/profile.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "reuse_law.h"

/* The law: a 3 x 3 convolution does 1e-7 ms a multiply-accumulate (Winograd's), a 1 x 1 one
 * 5e-7 (memory bound), plus 2 us; the time times (1 + 0.02 u), u uniform in [-1, 1]. */
static double law_ms(int k, double macs)
{
    return (k == 3 ? 1e-7 : 5e-7) * macs + 0.002;
}

static pd_layer_timing conv_row(double c, double hw, double f, int k, pd_rng *rng)
{
    pd_layer_timing r = {.type = PD_LAYER_CONV, .p10_ms = NAN, .p90_ms = NAN, .mean_ms = NAN,
                         .repeats = 10};
    snprintf(r.source, sizeof r.source, "law");
    snprintf(r.layer, sizeof r.layer, "c%g_hw%g_f%g_k%d", c, hw, f, k);
    double in = c * hw * hw, out = f * hw * hw, macs = c * f * k * k * hw * hw;
    double feat[PD_FEATURE_COUNT] = {
        [PD_FEAT_IN_ELEMS] = in,           [PD_FEAT_OUT_ELEMS] = out,
        [PD_FEAT_IN_BYTES] = 4 * in,       [PD_FEAT_OUT_BYTES] = 4 * out,
        [PD_FEAT_KERNEL_FILTERS] = k * k * f, [PD_FEAT_KERNEL_FILTERS_CHANNELS] = k * k * f * c,
        [PD_FEAT_MACS] = macs,             [PD_FEAT_WEIGHT_BYTES] = 4 * (c * f * k * k + f),
        [PD_FEAT_MODEL_BYTES] = 1e6,       [PD_FEAT_RUNTIME_MACS] = macs,
        [PD_FEAT_TRANSFORM_ELEMS] = 0,     [PD_FEAT_FUSED_ACT_ELEMS] = 0,
        [PD_FEAT_RUN_BYTES] = 1e6,         [PD_FEAT_FUSED_EXP_ELEMS] = 0,
        [PD_FEAT_RUN_MS] = NAN, /* the law's rows have no run's time (test_run_ms sets one) */
    };
    _Static_assert(PD_FEATURE_COUNT == 15, "a value for every feature above");
    memcpy(r.features, feat, sizeof feat);
    double shape[PD_SHAPE_COLUMN_COUNT] = {c, hw, hw, f, k, k, 1, k / 2, 1, f, hw, hw};
    memcpy(r.shape, shape, sizeof shape);
    r.median_ms = law_ms(k, macs) * (1.0 + 0.02 * (2.0 * pd_rng_uniform(rng) - 1.0));
    return r;
}

/* Training rows over a grid; held-out rows at other sizes inside it. */
static void law_rows(pd_timings *t, pd_timings *held)
{
    static const double cs[] = {4, 8, 16, 32, 64, 128}, hws[] = {4, 8, 16, 32, 64};
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    pd_error err;
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 5; b++)
            for (int f = 0; f < 6; f++)
                for (int k = 1; k <= 3; k += 2) {
                    pd_layer_timing r = conv_row(cs[a], hws[b], cs[f], k, &rng);
                    assert_int_equal(pd_timings_add(t, &r, &err), PD_OK);
                }
    for (int i = 0; held && i < 60; i++) {
        double c = 6 + pd_rng_below(&rng, 100), hw = 6 + pd_rng_below(&rng, 50),
               f = 6 + pd_rng_below(&rng, 100);
        pd_layer_timing r = conv_row(c, hw, f, i % 2 ? 3 : 1, &rng);
        assert_int_equal(pd_timings_add(held, &r, &err), PD_OK);
    }
}

static pd_profile *fit(const pd_timings *t, pd_model_choice model, pd_fit_quality *q)
{
    pd_fit_options o;
    pd_fit_options_init(&o);
    o.features = PD_FEATURES_MACS; /* the law is over macs: the linear fit's best chance */
    o.no_kinds = true;             /* one model for 1 x 1 and 3 x 3 alike */
    o.model = model;
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_fit_profile(t, &o, "law", &p, q, &err) != PD_OK)
        fail_msg("pd_fit_profile: %s", err.msg);
    return p;
}

/* MAPE (in %) of p's predictions of t's rows. */
static double mape_of(const pd_profile *p, const pd_timings *t)
{
    double *pred = malloc(t->n * sizeof *pred), sum = 0.0;
    assert_non_null(pred);
    pd_error err;
    assert_int_equal(pd_profile_predict_timings(p, t, pred, &err), PD_OK);
    for (size_t i = 0; i < t->n; i++)
        sum += fabs(pred[i] - t->rows[i].median_ms) / t->rows[i].median_ms;
    free(pred);
    return 100.0 * sum / (double)t->n;
}

static void test_law_beats_linear(void **state)
{
    (void)state;
    pd_timings t = {0}, held = {0};
    law_rows(&t, &held);
    pd_fit_quality ql[PD_FIT_QUALITY_ROWS], qb[PD_FIT_QUALITY_ROWS];
    pd_profile *lin = fit(&t, PD_MODEL_LINEAR, ql), *bst = fit(&t, PD_MODEL_BOOSTED, qb);
    assert_null(lin->layer[PD_LAYER_CONV].boosted);
    assert_non_null(bst->layer[PD_LAYER_CONV].boosted);
    assert_true(qb[PD_LAYER_CONV].boosted && !ql[PD_LAYER_CONV].boosted);
    double lin_held = mape_of(lin, &held), bst_held = mape_of(bst, &held);
    print_message("law: CV MAPE linear %.2f%%, boosted %.2f%%; held out linear %.2f%%, boosted "
                  "%.2f%% (%d trees of depth %d)\n",
                  ql[PD_LAYER_CONV].cv_mape, qb[PD_LAYER_CONV].cv_mape, lin_held, bst_held,
                  qb[PD_LAYER_CONV].rounds, qb[PD_LAYER_CONV].depth);
    assert_true(qb[PD_LAYER_CONV].cv_mape < ql[PD_LAYER_CONV].cv_mape / 3.0);
    assert_true(bst_held < 10.0);          /* the stated error: held-out MAPE under 10% */
    assert_true(bst_held < lin_held / 3.0); /* and a third of the linear fit's at most */
    pd_profile_free(lin);
    pd_profile_free(bst);
    pd_timings_free(&t);
    pd_timings_free(&held);
}

/* The median ratio of p's predictions to the rows' times, each row read as a layer of a model
 * whose run touches run_bytes in run_ms (NaN: not known). */
static double ratio_at_run(const pd_profile *p, pd_timings *t, double run_bytes, double run_ms)
{
    double *pred = malloc(t->n * sizeof *pred), *r = malloc(t->n * sizeof *r);
    assert_true(pred && r);
    for (size_t i = 0; i < t->n; i++) {
        t->rows[i].features[PD_FEAT_RUN_BYTES] = run_bytes;
        t->rows[i].features[PD_FEAT_RUN_MS] = run_ms;
    }
    pd_error err;
    assert_int_equal(pd_profile_predict_timings(p, t, pred, &err), PD_OK);
    for (size_t i = 0; i < t->n; i++)
        r[i] = pred[i] / t->rows[i].median_ms;
    for (size_t i = 1; i < t->n; i++) /* insertion sort: 60 rows */
        for (size_t j = i; j > 0 && r[j - 1] > r[j]; j--) {
            double x = r[j];
            r[j] = r[j - 1];
            r[j - 1] = x;
        }
    double m = r[t->n / 2];
    free(pred);
    free(r);
    return m;
}

static double ratio_at(const pd_profile *p, pd_timings *t, double run_bytes)
{
    return ratio_at_run(p, t, run_bytes, NAN);
}

/* The sweep's rows timed warm too (warm_ms: here 0.4 x the cold time) and with a buffer
 * read between runs (reuse_ms: 0.7 x at 24 to 40 MiB) train the trees three times: a layer of
 * a small model (run_bytes under PD_SWEEP_WARM_MAX_BYTES) is predicted warm, one of a model of
 * 32 MiB at the reuse time, one of a model past the cold rows' label cold; without the warm
 * and reuse times, all cold. */
static void test_warm_twins(void **state)
{
    (void)state;
    pd_timings t = {0}, held = {0}, cold_only = {0};
    law_rows(&t, &held);
    pd_error err;
    for (size_t i = 0; i < t.n; i++) {
        pd_layer_timing *r = &t.rows[i];
        r->features[PD_FEAT_RUN_BYTES] = PD_SWEEP_COLD_RUN_BYTES;
        assert_int_equal(pd_timings_add(&cold_only, r, &err), PD_OK);
        double own = r->features[PD_FEAT_IN_BYTES] + r->features[PD_FEAT_WEIGHT_BYTES] +
                     r->features[PD_FEAT_OUT_BYTES];
        assert_true(own <= PD_SWEEP_WARM_MAX_BYTES);
        r->warm_ms = 0.4 * r->median_ms;
        r->reuse_ms = 0.7 * r->median_ms;
        r->reuse_bytes = (24.0 + (double)(i % 17)) * 1024 * 1024;
    }
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_profile *twins = fit(&t, PD_MODEL_BOOSTED, q), *cold = fit(&cold_only, PD_MODEL_BOOSTED, q);
    int n;
    const int *cols = pd_boosted_columns(twins->layer[PD_LAYER_CONV].boosted, &n), *c0 = NULL;
    int reads = 0;
    for (int k = 0; k < n; k++)
        reads |= cols[k] == PD_FEAT_RUN_BYTES;
    assert_true(reads);
    c0 = pd_boosted_columns(cold->layer[PD_LAYER_CONV].boosted, &n);
    for (int k = 0; k < n; k++)
        assert_int_not_equal(c0[k], PD_FEAT_RUN_BYTES); /* one value: nothing to split on */
    double small = ratio_at(twins, &held, 1024.0 * 1024),
           mid = ratio_at(twins, &held, 32.0 * 1024 * 1024),
           large = ratio_at(twins, &held, 2.0 * PD_SWEEP_COLD_RUN_BYTES),
           small_cold = ratio_at(cold, &held, 1024.0 * 1024);
    print_message("twins: a small model's layers at %.2f of the cold time, a 32 MiB one's at "
                  "%.2f, a large one's at %.2f; without the twins %.2f\n", small, mid, large,
                  small_cold);
    assert_true(small > 0.3 && small < 0.5);
    assert_true(mid > 0.6 && mid < 0.8);
    assert_true(large > 0.9 && large < 1.1);
    assert_true(small_cold > 0.9 && small_cold < 1.1);
    pd_profile_free(twins);
    pd_profile_free(cold);
    pd_timings_free(&t);
    pd_timings_free(&held);
    pd_timings_free(&cold_only);
}

/* A directory of its own for written profiles. */
static void temp_dir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/predoff-test-boosted-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static pd_profile *write_and_open(const pd_profile *p, const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pd_error err;
    if (pd_profile_write_path(p, path, &err) != PD_OK)
        fail_msg("write: %s", err.msg);
    pd_profile *back = NULL;
    if (pd_profile_open(path, &back, &err) != PD_OK)
        fail_msg("open: %s", err.msg);
    return back;
}

static void test_save_load_exact(void **state)
{
    (void)state;
    pd_timings t = {0}, held = {0};
    law_rows(&t, &held);
    pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL);
    char dir[64];
    temp_dir(dir, sizeof dir);
    pd_profile *back = write_and_open(p, dir, "law.json");
    char model[128];
    snprintf(model, sizeof model, "%s/law.conv.xgb.json", dir);
    assert_int_equal(access(model, R_OK), 0); /* beside the profile, named after it */
    assert_non_null(back->layer[PD_LAYER_CONV].boosted);
    double *a = malloc(held.n * sizeof *a), *b = malloc(held.n * sizeof *b);
    pd_error err;
    assert_int_equal(pd_profile_predict_timings(p, &held, a, &err), PD_OK);
    assert_int_equal(pd_profile_predict_timings(back, &held, b, &err), PD_OK);
    for (size_t i = 0; i < held.n; i++)
        if (!(a[i] == b[i] && a[i] > 0.0))
            fail_msg("row %zu: %.17g in memory, %.17g read back", i, a[i], b[i]);
    free(a);
    free(b);
    pd_profile_free(back);
    pd_profile_free(p);
    remove_dir(dir);
    pd_timings_free(&t);
    pd_timings_free(&held);
}

/* relu rows of an exact linear law: no tree beats least squares there. */
static void add_relu_rows(pd_timings *t)
{
    pd_error err;
    for (int c = 4; c <= 128; c *= 2)
        for (int hw = 4; hw <= 64; hw *= 2) {
            pd_layer_timing r = {.type = PD_LAYER_RELU, .p10_ms = NAN, .p90_ms = NAN,
                                 .mean_ms = NAN, .repeats = 10};
            snprintf(r.layer, sizeof r.layer, "relu_%d_%d", c, hw);
            double n = (double)c * hw * hw;
            r.features[PD_FEAT_IN_ELEMS] = r.features[PD_FEAT_OUT_ELEMS] = n;
            r.features[PD_FEAT_IN_BYTES] = r.features[PD_FEAT_OUT_BYTES] = 4 * n;
            double shape[PD_SHAPE_COLUMN_COUNT] = {c, hw, hw, 0, 0, 0, 0, 0, 0, c, hw, hw};
            memcpy(r.shape, shape, sizeof shape);
            r.median_ms = 1e-6 * n + 0.001;
            assert_int_equal(pd_timings_add(t, &r, &err), PD_OK);
        }
}

static void test_auto_picks_lower_cv(void **state)
{
    (void)state;
    pd_timings t = {0};
    law_rows(&t, NULL);
    add_relu_rows(&t);
    pd_fit_quality ql[PD_FIT_QUALITY_ROWS], qb[PD_FIT_QUALITY_ROWS], qa[PD_FIT_QUALITY_ROWS];
    pd_profile *lin = fit(&t, PD_MODEL_LINEAR, ql), *bst = fit(&t, PD_MODEL_BOOSTED, qb),
               *au = fit(&t, PD_MODEL_AUTO, qa);
    const int types[] = {PD_LAYER_CONV, PD_LAYER_RELU};
    for (int k = 0; k < 2; k++) {
        int ty = types[k];
        double low = fmin(ql[ty].cv_mape, qb[ty].cv_mape);
        print_message("%s: CV MAPE linear %.3f%%, boosted %.3f%%, auto %.3f%% (%s)\n",
                      pd_layer_type_name(ty), ql[ty].cv_mape, qb[ty].cv_mape, qa[ty].cv_mape,
                      qa[ty].boosted ? "boosted" : "linear");
        assert_true(ql[ty].cv_mape != qb[ty].cv_mape);
        assert_true(qa[ty].cv_mape == low); /* the same folds: the same figures */
        assert_true(qa[ty].boosted == (qb[ty].cv_mape < ql[ty].cv_mape));
        assert_true((au->layer[ty].boosted != NULL) == qa[ty].boosted);
    }
    assert_true(qa[PD_LAYER_CONV].boosted);  /* the nonlinear law: trees */
    assert_false(qa[PD_LAYER_RELU].boosted); /* the linear one: least squares */
    pd_profile_free(lin);
    pd_profile_free(bst);
    pd_profile_free(au);
    pd_timings_free(&t);
}

/* The bytes of a file. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void spill(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static void test_deterministic(void **state)
{
    (void)state;
    pd_timings t = {0};
    law_rows(&t, NULL);
    char dir[64];
    temp_dir(dir, sizeof dir);
    for (int run = 0; run < 2; run++) {
        pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL), *back;
        back = write_and_open(p, dir, run ? "b.json" : "a.json");
        pd_profile_free(back);
        pd_profile_free(p);
    }
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a.conv.xgb.json", dir);
    snprintf(b, sizeof b, "%s/b.conv.xgb.json", dir);
    size_t la, lb;
    char *ta = slurp(a, &la), *tb = slurp(b, &lb);
    assert_true(la == lb && memcmp(ta, tb, la) == 0); /* byte for byte */
    free(ta);
    free(tb);
    remove_dir(dir);
    pd_timings_free(&t);
}

/* The model json, with the runtime's features. */
static pd_graph *hooked(const char *json)
{
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "chain", &g, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, NULL), PD_OK);
    return g;
}

/* A chain of convolutions, 1 x 1 and 3 x 3, with the runtime's features. */
static pd_graph *conv_chain(void)
{
    static const char json[] =
        "{\"name\": \"chain\", \"input\": [8, 16, 16], \"layers\": ["
        "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 16, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"b\", \"type\": \"conv\", \"filters\": 32, \"kernel\": 1},"
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 24, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 10, \"kernel\": 1, "
        "\"exit\": {\"accuracy\": 0.9}}]}";
    return hooked(json);
}

/* A chain of n 1 x 1 convolutions, 64 to 64 filters on 16 x 16 (as the law's rows); with
 * relus, each followed by a ReLU that the runtime runs in its pass. */
static pd_graph *pointwise_chain(int n, bool relus)
{
    char json[8192];
    int at = snprintf(json, sizeof json, "{\"name\": \"c%d\", \"input\": [64, 16, 16], "
                                         "\"layers\": [", n);
    for (int i = 0; i < n; i++) {
        const char *exit = i == n - 1 ? ", \"exit\": true" : "";
        at += snprintf(json + at, sizeof json - (size_t)at,
                       "%s{\"name\": \"l%d\", \"type\": \"conv\", \"filters\": 64, "
                       "\"kernel\": 1%s}", i ? ", " : "", i, relus ? "" : exit);
        if (relus)
            at += snprintf(json + at, sizeof json - (size_t)at,
                           ", {\"name\": \"r%d\", \"type\": \"relu\"%s}", i, exit);
    }
    snprintf(json + at, sizeof json - (size_t)at, "]}");
    return hooked(json);
}

/* Rows timed with a buffer read and a wait between runs (reuse_run_ms: 0.5 to 20 ms, their
 * times half the cold one's under 5 ms and the cold one's past it) train trees on run_ms; a
 * network's layers are predicted at the time their run adds up to, found by the prediction
 * itself: three layers of 0.26 ms warm stay warm, thirty add up past 5 ms and go cold. */
static pd_profile *run_ms_profile(pd_timings *held)
{
    pd_timings t = {0};
    law_rows(&t, held);
    for (size_t i = 0; i < t.n; i++)
        reuse_law(&t.rows[i], i);
    pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL);
    pd_timings_free(&t);
    return p;
}

static void test_run_ms(void **state)
{
    (void)state;
    pd_timings held = {0};
    pd_profile *p = run_ms_profile(&held);
    int n;
    const int *cols = pd_boosted_columns(p->layer[PD_LAYER_CONV].boosted, &n);
    int reads = 0;
    for (int k = 0; k < n; k++)
        reads |= cols[k] == PD_FEAT_RUN_MS;
    assert_true(reads);
    const double mib16 = 16.0 * 1024 * 1024, soon = ratio_at_run(p, &held, mib16, 1.0),
                 late = ratio_at_run(p, &held, mib16, 15.0);
    print_message("run_ms: layers at %.2f of the cold time 1 ms apart, %.2f 15 ms apart\n",
                  soon, late);
    assert_true(soon > 0.4 && soon < 0.6);
    assert_true(late > 0.9 && late < 1.1);
    const double law = law_ms(1, 64.0 * 64 * 16 * 16);
    for (int len = 3; len <= 30; len += 27) {
        pd_graph *g = pointwise_chain(len, false);
        double ms[30];
        pd_error err;
        assert_int_equal(pd_profile_layers_ms(p, g, ms, &err), PD_OK);
        double sum = 0.0;
        for (int i = 0; i < len; i++)
            sum += ms[i];
        print_message("%d layers: each %.3f of the law's cold time, %.2f ms in all\n", len,
                      ms[0] / law, sum);
        for (int i = 0; i < len; i++)
            assert_true(len == 3 ? ms[i] < 0.6 * law && sum < 5.0
                                 : ms[i] > 0.9 * law && sum > 5.0);
        pd_graph_free(g);
    }
    pd_profile_free(p);
    pd_timings_free(&held);
}

/* Own mode (pd_profile_layers_own_ms: each layer a pass of its own, what the planner costs
 * a fused group at where it is not fused) with trees that read run_ms: each layer is still
 * predicted at the time of the run as the tier runs it, a fused ReLU inside its
 * convolution's pass. Here each ReLU costs 2 ms (a linear model's): fused, three
 * convolutions' run adds up to under a millisecond and they are predicted warm, in own mode
 * as in the plain one; were the ReLUs counted as passes of their own, the run would take
 * over 6 ms and its convolutions cold, as they are on a tier that does not fuse. */
static void test_own_ms_runs_fused(void **state)
{
    (void)state;
    pd_profile *p = run_ms_profile(NULL);
    pd_linear_model *relu = &p->layer[PD_LAYER_RELU];
    assert_false(relu->present || relu->boosted);
    *relu = (pd_linear_model){.present = true, .n = 0, .intercept = 2.0};
    pd_graph *g = pointwise_chain(3, true);
    for (size_t i = 1; i < g->n_layers; i += 2)
        assert_int_equal(pd_graph_fused_into(g, i), (int32_t)(i - 1));
    const double law = law_ms(1, 64.0 * 64 * 16 * 16);
    for (int fuses = 1; fuses >= 0; fuses--) {
        p->fuses = fuses;
        double plain[6], own[6];
        pd_error err;
        assert_int_equal(pd_profile_layers_ms(p, g, plain, &err), PD_OK);
        assert_int_equal(pd_profile_layers_own_ms(p, g, own, &err), PD_OK);
        double both[6], both_own[6]; /* one settle of the runs for the two: the same */
        assert_int_equal(pd_profile_layers_both_ms(p, g, both, both_own, &err), PD_OK);
        assert_memory_equal(both, plain, sizeof plain);
        assert_memory_equal(both_own, own, sizeof own);
        for (size_t i = 0; i < g->n_layers; i += 2) {
            print_message("fuses %d, %s: %.3f of the law's cold time (own mode %.3f)\n",
                          fuses, g->layers[i].name, plain[i] / law, own[i] / law);
            assert_true(fuses ? own[i] < 0.6 * law : own[i] > 0.9 * law);
            assert_true(fuses ? plain[i] < 0.6 * law : plain[i] > 0.9 * law);
            assert_true(own[i + 1] == 2.0 && plain[i + 1] == 2.0); /* a ReLU's own pass */
        }
    }
    /* measured times (the middle convolution and its ReLU) are as measured in both modes,
     * and add to the runs as measured: a 6 ms convolution makes the run long, and the
     * other two go cold, in own mode as in the plain one */
    p->fuses = true;
    const char *names[] = {"l1", "r1"};
    const double measured[] = {6.0, 0.01};
    pd_error err;
    assert_int_equal(pd_profile_add_measured(p, g->name, 2, names, measured, &err), PD_OK);
    double plain[6], own[6], both[6], both_own[6];
    assert_int_equal(pd_profile_layers_ms(p, g, plain, &err), PD_OK);
    assert_int_equal(pd_profile_layers_own_ms(p, g, own, &err), PD_OK);
    assert_int_equal(pd_profile_layers_both_ms(p, g, both, both_own, &err), PD_OK);
    assert_memory_equal(both, plain, sizeof plain);
    assert_memory_equal(both_own, own, sizeof own);
    assert_true(plain[2] == 6.0 && own[2] == 6.0 && plain[3] == 0.01 && own[3] == 0.01);
    for (size_t i = 0; i < g->n_layers; i += 4)
        assert_true(own[i] > 0.9 * law && plain[i] > 0.9 * law);
    pd_graph_free(g);
    pd_profile_free(p);
}

static void test_layers_batched(void **state)
{
    (void)state;
    pd_timings t = {0};
    law_rows(&t, NULL);
    pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL);
    pd_graph *g = conv_chain();
    double ms[4];
    pd_error err;
    assert_int_equal(pd_profile_layers_ms(p, g, ms, &err), PD_OK);
    double own[4], both[4], both_own[4]; /* trees without run_ms: both calls as the two */
    assert_int_equal(pd_profile_layers_own_ms(p, g, own, &err), PD_OK);
    assert_int_equal(pd_profile_layers_both_ms(p, g, both, both_own, &err), PD_OK);
    assert_memory_equal(both, ms, sizeof ms);
    assert_memory_equal(both_own, own, sizeof own);
    for (size_t i = 0; i < g->n_layers; i++) {
        double one = pd_profile_layer_ms(p, g, i);
        int k = (int)g->layers[i].p.kernel;
        double macs = pd_graph_feature(g, i, PD_FEAT_MACS), want = law_ms(k, macs);
        print_message("layer %s: %.6f ms (the law %.6f)\n", g->layers[i].name, ms[i], want);
        assert_true(ms[i] == one);                  /* batched = one by one */
        assert_true(fabs(ms[i] - want) < 0.15 * want); /* and near the law */
    }
    assert_int_equal(pd_profile_covers(p, g, &err), PD_OK);
    /* runtime_macs is the engine's: without it, refused */
    assert_int_equal(pd_graph_set_feature_hook(g, NULL, NULL), PD_OK);
    assert_int_equal(pd_profile_covers(p, g, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "runtime_macs"));
    pd_graph_free(g);
    pd_profile_free(p);
    pd_timings_free(&t);
}

/* Opening dir/law.json fails with PD_EINPUT and a message holding `want` and the model
 * file's name. */
static void open_fails(const char *dir, const char *want)
{
    char path[128];
    snprintf(path, sizeof path, "%s/law.json", dir);
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_open(path, &p, &err), PD_EINPUT);
    assert_null(p);
    print_message("refused: %s\n", err.msg);
    if (!strstr(err.msg, want) || !strstr(err.msg, "law.conv.xgb.json"))
        fail_msg("\"%s\" lacks \"%s\" or the file's name", err.msg, want);
}

/* text with the first `from` replaced by `to`, into path. */
static void spill_edited(const char *path, const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t head = (size_t)(at - text), n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)head, text, to, at + strlen(from));
    spill(path, out, strlen(out));
    free(out);
}

/* text with the first number after `key` replaced by `to`, into path. */
static void spill_first_number(const char *path, const char *text, const char *key,
                               const char *to)
{
    const char *at = strstr(text, key);
    assert_non_null(at);
    at += strlen(key);
    size_t head = (size_t)(at - text), skip = strcspn(at, ",]");
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)head, text, to, at + skip);
    spill(path, out, strlen(out));
    free(out);
}

static void test_bad_model_files(void **state)
{
    (void)state;
    pd_timings t = {0};
    law_rows(&t, NULL);
    pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL);
    char dir[64], model[128], prof[128];
    temp_dir(dir, sizeof dir);
    pd_profile_free(write_and_open(p, dir, "law.json"));
    snprintf(model, sizeof model, "%s/law.conv.xgb.json", dir);
    snprintf(prof, sizeof prof, "%s/law.json", dir);
    size_t len, plen;
    char *good = slurp(model, &len), *profile = slurp(prof, &plen);
    remove(model);
    open_fails(dir, "No such file");
    spill(model, good, len / 2);
    open_fails(dir, "law.conv.xgb.json: ");                      /* truncated */
    spill(model, "{\"hello\": [1, 2, 3]}", 20);
    open_fails(dir, "not an XGBoost JSON model");                /* foreign */
    spill(model, "", 0);
    open_fails(dir, "law.conv.xgb.json: ");                      /* empty */
    char *shifted = malloc(len + 8); /* 8 bytes first: XGBoost would read its binary format */
    memcpy(shifted, "\x01\0\0\0\0\0\0\0", 8);
    memcpy(shifted + 8, good, len);
    spill(model, shifted, len + 8);
    open_fails(dir, "does not start with '{'");
    shifted[8 + 20] = '\x01'; /* a control byte inside, which cJSON would skip */
    spill(model, shifted + 8, len);
    open_fails(dir, "byte 20 is a control character");
    free(shifted);
    spill_edited(model, good, "\"left_children\":[1,", "\"left_children\":[0,");
    open_fails(dir, "children are not a tree's");                /* a loop */
    spill_edited(model, good, "\"split_indices\":[", "\"split_indices\":[99,");
    open_fails(dir, "split_indices");                            /* one index too many */
    spill_edited(model, good, "\"num_trees\":\"", "\"num_trees\":\"9");
    open_fails(dir, "tree_info");                                /* counts that disagree */
    spill_edited(model, good, "\"size_leaf_vector\":\"0\"", "\"size_leaf_vector\":\"5\"");
    open_fails(dir, "\"size_leaf_vector\" is 5"); /* loads, but XGBoost will not predict it */
    spill_first_number(model, good, "\"base_weights\":[", "1.9512534E42");
    open_fails(dir, "\"base_weights\"[0] is not a finite number"); /* beyond a float's range */
    spill_first_number(model, good, "\"base_weights\":[", "3.0E38");
    pd_profile *in_range = NULL; /* a float's largest magnitude still reads */
    char path_in[128];
    snprintf(path_in, sizeof path_in, "%s/law.json", dir);
    pd_error err_in;
    assert_int_equal(pd_profile_open(path_in, &in_range, &err_in), PD_OK);
    pd_profile_free(in_range);
    spill(model, good, len);
    spill_edited(prof, profile, "\"in_elems\", ", "");
    open_fails(dir, "features, the profile names");              /* one feature fewer */
    spill_edited(prof, profile, "\"in_elems\", \"out_elems\"", "\"out_elems\", \"in_elems\"");
    open_fails(dir, "is \"in_elems\" in the model, \"out_elems\" in the profile"); /* renamed */
    spill(prof, profile, plen);
    pd_profile *back = NULL;
    pd_error err;
    assert_int_equal(pd_profile_open(prof, &back, &err), PD_OK); /* restored: read again */
    pd_profile_free(back);
    /* a profile given as text has no directory for its models */
    assert_int_equal(pd_profile_from_json(profile, plen, "text", &back, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "not a file"));
    free(good);
    free(profile);
    pd_profile_free(p);
    remove_dir(dir);
    pd_timings_free(&t);
}

/* The profile at path refused with a message holding want. */
static void profile_refused(const char *path, const char *want)
{
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_profile_open(path, &p, &err), PD_EINPUT);
    assert_null(p);
    if (!strstr(err.msg, want))
        fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
}

/* The trees correct the entry's linear model, which the profile holds as its "base": twice
 * the base, twice every time; a base that does not fit its entry is refused. */
static void test_linear_base(void **state)
{
    (void)state;
    pd_timings t = {0}, held = {0};
    law_rows(&t, &held);
    pd_profile *p = fit(&t, PD_MODEL_BOOSTED, NULL);
    const pd_linear_model *m = &p->layer[PD_LAYER_CONV];
    pd_boosted_target goal = pd_boosted_target_of(m->boosted);
    assert_true(goal.log && goal.per < 0);
    assert_int_equal(goal.n_base, m->n); /* the linear fit's features and coefficients */
    int n;
    const int *cols = pd_boosted_columns(m->boosted, &n);
    for (int j = 0; j < goal.n_base; j++) {
        assert_int_equal(cols[goal.base_col[j]], (int)m->features[j]);
        assert_true(goal.base_coef[j] == m->coef[j]);
    }
    assert_true(goal.base_intercept == m->intercept && goal.base_min_ms > 0.0);
    /* the base by hand: 2x - 1, floored at 0.25; or the per column's value; or 1 */
    pd_boosted_target by_hand = {.log = true, .per = -1, .n_base = 1, .base_col = {1},
                                 .base_coef = {2.0}, .base_intercept = -1.0,
                                 .base_min_ms = 0.25};
    const double x1[] = {7.0, 1.0}, x2[] = {7.0, 0.5};
    assert_true(pd_boosted_base(&by_hand, x1) == 1.0);
    assert_true(pd_boosted_base(&by_hand, x2) == 0.25);
    by_hand.n_base = 0;
    assert_true(pd_boosted_base(&by_hand, x1) == 1.0 && pd_boosted_base(&by_hand, x2) == 1.0);
    by_hand.per = 0;
    assert_true(pd_boosted_base(&by_hand, x2) == 7.0);
    char dir[64], prof[128];
    temp_dir(dir, sizeof dir);
    pd_profile *back = write_and_open(p, dir, "law.json");
    snprintf(prof, sizeof prof, "%s/law.json", dir);
    size_t plen;
    char *text = slurp(prof, &plen);
    /* the base doubled by hand: "coef": [a], "intercept": b -> [2a], 2b */
    char from[160], to[160];
    snprintf(from, sizeof from, "\"coef\": [%.17g], \"intercept\": %.17g}", m->coef[0],
             m->intercept);
    snprintf(to, sizeof to, "\"coef\": [%.17g], \"intercept\": %.17g}", 2 * m->coef[0],
             2 * m->intercept);
    assert_int_equal(m->n, 1); /* macs alone (fit() chooses the MACs set) */
    spill_edited(prof, text, from, to);
    pd_profile *twice = NULL;
    pd_error err;
    assert_int_equal(pd_profile_open(prof, &twice, &err), PD_OK);
    double *a = malloc(held.n * sizeof *a), *b = malloc(held.n * sizeof *b);
    assert_int_equal(pd_profile_predict_timings(back, &held, a, &err), PD_OK);
    assert_int_equal(pd_profile_predict_timings(twice, &held, b, &err), PD_OK);
    size_t above = 0;
    for (size_t i = 0; i < held.n; i++) {
        double base = m->intercept + m->coef[0] * held.rows[i].features[PD_FEAT_MACS];
        if (base <= goal.base_min_ms)
            continue; /* at the floor: doubling moves nothing */
        above++;
        if (fabs(b[i] - 2.0 * a[i]) > 1e-9 * a[i])
            fail_msg("row %zu: %.17g with the base, %.17g with twice it", i, a[i], b[i]);
    }
    assert_true(above > held.n / 2);
    pd_profile_free(twice);
    spill_edited(prof, text, ", \"base_min_ms\": ", ", \"base_floor\": ");
    profile_refused(prof, "base_floor");
    spill_edited(prof, text, "\"base_min_ms\": ", "\"base_min_ms\": -"); /* a floor below 0 */
    profile_refused(prof, "base_min_ms");
    spill_edited(prof, text, "\"base\": {\"features\": [\"macs\"]", "\"base\": {\"features\": [\"model_bytes\"]");
    profile_refused(prof, "base: feature \"model_bytes\" is not one of the entry's features");
    spill_edited(prof, text, "\"target\": \"log_ms\", ", "\"target\": \"log_ms\", \"per\": \"macs\", ");
    profile_refused(prof, "\"per\" or \"base\", not both");
    char *cut = strstr(text, ", \"base_min_ms\": ");
    assert_non_null(cut);
    char *end = strchr(cut + 2, '}'); /* the entry's end, after the floor's number */
    assert_non_null(end);
    size_t head = (size_t)(cut - text);
    char *without = malloc(plen + 1);
    snprintf(without, plen + 1, "%.*s%s", (int)head, text, end);
    spill(prof, without, strlen(without));
    profile_refused(prof, "fields \"base\" and \"base_min_ms\" go together");
    free(without);
    free(a);
    free(b);
    free(text);
    pd_profile_free(back);
    pd_profile_free(p);
    remove_dir(dir);
    pd_timings_free(&t);
    pd_timings_free(&held);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_law_beats_linear),  cmocka_unit_test(test_warm_twins),
        cmocka_unit_test(test_run_ms),
        cmocka_unit_test(test_own_ms_runs_fused),
        cmocka_unit_test(test_save_load_exact),
        cmocka_unit_test(test_auto_picks_lower_cv), cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_layers_batched),    cmocka_unit_test(test_bad_model_files), cmocka_unit_test(test_linear_base),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
