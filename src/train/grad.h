/* The training passes of each layer type, batch-major ([B][C][H][W]): one forward pass in
 * training (or evaluation) mode and one backward pass per type, selected in one table
 * (grad_table.c). Buffers come from the caller, planned once per model and batch size:
 * the passes allocate nothing. */
#ifndef PD_TRAIN_GRAD_H
#define PD_TRAIN_GRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/graph.h"
#include "predoff/rng.h"

/* What one layer's passes read and write, for a batch of `batch` samples.
 * in:      batch x l->in elements; out: batch x l->out elements (forward writes it).
 * w, b:    the layer's weights and bias in PyTorch's layouts (NULL without weights).
 * dout:    batch x l->out, the loss's gradient wrt out (backward reads it).
 * din:     batch x l->in; backward ADDS the gradient wrt in to it; NULL skips it
 *          (the first layer needs none).
 * dw, db:  as w and b; backward ADDS the batch's gradient to them.
 * aux:     the type's aux_floats(l, batch) floats, kept from forward to backward
 *          (dropout's mask).
 * scratch: the type's scratch_floats(l) floats, free for either pass.
 * rng:     dropout's masks are drawn from it in training mode.
 * training: false is PyTorch's eval mode (dropout is the identity). */
typedef struct pd_grad_args {
    const pd_layer *l;
    size_t batch;
    const float *w, *b;
    const float *in;
    float *out;
    const float *dout;
    float *din;
    float *dw, *db;
    float *aux;
    float *scratch;
    pd_rng *rng;
    bool training;
} pd_grad_args;

typedef struct pd_grad_op {
    void (*forward)(const pd_grad_args *a);
    void (*backward)(const pd_grad_args *a);
    size_t (*scratch_floats)(const pd_layer *l);
    size_t (*aux_floats)(const pd_layer *l, size_t batch);
} pd_grad_op;

extern const pd_grad_op pd_conv_grad, pd_relu_grad, pd_pool_grad, pd_lrn_grad,
    pd_dropout_grad, pd_fc_grad;

const pd_grad_op *pd_grad_op_of(pd_layer_type t);

size_t pd_grad_no_scratch(const pd_layer *l);
size_t pd_grad_no_aux(const pd_layer *l, size_t batch);

/* Runs the inference runtime's forward pass (src/nn/forward.h) sample by sample: the
 * layers without a batched forward of their own compute exactly what `predoff run` does.
 * a->scratch must hold pd_forward_op_of(type)->scratch_floats(l) floats. */
void pd_grad_forward_by_sample(const pd_grad_args *a);
/* The runtime forward pass's scratch need, for scratch_floats. */
size_t pd_grad_runtime_scratch(const pd_layer *l);

#endif
