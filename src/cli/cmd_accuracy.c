/* predoff accuracy: each exit's accuracy on a data set with trained weights (their recorded
 * normalisation applied), as a table and a small JSON file that plans read with
 * --accuracy-from; and BranchyNet's own exit rule, by softmax entropy thresholds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safe_name.h"
#include "commands.h"
#include "predoff/onnx.h"
#include "predoff/graph.h"
#include "predoff/scenario.h"
#include "predoff/train.h"
#include "predoff/weights.h"

const cli_flag cli_cmd_accuracy_flags[] = {
    {"--weights", "W.safetensors", "trained weights, with their normalisation (required)"},
    {"--data", "DIR", "IDX files: t10k-images-idx3-ubyte[.gz] and the rest (required)"},
    {"--split", "test|train", "which split (default test)"},
    {"--limit", "N", "only the first N images"},
    {"-o", "ACC.json", "write {\"model\", \"weights\", \"exits\": {name: accuracy}}"},
    {"--entropy-thresholds", "T1,T2,..|auto", "BranchyNet's exit rule at each threshold (nats)"},
    CLI_THREADS_FLAG,
    {NULL, NULL, NULL},
};

enum { MAX_THRESHOLDS = 64, EVAL_BATCH = 250 };

static const double auto_thresholds[] = {0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0};

typedef struct acc_args {
    const char *weights, *data, *split, *out, *thresholds_text;
    unsigned long long limit;
    int threads; /* 0: the default */
    size_t n_thresholds;
    double thresholds[MAX_THRESHOLDS];
} acc_args;

static pd_status parse_thresholds(acc_args *a, pd_error *err)
{
    const char *s = a->thresholds_text;
    if (strcmp(s, "auto") == 0) {
        a->n_thresholds = sizeof auto_thresholds / sizeof auto_thresholds[0];
        memcpy(a->thresholds, auto_thresholds, sizeof auto_thresholds);
        return PD_OK;
    }
    int n = cli_reals(s, a->thresholds, MAX_THRESHOLDS), ok = n >= 1;
    for (int i = 0; ok && i < n; i++)
        ok = a->thresholds[i] >= 0;
    if (!ok)
        return pd_error_set(err, PD_EINPUT,
                            "--entropy-thresholds \"%s\": expected \"auto\" or up to %d "
                            "non-negative numbers, comma-separated",
                            a->thresholds_text, MAX_THRESHOLDS);
    a->n_thresholds = (size_t)n;
    return PD_OK;
}

static pd_status read_args(const cli_parsed *p, acc_args *a, pd_error *err)
{
    memset(a, 0, sizeof *a);
    a->split = "test";
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(o, "--weights"))
            a->weights = o->value;
        else if (cli_is(o, "--data"))
            a->data = o->value;
        else if (cli_is(o, "--split")) {
            a->split = o->value;
            if (strcmp(a->split, "test") != 0 && strcmp(a->split, "train") != 0)
                st = pd_error_set(err, PD_EINPUT, "--split: \"%s\" is neither test nor train", a->split);
        } else if (cli_is(o, "--limit")) {
            if (!(st = cli_u64("--limit", o->value, &a->limit, err)) && a->limit < 1)
                st = pd_error_set(err, PD_EINPUT, "--limit: must be at least 1");
        } else if (cli_is(o, "-o"))
            a->out = o->value;
        else if (cli_is(o, "--entropy-thresholds")) {
            a->thresholds_text = o->value;
            st = parse_thresholds(a, err);
        } else if (cli_is(o, "--threads"))
            st = cli_threads(o->value, &a->threads, err);
        if (st)
            return st;
    }
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT, "accuracy: expected one MODEL, got %zu arguments", p->n_pos);
    if (!a->weights)
        return pd_error_set(err, PD_EINPUT, "accuracy: --weights W.safetensors is required");
    if (!a->data)
        return pd_error_set(err, PD_EINPUT, "accuracy: --data DIR is required");
    return PD_OK;
}

