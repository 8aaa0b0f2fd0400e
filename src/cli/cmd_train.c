/* predoff train: BranchyNet's joint training of a model's exits on an IDX data set, with
 * checkpoints that resume exactly. */
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "train_data.h"
#include "train_loop.h"
#include "predoff/checkpoint.h"
#include "predoff/graph.h"
#include "predoff/train.h"
#include "predoff/weights.h"

const cli_flag cmd_train_flags[] = {
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

/* The configuration: each value, and whether the user gave it (a resumed run checks those
 * against the checkpoint's). */
typedef struct train_args {
    const char *data, *out, *checkpoint, *exit_weights_text;
    unsigned long long epochs, batch, seed, limit, stop_after_batches;
    double lr, momentum, weight_decay;
    int threads; /* 0: the default */
    int resume;
    int given_batch, given_lr, given_momentum, given_wd, given_ew, given_seed, given_limit;
    double exit_weights[PD_TRAIN_MAX_EXITS];
} train_args;

static pd_status read_args(const cli_parsed *p, train_args *a, pd_error *err)
{
    memset(a, 0, sizeof *a);
    a->epochs = 15;
    a->batch = 64;
    a->lr = 0.01;
    a->momentum = 0.9;
    a->seed = 1;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        const char *v = o->value;
        pd_status st = PD_OK;
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
        } else if (cli_is(o, "--batch")) {
            a->given_batch = 1;
            if (!(st = cli_u64("--batch", v, &a->batch, err)) && (a->batch < 1 || a->batch > 65536))
                st = pd_error_set(err, PD_EINPUT, "--batch: %llu is outside [1, 65536]", a->batch);
        } else if (cli_is(o, "--lr")) {
            a->given_lr = 1;
            if (!(st = cli_real("--lr", v, 0.0, 1e30, &a->lr, err)) && !(a->lr > 0))
                st = pd_error_set(err, PD_EINPUT, "--lr: must be positive");
        } else if (cli_is(o, "--momentum")) {
            a->given_momentum = 1;
            if (!(st = cli_real("--momentum", v, 0.0, 1.0, &a->momentum, err)) && a->momentum >= 1.0)
                st = pd_error_set(err, PD_EINPUT, "--momentum: must be below 1");
        } else if (cli_is(o, "--weight-decay")) {
            a->given_wd = 1;
            st = cli_real("--weight-decay", v, 0.0, 1e6, &a->weight_decay, err);
        } else if (cli_is(o, "--exit-weights")) {
            a->given_ew = 1;
            a->exit_weights_text = v;
        } else if (cli_is(o, "--seed")) {
            a->given_seed = 1;
            st = cli_u64("--seed", v, &a->seed, err);
        } else if (cli_is(o, "--limit")) {
            a->given_limit = 1;
            if (!(st = cli_u64("--limit", v, &a->limit, err)) && a->limit < 1)
                st = pd_error_set(err, PD_EINPUT, "--limit: must be at least 1");
        } else if (cli_is(o, "--stop-after-batches")) {
            if (!(st = cli_u64("--stop-after-batches", v, &a->stop_after_batches, err)) &&
                a->stop_after_batches < 1)
                st = pd_error_set(err, PD_EINPUT, "--stop-after-batches: must be at least 1");
        } else if (cli_is(o, "--threads"))
            st = cli_threads(v, &a->threads, err);
        if (st)
            return st;
    }
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

