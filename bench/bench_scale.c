/* Benchmark of the paths issue 12 found quadratic in the size of their input, each at a
 * size and at a tenth of it, so the growth shows (a linear step takes ~10x longer at the
 * larger size, a quadratic one ~100x); docs/PERFORMANCE.md reports its figures.
 *
 *   (a) reading a safetensors header with 40k metadata keys (4k), from memory;
 *   (b) `predoff run` on a chain of 100k layers (10k), random weights (binding them to
 *       the layers looked each tensor up by name);
 *   (c) `predoff show` on that chain;
 *   (d) `predoff compare` on that chain, --repeats 1, and Edgent and Neurosurgeon alone
 *       in the library (each partition point was costed by walking the path).
 *
 * Each figure is the median of --runs runs (default 3) after one warm-up. The commands
 * run the predoff built beside this benchmark, output to /dev/null; the inputs are written
 * to a temporary directory and removed.
 *
 * Usage: bench_scale [--runs N] [--skip-compare] */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/study.h"
#include "predoff/weights.h"

extern char **environ;

/* A growing buffer of bytes. */
typedef struct buf {
    char *s;
    size_t len, cap;
} buf;

static int put(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = 2 * (b->len + n + 1);
        char *s2 = realloc(b->s, cap);
        if (!s2)
            return -1;
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
    return 0;
}

/* A chain of n layers, fc (4 outputs) and relu in turn, the last an fc exit. */
static int chain_json(size_t n, buf *b)
{
    char piece[128];
    int bad = put(b, "{\"name\": \"chain\", \"input\": [1, 2, 2], \"layers\": [");
    for (size_t i = 0; i + 1 < n && !bad; i++) {
        snprintf(piece, sizeof piece, "%s{\"name\": \"l%zu\", \"type\": \"%s\"%s}", i ? ", " : "", i,
                 i % 2 ? "relu" : "fc", i % 2 ? "" : ", \"outputs\": 4");
        bad = put(b, piece);
    }
    if (!bad)
        bad = put(b, ", {\"name\": \"out\", \"type\": \"fc\", \"outputs\": 4, \"exit\": {\"accuracy\": 0.9}}]}");
    return bad;
}

