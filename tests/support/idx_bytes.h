/* Hand-made IDX files for the tests: plain bytes, gzip in memory, files written by gzwrite.
 * Include after cmocka.h. */
#ifndef PD_TEST_IDX_BYTES_H
#define PD_TEST_IDX_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* The value make_idx stores at data offset i. */
static inline uint8_t idx_byte(size_t i)
{
    return (uint8_t)(i * 7 + i / 251);
}

/* 00 00 type ndim, the sizes big-endian, then data_len bytes idx_byte(0), idx_byte(1)... */
static inline uint8_t *make_idx(int type, int ndim, const uint32_t *dims, size_t data_len,
                                size_t *len)
{
    *len = 4 + 4 * (size_t)ndim + data_len;
    uint8_t *b = malloc(*len ? *len : 1);
    assert_non_null(b);
    b[0] = b[1] = 0;
    b[2] = (uint8_t)type;
    b[3] = (uint8_t)ndim;
    for (int d = 0; d < ndim; d++)
        for (int k = 0; k < 4; k++)
            b[4 + 4 * d + k] = (uint8_t)(dims[d] >> (24 - 8 * k));
    for (size_t i = 0; i < data_len; i++)
        b[4 + 4 * (size_t)ndim + i] = idx_byte(i);
    return b;
}

/* bytes[0..len) as one gzip member, in a new buffer. */
static inline uint8_t *gzip_bytes(const uint8_t *bytes, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    z.next_in = (Bytef *)(uintptr_t)bytes;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* Writes bytes to path, through gzwrite when gz is set. */
static inline void write_file(const char *path, const uint8_t *bytes, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, bytes, (unsigned)len), (int)len);
        assert_int_equal(gzclose(f), Z_OK);
        return;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

#endif
