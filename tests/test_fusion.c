/* Fusion-aware prediction (docs/DESIGN.md, "Fused layers"): what the runtime runs in another
 * layer's pass is costed there, so that a network's predicted layers sum to the layers the
 * profiler times in its runs, and a placement that puts a fused layer apart from its
 * producer pays for both passes, as the runtime then runs them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/cost.h"
#include "predoff/graph.h"
#include "predoff/measure.h"
#include "predoff/runtime.h"
#include "predoff/solve.h"
#include "predoff/weights.h"

/* conv1 + ReLU, conv2 + Clip(0, 6), conv3 + SiLU (sigmoid, mul: both into conv3), a pool
 * and a SiLU of its output (the sigmoid into the multiply), a ReLU after the pool (its own
 * pass: a pool does not fuse), and the classifier. */
static const char MODEL[] =
    "{\"name\": \"fz\", \"input\": [3, 12, 12], \"layers\": ["
    "{\"name\": \"conv1\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 3, \"pad\": 1},"
    "{\"name\": \"relu1\", \"type\": \"relu\"},"
    "{\"name\": \"conv2\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 3, \"pad\": 1},"
    "{\"name\": \"clip2\", \"type\": \"clip\", \"min\": 0, \"max\": 6},"
    "{\"name\": \"conv3\", \"type\": \"conv\", \"filters\": 8, \"kernel\": 1},"
    "{\"name\": \"sig3\", \"type\": \"sigmoid\"},"
    "{\"name\": \"mul3\", \"type\": \"mul\", \"inputs\": [\"conv3\", \"sig3\"]},"
    "{\"name\": \"pool\", \"type\": \"pool\", \"mode\": \"max\", \"kernel\": 2, \"stride\": 2},"
    "{\"name\": \"sig4\", \"type\": \"sigmoid\"},"
    "{\"name\": \"mul4\", \"type\": \"mul\", \"inputs\": [\"sig4\", \"pool\"]},"
    "{\"name\": \"relu4\", \"type\": \"relu\"},"
    "{\"name\": \"fc\", \"type\": \"fc\", \"outputs\": 10, \"exit\": {\"accuracy\": 0.9}}]}";

enum { CONV1, RELU1, CONV2, CLIP2, CONV3, SIG3, MUL3, POOL, SIG4, MUL4, RELU4, FC, N_LAYERS };

/* A tier profile over the features the profiler writes: the conv's fused_act_elems term
 * (`fused_coef`) is the fused activations' cost inside its pass. `fuses` as given. */
static pd_profile *profile_with(bool fuses, double scale, double fused_coef)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\": \"t%g\", %s\"layers\": {"
             "\"conv\": {\"features\": [\"macs\", \"fused_act_elems\"], \"coef\": [%g, %g], "
             "\"intercept\": %g},"
             "\"relu\": {\"features\": [\"in_elems\"], \"coef\": [%g], \"intercept\": %g},"
             "\"clip\": {\"features\": [\"in_elems\"], \"coef\": [%g], \"intercept\": %g},"
             "\"sigmoid\": {\"features\": [\"in_elems\"], \"coef\": [%g], \"intercept\": %g},"
             "\"mul\": {\"features\": [\"in_elems\", \"fused_act_elems\"], \"coef\": [%g, %g], "
             "\"intercept\": %g},"
             "\"pool\": {\"features\": [\"in_elems\"], \"coef\": [%g], \"intercept\": %g},"
             "\"fc\": {\"features\": [\"macs\"], \"coef\": [%g], \"intercept\": %g}}}",
             scale, fuses ? "\"fuses\": true, " : "", 1e-6 * scale, fused_coef * scale, 0.01 * scale,
             1e-4 * scale, 0.02 * scale, 1.1e-4 * scale, 0.02 * scale, 3e-4 * scale,
             0.03 * scale, 1e-4 * scale, 2e-4 * scale, 0.02 * scale, 5e-5 * scale,
             0.01 * scale, 1e-6 * scale, 0.01 * scale);
    pd_profile *p = NULL;
    pd_error err;
    if (pd_profile_from_json(json, strlen(json), "fz.json", &p, &err) != PD_OK)
        fail_msg("%s", err.msg);
    return p;
}

