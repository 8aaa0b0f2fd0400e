/* Single cuts of a DAG (issue 15, point 3): pd_topology_sub_cuts against the definition
 * and against the split runtime's pd_net_can_cut, and Edgent and Neurosurgeon on random
 * DAGs (residual adds, concats, side exits; two and three tiers; with and without the
 * loading term) against every single cut tried and costed by pd_objective_single_exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dag_problem.h"
#include "random_problem.h"
#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/solve.h"
#include "predoff/weights.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

/* A(k) found afresh from the layers' inputs, in index (topological) order; its length. */
static size_t sub_graph(const pd_topology *t, size_t k, int32_t *list)
{
    size_t n = t->n_layers, len = 0;
    char *in = calloc(n, 1);
    assert_non_null(in);
    in[t->exits[k]] = 1;
    for (size_t v = n; v-- > 0;)
        if (in[v]) {
            size_t m;
            const int32_t *ids = pd_topology_inputs(t, v, &m);
            for (size_t j = 0; j < m; j++)
                if (ids[j] >= 0)
                    in[ids[j]] = 1;
        }
    for (size_t v = 0; v < n; v++)
        if (in[v])
            list[len++] = (int32_t)v;
    free(in);
    return len;
}

/* The tensors crossing cut c of list (len layers): those that list[c .. len) reads and does
 * not write. Their number; *one receives one of them. */
static size_t crossing(const pd_topology *t, const int32_t *list, size_t len, size_t c,
                       int32_t *one)
{
    size_t count = 0;
    int32_t seen[256];
    for (size_t p = c; p < len; p++) {
        size_t m;
        const int32_t *ids = pd_topology_inputs(t, (size_t)list[p], &m);
        for (size_t j = 0; j < m; j++) {
            bool after = false, again = false;
            for (size_t q = c; q < len && !after; q++)
                after = list[q] == ids[j];
            for (size_t s = 0; s < count && !again; s++)
                again = seen[s] == ids[j];
            if (!after && !again) {
                assert_true(count < 256);
                seen[count++] = ids[j];
            }
        }
    }
    *one = count ? seen[0] : 0;
    return count;
}

/* The best single cut of exit k between the mobile (slot 0, before the cut) and `server`,
 * every cut one tensor crosses tried (the end, all on the mobile, too), each placement
 * costed whole with the layers off A(k) on the mobile. */
static double best_cut_by_search(const pd_problem *pb, size_t k, int server)
{
    const pd_topology *t = pb->topo;
    int32_t *list = malloc(pb->n_layers * sizeof *list);
    pd_slot *pl = malloc(pb->n_layers);
    assert_non_null(list);
    assert_non_null(pl);
    size_t len = sub_graph(t, k, list);
    double best = INFINITY;
    for (size_t c = 0; c <= len; c++) {
        int32_t u;
        if (c < len && crossing(t, list, len, c, &u) != 1)
            continue;
        memset(pl, 0, pb->n_layers);
        for (size_t p = c; p < len; p++)
            pl[list[p]] = (pd_slot)server;
        best = fmin(best, pd_objective_single_exit(pb, pl, k));
    }
    free(list);
    free(pl);
    return best;
}

/* A placement is one cut of exit k: A(k) is mobile then `server` in topological order,
 * changing where one tensor crosses; every other layer is on the mobile. */
static void assert_single_cut(const pd_problem *pb, const pd_slot *placement, size_t k,
                              int server)
{
    const pd_topology *t = pb->topo;
    int32_t *list = malloc(pb->n_layers * sizeof *list);
    assert_non_null(list);
    size_t len = sub_graph(t, k, list), c = 0;
    while (c < len && placement[list[c]] == 0)
        c++;
    for (size_t p = c; p < len; p++)
        assert_int_equal(placement[list[p]], server);
    int32_t u;
    if (c < len)
        assert_int_equal(crossing(t, list, len, c, &u), 1);
    for (size_t v = 0; v < pb->n_layers; v++)
        if (!pd_topology_in_sub(t, k, v))
            assert_int_equal(placement[v], 0);
    free(list);
}

/* The t-th random DAG (dag_problem.c). */
static pd_problem *random_dag(pd_rng *rng, int trial)
{
    pd_problem *pb;
    pd_error err;
    if (dag_random(rng, trial, &pb, &err))
        fail_msg("random DAG %d: %s", trial, err.msg);
    return pb;
}

static pd_solution run(const char *name, const pd_problem *pb, double deadline)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.deadline_ms = deadline;
    pd_solution sol;
    pd_error err;
    if (pd_solve(pd_solver_find(name), pb, &opt, &sol, &err))
        fail_msg("%s: %s", name, err.msg);
    return sol;
}

/* The cut points of the tests' tiny DAG (tests/fixtures/dag/tiny-dag.json: c1 r1 c2
 * sum(c2, c1) e1; c3(input) cat(sum, c3) e2), worked by hand. Exit e1: before c1 the
 * input; after c1 only c1 (r1 and sum read it); after r1 and c2, c1 still crosses beside
 * them; after sum, sum. Exit e2: the input crosses every cut up to c3, which reads it;
 * after c3, sum and c3; after cat, cat. */
