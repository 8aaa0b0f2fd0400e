/* The layer graph: lookups, features and the sub-graphs of exits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer_type.h"
#include "predoff/graph.h"

static const char *const feature_names[] = {
    [PD_FEAT_IN_ELEMS] = "in_elems",
    [PD_FEAT_OUT_ELEMS] = "out_elems",
    [PD_FEAT_IN_BYTES] = "in_bytes",
    [PD_FEAT_OUT_BYTES] = "out_bytes",
    [PD_FEAT_KERNEL_FILTERS] = "kernel_filters",
    [PD_FEAT_KERNEL_FILTERS_CHANNELS] = "kernel_filters_channels",
    [PD_FEAT_MACS] = "macs",
    [PD_FEAT_WEIGHT_BYTES] = "weight_bytes",
    [PD_FEAT_MODEL_BYTES] = "model_bytes",
    [PD_FEAT_RUNTIME_MACS] = "runtime_macs",
    [PD_FEAT_TRANSFORM_ELEMS] = "transform_elems",
    [PD_FEAT_FUSED_ACT_ELEMS] = "fused_act_elems",
    [PD_FEAT_RUN_BYTES] = "run_bytes",
    [PD_FEAT_FUSED_EXP_ELEMS] = "fused_exp_elems",
    [PD_FEAT_RUN_MS] = "run_ms",
};
_Static_assert(sizeof feature_names / sizeof feature_names[0] == PD_FEATURE_COUNT,
               "one name per feature");

const char *pd_feature_name(pd_feature f)
{
    return (unsigned)f < PD_FEATURE_COUNT ? feature_names[f] : "?";
}

pd_feature pd_feature_parse(const char *name)
{
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        if (strcmp(feature_names[f], name) == 0)
            return (pd_feature)f;
    return PD_FEATURE_COUNT;
}

int64_t pd_shape_elems(pd_shape s)
{
    return s.c * s.h * s.w;
}

void pd_graph_free(pd_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_layers; i++) {
        free(g->layers[i].name);
        free(g->layers[i].inputs);
    }
    pd_topology_free(g->topo);
    free(g->layers);
    free(g->exits);
    free(g->exit_run_bytes);
    free(g->layer_run_exit);
    free(g->exits_by_run);
    free(g->name);
    free(g->note);
    free(g);
}

int32_t pd_graph_find(const pd_graph *g, const char *name)
{
    for (size_t i = 0; i < g->n_layers; i++)
        if (strcmp(g->layers[i].name, name) == 0)
            return (int32_t)i;
    return -1;
}

pd_status pd_graph_check_runnable(const pd_graph *g, pd_error *err)
{
    for (size_t i = 0; i < g->n_layers; i++)
        if (g->layers[i].type == PD_LAYER_OPAQUE)
            return pd_error_set(err, PD_EINPUT,
                                "model \"%.64s\": layer \"%.64s\" is opaque (known only by its "
                                "measured times): it can be planned but never run",
                                g->name, g->layers[i].name);
    return PD_OK;
}

double pd_graph_model_bytes(const pd_graph *g)
{
    return g->model_bytes;
}

double pd_graph_exit_run_bytes(const pd_graph *g, size_t k)
{
    return g->exit_run_bytes[k];
}

double pd_graph_run_bytes(const pd_graph *g, size_t i)
{
    return g->exit_run_bytes[g->layer_run_exit[i]];
}

int32_t pd_graph_fused_into(const pd_graph *g, size_t i)
{
    return g->engine && g->engine->fused_into ? g->engine->fused_into(g, i) : -1;
}

double pd_graph_feature(const pd_graph *g, size_t i, pd_feature f)
{
    const pd_layer *l = &g->layers[i];
    double in = 0.0, out = (double)pd_shape_elems(l->out);
    for (size_t j = 0; j < l->n_inputs; j++) /* formats.md: the sum over several inputs */
        in += (double)pd_shape_elems(l->inputs[j] < 0 ? g->input : g->layers[l->inputs[j]].out);
    switch (f) {
    case PD_FEAT_IN_ELEMS: return in;
    case PD_FEAT_OUT_ELEMS: return out;
    case PD_FEAT_IN_BYTES: return 4.0 * in;
    case PD_FEAT_OUT_BYTES: return 4.0 * out;
    case PD_FEAT_KERNEL_FILTERS: return pd_layer_type_def_of(l->type)->kernel_filters(l);
    case PD_FEAT_KERNEL_FILTERS_CHANNELS: {
        /* fc sees its flattened input as that many channels of a 1x1 image */
        double channels = l->type == PD_LAYER_FC     ? in
                          : l->type == PD_LAYER_CONV ? (double)(l->in.c / l->p.groups)
                                                     : (double)l->in.c;
        return pd_layer_type_def_of(l->type)->kernel_filters(l) * channels;
    }
    case PD_FEAT_MACS: return pd_layer_macs(l);
    case PD_FEAT_WEIGHT_BYTES: return 4.0 * pd_layer_weight_count(l);
    case PD_FEAT_MODEL_BYTES: return pd_graph_model_bytes(g);
    case PD_FEAT_RUN_BYTES: return pd_graph_run_bytes(g, i);
    case PD_FEAT_RUN_MS: return NAN; /* a run's time, measured or predicted, not a shape's */
    case PD_FEAT_RUNTIME_MACS:
    case PD_FEAT_TRANSFORM_ELEMS:
    case PD_FEAT_FUSED_ACT_ELEMS:
    case PD_FEAT_FUSED_EXP_ELEMS: return g->engine ? g->engine->feature(g, i, f) : NAN;
    case PD_FEATURE_COUNT: break;
    }
    return 0.0;
}

bool pd_feature_of_engine(pd_feature f)
{
    return f == PD_FEAT_RUNTIME_MACS || f == PD_FEAT_TRANSFORM_ELEMS ||
           f == PD_FEAT_FUSED_ACT_ELEMS || f == PD_FEAT_FUSED_EXP_ELEMS;
}

pd_status pd_graph_set_feature_hook(pd_graph *g, const pd_engine_hook *hook, pd_error *err)
{
    double *exit_bytes = malloc(g->n_exits * sizeof *exit_bytes);
    size_t *claim = malloc(g->n_layers * sizeof *claim),
           *order = malloc(g->n_exits * sizeof *order);
    pd_status st = exit_bytes && claim && order
                       ? pd_graph_measure_runs(g, hook, exit_bytes, claim, order, err)
                       : pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st) { /* the new ones in place of the old */
        double *old_exit = g->exit_run_bytes;
        size_t *old_claim = g->layer_run_exit, *old_order = g->exits_by_run;
        g->engine = hook;
        g->exit_run_bytes = exit_bytes;
        g->layer_run_exit = claim;
        g->exits_by_run = order;
        exit_bytes = old_exit;
        claim = old_claim;
        order = old_order;
    }
    free(exit_bytes);
    free(claim);
    free(order);
    return st;
}

bool pd_graph_in_exit(const pd_graph *g, size_t i, size_t k)
{
    return pd_topology_in_sub(g->topo, k, i);
}

pd_status pd_graph_exit_peak_bytes(const pd_graph *g, size_t k, double *peak, pd_error *err)
{
    double *bytes = malloc(g->n_layers * sizeof *bytes);
    if (!bytes)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < g->n_layers; i++)
        bytes[i] = 4.0 * (double)pd_shape_elems(g->layers[i].out);
    pd_status st = pd_topology_peak_bytes(g->topo, k, bytes, 4.0 * (double)pd_shape_elems(g->input),
                                          peak, err);
    free(bytes);
    return st;
}
