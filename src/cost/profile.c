/* Tier latency profiles: reading, validating and evaluating the linear models. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "core/file.h"
#include "core/json_util.h"
#include "cost/boosted.h"
#include "predoff/profile.h"

#define MAX_ABS 1e12 /* coefficients beyond this are typing mistakes, not latency models */

/* A linear model {features, coef, intercept}, or with dir (not NULL when the profile is a
 * file) and a "model" field, a boosted one. */
static pd_status read_model(const cJSON *obj, const char *dir, int boosted_ok,
                            pd_linear_model *m, pd_error *err)
{
    static const char *const keys[] = {"features", "coef", "intercept", NULL};
    if (!cJSON_IsObject(obj))
        return pd_error_set(err, PD_EINPUT, "must be an object with features, coef, intercept");
    if (boosted_ok && cJSON_GetObjectItemCaseSensitive(obj, "model"))
        return pd_profile_read_boosted(obj, dir, m, err);
    if (pd_json_known_keys(obj, keys, err))
        return PD_EINPUT;
    const cJSON *feats = cJSON_GetObjectItemCaseSensitive(obj, "features");
    const cJSON *coef = cJSON_GetObjectItemCaseSensitive(obj, "coef");
    const cJSON *icpt = cJSON_GetObjectItemCaseSensitive(obj, "intercept");
    if (!cJSON_IsArray(feats))
        return pd_error_set(err, PD_EINPUT, "field \"features\" must be an array of names");
    if (!cJSON_IsArray(coef))
        return pd_error_set(err, PD_EINPUT, "field \"coef\" must be an array of numbers");
    int n = cJSON_GetArraySize(feats);
    if (n > PD_FEATURE_COUNT)
        return pd_error_set(err, PD_EINPUT, "%d features; at most %d", n, PD_FEATURE_COUNT);
    if (cJSON_GetArraySize(coef) != n)
        return pd_error_set(err, PD_EINPUT, "%d features but %d coefficients", n,
                            cJSON_GetArraySize(coef));
    m->n = n;
    for (int i = 0; i < n; i++) {
        const cJSON *f = cJSON_GetArrayItem(feats, i);
        if (!cJSON_IsString(f))
            return pd_error_set(err, PD_EINPUT, "field \"features\" must hold names");
        m->features[i] = pd_feature_parse(f->valuestring);
        if (m->features[i] == PD_FEATURE_COUNT) {
            char known[512];
            size_t at = 0;
            for (int k = 0; k < PD_FEATURE_COUNT && at < sizeof known; k++)
                at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", k ? ", " : "",
                                       pd_feature_name((pd_feature)k));
            return pd_error_set(err, PD_EINPUT, "unknown feature \"%.64s\" (known: %s)",
                                f->valuestring, known);
        }
        for (int j = 0; j < i; j++)
            if (m->features[j] == m->features[i])
                return pd_error_set(err, PD_EINPUT, "feature \"%s\" given twice",
                                    f->valuestring);
        if (m->features[i] == PD_FEAT_RUN_MS) /* no graph gives it: only the trees' settling */
            return pd_error_set(err, PD_EINPUT,
                                "features: \"run_ms\" is read by boosted trees alone (a run's "
                                "time comes from the prediction's own sums; predoff fit "
                                "--model boosted)");
        if (pd_json_real(cJSON_GetArrayItem(coef, i), "coef", -MAX_ABS, MAX_ABS, &m->coef[i],
                         err))
            return PD_EINPUT;
    }
    if (!icpt)
        return pd_error_set(err, PD_EINPUT, "missing field \"intercept\"");
    if (pd_json_real(icpt, "intercept", -MAX_ABS, MAX_ABS, &m->intercept, err))
        return PD_EINPUT;
    m->present = true;
    return PD_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const pd_measured_layer *const *)a)->layer,
                  (*(const pd_measured_layer *const *)b)->layer);
}

