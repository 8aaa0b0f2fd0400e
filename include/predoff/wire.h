/* The wire protocol between mobile, edge and cloud (docs/PROTOCOL.md): one message per
 * ZeroMQ frame, a fixed little-endian header, then float32 tensors, each named by the
 * layer that made it, or an error text. */
#ifndef PREDOFF_WIRE_H
#define PREDOFF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PD_WIRE_VERSION = 4,
    PD_WIRE_HEADER_BYTES = 80,
    PD_WIRE_TENSOR_BYTES = 24,         /* a tensor's descriptor: its name, ndim and dims */
    PD_WIRE_MAX_TENSORS = 64,          /* in one message */
    PD_WIRE_MAX_DIMS = 4,
    PD_WIRE_MAX_FLOATS = 16 << 20,     /* 64 MiB of tensors in one message at most */
    PD_WIRE_MAX_TEXT = 1024,           /* an error message */
    PD_WIRE_INPUT = 0,                 /* the name of the network input; layer i's output is i + 1 */
};

/* Why an ERROR refuses (its `code`): a receiver decides from it what to do next, e.g. the
 * mobile finishes a request itself unless the tiers run different models. */
typedef enum pd_wire_code {
    PD_WIRE_OK = 0,        /* not an error: every other kind carries 0 */
    PD_WIRE_EMALFORMED = 1, /* the message did not decode, or came in several frames */
    PD_WIRE_EMODEL = 2,    /* another model or other weights */
    PD_WIRE_EPLAN = 3,     /* another placement */
    PD_WIRE_EHOPS = 4,     /* the request went round too often */
    PD_WIRE_EDEADLINE = 5, /* its time budget was spent before it arrived */
    PD_WIRE_EREQUEST = 6,  /* its kind, exit, position or tensors do not fit the model */
    PD_WIRE_EBUSY = 7,     /* the server holds as many requests or tensors as it may */
    PD_WIRE_EINTERNAL = 8, /* the server failed running it */
    PD_WIRE_EDENIED = 9,   /* the client's key is no longer authorized */
    PD_WIRE_CODE_COUNT
} pd_wire_code;

typedef enum pd_wire_kind {
    PD_WIRE_TENSOR = 1, /* the tensors the receiver needs to go on from cut `next` of `exit` */
    PD_WIRE_RESULT = 2, /* the exit's logits: every layer has run */
    PD_WIRE_ERROR = 3,  /* a refusal; the text says why */
    PD_WIRE_ECHO = 4,   /* a link probe: a server answers with the same message */
} pd_wire_kind;

/* One tensor of a message: the network input (PD_WIRE_INPUT) or the output of layer
 * `name - 1`. Decoded, data points into the buffer (no copy; maybe unaligned: read it with
 * memcpy); to encode, it points to count floats. */
typedef struct pd_wire_tensor {
    uint32_t name;
    uint32_t ndim;
    uint32_t dims[PD_WIRE_MAX_DIMS];
    size_t count;             /* floats: the product of dims */
    const void *data;
} pd_wire_tensor;

/* A decoded message. TENSOR, RESULT and ECHO carry n_tensors tensors, their names strictly
 * ascending; ERROR none, and a text (pointing into the buffer, not NUL-terminated:
 * text_len bytes). */
typedef struct pd_wire_msg {
    pd_wire_kind kind;
    uint64_t request_id;
    uint64_t model_hash;      /* of the model description and the weights: tiers must agree */
    uint64_t plan_hash;       /* of the placement: tiers must agree */
    uint32_t budget_us;       /* TENSOR: the request's time left when sent, in microseconds */
    uint16_t hops;            /* transfers between processes so far, this one included */
    uint16_t code;            /* ERROR: a pd_wire_code; 0 for every other kind */
    uint32_t exit;            /* exit index, in the model's exit order */
    uint32_t next;            /* the cut the request is at: the position, in its exit's A(k),
                               * of the next layer to run */
    double compute_ms[3];     /* compute so far on mobile, edge, cloud */
    uint32_t n_tensors;
    pd_wire_tensor tensor[PD_WIRE_MAX_TENSORS];
    const char *text;
    size_t text_len;
} pd_wire_msg;

/* The hop count a message carries when sent on (saturating: a count past any limit stays
 * past it). */
static inline uint16_t pd_wire_next_hop(uint16_t hops)
{
    return hops < UINT16_MAX ? (uint16_t)(hops + 1) : UINT16_MAX;
}

/* Floats in m's tensors, all together. */
size_t pd_wire_floats(const pd_wire_msg *m);
/* Bytes needed to encode m (header + payload). */
size_t pd_wire_size(const pd_wire_msg *m);
/* Encodes m into buf (at least pd_wire_size(m) bytes); returns the bytes written. */
size_t pd_wire_encode(const pd_wire_msg *m, uint8_t *buf);
/* Decodes and validates a message of len bytes: magic, version, kind, the tensors' count,
 * names, dims and sizes against the bytes that came, bounds. Any fault is PD_EINPUT with a
 * line saying what is wrong. */
pd_status pd_wire_decode(const uint8_t *buf, size_t len, pd_wire_msg *out, pd_error *err);

/* FNV-1a 64 over bytes, chained: pass the previous hash (start with PD_WIRE_HASH_SEED). */
#define PD_WIRE_HASH_SEED 0xcbf29ce484222325ull /* the FNV-1a 64 offset basis */
uint64_t pd_wire_hash(uint64_t h, const void *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
