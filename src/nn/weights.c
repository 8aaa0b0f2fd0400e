/* A model's weights: PyTorch's shapes per layer, random initialisation and checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/blob.h"
#include "predoff/rng.h"
#include "predoff/weights.h"

/* A type whose weights its descriptor does not list would pass every check unseen. */
static pd_status known_layer(const pd_layer *l, pd_error *err)
{
    pd_layer_tensor t[PD_LAYER_MAX_TENSORS];
    if (!pd_layer_tensors(l, t) && pd_layer_weight_count(l) > 0)
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

/* Fills t as d says: uniform in +-1/sqrt(fan_in) from rng (PyTorch's default for Conv2d
 * and Linear, kaiming_uniform(a=sqrt(5)), whose bias takes the same bound), or constant. */
static pd_status random_tensor(pd_named_tensor *t, const char *layer, const pd_layer_tensor *d,
                               pd_rng *rng, pd_error *err)
{
    t->ndim = d->ndim;
    memcpy(t->dims, d->dims, (size_t)d->ndim * sizeof *d->dims);
    if (pd_elems(d->ndim, d->dims, &t->count) || !(t->name = join(layer, d->suffix)) ||
        !(t->data = pd_floats_alloc(t->count)))
        return pd_error_set(err, PD_ENOMEM, "layer \"%.64s\": out of memory for its %s", layer,
                            d->suffix + 1);
    double bound = 1.0 / sqrt(d->fan_in);
    for (size_t i = 0; i < t->count; i++)
        t->data[i] = d->init == PD_INIT_FAN_IN ? (float)((2.0 * pd_rng_uniform(rng) - 1.0) * bound)
                     : d->init == PD_INIT_ONES ? 1.0f
                                               : 0.0f;
    return PD_OK;
}

pd_status pd_weights_random(const pd_graph *g, uint64_t seed, pd_weights **out, pd_error *err)
{
    *out = NULL;
    if (pd_graph_check_runnable(g, err))
        return PD_EINPUT;
    size_t n = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        pd_layer_tensor lt[PD_LAYER_MAX_TENSORS];
        pd_status st = known_layer(&g->layers[i], err);
        if (st)
            return st;
        n += pd_layer_tensors(&g->layers[i], lt);
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
        pd_layer_tensor lt[PD_LAYER_MAX_TENSORS];
        size_t nt = pd_layer_tensors(l, lt);
        for (size_t k = 0; k < nt && !st; k++)
            st = random_tensor(&w->tensors[w->n++], l->name, &lt[k], &rng, err);
    }
    if (!st)
        st = pd_weights_pack(w, err);
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
    if (pd_graph_check_runnable(g, err))
        return PD_EINPUT;
    pd_weights_index *ix;
    pd_status st = pd_weights_index_new(w, &ix, err);
    for (size_t i = 0; i < g->n_layers && !st; i++) {
        const pd_layer *l = &g->layers[i];
        pd_layer_tensor lt[PD_LAYER_MAX_TENSORS];
        size_t nt = (st = known_layer(l, err)) ? 0 : pd_layer_tensors(l, lt);
        for (size_t k = 0; k < nt && !st; k++)
            st = check_tensor(ix, l, lt[k].suffix, lt[k].ndim, lt[k].dims, source, err);
    }
    pd_weights_index_free(ix);
    return st;
}