static void measured_free(pd_measured_model *m)
{
    for (size_t i = 0; m->layer && i < m->n; i++)
        free(m->layer[i].layer);
    free(m->layer);
    free(m->by_name);
    free(m->model);
}

static pd_status check_name(const char *name, const char *what, const char *model,
                            pd_error *err)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return model ? pd_error_set(err, PD_EINPUT, "measured.%.64s: a layer name is empty",
                                    model)
                     : pd_error_set(err, PD_EINPUT, "measured: a model name is empty");
    if (len > PD_MEASURED_MAX_NAME)
        return pd_error_set(err, PD_EINPUT, "measured: %s name \"%.64s...\" of %zu bytes: at "
                            "most %d", what, name, len, PD_MEASURED_MAX_NAME);
    return PD_OK;
}

pd_status pd_profile_add_measured(pd_profile *p, const char *model, size_t n,
                                  const char *const *layers, const double *ms, pd_error *err)
{
    if (check_name(model, "a model", NULL, err))
        return PD_EINPUT;
    if (pd_profile_measured_for(p, model))
        return pd_error_set(err, PD_EINPUT, "measured: model \"%.64s\" given twice", model);
    if (p->n_measured >= PD_MEASURED_MAX_MODELS)
        return pd_error_set(err, PD_EINPUT, "measured: more than %d models",
                            PD_MEASURED_MAX_MODELS);
    if (n == 0)
        return pd_error_set(err, PD_EINPUT, "measured.%.64s: no layers (give each layer's time "
                            "in ms)", model);
    if (n > PD_MEASURED_MAX_LAYERS)
        return pd_error_set(err, PD_EINPUT, "measured.%.64s: %zu layers; at most %d", model, n,
                            PD_MEASURED_MAX_LAYERS);
    for (size_t i = 0; i < n; i++) {
        if (check_name(layers[i], "a layer", model, err))
            return PD_EINPUT;
        if (!(ms[i] >= 0.0 && ms[i] <= PD_MEASURED_MAX_MS)) /* NaN fails both */
            return pd_error_set(err, PD_EINPUT, "measured.%.64s.%.64s: %g is not a time in "
                                "[0, %g] ms", model, layers[i], ms[i], PD_MEASURED_MAX_MS);
    }
    pd_measured_model m = {.n = n};
    pd_measured_model *more = realloc(p->measured, (p->n_measured + 1) * sizeof *more);
    if (!more)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    p->measured = more;
    if (!(m.model = pd_strdup(model)) || !(m.layer = calloc(n, sizeof *m.layer)) ||
        !(m.by_name = malloc(n * sizeof *m.by_name))) {
        measured_free(&m);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    const pd_measured_layer **sorted = malloc(n * sizeof *sorted);
    for (size_t i = 0; sorted && i < n; i++) {
        m.layer[i].ms = ms[i];
        sorted[i] = &m.layer[i];
        if (!(m.layer[i].layer = pd_strdup(layers[i]))) {
            free(sorted);
            sorted = NULL;
        }
    }
    if (!sorted) {
        measured_free(&m);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    qsort(sorted, n, sizeof *sorted, by_name);
    for (size_t i = 0; i < n; i++)
        m.by_name[i] = (size_t)(sorted[i] - m.layer);
    free(sorted);
    for (size_t i = 1; i < n; i++) {
        const char *a = m.layer[m.by_name[i - 1]].layer, *b = m.layer[m.by_name[i]].layer;
        if (strcmp(a, b) == 0) {
            pd_error_set(err, PD_EINPUT, "measured.%.64s: layer \"%.64s\" given twice", model, b);
            measured_free(&m);
            return PD_EINPUT;
        }
    }
    p->measured[p->n_measured++] = m;
    return PD_OK;
}

/* "measured": {MODEL: {LAYER: MS, ...}, ...} */
static pd_status read_measured(const cJSON *obj, pd_profile *p, pd_error *err)
{
    if (!cJSON_IsObject(obj))
        return pd_error_set(err, PD_EINPUT, "field \"measured\" must be an object: model name -> "
                            "{layer name: time in ms}");
    const cJSON *model;
    cJSON_ArrayForEach(model, obj)
    {
        const char *name = model->string ? model->string : "";
        if (!cJSON_IsObject(model))
            return pd_error_set(err, PD_EINPUT, "measured.%.64s must be an object: layer name -> "
                                "time in ms", name);
        int count = cJSON_GetArraySize(model);
        if (count > PD_MEASURED_MAX_LAYERS)
            return pd_error_set(err, PD_EINPUT, "measured.%.64s: %d layers; at most %d", name,
                                count, PD_MEASURED_MAX_LAYERS);
        size_t n = count > 0 ? (size_t)count : 0;
        const char **layers = malloc((n ? n : 1) * sizeof *layers);
        double *ms = malloc((n ? n : 1) * sizeof *ms);
        pd_status st = layers && ms ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
        size_t i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, model)
        {
            if (st || i == n)
                break;
            layers[i] = it->string ? it->string : "";
            if (!cJSON_IsNumber(it))
                st = pd_error_set(err, PD_EINPUT, "measured.%.64s.%.64s must be a number (the "
                                  "layer's time in ms)", name, layers[i]);
            ms[i++] = cJSON_IsNumber(it) ? it->valuedouble : 0.0;
        }
        if (!st)
            st = pd_profile_add_measured(p, name, i, layers, ms, err);
        free(layers);
        free(ms);
        if (st)
            return st;
    }
    return PD_OK;
}

static pd_status build(const cJSON *root, const char *dir, pd_profile *p, pd_error *err)
{
    static const char *const keys[] = {"name", "note", "fuses", "layers", "load", "parse",
                                       "measured", NULL};
    if (!cJSON_IsObject(root))
        return pd_error_set(err, PD_EINPUT, "a profile must be a JSON object");
    if (pd_json_known_keys(root, keys, err))
        return PD_EINPUT;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return pd_error_set(err, PD_EINPUT, "missing field \"name\"");
    if (!(p->name = pd_strdup(name->valuestring)))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(root, "note");
    if (note) {
        if (!cJSON_IsString(note))
            return pd_error_set(err, PD_EINPUT, "field \"note\" must be a string");
        if (!(p->note = pd_strdup(note->valuestring)))
            return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    const cJSON *fuses = cJSON_GetObjectItemCaseSensitive(root, "fuses");
    if (fuses && !cJSON_IsBool(fuses))
        return pd_error_set(err, PD_EINPUT, "field \"fuses\" must be true or false");
    p->fuses = cJSON_IsTrue(fuses);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    const cJSON *measured = cJSON_GetObjectItemCaseSensitive(root, "measured");
    if (!layers && !measured)
        return pd_error_set(err, PD_EINPUT, "missing field \"layers\" (latency models by layer "
                            "type) or \"measured\" (times by layer), or both");
    if (layers && !cJSON_IsObject(layers))
        return pd_error_set(err, PD_EINPUT, "field \"layers\" must be an object of layer types");
    const cJSON *it;
    cJSON_ArrayForEach(it, layers)
    {
        pd_layer_type t = pd_layer_type_parse(it->string);
        pd_layer_kind k = t == PD_LAYER_TYPE_COUNT ? pd_layer_kind_parse(it->string)
                                                    : PD_KIND_NONE;
        if (t == PD_LAYER_TYPE_COUNT && k == PD_LAYER_KIND_COUNT)
            return pd_error_set(err, PD_EINPUT,
                                "layers: unknown layer type or kind \"%.64s\" (kinds: %s; "
                                "types: predoff show lists them)",
                                it->string, pd_layer_kind_names());
        if (t == PD_LAYER_OPAQUE)
            return pd_error_set(err, PD_EINPUT, "layers: \"opaque\" cannot have a latency model: "
                                "an opaque layer's time comes from a \"measured\" table");
        pd_linear_model *m = k != PD_KIND_NONE ? &p->kind[k] : &p->layer[t];
        if (m->present)
            return pd_error_set(err, PD_EINPUT, "layers: \"%s\" given twice", it->string);
        if (read_model(it, dir, 1, m, err)) {
            char where[96];
            snprintf(where, sizeof where, "layers.%s", it->string);
            return pd_error_prefix(err, where);
        }
    }
    const char *extra[] = {"load", "parse"};
    pd_linear_model *slot[] = {&p->load, &p->parse};
    for (int k = 0; k < 2; k++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, extra[k]);
        if (m && read_model(m, NULL, 0, slot[k], err))
            return pd_error_prefix(err, extra[k]);
    }
    return measured ? read_measured(measured, p, err) : PD_OK;
}

pd_status pd_profile_from_json(const char *text, size_t len, const char *source,
                               pd_profile **out, pd_error *err)
{
    return pd_profile_from_json_in(text, len, source, NULL, out, err);
}

pd_status pd_profile_from_json_in(const char *text, size_t len, const char *source,
                                  const char *dir, pd_profile **out, pd_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_profile *p = calloc(1, sizeof *p);
    pd_status st = p ? build(root, dir, p, err) : pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st && source && !(p->source = pd_strdup(source)))
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    cJSON_Delete(root);
    if (st) {
        pd_profile_free(p);
        return pd_error_prefix(err, source);
    }
    *out = p;
    return PD_OK;
}

