/* IDX files: hand-made headers and data, plain and gzip, in memory and on disk; every
 * rejection with its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "predoff/idx.h"
#include "support/expect_error.h"
#include "support/idx_bytes.h"

#define SRC "x.idx"

static void parse_ok(const uint8_t *b, size_t len, pd_idx *a)
{
    pd_error err;
    pd_error_clear(&err);
    if (pd_idx_parse(b, len, SRC, a, &err) != PD_OK)
        fail_msg("rejected: %s", err.msg);
    assert_int_equal(err.status, PD_OK);
    assert_non_null(a->data);
}

static void check_data(const pd_idx *a, size_t count)
{
    assert_int_equal(a->count, count);
    for (size_t i = 0; i < count; i++)
        if (a->data[i] != idx_byte(i))
            fail_msg("byte %zu is %d, want %d", i, a->data[i], idx_byte(i));
}

/* Rejected with PD_EINPUT, a message starting with SRC and holding every fragment; *out
 * left empty. */
static void reject(const uint8_t *b, size_t len, ...)
{
    pd_idx a;
    memset(&a, 0x55, sizeof a); /* must be reset */
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_idx_parse(b, len, SRC, &a, &err);
    if (st == PD_OK)
        fail_msg("accepted %zu bytes", len);
    assert_null(a.data);
    assert_int_equal(a.ndim, 0);
    assert_int_equal(a.count, 0);
    assert_null(strchr(err.msg, '\n'));
    va_list ap;
    va_start(ap, len);
    expect_input_error("idx bytes", st, &err, SRC, ap);
    va_end(ap);
}

/* The same after gzip compression. */
static void reject_gz(const uint8_t *b, size_t len, const char *want)
{
    size_t zlen;
    uint8_t *z = gzip_bytes(b, len, &zlen);
    reject(z, zlen, want, NULL);
    free(z);
}

static void test_accepted(void **state)
{
    (void)state;
    pd_idx a;
    size_t len;
    /* labels [5], images [2, 3, 4], and 2 and 4 dimensions */
    const uint32_t d1[] = {5}, d3[] = {2, 3, 4}, d2[] = {1, 1}, d4[] = {2, 1, 3, 2};
    const uint32_t *shapes[] = {d1, d3, d2, d4};
    const int ndims[] = {1, 3, 2, 4};
    const size_t counts[] = {5, 24, 1, 12};
    for (int s = 0; s < 4; s++) {
        uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, ndims[s], shapes[s], counts[s], &len);
        for (int gz = 0; gz < 2; gz++) {
            size_t zlen = len;
            uint8_t *z = gz ? gzip_bytes(b, len, &zlen) : b;
            parse_ok(z, zlen, &a);
            assert_int_equal(a.ndim, ndims[s]);
            for (int d = 0; d < PD_IDX_MAX_DIMS; d++)
                assert_int_equal(a.dims[d], d < ndims[s] ? (int64_t)shapes[s][d] : 0);
            check_data(&a, counts[s]);
            pd_idx_free(&a);
            assert_null(a.data);
            pd_idx_free(&a); /* twice is fine */
            if (gz)
                free(z);
        }
        free(b);
    }
    pd_idx_free(NULL);

    /* sizes with every byte used (big-endian), data past the first 1 MiB chunk */
    const uint32_t big[] = {3, 0x100, 0x0F01};
    size_t count = 3u * 0x100 * 0x0F01;
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 3, big, count, &len);
    parse_ok(b, len, &a);
    assert_int_equal(a.dims[2], 0x0F01);
    check_data(&a, count);
    pd_idx_free(&a);
    size_t zlen;
    uint8_t *z = gzip_bytes(b, len, &zlen);
    parse_ok(z, zlen, &a);
    check_data(&a, count);
    pd_idx_free(&a);

    /* two gzip members one after the other, as `cat a.gz b.gz` makes: gzip reads them as one */
    size_t cut = 1000, l1, l2;
    uint8_t *z1 = gzip_bytes(b, cut, &l1), *z2 = gzip_bytes(b + cut, len - cut, &l2);
    uint8_t *both = malloc(l1 + l2);
    assert_non_null(both);
    memcpy(both, z1, l1);
    memcpy(both + l1, z2, l2);
    parse_ok(both, l1 + l2, &a);
    check_data(&a, count);
    pd_idx_free(&a);
    free(both);
    free(z1);
    free(z2);
    free(z);
    free(b);
}

