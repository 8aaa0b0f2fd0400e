/* The wire protocol between mobile, edge and cloud (docs/PROTOCOL.md): one message per
 * ZeroMQ frame, a fixed little-endian header, then a float32 tensor or an error text. */
#ifndef PREDOFF_WIRE_H
#define PREDOFF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    PD_WIRE_VERSION = 3,
    PD_WIRE_HEADER_BYTES = 96,
    PD_WIRE_MAX_DIMS = 4,
    PD_WIRE_MAX_FLOATS = 16 << 20,     /* 64 MiB of tensor at most */
    PD_WIRE_MAX_TEXT = 1024,           /* an error message */
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
    PD_WIRE_EREQUEST = 6,  /* its kind, exit, position or tensor does not fit the model */
    PD_WIRE_EBUSY = 7,     /* the server cannot take it now */
    PD_WIRE_EINTERNAL = 8, /* the server failed running it */
    PD_WIRE_EDENIED = 9,   /* the client's key is no longer authorized */
    PD_WIRE_CODE_COUNT
} pd_wire_code;

typedef enum pd_wire_kind {
    PD_WIRE_TENSOR = 1, /* a tensor entering path position `next` of exit `exit` */
    PD_WIRE_RESULT = 2, /* the exit's logits: the path is done */
    PD_WIRE_ERROR = 3,  /* a refusal; the text says why */
    PD_WIRE_ECHO = 4,   /* a link probe: a server answers with the same message */
} pd_wire_kind;

/* A decoded message. For TENSOR and RESULT, data points into the buffer it was decoded
 * from (no copy; maybe unaligned: read it with memcpy); for ERROR, text does (not
 * NUL-terminated: text_len bytes). To encode, data points to count floats. */
typedef struct pd_wire_msg {
    pd_wire_kind kind;
    uint64_t request_id;
    uint64_t model_hash;      /* of the model description and the weights: tiers must agree */
    uint64_t plan_hash;       /* of the placement: tiers must agree */
    uint32_t budget_us;       /* TENSOR: the request's time left when sent, in microseconds */
    uint16_t hops;            /* transfers between processes so far, this one included */
    uint16_t code;            /* ERROR: a pd_wire_code; 0 for every other kind */
    uint32_t exit;            /* exit index, in the model's exit order */
    uint32_t next;            /* path position of the next layer to run */
    double compute_ms[3];     /* compute so far on mobile, edge, cloud */
    uint32_t ndim;
    uint32_t dims[PD_WIRE_MAX_DIMS];
    size_t count;             /* floats in data: the product of dims */
    const void *data;
    const char *text;
    size_t text_len;
} pd_wire_msg;

/* The hop count a message carries when sent on (saturating: a count past any limit stays
 * past it). */
static inline uint16_t pd_wire_next_hop(uint16_t hops)
{
    return hops < UINT16_MAX ? (uint16_t)(hops + 1) : UINT16_MAX;
}

/* Bytes needed to encode m (header + payload). */
size_t pd_wire_size(const pd_wire_msg *m);
/* Encodes m into buf (at least pd_wire_size(m) bytes); returns the bytes written. */
size_t pd_wire_encode(const pd_wire_msg *m, uint8_t *buf);
/* Decodes and validates a message of len bytes: magic, version, kind, sizes, dims against
 * count, bounds. Any fault is PD_EINPUT with a line saying what is wrong. */
pd_status pd_wire_decode(const uint8_t *buf, size_t len, pd_wire_msg *out, pd_error *err);

/* FNV-1a 64 over bytes, chained: pass the previous hash (start with PD_WIRE_HASH_SEED). */
#define PD_WIRE_HASH_SEED 0xcbf29ce484222325ull /* the FNV-1a 64 offset basis */
uint64_t pd_wire_hash(uint64_t h, const void *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