static void test_cuts_by_hand(void **state)
{
    (void)state;
    const size_t start[] = {0, 1, 2, 3, 5, 6, 7, 9, 10};
    const int32_t ids[] = {-1, 0, 1, 2, 0, 3, -1, 3, 5, 6};
    const int32_t exits[] = {4, 7};
    pd_topology *t;
    assert_int_equal(pd_topology_new(8, start, ids, 2, exits, &t, NULL), PD_OK);
    int32_t list[8], cross[9];
    const int32_t S = PD_CUT_SEVERAL;
    const int32_t want1[] = {-1, 0, S, S, 3, 4}, want2[] = {-1, S, S, S, S, S, 6, 7};
    pd_topology_sub_list(t, 0, list);
    assert_int_equal(pd_topology_sub_cuts(t, 0, list, cross, NULL), PD_OK);
    assert_memory_equal(cross, want1, sizeof want1);
    pd_topology_sub_list(t, 1, list);
    assert_int_equal(pd_topology_sub_cuts(t, 1, list, cross, NULL), PD_OK);
    assert_memory_equal(cross, want2, sizeof want2);
    pd_topology_free(t);
}

/* On random DAGs and trees, each cut's tensor as the definition has it; on a tree, every
 * cut is one, the layer before it. */
static void test_cuts_by_definition(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 41);
    size_t several = 0, single = 0;
    for (int trial = 0; trial < 300; trial++) {
        pd_problem *pb;
        bool tree = trial % 4 == 3;
        if (tree) {
            rp_config c = {1 + (size_t)pd_rng_below(&rng, 30), 2, 0, 0.3};
            assert_int_equal(rp_make(&rng, &c, &pb, NULL), PD_OK);
        } else
            pb = random_dag(&rng, trial);
        const pd_topology *t = pb->topo;
        int32_t *list = malloc(pb->n_layers * sizeof *list);
        int32_t *mine = malloc(pb->n_layers * sizeof *mine);
        int32_t *cross = malloc((pb->n_layers + 1) * sizeof *cross);
        assert_non_null(list);
        assert_non_null(mine);
        assert_non_null(cross);
        for (size_t k = 0; k < pb->n_exits; k++) {
            size_t len = sub_graph(t, k, mine);
            assert_int_equal(len, t->sub_len[k]);
            pd_topology_sub_list(t, k, list);
            assert_memory_equal(list, mine, len * sizeof *list);
            assert_int_equal(pd_topology_sub_cuts(t, k, list, cross, NULL), PD_OK);
            assert_int_equal(cross[len], pb->exit_layer[k]);
            for (size_t c = 0; c < len; c++) {
                int32_t u;
                size_t m = crossing(t, list, len, c, &u);
                if (m == 1) {
                    assert_int_equal(cross[c], u);
                    single++;
                } else {
                    assert_int_equal(cross[c], PD_CUT_SEVERAL);
                    several++;
                }
                if (tree)
                    assert_int_equal(cross[c], c ? list[c - 1] : PD_TENSOR_INPUT);
            }
        }
        free(list);
        free(mine);
        free(cross);
        pd_problem_free(pb);
    }
    /* the cases are both there, often */
    assert_true(several > 1000 && single > 1000);
}

/* The cuts are the split runtime's: for every exit of the fixture DAGs (residual,
 * squeeze-and-excitation and inception blocks, the tiny DAG), a cut is one exactly where
 * pd_net_can_cut allows a run to start or end, over the same order of A(k). */
static void test_cuts_are_the_runtimes(void **state)
{
    (void)state;
    const char *const models[] = {"dag-residual/model.json", "dag-inception/model.json",
                                  "dag/tiny-dag.json"};
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        char path[600];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s", PD_SOURCE_DIR, models[m]);
        pd_graph *g;
        pd_weights *w;
        pd_net *net;
        pd_error err;
        if (pd_graph_open(path, &g, &err) || pd_weights_random(g, 3, &w, &err) ||
            pd_net_new(g, w, "random", 1, &net, &err))
            fail_msg("%s: %s", path, err.msg);
        size_t cuts = 0, refused = 0;
        for (size_t k = 0; k < g->n_exits; k++) {
            size_t len;
            const int32_t *path_k = pd_net_path(net, k, &len);
            assert_int_equal(len, g->topo->sub_len[k]);
            int32_t *list = malloc(len * sizeof *list), *cross = malloc((len + 1) * sizeof *cross);
            assert_non_null(list);
            assert_non_null(cross);
            pd_topology_sub_list(g->topo, k, list);
            assert_memory_equal(list, path_k, len * sizeof *list);
            assert_int_equal(pd_topology_sub_cuts(g->topo, k, list, cross, NULL), PD_OK);
            for (size_t c = 0; c <= len; c++) {
                assert_int_equal(pd_net_can_cut(net, k, c), cross[c] != PD_CUT_SEVERAL);
                cuts += cross[c] != PD_CUT_SEVERAL;
                refused += cross[c] == PD_CUT_SEVERAL;
            }
            free(list);
            free(cross);
        }
        assert_true(cuts > 2 && refused > 0);
        pd_net_free(net);
        pd_weights_free(w);
        pd_graph_free(g);
    }
}

