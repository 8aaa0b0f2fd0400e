/* Builds a graph layer by layer, checking each as it comes: the one constructor that every
 * model reader (JSON, ONNX) goes through, so that they validate alike. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/name_index.h"
#include "core/str.h"
#include "layer_type.h"
#include "predoff/graph.h"

#define MAX_DIM 1048576           /* any one side of the input */
#define MAX_ELEMS 1099511627776.0 /* 2^40 elements in one tensor or weight set */

struct pd_graph_builder {
    pd_graph *g;
    size_t cap;
    pd_name_index names;
};

pd_status pd_graph_builder_new(const char *name, const char *note, pd_shape input,
                               size_t max_layers, pd_graph_builder **out, pd_error *err)
{
    *out = NULL;
    if (!name || !name[0])
        return pd_error_set(err, PD_EINPUT, "missing field \"name\"");
    if (input.c < 1 || input.h < 1 || input.w < 1 || input.c > MAX_DIM || input.h > MAX_DIM ||
        input.w > MAX_DIM)
        return pd_error_set(err, PD_EINPUT,
                            "input [%lld, %lld, %lld]: each side must be in 1..%d",
                            (long long)input.c, (long long)input.h, (long long)input.w, MAX_DIM);
    if (max_layers == 0)
        return pd_error_set(err, PD_EINPUT, "a model needs at least one layer");
    if (max_layers > (size_t)INT32_MAX / 4)
        return pd_error_set(err, PD_ELIMIT, "too many layers (%zu)", max_layers);
    pd_graph_builder *b = calloc(1, sizeof *b);
    pd_graph *g = calloc(1, sizeof *g);
    if (!b || !g)
        goto nomem;
    b->g = g;
    b->cap = max_layers;
    g->input = input;
    if (!(g->name = pd_strdup(name)) || (note && !(g->note = pd_strdup(note))) ||
        !(g->layers = calloc(max_layers, sizeof *g->layers)) ||
        !(g->exits = calloc(max_layers, sizeof *g->exits)) ||
        pd_name_index_init(&b->names, max_layers))
        goto nomem;
    *out = b;
    return PD_OK;
nomem:
    if (b && b->names.keys)
        pd_name_index_free(&b->names);
    pd_graph_free(g);
    free(b);
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

void pd_graph_builder_free(pd_graph_builder *b)
{
    if (!b)
        return;
    pd_name_index_free(&b->names);
    pd_graph_free(b->g);
    free(b);
}

int32_t pd_graph_builder_find(const pd_graph_builder *b, const char *name)
{
    return pd_name_index_get(&b->names, name);
}

size_t pd_graph_builder_count(const pd_graph_builder *b)
{
    return b->g->n_layers;
}

const pd_layer *pd_graph_builder_layer(const pd_graph_builder *b, size_t i)
{
    return &b->g->layers[i];
}

void pd_layer_params_default(pd_layer_type t, pd_layer_params *p)
{
    memset(p, 0, sizeof *p);
    const pd_layer_type_def *def = pd_layer_type_def_of(t);
    for (size_t k = 0; def && k < def->n_params; k++) {
        const pd_param_desc *d = &def->params[k];
        char *base = (char *)p;
        int64_t v = (int64_t)d->def;
        switch (d->kind) {
        case PD_PARAM_INT:
        case PD_PARAM_ENUM: *(int64_t *)(void *)(base + d->offset) = v; break;
        case PD_PARAM_REAL: *(double *)(void *)(base + d->offset) = d->def; break;
        case PD_PARAM_BOOL: *(bool *)(void *)(base + d->offset) = d->def != 0.0; break;
        case PD_PARAM_PADS:
            *(int64_t *)(void *)(base + d->more[1]) = v;
            *(int64_t *)(void *)(base + d->more[2]) = v;
            /* fall through */
        case PD_PARAM_PAIR:
            *(int64_t *)(void *)(base + d->offset) = v;
            *(int64_t *)(void *)(base + d->more[0]) = v;
            break;
        case PD_PARAM_SHAPE:
            for (int j = 0; j < 3; j++)
                *(int64_t *)(void *)(base + (j ? d->more[j - 1] : d->offset)) = v;
            break;
        }
    }
}

static pd_status check_int(const pd_param_desc *d, const pd_layer_params *p, size_t offset,
                           pd_error *err)
{
    int64_t v = *(const int64_t *)(const void *)((const char *)p + offset);
    if (!d->required && v == (int64_t)d->def) /* the default: "not given" for some types */
        return PD_OK;
    if ((double)v < d->min || (double)v > d->max)
        return pd_error_set(err, PD_EINPUT, "field \"%s\": %lld is out of range [%g, %g]", d->key,
                            (long long)v, d->min, d->max);
    return PD_OK;
}

/* Every parameter of the type within its documented range (the JSON reader has checked
 * them already; another reader relies on this). */
static pd_status check_params(const pd_layer_type_def *def, const pd_layer_params *p,
                              pd_error *err)
{
    for (size_t k = 0; k < def->n_params; k++) {
        const pd_param_desc *d = &def->params[k];
        pd_status st = PD_OK;
        switch (d->kind) {
        case PD_PARAM_INT:
        case PD_PARAM_ENUM: st = check_int(d, p, d->offset, err); break;
        case PD_PARAM_PADS:
            if ((st = check_int(d, p, d->more[1], err)) || (st = check_int(d, p, d->more[2], err)))
                break;
            /* fall through */
        case PD_PARAM_PAIR:
            if (!(st = check_int(d, p, d->offset, err)))
                st = check_int(d, p, d->more[0], err);
            break;
        case PD_PARAM_SHAPE:
            for (int j = 0; j < 3 && !st; j++)
                st = check_int(d, p, j ? d->more[j - 1] : d->offset, err);
            break;
        case PD_PARAM_REAL: {
            double v = *(const double *)(const void *)((const char *)p + d->offset);
            if (!(v >= d->min && v <= d->max))
                st = pd_error_set(err, PD_EINPUT, "field \"%s\": %g is out of range [%g, %g]",
                                  d->key, v, d->min, d->max);
            break;
        }
        case PD_PARAM_BOOL: break;
        }
        if (st)
            return st;
    }
    return PD_OK;
}

static pd_shape tensor_shape(const pd_graph *g, int32_t t)
{
    return t < 0 ? g->input : g->layers[t].out;
}

/* Output shape from the input shapes: one input, or two or more for the types that join. */
static pd_status infer_shape(pd_graph *g, pd_layer *l, const pd_layer_type_def *def,
                             pd_error *err)
{
    const char *type = def->name;
    l->in = tensor_shape(g, l->inputs[0]);
    if (!def->infer_inputs || (def->any_inputs && l->n_inputs == 1)) {
        if (l->n_inputs != 1)
            return pd_error_set(err, PD_EINPUT,
                                "field \"inputs\": type \"%s\" reads one tensor, not %zu", type,
                                l->n_inputs);
        return def->infer(l, err);
    }
    if (l->n_inputs < 2)
        return pd_error_set(err, PD_EINPUT,
                            "type \"%s\" reads two or more tensors: give them in field "
                            "\"inputs\"",
                            type);
    pd_shape *in = malloc(l->n_inputs * sizeof *in);
    if (!in)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t j = 0; j < l->n_inputs; j++)
        in[j] = tensor_shape(g, l->inputs[j]);
    pd_status st = def->infer_inputs(l, in, l->n_inputs, err);
    free(in);
    return st;
}