/* A safetensors file in memory: n metadata keys, one empty tensor. */
static uint8_t *many_keys_file(size_t n, size_t *len)
{
    buf b = {0};
    char piece[64];
    int bad = put(&b, "{\"__metadata__\": {");
    for (size_t i = 0; i < n && !bad; i++) {
        snprintf(piece, sizeof piece, "%s\"key%zu\": \"value%zu\"", i ? ", " : "", i, i);
        bad = put(&b, piece);
    }
    if (!bad)
        bad = put(&b, "}, \"t\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}");
    uint8_t *f = bad ? NULL : malloc(8 + b.len);
    if (f) {
        for (int i = 0; i < 8; i++)
            f[i] = (uint8_t)((uint64_t)b.len >> (8 * i));
        memcpy(f + 8, b.s, b.len);
        *len = 8 + b.len;
    }
    free(b.s);
    return f;
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Runs predoff with argv (argv[0] ignored), output to /dev/null; ms, or -1 on failure. */
static double time_cli(char *const *argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t0 = bench_now_ms();
    pid_t pid;
    int rc = posix_spawn(&pid, PREDOFF_CLI, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
        return -1;
    return bench_now_ms() - t0;
}

typedef struct step {
    const char *what;
    double ms[2]; /* small, large */
} step;

static double median_of(double *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0)
            return -1;
    return pd_median(t, n);
}

static double time_parse(const uint8_t *f, size_t len, size_t runs)
{
    double t[64];
    for (size_t r = 0; r <= runs; r++) {
        pd_weights *w = NULL;
        pd_error err;
        double t0 = bench_now_ms();
        pd_status st = pd_weights_parse_safetensors(f, len, "many keys", &w, &err);
        double ms = bench_now_ms() - t0;
        pd_weights_free(w);
        if (st) {
            fprintf(stderr, "bench_scale: %s\n", err.msg);
            return -1;
        }
        if (r)
            t[r - 1] = ms;
    }
    return median_of(t, runs);
}

static double time_cmd(char *const *argv, size_t runs)
{
    double t[64];
    for (size_t r = 0; r <= runs; r++) {
        double ms = time_cli(argv);
        if (ms < 0) {
            fprintf(stderr, "bench_scale: predoff %s %s failed\n", argv[1], argv[2]);
            return -1;
        }
        if (r)
            t[r - 1] = ms;
    }
    return median_of(t, runs);
}

/* A baseline solver alone on the chain's problem (as compare builds it). */
static double time_solver(const char *model_path, const char *solver, size_t runs)
{
    pd_graph *g = NULL;
    pd_scenario sc;
    pd_problem *pb = NULL;
    pd_error err;
    if (pd_graph_open(model_path, &g, &err) || pd_scenario_init(&sc, &err) ||
        pd_problem_build(g, &sc, &pb, &err)) {
        fprintf(stderr, "bench_scale: %s\n", err.msg);
        pd_graph_free(g);
        return -1;
    }
    double t[64];
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    for (size_t r = 0; r <= runs; r++) {
        pd_solution sol;
        if (pd_solve(pd_solver_find(solver), pb, &opt, &sol, &err)) {
            fprintf(stderr, "bench_scale: %s\n", err.msg);
            break;
        }
        if (r)
            t[r - 1] = sol.solve_ms;
        pd_solution_free(&sol);
    }
    pd_problem_free(pb);
    pd_scenario_free(&sc);
    pd_graph_free(g);
    return median_of(t, runs);
}

int main(int argc, char **argv)
{
    size_t runs = 3;
    int skip_compare = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = (size_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--skip-compare") == 0)
            skip_compare = 1;
        else {
            fprintf(stderr, "usage: bench_scale [--runs N] [--skip-compare]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 63)
        runs = 3;
    char cpu[128], date[64], dir[] = "/tmp/bench-scale-XXXXXX";
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    if (!mkdtemp(dir)) {
        perror("bench_scale: mkdtemp");
        return 1;
    }
    printf("bench_scale: %s, %s, median of %zu runs after a warm-up\n", date, cpu, runs);
    static const size_t keys[2] = {4000, 40000}, layers[2] = {10000, 100000};
    enum { N_STEPS = 6 };
    step steps[N_STEPS] = {{"(a) safetensors header, metadata keys", {0}},
                           {"(b) predoff run --random-weights", {0}},
                           {"(c) predoff show", {0}},
                           {"(d) predoff compare --repeats 1", {0}},
                           {"(d) edgent alone", {0}},
                           {"(d) neurosurgeon alone", {0}}};
    char model[2][64], input[64];
    snprintf(input, sizeof input, "%s/x.npy", dir);
    /* an .npy of the chain's input, [1, 2, 2] float32: a 10-byte preamble, the header
     * padded with spaces to a multiple of 64 bytes, ending in a newline */
    uint8_t npy[128 + 16];
    char head[118 + 1];
    int hn = snprintf(head, sizeof head, "%-117s\n", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }");
    memcpy(npy, "\x93NUMPY\x01\x00", 8);
    npy[8] = (uint8_t)hn;
    npy[9] = 0;
    memcpy(npy + 10, head, (size_t)hn);
    float x[4] = {1, 2, 3, 4};
    memcpy(npy + 10 + hn, x, sizeof x);
    int failed = write_file(input, npy, 10 + (size_t)hn + sizeof x);
    for (int s = 0; s < 2 && !failed; s++) {
        size_t len;
        uint8_t *f = many_keys_file(keys[s], &len);
        failed = !f || (steps[0].ms[s] = time_parse(f, len, runs)) < 0;
        free(f);
        buf b = {0};
        snprintf(model[s], sizeof model[s], "%s/chain%zu.json", dir, layers[s]);
        failed = failed || chain_json(layers[s], &b) || write_file(model[s], b.s, b.len);
        free(b.s);
        if (failed)
            break;
        char *run[] = {"predoff", "run", model[s], "--random-weights", "1", "--input", input,
                       "--exit", "out", NULL};
        char *show[] = {"predoff", "show", model[s], NULL};
        char *compare[] = {"predoff", "compare", model[s], "--repeats", "1", NULL};
        steps[1].ms[s] = time_cmd(run, runs);
        steps[2].ms[s] = time_cmd(show, runs);
        steps[3].ms[s] = skip_compare ? -1 : time_cmd(compare, runs);
        steps[4].ms[s] = time_solver(model[s], "edgent", runs);
        steps[5].ms[s] = time_solver(model[s], "neurosurgeon", runs);
    }
    printf("\n%-40s %14s %14s %8s\n", "", "size / 10", "size", "ratio");
    for (int i = 0; i < N_STEPS && !failed; i++) {
        const char *unit = i == 0 ? "keys" : "layers";
        size_t small = i == 0 ? keys[0] : layers[0], large = i == 0 ? keys[1] : layers[1];
        printf("%-40s %8.1f ms    %8.1f ms    %6.1fx   (%zu / %zu %s)\n", steps[i].what,
               steps[i].ms[0], steps[i].ms[1], steps[i].ms[1] / steps[i].ms[0], small, large,
               unit);
    }
    for (int s = 0; s < 2; s++)
        remove(model[s]);
    remove(input);
    rmdir(dir);
    return failed;
}
