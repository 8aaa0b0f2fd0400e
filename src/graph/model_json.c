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

#define MAX_DIM 1048576 /* any one side of the input */

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

/* A number, or an array of 2 (PAIR, PADS) or 4 (PADS) numbers; for SHAPE an array of 3;
 * each in d's range. */
static pd_status read_ints(const cJSON *item, const pd_param_desc *d, pd_layer_params *p,
                           pd_error *err)
{
    int64_t v[4];
    if (d->kind == PD_PARAM_SHAPE && !cJSON_IsArray(item))
        return pd_error_set(err, PD_EINPUT, "field \"%s\" must be [channels, height, width]",
                            d->key);
    if (!cJSON_IsArray(item)) {
        if (pd_json_int(item, d->key, (int64_t)d->min, (int64_t)d->max, &v[0], err))
            return PD_EINPUT;
        return set_ints(p, d, v[0], v[0], v[0], v[0]);
    }
    int n = cJSON_GetArraySize(item);
    if (d->kind == PD_PARAM_SHAPE) {
        if (n != 3)
            return pd_error_set(err, PD_EINPUT, "field \"%s\" must be [channels, height, width]",
                                d->key);
        for (int i = 0; i < 3; i++)
            if (pd_json_int(cJSON_GetArrayItem(item, i), d->key, (int64_t)d->min,
                            (int64_t)d->max, &v[i], err))
                return PD_EINPUT;
        char *base = (char *)p;
        *(int64_t *)(void *)(base + d->offset) = v[0];
        *(int64_t *)(void *)(base + d->more[0]) = v[1];
        *(int64_t *)(void *)(base + d->more[1]) = v[2];
        return PD_OK;
    }
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
        case PD_PARAM_SHAPE: break; /* always required */
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
    case PD_PARAM_PADS:
    case PD_PARAM_SHAPE: return read_ints(item, d, p, err);
    }
    return PD_OK;
}

static pd_status read_exit(const cJSON *item, pd_layer_spec *l, pd_error *err)
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

#define MAX_INPUTS PD_GRAPH_MAX_INPUTS

/* The model's layers as JSON, with every name's first position: the reader sees the
 * whole list, to tell a cycle from a parent merely listed late. */
typedef struct layer_list {
    size_t n;
    const cJSON **obj;
    pd_name_index all;
} layer_list;

/* Calls fn on the positions of the layers that layer x reads (in the JSON, by name;
 * no field: the layer listed before it); stops when fn returns true. */
static bool any_parent(const layer_list *ls, size_t x, bool (*fn)(size_t, void *), void *ctx)
{
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(ls->obj[x], "input");
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(ls->obj[x], "inputs");
    if (!input && !inputs)
        return x > 0 && fn(x - 1, ctx);
    const cJSON *it;
    if (cJSON_IsString(input)) {
        int32_t y = pd_name_index_get(&ls->all, input->valuestring);
        if (y >= 0 && fn((size_t)y, ctx))
            return true;
    }
    if (cJSON_IsArray(inputs))
        cJSON_ArrayForEach(it, inputs)
        {
            int32_t y = cJSON_IsString(it) ? pd_name_index_get(&ls->all, it->valuestring) : -1;
            if (y >= 0 && fn((size_t)y, ctx))
                return true;
        }
    return false;
}

typedef struct reach_state {
    size_t target;
    bool *seen;
    size_t *stack, top;
} reach_state;

static bool reach_visit(size_t y, void *ctx)
{
    reach_state *r = ctx;
    if (y == r->target)
        return true;
    if (!r->seen[y]) {
        r->seen[y] = true;
        r->stack[r->top++] = y;
    }
    return false;
}

/* Whether layer `from` reads layer `target`, directly or through others (a cycle when
 * target reads from). -1 when out of memory. */
static int reaches(const layer_list *ls, size_t from, size_t target)
{
    reach_state r = {target, calloc(ls->n, sizeof *r.seen), malloc(ls->n * sizeof *r.stack), 0};
    int found = -1;
    if (r.seen && r.stack) {
        found = 0;
        r.seen[from] = true;
        r.stack[r.top++] = from;
        while (r.top && !found)
            found = any_parent(ls, r.stack[--r.top], reach_visit, &r);
    }
    free(r.seen);
    free(r.stack);
    return found;
}

