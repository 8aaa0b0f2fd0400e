/* Evaluation over a batch: the tree forward in eval mode (dropout the identity), then each
 * exit's verdict per sample, as the runtime summarises one exit's logits. */
#include "trainer_state.h"

pd_status pd_eval_batch(pd_trainer *t, const float *x, size_t batch, pd_exit_summary *out,
                        pd_error *err)
{
    const pd_graph *g = t->g;
    if (!x || batch == 0 || batch > t->batch_max)
        return pd_error_set(err, PD_EINPUT, "a batch of %zu samples: the trainer takes 1 to %zu",
                            batch, t->batch_max);
    pd_trainer_forward(t, x, batch, false);
    for (size_t k = 0; k < g->n_exits; k++) {
        int32_t e = g->exits[k];
        size_t classes = (size_t)pd_shape_elems(g->layers[e].out);
        for (size_t s = 0; s < batch; s++)
            pd_exit_summarise(t->act[e] + s * classes, classes, &out[k * batch + s]);
    }
    return PD_OK;
}
