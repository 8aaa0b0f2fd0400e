/* Benchmark of boosted-tree profiles at scale (issue 16, point 7): every layer of a chain
 * of --layers layers (default 10^5: 3 x 3 and 1 x 1 convolutions of 8 to 48 filters on
 * 8 x 8 maps, a ReLU after each) costed by a boosted profile,
 *   (a) all at once (pd_profile_layers_ms: one XGBoost call per entry), against a linear
 *       profile's, and one layer at a time (pd_profile_layer_ms, the first 10^4 layers);
 *   (b) the problem built (pd_problem_build: the layer times on both tiers and the rest);
 *   (c) the exact solver on the problem, once the layer times are known: the same arrays
 *       whichever profile made them, so it should take the same time.
 * The boosted profile is --mobile FILE (a fitted profile covering conv and relu), else one
 * fitted here to synthetic timings of those types (a known law, as tests/test_boosted.c);
 * with --run-ms, the law's rows carry a second time, with a buffer read and a wait between
 * runs (reuse_law, as tests/test_boosted.c's run_ms_profile), so that its trees read run_ms,
 * and the profile fuses: the path every boosted fit of this runtime's sweep takes (the runs
 * settled, the fused groups costed apart too);
 * the linear one is x86-1core, the edge x86-2core. Each figure is the median of --runs runs
 * (default 5) after one warm-up. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "predoff/measure.h"
#include "predoff/objective.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "reuse_law.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_boosted [--runs N] [--layers N] [--mobile BOOSTED.json | --run-ms]\n");
}

/* The chain: conv (3 x 3 or 1 x 1, filters cycling), relu, ..., the last relu the exit. */
static pd_graph *chain(size_t n, pd_error *err)
{
    pd_graph_builder *b;
    if (pd_graph_builder_new("chain", NULL, (pd_shape){16, 8, 8}, n, &b, err))
        return NULL;
    static const int filters[] = {16, 32, 24, 8, 48, 16, 40};
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "l%zu", i);
        int32_t in = i ? (int32_t)(i - 1) : PD_TENSOR_INPUT;
        pd_layer_spec s = {.name = name, .type = i % 2 ? PD_LAYER_RELU : PD_LAYER_CONV,
                           .n_inputs = 1, .inputs = &in, .is_exit = i == n - 1,
                           .has_accuracy = i == n - 1, .accuracy = 0.9};
        pd_layer_params_default(s.type, &s.p);
        if (s.type == PD_LAYER_CONV) {
            int k = (i / 2) % 3 ? 3 : 1;
            s.p.filters = filters[(i / 2) % 7];
            s.p.kernel = s.p.kernel_w = k;
            s.p.pad = s.p.pad_w = s.p.pad_b = s.p.pad_r = k / 2;
        }
        if (pd_graph_builder_add(b, &s, err)) {
            pd_graph_builder_free(b);
            return NULL;
        }
    }
    pd_graph *g = NULL;
    if (pd_graph_builder_finish(b, &g, err))
        return NULL;
    if (pd_graph_set_feature_hook(g, &pd_runtime_hook, err)) {
        pd_graph_free(g);
        return NULL;
    }
    return g;
}

