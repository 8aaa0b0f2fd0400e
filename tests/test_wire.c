/* Wire protocol: round trips of every kind, the header laid out byte by byte as
 * docs/PROTOCOL.md says, every rejection on hand-made bytes, unaligned buffers, the hash. */
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

/* A hand-made message: the header with the given kind, shape and payload length field,
 * then `body` bytes of payload (floats 0, 1, 2, ... for a tensor, 'x' for text).
 * Returns a buffer of 96 + body bytes plus one spare byte. */
static uint8_t *hand(uint16_t kind, uint32_t ndim, const uint32_t dims[4], uint32_t payload,
                     size_t body, size_t *len)
{
    *len = PD_WIRE_HEADER_BYTES + body;
    uint8_t *b = calloc(1, *len + 1);
    assert_non_null(b);
    memcpy(b, "PDOF", 4);
    le(b, 4, 3, 2); /* the version, as docs/PROTOCOL.md has it */
    le(b, 6, kind, 2);
    le(b, 8, 0x0102030405060708ull, 8);
    le(b, 16, 0xa1a2a3a4a5a6a7a8ull, 8);
    le(b, 24, 2, 4);
    le(b, 28, 5, 4);
    le_double(b, 32, 1.5);
    le_double(b, 40, 0.0);
    le_double(b, 48, 250.25);
    le(b, 56, ndim, 4);
    for (int i = 0; i < 4; i++)
        le(b, 60 + 4 * (size_t)i, dims ? dims[i] : 0, 4);
    le(b, 76, payload, 4);
    le(b, 80, 0xb1b2b3b4b5b6b7b8ull, 8);
    le(b, 88, 250000, 4);
    le(b, 92, 3, 2);
    le(b, 94, kind == PD_WIRE_ERROR ? PD_WIRE_EPLAN : 0, 2);
    for (size_t i = 0; i < body; i++) {
        float v = (float)(i / 4);
        b[PD_WIRE_HEADER_BYTES + i] =
            kind == PD_WIRE_ERROR ? 'x' : ((const uint8_t *)&v)[i % 4];
    }
    return b;
}