static void test_header_rejected(void **state)
{
    (void)state;
    size_t len;
    const uint32_t dims[] = {2, 3, 4};
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 3, dims, 24, &len);
    reject(b, 0, "truncated in the magic number (0 of 4 bytes)", NULL);
    reject(b, 3, "truncated in the magic number (3 of 4 bytes)", NULL);
    reject(b, 4, "truncated in the sizes (0 of 12 bytes for 3 dimensions)", NULL);
    reject(b, 13, "truncated in the sizes (9 of 12 bytes", NULL);
    reject_gz(b, 9, "truncated in the sizes (5 of 12 bytes");
    b[1] = 0x08;
    reject(b, len, "not an IDX file (it starts 00 08, not 00 00)", NULL);
    b[1] = 0;
    b[0] = 0x1f; /* half a gzip magic is not gzip */
    reject(b, len, "not an IDX file (it starts 1f 00", NULL);
    b[0] = 0;
    b[2] = 0x0D;
    reject(b, len, "data type 0x0D (float32) is not supported; only 0x08 (unsigned byte)", NULL);
    b[2] = 0x09;
    reject_gz(b, len, "data type 0x09 (signed byte) is not supported");
    b[2] = 0x42;
    reject(b, len, "data type 0x42 is not an IDX type", NULL);
    b[2] = 0x08;
    b[3] = 0;
    reject(b, len, "0 dimensions; 1 to 4 are supported", NULL);
    b[3] = 5;
    reject(b, len, "5 dimensions; 1 to 4 are supported", NULL);
    b[3] = 255;
    reject(b, len, "255 dimensions", NULL);
    free(b);
}

static void test_sizes_rejected(void **state)
{
    (void)state;
    size_t len;
    const uint32_t zero[] = {3, 0, 4};
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 3, zero, 0, &len);
    reject(b, len, "size 2 of shape [3, 0, 4] is 0", NULL);
    free(b);
    const uint32_t zero1[] = {0};
    b = make_idx(PD_IDX_TYPE_UBYTE, 1, zero1, 0, &len);
    reject(b, len, "size 1 of shape [0] is 0", NULL);
    free(b);
    /* beyond 1 GiB, with the product overflowing 32 and 64 bits on the way */
    const uint32_t over[][4] = {{1073741825, 0, 0, 0},
                                {65536, 16385, 0, 0},
                                {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu},
                                {60000, 28, 28, 1000}};
    const int over_ndim[] = {1, 2, 4, 4};
    const char *over_text[] = {"[1073741825]", "[65536, 16385]",
                               "[4294967295, 4294967295, 4294967295, 4294967295]",
                               "[60000, 28, 28, 1000]"};
    for (int i = 0; i < 4; i++) {
        b = make_idx(PD_IDX_TYPE_UBYTE, over_ndim[i], over[i], 16, &len);
        char want[160];
        snprintf(want, sizeof want, "shape %s holds more than 1073741824 bytes (the limit)",
                 over_text[i]);
        reject(b, len, want, NULL);
        free(b);
    }
    /* a size of 0 is reported even when the others overflow */
    const uint32_t zero_big[] = {0xFFFFFFFFu, 0xFFFFFFFFu, 0};
    b = make_idx(PD_IDX_TYPE_UBYTE, 3, zero_big, 0, &len);
    reject(b, len, "size 3 of shape [4294967295, 4294967295, 0] is 0", NULL);
    free(b);
    /* exactly at the limit the header passes; the missing data is then the error, found
     * without allocating 1 GiB */
    const uint32_t limit[] = {1024, 1024, 1024};
    b = make_idx(PD_IDX_TYPE_UBYTE, 3, limit, 10, &len);
    reject(b, len, "truncated: 10 bytes of data, but shape [1024, 1024, 1024] needs 1073741824",
           NULL);
    reject_gz(b, len, "truncated: 10 bytes of data");
    free(b);
}

static void test_data_rejected(void **state)
{
    (void)state;
    size_t len;
    const uint32_t dims[] = {2, 3};
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 2, dims, 7, &len);
    reject(b, len - 2, "truncated: 5 bytes of data, but shape [2, 3] needs 6", NULL);
    reject(b, len - 7, "truncated: 0 bytes of data, but shape [2, 3] needs 6", NULL);
    reject(b, len, "bytes after the data (shape [2, 3] needs 6 bytes)", NULL);
    reject_gz(b, len - 2, "truncated: 5 bytes of data, but shape [2, 3] needs 6");
    reject_gz(b, len, "bytes after the data (shape [2, 3] needs 6 bytes)");
    free(b);
    /* the same past the first 1 MiB chunk */
    const uint32_t big[] = {3, 1000, 1000};
    b = make_idx(PD_IDX_TYPE_UBYTE, 3, big, 3000001, &len);
    reject(b, len - 2, "truncated: 2999999 bytes of data, but shape [3, 1000, 1000] needs 3000000",
           NULL);
    reject(b, len, "bytes after the data (shape [3, 1000, 1000] needs 3000000 bytes)", NULL);
    reject_gz(b, len - 2, "truncated: 2999999 bytes of data");
    reject_gz(b, len, "bytes after the data");
    free(b);
}

