/* What one run touches: per exit, the weights of A(k) as an engine holds them, the most
 * activation bytes alive at once while A(k) runs and its largest scratch; per layer, the
 * exit touching most among those holding it (the run it is profiled in: pd_profile_model). */
#include <stdlib.h>

#include "predoff/graph.h"

typedef struct exit_run {
    double bytes;
    size_t k;
} exit_run;

/* The most bytes first; ties in model order. */
static int most_first(const void *pa, const void *pb)
{
    const exit_run *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    return (a->k > b->k) - (a->k < b->k);
}

static double weight_bytes(const pd_graph *g, const pd_engine_hook *h, size_t i)
{
    return h && h->weight_bytes ? h->weight_bytes(g, i)
                                : 4.0 * pd_layer_weight_count(&g->layers[i]);
}

static double scratch_bytes(const pd_graph *g, const pd_engine_hook *h, size_t i)
{
    return h && h->scratch_bytes ? h->scratch_bytes(g, i) : 0.0;
}

/* On a tree A(k) is the exit's path from its root, and the most alive at once is the
 * largest input and output of one layer on it: weights summed, the rest the largest, along
 * the path, parents first. */
static pd_status tree_exits(const pd_graph *g, const pd_engine_hook *h, const double *out_bytes,
                            double in_bytes, double *exit_bytes, pd_error *err)
{
    const int32_t *parent = pd_topology_tree_parents(g->topo);
    double *weights = malloc(g->n_layers * sizeof *weights),
           *peak = malloc(g->n_layers * sizeof *peak),
           *scratch = malloc(g->n_layers * sizeof *scratch);
    pd_status st = PD_OK;
    if (!weights || !peak || !scratch)
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < g->n_layers; i++) { /* parents first */
        int32_t p = parent[i];
        double in = p < 0 ? in_bytes : out_bytes[p], both = in + out_bytes[i],
               s = scratch_bytes(g, h, i);
        weights[i] = (p < 0 ? 0.0 : weights[p]) + weight_bytes(g, h, i);
        peak[i] = p < 0 || peak[p] < both ? both : peak[p];
        scratch[i] = p < 0 || scratch[p] < s ? s : scratch[p];
    }
    for (size_t k = 0; !st && k < g->n_exits; k++) {
        size_t e = (size_t)g->exits[k];
        exit_bytes[k] = weights[e] + peak[e] + scratch[e];
    }
    free(weights);
    free(peak);
    free(scratch);
    return st;
}

static pd_status dag_exits(const pd_graph *g, const pd_engine_hook *h, const double *out_bytes,
                           double in_bytes, double *exit_bytes, pd_error *err)
{
    for (size_t k = 0; k < g->n_exits; k++) {
        double peak, weights = 0.0, scratch = 0.0;
        pd_status st = pd_topology_peak_bytes(g->topo, k, out_bytes, in_bytes, &peak, err);
        if (st)
            return st;
        pd_sub_walk w = pd_sub_walk_begin(g->topo, k);
        for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;) {
            double s = scratch_bytes(g, h, (size_t)v);
            weights += weight_bytes(g, h, (size_t)v);
            scratch = s > scratch ? s : scratch;
        }
        exit_bytes[k] = weights + peak + scratch;
    }
    return PD_OK;
}

pd_status pd_graph_measure_runs(const pd_graph *g, const pd_engine_hook *h, double *exit_bytes,
                                size_t *claim, size_t *order, pd_error *err)
{
    const size_t n = g->n_layers, m = g->n_exits;
    const pd_topology *t = g->topo;
    double *out_bytes = malloc(n * sizeof *out_bytes);
    exit_run *by = malloc(m * sizeof *by);
    bool *set = calloc(n, sizeof *set);
    pd_status st = PD_OK;
    if (!out_bytes || !by || !set)
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++)
        out_bytes[i] = 4.0 * (double)pd_shape_elems(g->layers[i].out);
    const double in_bytes = 4.0 * (double)pd_shape_elems(g->input);
    if (!st)
        st = t->tree ? tree_exits(g, h, out_bytes, in_bytes, exit_bytes, err)
                     : dag_exits(g, h, out_bytes, in_bytes, exit_bytes, err);
    for (size_t k = 0; !st && k < m; k++)
        by[k] = (exit_run){exit_bytes[k], k};
    if (!st)
        qsort(by, m, sizeof *by, most_first);
    /* each layer takes the first exit of that order that holds it; on a tree, the walk up
     * from an exit stops at a layer taken before, whose ancestors were taken with it */
    for (size_t r = 0; !st && r < m; r++) {
        order[r] = by[r].k;
        pd_sub_walk w = pd_sub_walk_begin(t, by[r].k);
        for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;) {
            if (set[v] && t->tree)
                break;
            if (!set[v])
                claim[v] = by[r].k;
            set[v] = true;
        }
    }
    free(out_bytes);
    free(by);
    free(set);
    return st;
}