pd_status pd_profile_open(const char *name_or_path, pd_profile **out, pd_error *err)
{
    size_t n;
    const pd_preset_profile *pre = pd_preset_profiles(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(pre[i].name, name_or_path) == 0)
            return pd_profile_from_json(pre[i].json, pre[i].json_len, pre[i].name, out, err);
    *out = NULL;
    if (!strchr(name_or_path, '/') && !strstr(name_or_path, ".json") &&
        access(name_or_path, F_OK) != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: no such preset profile or file (predoff profiles lists them)",
                            name_or_path);
    char *text = NULL;
    size_t len = 0;
    pd_status st = pd_read_file(name_or_path, PD_MAX_TEXT_FILE, &text, &len, err);
    if (st)
        return st;
    const char *slash = strrchr(name_or_path, '/'); /* its boosted models lie beside it */
    char *dir = pd_strdup(name_or_path);
    if (!dir) {
        free(text);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    dir[slash ? (size_t)(slash - name_or_path) + 1 : 0] = '\0';
    st = pd_profile_from_json_in(text, len, name_or_path, dir, out, err);
    free(dir);
    free(text);
    return st;
}

void pd_profile_free(pd_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->note);
    free(p->source);
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        pd_boosted_free(p->layer[t].boosted);
    for (int k = 0; k < PD_LAYER_KIND_COUNT; k++)
        pd_boosted_free(p->kind[k].boosted);
    for (size_t m = 0; m < p->n_measured; m++)
        measured_free(&p->measured[m]);
    free(p->measured);
    free(p);
}

