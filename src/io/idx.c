/* IDX files (MNIST's format): the magic 00 00 type ndim, big-endian u32 sizes, the data.
 * Everything is checked before the data is allocated, and the data must end the file. */
#include "predoff/idx.h"

#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "blob.h"
#include "unzip.h"

enum { FIRST_CHUNK = 1 << 20 }; /* the data buffer grows from 1 MiB as bytes arrive */

static const char *type_name(int type)
{
    switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return NULL;
    }
}

static pd_status header(pd_unzip *u, const char *src, pd_idx *a, pd_error *err)
{
    uint8_t head[4 + 4 * PD_IDX_MAX_DIMS];
    size_t got;
    pd_status st = pd_unzip_read(u, head, 4, &got, err);
    if (st)
        return st;
    if (got < 4)
        return pd_error_set(err, PD_EINPUT, "%s: truncated in the magic number (%zu of 4 bytes)",
                            src, got);
    if (head[0] != 0 || head[1] != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: not an IDX file (it starts %02x %02x, not 00 00)", src, head[0],
                            head[1]);
    if (head[2] != PD_IDX_TYPE_UBYTE) {
        const char *name = type_name(head[2]);
        if (!name)
            return pd_error_set(err, PD_EINPUT, "%s: data type 0x%02X is not an IDX type", src,
                                head[2]);
        return pd_error_set(err, PD_EINPUT,
                            "%s: data type 0x%02X (%s) is not supported; only 0x08 (unsigned byte)",
                            src, head[2], name);
    }
    int ndim = head[3];
    if (ndim == 0 || ndim > PD_IDX_MAX_DIMS)
        return pd_error_set(err, PD_EINPUT, "%s: %d dimensions; 1 to %d are supported", src, ndim,
                            PD_IDX_MAX_DIMS);
    size_t need = 4 * (size_t)ndim;
    if ((st = pd_unzip_read(u, head + 4, need, &got, err)))
        return st;
    if (got < need)
        return pd_error_set(err, PD_EINPUT,
                            "%s: truncated in the sizes (%zu of %zu bytes for %d dimensions)", src,
                            got, need, ndim);
    uint64_t total = 1;
    int too_big = 0;
    for (int d = 0; d < ndim; d++) {
        const uint8_t *p = head + 4 + 4 * d;
        a->dims[d] = (int64_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
                               (uint32_t)p[3]);
        total *= (uint64_t)a->dims[d]; /* at most 2^30 * (2^32 - 1): no overflow */
        too_big |= total > PD_IDX_MAX_DATA;
        if (too_big)
            total = PD_IDX_MAX_DATA + 1;
    }
    a->ndim = ndim;
    char shape[128];
    pd_format_dims(shape, sizeof shape, ndim, a->dims);
    for (int d = 0; d < ndim; d++)
        if (a->dims[d] == 0)
            return pd_error_set(err, PD_EINPUT, "%s: size %d of shape %s is 0", src, d + 1, shape);
    if (too_big)
        return pd_error_set(err, PD_EINPUT, "%s: shape %s holds more than %zu bytes (the limit)",
                            src, shape, PD_IDX_MAX_DATA);
    a->count = (size_t)total;
    return PD_OK;
}

/* Reads exactly a->count bytes, then checks that nothing follows. */
static pd_status data(pd_unzip *u, const char *src, pd_idx *a, pd_error *err)
{
    char shape[128];
    pd_format_dims(shape, sizeof shape, a->ndim, a->dims);
    size_t need = a->count, have = 0, cap = need < FIRST_CHUNK ? need : FIRST_CHUNK;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory for %zu bytes", src, cap);
    pd_status st;
    for (;;) {
        size_t got;
        if ((st = pd_unzip_read(u, buf + have, cap - have, &got, err)))
            goto fail;
        have += got;
        if (have < cap) {
            st = pd_error_set(err, PD_EINPUT, "%s: truncated: %zu bytes of data, but shape %s needs %zu",
                              src, have, shape, need);
            goto fail;
        }
        if (have == need)
            break;
        cap = need - cap < cap ? need : 2 * cap;
        uint8_t *grown = realloc(buf, cap);
        if (!grown) {
            st = pd_error_set(err, PD_ENOMEM, "%s: out of memory for %zu bytes", src, cap);
            goto fail;
        }
        buf = grown;
    }
    uint8_t extra;
    size_t got;
    if ((st = pd_unzip_read(u, &extra, 1, &got, err)))
        goto fail;
    if (got) {
        st = pd_error_set(err, PD_EINPUT, "%s: bytes after the data (shape %s needs %zu bytes)", src,
                          shape, need);
        goto fail;
    }
    a->data = buf;
    return PD_OK;
fail:
    free(buf);
    return st;
}

pd_status pd_idx_parse(const uint8_t *bytes, size_t len, const char *source, pd_idx *out,
                       pd_error *err)
{
    memset(out, 0, sizeof *out);
    pd_unzip u;
    pd_status st = pd_unzip_open(&u, bytes, len, source, err);
    pd_idx a = {0};
    if (!st)
        st = header(&u, source, &a, err);
    if (!st)
        st = data(&u, source, &a, err);
    pd_unzip_close(&u);
    if (!st)
        *out = a;
    return st;
}

pd_status pd_idx_read(const char *path, pd_idx *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    char *bytes;
    size_t len;
    pd_status st = pd_read_file(path, PD_IDX_MAX_FILE, &bytes, &len, err);
    if (st)
        return st;
    st = pd_idx_parse((const uint8_t *)bytes, len, path, out, err);
    free(bytes);
    return st;
}

void pd_idx_free(pd_idx *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}
