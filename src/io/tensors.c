/* A set of named tensors: lookup by a scan, and freeing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pages.h"
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

/* Whether p lies in w's block (pd_weights_pack). */
static int in_block(const pd_weights *w, const float *p)
{
    uintptr_t at = (uintptr_t)p, lo = (uintptr_t)w->block;
    return w->block && at >= lo && at - lo < w->block_bytes;
}

void pd_weights_free(pd_weights *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->tensors[i].name);
        if (!in_block(w, w->tensors[i].data))
            free(w->tensors[i].data);
    }
    pd_pages_free(w->block, w->block_bytes);
    free(w->tensors);
    for (size_t i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->meta);
    free(w);
}
