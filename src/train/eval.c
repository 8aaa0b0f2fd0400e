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

void pd_exit_accuracies(size_t n_exits, size_t count, const uint8_t *correct, double *acc)
{
    for (size_t k = 0; k < n_exits; k++) {
        size_t c = 0;
        for (size_t i = 0; i < count; i++)
            c += correct[k * count + i];
        acc[k] = (double)c / (double)count;
    }
}

void pd_entropy_rule(size_t n_exits, const size_t *order, size_t count, const uint8_t *correct,
                     const float *entropy, double t, double *accuracy, double *mean_exit,
                     double *share)
{
    size_t n = n_exits, right = 0, depth = 0;
    for (size_t k = 0; k < n; k++)
        share[k] = 0.0; /* counts first: whole numbers, exact in a double */
    for (size_t i = 0; i < count; i++) {
        size_t at = n - 1;
        for (size_t o = 0; o + 1 < n; o++)
            if (entropy[order[o] * count + i] < t) {
                at = o;
                break;
            }
        size_t k = order[at];
        share[k] += 1.0;
        right += correct[k * count + i];
        depth += at + 1;
    }
    *accuracy = (double)right / (double)count;
    *mean_exit = (double)depth / (double)count;
    for (size_t k = 0; k < n; k++)
        share[k] /= (double)count;
}
