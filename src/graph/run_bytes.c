/* What one run touches: per exit, the weights of A(k) and the most activation bytes alive
 * at once while A(k) runs; per layer, that of the exit touching most among those holding
 * it (the run it is profiled in: pd_profile_model). */
#include <stdlib.h>

#include "run_bytes.h"

typedef struct exit_bytes {
    double bytes;
    size_t k;
} exit_bytes;

/* The most bytes first; ties in model order. */
static int most_first(const void *pa, const void *pb)
{
    const exit_bytes *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes < b->bytes ? 1 : -1;
    return (a->k > b->k) - (a->k < b->k);
}

/* On a tree A(k) is the exit's path from its root, and the most alive at once is the
 * largest input and output of one layer on it: both summed along the path, parents first. */
static pd_status tree_exits(const pd_graph *g, const double *out_bytes, double in_bytes,
                            pd_error *err)
{
    const pd_topology *t = g->topo;
    const int32_t *parent = pd_topology_tree_parents(t);
    double *weights = malloc(g->n_layers * sizeof *weights),
           *peak = malloc(g->n_layers * sizeof *peak);
    if (!weights || !peak) {
        free(weights);
        free(peak);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < g->n_layers; i++) { /* parents first */
        int32_t p = parent[i];
        double in = p < 0 ? in_bytes : out_bytes[p], both = in + out_bytes[i];
        weights[i] = (p < 0 ? 0.0 : weights[p]) + 4.0 * pd_layer_weight_count(&g->layers[i]);
        peak[i] = p < 0 || peak[p] < both ? both : peak[p];
    }
    for (size_t k = 0; k < g->n_exits; k++) {
        size_t e = (size_t)g->exits[k];
        g->exit_run_bytes[k] = weights[e] + peak[e];
    }
    free(weights);
    free(peak);
    return PD_OK;
}

static pd_status dag_exits(const pd_graph *g, const double *out_bytes, double in_bytes,
                           pd_error *err)
{
    const pd_topology *t = g->topo;
    for (size_t k = 0; k < g->n_exits; k++) {
        double peak, weights = 0.0;
        pd_status st = pd_topology_peak_bytes(t, k, out_bytes, in_bytes, &peak, err);
        if (st)
            return st;
        pd_sub_walk w = pd_sub_walk_begin(t, k);
        for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
            weights += 4.0 * pd_layer_weight_count(&g->layers[v]);
        g->exit_run_bytes[k] = weights + peak;
    }
    return PD_OK;
}

pd_status pd_graph_measure_runs(pd_graph *g, pd_error *err)
{
    const size_t n = g->n_layers, m = g->n_exits;
    const pd_topology *t = g->topo;
    double *out_bytes = malloc(n * sizeof *out_bytes);
    exit_bytes *by = malloc(m * sizeof *by);
    bool *set = calloc(n, sizeof *set);
    g->exit_run_bytes = malloc(m * sizeof *g->exit_run_bytes);
    g->layer_run_bytes = malloc(n * sizeof *g->layer_run_bytes);
    g->exits_by_run = malloc(m * sizeof *g->exits_by_run);
    pd_status st = PD_OK;
    if (!out_bytes || !by || !set || !g->exit_run_bytes || !g->layer_run_bytes ||
        !g->exits_by_run)
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++)
        out_bytes[i] = 4.0 * (double)pd_shape_elems(g->layers[i].out);
    const double in_bytes = 4.0 * (double)pd_shape_elems(g->input);
    if (!st)
        st = t->tree ? tree_exits(g, out_bytes, in_bytes, err)
                     : dag_exits(g, out_bytes, in_bytes, err);
    for (size_t k = 0; !st && k < m; k++)
        by[k] = (exit_bytes){g->exit_run_bytes[k], k};
    if (!st)
        qsort(by, m, sizeof *by, most_first);
    /* each layer takes the first exit of that order that holds it; on a tree, the walk up
     * from an exit stops at a layer taken before, whose ancestors were taken with it */
    for (size_t r = 0; !st && r < m; r++) {
        size_t k = by[r].k;
        g->exits_by_run[r] = k;
        pd_sub_walk w = pd_sub_walk_begin(t, k);
        for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;) {
            if (set[v] && t->tree)
                break;
            if (!set[v])
                g->layer_run_bytes[v] = by[r].bytes;
            set[v] = true;
        }
    }
    free(out_bytes);
    free(by);
    free(set);
    return st;
}
