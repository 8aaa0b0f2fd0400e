/* Reading tensor bytes from memory or a file, and 64-byte aligned float buffers. */
#include "blob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

pd_blob pd_blob_of_memory(const uint8_t *bytes, size_t len, const char *name)
{
    pd_blob b = {bytes, NULL, (uint64_t)len, name};
    return b;
}

pd_status pd_blob_open(pd_blob *b, const char *path, pd_error *err)
{
    *b = (pd_blob){NULL, NULL, 0, path};
    FILE *f = fopen(path, "rb");
    if (!f) /* a path that cannot be opened is the user's to fix */
        return pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        fclose(f);
        return pd_error_set(err, PD_EINPUT, "%s: not a regular file", path);
    }
    b->f = f;
    b->size = (uint64_t)st.st_size;
    return PD_OK;
}

void pd_blob_close(pd_blob *b)
{
    if (b && b->f) {
        fclose(b->f);
        b->f = NULL;
    }
}

pd_status pd_blob_read(const pd_blob *b, uint64_t off, void *dst, size_t n, pd_error *err)
{
    if (off > b->size || n > b->size - off)
        return pd_error_set(err, PD_EINPUT, "%s: truncated at byte %llu", b->name,
                            (unsigned long long)b->size);
    if (n == 0)
        return PD_OK;
    if (b->mem) {
        memcpy(dst, b->mem + off, n);
        return PD_OK;
    }
    if ((off_t)off < 0 || fseeko(b->f, (off_t)off, SEEK_SET) != 0 || fread(dst, 1, n, b->f) != n)
        return pd_error_set(err, PD_EIO, "%s: read failed at byte %llu (did the file change?)",
                            b->name, (unsigned long long)off);
    return PD_OK;
}

float *pd_floats_alloc(size_t count)
{
    enum { ALIGN = 64 };
    if (count > (SIZE_MAX - ALIGN) / sizeof(float))
        return NULL;
    size_t bytes = count * sizeof(float);
    bytes = bytes == 0 ? ALIGN : (bytes + ALIGN - 1) / ALIGN * ALIGN; /* aligned_alloc wants a multiple */
    return aligned_alloc(ALIGN, bytes);
}

int pd_elems(int ndim, const int64_t *dims, size_t *count)
{
    *count = 0;
    int empty = 0;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0)
            return -1;
        empty |= dims[i] == 0;
    }
    if (empty)
        return 0; /* no elements, whatever the other sides */
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if ((uint64_t)dims[i] > SIZE_MAX / sizeof(float) / n)
            return -1;
        n *= (size_t)dims[i];
    }
    *count = n;
    return 0;
}

void pd_format_dims(char *buf, size_t size, int ndim, const int64_t *dims)
{
    size_t k = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (k < size)
        snprintf(buf + k, size - k, "]");
}
