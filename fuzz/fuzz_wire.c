/* libFuzzer harness: wire messages (pd_wire_decode), version 4's tensor lists included,
 * and pd_wire_encode of what decodes. */
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
        a->plan_hash != b->plan_hash || a->budget_us != b->budget_us || a->hops != b->hops ||
        a->code != b->code || a->exit != b->exit || a->next != b->next ||
        a->n_tensors != b->n_tensors || a->text_len != b->text_len ||
        memcmp(a->compute_ms, b->compute_ms, sizeof a->compute_ms))
        return 0;
    if (a->kind == PD_WIRE_ERROR)
        return !a->n_tensors && (!a->text_len || !memcmp(a->text, b->text, a->text_len));
    for (uint32_t i = 0; i < a->n_tensors; i++) {
        const pd_wire_tensor *x = &a->tensor[i], *y = &b->tensor[i];
        if (x->name != y->name || x->ndim != y->ndim || x->count != y->count ||
            memcmp(x->dims, y->dims, sizeof x->dims) ||
            (x->count && memcmp(x->data, y->data, x->count * sizeof(float))))
            return 0;
    }
    return !a->text && !b->text;
}

/* What a successful decode promises about m, decoded from len bytes at buf. */
static int valid(const pd_wire_msg *m, const uint8_t *buf, size_t len)
{
    if (m->kind < PD_WIRE_TENSOR || m->kind > PD_WIRE_ECHO || len < PD_WIRE_HEADER_BYTES)
        return 0;
    for (int t = 0; t < 3; t++)
        if (!isfinite(m->compute_ms[t]) || m->compute_ms[t] < 0.0)
            return 0;
    if ((m->kind == PD_WIRE_ERROR) != (m->code != 0) || m->code >= PD_WIRE_CODE_COUNT)
        return 0;
    const uint8_t *body = buf + PD_WIRE_HEADER_BYTES;
    size_t payload = len - PD_WIRE_HEADER_BYTES;
    if (m->kind == PD_WIRE_ERROR)
        return (const uint8_t *)m->text == body && m->text_len == payload &&
               payload <= PD_WIRE_MAX_TEXT && m->n_tensors == 0;
    if (m->n_tensors > PD_WIRE_MAX_TENSORS || m->text)
        return 0;
    /* the tensors: names ascending, each shape's product its count, their floats one after
     * another just past the descriptors, and exactly the payload */
    const uint8_t *at = body + (size_t)m->n_tensors * PD_WIRE_TENSOR_BYTES;
    size_t total = 0;
    for (uint32_t i = 0; i < m->n_tensors; i++) {
        const pd_wire_tensor *t = &m->tensor[i];
        if ((i > 0 && t->name <= m->tensor[i - 1].name) || t->ndim < 1 ||
            t->ndim > PD_WIRE_MAX_DIMS || (const uint8_t *)t->data != at)
            return 0;
        size_t count = 1;
        for (uint32_t j = 0; j < PD_WIRE_MAX_DIMS; j++) {
            if (j >= t->ndim ? t->dims[j] != 0 : t->dims[j] == 0)
                return 0;
            if (j < t->ndim)
                count *= t->dims[j]; /* each step at most 2^24 * 2^24 when valid */
            if (count > PD_WIRE_MAX_FLOATS)
                return 0;
        }
        if (count != t->count)
            return 0;
        total += count;
        at += count * sizeof(float);
    }
    for (uint32_t i = m->n_tensors; i < PD_WIRE_MAX_TENSORS; i++)
        if (m->tensor[i].data || m->tensor[i].count)
            return 0; /* nothing past the list */
    return total == pd_wire_floats(m) && total <= PD_WIRE_MAX_FLOATS &&
           (size_t)m->n_tensors * PD_WIRE_TENSOR_BYTES + total * sizeof(float) == payload &&
           at == buf + len;
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
            m.n_tensors || m.text)
            abort();
        for (int i = 0; i < PD_WIRE_MAX_TENSORS; i++)
            if (m.tensor[i].data)
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
