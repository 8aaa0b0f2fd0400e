/* Wire protocol: round trips of every kind with one tensor, several and none, the header
 * and the tensors' descriptors laid out byte by byte as docs/PROTOCOL.md says, every
 * rejection on hand-made bytes (counts, names, shapes, sizes, truncation), unaligned
 * buffers, the hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/wire.h"

/* Little-endian fields written and read byte by byte, independently of protocol.c. */
static void le(uint8_t *b, size_t off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le_get(const uint8_t *b, size_t off, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)b[off + (size_t)i] << (8 * i);
    return v;
}

static void le_double(uint8_t *b, size_t off, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    le(b, off, v, 8);
}

/* A hand-made tensor descriptor. */
typedef struct hd {
    uint32_t name, ndim, dims[4];
} hd;

/* A hand-made message: the header with the given kind, `count` in its tensors field and
 * `payload` in its payload-length field, then `body` bytes: the n descriptors given (as far
 * as body reaches), then floats 0, 1, 2, ... (for an ERROR, 'x' throughout). Returns a
 * buffer of 80 + body bytes plus one spare byte. */
static uint8_t *hand(uint16_t kind, uint32_t count, const hd *t, size_t n, uint32_t payload,
                     size_t body, size_t *len)
{
    *len = PD_WIRE_HEADER_BYTES + body;
    uint8_t *b = calloc(1, *len + 1);
    assert_non_null(b);
    memcpy(b, "PDOF", 4);
    le(b, 4, 4, 2); /* the version, as docs/PROTOCOL.md has it */
    le(b, 6, kind, 2);
    le(b, 8, 0x0102030405060708ull, 8);
    le(b, 16, 0xa1a2a3a4a5a6a7a8ull, 8);
    le(b, 24, 0xb1b2b3b4b5b6b7b8ull, 8);
    le(b, 32, 2, 4);
    le(b, 36, 5, 4);
    le_double(b, 40, 1.5);
    le_double(b, 48, 0.0);
    le_double(b, 56, 250.25);
    le(b, 64, 250000, 4);
    le(b, 68, 3, 2);
    le(b, 70, kind == PD_WIRE_ERROR ? PD_WIRE_EPLAN : 0, 2);
    le(b, 72, count, 4);
    le(b, 76, payload, 4);
    uint8_t *p = b + PD_WIRE_HEADER_BYTES;
    size_t desc = kind == PD_WIRE_ERROR ? 0 : n * PD_WIRE_TENSOR_BYTES;
    for (size_t i = 0; i < body; i++) {
        size_t k = i - desc;
        float v = (float)(k / 4);
        p[i] = kind == PD_WIRE_ERROR ? 'x' : i < desc ? 0 : ((const uint8_t *)&v)[k % 4];
    }
    for (size_t i = 0; i < n && kind != PD_WIRE_ERROR; i++) {
        uint8_t d[PD_WIRE_TENSOR_BYTES];
        le(d, 0, t[i].name, 4);
        le(d, 4, t[i].ndim, 4);
        for (int j = 0; j < 4; j++)
            le(d, 8 + 4 * (size_t)j, t[i].dims[j], 4);
        for (size_t j = 0; j < PD_WIRE_TENSOR_BYTES && i * PD_WIRE_TENSOR_BYTES + j < body; j++)
            p[i * PD_WIRE_TENSOR_BYTES + j] = d[j];
    }
    return b;
}

/* One tensor, its descriptor and its floats: the payload's bytes. */
static uint8_t *hand1(uint16_t kind, hd t, size_t floats, size_t *len)
{
    size_t body = PD_WIRE_TENSOR_BYTES + 4 * floats;
    return hand(kind, 1, &t, 1, (uint32_t)body, body, len);
}

/* A valid TENSOR of two: the network input [2, 3], and layer 4's output [5]. */
static const hd two[2] = {{PD_WIRE_INPUT, 2, {2, 3, 0, 0}}, {5, 1, {5, 0, 0, 0}}};
static uint8_t *hand_tensor(size_t *len)
{
    size_t body = 2 * PD_WIRE_TENSOR_BYTES + 4 * 11;
    return hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body, body, len);
}

static void decode_ok(const uint8_t *b, size_t len, pd_wire_msg *m)
{
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_wire_decode(b, len, m, &err);
    if (st != PD_OK)
        fail_msg("rejected: %s", err.msg);
    assert_int_equal(err.status, PD_OK);
}

