/* A training run's epochs, and its position within them kept in checkpoints (train.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "predoff/checkpoint.h"
#include "predoff/train.h"

pd_status pd_train_position_record(const pd_train_job *j, pd_weights *w, pd_error *err)
{
    char v[32], list[PD_TRAIN_MAX_EXITS * 24] = "";
    size_t len = 0;
    for (size_t k = 0; k < j->g->n_exits; k++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%" PRIu64, k ? "," : "",
                                j->correct[k]);
    pd_status st;
    snprintf(v, sizeof v, "%" PRIu64, j->epoch);
    if ((st = pd_weights_meta_set(w, "epochs", v, err)))
        return st;
    snprintf(v, sizeof v, "%" PRIu64, j->batches_done);
    if ((st = pd_weights_meta_set(w, "epoch_batches_done", v, err)))
        return st;
    snprintf(v, sizeof v, "%" PRIu64, j->seen);
    if ((st = pd_weights_meta_set(w, "epoch_samples_seen", v, err)))
        return st;
    snprintf(v, sizeof v, "%.17g", j->loss_sum);
    if ((st = pd_weights_meta_set(w, "epoch_loss_sum", v, err)))
        return st;
    return pd_weights_meta_set(w, "epoch_correct", list, err);
}

static pd_status count_of(const pd_weights *w, const char *key, const char *source,
                          uint64_t *out, pd_error *err)
{
    const char *v = pd_weights_meta_get(w, key);
    char *end = NULL;
    if (v && *v >= '0' && *v <= '9')
        *out = strtoull(v, &end, 10);
    if (!end || *end)
        return pd_error_set(err, PD_EINPUT, "%s: metadata \"%s\" must be a decimal count", source,
                            key);
    return PD_OK;
}

pd_status pd_train_position_read(pd_train_job *j, const pd_weights *w, const char *source,
                              pd_error *err)
{
    pd_status st;
    if ((st = count_of(w, "epochs", source, &j->epoch, err)) ||
        (st = count_of(w, "epoch_batches_done", source, &j->batches_done, err)) ||
        (st = count_of(w, "epoch_samples_seen", source, &j->seen, err)))
        return st;
    const char *loss = pd_weights_meta_get(w, "epoch_loss_sum");
    char *end = NULL;
    if (loss)
        j->loss_sum = strtod(loss, &end);
    if (!end || end == loss || *end || !isfinite(j->loss_sum))
        return pd_error_set(err, PD_EINPUT, "%s: metadata \"epoch_loss_sum\" must be a number",
                            source);
    const char *s = pd_weights_meta_get(w, "epoch_correct");
    for (size_t k = 0; k < j->g->n_exits; k++) {
        end = NULL;
        if (s && *s >= '0' && *s <= '9')
            j->correct[k] = strtoull(s, &end, 10);
        if (!end || *end != (k + 1 < j->g->n_exits ? ',' : '\0'))
            return pd_error_set(err, PD_EINPUT,
                                "%s: metadata \"epoch_correct\" must hold %zu counts, comma-separated",
                                source, j->g->n_exits);
        s = end + 1;
    }
    return PD_OK;
}

static uint64_t batches_per_epoch(const pd_train_job *j)
{
    return (j->train->set.count + j->batch - 1) / j->batch;
}

pd_status pd_train_save(pd_train_job *j, pd_error *err)
{
    pd_status st = pd_train_position_record(j, j->w, err);
    if (!st && j->checkpoint)
        st = pd_checkpoint_write(j->checkpoint, j->w, j->t, err);
    return st;
}

static pd_status test_accuracy(pd_train_job *j, pd_error *err)
{
    size_t n = j->test->set.count, exits = j->g->n_exits;
    uint8_t *correct = malloc(exits * n);
    if (!correct)
        return pd_error_set(err, PD_ENOMEM, "test accuracy: out of memory");
    pd_status st = pd_model_data_evaluate(j->t, j->test, exits, j->batch, correct, NULL, err);
    if (!st)
        pd_exit_accuracies(exits, n, correct, j->test_accuracy);
    free(correct);
    return st;
}

pd_train_end pd_train_run(pd_train_job *j, pd_error *err)
{
    const pd_model_data *d = j->train;
    size_t n = d->set.count;
    size_t *order = malloc(n * sizeof *order);
    float *x = malloc(j->batch * d->in_elems * sizeof *x);
    uint8_t *labels = malloc(j->batch);
    pd_train_end end = PD_TRAIN_FAILED;
    if (!order || !x || !labels) {
        pd_error_set(err, PD_ENOMEM, "training: out of memory");
        goto done;
    }
    uint64_t nb = batches_per_epoch(j), steps = 0; /* steps: batches done by this run */
    for (; j->epoch < j->epochs; j->epoch++) {
        double t0 = pd_now_ms();
        pd_dataset_shuffle(n, j->seed, j->epoch, order);
        for (; j->batches_done < nb; j->batches_done++) {
            if ((j->stop && *j->stop) ||
                (j->stop_after_batches && steps == j->stop_after_batches)) {
                if (!pd_train_save(j, err))
                    end = PD_TRAIN_STOPPED;
                goto done;
            }
            size_t at = (size_t)j->batches_done * j->batch;
            size_t b = n - at < j->batch ? n - at : j->batch;
            for (size_t i = 0; i < b; i++)
                labels[i] = d->set.labels[order[at + i]];
            pd_train_stats s;
            if (pd_dataset_batch(&d->set, order + at, b, &d->fmt, x, err))
                goto done;
            if (pd_trainer_step(j->t, x, labels, b, &s, err)) {
                const char *at_step = strstr(err->msg, " at step ");
                if (err->status == PD_EINPUT && at_step) { /* "loss became NaN at step N" */
                    char what[128];
                    snprintf(what, sizeof what, "%.*s", (int)(at_step - err->msg), err->msg);
                    pd_error_set(err, PD_EINPUT,
                                 "%s at epoch %" PRIu64 " step %" PRIu64
                                 "; the last good checkpoint is %s",
                                 what, j->epoch + 1, j->batches_done + 1, j->checkpoint);
                }
                goto done;
            }
            j->loss_sum += s.loss * (double)b;
            j->seen += b;
            steps++;
            for (size_t k = 0; k < j->g->n_exits; k++)
                j->correct[k] += s.exit_correct[k];
            if (j->on_batch)
                j->on_batch(j->ctx, j, j->batches_done + 1, nb);
        }
        if (test_accuracy(j, err))
            goto done;
        if (j->on_epoch)
            j->on_epoch(j->ctx, j, (pd_now_ms() - t0) / 1000.0);
        j->epoch++;
        j->batches_done = 0;
        j->loss_sum = 0;
        j->seen = 0;
        memset(j->correct, 0, sizeof j->correct);
        pd_status st = pd_train_save(j, err);
        j->epoch--; /* the loop's increment */
        if (st)
            goto done;
    }
    end = PD_TRAIN_DONE;
done:
    free(labels);
    free(x);
    free(order);
    return end;
}
