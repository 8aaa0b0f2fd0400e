/* A set of named tensors: lookup by a scan, and freeing. */
#include <stdlib.h>
#include <string.h>

#include "predoff/io.h"

const pd_named_tensor *pd_weights_find(const pd_weights *w, const char *name)
{
    if (!w || !name)
        return NULL;
    for (size_t i = 0; i < w->n; i++)
        if (w->tensors[i].name && strcmp(w->tensors[i].name, name) == 0)
            return &w->tensors[i];
    return NULL;
}

void pd_weights_free(pd_weights *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->tensors);
    for (size_t i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->meta);
    free(w);
}
