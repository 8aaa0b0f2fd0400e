/* A string -> index map (open addressing, FNV-1a) for names of layers. */
#ifndef PD_NAME_INDEX_H
#define PD_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct pd_name_index {
    size_t cap;            /* a power of two */
    const char **keys;     /* borrowed: the strings outlive the index */
    int32_t *values;
} pd_name_index;

/* Prepares an index for up to n names; returns 0, or -1 when out of memory. */
int pd_name_index_init(pd_name_index *ix, size_t n);
void pd_name_index_free(pd_name_index *ix);
/* Adds key -> value; returns 0, or 1 when the key is already there. */
int pd_name_index_add(pd_name_index *ix, const char *key, int32_t value);
/* The value of key, or -1. */
int32_t pd_name_index_get(const pd_name_index *ix, const char *key);

#endif