/* Decodes bytes that must be rejected with a one-line message holding `want`. */
static void reject_bytes(const uint8_t *b, size_t len, const char *want)
{
    pd_wire_msg m;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_wire_decode(b, len, &m, &err);
    if (st == PD_OK)
        fail_msg("accepted; wanted \"%s\"", want);
    assert_int_equal(st, PD_EINPUT);
    assert_int_equal(err.status, PD_EINPUT);
    assert_int_equal(m.n_tensors, 0); /* nothing handed out */
    for (int i = 0; i < PD_WIRE_MAX_TENSORS; i++)
        assert_null(m.tensor[i].data);
    assert_null(m.text);
    if (!strstr(err.msg, want) || strchr(err.msg, '\n'))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

/* Encodes m, checks the size and the header's and descriptors' bytes at their documented
 * offsets, decodes it again (from `shift` bytes into the buffer) and checks every field and
 * the payload. */
static void round_trip(const pd_wire_msg *m, size_t shift)
{
    size_t size = pd_wire_size(m);
    uint8_t *buf = malloc(size + shift + 1);
    assert_non_null(buf);
    memset(buf, 0xee, size + shift + 1);
    uint8_t *b = buf + shift;
    size_t floats = 0;
    for (uint32_t i = 0; m->kind != PD_WIRE_ERROR && i < m->n_tensors; i++)
        floats += m->tensor[i].count;
    assert_int_equal(pd_wire_floats(m), floats);
    size_t payload = m->kind == PD_WIRE_ERROR
                         ? m->text_len
                         : m->n_tensors * PD_WIRE_TENSOR_BYTES + floats * sizeof(float);
    assert_int_equal(size, PD_WIRE_HEADER_BYTES + payload);
    assert_int_equal(pd_wire_encode(m, b), size);
    assert_int_equal(b[size], 0xee); /* nothing written past the end */

    assert_memory_equal(b, "PDOF", 4);
    assert_int_equal(le_get(b, 4, 2), PD_WIRE_VERSION);
    assert_int_equal(le_get(b, 6, 2), m->kind);
    assert_true(le_get(b, 8, 8) == m->request_id);
    assert_true(le_get(b, 16, 8) == m->model_hash);
    assert_true(le_get(b, 24, 8) == m->plan_hash);
    assert_int_equal(le_get(b, 32, 4), m->exit);
    assert_int_equal(le_get(b, 36, 4), m->next);
    for (int t = 0; t < 3; t++) {
        uint64_t bits;
        memcpy(&bits, &m->compute_ms[t], 8);
        assert_true(le_get(b, 40 + 8 * (size_t)t, 8) == bits);
    }
    assert_int_equal(le_get(b, 64, 4), m->budget_us);
    assert_int_equal(le_get(b, 68, 2), m->hops);
    assert_int_equal(le_get(b, 70, 2), m->code);
    assert_int_equal(le_get(b, 72, 4), m->kind == PD_WIRE_ERROR ? 0 : m->n_tensors);
    assert_int_equal(le_get(b, 76, 4), payload);
    size_t at = PD_WIRE_HEADER_BYTES + (m->kind == PD_WIRE_ERROR ? 0 : m->n_tensors * 24);
    for (uint32_t i = 0; m->kind != PD_WIRE_ERROR && i < m->n_tensors; i++) {
        const uint8_t *d = b + PD_WIRE_HEADER_BYTES + 24 * (size_t)i;
        assert_int_equal(le_get(d, 0, 4), m->tensor[i].name);
        assert_int_equal(le_get(d, 4, 4), m->tensor[i].ndim);
        for (int j = 0; j < 4; j++)
            assert_int_equal(le_get(d, 8 + 4 * (size_t)j, 4), m->tensor[i].dims[j]);
        assert_memory_equal(b + at, m->tensor[i].data, m->tensor[i].count * 4);
        at += m->tensor[i].count * 4;
    }

    pd_wire_msg d;
    decode_ok(b, size, &d);
    assert_int_equal(d.kind, m->kind);
    assert_true(d.request_id == m->request_id);
    assert_true(d.model_hash == m->model_hash);
    assert_int_equal(d.exit, m->exit);
    assert_int_equal(d.next, m->next);
    assert_true(d.plan_hash == m->plan_hash);
    assert_int_equal(d.budget_us, m->budget_us);
    assert_int_equal(d.hops, m->hops);
    assert_int_equal(d.code, m->code);
    assert_memory_equal(d.compute_ms, m->compute_ms, sizeof d.compute_ms);
    if (m->kind == PD_WIRE_ERROR) {
        assert_int_equal(d.text_len, m->text_len);
        assert_ptr_equal(d.text, b + PD_WIRE_HEADER_BYTES); /* no copy */
        if (m->text_len)
            assert_memory_equal(d.text, m->text, m->text_len);
        assert_int_equal(d.n_tensors, 0);
    } else {
        assert_int_equal(d.n_tensors, m->n_tensors);
        const uint8_t *data = b + PD_WIRE_HEADER_BYTES + 24 * (size_t)m->n_tensors;
        for (uint32_t i = 0; i < m->n_tensors; i++) {
            const pd_wire_tensor *x = &d.tensor[i], *y = &m->tensor[i];
            assert_int_equal(x->name, y->name);
            assert_int_equal(x->ndim, y->ndim);
            assert_memory_equal(x->dims, y->dims, sizeof x->dims);
            assert_int_equal(x->count, y->count);
            assert_ptr_equal(x->data, data); /* no copy, in order */
            data += 4 * x->count;
            /* read back as floats with memcpy: the data may be unaligned */
            for (size_t k = 0; k < x->count; k++) {
                float got, want;
                memcpy(&got, (const uint8_t *)x->data + 4 * k, 4);
                memcpy(&want, (const uint8_t *)y->data + 4 * k, 4);
                assert_memory_equal(&got, &want, 4);
            }
        }
        assert_null(d.text);
        assert_int_equal(d.text_len, 0);
    }
    free(buf);
}

static pd_wire_msg base_msg(pd_wire_kind kind)
{
    pd_wire_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.request_id = 0xfedcba9876543210ull;
    m.model_hash = 0x8000000000000001ull;
    m.plan_hash = 0x4000000000000003ull;
    m.budget_us = 0xfffffffeu;
    m.hops = 0xfffe;
    m.code = kind == PD_WIRE_ERROR ? PD_WIRE_EDENIED : 0;
    m.exit = 3;
    m.next = 7;
    m.compute_ms[0] = 12.5;
    m.compute_ms[1] = 0.0;
    m.compute_ms[2] = 1e300;
    return m;
}

/* Adds a tensor of that name and shape over data to m. */
static void add(pd_wire_msg *m, uint32_t name, uint32_t ndim, const uint32_t *dims,
                const float *data)
{
    pd_wire_tensor *t = &m->tensor[m->n_tensors++];
    t->name = name;
    t->ndim = ndim;
    t->count = 1;
    for (uint32_t i = 0; i < ndim; i++) {
        t->dims[i] = dims[i];
        t->count *= dims[i];
    }
    t->data = data;
}

static void test_tensor_round_trip(void **state)
{
    (void)state;
    static const uint32_t shapes[4][4] = {{5, 0, 0, 0}, {2, 3, 0, 0}, {3, 1, 4, 0}, {1, 2, 3, 4}};
    float data[28]; /* the 24 of the largest shape from data + 4 (below) */
    for (int k = 0; k < 28; k++)
        data[k] = (float)k * 0.75f - 4.0f;
    data[1] = -0.0f;
    data[2] = NAN; /* data is not validated: any float goes through as bytes */
    data[3] = -INFINITY;
    data[4] = 1e-45f; /* denormal */
    for (uint32_t nd = 1; nd <= 4; nd++) {
        pd_wire_msg m = base_msg(PD_WIRE_TENSOR);
        add(&m, nd, nd, shapes[nd - 1], data);
        m.exit = nd;
        m.next = 10 * nd;
        m.request_id = UINT64_MAX - nd;
        round_trip(&m, 0);
        round_trip(&m, 1);
    }
    /* several: the input and outputs, each of its own shape, and none at all */
    pd_wire_msg m = base_msg(PD_WIRE_TENSOR);
    for (uint32_t nd = 1; nd <= 4; nd++)
        add(&m, nd == 1 ? PD_WIRE_INPUT : 7 * nd, nd, shapes[nd - 1], data + nd);
    round_trip(&m, 0);
    round_trip(&m, 3);
    m.n_tensors = 0;
    round_trip(&m, 0);
    /* the most a message carries, and names at the extremes */
    m = base_msg(PD_WIRE_TENSOR);
    for (uint32_t i = 0; i < PD_WIRE_MAX_TENSORS; i++)
        add(&m, i == PD_WIRE_MAX_TENSORS - 1 ? UINT32_MAX : i, 1, shapes[0], data + i % 8);
    round_trip(&m, 1);
    /* extreme field values */
    m = base_msg(PD_WIRE_TENSOR);
    m.request_id = UINT64_MAX;
    m.model_hash = 0;
    m.exit = UINT32_MAX;
    m.next = UINT32_MAX;
    m.compute_ms[0] = -0.0; /* not below zero */
    m.compute_ms[1] = 4.9e-324;
    m.compute_ms[2] = 1.7976931348623157e308;
    const uint32_t one = 1;
    add(&m, 0, 1, &one, data);
    round_trip(&m, 3);
}

static void test_result_round_trip(void **state)
{
    (void)state;
    float logits[10];
    for (int k = 0; k < 10; k++)
        logits[k] = (float)(k * k) - 20.5f;
    pd_wire_msg m = base_msg(PD_WIRE_RESULT);
    const uint32_t ten = 10, batch[2] = {1, 10};
    add(&m, 42, 1, &ten, logits);
    round_trip(&m, 0);
    round_trip(&m, 1);
    m.n_tensors = 0;
    add(&m, 42, 2, batch, logits); /* a batch of one */
    round_trip(&m, 0);
}

/* A link probe carries tensors like any other, and must validate the same way. */
static void test_echo_round_trip(void **state)
{
    (void)state;
    float payload[300];
    for (int k = 0; k < 300; k++)
        payload[k] = (float)k / 3.0f;
    pd_wire_msg m = base_msg(PD_WIRE_ECHO);
    const uint32_t n = 300;
    add(&m, 0, 1, &n, payload);
    round_trip(&m, 0);
    round_trip(&m, 1);
}

static void test_error_round_trip(void **state)
{
    (void)state;
    const char *text = "edge: model hash 0x1234 differs from this tier's 0x5678";
    pd_wire_msg m = base_msg(PD_WIRE_ERROR);
    m.text = text;
    m.text_len = strlen(text);
    round_trip(&m, 0);
    round_trip(&m, 1);
    /* tensors left in the struct are not an ERROR's: not encoded */
    float x[3] = {1, 2, 3};
    const uint32_t three = 3;
    add(&m, 1, 1, &three, x);
    round_trip(&m, 0);
    m.n_tensors = 0;
    /* the longest text allowed */
    char *big = malloc(PD_WIRE_MAX_TEXT);
    assert_non_null(big);
    memset(big, 'e', PD_WIRE_MAX_TEXT);
    m.text = big;
    m.text_len = PD_WIRE_MAX_TEXT;
    round_trip(&m, 0);
    free(big);
    /* no text at all, given as NULL */
    m.text = NULL;
    m.text_len = 0;
    round_trip(&m, 0);
}

/* The header and descriptors as docs/PROTOCOL.md draws them, built by hand, decode to these
 * fields. */
static void test_hand_made_decodes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = hand_tensor(&len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.kind, PD_WIRE_TENSOR);
    assert_true(m.request_id == 0x0102030405060708ull);
    assert_true(m.model_hash == 0xa1a2a3a4a5a6a7a8ull);
    assert_true(m.plan_hash == 0xb1b2b3b4b5b6b7b8ull);
    assert_int_equal(m.budget_us, 250000);
    assert_int_equal(m.hops, 3);
    assert_int_equal(m.code, 0);
    assert_int_equal(m.exit, 2);
    assert_int_equal(m.next, 5);
    assert_true(m.compute_ms[0] == 1.5 && m.compute_ms[1] == 0.0 && m.compute_ms[2] == 250.25);
    assert_int_equal(m.n_tensors, 2);
    assert_int_equal(m.tensor[0].name, PD_WIRE_INPUT);
    assert_int_equal(m.tensor[0].ndim, 2);
    assert_int_equal(m.tensor[0].dims[0], 2);
    assert_int_equal(m.tensor[0].dims[1], 3);
    assert_int_equal(m.tensor[0].dims[2], 0);
    assert_int_equal(m.tensor[0].count, 6);
    assert_int_equal(m.tensor[1].name, 5);
    assert_int_equal(m.tensor[1].count, 5);
    assert_ptr_equal(m.tensor[0].data, b + PD_WIRE_HEADER_BYTES + 48);
    assert_ptr_equal(m.tensor[1].data, b + PD_WIRE_HEADER_BYTES + 48 + 24);
    for (size_t k = 0; k < 11; k++) { /* the floats run on from one tensor to the next */
        float v;
        memcpy(&v, (const uint8_t *)m.tensor[k < 6 ? 0 : 1].data + 4 * (k < 6 ? k : k - 6), 4);
        assert_true(v == (float)k);
    }
    free(b);

    /* an ERROR: its text; no tensors */
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, 3, 3, &len);
    decode_ok(b, len, &m);
    assert_int_equal(m.kind, PD_WIRE_ERROR);
    assert_int_equal(m.text_len, 3);
    assert_memory_equal(m.text, "xxx", 3);
    assert_int_equal(m.code, PD_WIRE_EPLAN);
    assert_int_equal(m.n_tensors, 0);
    free(b);
    /* an empty ERROR, and a TENSOR of no tensors (a hand-over that moves none) */
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, 0, 0, &len);
    decode_ok(b, len, &m);
    assert_int_equal(m.text_len, 0);
    free(b);
    b = hand(PD_WIRE_TENSOR, 0, NULL, 0, 0, 0, &len);
    decode_ok(b, len, &m);
    assert_int_equal(m.n_tensors, 0);
    free(b);
}

