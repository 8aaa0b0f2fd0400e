/* Weights: safetensors round trips, every rejection of a malformed file on hand-made
 * bytes, the checks against a model's layers, and seeded random initialisation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"

#define SRC "w.safetensors"

/* A safetensors file: the header text as given (its length in front), then data_len
 * bytes of data holding the floats 0, 1, 2, ... */
static uint8_t *make_file(const char *header, size_t data_len, size_t *len)
{
    size_t n = strlen(header);
    *len = 8 + n + data_len;
    uint8_t *b = malloc(*len + 1);
    assert_non_null(b);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(b + 8, header, n);
    for (size_t i = 0; i < data_len; i++) {
        float v = (float)(i / 4);
        b[8 + n + i] = ((const uint8_t *)&v)[i % 4];
    }
    return b;
}

static pd_weights *parse_ok(const char *header, size_t data_len)
{
    size_t len;
    uint8_t *b = make_file(header, data_len, &len);
    pd_weights *w = NULL;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_weights_parse_safetensors(b, len, SRC, &w, &err);
    free(b);
    if (st != PD_OK)
        fail_msg("%s\n  rejected: %s", header, err.msg);
    assert_non_null(w);
    return w;
}

/* Parses bytes that must be rejected with a message holding each of the strings given. */
static void reject_bytes(const uint8_t *b, size_t len, const char *want1, const char *want2)
{
    pd_weights sentinel;
    pd_weights *w = &sentinel; /* must be reset to NULL */
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_weights_parse_safetensors(b, len, SRC, &w, &err);
    if (st == PD_OK)
        fail_msg("accepted; wanted \"%s\"", want1);
    assert_int_equal(st, PD_EINPUT);
    assert_int_equal(err.status, PD_EINPUT);
    assert_null(w);
    if (strncmp(err.msg, SRC ": ", strlen(SRC) + 2) != 0 || !strstr(err.msg, want1) ||
        (want2 && !strstr(err.msg, want2)) || strchr(err.msg, '\n'))
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1, want2 ? want2 : "");
}

static void reject(const char *header, size_t data_len, const char *want1, const char *want2)
{
    size_t len;
    uint8_t *b = make_file(header, data_len, &len);
    reject_bytes(b, len, want1, want2);
    free(b);
}

static pd_graph *lenet(void)
{
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_open("b-lenet", &g, &err) != PD_OK)
        fail_msg("b-lenet: %s", err.msg);
    return g;
}

static pd_weights *random_ok(const pd_graph *g, uint64_t seed)
{
    pd_weights *w = NULL;
    pd_error err;
    if (pd_weights_random(g, seed, &w, &err) != PD_OK)
        fail_msg("random weights: %s", err.msg);
    assert_non_null(w);
    return w;
}

static void temp_path(char *path, size_t n)
{
    snprintf(path, n, "/tmp/predoff-test-weights-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void assert_same_weights(const pd_weights *a, const pd_weights *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const pd_named_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->ndim, y->ndim);
        for (int d = 0; d < x->ndim; d++)
            assert_int_equal(x->dims[d], y->dims[d]);
        assert_int_equal(x->count, y->count);
        assert_memory_equal(x->data, y->data, x->count * sizeof(float));
        assert_int_equal((uintptr_t)y->data % 64, 0);
    }
}

static void test_hand_made_file(void **state)
{
    (void)state;
    /* metadata, a scalar, an empty tensor, spaces as padding, offsets out of order */
    pd_weights *w = parse_ok("{\"__metadata__\": {\"format\": \"pt\"}, "
                             "\"b\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [4, 28]}, "
                             "\"a\": {\"shape\": [], \"data_offsets\": [0, 4], \"dtype\": \"F32\"}, "
                             "\"e\": {\"dtype\": \"F32\", \"shape\": [0, 5], \"data_offsets\": [4, 4]}}   ",
                             28);
    assert_int_equal(w->n, 3);
    const pd_named_tensor *b = pd_weights_find(w, "b"), *a = pd_weights_find(w, "a"),
                          *e = pd_weights_find(w, "e");
    assert_ptr_equal(b, &w->tensors[0]); /* header order */
    assert_ptr_equal(a, &w->tensors[1]);
    assert_int_equal(b->ndim, 2);
    assert_int_equal(b->dims[0], 2);
    assert_int_equal(b->dims[1], 3);
    assert_int_equal(b->count, 6);
    for (int i = 0; i < 6; i++)
        assert_true(b->data[i] == (float)(i + 1));
    assert_int_equal(a->ndim, 0);
    assert_int_equal(a->count, 1);
    assert_true(a->data[0] == 0.0f);
    assert_int_equal(e->count, 0);
    assert_non_null(e->data);
    assert_int_equal((uintptr_t)b->data % 64, 0);
    assert_null(pd_weights_find(w, "c"));
    assert_null(pd_weights_find(w, "__metadata__"));
    pd_weights_free(w);

    w = parse_ok("{}", 0); /* no tensors at all */
    assert_int_equal(w->n, 0);
    pd_weights_free(w);
    /* gaps between tensors are allowed: only overlaps are not */
    w = parse_ok("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}", 16);
    assert_true(w->tensors[0].data[0] == 2.0f);
    pd_weights_free(w);
    pd_weights_free(NULL);
}

