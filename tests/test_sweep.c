/* The sweep's points as a fit reads them: a layer's run_bytes (what one run of its model
 * touches); a small layer with weights timed warm too (warm_ms), its row's run_bytes the
 * cold label; a large one, and one without weights, cold alone. */
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
#include "predoff/measure.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"

static pd_graph *model(const char *json)
{
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "sweep", &g, &err) != PD_OK)
        fail_msg("%s", err.msg);
    return g;
}

/* g's rows as the profiler times them in runs (random weights of seed 1, one warm-up run),
 * `repeats` runs each, `idle_ms` waited before each. */
static pd_timings profiled(const pd_graph *g, size_t repeats, double idle_ms)
{
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = repeats;
    o.warmup = 1;
    o.idle_ms = idle_ms;
    pd_weights *w = NULL;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 1, &w, &err), PD_OK);
    pd_timings t = {0};
    if (pd_profile_model(g, w, &o, &t, &err) != PD_OK)
        fail_msg("%s", err.msg);
    pd_weights_free(w);
    return t;
}

/* A 1 x 4 x 4 input (16 floats); a 1 x 1 conv "c" of 2 filters (4 weights; 32 outputs) and
 * its ReLU "r"; then an fc "e1" to 2 (66 weights), an exit, and a 1 x 1 conv "d" of 4
 * filters (12 weights; 64 outputs) with its ReLU "e2", an exit. A run to e1 touches 4 x
 * (4 + 66) bytes of weights and at most the ReLU's 32 + 32 floats at once; one to e2
 * 4 x (4 + 12) and e2's 64 + 64: more, with fewer weights. The trunk's layers take e2's. */
static void test_run_bytes(void **state)
{
    (void)state;
    pd_graph *g = model("{\"name\": \"m\", \"input\": [1, 4, 4], \"layers\": ["
                        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 1},"
                        "{\"name\": \"r\", \"type\": \"relu\"},"
                        "{\"name\": \"e1\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true},"
                        "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1, "
                        "\"input\": \"r\"},"
                        "{\"name\": \"e2\", \"type\": \"relu\", \"exit\": true}]}");
    assert_true(pd_graph_exit_run_bytes(g, 0) == 4.0 * (70 + 64));
    assert_true(pd_graph_exit_run_bytes(g, 1) == 4.0 * (16 + 128));
    assert_int_equal(g->exits_by_run[0], 1);
    assert_int_equal(g->exits_by_run[1], 0);
    static const double want[] = {576.0, 576.0, 536.0, 576.0, 576.0};
    for (size_t i = 0; i < 5; i++) {
        assert_true(pd_graph_run_bytes(g, i) == want[i]);
        assert_true(pd_graph_feature(g, i, PD_FEAT_RUN_BYTES) == want[i]);
    }
    assert_true(pd_graph_model_bytes(g) == 4.0 * (4 + 66 + 12));
    assert_string_equal(pd_feature_name(PD_FEAT_RUN_BYTES), "run_bytes");
    pd_graph_free(g);
    /* a DAG: the input stays alive beside c's output until the add has read both, 3 x 16
     * floats at once, where a chain would hold two tensors */
    g = model("{\"name\": \"m\", \"input\": [1, 4, 4], \"layers\": ["
              "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1},"
              "{\"name\": \"a\", \"type\": \"add\", \"inputs\": [\"c\", \"@input\"], "
              "\"exit\": true}]}");
    assert_true(pd_graph_exit_run_bytes(g, 0) == 4.0 * (2 + 48));
    assert_true(pd_graph_run_bytes(g, 0) == 200.0 && pd_graph_run_bytes(g, 1) == 200.0);
    pd_graph_free(g);
}

/* As this runtime holds the layers (its hook): a 3 x 3 convolution's filters in the form
 * its pass prepared them, and its scratch; the profiler's rows read that, whatever hook the
 * graph was given, and each layer was timed in the run of the exit touching most. */
