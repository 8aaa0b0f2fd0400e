/* Benchmark of the inference runtime on a real model: the path from the input to one exit
 * (by default the trunk's, the network's own classifier) at batch 1, against the machine's
 * FMA peak measured in the same run (bench/support/fma_peak.c). bench/bench_models.py runs
 * it on the six ONNX architectures alternated with PyTorch; docs/PERFORMANCE.md reports the
 * figures.
 *
 * Usage: bench_models MODEL [--exit NAME] [--threads T] [--runs N] [--warmup N] [--layers]
 *                     [--peak-reps N]
 * MODEL is an ONNX file (its own weights) or a built-in model or JSON file (random weights,
 * seed 1). It prints a human summary and one machine-readable line
 *   median_ms=... p10_ms=... p90_ms=... gflops=... macs=... peak_gflops=... ...
 * and with --layers each layer type's share of the time (a line kind=... each, then
 * layers_total_ms=...). With --stdin-rounds it loads the model once and then does one round
 * (warm-up, timed runs, FMA peak, that line) for each line read from standard input, until
 * its end: a driver that keeps its other side warm across rounds (bench_models.py keeps
 * PyTorch loaded) keeps this side warm too. GFLOPS count 2 a multiply-accumulate of pd_layer_macs: what a direct
 * convolution does, so a layer run by Winograd's method may pass the FMA peak. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "fma_peak.h"
#include "predoff/graph.h"
#include "predoff/onnx.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"

static const char USAGE[] =
    "usage: bench_models MODEL [--exit NAME] [--threads T] [--runs N] [--warmup N] "
    "[--layers] [--peak-reps N] [--stdin-rounds]\n"
    "  MODEL         an ONNX file, or a built-in model or JSON file (random weights)\n"
    "  --exit NAME   the exit to run to (default: the trunk's, the network's classifier)\n"
    "  --threads T   threads the net splits each layer over, 1 to 256 (default 2)\n"
    "  --runs N      timed runs, and with --layers the runs timed per layer (default 20)\n"
    "  --warmup N    untimed runs first (default 5)\n"
    "  --layers      also time each layer and print each layer type's share\n"
    "  --peak-reps N repetitions of the FMA peak, 0 to skip it (default 7)\n"
    "  --stdin-rounds one round for each line on standard input, in one process\n";

/* Layer kinds of the --layers report: the convolutions by how the runtime runs them. */
enum {
    KIND_CONV_DEPTHWISE,
    KIND_CONV_GROUPED,
    KIND_CONV_WINOGRAD,
    KIND_CONV_POINTWISE,
    KIND_CONV_OTHER,
    KIND_FIRST_TYPE /* then one kind per other layer type, in pd_layer_type order */
};
enum { KIND_COUNT = KIND_FIRST_TYPE + PD_LAYER_TYPE_COUNT };

static int layer_kind(const pd_layer *l, bool vector_convs)
{
    if (l->type != PD_LAYER_CONV)
        return KIND_FIRST_TYPE + (int)l->type;
    if (l->p.groups > 1 && l->p.groups == l->in.c && l->p.groups == l->p.filters)
        return KIND_CONV_DEPTHWISE;
    if (l->p.groups > 1)
        return KIND_CONV_GROUPED;
    if (vector_convs && pd_layer_winograd_tile(l) != 0)
        return KIND_CONV_WINOGRAD;
    if (l->p.kernel == 1 && l->p.kernel_w == 1)
        return KIND_CONV_POINTWISE;
    return KIND_CONV_OTHER;
}

static const char *kind_name(int k)
{
    static const char *const conv[KIND_FIRST_TYPE] = {"conv/depthwise", "conv/grouped",
                                                      "conv/winograd", "conv/pointwise",
                                                      "conv/other"};
    return k < KIND_FIRST_TYPE ? conv[k] : pd_layer_type_name((pd_layer_type)(k - KIND_FIRST_TYPE));
}

typedef struct options {
    const char *model, *exit_name;
    int threads, runs, warmup, peak_reps;
    bool layers, stdin_rounds;
} options;

