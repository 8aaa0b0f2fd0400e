/* Benchmark of training: pd_trainer_step on random images of each model's input shape
 * (b-lenet, b-alexnet-gray), SGD with momentum 0.9; images per second, the median over
 * timed batches of steps, and where a step's time goes (per layer type, forward and
 * backward, through pd_trainer_time_layers). docs/PERFORMANCE.md reports its figures;
 * the PyTorch comparison is scripts/bench_torch_train.py.
 *
 * Usage: bench_train [--model NAME]... [--batch B] [--threads T] [--batches N]
 *                    [--steps S] [--warmup W] [--profile-steps P] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/study.h"
#include "predoff/train.h"
#include "predoff/weights.h"

enum { MAX_MODELS = 8, N_INPUTS = 4 };

typedef struct options {
    const char *models[MAX_MODELS];
    int n_models;
    int batch, threads, batches, steps, warmup, profile_steps;
} options;

typedef struct model_run {
    pd_graph *g;
    pd_weights *w;
    pd_trainer *t;
    float *x;        /* N_INPUTS batches, cycled */
    uint8_t *labels; /* N_INPUTS x batch */
    size_t in_n;
} model_run;

static void run_free(model_run *r)
{
    pd_trainer_free(r->t);
    pd_weights_free(r->w);
    pd_graph_free(r->g);
    free(r->x);
    free(r->labels);
}

static int run_open(const char *name, const options *o, model_run *r)
{
    pd_error err;
    memset(r, 0, sizeof *r);
    pd_train_config cfg;
    pd_train_config_default(&cfg);
    cfg.batch = (size_t)o->batch;
    cfg.threads = o->threads;
    if (pd_graph_open(name, &r->g, &err) || pd_weights_random(r->g, 1, &r->w, &err) ||
        pd_trainer_new(r->g, r->w, &cfg, &r->t, &err)) {
        fprintf(stderr, "bench_train: %s: %s\n", name, err.msg);
        return -1;
    }
    size_t B = (size_t)o->batch, classes = SIZE_MAX;
    r->in_n = (size_t)pd_shape_elems(r->g->input);
    for (size_t k = 0; k < r->g->n_exits; k++) {
        size_t c = (size_t)pd_shape_elems(r->g->layers[r->g->exits[k]].out);
        classes = c < classes ? c : classes;
    }
    r->x = malloc(N_INPUTS * B * r->in_n * sizeof *r->x);
    r->labels = malloc(N_INPUTS * B);
    if (!r->x || !r->labels) {
        fprintf(stderr, "bench_train: out of memory\n");
        return -1;
    }
    pd_rng rng;
    pd_rng_seed(&rng, 7);
    for (size_t i = 0; i < N_INPUTS * B * r->in_n; i++)
        r->x[i] = (float)pd_rng_uniform(&rng);
    for (size_t i = 0; i < N_INPUTS * B; i++)
        r->labels[i] = (uint8_t)(pd_rng_uniform(&rng) * (double)classes);
    return 0;
}

/* `n` steps from step number `from` (which picks the input batch); 0 or -1 on an error. */
static int steps(model_run *r, const options *o, int from, int n)
{
    pd_error err;
    size_t B = (size_t)o->batch;
    for (int i = 0; i < n; i++) {
        size_t k = (size_t)(from + i) % N_INPUTS;
        if (pd_trainer_step(r->t, r->x + k * B * r->in_n, r->labels + k * B, B, NULL, &err)) {
            fprintf(stderr, "bench_train: %s: %s\n", r->g->name, err.msg);
            return -1;
        }
    }
    return 0;
}

