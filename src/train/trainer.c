/* A trainer: the weights bound to layers and every buffer planned once for the largest
 * batch (activations and output gradients of every layer, dropout masks, one scratch,
 * the parameters' gradients and momentum). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grad.h"
#include "io/blob.h"
#include "nn/threads.h"
#include "trainer_state.h"

void pd_train_default_exit_weights(size_t n_exits, double *out)
{
    for (size_t k = 0; k < n_exits; k++)
        out[k] = 1.0;
}

void pd_train_config_default(pd_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->batch = 64;
    c->lr = 0.01;
    c->momentum = 0.9;
    c->weight_decay = 0.0;
    c->exit_weights = NULL;
    c->seed = 1;
    c->threads = 0;
}

void pd_trainer_free(pd_trainer *t)
{
    if (!t)
        return;
    free(t->act);
    free(t->grad);
    free(t->aux);
    free(t->lw);
    free(t->lb);
    free(t->ldw);
    free(t->ldb);
    free(t->scratch);
    free(t->arena);
    pd_workers_free(t->workers);
    free(t->w_params);
    pd_weights_free(t->grads);
    pd_weights_free(t->momentum_w);
    free(t);
}

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16; /* keeps every buffer of the arena 64-byte aligned */
}

/* Zeroed tensors shaped as w's tensors index[0 .. n), each named name + suffix. */
static pd_status shadow_weights(const pd_weights *w, const size_t *index, size_t n,
                                const char *suffix, pd_weights **out, pd_error *err)
{
    pd_weights *s = calloc(1, sizeof *s);
    if (!s || !(s->tensors = calloc(n ? n : 1, sizeof *s->tensors))) {
        free(s);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const pd_named_tensor *src = &w->tensors[index[i]];
        pd_named_tensor *dst = &s->tensors[s->n++];
        size_t len = strlen(src->name) + strlen(suffix) + 1;
        dst->name = malloc(len);
        dst->data = pd_floats_alloc(src->count);
        if (!dst->name || !dst->data) {
            pd_weights_free(s);
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        }
        snprintf(dst->name, len, "%s%s", src->name, suffix);
        dst->ndim = src->ndim;
        memcpy(dst->dims, src->dims, sizeof dst->dims);
        dst->count = src->count;
        memset(dst->data, 0, src->count * sizeof *dst->data);
    }
    *out = s;
    return PD_OK;
}

/* The index in w of the tensor named layer + suffix (pd_weights_check has found it). */
static size_t tensor_index(const pd_weights *w, const pd_weights_index *ix, const char *layer,
                           const char *suffix)
{
    return (size_t)(pd_weights_index_find_joined(ix, layer, suffix) - w->tensors);
}

/* The parameters are the weights and biases of the graph's layers, in layer order (any
 * other tensor of w is left alone): w_params, and their gradients and momentum. */
static pd_status plan_params(pd_trainer *t, pd_error *err)
{
    const pd_graph *g = t->g;
    size_t *index = malloc(2 * (g->n_layers ? g->n_layers : 1) * sizeof *index);
    pd_weights_index *ix = NULL;
    if (!index || pd_weights_index_new(t->w, &ix, err)) {
        free(index);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < g->n_layers; i++)
        if (pd_layer_weight_count(&g->layers[i]) > 0) {
            index[n++] = tensor_index(t->w, ix, g->layers[i].name, ".weight");
            index[n++] = tensor_index(t->w, ix, g->layers[i].name, ".bias");
        }
    pd_weights_index_free(ix);
    pd_status st = shadow_weights(t->w, index, n, ".grad", &t->grads, err);
    if (!st)
        st = shadow_weights(t->w, index, n, ".momentum", &t->momentum_w, err);
    if (!st && !(t->w_params = calloc(n ? n : 1, sizeof *t->w_params)))
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st) {
        t->n_params = n;
        for (size_t j = 0, p = 0; j < g->n_layers; j++)
            if (pd_layer_weight_count(&g->layers[j]) > 0) {
                t->lw[j] = t->w_params[p] = t->w->tensors[index[p]].data;
                t->ldw[j] = t->grads->tensors[p++].data;
                t->lb[j] = t->w_params[p] = t->w->tensors[index[p]].data;
                t->ldb[j] = t->grads->tensors[p++].data;
            }
    }
    free(index);
    return st;
}

static pd_status plan(pd_trainer *t, pd_error *err)
{
    const pd_graph *g = t->g;
    size_t L = g->n_layers, B = t->batch_max;
    t->act = calloc(L, sizeof *t->act);
    t->grad = calloc(L, sizeof *t->grad);
    t->aux = calloc(L, sizeof *t->aux);
    t->lw = calloc(L, sizeof *t->lw);
    t->lb = calloc(L, sizeof *t->lb);
    t->ldw = calloc(L, sizeof *t->ldw);
    t->ldb = calloc(L, sizeof *t->ldb);
    if (!t->act || !t->grad || !t->aux || !t->lw || !t->lb || !t->ldw || !t->ldb)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = plan_params(t, err);
    if (st)
        return st;

    size_t total = 0, scratch = 0;
    for (size_t i = 0; i < L; i++) {
        const pd_layer *l = &g->layers[i];
        const pd_grad_op *op = pd_grad_op_of(l->type);
        size_t out = B * (size_t)pd_shape_elems(l->out);
        if (out / B != (size_t)pd_shape_elems(l->out) || out > SIZE_MAX / 4)
            return pd_error_set(err, PD_ELIMIT, "layer \"%s\": batch %zu is too large", l->name, B);
        total += 2 * round16(out) + round16(op->aux_floats(l, B));
        size_t s = op->scratch_floats(l, B, t->threads);
        scratch = s > scratch ? s : scratch;
    }
    t->arena = pd_floats_alloc(total);
    t->scratch = pd_floats_alloc(scratch);
    if (!t->arena || !t->scratch)
        return pd_error_set(err, PD_ENOMEM, "out of memory for %zu training buffers of batch %zu",
                            L, B);
    float *p = t->arena;
    for (size_t i = 0; i < L; i++) {
        const pd_layer *l = &g->layers[i];
        size_t out = B * (size_t)pd_shape_elems(l->out), aux = pd_grad_op_of(l->type)->aux_floats(l, B);
        t->act[i] = p;
        p += round16(out);
        t->grad[i] = p;
        p += round16(out);
        t->aux[i] = aux ? p : NULL;
        p += round16(aux);
    }
    return PD_OK;
}