static void test_run_bytes_of_the_runtime(void **state)
{
    (void)state;
    static const char json[] =
        "{\"name\": \"m\", \"input\": [16, 28, 28], \"layers\": ["
        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 16, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"e1\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true},"
        "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 64, \"kernel\": 1, "
        "\"input\": \"c\"},"
        "{\"name\": \"e2\", \"type\": \"relu\", \"exit\": true}]}";
    pd_graph *g = model(json), *raw = model(json);
    pd_error err;
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, &err), PD_OK);
    const double in = 4.0 * 16 * 28 * 28, c_out = in, d_out = 4.0 * 64 * 28 * 28;
    const double held = pd_runtime_weight_bytes(g, 0) + pd_runtime_weight_bytes(g, 2),
                 scratch = fmax(pd_runtime_scratch_bytes(g, 0), pd_runtime_scratch_bytes(g, 2));
    assert_true(pd_runtime_weight_bytes(g, 0) >= 4.0 * pd_layer_weight_count(&g->layers[0]));
    assert_true(pd_graph_exit_run_bytes(g, 1) == held + 2.0 * d_out + scratch);
    assert_true(pd_graph_exit_run_bytes(raw, 1) ==
                4.0 * (pd_layer_weight_count(&g->layers[0]) +
                       pd_layer_weight_count(&g->layers[2])) + 2.0 * d_out);
    assert_true(pd_graph_exit_run_bytes(g, 1) > pd_graph_exit_run_bytes(g, 0));
    assert_true(c_out + in < 2.0 * d_out);
    /* profiled from the graph without a hook: the runtime's bytes, e2's run for c */
    pd_timings t = profiled(raw, 2, 0.0);
    assert_int_equal(t.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(t.rows[i].features[PD_FEAT_RUN_BYTES] == pd_graph_run_bytes(g, i));
    assert_true(t.rows[0].features[PD_FEAT_RUN_BYTES] == pd_graph_exit_run_bytes(g, 1));
    assert_true(t.rows[1].features[PD_FEAT_RUN_BYTES] == pd_graph_exit_run_bytes(g, 0));
    pd_timings_free(&t);
    pd_graph_free(g);
    pd_graph_free(raw);
}

/* Per-layer values summed over the run each layer is profiled in: the first model's trunk
 * (c, r) and d, e2 in e2's run, e1 in e1's; a DAG's add in the run of its one exit. */
static void test_run_sums(void **state)
{
    (void)state;
    pd_graph *g = model("{\"name\": \"m\", \"input\": [1, 4, 4], \"layers\": ["
                        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 1},"
                        "{\"name\": \"r\", \"type\": \"relu\"},"
                        "{\"name\": \"e1\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true},"
                        "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1, "
                        "\"input\": \"r\"},"
                        "{\"name\": \"e2\", \"type\": \"relu\", \"exit\": true}]}");
    const double ms[] = {1, 2, 4, 8, 16};
    double run[5];
    pd_error err;
    assert_int_equal(pd_graph_run_sums(g, ms, run, &err), PD_OK);
    static const double want[] = {27, 27, 7, 27, 27}; /* e2's run: c, r, d, e2; e1's: c, r, e1 */
    for (size_t i = 0; i < 5; i++)
        assert_true(run[i] == want[i]);
    assert_true(isnan(pd_graph_feature(g, 0, PD_FEAT_RUN_MS))); /* no run's time in a graph */
    assert_string_equal(pd_feature_name(PD_FEAT_RUN_MS), "run_ms");
    pd_graph_free(g);
    g = model("{\"name\": \"m\", \"input\": [1, 4, 4], \"layers\": ["
              "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1},"
              "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1, "
              "\"input\": \"@input\"},"
              "{\"name\": \"a\", \"type\": \"add\", \"inputs\": [\"c\", \"d\"], \"exit\": true}]}");
    assert_int_equal(pd_graph_run_sums(g, ms, run, &err), PD_OK);
    for (size_t i = 0; i < 3; i++)
        assert_true(run[i] == 7.0);
    pd_graph_free(g);
    /* a DAG of two exits sharing c: f's run touches more (8 x 16 outputs), so c is profiled
     * in it though e1 comes first in model order */
    g = model("{\"name\": \"m\", \"input\": [1, 4, 4], \"layers\": ["
              "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1},"
              "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 1, \"kernel\": 1, "
              "\"input\": \"@input\"},"
              "{\"name\": \"e1\", \"type\": \"add\", \"inputs\": [\"c\", \"d\"], \"exit\": true},"
              "{\"name\": \"f\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 1, "
              "\"input\": \"c\", \"exit\": true}]}");
    assert_false(g->topo->tree);
    assert_int_equal(g->exits_by_run[0], 1);
    assert_int_equal(pd_graph_run_sums(g, ms, run, &err), PD_OK);
    static const double dag[] = {9, 7, 7, 9}; /* f's run: c, f; e1's: c, d, e1 */
    for (size_t i = 0; i < 4; i++)
        assert_true(run[i] == dag[i]);
    pd_graph_free(g);
}