static void test_header_length_rejected(void **state)
{
    (void)state;
    const uint8_t five[5] = {2, 0, 0, 0, 0};
    reject_bytes(five, sizeof five, "header: ", "too short");
    reject_bytes(five, 0, "header: ", "too short");
    /* a length past the end of the file */
    uint8_t past[18] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    reject_bytes(past, sizeof past, "header: length 100", "past the end");
    /* beyond 100 MiB, whatever the file's size: checked before anything is allocated */
    uint8_t big[10] = {1, 0, 0x40, 0x06, 0, 0, 0, 0, '{', '}'}; /* 100 MiB + 1 */
    reject_bytes(big, sizeof big, "header: length 104857601", "limit");
    uint8_t huge[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
    reject_bytes(huge, sizeof huge, "header: ", "limit");
}

static void test_header_text_rejected(void **state)
{
    (void)state;
    reject("{\"a\": ", 0, "header: not valid JSON", NULL);
    reject("not json", 0, "header: not valid JSON", NULL);
    reject("", 0, "header: not valid JSON", NULL);
    reject("{} x", 0, "header: text after the JSON object", NULL);
    reject("[1, 2]", 0, "header: must be a JSON object", NULL);
    reject("{\"a\xff\": 1}", 0, "header: not valid UTF-8", NULL);
    reject("{\"a\xc0\x80\": 1}", 0, "not valid UTF-8", NULL);  /* overlong */
    reject("{\"\xed\xa0\x80\": 1}", 0, "not valid UTF-8", NULL); /* a surrogate */
    reject("{\"a\x01\": 1}", 0, "header: control character", NULL);
    reject("{\"a\nb\": 1}", 0, "header: control character 0x0a", NULL); /* raw, in a string */
    /* names from the file never break the message's single line */
    reject("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"\\n\": 1}}", 4,
           "tensor \"x\": unknown field \"?\"", NULL);
    reject("{\"x\\ny\": 1}", 0, "tensor \"x?y\": must be an object", NULL);
    reject("{\"x\": {\"dtype\": \"\\t\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
           "dtype ? is not supported", NULL);
    reject("{\"a\\u0000b\": {}}", 0, "\\u0000", NULL);
    /* an escaped backslash followed by u0000 is plain text: this one fails later */
    reject("{\"a\\\\u0000b\": 1}", 0, "tensor \"a\\u0000b\"", "must be an object");
    reject("{\"__metadata__\": {\"k\": 1}}", 0, "header: \"__metadata__\"", "must be a string");
    reject("{\"__metadata__\": [1]}", 0, "header: \"__metadata__\"", "object of strings");
    reject("{\"__metadata__\": {}, \"__metadata__\": {}}", 0, "header: \"__metadata__\"",
           "twice");
}

#define T(name, dtype, shape, offs)                                                          \
    "\"" name "\": {\"dtype\": \"" dtype "\", \"shape\": " shape ", \"data_offsets\": " offs "}"

static void test_tensor_entries_rejected(void **state)
{
    (void)state;
    reject("{" T("conv1.weight", "F16", "[2]", "[0, 4]") "}", 4, "tensor \"conv1.weight\"",
           "dtype F16 is not supported");
    reject("{" T("x", "F64", "[1]", "[0, 8]") "}", 8, "tensor \"x\": dtype F64", NULL);
    reject("{\"x\": 3}", 0, "tensor \"x\": must be an object", NULL);
    reject("{\"x\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "tensor \"x\": missing field "
           "\"data_offsets\"", NULL);
    reject("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"y\": 1}}", 4,
           "tensor \"x\": unknown field \"y\"", NULL);
    reject("{\"x\": {\"dtype\": \"F32\", \"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
           4, "tensor \"x\": field \"dtype\" given twice", NULL);
    reject("{\"x\": {\"dtype\": 1, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
           "tensor \"x\": field \"dtype\" must be a string", NULL);
    reject("{" T("x", "F32", "[-1]", "[0, 4]") "}", 4, "tensor \"x\": field \"shape\"", NULL);
    reject("{" T("x", "F32", "[1.5]", "[0, 4]") "}", 4, "tensor \"x\": field \"shape\"", NULL);
    reject("{" T("x", "F32", "[\"2\"]", "[0, 8]") "}", 8, "tensor \"x\": field \"shape\"", NULL);
    reject("{" T("x", "F32", "3", "[0, 12]") "}", 12, "tensor \"x\": field \"shape\" must be", NULL);
    reject("{" T("x", "F32", "[1, 1, 1, 1, 1, 1, 1, 1, 1]", "[0, 4]") "}", 4,
           "tensor \"x\": shape has 9 dimensions", NULL);
    reject("{" T("x", "F32", "[1048576, 1048576, 1048576, 1048576]", "[0, 4]") "}", 4,
           "tensor \"x\": shape", "too many elements");
    reject("{" T("x", "F32", "[2]", "[0]") "}", 8, "tensor \"x\": field \"data_offsets\"", NULL);
    reject("{" T("x", "F32", "[2]", "[0, -8]") "}", 8, "tensor \"x\": field \"data_offsets\"", NULL);
    reject("{" T("x", "F32", "[2]", "[8, 0]") "}", 8, "tensor \"x\"", "end before they begin");
    /* shape and offsets disagree */
    reject("{" T("x", "F32", "[2, 3]", "[0, 20]") "}", 24, "tensor \"x\": shape [2, 3] needs 24 "
           "bytes", "hold 20");
    /* offsets past the end of the data */
    reject("{" T("x", "F32", "[4]", "[0, 16]") "}", 8, "tensor \"x\": data_offsets [0, 16] run "
           "past the end", NULL);
}

static void test_layout_rejected(void **state)
{
    (void)state;
    reject("{" T("a", "F32", "[4]", "[0, 16]") ", " T("b", "F32", "[4]", "[8, 24]") "}", 24,
           "tensor \"b\": data_offsets [8, 24] overlap", "tensor \"a\" [0, 16]");
    /* found whatever the order in the header */
    reject("{" T("b", "F32", "[1]", "[12, 16]") ", " T("a", "F32", "[4]", "[0, 16]") "}", 16,
           "overlap", NULL);
    /* a tensor inside another, past a shorter neighbour */
    reject("{" T("a", "F32", "[6]", "[0, 24]") ", " T("b", "F32", "[1]", "[4, 8]") ", "
           T("c", "F32", "[1]", "[16, 20]") "}", 24, "overlap", NULL);
    reject("{" T("a", "F32", "[1]", "[0, 4]") ", " T("a", "F32", "[1]", "[4, 8]") "}", 8,
           "tensor \"a\": given twice", NULL);
    /* an empty tensor sits anywhere, even beside the same offset */
    pd_weights *w = parse_ok("{" T("a", "F32", "[1]", "[0, 4]") ", " T("b", "F32", "[0]", "[0, 0]")
                             ", " T("c", "F32", "[1]", "[4, 8]") "}", 8);
    assert_int_equal(w->n, 3);
    pd_weights_free(w);
}

static void test_round_trip(void **state)
{
    (void)state;
    pd_graph *g = lenet();
    pd_weights *w = random_ok(g, 42);
    pd_error err;
    char path[64];
    temp_path(path, sizeof path);
    assert_int_equal(pd_weights_write_safetensors(w, path, &err), PD_OK);
    pd_weights *back = NULL;
    if (pd_weights_read_safetensors(path, &back, &err) != PD_OK)
        fail_msg("read back: %s", err.msg);
    assert_same_weights(w, back);
    assert_int_equal(pd_weights_check(back, g, path, &err), PD_OK);

    /* the layout: header length then data 8-byte aligned, the header padded with spaces */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t len8[8];
    assert_int_equal(fread(len8, 1, 8, f), 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | len8[i];
    assert_int_equal((8 + n) % 8, 0);
    char *header = calloc(1, (size_t)n + 1);
    assert_non_null(header);
    assert_int_equal(fread(header, 1, (size_t)n, f), n);
    assert_int_equal(header[0], '{');
    assert_non_null(strstr(header, "\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[5,1,5,5],"
                                   "\"data_offsets\":[0,500]}"));
    fclose(f);
    free(header);

    /* the same file cut short is rejected, naming it */
    assert_int_equal(truncate(path, 8 + (off_t)n + 100), 0);
    pd_weights *cut = NULL;
    assert_int_equal(pd_weights_read_safetensors(path, &cut, &err), PD_EINPUT);
    assert_null(cut);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "past the end of the data"));
    remove(path);
    pd_weights_free(back);
    pd_weights_free(w);
    pd_graph_free(g);
}