static pd_profile *profile(bool fuses, double scale)
{
    return profile_with(fuses, scale, 2e-5);
}

static pd_graph *open_model(void)
{
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(MODEL, strlen(MODEL), "fz", &g, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(g->n_layers, N_LAYERS);
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, NULL), PD_OK);
    return g;
}

/* A problem of g on mobile (profile m) and, when e, the edge (profile e). */
static pd_problem *problem(const pd_graph *g, pd_profile *m, pd_profile *e)
{
    pd_scenario sc;
    pd_error err;
    assert_int_equal(pd_scenario_init(&sc, &err), PD_OK);
    pd_profile_free(sc.profile[PD_TIER_MOBILE]);
    pd_profile_free(sc.profile[PD_TIER_EDGE]);
    sc.profile[PD_TIER_MOBILE] = m;
    sc.profile[PD_TIER_EDGE] = e;
    sc.uses[PD_TIER_EDGE] = e != NULL;
    pd_problem *pb = NULL;
    if (pd_problem_build(g, &sc, &pb, &err) != PD_OK)
        fail_msg("%s", err.msg);
    pd_scenario_free(&sc);
    return pb;
}

/* The exact solver's optimum is brute force's on pb (what the fused-kernel cap keeps). */
static void exact_is_brute(const pd_problem *pb)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution ex, br;
    pd_error err;
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &ex, &err), PD_OK);
    assert_int_equal(pd_solve(pd_solver_find("brute"), pb, &opt, &br, &err), PD_OK);
    assert_true(fabs(ex.objective_ms - br.objective_ms) <= 1e-9 * br.objective_ms);
    pd_solution_free(&ex);
    pd_solution_free(&br);
}

/* The rule on the graph: each fused layer and the pass it runs in. */
static void test_the_runtime_rule(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    static const int32_t want[N_LAYERS] = {-1, CONV1, -1, CONV2, -1, CONV3, CONV3,
                                           -1, MUL4,  -1,   -1, -1};
    for (size_t i = 0; i < N_LAYERS; i++)
        if (pd_graph_fused_into(g, i) != want[i])
            fail_msg("layer %s: fused into %d, not %d", g->layers[i].name,
                     pd_graph_fused_into(g, i), want[i]);
    const double n1 = 8 * 12 * 12, n4 = 8 * 6 * 6;
    assert_true(pd_graph_feature(g, CONV1, PD_FEAT_FUSED_ACT_ELEMS) == n1);
    assert_true(pd_graph_feature(g, CONV3, PD_FEAT_FUSED_ACT_ELEMS) == 2 * n1); /* the pair */
    assert_true(pd_graph_feature(g, MUL4, PD_FEAT_FUSED_ACT_ELEMS) == n4);
    assert_true(pd_graph_feature(g, POOL, PD_FEAT_FUSED_ACT_ELEMS) == 0.0);
    /* of those, the elements through an exp: a SiLU's sigmoid, not a ReLU's or a Clip's */
    static const double exps[N_LAYERS] = {[CONV3] = 8 * 12 * 12, [MUL4] = 8 * 6 * 6};
    for (size_t i = 0; i < N_LAYERS; i++)
        if (pd_graph_feature(g, i, PD_FEAT_FUSED_EXP_ELEMS) != exps[i])
            fail_msg("layer %s: fused_exp_elems %g, not %g", g->layers[i].name,
                     pd_graph_feature(g, i, PD_FEAT_FUSED_EXP_ELEMS), exps[i]);
    /* no engine: nothing fused, its feature not known */
    assert_int_equal(pd_graph_set_feature_hook(g, NULL, NULL), PD_OK);
    assert_int_equal(pd_graph_fused_into(g, RELU1), -1);
    assert_true(isnan(pd_graph_feature(g, CONV1, PD_FEAT_FUSED_ACT_ELEMS)));
    pd_graph_free(g);
}