static void test_gzip_rejected(void **state)
{
    (void)state;
    size_t len, zlen;
    const uint32_t dims[] = {4, 5, 6};
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 3, dims, 120, &len);
    uint8_t *z = gzip_bytes(b, len, &zlen);
    uint8_t *copy = malloc(zlen + 3);
    assert_non_null(copy);

    /* cut anywhere before the end: the stream ends early */
    for (size_t cut = 2; cut < zlen; cut += 7)
        reject(z, cut, "gzip data ends early (truncated file?)", NULL);
    reject(z, zlen - 1, "gzip data ends early (truncated file?)", NULL);
    /* the trailer's CRC and length */
    memcpy(copy, z, zlen);
    copy[zlen - 8] ^= 1;
    reject(copy, zlen, "corrupt gzip data (incorrect data check)", NULL);
    memcpy(copy, z, zlen);
    copy[zlen - 1] ^= 1;
    reject(copy, zlen, "corrupt gzip data (incorrect length check)", NULL);
    /* a bad compression method in the header, and bad block types in the deflate data */
    memcpy(copy, z, zlen);
    copy[2] = 7;
    reject(copy, zlen, "corrupt gzip data (unknown compression method)", NULL);
    memcpy(copy, z, zlen);
    copy[10] |= 0x06; /* the first block's type: 3, reserved */
    reject(copy, zlen, "corrupt gzip data (invalid block type)", NULL);
    /* bytes after the gzip member, and a second member cut short */
    memcpy(copy, z, zlen);
    memcpy(copy + zlen, "abc", 3);
    reject(copy, zlen + 3, "3 bytes after the end of the gzip data", NULL);
    copy[zlen] = 0;
    reject(copy, zlen + 1, "1 bytes after the end of the gzip data", NULL);
    memcpy(copy + zlen, "\x1f\x8b\x08", 3);
    reject(copy, zlen + 3, "gzip data ends early", NULL);
    free(copy);
    free(z);
    free(b);
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/predoff-test-idx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char plain[64], gz[64], bad[64];
    snprintf(plain, sizeof plain, "%s/a-idx3-ubyte", dir);
    snprintf(gz, sizeof gz, "%s/a-idx3-ubyte.gz", dir);
    snprintf(bad, sizeof bad, "%s/bad.gz", dir);
    size_t len;
    const uint32_t dims[] = {7, 28, 28};
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, 3, dims, 7 * 28 * 28, &len);
    write_file(plain, b, len, 0);
    write_file(gz, b, len, 1);
    pd_error err;
    pd_idx a;
    const char *paths[] = {plain, gz};
    for (int i = 0; i < 2; i++) {
        if (pd_idx_read(paths[i], &a, &err) != PD_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(a.ndim, 3);
        assert_int_equal(a.dims[0], 7);
        check_data(&a, 7 * 28 * 28);
        pd_idx_free(&a);
    }
    /* a file cut short, as gzip compressed it: named in the message */
    write_file(bad, b, len - 1, 1);
    assert_int_equal(pd_idx_read(bad, &a, &err), PD_EINPUT);
    assert_null(a.data);
    char want[160];
    snprintf(want, sizeof want, "%s: truncated: 5487 bytes of data, but shape [7, 28, 28] needs 5488",
             bad);
    assert_string_equal(err.msg, want);
    /* a gzip file with its last byte lost */
    struct stat sb;
    assert_int_equal(stat(gz, &sb), 0);
    assert_int_equal(truncate(gz, sb.st_size - 1), 0);
    assert_int_equal(pd_idx_read(gz, &a, &err), PD_EINPUT);
    snprintf(want, sizeof want, "%s: the gzip data ends early (truncated file?)", gz);
    assert_string_equal(err.msg, want);
    /* no such file, a directory */
    char missing[64];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    assert_int_equal(pd_idx_read(missing, &a, &err), PD_EINPUT);
    snprintf(want, sizeof want, "%s: No such file or directory", missing);
    assert_string_equal(err.msg, want);
    assert_int_equal(pd_idx_read(dir, &a, &err), PD_EINPUT);
    snprintf(want, sizeof want, "%s: not a regular file", dir);
    assert_string_equal(err.msg, want);
    assert_null(a.data);
    free(b);
    remove(plain);
    remove(gz);
    remove(bad);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_header_rejected),
        cmocka_unit_test(test_sizes_rejected),
        cmocka_unit_test(test_data_rejected),
        cmocka_unit_test(test_gzip_rejected),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