/* Replacing a file: the new weights in place, no .tmp left; when the write cannot be done
 * (here PATH.tmp is a directory), the old file stays whole and the error names the path. */
static void test_replace(void **state)
{
    (void)state;
    pd_graph *g = lenet();
    pd_weights *a = random_ok(g, 1), *b = random_ok(g, 2), *back = NULL;
    pd_error err;
    char path[64], tmp[80];
    temp_path(path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(pd_weights_write_safetensors(a, path, &err), PD_OK);
    assert_int_equal(pd_weights_replace_safetensors(b, path, &err), PD_OK);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(pd_weights_read_safetensors(path, &back, &err), PD_OK);
    assert_same_weights(b, back);
    pd_weights_free(back);
    back = NULL;
    assert_int_equal(mkdir(tmp, 0700), 0);
    assert_int_not_equal(pd_weights_replace_safetensors(a, path, &err), PD_OK);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(pd_weights_read_safetensors(path, &back, &err), PD_OK);
    assert_same_weights(b, back); /* still the last good weights */
    rmdir(tmp);
    remove(path);
    pd_weights_free(back);
    pd_weights_free(a);
    pd_weights_free(b);
    pd_graph_free(g);
}

static void test_round_trip_odd_names(void **state)
{
    (void)state;
    /* names that need escaping, a scalar, an empty tensor and no tensors at all */
    float one = 1.5f, six[6] = {1, 2, 3, 4, 5, 6};
    pd_named_tensor t[] = {
        {(char *)"quote\"back\\slash\nnewline \xc3\xa9", 2, {2, 3}, 6, six},
        {(char *)"scalar", 0, {0}, 1, &one},
        {(char *)"empty", 2, {0, 7}, 0, NULL},
    };
    pd_error err;
    char path[64];
    temp_path(path, sizeof path);
    for (size_t n = 0; n <= 3; n += 3) {
        pd_weights w = {.n = n, .tensors = t};
        assert_int_equal(pd_weights_write_safetensors(&w, path, &err), PD_OK);
        pd_weights *back = NULL;
        if (pd_weights_read_safetensors(path, &back, &err) != PD_OK)
            fail_msg("read back: %s", err.msg);
        assert_int_equal(back->n, n);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(back->tensors[i].name, t[i].name);
            assert_int_equal(back->tensors[i].ndim, t[i].ndim);
            assert_int_equal(back->tensors[i].count, t[i].count);
            if (t[i].count)
                assert_memory_equal(back->tensors[i].data, t[i].data, t[i].count * 4);
        }
        pd_weights_free(back);
    }
    remove(path);
}

