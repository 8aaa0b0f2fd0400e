/* Training a multi-exit network (BranchyNet's joint training): one step forwards a batch
 * through every layer of the tree once, takes softmax cross-entropy at every exit,
 * loss = sum_k w_k CE_k (each CE the batch's mean), backpropagates over the tree (a layer
 * with several children sums their gradients) and updates the weights in place by SGD
 * with momentum, torch.optim.SGD's rule. Batch-major float32, [B][C][H][W]; every buffer
 * is planned once in pd_trainer_new, so a step allocates nothing. */
#ifndef PREDOFF_TRAIN_H
#define PREDOFF_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/dataset.h"
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
typedef struct pd_checkpoint pd_checkpoint;

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

/* Exit k's accuracy over count samples: acc[k] is the share of correct[k * count + i] that
 * are 1 (k < n_exits). */
void pd_exit_accuracies(size_t n_exits, size_t count, const uint8_t *correct, double *acc);

/* BranchyNet's exit rule at threshold t (nats): each of count samples leaves at the first
 * exit in `order` (pd_graph_exit_path_order) whose softmax entropy is below t, the last exit
 * met taking the rest. correct and entropy are laid out as pd_model_data_evaluate writes
 * them. *accuracy: the share right at the exit they left by; *mean_exit: the mean position
 * of that exit in `order`, 1 for the first; share[k]: the share leaving at exit k (model
 * order). count must be at least 1. */
void pd_entropy_rule(size_t n_exits, const size_t *order, size_t count, const uint8_t *correct,
                     const float *entropy, double t, double *accuracy, double *mean_exit,
                     double *share);

/* ---- the data a model trains on or is measured on ---- */

enum { PD_MODEL_DATA_MAX_CHANNELS = 4 };

/* A split of an IDX data set, checked against a model, with the normalisation its inputs
 * get (recorded in the weights' metadata). */
typedef struct pd_model_data {
    const char *dir, *split;  /* borrowed */
    pd_dataset set;           /* owned */
    float mean[PD_MODEL_DATA_MAX_CHANNELS], std[PD_MODEL_DATA_MAX_CHANNELS];
    pd_batch_format fmt;      /* the model's input size; mean and std point into this */
    int pad;                  /* rows and columns of black above and left of the image */
    size_t in_elems;          /* floats per sample */
} pd_model_data;

/* Loads split ("train" or "test") of dir and checks it against g: the same number of
 * channels, images no larger than the input, every exit's class count equal to the
 * labels'. limit > 0 keeps the first limit samples. The normalisation is unset (mean 0,
 * std 1) until one of the two calls below. d must not move afterwards (d->fmt points into
 * it). */
pd_status pd_model_data_open(const char *dir, const char *split, const pd_graph *g, size_t limit,
                             pd_model_data *d, pd_error *err);
/* Mean and std from the set itself (the training set's, for training). */
void pd_model_data_norm_from_set(pd_model_data *d);
/* Mean and std as recorded in w's metadata (input_mean, input_std; input_pad must agree
 * with this data's padding); a weights file without them is PD_EINPUT naming wpath. */
pd_status pd_model_data_norm_from_weights(pd_model_data *d, const pd_weights *w,
                                          const char *wpath, pd_error *err);
/* Records the normalisation in w's metadata: input_scale, input_mean, input_std,
 * input_pad, image_shape. */
pd_status pd_model_data_norm_record(const pd_model_data *d, pd_weights *w, pd_error *err);
/* Frees the set and empties d; NULL is a no-op. */
void pd_model_data_close(pd_model_data *d);

/* Every sample of d in eval mode, `batch` at a time (at most the trainer's): correct[k *
 * count + i] is 1 when exit k (model order, n_exits of them) gets sample i right; entropy
 * (may be NULL) the softmax entropies, the same layout. */
pd_status pd_model_data_evaluate(pd_trainer *t, const pd_model_data *d, size_t n_exits,
                                 size_t batch, uint8_t *correct, float *entropy, pd_error *err);

/* PD_EINPUT naming wpath when w's metadata says it is another model's weights. */
pd_status pd_train_check_model(const pd_weights *w, const char *wpath, const pd_graph *g,
                               pd_error *err);

/* ---- a training run: epochs of shuffled batches, checkpoints that resume exactly ---- */

/* What a run is configured with, recorded in its weights' metadata so that a resumed run
 * takes the same. */
typedef struct pd_train_settings {
    uint64_t batch, seed;
    uint64_t limit;             /* samples of each split used; 0: all */
    double lr, momentum, weight_decay;
    size_t n_exits;
    double exit_weights[PD_TRAIN_MAX_EXITS];
} pd_train_settings;

enum { PD_TRAIN_N_SETTINGS = 7 };

/* Setting i's metadata key, i < PD_TRAIN_N_SETTINGS: batch, lr, momentum, weight_decay,
 * exit_weights, seed, limit. */
