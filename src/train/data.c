/* A data set split checked against a model, its normalisation, and evaluation over it
 * (train.h). */
#include "predoff/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pd_status pd_model_data_open(const char *dir, const char *split, const pd_graph *g, size_t limit,
                        pd_model_data *d, pd_error *err)
{
    memset(d, 0, sizeof *d);
    d->dir = dir;
    d->split = split;
    pd_status st = pd_dataset_load(dir, split, 0, &d->set, err);
    if (st)
        return st;
    const pd_dataset *s = &d->set;
    if (s->channels != g->input.c || s->channels > PD_MODEL_DATA_MAX_CHANNELS)
        st = pd_error_set(err, PD_EINPUT,
                          "%s: the %s images have %d channel%s, but model \"%s\" takes %lld", dir,
                          split, s->channels, s->channels == 1 ? "" : "s", g->name,
                          (long long)g->input.c);
    else if (s->height > g->input.h || s->width > g->input.w)
        st = pd_error_set(err, PD_EINPUT,
                          "%s: the %s images are %d x %d, larger than model \"%s\"'s input %lld x %lld",
                          dir, split, s->height, s->width, g->name, (long long)g->input.h,
                          (long long)g->input.w);
    for (size_t k = 0; k < g->n_exits && !st; k++) {
        const pd_layer *e = &g->layers[g->exits[k]];
        if (pd_shape_elems(e->out) != s->classes)
            st = pd_error_set(err, PD_EINPUT,
                              "%s: the %s labels have %d classes, but exit \"%s\" of model \"%s\" has %lld",
                              dir, split, s->classes, e->name, g->name,
                              (long long)pd_shape_elems(e->out));
    }
    if (!st && s->count == 0)
        st = pd_error_set(err, PD_EINPUT, "%s: the %s split has no samples", dir, split);
    if (st) {
        pd_dataset_free(&d->set);
        return st;
    }
    if (limit > 0 && limit < d->set.count)
        d->set.count = limit; /* the first `limit` samples; the buffers keep their size */
    for (int c = 0; c < PD_MODEL_DATA_MAX_CHANNELS; c++) {
        d->mean[c] = 0.0f;
        d->std[c] = 1.0f;
    }
    d->fmt = (pd_batch_format){(int)g->input.h, (int)g->input.w, d->mean, d->std};
    d->pad = ((int)g->input.h - s->height) / 2;
    d->in_elems = (size_t)pd_shape_elems(g->input);
    return PD_OK;
}

void pd_model_data_norm_from_set(pd_model_data *d)
{
    double mean[PD_MODEL_DATA_MAX_CHANNELS], std[PD_MODEL_DATA_MAX_CHANNELS];
    pd_dataset_stats(&d->set, mean, std);
    for (int c = 0; c < d->set.channels; c++) {
        d->mean[c] = (float)mean[c];
        d->std[c] = (float)std[c];
    }
}

/* "v1,v2,.." with one value per channel into out. */
static int parse_list(const char *text, int n, float *out)
{
    const char *s = text;
    for (int c = 0; c < n; c++) {
        char *end;
        out[c] = strtof(s, &end);
        if (end == s || !isfinite(out[c]) || *end != (c + 1 < n ? ',' : '\0'))
            return -1;
        s = end + 1;
    }
    return 0;
}