static void test_write_rejected(void **state)
{
    (void)state;
    float v[2] = {1, 2};
    pd_error err;
    char path[64];
    temp_path(path, sizeof path);
    pd_named_tensor dup[] = {{(char *)"a", 1, {1}, 1, v}, {(char *)"a", 1, {1}, 1, v + 1}};
    pd_weights w = {.n = 2, .tensors = dup};
    assert_int_equal(pd_weights_write_safetensors(&w, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "tensor \"a\": given twice"));
    pd_named_tensor meta[] = {{(char *)"__metadata__", 1, {1}, 1, v}};
    w = (pd_weights){.n = 1, .tensors = meta};
    assert_int_equal(pd_weights_write_safetensors(&w, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "reserved"));
    pd_named_tensor wrong[] = {{(char *)"a", 1, {3}, 2, v}};
    w = (pd_weights){.n = 1, .tensors = wrong};
    assert_int_equal(pd_weights_write_safetensors(&w, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "does not match"));
    pd_named_tensor bad_utf8[] = {{(char *)"a\xff", 1, {1}, 1, v}};
    w = (pd_weights){.n = 1, .tensors = bad_utf8};
    assert_int_equal(pd_weights_write_safetensors(&w, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "UTF-8"));
    remove(path);
    w = (pd_weights){.n = 1, .tensors = dup};
    assert_int_equal(pd_weights_write_safetensors(&w, "/tmp/predoff-test-no-such-dir/w.st", &err),
                     PD_EIO);
    assert_non_null(strstr(err.msg, "/tmp/predoff-test-no-such-dir/w.st"));
    pd_weights *none = NULL;
    assert_int_equal(pd_weights_read_safetensors("/tmp/predoff-test-no-such-dir/w.st", &none, &err),
                     PD_EINPUT);
    assert_null(none);
    assert_non_null(strstr(err.msg, "/tmp/predoff-test-no-such-dir/w.st"));
}

/* "__metadata__": strings read into w->meta in file order, written back and read again
 * unchanged (escapes, UTF-8), replaced by a second set of the same key, copied with the
 * tensors; a key given twice and bad UTF-8 are refused on reading and on writing. */
