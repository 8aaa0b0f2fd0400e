/* The adaptive sweep (issue 16 point 3) with a fake timer, so nothing is timed for real: on
 * a known law with a region the coarse grid barely touches, the points the loop adds land
 * in that region and the cross-validated error falls (linear and boosted fits); the same
 * points every run of one seed; the budget, on a fake clock, stops it; every neighbour is a
 * valid single-layer model of its point's kind; bad options are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/adaptive_moves.h"
#include "predoff/adaptive.h"
#include "predoff/graph.h"
#include "predoff/measure.h"

/* The fake timer: a row for the timed layer, its time a law of its shape; the fake clock
 * one second a point. */
typedef struct fake {
    double (*law)(const pd_layer *l);
    double clock_s;
    size_t timed;
} fake;

static pd_status fake_time(void *vctx, const pd_graph *g, size_t index, pd_timings *out,
                           pd_error *err)
{
    fake *f = vctx;
    size_t i = g->n_layers - 1;
    const pd_layer *l = &g->layers[i];
    pd_layer_timing r = {.type = l->type, .kind = pd_layer_kind_of(l), .repeats = 10,
                         .p10_ms = NAN, .p90_ms = NAN, .mean_ms = NAN};
    snprintf(r.source, sizeof r.source, "%s", g->name);
    snprintf(r.layer, sizeof r.layer, "%s-%zu", pd_layer_type_name(l->type), index);
    for (int k = 0; k < PD_FEATURE_COUNT; k++)
        r.features[k] = pd_graph_feature(g, i, (pd_feature)k);
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        r.shape[c] = pd_layer_shape_column(l, (pd_shape_column)c);
    r.median_ms = f->law(l);
    f->timed++;
    f->clock_s += 1.0;
    return pd_timings_add(out, &r, err);
}

static double fake_now(void *ctx)
{
    return ((const fake *)ctx)->clock_s;
}

/* A depthwise convolution costs 20 times a dense one per multiply-accumulate (it reads each
 * input for a few taps: memory bound), plus 1 us. */
static double depthwise_law(const pd_layer *l)
{
    double per = pd_layer_kind_of(l) == PD_KIND_CONV_DEPTHWISE ? 2e-6 : 1e-7;
    return per * pd_layer_macs(l) + 0.001;
}

/* Maps of side 40 or more cost 3 times as much a multiply-accumulate (they leave the cache). */
static double big_map_law(const pd_layer *l)
{
    return (l->in.h >= 40 ? 3e-7 : 1e-7) * pd_layer_macs(l);
}

static pd_graph *conv(int c, int hw, int f, int k, int s, int groups)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\": \"sweep\", \"input\": [%d, %d, %d], \"layers\": [{\"name\": \"l\", "
             "\"type\": \"conv\", \"filters\": %d, \"kernel\": %d, \"stride\": %d, \"pad\": %d, "
             "\"groups\": %d, \"exit\": true}]}",
             c, hw, hw, f, k, s, k / 2, groups);
    pd_graph *g = NULL;
    pd_error err;
    assert_int_equal(pd_graph_from_json(json, strlen(json), "test", &g, &err), PD_OK);
    return g;
}

/* Dense convolutions over a grid (side 7 to 28, and `big` of side 56), and `dw` depthwise. */
typedef struct coarse {
    pd_graph *g[64];
    size_t n;
} coarse;

static void make_coarse(coarse *c, int dw, int big)
{
    static const int cs[] = {16, 32, 64}, hws[] = {7, 14, 28}, fs[] = {16, 64};
    c->n = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            for (int f = 0; f < 2; f++)
                for (int k = 1; k <= 3; k += 2)
                    c->g[c->n++] = conv(cs[a], hws[b], fs[f], k, 1, 1);
    for (int i = 0; i < dw; i++)
        c->g[c->n++] = conv(32 << i, 14, 32 << i, 3, 1, 32 << i);
    for (int i = 0; i < big; i++)
        c->g[c->n++] = conv(16 << i, 56, 32, 3, 1, 1);
}

static void free_coarse(coarse *c)
{
    for (size_t i = 0; i < c->n; i++)
        pd_graph_free(c->g[i]);
}

static void options(pd_adaptive_options *o, const coarse *c, fake *f)
{
    pd_adaptive_options_init(o);
    o->fit.features = PD_FEATURES_MACS;
    o->coarse = (const pd_graph *const *)c->g;
    o->n_coarse = c->n;
    o->time_point = fake_time;
    o->time_ctx = f;
    o->now_s = fake_now;
    o->now_ctx = f;
}

/* The CV MAPE over every conv row, whichever entry (type or kind) costs it. */
static double conv_cv(const pd_fit_quality *q)
{
    double sum = 0, n = 0;
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++)
        if (q[k].type == PD_LAYER_CONV && q[k].samples) {
            sum += q[k].mape * (double)q[k].samples;
            n += (double)q[k].samples;
        }
    return sum / n;
}