/* Decoding at an odd address: the fields and the floats are read with memcpy. */
static void test_unaligned_decode(void **state)
{
    (void)state;
    for (size_t shift = 1; shift < 8; shift++) {
        size_t len;
        uint8_t *b = hand_tensor(&len);
        uint8_t *buf = malloc(len + shift);
        assert_non_null(buf);
        memcpy(buf + shift, b, len);
        pd_wire_msg m;
        decode_ok(buf + shift, len, &m);
        assert_true(m.request_id == 0x0102030405060708ull);
        assert_true(m.compute_ms[2] == 250.25);
        assert_ptr_equal(m.tensor[0].data, buf + shift + PD_WIRE_HEADER_BYTES + 48);
        for (size_t k = 0; k < m.tensor[0].count; k++) {
            float v;
            memcpy(&v, (const uint8_t *)m.tensor[0].data + 4 * k, sizeof v);
            assert_true(v == (float)k);
        }
        free(buf);
        free(b);
    }
}

static void test_header_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = hand_tensor(&len);
    reject_bytes(b, 0, "message of 0 bytes is shorter than the 80-byte header");
    reject_bytes(b, 79, "message of 79 bytes is shorter than the 80-byte header");
    b[3] = 'G';
    reject_bytes(b, len, "not a predoff message (bad magic)");
    b[3] = 'F';
    b[0] = 'p';
    reject_bytes(b, len, "bad magic");
    b[0] = 'P';
    le(b, 4, 3, 2); /* the version before: a clear error, not a misreading */
    reject_bytes(b, len, "protocol version 3; this side speaks 4");
    le(b, 4, 5, 2);
    reject_bytes(b, len, "protocol version 5; this side speaks 4");
    le(b, 4, 0, 2);
    reject_bytes(b, len, "protocol version 0; this side speaks 4");
    le(b, 4, 0x0400, 2); /* version 4 written big-endian */
    reject_bytes(b, len, "protocol version 1024");
    le(b, 4, 4, 2);
    le(b, 6, 0, 2);
    reject_bytes(b, len, "unknown message kind 0");
    le(b, 6, 5, 2);
    reject_bytes(b, len, "unknown message kind 5");
    le(b, 6, 0x0100, 2);
    reject_bytes(b, len, "unknown message kind 256");
    le(b, 6, PD_WIRE_RESULT, 2);
    pd_wire_msg m;
    decode_ok(b, len, &m); /* the same bytes as a RESULT */
    assert_int_equal(m.kind, PD_WIRE_RESULT);
    free(b);
}

