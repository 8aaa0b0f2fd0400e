/* Exits in the order a sample meets them on its way from the input (graph.h). */
#include <stdint.h>
#include <stdlib.h>

#include "predoff/graph.h"

static size_t path_length(const pd_graph *g, int32_t layer)
{
    size_t n = 0;
    for (int32_t l = layer; l >= 0; l = g->layers[l].parent)
        n++;
    return n;
}

pd_status pd_graph_exit_path_order(const pd_graph *g, size_t *order, pd_error *err)
{
    size_t n = g->n_exits, trunk = 0;
    size_t *key = malloc(n * sizeof *key);
    size_t *pos = malloc(g->n_layers * sizeof *pos); /* position on the trunk, or SIZE_MAX */
    if (!key || !pos) {
        free(key);
        free(pos);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t k = 1; k < n; k++)
        if (path_length(g, g->exits[k]) >= path_length(g, g->exits[trunk]))
            trunk = k;
    for (size_t i = 0; i < g->n_layers; i++)
        pos[i] = SIZE_MAX;
    size_t len = path_length(g, g->exits[trunk]);
    size_t at = len;
    for (int32_t l = g->exits[trunk]; l >= 0; l = g->layers[l].parent)
        pos[l] = --at;
    for (size_t k = 0; k < n; k++) {
        int32_t l = g->exits[k];
        while (l >= 0 && pos[l] == SIZE_MAX)
            l = g->layers[l].parent;
        /* where it leaves the trunk; the trunk's exit (and any on the trunk) by its place */
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
