/* A new or resumed run, opened from a data folder and perhaps a checkpoint (train.h). */
#include <string.h>

#include "predoff/checkpoint.h"
#include "predoff/train.h"

pd_status pd_training_open(pd_training *tr, const pd_graph *g, const char *dir,
                           const pd_train_settings *s, int threads, pd_checkpoint *ck,
                           const char *ck_path, pd_error *err)
{
    memset(tr, 0, sizeof *tr);
    if (ck) {
        tr->w = ck->weights;
        ck->weights = NULL;
    }
    pd_status st;
    if ((st = pd_model_data_open(dir, "train", g, (size_t)s->limit, &tr->train, err)) ||
        (st = pd_model_data_open(dir, "test", g, (size_t)s->limit, &tr->test, err)))
        goto fail;
    if (ck) {
        if ((st = pd_model_data_norm_from_weights(&tr->train, tr->w, ck_path, err)))
            goto fail;
    } else {
        pd_model_data_norm_from_set(&tr->train);
        if ((st = pd_weights_random(g, s->seed, &tr->w, err)) ||
            (st = pd_train_record_start(s, g, &tr->train, tr->w, err)))
            goto fail;
    }
    memcpy(tr->test.mean, tr->train.mean, sizeof tr->test.mean);
    memcpy(tr->test.std, tr->train.std, sizeof tr->test.std);
    pd_train_config cfg;
    pd_train_config_default(&cfg);
    cfg.batch = (size_t)s->batch;
    cfg.lr = s->lr;
    cfg.momentum = s->momentum;
    cfg.weight_decay = s->weight_decay;
    cfg.exit_weights = s->exit_weights;
    cfg.seed = s->seed;
    cfg.threads = threads;
    if ((st = pd_trainer_new(g, tr->w, &cfg, &tr->t, err)))
        goto fail;
    tr->job = (pd_train_job){.g = g, .w = tr->w, .t = tr->t, .train = &tr->train,
                             .test = &tr->test, .seed = s->seed, .batch = (size_t)s->batch};
    if (ck && ((st = pd_checkpoint_restore(ck, tr->t, ck_path, err)) ||
               (st = pd_train_position_read(&tr->job, tr->w, ck_path, err))))
        goto fail;
    return PD_OK;
fail:
    pd_training_close(tr);
    return st;
}

void pd_training_close(pd_training *tr)
{
    if (!tr)
        return;
    pd_trainer_free(tr->t);
    pd_model_data_close(&tr->test);
    pd_model_data_close(&tr->train);
    pd_weights_free(tr->w);
    memset(tr, 0, sizeof *tr);
}