const char *pd_train_setting_key(int i);
/* Setting i as recorded: the shortest decimal that reads back as the value (0.9, not
 * 0.90000000000000002); the exit weights comma-separated. */
void pd_train_setting_text(const pd_train_settings *s, int i, char *buf, size_t size);
/* A new run's metadata in w: format, model, trained_on (from d), classes, d's
 * normalisation and the settings. */
pd_status pd_train_record_start(const pd_train_settings *s, const pd_graph *g,
                                const pd_model_data *d, pd_weights *w, pd_error *err);
/* A resumed run's settings, from the metadata of w (a checkpoint of model g, read from
 * source); another model's, a key missing or a value out of range is PD_EINPUT naming
 * source. */
pd_status pd_train_settings_read(const pd_weights *w, const pd_graph *g, const char *source,
                                 pd_train_settings *s, pd_error *err);

typedef struct pd_train_job pd_train_job;

/* A run over train's samples, tested on test's after every epoch. The caller fills the
 * first block; the position (the second) is zero for a new run, or read back by
 * pd_train_position_read from a checkpoint. */
struct pd_train_job {
    const pd_graph *g;
    pd_weights *w;             /* trained in place; its metadata travels into checkpoints */
    pd_trainer *t;             /* bound to w */
    const pd_model_data *train, *test;
    uint64_t seed;             /* the shuffling's */
    size_t batch;
    uint64_t epochs;           /* the run's total */
    const char *checkpoint;    /* written after every epoch, and when stopped (NULL: never) */
    const volatile sig_atomic_t *stop; /* may be NULL; set: stop at the next batch boundary */
    uint64_t stop_after_batches; /* > 0: stop as *stop does once this run has done that many */
    /* progress, each may be NULL: after every batch (done of total in this epoch), and at an
     * epoch's end with its figures and test_accuracy filled in */
    void (*on_batch)(void *ctx, const pd_train_job *j, uint64_t done, uint64_t total);
    void (*on_epoch)(void *ctx, const pd_train_job *j, double seconds);
    void *ctx;
    /* where the run stands: complete epochs, batches done in the next one and what they
     * saw (kept in checkpoints, so a resumed epoch reports what an unbroken one does) */
    uint64_t epoch;
    uint64_t batches_done;
    double loss_sum;           /* sum over samples of the weighted loss */
    uint64_t seen;
    uint64_t correct[PD_TRAIN_MAX_EXITS];
    double test_accuracy[PD_TRAIN_MAX_EXITS]; /* after the last complete epoch */
};

typedef enum pd_train_end { PD_TRAIN_DONE, PD_TRAIN_STOPPED, PD_TRAIN_FAILED } pd_train_end;

/* Runs the epochs from where j stands to j->epochs: each shuffled by pd_dataset_shuffle,
 * then tested, then checkpointed. PD_TRAIN_STOPPED after a stop request, checkpointed;
 * PD_TRAIN_FAILED leaves the message in err (a loss that is not finite: "loss became NaN
 * at epoch E step S; the last good checkpoint is FILE"). */
pd_train_end pd_train_run(pd_train_job *j, pd_error *err);

/* Stores / reads the position fields of j in / from w's metadata. */
pd_status pd_train_position_record(const pd_train_job *j, pd_weights *w, pd_error *err);
pd_status pd_train_position_read(pd_train_job *j, const pd_weights *w, const char *source,
                                 pd_error *err);
/* The position into j->w's metadata, then j->w and the trainer to j->checkpoint. */
pd_status pd_train_save(pd_train_job *j, pd_error *err);
/* The trained weights to path (replaced atomically): j->w's tensors and metadata without
 * the position within an epoch, with each exit's test accuracy ("test_accuracy"). */
pd_status pd_train_write_weights(const pd_train_job *j, const char *path, pd_error *err);

/* A run ready to start or go on: its data, weights and trainer, and the job over them. */
typedef struct pd_training {
    pd_model_data train, test;
    pd_weights *w;             /* owned */
    pd_trainer *t;             /* owned, bound to w */
    pd_train_job job;          /* over the above; the caller sets epochs, checkpoint, the
                                * stop request and the progress callbacks */
} pd_training;

/* Opens a run of model g on the train and test splits of dir (s->limit samples of each):
 * with ck NULL a new one (the training split's normalisation, random weights from s->seed,
 * the start recorded in their metadata); else one resumed from ck, read from ck_path (its
 * weights are taken from it, ck->weights becomes NULL; their normalisation, the optimizer's
 * state and the position within the epochs). The test split is normalised as the training
 * split. The trainer splits its passes over `threads` (pd_train_config's). tr must not move
 * while it is open; on failure it is closed. */
pd_status pd_training_open(pd_training *tr, const pd_graph *g, const char *dir,
                           const pd_train_settings *s, int threads, pd_checkpoint *ck,
                           const char *ck_path, pd_error *err);
/* Frees what tr owns and empties it; NULL is a no-op. */
void pd_training_close(pd_training *tr);

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
