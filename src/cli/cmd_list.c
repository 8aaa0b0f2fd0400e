/* predoff models, show, profiles and solvers: what is built in, and what a model holds. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "safe_name.h"
#include "predoff/onnx.h"
#include "predoff/graph.h"
#include "predoff/measure.h"
#include "predoff/profile.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"

static int no_arguments(const cli_parsed *p, const char *cmd)
{
    if (p->n_pos == 0)
        return 0;
    fprintf(stderr, "predoff: %s takes no arguments\n", cmd);
    return 1;
}

const cli_flag cli_cmd_models_flags[] = {
    {"--sweep-net", "K", "print the sweep's network K (0 to 95, source sweepnet-K in a timings "
                         "CSV) as a JSON model, for profile, show or plan"},
    {NULL, NULL, NULL},
};

/* The JSON model of the sweep's network k (pd_sweep_net_json) on standard output. */
static int print_sweep_net(int k)
{
    pd_error err;
    char *buf = malloc(PD_SWEEP_NET_JSON_MAX);
    if (!buf) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        return cli_fail(&err);
    }
    bool ok = pd_sweep_net_json((size_t)k, buf, PD_SWEEP_NET_JSON_MAX);
    if (ok)
        printf("%s\n", buf);
    free(buf);
    if (!ok) {
        pd_error_set(&err, PD_ELIMIT, "--sweep-net %d: its JSON does not fit", k);
        return cli_fail(&err);
    }
    return CLI_EXIT_OK;
}