/* Timings of conv and relu layers of a known law, with every column (tests/test_boosted.c). */
static pd_status law_timings(pd_timings *t, bool run_ms, pd_error *err)
{
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (int c = 4; c <= 128; c *= 2)
        for (int hw = 4; hw <= 64; hw *= 2)
            for (int f = 4; f <= 128; f *= 2)
                for (int k = 1; k <= 3; k += 2)
                    for (int relu = 0; relu < 2; relu++) {
                        pd_layer_timing r = {.type = relu ? PD_LAYER_RELU : PD_LAYER_CONV,
                                             .p10_ms = NAN, .p90_ms = NAN, .mean_ms = NAN,
                                             .repeats = 10};
                        if (relu && (f != 4 || k != 1))
                            continue;
                        double in = (double)c * hw * hw, out = relu ? in : (double)f * hw * hw;
                        double macs = relu ? 0 : in * f * k * k;
                        double feat[PD_FEATURE_COUNT] = {
                            [PD_FEAT_IN_ELEMS] = in,
                            [PD_FEAT_OUT_ELEMS] = out,
                            [PD_FEAT_IN_BYTES] = 4 * in,
                            [PD_FEAT_OUT_BYTES] = 4 * out,
                            [PD_FEAT_KERNEL_FILTERS] = relu ? 0 : k * k * f,
                            [PD_FEAT_KERNEL_FILTERS_CHANNELS] = relu ? 0 : k * k * f * c,
                            [PD_FEAT_MACS] = macs,
                            [PD_FEAT_WEIGHT_BYTES] = relu ? 0 : 4.0 * (c * f * k * k + f),
                            [PD_FEAT_MODEL_BYTES] = 1e6,
                            [PD_FEAT_RUNTIME_MACS] = macs,
                            [PD_FEAT_TRANSFORM_ELEMS] = 0,
                            [PD_FEAT_FUSED_ACT_ELEMS] = 0,
                            [PD_FEAT_RUN_BYTES] = 1e6,
                            [PD_FEAT_FUSED_EXP_ELEMS] = 0,
                            [PD_FEAT_RUN_MS] = NAN, /* no run's time: the trees leave it */
                        };
                        _Static_assert(PD_FEATURE_COUNT == 15, "a value for every feature");
                        double shape[PD_SHAPE_COLUMN_COUNT] = {
                            c, hw, hw, relu ? 0 : f, relu ? 0 : k, relu ? 0 : k, !relu,
                            relu ? 0 : k / 2, !relu, relu ? c : f, hw, hw};
                        memcpy(r.features, feat, sizeof feat);
                        memcpy(r.shape, shape, sizeof shape);
                        double ms = relu ? 1e-6 * in + 0.001 : (k == 3 ? 1e-7 : 5e-7) * macs + 0.002;
                        r.median_ms = ms * (1.0 + 0.02 * (2.0 * pd_rng_uniform(&rng) - 1.0));
                        if (run_ms) /* warm at half the time in runs under 5 ms */
                            reuse_law(&r, t->n);
                        pd_status st = pd_timings_add(t, &r, err);
                        if (st)
                            return st;
                    }
    return PD_OK;
}

static double median(double *v, size_t n)
{
    return bench_quantile(v, n, 0.5);
}