static pd_status add_layer(pd_graph_builder *b, pd_layer *l, const pd_layer_spec *s,
                           pd_error *err)
{
    const pd_layer_type_def *def = pd_layer_type_def_of(s->type);
    if (!def)
        return pd_error_set(err, PD_EINPUT, "unknown type");
    l->type = s->type;
    l->p = s->p;
    pd_status st = check_params(def, &l->p, err);
    if (st)
        return st;
    if (s->n_inputs < 1 || s->n_inputs > PD_GRAPH_MAX_INPUTS)
        return pd_error_set(err, PD_EINPUT, "reads %zu tensors; 1 to %d are allowed", s->n_inputs,
                            PD_GRAPH_MAX_INPUTS);
    for (size_t j = 0; j < s->n_inputs; j++)
        if (s->inputs[j] != PD_TENSOR_INPUT &&
            (s->inputs[j] < 0 || (size_t)s->inputs[j] >= b->g->n_layers - 1))
            return pd_error_set(err, PD_EINPUT, "input %zu is not a layer listed before it",
                                j + 1);
    if (!(l->inputs = malloc(s->n_inputs * sizeof *l->inputs)))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(l->inputs, s->inputs, s->n_inputs * sizeof *l->inputs);
    l->n_inputs = s->n_inputs;
    l->is_exit = s->is_exit;
    l->has_accuracy = s->is_exit && s->has_accuracy;
    if (l->has_accuracy) {
        if (!(s->accuracy >= 0.0 && s->accuracy <= 1.0))
            return pd_error_set(err, PD_EINPUT, "exit accuracy %g is not in [0, 1]", s->accuracy);
        l->accuracy = s->accuracy;
    }
    if ((st = infer_shape(b->g, l, def, err)))
        return st;
    double elems = (double)l->out.c * (double)l->out.h * (double)l->out.w;
    if (elems > MAX_ELEMS)
        return pd_error_set(err, PD_EINPUT, "output of %g elements is beyond the limit of 2^40",
                            elems);
    if (pd_layer_weight_count(l) > MAX_ELEMS)
        return pd_error_set(err, PD_EINPUT, "%g weights are beyond the limit of 2^40",
                            pd_layer_weight_count(l));
    if (pd_name_index_add(&b->names, l->name, (int32_t)(b->g->n_layers - 1)))
        return pd_error_set(err, PD_EINPUT, "duplicate name");
    return PD_OK;
}

