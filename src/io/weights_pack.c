/* A model's weights moved into one block of whole pages (pd_weights_pack, core/pages.h). */
#include <stdlib.h>
#include <string.h>

#include "core/pages.h"
#include "predoff/io.h"

pd_status pd_weights_pack(pd_weights *w, pd_error *err)
{
    if (w->block || w->n == 0)
        return PD_OK;
    size_t *offset = malloc(w->n * sizeof *offset), at = 0;
    if (!offset)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < w->n; i++)
        offset[i] = pd_pages_carve(&at, w->tensors[i].count, sizeof(float));
    void *block = pd_pages_alloc(at);
    if (!block) {
        free(offset);
        return pd_error_set(err, PD_ENOMEM, "out of memory for the weights (%zu bytes)", at);
    }
    for (size_t i = 0; i < w->n; i++) {
        pd_named_tensor *t = &w->tensors[i];
        size_t bytes = t->count * sizeof(float);
        float *d = pd_pages_place(block, offset[i], bytes);
        if (bytes && t->data)
            memcpy(d, t->data, bytes);
        free(t->data);
        t->data = d;
    }
    free(offset);
    w->block = block;
    w->block_bytes = at;
    return PD_OK;
}
