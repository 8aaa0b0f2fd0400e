/* Timings from elsewhere: a shapes CSV (type, shape columns, times) completed with the
 * features predoff's own layers have; every way a row can be wrong, named; the held-out
 * split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "predoff/measure.h"
#include "predoff/runtime.h"

static const char header[] =
    "source,layer,type,kind,channels,height,width,filters,kernel_h,kernel_w,stride,pad,"
    "groups,out_channels,median_ms\n";

/* Reads header + rows and completes them; the status, the error in err. */
static pd_status complete(const char *rows, pd_timings *t, pd_error *err)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", header, rows);
    pd_error_clear(err);
    pd_status st = pd_timings_parse_shapes_csv(text, strlen(text), "shapes.csv", t, err);
    return st ? st : pd_timings_complete(t, err);
}

/* Row `at` of t against layer "l" (the last) of the model in json, described as the
 * profiler describes it. */
static void same_as_model(const pd_timings *t, size_t at, const char *json)
{
    pd_graph *g = NULL;
    pd_error err;
    assert_int_equal(pd_graph_from_json(json, strlen(json), "m", &g, &err), PD_OK);
    pd_layer_timing want = {0};
    pd_timing_describe(g, g->n_layers - 1, &want);
    const pd_layer_timing *got = &t->rows[at];
    assert_int_equal(got->type, want.type);
    assert_int_equal(got->kind, want.kind);
    for (int f = 0; f < PD_FEATURE_COUNT; f++) /* but what predoff's own kernels would do,
                                                * and what the timed model's run touched */
        if (pd_feature_of_engine((pd_feature)f) || f == PD_FEAT_RUN_BYTES || f == PD_FEAT_RUN_MS
                ? !isnan(got->features[f])
                : !(got->features[f] == want.features[f]))
            fail_msg("row %zu: %s = %g, want %g", at + 1, pd_feature_name((pd_feature)f),
                     got->features[f], want.features[f]);
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        assert_true(got->shape[c] == want.shape[c]);
    pd_graph_free(g);
}

