/* The optimizer step, torch.optim.SGD's rule (no dampening, no Nesterov), in float32 in
 * torch's order: g = grad + wd * w; m = momentum * m + g; w = w - lr * m. A momentum
 * buffer that starts at 0 gives torch's first step (m = g) exactly. */
#include "trainer_state.h"

pd_status pd_trainer_step(pd_trainer *t, const float *x, const uint8_t *labels, size_t batch,
                          pd_train_stats *stats, pd_error *err)
{
    pd_status st = pd_trainer_backprop(t, x, labels, batch, stats, err);
    if (st)
        return st;
    const float lr = (float)t->lr, mu = (float)t->momentum, wd = (float)t->weight_decay;
    for (size_t i = 0; i < t->n_params; i++) {
        float *w = t->w_params[i], *m = t->momentum_w->tensors[i].data;
        const float *gr = t->grads->tensors[i].data;
        size_t n = t->grads->tensors[i].count;
        for (size_t j = 0; j < n; j++) {
            float g = wd != 0.0f ? gr[j] + wd * w[j] : gr[j];
            m[j] = mu * m[j] + g;
            w[j] = w[j] - lr * m[j];
        }
    }
    t->steps++;
    return PD_OK;
}
