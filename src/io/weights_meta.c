/* The string metadata a weights file carries (safetensors' "__metadata__"). */
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "predoff/io.h"

const char *pd_weights_meta_get(const pd_weights *w, const char *key)
{
    if (!w || !key)
        return NULL;
    for (size_t i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta[i].key, key) == 0)
            return w->meta[i].value;
    return NULL;
}

pd_status pd_weights_meta_set(pd_weights *w, const char *key, const char *value, pd_error *err)
{
    char *v = pd_strdup(value);
    if (!v)
        return pd_error_set(err, PD_ENOMEM, "metadata \"%.64s\": out of memory", key);
    for (size_t i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta[i].key, key) == 0) {
            free(w->meta[i].value);
            w->meta[i].value = v;
            return PD_OK;
        }
    char *k = pd_strdup(key);
    pd_weights_meta *m = realloc(w->meta, (w->n_meta + 1) * sizeof *m);
    if (!k || !m) {
        free(k);
        free(v);
        if (m)
            w->meta = m;
        return pd_error_set(err, PD_ENOMEM, "metadata \"%.64s\": out of memory", key);
    }
    w->meta = m;
    w->meta[w->n_meta++] = (pd_weights_meta){k, v};
    return PD_OK;
}