static void rows_become_the_layers_they_describe(void **state)
{
    (void)state;
    pd_timings t = {0};
    pd_error err;
    assert_int_equal(complete("x,a,conv,,64,56,56,128,3,3,2,1,1,,1.5\n"
                              "x,b,conv,conv/depthwise,96,28,,96,5,,1,2,96,,0.25\n"
                              "x,,fc,,4096,1,1,,,,,,,1000,0.8\n"
                              "x,d,pool,,32,17,17,,3,,2,0,,,0.01\n"
                              "x,e,pool,pool/global,512,7,7,,,,,,,,0.002\n"
                              "x,f,bn,,16,112,112,,,,,,,,0.3\n"
                              "x,g,add,,24,14,14,,,,,,,,0.01\n"
                              "x,h,pool,pool/avg,32,17,17,,3,,2,0,,,0.02\n"
                              "x,i,pool,pool/global-max,512,7,7,,,,,,,,0.02\n",
                              &t, &err),
                     PD_OK);
    assert_int_equal(t.n, 9);
    same_as_model(&t, 0, "{\"name\": \"m\", \"input\": [64, 56, 56], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"conv\", \"filters\": 128, \"kernel\": 3, "
                         "\"stride\": 2, \"pad\": 1, \"exit\": true}]}");
    same_as_model(&t, 1, "{\"name\": \"m\", \"input\": [96, 28, 28], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"conv\", \"filters\": 96, \"kernel\": 5, "
                         "\"pad\": 2, \"groups\": 96, \"exit\": true}]}");
    same_as_model(&t, 2, "{\"name\": \"m\", \"input\": [4096, 1, 1], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"fc\", \"outputs\": 1000, \"exit\": true}]}");
    same_as_model(&t, 3, "{\"name\": \"m\", \"input\": [32, 17, 17], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"pool\", \"kernel\": 3, \"stride\": 2, "
                         "\"exit\": true}]}");
    same_as_model(&t, 4, "{\"name\": \"m\", \"input\": [512, 7, 7], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"pool\", \"mode\": \"avg\", \"global\": true, "
                         "\"exit\": true}]}");
    same_as_model(&t, 5, "{\"name\": \"m\", \"input\": [16, 112, 112], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"bn\", \"exit\": true}]}");
    same_as_model(&t, 6, "{\"name\": \"m\", \"input\": [24, 14, 14], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"add\", \"inputs\": [\"@input\", \"@input\"], "
                         "\"exit\": true}]}");
    /* the kind says the pool's mode, which no feature or shape column does */
    same_as_model(&t, 7, "{\"name\": \"m\", \"input\": [32, 17, 17], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"pool\", \"mode\": \"avg\", \"kernel\": 3, "
                         "\"stride\": 2, \"exit\": true}]}");
    same_as_model(&t, 8, "{\"name\": \"m\", \"input\": [512, 7, 7], \"layers\": [{\"name\": "
                         "\"l\", \"type\": \"pool\", \"mode\": \"max\", \"global\": true, "
                         "\"exit\": true}]}");
    assert_int_equal(t.rows[7].kind, PD_KIND_POOL_AVG);
    assert_int_equal(t.rows[8].kind, PD_KIND_POOL_GLOBAL_MAX);
    /* a few values by hand, so that a describe gone wrong on both sides is caught too */
    assert_true(t.rows[0].features[PD_FEAT_MACS] == 28.0 * 28 * 128 * 64 * 9);
    assert_true(t.rows[0].shape[PD_SHAPE_OUT_HEIGHT] == 28.0);
    assert_int_equal(t.rows[1].kind, PD_KIND_CONV_DEPTHWISE);
    assert_true(t.rows[1].features[PD_FEAT_MACS] == 28.0 * 28 * 96 * 25);
    assert_true(t.rows[2].features[PD_FEAT_MACS] == 4096.0 * 1000);
    assert_string_equal(t.rows[2].layer, "fc-3"); /* an unnamed row is named by its place */
    assert_true(t.rows[0].median_ms == 1.5 && t.rows[6].median_ms == 0.01);
    /* a completed file writes and reads back as a timings CSV `fit` takes */
    char buf[16384];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    assert_int_equal(pd_timings_write_csv(&t, f), PD_OK);
    long len = ftell(f);
    fclose(f);
    pd_timings back = {0};
    assert_int_equal(pd_timings_parse_csv(buf, (size_t)len, "back.csv", &back, &err), PD_OK);
    assert_int_equal(back.n, t.n);
    assert_true(back.rows[3].features[PD_FEAT_OUT_ELEMS] == t.rows[3].features[PD_FEAT_OUT_ELEMS]);
    pd_timings_free(&back);
    pd_timings_free(&t);
}

/* Each bad row fails with a message holding `want`. */
static void expect_refused(const char *rows, const char *want)
{
    pd_timings t = {0};
    pd_error err;
    pd_status st = complete(rows, &t, &err);
    if (st != PD_EINPUT || !strstr(err.msg, want))
        fail_msg("%s: status %d, message \"%s\", want \"%s\"", rows, (int)st, err.msg, want);
    pd_timings_free(&t);
}