static void test_compute_times_rejected(void **state)
{
    (void)state;
    const double bad[] = {NAN, -NAN, INFINITY, -INFINITY, -1.0, -4.9e-324, -1e300};
    const char *want[] = {"compute time 0 is not a finite time", "compute time 1 is",
                          "compute time 2 is"};
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            size_t len;
            uint8_t *b = hand_tensor(&len);
            le_double(b, 40 + 8 * (size_t)t, bad[i]);
            reject_bytes(b, len, want[t]);
            free(b);
        }
    /* the same on an ERROR: every kind is checked */
    size_t len;
    uint8_t *b = hand(PD_WIRE_ERROR, 0, NULL, 0, 2, 2, &len);
    le_double(b, 48, -2.0);
    reject_bytes(b, len, "compute time 1 is");
    free(b);
}

/* An error code belongs to an ERROR, and an ERROR has one of the known codes. */
static void test_error_code_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = hand_tensor(&len);
    le(b, 70, PD_WIRE_EPLAN, 2);
    reject_bytes(b, len, "error code 3 with message kind 1");
    le(b, 70, 0x0100, 2);
    reject_bytes(b, len, "error code 256 with message kind 1");
    free(b);
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, 2, 2, &len);
    le(b, 70, 0, 2);
    reject_bytes(b, len, "error code 0 with message kind 3");
    le(b, 70, PD_WIRE_CODE_COUNT, 2);
    reject_bytes(b, len, "error code 10 with message kind 3");
    le(b, 70, PD_WIRE_CODE_COUNT - 1, 2);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.code, PD_WIRE_EDENIED);
    /* and carries no tensors */
    le(b, 72, 1, 4);
    reject_bytes(b, len, "an error carrying 1 tensors");
    free(b);
}

