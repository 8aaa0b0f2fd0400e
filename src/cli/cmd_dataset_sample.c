/* predoff dataset-sample: images of a data set as the network input a model takes (.npy),
 * padded to its size and normalised as trained weights record, with their labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "predoff/onnx.h"
#include "predoff/train.h"
#include "predoff/graph.h"
#include "predoff/npy.h"
#include "predoff/weights.h"

const cli_flag cli_cmd_dataset_sample_flags[] = {
    {"--data", "DIR", "IDX files (required)"},
    {"--split", "test|train", "which split (default test)"},
    {"--index", "I", "the first image (default 0)"},
    {"--count", "N", "images from I on (default 1): [C, H, W] for one, [N, C, H, W] for more"},
    {"--weights", "W.safetensors", "normalise as W's metadata says (else raw pixels / 255)"},
    {"-o", "X.npy", "the inputs (required)"},
    {NULL, NULL, NULL},
};

int cli_cmd_dataset_sample(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *data = NULL, *split = "test", *wpath = NULL, *out = NULL;
    unsigned long long index = 0, count = 1;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(o, "--data"))
            data = o->value;
        else if (cli_is(o, "--split"))
            split = o->value;
        else if (cli_is(o, "--index"))
            st = cli_u64("--index", o->value, &index, &err);
        else if (cli_is(o, "--count")) {
            if (!(st = cli_u64("--count", o->value, &count, &err)) && (count < 1 || count > 100000))
                st = pd_error_set(&err, PD_EINPUT, "--count: %llu is outside [1, 100000]", count);
        } else if (cli_is(o, "--weights"))
            wpath = o->value;
        else if (cli_is(o, "-o"))
            out = o->value;
        if (st)
            return cli_fail(&err);
    }
    if (p->n_pos != 1)
        pd_error_set(&err, PD_EINPUT, "dataset-sample: expected one MODEL, got %zu arguments", p->n_pos);
    else if (!data)
        pd_error_set(&err, PD_EINPUT, "dataset-sample: --data DIR is required");
    else if (!out)
        pd_error_set(&err, PD_EINPUT, "dataset-sample: -o X.npy is required");
    else if (strcmp(split, "test") != 0 && strcmp(split, "train") != 0)
        pd_error_set(&err, PD_EINPUT, "--split: \"%s\" is neither test nor train", split);
    if (err.status)
        return cli_fail(&err);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_model_data d = {0};
    float *x = NULL;
    size_t *idx = NULL;
    int status = CLI_EXIT_OK;
    if (pd_model_open(p->pos[0], &g, NULL, &err) || (wpath && pd_weights_read_safetensors(wpath, &w, &err)) ||
        (w && pd_train_check_model(w, wpath, g, &err)) ||
        pd_model_data_open(data, split, g, 0, &d, &err) ||
        (w && pd_model_data_norm_from_weights(&d, w, wpath, &err)))
        goto fail;
    if (index >= d.set.count || count > d.set.count - index) {
        pd_error_set(&err, PD_EINPUT, "--index %llu --count %llu: the %s split of %s has %zu images",
                     index, count, split, data, d.set.count);
        goto fail;
    }
    x = malloc((size_t)count * d.in_elems * sizeof *x);
    idx = malloc((size_t)count * sizeof *idx);
    if (!x || !idx) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < count; i++)
        idx[i] = (size_t)index + i;
    if (pd_dataset_batch(&d.set, idx, (size_t)count, &d.fmt, x, &err))
        goto fail;
    int64_t dims[4] = {(int64_t)count, g->input.c, g->input.h, g->input.w};
    if (pd_npy_write(out, x, count == 1 ? 3 : 4, count == 1 ? dims + 1 : dims, &err))
        goto fail;
    for (size_t i = 0; i < count; i++)
        printf("image %zu: label %d\n", idx[i], (int)d.set.labels[idx[i]]);
    printf("wrote %s (%s)\n", out, w ? "normalised as the weights record" : "pixels / 255, not normalised");
    goto done;
fail:
    status = cli_fail(&err);
done:
    free(idx);
    free(x);
    pd_model_data_close(&d);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
