/* Benchmark of the exact solver (pd_solve_exact); docs/PERFORMANCE.md reports its figures.
 *
 *   1. b-alexnet under the default scenario, with the model-loading term, with 3 tiers,
 *      and with both: microseconds per solve (median over batches, min and max batch).
 *   2. Random trees (rp_make, 3 tiers, branch_prob 0.05, no loading term) of 10^3 to
 *      10^6 layers: median wall time per solve, and peak memory. Each size runs in a
 *      child process, so its peak resident set is its own; a child that does nothing
 *      gives the baseline to subtract.
 *
 * Usage: bench_exact [--quick] [--seed N] [--max-layers N] [--help]
 * The default run takes well under 2 minutes on a 2-core machine; --quick a few seconds. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/rng.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/study.h"
#include "random_problem.h"

typedef struct config {
    bool quick;
    uint64_t seed;
    size_t max_layers;
    int warmup;   /* b-alexnet: solves before timing */
    int batches;  /* b-alexnet: timed batches */
    int per_batch; /* b-alexnet: solves per batch */
    int runs_small; /* random trees below 10^6 layers: timed solves */
    int runs_large; /* random trees of 10^6 layers and more */
} config;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


static void die(const char *what, const pd_error *err)
{
    fprintf(stderr, "bench_exact: %s: %s\n", what, err ? err->msg : strerror(errno));
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
    char date[64] = "?";
    time_t t = time(NULL);
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", &tm);

    char cpu[256];
    bench_cpu_model(cpu, sizeof cpu);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    printf("# bench_exact: the exact solver (pd_solve_exact)\n");
    printf("# date:    %s\n", date);
    printf("# cpu:     %s (%ld online)\n", cpu, cpus);
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

/* ---- 1. b-alexnet: microseconds per solve ---- */

static void bench_model(const config *cfg, const pd_graph *g, const char *label, int cloud,
                        double load_requests)
{
    pd_error err;
    pd_scenario sc;
    if (pd_scenario_init(&sc, &err))
        die("scenario", &err);
    sc.uses[PD_TIER_CLOUD] = cloud != 0;
    sc.load_requests = load_requests;
    pd_problem *pb;
    if (pd_problem_build(g, &sc, &pb, &err))
        die("problem", &err);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_slot *placement = xmalloc(pb->n_layers * sizeof *placement);

    for (int i = 0; i < cfg->warmup; i++)
        if (pd_solve_exact(pb, &opt, placement, &err))
            die("solve", &err);
    double *us = xmalloc((size_t)cfg->batches * sizeof *us);
    for (int b = 0; b < cfg->batches; b++) {
        double t0 = now_s();
        for (int i = 0; i < cfg->per_batch; i++)
            if (pd_solve_exact(pb, &opt, placement, &err))
                die("solve", &err);
        us[b] = (now_s() - t0) * 1e6 / cfg->per_batch;
    }
    double med = pd_median(us, (size_t)cfg->batches);
    unsigned masks = pb->load_on ? (1u << pb->n_tiers) - 1u : 1u;
    printf("%-22s %6zu %5d %4u %10.3f %10.3f %10.3f %14.6f\n", label, pb->n_layers,
           pb->n_tiers, masks, med, us[0], us[cfg->batches - 1],
           pd_objective(pb, placement));
    free(us);
    free(placement);
    pd_problem_free(pb);
    pd_scenario_free(&sc);
}

static void bench_models(const config *cfg)
{
    pd_error err;
    pd_graph *g;
    if (pd_graph_open("b-alexnet", &g, &err))
        die("b-alexnet", &err);
    printf("## b-alexnet: time per solve, microseconds (%d warm-up solves, then %d batches of "
           "%d; median, fastest and slowest batch)\n",
           cfg->warmup, cfg->batches, cfg->per_batch);
    printf("%-22s %6s %5s %4s %10s %10s %10s %14s\n", "scenario", "layers", "tiers", "DPs",
           "median_us", "min_us", "max_us", "optimum_ms");
    bench_model(cfg, g, "default", 0, 0.0);
    bench_model(cfg, g, "load-requests=1000", 0, 1000.0);
    bench_model(cfg, g, "3 tiers", 1, 0.0);
    bench_model(cfg, g, "3 tiers, load=1000", 1, 1000.0);
    printf("(optimum_ms: E[L] of the placement found, loading included, as a check that the "
           "solver's answer does not change)\n\n");
    pd_graph_free(g);
}

/* ---- 2. random trees: wall time and peak memory, one child process per size ---- */

typedef struct child_report {
    int ok;
    double median_ms, min_ms, max_ms;
    double objective_ms;
    size_t n_exits;
    double problem_bytes;   /* the problem's arrays */
    double solver_bytes;    /* the solver's own work arrays, by design */
    double placement_bytes; /* the caller's placement */
    long solve_extra_kib;   /* VmHWM after the first solve minus VmRSS before it; -1: unknown */
    long maxrss_kib;        /* the child's peak resident set (getrusage) */
} child_report;

static double problem_bytes(const pd_problem *pb)
{
    double n = (double)pb->n_layers, nt = (double)pb->n_tiers, ne = (double)pb->n_exits;
    /* a tree's topology: in_start, rd_start, pre and size, and in_ids, rd_ids and order */
    double topo = 4.0 * sizeof(size_t) + 3.0 * sizeof(int32_t);
    double b = n * (topo + sizeof *pb->out_bytes + sizeof *pb->weight) +
               n * nt * sizeof *pb->compute_ms +
               ne * (sizeof *pb->exit_layer + sizeof *pb->exit_accuracy + sizeof *pb->exit_prob);
    if (pb->load_on)
        b += n * nt * sizeof *pb->load_ms;
    return b;
}

/* Runs in the child: builds the tree, times `runs` solves, fills the report. */
static void child_run(size_t n, int runs, uint64_t seed, child_report *r)
{
    memset(r, 0, sizeof *r);
    r->solve_extra_kib = -1;
    if (n == 0) { /* the baseline: nothing at all */
        r->ok = 1;
        return;
    }
    pd_error err;
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    rp_config c = {n, 3, 0, 0.05};
    pd_problem *pb;
    if (rp_make(&rng, &c, &pb, &err))
        return;
    pd_slot *placement = malloc(n * sizeof *placement);
    double *ms = malloc((size_t)runs * sizeof *ms);
    if (!placement || !ms) {
        free(placement);
        free(ms);
        pd_problem_free(pb);
        return;
    }
    memset(placement, 0, n * sizeof *placement);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    long rss_before = bench_proc_status_kib("VmRSS");
    bool reset = rss_before >= 0 && bench_reset_peak_rss();
    for (int i = 0; i < runs; i++) {
        double t0 = now_s();
        pd_status st = pd_solve_exact(pb, &opt, placement, &err);
        ms[i] = (now_s() - t0) * 1e3;
        if (st) {
            free(placement);
            free(ms);
            pd_problem_free(pb);
            return;
        }
        if (i == 0 && reset) {
            long hwm = bench_proc_status_kib("VmHWM");
            if (hwm >= 0)
                r->solve_extra_kib = hwm - rss_before;
        }
    }
    r->median_ms = pd_median(ms, (size_t)runs);
    r->min_ms = ms[0];
    r->max_ms = ms[runs - 1];
    r->objective_ms = pd_objective(pb, placement);
    r->n_exits = pb->n_exits;
    r->problem_bytes = problem_bytes(pb);
    r->solver_bytes = (double)n * (double)pb->n_tiers * (double)(sizeof(double) + sizeof(pd_slot)) +
                      (pb->load_on ? (double)n * sizeof(pd_slot) : 0.0);
    r->placement_bytes = (double)n * sizeof *placement;
    free(placement);
    free(ms);
    pd_problem_free(pb);
    r->ok = 1;
}

static bool write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        len -= (size_t)r;
    }
    return true;
}