/* The process's CPU time (user + system, every thread), in ms. */
static double cpu_ms(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u))
        return 0.0;
    return ((double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec) * 1e3 +
           ((double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_usec) * 1e-3;
}

static double macs_forward(const pd_graph *g)
{
    double m = 0;
    for (size_t i = 0; i < g->n_layers; i++)
        m += pd_layer_macs(&g->layers[i]);
    return m;
}

/* Where a step's time goes: the per-layer times of `P` steps summed by layer type. */
static int profile(model_run *r, const options *o, int P)
{
    const pd_graph *g = r->g;
    size_t L = g->n_layers;
    double *f = calloc(L, sizeof *f), *b = calloc(L, sizeof *b);
    double fsum[PD_LAYER_TYPE_COUNT] = {0}, bsum[PD_LAYER_TYPE_COUNT] = {0}, total = 0;
    if (!f || !b) {
        free(f);
        free(b);
        return -1;
    }
    pd_trainer_time_layers(r->t, f, b);
    int rc = 0;
    for (int s = 0; s < P && !rc; s++) {
        double t0 = bench_now_ms();
        rc = steps(r, o, s, 1);
        total += bench_now_ms() - t0;
        for (size_t i = 0; i < L; i++) {
            fsum[g->layers[i].type] += f[i];
            bsum[g->layers[i].type] += b[i];
        }
    }
    pd_trainer_time_layers(r->t, NULL, NULL);
    if (!rc) {
        double fall = 0, ball = 0;
        printf("  where a step goes (%d steps with per-layer timing, %.1f ms a step):\n", P,
               total / P);
        printf("    %-8s %9s %7s %9s %7s\n", "type", "fwd ms", "share", "bwd ms", "share");
        for (int ty = 0; ty < PD_LAYER_TYPE_COUNT; ty++) {
            if (fsum[ty] == 0 && bsum[ty] == 0)
                continue;
            fall += fsum[ty];
            ball += bsum[ty];
            printf("    %-8s %9.2f %6.1f%% %9.2f %6.1f%%\n", pd_layer_type_name((pd_layer_type)ty),
                   fsum[ty] / P, 100 * fsum[ty] / total, bsum[ty] / P, 100 * bsum[ty] / total);
        }
        printf("    %-8s %9.2f %6.1f%% %9.2f %6.1f%%\n", "layers", fall / P, 100 * fall / total,
               ball / P, 100 * ball / total);
        double other = total - fall - ball;
        printf("    other (loss, zeroing, checks, SGD update): %.2f ms, %.1f%%\n", other / P,
               100 * other / total);
    }
    free(f);
    free(b);
    return rc;
}

static int bench_model(const char *name, const options *o)
{
    model_run r;
    if (run_open(name, o, &r)) {
        run_free(&r);
        return -1;
    }
    double t0 = bench_now_ms();
    if (steps(&r, o, 0, o->warmup)) {
        run_free(&r);
        return -1;
    }
    double step_ms = (bench_now_ms() - t0) / (o->warmup > 0 ? o->warmup : 1);
    int per = o->steps > 0 ? o->steps : (int)ceil(1000.0 / (step_ms > 0.01 ? step_ms : 0.01));
    per = per < 1 ? 1 : per;
    double *ips = malloc((size_t)o->batches * sizeof *ips);
    if (!ips) {
        run_free(&r);
        return -1;
    }
    double c0 = cpu_ms(), w0 = bench_now_ms();
    for (int b = 0; b < o->batches; b++) {
        double s0 = bench_now_ms();
        if (steps(&r, o, b * per, per)) {
            free(ips);
            run_free(&r);
            return -1;
        }
        ips[b] = (double)o->batch * per / ((bench_now_ms() - s0) * 1e-3);
    }
    double cpu = cpu_ms() - c0, wall = bench_now_ms() - w0, images = (double)o->batch * per * o->batches;
    double lo = ips[0], hi = ips[0];
    for (int b = 1; b < o->batches; b++) {
        lo = lo < ips[b] ? lo : ips[b];
        hi = hi > ips[b] ? hi : ips[b];
    }
    double med = pd_median(ips, (size_t)o->batches);
    printf("%s: input [%lld, %lld, %lld], %.2f M multiply-accumulates forward a sample, "
           "batch %d\n",
           name, (long long)r.g->input.c, (long long)r.g->input.h, (long long)r.g->input.w,
           macs_forward(r.g) / 1e6, o->batch);
    printf("  median %.1f images/s (%.2f ms a step; %d batches of %d steps after %d warm-up: "
           "min %.1f, max %.1f)\n",
           med, 1e3 * o->batch / med, o->batches, per, o->warmup, lo, hi);
    printf("  CPU time %.3f ms an image (all threads, user + system; %.2f CPUs busy on "
           "average)\n",
           cpu / images, cpu / wall);
    free(ips);
    int rc = o->profile_steps > 0 ? profile(&r, o, o->profile_steps) : 0;
    run_free(&r);
    return rc;
}

static int positive(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    options o = {.batch = 64, .threads = 2, .batches = 11, .steps = 0, .warmup = 3,
                 .profile_steps = 10};
    for (int i = 1; i < argc; i++) {
        int bad = i + 1 >= argc;
        if (!bad && strcmp(argv[i], "--model") == 0 && o.n_models < MAX_MODELS)
            o.models[o.n_models++] = argv[++i];
        else if (!bad && strcmp(argv[i], "--batch") == 0)
            bad = positive(argv[++i], &o.batch);
        else if (!bad && strcmp(argv[i], "--threads") == 0)
            bad = positive(argv[++i], &o.threads);
        else if (!bad && strcmp(argv[i], "--batches") == 0)
            bad = positive(argv[++i], &o.batches);
        else if (!bad && strcmp(argv[i], "--steps") == 0)
            bad = positive(argv[++i], &o.steps);
        else if (!bad && strcmp(argv[i], "--warmup") == 0)
            bad = positive(argv[++i], &o.warmup);
        else if (!bad && strcmp(argv[i], "--profile-steps") == 0)
            bad = positive(argv[++i], &o.profile_steps);
        else
            bad = 1;
        if (bad) {
            fprintf(stderr, "usage: bench_train [--model NAME]... [--batch B] [--threads T] "
                            "[--batches N] [--steps S (0: about 1 s a batch)] [--warmup W] "
                            "[--profile-steps P]\n");
            return 2;
        }
    }
    if (o.batch < 1 || o.threads < 1 || o.threads > PD_THREADS_MAX || o.batches < 1) {
        fprintf(stderr, "bench_train: --batch and --batches must be positive, --threads 1 to %d\n",
                PD_THREADS_MAX);
        return 2;
    }
    if (o.n_models == 0) {
        o.models[o.n_models++] = "b-lenet";
        o.models[o.n_models++] = "b-alexnet-gray";
    }
    char cpu[128], date[64];
    bench_cpu_model(cpu, sizeof cpu);
    bench_date(date, sizeof date);
    printf("bench_train: %s; %s; %d threads; SGD lr 0.01 momentum 0.9, float32, random "
           "images and labels\n",
           date, cpu, o.threads);
    int rc = 0;
    for (int m = 0; m < o.n_models && !rc; m++)
        rc = bench_model(o.models[m], &o);
    return rc ? 1 : 0;
}
