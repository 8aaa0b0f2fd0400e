/* Training checkpoints: everything a trainer needs to go on exactly where it stopped, in
 * one safetensors file. The tensors are the model's weights ("<layer>.weight",
 * "<layer>.bias") and the optimizer's momentum ("<layer>.weight.momentum", ...); the
 * "__metadata__" holds the weights' own metadata (the caller's: configuration, position in
 * the data, normalisation) and three keys of the checkpoint's own:
 *   checkpoint_format  "1"
 *   checkpoint_steps   the trainer's step count, decimal
 *   checkpoint_rng     the trainer's generator (dropout masks): its four 64-bit words,
 *                      16 hex digits each, comma-separated */
#ifndef PREDOFF_CHECKPOINT_H
#define PREDOFF_CHECKPOINT_H

#include <stdint.h>

#include "predoff/error.h"
#include "predoff/rng.h"
#include "predoff/train.h"
#include "predoff/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_checkpoint {
    pd_weights *weights;   /* owned: the model's tensors, with the caller's metadata */
    pd_weights *momentum;  /* owned: "<tensor>.momentum" */
    uint64_t steps;
    pd_rng rng;
} pd_checkpoint;

/* Writes w (the weights t updates, with their metadata; the checkpoint's own keys in
 * w->meta are ignored) and t's momentum, step count and generator to path, atomically:
 * into path + ".tmp", flushed to disk, then renamed over path. A failure leaves path as it
 * was. */
pd_status pd_checkpoint_write(const char *path, const pd_weights *w, pd_trainer *t,
                              pd_error *err);

/* Reads a checkpoint. A file without checkpoint_format "1", or with a bad step count or
 * generator, is PD_EINPUT naming the file and the key. On failure *out is empty. */
pd_status pd_checkpoint_read(const char *path, pd_checkpoint *out, pd_error *err);

/* Puts c's momentum, step count and generator into t, which must have been made over
 * c->weights (or weights of the same shapes). A momentum tensor missing from c or of
 * another size is PD_EINPUT naming `source` and the tensor; t is then unchanged. */
pd_status pd_checkpoint_restore(const pd_checkpoint *c, pd_trainer *t, const char *source,
                                pd_error *err);

/* Frees what c owns and empties it; NULL is a no-op. */
void pd_checkpoint_free(pd_checkpoint *c);

#ifdef __cplusplus
}
#endif
#endif
