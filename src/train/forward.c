/* The whole tree forward over a batch: each layer once, parents first, so a trunk shared
 * by several exits is computed once. */
#include "core/clock.h"
#include "grad.h"
#include "trainer_state.h"

void pd_trainer_forward(pd_trainer *t, const float *x, size_t batch, bool training)
{
    const pd_graph *g = t->g;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        pd_grad_args a = {.l = l,
                          .batch = batch,
                          .w = t->lw[i],
                          .b = t->lb[i],
                          .in = l->parent < 0 ? x : t->act[l->parent],
                          .out = t->act[i],
                          .aux = t->aux[i],
                          .scratch = t->scratch,
                          .workers = t->workers,
                          .threads = t->threads,
                          .rng = &t->rng,
                          .training = training};
        double t0 = t->forward_ms ? pd_now_ms() : 0.0;
        pd_grad_op_of(l->type)->forward(&a);
        if (t->forward_ms)
            t->forward_ms[i] = pd_now_ms() - t0;
    }
}