/* Every row a distinct shape: no point timed twice. */
static void assert_distinct(const pd_timings *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < i; j++)
            assert_false(memcmp(t->rows[i].shape, t->rows[j].shape, sizeof t->rows[i].shape) == 0);
}

/* The coarse grid has 3 depthwise convolutions, too few for a model of their own: the dense
 * model mispredicts them, the loop samples around them, and once the kind has enough rows
 * the fit splits it off and the error falls. */
static void test_points_land_where_the_error_is(void **state)
{
    (void)state;
    coarse c;
    make_coarse(&c, 3, 0);
    fake f = {depthwise_law, 0, 0};
    pd_adaptive_options o;
    options(&o, &c, &f);
    o.max_points = 8;
    o.batch = 8;
    pd_timings t = {0};
    pd_adaptive_result res;
    pd_error err;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_OK);
    assert_int_equal(res.coarse, c.n);
    assert_int_equal(res.added, 8);
    assert_int_equal(res.rounds, 1);
    assert_false(res.budget_spent);
    assert_int_equal(t.n, c.n + 8);
    size_t dw = 0;
    for (size_t i = c.n; i < t.n; i++) {
        assert_string_equal(t.rows[i].source, "sweep");
        assert_int_equal(t.rows[i].type, PD_LAYER_CONV);
        dw += t.rows[i].kind == PD_KIND_CONV_DEPTHWISE;
    }
    assert_true(dw >= 6); /* next to the 3 worst rows (3 of the coarse 39 are depthwise) */
    assert_distinct(&t);
    const size_t k_dw = PD_LAYER_TYPE_COUNT + PD_KIND_CONV_DEPTHWISE;
    assert_int_equal(res.before[k_dw].samples, 3);
    assert_true(res.before[k_dw].mape > 50.0); /* costed by the dense convolutions' model */
    assert_int_equal(res.after[k_dw].samples, 3 + dw);
    assert_true(res.after[k_dw].mape < 1.0); /* a model of its own */
    double before = conv_cv(res.before), after = conv_cv(res.after);
    assert_true(before > 5.0);
    assert_true(after < before / 10.0);
    pd_timings_free(&t);
    free_coarse(&c);
}

/* Boosted trees through the same loop: one map of side 56 in the coarse grid, the region of
 * side >= 40 three times slower a MAC; the points go there and the CV error falls. */
static void test_boosted_finds_the_region(void **state)
{
    (void)state;
    coarse c;
    make_coarse(&c, 0, 2);
    fake f = {big_map_law, 0, 0};
    pd_adaptive_options o;
    options(&o, &c, &f);
    o.fit.model = PD_MODEL_BOOSTED;
    o.fit.no_kinds = true;
    o.max_points = 16;
    o.batch = 8;
    pd_timings t = {0};
    pd_adaptive_result res;
    pd_error err;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_OK);
    assert_int_equal(res.added, 16);
    size_t big = 0;
    for (size_t i = c.n; i < t.n; i++)
        big += t.rows[i].shape[PD_SHAPE_HEIGHT] >= 40;
    print_message("boosted: %zu of 16 added points in the region\n", big);
    /* the coarse grid has 2 of 38 there (uniform picks would put one of 16 there); trees that
     * correct a linear base err less at the region's edge, so fewer of their neighbours are
     * needed than when they learned a rate alone (7 here, then 10) */
    assert_true(big >= 6);
    assert_distinct(&t);
    assert_true(res.after[PD_LAYER_CONV].mape < res.before[PD_LAYER_CONV].mape);
    pd_timings_free(&t);
    free_coarse(&c);
}

static void run(uint64_t seed, pd_timings *t)
{
    coarse c;
    make_coarse(&c, 3, 1);
    fake f = {depthwise_law, 0, 0};
    pd_adaptive_options o;
    options(&o, &c, &f);
    o.seed = seed;
    o.max_points = 20;
    pd_adaptive_result res;
    pd_error err;
    assert_int_equal(pd_adaptive_sweep(&o, t, &res, &err), PD_OK);
    assert_int_equal(res.added, 20);
    free_coarse(&c);
}

/* One seed, the same points in the same order; another seed, others. */
static void test_deterministic(void **state)
{
    (void)state;
    pd_timings a = {0}, b = {0}, d = {0};
    run(5, &a);
    run(5, &b);
    run(6, &d);
    assert_int_equal(a.n, b.n);
    int differ = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_memory_equal(a.rows[i].shape, b.rows[i].shape, sizeof a.rows[i].shape);
        assert_string_equal(a.rows[i].layer, b.rows[i].layer);
        differ |= memcmp(a.rows[i].shape, d.rows[i].shape, sizeof a.rows[i].shape) != 0;
    }
    assert_true(differ);
    pd_timings_free(&a);
    pd_timings_free(&b);
    pd_timings_free(&d);
}