/* --exit-weights: one finite non-negative weight per exit, not all zero. */
static pd_status parse_exit_weights(train_args *a, const pd_graph *g, pd_error *err)
{
    if (g->n_exits > PD_TRAIN_MAX_EXITS)
        return pd_error_set(err, PD_ELIMIT, "model \"%s\": %zu exits; training takes at most %d",
                            g->name, g->n_exits, PD_TRAIN_MAX_EXITS);
    if (!a->exit_weights_text) {
        pd_train_default_exit_weights(g->n_exits, a->exit_weights);
        return PD_OK;
    }
    double sum = 0;
    int ok = cli_reals(a->exit_weights_text, a->exit_weights, g->n_exits) == (int)g->n_exits;
    for (size_t k = 0; ok && k < g->n_exits; k++) {
        ok = a->exit_weights[k] >= 0;
        sum += a->exit_weights[k];
    }
    if (!ok)
        return pd_error_set(err, PD_EINPUT,
                            "--exit-weights \"%s\": expected %zu non-negative numbers, "
                            "comma-separated (model \"%s\" has %zu exits)",
                            a->exit_weights_text, g->n_exits, g->name, g->n_exits);
    if (!(sum > 0))
        return pd_error_set(err, PD_EINPUT, "--exit-weights: at least one weight must be positive");
    return PD_OK;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v: 0.9, not 0.90000000000000002. */
static int format_real(char *buf, size_t size, double v)
{
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return n;
}

static void format_list(char *buf, size_t size, const double *v, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && len + 32 < size; k++) {
        len += (size_t)snprintf(buf + len, size - len, "%s", k ? "," : "");
        len += (size_t)format_real(buf + len, size - len, v[k]);
    }
}

/* The configuration as metadata strings, in one place so that a new run writes and a
 * resumed one compares the same text. */
typedef struct config_text {
    const char *key, *flag;
    int given;
    char value[PD_TRAIN_MAX_EXITS * 26];
} config_text;

enum { N_CONFIG = 7 };

static void config_texts(const train_args *a, size_t n_exits, config_text *c)
{
    c[0] = (config_text){"batch", "--batch", a->given_batch, ""};
    snprintf(c[0].value, sizeof c[0].value, "%llu", a->batch);
    c[1] = (config_text){"lr", "--lr", a->given_lr, ""};
    format_real(c[1].value, sizeof c[1].value, a->lr);
    c[2] = (config_text){"momentum", "--momentum", a->given_momentum, ""};
    format_real(c[2].value, sizeof c[2].value, a->momentum);
    c[3] = (config_text){"weight_decay", "--weight-decay", a->given_wd, ""};
    format_real(c[3].value, sizeof c[3].value, a->weight_decay);
    c[4] = (config_text){"exit_weights", "--exit-weights", a->given_ew, ""};
    format_list(c[4].value, sizeof c[4].value, a->exit_weights, n_exits);
    c[5] = (config_text){"seed", "--seed", a->given_seed, ""};
    snprintf(c[5].value, sizeof c[5].value, "%llu", a->seed);
    c[6] = (config_text){"limit", "--limit", a->given_limit, ""};
    snprintf(c[6].value, sizeof c[6].value, "%llu", a->limit);
}

/* A new run: the configuration and the normalisation go into w's metadata. */
static pd_status record_config(const train_args *a, const pd_graph *g, const cli_data *d,
                               pd_weights *w, pd_error *err)
{
    config_text c[N_CONFIG];
    config_texts(a, g->n_exits, c);
    char on[600], classes[16];
    snprintf(on, sizeof on, "%s, split train, %zu images", a->data, d->set.count);
    snprintf(classes, sizeof classes, "%d", d->set.classes);
    pd_status st;
    if ((st = pd_weights_meta_set(w, "format", "pt", err)) ||
        (st = pd_weights_meta_set(w, "model", g->name, err)) ||
        (st = pd_weights_meta_set(w, "trained_on", on, err)) ||
        (st = pd_weights_meta_set(w, "classes", classes, err)) ||
        (st = cli_data_norm_record(d, w, err)))
        return st;
    for (int i = 0; i < N_CONFIG; i++)
        if ((st = pd_weights_meta_set(w, c[i].key, c[i].value, err)))
            return st;
    return PD_OK;
}

