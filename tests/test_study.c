/* src/study pieces of experiment fmnist: the centred demand, and the what-if plan that puts
 * its problem back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/graph.h"
#include "predoff/study.h"

static void test_centred_demand(void **state)
{
    (void)state;
    pd_error err;
    pd_distribution d;
    const double two[] = {0.8568, 0.8507};
    assert_int_equal(pd_centred_demand(two, 2, &d, &err), PD_OK);
    assert_string_equal(d.spec, "normal:0.85375,0.001525");
    assert_int_equal(d.kind, PD_DIST_NORMAL);
    assert_true(d.a == 0.85375 && d.b == 0.001525); /* what the spec parses to */
    pd_distribution_free(&d);
    /* the paper's assumed accuracies: near the paper's N(0.625, 0.053) */
    const double paper[] = {0.524, 0.598, 0.655, 0.712, 0.784};
    assert_int_equal(pd_centred_demand(paper, 5, &d, &err), PD_OK);
    assert_string_equal(d.spec, "normal:0.6546,0.065");
    pd_distribution_free(&d);
    /* equal accuracies: the floor */
    const double same[] = {0.9, 0.9, 0.9};
    assert_int_equal(pd_centred_demand(same, 3, &d, &err), PD_OK);
    assert_true(d.a == 0.9 && d.b == PD_CENTRED_MIN_SIGMA);
    pd_distribution_free(&d);
    assert_int_equal(pd_centred_demand(same, 0, &d, &err), PD_EINPUT);
}

/* b-lenet with the given accuracies and demand. */
static pd_problem *lenet_problem(const double *acc, const char *demand)
{
    pd_error err;
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb = NULL;
    assert_int_equal(pd_graph_open("b-lenet", &g, &err), PD_OK);
    assert_int_equal(pd_scenario_init(&sc, &err), PD_OK);
    sc.exit_accuracy = malloc(2 * sizeof *sc.exit_accuracy);
    assert_non_null(sc.exit_accuracy);
    memcpy(sc.exit_accuracy, acc, 2 * sizeof *acc);
    sc.n_exit_accuracy = 2;
    sc.uplink_bps = sc.downlink_bps = 2e6; /* a rate where the plan splits */
    pd_distribution_free(&sc.demand);
    assert_int_equal(pd_distribution_parse(demand, &sc.demand, &err), PD_OK);
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_OK);
    pd_scenario_free(&sc);
    pd_graph_free(g);
    return pb;
}

static void test_what_if_restores(void **state)
{
    (void)state;
    const double measured[] = {0.8568, 0.8507}, other[] = {0.6, 0.9};
    pd_problem *pb = lenet_problem(measured, "normal:0.85375,0.001525");
    pd_problem *ref = lenet_problem(other, "normal:0.625,0.053");
    size_t ne = pb->n_exits, nl = pb->n_layers;
    double *acc = malloc(ne * sizeof *acc), *prob = malloc(ne * sizeof *prob);
    double *w = malloc(nl * sizeof *w), unmet = pb->unmet_probability;
    assert_true(acc && prob && w);
    memcpy(acc, pb->exit_accuracy, ne * sizeof *acc);
    memcpy(prob, pb->exit_prob, ne * sizeof *prob);
    memcpy(w, pb->weight, nl * sizeof *w);

    pd_error err;
    pd_distribution paper;
    assert_int_equal(pd_distribution_parse("normal:0.625,0.053", &paper, &err), PD_OK);
    pd_what_if wi;
    assert_int_equal(pd_what_if_solve(pb, other, &paper, &wi, &err), PD_OK);
    /* the problem is as it was */
    assert_memory_equal(pb->exit_accuracy, acc, ne * sizeof *acc);
    assert_memory_equal(pb->exit_prob, prob, ne * sizeof *prob);
    assert_memory_equal(pb->weight, w, nl * sizeof *w);
    assert_true(pb->unmet_probability == unmet);
    /* and the answer is the exact plan of a problem built with those accuracies and demand */
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    assert_int_equal(pd_solve(pd_solver_find("exact"), ref, &opt, &sol, &err), PD_OK);
    assert_true(wi.expected_ms == sol.objective_ms);
    assert_true(wi.unmet == ref->unmet_probability);
    assert_memory_equal(wi.exit_prob, ref->exit_prob, ne * sizeof *ref->exit_prob);
    assert_memory_equal(wi.placement, sol.placement, nl * sizeof *sol.placement);
    pd_solution_free(&sol);
    pd_what_if_free(&wi);
    pd_distribution_free(&paper);
    free(acc);
    free(prob);
    free(w);
    pd_problem_free(ref);
    pd_problem_free(pb);
}

static void test_exit_accuracies_by_name(void **state)
{
    (void)state;
    pd_graph *a, *lenet;
    assert_int_equal(pd_graph_open("b-alexnet", &a, NULL), PD_OK);
    assert_int_equal(pd_graph_open("b-lenet", &lenet, NULL), PD_OK);
    double acc[8] = {0};
    assert_true(pd_exit_accuracies_by_name(a, a, acc));
    for (size_t k = 0; k < a->n_exits; k++)
        assert_true(acc[k] == a->layers[a->exits[k]].accuracy);
    assert_false(pd_exit_accuracies_by_name(lenet, a, acc)); /* no namesakes */
    pd_graph_free(lenet);
    pd_graph_free(a);
}

/* The GA over seeds at each rate of a sweep: best <= median <= worst, never below the
 * exact optimum of that rate. */
static void test_sweep_ga(void **state)
{
    (void)state;
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
    assert_int_equal(pd_graph_open("b-alexnet", &g, NULL), PD_OK);
    assert_int_equal(pd_scenario_init(&sc, NULL), PD_OK);
    assert_int_equal(pd_problem_build(g, &sc, &pb, NULL), PD_OK);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.ga.generations = 5;
    pd_sweep sw = {0};
    pd_sweep_ga ga = {0};
    assert_int_equal(pd_bandwidth_sweep(pb, &opt, 1e6, 1e8, 3, sc.wired_bps, 0, 0, &sw, NULL),
                     PD_OK);
    assert_int_equal(pd_sweep_ga_run(pb, &opt, 3, &sw, sc.wired_bps, 0, 0, &ga, NULL), PD_OK);
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    size_t exact = 0;
    while (strcmp(solvers[exact].name, "exact") != 0)
        exact++;
    assert_int_equal(ga.runs, 3);
    for (size_t p = 0; p < sw.n_points; p++) {
        double ex = sw.objective_ms[p * sw.n_solvers + exact];
        assert_true(ga.best[p] <= ga.median[p] && ga.median[p] <= ga.worst[p]);
        assert_true(ga.best[p] >= ex * (1 - 1e-9));
        assert_true(ga.reached[p] <= 3);
        assert_true((ga.reached[p] > 0) == (ga.best[p] <= ex * (1 + 1e-9)));
    }
    pd_sweep_ga_free(&ga);
    pd_sweep_ga_free(NULL);
    pd_sweep_free(&sw);
    pd_problem_free(pb);
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centred_demand),
        cmocka_unit_test(test_exit_accuracies_by_name),
        cmocka_unit_test(test_sweep_ga),
        cmocka_unit_test(test_what_if_restores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
