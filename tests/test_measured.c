/* Measured layer times and opaque layers (formats.md: a profile's "measured" table, the
 * "opaque" layer type; cost-model.md: "Where tier t's profile has a measured time for the
 * layer, that time is c_t(l)"): reading and refusing tables, the times in the problem every
 * solver solves, the writer's round trip, and opaque layers planned but never run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect_error.h"
#include "profile_parse.h"
#include "predoff/graph.h"
#include "predoff/measure.h"
#include "predoff/objective.h"
#include "predoff/profile.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/train.h"
#include "predoff/weights.h"

static void bad_graph(const char *json, ...)
{
    pd_graph *g = (pd_graph *)0x1;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_graph_from_json(json, strlen(json), "g.json", &g, &err);
    assert_null(g);
    va_list ap;
    va_start(ap, json);
    expect_input_error(json, st, &err, "g.json", ap);
    va_end(ap);
}

/* A profile of measured times alone, its "measured" object the argument. */
#define M(tables) "{\"name\": \"m\", \"measured\": {" tables "}}"

/* A chain with a side exit (a tree): four opaque layers, the first given MACs and weights. */
static const char *const opaque_tree =
    "{\"name\": \"ot\", \"input\": [3, 32, 32], \"layers\": ["
    "{\"name\": \"a\", \"type\": \"opaque\", \"shape\": [16, 16, 16], \"macs\": 1e6, "
    "\"weight_bytes\": 1728},"
    "{\"name\": \"side\", \"type\": \"opaque\", \"shape\": [10, 1, 1], "
    "\"exit\": {\"accuracy\": 0.5}},"
    "{\"name\": \"b\", \"type\": \"opaque\", \"shape\": [32, 8, 8], \"input\": \"a\"},"
    "{\"name\": \"head\", \"type\": \"opaque\", \"shape\": [10, 1, 1], "
    "\"exit\": {\"accuracy\": 0.9}}]}";

static void test_table_read(void **state)
{
    (void)state;
    pd_profile *p = parse_ok(M("\"ot\": {\"b\": 2.5, \"a\": 0, \"head\": 1e-3, \"side\": 7},"
                               "\"other\": {\"x\": 1}"));
    assert_string_equal(p->source, "ok.json");
    assert_int_equal(p->n_measured, 2);
    const pd_measured_model *t = pd_profile_measured_for(p, "ot");
    assert_non_null(t);
    assert_int_equal(t->n, 4);
    assert_string_equal(t->layer[0].layer, "b"); /* as given */
    double ms = -1;
    assert_true(pd_measured_find(t, "b", &ms));
    assert_true(ms == 2.5);
    assert_true(pd_measured_find(t, "a", &ms));
    assert_true(ms == 0.0);
    assert_true(pd_measured_find(t, "head", &ms));
    assert_true(ms == 1e-3);
    assert_false(pd_measured_find(t, "c", &ms));
    assert_false(pd_measured_find(t, "", &ms));
    assert_false(pd_measured_find(NULL, "a", &ms));
    assert_null(pd_profile_measured_for(p, "OT")); /* matched exactly */
    assert_null(pd_profile_measured_for(p, "o"));

    /* the model is matched by its name, the layers by theirs */
    pd_graph *g = graph_ok(opaque_tree);
    assert_int_equal(pd_profile_measured_count(p, g), 4);
    pd_error err;
    assert_int_equal(pd_profile_covers(p, g, &err), PD_OK);
    int32_t b = pd_graph_find(g, "b"), side = pd_graph_find(g, "side");
    assert_true(pd_profile_layer_ms(p, g, (size_t)b) == 2.5);
    assert_true(pd_profile_layer_ms(p, g, (size_t)side) == 7.0);
    assert_true(pd_profile_measured_ms(p, g, (size_t)b, &ms) && ms == 2.5);
    pd_graph_free(g);
    pd_profile_free(p);

    /* a table beside linear models: measured layers take their times, the rest the model */
    p = parse_ok("{\"name\": \"mix\", \"layers\": {\"relu\": {\"features\": [\"in_elems\"], "
                 "\"coef\": [1e-3], \"intercept\": 0.5}}, \"measured\": {\"r\": {\"r1\": 9}}}");
    g = graph_ok("{\"name\": \"r\", \"input\": [1, 10, 10], \"layers\": ["
                 "{\"name\": \"r1\", \"type\": \"relu\"}, {\"name\": \"r2\", \"type\": \"relu\", "
                 "\"exit\": true}]}");
    assert_int_equal(pd_profile_covers(p, g, &err), PD_OK);
    assert_true(pd_profile_layer_ms(p, g, 0) == 9.0);
    assert_true(fabs(pd_profile_layer_ms(p, g, 1) - (0.5 + 1e-3 * 100)) < 1e-12);
    assert_int_equal(pd_profile_measured_count(p, g), 1);
    pd_graph_free(g);
    pd_profile_free(p);
}

