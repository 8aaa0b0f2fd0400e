/* Benchmark of the exact solver on DAGs (the minimum cut of src/solve/exact_dag.c);
 * docs/PERFORMANCE.md reports its figures.
 *
 *   1. (printed second) Multi-exit ResNet-18 and GoogLeNet (tools/make_onnx_models.py's ONNX files) on three
 *      tiers, mobile x86-1core, edge and cloud x86-2core (the built-in profiles measured on
 *      this machine), at 10 Mbps, 100 Mbps and 1 Gbps: microseconds per solve (median of
 *      batches, fastest and slowest batch).
 *   2. (printed first) Random DAGs (rp_make_dag_sized: average in-degree 2, 20 exits, 3 tiers) of 10^3, 10^4
 *      and 10^5 layers: wall time per solve (median, min, max) and peak memory, each size in
 *      a child process (getrusage's peak resident set, less a child that does nothing).
 *
 * Usage: bench_exact_dag [--quick] [--models DIR] [--seed N] [--help]
 * DIR holds resnet18/model.onnx and googlenet/model.onnx (default /tmp/om). The default run
 * takes under a minute on a 2-core machine; --quick a few seconds. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "onnx_problem.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/rng.h"
#include "predoff/solve.h"
#include "predoff/study.h"
#include "random_problem.h"

typedef struct config {
    const char *models;
    uint64_t seed;
    int warmup, batches, per_batch; /* the real networks */
    int runs[3];                    /* random DAGs of 10^3, 10^4, 10^5 layers */
} config;

static void die(const char *what, const pd_error *err)
{
    fprintf(stderr, "bench_exact_dag: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory", NULL);
    return p;
}

static void print_header(int argc, char **argv)
{
    char date[64], cpu[256];
    bench_date(date, sizeof date);
    bench_cpu_model(cpu, sizeof cpu);
    printf("# bench_exact_dag: the exact solver on DAGs (one minimum cut, igraph's max-flow)\n");
    printf("# date:    %s\n", date);
    printf("# cpu:     %s (%ld online)\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    printf("# build:   %s, %s\n", __VERSION__,
#ifdef __OPTIMIZE__
           "optimised"
#else
           "NOT optimised (use a Release build for figures)"
#endif
    );
    printf("# command:");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n\n");
}

/* Counts of layers per slot, as "M/E/C". */
static void slot_counts(const pd_problem *pb, const pd_slot *p, char *buf, size_t n)
{
    size_t c[PD_MAX_TIERS] = {0};
    for (size_t i = 0; i < pb->n_layers; i++)
        c[p[i]]++;
    snprintf(buf, n, "%zu/%zu/%zu", c[0], c[1], c[2]);
}

/* ---- 1. the real networks ---- */

static void bench_network(const config *cfg, const char *arch)
{
    pd_error err;
    pd_graph *g;
    if (bench_onnx_open(cfg->models, arch, &g, &err))
        die(arch, &err);
    static const double rates[] = {10e6, 100e6, 1e9};
    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        pd_problem *pb;
        if (bench_onnx_problem(g, rates[r], 3, &pb, &err))
            die("problem", &err);
        pd_solve_options opt;
        pd_solve_options_init(&opt);
        pd_slot *placement = xmalloc(pb->n_layers);
        for (int i = 0; i < cfg->warmup; i++)
            if (pd_solve_exact(pb, &opt, placement, &err))
                die("solve", &err);
        double *us = xmalloc((size_t)cfg->batches * sizeof *us);
        for (int b = 0; b < cfg->batches; b++) {
            double t0 = bench_now_ms();
            for (int i = 0; i < cfg->per_batch; i++)
                if (pd_solve_exact(pb, &opt, placement, &err))
                    die("solve", &err);
            us[b] = (bench_now_ms() - t0) * 1e3 / cfg->per_batch;
        }
        double med = bench_quantile(us, (size_t)cfg->batches, 0.5);
        char counts[64];
        slot_counts(pb, placement, counts, sizeof counts);
        printf("%-10s %6zu %5zu %10.0f %10.1f %10.1f %10.1f %12.3f  %s\n", arch, pb->n_layers,
               pb->n_exits, rates[r] / 1e6, med, us[0], us[cfg->batches - 1],
               pd_objective(pb, placement), counts);
        free(us);
        free(placement);
        pd_problem_free(pb);
    }
    pd_graph_free(g);
}

static void bench_networks(const config *cfg)
{
    printf("## multi-exit networks, 3 tiers (mobile x86-1core, edge x86-2core, cloud x86-2core; "
           "exit accuracies 0.55, 0.62, 0.70; wired 1 Gbps): microseconds per solve\n");
    printf("## (%d warm-up solves, then %d batches of %d: median, fastest and slowest batch)\n",
           cfg->warmup, cfg->batches, cfg->per_batch);
    printf("%-10s %6s %5s %10s %10s %10s %10s %12s  %s\n", "network", "layers", "exits",
           "Mbps", "median_us", "min_us", "max_us", "optimum_ms", "layers M/E/C");
    bench_network(cfg, "resnet18");
    bench_network(cfg, "googlenet");
    printf("\n");
}

/* ---- 2. random DAGs, one child process per size ---- */

typedef struct child_report {
    int ok;
    double median_ms, min_ms, max_ms, objective_ms, in_degree;
    char counts[64];
    long solve_extra_kib; /* VmHWM after the first solve less VmRSS before it; -1: unknown */
    long maxrss_kib;
} child_report;

