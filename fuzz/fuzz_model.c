/* libFuzzer harness: model descriptions (pd_graph_from_json) and what a parsed
 * graph offers: every feature of every layer, descriptions, the topology (inputs,
 * readers, each exit's sub-graph A(k)) and peak activations. */
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
    const pd_topology *t = g->topo;
    if (!t || t->n_layers != g->n_layers || t->n_exits != g->n_exits)
        abort();
    size_t membership_calls = 0;
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
        /* the layer's inputs come before it, and the topology has them, in order */
        size_t n_in;
        const int32_t *in = pd_topology_inputs(t, i, &n_in);
        if (n_in != l->n_inputs || n_in == 0)
            abort();
        for (size_t j = 0; j < n_in; j++) {
            if (in[j] != l->inputs[j] || in[j] < PD_TENSOR_INPUT || in[j] >= (int32_t)i)
                abort();
            /* and the layer is among its input's readers */
            size_t n_rd, found = 0;
            const int32_t *rd = pd_topology_readers(t, in[j], &n_rd);
            for (size_t r = 0; r < n_rd; r++)
                found += rd[r] == (int32_t)i;
            if (found != 1)
                abort();
        }
        if (t->tree && n_in != 1)
            abort();
        /* membership in every exit's sub-graph, within a budget (exits x layers) */
        for (size_t k = 0; k < g->n_exits && membership_calls < MAX_ON_PATH_CALLS; k++) {
            membership_calls++;
            sink += pd_graph_in_exit(g, i, k) ? 1.0 : 0.0;
        }
    }
    size_t walked = 0;
    for (size_t k = 0; k < g->n_exits; k++) {
        size_t e = (size_t)g->exits[k];
        if (!g->layers[e].is_exit || !pd_graph_in_exit(g, e, k))
            abort();
        for (size_t j = 0; j < g->layers[e].n_inputs; j++) {
            int32_t p = g->layers[e].inputs[j];
            if (p >= 0 && !pd_graph_in_exit(g, (size_t)p, k))
                abort();
        }
        if (walked > (size_t)MAX_ON_PATH_CALLS * 16)
            continue;
        /* the walk gives A(k) from the exit back, each layer once and a member */
        pd_sub_walk w = pd_sub_walk_begin(t, k);
        size_t len = 0;
        int32_t prev = INT32_MAX;
        for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0; len++) {
            if (v >= prev || !pd_topology_in_sub(t, k, (size_t)v))
                abort();
            prev = v;
        }
        walked += len;
        if (len != t->sub_len[k])
            abort();
        double peak;
        if (pd_graph_exit_peak_bytes(g, k, &peak, &err) == PD_OK)
            sink += peak;
        else if (err.status != PD_ENOMEM)
            abort();
    }
    (void)sink;
    pd_graph_free(g);
    return 0;
}