int main(int argc, char **argv)
{
    int runs = 5, layers = 100000;
    const char *mobile = NULL;
    bool run_ms = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc && bench_int_arg(argv[i + 1], 1, 63, &runs))
            i++;
        else if (strcmp(argv[i], "--layers") == 0 && i + 1 < argc &&
                 bench_int_arg(argv[i + 1], 2, 10000000, &layers))
            i++;
        else if (strcmp(argv[i], "--mobile") == 0 && i + 1 < argc && !run_ms)
            mobile = argv[++i];
        else if (strcmp(argv[i], "--run-ms") == 0 && !mobile)
            run_ms = true;
        else
            return bench_usage_exit(argv[i], usage);
    }
    char cpu[128], date[64];
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    pd_error err;
    pd_graph *g = chain((size_t)layers, &err);
    pd_profile *bst = NULL, *lin = NULL;
    pd_timings t = {0};
    pd_fit_options o;
    pd_fit_options_init(&o);
    o.model = PD_MODEL_BOOSTED;
    if (!g || (mobile ? pd_profile_open(mobile, &bst, &err)
                      : law_timings(&t, run_ms, &err) ||
                            pd_fit_profile(&t, &o, "law", &bst, NULL, &err)) ||
        pd_profile_open("x86-1core", &lin, &err)) {
        fprintf(stderr, "bench_boosted: %s\n", err.msg);
        return 1;
    }
    printf("bench_boosted: %s, %s, a chain of %d layers, median of %d runs after a warm-up\n",
           date, cpu, layers, runs);
    bst->fuses |= run_ms;
    printf("boosted profile: %s%s\n", mobile ? mobile : "fitted here to a known law (conv, relu)",
           run_ms ? ", its trees reading run_ms, fusing" : "");
    for (int e = 0; e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(bst, e);
        int n;
        if (m->present && m->boosted) {
            pd_boosted_columns(m->boosted, &n);
            printf("  %s: boosted trees over %d columns\n", pd_profile_entry_name(e), n);
        }
    }
    size_t n = g->n_layers, few = n < 10000 ? n : 10000;
    double *ms = malloc(n * sizeof *ms), tb[64], tl[64], t1[64], pb_b[64], pb_l[64], sb[64],
           sl[64];
    pd_scenario sb_sc, sl_sc;
    if (!ms || pd_scenario_init(&sb_sc, &err) || pd_scenario_init(&sl_sc, &err))
        return 1;
    double sum_b = 0.0, sum_l = 0.0;
    for (int r = 0; r <= runs; r++) {
        double t0 = bench_now_ms();
        if (pd_profile_layers_ms(bst, g, ms, &err)) {
            fprintf(stderr, "bench_boosted: %s\n", err.msg);
            return 1;
        }
        double t_b = bench_now_ms() - t0;
        sum_b = 0.0;
        for (size_t i = 0; i < n; i++)
            sum_b += ms[i];
        t0 = bench_now_ms();
        pd_profile_layers_ms(lin, g, ms, &err);
        double t_l = bench_now_ms() - t0;
        sum_l = 0.0;
        for (size_t i = 0; i < n; i++)
            sum_l += ms[i];
        t0 = bench_now_ms();
        for (size_t i = 0; i < few; i++)
            ms[i] = pd_profile_layer_ms(bst, g, i);
        double t_1 = bench_now_ms() - t0;
        if (r > 0 && r <= 63) {
            tb[r - 1] = t_b;
            tl[r - 1] = t_l;
            t1[r - 1] = t_1;
        }
    }
    printf("(a) every layer's time: boosted %.1f ms, linear %.1f ms (sums %.1f and %.1f ms); "
           "one by one, boosted, %zu layers: %.1f ms\n",
           median(tb, (size_t)runs), median(tl, (size_t)runs), sum_b, sum_l, few,
           median(t1, (size_t)runs));
    pd_profile_free(sb_sc.profile[PD_TIER_MOBILE]);
    sb_sc.profile[PD_TIER_MOBILE] = bst;
    pd_profile_free(sl_sc.profile[PD_TIER_MOBILE]);
    sl_sc.profile[PD_TIER_MOBILE] = lin;
    pd_scenario *scs[2] = {&sb_sc, &sl_sc};
    for (int s = 0; s < 2; s++) {
        pd_profile_free(scs[s]->profile[PD_TIER_EDGE]);
        scs[s]->profile[PD_TIER_EDGE] = NULL;
        if (pd_profile_open("x86-2core", &scs[s]->profile[PD_TIER_EDGE], &err))
            return 1;
    }
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    if (pd_profile_covers(bst, g, &err)) { /* a profile of some types: (a) alone */
        printf("(b), (c): not run: %s\n", err.msg);
        runs = -1;
    }
    for (int r = 0; r <= runs; r++)
        for (int s = 0; s < 2; s++) {
            pd_problem *pb = NULL;
            double t0 = bench_now_ms();
            if (pd_problem_build(g, scs[s], &pb, &err)) {
                fprintf(stderr, "bench_boosted: %s\n", err.msg);
                return 1;
            }
            double built = bench_now_ms() - t0;
            pd_solution sol;
            if (pd_solve(pd_solver_find("exact"), pb, &opt, &sol, &err)) {
                fprintf(stderr, "bench_boosted: %s\n", err.msg);
                return 1;
            }
            if (r > 0 && r <= 63) {
                double *at_build = s ? pb_l : pb_b, *at_solve = s ? sl : sb;
                at_build[r - 1] = built;
                at_solve[r - 1] = sol.solve_ms;
            }
            pd_solution_free(&sol);
            pd_problem_free(pb);
        }
    if (runs < 0)
        return 0;
    printf("(b) pd_problem_build (mobile and edge): boosted mobile %.1f ms, linear %.1f ms\n",
           median(pb_b, (size_t)runs), median(pb_l, (size_t)runs));
    printf("(c) exact solver once the times are known: boosted %.2f ms, linear %.2f ms\n",
           median(sb, (size_t)runs), median(sl, (size_t)runs));
    pd_scenario_free(&sb_sc);
    pd_scenario_free(&sl_sc);
    pd_timings_free(&t);
    free(ms);
    pd_graph_free(g);
    return 0;
}
