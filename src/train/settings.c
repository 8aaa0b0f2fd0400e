/* A training run's settings in its weights' metadata, and the final weights (train.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/train.h"

static const char *const setting_keys[PD_TRAIN_N_SETTINGS] = {
    "batch", "lr", "momentum", "weight_decay", "exit_weights", "seed", "limit",
};

const char *pd_train_setting_key(int i)
{
    return i >= 0 && i < PD_TRAIN_N_SETTINGS ? setting_keys[i] : NULL;
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

void pd_train_setting_text(const pd_train_settings *s, int i, char *buf, size_t size)
{
    switch (i) {
    case 0: snprintf(buf, size, "%llu", (unsigned long long)s->batch); break;
    case 1: format_real(buf, size, s->lr); break;
    case 2: format_real(buf, size, s->momentum); break;
    case 3: format_real(buf, size, s->weight_decay); break;
    case 4: format_list(buf, size, s->exit_weights, s->n_exits); break;
    case 5: snprintf(buf, size, "%llu", (unsigned long long)s->seed); break;
    case 6: snprintf(buf, size, "%llu", (unsigned long long)s->limit); break;
    default: snprintf(buf, size, "%s", "");
    }
}

enum { SETTING_TEXT = PD_TRAIN_MAX_EXITS * 26 };

pd_status pd_train_record_start(const pd_train_settings *s, const pd_graph *g,
                                const pd_model_data *d, pd_weights *w, pd_error *err)
{
    char on[600], classes[16];
    snprintf(on, sizeof on, "%s, split train, %zu images", d->dir, d->set.count);
    snprintf(classes, sizeof classes, "%d", d->set.classes);
    pd_status st;
    if ((st = pd_weights_meta_set(w, "format", "pt", err)) ||
        (st = pd_weights_meta_set(w, "model", g->name, err)) ||
        (st = pd_weights_meta_set(w, "trained_on", on, err)) ||
        (st = pd_weights_meta_set(w, "classes", classes, err)) ||
        (st = pd_model_data_norm_record(d, w, err)))
        return st;
    for (int i = 0; i < PD_TRAIN_N_SETTINGS; i++) {
        char v[SETTING_TEXT];
        pd_train_setting_text(s, i, v, sizeof v);
        if ((st = pd_weights_meta_set(w, setting_keys[i], v, err)))
            return st;
    }
    return PD_OK;
}

/* "w1,w2,..": n finite non-negative weights, not all zero. */
static int parse_weights(const char *text, size_t n, double *out)
{
    const char *c = text;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        char *end;
        out[k] = strtod(c, &end);
        if (end == c || !isfinite(out[k]) || out[k] < 0 || *end != (k + 1 < n ? ',' : '\0'))
            return -1;
        sum += out[k];
        c = end + 1;
    }
    return n > 0 && sum > 0 ? 0 : -1;
}

pd_status pd_train_settings_read(const pd_weights *w, const pd_graph *g, const char *source,
                                 pd_train_settings *s, pd_error *err)
{
    const char *model = pd_weights_meta_get(w, "model");
    if (!model || strcmp(model, g->name) != 0)
        return pd_error_set(err, PD_EINPUT, "%s: a checkpoint of model \"%s\", not \"%s\"", source,
                            model ? model : "(none)", g->name);
    if (g->n_exits > PD_TRAIN_MAX_EXITS)
        return pd_error_set(err, PD_ELIMIT, "model \"%s\": %zu exits; training takes at most %d",
                            g->name, g->n_exits, PD_TRAIN_MAX_EXITS);
    for (int i = 0; i < PD_TRAIN_N_SETTINGS; i++)
        if (!pd_weights_meta_get(w, setting_keys[i]))
            return pd_error_set(err, PD_EINPUT, "%s: no \"%s\" in its metadata", source,
                                setting_keys[i]);
    memset(s, 0, sizeof *s);
    char *end;
    s->batch = strtoull(pd_weights_meta_get(w, "batch"), &end, 10);
    s->lr = strtod(pd_weights_meta_get(w, "lr"), &end);
    s->momentum = strtod(pd_weights_meta_get(w, "momentum"), &end);
    s->weight_decay = strtod(pd_weights_meta_get(w, "weight_decay"), &end);
    s->seed = strtoull(pd_weights_meta_get(w, "seed"), &end, 10);
    s->limit = strtoull(pd_weights_meta_get(w, "limit"), &end, 10);
    s->n_exits = g->n_exits;
    const char *ew = pd_weights_meta_get(w, "exit_weights");
    if (parse_weights(ew, g->n_exits, s->exit_weights))
        return pd_error_set(err, PD_EINPUT,
                            "%s: metadata \"exit_weights\" \"%.64s\": expected %zu non-negative "
                            "numbers, comma-separated, not all 0 (model \"%s\" has %zu exits)",
                            source, ew, g->n_exits, g->name, g->n_exits);
    if (s->batch < 1 || s->batch > 65536 || !(s->lr > 0) ||
        !(s->momentum >= 0 && s->momentum < 1))
        return pd_error_set(err, PD_EINPUT, "%s: its batch, lr or momentum is out of range",
                            source);
    return PD_OK;
}

/* The test split's accuracy per exit, as a JSON object string for the weights' metadata. */
static pd_status record_result(const pd_train_job *j, pd_weights *w, pd_error *err)
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

pd_status pd_train_write_weights(const pd_train_job *j, const char *path, pd_error *err)
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
