/* The profile CSV and the latency-model fitter: known linear models recovered from
 * synthetic timings, feature-set choice, cross-validation, fallbacks for thin or collinear
 * samples, the JSON profile round trip, and every CSV rejection naming file, line, column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/fit_folds.h"
#include "predoff/measure.h"
#include "predoff/profile.h"
#include "predoff/rng.h"

/* |got - want| <= tol * |want| (or <= tol when want is 0) */
#define NEAR_REL(got, want, tol) near_rel_((double)(got), (double)(want), (tol), #got, __LINE__)

static void near_rel_(double got, double want, double tol, const char *what, int line)
{
    double scale = want != 0.0 ? fabs(want) : 1.0;
    if (!(fabs(got - want) <= tol * scale))
        fail_msg("line %d: %s = %.17g, want %.17g (within %g)", line, what, got, want, tol);
}

/* ---- synthetic timings ---- */

static pd_layer_timing row_of(pd_layer_type type, double in, double out, double kf,
                              double kfc, double macs)
{
    pd_layer_timing r = {.type = type, .p10_ms = NAN, .p90_ms = NAN, .mean_ms = NAN, .repeats = 30};
    snprintf(r.source, sizeof r.source, "synthetic");
    snprintf(r.layer, sizeof r.layer, "%s_%g_%g", pd_layer_type_name(type), in, out);
    r.features[PD_FEAT_IN_ELEMS] = in;
    r.features[PD_FEAT_OUT_ELEMS] = out;
    r.features[PD_FEAT_IN_BYTES] = 4 * in;
    r.features[PD_FEAT_OUT_BYTES] = 4 * out;
    r.features[PD_FEAT_KERNEL_FILTERS] = kf;
    r.features[PD_FEAT_KERNEL_FILTERS_CHANNELS] = kfc;
    r.features[PD_FEAT_MACS] = macs;
    r.features[PD_FEAT_WEIGHT_BYTES] = 4 * kfc;
    r.features[PD_FEAT_MODEL_BYTES] = 1e6;
    return r;
}

/* A true model: t = intercept + sum coef * feature. */
typedef struct truth {
    double intercept;
    double coef[PD_FEATURE_COUNT];
} truth;

static double true_ms(const truth *m, const pd_layer_timing *r)
{
    double t = m->intercept;
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        t += m->coef[f] * r->features[f];
    return t;
}

/* Adds row with its time from m, times (1 + noise * u), u uniform in [-1, 1]. */
static void add(pd_timings *t, pd_layer_timing r, const truth *m, double noise, pd_rng *rng)
{
    double u = 2.0 * pd_rng_uniform(rng) - 1.0;
    r.median_ms = true_ms(m, &r) * (1.0 + noise * u);
    r.p10_ms = 0.97 * r.median_ms;
    r.p90_ms = 1.05 * r.median_ms;
    pd_error err;
    assert_int_equal(pd_timings_add(t, &r, &err), PD_OK);
}

/* Layers of every type over a grid of shapes (as the profiler's sweep). The truths use the
 * paper's feature sets unless `from_macs`. */
static const truth conv_paper = {0.3, {[PD_FEAT_IN_ELEMS] = 2e-6, [PD_FEAT_KERNEL_FILTERS] = 1e-3}};
static const truth conv_macs = {0.05, {[PD_FEAT_MACS] = 2e-7}};
static const truth fc_paper = {0.1, {[PD_FEAT_IN_ELEMS] = 1e-5, [PD_FEAT_OUT_ELEMS] = 2e-4}};
static const truth fc_macs = {0.02, {[PD_FEAT_MACS] = 1e-6}};
static const truth pool_paper = {0.02, {[PD_FEAT_IN_ELEMS] = 3e-6, [PD_FEAT_OUT_ELEMS] = 1e-6}};
static const truth pool_macs = {0.01, {[PD_FEAT_MACS] = 5e-7}};
static const truth elem_paper = {0.05, {[PD_FEAT_IN_ELEMS] = 2e-6}};

static void synth(pd_timings *t, int from_macs, double noise, uint64_t seed)
{
    static const int cs[] = {3, 16, 32, 64}, hws[] = {8, 16, 32}, fs[] = {16, 32, 64},
                     ks[] = {1, 3, 5};
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 3; b++)
            for (int f = 0; f < 3; f++)
                for (int k = 0; k < 3; k++) {
                    double c = cs[a], hw = hws[b], kk = ks[k] * ks[k], filt = fs[f];
                    double in = c * hw * hw, out = filt * hw * hw;
                    add(t, row_of(PD_LAYER_CONV, in, out, kk * filt, kk * filt * c, out * c * kk),
                        from_macs ? &conv_macs : &conv_paper, noise, &rng);
                }
    static const int fin[] = {64, 256, 1024, 2048, 4096}, fout[] = {10, 64, 128, 256, 512};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) {
            double in = fin[a], out = fout[b];
            add(t, row_of(PD_LAYER_FC, in, out, out, out * in, out * in),
                from_macs ? &fc_macs : &fc_paper, noise, &rng);
        }
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 2; k <= 3; k++) {
                double c = cs[a] + 8, hw = hws[b], o = (hws[b] + 2 * (k / 2) - k) / 2 + 1;
                double in = c * hw * hw, out = c * o * o;
                add(t, row_of(PD_LAYER_POOL, in, out, k * k / 4.0 * c, k * k / 4.0 * c * c,
                              out * k * k),
                    from_macs ? &pool_macs : &pool_paper, noise, &rng);
            }
    static const pd_layer_type elementwise[] = {PD_LAYER_RELU, PD_LAYER_LRN, PD_LAYER_DROPOUT};
    for (int e = 0; e < 3; e++)
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 3; b++) {
                double in = (cs[a] + 8) * hws[b] * hws[b];
                double macs = elementwise[e] == PD_LAYER_LRN ? 5 * in : 0;
                add(t, row_of(elementwise[e], in, in, 0, 0, macs), &elem_paper, noise, &rng);
            }
}

static pd_profile *fit_ok(const pd_timings *t, pd_feature_choice features, size_t folds,
                          pd_fit_quality *q)
{
    pd_fit_options o;
    pd_fit_options_init(&o);
    o.features = features;
    o.folds = folds;
    pd_profile *p = NULL;
    pd_error err;
    pd_error_clear(&err);
    if (pd_fit_profile(t, &o, "fitted", &p, q, &err) != PD_OK)
        fail_msg("pd_fit_profile: %s", err.msg);
    assert_non_null(p);
    return p;
}

/* The model for type uses exactly the features the truth gives, with its coefficients. */
static void expect_model(const pd_profile *p, pd_layer_type type, const truth *m, double tol)
{
    const pd_linear_model *lm = &p->layer[type];
    assert_true(lm->present);
    int want = 0;
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        want += m->coef[f] != 0.0;
    if (lm->n != want)
        fail_msg("%s: %d features, want %d", pd_layer_type_name(type), lm->n, want);
    for (int j = 0; j < lm->n; j++) {
        if (m->coef[lm->features[j]] == 0.0)
            fail_msg("%s: feature %s is not in the truth", pd_layer_type_name(type),
                     pd_feature_name(lm->features[j]));
        NEAR_REL(lm->coef[j], m->coef[lm->features[j]], tol);
    }
    NEAR_REL(lm->intercept, m->intercept, tol);
}

/* ---- the fit ---- */

static void test_options_init(void **state)
{
    (void)state;
    pd_fit_options o;
    memset(&o, 0xff, sizeof o);
    pd_fit_options_init(&o);
    assert_int_equal(o.features, PD_FEATURES_PAPER);
    assert_int_equal(o.folds, 5);
    assert_int_equal(o.seed, 1);
}