/* A valid TENSOR of shape [2, 3]. */
static uint8_t *hand_tensor(size_t *len)
{
    const uint32_t dims[4] = {2, 3, 0, 0};
    return hand(PD_WIRE_TENSOR, 2, dims, 24, 24, len);
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
    assert_null(m.data);
    if (!strstr(err.msg, want) || strchr(err.msg, '\n'))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

/* Encodes m, checks the size and the header's bytes at their documented offsets, decodes it
 * again (from `shift` bytes into the buffer) and checks every field and the payload. */
static void round_trip(const pd_wire_msg *m, size_t shift)
{
    size_t size = pd_wire_size(m);
    uint8_t *buf = malloc(size + shift + 1);
    assert_non_null(buf);
    memset(buf, 0xee, size + shift + 1);
    uint8_t *b = buf + shift;
    size_t payload = m->kind == PD_WIRE_ERROR ? m->text_len : m->count * sizeof(float);
    assert_int_equal(size, PD_WIRE_HEADER_BYTES + payload);
    assert_int_equal(pd_wire_encode(m, b), size);
    assert_int_equal(b[size], 0xee); /* nothing written past the end */

    assert_memory_equal(b, "PDOF", 4);
    assert_int_equal(le_get(b, 4, 2), PD_WIRE_VERSION);
    assert_int_equal(le_get(b, 6, 2), m->kind);
    assert_true(le_get(b, 8, 8) == m->request_id);
    assert_true(le_get(b, 16, 8) == m->model_hash);
    assert_int_equal(le_get(b, 24, 4), m->exit);
    assert_int_equal(le_get(b, 28, 4), m->next);
    for (int t = 0; t < 3; t++) {
        uint64_t bits;
        memcpy(&bits, &m->compute_ms[t], 8);
        assert_true(le_get(b, 32 + 8 * (size_t)t, 8) == bits);
    }
    assert_int_equal(le_get(b, 56, 4), m->ndim);
    for (int i = 0; i < 4; i++)
        assert_int_equal(le_get(b, 60 + 4 * (size_t)i, 4), m->dims[i]);
    assert_int_equal(le_get(b, 76, 4), payload);
    assert_true(le_get(b, 80, 8) == m->plan_hash);
    assert_int_equal(le_get(b, 88, 4), m->budget_us);
    assert_int_equal(le_get(b, 92, 2), m->hops);
    assert_int_equal(le_get(b, 94, 2), m->code);

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
    assert_int_equal(d.ndim, m->ndim);
    assert_memory_equal(d.dims, m->dims, sizeof d.dims);
    if (m->kind == PD_WIRE_ERROR) {
        assert_int_equal(d.text_len, m->text_len);
        assert_ptr_equal(d.text, b + PD_WIRE_HEADER_BYTES); /* no copy */
        if (m->text_len)
            assert_memory_equal(d.text, m->text, m->text_len);
        assert_null(d.data);
        assert_int_equal(d.count, 0);
    } else {
        assert_int_equal(d.count, m->count);
        assert_ptr_equal(d.data, b + PD_WIRE_HEADER_BYTES);
        assert_memory_equal(d.data, m->data, payload);
        /* read back as floats with memcpy: the data may be unaligned */
        for (size_t k = 0; k < d.count; k++) {
            float got, want;
            memcpy(&got, (const uint8_t *)d.data + 4 * k, 4);
            memcpy(&want, (const uint8_t *)m->data + 4 * k, 4);
            assert_memory_equal(&got, &want, 4);
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

static void test_tensor_round_trip(void **state)
{
    (void)state;
    static const uint32_t shapes[4][4] = {{5, 0, 0, 0}, {2, 3, 0, 0}, {3, 1, 4, 0}, {1, 2, 3, 4}};
    float data[24];
    for (int k = 0; k < 24; k++)
        data[k] = (float)k * 0.75f - 4.0f;
    data[1] = -0.0f;
    data[2] = NAN; /* data is not validated: any float goes through as bytes */
    data[3] = -INFINITY;
    data[4] = 1e-45f; /* denormal */
    for (uint32_t nd = 1; nd <= 4; nd++) {
        pd_wire_msg m = base_msg(PD_WIRE_TENSOR);
        m.ndim = nd;
        m.count = 1;
        for (uint32_t i = 0; i < nd; i++) {
            m.dims[i] = shapes[nd - 1][i];
            m.count *= m.dims[i];
        }
        m.data = data;
        m.exit = nd;
        m.next = 10 * nd;
        m.request_id = UINT64_MAX - nd;
        round_trip(&m, 0);
        round_trip(&m, 1);
    }
    /* extreme field values */
    pd_wire_msg m = base_msg(PD_WIRE_TENSOR);
    m.request_id = UINT64_MAX;
    m.model_hash = 0;
    m.exit = UINT32_MAX;
    m.next = UINT32_MAX;
    m.compute_ms[0] = -0.0; /* not below zero */
    m.compute_ms[1] = 4.9e-324;
    m.compute_ms[2] = 1.7976931348623157e308;
    m.ndim = 1;
    m.dims[0] = 1;
    m.count = 1;
    m.data = data;
    round_trip(&m, 3);
}

static void test_result_round_trip(void **state)
{
    (void)state;
    float logits[10];
    for (int k = 0; k < 10; k++)
        logits[k] = (float)(k * k) - 20.5f;
    pd_wire_msg m = base_msg(PD_WIRE_RESULT);
    m.ndim = 1;
    m.dims[0] = 10;
    m.count = 10;
    m.data = logits;
    round_trip(&m, 0);
    round_trip(&m, 1);
    m.ndim = 2; /* a batch of one */
    m.dims[0] = 1;
    m.dims[1] = 10;
    round_trip(&m, 0);
}

/* A link probe carries a tensor like any other, and must validate the same way. */
static void test_echo_round_trip(void **state)
{
    (void)state;
    float payload[300];
    for (int k = 0; k < 300; k++)
        payload[k] = (float)k / 3.0f;
    pd_wire_msg m = base_msg(PD_WIRE_ECHO);
    m.ndim = 1;
    m.dims[0] = 300;
    m.count = 300;
    m.data = payload;
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

/* The header as docs/PROTOCOL.md draws it, built by hand, decodes to these fields. */
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
    assert_int_equal(m.ndim, 2);
    assert_int_equal(m.dims[0], 2);
    assert_int_equal(m.dims[1], 3);
    assert_int_equal(m.dims[2], 0);
    assert_int_equal(m.count, 6);
    for (size_t k = 0; k < 6; k++) {
        float v;
        memcpy(&v, (const uint8_t *)m.data + 4 * k, 4);
        assert_true(v == (float)k);
    }
    free(b);

    /* an ERROR with shape fields set: they are carried, not checked */
    const uint32_t dims[4] = {9, 9, 9, 9};
    b = hand(PD_WIRE_ERROR, 7, dims, 3, 3, &len);
    decode_ok(b, len, &m);
    assert_int_equal(m.kind, PD_WIRE_ERROR);
    assert_int_equal(m.text_len, 3);
    assert_memory_equal(m.text, "xxx", 3);
    assert_int_equal(m.code, PD_WIRE_EPLAN);
    assert_int_equal(m.ndim, 7);
    assert_int_equal(m.count, 0);
    free(b);
    /* an empty ERROR */
    b = hand(PD_WIRE_ERROR, 0, NULL, 0, 0, &len);
    decode_ok(b, len, &m);
    assert_int_equal(m.text_len, 0);
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
        assert_ptr_equal(m.data, buf + shift + PD_WIRE_HEADER_BYTES);
        for (size_t k = 0; k < m.count; k++) {
            float v;
            memcpy(&v, (const uint8_t *)m.data + 4 * k, sizeof v);
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
    reject_bytes(b, 0, "message of 0 bytes is shorter than the 96-byte header");
    reject_bytes(b, 95, "message of 95 bytes is shorter than the 96-byte header");
    b[3] = 'G';
    reject_bytes(b, len, "not a predoff message (bad magic)");
    b[3] = 'F';
    b[0] = 'p';
    reject_bytes(b, len, "bad magic");
    b[0] = 'P';
    le(b, 4, 4, 2);
    reject_bytes(b, len, "protocol version 4; this side speaks 3");
    le(b, 4, 0, 2);
    reject_bytes(b, len, "protocol version 0; this side speaks 3");
    le(b, 4, 2, 2);
    reject_bytes(b, len, "protocol version 2; this side speaks 3");
    le(b, 4, 0x0300, 2); /* version 3 written big-endian */
    reject_bytes(b, len, "protocol version 768");
    le(b, 4, 3, 2);
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
            le_double(b, 32 + 8 * (size_t)t, bad[i]);
            reject_bytes(b, len, want[t]);
            free(b);
        }
    /* the same on an ERROR: every kind is checked */
    size_t len;
    uint8_t *b = hand(PD_WIRE_ERROR, 0, NULL, 2, 2, &len);
    le_double(b, 40, -2.0);
    reject_bytes(b, len, "compute time 1 is");
    free(b);
}

/* An error code belongs to an ERROR, and an ERROR has one of the known codes. */
static void test_error_code_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = hand_tensor(&len);
    le(b, 94, PD_WIRE_EPLAN, 2);
    reject_bytes(b, len, "error code 3 with message kind 1");
    le(b, 94, 0x0100, 2);
    reject_bytes(b, len, "error code 256 with message kind 1");
    free(b);
    b = hand(PD_WIRE_ERROR, 0, NULL, 2, 2, &len);
    le(b, 94, 0, 2);
    reject_bytes(b, len, "error code 0 with message kind 3");
    le(b, 94, PD_WIRE_CODE_COUNT, 2);
    reject_bytes(b, len, "error code 10 with message kind 3");
    le(b, 94, PD_WIRE_CODE_COUNT - 1, 2);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.code, PD_WIRE_EDENIED);
    free(b);
}

static void test_payload_length_rejected(void **state)
{
    (void)state;
    const uint32_t dims[4] = {2, 3, 0, 0};
    size_t len;
    /* the header's length is longer than what follows it */
    uint8_t *b = hand(PD_WIRE_TENSOR, 2, dims, 28, 24, &len);
    reject_bytes(b, len, "header says 28 payload bytes, message has 24");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, dims, UINT32_MAX, 24, &len);
    reject_bytes(b, len, "header says 4294967295 payload bytes, message has 24");
    free(b);
    /* and shorter */
    b = hand(PD_WIRE_TENSOR, 2, dims, 20, 24, &len);
    reject_bytes(b, len, "header says 20 payload bytes, message has 24");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, dims, 0, 24, &len);
    reject_bytes(b, len, "header says 0 payload bytes, message has 24");
    free(b);
    /* a message cut short, or with bytes appended */
    b = hand_tensor(&len);
    reject_bytes(b, len - 1, "header says 24 payload bytes, message has 23");
    reject_bytes(b, PD_WIRE_HEADER_BYTES, "header says 24 payload bytes, message has 0");
    reject_bytes(b, len + 1, "header says 24 payload bytes, message has 25");
    free(b);
    /* the same for text */
    b = hand(PD_WIRE_ERROR, 0, NULL, 5, 4, &len);
    reject_bytes(b, len, "header says 5 payload bytes, message has 4");
    free(b);
}

