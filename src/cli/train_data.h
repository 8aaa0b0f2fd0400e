/* The data a model trains on or is measured on: a split of an IDX data set, checked against
 * the model, and the normalisation its inputs get (recorded in the weights' metadata). */
#ifndef PD_CLI_TRAIN_DATA_H
#define PD_CLI_TRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/dataset.h"
#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/train.h"
#include "predoff/weights.h"

enum { CLI_DATA_MAX_CHANNELS = 4 };

typedef struct cli_data {
    const char *dir, *split;  /* borrowed */
    pd_dataset set;           /* owned */
    float mean[CLI_DATA_MAX_CHANNELS], std[CLI_DATA_MAX_CHANNELS];
    pd_batch_format fmt;      /* the model's input size; mean and std point into this */
    int pad;                  /* rows and columns of black above and left of the image */
    size_t in_elems;          /* floats per sample */
} cli_data;

/* Loads split ("train" or "test") of dir and checks it against g: the same number of
 * channels, images no larger than the input, every exit's class count equal to the
 * labels'. limit > 0 keeps the first limit samples. The normalisation is unset (mean 0,
 * std 1) until one of the two calls below. */
pd_status cli_data_open(const char *dir, const char *split, const pd_graph *g, size_t limit,
                        cli_data *d, pd_error *err);
/* Mean and std from the set itself (the training set's, for training). */
void cli_data_norm_from_set(cli_data *d);
/* Mean and std as recorded in w's metadata (input_mean, input_std; input_pad must agree
 * with this data's padding); a weights file without them is PD_EINPUT naming wpath. */
pd_status cli_data_norm_from_weights(cli_data *d, const pd_weights *w, const char *wpath,
                                     pd_error *err);
/* PD_EINPUT naming wpath when w's metadata says it is another model's weights. */
pd_status cli_data_check_model(const pd_weights *w, const char *wpath, const pd_graph *g,
                               pd_error *err);
/* Records the normalisation in w's metadata: input_scale, input_mean, input_std,
 * input_pad, image_shape. */
pd_status cli_data_norm_record(const cli_data *d, pd_weights *w, pd_error *err);
void cli_data_close(cli_data *d);

/* Every sample of d in eval mode, `batch` at a time (at most the trainer's): correct[k *
 * count + i] is 1 when exit k (model order, n_exits of them) gets sample i right; entropy
 * (may be NULL) the softmax entropies, the same layout. */
pd_status cli_data_evaluate(pd_trainer *t, const cli_data *d, size_t n_exits, size_t batch,
                            uint8_t *correct, float *entropy, pd_error *err);

#endif