double pd_linear_predict(const pd_linear_model *m, const double features[PD_FEATURE_COUNT])
{
    double t = m->intercept;
    for (int i = 0; i < m->n; i++)
        t += m->coef[i] * features[m->features[i]];
    return t;
}

const pd_linear_model *pd_profile_model_for(const pd_profile *p, pd_layer_type t, pd_layer_kind k)
{
    if ((unsigned)k < PD_LAYER_KIND_COUNT && p->kind[k].present)
        return &p->kind[k];
    return &p->layer[t];
}

const pd_measured_model *pd_profile_measured_for(const pd_profile *p, const char *model)
{
    for (size_t m = 0; m < p->n_measured; m++)
        if (strcmp(p->measured[m].model, model) == 0)
            return &p->measured[m];
    return NULL;
}

static const pd_measured_layer *find_layer(const pd_measured_model *t, const char *layer)
{
    for (size_t lo = 0, hi = t ? t->n : 0; lo < hi;) { /* binary search over by_name */
        size_t mid = lo + (hi - lo) / 2;
        const pd_measured_layer *l = &t->layer[t->by_name[mid]];
        int c = strcmp(layer, l->layer);
        if (c == 0)
            return l;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool pd_measured_find(const pd_measured_model *t, const char *layer, double *ms)
{
    const pd_measured_layer *l = find_layer(t, layer);
    if (l)
        *ms = l->ms;
    return l != NULL;
}

bool pd_profile_measured_ms(const pd_profile *p, const pd_graph *g, size_t i, double *ms)
{
    return p->n_measured &&
           pd_measured_find(pd_profile_measured_for(p, g->name), g->layers[i].name, ms);
}

/* How many of g's layers table t (may be NULL) has times for. */
static size_t count_in(const pd_measured_model *t, const pd_graph *g)
{
    size_t n = 0;
    for (size_t i = 0; t && i < g->n_layers; i++)
        n += find_layer(t, g->layers[i].name) != NULL;
    return n;
}

size_t pd_profile_measured_count(const pd_profile *p, const pd_graph *g)
{
    return count_in(pd_profile_measured_for(p, g->name), g);
}

double pd_profile_layer_ms(const pd_profile *p, const pd_graph *g, size_t i)
{
    double ms;
    if (pd_profile_measured_ms(p, g, i, &ms))
        return ms; /* as measured: cost-model.md, "Compute time" */
    const pd_layer *l = &g->layers[i];
    const pd_linear_model *m = pd_profile_model_for(p, l->type, pd_layer_kind_of(l));
    if (m->boosted) { /* one row; pd_profile_layers_ms predicts many at once */
        int n;
        const int *cols = pd_boosted_columns(m->boosted, &n);
        double x[PD_COLUMN_COUNT], t;
        for (int k = 0; k < n; k++)
            x[k] = pd_graph_column(g, i, cols[k]);
        pd_error ignored;
        return pd_boosted_predict(m->boosted, x, 1, &t, &ignored) ? NAN : t;
    }
    double f[PD_FEATURE_COUNT];
    for (int k = 0; k < PD_FEATURE_COUNT; k++)
        f[k] = pd_graph_feature(g, i, (pd_feature)k);
    double t = pd_linear_predict(m, f);
    return t > 0.0 ? t : 0.0;
}

pd_status pd_profile_read_linear(const cJSON *obj, pd_linear_model *m, pd_error *err)
{
    return read_model(obj, NULL, 0, m, err);
}

/* ", x86-1core, x86-2core" into buf: the built-in profiles with a model for type t (any
 * kind of t's will do only together with the type's, so the type's is what counts). */
static void presets_with(pd_layer_type t, char *buf, size_t n)
{
    size_t count, len = 0;
    const pd_preset_profile *pre = pd_preset_profiles(&count);
    buf[0] = '\0';
    for (size_t i = 0; i < count && len < n; i++) {
        pd_profile *q;
        pd_error ignored;
        if (pd_profile_from_json(pre[i].json, pre[i].json_len, pre[i].name, &q, &ignored))
            continue;
        if (q->layer[t].present)
            len += (size_t)snprintf(buf + len, n - len, ", %s", pre[i].name);
        pd_profile_free(q);
    }
}

/* The first layer of table t that g lacks, or NULL: every name of t is g's exactly when as
 * many of g's (unique) names are in t as t has. */
static const char *layer_not_in(const pd_measured_model *t, const pd_graph *g)
{
    if (count_in(t, g) == t->n)
        return NULL;
    for (size_t k = 0; k < t->n; k++) /* the error's path: the slow search is fine */
        if (pd_graph_find(g, t->layer[k].layer) < 0)
            return t->layer[k].layer;
    return NULL;
}

/* ": its measured tables are for \"a\", \"b\"" into buf, or "" when p has none. */
static void tables_of(const pd_profile *p, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t m = 0; m < p->n_measured && len < n; m++)
        len += (size_t)snprintf(buf + len, n - len, "%s\"%.32s\"",
                                m ? ", " : "; its measured tables are for models ",
                                p->measured[m].model);
}

pd_status pd_profile_covers(const pd_profile *p, const pd_graph *g, pd_error *err)
{
    const pd_measured_model *table = pd_profile_measured_for(p, g->name);
    const char *file = p->source ? p->source : p->name;
    char in_file[160] = ""; /* " (FILE)" when the profile's name is not its file's */
    if (strcmp(file, p->name) != 0)
        snprintf(in_file, sizeof in_file, " (%.128s)", file);
    const char *lacking = table ? layer_not_in(table, g) : NULL;
    if (lacking)
        return pd_error_set(err, PD_EINPUT,
                            "%.128s: the measured table of model \"%.64s\" names layer "
                            "\"%.64s\", which the model lacks (predoff show lists its layers)",
                            file, g->name, lacking);
    for (size_t i = 0; i < g->n_layers; i++) {
        if (find_layer(table, g->layers[i].name))
            continue; /* measured: no model needed */
        pd_layer_type t = g->layers[i].type;
        pd_layer_kind kind = pd_layer_kind_of(&g->layers[i]);
        if (t == PD_LAYER_OPAQUE) {
            char tables[160];
            tables_of(p, tables, sizeof tables);
            return pd_error_set(err, PD_EINPUT,
                                "profile \"%.64s\"%s has no measured time for layer "
                                "\"%.64s\" of model \"%.64s\", which is opaque: give it in "
                                "the profile's \"measured\" table under \"%.64s\"%s",
                                p->name, in_file, g->layers[i].name, g->name, g->name, tables);
        }
        const pd_linear_model *m = pd_profile_model_for(p, t, kind);
        if (!m->present && p->n_measured) {
            char tables[160];
            tables_of(p, tables, sizeof tables);
            return pd_error_set(err, PD_EINPUT,
                                "profile \"%.64s\"%s has no measured time for layer "
                                "\"%.64s\" of model \"%.64s\" and no model for its type "
                                "\"%s\"%s%s",
                                p->name, in_file, g->layers[i].name, g->name,
                                pd_layer_type_name(t), table ? "" : tables,
                                table ? "" : " (a table applies to the model of its name)");
        }
        if (!m->present) {
            char with[256];
            presets_with(t, with, sizeof with);
            return pd_error_set(
                err, PD_EINPUT,
                "profile \"%s\" has no model for layer type \"%s\", which model \"%s\" uses "
                "(layer \"%.64s\"); use a profile that has one (%s%s) or fit one for this "
                "machine: predoff profile MODEL -o T.csv && predoff fit T.csv --features auto "
                "-o T.json",
                p->name, pd_layer_type_name(t), g->name, g->layers[i].name,
                with[0] ? "built in: " : "none is built in", with[0] ? with + 2 : "");
        }
        int n_cols = m->n;
        const int *cols = m->boosted ? pd_boosted_columns(m->boosted, &n_cols) : NULL;
        for (int k = 0; k < n_cols && !g->engine; k++) {
            int c = cols ? cols[k] : (int)m->features[k];
            if (c < PD_FEATURE_COUNT && pd_feature_of_engine((pd_feature)c))
                return pd_error_set(err, PD_EINPUT,
                                    "profile \"%s\": its \"%s\" model reads feature \"%s\", "
                                    "which only an inference engine gives, and model \"%s\" "
                                    "has no feature hook (pd_graph_set_feature_hook)",
                                    p->name,
                                    m == &p->kind[kind] ? pd_layer_kind_name(kind)
                                                        : pd_layer_type_name(t),
                                    pd_column_name(c), g->name);
        }
    }
    return PD_OK;
}