/* A resumed run: the checkpoint's configuration, which the flags given must agree with. */
static pd_status adopt_config(train_args *a, const pd_graph *g, const pd_weights *w,
                              pd_error *err)
{
    const char *src = a->checkpoint, *model = pd_weights_meta_get(w, "model");
    if (!model || strcmp(model, g->name) != 0)
        return pd_error_set(err, PD_EINPUT, "%s: a checkpoint of model \"%s\", not \"%s\"", src,
                            model ? model : "(none)", g->name);
    config_text c[N_CONFIG];
    config_texts(a, g->n_exits, c);
    for (int i = 0; i < N_CONFIG; i++) {
        const char *have = pd_weights_meta_get(w, c[i].key);
        if (!have)
            return pd_error_set(err, PD_EINPUT, "%s: no \"%s\" in its metadata", src, c[i].key);
        if (c[i].given && strcmp(have, c[i].value) != 0)
            return pd_error_set(err, PD_EINPUT,
                                "%s %s differs from the checkpoint's %s (%s); a resumed run keeps "
                                "its configuration",
                                c[i].flag, c[i].value, have, src);
    }
    /* take the checkpoint's values */
    char *end;
    a->batch = strtoull(pd_weights_meta_get(w, "batch"), &end, 10);
    a->lr = strtod(pd_weights_meta_get(w, "lr"), &end);
    a->momentum = strtod(pd_weights_meta_get(w, "momentum"), &end);
    a->weight_decay = strtod(pd_weights_meta_get(w, "weight_decay"), &end);
    a->seed = strtoull(pd_weights_meta_get(w, "seed"), &end, 10);
    a->limit = strtoull(pd_weights_meta_get(w, "limit"), &end, 10);
    a->exit_weights_text = pd_weights_meta_get(w, "exit_weights");
    pd_status st = parse_exit_weights(a, g, err);
    if (st)
        return pd_error_prefix(err, src);
    if (a->batch < 1 || a->batch > 65536 || !(a->lr > 0) || !(a->momentum >= 0 && a->momentum < 1))
        return pd_error_set(err, PD_EINPUT, "%s: its batch, lr or momentum is out of range", src);
    return PD_OK;
}

/* The test split's accuracy per exit, as a JSON object string for the weights' metadata. */
static pd_status record_result(const train_job *j, pd_weights *w, pd_error *err)
{
    char acc[PD_TRAIN_MAX_EXITS * 96];
    size_t len = (size_t)snprintf(acc, sizeof acc, "{");
    for (size_t k = 0; k < j->g->n_exits && len < sizeof acc; k++)
        len += (size_t)snprintf(acc + len, sizeof acc - len, "%s\"%.64s\": %.4f", k ? ", " : "",
                                j->g->layers[j->g->exits[k]].name, j->test_accuracy[k]);
    if (len < sizeof acc)
        snprintf(acc + len, sizeof acc - len, "}");
    return pd_weights_meta_set(w, "test_accuracy", acc, err);
}

/* The final weights: w's tensors and metadata without the position within an epoch. */
static pd_status write_weights(const train_job *j, const char *path, pd_error *err)
{
    pd_weights *out = NULL;
    pd_status st = pd_weights_copy(j->w, &out, err);
    if (st)
        return st;
    size_t keep = 0;
    for (size_t i = 0; i < out->n_meta; i++) {
        if (strncmp(out->meta[i].key, "epoch_", 6) == 0) {
            free(out->meta[i].key);
            free(out->meta[i].value);
        } else
            out->meta[keep++] = out->meta[i];
    }
    out->n_meta = keep;
    if (!(st = record_result(j, out, err)))
        st = pd_weights_replace_safetensors(out, path, err); /* a good file is never lost */
    pd_weights_free(out);
    return st;
}

