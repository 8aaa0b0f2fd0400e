/* The wire protocol: a fixed 96-byte little-endian header, then the payload.
 *
 *   0  "PDOF"           4  version u16      6  kind u16
 *   8  request id u64  16  model hash u64  24  exit u32   28  next u32
 *  32  compute ms f64 x 3 (mobile, edge, cloud)
 *  56  ndim u32        60  dims u32 x 4    76  payload bytes u32
 *  80  plan hash u64   88  budget us u32   92  hops u16   94  error code u16
 *  96  payload: float32 x count (TENSOR, RESULT, ECHO) or UTF-8 text (ERROR)
 */
#include <math.h>
#include <string.h>

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

static size_t payload_bytes(const pd_wire_msg *m)
{
    return m->kind == PD_WIRE_ERROR ? m->text_len : m->count * sizeof(float);
}

size_t pd_wire_size(const pd_wire_msg *m)
{
    return PD_WIRE_HEADER_BYTES + payload_bytes(m);
}

size_t pd_wire_encode(const pd_wire_msg *m, uint8_t *buf)
{
    uint16_t version = PD_WIRE_VERSION, kind = (uint16_t)m->kind;
    uint32_t payload = (uint32_t)payload_bytes(m);
    memset(buf, 0, PD_WIRE_HEADER_BYTES);
    put(buf, 0, "PDOF", 4);
    put(buf, 4, &version, 2);
    put(buf, 6, &kind, 2);
    put(buf, 8, &m->request_id, 8);
    put(buf, 16, &m->model_hash, 8);
    put(buf, 24, &m->exit, 4);
    put(buf, 28, &m->next, 4);
    put(buf, 32, m->compute_ms, 24);
    put(buf, 56, &m->ndim, 4);
    put(buf, 60, m->dims, 16);
    put(buf, 76, &payload, 4);
    put(buf, 80, &m->plan_hash, 8);
    put(buf, 88, &m->budget_us, 4);
    put(buf, 92, &m->hops, 2);
    put(buf, 94, &m->code, 2);
    /* memcpy from NULL is undefined even for 0 bytes, and an empty text may be NULL */
    if (m->kind == PD_WIRE_ERROR && payload)
        memcpy(buf + PD_WIRE_HEADER_BYTES, m->text, payload);
    else if (payload)
        memcpy(buf + PD_WIRE_HEADER_BYTES, m->data, payload);
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
    uint32_t payload;
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
    get(buf, 24, &out->exit, 4);
    get(buf, 28, &out->next, 4);
    get(buf, 32, out->compute_ms, 24);
    get(buf, 56, &out->ndim, 4);
    get(buf, 60, out->dims, 16);
    get(buf, 76, &payload, 4);
    get(buf, 80, &out->plan_hash, 8);
    get(buf, 88, &out->budget_us, 4);
    get(buf, 92, &out->hops, 2);
    get(buf, 94, &out->code, 2);
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
        if (payload > PD_WIRE_MAX_TEXT)
            return pd_error_set(err, PD_EINPUT, "error text of %u bytes is over %d",
                                (unsigned)payload, PD_WIRE_MAX_TEXT);
        out->text = (const char *)body;
        out->text_len = payload;
        return PD_OK;
    }
    if (out->ndim < 1 || out->ndim > PD_WIRE_MAX_DIMS)
        return pd_error_set(err, PD_EINPUT, "%u dimensions; 1 to %d allowed", (unsigned)out->ndim,
                            PD_WIRE_MAX_DIMS);
    uint64_t count = 1;
    for (uint32_t i = 0; i < PD_WIRE_MAX_DIMS; i++) {
        if (i >= out->ndim) {
            if (out->dims[i])
                return pd_error_set(err, PD_EINPUT, "dimension %u is past ndim but not zero",
                                    (unsigned)i);
            continue;
        }
        if (out->dims[i] == 0 || out->dims[i] > PD_WIRE_MAX_FLOATS)
            return pd_error_set(err, PD_EINPUT, "dimension %u is %u", (unsigned)i,
                                (unsigned)out->dims[i]);
        count *= out->dims[i];
        if (count > PD_WIRE_MAX_FLOATS)
            return pd_error_set(err, PD_EINPUT, "tensor of more than %d floats", PD_WIRE_MAX_FLOATS);
    }
    if (count * sizeof(float) != payload)
        return pd_error_set(err, PD_EINPUT, "shape holds %llu floats, payload %u bytes",
                            (unsigned long long)count, (unsigned)payload);
    out->count = (size_t)count;
    out->data = body;
    return PD_OK;
}

uint64_t pd_wire_hash(uint64_t h, const void *bytes, size_t len)
{
    const uint8_t *b = bytes;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}