static void test_payload_length_rejected(void **state)
{
    (void)state;
    size_t len, body = 2 * 24 + 44;
    /* the header's length is longer than what follows it */
    uint8_t *b = hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body + 4, body, &len);
    reject_bytes(b, len, "header says 96 payload bytes, message has 92");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, two, 2, UINT32_MAX, body, &len);
    reject_bytes(b, len, "header says 4294967295 payload bytes, message has 92");
    free(b);
    /* and shorter */
    b = hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body - 4, body, &len);
    reject_bytes(b, len, "header says 88 payload bytes, message has 92");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, two, 2, 0, body, &len);
    reject_bytes(b, len, "header says 0 payload bytes, message has 92");
    free(b);
    /* a message cut short, or with bytes appended */
    b = hand_tensor(&len);
    reject_bytes(b, len - 1, "header says 92 payload bytes, message has 91");
    reject_bytes(b, PD_WIRE_HEADER_BYTES, "header says 92 payload bytes, message has 0");
    reject_bytes(b, len + 1, "header says 92 payload bytes, message has 93");
    free(b);
    /* the same for text */
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, 5, 4, &len);
    reject_bytes(b, len, "header says 5 payload bytes, message has 4");
    free(b);
}

/* The tensor list: how many, their descriptors within the payload, names ascending each
 * once, and the floats exactly what the shapes hold (truncated or padded: refused). */