/* The profiler's rows: the fused layers marked with their producer (timed alone), the
 * producers carrying what they fuse. A fit keeps the marked rows for their types. The network's
 * predicted layers (all on one tier) sum to the profile's predictions of the rows of its
 * own passes: no fused layer counted twice. */
static void test_sum_is_the_producers(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    pd_weights *w = NULL;
    pd_error err;
    assert_int_equal(pd_weights_random(g, 7, &w, &err), PD_OK);
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = 2;
    o.warmup = 1;
    o.threads = 1;
    pd_timings t = {0};
    if (pd_profile_model(g, w, &o, &t, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(t.n, N_LAYERS);
    size_t marked = 0;
    for (size_t i = 0; i < N_LAYERS; i++) {
        const pd_layer_timing *r = &t.rows[i];
        int32_t into = pd_graph_fused_into(g, i);
        assert_string_equal(r->fused_into, into >= 0 ? g->layers[into].name : "");
        assert_true(r->features[PD_FEAT_FUSED_ACT_ELEMS] ==
                    pd_graph_feature(g, i, PD_FEAT_FUSED_ACT_ELEMS));
        assert_true(r->features[PD_FEAT_FUSED_EXP_ELEMS] ==
                    pd_graph_feature(g, i, PD_FEAT_FUSED_EXP_ELEMS));
        marked += into >= 0;
    }
    assert_int_equal(marked, 5);
    pd_profile *mobile = profile(true, 1.0);
    double *pred = malloc(t.n * sizeof *pred);
    assert_non_null(pred);
    assert_int_equal(pd_profile_predict_timings(mobile, &t, pred, &err), PD_OK);
    double rows = 0.0, all_rows = 0.0;
    for (size_t i = 0; i < t.n; i++) {
        all_rows += pred[i];
        if (!t.rows[i].fused_into[0])
            rows += pred[i];
    }
    pd_problem *pb = problem(g, mobile, NULL);
    pd_slot on_mobile[N_LAYERS] = {0};
    double sum = 0.0;
    for (size_t i = 0; i < N_LAYERS; i++)
        sum += pd_problem_compute_ms(pb, on_mobile, i);
    if (fabs(sum - rows) > 1e-12 * rows)
        fail_msg("predicted layers %.17g, the rows of their own passes %.17g (all rows %.17g)",
                 sum, rows, all_rows);
    assert_true(all_rows > rows + 0.05); /* the marked rows' time would have counted twice */
    /* on one tier the objective is that sum, the input's transfer (none) and the result's */
    assert_true(fabs(pd_objective(pb, on_mobile) - sum) <= 1e-12 * sum);
    pd_problem_free(pb);
    /* a profile that does not fuse costs every layer its own pass, as before */
    pb = problem(g, profile(false, 1.0), NULL);
    double unfused = 0.0;
    for (size_t i = 0; i < N_LAYERS; i++)
        unfused += pd_problem_compute_ms(pb, on_mobile, i);
    assert_true(fabs(unfused - all_rows) <= 1e-12 * all_rows);
    assert_null(pb->fused_into);
    pd_problem_free(pb);
    /* a fit keeps the marked rows: their own pass, what a fused layer costs placed apart from
     * its producer (MobileNetV2's Clips are all fused, and a profile without a clip model
     * could not plan it) */
    pd_fit_options fo;
    pd_fit_options_init(&fo);
    pd_profile *fitted = NULL;
    if (pd_fit_profile(&t, &fo, "fitted", &fitted, NULL, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_true(fitted->fuses);
    for (size_t i = 0; i < t.n; i++)
        if (t.rows[i].fused_into[0] && !fitted->layer[t.rows[i].type].present)
            fail_msg("%s (fused) has no model of its type", t.rows[i].layer);
    pd_profile_free(fitted);
    free(pred);
    pd_timings_free(&t);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* conv1 on the mobile, relu1 on the edge: the runtime runs each in a pass of its own, so the
 * placement pays relu1's own pass on the edge and conv1's loss of the fusion on the mobile,
 * besides the transfers; the solvers join such a pair (exact = brute). */
static void test_split_pair(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    pd_problem *pb = problem(g, profile(true, 1.0), profile(true, 0.25));
    const size_t nt = 2;
    pd_slot all[N_LAYERS] = {0}, split[N_LAYERS] = {0};
    for (size_t i = RELU1; i < N_LAYERS; i++)
        split[i] = 1; /* conv1 on the mobile, the rest on the edge */
    pd_slot joined[N_LAYERS];
    memcpy(joined, split, sizeof joined);
    joined[RELU1] = 0; /* the cut after relu1: the same bytes cross */
    const double relu_edge = 1e-4 * 0.25 * 8 * 144 + 0.02 * 0.25,
                 loss = -2e-5 * 8 * 144; /* conv1 on the mobile without its ReLU */
    const double e_split = pd_objective(pb, split), e_joined = pd_objective(pb, joined);
    if (fabs(e_split - e_joined - (relu_edge + loss)) > 1e-9)
        fail_msg("split %.17g, joined %.17g: apart %.17g, not %.17g", e_split, e_joined,
                 e_split - e_joined, relu_edge + loss);
    assert_true(pb->compute_ms[RELU1 * nt + 1] == 0.0); /* with its producer: nothing */
    assert_true(fabs(pb->unfused_ms[RELU1 * nt + 1] - relu_edge) <= 1e-12);
    pd_evaluation ev;
    pd_error err;
    assert_int_equal(pd_evaluate(pb, split, &ev, &err), PD_OK);
    assert_true(fabs(ev.expected_ms - e_split) <= 1e-9);
    pd_evaluation_free(&ev);
    /* what pd_solve does to every solver's placement: the pair joined on conv1's tier */
    pd_slot fixed[N_LAYERS];
    memcpy(fixed, split, sizeof fixed);
    assert_true(pd_problem_join_fused(pb, -1, fixed));
    assert_memory_equal(fixed, joined, sizeof fixed);
    assert_false(pd_problem_join_fused(pb, -1, fixed)); /* nothing left apart */
    assert_false(pd_problem_join_fused(pb, -1, all));
    /* no solver leaves a pair apart, and exact is brute's optimum (the objective above) */
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution ex, br;
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &ex, &err), PD_OK);
    assert_int_equal(pd_solve(pd_solver_find("brute"), pb, &opt, &br, &err), PD_OK);
    assert_true(fabs(ex.objective_ms - br.objective_ms) <= 1e-9 * br.objective_ms);
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    for (size_t s = 0; s < n; s++) {
        pd_solution sol;
        if (pd_solve(&solvers[s], pb, &opt, &sol, &err) != PD_OK)
            continue; /* a solver that refuses this scenario (no cloud) */
        for (size_t i = 0; i < N_LAYERS; i++)
            if (pb->fused_into[i] >= 0 && sol.placement[i] != sol.placement[pb->fused_into[i]])
                fail_msg("%s: %s apart from its producer", solvers[s].name, g->layers[i].name);
        assert_true(fabs(sol.objective_ms - pd_objective(pb, sol.placement)) <=
                        1e-12 * sol.objective_ms ||
                    sol.served_exit >= 0);
        pd_solution_free(&sol);
    }
    pd_solution_free(&ex);
    pd_solution_free(&br);
    /* a pin that keeps relu1 apart is kept, and costed apart */
    assert_int_equal(pd_problem_pin(pb, RELU1, 1, &err), PD_OK);
    assert_int_equal(pd_problem_pin(pb, CONV1, 0, &err), PD_OK);
    memcpy(fixed, split, sizeof fixed);
    assert_false(pd_problem_join_fused(pb, -1, fixed));
    assert_int_equal(pd_solve(pd_solver_find("exact"), pb, &opt, &ex, &err), PD_OK);
    assert_int_equal(ex.placement[RELU1], 1);
    assert_int_equal(ex.placement[CONV1], 0);
    assert_int_equal(pd_solve(pd_solver_find("brute"), pb, &opt, &br, &err), PD_OK);
    assert_true(ex.objective_ms >= br.objective_ms - 1e-9);
    pd_solution_free(&ex);
    pd_solution_free(&br);
    pd_problem_free(pb);
    pd_graph_free(g);
}

/* A SiLU pair fused into its convolution, cut between the sigmoid and the multiply: each of
 * the three its own pass (the runtime runs the sigmoid alone at the end of the run, the
 * multiply alone at the start of the next), the convolution's loss counted once. */
static void test_split_silu(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    pd_problem *pb = problem(g, profile(true, 1.0), profile(true, 1.0));
    const size_t nt = 2;
    pd_slot a[N_LAYERS] = {0}, b[N_LAYERS] = {0};
    b[MUL3] = 1; /* only the multiply apart */
    const double conv3_loss = pb->unfused_ms[CONV3 * nt] - pb->compute_ms[CONV3 * nt];
    const double want = conv3_loss + pb->unfused_ms[SIG3 * nt] + pb->unfused_ms[MUL3 * nt + 1];
    assert_true(pb->unfused_ms[SIG3 * nt] > 0.0);
    double got = 0.0;
    for (size_t i = CONV3; i <= MUL3; i++)
        got += pd_problem_compute_ms(pb, b, i) - pd_problem_compute_ms(pb, a, i);
    assert_true(fabs(got - want) <= 1e-12);
    assert_true(conv3_loss < 0.0); /* the fused kernel costs more than the convolution alone */
    pd_problem_free(pb);
    pd_graph_free(g);
}

/* A fused kernel is costed as its fit predicts it, and its producer's pass apart is raised
 * where that fit says more than the passes apart (the fused layer's on its cheapest tier):
 * F_t(p) <= U_t(p) + U_t'(a), what keeps the joined placements optimal (DESIGN.md); where
 * the fit says less, both stand. */
static void test_fused_kernel_bounds_apart(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    const size_t nt = 2, n = 8 * 144;
    pd_problem *pb = problem(g, profile_with(true, 1.0, 1e-3), profile(true, 0.25));
    const double relu_edge = 1e-4 * 0.25 * n + 0.02 * 0.25;
    const double conv1 = 1e-6 * pd_graph_feature(g, CONV1, PD_FEAT_MACS) + 0.01;
    /* mobile: the fit's 1e-3 per element stands; conv1 apart is raised to it less relu1's
     * pass on the edge */
    assert_true(fabs(pb->compute_ms[CONV1 * nt] - (conv1 + 1e-3 * n)) <= 1e-12);
    assert_true(fabs(pb->unfused_ms[CONV1 * nt] - (pb->compute_ms[CONV1 * nt] - relu_edge)) <=
                1e-12);
    assert_true(pb->unfused_ms[CONV1 * nt] > conv1 + 0.5);
    /* edge: 2e-5 per element, below the passes apart: both as predicted */
    assert_true(fabs(pb->compute_ms[CONV1 * nt + 1] - 0.25 * (conv1 + 2e-5 * n)) <= 1e-12);
    assert_true(fabs(pb->unfused_ms[CONV1 * nt + 1] - 0.25 * conv1) <= 1e-12);
    exact_is_brute(pb);
    pd_problem_free(pb);
    pd_graph_free(g);
}

/* Both of a SiLU pair bound the convolution's fused kernel: its pass apart is raised only
 * where the fit's SiLU term passes the sigmoid's and the multiply's cheapest passes together,
 * not the cheaper of the two alone (a fused SiLU costs an exp per element; the fourteenth
 * session's cap at the multiply's pass priced EfficientNet's SiLU convolutions at half their
 * time). Between the two, term and pass stand. Exact still equals brute. */
static void test_silu_bounded_by_both(void **state)
{
    (void)state;
    pd_graph *g = open_model();
    const size_t nt = 2, n_silu = 2 * 8 * 144;
    pd_problem *pb = problem(g, profile_with(true, 1.0, 5e-5), profile(true, 0.25));
    double sig = INFINITY, mul = INFINITY;
    for (size_t s = 0; s < nt; s++) {
        sig = fmin(sig, pb->unfused_ms[SIG3 * nt + s]);
        mul = fmin(mul, pb->unfused_ms[MUL3 * nt + s]);
    }
    const double term = 5e-5 * n_silu; /* the fit's SiLU inside conv3 on the mobile */
    assert_true(term > fmin(sig, mul) && term < sig + mul); /* below both, above either */
    const double got = pb->compute_ms[CONV3 * nt] - pb->unfused_ms[CONV3 * nt];
    if (fabs(got - term) > 1e-12)
        fail_msg("conv3's fused SiLU costs %.17g, its fit says %.17g (sigmoid %.17g, mul %.17g)",
                 got, term, sig, mul);
    exact_is_brute(pb);
    pd_problem_free(pb);
    pd_graph_free(g);
}

/* A convolution read by two ReLUs, each on its own exit's branch: both fused into it, but a
 * run holds one of them (fused_act_elems counts one), so its pass apart is bounded by one
 * ReLU, the cheaper, not the two ReLUs' sum; the fused kernel stands as its fit says; exact
 * still equals brute. */
static void test_branch_relus_bound_by_one(void **state)
{
    (void)state;
    static const char branched[] =
        "{\"name\": \"br\", \"input\": [3, 8, 8], \"layers\": ["
        "{\"name\": \"conv1\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1},"
        "{\"name\": \"relu_a\", \"type\": \"relu\"},"
        "{\"name\": \"fc_a\", \"type\": \"fc\", \"outputs\": 5, \"exit\": {\"accuracy\": 0.5}},"
        "{\"name\": \"relu_b\", \"type\": \"relu\", \"inputs\": [\"conv1\"]},"
        "{\"name\": \"fc_b\", \"type\": \"fc\", \"outputs\": 5, \"exit\": {\"accuracy\": 0.9}}]}";
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(branched, strlen(branched), "br", &g, &err) != PD_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pd_graph_set_feature_hook(g, &pd_runtime_hook, NULL), PD_OK);
    assert_int_equal(pd_graph_fused_into(g, 1), 0);
    assert_int_equal(pd_graph_fused_into(g, 3), 0);
    const double n = 4 * 64;
    assert_true(pd_graph_feature(g, 0, PD_FEAT_FUSED_ACT_ELEMS) == n);
    const size_t nt = 2;
    pd_problem *pb = problem(g, profile_with(true, 1.0, 6e-5), profile(true, 0.25));
    const double relu = fmin(pb->unfused_ms[1 * nt], pb->unfused_ms[1 * nt + 1]);
    assert_true(6e-5 * n > relu && 6e-5 * n < 2 * relu); /* above one ReLU, below both */
    const double conv1 = 1e-6 * pd_graph_feature(g, 0, PD_FEAT_MACS) + 0.01;
    assert_true(fabs(pb->compute_ms[0] - (conv1 + 6e-5 * n)) <= 1e-12);
    const double got = pb->compute_ms[0] - pb->unfused_ms[0];
    if (fabs(got - relu) > 1e-12)
        fail_msg("conv1's pass apart is %.17g below its fused kernel, not one ReLU's %.17g", got,
                 relu);
    exact_is_brute(pb);
    pd_problem_free(pb);
    pd_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_runtime_rule),
        cmocka_unit_test(test_sum_is_the_producers),
        cmocka_unit_test(test_split_pair),
        cmocka_unit_test(test_split_silu),
        cmocka_unit_test(test_fused_kernel_bounds_apart),
        cmocka_unit_test(test_silu_bounded_by_both),
        cmocka_unit_test(test_branch_relus_bound_by_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
