/* predoff run: one or more inputs through the model to the exit a requirement calls for. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safe_name.h"
#include "core/clock.h"
#include "commands.h"
#include "weights_flags.h"
#include "predoff/graph.h"
#include "predoff/npy.h"
#include "predoff/objective.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/weights.h"

const cli_flag cli_cmd_run_flags[] = {
    CLI_WEIGHTS_FLAGS,
    {"--input", "X.npy", "float32 [C, H, W] or [N, C, H, W] (required)"},
    {"--exit", "NAME", "the exit layer to run to"},
    {"--accuracy", "A", "or: the accuracy requirement; the exit follows the spec's rule"},
    {"--exit-accuracy", "A1,A2,..", "exit accuracies for --accuracy (else the model's, or "
                                    "the measured ones that ship in models/accuracy/)"},
    {"--accuracy-from", "ACC.json", "or: exit accuracies measured by predoff accuracy -o"},
    {"-o", "OUT.npy", "write the logits, [classes] or [N, classes]"},
    CLI_THREADS_FLAG,
    {NULL, NULL, NULL},
};

typedef struct run_args {
    const char *input, *exit, *out, *exit_accuracy, *accuracy_from;
    double accuracy;
    int threads; /* 0: the default */
    cli_weights weights;
} run_args;

static pd_status read_args(const cli_parsed *p, run_args *a, pd_error *err)
{
    memset(a, 0, sizeof *a);
    a->accuracy = NAN;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_weights_flag(o, &a->weights, &st, err)) {
            /* --weights or --random-weights */
        } else if (cli_is(o, "--input"))
            a->input = o->value;
        else if (cli_is(o, "--exit"))
            a->exit = o->value;
        else if (cli_is(o, "--accuracy"))
            st = cli_real("--accuracy", o->value, 0.0, 1.0, &a->accuracy, err);
        else if (cli_is(o, "--exit-accuracy"))
            a->exit_accuracy = o->value;
        else if (cli_is(o, "--accuracy-from"))
            a->accuracy_from = o->value;
        else if (cli_is(o, "-o"))
            a->out = o->value;
        else if (cli_is(o, "--threads"))
            st = cli_threads(o->value, &a->threads, err);
        if (st)
            return st;
    }
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT, "run: expected one MODEL, got %zu arguments", p->n_pos);
    if (!cli_weights_given(&a->weights, p->pos[0]))
        return cli_weights_missing("run", err);
    if (!a->input)
        return pd_error_set(err, PD_EINPUT, "run: --input X.npy is required");
    if ((a->exit != NULL) == !isnan(a->accuracy))
        return pd_error_set(err, PD_EINPUT, "run: give --exit NAME or --accuracy A");
    if (a->accuracy_from && a->exit_accuracy)
        return pd_error_set(err, PD_EINPUT, "run: give --exit-accuracy or --accuracy-from %s, not both",
                            a->accuracy_from);
    if (a->accuracy_from && a->exit)
        return pd_error_set(err, PD_EINPUT,
                            "run: --accuracy-from %s goes with --accuracy A, not --exit",
                            a->accuracy_from);
    return PD_OK;
}

/* The exit index: by name, or by the requirement rule over the exits' accuracies, which
 * come as plan's do: --exit-accuracy, --accuracy-from, the model's own, or else the
 * measured ones that ship for it (models/accuracy/MODEL.json, compiled in). `source`
 * names where they came from ("" for the model's own). */
static pd_status pick_exit(const pd_graph *g, const run_args *a, size_t *exit, char *source,
                           size_t source_len, pd_error *err)
{
    source[0] = '\0';
    if (a->exit) {
        for (size_t k = 0; k < g->n_exits; k++)
            if (strcmp(g->layers[g->exits[k]].name, a->exit) == 0) {
                *exit = k;
                return PD_OK;
            }
        return pd_error_set(err, PD_EINPUT, "--exit: model \"%s\" has no exit \"%s\"", g->name,
                            a->exit);
    }
    double *acc = malloc(g->n_exits * sizeof *acc);
    if (!acc)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = PD_OK;
    const char *s = a->exit_accuracy;
    pd_scenario sc;
    memset(&sc, 0, sizeof sc);
    if (s) {
        if (cli_reals(s, acc, g->n_exits) != (int)g->n_exits)
            st = pd_error_set(err, PD_EINPUT, "--exit-accuracy: expected %zu accuracies in [0, 1]",
                              g->n_exits);
        for (size_t k = 0; k < g->n_exits && !st; k++)
            if (!(acc[k] >= 0.0 && acc[k] <= 1.0))
                st = pd_error_set(err, PD_EINPUT,
                                  "--exit-accuracy: expected %zu accuracies in [0, 1]",
                                  g->n_exits);
        snprintf(source, source_len, "--exit-accuracy");
    } else {
        st = a->accuracy_from ? pd_scenario_read_accuracies(&sc, g, a->accuracy_from, err)
                              : pd_scenario_default_accuracies(&sc, g, err);
        if (sc.n_exit_accuracy) { /* measured: from the file, or those that ship */
            memcpy(acc, sc.exit_accuracy, g->n_exits * sizeof *acc);
            snprintf(source, source_len, "%s", sc.accuracy_source);
        }
        for (size_t k = 0; k < g->n_exits && !st && !sc.n_exit_accuracy; k++) {
            acc[k] = g->layers[g->exits[k]].accuracy;
            if (!g->layers[g->exits[k]].has_accuracy)
                st = pd_error_set(err, PD_EINPUT,
                                  "--accuracy: exit \"%s\" has no accuracy; give "
                                  "--exit-accuracy, --accuracy-from ACC.json or --exit",
                                  g->layers[g->exits[k]].name);
        }
        pd_scenario_free(&sc);
    }
    if (!st)
        *exit = pd_choose_exit(acc, g->exits, g->n_exits, a->accuracy);
    free(acc);
    return st;
}

