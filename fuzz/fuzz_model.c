/* libFuzzer harness: model descriptions (pd_graph_from_json) and what a parsed
 * graph offers: every feature of every layer, descriptions and exit paths. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/graph.h"

enum { MAX_ON_PATH_CALLS = 1 << 12 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_graph *g = NULL;
    pd_status st = pd_graph_from_json((const char *)data, size, "fuzz", &g, &err);
    if (st != PD_OK) {
        /* a failure must be recorded, with a message, and leave no graph */
        if (err.status != st || err.msg[0] == '\0' || g != NULL)
            abort();
        return 0;
    }
    if (!g || err.status != PD_OK)
        abort();

    volatile double sink = pd_graph_model_bytes(g);
    size_t on_path_calls = 0;
    char buf[128];
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        for (int f = 0; f < PD_FEATURE_COUNT; f++)
            sink += pd_graph_feature(g, i, (pd_feature)f);
        pd_layer_describe(l, buf, sizeof buf);
        if (memchr(buf, '\0', sizeof buf) == NULL)
            abort();
        if (pd_graph_find(g, l->name) != (int32_t)i)
            abort();
        if (l->parent >= (int32_t)i)
            abort();
        /* every exit's path, within a budget: each call walks up to n_layers
         * parents, and a long chain of exits would make this cubic */
        for (size_t k = 0; k < g->n_exits && on_path_calls < MAX_ON_PATH_CALLS; k++) {
            on_path_calls++;
            sink += pd_graph_on_path(g, i, (size_t)g->exits[k]) ? 1.0 : 0.0;
        }
    }
    for (size_t k = 0; k < g->n_exits; k++) {
        size_t e = (size_t)g->exits[k];
        if (!g->layers[e].is_exit || !pd_graph_on_path(g, e, e))
            abort();
        int32_t p = g->layers[e].parent;
        if (p >= 0 && !pd_graph_on_path(g, (size_t)p, e))
            abort();
    }
    (void)sink;
    pd_graph_free(g);
    return 0;
}
