/* A deep copy of a set of weights: tensors and metadata. */
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "blob.h"
#include "predoff/io.h"

pd_status pd_weights_copy(const pd_weights *w, pd_weights **out, pd_error *err)
{
    *out = NULL;
    pd_weights *c = calloc(1, sizeof *c);
    if (c && w->n)
        c->tensors = calloc(w->n, sizeof *c->tensors);
    if (!c || (w->n && !c->tensors)) {
        free(c);
        return pd_error_set(err, PD_ENOMEM, "copying weights: out of memory");
    }
    pd_status st = PD_OK;
    for (size_t i = 0; i < w->n && !st; i++) {
        const pd_named_tensor *t = &w->tensors[i];
        pd_named_tensor *d = &c->tensors[i];
        c->n = i + 1;
        d->ndim = t->ndim;
        memcpy(d->dims, t->dims, sizeof d->dims);
        d->count = t->count;
        if (!(d->name = pd_strdup(t->name)) || !(d->data = pd_floats_alloc(t->count)))
            st = pd_error_set(err, PD_ENOMEM, "copying tensor \"%.64s\": out of memory", t->name);
        else if (t->count)
            memcpy(d->data, t->data, t->count * sizeof *d->data);
    }
    /* w's keys are unique: copied in one pass, not looked up one by one */
    if (!st && w->n_meta && !(c->meta = calloc(w->n_meta, sizeof *c->meta)))
        st = pd_error_set(err, PD_ENOMEM, "copying metadata: out of memory");
    for (size_t i = 0; i < w->n_meta && !st; i++) {
        pd_weights_meta *m = &c->meta[c->n_meta++];
        if (!(m->key = pd_strdup(w->meta[i].key)) || !(m->value = pd_strdup(w->meta[i].value)))
            st = pd_error_set(err, PD_ENOMEM, "copying metadata \"%.64s\": out of memory",
                              w->meta[i].key);
    }
    if (st) {
        pd_weights_free(c);
        return st;
    }
    *out = c;
    return PD_OK;
}
