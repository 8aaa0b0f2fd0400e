/* What an edge or cloud server decides, without the transport: messages come in from a
 * client or from the cloud, the clock ticks, and replies leave through callbacks. A request
 * waiting for the cloud does not stop the others: it is parked with its deadline, and the
 * edge finishes it itself when the cloud does not answer in time. A request that comes
 * back later (its next layers here run after the mobile's) is held with the tensors it
 * still needs here, until it comes back or its deadline passes (docs/PROTOCOL.md). */
#ifndef PD_WIRE_HANDLER_H
#define PD_WIRE_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/deploy.h"

typedef struct pd_handler_io {
    void *ctx;
    /* a reply to the client whose routing identity is id */
    void (*to_client)(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                      size_t len);
    /* whether the cloud is connected and can take a message at once */
    int (*cloud_ready)(void *ctx);
    /* a message to the cloud; nonzero when it could not be sent */
    int (*to_cloud)(void *ctx, const uint8_t *msg, size_t len);
    /* one line for the operator (a refused cloud, the breaker opening); may be NULL */
    void (*note)(void *ctx, const char *line);
} pd_handler_io;

typedef struct pd_handler_options {
    pd_tier tier;             /* PD_TIER_EDGE or PD_TIER_CLOUD */
    int has_cloud;            /* edge: a cloud to forward to */
    double cloud_timeout_ms;  /* edge: the longest wait for the cloud, budget permitting */
    double breaker_ms;        /* edge: a failed cloud is left alone this long, doubling
                               * on each further failure up to 16 times as long */
    size_t max_pending;       /* edge: requests waiting for the cloud at once */
    size_t max_requests;      /* requests under way, parked or held at once */
    size_t max_held_floats;   /* floats of requests' tensors held at once, all together */
} pd_handler_options;

/* The defaults: 1000 ms, 500 ms, 64, 256, 64 Mi floats (256 MiB). */
void pd_handler_options_init(pd_handler_options *o, pd_tier tier);

typedef struct pd_handler_stats {
    uint64_t answered;        /* requests answered with a tensor, a result or an echo */
    uint64_t refused;         /* messages answered with an ERROR */
    uint64_t forwarded;       /* tensors sent to the cloud */
    uint64_t cloud_failures;  /* timeouts, refusals, bad or unsendable replies */
    uint64_t ran_for_cloud;   /* runs of cloud layers the edge made itself */
    uint64_t expired;         /* held requests dropped at their deadline */
    uint64_t dropped;         /* held requests dropped to make room */
} pd_handler_stats;

typedef struct pd_handler pd_handler;

/* d and io are borrowed and must outlive the handler. */
pd_status pd_handler_new(pd_deployment *d, const pd_handler_options *o, const pd_handler_io *io,
                         pd_handler **out, pd_error *err);
void pd_handler_free(pd_handler *h);

/* The largest message the handler sends or takes (pd_deployment.max_message). */
size_t pd_handler_max_message(const pd_handler *h);

/* A message of `frames` frames (the first len bytes at msg) from the client `id`. */
void pd_handler_client(pd_handler *h, double now_ms, const uint8_t *id, size_t id_len,
                       const uint8_t *msg, size_t len, size_t frames);
/* A message from the cloud. */
void pd_handler_cloud(pd_handler *h, double now_ms, const uint8_t *msg, size_t len);
/* Finishes the requests whose wait for the cloud is over, and drops the held ones whose
 * deadline has passed. */
void pd_handler_tick(pd_handler *h, double now_ms);
/* When the next wait ends or held request expires (ms on the same clock), or a negative
 * number if none. */
double pd_handler_next_deadline(const pd_handler *h);
/* Requests waiting for the cloud. */
size_t pd_handler_pending(const pd_handler *h);
/* Requests held until their clients come back; *floats (if not NULL) receives the floats
 * of tensors every request holds. */
size_t pd_handler_held(const pd_handler *h, size_t *floats);
const pd_handler_stats *pd_handler_stats_of(const pd_handler *h);
/* One line for the operator, through io.note (the transport's own events too). */
void pd_handler_note(pd_handler *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