/* A row timed in runs reads the time from one run's start to the next's: each period holds
 * its run, so the median period is no shorter than the median of any layer of it; one
 * value for the layers of one run. */
static void test_run_ms_of_rows(void **state)
{
    (void)state;
    pd_graph *g = model("{\"name\": \"m\", \"input\": [16, 28, 28], \"layers\": ["
                        "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 16, \"kernel\": 3, "
                        "\"pad\": 1},"
                        "{\"name\": \"e1\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true},"
                        "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 64, \"kernel\": 1, "
                        "\"input\": \"c\"},"
                        "{\"name\": \"e2\", \"type\": \"sigmoid\", \"exit\": true}]}");
    pd_timings t = profiled(g, 3, 0.0);
    assert_int_equal(t.n, 4);
    const double trunk = t.rows[0].features[PD_FEAT_RUN_MS];
    assert_true(trunk >= t.rows[0].median_ms && trunk >= t.rows[2].median_ms &&
                trunk >= t.rows[3].median_ms);
    assert_true(t.rows[2].features[PD_FEAT_RUN_MS] == trunk &&
                t.rows[3].features[PD_FEAT_RUN_MS] == trunk); /* c, d, e2: e2's run */
    assert_true(t.rows[1].features[PD_FEAT_RUN_MS] >= t.rows[1].median_ms); /* e1's own */
    assert_true(t.rows[1].features[PD_FEAT_RUN_MS] < PD_SWEEP_COLD_RUN_MS);
    /* an idle wait before each run lengthens it by as much */
    pd_timings idle = profiled(g, 3, 2.0);
    assert_true(idle.rows[0].features[PD_FEAT_RUN_MS] >= 2.0 + idle.rows[0].median_ms);
    pd_timings_free(&idle);
    pd_timings_free(&t);
    pd_graph_free(g);
}

