/* Does the profiler time a layer as it takes inside a whole run? For one model it alternates,
 * round by round, whole runs of the path to its last exit (pd_net_run, each layer's time
 * taken) with the profiler timing each layer alone, back to back (pd_profile_model with
 * `alone`, as `predoff profile --alone`), and inside runs (its default), all on nets of the
 * same thread count, and prints per type and kind the three sums over the path, the
 * ratios to the run's, the layers whose time alone differs most, and the whole run's median.
 *
 * Usage: bench_profile_check MODEL [--threads T] [--runs N] [--rounds R]
 * A layer that a whole run runs in a neighbour's pass (pd_net_fused: a ReLU in the
 * convolution's before it, a sigmoid in the SiLU pass of the multiply after it; its time 0
 * there) is compared together with that neighbour: profile(conv) + profile(relu) against
 * run(conv), and its own profiled time is also reported apart (what a per-layer cost model
 * counts and a run does not spend). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "predoff/measure.h"
#include "predoff/onnx.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

static const char USAGE[] = "usage: bench_profile_check MODEL [--threads T] [--runs N] "
                            "[--rounds R]\n";

/* Quality rows' index: a layer's kind, or its type. */
static size_t group_of(const pd_layer *l)
{
    pd_layer_kind k = pd_layer_kind_of(l);
    return k != PD_KIND_NONE ? PD_LAYER_TYPE_COUNT + (size_t)k : (size_t)l->type;
}

static const char *group_name(size_t q)
{
    return q < PD_LAYER_TYPE_COUNT ? pd_layer_type_name((pd_layer_type)q)
                                   : pd_layer_kind_name((pd_layer_kind)(q - PD_LAYER_TYPE_COUNT));
}