static void test_recover_exact(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.0, 1);
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    assert_string_equal(p->name, "fitted");
    assert_non_null(p->note);
    assert_non_null(strstr(p->note, "synthetic"));
    assert_non_null(strstr(p->note, "193 timings"));
    expect_model(p, PD_LAYER_CONV, &conv_paper, 1e-9);
    expect_model(p, PD_LAYER_FC, &fc_paper, 1e-9);
    expect_model(p, PD_LAYER_POOL, &pool_paper, 1e-9);
    expect_model(p, PD_LAYER_RELU, &elem_paper, 1e-9);
    expect_model(p, PD_LAYER_LRN, &elem_paper, 1e-9);
    expect_model(p, PD_LAYER_DROPOUT, &elem_paper, 1e-9);
    assert_false(p->load.present);
    assert_false(p->parse.present);
    static const size_t samples[PD_LAYER_TYPE_COUNT] = {
        [PD_LAYER_CONV] = 108, [PD_LAYER_FC] = 25,  [PD_LAYER_POOL] = 24,
        [PD_LAYER_RELU] = 12,  [PD_LAYER_LRN] = 12, [PD_LAYER_DROPOUT] = 12};
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++) {
        assert_int_equal(q[k].type, k);
        assert_int_equal(q[k].samples, samples[k]);
        if (!samples[k]) /* the types of no paper model (add, concat) */
            continue;
        NEAR_REL(q[k].r2, 1.0, 1e-12);
        assert_true(q[k].mape < 1e-9);
        assert_true(q[k].cv_mape < 1e-9);
    }
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void test_recover_noisy(void **state)
{
    (void)state;
    pd_timings t = {0};
    for (uint64_t rep = 0; rep < 4; rep++) /* four noisy draws of every shape */
        synth(&t, 0, 0.05, 100 + rep);
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    /* coefficients where the features are far from collinear ... */
    expect_model(p, PD_LAYER_CONV, &conv_paper, 0.05);
    expect_model(p, PD_LAYER_FC, &fc_paper, 0.05);
    expect_model(p, PD_LAYER_RELU, &elem_paper, 0.05);
    /* ... and everywhere the predictions: within 2% of the true times */
    for (size_t i = 0; i < t.n; i++) {
        const pd_layer_timing *r = &t.rows[i];
        static const truth *const paper[] = {
            [PD_LAYER_CONV] = &conv_paper, [PD_LAYER_RELU] = &elem_paper,
            [PD_LAYER_POOL] = &pool_paper, [PD_LAYER_LRN] = &elem_paper,
            [PD_LAYER_DROPOUT] = &elem_paper, [PD_LAYER_FC] = &fc_paper};
        NEAR_REL(pd_linear_predict(&p->layer[r->type], r->features), true_ms(paper[r->type], r),
                 0.02);
    }
    for (int k = 0; k <= PD_LAYER_FC; k++) { /* the six types of synth's samples */
        assert_true(q[k].r2 > 0.95);
        /* uniform noise of +-5% has a mean absolute value of 2.5% */
        if (!(q[k].mape > 1.5 && q[k].mape < 3.5))
            fail_msg("%s: MAPE %g%%", pd_layer_type_name((pd_layer_type)k), q[k].mape);
        if (!(q[k].cv_mape >= q[k].mape * 0.9 && q[k].cv_mape < q[k].mape * 1.5))
            fail_msg("%s: CV MAPE %g%% beside MAPE %g%%", pd_layer_type_name((pd_layer_type)k),
                     q[k].cv_mape, q[k].mape);
    }
    pd_profile_free(p);
    pd_timings_free(&t);
}

/* The fit minimises the relative error: the gradient of sum ((pred - t) / t)^2 vanishes,
 * which the plain least-squares solution would not satisfy on these times. */
static void test_relative_error_minimised(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.2, 7);
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 5, NULL);
    const pd_linear_model *m = &p->layer[PD_LAYER_CONV];
    double grad[PD_FEATURE_COUNT + 1] = {0}, size[PD_FEATURE_COUNT + 1] = {0};
    for (size_t i = 0; i < t.n; i++) {
        const pd_layer_timing *r = &t.rows[i];
        if (r->type != PD_LAYER_CONV)
            continue;
        double e = (pd_linear_predict(m, r->features) - r->median_ms) / r->median_ms;
        for (int j = 0; j <= m->n; j++) {
            double x = (j ? r->features[m->features[j - 1]] : 1.0) / r->median_ms;
            grad[j] += e * x;
            size[j] += fabs(x);
        }
    }
    for (int j = 0; j <= m->n; j++)
        if (!(fabs(grad[j]) <= 1e-10 * size[j]))
            fail_msg("gradient %d is %g (scale %g)", j, grad[j], size[j]);
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void test_macs_choice(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 1, 0.0, 3);
    pd_profile *p = fit_ok(&t, PD_FEATURES_MACS, 5, NULL);
    expect_model(p, PD_LAYER_CONV, &conv_macs, 1e-9);
    expect_model(p, PD_LAYER_FC, &fc_macs, 1e-9);
    expect_model(p, PD_LAYER_POOL, &pool_macs, 1e-9);
    /* relu and dropout have no MACs: their model stays on in_elems */
    assert_int_equal(p->layer[PD_LAYER_RELU].n, 1);
    assert_int_equal(p->layer[PD_LAYER_RELU].features[0], PD_FEAT_IN_ELEMS);
    assert_int_equal(p->layer[PD_LAYER_DROPOUT].features[0], PD_FEAT_IN_ELEMS);
    assert_int_equal(p->layer[PD_LAYER_LRN].features[0], PD_FEAT_MACS);
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void test_auto_picks_truth(void **state)
{
    (void)state;
    /* noise-free and with 2% noise, timings made from macs make AUTO choose macs alone */
    for (int noisy = 0; noisy <= 1; noisy++) {
        pd_timings t = {0};
        for (uint64_t rep = 0; rep < (noisy ? 3u : 1u); rep++)
            synth(&t, 1, noisy ? 0.02 : 0.0, 11 + rep);
        pd_fit_quality q[PD_FIT_QUALITY_ROWS];
        pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, q);
        double tol = noisy ? 0.05 : 1e-9;
        expect_model(p, PD_LAYER_CONV, &conv_macs, tol);
        expect_model(p, PD_LAYER_FC, &fc_macs, tol);
        expect_model(p, PD_LAYER_POOL, &pool_macs, tol);
        pd_profile_free(p);
        pd_timings_free(&t);
    }
    /* and the paper's set when the times come from it */
    pd_timings t = {0};
    synth(&t, 0, 0.0, 5);
    pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, NULL);
    expect_model(p, PD_LAYER_CONV, &conv_paper, 1e-9);
    expect_model(p, PD_LAYER_FC, &fc_paper, 1e-9);
    expect_model(p, PD_LAYER_POOL, &pool_paper, 1e-9);
    expect_model(p, PD_LAYER_RELU, &elem_paper, 1e-9);
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void test_cv_needs_folds(void **state)
{
    (void)state;
    pd_timings t = {0};
    pd_rng rng;
    pd_rng_seed(&rng, 1);
    for (int i = 1; i <= 4; i++) /* 4 conv samples, 5 folds */
        add(&t, row_of(PD_LAYER_CONV, 1000.0 * i, 500, 100.0 * (i * i % 5 + 1), 1, 1),
            &conv_paper, 0.0, &rng);
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    for (int choice = PD_FEATURES_PAPER; choice <= PD_FEATURES_AUTO; choice++) {
        pd_profile *p = fit_ok(&t, (pd_feature_choice)choice, 5, q);
        assert_int_equal(q[PD_LAYER_CONV].samples, 4);
        assert_true(isnan(q[PD_LAYER_CONV].cv_mape));
        if (choice != PD_FEATURES_MACS) { /* AUTO cannot judge: it keeps the paper's set */
            assert_true(q[PD_LAYER_CONV].mape < 1e-9);
            expect_model(p, PD_LAYER_CONV, &conv_paper, 1e-9);
        }
        for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
            if (k != PD_LAYER_CONV) {
                assert_int_equal(q[k].samples, 0);
                assert_false(p->layer[k].present);
            }
        pd_profile_free(p);
    }
    /* with 4 folds there are enough */
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 4, q);
    assert_false(isnan(q[PD_LAYER_CONV].cv_mape));
    pd_profile_free(p);
    pd_timings_free(&t);
}

