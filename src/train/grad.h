/* The training passes of each layer type, batch-major ([B][C][H][W]): one forward pass in
 * training (or evaluation) mode and one backward pass per type, selected in one table
 * (grad_table.c). Buffers come from the caller, planned once per model, batch size and
 * number of threads: the passes allocate nothing. A pass may split its samples over the
 * trainer's worker pool (pd_grad_split); for a given number of threads its result never
 * changes. */
#ifndef PD_TRAIN_GRAD_H
#define PD_TRAIN_GRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/graph.h"
#include "predoff/rng.h"

typedef struct pd_workers pd_workers; /* src/nn/workers.h */

/* What one layer's passes read and write, for a batch of `batch` samples.
 * in:      batch x l->in elements; out: batch x l->out elements (forward writes it).
 * w, b:    the layer's weights and bias in PyTorch's layouts (NULL without weights).
 * dout:    batch x l->out, the loss's gradient wrt out (backward reads it).
 * din:     batch x l->in; backward ADDS the gradient wrt in to it; NULL skips it
 *          (the first layer needs none).
 * dw, db:  as w and b; backward ADDS the batch's gradient to them.
 * aux:     the type's aux_floats(l, batch) floats, kept from forward to backward
 *          (dropout's mask).
 * scratch: the type's scratch_floats(l, batch, threads) floats, free for either pass.
 * workers: the pool to split over (NULL: the calling thread alone), of `threads`.
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
    pd_workers *workers;
    int threads;
    pd_rng *rng;
    bool training;
} pd_grad_args;

typedef struct pd_grad_op {
    void (*forward)(const pd_grad_args *a);
    void (*backward)(const pd_grad_args *a);
    size_t (*scratch_floats)(const pd_layer *l, size_t batch, int threads);
    size_t (*aux_floats)(const pd_layer *l, size_t batch);
} pd_grad_op;

extern const pd_grad_op pd_conv_grad, pd_relu_grad, pd_pool_grad, pd_lrn_grad,
    pd_dropout_grad, pd_fc_grad;

const pd_grad_op *pd_grad_op_of(pd_layer_type t);

size_t pd_grad_no_scratch(const pd_layer *l, size_t batch, int threads);
size_t pd_grad_no_aux(const pd_layer *l, size_t batch);

/* Runs the inference runtime's forward pass (src/nn/forward.h) sample by sample, the
 * samples split over the workers: the layers without a batched forward of their own
 * compute exactly what `predoff run` does. a->scratch must hold
 * pd_grad_runtime_scratch(l, batch, threads) floats. */
void pd_grad_forward_by_sample(const pd_grad_args *a);
/* The runtime forward pass's scratch need, once per thread, for scratch_floats. */
size_t pd_grad_runtime_scratch(const pd_layer *l, size_t batch, int threads);

/* One part of a split pass: samples [s0, s1) of a->batch, part `part` of `parts`. */
typedef void (*pd_grad_part_fn)(const pd_grad_args *a, size_t s0, size_t s1, int part,
                                int parts);
/* Splits a->batch samples into pd_grad_parts(a) parts of consecutive samples (the first
 * parts one larger when they do not divide evenly; parts beyond the batch get none) and
 * runs fn on each, on a->workers; returns when every part is done. */
void pd_grad_split(const pd_grad_args *a, pd_grad_part_fn fn);
/* The parts pd_grad_split makes: the workers' threads (at most a->threads), or 1 without
 * workers or with one sample. */
int pd_grad_parts(const pd_grad_args *a);
/* The samples part `part` of `parts` takes: [pd_grad_part_start(.., part), .., part + 1). */
size_t pd_grad_part_start(size_t batch, int part, int parts);

#endif
