/* Tensors by name, sorted once, so that binding or checking every layer of a big model
 * stays O(n log n) rather than a scan of every tensor per layer. Sorting rather than
 * hashing: the names come from files, and no input can make a sort slow. */
#include <stdlib.h>
#include <string.h>

#include "predoff/io.h"

struct pd_weights_index {
    size_t n;
    const pd_named_tensor **by_name; /* named tensors; equal names in file order */
};

static int by_name_then_place(const void *a, const void *b)
{
    const pd_named_tensor *x = *(const pd_named_tensor *const *)a;
    const pd_named_tensor *y = *(const pd_named_tensor *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x > y) - (x < y);
}

pd_status pd_weights_index_new(const pd_weights *w, pd_weights_index **out, pd_error *err)
{
    *out = NULL;
    pd_weights_index *ix = calloc(1, sizeof *ix);
    if (ix && w->n)
        ix->by_name = malloc(w->n * sizeof *ix->by_name);
    if (!ix || (w->n && !ix->by_name)) {
        free(ix);
        return pd_error_set(err, PD_ENOMEM, "indexing %zu tensors: out of memory", w->n);
    }
    for (size_t i = 0; i < w->n; i++)
        if (w->tensors[i].name)
            ix->by_name[ix->n++] = &w->tensors[i];
    if (ix->n > 1)
        qsort(ix->by_name, ix->n, sizeof *ix->by_name, by_name_then_place);
    *out = ix;
    return PD_OK;
}

void pd_weights_index_free(pd_weights_index *ix)
{
    if (!ix)
        return;
    free(ix->by_name);
    free(ix);
}

/* strcmp(name, a + b) without building a + b. */
static int cmp_joined(const char *name, const char *a, const char *b)
{
    for (const char *p = a; *p; p++, name++)
        if (*name != *p)
            return (unsigned char)*name < (unsigned char)*p ? -1 : 1;
    return strcmp(name, b);
}

const pd_named_tensor *pd_weights_index_find_joined(const pd_weights_index *ix,
                                                    const char *prefix, const char *suffix)
{
    if (!ix || !prefix || !suffix)
        return NULL;
    size_t lo = 0, hi = ix->n; /* the first name not below prefix + suffix */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_joined(ix->by_name[mid]->name, prefix, suffix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ix->n && cmp_joined(ix->by_name[lo]->name, prefix, suffix) == 0)
        return ix->by_name[lo];
    return NULL;
}

const pd_named_tensor *pd_weights_index_find(const pd_weights_index *ix, const char *name)
{
    return pd_weights_index_find_joined(ix, name, "");
}
