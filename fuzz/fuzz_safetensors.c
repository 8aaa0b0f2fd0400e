/* libFuzzer harness: safetensors files (pd_weights_parse_safetensors) and, when one
 * parses, the checks of its tensors against the built-in model b-lenet and against a
 * tiny model whose weights fit in a small input (so a passing check is reachable). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char tiny_json[] =
    "{\"name\": \"tiny\", \"input\": [1, 2, 2], \"layers\": ["
    "{\"name\": \"conv\", \"type\": \"conv\", \"filters\": 2, \"kernel\": 1},"
    "{\"name\": \"fc\", \"type\": \"fc\", \"outputs\": 2, \"exit\": true}]}";

/* Opened once: parsing the models on every input would hide the code under test. */
static pd_graph *model(int which)
{
    static pd_graph *g[2];
    pd_error err;
    if (!g[0] && (pd_graph_open("b-lenet", &g[0], &err) != PD_OK ||
                  pd_graph_from_json(tiny_json, sizeof tiny_json - 1, "tiny", &g[1], &err) != PD_OK))
        abort();
    return g[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_weights *w = NULL;
    pd_status st = pd_weights_parse_safetensors(data, size, "fuzz", &w, &err);
    if (st != PD_OK) {
        /* a failure is recorded, names the source, and leaves no weights */
        if (err.status != st || strncmp(err.msg, "fuzz: ", 6) != 0 || w != NULL ||
            strchr(err.msg, '\n'))
            abort();
        return 0;
    }
    if (!w || err.status != PD_OK)
        abort();
    for (size_t i = 0; i < w->n; i++) {
        const pd_named_tensor *t = &w->tensors[i];
        size_t count = 1;
        if (t->ndim < 0 || t->ndim > PD_MAX_DIMS || !t->name || !t->data ||
            (uintptr_t)t->data % 64 != 0)
            abort();
        for (int d = 0; d < t->ndim; d++)
            count *= (size_t)t->dims[d];
        if (count != t->count || 4 * count > size)
            abort();
        volatile float sink = 0;
        for (size_t k = 0; k < t->count; k++) /* every element readable */
            sink += t->data[k];
        (void)sink;
        if (pd_weights_find(w, t->name) != t)
            abort();
    }
    for (int m = 0; m < 2; m++) {
        pd_error_clear(&err);
        st = pd_weights_check(w, model(m), "fuzz", &err);
        if (st != PD_OK && (err.status != st || strncmp(err.msg, "fuzz: ", 6) != 0))
            abort();
    }
    pd_weights_free(w);
    return 0;
}