static void test_tensor_list_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b;
    hd many[PD_WIRE_MAX_TENSORS + 1];
    for (uint32_t i = 0; i <= PD_WIRE_MAX_TENSORS; i++)
        many[i] = (hd){i, 1, {1, 0, 0, 0}};
    size_t body = (PD_WIRE_MAX_TENSORS + 1) * (24 + 4);
    b = hand(PD_WIRE_TENSOR, PD_WIRE_MAX_TENSORS + 1, many, PD_WIRE_MAX_TENSORS + 1,
             (uint32_t)body, body, &len);
    reject_bytes(b, len, "65 tensors; at most 64 in a message");
    free(b);
    b = hand(PD_WIRE_RESULT, UINT32_MAX, many, 1, 28, 28, &len);
    reject_bytes(b, len, "4294967295 tensors; at most 64");
    free(b);
    /* the most: accepted */
    body = PD_WIRE_MAX_TENSORS * (24 + 4);
    b = hand(PD_WIRE_ECHO, PD_WIRE_MAX_TENSORS, many, PD_WIRE_MAX_TENSORS, (uint32_t)body, body,
             &len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.n_tensors, PD_WIRE_MAX_TENSORS);
    free(b);
    /* a count the payload cannot hold the descriptors of */
    b = hand(PD_WIRE_TENSOR, 3, two, 2, 48, 48, &len);
    reject_bytes(b, len, "a payload of 48 bytes cannot hold the descriptors of 3 tensors");
    free(b);
    b = hand(PD_WIRE_TENSOR, 1, two, 0, 20, 20, &len);
    reject_bytes(b, len, "a payload of 20 bytes cannot hold the descriptors of 1 tensors");
    free(b);
    /* a duplicate name, and names out of order */
    hd dup[2] = {{7, 1, {2, 0, 0, 0}}, {7, 1, {2, 0, 0, 0}}};
    body = 2 * 24 + 16;
    b = hand(PD_WIRE_TENSOR, 2, dup, 2, (uint32_t)body, body, &len);
    reject_bytes(b, len, "tensor 1 is named 7 after 7: names must ascend, each once");
    free(b);
    dup[1].name = 3;
    b = hand(PD_WIRE_TENSOR, 2, dup, 2, (uint32_t)body, body, &len);
    reject_bytes(b, len, "tensor 1 is named 3 after 7");
    free(b);
    /* the floats: one short (truncated), one too many, not whole floats */
    body = 2 * 24 + 44;
    b = hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body - 4, body - 4, &len);
    reject_bytes(b, len, "2 tensors of 11 floats in all take 92 payload bytes, the message has 88");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body + 4, body + 4, &len);
    reject_bytes(b, len, "take 92 payload bytes, the message has 96");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, two, 2, (uint32_t)body - 1, body - 1, &len);
    reject_bytes(b, len, "take 92 payload bytes, the message has 91");
    free(b);
    /* no tensors and a payload */
    b = hand(PD_WIRE_TENSOR, 0, NULL, 0, 4, 4, &len);
    reject_bytes(b, len, "0 tensors of 0 floats in all take 0 payload bytes, the message has 4");
    free(b);
}

static void test_shape_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b;
    b = hand1(PD_WIRE_TENSOR, (hd){0, 0, {2, 3, 0, 0}}, 6, &len);
    reject_bytes(b, len, "tensor 0: 0 dimensions; 1 to 4 allowed");
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 5, {1, 1, 1, 1}}, 1, &len);
    reject_bytes(b, len, "5 dimensions; 1 to 4 allowed");
    free(b);
    b = hand1(PD_WIRE_RESULT, (hd){0, UINT32_MAX, {1, 1, 1, 1}}, 1, &len);
    reject_bytes(b, len, "4294967295 dimensions; 1 to 4 allowed");
    free(b);
    /* in the second tensor */
    hd bad[2] = {two[0], {9, 0, {1, 0, 0, 0}}};
    size_t body = 2 * 24 + 28;
    b = hand(PD_WIRE_TENSOR, 2, bad, 2, (uint32_t)body, body, &len);
    reject_bytes(b, len, "tensor 1: 0 dimensions; 1 to 4 allowed");
    free(b);
    /* a zero dimension, first or last */
    for (uint32_t i = 0; i < 3; i++) {
        hd z = {0, 3, {2, 2, 2, 0}};
        z.dims[i] = 0;
        char want[64];
        snprintf(want, sizeof want, "tensor 0: dimension %u is 0", (unsigned)i);
        b = hand1(PD_WIRE_TENSOR, z, 0, &len);
        reject_bytes(b, len, want);
        free(b);
    }
    /* a dimension past ndim that is not zero */
    for (uint32_t nd = 1; nd < 4; nd++)
        for (uint32_t i = nd; i < 4; i++) {
            hd t = {0, nd, {1, 1, 1, 1}};
            for (uint32_t j = nd; j < 4; j++)
                t.dims[j] = j == i ? 1 : 0;
            char want[64];
            snprintf(want, sizeof want, "dimension %u is past ndim but not zero", (unsigned)i);
            b = hand1(PD_WIRE_TENSOR, t, 1, &len);
            reject_bytes(b, len, want);
            free(b);
        }
}

