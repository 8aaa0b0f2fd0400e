/* Training a multi-exit network (BranchyNet's joint training): one step forwards a batch
 * through every layer of the tree once, takes softmax cross-entropy at every exit,
 * loss = sum_k w_k CE_k (each CE the batch's mean), backpropagates over the tree (a layer
 * with several children sums their gradients) and updates the weights in place by SGD
 * with momentum, torch.optim.SGD's rule. Batch-major float32, [B][C][H][W]; every buffer
 * is planned once in pd_trainer_new, so a step allocates nothing. */
#ifndef PREDOFF_TRAIN_H
#define PREDOFF_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_TRAIN_MAX_EXITS = 16 };

typedef struct pd_train_config {
    size_t batch;        /* the largest batch a step or an evaluation takes */
    double lr;           /* learning rate */
    double momentum;     /* 0 is plain SGD */
    double weight_decay; /* L2, added to the gradient as torch.optim.SGD does */
    /* w_k for each exit, in the model's exit order (g->exits); NULL takes
     * pd_train_default_exit_weights. Borrowed only during pd_trainer_new. */
    const double *exit_weights;
    uint64_t seed;       /* dropout masks in training mode */
    /* the threads each pass is split over, the trainer's own (1 to PD_THREADS_MAX; 0 takes
     * pd_threads_default()). The same count, seed and batches give the same weights bit
     * for bit; another count sums in another order. */
    int threads;
} pd_train_config;

/* batch 64, lr 0.01, momentum 0.9, weight decay 0, BranchyNet's exit weights, seed 1,
 * threads 0 (the default count). */
void pd_train_config_default(pd_train_config *c);

/* BranchyNet's default exit weights: 1.0 for every exit. The authors' code
 * (github.com/kunglab/branchynet, branchynet/links/links.py: Branch sets weight = 1.
 * whatever it is given; net.py scales each exit's softmax cross-entropy by it) trains
 * B-LeNet, B-AlexNet and B-ResNet so. */
void pd_train_default_exit_weights(size_t n_exits, double *out);

/* What one step saw, before its update. */
typedef struct pd_train_stats {
    double loss;                               /* sum_k w_k exit_loss[k] */
    size_t n_exits;
    double exit_loss[PD_TRAIN_MAX_EXITS];      /* CE_k, mean over the batch, unweighted */
    size_t exit_correct[PD_TRAIN_MAX_EXITS];   /* samples whose top class is the label */
} pd_train_stats;

typedef struct pd_trainer pd_trainer;

/* Binds w (checked against g; updated in place by every step) and plans the buffers for
 * cfg->batch samples. g and w are borrowed and must outlive the trainer. Starts a pool of
 * cfg->threads - 1 threads (joined by pd_trainer_free) and sets OpenBLAS to one thread a
 * call, as pd_net_new does. */
pd_status pd_trainer_new(const pd_graph *g, pd_weights *w, const pd_train_config *cfg,
                         pd_trainer **out, pd_error *err);
void pd_trainer_free(pd_trainer *t);

/* Forward and backward over `batch` samples (1 <= batch <= cfg->batch): x holds
 * batch x input elements, labels one class per sample. Fills the gradients
 * (pd_trainer_gradients) and *stats (may be NULL); the weights are not touched.
 * A loss or gradient that is not finite is PD_EINPUT ("loss became NaN at step N"). */
pd_status pd_trainer_backprop(pd_trainer *t, const float *x, const uint8_t *labels, size_t batch,
                              pd_train_stats *stats, pd_error *err);

/* pd_trainer_backprop, then the SGD update: for every tensor,
 *   g = grad + weight_decay * w,  m = momentum * m + g,  w -= lr * m
 * (torch.optim.SGD without dampening or Nesterov; m starts at 0, which equals torch's
 * first step m = g). On any error the weights and momentum are left as they were. */
pd_status pd_trainer_step(pd_trainer *t, const float *x, const uint8_t *labels, size_t batch,
                          pd_train_stats *stats, pd_error *err);

/* Evaluation mode (dropout is the identity): out[k * batch + i] is exit k's verdict on
 * sample i (top class, its probability, the softmax's entropy for BranchyNet's
 * entropy-threshold exit). */
pd_status pd_eval_batch(pd_trainer *t, const float *x, size_t batch, pd_exit_summary *out,
                        pd_error *err);

/* The optimizer's state, readable and writable (a checkpoint saves and restores it):
 * "<layer>.weight.momentum" and "<layer>.bias.momentum", the shapes of the weights. */
pd_weights *pd_trainer_momentum(pd_trainer *t);
/* The last backprop's gradients, "<layer>.weight.grad" and "<layer>.bias.grad". */
const pd_weights *pd_trainer_gradients(const pd_trainer *t);
/* Steps taken (counts in messages), settable on resume; the dropout generator. */
uint64_t pd_trainer_steps(const pd_trainer *t);
/* The threads each pass is split over, as resolved when the trainer was made. */
int pd_trainer_threads(const pd_trainer *t);
void pd_trainer_set_steps(pd_trainer *t, uint64_t steps);
pd_rng *pd_trainer_rng(pd_trainer *t);

/* Optional timing (benchmarks): with arrays of g->n_layers doubles, every later forward
 * pass writes forward_ms[i], and every backprop backward_ms[i], the milliseconds layer i
 * took (CLOCK_MONOTONIC); NULL stops it (the default). Borrowed; either may be NULL. */
void pd_trainer_time_layers(pd_trainer *t, double *forward_ms, double *backward_ms);

#ifdef __cplusplus
}
#endif
#endif
