/* Bytes that tensors are read from (a buffer or an open file), and aligned float buffers. */
#ifndef PD_NN_BLOB_H
#define PD_NN_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "predoff/error.h"

/* Tensor data is copied as stored, so the host must store floats as the files do. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "predoff reads little-endian float32 tensors in place: it needs a little-endian host"
#endif

typedef struct pd_blob {
    const uint8_t *mem; /* the bytes, or NULL to read them from f */
    FILE *f;
    uint64_t size;
    const char *name; /* names the bytes in messages */
} pd_blob;

/* A blob over len bytes in memory (borrowed). */
pd_blob pd_blob_of_memory(const uint8_t *bytes, size_t len, const char *name);
/* Opens the regular file at path; pd_blob_close releases it. */
pd_status pd_blob_open(pd_blob *b, const char *path, pd_error *err);
void pd_blob_close(pd_blob *b);
/* Copies n bytes from offset off, which the caller has checked lie inside the blob. */
pd_status pd_blob_read(const pd_blob *b, uint64_t off, void *dst, size_t n, pd_error *err);

/* A new buffer of count floats, 64-byte aligned and never NULL on success even for
 * count 0; NULL when out of memory or too large. Release with free(). */
float *pd_floats_alloc(size_t count);

/* Number of elements of a shape, in *count; -1 when a side is negative or the number
 * of bytes (4 per element) would not fit in size_t. */
int pd_elems(int ndim, const int64_t *dims, size_t *count);

/* "[2, 3, 4]" into buf, for messages about shapes. */
void pd_format_dims(char *buf, size_t size, int ndim, const int64_t *dims);

#endif
