/* A string -> index map, so name lookups stay linear in big models. */
#include "name_index.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

static uint64_t hash(const char *s) { return pd_fnv1a_str(PD_FNV1A_BASIS, s); }

int pd_name_index_init(pd_name_index *ix, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 1)
        cap *= 2;
    ix->cap = cap;
    ix->keys = calloc(cap, sizeof *ix->keys);
    ix->values = malloc(cap * sizeof *ix->values);
    if (!ix->keys || !ix->values) {
        pd_name_index_free(ix);
        return -1;
    }
    return 0;
}

void pd_name_index_free(pd_name_index *ix)
{
    free(ix->keys);
    free(ix->values);
    ix->keys = NULL;
    ix->values = NULL;
    ix->cap = 0;
}

int pd_name_index_add(pd_name_index *ix, const char *key, int32_t value)
{
    size_t i = hash(key) & (ix->cap - 1);
    while (ix->keys[i]) {
        if (strcmp(ix->keys[i], key) == 0)
            return 1;
        i = (i + 1) & (ix->cap - 1);
    }
    ix->keys[i] = key;
    ix->values[i] = value;
    return 0;
}

int32_t pd_name_index_get(const pd_name_index *ix, const char *key)
{
    if (!ix->cap)
        return -1;
    size_t i = hash(key) & (ix->cap - 1);
    while (ix->keys[i]) {
        if (strcmp(ix->keys[i], key) == 0)
            return ix->values[i];
        i = (i + 1) & (ix->cap - 1);
    }
    return -1;
}
