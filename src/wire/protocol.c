/* The wire protocol: a fixed 80-byte little-endian header, then the payload.
 *
 *   0  "PDOF"           4  version u16      6  kind u16
 *   8  request id u64  16  model hash u64  24  plan hash u64
 *  32  exit u32        36  next u32        40  compute ms f64 x 3 (mobile, edge, cloud)
 *  64  budget us u32   68  hops u16        70  error code u16
 *  72  tensors u32     76  payload bytes u32
 *  80  payload: TENSOR, RESULT, ECHO: a 24-byte descriptor per tensor (name u32, ndim u32,
 *      dims u32 x 4), then each tensor's float32s in the descriptors' order; ERROR: text
 */
#include <math.h>
#include <string.h>

#include "core/hash.h"
#include "predoff/wire.h"

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE single and double");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the wire format is little-endian and so must the host be"
#endif

static void put(uint8_t *buf, size_t off, const void *v, size_t n)
{
    memcpy(buf + off, v, n);
}

static void get(const uint8_t *buf, size_t off, void *v, size_t n)
{
    memcpy(v, buf + off, n);
}

size_t pd_wire_floats(const pd_wire_msg *m)
{
    size_t n = 0;
    for (uint32_t i = 0; m->kind != PD_WIRE_ERROR && i < m->n_tensors; i++)
        n += m->tensor[i].count;
    return n;
}

static size_t payload_bytes(const pd_wire_msg *m)
{
    return m->kind == PD_WIRE_ERROR
               ? m->text_len
               : (size_t)m->n_tensors * PD_WIRE_TENSOR_BYTES + pd_wire_floats(m) * sizeof(float);
}

size_t pd_wire_size(const pd_wire_msg *m)
{
    return PD_WIRE_HEADER_BYTES + payload_bytes(m);
}

size_t pd_wire_encode(const pd_wire_msg *m, uint8_t *buf)
{
    uint16_t version = PD_WIRE_VERSION, kind = (uint16_t)m->kind;
    uint32_t payload = (uint32_t)payload_bytes(m);
    uint32_t tensors = m->kind == PD_WIRE_ERROR ? 0 : m->n_tensors;
    memset(buf, 0, PD_WIRE_HEADER_BYTES);
    put(buf, 0, "PDOF", 4);
    put(buf, 4, &version, 2);
    put(buf, 6, &kind, 2);
    put(buf, 8, &m->request_id, 8);
    put(buf, 16, &m->model_hash, 8);
    put(buf, 24, &m->plan_hash, 8);
    put(buf, 32, &m->exit, 4);
    put(buf, 36, &m->next, 4);
    put(buf, 40, m->compute_ms, 24);
    put(buf, 64, &m->budget_us, 4);
    put(buf, 68, &m->hops, 2);
    put(buf, 70, &m->code, 2);
    put(buf, 72, &tensors, 4);
    put(buf, 76, &payload, 4);
    uint8_t *body = buf + PD_WIRE_HEADER_BYTES;
    if (m->kind == PD_WIRE_ERROR) {
        /* memcpy from NULL is undefined even for 0 bytes, and an empty text may be NULL */
        if (payload)
            memcpy(body, m->text, payload);
        return PD_WIRE_HEADER_BYTES + payload;
    }
    size_t at = (size_t)tensors * PD_WIRE_TENSOR_BYTES;
    for (uint32_t i = 0; i < tensors; i++) {
        const pd_wire_tensor *t = &m->tensor[i];
        uint8_t *d = body + (size_t)i * PD_WIRE_TENSOR_BYTES;
        put(d, 0, &t->name, 4);
        put(d, 4, &t->ndim, 4);
        put(d, 8, t->dims, 16);
        if (t->count)
            memcpy(body + at, t->data, t->count * sizeof(float));
        at += t->count * sizeof(float);
    }
    return PD_WIRE_HEADER_BYTES + payload;
}