pd_status pd_graph_builder_add(pd_graph_builder *b, const pd_layer_spec *s, pd_error *err)
{
    pd_graph *g = b->g;
    if (!s->name || !s->name[0])
        return pd_error_set(err, PD_EINPUT, "layer %zu: missing field \"name\"", g->n_layers + 1);
    if (strcmp(s->name, "@input") == 0)
        return pd_error_set(err, PD_EINPUT,
                            "layer %zu: the name \"@input\" is reserved for the network input",
                            g->n_layers + 1);
    if (g->n_layers == b->cap)
        return pd_error_set(err, PD_ELIMIT, "more than the %zu layers announced", b->cap);
    pd_layer *l = &g->layers[g->n_layers++]; /* counted now, so that pd_graph_free frees it */
    if (!(l->name = pd_strdup(s->name)))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = add_layer(b, l, s, err);
    if (st) {
        char where[128];
        snprintf(where, sizeof where, "layer \"%.64s\"", l->name);
        return pd_error_prefix(err, where);
    }
    if (l->is_exit)
        g->exits[g->n_exits++] = (int32_t)(g->n_layers - 1);
    g->model_bytes += 4.0 * pd_layer_weight_count(l);
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
        for (size_t j = 0; useful[i] && j < l->n_inputs; j++)
            if (l->inputs[j] >= 0)
                useful[l->inputs[j]] = true;
    }
    pd_status st = PD_OK;
    for (size_t i = 0; i < g->n_layers && !st; i++)
        if (!useful[i])
            st = pd_error_set(err, PD_EINPUT, "layer \"%.64s\" leads to no exit",
                              g->layers[i].name);
    free(useful);
    return st;
}

static pd_status build_topology(pd_graph *g, pd_error *err)
{
    size_t n = g->n_layers, edges = 0;
    for (size_t i = 0; i < n; i++)
        edges += g->layers[i].n_inputs;
    size_t *start = malloc((n + 1) * sizeof *start);
    int32_t *ids = malloc(edges * sizeof *ids);
    pd_status st = PD_OK;
    if (!start || !ids) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    } else {
        start[0] = 0;
        for (size_t i = 0; i < n; i++) {
            memcpy(ids + start[i], g->layers[i].inputs, g->layers[i].n_inputs * sizeof *ids);
            start[i + 1] = start[i] + g->layers[i].n_inputs;
        }
        st = pd_topology_new(n, start, ids, g->n_exits, g->exits, &g->topo, err);
    }
    free(start);
    free(ids);
    return st;
}

pd_status pd_graph_builder_finish(pd_graph_builder *b, pd_graph **out, pd_error *err)
{
    *out = NULL;
    pd_graph *g = b->g;
    pd_status st = PD_OK;
    if (g->n_exits == 0)
        st = pd_error_set(err, PD_EINPUT, "the model has no exit (mark a layer with \"exit\")");
    else if (!(st = check_reaches_exit(g, err)))
        st = build_topology(g, err);
    if (!st) /* no engine yet: what its runs touch with float32 weights */
        st = pd_graph_set_feature_hook(g, NULL, err);
    if (!st) {
        *out = g;
        b->g = NULL;
    }
    pd_graph_builder_free(b);
    return st;
}