static void test_metadata_round_trip(void **state)
{
    (void)state;
    pd_weights *w = parse_ok("{\"__metadata__\": {\"input_mean\": \"0.2860\", \"note\": "
                             "\"a \\\"quoted\\\" line\\n\\u00e9\"}, "
                             "\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
                             4);
    assert_int_equal(w->n_meta, 2);
    assert_string_equal(w->meta[0].key, "input_mean");
    assert_string_equal(pd_weights_meta_get(w, "input_mean"), "0.2860");
    assert_string_equal(pd_weights_meta_get(w, "note"), "a \"quoted\" line\n\xc3\xa9");
    assert_null(pd_weights_meta_get(w, "absent"));
    pd_error err;
    assert_int_equal(pd_weights_meta_set(w, "input_mean", "0.5", &err), PD_OK);
    assert_int_equal(pd_weights_meta_set(w, "epochs", "3", &err), PD_OK);
    assert_int_equal(w->n_meta, 3);
    assert_string_equal(pd_weights_meta_get(w, "input_mean"), "0.5");
    char path[64];
    temp_path(path, sizeof path);
    assert_int_equal(pd_weights_write_safetensors(w, path, &err), PD_OK);
    pd_weights *back = NULL;
    if (pd_weights_read_safetensors(path, &back, &err) != PD_OK)
        fail_msg("read back: %s", err.msg);
    assert_int_equal(back->n, 1);
    assert_int_equal(back->n_meta, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(back->meta[i].key, w->meta[i].key);
        assert_string_equal(back->meta[i].value, w->meta[i].value);
    }
    pd_weights *copy = NULL;
    assert_int_equal(pd_weights_copy(back, &copy, &err), PD_OK);
    assert_int_equal(copy->n_meta, 3);
    assert_string_equal(pd_weights_meta_get(copy, "epochs"), "3");
    assert_memory_equal(copy->tensors[0].data, back->tensors[0].data, 4);
    assert_ptr_not_equal(copy->tensors[0].data, back->tensors[0].data);
    pd_weights_free(copy);
    pd_weights_free(back);
    /* metadata alone, no tensors */
    pd_weights only = {.n_meta = 1, .meta = (pd_weights_meta[]){{(char *)"k", (char *)"v"}}};
    assert_int_equal(pd_weights_write_safetensors(&only, path, &err), PD_OK);
    assert_int_equal(pd_weights_read_safetensors(path, &back, &err), PD_OK);
    assert_int_equal(back->n, 0);
    assert_string_equal(pd_weights_meta_get(back, "k"), "v");
    pd_weights_free(back);
    /* refused on writing */
    pd_weights_meta twice[] = {{(char *)"k", (char *)"1"}, {(char *)"k", (char *)"2"}};
    pd_weights bad = {.n_meta = 2, .meta = twice};
    assert_int_equal(pd_weights_write_safetensors(&bad, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "metadata \"k\" is given twice"));
    pd_weights_meta utf[] = {{(char *)"k", (char *)"\xff"}};
    bad = (pd_weights){.n_meta = 1, .meta = utf};
    assert_int_equal(pd_weights_write_safetensors(&bad, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "UTF-8"));
    remove(path);
    pd_weights_free(w);
    /* refused on reading */
    reject("{\"__metadata__\": {\"k\": \"1\", \"k\": \"2\"}}", 0, "header: \"__metadata__\"",
           "key \"k\" given twice");
}

static void check_fails(const pd_weights *w, const pd_graph *g, const char *want1,
                        const char *want2)
{
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_weights_check(w, g, SRC, &err), PD_EINPUT);
    if (strncmp(err.msg, SRC ": ", strlen(SRC) + 2) != 0 || !strstr(err.msg, want1) ||
        !strstr(err.msg, want2))
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1, want2);
}

static void test_check_against_model(void **state)
{
    (void)state;
    pd_graph *g = lenet();
    pd_weights *w = random_ok(g, 1);
    pd_error err;
    assert_int_equal(pd_weights_check(w, g, SRC, &err), PD_OK);
    /* two per layer with weights: 4 conv, 3 fc */
    assert_int_equal(w->n, 14);
    const pd_named_tensor *c1 = pd_weights_find(w, "conv1.weight");
    assert_non_null(c1);
    assert_int_equal(c1->ndim, 4);
    assert_int_equal(c1->dims[0], 5);
    assert_int_equal(c1->dims[1], 1);
    assert_int_equal(c1->dims[2], 5);
    assert_int_equal(c1->dims[3], 5);
    const pd_named_tensor *fc5 = pd_weights_find(w, "fc5.weight");
    const pd_layer *l = &g->layers[pd_graph_find(g, "fc5")];
    assert_int_equal(fc5->dims[0], 10);
    assert_int_equal(fc5->dims[1], pd_shape_elems(l->in));
    assert_int_equal(pd_weights_find(w, "fc5.bias")->dims[0], 10);

    /* a missing tensor */
    pd_named_tensor *bias = (pd_named_tensor *)pd_weights_find(w, "conv2.bias");
    bias->name[strlen(bias->name) - 1] = 'x';
    check_fails(w, g, "tensor \"conv2.bias\" is missing", "needs shape [10]");
    bias->name[strlen(bias->name) - 1] = 's';
    assert_int_equal(pd_weights_check(w, g, SRC, &err), PD_OK);

    /* a wrong shape: both shapes in the message */
    pd_named_tensor *fw = (pd_named_tensor *)pd_weights_find(w, "fc4.weight");
    int64_t d0 = fw->dims[0], d1 = fw->dims[1];
    fw->dims[0] = d1;
    fw->dims[1] = d0;
    char want[64];
    snprintf(want, sizeof want, "needs [%lld, %lld]", (long long)d0, (long long)d1);
    check_fails(w, g, "tensor \"fc4.weight\": shape", want);
    fw->dims[0] = d0;
    fw->dims[1] = d1;
    pd_named_tensor *cw = (pd_named_tensor *)pd_weights_find(w, "conv3.weight");
    cw->ndim = 2;
    check_fails(w, g, "tensor \"conv3.weight\": shape [20, 10]", "needs [20, 10, 5, 5]");
    cw->ndim = 4;
    assert_int_equal(pd_weights_check(w, g, SRC, &err), PD_OK);

    /* a file that lacks a layer's tensors entirely */
    pd_weights empty = {.n = 0, .tensors = NULL};
    check_fails(&empty, g, "tensor \"conv1.weight\" is missing", "needs shape [5, 1, 5, 5]");
    pd_weights_free(w);
    pd_graph_free(g);
}

/* pd_weights_pack (src/io/weights_pack.c): random weights come packed, every tensor in the
 * block on cache lines of its own; a copy packs to the same values, a second pack changes
 * nothing, and a tensor replaced after packing is freed as its own (ASan would see a bad
 * free or a leak). */