pd_status pd_wire_decode(const uint8_t *buf, size_t len, pd_wire_msg *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < PD_WIRE_HEADER_BYTES)
        return pd_error_set(err, PD_EINPUT, "message of %zu bytes is shorter than the %d-byte header",
                            len, PD_WIRE_HEADER_BYTES);
    if (memcmp(buf, "PDOF", 4) != 0)
        return pd_error_set(err, PD_EINPUT, "not a predoff message (bad magic)");
    uint16_t version, kind;
    uint32_t tensors, payload;
    get(buf, 4, &version, 2);
    get(buf, 6, &kind, 2);
    if (version != PD_WIRE_VERSION)
        return pd_error_set(err, PD_EINPUT, "protocol version %u; this side speaks %d",
                            (unsigned)version, PD_WIRE_VERSION);
    if (kind < PD_WIRE_TENSOR || kind > PD_WIRE_ECHO)
        return pd_error_set(err, PD_EINPUT, "unknown message kind %u", (unsigned)kind);
    out->kind = (pd_wire_kind)kind;
    get(buf, 8, &out->request_id, 8);
    get(buf, 16, &out->model_hash, 8);
    get(buf, 24, &out->plan_hash, 8);
    get(buf, 32, &out->exit, 4);
    get(buf, 36, &out->next, 4);
    get(buf, 40, out->compute_ms, 24);
    get(buf, 64, &out->budget_us, 4);
    get(buf, 68, &out->hops, 2);
    get(buf, 70, &out->code, 2);
    get(buf, 72, &tensors, 4);
    get(buf, 76, &payload, 4);
    for (int t = 0; t < 3; t++)
        if (!isfinite(out->compute_ms[t]) || out->compute_ms[t] < 0.0)
            return pd_error_set(err, PD_EINPUT, "compute time %d is not a finite time", t);
    if (out->kind == PD_WIRE_ERROR ? out->code == PD_WIRE_OK || out->code >= PD_WIRE_CODE_COUNT
                                   : out->code != PD_WIRE_OK)
        return pd_error_set(err, PD_EINPUT, "error code %u with message kind %u",
                            (unsigned)out->code, (unsigned)kind);
    if ((size_t)payload != len - PD_WIRE_HEADER_BYTES)
        return pd_error_set(err, PD_EINPUT, "header says %u payload bytes, message has %zu",
                            (unsigned)payload, len - PD_WIRE_HEADER_BYTES);
    const uint8_t *body = buf + PD_WIRE_HEADER_BYTES;
    if (out->kind == PD_WIRE_ERROR) {
        if (tensors)
            return pd_error_set(err, PD_EINPUT, "an error carrying %u tensors", (unsigned)tensors);
        if (payload > PD_WIRE_MAX_TEXT)
            return pd_error_set(err, PD_EINPUT, "error text of %u bytes is over %d",
                                (unsigned)payload, PD_WIRE_MAX_TEXT);
        out->text = (const char *)body;
        out->text_len = payload;
        return PD_OK;
    }
    if (tensors > PD_WIRE_MAX_TENSORS)
        return pd_error_set(err, PD_EINPUT, "%u tensors; at most %d in a message",
                            (unsigned)tensors, PD_WIRE_MAX_TENSORS);
    if ((size_t)tensors * PD_WIRE_TENSOR_BYTES > payload)
        return pd_error_set(err, PD_EINPUT, "a payload of %u bytes cannot hold the descriptors of "
                            "%u tensors", (unsigned)payload, (unsigned)tensors);
    uint64_t total = 0;
    for (uint32_t i = 0; i < tensors; i++) {
        pd_wire_tensor *t = &out->tensor[i];
        const uint8_t *d = body + (size_t)i * PD_WIRE_TENSOR_BYTES;
        get(d, 0, &t->name, 4);
        get(d, 4, &t->ndim, 4);
        get(d, 8, t->dims, 16);
        if (i > 0 && t->name <= out->tensor[i - 1].name)
            return pd_error_set(err, PD_EINPUT, "tensor %u is named %u after %u: names must "
                                "ascend, each once", (unsigned)i, (unsigned)t->name,
                                (unsigned)out->tensor[i - 1].name);
        if (t->ndim < 1 || t->ndim > PD_WIRE_MAX_DIMS)
            return pd_error_set(err, PD_EINPUT, "tensor %u: %u dimensions; 1 to %d allowed",
                                (unsigned)i, (unsigned)t->ndim, PD_WIRE_MAX_DIMS);
        uint64_t count = 1;
        for (uint32_t j = 0; j < PD_WIRE_MAX_DIMS; j++) {
            if (j >= t->ndim) {
                if (t->dims[j])
                    return pd_error_set(err, PD_EINPUT, "tensor %u: dimension %u is past ndim but "
                                        "not zero", (unsigned)i, (unsigned)j);
                continue;
            }
            if (t->dims[j] == 0 || t->dims[j] > PD_WIRE_MAX_FLOATS)
                return pd_error_set(err, PD_EINPUT, "tensor %u: dimension %u is %u", (unsigned)i,
                                    (unsigned)j, (unsigned)t->dims[j]);
            count *= t->dims[j];
            if (count > PD_WIRE_MAX_FLOATS)
                return pd_error_set(err, PD_EINPUT, "tensor %u has more than %d floats",
                                    (unsigned)i, PD_WIRE_MAX_FLOATS);
        }
        total += count;
        if (total > PD_WIRE_MAX_FLOATS)
            return pd_error_set(err, PD_EINPUT, "tensors of more than %d floats in all",
                                PD_WIRE_MAX_FLOATS);
        t->count = (size_t)count;
    }
    uint64_t want = (uint64_t)tensors * PD_WIRE_TENSOR_BYTES + total * sizeof(float);
    if (want != payload)
        return pd_error_set(err, PD_EINPUT, "%u tensors of %llu floats in all take %llu payload "
                            "bytes, the message has %u", (unsigned)tensors,
                            (unsigned long long)total, (unsigned long long)want, (unsigned)payload);
    out->n_tensors = tensors;
    const uint8_t *data = body + (size_t)tensors * PD_WIRE_TENSOR_BYTES;
    for (uint32_t i = 0; i < tensors; i++) {
        out->tensor[i].data = data;
        data += out->tensor[i].count * sizeof(float);
    }
    return PD_OK;
}

uint64_t pd_wire_hash(uint64_t h, const void *bytes, size_t len)
{
    return pd_fnv1a(h, bytes, len);
}