static void bad_rows_are_named(void **state)
{
    (void)state;
    expect_refused("x,a,conv,,64,56,56,,3,3,1,1,1,,1.0\n", "row 1 (layer \"a\", conv): column "
                                                          "\"filters\" is needed");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1,,1.0\nx,b,conv,,64,5.5,5,8,3,3,1,1,1,,1.0\n",
                   "row 2 (layer \"b\"): column \"height\": 5.5 is not a whole number");
    expect_refused("x,a,conv,,0,56,56,8,3,3,1,1,1,,1.0\n", "column \"channels\": 0 is not");
    expect_refused("x,a,conv,,64,5,5,8,9,9,1,0,1,,1.0\n", "row 1 (layer \"a\")");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,3,,1.0\n", "row 1 (layer \"a\")"); /* groups */
    expect_refused("x,a,fc,,64,1,1,,,,,,,,1.0\n", "column \"out_channels\" is needed");
    expect_refused("x,a,conv,conv/depthwise,64,56,56,128,3,3,1,1,1,,1.0\n",
                   "kind \"conv/depthwise\", but its shape columns make a \"conv\"");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1,,0\n", "\"median_ms\": 0 must be > 0");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1,,-2\n", "\"median_ms\": -2 must be > 0");
    expect_refused("x,a,opaque,,64,56,56,,,,,,,,1\n", "opaque");
    expect_refused("x,a,pool,,64,56,56,,,,,,,,1\n", "column \"kernel_h\" is needed");
    /* given out_* columns are checked against the layer they describe */
    char rows[256];
    snprintf(rows, sizeof rows, "%s", "x,a,conv,,64,56,56,8,3,3,2,1,1,8,1.0\n");
    pd_timings t = {0};
    pd_error err;
    assert_int_equal(complete(rows, &t, &err), PD_OK); /* out_channels 8: right */
    pd_timings_free(&t);
    const char with_out[] =
        "source,layer,type,channels,height,width,filters,kernel_h,stride,pad,out_height,"
        "median_ms\nx,a,conv,64,56,56,8,3,2,1,56,1.0\n";
    pd_error_clear(&err);
    assert_int_equal(pd_timings_parse_shapes_csv(with_out, strlen(with_out), "o.csv", &t, &err),
                     PD_OK);
    assert_int_equal(pd_timings_complete(&t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "column \"out_height\" is 56, but a conv of the row's other "
                                    "columns gives 28"));
    pd_timings_free(&t);
}

/* Found in review, the first by the fuzzer's seed too (fuzz_timings_shapes: the write of a
 * completed file failed): a layer the model reader takes whose features a timings CSV
 * cannot hold, given columns the layer does not take, a stray comma. */
static void hostile_rows_are_named(void **state)
{
    (void)state;
    /* 1e6 channels, 1000 x 1000, 1000 filters of 3 x 3: 9e15 MACs, beyond the CSV's 1e15 */
    expect_refused("x,a,conv,,1000000,1000,1000,1000,3,3,1,1,1,,1.0\n",
                   "row 1 (layer \"a\"): the conv's \"macs\", 9e+15, is beyond 1e15: a "
                   "timings CSV cannot hold it");
    /* predoff's pools are square: a kernel_w other than kernel_h is not dropped */
    expect_refused("x,p,pool,,4,10,10,,2,3,2,0,,,1.0\n",
                   "row 1 (layer \"p\"): column \"kernel_w\" is 3, but a pool of the row's "
                   "other columns gives 2");
    expect_refused("x,r,relu,,4,10,10,64,,,,,,,1.0\n",
                   "row 1 (layer \"r\"): column \"filters\" is 64, but a relu has none");
    expect_refused("x,e,pool,pool/global,512,7,7,,,,7,,,,0.002\n",
                   "column \"stride\" is 7, but a pool of the row's other columns gives 1");
    /* the same columns given as the layer has them are fine: a completed row completes again */
    pd_timings t = {0};
    pd_error err;
    assert_int_equal(complete("x,p,pool,,4,10,10,,2,2,2,0,,,1.0\n"
                              "x,e,pool,pool/global,512,7,7,,7,7,1,0,,,0.002\n",
                              &t, &err),
                     PD_OK);
    pd_timings_free(&t);
    /* huge numbers, NaN text, 1e308 ms, a field missing, one too many: each named */
    expect_refused("x,a,conv,,1e300,56,56,8,3,3,1,1,1,,1.0\n",
                   "line 2: column \"channels\": 1e300 is beyond 1e15");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1,,1e308\n",
                   "line 2: column \"median_ms\": 1e308 is outside [1e-9, 1e9] ms");
    expect_refused("x,a,conv,,64,nan,56,8,3,3,1,1,1,,1.0\n",
                   "line 2: column \"height\": \"nan\" is not a finite number");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1\n",
                   "line 2: column \"out_channels\": missing (the line has 13 fields, the "
                   "header 15)");
    expect_refused("x,a,conv,,64,56,56,8,3,3,1,1,1,,1.0,7\n",
                   "line 2: column \"16\": more fields than the header names (the line has 16 "
                   "fields, the header 15)");
    /* a side of 1e6 is taken, one more is not; the model reader's limits stop the rest */
    expect_refused("x,a,relu,,1,1000001,1,,,,,,,,1.0\n",
                   "column \"height\": 1e+06 is not a whole number from 1 to 1e+06");
    expect_refused("x,a,relu,,1000000,1000000,1000000,,,,,,,,1.0\n",
                   "row 1 (layer \"a\"): layer \"l\": output of 1e+18 elements is beyond");
}

