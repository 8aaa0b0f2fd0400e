/* .npy files: headers as numpy writes them and as people might, every rejection on
 * hand-made bytes, and files written by pd_npy_write read back. */
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

#include "predoff/npy.h"

#define SRC "x.npy"

/* A version major.0 file: magic, version, header length, the header text as given, then
 * data_len bytes holding the floats 0, 1, 2, ... */
static uint8_t *make_file(int major, const char *header, size_t data_len, size_t *len)
{
    size_t n = strlen(header), field = major == 1 ? 2 : 4;
    *len = 8 + field + n + data_len;
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)major;
    b[7] = 0;
    for (size_t i = 0; i < field; i++)
        b[8 + i] = (uint8_t)(n >> (8 * i));
    memcpy(b + 8 + field, header, n);
    for (size_t i = 0; i < data_len; i++) {
        float v = (float)(i / 4);
        b[8 + field + n + i] = ((const uint8_t *)&v)[i % 4];
    }
    return b;
}

static void parse_ok(int major, const char *header, size_t data_len, pd_array *a)
{
    size_t len;
    uint8_t *b = make_file(major, header, data_len, &len);
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_npy_parse(b, len, SRC, a, &err);
    free(b);
    if (st != PD_OK)
        fail_msg("%s\n  rejected: %s", header, err.msg);
    assert_non_null(a->data);
    assert_int_equal((uintptr_t)a->data % 64, 0);
}

static void reject_bytes(const uint8_t *b, size_t len, const char *want)
{
    pd_array a;
    memset(&a, 0x55, sizeof a); /* must be reset */
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_npy_parse(b, len, SRC, &a, &err);
    if (st == PD_OK)
        fail_msg("accepted; wanted \"%s\"", want);
    assert_int_equal(st, PD_EINPUT);
    assert_null(a.data);
    assert_int_equal(a.ndim, 0);
    if (strncmp(err.msg, SRC ": ", strlen(SRC) + 2) != 0 || !strstr(err.msg, want) ||
        strchr(err.msg, '\n'))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void reject(int major, const char *header, size_t data_len, const char *want)
{
    size_t len;
    uint8_t *b = make_file(major, header, data_len, &len);
    reject_bytes(b, len, want);
    free(b);
}

#define HEAD(shape) "{'descr': '<f4', 'fortran_order': False, 'shape': " shape ", }\n"

static void test_headers_accepted(void **state)
{
    (void)state;
    pd_array a;
    parse_ok(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }    \n", 48, &a);
    assert_int_equal(a.count, 12);
    pd_array_free(&a);
    /* numpy's exact form, padded */
    parse_ok(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n", 24, &a);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.dims[0], 2);
    assert_int_equal(a.dims[1], 3);
    assert_int_equal(a.count, 6);
    for (int i = 0; i < 6; i++)
        assert_true(a.data[i] == (float)i);
    pd_array_free(&a);
    assert_null(a.data);
    pd_array_free(&a); /* twice is fine */
    pd_array_free(NULL);
    /* other key order, double quotes, no trailing comma, spaces, format 2.0 */
    parse_ok(2, "{ \"shape\" : ( 4 , ) , \"fortran_order\":False,'descr':\"<f4\"}\n", 16, &a);
    assert_int_equal(a.ndim, 1);
    assert_int_equal(a.dims[0], 4);
    assert_true(a.data[3] == 3.0f);
    pd_array_free(&a);
    /* a scalar and an empty array */
    parse_ok(1, HEAD("()"), 4, &a);
    assert_int_equal(a.ndim, 0);
    assert_int_equal(a.count, 1);
    pd_array_free(&a);
    parse_ok(1, HEAD("(0, 5,)"), 0, &a);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.count, 0);
    pd_array_free(&a);
    parse_ok(1, HEAD("(1, 1, 1, 1, 1, 1, 1, 2)"), 8, &a);
    assert_int_equal(a.ndim, 8);
    pd_array_free(&a);
}

static void test_prefix_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = make_file(1, HEAD("(1,)"), 4, &len);
    b[1] = 'n';
    reject_bytes(b, len, "not a .npy file");
    reject_bytes(b, 0, "not a .npy file");
    b[1] = 'N';
    reject_bytes(b, 4, "not a .npy file");
    reject_bytes(b, 7, "truncated before the format version");
    reject_bytes(b, 9, "truncated in the header length");
    b[6] = 3;
    reject_bytes(b, len, "format version 3.0 is not supported");
    b[6] = 1;
    b[7] = 1;
    reject_bytes(b, len, "format version 1.1");
    b[7] = 0;
    reject_bytes(b, 30, "past the end of the file");
    free(b);
    /* a header length beyond the limit, in format 2.0 */
    b = make_file(2, HEAD("(1,)"), 4, &len);
    b[10] = 0x10;
    reject_bytes(b, len, "beyond the limit");
    free(b);
}

