/* predoff models, show, profiles and solvers: what is built in, and what a model holds. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "predoff/graph.h"
#include "predoff/profile.h"
#include "predoff/solve.h"

static int no_arguments(const cli_parsed *p, const char *cmd)
{
    if (p->n_pos == 0)
        return 0;
    fprintf(stderr, "predoff: %s takes no arguments\n", cmd);
    return 1;
}

int cmd_models(const cli_parsed *p)
{
    if (no_arguments(p, "models"))
        return EXIT_BAD_INPUT;
    size_t n;
    const pd_builtin_model *m = pd_builtin_models(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-14s %s\n", m[i].name, m[i].summary);
    return EXIT_OK;
}

int cmd_profiles(const cli_parsed *p)
{
    if (no_arguments(p, "profiles"))
        return EXIT_BAD_INPUT;
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
    return EXIT_OK;
}

int cmd_solvers(const cli_parsed *p)
{
    if (no_arguments(p, "solvers"))
        return EXIT_BAD_INPUT;
    size_t n;
    const pd_solver *s = pd_solvers(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-14s %s\n", s[i].name, s[i].summary);
    return EXIT_OK;
}

static void shape_str(pd_shape s, char *buf, size_t n)
{
    snprintf(buf, n, "%lldx%lldx%lld", (long long)s.c, (long long)s.h, (long long)s.w);
}

/* "1,2,5": the exits (numbered in model order) whose path contains layer i. */
static void exits_using(const pd_graph *g, size_t i, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < g->n_exits && len + 8 < n; k++)
        if (pd_graph_on_path(g, i, (size_t)g->exits[k]))
            len += (size_t)snprintf(buf + len, n - len, "%s%zu", len ? "," : "", k + 1);
}

int cmd_show(const cli_parsed *p)
{
    if (p->n_pos != 1) {
        fprintf(stderr, "predoff: show takes one MODEL (predoff models lists them)\n");
        return EXIT_BAD_INPUT;
    }
    pd_graph *g;
    pd_error err;
    if (pd_graph_open(p->pos[0], &g, &err))
        return cli_fail(&err);
    printf("model: %s   input %lldx%lldx%lld   %zu layers   %zu exits   %.0f weight bytes\n",
           g->name, (long long)g->input.c, (long long)g->input.h, (long long)g->input.w,
           g->n_layers, g->n_exits, pd_graph_model_bytes(g));
    if (g->note)
        printf("note: %s\n", g->note);
    printf("\n%-10s %-7s %-34s %-11s %-11s %12s %10s %10s %10s  %s\n", "layer", "type", "params",
           "input", "output", "MACs", "weight B", "output B", "k.filters", "exits");
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        char params[64], in[40], out[40], ex[128];
        pd_layer_describe(l, params, sizeof params);
        shape_str(l->in, in, sizeof in);
        shape_str(l->out, out, sizeof out);
        exits_using(g, i, ex, sizeof ex);
        printf("%-10s %-7s %-34s %-11s %-11s %12.0f %10.0f %10.0f %10.0f  %s\n", l->name,
               pd_layer_type_name(l->type), params, in, out, pd_layer_macs(l),
               pd_graph_feature(g, i, PD_FEAT_WEIGHT_BYTES),
               pd_graph_feature(g, i, PD_FEAT_OUT_BYTES),
               pd_graph_feature(g, i, PD_FEAT_KERNEL_FILTERS), ex);
    }
    printf("\nexits (numbered in model order):\n");
    for (size_t k = 0; k < g->n_exits; k++) {
        const pd_layer *l = &g->layers[g->exits[k]];
        if (l->has_accuracy)
            printf("  %zu  %-10s accuracy %.3f\n", k + 1, l->name, l->accuracy);
        else
            printf("  %zu  %-10s accuracy not given\n", k + 1, l->name);
    }
    pd_graph_free(g);
    return EXIT_OK;
}