static void test_table_errors(void **state)
{
    (void)state;
    bad_profile("{\"name\": \"m\"}", "\"layers\"", "\"measured\"", NULL);
    bad_profile("{\"name\": \"m\", \"measured\": [1]}", "field \"measured\" must be an object",
                NULL);
    bad_profile("{\"name\": \"m\", \"measured\": 3}", "\"measured\" must be an object", NULL);
    bad_profile(M("\"ot\": [1, 2]"), "measured.ot must be an object", NULL);
    bad_profile(M("\"ot\": 5"), "measured.ot must be an object", NULL);
    bad_profile(M("\"ot\": {}"), "measured.ot: no layers", NULL);
    bad_profile(M("\"\": {\"a\": 1}"), "a model name is empty", NULL);
    bad_profile(M("\"ot\": {\"\": 1}"), "measured.ot: a layer name is empty", NULL);
    /* wrong types */
    bad_profile(M("\"ot\": {\"a\": \"1.5\"}"), "measured.ot.a must be a number", NULL);
    bad_profile(M("\"ot\": {\"a\": true}"), "measured.ot.a must be a number", NULL);
    bad_profile(M("\"ot\": {\"a\": null}"), "measured.ot.a must be a number", NULL);
    bad_profile(M("\"ot\": {\"a\": {\"ms\": 1}}"), "measured.ot.a must be a number", NULL);
    bad_profile(M("\"ot\": {\"a\": [1]}"), "measured.ot.a must be a number", NULL);
    /* negative, huge, beyond a double */
    bad_profile(M("\"ot\": {\"a\": 1, \"b\": -0.5}"), "measured.ot.b", "-0.5",
                "is not a time in [0, 8.64e+07] ms", NULL);
    bad_profile(M("\"ot\": {\"a\": 1e9}"), "measured.ot.a: 1e+09 is not a time", NULL);
    bad_profile(M("\"ot\": {\"a\": 1e999}"), "measured.ot.a: inf is not a time", NULL);
    bad_profile(M("\"ot\": {\"a\": -1e999}"), "measured.ot.a: -inf is not a time", NULL);
    /* each name once */
    bad_profile(M("\"ot\": {\"a\": 1, \"b\": 2, \"a\": 3}"), "measured.ot: layer \"a\" given twice",
                NULL);
    bad_profile(M("\"ot\": {\"a\": 1}, \"ot\": {\"b\": 2}"), "model \"ot\" given twice", NULL);
    /* an opaque type has no latency model */
    bad_profile("{\"name\": \"m\", \"layers\": {\"opaque\": {\"features\": [\"in_elems\"], "
                "\"coef\": [1], \"intercept\": 0}}}",
                "\"opaque\" cannot have a latency model", NULL);
    bad_profile("{\"name\": \"m\", \"measured\": {\"ot\": {\"a\": 1}}, \"measure\": {}}",
                "unknown field \"measure\"", NULL);
}