/* What the gradients of a type that trains do not cover yet, or NULL. */
static const char *untrainable(const pd_layer *l)
{
    const pd_layer_params *p = &l->p;
    if (l->type == PD_LAYER_CONV && (!pd_conv_is_plain(l) || !p->bias))
        return "conv that is grouped, dilated, rectangular, unevenly padded or bias-free";
    if (l->type == PD_LAYER_FC && !p->bias)
        return "bias-free fc";
    if (l->type == PD_LAYER_POOL && p->global)
        return "global pool";
    if (l->type == PD_LAYER_POOL && p->mode == PD_POOL_AVG && p->pad && !p->count_include_pad)
        return "pool with count_include_pad false";
    return NULL;
}

pd_status pd_trainer_new(const pd_graph *g, pd_weights *w, const pd_train_config *cfg,
                         pd_trainer **out, pd_error *err)
{
    *out = NULL;
    if (pd_graph_check_runnable(g, err))
        return PD_EINPUT;
    for (size_t i = 0; i < g->n_layers; i++)
        if (!pd_grad_op_of(g->layers[i].type))
            return pd_error_set(err, PD_ELIMIT,
                                "model \"%.64s\": the trainer cannot train layers of type \"%s\" "
                                "yet (layer \"%.64s\")",
                                g->name, pd_layer_type_name(g->layers[i].type), g->layers[i].name);
    if (pd_weights_check(w, g, "the weights", err))
        return err ? err->status : PD_EINPUT;
    for (size_t i = 0; i < g->n_layers; i++) {
        const char *why = untrainable(&g->layers[i]);
        if (why)
            return pd_error_set(err, PD_ELIMIT,
                                "model \"%.64s\": the trainer has no gradient yet for a %s "
                                "(layer \"%.64s\")",
                                g->name, why, g->layers[i].name);
    }
    if (cfg->batch == 0 || cfg->batch > (1u << 20))
        return pd_error_set(err, PD_EINPUT, "batch %zu: give 1 to %u", cfg->batch, 1u << 20);
    if (!(cfg->lr >= 0.0) || !(cfg->momentum >= 0.0) || !(cfg->weight_decay >= 0.0))
        return pd_error_set(err, PD_EINPUT,
                            "learning rate, momentum and weight decay must be >= 0");
    int threads;
    if (pd_threads_resolve(cfg->threads, g->name, &threads, err))
        return PD_EINPUT;
    if (g->n_exits > PD_TRAIN_MAX_EXITS)
        return pd_error_set(err, PD_ELIMIT, "model \"%s\" has %zu exits; training takes at most %d",
                            g->name, g->n_exits, PD_TRAIN_MAX_EXITS);
    for (size_t k = 0; k < g->n_exits; k++) {
        double wk = cfg->exit_weights ? cfg->exit_weights[k] : 1.0;
        if (!(wk >= 0.0) || wk > 1e6)
            return pd_error_set(err, PD_EINPUT, "exit \"%s\": weight %g is not in [0, 1e6]",
                                g->layers[g->exits[k]].name, wk);
    }
    pd_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    t->g = g;
    t->w = w;
    t->batch_max = cfg->batch;
    t->lr = cfg->lr;
    t->momentum = cfg->momentum;
    t->weight_decay = cfg->weight_decay;
    if (cfg->exit_weights)
        memcpy(t->exit_weight, cfg->exit_weights, g->n_exits * sizeof *t->exit_weight);
    else
        pd_train_default_exit_weights(g->n_exits, t->exit_weight);
    pd_rng_seed(&t->rng, cfg->seed);
    pd_status st = pd_workers_new(threads, &t->workers, err);
    t->threads = pd_workers_count(t->workers);
    if (!st)
        st = plan(t, err);
    if (st) {
        pd_trainer_free(t);
        return st;
    }
    *out = t;
    return PD_OK;
}

pd_weights *pd_trainer_momentum(pd_trainer *t)
{
    return t->momentum_w;
}

const pd_weights *pd_trainer_gradients(const pd_trainer *t)
{
    return t->grads;
}

uint64_t pd_trainer_steps(const pd_trainer *t)
{
    return t->steps;
}

int pd_trainer_threads(const pd_trainer *t)
{
    return t->threads;
}

void pd_trainer_set_steps(pd_trainer *t, uint64_t steps)
{
    t->steps = steps;
}

pd_rng *pd_trainer_rng(pd_trainer *t)
{
    return &t->rng;
}

void pd_trainer_time_layers(pd_trainer *t, double *forward_ms, double *backward_ms)
{
    t->forward_ms = forward_ms;
    t->backward_ms = backward_ms;
}