/* Parses argv into o; prints what is wrong and returns false on a bad argument. */
static bool parse_args(int argc, char **argv, options *o)
{
    *o = (options){.threads = 2, .runs = 20, .warmup = 5, .peak_reps = 7};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--layers") == 0) {
            o->layers = true;
            continue;
        }
        if (strcmp(a, "--stdin-rounds") == 0) {
            o->stdin_rounds = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(USAGE, stdout);
            exit(0);
        }
        if (strcmp(a, "--exit") == 0 || strcmp(a, "--threads") == 0 ||
            strcmp(a, "--runs") == 0 || strcmp(a, "--warmup") == 0 ||
            strcmp(a, "--peak-reps") == 0) {
            if (!has_value) {
                fprintf(stderr, "bench_models: %s needs a value\n%s", a, USAGE);
                return false;
            }
            const char *v = argv[++i];
            bool ok = true;
            if (strcmp(a, "--exit") == 0)
                o->exit_name = v;
            else if (strcmp(a, "--threads") == 0)
                ok = bench_int_arg(v, 1, PD_THREADS_MAX, &o->threads);
            else if (strcmp(a, "--runs") == 0)
                ok = bench_int_arg(v, 1, 1000000, &o->runs);
            else if (strcmp(a, "--warmup") == 0)
                ok = bench_int_arg(v, 0, 1000000, &o->warmup);
            else
                ok = bench_int_arg(v, 0, 1000, &o->peak_reps);
            if (!ok) {
                fprintf(stderr, "bench_models: %s \"%s\": expected a whole number (%s)\n", a,
                        v,
                        strcmp(a, "--threads") == 0  ? "1 to 256"
                        : strcmp(a, "--runs") == 0   ? "1 to 1000000"
                        : strcmp(a, "--warmup") == 0 ? "0 to 1000000"
                                                     : "0 to 1000");
                return false;
            }
            continue;
        }
        if (a[0] == '-' || o->model) {
            fprintf(stderr, "bench_models: unexpected argument \"%s\"\n%s", a, USAGE);
            return false;
        }
        o->model = a;
    }
    if (!o->model) {
        fprintf(stderr, "bench_models: give a MODEL\n%s", USAGE);
        return false;
    }
    return true;
}

/* The exit's index in g->exits: the one named, else the trunk's (met last on the way from
 * the input). Prints why and returns false if there is none. */
static bool find_exit(const pd_graph *g, const char *name, size_t *exit_k)
{
    if (name) {
        int32_t l = pd_graph_find(g, name);
        for (size_t k = 0; k < g->n_exits; k++)
            if (l >= 0 && g->exits[k] == l) {
                *exit_k = k;
                return true;
            }
        fprintf(stderr, "bench_models: --exit: \"%s\" is not an exit of \"%s\" (its exits:",
                name, g->name);
        for (size_t k = 0; k < g->n_exits; k++)
            fprintf(stderr, " %s", g->layers[g->exits[k]].name);
        fprintf(stderr, ")\n");
        return false;
    }
    size_t *order = malloc(g->n_exits * sizeof *order);
    pd_error err;
    if (!order) {
        fprintf(stderr, "bench_models: out of memory\n");
        return false;
    }
    if (pd_graph_exit_path_order(g, order, &err)) {
        fprintf(stderr, "bench_models: %s\n", err.msg);
        free(order);
        return false;
    }
    *exit_k = order[g->n_exits - 1];
    free(order);
    return true;
}

/* The FMA peak of the widest vectors this CPU has, on `threads` threads, printed; and the
 * next narrower one's for reference. Returns the peak (negative if not measured). */
static double report_peak(int threads, int reps, const char **isa_out)
{
    bench_fma_isa best = bench_fma_best();
    *isa_out = bench_fma_isa_name(best);
    if (reps == 0) {
        printf("FMA peak: not measured (--peak-reps 0)\n");
        return -1;
    }
    double peak = bench_fma_peak(best, threads, reps, 30.0);
    if (peak < 0) {
        printf("FMA peak: could not be measured (%s, %d threads)\n", *isa_out, threads);
        return -1;
    }
    printf("FMA peak: %.1f GFLOPS (%s, %d threads; median of %d)", peak, *isa_out, threads,
           reps);
    if (best == BENCH_FMA_AVX512F) {
        double avx2 = bench_fma_peak(BENCH_FMA_AVX2, threads, reps, 30.0);
        if (avx2 > 0)
            printf("; avx2+fma: %.1f GFLOPS", avx2);
    }
    printf("\n");
    return peak;
}