pd_status pd_model_data_norm_from_weights(pd_model_data *d, const pd_weights *w, const char *wpath,
                                     pd_error *err)
{
    const char *keys[] = {"input_mean", "input_std"};
    float *to[] = {d->mean, d->std};
    for (int i = 0; i < 2; i++) {
        const char *v = pd_weights_meta_get(w, keys[i]);
        if (!v)
            return pd_error_set(err, PD_EINPUT,
                                "%s: no \"%s\" in its metadata (weights made by predoff train "
                                "record how their inputs were normalised)",
                                wpath, keys[i]);
        if (parse_list(v, d->set.channels, to[i]))
            return pd_error_set(err, PD_EINPUT, "%s: metadata \"%s\" is \"%.64s\"; expected %d "
                                "finite number%s", wpath, keys[i], v, d->set.channels,
                                d->set.channels == 1 ? "" : "s, comma-separated");
    }
    for (int c = 0; c < d->set.channels; c++)
        if (!(d->std[c] > 0))
            return pd_error_set(err, PD_EINPUT, "%s: metadata \"input_std\": %g is not positive",
                                wpath, (double)d->std[c]);
    const char *pad = pd_weights_meta_get(w, "input_pad");
    char want[16];
    snprintf(want, sizeof want, "%d", d->pad);
    if (pad && strcmp(pad, want) != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: metadata \"input_pad\" is \"%.16s\", but %s's images need %s to "
                            "fill the model's input",
                            wpath, pad, d->dir, want);
    return PD_OK;
}

pd_status pd_train_check_model(const pd_weights *w, const char *wpath, const pd_graph *g,
                               pd_error *err)
{
    const char *model = pd_weights_meta_get(w, "model");
    if (model && strcmp(model, g->name) != 0)
        return pd_error_set(err, PD_EINPUT, "%s: weights of model \"%s\", not \"%s\"", wpath,
                            model, g->name);
    return PD_OK;
}

static pd_status list_meta(pd_weights *w, const char *key, const float *v, int n, pd_error *err)
{
    char buf[128] = "";
    size_t len = 0;
    for (int c = 0; c < n; c++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.9g", c ? "," : "", (double)v[c]);
    return pd_weights_meta_set(w, key, buf, err);
}

pd_status pd_model_data_norm_record(const pd_model_data *d, pd_weights *w, pd_error *err)
{
    char pad[16], shape[64];
    snprintf(pad, sizeof pad, "%d", d->pad);
    snprintf(shape, sizeof shape, "%dx%dx%d", d->set.channels, d->set.height, d->set.width);
    pd_status st;
    if ((st = pd_weights_meta_set(w, "input_scale", "1/255", err)) ||
        (st = list_meta(w, "input_mean", d->mean, d->set.channels, err)) ||
        (st = list_meta(w, "input_std", d->std, d->set.channels, err)) ||
        (st = pd_weights_meta_set(w, "input_pad", pad, err)) ||
        (st = pd_weights_meta_set(w, "image_shape", shape, err)))
        return st;
    return PD_OK;
}

void pd_model_data_close(pd_model_data *d)
{
    if (!d)
        return;
    pd_dataset_free(&d->set);
    memset(d, 0, sizeof *d);
}

pd_status pd_model_data_evaluate(pd_trainer *t, const pd_model_data *d, size_t n_exits, size_t batch,
                            uint8_t *correct, float *entropy, pd_error *err)
{
    size_t count = d->set.count;
    float *x = malloc(batch * d->in_elems * sizeof *x);
    size_t *idx = malloc(batch * sizeof *idx);
    pd_exit_summary *out = malloc(batch * n_exits * sizeof *out);
    pd_status st = PD_OK;
    if (!x || !idx || !out)
        st = pd_error_set(err, PD_ENOMEM, "evaluation: out of memory");
    for (size_t at = 0; at < count && !st; at += batch) {
        size_t n = count - at < batch ? count - at : batch;
        for (size_t i = 0; i < n; i++)
            idx[i] = at + i;
        if ((st = pd_dataset_batch(&d->set, idx, n, &d->fmt, x, err)) ||
            (st = pd_eval_batch(t, x, n, out, err)))
            break;
        for (size_t k = 0; k < n_exits; k++)
            for (size_t i = 0; i < n; i++) {
                const pd_exit_summary *s = &out[k * n + i];
                correct[k * count + at + i] = s->top_class == d->set.labels[at + i];
                if (entropy)
                    entropy[k * count + at + i] = (float)s->entropy;
            }
    }
    free(out);
    free(idx);
    free(x);
    return st;
}