/* Too few samples for the set, or collinear features: fewer features, not a crash. */
static void test_fallbacks(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1);
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    /* two conv samples cannot fix three parameters: one feature and the intercept */
    pd_timings t = {0};
    add(&t, row_of(PD_LAYER_CONV, 1000, 10, 100, 1, 1), &conv_paper, 0.0, &rng);
    add(&t, row_of(PD_LAYER_CONV, 3000, 10, 400, 1, 1), &conv_paper, 0.0, &rng);
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    assert_int_equal(p->layer[PD_LAYER_CONV].n, 1);
    assert_true(q[PD_LAYER_CONV].mape < 1e-9); /* a line through two points */
    pd_profile_free(p);
    /* one sample: a constant */
    t.n = 1;
    p = fit_ok(&t, PD_FEATURES_AUTO, 5, q);
    assert_int_equal(p->layer[PD_LAYER_CONV].n, 0);
    NEAR_REL(p->layer[PD_LAYER_CONV].intercept, t.rows[0].median_ms, 1e-12);
    assert_true(isnan(q[PD_LAYER_CONV].r2));
    pd_profile_free(p);
    pd_timings_free(&t);
    /* pooling whose output is always a quarter of its input: in and out are collinear */
    for (int i = 1; i <= 20; i++)
        add(&t, row_of(PD_LAYER_POOL, 4000.0 * i, 1000.0 * i, 1, 1, 9000.0 * i), &pool_paper,
            0.0, &rng);
    p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    assert_int_equal(p->layer[PD_LAYER_POOL].n, 1);
    assert_true(q[PD_LAYER_POOL].mape < 1e-9);
    assert_true(q[PD_LAYER_POOL].cv_mape < 1e-9);
    pd_profile_free(p);
    /* a feature that never changes: dropped, and the other one kept */
    pd_timings_free(&t);
    for (int i = 1; i <= 10; i++)
        add(&t, row_of(PD_LAYER_FC, 512, 16.0 * i, 1, 1, 1), &fc_paper, 0.0, &rng);
    p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    assert_int_equal(p->layer[PD_LAYER_FC].n, 1);
    assert_int_equal(p->layer[PD_LAYER_FC].features[0], PD_FEAT_OUT_ELEMS);
    assert_true(q[PD_LAYER_FC].mape < 1e-9);
    pd_profile_free(p);
    /* every time equal and no feature changing: a constant, R^2 undefined */
    for (size_t i = 0; i < t.n; i++) {
        t.rows[i].features[PD_FEAT_OUT_ELEMS] = 16;
        t.rows[i].median_ms = 2.5;
    }
    p = fit_ok(&t, PD_FEATURES_AUTO, 5, q);
    assert_int_equal(p->layer[PD_LAYER_FC].n, 0);
    NEAR_REL(p->layer[PD_LAYER_FC].intercept, 2.5, 1e-12);
    assert_true(isnan(q[PD_LAYER_FC].r2));
    assert_true(q[PD_LAYER_FC].mape < 1e-9);
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void fit_fails(const pd_timings *t, const pd_fit_options *o, const char *name,
                      const char *want1, const char *want2)
{
    pd_profile *p = (pd_profile *)0x1;
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_fit_profile(t, o, name, &p, q, &err);
    if (st != PD_EINPUT)
        fail_msg("status %d, want PD_EINPUT (%s)", (int)st, err.msg);
    assert_null(p);
    if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("message lacks <%s> or <%s>: %s", want1, want2 ? want2 : "", err.msg);
}

static void test_fit_errors(void **state)
{
    (void)state;
    pd_timings t = {0};
    pd_fit_options o;
    pd_fit_options_init(&o);
    fit_fails(&t, &o, "x", "no timings", NULL);
    synth(&t, 0, 0.0, 1);
    o.folds = 1;
    fit_fails(&t, &o, "x", "folds", NULL);
    o.folds = 5;
    fit_fails(&t, &o, "", "name", NULL);
    fit_fails(&t, &o, NULL, "name", NULL);
    o.features = (pd_feature_choice)7;
    fit_fails(&t, &o, "x", "feature choice", NULL);
    pd_fit_options_init(&o);
    /* rows that did not come through the reader are checked too */
    t.rows[3].median_ms = -1;
    fit_fails(&t, &o, "x", "timing 4", "median_ms must be > 0");
    t.rows[3].median_ms = 1;
    t.rows[5].features[PD_FEAT_MACS] = INFINITY;
    fit_fails(&t, &o, "x", "timing 6", "macs");
    t.rows[5].features[PD_FEAT_MACS] = 1;
    t.rows[7].type = PD_LAYER_TYPE_COUNT;
    fit_fails(&t, &o, "x", "timing 8", "type");
    t.rows[7].type = PD_LAYER_CONV;
    /* a feature the set needs that no row gives: named with the type */
    for (size_t i = 0; i < t.n; i++)
        t.rows[i].features[PD_FEAT_KERNEL_FILTERS] = NAN;
    fit_fails(&t, &o, "x", "\"conv\"", "feature \"kernel_filters\" is not given");
    /* AUTO goes around it */
    pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, NULL);
    for (int j = 0; j < p->layer[PD_LAYER_CONV].n; j++)
        assert_int_not_equal(p->layer[PD_LAYER_CONV].features[j], PD_FEAT_KERNEL_FILTERS);
    pd_profile_free(p);
    /* features so small that the coefficients outgrow what a profile holds */
    pd_timings_free(&t);
    pd_rng rng;
    pd_rng_seed(&rng, 1);
    static const truth tiny = {0.1, {[PD_FEAT_IN_ELEMS] = 1e14}};
    for (int i = 1; i <= 6; i++)
        add(&t, row_of(PD_LAYER_RELU, 1e-15 * i, 1, 1, 1, 1), &tiny, 0.0, &rng);
    fit_fails(&t, &o, "x", "\"relu\"", "beyond the 1e12");
    pd_timings_free(&t);
}

static void same_model(const pd_linear_model *a, const pd_linear_model *b);

static void test_deterministic(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.1, 9);
    pd_fit_quality a[PD_FIT_QUALITY_ROWS], b[PD_FIT_QUALITY_ROWS];
    pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, a);
    pd_profile *r = fit_ok(&t, PD_FEATURES_AUTO, 5, b);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++) {
        assert_int_equal(a[k].samples, b[k].samples);
        if (!a[k].samples) /* no rows of that type: no figures (NaN) to compare */
            continue;
        assert_true(a[k].r2 == b[k].r2 && a[k].mape == b[k].mape && a[k].cv_mape == b[k].cv_mape);
        same_model(&p->layer[k], &r->layer[k]);
    }
    pd_profile_free(p);
    pd_profile_free(r);
    pd_timings_free(&t);
}

/* ---- the profile JSON ---- */

static char *write_json(const pd_profile *p, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    pd_error err;
    if (pd_profile_write_json(p, f, &err) != PD_OK)
        fail_msg("pd_profile_write_json: %s", err.msg);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void same_model(const pd_linear_model *a, const pd_linear_model *b)
{
    assert_int_equal(a->present, b->present);
    if (!a->present)
        return;
    assert_int_equal(a->n, b->n);
    for (int j = 0; j < a->n; j++) {
        assert_int_equal(a->features[j], b->features[j]);
        assert_true(a->coef[j] == b->coef[j]); /* bit for bit: %.17g */
    }
    assert_true(a->intercept == b->intercept);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.05, 21);
    pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, NULL);
    size_t len;
    char *json = write_json(p, &len);
    pd_profile *back = NULL;
    pd_error err;
    if (pd_profile_from_json(json, len, "fitted.json", &back, &err) != PD_OK)
        fail_msg("%s\n  reads back as: %s", json, err.msg);
    assert_string_equal(back->name, p->name);
    assert_string_equal(back->note, p->note);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        same_model(&p->layer[k], &back->layer[k]);
    assert_false(back->load.present);
    assert_false(back->parse.present);
    for (size_t i = 0; i < t.n; i++) {
        const pd_layer_timing *r = &t.rows[i];
        assert_true(pd_linear_predict(&p->layer[r->type], r->features) ==
                    pd_linear_predict(&back->layer[r->type], r->features));
    }
    /* through a file and pd_profile_open, as predoff plan --edge FILE reads it */
    char path[] = "/tmp/test_fit_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(pd_profile_write_json(p, f, &err), PD_OK);
    assert_int_equal(fclose(f), 0);
    pd_profile *opened = NULL;
    if (pd_profile_open(path, &opened, &err) != PD_OK)
        fail_msg("pd_profile_open: %s", err.msg);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        same_model(&p->layer[k], &opened->layer[k]);
    remove(path);
    pd_profile_free(opened);
    pd_profile_free(back);
    free(json);
    pd_profile_free(p);
    pd_timings_free(&t);
}

static void test_json_special(void **state)
{
    (void)state;
    /* names that need escaping, an empty layer set, load and parse models, odd numbers */
    pd_profile p = {.name = "tier \"x\"\\\n\t\x01", .note = NULL};
    p.load = (pd_linear_model){true, 1, {PD_FEAT_WEIGHT_BYTES}, {4.49e-6}, 82.136, NULL};
    p.parse = (pd_linear_model){true, 0, {0}, {0}, -0.0, NULL};
    p.layer[PD_LAYER_LRN] = (pd_linear_model){
        true, 2, {PD_FEAT_MACS, PD_FEAT_IN_ELEMS}, {5e-324, -1e12}, 1e-300, NULL};
    size_t len;
    char *json = write_json(&p, &len);
    pd_profile *back = NULL;
    pd_error err;
    if (pd_profile_from_json(json, len, "special.json", &back, &err) != PD_OK)
        fail_msg("%s\n  reads back as: %s", json, err.msg);
    assert_string_equal(back->name, p.name);
    assert_null(back->note);
    same_model(&p.load, &back->load);
    same_model(&p.parse, &back->parse);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        same_model(&p.layer[k], &back->layer[k]);
    pd_profile_free(back);
    free(json);
    /* what the reader would refuse is not written */
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    p.layer[PD_LAYER_LRN].coef[1] = 2e12;
    assert_int_equal(pd_profile_write_json(&p, f, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "layers.lrn"));
    p.layer[PD_LAYER_LRN].coef[1] = NAN;
    assert_int_equal(pd_profile_write_json(&p, f, &err), PD_EINPUT);
    p.layer[PD_LAYER_LRN].coef[1] = 1;
    p.layer[PD_LAYER_LRN].features[1] = PD_FEAT_MACS;
    assert_int_equal(pd_profile_write_json(&p, f, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "twice"));
    p.layer[PD_LAYER_LRN].present = false;
    p.name = "";
    assert_int_equal(pd_profile_write_json(&p, f, &err), PD_EINPUT);
    fclose(f);
}