static void test_header_rejected(void **state)
{
    (void)state;
    reject(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n", 4, "Fortran order");
    reject(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", 8, "dtype '<f8'");
    reject(1, "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }\n", 4, "dtype '|f4'");
    reject(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", 4, "dtype '>f4'");
    reject(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", 4,
           "header: expected a quoted string");
    reject(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }\n", 4, "True or False");
    reject(1, "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,), }\n", 4, "True or False");
    /* bad shape text */
    const char *shapes[] = {"(3)", "[3]", "(3,,)", "(,)", "(-1,)", "(+1,)", "(a,)", "(03,)",
                            "(3L,)", "(1_0,)", "(3, 4", "(3 4)", "3", "(3.0,)", "(99999999999999999999,)"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char h[128];
        snprintf(h, sizeof h, HEAD("%s"), shapes[i]);
        reject(1, h, 12, "header: ");
    }
}

static void test_header_structure_rejected(void **state)
{
    (void)state;
    reject(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4, "newline");
    reject(1, "", 4, "newline");
    reject(1, "\n", 4, "must be a dict");
    reject(1, " {'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", 4, "must be a dict");
    reject(1, "{'descr': '<f4', 'fortran_order': False}\n", 4, "missing key 'shape'");
    reject(1, "{}\n", 4, "missing key 'descr'");
    reject(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", 4,
           "unknown key 'x'");
    reject(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n", 4,
           "key 'descr' given twice");
    reject(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x\n", 4,
           "text after the dict");
    reject(1, "{'descr' '<f4', 'fortran_order': False, 'shape': (1,), }\n", 4, "expected ':'");
    reject(1, "{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }\n", 4, "expected ','");
    reject(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }\n", 4, "header: ");
    reject(1, "{'descr': '<f4\n", 4, "not closed");
    reject(1, "{'descr': 'a\\'b', 'fortran_order': False, 'shape': (1,), }\n", 4, "escape");
    reject(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }\n",
           4, "more than 8 dimensions");
    reject(1, HEAD("(4294967296, 4294967296, 4294967296)"), 4, "too many elements");
}

static void test_data_length_rejected(void **state)
{
    (void)state;
    reject(1, HEAD("(3, 2)"), 20, "truncated: 20 bytes of data, but shape (3, 2) needs 24");
    reject(1, HEAD("(3,)"), 13, "bytes after the data: 13 bytes of data, but shape (3,) needs 12");
    reject(1, HEAD("()"), 0, "shape () needs 4");
    reject(2, HEAD("(0,)"), 4, "needs 0");
}

static void temp_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/predoff-test-npy-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void test_write_read_back(void **state)
{
    (void)state;
    char path[64];
    temp_path(path, sizeof path);
    pd_error err;
    float data[3 * 4 * 5];
    for (int i = 0; i < 60; i++)
        data[i] = (float)i * 0.25f - 3.0f;
    const int64_t shapes[][4] = {{3, 4, 5, 0}, {60, 0, 0, 0}, {0, 0, 0, 0}, {1, 3, 4, 5}, {0, 7, 0, 0}};
    const int ndims[] = {3, 1, 0, 4, 2};
    const char *texts[] = {"(3, 4, 5)", "(60,)", "()", "(1, 3, 4, 5)", "(0, 7)"};
    for (int c = 0; c < 5; c++) {
        if (pd_npy_write(path, data, ndims[c], shapes[c], &err) != PD_OK)
            fail_msg("write: %s", err.msg);
        /* numpy's layout: format 1.0, data 64-byte aligned, the header ends in a newline */
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        uint8_t head[256];
        size_t got = fread(head, 1, sizeof head, f);
        fclose(f);
        assert_true(got >= 64);
        assert_memory_equal(head, "\x93NUMPY\x01\x00", 8);
        size_t hlen = head[8] | (size_t)head[9] << 8;
        assert_int_equal((10 + hlen) % 64, 0);
        assert_int_equal(head[10 + hlen - 1], '\n');
        char want[128];
        snprintf(want, sizeof want, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                 texts[c]);
        assert_memory_equal(head + 10, want, strlen(want));

        pd_array a;
        if (pd_npy_read(path, &a, &err) != PD_OK)
            fail_msg("read back: %s", err.msg);
        assert_int_equal(a.ndim, ndims[c]);
        size_t count = 1;
        for (int d = 0; d < a.ndim; d++) {
            assert_int_equal(a.dims[d], shapes[c][d]);
            count *= (size_t)shapes[c][d];
        }
        assert_int_equal(a.count, count);
        assert_memory_equal(a.data, data, count * sizeof(float));
        assert_int_equal((uintptr_t)a.data % 64, 0);
        pd_array_free(&a);
    }

    /* the same file cut short, or grown, is an error naming it */
    assert_int_equal(pd_npy_write(path, data, 1, shapes[1], &err), PD_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 128 + 240); /* numpy's header for (60,) is 128 bytes too */
    assert_int_equal(truncate(path, st.st_size - 4), 0);
    pd_array a;
    assert_int_equal(pd_npy_read(path, &a, &err), PD_EINPUT);
    assert_null(a.data);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "truncated"));
    assert_int_equal(truncate(path, st.st_size + 4), 0);
    assert_int_equal(pd_npy_read(path, &a, &err), PD_EINPUT);
    if (!strstr(err.msg, "bytes after the data"))
        fail_msg("%s", err.msg);
    remove(path);

    /* bad arguments and paths */
    const int64_t neg[] = {-1};
    assert_int_equal(pd_npy_write(path, data, 1, neg, &err), PD_EINPUT);
    assert_int_equal(pd_npy_write(path, data, 9, shapes[0], &err), PD_EINPUT);
    assert_int_equal(pd_npy_write(path, NULL, 1, shapes[1], &err), PD_EINPUT);
    const char *nodir = "/tmp/predoff-test-no-such-dir/x.npy";
    assert_int_equal(pd_npy_write(nodir, data, 1, shapes[1], &err), PD_EIO);
    assert_non_null(strstr(err.msg, nodir));
    assert_int_equal(pd_npy_read(nodir, &a, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, nodir));
    assert_int_equal(pd_npy_read("/tmp", &a, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "not a regular file"));
}

