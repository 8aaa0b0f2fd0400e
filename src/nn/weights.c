/* A model's weights: PyTorch's shapes per layer, random initialisation and checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/blob.h"
#include "predoff/rng.h"
#include "predoff/weights.h"

/* The tensors a layer needs: its weight's shape and its bias's length, and the fan-in
 * that sets PyTorch's initialisation range. Returns 0 for a layer without weights. */
typedef struct layer_tensors {
    int ndim;
    int64_t dims[4];
    int64_t bias;
    int64_t fan_in;
} layer_tensors;

static int tensors_of(const pd_layer *l, layer_tensors *t)
{
    switch (l->type) {
    case PD_LAYER_CONV:
        *t = (layer_tensors){4, {l->p.filters, l->in.c, l->p.kernel, l->p.kernel}, l->p.filters,
                             l->in.c * l->p.kernel * l->p.kernel};
        return 1;
    case PD_LAYER_FC:
        *t = (layer_tensors){2, {l->p.outputs, pd_shape_elems(l->in), 0, 0}, l->p.outputs,
                             pd_shape_elems(l->in)};
        return 1;
    default:
        return 0;
    }
}

/* A type this file does not know that still has weights would pass every check unseen. */
static pd_status known_layer(const pd_layer *l, pd_error *err)
{
    layer_tensors t;
    if (!tensors_of(l, &t) && pd_layer_weight_count(l) > 0)
        return pd_error_set(err, PD_ELIMIT, "layer \"%.64s\": weights of type \"%s\" are not supported",
                            l->name, pd_layer_type_name(l->type));
    return PD_OK;
}

static char *join(const char *layer, const char *suffix)
{
    size_t a = strlen(layer), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, layer, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

/* Fills t with count values uniform in [-bound, bound]. */
static pd_status random_tensor(pd_named_tensor *t, const char *layer, const char *suffix,
                               int ndim, const int64_t *dims, double bound, pd_rng *rng,
                               pd_error *err)
{
    t->ndim = ndim;
    memcpy(t->dims, dims, (size_t)ndim * sizeof *dims);
    if (pd_elems(ndim, dims, &t->count) || !(t->name = join(layer, suffix)) ||
        !(t->data = pd_floats_alloc(t->count)))
        return pd_error_set(err, PD_ENOMEM, "layer \"%.64s\": out of memory for its %s", layer,
                            suffix + 1);
    for (size_t i = 0; i < t->count; i++)
        t->data[i] = (float)((2.0 * pd_rng_uniform(rng) - 1.0) * bound);
    return PD_OK;
}

pd_status pd_weights_random(const pd_graph *g, uint64_t seed, pd_weights **out, pd_error *err)
{
    *out = NULL;
    size_t n = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        layer_tensors lt;
        pd_status st = known_layer(&g->layers[i], err);
        if (st)
            return st;
        n += tensors_of(&g->layers[i], &lt) ? 2 : 0;
    }
    pd_weights *w = calloc(1, sizeof *w);
    if (w && n)
        w->tensors = calloc(n, sizeof *w->tensors);
    if (!w || (n && !w->tensors)) {
        free(w);
        return pd_error_set(err, PD_ENOMEM, "model \"%.64s\": out of memory", g->name);
    }
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    pd_status st = PD_OK;
    for (size_t i = 0; i < g->n_layers && !st; i++) {
        const pd_layer *l = &g->layers[i];
        layer_tensors lt;
        if (!tensors_of(l, &lt))
            continue;
        /* PyTorch's defaults for Conv2d and Linear: kaiming_uniform(a=sqrt(5)) gives
         * 1/sqrt(fan_in) for the weights, and the bias uses the same bound */
        double bound = 1.0 / sqrt((double)lt.fan_in);
        st = random_tensor(&w->tensors[w->n++], l->name, ".weight", lt.ndim, lt.dims, bound, &rng,
                           err);
        if (!st)
            st = random_tensor(&w->tensors[w->n++], l->name, ".bias", 1, &lt.bias, bound, &rng,
                               err);
    }
    if (st) {
        pd_weights_free(w);
        return st;
    }
    *out = w;
    return PD_OK;
}

static pd_status check_tensor(const pd_weights_index *ix, const pd_layer *l, const char *suffix,
                              int ndim, const int64_t *dims, const char *source, pd_error *err)
{
    char want[200], have[200];
    pd_format_dims(want, sizeof want, ndim, dims);
    const pd_named_tensor *t = pd_weights_index_find_joined(ix, l->name, suffix);
    if (!t)
        return pd_error_set(err, PD_EINPUT,
                            "%s: tensor \"%.64s%s\" is missing (layer \"%.64s\" needs shape %s)",
                            source, l->name, suffix, l->name, want);
    size_t count;
    int same = t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = t->dims[d] == dims[d];
    if (!same) {
        pd_format_dims(have, sizeof have, t->ndim >= 0 && t->ndim <= PD_MAX_DIMS ? t->ndim : 0,
                    t->dims);
        return pd_error_set(err, PD_EINPUT,
                            "%s: tensor \"%.64s%s\": shape %s, but layer \"%.64s\" needs %s",
                            source, l->name, suffix, have, l->name, want);
    }
    if (pd_elems(ndim, dims, &count) || count != t->count || (count && !t->data))
        return pd_error_set(err, PD_EINPUT,
                            "%s: tensor \"%.64s%s\": %zu elements held for shape %s", source,
                            l->name, suffix, t->data ? t->count : 0, want);
    return PD_OK;
}

pd_status pd_weights_check(const pd_weights *w, const pd_graph *g, const char *source,
                           pd_error *err)
{
    pd_weights_index *ix;
    pd_status st = pd_weights_index_new(w, &ix, err);
    for (size_t i = 0; i < g->n_layers && !st; i++) {
        const pd_layer *l = &g->layers[i];
        layer_tensors lt;
        if ((st = known_layer(l, err)) || !tensors_of(l, &lt))
            continue;
        if (!(st = check_tensor(ix, l, ".weight", lt.ndim, lt.dims, source, err)))
            st = check_tensor(ix, l, ".bias", 1, &lt.bias, source, err);
    }
    pd_weights_index_free(ix);
    return st;
}