/* ---- the CSV ---- */

static pd_timings parse_ok(const char *csv)
{
    pd_timings t = {0};
    pd_error err;
    pd_error_clear(&err);
    if (pd_timings_parse_csv(csv, strlen(csv), "t.csv", &t, &err) != PD_OK)
        fail_msg("%s\n  rejected: %s", csv, err.msg);
    return t;
}

/* Same value, NaN included. */
static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void same_rows(const pd_timings *a, const pd_timings *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const pd_layer_timing *x = &a->rows[i], *y = &b->rows[i];
        assert_string_equal(x->source, y->source);
        assert_string_equal(x->layer, y->layer);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->kind, y->kind);
        for (int f = 0; f < PD_FEATURE_COUNT; f++)
            if (!same(x->features[f], y->features[f]))
                fail_msg("row %zu feature %s: %.17g vs %.17g", i, pd_feature_name(f),
                         x->features[f], y->features[f]);
        for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
            if (!same(x->shape[c], y->shape[c]))
                fail_msg("row %zu column %s: %.17g vs %.17g", i, pd_shape_column_name(c),
                         x->shape[c], y->shape[c]);
        assert_true(same(x->median_ms, y->median_ms));
        assert_true(same(x->p10_ms, y->p10_ms));
        assert_true(same(x->p90_ms, y->p90_ms));
        assert_true(same(x->mean_ms, y->mean_ms));
        assert_int_equal(x->repeats, y->repeats);
        assert_string_equal(x->fused_into, y->fused_into);
        assert_true(same(x->warm_ms, y->warm_ms));
        assert_true(same(x->reuse_ms, y->reuse_ms) && same(x->reuse_bytes, y->reuse_bytes));
        assert_true(same(x->reuse_run_ms, y->reuse_run_ms));
    }
}

static char *write_csv(const pd_timings *t, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    assert_int_equal(pd_timings_write_csv(t, f), PD_OK);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Fitting on means: each row's mean takes the median's place; a row without one fails. */
static void test_use_mean(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.0, 3);
    pd_error err;
    assert_int_equal(pd_timings_use_mean(&t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "no mean_ms"));
    for (size_t i = 0; i < t.n; i++)
        t.rows[i].mean_ms = 2.0 * t.rows[i].median_ms + (double)i;
    double first = t.rows[0].mean_ms;
    t.rows[0].warm_ms = 0.5; /* medians: they do not stand beside means */
    t.rows[0].reuse_ms = 0.7;
    t.rows[0].reuse_bytes = 1e7;
    t.rows[0].reuse_run_ms = 3.0;
    assert_int_equal(pd_timings_use_mean(&t, &err), PD_OK);
    assert_true(t.rows[0].median_ms == first);
    assert_true(t.rows[0].warm_ms == 0.0);
    assert_true(t.rows[0].reuse_ms == 0.0 && t.rows[0].reuse_bytes == 0.0);
    assert_true(t.rows[0].reuse_run_ms == 0.0);
    assert_true(t.rows[t.n - 1].median_ms == t.rows[t.n - 1].mean_ms);
    pd_timings_free(&t);
}

/* Rounds merged: each figure the median over the rounds, the mean over all runs; rounds
 * whose layers differ are refused, naming the round and the row. */
static void test_merge_rounds(void **state)
{
    (void)state;
    pd_timings r[3] = {{0}};
    pd_error err;
    const double med[3] = {2.0, 9.0, 3.0}, mean[3] = {2.0, 10.0, 3.0};
    const size_t runs[3] = {10, 10, 20};
    for (int k = 0; k < 3; k++) {
        pd_layer_timing row = {.type = PD_LAYER_CONV, .median_ms = med[k], .p10_ms = med[k] - 1,
                               .p90_ms = med[k] + k, .mean_ms = mean[k], .repeats = runs[k],
                               .reuse_ms = med[k], .reuse_bytes = 1e6,
                               .reuse_run_ms = k == 1 ? 0.0 : 4.0 * med[k]};
        for (int f = 0; f < PD_FEATURE_COUNT; f++)
            row.features[f] = NAN;
        row.features[PD_FEAT_RUN_MS] = 10.0 * med[k];
        snprintf(row.source, sizeof row.source, "m");
        snprintf(row.layer, sizeof row.layer, "conv1");
        assert_int_equal(pd_timings_add(&r[k], &row, &err), PD_OK);
    }
    pd_timings out = {0};
    assert_int_equal(pd_timings_merge_rounds(r, 3, &out, &err), PD_OK);
    assert_int_equal(out.n, 1);
    assert_true(out.rows[0].median_ms == 3.0); /* not the mean of the medians, 4.67 */
    assert_true(out.rows[0].p10_ms == 2.0);
    assert_true(out.rows[0].p90_ms == 5.0);     /* 2, 10, 5: the median */
    assert_true(fabs(out.rows[0].mean_ms - (20.0 + 100.0 + 60.0) / 40.0) < 1e-12);
    assert_int_equal(out.rows[0].repeats, 40);
    assert_true(out.rows[0].features[PD_FEAT_RUN_MS] == 30.0); /* 20, 90, 30 */
    assert_true(out.rows[0].reuse_run_ms == 10.0);            /* 8 and 12: round 2 gave none */
    assert_string_equal(out.rows[0].layer, "conv1");
    pd_timings_free(&out);
    snprintf(r[2].rows[0].layer, sizeof r[2].rows[0].layer, "conv2");
    assert_int_equal(pd_timings_merge_rounds(r, 3, &out, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "round 3's timing 1 is m/conv2"));
    r[1].n = 0;
    assert_int_equal(pd_timings_merge_rounds(r, 3, &out, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "round 2 has 0 timings"));
    assert_int_equal(pd_timings_merge_rounds(r, 0, &out, &err), PD_EINPUT);
    assert_int_equal(out.n, 0);
    for (int k = 0; k < 3; k++)
        pd_timings_free(&r[k]);
}

/* Dropping the timings under a floor per type, the others kept in order. */
static void test_drop_below(void **state)
{
    (void)state;
    pd_timings t = {0};
    pd_error err;
    const pd_layer_type types[5] = {PD_LAYER_CONV, PD_LAYER_FC, PD_LAYER_CONV, PD_LAYER_RELU,
                                    PD_LAYER_CONV};
    const double ms[5] = {0.005, 0.001, 0.02, 0.001, 0.01};
    for (int i = 0; i < 5; i++) {
        pd_layer_timing row = {.type = types[i], .median_ms = ms[i], .repeats = 1};
        snprintf(row.layer, sizeof row.layer, "l%d", i);
        assert_int_equal(pd_timings_add(&t, &row, &err), PD_OK);
    }
    double floor[PD_LAYER_TYPE_COUNT] = {0};
    assert_int_equal(pd_timings_drop_below(&t, floor), 0);
    assert_int_equal(t.n, 5);
    floor[PD_LAYER_CONV] = 0.01; /* 0.01 itself stays */
    assert_int_equal(pd_timings_drop_below(&t, floor), 1);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.rows[0].layer, "l1");
    assert_string_equal(t.rows[1].layer, "l2");
    assert_string_equal(t.rows[3].layer, "l4");
    pd_timings_free(&t);
}