static void test_weights_packed(void **state)
{
    (void)state;
    pd_graph *g = lenet();
    pd_weights *a = random_ok(g, 7), *c = NULL;
    assert_non_null(a->block);
    for (size_t i = 0; i < a->n; i++) {
        uintptr_t at = (uintptr_t)a->tensors[i].data, lo = (uintptr_t)a->block;
        assert_true(at >= lo && at - lo + a->tensors[i].count * sizeof(float) <= a->block_bytes);
        assert_int_equal(at % 64, 0);
        if (i > 0) /* laid out in order, apart */
            assert_true(at >= (uintptr_t)a->tensors[i - 1].data +
                                   a->tensors[i - 1].count * sizeof(float));
    }
    pd_error err = {0};
    assert_int_equal(pd_weights_copy(a, &c, &err), PD_OK);
    assert_null(c->block);
    assert_int_equal(pd_weights_pack(c, &err), PD_OK);
    void *block = c->block;
    assert_int_equal(pd_weights_pack(c, &err), PD_OK);
    assert_ptr_equal(c->block, block);
    assert_same_weights(a, c);
    float *own = malloc(c->tensors[0].count * sizeof *own);
    assert_non_null(own);
    memcpy(own, c->tensors[0].data, c->tensors[0].count * sizeof *own);
    c->tensors[0].data = own;
    assert_same_weights(a, c);
    pd_weights_free(c);
    pd_weights_free(a);
    pd_graph_free(g);
}

static void test_random_weights(void **state)
{
    (void)state;
    pd_graph *g = lenet();
    pd_weights *a = random_ok(g, 7), *b = random_ok(g, 7), *c = random_ok(g, 8);
    assert_same_weights(a, b);
    int differ = 0;
    for (size_t i = 0; i < a->n; i++) {
        const pd_named_tensor *t = &a->tensors[i];
        differ |= memcmp(t->data, c->tensors[i].data, t->count * sizeof(float)) != 0;
        /* the layer and its fan-in */
        size_t dot = strrchr(t->name, '.') - t->name;
        char layer[64];
        snprintf(layer, sizeof layer, "%.*s", (int)dot, t->name);
        const pd_layer *l = &g->layers[pd_graph_find(g, layer)];
        double fan_in = l->type == PD_LAYER_CONV
                            ? (double)(l->in.c * l->p.kernel * l->p.kernel)
                            : (double)pd_shape_elems(l->in);
        double bound = 1.0 / sqrt(fan_in), lo = 0, hi = 0, sum = 0;
        for (size_t k = 0; k < t->count; k++) {
            double v = t->data[k];
            if (!(fabs(v) <= (float)bound))
                fail_msg("%s[%zu] = %g outside +-%g", t->name, k, v, bound);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            sum += v;
        }
        if (t->count >= 500) { /* spread over the range, centred */
            assert_true(lo < -0.9 * bound && hi > 0.9 * bound);
            assert_true(fabs(sum / (double)t->count) < 0.1 * bound);
        }
    }
    assert_true(differ);
    pd_weights_free(a);
    pd_weights_free(b);
    pd_weights_free(c);
    pd_graph_free(g);
}

/* Files written by tools/make_fixtures.py (PyTorch's initialisation, its own writer, with
 * metadata and tensors sorted by name): read, checked against the model, within
 * PyTorch's ranges, which pd_weights_random copies. */
static void test_pytorch_fixtures(void **state)
{
    (void)state;
    const char *models[] = {"b-lenet", "b-alexnet"};
    for (int m = 0; m < 2; m++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/fixtures/%s/weights.safetensors", PD_SOURCE_DIR,
                 models[m]);
        pd_graph *g = NULL;
        pd_weights *w = NULL, *r = NULL;
        pd_error err;
        assert_int_equal(pd_graph_open(models[m], &g, &err), PD_OK);
        if (pd_weights_read_safetensors(path, &w, &err) != PD_OK)
            fail_msg("%s", err.msg);
        if (pd_weights_check(w, g, path, &err) != PD_OK)
            fail_msg("%s", err.msg);
        r = random_ok(g, 5);
        assert_int_equal(w->n, r->n); /* the same tensors, nothing more */
        for (size_t i = 0; i < w->n; i++) {
            const pd_named_tensor *t = &w->tensors[i];
            const pd_named_tensor *mine = pd_weights_find(r, t->name);
            assert_non_null(mine);
            float bound = 0;
            for (size_t k = 0; k < mine->count; k++)
                bound = fabsf(mine->data[k]) > bound ? fabsf(mine->data[k]) : bound;
            float top = 0;
            for (size_t k = 0; k < t->count; k++)
                top = fabsf(t->data[k]) > top ? fabsf(t->data[k]) : top;
            /* the same range: the largest draws of both come close to the common bound */
            if (t->count >= 100 && !(top <= bound * 1.1f && bound <= top * 1.1f))
                fail_msg("%s: PyTorch's largest |w| %g, ours %g", t->name, top, bound);
        }
        pd_weights_free(r);
        pd_weights_free(w);
        pd_graph_free(g);
    }
}