static void test_shape_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b;
    uint32_t dims[4] = {2, 3, 0, 0};
    b = hand(PD_WIRE_TENSOR, 0, dims, 24, 24, &len);
    reject_bytes(b, len, "0 dimensions; 1 to 4 allowed");
    free(b);
    uint32_t five[4] = {1, 1, 1, 1};
    b = hand(PD_WIRE_TENSOR, 5, five, 4, 4, &len);
    reject_bytes(b, len, "5 dimensions; 1 to 4 allowed");
    free(b);
    b = hand(PD_WIRE_RESULT, UINT32_MAX, five, 4, 4, &len);
    reject_bytes(b, len, "4294967295 dimensions; 1 to 4 allowed");
    free(b);
    /* a zero dimension, first or last */
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t z[4] = {2, 2, 2, 0};
        z[i] = 0;
        char want[64];
        snprintf(want, sizeof want, "dimension %u is 0", (unsigned)i);
        b = hand(PD_WIRE_TENSOR, 3, z, 0, 0, &len);
        reject_bytes(b, len, want);
        free(b);
    }
    /* a dimension past ndim that is not zero */
    for (uint32_t nd = 1; nd < 4; nd++)
        for (uint32_t i = nd; i < 4; i++) {
            uint32_t d[4] = {1, 1, 1, 1};
            for (uint32_t j = nd; j < 4; j++)
                d[j] = j == i ? 1 : 0;
            char want[64];
            snprintf(want, sizeof want, "dimension %u is past ndim but not zero", (unsigned)i);
            b = hand(PD_WIRE_TENSOR, nd, d, 4, 4, &len);
            reject_bytes(b, len, want);
            free(b);
        }
    /* shape and payload disagree */
    b = hand(PD_WIRE_TENSOR, 2, dims, 20, 20, &len);
    reject_bytes(b, len, "shape holds 6 floats, payload 20 bytes");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, dims, 28, 28, &len);
    reject_bytes(b, len, "shape holds 6 floats, payload 28 bytes");
    free(b);
    b = hand(PD_WIRE_TENSOR, 2, dims, 23, 23, &len); /* not whole floats */
    reject_bytes(b, len, "shape holds 6 floats, payload 23 bytes");
    free(b);
    b = hand(PD_WIRE_RESULT, 2, dims, 0, 0, &len);
    reject_bytes(b, len, "shape holds 6 floats, payload 0 bytes");
    free(b);
}

