/* predoff train's flags: the run's settings, and a resumed run's check of them against its
 * checkpoint. */
#ifndef PD_CLI_TRAIN_FLAGS_H
#define PD_CLI_TRAIN_FLAGS_H

#include "args.h"
#include "predoff/graph.h"
#include "predoff/train.h"
#include "predoff/weights.h"

/* The configuration: each value, and whether the user gave it (a resumed run checks those
 * against the checkpoint's). */
typedef struct cli_train_args {
    const char *data, *out, *checkpoint, *exit_weights_text;
    unsigned long long epochs, batch, seed, limit, stop_after_batches;
    int threads; /* 0: the default */
    int resume;
    int given[PD_TRAIN_N_SETTINGS];
    pd_train_settings s;
} cli_train_args;

/* Reads o when it is one of the settings' flags (marking it given); else does nothing. The
 * exit weights wait for the model (cli_train_exit_weights). */
pd_status cli_train_setting(const cli_opt *o, cli_train_args *a, pd_error *err);
/* --exit-weights for g: one finite non-negative weight per exit, not all zero (default:
 * BranchyNet's). */
pd_status cli_train_exit_weights(cli_train_args *a, const pd_graph *g, pd_error *err);
/* A resumed run takes the settings of w, its checkpoint; the flags given must agree. */
pd_status cli_train_adopt(cli_train_args *a, const pd_graph *g, const pd_weights *w,
                          pd_error *err);

#endif
