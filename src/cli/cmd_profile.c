/* predoff profile: time every layer of a model (and, with --sweep, a grid of shapes per
 * layer type) and write the profile CSV that predoff fit reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "weights_flags.h"
#include "predoff/measure.h"
#include "predoff/runtime.h"

const cli_flag cmd_profile_flags[] = {
    /* the shared weights flags, with this command's default spelled out */
    {"--weights", "W.safetensors", "the model's weights (default: random weights, seed 1)"},
    {"--random-weights", "SEED", "PyTorch-style random weights from a seed"},
    {"--repeat", "N", "timed runs per layer after the warm-up (default 30)"},
    {"--warmup", "N", "untimed runs per layer first (default 5)"},
    {"--min-window-ms", "MS", "time each layer at least this long in all (default 0; under a "
                              "CPU quota, many quota periods: e.g. 200)"},
    {"--threads", "T", "BLAS threads (recorded; default: OpenBLAS's choice)"},
    {"--sweep", NULL, "also time each layer type over a grid of shapes"},
    {"-o", "PROFILE.csv", "where to write the timings (required)"},
    {NULL, NULL, NULL},
};

/* A progress bar on standard error, drawn only on a terminal. */
static void progress(void *ctx, size_t done, size_t total)
{
    const char *what = ctx;
    int width = 40, filled = total ? (int)((double)done / (double)total * width) : width;
    fprintf(stderr, "\r%-8s [%.*s%*s] %zu/%zu", what, filled,
            "########################################", width - filled, "", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

int cmd_profile(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *out = NULL;
    cli_weights weights = {.seed = 1};
    double repeat = 30, warmup = 5, threads = 0, window = 0;
    int sweep = 0;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_weights_flag(o, &weights, &st, &err)) {
            /* --weights or --random-weights */
        } else if (cli_is(o, "--repeat"))
            st = cli_real("--repeat", o->value, 1, 1e6, &repeat, &err);
        else if (cli_is(o, "--warmup"))
            st = cli_real("--warmup", o->value, 0, 1e6, &warmup, &err);
        else if (cli_is(o, "--min-window-ms"))
            st = cli_real("--min-window-ms", o->value, 0, 1e7, &window, &err);
        else if (cli_is(o, "--threads"))
            st = cli_real("--threads", o->value, 1, 256, &threads, &err);
        else if (cli_is(o, "--sweep"))
            sweep = 1;
        else if (cli_is(o, "-o"))
            out = o->value;
        if (st)
            return cli_fail(&err);
    }
    if (!out) {
        pd_error_set(&err, PD_EINPUT, "profile: -o PROFILE.csv is required");
        return cli_fail(&err);
    }
    if (p->n_pos > 1 || (p->n_pos == 0 && !sweep)) {
        pd_error_set(&err, PD_EINPUT, "profile: expected one MODEL (or --sweep alone)");
        return cli_fail(&err);
    }
    int used_threads = pd_runtime_set_threads(threads > 0 ? (int)threads : 0);
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = (size_t)repeat;
    o.warmup = (size_t)warmup;
    o.min_window_ms = window;
    o.seed = weights.seed;
    int tty = isatty(fileno(stderr));
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_timings t = {0};
    int status = EXIT_OK;
    if (p->n_pos == 1) {
        o.progress = tty ? progress : NULL;
        o.progress_ctx = (void *)"layers";
        if (pd_graph_open(p->pos[0], &g, &err) ||
            cli_weights_load(&weights, g, &w, &err) ||
            pd_profile_model(g, w, &o, &t, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }
    if (sweep) {
        o.progress = tty ? progress : NULL;
        o.progress_ctx = (void *)"sweep";
        if (pd_profile_sweep(&o, &t, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        pd_error_set(&err, PD_EINPUT, "%s: cannot write", out);
        status = cli_fail(&err);
        goto done;
    }
    pd_status st = pd_timings_write_csv(&t, f);
    if (fclose(f) != 0 || st) {
        pd_error_set(&err, PD_EIO, "%s: write failed", out);
        status = cli_fail(&err);
        goto done;
    }
    printf("%zu layers timed (%zu runs each%s after %zu warm-up, %d BLAS threads) -> %s\n", t.n,
           o.repeats, window > 0 ? " or more, to fill the window," : "", o.warmup, used_threads,
           out);
done:
    pd_timings_free(&t);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
