/* Reads a JSON model description into a graph: parse, validate, infer shapes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/json_util.h"
#include "core/name_index.h"
#include "layer_type.h"
#include "predoff/graph.h"

#define MAX_DIM 1048576       /* any one side of the input */
#define MAX_ELEMS 1099511627776.0 /* 2^40 elements in one tensor or weight set */

static pd_status set_ints(pd_layer_params *p, const pd_param_desc *d, int64_t a, int64_t b,
                          int64_t c, int64_t e)
{
    char *base = (char *)p;
    *(int64_t *)(void *)(base + d->offset) = a;
    *(int64_t *)(void *)(base + d->more[0]) = b;
    if (d->kind == PD_PARAM_PADS) {
        *(int64_t *)(void *)(base + d->more[1]) = c;
        *(int64_t *)(void *)(base + d->more[2]) = e;
    }
    return PD_OK;
}

/* A number, or an array of 2 (PAIR, PADS) or 4 (PADS) numbers, each in d's range. */
static pd_status read_ints(const cJSON *item, const pd_param_desc *d, pd_layer_params *p,
                           pd_error *err)
{
    int64_t v[4];
    if (!cJSON_IsArray(item)) {
        if (pd_json_int(item, d->key, (int64_t)d->min, (int64_t)d->max, &v[0], err))
            return PD_EINPUT;
        return set_ints(p, d, v[0], v[0], v[0], v[0]);
    }
    int n = cJSON_GetArraySize(item);
    if (n != 2 && !(n == 4 && d->kind == PD_PARAM_PADS))
        return pd_error_set(err, PD_EINPUT, "field \"%s\" must be a number or %s", d->key,
                            d->kind == PD_PARAM_PADS ? "[h, w] or [top, left, bottom, right]"
                                                     : "[h, w]");
    for (int i = 0; i < n; i++)
        if (pd_json_int(cJSON_GetArrayItem(item, i), d->key, (int64_t)d->min, (int64_t)d->max,
                        &v[i], err))
            return PD_EINPUT;
    if (n == 2) /* [h, w]: top and bottom h, left and right w */
        return set_ints(p, d, v[0], v[1], v[0], v[1]);
    return set_ints(p, d, v[0], v[1], v[2], v[3]);
}

static pd_status read_param(const cJSON *obj, const pd_param_desc *d, pd_layer_params *p,
                            pd_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, d->key);
    char *slot = (char *)p + d->offset;
    if (!item) {
        if (d->required)
            return pd_error_set(err, PD_EINPUT, "missing field \"%s\"", d->key);
        switch (d->kind) {
        case PD_PARAM_INT:
        case PD_PARAM_ENUM: *(int64_t *)(void *)slot = (int64_t)d->def; break;
        case PD_PARAM_REAL: *(double *)(void *)slot = d->def; break;
        case PD_PARAM_BOOL: *(bool *)(void *)slot = d->def != 0.0; break;
        case PD_PARAM_PAIR:
        case PD_PARAM_PADS: return set_ints(p, d, (int64_t)d->def, (int64_t)d->def, (int64_t)d->def,
                                            (int64_t)d->def);
        }
        return PD_OK;
    }
    switch (d->kind) {
    case PD_PARAM_INT:
        return pd_json_int(item, d->key, (int64_t)d->min, (int64_t)d->max,
                           (int64_t *)(void *)slot, err);
    case PD_PARAM_REAL:
        return pd_json_real(item, d->key, d->min, d->max, (double *)(void *)slot, err);
    case PD_PARAM_BOOL:
        if (!cJSON_IsBool(item))
            return pd_error_set(err, PD_EINPUT, "field \"%s\" must be true or false", d->key);
        *(bool *)(void *)slot = cJSON_IsTrue(item);
        return PD_OK;
    case PD_PARAM_ENUM:
        if (cJSON_IsString(item))
            for (int64_t v = 0; d->names[v]; v++)
                if (strcmp(d->names[v], item->valuestring) == 0) {
                    *(int64_t *)(void *)slot = v;
                    return PD_OK;
                }
        return pd_error_set(err, PD_EINPUT, "field \"%s\" must be one of: %s%s%s", d->key,
                            d->names[0], d->names[1] ? ", " : "", d->names[1] ? d->names[1] : "");
    case PD_PARAM_PAIR:
    case PD_PARAM_PADS: return read_ints(item, d, p, err);
    }
    return PD_OK;
}