static void test_csv_round_trip(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 0, 0.3, 2);
    /* values that need all 17 digits, features and times not given, no repeats */
    t.rows[0].median_ms = 0.1 + 0.2;
    t.rows[0].features[PD_FEAT_MACS] = 1.0 / 3.0;
    t.rows[1].features[PD_FEAT_MODEL_BYTES] = NAN;
    t.rows[1].p10_ms = NAN;
    t.rows[2].repeats = 0;
    t.rows[2].mean_ms = 0.7 / 3.0; /* a mean given; the other rows have none */
    t.rows[3].features[PD_FEAT_IN_ELEMS] = 1e15;
    t.rows[3].median_ms = 1e-9;
    snprintf(t.rows[4].source, sizeof t.rows[4].source, "%s", "");
    assert_int_equal(t.rows[5].type, PD_LAYER_CONV);
    t.rows[5].kind = PD_KIND_CONV_DEPTHWISE;
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++) /* shape columns given, and one not */
        t.rows[5].shape[c] = c == PD_SHAPE_PAD ? NAN : 3.0 * c + 1.0 / 7.0;
    t.rows[5].features[PD_FEAT_FUSED_ACT_ELEMS] = 4096; /* a conv with its SiLU in its pass */
    t.rows[5].features[PD_FEAT_FUSED_EXP_ELEMS] = 2048;
    snprintf(t.rows[6].fused_into, sizeof t.rows[6].fused_into, "%s", "conv_7");
    t.rows[7].warm_ms = 0.1 / 3.0; /* timed warm too; the other rows not (0) */
    t.rows[7].features[PD_FEAT_RUN_BYTES] = PD_SWEEP_COLD_RUN_BYTES;
    t.rows[7].reuse_ms = 0.2 / 3.0; /* and with a buffer read between runs */
    t.rows[7].reuse_bytes = 12582912.0 + 1.0 / 3.0;
    t.rows[7].reuse_run_ms = 4.0 + 1.0 / 3.0; /* that run's time, its wait within it */
    t.rows[7].features[PD_FEAT_RUN_MS] = PD_SWEEP_COLD_RUN_MS;
    t.rows[3].features[PD_FEAT_RUN_MS] = 2.0 / 3.0; /* a network's row: its run's time */
    size_t len;
    char *csv = write_csv(&t, &len);
    assert_non_null(strstr(csv, ",30,conv/depthwise,")); /* the kind's name */
    assert_non_null(strstr(csv, ",30,conv,"));           /* the type's, for no kind */
    assert_non_null(strstr(csv, ",18.142857142857142,,24.142857142857142,")); /* stride, pad, groups */
    static const char header[] = "source,layer,type,in_elems,out_elems,in_bytes,out_bytes,"
                                 "kernel_filters,kernel_filters_channels,macs,weight_bytes,"
                                 "model_bytes,runtime_macs,transform_elems,fused_act_elems,"
                                 "run_bytes,fused_exp_elems,run_ms,median_ms,p10_ms,p90_ms,mean_ms,"
                                 "repeats,kind,channels,height,width,filters,kernel_h,"
                                 "kernel_w,stride,pad,groups,out_channels,out_height,"
                                 "out_width,fused_into,warm_ms,reuse_ms,reuse_bytes,reuse_run_ms\n";
    assert_int_equal(strncmp(csv, header, sizeof header - 1), 0);
    pd_timings back = {0};
    pd_error err;
    if (pd_timings_parse_csv(csv, len, "round.csv", &back, &err) != PD_OK)
        fail_msg("reads back as: %s", err.msg);
    same_rows(&t, &back);
    /* parsing appends */
    assert_int_equal(pd_timings_parse_csv(csv, len, "round.csv", &back, &err), PD_OK);
    assert_int_equal(back.n, 2 * t.n);
    free(csv);
    pd_timings_free(&back);
    /* text the CSV cannot hold is written as '_'; a row that would not read back stops it */
    snprintf(t.rows[0].layer, sizeof t.rows[0].layer, "a,b\"c\n");
    csv = write_csv(&t, &len);
    assert_non_null(strstr(csv, ",a_b_c_,"));
    free(csv);
    t.rows[5].median_ms = 0;
    FILE *f = fopen("/dev/null", "w");
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[5].median_ms = 1;
    t.rows[5].type = PD_LAYER_RELU; /* conv/depthwise is no kind of relu */
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[5].type = PD_LAYER_TYPE_COUNT;
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[5].type = PD_LAYER_CONV;
    t.rows[7].warm_ms = -1; /* a warm time that is no time */
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[7].warm_ms = 1;
    t.rows[7].reuse_bytes = 0; /* a time with a buffer read between runs, but of no bytes */
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[7].reuse_bytes = 1e6;
    t.rows[7].reuse_ms = 0; /* bytes without a time */
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[7].reuse_bytes = 0; /* a run's time without the time in it */
    t.rows[7].reuse_run_ms = 3;
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    t.rows[7].reuse_ms = 1;
    t.rows[7].reuse_bytes = 1e6;
    t.rows[7].reuse_run_ms = -3; /* no time */
    assert_int_equal(pd_timings_write_csv(&t, f), PD_EINPUT);
    fclose(f);
    pd_timings_free(&t);
    pd_timings_free(&t); /* twice is fine, as is NULL */
    pd_timings_free(NULL);
}

static void test_csv_accepts(void **state)
{
    (void)state;
    /* any column order, extra columns, blank lines, CRLF, spaces, a BOM, no final newline */
    pd_timings t = parse_ok("\xEF\xBB\xBF"
                            "median_ms , comment,type,macs,layer\r\n"
                            "\r\n"
                            "1.5, x ,conv, 1e6 ,c1\r\n"
                            "   \n"
                            "0.25,,relu,0,r1,extra,fields\n"
                            "2,y,fc,4096,f1");
    assert_int_equal(t.n, 3);
    assert_int_equal(t.rows[0].type, PD_LAYER_CONV);
    assert_string_equal(t.rows[0].layer, "c1");
    assert_string_equal(t.rows[0].source, "");
    assert_true(t.rows[0].median_ms == 1.5);
    assert_true(t.rows[0].features[PD_FEAT_MACS] == 1e6);
    assert_true(isnan(t.rows[0].features[PD_FEAT_IN_ELEMS]));
    assert_true(isnan(t.rows[0].p10_ms));
    assert_int_equal(t.rows[0].repeats, 0);
    assert_int_equal(t.rows[1].type, PD_LAYER_RELU);
    assert_true(t.rows[2].median_ms == 2.0);
    assert_string_equal(t.rows[2].layer, "f1");
    pd_timings_free(&t);
    /* a header alone: no rows */
    t = parse_ok("type,median_ms,in_elems\n");
    assert_int_equal(t.n, 0);
    pd_timings_free(&t);
    /* an empty feature cell is "not given", like a missing column */
    t = parse_ok("type,median_ms,in_elems,macs,repeats\nconv,1,,5,7\n");
    assert_true(isnan(t.rows[0].features[PD_FEAT_IN_ELEMS]));
    assert_int_equal(t.rows[0].repeats, 7);
    pd_timings_free(&t);
}

/* Parses csv as "bad.csv": fails with status want, a message starting
 * "bad.csv: line N: " and holding `column` (if not NULL) and `what`. */
static void bad_csv_status(const char *csv, pd_status want, int line, const char *column,
                           const char *what)
{
    pd_timings t = {0};
    pd_layer_timing keep = {.type = PD_LAYER_FC, .median_ms = 1};
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_timings_add(&t, &keep, &err), PD_OK);
    pd_status st = pd_timings_parse_csv(csv, strlen(csv), "bad.csv", &t, &err);
    if (st != want)
        fail_msg("%s\n  status %d, want %d (message: %s)", csv, (int)st, (int)want, err.msg);
    assert_int_equal(err.status, want);
    assert_int_equal(t.n, 1); /* the rows already there stay, no others */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bad.csv: line %d: ", line);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("%s\n  message does not start with <%s>: %s", csv, prefix, err.msg);
    char col[80];
    snprintf(col, sizeof col, "column \"%s\": ", column ? column : "");
    if (column && !strstr(err.msg, col))
        fail_msg("%s\n  message lacks <%s>: %s", csv, col, err.msg);
    if (!strstr(err.msg, what))
        fail_msg("%s\n  message lacks <%s>: %s", csv, what, err.msg);
    assert_null(strchr(err.msg, '\n'));
    pd_timings_free(&t);
}

static void bad_csv(const char *csv, int line, const char *column, const char *what)
{
    bad_csv_status(csv, PD_EINPUT, line, column, what);
}

#define HEAD "source,layer,type,in_elems,macs,median_ms,p10_ms,p90_ms,repeats\n"