static void child_run(size_t n, int runs, uint64_t seed, child_report *r)
{
    memset(r, 0, sizeof *r);
    r->solve_extra_kib = -1;
    if (n == 0) {
        r->ok = 1;
        return;
    }
    pd_error err;
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    pd_problem *pb;
    if (rp_make_dag_sized(&rng, n, 20, 3, &pb, &err))
        return;
    r->in_degree = (double)pb->topo->in_start[n] / (double)n;
    pd_slot *placement = malloc(n);
    double *ms = malloc((size_t)runs * sizeof *ms);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    bool ok = placement && ms;
    long rss_before = bench_proc_status_kib("VmRSS");
    bool reset = rss_before >= 0 && bench_reset_peak_rss();
    for (int i = 0; i < runs && ok; i++) {
        double t0 = bench_now_ms();
        ok = pd_solve_exact(pb, &opt, placement, &err) == PD_OK;
        ms[i] = bench_now_ms() - t0;
        long hwm = i == 0 && reset ? bench_proc_status_kib("VmHWM") : -1;
        if (hwm >= 0)
            r->solve_extra_kib = hwm - rss_before;
    }
    if (ok) {
        r->median_ms = bench_quantile(ms, (size_t)runs, 0.5);
        r->min_ms = ms[0];
        r->max_ms = ms[runs - 1];
        r->objective_ms = pd_objective(pb, placement);
        slot_counts(pb, placement, r->counts, sizeof r->counts);
        r->ok = 1;
    } else {
        fprintf(stderr, "bench_exact_dag: %zu layers: %s\n", n, err.msg);
    }
    free(placement);
    free(ms);
    pd_problem_free(pb);
}

/* Runs child_run in a child process; false if it failed. */
static bool run_in_child(size_t n, int runs, uint64_t seed, child_report *r)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe", NULL);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork", NULL);
    if (pid == 0) {
        close(fds[0]);
        child_report rep;
        child_run(n, runs, seed, &rep);
        struct rusage ru;
        rep.maxrss_kib = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
        ssize_t wrote = write(fds[1], &rep, sizeof rep);
        _exit(wrote == (ssize_t)sizeof rep && rep.ok ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], r, sizeof *r);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid", NULL);
    return got == (ssize_t)sizeof *r && r->ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void bench_random(const config *cfg)
{
    static const size_t sizes[] = {1000, 10000, 100000};
    child_report base;
    if (!run_in_child(0, 0, 0, &base))
        die("baseline child failed", NULL);
    printf("## random DAGs (rp_make_dag_sized: in-degree 1 to 3, 20 exits, 3 tiers, no loading "
           "term): wall time per solve, peak memory\n");
    printf("baseline child peak RSS: %ld KiB (subtracted below)\n", base.maxrss_kib);
    printf("%8s %6s %5s %10s %10s %10s %10s %10s %10s %12s %14s  %s\n", "layers", "in-deg",
           "runs", "median_ms", "min_ms", "max_ms", "us/layer", "peak_KiB", "peak_B/L",
           "solve_KiB", "optimum_ms", "layers M/E/C");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint64_t seed = cfg->seed + n;
        child_report r;
        if (!run_in_child(n, cfg->runs[k], seed, &r))
            die("a child failed", NULL);
        double peak = (double)(r.maxrss_kib - base.maxrss_kib) * 1024.0;
        printf("%8zu %6.2f %5d %10.2f %10.2f %10.2f %10.2f %10.0f %10.0f %12ld %14.3f  %s\n", n,
               r.in_degree, cfg->runs[k], r.median_ms, r.min_ms, r.max_ms,
               r.median_ms * 1e3 / (double)n, peak / 1024.0, peak / (double)n,
               r.solve_extra_kib, r.objective_ms, r.counts);
    }
    printf("(peak: the child's peak resident set (getrusage) less the baseline child's: generator, "
           "problem and solver together;\n solve: how far the first solve raised the resident set "
           "above its level before it (Linux clear_refs; -1: unavailable);\n us/layer: median "
           "time per layer, its growth with size is the solver's)\n\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_exact_dag [--quick] [--models DIR] [--seed N]\n"
               "  --quick        fewer batches and runs\n"
               "  --models DIR   where resnet18/model.onnx and googlenet/model.onnx are "
               "(default /tmp/om; tools/make_onnx_models.py makes them)\n"
               "  --seed N       base seed of the random DAGs (size n uses N + n; default 1)\n");
}

int main(int argc, char **argv)
{
    config cfg = {"/tmp/om", 1, 200, 15, 200, {21, 11, 5}};
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        int v;
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--models") == 0 && i + 1 < argc) {
            cfg.models = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc &&
                   bench_int_arg(argv[i + 1], 0, 1000000000, &v)) {
            cfg.seed = (uint64_t)v;
            i++;
        } else {
            return bench_usage_exit(argv[i], usage);
        }
    }
    if (quick) {
        cfg.warmup = 20;
        cfg.batches = 5;
        cfg.per_batch = 50;
        cfg.runs[0] = cfg.runs[1] = cfg.runs[2] = 3;
    }
    print_header(argc, argv);
    bench_random(&cfg); /* first: its children fork from a parent that has loaded nothing */
    bench_networks(&cfg);
    return 0;
}