static pd_status read_exit(const cJSON *item, pd_layer *l, pd_error *err)
{
    static const char *const keys[] = {"accuracy", NULL};
    if (cJSON_IsBool(item)) {
        l->is_exit = cJSON_IsTrue(item);
        return PD_OK;
    }
    if (!cJSON_IsObject(item))
        return pd_error_set(err, PD_EINPUT, "field \"exit\" must be true, false or an object");
    if (pd_json_known_keys(item, keys, err))
        return pd_error_prefix(err, "exit");
    l->is_exit = true;
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(item, "accuracy");
    if (acc) {
        if (pd_json_real(acc, "exit.accuracy", 0.0, 1.0, &l->accuracy, err))
            return PD_EINPUT;
        l->has_accuracy = true;
    }
    return PD_OK;
}

/* Everything about layer i except its name, which the caller has set. */
static pd_status read_layer(const cJSON *obj, pd_graph *g, size_t i, const pd_name_index *names,
                            pd_error *err)
{
    static const char *const common[] = {"name", "type", "input", "exit"};
    pd_layer *l = &g->layers[i];
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!cJSON_IsString(type))
        return pd_error_set(err, PD_EINPUT, "missing field \"type\"");
    l->type = pd_layer_type_parse(type->valuestring);
    if (l->type == PD_LAYER_TYPE_COUNT)
        return pd_error_set(err, PD_EINPUT,
                            "unknown type \"%.64s\" (known: conv, relu, pool, lrn, dropout, fc)",
                            type->valuestring);
    const pd_layer_type_def *def = pd_layer_type_def_of(l->type);

    const char *allowed[4 + 8 + 1];
    size_t na = 0;
    for (size_t k = 0; k < 4; k++)
        allowed[na++] = common[k];
    for (size_t k = 0; k < def->n_params && na < 12; k++)
        allowed[na++] = def->params[k].key;
    allowed[na] = NULL;
    if (pd_json_known_keys(obj, allowed, err))
        return PD_EINPUT;

    for (size_t k = 0; k < def->n_params; k++)
        if (read_param(obj, &def->params[k], &l->p, err))
            return PD_EINPUT;

    const cJSON *input = cJSON_GetObjectItemCaseSensitive(obj, "input");
    if (input) {
        if (!cJSON_IsString(input))
            return pd_error_set(err, PD_EINPUT, "field \"input\" must be a layer name");
        /* names holds only the layers before this one: tell apart, for the message,
         * a layer reading itself and a parent listed after it from an unknown name */
        int32_t p = pd_name_index_get(names, input->valuestring);
        if (p < 0 && strcmp(input->valuestring, l->name) == 0)
            return pd_error_set(err, PD_EINPUT, "field \"input\": the layer reads itself (a cycle)");
        for (const cJSON *later = obj->next; p < 0 && later; later = later->next) {
            const cJSON *ln = cJSON_GetObjectItemCaseSensitive(later, "name");
            if (cJSON_IsString(ln) && strcmp(ln->valuestring, input->valuestring) == 0)
                return pd_error_set(err, PD_EINPUT,
                                    "field \"input\": parent \"%.64s\" is listed after it "
                                    "(parents come first; cycles are not allowed)",
                                    input->valuestring);
        }
        if (p < 0)
            return pd_error_set(err, PD_EINPUT, "field \"input\": unknown parent \"%.64s\"",
                                input->valuestring);
        l->parent = p;
    } else {
        l->parent = (int32_t)i - 1; /* the previous layer; -1 reads the network input */
    }
    l->in = l->parent < 0 ? g->input : g->layers[l->parent].out;

    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(obj, "exit");
    if (exit && read_exit(exit, l, err))
        return PD_EINPUT;

    if (def->infer(l, err))
        return PD_EINPUT;
    double elems = (double)l->out.c * (double)l->out.h * (double)l->out.w;
    if (elems > MAX_ELEMS)
        return pd_error_set(err, PD_EINPUT, "output of %g elements is beyond the limit of 2^40",
                            elems);
    if (pd_layer_weight_count(l) > MAX_ELEMS)
        return pd_error_set(err, PD_EINPUT, "%g weights are beyond the limit of 2^40",
                            pd_layer_weight_count(l));
    return PD_OK;
}

static pd_status read_input(const cJSON *item, pd_shape *s, pd_error *err)
{
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 3)
        return pd_error_set(err, PD_EINPUT,
                            "field \"input\" must be [channels, height, width]");
    int64_t d[3];
    for (int k = 0; k < 3; k++)
        if (pd_json_int(cJSON_GetArrayItem(item, k), "input", 1, MAX_DIM, &d[k], err))
            return PD_EINPUT;
    *s = (pd_shape){d[0], d[1], d[2]};
    return PD_OK;
}

