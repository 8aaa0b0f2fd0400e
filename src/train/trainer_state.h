/* The trainer's planned state, shared by the files that make up pd_trainer. */
#ifndef PD_TRAIN_TRAINER_STATE_H
#define PD_TRAIN_TRAINER_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grad.h"
#include "nn/workers.h"
#include "predoff/train.h"

struct pd_trainer {
    const pd_graph *g;
    pd_weights *w;             /* borrowed, updated in place */
    size_t batch_max;
    double lr, momentum, weight_decay;
    double exit_weight[PD_TRAIN_MAX_EXITS];
    /* per layer, pointers into `arena` (each batch_max x the layer's elements) */
    float **act;               /* outputs */
    float **grad;              /* the loss's gradient wrt the outputs */
    float **aux;               /* kept from forward to backward, or NULL */
    float **lw, **lb;          /* the layer's weight and bias (into w), or NULL */
    float **ldw, **ldb;        /* their gradients (into grads), or NULL */
    float *scratch;
    float *arena;
    pd_workers *workers;       /* owned, NULL with one thread: the passes split samples */
    int threads;               /* cfg->threads, resolved when made */
    /* parameters, the layers' weights and biases in layer order: w_params[i],
     * grads->tensors[i] and momentum_w->tensors[i] are the same tensor's */
    size_t n_params;
    float **w_params;          /* into w */
    pd_weights *grads;         /* owned: "<name>.grad" */
    pd_weights *momentum_w;    /* owned: "<name>.momentum" */
    pd_rng rng;
    uint64_t steps;
    double *forward_ms, *backward_ms; /* borrowed, optional: pd_trainer_time_layers */
};

/* Every layer forward over `batch` samples of x, in training mode or not. */
void pd_trainer_forward(pd_trainer *t, const float *x, size_t batch, bool training);
/* What layer i's passes read and write in t's buffers, for a batch entering at x: the
 * forward part (the gradients dout, din, dw, db are set too, for backward). */
pd_grad_args pd_trainer_layer_args(pd_trainer *t, size_t i, const float *x, size_t batch,
                                   bool training);

#endif
