/* The cost module's file writers against their readers: plan files (pd_plan_write,
 * pd_placement_write_tiers -> pd_placement_from_json) and accuracy files
 * (pd_accuracy_write -> pd_scenario_read_accuracies). */
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

#include "core/file.h"
#include "core/json_util.h"
#include "predoff/objective.h"
#include "predoff/placement.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"

static void temp_path(char *path, size_t size)
{
    snprintf(path, size, "/tmp/predoff-test-cost-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static char *slurp(const char *path, size_t *len)
{
    char *text = NULL;
    pd_error err;
    if (pd_read_file(path, 1 << 22, &text, len, &err))
        fail_msg("%s", err.msg);
    return text;
}

static cJSON *parse_file(const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    cJSON *root = NULL;
    assert_int_equal(pd_json_parse(text, len, &root, NULL), PD_OK);
    free(text);
    return root;
}

/* cJSON prints 15 digits when they read back within an ulp or so: not always the bits. */
#define SAME(a, b) same_((a), (b), #a, __LINE__)

static void same_(double got, double want, const char *what, int line)
{
    if (!(fabs(got - want) <= 1e-14 * fabs(want)))
        fail_msg("line %d: %s = %.17g, want %.17g", line, what, got, want);
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number \"%s\"", key);
    return v->valuedouble;
}

typedef struct setup {
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
} setup;

static void setup_open(setup *s, const char *model, int cloud)
{
    assert_int_equal(pd_graph_open(model, &s->g, NULL), PD_OK);
    assert_int_equal(pd_scenario_init(&s->sc, NULL), PD_OK);
    s->sc.uses[PD_TIER_CLOUD] = cloud;
    assert_int_equal(pd_problem_build(s->g, &s->sc, &s->pb, NULL), PD_OK);
}

static void setup_close(setup *s)
{
    pd_problem_free(s->pb);
    pd_scenario_free(&s->sc);
    pd_graph_free(s->g);
}

/* Solves, writes the plan, and reads its placement back: the solver's, slot for slot. */
static cJSON *solve_write_read(setup *s, const char *solver, const char *path,
                               pd_solution *sol, pd_evaluation *ev)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.ga.generations = 5;
    opt.seed = 7;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find(solver), s->pb, &opt, sol, &err), PD_OK);
    assert_int_equal(pd_evaluate(s->pb, sol->placement, ev, &err), PD_OK);
    pd_plan plan;
    pd_plan_ga ga;
    pd_plan_init(&plan, s->g, &s->sc, s->pb, solver, sol->placement, ev);
    pd_plan_from_solution(&plan, sol, &opt, &ga);
    if (pd_plan_write(&plan, path, &err))
        fail_msg("%s", err.msg);
    size_t len;
    char *text = slurp(path, &len);
    pd_slot *back = calloc(s->g->n_layers, sizeof *back);
    assert_non_null(back);
    if (pd_placement_from_json(text, len, path, s->g, s->pb, back, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < s->g->n_layers; i++)
        assert_int_equal(back[i], sol->placement[i]);
    free(back);
    free(text);
    return parse_file(path);
}

static void test_plan_round_trip(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    setup s;
    setup_open(&s, "b-alexnet", 1);
    pd_solution sol;
    pd_evaluation ev = {0};
    cJSON *root = solve_write_read(&s, "exact", path, &sol, &ev);
    const cJSON *solver = cJSON_GetObjectItemCaseSensitive(root, "solver");
    assert_true(cJSON_IsString(solver));
    assert_string_equal(solver->valuestring, "exact");
    /* every figure as the evaluation has it, to the bit */
    SAME(number(root, "expected_latency_ms"), ev.expected_ms);
    SAME(number(root, "load_ms"), ev.load_ms);
    SAME(number(root, "below_requirement"), sol.below_requirement);
    const cJSON *tiers = cJSON_GetObjectItemCaseSensitive(root, "tiers");
    assert_int_equal(cJSON_GetArraySize(tiers), 3);
    const cJSON *exits = cJSON_GetObjectItemCaseSensitive(root, "exits");
    assert_int_equal(cJSON_GetArraySize(exits), (int)s.pb->n_exits);
    for (size_t k = 0; k < s.pb->n_exits; k++) {
        const cJSON *e = cJSON_GetArrayItem(exits, (int)k);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "exit")->valuestring,
                            s.g->layers[s.pb->exit_layer[k]].name);
        SAME(number(e, "latency_ms"), ev.exit_ms[k]);
        SAME(number(e, "probability"), s.pb->exit_prob[k]);
    }
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "ga"));
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "served_exit"));
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "scenario");
    SAME(number(sc, "uplink_bps"), s.sc.uplink_bps);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sc, "profiles"), "cloud"));
    cJSON_Delete(root);
    pd_evaluation_free(&ev);
    pd_solution_free(&sol);

    /* the GA's parameters and history */
    root = solve_write_read(&s, "ga", path, &sol, &ev);
    const cJSON *ga = cJSON_GetObjectItemCaseSensitive(root, "ga");
    assert_true(cJSON_IsObject(ga));
    SAME(number(ga, "generations"), 5);
    SAME(number(ga, "seed"), 7);
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(ga, "best_ms");
    assert_int_equal(cJSON_GetArraySize(best), (int)sol.n_history);
    SAME(cJSON_GetArrayItem(best, (int)sol.n_history - 1)->valuedouble,
         sol.history_best[sol.n_history - 1]);
    cJSON_Delete(root);
    pd_evaluation_free(&ev);
    pd_solution_free(&sol);

    /* one exit serving every task: only that exit, its latency the solver's */
    root = solve_write_read(&s, "edgent", path, &sol, &ev);
    assert_true(sol.served_exit >= 0);
    const cJSON *served = cJSON_GetObjectItemCaseSensitive(root, "served_exit");
    assert_true(cJSON_IsString(served));
    assert_string_equal(served->valuestring, s.g->layers[s.pb->exit_layer[sol.served_exit]].name);
    SAME(number(root, "expected_latency_ms"), sol.objective_ms);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "load_ms"));
    exits = cJSON_GetObjectItemCaseSensitive(root, "exits");
    assert_int_equal(cJSON_GetArraySize(exits), 1);
    SAME(number(cJSON_GetArrayItem(exits, 0), "probability"), 1.0);
    cJSON_Delete(root);
    pd_evaluation_free(&ev);
    pd_solution_free(&sol);
    setup_close(&s);
    unlink(path);
}

