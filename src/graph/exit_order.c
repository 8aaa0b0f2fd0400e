/* Exits in the order a sample meets them on its way from the input (graph.h). */
#include <stdint.h>
#include <stdlib.h>

#include "predoff/graph.h"

pd_status pd_graph_exit_path_order(const pd_graph *g, size_t *order, pd_error *err)
{
    const pd_topology *t = g->topo;
    size_t n = g->n_exits, trunk = 0;
    size_t *key = malloc(n * sizeof *key);
    size_t *pos = malloc(g->n_layers * sizeof *pos); /* position on the trunk, or SIZE_MAX */
    if (!key || !pos) {
        free(key);
        free(pos);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t k = 1; k < n; k++)
        if (t->sub_len[k] >= t->sub_len[trunk])
            trunk = k;
    for (size_t i = 0; i < g->n_layers; i++)
        pos[i] = SIZE_MAX;
    size_t at = t->sub_len[trunk];
    pd_sub_walk w = pd_sub_walk_begin(t, trunk);
    for (int32_t l; (l = pd_sub_walk_next(&w)) >= 0;)
        pos[l] = --at;
    for (size_t k = 0; k < n; k++) {
        /* from the exit back, the first layer on the trunk: where it leaves the trunk */
        w = pd_sub_walk_begin(t, k);
        int32_t l;
        while ((l = pd_sub_walk_next(&w)) >= 0 && pos[l] == SIZE_MAX)
            ;
        /* the trunk's exit (and any on the trunk) by its place */
        key[k] = l < 0 ? 0 : pos[l];
        order[k] = k;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort, stable: model order breaks ties */
        for (size_t j = i; j > 0 && key[order[j - 1]] > key[order[j]]; j--) {
            size_t keep = order[j];
            order[j] = order[j - 1];
            order[j - 1] = keep;
        }
    free(pos);
    free(key);
    return PD_OK;
}
