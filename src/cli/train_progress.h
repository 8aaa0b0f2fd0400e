/* What predoff train prints as it goes: a progress bar on a terminal, a line per epoch. */
#ifndef PD_CLI_TRAIN_PROGRESS_H
#define PD_CLI_TRAIN_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "predoff/train.h"

/* pd_train_job's on_batch: ctx is the terminal (a FILE *) or NULL for no bar. */
void cli_train_bar(void *ctx, const pd_train_job *j, uint64_t done, uint64_t total);
/* pd_train_job's on_epoch: the epoch's line on standard output (the bar cleared first). */
void cli_train_epoch_line(void *ctx, const pd_train_job *j, double seconds);

#endif