/* NaN or infinite values in n floats. */
static size_t count_non_finite(const float *x, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !isfinite(x[i]);
    return bad;
}

int cli_cmd_run(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    run_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_net *net = NULL;
    pd_array x = {0};
    float *logits = NULL;
    int status = CLI_EXIT_OK;
    size_t exit = 0, not_finite = 0;
    char source[320];
    pd_weights *own = NULL;
    const char *wsrc = cli_weights_source(&a.weights, p->pos[0]);
    if (pd_model_open(p->pos[0], &g, &own, &err) ||
        pick_exit(g, &a, &exit, source, sizeof source, &err) ||
        cli_weights_load(&a.weights, g, &own, &w, &err) ||
        pd_net_new(g, w, wsrc ? wsrc : "random weights", a.threads, &net, &err) ||
        pd_npy_read(a.input, &x, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    size_t in_elems = (size_t)pd_shape_elems(g->input), n_images = 1;
    int shape_ok = (x.ndim == 3 && x.dims[0] == g->input.c && x.dims[1] == g->input.h &&
                    x.dims[2] == g->input.w) ||
                   (x.ndim == 4 && x.dims[1] == g->input.c && x.dims[2] == g->input.h &&
                    x.dims[3] == g->input.w);
    if (!shape_ok) {
        pd_error_set(&err, PD_EINPUT, "%s: expected shape [%lld, %lld, %lld] or [N, %lld, %lld, %lld] for "
                     "model \"%s\"", a.input, (long long)g->input.c, (long long)g->input.h,
                     (long long)g->input.w, (long long)g->input.c, (long long)g->input.h,
                     (long long)g->input.w, g->name);
        status = cli_fail(&err);
        goto done;
    }
    if (x.ndim == 4)
        n_images = (size_t)x.dims[0];
    size_t len;
    pd_net_path(net, exit, &len);
    const pd_layer *e = &g->layers[g->exits[exit]];
    size_t classes = (size_t)pd_shape_elems(e->out);
    logits = malloc((n_images ? n_images : 1) * classes * sizeof *logits);
    if (!logits) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        status = cli_fail(&err);
        goto done;
    }
    char nb[CLI_NAME_BUF], eb[CLI_NAME_BUF];
    printf("model %s, exit %s (%zu layers)%s\n", cli_safe_name(g->name, nb, sizeof nb), cli_safe_name(e->name, eb, sizeof eb), len,
           isnan(a.accuracy) ? "" : " chosen by the accuracy requirement");
    if (source[0] && !a.exit_accuracy)
        printf("exit accuracies: measured, from %s\n", source);
    for (size_t i = 0; i < n_images; i++) {
        const float *out;
        size_t count;
        double t0 = pd_now_ms();
        if (pd_net_run(net, exit, 0, len, x.data + i * in_elems, in_elems, &out, &count, NULL,
                       &err)) {
            status = cli_fail(&err);
            goto done;
        }
        double ms = pd_now_ms() - t0;
        memcpy(logits + i * classes, out, classes * sizeof *out);
        pd_exit_summary s;
        pd_exit_summarise(out, count, &s);
        if (s.finite) {
            printf("input %zu: class %zu, probability %.4f, entropy %.4f, %.3f ms\n", i,
                   s.top_class, s.probability, s.entropy, ms);
            continue;
        }
        /* as PyTorch, NaN and infinity propagate: no class to report */
        not_finite++;
        size_t bad_in = count_non_finite(x.data + i * in_elems, in_elems);
        printf("input %zu: output not finite (%zu of %zu logits NaN or infinite), no class; the "
               "input has %zu NaN or infinite values, %.3f ms\n",
               i, s.non_finite, count, bad_in, ms);
    }
    if (a.out) {
        int64_t dims[2] = {(int64_t)n_images, (int64_t)classes};
        int ndim = x.ndim == 4 ? 2 : 1;
        if (pd_npy_write(a.out, logits, ndim, ndim == 2 ? dims : dims + 1, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }
    if (not_finite) {
        /* not bad usage, but not an answer either: exit 1, after -o wrote the logits */
        pd_error_set(&err, PD_EIO,
                     "run: %zu of %zu outputs not finite (NaN or infinity, as PyTorch would give "
                     "them); no class reported for them",
                     not_finite, n_images);
        status = cli_fail(&err);
    }
done:
    pd_weights_free(own);
    free(logits);
    pd_array_free(&x);
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
