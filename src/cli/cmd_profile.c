/* predoff profile: time every layer of one or more models (inside whole runs, or alone),
 * and with --sweep a grid of shapes per layer type, in rounds if asked, and write the
 * profile CSV that predoff fit reads, or (--measured-out) each model's medians as a tier
 * profile's measured table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adaptive_report.h"
#include "commands.h"
#include "fit_flags.h"
#include "timings_file.h"
#include "weights_flags.h"
#include "predoff/adaptive.h"
#include "predoff/measure.h"
#include "predoff/runtime.h"

const cli_flag cli_cmd_profile_flags[] = {
    /* the shared weights flags, with this command's default spelled out */
    {"--weights", "W.safetensors", "the model's weights (default: random weights, seed 1)"},
    {"--random-weights", "SEED", "PyTorch-style random weights from a seed"},
    {"--repeat", "N", "timed runs per layer after the warm-up (default 30)"},
    {"--warmup", "N", "untimed runs per layer first (default 5)"},
    {"--min-window-ms", "MS", "time each run (of an exit's path; with --alone, of a layer) at "
                              "least this long in all (default 0; under a CPU quota, many "
                              "quota periods: e.g. 200)"},
    {"--alone", NULL, "time each layer alone, back to back, not inside whole runs of its "
                      "model (its weights then stay in the cache: faster than in a run)"},
    {"--rounds", "R", "time everything R times over, round robin, and keep the median round "
                      "(default 1; a host that drifts then touches every layer alike)"},
    CLI_THREADS_FLAG,
    {"--sweep", NULL, "also time each layer type over a grid of shapes"},
    {"--adaptive", NULL, "the sweep adaptive (implies --sweep): a quarter of its grid, then more "
                         "shapes near those the fit's cross-validated error is largest on, "
                         "until --budget or --max-points"},
    {"--budget", "MINUTES", "--adaptive: the time it may take in all (fractions too: 0.5)"},
    {"--max-points", "N", "--adaptive: add at most N shapes to the coarse grid"},
    {"--model", "linear|boosted|auto", "--adaptive: the fit whose error guides it (default linear)"},
    {"--features", "SET", "--adaptive: that fit's features, paper, macs or auto (default: "
                             "paper with linear, auto with trees, as fit)"},
    {"--seed", "S", "--adaptive: the order it tries shapes in and the folds (default 1)"},
    {"-o", "PROFILE.csv", "where to write the timings"},
    {"--measured-out", "TIER.json", "also (or instead of -o) write each MODEL's per-layer medians "
                                    "as a tier profile's measured table, for plan --mobile "
                                    "TIER.json (formats.md, \"measured\")"},
    {NULL, NULL, NULL},
};

/* "T" from "dir/T.json": the written profile's name. */
static char *profile_name_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    char *name = malloc(n + 1);
    if (name) {
        memcpy(name, base, n);
        name[n] = '\0';
    }
    return name;
}

/* Every model's rows of t (its layers, in layer order, from row `at` on: as
 * pd_profile_model appended them, round by round merged) as a measured table of p. */
static pd_status add_tables(pd_profile *p, pd_graph *const *g, size_t n_models,
                            const pd_timings *t, pd_error *err)
{
    size_t at = 0;
    for (size_t m = 0; m < n_models; m++) {
        size_t n = g[m]->n_layers;
        const char **names = malloc(n * sizeof *names);
        double *ms = malloc(n * sizeof *ms);
        pd_status st = names && ms ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
        for (size_t i = 0; !st && i < n; i++) {
            const pd_layer *l = &g[m]->layers[i];
            const pd_layer_timing *r = at + i < t->n ? &t->rows[at + i] : NULL;
            /* the row's names are cut to its buffers: compare what they keep */
            if (!r || r->type != l->type ||
                strncmp(r->layer, l->name, sizeof r->layer - 1) != 0 ||
                strncmp(r->source, g[m]->name, sizeof r->source - 1) != 0)
                st = pd_error_set(err, PD_EINPUT, "profile: the timings of model \"%.64s\" do "
                                  "not follow its layers (layer \"%.64s\")", g[m]->name, l->name);
            else {
                names[i] = l->name;
                ms[i] = r->median_ms;
            }
        }
        if (!st)
            st = pd_profile_add_measured(p, g[m]->name, n, names, ms, err);
        free(names);
        free(ms);
        if (st)
            return st;
        at += n;
    }
    return PD_OK;
}