/* Runs child_run in a child process; returns false if it failed. */
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
        _exit(write_all(fds[1], &rep, sizeof rep) && rep.ok ? 0 : 1);
    }
    close(fds[1]);
    bool got = read_all(fds[0], r, sizeof *r);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid", NULL);
    return got && r->ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void bench_trees(const config *cfg)
{
    static const size_t sizes[] = {1000, 10000, 100000, 1000000};
    child_report base;
    if (!run_in_child(0, 0, 0, &base))
        die("baseline child failed", NULL);
    printf("## random trees (rp_make: 3 tiers, branch_prob 0.05, no loading term): wall time per "
           "solve and memory, one child process per size\n");
    printf("baseline child peak RSS: %ld KiB (subtracted below)\n", base.maxrss_kib);
    printf("%8s %8s %5s %10s %10s %10s %11s %11s %11s %9s %9s %9s %9s %16s\n", "layers",
           "exits", "runs", "median_ms", "min_ms", "max_ms", "peak_KiB", "problem_KiB",
           "solver_KiB", "peak_B/L", "marg_B/L", "prob_B/L", "solv_B/L", "solve_extra_KiB");
    double prev_peak = 0.0;
    size_t prev_n = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        if (n > cfg->max_layers)
            break;
        int runs = n >= 1000000 ? cfg->runs_large : cfg->runs_small;
        uint64_t seed = cfg->seed + n;
        child_report r;
        if (!run_in_child(n, runs, seed, &r)) {
            fprintf(stderr, "bench_exact: the child for %zu layers failed\n", n);
            exit(1);
        }
        double peak = (double)(r.maxrss_kib - base.maxrss_kib) * 1024.0;
        /* bytes per extra layer from the previous size: the slope, free of fixed costs */
        double marginal = (peak - prev_peak) / (double)(n - prev_n);
        printf("%8zu %8zu %5d %10.3f %10.3f %10.3f %11.0f %11.0f %11.0f %9.1f %9.1f %9.1f %9.1f "
               "%16ld\n",
               n, r.n_exits, runs, r.median_ms, r.min_ms, r.max_ms, peak / 1024.0,
               r.problem_bytes / 1024.0, r.solver_bytes / 1024.0, peak / (double)n, marginal,
               r.problem_bytes / (double)n, r.solver_bytes / (double)n, r.solve_extra_kib);
        prev_peak = peak;
        prev_n = n;
        printf("         seed %llu, optimum %.6f ms\n", (unsigned long long)seed,
               r.objective_ms);
    }
    printf("(peak: the child's peak resident set minus the baseline child's, so generator, "
           "problem, placement and solver together;\n marg: the growth of peak per added layer "
           "since the previous size;\n problem: the pd_problem arrays; solver: "
           "pd_solve_exact's work arrays, n_layers * n_tiers * (sizeof(double) + 1);\n "
           "solve_extra: how far the first solve raised the resident set above its level before "
           "the solve (Linux clear_refs; -1: unavailable))\n");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_exact [--quick] [--seed N] [--max-layers N]\n"
               "  --quick         a short run: fewer batches and runs, trees up to 10^5 layers\n"
               "  --seed N        base seed of the random trees (size n uses N + n; default 1)\n"
               "  --max-layers N  skip random trees larger than N layers (default 1000000)\n");
}

int main(int argc, char **argv)
{
    config cfg = {false, 1, 1000000, 2000, 31, 2000, 7, 5};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.quick = true;
        } else if ((strcmp(argv[i], "--seed") == 0 || strcmp(argv[i], "--max-layers") == 0) &&
                   i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[i + 1], &end, 10);
            if (errno || *end || end == argv[i + 1]) {
                fprintf(stderr, "bench_exact: %s: not a number: %s\n", argv[i], argv[i + 1]);
                return 2;
            }
            if (strcmp(argv[i], "--seed") == 0)
                cfg.seed = v;
            else
                cfg.max_layers = (size_t)v;
            i++;
        } else {
            return bench_usage_exit(argv[i], usage);
        }
    }
    if (cfg.quick) {
        cfg.warmup = 200;
        cfg.batches = 7;
        cfg.per_batch = 500;
        cfg.runs_small = 3;
        cfg.runs_large = 3;
        if (cfg.max_layers > 100000)
            cfg.max_layers = 100000;
    }
    print_header(argc, argv);
    bench_models(&cfg);
    bench_trees(&cfg);
    return 0;
}