/* One name in "input" or "inputs" of layer i: "@input", or a layer listed before it. */
static pd_status resolve_input(const layer_list *ls, const pd_graph_builder *before, size_t i,
                               const char *self, const char *field, const char *name,
                               int32_t *id, pd_error *err)
{
    if (strcmp(name, "@input") == 0) {
        *id = PD_TENSOR_INPUT;
        return PD_OK;
    }
    int32_t p = pd_graph_builder_find(before, name);
    if (p >= 0) {
        *id = p;
        return PD_OK;
    }
    if (strcmp(name, self) == 0)
        return pd_error_set(err, PD_EINPUT, "field \"%s\": the layer reads itself (a cycle)",
                            field);
    int32_t later = pd_name_index_get(&ls->all, name);
    if (later > (int32_t)i) {
        int r = reaches(ls, (size_t)later, i);
        if (r < 0)
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        if (r)
            return pd_error_set(err, PD_EINPUT,
                                "field \"%s\": a cycle: parent \"%.64s\" reads this layer "
                                "(directly or through others)",
                                field, name);
        return pd_error_set(err, PD_EINPUT,
                            "field \"%s\": parent \"%.64s\" is listed after it (parents come "
                            "before children)",
                            field, name);
    }
    return pd_error_set(err, PD_EINPUT, "field \"%s\": unknown parent \"%.64s\"", field, name);
}

/* Layer i's "input" (one name) or "inputs" (an array of names), or else the layer
 * listed before it (the network input for the first). */
static pd_status read_inputs(const cJSON *obj, const layer_list *ls,
                             const pd_graph_builder *before, size_t i, const char *self,
                             pd_layer_spec *l, int32_t **ids, pd_error *err)
{
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(obj, "input");
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(obj, "inputs");
    if (input && inputs)
        return pd_error_set(err, PD_EINPUT,
                            "fields \"input\" and \"inputs\" together: give one of them");
    size_t n = 1;
    if (input && !cJSON_IsString(input))
        return pd_error_set(err, PD_EINPUT,
                            "field \"input\" must be a layer name or \"@input\"");
    if (inputs) {
        int count = cJSON_IsArray(inputs) ? cJSON_GetArraySize(inputs) : 0;
        if (count < 1)
            return pd_error_set(err, PD_EINPUT,
                                "field \"inputs\" must be a non-empty array of layer names");
        if (count > MAX_INPUTS)
            return pd_error_set(err, PD_ELIMIT, "field \"inputs\": %d tensors; at most %d",
                                count, MAX_INPUTS);
        n = (size_t)count;
    }
    if (!(*ids = malloc(n * sizeof **ids)))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    l->inputs = *ids;
    l->n_inputs = n;
    if (input)
        return resolve_input(ls, before, i, self, "input", input->valuestring, &(*ids)[0],
                             err);
    if (!inputs) {
        (*ids)[0] = (int32_t)i - 1; /* the previous layer; -1 reads the network input */
        return PD_OK;
    }
    size_t j = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, inputs)
    {
        if (!cJSON_IsString(it))
            return pd_error_set(err, PD_EINPUT,
                                "field \"inputs\": entry %zu must be a layer name or \"@input\"",
                                j + 1);
        pd_status st =
            resolve_input(ls, before, i, self, "inputs", it->valuestring, &(*ids)[j++], err);
        if (st)
            return st;
    }
    return PD_OK;
}