/* The bounds pd_profile_add_measured enforces, NaN among them (JSON cannot spell it). */
static void test_add_measured(void **state)
{
    (void)state;
    pd_profile *p = parse_ok(M("\"x\": {\"a\": 1}"));
    const char *names[] = {"a", "b", "c"};
    double ms[] = {1.0, NAN, 2.0};
    pd_error err;
    assert_int_equal(pd_profile_add_measured(p, "y", 3, names, ms, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "measured.y.b: nan is not a time"));
    ms[1] = INFINITY;
    assert_int_equal(pd_profile_add_measured(p, "y", 3, names, ms, &err), PD_EINPUT);
    ms[1] = PD_MEASURED_MAX_MS; /* the bound itself is a time */
    assert_int_equal(pd_profile_add_measured(p, "y", 3, names, ms, &err), PD_OK);
    assert_int_equal(p->n_measured, 2);
    assert_int_equal(pd_profile_add_measured(p, "y", 3, names, ms, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "model \"y\" given twice"));
    assert_int_equal(pd_profile_add_measured(p, "z", 0, names, ms, &err), PD_EINPUT);
    assert_int_equal(pd_profile_add_measured(p, NULL, 1, names, ms, &err), PD_EINPUT);
    const char *dup[] = {"c", "a", "c"};
    assert_int_equal(pd_profile_add_measured(p, "z", 3, dup, ms, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "layer \"c\" given twice"));
    const char *nul[] = {"a", NULL};
    assert_int_equal(pd_profile_add_measured(p, "z", 2, nul, ms, &err), PD_EINPUT);
    /* names are bounded */
    char *long_name = malloc(PD_MEASURED_MAX_NAME + 2);
    assert_non_null(long_name);
    memset(long_name, 'n', PD_MEASURED_MAX_NAME + 1);
    long_name[PD_MEASURED_MAX_NAME + 1] = '\0';
    const char *lname[] = {long_name};
    assert_int_equal(pd_profile_add_measured(p, "z", 1, lname, ms, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "bytes: at most 4096"));
    assert_int_equal(pd_profile_add_measured(p, long_name, 1, names, ms, &err), PD_EINPUT);
    long_name[PD_MEASURED_MAX_NAME] = '\0'; /* 4096 bytes: allowed */
    assert_int_equal(pd_profile_add_measured(p, "z", 1, lname, ms, &err), PD_OK);
    free(long_name);
    assert_int_equal(p->n_measured, 3); /* the failures left p as it was */
    /* models are bounded */
    for (size_t k = p->n_measured; k < PD_MEASURED_MAX_MODELS; k++) {
        char model[16];
        snprintf(model, sizeof model, "m%zu", k);
        assert_int_equal(pd_profile_add_measured(p, model, 1, names, ms, &err), PD_OK);
    }
    assert_int_equal(pd_profile_add_measured(p, "one-more", 1, names, ms, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "more than 1024 models"));
    pd_profile_free(p);
}

/* Coverage: a table naming a layer the model lacks, an opaque layer without a time. */
static void test_covers(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(opaque_tree);
    pd_error err;
    pd_profile *p = parse_ok(M("\"ot\": {\"a\": 1, \"side\": 1, \"b\": 1, \"head\": 1, "
                               "\"bb\": 1}"));
    assert_int_equal(pd_profile_covers(p, g, &err), PD_EINPUT);
    assert_string_equal(err.msg, "ok.json: the measured table of model \"ot\" names layer "
                                 "\"bb\", which the model lacks (predoff show lists its layers)");
    pd_profile_free(p);

    p = parse_ok(M("\"ot\": {\"a\": 1, \"side\": 1, \"head\": 1}"));
    assert_int_equal(pd_profile_covers(p, g, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "profile \"m\" (ok.json) has no measured time for layer "
                                    "\"b\" of model \"ot\", which is opaque"));
    pd_profile_free(p);

    /* a table for another name does not apply: the message names the tables there are */
    p = parse_ok(M("\"ot.json\": {\"a\": 1, \"side\": 1, \"b\": 1, \"head\": 1}"));
    assert_int_equal(pd_profile_covers(p, g, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "layer \"a\" of model \"ot\", which is opaque"));
    assert_non_null(strstr(err.msg, "its measured tables are for models \"ot.json\""));
    pd_profile_free(p);

    /* an opaque layer has no model to fall back on, even in a profile of every type */
    assert_int_equal(pd_profile_open("x86-2core", &p, &err), PD_OK);
    assert_int_equal(pd_profile_covers(p, g, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "profile \"x86-2core\" has no measured time for layer \"a\""));
    pd_profile_free(p);

    /* a measured-only profile and a layer of a common type it lacks */
    pd_graph *r = graph_ok("{\"name\": \"r\", \"input\": [1, 4, 4], \"layers\": ["
                           "{\"name\": \"r1\", \"type\": \"relu\"}, {\"name\": \"r2\", "
                           "\"type\": \"relu\", \"exit\": true}]}");
    p = parse_ok(M("\"r\": {\"r1\": 1}"));
    assert_int_equal(pd_profile_covers(p, r, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "no measured time for layer \"r2\" of model \"r\" and no "
                                    "model for its type \"relu\""));
    pd_profile_free(p);
    p = parse_ok(M("\"R\": {\"r1\": 1, \"r2\": 2}"));
    assert_int_equal(pd_profile_covers(p, r, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "its measured tables are for models \"R\" (a table applies "
                                    "to the model of its name)"));
    pd_profile_free(p);
    pd_graph_free(r);
    pd_graph_free(g);
}