/* Times each layer of the path over `runs` runs and prints each kind's share. */
static int report_layers(pd_net *net, const pd_graph *g, size_t exit_k, const int32_t *path,
                         size_t len, const float *x, size_t n_in, int runs, double whole_ms)
{
    double *times = malloc(len * sizeof *times);
    double *all = malloc(len * (size_t)runs * sizeof *all); /* [layer][run] */
    double *med = malloc(len * sizeof *med);
    size_t *slow = malloc(len * sizeof *slow);
    int status = 1;
    if (!times || !all || !med || !slow) {
        fprintf(stderr, "bench_models: out of memory\n");
        goto done;
    }
    pd_error err;
    const float *y;
    size_t ny;
    for (int r = 0; r < runs; r++) {
        if (pd_net_run(net, exit_k, 0, len, x, n_in, &y, &ny, times, &err)) {
            fprintf(stderr, "bench_models: %s\n", err.msg);
            goto done;
        }
        for (size_t i = 0; i < len; i++)
            all[i * (size_t)runs + (size_t)r] = times[i];
    }
    const bool vec = pd_runtime_vector_convolutions();
    double kind_ms[KIND_COUNT] = {0}, kind_macs[KIND_COUNT] = {0}, sum = 0;
    int kind_layers[KIND_COUNT] = {0};
    for (size_t i = 0; i < len; i++) {
        const pd_layer *l = &g->layers[path[i]];
        med[i] = bench_quantile(all + i * (size_t)runs, (size_t)runs, 0.5);
        int k = layer_kind(l, vec);
        kind_ms[k] += med[i];
        kind_macs[k] += pd_layer_macs(l);
        kind_layers[k]++;
        sum += med[i];
        slow[i] = i;
    }
    printf("layer types (median of %d runs of each layer, summed: %.3f ms against the whole "
           "path's %.3f ms; a ReLU after a convolution runs in its pass, its time in the "
           "convolution's):\n",
           runs, sum, whole_ms);
    printf("  %-16s %6s %10s %7s %8s\n", "kind", "layers", "ms", "share", "GFLOPS");
    for (int k = 0; k < KIND_COUNT; k++) {
        if (!kind_layers[k])
            continue;
        double share = sum > 0 ? kind_ms[k] / sum : 0;
        double gf = kind_ms[k] > 0 ? 2.0 * kind_macs[k] / (kind_ms[k] * 1e6) : 0;
        printf("  %-16s %6d %10.3f %6.1f%% %8.1f\n", kind_name(k), kind_layers[k], kind_ms[k],
               100.0 * share, gf);
    }
    for (int k = 0; k < KIND_COUNT; k++)
        if (kind_layers[k])
            printf("kind=%s layers=%d ms=%.6f share=%.6f macs=%.0f\n", kind_name(k),
                   kind_layers[k], kind_ms[k], sum > 0 ? kind_ms[k] / sum : 0, kind_macs[k]);
    printf("layers_total_ms=%.6f whole_ms=%.6f\n", sum, whole_ms);
    /* the slowest layers, by insertion: len is at most a few hundred */
    for (size_t i = 1; i < len; i++)
        for (size_t j = i; j > 0 && med[slow[j]] > med[slow[j - 1]]; j--) {
            size_t t = slow[j];
            slow[j] = slow[j - 1];
            slow[j - 1] = t;
        }
    size_t top = len < 10 ? len : 10;
    printf("slowest %zu layers:\n", top);
    for (size_t s = 0; s < top; s++) {
        const pd_layer *l = &g->layers[path[slow[s]]];
        char desc[128];
        pd_layer_describe(l, desc, sizeof desc);
        double m = med[slow[s]];
        printf("  %8.3f ms %5.1f%% %7.1f GFLOPS  %-15s %-20s in %lldx%lldx%lld  %s\n", m,
               sum > 0 ? 100.0 * m / sum : 0, m > 0 ? 2.0 * pd_layer_macs(l) / (m * 1e6) : 0,
               kind_name(layer_kind(l, vec)), desc, (long long)l->in.c, (long long)l->in.h,
               (long long)l->in.w, l->name);
    }
    status = 0;
done:
    free(times);
    free(all);
    free(med);
    free(slow);
    return status;
}

/* What a round needs: the net on its path, the input, room for the run times. */
typedef struct bench_run {
    pd_net *net;
    const pd_graph *g;
    size_t exit_k, len, n_in;
    const int32_t *path;
    const float *x;
    double *ms, macs;
    bool random_weights;
} bench_run;

/* One round: the warm-up, the timed runs, the FMA peak, the summary and the
 * machine-readable line (flushed). Writes the median to *median_out. */
