/* libFuzzer harness: ONNX models (pd_onnx_parse), and for every one that reads, the JSON
 * writer's round trip (pd_graph_to_json, pd_graph_from_json), which must succeed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/io.h"
#include "predoff/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_error err;
    if (pd_onnx_parse(data, size, "fuzz", "fuzz", &g, &w, &err) != PD_OK) {
        if (g || w || !err.msg[0])
            abort(); /* a failure leaves nothing behind and says why */
        return 0;
    }
    char *text = NULL;
    pd_graph *back = NULL;
    if (pd_graph_to_json(g, &text, &err) != PD_OK ||
        pd_graph_from_json(text, strlen(text), "written", &back, &err) != PD_OK ||
        back->n_layers != g->n_layers || back->n_exits != g->n_exits)
        abort(); /* what the reader accepts, the JSON form must carry */
    pd_graph_free(back);
    free(text);
    pd_weights_free(w);
    pd_graph_free(g);
    return 0;
}
