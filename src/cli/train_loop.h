/* predoff train's epochs: shuffled batches through the trainer, a progress line, the test
 * accuracy at each epoch's end, and a checkpoint after every epoch or on a stop request. */
#ifndef PD_CLI_TRAIN_LOOP_H
#define PD_CLI_TRAIN_LOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "predoff/graph.h"
#include "predoff/train.h"
#include "predoff/weights.h"
#include "train_data.h"

typedef struct train_job {
    const pd_graph *g;
    pd_weights *w;             /* trained in place; its metadata travels into checkpoints */
    pd_trainer *t;             /* bound to w */
    const cli_data *train, *test;
    uint64_t seed;             /* the shuffling's */
    size_t batch;
    uint64_t epochs;           /* the run's total */
    const char *checkpoint;    /* written after every epoch, and when stopped */
    const volatile sig_atomic_t *stop; /* set by a signal: stop at the next batch boundary */
    uint64_t stop_after_batches; /* > 0: stop as *stop does once this run has done that many */
    FILE *bar;                 /* a terminal for the progress bar, or NULL */
    /* where the run stands: complete epochs, batches done in the next one and what they
     * saw (kept in checkpoints, so a resumed epoch reports what an unbroken one does) */
    uint64_t epoch;
    uint64_t batches_done;
    double loss_sum;           /* sum over samples of the weighted loss */
    uint64_t seen;
    uint64_t correct[PD_TRAIN_MAX_EXITS];
    double test_accuracy[PD_TRAIN_MAX_EXITS]; /* after the last complete epoch */
} train_job;

typedef enum train_end { TRAIN_DONE, TRAIN_STOPPED, TRAIN_FAILED } train_end;

/* Runs the epochs from where j stands to j->epochs. TRAIN_FAILED leaves the message in err
 * (a loss that is not finite: "loss became NaN at epoch E step S; the last good checkpoint
 * is FILE"). */
train_end train_loop(train_job *j, pd_error *err);

/* Stores / reads the position fields of j in / from w's metadata. */
pd_status train_position_record(const train_job *j, pd_weights *w, pd_error *err);
pd_status train_position_read(train_job *j, const pd_weights *w, const char *source,
                              pd_error *err);

#endif