static pd_status write_measured(const char *path, pd_graph *const *g, size_t n_models,
                                const pd_timings *t, const pd_profiler_options *o,
                                size_t rounds, pd_error *err)
{
    pd_profile *p = calloc(1, sizeof *p);
    char note[512], host[128] = "?", date[64] = "?";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm);
    snprintf(note, sizeof note,
             "per-layer medians measured by predoff profile on %s, %s: %zu runs each (%s), "
             "%zu warm-up, %d threads%s",
             host, date, o->repeats, o->alone ? "each layer alone" : "inside whole runs",
             o->warmup, o->threads, rounds > 1 ? ", the median of rounds" : "");
    pd_status st = p && (p->name = profile_name_of(path)) && (p->note = strdup(note))
                       ? PD_OK
                       : pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st && !p->name[0])
        st = pd_error_set(err, PD_EINPUT, "--measured-out %s: the file needs a name", path);
    if (!st)
        st = add_tables(p, g, n_models, t, err);
    if (!st)
        st = pd_profile_write_path(p, path, err);
    pd_profile_free(p);
    return st;
}

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

/* One round: every model's layers, then the sweep, appended to t. */
static pd_status profile_round(const cli_parsed *p, pd_graph *const *g, pd_weights *const *w,
                               int sweep, size_t round, size_t rounds,
                               const pd_profiler_options *opts, pd_timings *t, pd_error *err)
{
    char label[96];
    pd_profiler_options one = *opts, *o = &one;
    o->evict = NULL; /* the sweep's (pd_profile_sweep_graph), not the models' */
    o->progress = isatty(fileno(stderr)) ? progress : NULL;
    o->progress_ctx = label;
    for (size_t m = 0; m < p->n_pos; m++) {
        if (rounds > 1)
            snprintf(label, sizeof label, "%s %zu/%zu", g[m]->name, round + 1, rounds);
        else
            snprintf(label, sizeof label, "%s", g[m]->name);
        pd_status st = pd_profile_model(g[m], w[m], o, t, err);
        if (st)
            return st;
    }
    if (!sweep)
        return PD_OK;
    if (rounds > 1)
        snprintf(label, sizeof label, "sweep %zu/%zu", round + 1, rounds);
    else
        snprintf(label, sizeof label, "sweep");
    o->evict = opts->evict;
    return pd_profile_sweep(o, t, err);
}

/* The adaptive sweep's flags. */
typedef struct adaptive_args {
    int on;
    double budget_min, max_points; /* NAN: not given */
    const char *given;              /* a flag of it given without --adaptive */
    int features_given;             /* else auto with trees, paper with linear, as fit */
    pd_adaptive_options o;
} adaptive_args;

/* Reads o if it is one of the adaptive sweep's flags (returns 1), else returns 0. */
static int adaptive_flag(const cli_opt *o, adaptive_args *a, pd_status *st, pd_error *err)
{
    if (cli_is(o, "--adaptive"))
        a->on = 1;
    else if (cli_is(o, "--budget")) {
        *st = cli_real("--budget", o->value, 0, 10080, &a->budget_min, err);
        if (!*st && !(a->budget_min > 0))
            *st = pd_error_set(err, PD_EINPUT, "--budget: %s minutes: must be more than 0 "
                               "(0.5: 30 s)", o->value);
    } else if (cli_is(o, "--max-points")) {
        *st = cli_real("--max-points", o->value, 1, 100000, &a->max_points, err);
        if (!*st && a->max_points != floor(a->max_points))
            *st = pd_error_set(err, PD_EINPUT, "--max-points: %s is not a whole number",
                               o->value);
    } else if (cli_is(o, "--model"))
        *st = cli_model_choice(o->value, &a->o.fit.model, err);
    else if (cli_is(o, "--features")) {
        *st = cli_feature_choice(o->value, &a->o.fit.features, err);
        a->features_given = 1;
    } else if (cli_is(o, "--seed")) {
        unsigned long long v;
        *st = cli_u64("--seed", o->value, &v, err);
        a->o.seed = a->o.fit.seed = (uint64_t)v;
    } else
        return 0;
    if (!cli_is(o, "--adaptive"))
        a->given = o->flag->name;
    return 1;
}