/* Mobile and edge from two measured tables (every layer), the links given. */
static void scenario_of(pd_scenario *sc, const char *mobile, const char *edge, double bps)
{
    pd_error err;
    assert_int_equal(pd_scenario_init(sc, &err), PD_OK);
    pd_profile_free(sc->profile[PD_TIER_MOBILE]);
    pd_profile_free(sc->profile[PD_TIER_EDGE]);
    sc->profile[PD_TIER_MOBILE] = parse_ok(mobile);
    sc->profile[PD_TIER_EDGE] = parse_ok(edge);
    sc->uplink_bps = sc->downlink_bps = bps;
}

#define MOBILE M("\"ot\": {\"a\": 40, \"side\": 3, \"b\": 60, \"head\": 5}")
#define EDGE M("\"ot\": {\"a\": 2, \"side\": 0.25, \"b\": 3.5, \"head\": 0.125}")
static const double mobile_ms[] = {40, 3, 60, 5}, edge_ms[] = {2, 0.25, 3.5, 0.125};

/* The problem holds the tables' times as they are, and every solver's objective is the
 * expected latency those times give. */
static void test_problem_and_solvers(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(opaque_tree);
    pd_scenario sc;
    scenario_of(&sc, MOBILE, EDGE, 1e12); /* transfers of next to nothing */
    pd_problem *pb = NULL;
    pd_error err;
    if (pd_problem_build(g, &sc, &pb, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < g->n_layers; i++) {
        assert_true(pb->compute_ms[i * 2 + 0] == mobile_ms[i]);
        assert_true(pb->compute_ms[i * 2 + 1] == edge_ms[i]);
    }
    /* every exit on one tier: E[L] from the tables alone (a + side, a + b + head) */
    const double p0 = pb->exit_prob[0], p1 = pb->exit_prob[1];
    const double on_mobile = p0 * (40 + 3) + p1 * (40 + 60 + 5);
    size_t n;
    const pd_solver *all = pd_solvers(&n);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.seed = 3;
    size_t solved = 0;
    for (size_t s = 0; s < n; s++) {
        pd_solution sol = {0};
        if (pd_solve(&all[s], pb, &opt, &sol, &err)) {
            pd_solution_free(&sol);
            continue; /* a solver this model or scenario does not suit */
        }
        solved++;
        if (strcmp(all[s].name, "mobile") == 0)
            assert_true(fabs(sol.objective_ms - on_mobile) <= 1e-12 * on_mobile);
        else if (sol.served_exit < 0) /* the edge is 20 times faster and the link free */
            assert_true(sol.objective_ms <= on_mobile / 10);
        pd_solution_free(&sol);
    }
    assert_true(solved >= 5); /* exact, ga, brute, the one-tier ones and the single cuts */
    pd_problem_free(pb);
    pd_scenario_free(&sc);

    /* a slow link: nothing is worth sending, so the exact plan is the mobile's */
    scenario_of(&sc, MOBILE, EDGE, 1e3);
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_OK);
    pd_solution sol = {0};
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &sol, &err), PD_OK);
    assert_true(fabs(sol.objective_ms - (pb->exit_prob[0] * 43 + pb->exit_prob[1] * 105)) <=
                1e-9);
    pd_solution_free(&sol);
    pd_problem_free(pb);
    pd_scenario_free(&sc);

    /* a tier without a time for an opaque layer: the error names the tier and the layer */
    scenario_of(&sc, MOBILE, M("\"ot\": {\"a\": 2, \"side\": 0.25, \"head\": 0.125}"), 1e6);
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_EINPUT);
    assert_null(pb);
    assert_non_null(strstr(err.msg, "edge tier: profile \"m\" (ok.json) has no measured time "
                                    "for layer \"b\" of model \"ot\", which is opaque"));
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