int cmd_train(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    train_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    char default_ckpt[4096];
    if (!a.checkpoint) {
        snprintf(default_ckpt, sizeof default_ckpt, "%s.ckpt", a.out);
        a.checkpoint = default_ckpt;
    }
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_checkpoint ck = {0};
    pd_trainer *t = NULL;
    cli_data train = {0}, test = {0};
    int status = EXIT_OK;
    train_job j = {0};
    signal(SIGINT, on_signal); /* from here on a stop waits for the next batch boundary */
    signal(SIGTERM, on_signal);
    pd_status st = pd_graph_open(p->pos[0], &g, &err);
    if (!st)
        st = parse_exit_weights(&a, g, &err);
    if (!st && a.resume) {
        if (!(st = pd_checkpoint_read(a.checkpoint, &ck, &err)) &&
            !(st = pd_weights_check(ck.weights, g, a.checkpoint, &err)))
            st = adopt_config(&a, g, ck.weights, &err);
        if (!st) {
            w = ck.weights;
            ck.weights = NULL;
        }
    }
    if (!st)
        st = cli_data_open(a.data, "train", g, (size_t)a.limit, &train, &err);
    if (!st)
        st = cli_data_open(a.data, "test", g, (size_t)a.limit, &test, &err);
    if (st)
        goto fail;
    if (a.resume) {
        if ((st = cli_data_norm_from_weights(&train, w, a.checkpoint, &err)))
            goto fail;
    } else {
        cli_data_norm_from_set(&train);
        if ((st = pd_weights_random(g, a.seed, &w, &err)) ||
            (st = record_config(&a, g, &train, w, &err)))
            goto fail;
    }
    memcpy(test.mean, train.mean, sizeof test.mean);
    memcpy(test.std, train.std, sizeof test.std);
    pd_train_config cfg;
    pd_train_config_default(&cfg);
    cfg.batch = (size_t)a.batch;
    cfg.lr = a.lr;
    cfg.momentum = a.momentum;
    cfg.weight_decay = a.weight_decay;
    cfg.exit_weights = a.exit_weights;
    cfg.seed = a.seed;
    cfg.threads = a.threads;
    if ((st = pd_trainer_new(g, w, &cfg, &t, &err)))
        goto fail;
    j = (train_job){.g = g, .w = w, .t = t, .train = &train, .test = &test, .seed = a.seed,
                    .batch = (size_t)a.batch, .epochs = a.epochs, .checkpoint = a.checkpoint,
                    .stop = &stop_requested, .stop_after_batches = a.stop_after_batches, .bar = isatty(2) ? stderr : NULL};
    if (a.resume) {
        if ((st = pd_checkpoint_restore(&ck, t, a.checkpoint, &err)) ||
            (st = train_position_read(&j, w, a.checkpoint, &err)))
            goto fail;
        if (j.epoch >= a.epochs) {
            pd_error_set(&err, PD_EINPUT, "%s: %" PRIu64 " epochs done already; give --epochs above %" PRIu64,
                         a.checkpoint, j.epoch, j.epoch);
            st = PD_EINPUT;
            goto fail;
        }
        printf("resuming %s at epoch %" PRIu64 ", batch %" PRIu64 "\n", a.checkpoint, j.epoch + 1,
               j.batches_done);
    } else {
        printf("training %s on %zu images of %s (%zu test), %llu epochs of batches of %llu; "
               "inputs normalised by mean %.4f, std %.4f%s\n",
               g->name, train.set.count, a.data, test.set.count, a.epochs, a.batch,
               (double)train.mean[0], (double)train.std[0], train.pad ? ", padded" : "");
        if ((st = train_position_record(&j, w, &err)) ||
            (st = pd_checkpoint_write(a.checkpoint, w, t, &err)))
            goto fail;
    }
    fflush(stdout);
    train_end end = train_loop(&j, &err);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (end == TRAIN_FAILED) {
        status = cli_fail(&err);
    } else if (end == TRAIN_STOPPED) {
        fprintf(stderr, "predoff: stopped at epoch %" PRIu64 " after batch %" PRIu64
                "; the checkpoint is %s (go on with --resume)\n",
                j.epoch + 1, j.batches_done, a.checkpoint);
        status = EXIT_FAILURE_OTHER;
    } else if ((st = write_weights(&j, a.out, &err))) {
        status = cli_fail(&err);
    } else {
        printf("wrote %s (checkpoint %s)\n", a.out, a.checkpoint);
    }
    goto done;
fail:
    status = cli_fail(&err);
done:
    pd_trainer_free(t);
    cli_data_close(&test);
    cli_data_close(&train);
    pd_checkpoint_free(&ck);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