/* A growing header text for the tests of many names. */
typedef struct text {
    char *s;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char piece[256];
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof piece);
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = 2 * (t->len + (size_t)n + 1);
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->len, piece, (size_t)n + 1);
    t->len += (size_t)n;
}

/* A header of n metadata keys k0, k1, ... in order, key `dup_at` (if < n) repeating key
 * `dup_of`, and one empty tensor. */
static char *many_keys(size_t n, size_t dup_at, size_t dup_of)
{
    text t = {0};
    put(&t, "{\"__metadata__\": {");
    for (size_t i = 0; i < n; i++)
        put(&t, "%s\"k%zu\": \"v%zu\"", i ? ", " : "", i == dup_at ? dup_of : i, i);
    put(&t, "}, \"t\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}");
    return t.s;
}

/* Many metadata keys and tensor names: all kept in order; a repeat, even one of tens of
 * thousands, refused, naming the first repeat in the file (the checks sort now). */
static void test_many_names(void **state)
{
    (void)state;
    enum { N = 20000 };
    char *h = many_keys(N, N, 0);
    pd_weights *w = parse_ok(h, 0);
    free(h);
    assert_int_equal(w->n_meta, N);
    for (size_t i = 0; i < N; i += 997) {
        char k[32], v[32];
        snprintf(k, sizeof k, "k%zu", i);
        snprintf(v, sizeof v, "v%zu", i);
        assert_string_equal(w->meta[i].key, k);
        assert_string_equal(pd_weights_meta_get(w, k), v);
    }
    /* written back and read again; a copy keeps them too */
    char path[64];
    temp_path(path, sizeof path);
    pd_error err;
    assert_int_equal(pd_weights_write_safetensors(w, path, &err), PD_OK);
    pd_weights *back = NULL, *copy = NULL;
    assert_int_equal(pd_weights_read_safetensors(path, &back, &err), PD_OK);
    assert_int_equal(pd_weights_copy(back, &copy, &err), PD_OK);
    assert_int_equal(copy->n_meta, N);
    assert_string_equal(copy->meta[N - 1].key, "k19999");
    assert_string_equal(copy->meta[N - 1].value, "v19999");
    pd_weights_free(back);
    pd_weights_free(copy);
    /* the writer refuses a repeat among them, naming it */
    char *saved = w->meta[15000].key;
    w->meta[15000].key = w->meta[123].key;
    assert_int_equal(pd_weights_write_safetensors(w, path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "metadata \"k123\" is given twice"));
    w->meta[15000].key = saved;
    pd_weights_free(w);
    remove(path);

    /* the reader: the first repeat in file order is named, not the first by name */
    h = many_keys(N, 15000, 123);
    reject(h, 0, "header: \"__metadata__\"", "key \"k123\" given twice");
    free(h);
    text t = {0};
    put(&t, "{\"__metadata__\": {\"b\": \"1\", \"a\": \"1\", \"x\": \"1\", \"b\": \"2\", \"a\": \"2\"}}");
    reject(t.s, 0, "__metadata__", "key \"b\" given twice");
    free(t.s);
    /* a value that is not a string before the first repeat is what is reported */
    t = (text){0};
    put(&t, "{\"__metadata__\": {\"b\": \"1\", \"n\": 5, \"b\": \"2\"}}");
    reject(t.s, 0, "__metadata__", "value of \"n\" must be a string");
    free(t.s);

    /* tensor names: N distinct are read; one repeated among them is refused */
    for (int dup = 0; dup < 2; dup++) {
        t = (text){0};
        put(&t, "{");
        for (size_t i = 0; i < N; i++)
            put(&t, "%s\"t%zu\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [%zu, %zu]}",
                i ? ", " : "", dup && i == 17000 ? (size_t)42 : i, 4 * i, 4 * i + 4);
        put(&t, "}");
        if (dup) {
            reject(t.s, 4 * N, "tensor \"t42\": given twice", NULL);
        } else {
            w = parse_ok(t.s, 4 * N);
            assert_int_equal(w->n, N);
            pd_weights_index *ix;
            assert_int_equal(pd_weights_index_new(w, &ix, &err), PD_OK);
            for (size_t i = 0; i < N; i += 101) {
                char name[32];
                snprintf(name, sizeof name, "t%zu", i);
                const pd_named_tensor *f = pd_weights_index_find(ix, name);
                assert_ptr_equal(f, &w->tensors[i]);
                assert_true(f->data[0] == (float)i);
            }
            assert_null(pd_weights_index_find(ix, "t"));
            assert_null(pd_weights_index_find(ix, "t200000"));
            pd_weights_index_free(ix);
            pd_weights_free(w);
        }
        free(t.s);
    }
}

