/* The whole tree forward over a batch: each layer once, parents first, so a trunk shared
 * by several exits is computed once. */
#include "core/clock.h"
#include "grad.h"
#include "trainer_state.h"

pd_grad_args pd_trainer_layer_args(pd_trainer *t, size_t i, const float *x, size_t batch,
                                   bool training)
{
    const pd_layer *l = &t->g->layers[i];
    /* every type the trainer takes reads one tensor (pd_trainer_new) */
    int32_t in = l->inputs[0];
    pd_grad_args a = {.l = l,
                      .batch = batch,
                      .w = t->lw[i],
                      .b = t->lb[i],
                      .in = in < 0 ? x : t->act[in],
                      .out = t->act[i],
                      .dout = t->grad[i],
                      .din = in < 0 ? NULL : t->grad[in],
                      .dw = t->ldw[i],
                      .db = t->ldb[i],
                      .aux = t->aux[i],
                      .scratch = t->scratch,
                      .workers = t->workers,
                      .threads = t->threads,
                      .rng = &t->rng,
                      .training = training};
    return a;
}

void pd_trainer_forward(pd_trainer *t, const float *x, size_t batch, bool training)
{
    const pd_graph *g = t->g;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        pd_grad_args a = pd_trainer_layer_args(t, i, x, batch, training);
        double t0 = t->forward_ms ? pd_now_ms() : 0.0;
        pd_grad_op_of(l->type)->forward(&a);
        if (t->forward_ms)
            t->forward_ms[i] = pd_now_ms() - t0;
    }
}
