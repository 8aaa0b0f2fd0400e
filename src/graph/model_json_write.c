/* Writes a graph as the JSON model description that model_json.c reads back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "layer_type.h"
#include "predoff/graph.h"

/* cJSON prints 15 digits when they come within its tolerance: 17 read back exactly. */
static cJSON *exact_number(double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static int64_t int_at(const pd_layer_params *p, size_t offset)
{
    return *(const int64_t *)(const void *)((const char *)p + offset);
}

/* A parameter as JSON, or NULL (out of memory); *skip when it is the default and may be
 * left out (a global pool's kernel 0 could not be written as a value). */
static cJSON *param_json(const pd_param_desc *d, const pd_layer_params *p, bool *skip)
{
    const char *slot = (const char *)p + d->offset;
    *skip = false;
    switch (d->kind) {
    case PD_PARAM_INT:
        *skip = !d->required && int_at(p, d->offset) == (int64_t)d->def;
        return cJSON_CreateNumber((double)int_at(p, d->offset));
    case PD_PARAM_ENUM: return cJSON_CreateString(d->names[int_at(p, d->offset)]);
    case PD_PARAM_REAL: {
        double v = *(const double *)(const void *)slot;
        *skip = !d->required && v == d->def;
        return exact_number(v);
    }
    case PD_PARAM_BOOL: return cJSON_CreateBool(*(const bool *)(const void *)slot);
    case PD_PARAM_SHAPE: {
        cJSON *a = cJSON_CreateArray();
        for (int k = 0; a && k < 3; k++)
            if (!cJSON_AddItemToArray(
                    a, cJSON_CreateNumber((double)int_at(p, k ? d->more[k - 1] : d->offset)))) {
                cJSON_Delete(a);
                return NULL;
            }
        return a;
    }
    case PD_PARAM_PAIR:
    case PD_PARAM_PADS: {
        int64_t v[4] = {int_at(p, d->offset), int_at(p, d->more[0]), 0, 0};
        int n = 2;
        if (d->kind == PD_PARAM_PADS) {
            v[2] = int_at(p, d->more[1]);
            v[3] = int_at(p, d->more[2]);
            n = v[2] == v[0] && v[3] == v[1] ? 2 : 4;
        }
        if (v[0] == v[1] && (n == 2)) {
            *skip = !d->required && v[0] == (int64_t)d->def;
            return cJSON_CreateNumber((double)v[0]);
        }
        cJSON *a = cJSON_CreateArray();
        for (int k = 0; a && k < n; k++)
            if (!cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[k]))) {
                cJSON_Delete(a);
                return NULL;
            }
        return a;
    }
    }
    return NULL;
}

static cJSON *layer_json(const pd_graph *g, const pd_layer *l)
{
    const pd_layer_type_def *def = pd_layer_type_def_of(l->type);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "name", l->name) ||
        !cJSON_AddStringToObject(o, "type", def->name))
        goto fail;
    for (size_t k = 0; k < def->n_params; k++) {
        bool skip;
        cJSON *v = param_json(&def->params[k], &l->p, &skip);
        if (!v)
            goto fail;
        if (skip)
            cJSON_Delete(v);
        else if (!cJSON_AddItemToObject(o, def->params[k].key, v)) {
            cJSON_Delete(v);
            goto fail;
        }
    }
    cJSON *in = l->n_inputs == 1 ? NULL : cJSON_AddArrayToObject(o, "inputs");
    if (l->n_inputs != 1 && !in)
        goto fail;
    for (size_t j = 0; j < l->n_inputs; j++) {
        const char *name = l->inputs[j] < 0 ? "@input" : g->layers[l->inputs[j]].name;
        if (l->n_inputs == 1 ? !cJSON_AddStringToObject(o, "input", name)
                             : !cJSON_AddItemToArray(in, cJSON_CreateString(name)))
            goto fail;
    }
    if (l->is_exit) {
        cJSON *e = cJSON_AddObjectToObject(o, "exit");
        if (!e || (l->has_accuracy && !cJSON_AddItemToObject(e, "accuracy", exact_number(l->accuracy))))
            goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

pd_status pd_graph_to_json(const pd_graph *g, char **out, pd_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject(), *input = NULL, *layers = NULL;
    bool ok = root && cJSON_AddStringToObject(root, "name", g->name) &&
              (!g->note || cJSON_AddStringToObject(root, "note", g->note)) &&
              (input = cJSON_AddArrayToObject(root, "input")) &&
              cJSON_AddItemToArray(input, cJSON_CreateNumber((double)g->input.c)) &&
              cJSON_AddItemToArray(input, cJSON_CreateNumber((double)g->input.h)) &&
              cJSON_AddItemToArray(input, cJSON_CreateNumber((double)g->input.w)) &&
              (layers = cJSON_AddArrayToObject(root, "layers"));
    for (size_t i = 0; ok && i < g->n_layers; i++) {
        cJSON *l = layer_json(g, &g->layers[i]);
        ok = l && cJSON_AddItemToArray(layers, l);
        if (l && !ok)
            cJSON_Delete(l);
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    *out = text;
    return PD_OK;
}