/* Every layer must lead to an exit: a dangling layer is a mistake in the model. */
static pd_status check_reaches_exit(pd_graph *g, pd_error *err)
{
    bool *useful = calloc(g->n_layers, sizeof *useful);
    if (!useful)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = g->n_layers; i-- > 0;) {
        const pd_layer *l = &g->layers[i];
        if (l->is_exit)
            useful[i] = true;
        if (useful[i] && l->parent >= 0)
            useful[l->parent] = true;
    }
    pd_status st = PD_OK;
    for (size_t i = 0; i < g->n_layers && !st; i++)
        if (!useful[i])
            st = pd_error_set(err, PD_EINPUT, "layer \"%.64s\" leads to no exit",
                              g->layers[i].name);
    free(useful);
    return st;
}

static pd_status build(const cJSON *root, pd_graph *g, pd_error *err)
{
    static const char *const keys[] = {"name", "note", "input", "layers", NULL};
    if (!cJSON_IsObject(root))
        return pd_error_set(err, PD_EINPUT, "a model must be a JSON object");
    if (pd_json_known_keys(root, keys, err))
        return PD_EINPUT;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return pd_error_set(err, PD_EINPUT, "missing field \"name\"");
    if (!(g->name = pd_strdup(name->valuestring)))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(root, "note");
    if (note) {
        if (!cJSON_IsString(note))
            return pd_error_set(err, PD_EINPUT, "field \"note\" must be a string");
        if (!(g->note = pd_strdup(note->valuestring)))
            return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (!input)
        return pd_error_set(err, PD_EINPUT, "missing field \"input\"");
    if (read_input(input, &g->input, err))
        return PD_EINPUT;

    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) == 0)
        return pd_error_set(err, PD_EINPUT, "field \"layers\" must be a non-empty array");
    size_t n = (size_t)cJSON_GetArraySize(layers);
    if (n > (size_t)INT32_MAX / 4)
        return pd_error_set(err, PD_ELIMIT, "too many layers (%zu)", n);
    g->layers = calloc(n, sizeof *g->layers);
    g->exits = calloc(n, sizeof *g->exits);
    pd_name_index names;
    if (!g->layers || !g->exits || pd_name_index_init(&names, n))
        return pd_error_set(err, PD_ENOMEM, "out of memory");

    pd_status st = PD_OK;
    size_t i = 0;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, layers)
    {
        if (!cJSON_IsObject(obj)) {
            st = pd_error_set(err, PD_EINPUT, "layer %zu is not an object", i + 1);
            break;
        }
        const cJSON *lname = cJSON_GetObjectItemCaseSensitive(obj, "name");
        if (!cJSON_IsString(lname) || !lname->valuestring[0]) {
            st = pd_error_set(err, PD_EINPUT, "layer %zu: missing field \"name\"", i + 1);
            break;
        }
        g->n_layers = i + 1; /* so that pd_graph_free releases the name */
        if (!(g->layers[i].name = pd_strdup(lname->valuestring))) {
            st = pd_error_set(err, PD_ENOMEM, "out of memory");
            break;
        }
        if (read_layer(obj, g, i, &names, err)) {
            char where[128];
            snprintf(where, sizeof where, "layer \"%.64s\"", g->layers[i].name);
            st = pd_error_prefix(err, where);
            break;
        }
        if (pd_name_index_add(&names, g->layers[i].name, (int32_t)i)) {
            st = pd_error_set(err, PD_EINPUT, "layer \"%.64s\": duplicate name",
                              g->layers[i].name);
            break;
        }
        if (g->layers[i].is_exit)
            g->exits[g->n_exits++] = (int32_t)i;
        g->model_bytes += 4.0 * pd_layer_weight_count(&g->layers[i]);
        i++;
    }
    pd_name_index_free(&names);
    if (st)
        return st;
    if (g->n_exits == 0)
        return pd_error_set(err, PD_EINPUT, "the model has no exit (mark a layer with \"exit\")");
    return check_reaches_exit(g, err);
}

pd_status pd_graph_from_json(const char *text, size_t len, const char *source, pd_graph **out,
                             pd_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_graph *g = calloc(1, sizeof *g);
    pd_status st = g ? build(root, g, err) : pd_error_set(err, PD_ENOMEM, "out of memory");
    cJSON_Delete(root);
    if (st) {
        pd_graph_free(g);
        return pd_error_prefix(err, source);
    }
    *out = g;
    return PD_OK;
}