/* A placement only evaluated: no solver figures. */
static void test_plan_evaluated_only(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    setup s;
    setup_open(&s, "b-alexnet", 0);
    pd_slot *placement = calloc(s.g->n_layers, sizeof *placement);
    assert_non_null(placement);
    placement[s.g->n_layers - 1] = 1;
    pd_evaluation ev = {0};
    assert_int_equal(pd_evaluate(s.pb, placement, &ev, NULL), PD_OK);
    pd_plan plan;
    pd_plan_init(&plan, s.g, &s.sc, s.pb, "eval", placement, &ev);
    assert_int_equal(pd_plan_write(&plan, path, NULL), PD_OK);
    cJSON *root = parse_file(path);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "solve_time_ms"));
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "below_requirement"));
    SAME(number(root, "expected_latency_ms"), ev.expected_ms);
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(root, "placement");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(pl, s.g->layers[s.g->n_layers - 1].name)->valuestring,
        "edge");
    cJSON_Delete(root);
    /* a figure that is not finite: refused, nothing written */
    unlink(path);
    ev.expected_ms = NAN;
    pd_error err;
    assert_int_equal(pd_plan_write(&plan, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "expected_latency_ms"));
    assert_int_not_equal(access(path, F_OK), 0);
    pd_evaluation_free(&ev);
    free(placement);
    setup_close(&s);
}

static void test_placement_tiers_round_trip(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    pd_graph *g;
    assert_int_equal(pd_graph_open("b-alexnet", &g, NULL), PD_OK);
    pd_tier *tiers = malloc(g->n_layers * sizeof *tiers), *back = malloc(g->n_layers * sizeof *back);
    assert_non_null(tiers);
    assert_non_null(back);
    for (size_t i = 0; i < g->n_layers; i++)
        tiers[i] = (pd_tier)((i * 7 + i / 3) % PD_TIER_COUNT);
    assert_int_equal(pd_placement_write_tiers(g, tiers, path, NULL), PD_OK);
    size_t len;
    char *text = slurp(path, &len);
    pd_error err;
    if (pd_placement_tiers_from_json(text, len, path, g, back, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < g->n_layers; i++)
        assert_int_equal(back[i], tiers[i]);
    free(text);
    tiers[3] = PD_TIER_COUNT;
    assert_int_equal(pd_placement_write_tiers(g, tiers, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, g->layers[3].name));
    free(back);
    free(tiers);
    pd_graph_free(g);
    unlink(path);
}

static void test_accuracy_round_trip(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    pd_graph *g;
    assert_int_equal(pd_graph_open("b-lenet", &g, NULL), PD_OK);
    assert_int_equal(g->n_exits, 2);
    double acc[2] = {0.6125, 0.8875}, thr[2] = {0.1, 0.5}, racc[2] = {0.875, 0.75},
           mean[2] = {1.75, 1.25}, share[4] = {0.25, 0.75, 0.6, 0.4};
    pd_accuracy_record r = {g, "w.safetensors", "data", "test", 400, acc, 2, thr, racc, mean,
                            share};
    pd_error err;
    if (pd_accuracy_write(&r, path, &err))
        fail_msg("%s", err.msg);
    pd_scenario sc;
    memset(&sc, 0, sizeof sc);
    if (pd_scenario_read_accuracies(&sc, g, path, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(sc.n_exit_accuracy, 2);
    assert_true(sc.exit_accuracy[0] == acc[0]);
    assert_true(sc.exit_accuracy[1] == acc[1]);
    assert_string_equal(sc.accuracy_source, path);
    pd_scenario_free(&sc);
    cJSON *root = parse_file(path);
    SAME(number(root, "samples"), 400);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "entropy_thresholds");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    const cJSON *row = cJSON_GetArrayItem(rows, 1);
    SAME(number(row, "threshold"), 0.5);
    SAME(number(row, "accuracy"), 0.75);
    SAME(number(row, "mean_exit"), 1.25);
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(row, "share");
    SAME(number(sh, g->layers[g->exits[0]].name), 0.6);
    SAME(number(sh, g->layers[g->exits[1]].name), 0.4);
    cJSON_Delete(root);

    /* no thresholds: no list */
    r.n_thresholds = 0;
    assert_int_equal(pd_accuracy_write(&r, path, NULL), PD_OK);
    root = parse_file(path);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "entropy_thresholds"));
    cJSON_Delete(root);
    /* an accuracy that is not finite is refused, naming the exit */
    acc[1] = NAN;
    assert_int_equal(pd_accuracy_write(&r, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, g->layers[g->exits[1]].name));
    pd_graph_free(g);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_round_trip),
        cmocka_unit_test(test_plan_evaluated_only),
        cmocka_unit_test(test_placement_tiers_round_trip),
        cmocka_unit_test(test_accuracy_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