static pd_status adaptive_check(const adaptive_args *a, double rounds, pd_error *err)
{
    if (!a->on && a->given)
        return pd_error_set(err, PD_EINPUT, "profile: %s is a flag of --adaptive", a->given);
    if (a->on && isnan(a->budget_min) && isnan(a->max_points))
        return pd_error_set(err, PD_EINPUT, "profile: --adaptive needs --budget MINUTES (or "
                            "--max-points N)");
    if (a->on && rounds > 1)
        return pd_error_set(err, PD_EINPUT, "profile: --adaptive chooses its shapes as it "
                            "goes: it takes no --rounds");
    return PD_OK;
}

static pd_status time_sweep_point(void *ctx, const pd_graph *g, size_t index, pd_timings *out,
                                  pd_error *err)
{
    return pd_profile_sweep_graph(ctx, g, index, out, err);
}

static double now_s(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The adaptive sweep appended to t, its figures on standard output. */
static pd_status adaptive_sweep(adaptive_args *a, const pd_profiler_options *po, pd_timings *t,
                                pd_error *err)
{
    pd_adaptive_options *o = &a->o;
    cli_adaptive_bar bar = {stderr, 0};
    o->budget_s = isnan(a->budget_min) ? INFINITY : 60.0 * a->budget_min;
    o->max_points = isnan(a->max_points) ? 0 : (size_t)a->max_points;
    o->seed_min_ms = 0.01; /* below, timer resolution and fixed costs more than the shape */
    o->time_point = time_sweep_point;
    o->time_ctx = (void *)po;
    o->now_s = now_s;
    o->progress = isatty(fileno(stderr)) ? cli_adaptive_progress : NULL;
    o->progress_ctx = &bar;
    pd_adaptive_result res;
    double t0 = now_s(NULL);
    pd_status st = pd_adaptive_sweep(o, t, &res, err);
    if (!st)
        cli_adaptive_summary(stdout, &res, &o->fit, now_s(NULL) - t0, o->budget_s);
    if (!st) { /* and the sweep's networks, as the plain sweep has them (outside the budget) */
        pd_profiler_options nets = *po;
        char label[] = "networks";
        nets.progress = isatty(fileno(stderr)) ? progress : NULL;
        nets.progress_ctx = label;
        st = pd_profile_sweep_nets(&nets, t, err);
    }
    return st;
}

int cli_cmd_profile(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *out = NULL, *measured_out = NULL;
    cli_weights weights = {.seed = 1};
    double repeat = 30, warmup = 5, window = 0, rounds = 1;
    int sweep = 0, weights_given = 0, threads = 0, alone = 0;
    adaptive_args adaptive = {.budget_min = NAN, .max_points = NAN};
    pd_adaptive_options_init(&adaptive.o);
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (adaptive_flag(o, &adaptive, &st, &err)) {
            /* read */
        } else if (cli_weights_flag(o, &weights, &st, &err)) {
            weights_given |= cli_is(o, "--weights"); /* --weights or --random-weights */
        } else if (cli_is(o, "--repeat"))
            st = cli_real("--repeat", o->value, 1, 1e6, &repeat, &err);
        else if (cli_is(o, "--warmup"))
            st = cli_real("--warmup", o->value, 0, 1e6, &warmup, &err);
        else if (cli_is(o, "--rounds"))
            st = cli_real("--rounds", o->value, 1, 1000, &rounds, &err);
        else if (cli_is(o, "--min-window-ms"))
            st = cli_real("--min-window-ms", o->value, 0, 1e7, &window, &err);
        else if (cli_is(o, "--threads"))
            st = cli_threads(o->value, &threads, &err);
        else if (cli_is(o, "--sweep"))
            sweep = 1;
        else if (cli_is(o, "--alone"))
            alone = 1;
        else if (cli_is(o, "-o"))
            out = o->value;
        else if (cli_is(o, "--measured-out"))
            measured_out = o->value;
        if (st)
            return cli_fail(&err);
    }
    if (adaptive_check(&adaptive, rounds, &err))
        return cli_fail(&err);
    cli_default_features(&adaptive.o.fit, adaptive.features_given);
    sweep |= adaptive.on;
    if (!out && !measured_out) {
        pd_error_set(&err, PD_EINPUT, "profile: -o PROFILE.csv is required (or --measured-out "
                     "TIER.json)");
        return cli_fail(&err);
    }
    if (measured_out && (p->n_pos == 0 || strcmp(measured_out, "-") == 0)) {
        pd_error_set(&err, PD_EINPUT, "profile: --measured-out needs a MODEL and a file name%s",
                     p->n_pos ? " (not -)" : " (the sweep has no model's table)");
        return cli_fail(&err);
    }
    if (p->n_pos == 0 && !sweep) {
        pd_error_set(&err, PD_EINPUT, "profile: expected a MODEL (or several, or --sweep)");
        return cli_fail(&err);
    }
    if (weights_given && p->n_pos != 1) {
        pd_error_set(&err, PD_EINPUT,
                     "profile: --weights is one model's weights: give it with one MODEL");
        return cli_fail(&err);
    }
    pd_profiler_options o;
    pd_profiler_options_init(&o);
    o.repeats = (size_t)repeat;
    o.warmup = (size_t)warmup;
    o.min_window_ms = window;
    o.alone = alone;
    o.seed = weights.seed;
    o.threads = threads > 0 ? threads : pd_threads_default(); /* one count for every net */
    size_t n_rounds = (size_t)rounds;
    pd_graph **g = calloc(p->n_pos + 1, sizeof *g);
    pd_weights **w = calloc(p->n_pos + 1, sizeof *w);
    pd_timings *round_t = calloc(n_rounds, sizeof *round_t);
    pd_timings t = {0};
    int status = CLI_EXIT_OK;
    float *evict = sweep || adaptive.on ? pd_sweep_evict_new(&o.evict_floats) : NULL;
    o.evict = evict;
    if (!g || !w || !round_t || ((sweep || adaptive.on) && !evict)) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        status = cli_fail(&err);
        goto done;
    }
    {
        pd_weights *own = NULL;
        pd_status st = PD_OK;
        for (size_t m = 0; m < p->n_pos && !st; m++) {
            st = pd_model_open(p->pos[m], &g[m], &own, &err);
            if (!st)
                st = cli_weights_load(&weights, g[m], &own, &w[m], &err);
            pd_weights_free(own);
            own = NULL;
        }
        /* a table is per model name: two models of one name (two ONNX files called
         * model.onnx) would make two tables the reader refuses */
        for (size_t m = 0; !st && measured_out && m < p->n_pos; m++)
            for (size_t k = 0; !st && k < m; k++)
                if (strcmp(g[m]->name, g[k]->name) == 0)
                    st = pd_error_set(&err, PD_EINPUT,
                                      "profile: --measured-out: two models are named \"%.64s\" "
                                      "(%s and %s); a measured table is per model name (an "
                                      "ONNX model is named after its file)",
                                      g[m]->name, p->pos[k], p->pos[m]);
        if (st) {
            status = cli_fail(&err);
            goto done;
        }
    }
    for (size_t r = 0; r < n_rounds; r++)
        if (profile_round(p, g, w, sweep && !adaptive.on, r, n_rounds, &o, &round_t[r], &err) ||
            (adaptive.on && adaptive_sweep(&adaptive, &o, &round_t[r], &err))) {
            status = cli_fail(&err);
            goto done;
        }
    if (pd_timings_merge_rounds(round_t, n_rounds, &t, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (out && cli_write_timings(out, &t, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (measured_out && write_measured(measured_out, g, p->n_pos, &t, &o, n_rounds, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    char each[64] = "", dest[1024];
    if (n_rounds > 1)
        snprintf(each, sizeof each, " in each of %zu rounds", n_rounds);
    snprintf(dest, sizeof dest, "%s%s%s%s", out ? out : "", out && measured_out ? ", " : "",
             measured_out ? "measured tables " : "", measured_out ? measured_out : "");
    printf("%zu layers timed (%s; %zu runs each%s%s after %zu warm-up, %d threads) -> %s\n",
           t.n, alone ? "each alone" : "inside whole runs", o.repeats,
           window > 0 ? " or more, to fill the window," : "", each, o.warmup, o.threads, dest);
done:
    pd_timings_free(&t);
    if (round_t)
        for (size_t r = 0; r < n_rounds; r++)
            pd_timings_free(&round_t[r]);
    free(round_t);
    free(evict);
    for (size_t m = 0; g && w && m < p->n_pos; m++) {
        pd_weights_free(w[m]);
        pd_graph_free(g[m]);
    }
    free(g);
    free(w);
    return status;
}