static void test_csv_rejects(void **state)
{
    (void)state;
    /* the header */
    bad_csv("", 1, NULL, "no header");
    bad_csv("\n\n", 2, NULL, "no header");
    bad_csv("layer,in_elems,median_ms\nc,1,1\n", 1, "type", "missing from the header");
    bad_csv("\ntype,in_elems\nconv,1\n", 2, "median_ms", "missing from the header");
    bad_csv("type,median_ms,p10_ms\nconv,1,1\n", 1, NULL, "no feature column");
    bad_csv("type,median_ms,macs,type\n", 1, "type", "appears twice");
    bad_csv("type,\"median_ms\",macs\n", 1, "2", "quote");
    /* values */
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,1\ns,l,convolution,1,1,1,1,1,1\n", 3, "type",
            "unknown layer type \"convolution\"");
    bad_csv(HEAD "s,l,,1,1,1,1,1,1\n", 2, "type", "empty");
    bad_csv(HEAD "s,l,conv,nan,1,1,1,1,1\n", 2, "in_elems", "not a finite number");
    bad_csv(HEAD "s,l,conv,1,1,NaN,1,1,1\n", 2, "median_ms", "not a finite number");
    bad_csv(HEAD "s,l,conv,1,inf,1,1,1,1\n", 2, "macs", "not a finite number");
    bad_csv(HEAD "s,l,conv,1,1e999,1,1,1,1\n", 2, "macs", "not a finite number");
    bad_csv(HEAD "s,l,conv,1,1,-2,1,1,1\n", 2, "median_ms", "-2 must be > 0");
    bad_csv(HEAD "s,l,conv,1,1,0,1,1,1\n", 2, "median_ms", "must be > 0");
    bad_csv(HEAD "s,l,conv,1,1,1,-1,1,1\n", 2, "p10_ms", "must be > 0");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1e10,1\n", 2, "p90_ms", "outside");
    bad_csv(HEAD "s,l,conv,-1,1,1,1,1,1\n", 2, "in_elems", "-1 must be >= 0");
    bad_csv(HEAD "s,l,conv,1,2e15,1,1,1,1\n", 2, "macs", "beyond");
    bad_csv(HEAD "s,l,conv,12abc,1,1,1,1,1\n", 2, "in_elems", "\"12abc\" is not a finite number");
    bad_csv(HEAD "s,l,conv,1,1,fast,1,1,1\n", 2, "median_ms", "\"fast\" is not");
    bad_csv(HEAD "s,l,conv,1,1,,1,1,1\n", 2, "median_ms", "empty");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,2.5\n", 2, "repeats", "whole number");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,0\n", 2, "repeats", "whole number");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,-3\n", 2, "repeats", "whole number");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,99999999999999999999999\n", 2, "repeats", "whole number");
    bad_csv("type,macs,median_ms,warm_ms\nconv,1,1,0\n", 2, "warm_ms", "0 must be > 0");
    bad_csv("type,macs,median_ms,warm_ms\nconv,1,1,-0.5\n", 2, "warm_ms", "must be > 0");
    bad_csv("type,macs,median_ms,warm_ms\nconv,1,1,inf\n", 2, "warm_ms", "not a finite number");
    bad_csv("type,macs,median_ms,warm_ms\nconv,1,1,2e9\n", 2, "warm_ms", "outside");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes\nconv,1,1,-1,100\n", 2, "reuse_ms",
            "must be > 0");
    bad_csv("type,macs,median_ms,reuse_ms\nconv,1,1,0.5\n", 2, "reuse_bytes",
            "must be given with reuse_ms");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes\nconv,1,1,,100\n", 2, "reuse_bytes",
            "given without reuse_ms");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes\nconv,1,1,0.5,-3\n", 2, "reuse_bytes",
            "(0, 1e15]");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes\nconv,1,1,0.5,2e15\n", 2, "reuse_bytes",
            "(0, 1e15]");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes,reuse_run_ms\nconv,1,1,,,2\n", 2,
            "reuse_run_ms", "given without reuse_ms");
    bad_csv("type,macs,median_ms,reuse_ms,reuse_bytes,reuse_run_ms\nconv,1,1,0.5,100,0\n", 2,
            "reuse_run_ms", "must be > 0");
    bad_csv("type,macs,median_ms,run_ms\nconv,1,1,-2\n", 2, "run_ms", "must be >= 0");
    /* quotes, anywhere, and text the record cannot hold */
    bad_csv(HEAD "s,\"conv1\",conv,1,1,1,1,1,1\n", 2, "layer", "quote");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,1,\"x,y\"\n", 2, "10", "quote");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,1\nmodel \"a\",l,conv,1,1,1,1,1,1\n", 3, "source",
            "quoted fields are not supported");
    char long_name[PD_TIMING_LAYER_BYTES + 256];
    snprintf(long_name, sizeof long_name, HEAD "s,%0*d,conv,1,1,1,1,1,1\n",
             PD_TIMING_LAYER_BYTES, 0); /* a name of 256 digits */
    bad_csv(long_name, 2, "layer", "longer than 255 bytes");
    snprintf(long_name, sizeof long_name, HEAD "s,%0*d,conv,1,1,1,1,1,1\n",
             PD_TIMING_LAYER_BYTES - 1, 0); /* 255 digits: kept whole */
    pd_timings kept = {0};
    pd_error kept_err;
    assert_int_equal(pd_timings_parse_csv(long_name, strlen(long_name), "long.csv", &kept,
                                          &kept_err),
                     PD_OK);
    assert_int_equal(kept.n, 1);
    assert_int_equal(strlen(kept.rows[0].layer), PD_TIMING_LAYER_BYTES - 1);
    size_t text_len;
    char *text = write_csv(&kept, &text_len); /* and written whole, so that it reads back */
    pd_timings back = {0};
    assert_int_equal(pd_timings_parse_csv(text, text_len, "back.csv", &back, &kept_err), PD_OK);
    assert_int_equal(back.n, 1);
    assert_string_equal(back.rows[0].layer, kept.rows[0].layer);
    free(text);
    pd_timings_free(&back);
    pd_timings_free(&kept);
    bad_csv(HEAD "s\x01,l,conv,1,1,1,1,1,1\n", 2, "source", "control character 0x01");
    bad_csv(HEAD "s,l\rx,conv,1,1,1,1,1,1\n", 2, "layer", "control character 0x0d");
    /* the shape of a row: too few fields is an error, naming the first missing column */
    bad_csv(HEAD "s,l,conv,1,1,1,1,1,1\ns,l,conv,1,1,1\n", 3, "p10_ms",
            "the line has 6 fields, the header 9");
    bad_csv(HEAD "s,l,conv,1,1,1,1,1\n", 2, "repeats", "missing");
    /* NUL bytes */
    static const char nul[] = HEAD "s,l,conv,1\0,1,1,1,1,1\n";
    pd_timings t = {0};
    pd_error err;
    assert_int_equal(pd_timings_parse_csv(nul, sizeof nul - 1, "bad.csv", &t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "bad.csv: line 2: column \"in_elems\": holds a NUL byte"));
    /* the line bound: 1 MiB */
    size_t big = ((size_t)1 << 20) + 10;
    char *csv = malloc(big + 200);
    assert_non_null(csv);
    size_t n = (size_t)sprintf(csv, HEAD "s,l,conv,1,1,1,1,1,1,");
    memset(csv + n, 'x', big);
    strcpy(csv + n + big, "\n");
    bad_csv_status(csv, PD_ELIMIT, 2, NULL, "longer than the limit of 1 MiB");
    free(csv);
    pd_timings_free(&t);
}