static void test_size_limits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b;
    char want[96];
    snprintf(want, sizeof want, "tensor 0 has more than %d floats", PD_WIRE_MAX_FLOATS);
    /* the limit exactly passes the size check and meets the payload check (no floats here) */
    b = hand1(PD_WIRE_TENSOR, (hd){0, 2, {4096, 4096, 0, 0}}, 0, &len);
    reject_bytes(b, len, "1 tensors of 16777216 floats in all take 67108888 payload bytes, the "
                 "message has 24");
    free(b);
    /* one over, in one dimension or as a product */
    b = hand1(PD_WIRE_TENSOR, (hd){0, 1, {PD_WIRE_MAX_FLOATS + 1, 0, 0, 0}}, 0, &len);
    reject_bytes(b, len, "tensor 0: dimension 0 is 16777217");
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 2, {4096, 4097, 0, 0}}, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 4, {256, 256, 256, 2}}, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    /* products that wrap in 32 bits: 2^32 (to 0) and 641 * 6700417 = 2^32 + 1 (to 1, so
     * 4 payload bytes would match a 32-bit count) */
    b = hand1(PD_WIRE_TENSOR, (hd){0, 2, {65536, 65536, 0, 0}}, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 2, {641, 6700417, 0, 0}}, 1, &len);
    reject_bytes(b, len, want);
    free(b);
    /* and in 64 bits: 2^64 (to 0), and 2^64 + 1 bytes' worth from the largest dims */
    b = hand1(PD_WIRE_TENSOR, (hd){0, 4, {65536, 65536, 65536, 65536}}, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 4, {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX}}, 1,
              &len);
    reject_bytes(b, len, "dimension 0 is 4294967295");
    free(b);
    b = hand1(PD_WIRE_RESULT, (hd){0, 4, {1, 1, 1, UINT32_MAX}}, 1, &len);
    reject_bytes(b, len, "dimension 3 is 4294967295");
    free(b);
    b = hand1(PD_WIRE_TENSOR, (hd){0, 4, {PD_WIRE_MAX_FLOATS, PD_WIRE_MAX_FLOATS,
                                         PD_WIRE_MAX_FLOATS, PD_WIRE_MAX_FLOATS}}, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    /* every tensor within the limit, all of them over it: by one float, and by far */
    hd halves[3] = {{0, 2, {4096, 2048, 0, 0}}, {1, 2, {4096, 2048, 0, 0}}, {2, 1, {1, 0, 0, 0}}};
    b = hand(PD_WIRE_TENSOR, 3, halves, 3, 72, 72, &len);
    snprintf(want, sizeof want, "tensors of more than %d floats in all", PD_WIRE_MAX_FLOATS);
    reject_bytes(b, len, want);
    free(b);
    hd wide[3] = {{0, 2, {4096, 4096, 0, 0}}, {1, 2, {4096, 4096, 0, 0}}, {2, 2, {4096, 4096, 0, 0}}};
    b = hand(PD_WIRE_TENSOR, 3, wide, 3, 72, 72, &len);
    reject_bytes(b, len, want);
    free(b);

    /* error text: the limit is accepted, one more byte is not */
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, PD_WIRE_MAX_TEXT, PD_WIRE_MAX_TEXT, &len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.text_len, PD_WIRE_MAX_TEXT);
    free(b);
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, PD_WIRE_MAX_TEXT + 1, PD_WIRE_MAX_TEXT + 1, &len);
    reject_bytes(b, len, "error text of 1025 bytes is over 1024");
    free(b);
}

/* The largest payload allowed goes through (64 MiB of floats): in one tensor, or two. */
static void test_largest_tensor(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = hand1(PD_WIRE_TENSOR, (hd){3, 3, {16, 1024, 1024, 0}}, PD_WIRE_MAX_FLOATS, &len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.tensor[0].count, PD_WIRE_MAX_FLOATS);
    float last;
    memcpy(&last, (const uint8_t *)m.tensor[0].data + 4 * (m.tensor[0].count - 1), 4);
    assert_true(last == (float)(PD_WIRE_MAX_FLOATS - 1));
    free(b);
    hd halves[2] = {{0, 2, {4096, 2048, 0, 0}}, {1, 2, {4096, 2048, 0, 0}}};
    size_t body = 48 + 4 * (size_t)PD_WIRE_MAX_FLOATS;
    b = hand(PD_WIRE_TENSOR, 2, halves, 2, (uint32_t)body, body, &len);
    decode_ok(b, len, &m);
    assert_int_equal(pd_wire_floats(&m), PD_WIRE_MAX_FLOATS);
    free(b);
}

/* docs/PROTOCOL.md's worked example, byte for byte: pd_wire_encode writes it, and
 * pd_wire_decode reads it back to its fields. */