/* The writer's tables read back to the bit, in the order given. */
static void test_write_round_trip(void **state)
{
    (void)state;
    pd_profile *p = parse_ok("{\"name\": \"w\", \"note\": \"n\", \"measured\": {"
                             "\"m \\\"q\\\"\": {\"z\": 0.1, \"a\\nb\": 0, \"c\": 86400000},"
                             "\"k\": {\"x\": 3.0000000000000004}}}");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    pd_error err;
    assert_int_equal(pd_profile_write_json(p, f, &err), PD_OK);
    assert_int_equal(fclose(f), 0);
    assert_null(strstr(buf, "\"layers\"")); /* measured times alone: no empty layer set */
    pd_profile *back = NULL;
    if (pd_profile_from_json(buf, len, "back", &back, &err))
        fail_msg("%s\n%s", err.msg, buf);
    assert_int_equal(back->n_measured, 2);
    for (size_t m = 0; m < 2; m++) {
        const pd_measured_model *a = &p->measured[m], *b = &back->measured[m];
        assert_string_equal(a->model, b->model);
        assert_int_equal(a->n, b->n);
        for (size_t i = 0; i < a->n; i++) {
            assert_string_equal(a->layer[i].layer, b->layer[i].layer);
            assert_true(a->layer[i].ms == b->layer[i].ms);
        }
    }
    assert_string_equal(back->measured[0].layer[1].layer, "a\nb");
    free(buf);
    pd_profile_free(back);
    pd_profile_free(p);
}

static void test_opaque_graph(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(opaque_tree);
    const pd_layer *a = &g->layers[pd_graph_find(g, "a")], *b = &g->layers[pd_graph_find(g, "b")];
    assert_int_equal(a->type, PD_LAYER_OPAQUE);
    assert_true(a->out.c == 16 && a->out.h == 16 && a->out.w == 16);
    assert_true(b->in.c == 16 && b->out.c == 32 && b->out.h == 8 && b->out.w == 8);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_MACS) == 1e6);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_WEIGHT_BYTES) == 1728);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_OUT_ELEMS) == 16 * 16 * 16);
    assert_true(pd_graph_feature(g, 0, PD_FEAT_IN_ELEMS) == 3 * 32 * 32);
    assert_true(pd_graph_model_bytes(g) == 1728);
    assert_true(pd_graph_feature(g, 2, PD_FEAT_MACS) == 0); /* not given */
    assert_true(g->topo->tree);

    /* written and read back: the same shapes, MACs and weights */
    char *json = NULL;
    assert_int_equal(pd_graph_to_json(g, &json, NULL), PD_OK);
    pd_graph *back = graph_ok(json);
    assert_int_equal(back->n_layers, g->n_layers);
    for (size_t i = 0; i < g->n_layers; i++) {
        assert_int_equal(back->layers[i].type, PD_LAYER_OPAQUE);
        assert_memory_equal(&back->layers[i].out, &g->layers[i].out, sizeof(pd_shape));
        assert_true(back->layers[i].p.macs == g->layers[i].p.macs);
        assert_true(back->layers[i].p.weight_bytes == g->layers[i].p.weight_bytes);
    }
    free(json);
    pd_graph_free(back);
    pd_graph_free(g);

    /* a DAG: an opaque layer may read several tensors, of any shapes */
    g = graph_ok("{\"name\": \"od\", \"input\": [3, 8, 8], \"layers\": ["
                 "{\"name\": \"x\", \"type\": \"opaque\", \"shape\": [4, 8, 8]},"
                 "{\"name\": \"y\", \"type\": \"opaque\", \"shape\": [6, 4, 4], \"input\": "
                 "\"@input\"},"
                 "{\"name\": \"j\", \"type\": \"opaque\", \"shape\": [10, 1, 1], \"inputs\": "
                 "[\"x\", \"y\", \"@input\"], \"exit\": true}]}");
    assert_int_equal(g->layers[2].n_inputs, 3);
    assert_true(pd_graph_feature(g, 2, PD_FEAT_IN_ELEMS) == 4 * 64 + 6 * 16 + 3 * 64);
    assert_false(g->topo->tree);
    pd_graph_free(g);
}

#define OPQ(fields) "{\"name\": \"o\", \"input\": [1, 4, 4], \"layers\": [{\"name\": \"q\", " \
                    "\"type\": \"opaque\"" fields ", \"exit\": true}]}"