/* A chain of n fc layers of 3 outputs: l0 .. l{n-1}, the last an exit. */
static pd_graph *fc_chain(size_t n)
{
    text t = {0};
    put(&t, "{\"name\": \"chain\", \"input\": [1, 1, 3], \"layers\": [");
    for (size_t i = 0; i < n; i++)
        put(&t, "%s{\"name\": \"l%zu\", \"type\": \"fc\", \"outputs\": 3%s}", i ? ", " : "", i,
            i + 1 == n ? ", \"exit\": true" : "");
    put(&t, "]}");
    pd_graph *g = NULL;
    pd_error err;
    if (pd_graph_from_json(t.s, t.len, "chain", &g, &err) != PD_OK)
        fail_msg("chain: %s", err.msg);
    free(t.s);
    return g;
}

/* Lookups on a big model find the right tensor wherever it sits: weights in reverse
 * order, with decoys ("l1.weightx", "l1", the first of two equal names wins), give the
 * same outputs as in order; one missing tensor is named. */
static void test_lookup_many_layers(void **state)
{
    (void)state;
    enum { L = 3000 };
    pd_graph *g = fc_chain(L);
    pd_weights *w = random_ok(g, 5);
    assert_int_equal(w->n, 2 * L);
    pd_error err;
    float x[3] = {0.5f, -1.0f, 2.0f}, want[3], got[3];
    const float *out;
    size_t count;
    pd_net *net;
    assert_int_equal(pd_net_new(g, w, "w", 1, &net, &err), PD_OK);
    assert_int_equal(pd_net_run(net, 0, 0, L, x, 3, &out, &count, NULL, &err), PD_OK);
    memcpy(want, out, sizeof want);
    pd_net_free(net);

    /* reversed, with decoys: the tensors of l1 are cleared copies after a zeroed twin */
    pd_weights *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->tensors = calloc(2 * L + 3, sizeof *r->tensors);
    assert_non_null(r->tensors);
    for (size_t i = 0; i < 2 * L; i++)
        r->tensors[r->n++] = w->tensors[2 * L - 1 - i];
    w->n = 0; /* r owns them now, and the block their data lie in (pd_weights_pack) */
    r->block = w->block;
    r->block_bytes = w->block_bytes;
    w->block = NULL;
    pd_named_tensor decoy = r->tensors[0];
    decoy.data = NULL;
    decoy.count = 0;
    decoy.ndim = 0;
    const char *names[] = {"l1.weightx", "l1", "l1.bia"};
    for (int i = 0; i < 3; i++) {
        r->tensors[r->n] = decoy;
        r->tensors[r->n].name = malloc(16);
        assert_non_null(r->tensors[r->n].name);
        strcpy(r->tensors[r->n++].name, names[i]);
    }
    assert_int_equal(pd_weights_check(r, g, "r", &err), PD_OK);
    assert_int_equal(pd_net_new(g, r, "r", 1, &net, &err), PD_OK);
    assert_int_equal(pd_net_run(net, 0, 0, L, x, 3, &out, &count, NULL, &err), PD_OK);
    memcpy(got, out, sizeof got);
    pd_net_free(net);
    assert_memory_equal(got, want, sizeof want);
    pd_weights_index *ix;
    assert_int_equal(pd_weights_index_new(r, &ix, &err), PD_OK);
    assert_ptr_equal(pd_weights_index_find_joined(ix, "l1", ".weight"), pd_weights_find(r, "l1.weight"));
    assert_ptr_equal(pd_weights_index_find(ix, "l1.weightx"), &r->tensors[2 * L]);
    assert_null(pd_weights_index_find_joined(ix, "l1", ".weigh"));
    pd_weights_index_free(ix);

    /* a name given twice: the first in w is the one found, as pd_weights_find does */
    char *twin = r->tensors[0].name; /* l2999.bias */
    r->tensors[2 * L + 2].name[0] = '\0';
    free(r->tensors[2 * L + 2].name);
    r->tensors[2 * L + 2].name = malloc(strlen(twin) + 1);
    assert_non_null(r->tensors[2 * L + 2].name);
    strcpy(r->tensors[2 * L + 2].name, twin);
    assert_int_equal(pd_weights_index_new(r, &ix, &err), PD_OK);
    assert_ptr_equal(pd_weights_index_find(ix, twin), &r->tensors[0]);
    pd_weights_index_free(ix);

    /* one missing tensor among thousands is named */
    r->tensors[1000].name[0] = 'X';
    char want_msg[80];
    snprintf(want_msg, sizeof want_msg, "tensor \"l%zu.", (size_t)(2 * L - 1 - 1000) / 2);
    assert_int_equal(pd_weights_check(r, g, "r", &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, want_msg));
    assert_non_null(strstr(err.msg, "is missing"));
    pd_weights_free(r);
    pd_weights_free(w);
    pd_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_made_file),
        cmocka_unit_test(test_header_length_rejected),
        cmocka_unit_test(test_header_text_rejected),
        cmocka_unit_test(test_tensor_entries_rejected),
        cmocka_unit_test(test_layout_rejected),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_round_trip_odd_names),
        cmocka_unit_test(test_write_rejected),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_metadata_round_trip),
        cmocka_unit_test(test_check_against_model),
        cmocka_unit_test(test_random_weights),
        cmocka_unit_test(test_weights_packed),
        cmocka_unit_test(test_pytorch_fixtures),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_lookup_many_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
