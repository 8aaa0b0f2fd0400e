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

static void parse_point(void *vctx, const pd_sweep_point *p)
{
    sweep_check *c = vctx;
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\": \"s\", \"input\": [%d, %d, %d], \"layers\": [{\"name\": \"l\", %s, "
             "\"exit\": true}]}",
             p->c, p->hw, p->hw, p->layer);
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(json, strlen(json), "sweep", &g, &err) != PD_OK)
        fail_msg("%s: %s", json, err.msg);
    assert_int_equal(g->layers[0].type, c->type);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_sets_whole),
        cmocka_unit_test(test_sweep_points_parse),
        cmocka_unit_test(test_tensors_hold_the_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