static bool do_round(const options *o, const bench_run *b, double *median_out)
{
    pd_error err;
    const float *y;
    size_t ny;
    for (int i = 0; i < o->warmup; i++)
        if (pd_net_run(b->net, b->exit_k, 0, b->len, b->x, b->n_in, &y, &ny, NULL, &err)) {
            fprintf(stderr, "bench_models: %s\n", err.msg);
            return false;
        }
    for (int r = 0; r < o->runs; r++) {
        double t0 = bench_now_ms();
        if (pd_net_run(b->net, b->exit_k, 0, b->len, b->x, b->n_in, &y, &ny, NULL, &err)) {
            fprintf(stderr, "bench_models: %s\n", err.msg);
            return false;
        }
        b->ms[r] = bench_now_ms() - t0;
    }
    double p10 = bench_quantile(b->ms, (size_t)o->runs, 0.1);
    double p90 = bench_quantile(b->ms, (size_t)o->runs, 0.9);
    double med = bench_quantile(b->ms, (size_t)o->runs, 0.5);
    double gflops = 2.0 * b->macs / (med * 1e6);
    int threads = pd_net_threads(b->net);

    char cpu[128], date[64];
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    printf("bench_models: %s; %s; %d threads; convolutions %s\n", date, cpu, threads,
           pd_runtime_vector_convolutions() ? "hand-vectorised (AVX2 and FMA)"
                                            : "as im2col (no AVX2 and FMA)");
    const char *isa;
    double peak = report_peak(threads, o->peak_reps, &isa);
    const char *exit_name = b->g->layers[b->g->exits[b->exit_k]].name;
    printf("%s to exit %s (%zu layers), batch 1, %s weights: median %.3f ms (p10 %.3f, p90 "
           "%.3f; %d runs after %d warm-up) = %.1f GFLOPS of %.3f G multiply-accumulates",
           o->model, exit_name, b->len, b->random_weights ? "random" : "its own", med, p10, p90,
           o->runs, o->warmup, gflops, b->macs / 1e9);
    if (peak > 0)
        printf(", %.1f%% of the FMA peak", 100.0 * gflops / peak);
    printf("\n");
    printf("median_ms=%.6f p10_ms=%.6f p90_ms=%.6f gflops=%.3f macs=%.0f peak_gflops=%.3f "
           "peak_isa=%s peak_pct=%.3f threads=%d runs=%d layers=%zu exit=%s\n",
           med, p10, p90, gflops, b->macs, peak > 0 ? peak : NAN, isa,
           peak > 0 ? 100.0 * gflops / peak : NAN, threads, o->runs, b->len, exit_name);
    fflush(stdout);
    *median_out = med;
    return true;
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(argc, argv, &o))
        return 2;
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    float *x = NULL;
    double *ms = NULL;
    int status = 1;
    pd_error err;
    bool random_weights = false;
    if (pd_model_open(o.model, &g, &w, &err)) {
        fprintf(stderr, "bench_models: %s\n", err.msg);
        return err.status == PD_EINPUT || err.status == PD_EIO ? 2 : 1;
    }
    if (!w) {
        random_weights = true;
        if (pd_weights_random(g, 1, &w, &err)) {
            fprintf(stderr, "bench_models: %s\n", err.msg);
            goto done;
        }
    }
    size_t exit_k = 0;
    if (!find_exit(g, o.exit_name, &exit_k)) {
        status = 2;
        goto done;
    }
    if (pd_net_new(g, w, random_weights ? "random weights" : o.model, o.threads, &net, &err)) {
        fprintf(stderr, "bench_models: %s\n", err.msg);
        status = err.status == PD_EINPUT ? 2 : 1;
        goto done;
    }
    size_t len;
    const int32_t *path = pd_net_path(net, exit_k, &len);
    double macs = 0;
    for (size_t i = 0; i < len; i++)
        macs += pd_layer_macs(&g->layers[path[i]]);
    size_t n_in = (size_t)pd_shape_elems(g->input);
    x = malloc(n_in * sizeof *x);
    ms = malloc((size_t)o.runs * sizeof *ms);
    if (!x || !ms) {
        fprintf(stderr, "bench_models: out of memory\n");
        goto done;
    }
    pd_rng rng; /* a fixed input: uniform in [-1, 1) from seed 7 */
    pd_rng_seed(&rng, 7);
    for (size_t i = 0; i < n_in; i++)
        x[i] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    bench_run b = {.net = net, .g = g, .exit_k = exit_k, .len = len, .n_in = n_in,
                   .path = path, .x = x, .ms = ms, .macs = macs,
                   .random_weights = random_weights};
    double med = 0;
    if (o.stdin_rounds) {
        char line[256];
        while (fgets(line, sizeof line, stdin))
            if (!do_round(&o, &b, &med))
                goto done;
    } else if (!do_round(&o, &b, &med)) {
        goto done;
    }
    status = 0;
    if (o.layers)
        status = report_layers(net, g, exit_k, path, len, x, n_in, o.runs, med);
done:
    free(ms);
    free(x);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
