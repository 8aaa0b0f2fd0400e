/* Benchmark of the inference runtime: b-alexnet's trunk (the 22 layers to fc8), batch 1,
 * against OpenBLAS's own sgemm peak measured in the same run; docs/PERFORMANCE.md reports
 * its figures. The PyTorch comparison is scripts/bench_torch.py.
 *
 * Usage: bench_runtime [--threads T] [--batches N] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/study.h"
#include "predoff/weights.h"

/* OpenBLAS's sgemm on square matrices of side n: median GFLOPS over `reps` calls. */
static double sgemm_gflops(int n, int reps)
{
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    double *g = malloc((size_t)reps * sizeof *g);
    if (!a || !b || !c || !g)
        return -1;
    for (size_t i = 0; i < nn; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    for (int r = 0; r < reps; r++) {
        double t0 = bench_now_ms();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                    c, n);
        g[r] = 2.0 * (double)n * (double)n * (double)n / ((bench_now_ms() - t0) * 1e6);
    }
    double m = pd_median(g, (size_t)reps);
    free(a);
    free(b);
    free(c);
    free(g);
    return m;
}

/* A whole decimal integer (atoi took "1.5" as 1 and "x" as 0); 0 for anything else. */
static int int_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && !*end && v > 0 && v <= 1000000 ? (int)v : 0;
}

int main(int argc, char **argv)
{
    int threads = 2, batches = 31, per_batch = 50;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = int_arg(argv[++i]);
        else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
            batches = int_arg(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_runtime [--threads T] [--batches N]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > PD_THREADS_MAX || batches < 1) {
        fprintf(stderr, "bench_runtime: --threads must be 1 to %d, --batches positive\n",
                PD_THREADS_MAX);
        return 2;
    }
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    pd_error err;
    if (pd_graph_open("b-alexnet", &g, &err) || pd_weights_random(g, 1, &w, &err) ||
        pd_net_new(g, w, "random weights", threads, &net, &err)) {
        fprintf(stderr, "bench_runtime: %s\n", err.msg);
        return 1;
    }
    size_t trunk = g->n_exits - 1, len; /* fc8, the last exit in model order */
    const int32_t *path = pd_net_path(net, trunk, &len);
    /* multiplies as a direct convolution counts them, and as the runtime does them: by
     * Winograd's method where the graph's rule says so and the CPU has AVX2 and FMA */
    const bool winograd = pd_runtime_vector_convolutions();
    double macs = 0, own = 0;
    for (size_t i = 0; i < len; i++) {
        macs += pd_layer_macs(&g->layers[path[i]]);
        own += winograd ? pd_layer_runtime_macs(&g->layers[path[i]])
                        : pd_layer_macs(&g->layers[path[i]]);
    }
    size_t n_in = (size_t)pd_shape_elems(g->input);
    float *x = malloc(n_in * sizeof *x);
    double *ms = malloc((size_t)batches * sizeof *ms), *layer = malloc(len * sizeof *layer);
    double *layer_sum = calloc(len, sizeof *layer_sum);
    double **layer_runs = malloc(len * sizeof *layer_runs);
    if (!x || !ms || !layer || !layer_sum || !layer_runs)
        return 1;
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (size_t i = 0; i < n_in; i++)
        x[i] = (float)pd_rng_uniform(&rng);
    const float *y;
    size_t ny;
    for (int i = 0; i < 100; i++)
        pd_net_run(net, trunk, 0, len, x, n_in, &y, &ny, NULL, &err);
    for (int b = 0; b < batches; b++) {
        double t0 = bench_now_ms();
        for (int i = 0; i < per_batch; i++)
            pd_net_run(net, trunk, 0, len, x, n_in, &y, &ny, NULL, &err);
        ms[b] = (bench_now_ms() - t0) / per_batch;
    }
    /* per layer: the median over runs of each layer's own time */
    int runs = batches * 10;
    for (size_t i = 0; i < len; i++) {
        layer_runs[i] = malloc((size_t)runs * sizeof **layer_runs);
        if (!layer_runs[i])
            return 1;
    }
    for (int r = 0; r < runs; r++) {
        pd_net_run(net, trunk, 0, len, x, n_in, &y, &ny, layer, &err);
        for (size_t i = 0; i < len; i++)
            layer_runs[i][r] = layer[i];
    }
    double lo = ms[0], hi = ms[0];
    for (int b = 1; b < batches; b++) {
        lo = lo < ms[b] ? lo : ms[b];
        hi = hi > ms[b] ? hi : ms[b];
    }
    double med = pd_median(ms, (size_t)batches);
    int used = pd_net_threads(net);
    openblas_set_num_threads(used); /* OpenBLAS's own threads for its peak, as many as the net's */
    double peak = sgemm_gflops(1024, 15);
    openblas_set_num_threads(1);
    char cpu[128], date[64];
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    printf("bench_runtime: %s; %s; %d threads (the net splits each layer over them, OpenBLAS "
           "one a call; %d OpenBLAS threads for the sgemm peak)\n",
           date, cpu, pd_net_threads(net), used);
    printf("b-alexnet trunk (%zu layers), batch 1: %.1f M multiply-accumulates as a direct "
           "convolution counts them, %.1f M as the runtime does them (%s)\n",
           len, macs / 1e6, own / 1e6,
           winograd ? "Winograd's for conv2 to conv5, conv1 direct"
                    : "no AVX2 and FMA: im2col throughout");
    printf("  median %.4f ms per inference (batches of %d: min %.4f, max %.4f) = %.1f GFLOPS "
           "of direct-convolution work, %.1f GFLOPS of the runtime's own\n",
           med, per_batch, lo, hi, 2.0 * macs / (med * 1e6), 2.0 * own / (med * 1e6));
    printf("OpenBLAS sgemm 1024^3, same threads: %.1f GFLOPS (median of 15); the runtime's own "
           "multiplies run at %.0f%% of it\n",
           peak, 100.0 * 2.0 * own / (med * 1e6) / peak);
    printf("per layer (median over %d runs, ms; GFLOPS of direct-convolution work / of the "
           "runtime's own):\n", runs);
    for (size_t i = 0; i < len; i++) {
        const pd_layer *l = &g->layers[path[i]];
        double m = pd_median(layer_runs[i], (size_t)runs);
        printf("  %-8s %-7s %8.4f  %6.1f / %6.1f GFLOPS\n", l->name, pd_layer_type_name(l->type),
               m, pd_layer_macs(l) > 0 ? 2.0 * pd_layer_macs(l) / (m * 1e6) : 0.0,
               pd_layer_macs(l) > 0
                   ? 2.0 * (winograd ? pd_layer_runtime_macs(l) : pd_layer_macs(l)) / (m * 1e6)
                   : 0.0);
        free(layer_runs[i]);
    }
    free(layer_runs);
    free(layer_sum);
    free(layer);
    free(ms);
    free(x);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
    return 0;
}