static pd_layer_timing point(const char *json)
{
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = 3;
    o.warmup = 1;
    pd_graph *g = model(json);
    pd_timings t = {0};
    pd_error err;
    if (pd_profile_sweep_graph(&o, g, 7, &t, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(t.n, 1); /* the point's row alone */
    pd_layer_timing r = t.rows[0];
    pd_timings_free(&t);
    pd_graph_free(g);
    return r;
}

static void test_warm_rows(void **state)
{
    (void)state;
    /* 16 x 28 x 28 in and out (2 x 50 KiB), 2.3 k weights: timed warm too */
    pd_layer_timing small = point("{\"name\": \"sweep\", \"input\": [16, 28, 28], \"layers\": ["
                                  "{\"name\": \"l\", \"type\": \"conv\", \"filters\": 16, "
                                  "\"kernel\": 3, \"pad\": 1, \"exit\": true}]}");
    assert_string_equal(small.layer, "conv-7");
    assert_true(small.features[PD_FEAT_RUN_BYTES] == PD_SWEEP_COLD_RUN_BYTES);
    assert_true(small.warm_ms > 0.0 && isfinite(small.warm_ms));
    assert_true(small.median_ms > 0.0);
    assert_true(small.features[PD_FEAT_RUN_MS] == PD_SWEEP_COLD_RUN_MS);
    assert_true(small.reuse_ms == 0.0 && small.reuse_run_ms == 0.0); /* no buffer given */
    /* no weights: nothing to find warm or cold */
    pd_layer_timing relu = point("{\"name\": \"sweep\", \"input\": [16, 28, 28], \"layers\": ["
                                 "{\"name\": \"l\", \"type\": \"relu\", \"exit\": true}]}");
    assert_true(relu.warm_ms == 0.0);
    assert_true(relu.features[PD_FEAT_RUN_BYTES] == PD_SWEEP_COLD_RUN_BYTES);
    /* 4 MiB in and 4 MiB out: more than PD_SWEEP_WARM_MAX_BYTES, cold alone */
    pd_layer_timing large = point("{\"name\": \"sweep\", \"input\": [64, 128, 128], "
                                  "\"layers\": [{\"name\": \"l\", \"type\": \"conv\", "
                                  "\"filters\": 64, \"kernel\": 1, \"exit\": true}]}");
    assert_true(large.warm_ms == 0.0);
    assert_true(large.features[PD_FEAT_RUN_BYTES] == PD_SWEEP_COLD_RUN_BYTES);
}

/* With a buffer: timed a third time, the buffer read and an idle wait before each run; its
 * row's reuse_run_ms the time from a run's start to the next, the wait within it. */
static void test_reuse_rows(void **state)
{
    (void)state;
    size_t floats;
    float *buf = pd_sweep_evict_new(&floats);
    assert_non_null(buf);
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = 3;
    o.warmup = 1;
    o.evict = buf;
    o.evict_floats = floats;
    size_t index = 0; /* a point of the longest wait */
    while (pd_sweep_reuse_idle_ms(index) < 8.0) /* longer than any read of the buffer */
        index++;
    pd_graph *g = model("{\"name\": \"sweep\", \"input\": [16, 28, 28], \"layers\": ["
                        "{\"name\": \"l\", \"type\": \"conv\", \"filters\": 16, "
                        "\"kernel\": 3, \"pad\": 1, \"exit\": true}]}");
    pd_timings t = {0};
    pd_error err;
    if (pd_profile_sweep_graph(&o, g, index, &t, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(t.n, 1);
    const pd_layer_timing *r = &t.rows[0];
    assert_true(r->reuse_ms > 0.0 && r->reuse_bytes > pd_sweep_reuse_bytes(index));
    assert_true(r->reuse_run_ms >= pd_sweep_reuse_idle_ms(index) + r->reuse_ms);
    assert_true(r->features[PD_FEAT_RUN_MS] == PD_SWEEP_COLD_RUN_MS);
    pd_timings_free(&t);
    pd_graph_free(g);
    free(buf);
}

/* The sweep's networks: each a valid model of the size the header promises, the same every
 * call (every round times the same ones), and together the layers real networks have: a
 * depthwise, a pointwise and a k x k convolution, an fc, a residual add, a concat and a
 * squeeze-and-excitation mul, models from under 1 MB of weights to over the 32 MB of an L3. */
static void test_sweep_nets(void **state)
{
    (void)state;
    char *a = malloc(PD_SWEEP_NET_JSON_MAX), *b = malloc(PD_SWEEP_NET_JSON_MAX);
    assert_non_null(a);
    assert_non_null(b);
    size_t kinds[PD_LAYER_KIND_COUNT] = {0}, types[PD_LAYER_TYPE_COUNT] = {0}, exits = 0;
    size_t plain = 0; /* convolutions of no kind: k x k, not grouped */
    double smallest = 1e30, largest = 0;
    for (size_t k = 0; k < PD_SWEEP_NETS; k++) {
        assert_true(pd_sweep_net_json(k, a, PD_SWEEP_NET_JSON_MAX));
        assert_true(pd_sweep_net_json(k, b, PD_SWEEP_NET_JSON_MAX));
        assert_string_equal(a, b);
        assert_false(pd_sweep_net_json(k, b, strlen(a))); /* no room for its last byte */
        pd_graph *g = model(a);
        char name[32];
        snprintf(name, sizeof name, "sweepnet-%zu", k);
        assert_string_equal(g->name, name);
        double bytes = 0;
        for (size_t i = 0; i < g->n_layers; i++) {
            pd_layer_kind kind = pd_layer_kind_of(&g->layers[i]);
            kinds[kind]++;
            types[g->layers[i].type]++;
            plain += g->layers[i].type == PD_LAYER_CONV && kind == PD_KIND_NONE;
            bytes += 4.0 * pd_layer_weight_count(&g->layers[i]);
        }
        exits += g->n_exits;
        smallest = bytes < smallest ? bytes : smallest;
        largest = bytes > largest ? bytes : largest;
        pd_graph_free(g);
    }
    assert_true(exits >= 2 * PD_SWEEP_NETS);
    assert_true(kinds[pd_layer_kind_parse("conv/depthwise")] > 0);
    assert_true(kinds[pd_layer_kind_parse("conv/pointwise")] > 0);
    assert_true(plain > 0);
    assert_true(types[PD_LAYER_FC] > 0 && types[PD_LAYER_ADD] > 0);
    assert_true(types[PD_LAYER_CONCAT] > 0 && types[PD_LAYER_MUL] > 0);
    assert_true(smallest < 1024.0 * 1024 && largest > 32.0 * 1024 * 1024);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_bytes),
        cmocka_unit_test(test_run_bytes_of_the_runtime),
        cmocka_unit_test(test_warm_rows),
        cmocka_unit_test(test_run_sums),
        cmocka_unit_test(test_run_ms_of_rows),
        cmocka_unit_test(test_reuse_rows),
        cmocka_unit_test(test_sweep_nets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