/* Neurosurgeon on random DAGs: the most accurate exit, at its best single cut between the
 * mobile and the edge (the cloud when there is no edge), the rest on the mobile. */
static void test_neurosurgeon_on_dags(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 15);
    size_t split = 0;
    for (int trial = 0; trial < 400; trial++) {
        pd_problem *pb = random_dag(&rng, trial);
        assert_false(pb->topo->tree);
        pd_solution sol = run("neurosurgeon", pb, 0.0);
        size_t k = pd_problem_best_exit(pb);
        assert_int_equal(sol.served_exit, (int32_t)k);
        NEAR(sol.objective_ms, best_cut_by_search(pb, k, 1));
        assert_single_cut(pb, sol.placement, k, 1);
        bool mobile = false, server = false;
        for (size_t v = 0; v < pb->n_layers; v++) {
            mobile |= pd_topology_in_sub(pb->topo, k, v) && sol.placement[v] == 0;
            server |= sol.placement[v] == 1;
        }
        split += mobile && server;
        pd_solution_free(&sol);
        pd_problem_free(pb);
    }
    assert_true(split > 20); /* cuts inside the network, not only its ends */
}

/* Edgent on random DAGs: without a deadline the most accurate exit at its best cut; with
 * one, the first exit from the most accurate down whose best cut meets it, or, none
 * meeting it, the fastest, flagged. */
static void test_edgent_on_dags(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 16);
    size_t lower = 0;
    for (int trial = 0; trial < 400; trial++) {
        pd_problem *pb = random_dag(&rng, trial);
        if (pb->tier[1] != PD_TIER_EDGE) {
            pd_solve_options opt;
            pd_solve_options_init(&opt);
            pd_solution sol;
            pd_error err;
            assert_int_equal(pd_solve(pd_solver_find("edgent"), pb, &opt, &sol, &err), PD_EINPUT);
            pd_problem_free(pb);
            continue;
        }
        size_t ne = pb->n_exits, best = pd_problem_best_exit(pb);
        double *by_search = malloc(ne * sizeof *by_search);
        size_t *order = malloc(ne * sizeof *order);
        assert_non_null(by_search);
        assert_non_null(order);
        for (size_t k = 0; k < ne; k++) {
            by_search[k] = best_cut_by_search(pb, k, 1);
            order[k] = k;
        }
        /* from the most accurate down (ties: the later layer first, as the best exit) */
        for (size_t i = 1; i < ne; i++)
            for (size_t j = i; j > 0; j--) {
                size_t a = order[j], b = order[j - 1];
                double x = pb->exit_accuracy[a], y = pb->exit_accuracy[b];
                if (!(x > y || (x == y && pb->exit_layer[a] > pb->exit_layer[b])))
                    break;
                order[j] = b;
                order[j - 1] = a;
            }
        assert_int_equal(order[0], best);
        pd_solution sol = run("edgent", pb, 0.0);
        assert_int_equal(sol.served_exit, (int32_t)best);
        NEAR(sol.objective_ms, by_search[best]);
        assert_single_cut(pb, sol.placement, best, 1);
        assert_false(sol.deadline_missed);
        pd_solution_free(&sol);
        /* a deadline just above one exit's best */
        size_t pick = (size_t)pd_rng_below(&rng, ne);
        double deadline = by_search[pick] * (1.0 + 1e-6);
        size_t want = SIZE_MAX;
        for (size_t r = 0; r < ne && want == SIZE_MAX; r++)
            if (by_search[order[r]] <= deadline)
                want = order[r];
        sol = run("edgent", pb, deadline);
        assert_int_equal(sol.served_exit, (int32_t)want);
        NEAR(sol.objective_ms, by_search[want]);
        assert_single_cut(pb, sol.placement, want, 1);
        assert_false(sol.deadline_missed);
        lower += want != best;
        pd_solution_free(&sol);
        /* none meets it: the fastest exit (the first from the top among equals) */
        size_t fastest = order[0];
        for (size_t r = 1; r < ne; r++)
            if (by_search[order[r]] < by_search[fastest] * (1.0 - 1e-9))
                fastest = order[r];
        sol = run("edgent", pb, 1e-9);
        assert_true(sol.deadline_missed);
        NEAR(sol.objective_ms, by_search[fastest]);
        assert_single_cut(pb, sol.placement, (size_t)sol.served_exit, 1);
        pd_solution_free(&sol);
        free(by_search);
        free(order);
        pd_problem_free(pb);
    }
    assert_true(lower > 20); /* deadlines that a less accurate exit meets */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cuts_by_hand),
        cmocka_unit_test(test_cuts_by_definition),
        cmocka_unit_test(test_cuts_are_the_runtimes),
        cmocka_unit_test(test_neurosurgeon_on_dags),
        cmocka_unit_test(test_edgent_on_dags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