static void readers_tell_shapes_from_timings(void **state)
{
    (void)state;
    const char shapes[] = "type,channels,height,median_ms\nbn,3,8,0.1\n";
    pd_timings t = {0};
    pd_error err;
    /* fit's reader wants features and says how to get them */
    assert_int_equal(pd_timings_parse_csv(shapes, strlen(shapes), "s.csv", &t, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "predoff timings"));
    assert_int_equal(pd_timings_parse_shapes_csv(shapes, strlen(shapes), "s.csv", &t, &err),
                     PD_OK);
    assert_int_equal(t.n, 1);
    pd_timings_free(&t);
    const char neither[] = "type,median_ms\nbn,0.1\n";
    assert_int_equal(pd_timings_parse_shapes_csv(neither, strlen(neither), "n.csv", &t, &err),
                     PD_EINPUT);
    assert_non_null(strstr(err.msg, "n.csv: line 1: no shape column"));
}

static pd_timings numbered(size_t n)
{
    pd_timings t = {0};
    pd_error err;
    for (size_t i = 0; i < n; i++) {
        pd_layer_timing r = {.type = PD_LAYER_BN, .median_ms = (double)(i + 1)};
        assert_int_equal(pd_timings_add(&t, &r, &err), PD_OK);
    }
    return t;
}

static void the_split_is_exact_and_seeded(void **state)
{
    (void)state;
    pd_error err;
    pd_timings a = numbered(1000), ta = {0}, b = numbered(1000), tb = {0}, c = numbered(1000),
               tc = {0};
    assert_int_equal(pd_timings_split(&a, 0.1, 7, &ta, &err), PD_OK);
    assert_int_equal(pd_timings_split(&b, 0.1, 7, &tb, &err), PD_OK);
    assert_int_equal(pd_timings_split(&c, 0.1, 8, &tc, &err), PD_OK);
    assert_int_equal(ta.n, 100);
    assert_int_equal(a.n, 900);
    size_t differ = 0, early = 0;
    for (size_t i = 0; i < ta.n; i++) {
        assert_true(ta.rows[i].median_ms == tb.rows[i].median_ms); /* same seed, same rows */
        differ += ta.rows[i].median_ms != tc.rows[i].median_ms;
        early += ta.rows[i].median_ms <= 500;
        if (i)
            assert_true(ta.rows[i].median_ms > ta.rows[i - 1].median_ms); /* in order */
    }
    assert_true(differ > 50); /* another seed, other rows */
    assert_true(early > 25 && early < 75); /* drawn from the whole file, not its head */
    double sum = 0; /* every row in one of the two */
    for (size_t i = 0; i < a.n; i++)
        sum += a.rows[i].median_ms;
    for (size_t i = 0; i < ta.n; i++)
        sum += ta.rows[i].median_ms;
    assert_true(sum == 1000.0 * 1001 / 2);
    pd_timings none = numbered(3), tn = {0};
    assert_int_equal(pd_timings_split(&none, 1.5, 1, &tn, &err), PD_EINPUT);
    assert_int_equal(pd_timings_split(&none, 0.0, 1, &tn, &err), PD_OK);
    assert_int_equal(none.n, 3);
    assert_int_equal(tn.n, 0);
    pd_timings_free(&a), pd_timings_free(&ta), pd_timings_free(&b), pd_timings_free(&tb);
    pd_timings_free(&c), pd_timings_free(&tc), pd_timings_free(&none), pd_timings_free(&tn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_become_the_layers_they_describe),
        cmocka_unit_test(bad_rows_are_named),
        cmocka_unit_test(hostile_rows_are_named),
        cmocka_unit_test(readers_tell_shapes_from_timings),
        cmocka_unit_test(the_split_is_exact_and_seeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