/* Files written by numpy's np.save (tools/make_fixtures.py). */
static void test_numpy_fixtures(void **state)
{
    (void)state;
    const char *files[] = {"b-lenet/input-0.npy", "b-lenet/exit-fc5-1.npy", "b-alexnet/input-1.npy"};
    const int ndims[] = {3, 1, 3};
    const int64_t dims[][3] = {{1, 28, 28}, {10}, {3, 32, 32}};
    for (int f = 0; f < 3; f++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s", PD_SOURCE_DIR, files[f]);
        pd_array a;
        pd_error err;
        if (pd_npy_read(path, &a, &err) != PD_OK)
            fail_msg("%s", err.msg);
        assert_int_equal(a.ndim, ndims[f]);
        for (int d = 0; d < a.ndim; d++)
            assert_int_equal(a.dims[d], dims[f][d]);
        int nonzero = 0;
        for (size_t k = 0; k < a.count; k++)
            nonzero += a.data[k] != 0.0f;
        assert_true(nonzero > 0);
        pd_array_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_accepted),
        cmocka_unit_test(test_prefix_rejected),
        cmocka_unit_test(test_header_rejected),
        cmocka_unit_test(test_header_structure_rejected),
        cmocka_unit_test(test_data_length_rejected),
        cmocka_unit_test(test_write_read_back),
        cmocka_unit_test(test_numpy_fixtures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