static void test_worked_example(void **state)
{
    (void)state;
    static const uint8_t doc[144] = {
        0x50, 0x44, 0x4f, 0x46, 0x04, 0x00, 0x01, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x10, 0x32, 0x54, 0x76,
        0x98, 0xba, 0xdc, 0xfe, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x42, 0x0f, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0x3f,
        0x00, 0x00, 0x00, 0xc0};
    const float input[2] = {0.25f, 0.5f}, out[2] = {1.0f, -2.0f};
    const uint32_t in_dims[3] = {1, 2, 1}, out_dims[1] = {2};
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = 42,
                     .model_hash = 0x0123456789abcdefull, .plan_hash = 0xfedcba9876543210ull,
                     .budget_us = 1000000, .hops = 1, .exit = 1, .next = 6,
                     .compute_ms = {1.5, 0, 0}};
    add(&m, PD_WIRE_INPUT, 3, in_dims, input);
    add(&m, 4, 1, out_dims, out);
    uint8_t buf[sizeof doc];
    assert_int_equal(pd_wire_size(&m), sizeof doc);
    assert_int_equal(pd_wire_encode(&m, buf), sizeof doc);
    assert_memory_equal(buf, doc, sizeof doc);
    pd_wire_msg d;
    decode_ok(doc, sizeof doc, &d);
    assert_int_equal(d.n_tensors, 2);
    assert_int_equal(d.tensor[1].name, 4);
    assert_memory_equal(d.tensor[1].data, out, sizeof out);
}

/* The fuzzer's seeds (fuzz/wire_seeds.py, the document's reference encoder): the C decoder
 * takes every one but those named invalid-, as the reference decoder does. */
static void test_seeds_decode_as_the_reference(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "echo-1d.bin", "error-empty.bin", "error-hash.bin", "error-max-text.bin",
        "invalid-error-text-1025.bin", "invalid-names-repeat.bin", "invalid-truncated.bin",
        "result-10.bin", "result-1x10.bin", "tensor-1d.bin", "tensor-4d.bin",
        "tensor-input-3d.bin", "tensor-most.bin", "tensor-none.bin", "tensor-several.bin"};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/fuzz/corpus/wire/%s", PD_SOURCE_DIR, seeds[i]);
        FILE *f = fopen(path, "rb");
        if (!f)
            fail_msg("%s is missing", path);
        static uint8_t b[4096];
        size_t n = fread(b, 1, sizeof b, f);
        fclose(f);
        pd_wire_msg m;
        pd_status st = pd_wire_decode(b, n, &m, NULL);
        if ((st == PD_OK) != (strncmp(seeds[i], "invalid-", 8) != 0))
            fail_msg("%s: status %d", seeds[i], (int)st);
    }
}

static void test_hash(void **state)
{
    (void)state;
    assert_true(PD_WIRE_HASH_SEED == 0xcbf29ce484222325ull);
    assert_true(pd_wire_hash(PD_WIRE_HASH_SEED, "", 0) == 0xcbf29ce484222325ull);
    assert_true(pd_wire_hash(PD_WIRE_HASH_SEED, NULL, 0) == PD_WIRE_HASH_SEED);
    assert_true(pd_wire_hash(PD_WIRE_HASH_SEED, "a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(pd_wire_hash(PD_WIRE_HASH_SEED, "foobar", 6) == 0x85944171f73967e8ull);
    /* chained: "ab" is "b" after "a" */
    uint64_t ha = pd_wire_hash(PD_WIRE_HASH_SEED, "a", 1);
    assert_true(pd_wire_hash(ha, "b", 1) == pd_wire_hash(PD_WIRE_HASH_SEED, "ab", 2));
    /* and any split of a longer text, high bytes included */
    uint8_t text[64];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (uint8_t)(i * 37 + 200);
    uint64_t whole = pd_wire_hash(PD_WIRE_HASH_SEED, text, sizeof text);
    for (size_t cut = 0; cut <= sizeof text; cut++) {
        uint64_t h = pd_wire_hash(PD_WIRE_HASH_SEED, text, cut);
        assert_true(pd_wire_hash(h, text + cut, sizeof text - cut) == whole);
    }
    assert_true(pd_wire_hash(PD_WIRE_HASH_SEED, "ab", 2) != pd_wire_hash(PD_WIRE_HASH_SEED, "ba", 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_round_trip),
        cmocka_unit_test(test_result_round_trip),
        cmocka_unit_test(test_echo_round_trip),
        cmocka_unit_test(test_error_round_trip),
        cmocka_unit_test(test_hand_made_decodes),
        cmocka_unit_test(test_unaligned_decode),
        cmocka_unit_test(test_header_rejected),
        cmocka_unit_test(test_compute_times_rejected),
        cmocka_unit_test(test_error_code_rejected),
        cmocka_unit_test(test_payload_length_rejected),
        cmocka_unit_test(test_tensor_list_rejected),
        cmocka_unit_test(test_shape_rejected),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_largest_tensor),
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_seeds_decode_as_the_reference),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