static void test_size_limits(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b;
    char want[96];
    snprintf(want, sizeof want, "tensor of more than %d floats", PD_WIRE_MAX_FLOATS);
    /* the limit exactly passes the size check and meets the shape check (no payload here) */
    uint32_t at[4] = {4096, 4096, 0, 0};
    b = hand(PD_WIRE_TENSOR, 2, at, 0, 0, &len);
    reject_bytes(b, len, "shape holds 16777216 floats, payload 0 bytes");
    free(b);
    /* one over, in one dimension or as a product */
    uint32_t one[4] = {PD_WIRE_MAX_FLOATS + 1, 0, 0, 0};
    b = hand(PD_WIRE_TENSOR, 1, one, 0, 0, &len);
    reject_bytes(b, len, "dimension 0 is 16777217");
    free(b);
    uint32_t over[4] = {4096, 4097, 0, 0};
    b = hand(PD_WIRE_TENSOR, 2, over, 0, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    uint32_t over4[4] = {256, 256, 256, 2};
    b = hand(PD_WIRE_TENSOR, 4, over4, 0, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    /* products that wrap in 32 bits: 2^32 (to 0) and 641 * 6700417 = 2^32 + 1 (to 1, so
     * 4 payload bytes would match a 32-bit count) */
    uint32_t w0[4] = {65536, 65536, 0, 0};
    b = hand(PD_WIRE_TENSOR, 2, w0, 0, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    uint32_t w1[4] = {641, 6700417, 0, 0};
    b = hand(PD_WIRE_TENSOR, 2, w1, 4, 4, &len);
    reject_bytes(b, len, want);
    free(b);
    /* and in 64 bits: 2^64 (to 0), and 2^64 + 1 bytes' worth from the largest dims */
    uint32_t w64[4] = {65536, 65536, 65536, 65536};
    b = hand(PD_WIRE_TENSOR, 4, w64, 0, 0, &len);
    reject_bytes(b, len, want);
    free(b);
    uint32_t big[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    b = hand(PD_WIRE_TENSOR, 4, big, 4, 4, &len);
    reject_bytes(b, len, "dimension 0 is 4294967295");
    free(b);
    uint32_t late[4] = {1, 1, 1, UINT32_MAX};
    b = hand(PD_WIRE_RESULT, 4, late, 4, 4, &len);
    reject_bytes(b, len, "dimension 3 is 4294967295");
    free(b);
    uint32_t max[4] = {PD_WIRE_MAX_FLOATS, PD_WIRE_MAX_FLOATS, PD_WIRE_MAX_FLOATS,
                       PD_WIRE_MAX_FLOATS};
    b = hand(PD_WIRE_TENSOR, 4, max, 0, 0, &len);
    reject_bytes(b, len, want);
    free(b);

    /* error text: the limit is accepted, one more byte is not */
    b = hand(PD_WIRE_ERROR, 0, NULL, PD_WIRE_MAX_TEXT, PD_WIRE_MAX_TEXT, &len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.text_len, PD_WIRE_MAX_TEXT);
    free(b);
    b = hand(PD_WIRE_ERROR, 0, NULL, PD_WIRE_MAX_TEXT + 1, PD_WIRE_MAX_TEXT + 1, &len);
    reject_bytes(b, len, "error text of 1025 bytes is over 1024");
    free(b);
}

/* The largest tensor allowed goes through (64 MiB of payload). */
static void test_largest_tensor(void **state)
{
    (void)state;
    const uint32_t dims[4] = {16, 1024, 1024, 0};
    size_t len;
    uint8_t *b = hand(PD_WIRE_TENSOR, 3, dims, PD_WIRE_MAX_FLOATS * 4u, PD_WIRE_MAX_FLOATS * 4u,
                      &len);
    pd_wire_msg m;
    decode_ok(b, len, &m);
    assert_int_equal(m.count, PD_WIRE_MAX_FLOATS);
    float last;
    memcpy(&last, (const uint8_t *)m.data + 4 * (m.count - 1), 4);
    assert_true(last == (float)(PD_WIRE_MAX_FLOATS - 1));
    free(b);
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
        cmocka_unit_test(test_shape_rejected),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_largest_tensor),
        cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
