/* Tier latency profiles: reading, validating and evaluating the linear models. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/str.h"
#include "core/file.h"
#include "core/json_util.h"
#include "predoff/profile.h"

#define MAX_ABS 1e12 /* coefficients beyond this are typing mistakes, not latency models */

static pd_status read_model(const cJSON *obj, pd_linear_model *m, pd_error *err)
{
    static const char *const keys[] = {"features", "coef", "intercept", NULL};
    if (!cJSON_IsObject(obj))
        return pd_error_set(err, PD_EINPUT, "must be an object with features, coef, intercept");
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
        if (m->features[i] == PD_FEATURE_COUNT)
            return pd_error_set(err, PD_EINPUT,
                                "unknown feature \"%.64s\" (known: in_elems, out_elems, in_bytes, "
                                "out_bytes, kernel_filters, kernel_filters_channels, macs, "
                                "weight_bytes, model_bytes, runtime_macs, transform_elems)",
                                f->valuestring);
        for (int j = 0; j < i; j++)
            if (m->features[j] == m->features[i])
                return pd_error_set(err, PD_EINPUT, "feature \"%s\" given twice",
                                    f->valuestring);
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

static pd_status build(const cJSON *root, pd_profile *p, pd_error *err)
{
    static const char *const keys[] = {"name", "note", "layers", "load", "parse", NULL};
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
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsObject(layers))
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
        pd_linear_model *m = k != PD_KIND_NONE ? &p->kind[k] : &p->layer[t];
        if (m->present)
            return pd_error_set(err, PD_EINPUT, "layers: \"%s\" given twice", it->string);
        if (read_model(it, m, err)) {
            char where[96];
            snprintf(where, sizeof where, "layers.%s", it->string);
            return pd_error_prefix(err, where);
        }
    }
    const char *extra[] = {"load", "parse"};
    pd_linear_model *slot[] = {&p->load, &p->parse};
    for (int k = 0; k < 2; k++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, extra[k]);
        if (m && read_model(m, slot[k], err))
            return pd_error_prefix(err, extra[k]);
    }
    return PD_OK;
}

pd_status pd_profile_from_json(const char *text, size_t len, const char *source,
                               pd_profile **out, pd_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_profile *p = calloc(1, sizeof *p);
    pd_status st = p ? build(root, p, err) : pd_error_set(err, PD_ENOMEM, "out of memory");
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
    st = pd_profile_from_json(text, len, name_or_path, out, err);
    free(text);
    return st;
}

void pd_profile_free(pd_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->note);
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

double pd_profile_layer_ms(const pd_profile *p, const pd_graph *g, size_t i)
{
    double f[PD_FEATURE_COUNT];
    for (int k = 0; k < PD_FEATURE_COUNT; k++)
        f[k] = pd_graph_feature(g, i, (pd_feature)k);
    const pd_layer *l = &g->layers[i];
    double t = pd_linear_predict(pd_profile_model_for(p, l->type, pd_layer_kind_of(l)), f);
    return t > 0.0 ? t : 0.0;
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

pd_status pd_profile_covers(const pd_profile *p, const pd_graph *g, pd_error *err)
{
    for (size_t i = 0; i < g->n_layers; i++) {
        pd_layer_type t = g->layers[i].type;
        pd_layer_kind kind = pd_layer_kind_of(&g->layers[i]);
        const pd_linear_model *m = pd_profile_model_for(p, t, kind);
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
        for (int k = 0; k < m->n && !g->engine_feature; k++)
            if (pd_feature_of_engine(m->features[k]))
                return pd_error_set(err, PD_EINPUT,
                                    "profile \"%s\": its \"%s\" model reads feature \"%s\", "
                                    "which only an inference engine gives, and model \"%s\" "
                                    "has no feature hook (pd_graph_set_feature_hook)",
                                    p->name,
                                    m == &p->kind[kind] ? pd_layer_kind_name(kind)
                                                        : pd_layer_type_name(t),
                                    pd_feature_name(m->features[k]), g->name);
    }
    return PD_OK;
}
