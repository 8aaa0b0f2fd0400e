/* One batch's loss and gradients over the tree: forward in training mode, softmax
 * cross-entropy at every exit (its gradient scaled by w_k / batch), then every layer's
 * backward pass in reverse index order, which is reverse topological order since parents
 * come first: a layer's output gradient is complete (every child has added its part)
 * before the layer itself runs. */
#include <math.h>
#include <string.h>

#include "core/clock.h"
#include "grad.h"
#include "trainer_state.h"
#include "xent.h"

static pd_status check_batch(const pd_trainer *t, const float *x, const uint8_t *labels,
                             size_t batch, pd_error *err)
{
    const pd_graph *g = t->g;
    if (!x || batch == 0 || batch > t->batch_max)
        return pd_error_set(err, PD_EINPUT, "a batch of %zu samples: the trainer takes 1 to %zu",
                            batch, t->batch_max);
    if (!labels)
        return PD_OK;
    for (size_t k = 0; k < g->n_exits; k++) {
        const pd_layer *e = &g->layers[g->exits[k]];
        size_t classes = (size_t)pd_shape_elems(e->out);
        for (size_t s = 0; s < batch; s++)
            if (labels[s] >= classes)
                return pd_error_set(err, PD_EINPUT,
                                    "sample %zu: label %u, but exit \"%s\" has %zu classes", s,
                                    (unsigned)labels[s], e->name, classes);
    }
    return PD_OK;
}

static int all_finite(const pd_weights *w)
{
    for (size_t i = 0; i < w->n; i++)
        for (size_t j = 0; j < w->tensors[i].count; j++)
            if (!isfinite(w->tensors[i].data[j]))
                return 0;
    return 1;
}

/* The loss, then every layer's backward pass (the forward pass first). */
static pd_status forward_backward(pd_trainer *t, const float *x, const uint8_t *labels,
                                  size_t batch, pd_train_stats *stats, pd_error *err)
{
    const pd_graph *g = t->g;
    pd_trainer_forward(t, x, batch, true);

    for (size_t i = 0; i < g->n_layers; i++)
        memset(t->grad[i], 0, batch * (size_t)pd_shape_elems(g->layers[i].out) * sizeof(float));
    for (size_t i = 0; i < t->grads->n; i++)
        memset(t->grads->tensors[i].data, 0, t->grads->tensors[i].count * sizeof(float));

    pd_train_stats s;
    memset(&s, 0, sizeof s);
    s.n_exits = g->n_exits;
    for (size_t k = 0; k < g->n_exits; k++) {
        int32_t e = g->exits[k];
        size_t classes = (size_t)pd_shape_elems(g->layers[e].out);
        s.exit_loss[k] = pd_softmax_xent(t->act[e], batch, classes, labels,
                                         t->exit_weight[k] / (double)batch, t->grad[e],
                                         &s.exit_correct[k]);
        s.loss += t->exit_weight[k] * s.exit_loss[k];
    }
    if (stats)
        *stats = s;
    if (!isfinite(s.loss))
        return pd_error_set(err, PD_EINPUT, "loss became %s at step %llu",
                            isnan(s.loss) ? "NaN" : "infinite",
                            (unsigned long long)t->steps + 1);

    for (size_t i = g->n_layers; i-- > 0;) {
        const pd_layer *l = &g->layers[i];
        pd_grad_args a = pd_trainer_layer_args(t, i, x, batch, true);
        double t0 = t->backward_ms ? pd_now_ms() : 0.0;
        pd_grad_op_of(l->type)->backward(&a);
        if (t->backward_ms)
            t->backward_ms[i] = pd_now_ms() - t0;
    }
    if (!all_finite(t->grads))
        return pd_error_set(err, PD_EINPUT, "a gradient became NaN or infinite at step %llu",
                            (unsigned long long)t->steps + 1);
    return PD_OK;
}

pd_status pd_trainer_backprop(pd_trainer *t, const float *x, const uint8_t *labels, size_t batch,
                              pd_train_stats *stats, pd_error *err)
{
    pd_status st = check_batch(t, x, labels, batch, err);
    if (st)
        return st;
    if (!labels)
        return pd_error_set(err, PD_EINPUT, "training needs the labels");
    return forward_backward(t, x, labels, batch, stats, err);
}
