/* Plain or gzip-compressed bytes in memory, read in order through zlib's inflate. */
#include "unzip.h"

#include <string.h>

enum { CHUNK = 1 << 30 }; /* zlib counts in 32-bit uInt: hand it at most this at once */

static int gzip_magic(const uint8_t *p, size_t left)
{
    return left >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

pd_status pd_unzip_open(pd_unzip *u, const uint8_t *bytes, size_t len, const char *name,
                        pd_error *err)
{
    memset(u, 0, sizeof *u);
    u->in = bytes;
    u->len = len;
    u->name = name;
    u->gzip = gzip_magic(bytes, len);
    if (!u->gzip)
        return PD_OK;
    int r = inflateInit2(&u->z, 15 + 16); /* 32 KiB window, gzip wrapper only */
    if (r == Z_MEM_ERROR)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory for gzip", name);
    if (r != Z_OK)
        return pd_error_set(err, PD_EIO, "%s: zlib cannot start inflating (%d)", name, r);
    u->inflating = 1;
    return PD_OK;
}

/* Stored bytes not yet consumed by zlib. */
static size_t left_in(const pd_unzip *u)
{
    return u->len - u->pos + u->z.avail_in;
}

/* After a gzip member ended: the data ends, another member starts, or anything else is
 * an error. */
static pd_status member_ended(pd_unzip *u, pd_error *err)
{
    size_t left = left_in(u);
    const uint8_t *p = u->in + (u->len - left);
    if (left == 0) {
        u->ended = 1;
        return PD_OK;
    }
    if (!gzip_magic(p, left))
        return pd_error_set(err, PD_EINPUT, "%s: %zu bytes after the end of the gzip data",
                            u->name, left);
    if (inflateReset(&u->z) != Z_OK)
        return pd_error_set(err, PD_EIO, "%s: zlib cannot restart inflating", u->name);
    return PD_OK;
}

static pd_status inflate_some(pd_unzip *u, uint8_t *dst, size_t n, size_t *got, pd_error *err)
{
    while (*got < n && !u->ended) {
        if (u->z.avail_in == 0) {
            if (u->pos == u->len)
                return pd_error_set(err, PD_EINPUT,
                                    "%s: the gzip data ends early (truncated file?)", u->name);
            size_t take = u->len - u->pos < CHUNK ? u->len - u->pos : CHUNK;
            u->z.next_in = u->in + u->pos;
            u->z.avail_in = (uInt)take;
            u->pos += take;
        }
        size_t want = n - *got < CHUNK ? n - *got : CHUNK;
        u->z.next_out = dst + *got;
        u->z.avail_out = (uInt)want;
        int r = inflate(&u->z, Z_NO_FLUSH);
        *got += want - u->z.avail_out;
        switch (r) {
        case Z_OK:
            break;
        case Z_STREAM_END: {
            pd_status st = member_ended(u, err);
            if (st)
                return st;
            break;
        }
        case Z_BUF_ERROR: /* no progress: only when the input ran out, which the loop handles */
            if (u->z.avail_in == 0)
                break;
            return pd_error_set(err, PD_EINPUT, "%s: the gzip data cannot be inflated", u->name);
        case Z_MEM_ERROR:
            return pd_error_set(err, PD_ENOMEM, "%s: out of memory inflating gzip data", u->name);
        default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return pd_error_set(err, PD_EINPUT, "%s: corrupt gzip data (%s)", u->name,
                                u->z.msg ? u->z.msg : "zlib gives no reason");
        }
    }
    return PD_OK;
}

pd_status pd_unzip_read(pd_unzip *u, uint8_t *dst, size_t n, size_t *got, pd_error *err)
{
    *got = 0;
    if (n == 0 || u->ended)
        return PD_OK;
    if (u->gzip)
        return inflate_some(u, dst, n, got, err);
    size_t k = u->len - u->pos < n ? u->len - u->pos : n;
    if (k)
        memcpy(dst, u->in + u->pos, k);
    u->pos += k;
    *got = k;
    u->ended = u->pos == u->len;
    return PD_OK;
}

void pd_unzip_close(pd_unzip *u)
{
    if (u && u->inflating) {
        inflateEnd(&u->z);
        u->inflating = 0;
    }
}
