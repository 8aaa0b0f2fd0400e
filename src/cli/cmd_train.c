/* predoff train: BranchyNet's joint training of a model's exits on an IDX data set, with
 * checkpoints that resume exactly. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "train_flags.h"
#include "train_progress.h"
#include "predoff/onnx.h"
#include "predoff/checkpoint.h"
#include "predoff/graph.h"
#include "predoff/train.h"
#include "predoff/weights.h"

const cli_flag cli_cmd_train_flags[] = {
    {"--data", "DIR", "IDX files: train-images-idx3-ubyte[.gz] and the rest (required)"},
    {"-o", "W.safetensors", "the trained weights, with their normalisation (required)"},
    {"--epochs", "N", "epochs in all, counting those a resumed run has done (default 15)"},
    {"--batch", "B", "samples per step (default 64)"},
    {"--lr", "X", "learning rate (default 0.01)"},
    {"--momentum", "M", "SGD momentum, in [0, 1) (default 0.9)"},
    {"--weight-decay", "W", "L2 weight decay (default 0)"},
    {"--exit-weights", "W1,W2,..", "loss weight of each exit, model order (default 1 each)"},
    {"--seed", "S", "initial weights, shuffling, dropout (default 1)"},
    {"--limit", "N", "use only the first N images of each split (default: all)"},
    {"--checkpoint", "FILE", "checkpoint after every epoch and on SIGINT (default W.safetensors.ckpt)"},
    {"--resume", NULL, "go on from --checkpoint FILE exactly where it stopped"},
    {"--stop-after-batches", "N", "stop as SIGINT does once this run has trained N batches: "
                                  "checkpoint, exit status 1 (default: never)"},
    CLI_THREADS_FLAG,
    {NULL, NULL, NULL},
};

static volatile sig_atomic_t stop_requested; /* set by the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static pd_status read_args(const cli_parsed *p, cli_train_args *a, pd_error *err)
{
    memset(a, 0, sizeof *a);
    a->epochs = 15;
    a->batch = 64;
    a->s.lr = 0.01;
    a->s.momentum = 0.9;
    a->seed = 1;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        const char *v = o->value;
        pd_status st = cli_train_setting(o, a, err);
        if (st)
            return st;
        if (cli_is(o, "--data"))
            a->data = v;
        else if (cli_is(o, "-o"))
            a->out = v;
        else if (cli_is(o, "--checkpoint"))
            a->checkpoint = v;
        else if (cli_is(o, "--resume"))
            a->resume = 1;
        else if (cli_is(o, "--epochs")) {
            if (!(st = cli_u64("--epochs", v, &a->epochs, err)) && (a->epochs < 1 || a->epochs > 100000))
                st = pd_error_set(err, PD_EINPUT, "--epochs: %llu is outside [1, 100000]", a->epochs);
        } else if (cli_is(o, "--stop-after-batches")) {
            if (!(st = cli_u64("--stop-after-batches", v, &a->stop_after_batches, err)) &&
                a->stop_after_batches < 1)
                st = pd_error_set(err, PD_EINPUT, "--stop-after-batches: must be at least 1");
        } else if (cli_is(o, "--threads"))
            st = cli_threads(v, &a->threads, err);
        if (st)
            return st;
    }
    a->s.batch = a->batch;
    a->s.seed = a->seed;
    a->s.limit = a->limit;
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT, "train: expected one MODEL, got %zu arguments", p->n_pos);
    if (!a->data)
        return pd_error_set(err, PD_EINPUT, "train: --data DIR is required");
    if (!a->out)
        return pd_error_set(err, PD_EINPUT, "train: -o W.safetensors is required");
    if (a->resume && !a->checkpoint)
        return pd_error_set(err, PD_EINPUT, "train: --resume needs --checkpoint FILE");
    return PD_OK;
}

int cli_cmd_train(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_train_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    char default_ckpt[4096];
    if (!a.checkpoint) {
        snprintf(default_ckpt, sizeof default_ckpt, "%s.ckpt", a.out);
        a.checkpoint = default_ckpt;
    }
    pd_graph *g = NULL;
    pd_checkpoint ck = {0};
    pd_training tr = {0};
    pd_train_job *j = &tr.job;
    int status = CLI_EXIT_OK;
    signal(SIGINT, on_signal); /* from here on a stop waits for the next batch boundary */
    signal(SIGTERM, on_signal);
    pd_status st = pd_model_open(p->pos[0], &g, NULL, &err);
    if (!st)
        st = pd_graph_check_runnable(g, &err); /* before the data set is read */
    if (!st)
        st = cli_train_exit_weights(&a, g, &err);
    if (!st && a.resume && !(st = pd_checkpoint_read(a.checkpoint, &ck, &err)) &&
        !(st = pd_weights_check(ck.weights, g, a.checkpoint, &err)))
        st = cli_train_adopt(&a, g, ck.weights, &err);
    if (st || (st = pd_training_open(&tr, g, a.data, &a.s, a.threads, a.resume ? &ck : NULL, a.checkpoint,
                                     &err)))
        goto fail;
    j->epochs = a.epochs;
    j->checkpoint = a.checkpoint;
    j->stop = &stop_requested;
    j->stop_after_batches = a.stop_after_batches;
    j->on_batch = cli_train_bar;
    j->on_epoch = cli_train_epoch_line;
    j->ctx = isatty(2) ? stderr : NULL;
    if (a.resume) {
        if (j->epoch >= a.epochs) {
            st = pd_error_set(&err, PD_EINPUT, "%s: %" PRIu64 " epochs done already; give "
                              "--epochs above %" PRIu64, a.checkpoint, j->epoch, j->epoch);
            goto fail;
        }
        printf("resuming %s at epoch %" PRIu64 ", batch %" PRIu64 "\n", a.checkpoint, j->epoch + 1,
               j->batches_done);
    } else {
        printf("training %s on %zu images of %s (%zu test), %llu epochs of batches of %llu; "
               "inputs normalised by mean %.4f, std %.4f%s\n",
               g->name, tr.train.set.count, a.data, tr.test.set.count, a.epochs, a.batch,
               (double)tr.train.mean[0], (double)tr.train.std[0], tr.train.pad ? ", padded" : "");
        if ((st = pd_train_save(j, &err)))
            goto fail;
    }
    fflush(stdout);
    pd_train_end end = pd_train_run(j, &err);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (end == PD_TRAIN_FAILED) {
        status = cli_fail(&err);
    } else if (end == PD_TRAIN_STOPPED) {
        fprintf(stderr, "predoff: stopped at epoch %" PRIu64 " after batch %" PRIu64
                "; the checkpoint is %s (go on with --resume)\n",
                j->epoch + 1, j->batches_done, a.checkpoint);
        status = CLI_EXIT_FAILURE_OTHER;
    } else if ((st = pd_train_write_weights(j, a.out, &err))) {
        status = cli_fail(&err);
    } else {
        printf("wrote %s (checkpoint %s)\n", a.out, a.checkpoint);
    }
    goto done;
fail:
    status = cli_fail(&err);
done:
    pd_training_close(&tr);
    pd_checkpoint_free(&ck);
    pd_graph_free(g);
    return status;
}
