/* libFuzzer harness: wire messages (pd_wire_decode), and pd_wire_encode of what decodes. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/error.h"
#include "predoff/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every field but the payload pointers, and the payload's bytes. */
static int same(const pd_wire_msg *a, const pd_wire_msg *b)
{
    if (a->kind != b->kind || a->request_id != b->request_id || a->model_hash != b->model_hash ||
        a->exit != b->exit || a->next != b->next || a->ndim != b->ndim || a->count != b->count ||
        a->text_len != b->text_len || memcmp(a->compute_ms, b->compute_ms, sizeof a->compute_ms) ||
        memcmp(a->dims, b->dims, sizeof a->dims))
        return 0;
    if (a->kind == PD_WIRE_ERROR)
        return !a->data && !b->data && (!a->text_len || !memcmp(a->text, b->text, a->text_len));
    return !a->text && !b->text && !memcmp(a->data, b->data, a->count * sizeof(float));
}

/* What a successful decode promises about m, decoded from len bytes at buf. */
static int valid(const pd_wire_msg *m, const uint8_t *buf, size_t len)
{
    if (m->kind < PD_WIRE_TENSOR || m->kind > PD_WIRE_ERROR || len < PD_WIRE_HEADER_BYTES)
        return 0;
    for (int t = 0; t < 3; t++)
        if (!isfinite(m->compute_ms[t]) || m->compute_ms[t] < 0.0)
            return 0;
    const uint8_t *body = buf + PD_WIRE_HEADER_BYTES;
    size_t payload = len - PD_WIRE_HEADER_BYTES;
    if (m->kind == PD_WIRE_ERROR)
        return (const uint8_t *)m->text == body && m->text_len == payload &&
               payload <= PD_WIRE_MAX_TEXT && m->count == 0;
    if (m->ndim < 1 || m->ndim > PD_WIRE_MAX_DIMS || m->data != body || m->text)
        return 0;
    size_t count = 1;
    for (uint32_t i = 0; i < PD_WIRE_MAX_DIMS; i++) {
        if (i >= m->ndim ? m->dims[i] != 0 : m->dims[i] == 0)
            return 0;
        if (i < m->ndim)
            count *= m->dims[i]; /* each step at most 2^24 * 2^24 when valid */
        if (count > PD_WIRE_MAX_FLOATS)
            return 0;
    }
    return count == m->count && count * sizeof(float) == payload;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_wire_msg m;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_wire_decode(data, size, &m, &err);
    if (st != PD_OK) {
        /* a rejection is PD_EINPUT, recorded, one line, and hands out no payload */
        if (st != PD_EINPUT || err.status != st || !err.msg[0] || strchr(err.msg, '\n') ||
            m.data || m.count)
            abort();
        return 0;
    }
    if (err.status != PD_OK || !valid(&m, data, size) || pd_wire_size(&m) != size)
        abort();
    /* the length is part of the message: one byte less never decodes */
    pd_wire_msg cut;
    if (pd_wire_decode(data, size - 1, &cut, NULL) == PD_OK)
        abort();

    /* encode again, at an odd address into a buffer of exactly the size (ASan sees any
     * write past it), and decode that: the same bytes and the same fields */
    uint8_t *buf = malloc(size + 1);
    if (!buf)
        return 0;
    uint8_t *b = buf + 1;
    if (pd_wire_encode(&m, b) != size || memcmp(b, data, size) != 0)
        abort();
    pd_wire_msg again;
    pd_error_clear(&err);
    if (pd_wire_decode(b, size, &again, &err) != PD_OK || err.status != PD_OK ||
        !valid(&again, b, size) || !same(&m, &again))
        abort();
    free(buf);
    return 0;
}