static void test_opaque_errors(void **state)
{
    (void)state;
    bad_graph(OPQ(""), "layer \"q\"", "missing field \"shape\"", NULL);
    bad_graph(OPQ(", \"shape\": 4"), "field \"shape\" must be [channels, height, width]", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4]"), "field \"shape\" must be [channels, height, width]",
              NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4, 4]"), "must be [channels, height, width]", NULL);
    bad_graph(OPQ(", \"shape\": [4, 0, 4]"), "field \"shape\"", "[1, 1048576]", NULL);
    bad_graph(OPQ(", \"shape\": [4, -1, 4]"), "field \"shape\"", NULL);
    bad_graph(OPQ(", \"shape\": [4, 1.5, 4]"), "field \"shape\"", "integer", NULL);
    bad_graph(OPQ(", \"shape\": [\"4\", 4, 4]"), "field \"shape\" must be an integer", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 2000000]"), "field \"shape\"", NULL);
    bad_graph(OPQ(", \"shape\": [1048576, 1048576, 2]"), "beyond the limit of 2^40", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"macs\": -1"), "field \"macs\"", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"macs\": \"many\""), "field \"macs\" must be a number",
              NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"macs\": 1e19"), "field \"macs\"", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"weight_bytes\": 1e13"), "field \"weight_bytes\"",
              NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"filters\": 3"), "unknown field \"filters\"", NULL);
    bad_graph(OPQ(", \"shape\": [4, 4, 4], \"inputs\": []"), "field \"inputs\"", NULL);
    bad_graph("{\"name\": \"o\", \"input\": [1, 4, 4], \"layers\": [{\"name\": \"q\", "
              "\"type\": \"opaq\", \"shape\": [1, 1, 1], \"exit\": true}]}",
              "unknown type \"opaq\"", "flatten, opaque)", NULL);
}

/* Opaque layers are planned, never run: every way into the runtime refuses them. */
static void test_opaque_not_run(void **state)
{
    (void)state;
    pd_graph *g = graph_ok(opaque_tree);
    pd_error err;
    const char *want = "model \"ot\": layer \"a\" is opaque (known only by its measured times): "
                       "it can be planned but never run";
    assert_int_equal(pd_graph_check_runnable(g, &err), PD_EINPUT);
    assert_string_equal(err.msg, want);
    pd_weights *w = (pd_weights *)0x1;
    assert_int_equal(pd_weights_random(g, 1, &w, &err), PD_EINPUT);
    assert_null(w);
    assert_string_equal(err.msg, want);
    /* with weights made for nothing, the runtime and the trainer still refuse */
    pd_graph *plain = NULL;
    assert_int_equal(pd_graph_open("b-lenet", &plain, &err), PD_OK);
    assert_int_equal(pd_weights_random(plain, 1, &w, &err), PD_OK);
    assert_int_equal(pd_weights_check(w, g, "w", &err), PD_EINPUT);
    assert_string_equal(err.msg, want);
    pd_net *net = (pd_net *)0x1;
    assert_int_equal(pd_net_new(g, w, "w", 1, &net, &err), PD_EINPUT);
    assert_null(net);
    assert_string_equal(err.msg, want);
    pd_train_config cfg;
    pd_train_config_default(&cfg);
    pd_trainer *tr = (pd_trainer *)0x1;
    assert_int_equal(pd_trainer_new(g, w, &cfg, &tr, &err), PD_EINPUT);
    assert_string_equal(err.msg, want);
    pd_timings t = {0};
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    assert_int_equal(pd_profile_model(g, w, &o, &t, &err), PD_EINPUT);
    assert_string_equal(err.msg, want);
    assert_int_equal(t.n, 0);
    pd_weights_free(w);
    pd_graph_free(plain);
    pd_graph_free(g);

    /* a timings CSV row of an opaque layer would fit a model no profile may hold */
    const char *csv = "source,layer,type,in_elems,median_ms\nx,q,opaque,16,1.5\n";
    pd_timings rows = {0};
    assert_int_equal(pd_timings_parse_csv(csv, strlen(csv), "t.csv", &rows, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "t.csv: line 2: column \"type\": an opaque layer has no "
                                    "latency model"));
    pd_timings_free(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_read),
        cmocka_unit_test(test_table_errors),
        cmocka_unit_test(test_add_measured),
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_problem_and_solvers),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_opaque_graph),
        cmocka_unit_test(test_opaque_errors),
        cmocka_unit_test(test_opaque_not_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
