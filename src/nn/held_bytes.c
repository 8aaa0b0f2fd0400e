/* What this runtime holds for a layer in a run: its weights as its pass reads them (the
 * prepared form, where the type prepares one: packed panels, Winograd-transformed filters),
 * and the scratch its pass works in. The engine hook's part of run_bytes. */
#include "forward.h"
#include "predoff/runtime.h"

double pd_runtime_weight_bytes(const pd_graph *g, size_t i)
{
    const pd_layer *l = &g->layers[i];
    const pd_forward_op *op = pd_forward_op_of(l->type); /* NULL: a type it cannot run */
    size_t prepared = op && op->prepared_floats ? op->prepared_floats(l) : 0;
    return prepared ? 4.0 * (double)prepared : 4.0 * pd_layer_weight_count(l);
}

double pd_runtime_scratch_bytes(const pd_graph *g, size_t i)
{
    const pd_layer *l = &g->layers[i];
    const pd_forward_op *op = pd_forward_op_of(l->type);
    return op && op->scratch_floats ? 4.0 * (double)op->scratch_floats(l) : 0.0;
}