/* Everything about layer i but its name, into l (*ids: its inputs, for the caller to free). */
static pd_status read_layer(const cJSON *obj, const pd_graph_builder *b, size_t i,
                            const layer_list *ls, pd_layer_spec *l, int32_t **ids, pd_error *err)
{
    static const char *const common[] = {"name", "type", "input", "inputs", "exit"};
    enum { N_COMMON = sizeof common / sizeof common[0], MAX_PARAMS = 8 };
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!cJSON_IsString(type))
        return pd_error_set(err, PD_EINPUT, "missing field \"type\"");
    l->type = pd_layer_type_parse(type->valuestring);
    if (l->type == PD_LAYER_TYPE_COUNT) {
        char known[256];
        size_t at = 0;
        for (int t = 0; t < PD_LAYER_TYPE_COUNT && at < sizeof known; t++)
            at += (size_t)snprintf(known + at, sizeof known - at, "%s%s", t ? ", " : "",
                                   pd_layer_type_name((pd_layer_type)t));
        return pd_error_set(err, PD_EINPUT, "unknown type \"%.64s\" (known: %s)",
                            type->valuestring, known);
    }
    const pd_layer_type_def *def = pd_layer_type_def_of(l->type);

    const char *allowed[N_COMMON + MAX_PARAMS + 1];
    size_t na = 0;
    for (size_t k = 0; k < N_COMMON; k++)
        allowed[na++] = common[k];
    for (size_t k = 0; k < def->n_params && na < N_COMMON + MAX_PARAMS; k++)
        allowed[na++] = def->params[k].key;
    allowed[na] = NULL;
    if (pd_json_known_keys(obj, allowed, err))
        return PD_EINPUT;

    pd_layer_params_default(l->type, &l->p);
    for (size_t k = 0; k < def->n_params; k++)
        if (read_param(obj, &def->params[k], &l->p, err))
            return PD_EINPUT;

    pd_status st = read_inputs(obj, ls, b, i, l->name, l, ids, err);
    if (st)
        return st;

    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(obj, "exit");
    if (exit && read_exit(exit, l, err))
        return PD_EINPUT;
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

static pd_status build(const cJSON *root, pd_graph **out, pd_error *err)
{
    static const char *const keys[] = {"name", "note", "input", "layers", NULL};
    if (!cJSON_IsObject(root))
        return pd_error_set(err, PD_EINPUT, "a model must be a JSON object");
    if (pd_json_known_keys(root, keys, err))
        return PD_EINPUT;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return pd_error_set(err, PD_EINPUT, "missing field \"name\"");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(root, "note");
    if (note && !cJSON_IsString(note))
        return pd_error_set(err, PD_EINPUT, "field \"note\" must be a string");
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (!input)
        return pd_error_set(err, PD_EINPUT, "missing field \"input\"");
    pd_shape in;
    if (read_input(input, &in, err))
        return PD_EINPUT;

    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) == 0)
        return pd_error_set(err, PD_EINPUT, "field \"layers\" must be a non-empty array");
    size_t n = (size_t)cJSON_GetArraySize(layers);
    if (n > (size_t)INT32_MAX / 4)
        return pd_error_set(err, PD_ELIMIT, "too many layers (%zu)", n);
    pd_graph_builder *b = NULL;
    pd_status st = pd_graph_builder_new(name->valuestring, note ? note->valuestring : NULL, in,
                                        n, &b, err);
    if (st)
        return st;
    layer_list ls = {n, calloc(n, sizeof *ls.obj), {0}};
    if (!ls.obj || pd_name_index_init(&ls.all, n)) {
        free(ls.obj);
        pd_graph_builder_free(b);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t at = 0;
    const cJSON *each;
    cJSON_ArrayForEach(each, layers)
    {
        const cJSON *ln = cJSON_GetObjectItemCaseSensitive(each, "name");
        ls.obj[at] = each;
        if (cJSON_IsString(ln))
            (void)pd_name_index_add(&ls.all, ln->valuestring, (int32_t)at); /* first one kept */
        at++;
    }

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
        pd_layer_spec spec = {.name = lname->valuestring};
        int32_t *ids = NULL;
        if (strcmp(lname->valuestring, "@input") != 0 &&
            read_layer(obj, b, i, &ls, &spec, &ids, err)) {
            char where[128];
            snprintf(where, sizeof where, "layer \"%.64s\"", lname->valuestring);
            st = pd_error_prefix(err, where);
            free(ids);
            break;
        }
        st = pd_graph_builder_add(b, &spec, err);
        free(ids);
        if (st)
            break;
        i++;
    }
    pd_name_index_free(&ls.all);
    free(ls.obj);
    if (st) {
        pd_graph_builder_free(b);
        return st;
    }
    return pd_graph_builder_finish(b, out, err);
}

pd_status pd_graph_from_json(const char *text, size_t len, const char *source, pd_graph **out,
                             pd_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_status st = build(root, out, err);
    cJSON_Delete(root);
    if (st)
        return pd_error_prefix(err, source);
    return PD_OK;
}