/* On the fake clock (1 s a point, the fits free): 40 s of budget after 39 s of coarse grid
 * leave room for 1 point; 50 s, for 11 (a round of 8, then 3); the coarse grid is timed
 * whole even past the budget. */
static void test_budget(void **state)
{
    (void)state;
    static const struct {
        double budget;
        size_t added;
    } cases[] = {{39.5, 0}, {40.0, 1}, {50.0, 11}, {10.0, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        coarse c;
        make_coarse(&c, 3, 0);
        fake f = {depthwise_law, 0, 0};
        pd_adaptive_options o;
        options(&o, &c, &f);
        o.budget_s = cases[k].budget;
        o.batch = 8;
        pd_timings t = {0};
        pd_adaptive_result res;
        pd_error err;
        assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_OK);
        assert_int_equal(res.coarse, 39);
        assert_int_equal(res.added, cases[k].added);
        assert_true(res.budget_spent);
        assert_true(f.clock_s <= (cases[k].budget > 39 ? cases[k].budget : 39));
        pd_timings_free(&t);
        free_coarse(&c);
    }
}

/* Every neighbour of points of every kind: a valid single-layer model (it parses back from
 * its JSON), of the point's type and kind, inside the ranges; some moves apply to each. */
static void test_neighbours(void **state)
{
    (void)state;
    pd_graph *pts[] = {conv(32, 14, 64, 3, 1, 1),  conv(64, 28, 128, 1, 1, 1),
                       conv(96, 14, 96, 3, 2, 96), conv(64, 14, 64, 3, 1, 4),
                       conv(2048, 7, 256, 1, 1, 1), conv(256, 28, 128, 3, 1, 1),
                       conv(64, 14, 32, 3, 1, 32)}; /* halved, the last would be depthwise */
    for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) {
        const pd_layer *l = &pts[p]->layers[0];
        size_t valid = 0;
        for (int m = 0; m < PD_SWEEP_MOVES; m++) {
            pd_graph *n = NULL;
            pd_error err;
            assert_int_equal(pd_sweep_neighbour(pts[p], m, &n, &err), PD_OK);
            if (!n)
                continue;
            valid++;
            char *json = NULL;
            pd_graph *back = NULL;
            assert_int_equal(pd_graph_to_json(n, &json, &err), PD_OK);
            assert_int_equal(pd_graph_from_json(json, strlen(json), "n", &back, &err), PD_OK);
            const pd_layer *nl = &back->layers[0];
            assert_int_equal(back->n_layers, 1);
            assert_int_equal(nl->type, l->type);
            assert_int_equal(pd_layer_kind_of(nl), pd_layer_kind_of(l));
            assert_true(nl->in.c <= 2048 && nl->in.c * nl->in.h <= 16384);
            assert_true(pd_layer_macs(nl) <= 4e8);
            assert_false(strcmp(json, "") == 0);
            free(json);
            pd_graph_free(back);
            pd_graph_free(n);
        }
        assert_true(valid >= 3);
        pd_graph_free(pts[p]);
    }
}

/* The default coarse grid: a quarter of the sweep grid (every 4th point of each type's and
 * kind's part), each point timed once. */
static void test_default_coarse_grid(void **state)
{
    (void)state;
    fake f = {depthwise_law, 0, 0};
    pd_adaptive_options o;
    pd_adaptive_options_init(&o);
    o.time_point = fake_time;
    o.time_ctx = &f;
    o.now_s = fake_now;
    o.now_ctx = &f;
    o.max_points = 1;
    pd_timings t = {0};
    pd_adaptive_result res;
    pd_error err;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_OK);
    size_t grid = pd_profile_sweep_size() - PD_SWEEP_NETS; /* the grid's points */
    assert_true(res.coarse >= grid / 4 && res.coarse <= grid / 4 + 4 * PD_FIT_QUALITY_ROWS);
    assert_int_equal(t.n, res.coarse + 1);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++) /* every swept type is in it */
        assert_true(pd_layer_type_sweep((pd_layer_type)k, NULL, NULL) == 0 ||
                    res.before[k].samples > 0);
    pd_timings_free(&t);
}

static void test_bad_options(void **state)
{
    (void)state;
    coarse c;
    make_coarse(&c, 0, 0);
    fake f = {depthwise_law, 0, 0};
    pd_adaptive_options o;
    options(&o, &c, &f);
    pd_timings t = {0};
    pd_adaptive_result res;
    pd_error err;
    o.budget_s = 0;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_EINPUT);
    o.budget_s = NAN;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_EINPUT);
    options(&o, &c, &f);
    o.time_point = NULL;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_EINPUT);
    options(&o, &c, &f);
    o.fit.folds = 1;
    assert_int_equal(pd_adaptive_sweep(&o, &t, &res, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "folds"));
    pd_timings_free(&t);
    free_coarse(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_land_where_the_error_is),
        cmocka_unit_test(test_boosted_finds_the_region),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_neighbours),
        cmocka_unit_test(test_default_coarse_grid),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