int cli_cmd_accuracy(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    acc_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_trainer *t = NULL;
    pd_model_data d = {0};
    uint8_t *correct = NULL;
    float *entropy = NULL;
    double *rows = NULL; /* per threshold: accuracy, mean exit, then each exit's share */
    int status = CLI_EXIT_OK;
    pd_train_config cfg;
    pd_train_config_default(&cfg);
    cfg.batch = EVAL_BATCH;
    cfg.threads = a.threads;
    size_t order[PD_TRAIN_MAX_EXITS];
    double acc[PD_TRAIN_MAX_EXITS];
    if (pd_model_open(p->pos[0], &g, NULL, &err) || pd_graph_check_runnable(g, &err) ||
        pd_weights_read_safetensors(a.weights, &w, &err) ||
        pd_train_check_model(w, a.weights, g, &err) || pd_weights_check(w, g, a.weights, &err))
        goto fail;
    if (g->n_exits > PD_TRAIN_MAX_EXITS) {
        pd_error_set(&err, PD_ELIMIT, "model \"%s\": %zu exits; at most %d", g->name, g->n_exits,
                     PD_TRAIN_MAX_EXITS);
        goto fail;
    }
    if (pd_model_data_open(a.data, a.split, g, (size_t)a.limit, &d, &err) ||
        pd_model_data_norm_from_weights(&d, w, a.weights, &err) ||
        pd_trainer_new(g, w, &cfg, &t, &err) || pd_graph_exit_path_order(g, order, &err))
        goto fail;
    size_t count = d.set.count;
    correct = malloc(g->n_exits * count);
    entropy = malloc(g->n_exits * count * sizeof *entropy);
    size_t ne = g->n_exits, nt = a.n_thresholds;
    rows = calloc((nt ? nt : 1) * (2 + ne), sizeof *rows);
    double *rule_acc = rows, *mean_exit = rows + nt, *share = rows + 2 * nt;
    if (!correct || !entropy || !rows) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        goto fail;
    }
    if (pd_model_data_evaluate(t, &d, g->n_exits, EVAL_BATCH, correct, entropy, &err))
        goto fail;
    pd_exit_accuracies(g->n_exits, count, correct, acc);
    char nb[CLI_NAME_BUF];
    printf("model %s, weights %s: %s split of %s, %zu images\n\n", cli_safe_name(g->name, nb, sizeof nb), a.weights, a.split,
           a.data, count);
    printf("  exit                accuracy\n");
    for (size_t k = 0; k < g->n_exits; k++)
        printf("  %-18s  %8.4f\n", cli_safe_name(g->layers[g->exits[k]].name, nb, sizeof nb), acc[k]);
    if (a.n_thresholds) {
        printf("\nBranchyNet's rule: a sample leaves at the first exit (from the input) whose "
               "softmax entropy is below T; the last takes the rest\n\n  %9s  %8s  %9s",
               "T (nats)", "accuracy", "mean exit");
        for (size_t o = 0; o < g->n_exits; o++)
            printf("  %8.8s", cli_safe_name(g->layers[g->exits[order[o]]].name, nb, sizeof nb));
        printf("\n");
        for (size_t r = 0; r < a.n_thresholds; r++) {
            pd_entropy_rule(ne, order, count, correct, entropy, a.thresholds[r], &rule_acc[r],
                            &mean_exit[r], &share[r * ne]);
            printf("  %9.3f  %8.4f  %9.3f", a.thresholds[r], rule_acc[r], mean_exit[r]);
            for (size_t o = 0; o < g->n_exits; o++)
                printf("  %8.3f", share[r * ne + order[o]]);
            printf("\n");
        }
        printf("(mean exit: 1 is the first exit met; the exit columns are shares of the samples)\n");
    }
    if (a.out) {
        pd_accuracy_record rec = {g, a.weights, a.data, a.split, count, acc, nt, a.thresholds,
                                  rule_acc, mean_exit, share};
        if (pd_accuracy_write(&rec, a.out, &err))
            goto fail;
        printf("\nwrote %s (plan with --accuracy-from %s)\n", a.out, a.out);
    }
    goto done;
fail:
    status = cli_fail(&err);
done:
    free(rows);
    free(entropy);
    free(correct);
    pd_trainer_free(t);
    pd_model_data_close(&d);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