int main(int argc, char **argv)
{
    const char *model = NULL;
    int threads = 2, runs = 20, rounds = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool ok = true;
        if (strcmp(a, "--threads") == 0 && i + 1 < argc)
            ok = bench_int_arg(argv[++i], 1, PD_THREADS_MAX, &threads);
        else if (strcmp(a, "--runs") == 0 && i + 1 < argc)
            ok = bench_int_arg(argv[++i], 1, 100000, &runs);
        else if (strcmp(a, "--rounds") == 0 && i + 1 < argc)
            ok = bench_int_arg(argv[++i], 1, 1000, &rounds);
        else if (a[0] != '-' && !model)
            model = a;
        else
            ok = false;
        if (!ok) {
            fprintf(stderr, "bench_profile_check: bad argument \"%s\"\n%s", a, USAGE);
            return 2;
        }
    }
    if (!model) {
        fputs(USAGE, stderr);
        return 2;
    }
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    pd_error err;
    int status = 1;
    double *run_ms = NULL, *whole = NULL, *prof = NULL, *inrun = NULL, *lm = NULL, *v = NULL;
    float *x = NULL;
    pd_timings t = {0};
    if (pd_model_open(model, &g, &w, &err) || (!w && pd_weights_random(g, 1, &w, &err))) {
        fprintf(stderr, "bench_profile_check: %s\n", err.msg);
        return 2;
    }
    if (pd_net_new(g, w, model, threads, &net, &err)) {
        fprintf(stderr, "bench_profile_check: %s\n", err.msg);
        goto done;
    }
    const size_t exit_k = g->n_exits - 1;
    size_t len;
    const int32_t *path = pd_net_path(net, exit_k, &len);
    const size_t n_in = (size_t)pd_shape_elems(g->input), total_runs = (size_t)rounds * runs;
    x = malloc(n_in * sizeof *x);
    lm = malloc(len * sizeof *lm);
    run_ms = malloc(len * total_runs * sizeof *run_ms); /* [layer][run] */
    whole = malloc(total_runs * sizeof *whole);
    prof = malloc(g->n_layers * (size_t)rounds * sizeof *prof); /* [layer][round]: alone */
    inrun = malloc(g->n_layers * (size_t)rounds * sizeof *inrun); /* the same, in runs */
    v = malloc((total_runs > (size_t)rounds ? total_runs : (size_t)rounds) * sizeof *v);
    if (!x || !lm || !run_ms || !whole || !prof || !inrun || !v) {
        fprintf(stderr, "bench_profile_check: out of memory\n");
        goto done;
    }
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (size_t i = 0; i < n_in; i++)
        x[i] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    pd_profiler_options po;
    pd_profiler_options_init(&po);
    po.repeats = (size_t)runs;
    po.threads = threads;
    const float *y;
    size_t ny;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < 5 + runs; k++) { /* 5 untimed, then timed */
            double t0 = bench_now_ms();
            if (pd_net_run(net, exit_k, 0, len, x, n_in, &y, &ny, lm, &err)) {
                fprintf(stderr, "bench_profile_check: %s\n", err.msg);
                goto done;
            }
            double ms = bench_now_ms() - t0;
            if (k < 5)
                continue;
            size_t run = (size_t)r * runs + (size_t)(k - 5);
            whole[run] = ms;
            for (size_t i = 0; i < len; i++)
                run_ms[i * total_runs + run] = lm[i];
        }
        for (int mode = 0; mode < 2; mode++) {
            t.n = 0;
            po.alone = mode == 0;
            if (pd_profile_model(g, w, &po, &t, &err)) {
                fprintf(stderr, "bench_profile_check: %s\n", err.msg);
                goto done;
            }
            for (size_t i = 0; i < g->n_layers; i++)
                (mode ? inrun : prof)[i * (size_t)rounds + (size_t)r] = t.rows[i].median_ms;
        }
    }
    /* per path position: the run's median, the profile's median round */
    double sum_run = 0, sum_prof = 0, sum_in = 0, fused_ms = 0;
    double grp_run[PD_FIT_QUALITY_ROWS] = {0}, grp_prof[PD_FIT_QUALITY_ROWS] = {0},
           grp_in[PD_FIT_QUALITY_ROWS] = {0};
    int grp_n[PD_FIT_QUALITY_ROWS] = {0};
    double *p_med = malloc(len * sizeof *p_med), *r_med = malloc(len * sizeof *r_med),
           *i_med = malloc(len * sizeof *i_med);
    bool *fused = malloc(len * sizeof *fused);
    if (!p_med || !r_med || !i_med || !fused) {
        free(p_med);
        free(r_med);
        free(i_med);
        free(fused);
        fprintf(stderr, "bench_profile_check: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < len; i++) {
        memcpy(v, run_ms + i * total_runs, total_runs * sizeof *v);
        r_med[i] = bench_quantile(v, total_runs, 0.5);
        memcpy(v, prof + (size_t)path[i] * (size_t)rounds, (size_t)rounds * sizeof *v);
        p_med[i] = bench_quantile(v, (size_t)rounds, 0.5);
        memcpy(v, inrun + (size_t)path[i] * (size_t)rounds, (size_t)rounds * sizeof *v);
        i_med[i] = bench_quantile(v, (size_t)rounds, 0.5);
    }
    /* a layer run in a neighbour's pass: its profiled times added to the neighbour's */
    for (size_t i = 0; i < len; i++) {
        fused[i] = pd_net_fused(net, exit_k, i);
        if (!fused[i])
            continue;
        size_t j = g->layers[path[i]].type == PD_LAYER_RELU ? i - 1 : i + 1;
        p_med[j] += p_med[i];
        i_med[j] += i_med[i];
        fused_ms += i_med[i];
    }
    for (size_t i = 0; i < len; i++) {
        if (fused[i])
            continue;
        size_t q = group_of(&g->layers[path[i]]);
        grp_run[q] += r_med[i];
        grp_prof[q] += p_med[i];
        grp_in[q] += i_med[i];
        grp_n[q]++;
        sum_run += r_med[i];
        sum_prof += p_med[i];
        sum_in += i_med[i];
    }
    memcpy(v, whole, total_runs * sizeof *v);
    double whole_med = bench_quantile(v, total_runs, 0.5);
    char cpu[128], date[64];
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    printf("bench_profile_check: %s; %s; %s to exit %s (%zu layers), %d threads, %d rounds of "
           "%d whole runs and a profile of %d runs a layer\n",
           date, cpu, model, g->layers[g->exits[exit_k]].name, len, threads, rounds, runs, runs);
    printf("%-16s %6s %10s %7s %10s %7s %10s\n", "type", "layers", "alone ms", "/run",
           "profile ms", "/run", "run ms");
    for (size_t q = 0; q < PD_FIT_QUALITY_ROWS; q++)
        if (grp_n[q])
            printf("%-16s %6d %10.3f %7.3f %10.3f %7.3f %10.3f\n", group_name(q), grp_n[q],
                   grp_prof[q], grp_run[q] > 0 ? grp_prof[q] / grp_run[q] : NAN, grp_in[q],
                   grp_run[q] > 0 ? grp_in[q] / grp_run[q] : NAN, grp_run[q]);
    printf("path: alone %.3f ms, profile %.3f ms (of which fused layers timed alone %.3f), "
           "layers in run %.3f ms, whole run median %.3f ms\n",
           sum_prof, sum_in, fused_ms, sum_run, whole_med);
    printf("alone_ms=%.6f profile_ms=%.6f fused_ms=%.6f in_run_ms=%.6f whole_ms=%.6f\n",
           sum_prof, sum_in, fused_ms, sum_run, whole_med);
    /* the ten layers whose time alone and in a run differ most, in ms */
    printf("largest differences (alone - in run):\n");
    for (int top = 0; top < 10; top++) {
        size_t best = len;
        double bd = -1;
        for (size_t i = 0; i < len; i++) {
            if (fused[i])
                continue;
            double d = fabs(p_med[i] - r_med[i]);
            if (d > bd) {
                bd = d;
                best = i;
            }
        }
        if (best == len || bd < 0)
            break;
        const pd_layer *l = &g->layers[path[best]];
        char desc[96];
        pd_layer_describe(l, desc, sizeof desc);
        printf("  %+8.3f ms  alone %8.3f  run %8.3f  %-14s %-22s in %lldx%lldx%lld  %s\n",
               p_med[best] - r_med[best], p_med[best], r_med[best], group_name(group_of(l)),
               desc, (long long)l->in.c, (long long)l->in.h, (long long)l->in.w, l->name);
        r_med[best] = p_med[best]; /* listed */
    }
    free(p_med);
    free(r_med);
    free(i_med);
    free(fused);
    status = 0;
done:
    pd_timings_free(&t);
    free(x);
    free(lm);
    free(run_ms);
    free(whole);
    free(prof);
    free(inrun);
    free(v);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
