/* What a run holding a layer adds up to: per-layer values (predicted times) summed over the
 * run the profiler times each layer in, A(k) of its exit g->layer_run_exit[i]
 * (pd_graph_run_bytes). */
#include <stdlib.h>

#include "predoff/graph.h"

pd_status pd_graph_run_sums(const pd_graph *g, const double *per_layer, double *run,
                            pd_error *err)
{
    const size_t n = g->n_layers, m = g->n_exits;
    const pd_topology *t = g->topo;
    double *exit_sum = malloc((m ? m : 1) * sizeof *exit_sum),
           *prefix = t->tree ? malloc((n ? n : 1) * sizeof *prefix) : NULL;
    if (!exit_sum || (t->tree && !prefix)) {
        free(exit_sum);
        free(prefix);
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu layers)", n);
    }
    if (t->tree) { /* A(k) is the exit's path from its root: prefix sums, parents first */
        const int32_t *parent = pd_topology_tree_parents(t);
        for (size_t i = 0; i < n; i++)
            prefix[i] = (parent[i] < 0 ? 0.0 : prefix[parent[i]]) + per_layer[i];
        for (size_t k = 0; k < m; k++)
            exit_sum[k] = prefix[g->exits[k]];
    } else {
        for (size_t k = 0; k < m; k++) {
            exit_sum[k] = 0.0;
            pd_sub_walk w = pd_sub_walk_begin(t, k);
            for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
                exit_sum[k] += per_layer[v];
        }
    }
    for (size_t i = 0; i < n; i++)
        run[i] = exit_sum[g->layer_run_exit[i]];
    free(exit_sum);
    free(prefix);
    return PD_OK;
}