int cli_cmd_models(const cli_parsed *p)
{
    if (no_arguments(p, "models"))
        return CLI_EXIT_BAD_INPUT;
    int k = -1; /* every --sweep-net checked, the last one taken */
    for (size_t i = 0; i < p->n_opts; i++) {
        pd_error err;
        if (cli_is(&p->opts[i], "--sweep-net") &&
            cli_int("--sweep-net", p->opts[i].value, 0, PD_SWEEP_NETS - 1, &k, &err))
            return cli_fail(&err);
    }
    if (k >= 0)
        return print_sweep_net(k);
    size_t n;
    const pd_builtin_model *m = pd_builtin_models(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-14s %s\n", m[i].name, m[i].summary);
    return CLI_EXIT_OK;
}

int cli_cmd_profiles(const cli_parsed *p)
{
    if (no_arguments(p, "profiles"))
        return CLI_EXIT_BAD_INPUT;
    size_t n;
    const pd_preset_profile *pre = pd_preset_profiles(&n);
    for (size_t i = 0; i < n; i++) {
        pd_profile *prof;
        pd_error err;
        if (pd_profile_open(pre[i].name, &prof, &err))
            return cli_fail(&err);
        printf("%-22s %s\n", prof->name, prof->note ? prof->note : "");
        pd_profile_free(prof);
    }
    return CLI_EXIT_OK;
}

int cli_cmd_solvers(const cli_parsed *p)
{
    if (no_arguments(p, "solvers"))
        return CLI_EXIT_BAD_INPUT;
    size_t n;
    const pd_solver *s = pd_solvers(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-14s %s\n", s[i].name, s[i].summary);
    return CLI_EXIT_OK;
}

static void shape_str(pd_shape s, char *buf, size_t n)
{
    snprintf(buf, n, "%lldx%lldx%lld", (long long)s.c, (long long)s.h, (long long)s.w);
}

/* For every layer, the first exits (numbered in model order) whose sub-graph A(k) contains
 * it, at most `cap` of them (all a line of the table has room for): one pass in reverse
 * topological order, each layer's list merged into each of its inputs'. Asking every exit
 * about every layer is quadratic in a deep model with many exits. */
typedef struct exit_lists {
    size_t cap;
    uint32_t *ids;  /* [n_layers * cap], ascending */
    size_t *count;  /* [n_layers] */
} exit_lists;

static void exit_lists_free(exit_lists *e)
{
    free(e->ids);
    free(e->count);
}

static pd_status exit_lists_build(const pd_graph *g, size_t cap, exit_lists *e, pd_error *err)
{
    e->cap = cap < g->n_exits ? cap : g->n_exits;
    e->ids = malloc((g->n_layers * e->cap + 1) * sizeof *e->ids);
    e->count = calloc(g->n_layers, sizeof *e->count);
    uint32_t *merged = malloc((e->cap + 1) * sizeof *merged);
    if (!e->ids || !e->count || !merged) {
        free(merged);
        exit_lists_free(e);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < g->n_exits && e->cap; k++) {
        size_t l = (size_t)g->exits[k];
        e->ids[l * e->cap] = (uint32_t)k;
        e->count[l] = 1;
    }
    for (size_t r = g->n_layers; r-- > 0;) {
        size_t i = (size_t)g->topo->order[r], n_in;
        const int32_t *in = pd_topology_inputs(g->topo, i, &n_in);
        for (size_t j = 0; j < n_in && e->count[i]; j++) {
            int32_t p = in[j];
            if (p < 0)
                continue;
            const uint32_t *a = e->ids + (size_t)p * e->cap, *b = e->ids + i * e->cap;
            size_t na = e->count[p], nb = e->count[i], x = 0, y = 0, m = 0;
            while (m < e->cap && (x < na || y < nb)) { /* ascending, each exit once */
                if (x < na && y < nb && a[x] == b[y])
                    y++;
                merged[m++] = y >= nb || (x < na && a[x] < b[y]) ? a[x++] : b[y++];
            }
            memcpy(e->ids + (size_t)p * e->cap, merged, m * sizeof *merged);
            e->count[p] = m;
        }
    }
    free(merged);
    return PD_OK;
}

/* "1,2,5": the exits using layer i, as many as fit. */
static void exits_using(const exit_lists *e, size_t i, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < e->count[i] && len + 8 < n; j++)
        len += (size_t)snprintf(buf + len, n - len, "%s%zu", len ? "," : "",
                                (size_t)e->ids[i * e->cap + j] + 1);
}

/* "conv1", "a,b", "@input": the tensors layer i reads, cut with "..." when they do not fit. */
static void inputs_of(const pd_graph *g, size_t i, char *buf, size_t n)
{
    char nb[CLI_NAME_BUF];
    size_t len = 0, n_in;
    const int32_t *in = pd_topology_inputs(g->topo, i, &n_in);
    buf[0] = '\0';
    for (size_t j = 0; j < n_in; j++) {
        const char *name =
            in[j] < 0 ? "@input" : cli_safe_name(g->layers[in[j]].name, nb, sizeof nb);
        if (len + strlen(name) + 5 > n) {
            snprintf(buf + len, n - len, "%s...", j ? "," : "");
            return;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", j ? "," : "", name);
    }
}

/* The measured accuracies the repository ships for g, in exit order, if g lacks any of
 * its own (what plan, eval and compare then use); NULL when none ship. */
static double *shipped_accuracies(const pd_graph *g, char *source, size_t source_size,
                                  pd_error *err, pd_status *st)
{
    pd_scenario sc;
    memset(&sc, 0, sizeof sc);
    if ((*st = pd_scenario_default_accuracies(&sc, g, err)) || !sc.n_exit_accuracy)
        return NULL;
    double *acc = sc.exit_accuracy; /* taken from the scenario, which holds nothing else */
    sc.exit_accuracy = NULL;
    snprintf(source, source_size, "%s", sc.accuracy_source);
    pd_scenario_free(&sc);
    return acc;
}

int cli_cmd_show(const cli_parsed *p)
{
    if (p->n_pos != 1) {
        fprintf(stderr, "predoff: show takes one MODEL (predoff models lists them)\n");
        return CLI_EXIT_BAD_INPUT;
    }
    pd_graph *g;
    pd_error err;
    if (pd_model_open(p->pos[0], &g, NULL, &err))
        return cli_fail(&err);
    exit_lists uses;
    pd_status st;
    char source[256] = "";
    double *shipped = NULL;
    if ((st = exit_lists_build(g, 64, &uses, &err)) == PD_OK) {
        shipped = shipped_accuracies(g, source, sizeof source, &err, &st);
        if (st)
            exit_lists_free(&uses);
    }
    if (st) {
        pd_graph_free(g);
        return cli_fail(&err);
    }
    char nb[CLI_NAME_BUF], note[4 * 1024];
    printf("model: %s   input %lldx%lldx%lld   %zu layers   %zu exits   %.0f weight bytes\n",
           cli_safe_name(g->name, nb, sizeof nb), (long long)g->input.c, (long long)g->input.h,
           (long long)g->input.w, g->n_layers, g->n_exits, pd_graph_model_bytes(g));
    if (g->note)
        printf("note: %s\n", cli_safe_name(g->note, note, sizeof note));
    /* the name and exits columns as wide as their widest entries (names at most 64: an
     * ONNX export's path-like names can be long), then the inputs */
    int ex_width = 5, name_width = 10;
    for (size_t i = 0; i < g->n_layers; i++) {
        char ex[128];
        exits_using(&uses, i, ex, sizeof ex);
        ex_width = (int)strlen(ex) > ex_width ? (int)strlen(ex) : ex_width;
        int n = (int)strlen(cli_safe_name(g->layers[i].name, nb, sizeof nb));
        name_width = n > name_width ? (n < 64 ? n : 64) : name_width;
    }
    printf("\n%-*s %-7s %-34s %-11s %-11s %12s %10s %10s %10s  %-*s  %s\n", name_width, "layer",
           "type", "params", "input", "output", "MACs", "weight B", "output B", "k.filters",
           ex_width, "exits", "inputs");
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        char params[64], in[40], out[40], ex[128], from[512];
        pd_layer_describe(l, params, sizeof params);
        shape_str(l->in, in, sizeof in);
        shape_str(l->out, out, sizeof out);
        exits_using(&uses, i, ex, sizeof ex);
        inputs_of(g, i, from, sizeof from);
        printf("%-*s %-7s %-34s %-11s %-11s %12.0f %10.0f %10.0f %10.0f  %-*s  %s\n",
               name_width, cli_safe_name(l->name, nb, sizeof nb), pd_layer_type_name(l->type), params, in,
               out, pd_layer_macs(l), pd_graph_feature(g, i, PD_FEAT_WEIGHT_BYTES),
               pd_graph_feature(g, i, PD_FEAT_OUT_BYTES),
               pd_graph_feature(g, i, PD_FEAT_KERNEL_FILTERS), ex_width, ex, from);
    }
    printf("\nexits (numbered in model order; peak activations: the most bytes of tensors alive "
           "at once when the exit's layers run alone, in order):\n");
    for (size_t k = 0; k < g->n_exits && !st; k++) {
        const pd_layer *l = &g->layers[g->exits[k]];
        const char *name = cli_safe_name(l->name, nb, sizeof nb);
        double peak;
        if ((st = pd_graph_exit_peak_bytes(g, k, &peak, &err)))
            break;
        char acc[64];
        if (shipped)
            snprintf(acc, sizeof acc, "accuracy %.3f (measured)", shipped[k]);
        else if (l->has_accuracy)
            snprintf(acc, sizeof acc, "accuracy %.3f", l->accuracy);
        else
            snprintf(acc, sizeof acc, "accuracy not given");
        printf("  %zu  %-*s %-25s  peak activations %.0f B\n", k + 1, name_width, name, acc,
               peak);
    }
    if (shipped)
        printf("exit accuracies: measured, from %s; plan, eval and compare use them unless "
               "given --exit-accuracy or --accuracy-from\n", source);
    free(shipped);
    exit_lists_free(&uses);
    pd_graph_free(g);
    return st ? cli_fail(&err) : CLI_EXIT_OK;
}
