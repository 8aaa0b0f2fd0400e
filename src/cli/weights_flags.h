/* The weights flags several commands share: a safetensors file, or random weights. */
#ifndef PD_CLI_WEIGHTS_FLAGS_H
#define PD_CLI_WEIGHTS_FLAGS_H

#include <stdint.h>

#include "args.h"
#include "predoff/graph.h"
#include "predoff/onnx.h"
#include "predoff/weights.h"

/* The two rows of a command's flag table. */
#define CLI_WEIGHTS_FLAGS                                                                      \
    {"--weights", "W.safetensors", "the model's weights (or --random-weights)"},               \
    {                                                                                          \
        "--random-weights", "SEED", "PyTorch-style random weights from a seed"                 \
    }

typedef struct cli_weights {
    const char *path;  /* --weights, or NULL */
    int random;        /* --random-weights given */
    uint64_t seed;
} cli_weights;

/* Reads o into w if it is one of the weights flags: returns 1 (and *st, the status of
 * reading its value), else 0. */
int cli_weights_flag(const cli_opt *o, cli_weights *w, pd_status *st, pd_error *err);
/* Whether exactly one of the two flags was given, or neither for an ONNX MODEL (its
 * initializers are its weights; either flag overrides them). */
int cli_weights_given(const cli_weights *w, const char *model);
/* The weights' path for pd_deployment_open: --weights, the ONNX model itself, or NULL
 * (random weights). */
const char *cli_weights_source(const cli_weights *w, const char *model);
/* The error for when it was not; the message names the command. */
pd_status cli_weights_missing(const char *cmd, pd_error *err);
/* The weights for g: the file's, random ones from the seed, or else *own (an ONNX model's,
 * taken over: *own becomes NULL). own may be NULL. */
pd_status cli_weights_load(const cli_weights *w, const pd_graph *g, pd_weights **own,
                           pd_weights **out, pd_error *err);

#endif