static void test_csv_file(void **state)
{
    (void)state;
    pd_timings t = {0};
    pd_error err;
    const char *path = PD_SOURCE_DIR "/tests/fixtures/fit/small.csv";
    if (pd_timings_read_csv(path, &t, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(t.n, 25);
    assert_string_equal(t.rows[0].source, "fixture");
    assert_string_equal(t.rows[0].layer, "conv0");
    assert_true(isnan(t.rows[0].features[PD_FEAT_IN_BYTES])); /* not a column there */
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_profile *p = fit_ok(&t, PD_FEATURES_PAPER, 5, q);
    static const truth conv = {0.5, {[PD_FEAT_IN_ELEMS] = 1e-5, [PD_FEAT_KERNEL_FILTERS] = 2e-3}};
    static const truth relu = {0.05, {[PD_FEAT_IN_ELEMS] = 2e-6}};
    static const truth fc = {0.1, {[PD_FEAT_IN_ELEMS] = 1e-5, [PD_FEAT_OUT_ELEMS] = 2e-4}};
    static const truth pool = {0.02, {[PD_FEAT_IN_ELEMS] = 3e-6, [PD_FEAT_OUT_ELEMS] = 1e-6}};
    expect_model(p, PD_LAYER_CONV, &conv, 1e-8);
    expect_model(p, PD_LAYER_RELU, &relu, 1e-8);
    expect_model(p, PD_LAYER_FC, &fc, 1e-8);
    expect_model(p, PD_LAYER_POOL, &pool, 1e-8);
    assert_int_equal(q[PD_LAYER_CONV].samples, 8);
    assert_int_equal(q[PD_LAYER_RELU].samples, 5);
    assert_true(isnan(q[PD_LAYER_RELU].cv_mape) == 0);
    assert_int_equal(q[PD_LAYER_LRN].samples, 0);
    assert_false(p->layer[PD_LAYER_LRN].present);
    pd_profile_free(p);
    pd_timings_free(&t);
    /* errors name the path */
    assert_int_equal(pd_timings_read_csv("/nonexistent/x.csv", &t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv"));
}

/* The kind column: a kind's name, the type's own name or nothing (no kind of its own), no
 * column at all (a file of the first format); an unknown kind, or one of another type, is
 * an error naming the column. */
static void test_csv_kinds(void **state)
{
    (void)state;
    pd_timings t = parse_ok("type,median_ms,macs,kind\n"
                            "conv,1,5,conv/depthwise\n"
                            "conv,1,5,conv\n"
                            "conv,1,5,\n"
                            "conv,1,5,conv/pointwise\n"
                            "relu,1,5,relu\n"
                            "conv,1,5,conv/grouped\n");
    assert_int_equal(t.n, 6);
    static const pd_layer_kind want[] = {PD_KIND_CONV_DEPTHWISE, PD_KIND_NONE, PD_KIND_NONE,
                                         PD_KIND_CONV_POINTWISE, PD_KIND_NONE, PD_KIND_CONV_GROUPED};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(t.rows[i].kind, want[i]);
    pd_timings_free(&t);
    t = parse_ok("type,median_ms,macs\nconv,1,5\n");
    assert_int_equal(t.rows[0].kind, PD_KIND_NONE);
    pd_timings_free(&t);
    bad_csv("type,median_ms,macs,kind\nconv,1,5,conv/dephtwise\n", 2, "kind",
            "unknown kind \"conv/dephtwise\" (known: conv/depthwise, conv/grouped, "
            "conv/pointwise");
    bad_csv("type,median_ms,macs,kind\nrelu,1,5,conv/depthwise\n", 2, "kind",
            "\"conv/depthwise\" is not a kind of type \"relu\"");
    bad_csv("type,median_ms,macs,kind\nconv,1,5,relu\n", 2, "kind", "unknown kind \"relu\"");
}

/* Depthwise rows 20 times slower per multiply-accumulate than the rest: the fit gives
 * conv/depthwise a model of its own (cross-validation shows one model cannot serve both),
 * which the cost model then takes for them; with no_kinds, or rows without kinds, one conv
 * model serves all, as before. */
static void test_fit_kinds(void **state)
{
    (void)state;
    pd_timings t = {0};
    synth(&t, 1, 0.02, 31);
    size_t n_dense = 0;
    for (size_t i = 0; i < t.n; i++)
        n_dense += t.rows[i].type == PD_LAYER_CONV;
    static const truth dw = {0.02, {[PD_FEAT_MACS] = 4e-6}};
    pd_rng rng;
    pd_rng_seed(&rng, 5);
    static const int cs[] = {32, 64, 144, 240, 576}, hws[] = {7, 14, 28, 56};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 4; b++)
            for (int k = 3; k <= 5; k += 2) {
                double c = cs[a], hw = hws[b], in = c * hw * hw;
                pd_layer_timing r = row_of(PD_LAYER_CONV, in, in, k * k * c, k * k * c * c,
                                           in * k * k);
                r.kind = PD_KIND_CONV_DEPTHWISE;
                add(&t, r, &dw, 0.02, &rng);
            }
    size_t n_dw = 0;
    for (size_t i = 0; i < t.n; i++)
        n_dw += t.rows[i].kind == PD_KIND_CONV_DEPTHWISE;
    assert_int_equal(n_dw, 40);
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    pd_profile *p = fit_ok(&t, PD_FEATURES_AUTO, 5, q);
    const size_t dwq = PD_LAYER_TYPE_COUNT + PD_KIND_CONV_DEPTHWISE;
    assert_true(p->kind[PD_KIND_CONV_DEPTHWISE].present);
    assert_false(p->kind[PD_KIND_CONV_POINTWISE].present); /* no rows of it */
    assert_int_equal(q[dwq].samples, n_dw);
    assert_int_equal(q[dwq].kind, PD_KIND_CONV_DEPTHWISE);
    assert_int_equal(q[dwq].type, PD_LAYER_CONV);
    assert_int_equal(q[PD_LAYER_CONV].samples, n_dense);
    assert_true(q[dwq].cv_mape < 3.0 && q[PD_LAYER_CONV].cv_mape < 3.0);
    const pd_layer_timing *last = &t.rows[t.n - 1];
    const pd_linear_model *m = pd_profile_model_for(p, PD_LAYER_CONV, PD_KIND_CONV_DEPTHWISE);
    assert_ptr_equal(m, &p->kind[PD_KIND_CONV_DEPTHWISE]);
    NEAR_REL(pd_linear_predict(m, last->features), true_ms(&dw, last), 0.05);
    /* a plain conv, and a pointwise one (no model of its own), take conv's model */
    assert_ptr_equal(pd_profile_model_for(p, PD_LAYER_CONV, PD_KIND_NONE), &p->layer[PD_LAYER_CONV]);
    assert_ptr_equal(pd_profile_model_for(p, PD_LAYER_CONV, PD_KIND_CONV_POINTWISE),
                     &p->layer[PD_LAYER_CONV]);
    /* the held-out report puts the depthwise rows under their kind */
    pd_fit_quality e[PD_FIT_QUALITY_ROWS];
    pd_error err;
    assert_int_equal(pd_profile_evaluate(p, &t, e, &err), PD_OK);
    assert_int_equal(e[dwq].samples, n_dw);
    assert_int_equal(e[PD_LAYER_CONV].samples, n_dense);
    assert_true(e[dwq].mape < 3.0);
    /* the profile JSON holds the kind's model */
    size_t len;
    char *json = write_json(p, &len);
    assert_non_null(strstr(json, "\"conv/depthwise\": {"));
    pd_profile *back = NULL;
    if (pd_profile_from_json(json, len, "kinds.json", &back, &err) != PD_OK)
        fail_msg("%s\n  reads back as: %s", json, err.msg);
    for (int k = 0; k < PD_LAYER_KIND_COUNT; k++)
        same_model(&p->kind[k], &back->kind[k]);
    pd_profile_free(back);
    free(json);
    /* one model for every conv: as a fit without kinds */
    pd_fit_options o;
    pd_fit_options_init(&o);
    o.features = PD_FEATURES_AUTO;
    o.no_kinds = true;
    pd_profile *one = NULL;
    assert_int_equal(pd_fit_profile(&t, &o, "one", &one, q, &err), PD_OK);
    assert_false(one->kind[PD_KIND_CONV_DEPTHWISE].present);
    assert_int_equal(q[PD_LAYER_CONV].samples, n_dense + n_dw);
    assert_int_equal(q[dwq].samples, 0);
    assert_true(q[PD_LAYER_CONV].cv_mape > 20.0); /* what the split was for */
    assert_int_equal(pd_profile_evaluate(one, &t, e, &err), PD_OK);
    assert_int_equal(e[dwq].samples, n_dw); /* still reported apart, by conv's model */
    pd_profile_free(one);
    pd_profile_free(p);
    pd_timings_free(&t);
}

/* --hold-out's split: the listed sources' rows move to held, both keep their order. */
static void test_timings_hold_out(void **state)
{
    (void)state;
    static const char *const sources[] = {"a", "b", "c", "b", "a", "ab"};
    pd_timings t = {0}, held = {0};
    for (size_t i = 0; i < 6; i++) {
        pd_layer_timing row = {0};
        snprintf(row.source, sizeof row.source, "%s", sources[i]);
        row.median_ms = (double)i;
        assert_int_equal(pd_timings_add(&t, &row, NULL), PD_OK);
    }
    assert_int_equal(pd_timings_hold_out(&t, "c,a", "x.csv", &held, NULL), PD_OK);
    assert_int_equal(t.n, 3); /* b, b, ab: "ab" is not "a" */
    assert_true(t.rows[0].median_ms == 1 && t.rows[1].median_ms == 3 && t.rows[2].median_ms == 5);
    assert_int_equal(held.n, 3); /* a, c, a */
    assert_true(held.rows[0].median_ms == 0 && held.rows[1].median_ms == 2 &&
                held.rows[2].median_ms == 4);
    pd_timings_free(&held);
    memset(&held, 0, sizeof held);
    pd_error err;
    assert_int_equal(pd_timings_hold_out(&t, "b,zz", "x.csv", &held, &err), PD_EINPUT);
    assert_string_equal(err.msg, "x.csv has no timings from \"zz\"");
    pd_timings_free(&held);
    pd_timings_free(&t);
}

/* Every row of t cross-validated (pd_fit_cv_predict) by a fit on macs in 5 folds; the caller
 * frees the predictions. */
static double *cv_by_macs(const pd_timings *t)
{
    pd_fit_options o;
    pd_fit_options_init(&o);
    o.features = PD_FEATURES_MACS;
    o.folds = 5;
    double *cv = malloc(t->n * sizeof *cv);
    assert_non_null(cv);
    pd_error err;
    assert_int_equal(pd_fit_cv_predict(t, &o, cv, &err), PD_OK);
    return cv;
}

/* The adaptive sweep's per-row CV (pd_fit_cv_predict) keeps a model's rows in one fold: a
 * network's ten copies of one block, timed three times slower than the grid's exact law at
 * their shape, are each predicted by a fit that saw none of them, the law itself. (Dealt
 * one by one, each fold's fit trained on the other copies and predicted above it.) */
static void test_cv_rows_keep_models_together(void **state)
{
    (void)state;
    pd_timings all = {0}, t = {0};
    synth(&all, 1, 0.0, 3);
    pd_error err;
    for (size_t i = 0; i < all.n; i++)
        if (all.rows[i].type == PD_LAYER_CONV) {
            pd_layer_timing r = all.rows[i];
            snprintf(r.source, sizeof r.source, "sweep");
            assert_int_equal(pd_timings_add(&t, &r, &err), PD_OK);
        }
    const size_t grid = t.n, copies = 10;
    for (size_t k = 0; k < copies; k++) {
        pd_layer_timing r = t.rows[7];
        snprintf(r.source, sizeof r.source, "net-0");
        snprintf(r.layer, sizeof r.layer, "block%zu", k);
        r.median_ms *= 3.0;
        assert_int_equal(pd_timings_add(&t, &r, &err), PD_OK);
    }
    double *cv = cv_by_macs(&t);
    const double law = true_ms(&conv_macs, &t.rows[7]);
    for (size_t k = grid; k < t.n; k++)
        NEAR_REL(cv[k], law, 1e-9);
    free(cv);
    pd_timings_free(&t);
    pd_timings_free(&all);
}

/* Timings brought from elsewhere (one source, no run_ms) cross-validated row by row: each
 * layer is a point of its own, so every row is predicted by a fit on the others (one group,
 * they would all fall in one fold, with nothing to train on), and on an exact law exactly. */
static void test_cv_rows_deal_imported(void **state)
{
    (void)state;
    pd_timings all = {0}, t = {0};
    synth(&all, 1, 0.0, 3);
    double *want = malloc(all.n * sizeof *want);
    assert_non_null(want);
    pd_error err;
    for (size_t i = 0; i < all.n; i++)
        if (all.rows[i].type == PD_LAYER_CONV) {
            pd_layer_timing r = all.rows[i];
            want[t.n] = true_ms(&conv_macs, &r); /* before run_ms is NaN, which it reads */
            snprintf(r.source, sizeof r.source, "cloud_conv_lat");
            r.features[PD_FEAT_RUN_MS] = NAN;
            assert_int_equal(pd_timings_add(&t, &r, &err), PD_OK);
        }
    assert_true(t.n >= 20);
    double *cv = cv_by_macs(&t);
    for (size_t k = 0; k < t.n; k++)
        NEAR_REL(cv[k], want[k], 1e-9);
    free(cv);
    free(want);
    pd_timings_free(&t);
    pd_timings_free(&all);
}

/* The folds: the sweep's grid points dealt one by one, a model's rows together (a network
 * repeats its blocks: a fold holding one copy while training on another scores settings on
 * layers they have seen). 40 grid points and three models of 12 rows in 5 folds: each model
 * in at most two adjacent folds, the grid in all five; the same every call. */
static void test_folds_keep_models_together(void **state)
{
    (void)state;
    enum { GRID = 40, MODELS = 3, EACH = 12, N = GRID + MODELS * EACH, FOLDS = 5 };
    pd_layer_timing *rows = calloc(N, sizeof *rows);
    assert_non_null(rows);
    size_t idx[N], perm[N], again[N];
    for (size_t i = 0; i < N; i++) {
        idx[i] = i;
        if (i < GRID)
            snprintf(rows[i].source, sizeof rows[i].source, "sweep");
        else /* interleaved, as rounds and types would leave them */
            snprintf(rows[i].source, sizeof rows[i].source, "net-%zu", (i - GRID) % MODELS);
    }
    pd_fit_options o;
    pd_fit_options_init(&o);
    pd_error err;
    assert_int_equal(pd_fit_shuffle(rows, idx, N, &o, PD_LAYER_CONV, PD_KIND_NONE, perm, &err),
                     PD_OK);
    assert_int_equal(pd_fit_shuffle(rows, idx, N, &o, PD_LAYER_CONV, PD_KIND_NONE, again, &err),
                     PD_OK);
    assert_memory_equal(perm, again, sizeof perm);
    size_t lo[MODELS], hi[MODELS];
    bool grid_in[FOLDS] = {false};
    for (size_t m = 0; m < MODELS; m++)
        lo[m] = FOLDS, hi[m] = 0;
    for (size_t p = 0; p < N; p++) {
        size_t fold = p * FOLDS / N, i = perm[p];
        if (i < GRID) {
            grid_in[fold] = true;
            continue;
        }
        size_t m = (i - GRID) % MODELS;
        lo[m] = fold < lo[m] ? fold : lo[m];
        hi[m] = fold > hi[m] ? fold : hi[m];
    }
    for (size_t m = 0; m < MODELS; m++)
        assert_true(hi[m] - lo[m] <= 1);
    for (size_t f = 0; f < FOLDS; f++)
        assert_true(grid_in[f]);
    free(rows);
}

/* Timings brought from elsewhere (no run_ms): one file's rows, sorted by shape as such files
 * are, each shape timed twice. They fall by their shape, not as one model: every fold holds
 * shapes from all over the file (the source's order would give each fold a fifth of the
 * range, and the CV would score extrapolation), and a shape's two timings share a fold (or
 * two adjacent, at a fold's edge). */
static void test_folds_deal_imported_shapes(void **state)
{
    (void)state;
    enum { SHAPES = 50, N = 2 * SHAPES, FOLDS = 5 };
    pd_layer_timing *rows = calloc(N, sizeof *rows);
    assert_non_null(rows);
    size_t idx[N], perm[N];
    for (size_t i = 0; i < N; i++) {
        idx[i] = i;
        snprintf(rows[i].source, sizeof rows[i].source, "cloud_conv_lat");
        for (int f = 0; f < PD_FEATURE_COUNT; f++)
            rows[i].features[f] = NAN;
        for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
            rows[i].shape[c] = 1.0;
        rows[i].shape[PD_SHAPE_HEIGHT] = rows[i].shape[PD_SHAPE_WIDTH] = (double)(i / 2 + 1);
    }
    pd_fit_options o;
    pd_fit_options_init(&o);
    pd_error err;
    assert_int_equal(pd_fit_shuffle(rows, idx, N, &o, PD_LAYER_CONV, PD_KIND_NONE, perm, &err),
                     PD_OK);
    size_t first[FOLDS], last[FOLDS], fold_of[N];
    for (size_t f = 0; f < FOLDS; f++)
        first[f] = N, last[f] = 0;
    for (size_t p = 0; p < N; p++) {
        size_t f = p * FOLDS / N, i = perm[p];
        fold_of[i] = f;
        first[f] = i < first[f] ? i : first[f];
        last[f] = i > last[f] ? i : last[f];
    }
    for (size_t f = 0; f < FOLDS; f++)
        assert_true(last[f] - first[f] >= N / 2);
    for (size_t s = 0; s < SHAPES; s++) {
        size_t a = fold_of[2 * s], b = fold_of[2 * s + 1];
        assert_true((a > b ? a - b : b - a) <= 1);
    }
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_timings_hold_out),
        cmocka_unit_test(test_recover_exact),
        cmocka_unit_test(test_recover_noisy),
        cmocka_unit_test(test_relative_error_minimised),
        cmocka_unit_test(test_macs_choice),
        cmocka_unit_test(test_auto_picks_truth),
        cmocka_unit_test(test_cv_needs_folds),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_fit_errors),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_special),
        cmocka_unit_test(test_use_mean),
        cmocka_unit_test(test_merge_rounds),
        cmocka_unit_test(test_drop_below),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_csv_accepts),
        cmocka_unit_test(test_csv_rejects),
        cmocka_unit_test(test_csv_file),
        cmocka_unit_test(test_csv_kinds),
        cmocka_unit_test(test_fit_kinds),
        cmocka_unit_test(test_folds_keep_models_together),
        cmocka_unit_test(test_folds_deal_imported_shapes),
        cmocka_unit_test(test_cv_rows_keep_models_together),
        cmocka_unit_test(test_cv_rows_deal_imported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
