/* The split runtime's processes: an edge or cloud server, and the mobile's client, over
 * ZeroMQ (docs/PROTOCOL.md). */
#ifndef PREDOFF_NODE_H
#define PREDOFF_NODE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/deploy.h"
#include "predoff/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_server_options {
    pd_tier tier;              /* PD_TIER_EDGE or PD_TIER_CLOUD */
    const char *listen;        /* e.g. "tcp://127.0.0.1:5555", or "tcp://127.0.0.1:*" for any
                                * free port (on_ready receives the one taken) */
    const char *cloud;         /* edge only: the cloud's endpoint, or NULL */
    double timeout_ms;         /* edge: the longest wait for the cloud (the request's budget
                                * permitting) before running the cloud's layers itself */
    double breaker_ms;         /* edge: a failed cloud is left alone this long at first (0: 500) */
    long max_requests;         /* stop after answering this many (0: never) */
    volatile sig_atomic_t *stop;   /* set from a signal handler to stop; may be NULL */
    volatile sig_atomic_t *reload; /* set to re-read authorized_keys (SIGHUP); may be NULL */
    const pd_curve_key *key;       /* this server's key pair: CURVE on (NULL: off); the edge
                                    * also uses it as the cloud's client */
    const char *authorized_keys;   /* with key: the file of client keys served (required) */
    const pd_curve_key *cloud_key; /* edge: the cloud's public key (NULL: plain) */
    void (*on_ready)(void *ctx, const char *endpoint); /* once listening; may be NULL */
    void *ready_ctx;
    void (*on_note)(void *ctx, const char *line); /* the operator's log; may be NULL */
    void *note_ctx;
} pd_server_options;

/* Serves requests until stopped. A malformed or refused request gets an ERROR reply and
 * the server goes on. */
pd_status pd_serve(pd_deployment *d, const pd_server_options *o, pd_error *err);

/* Whether a server listening on `endpoint` is reachable from this machine only: tcp:// on
 * 127.0.0.0/8, [::1] or localhost, or ipc://. Everything else is not (ws://, tcp://0.0.0.0,
 * an interface name, a host name). */
int pd_endpoint_is_local(const char *endpoint);

/* Raises this process's soft limit on open descriptors to its hard limit (a server holds
 * one per connection); returns the limit now in force. */
long pd_raise_descriptor_limit(void);

typedef struct pd_client pd_client;

/* A request's time budget is carried in microseconds in a u32: at most an hour. */
enum { PD_CLIENT_MAX_TIMEOUT_MS = 3600 * 1000 };

/* A mobile client sending to `endpoint` (NULL: no server; every layer runs on the mobile),
 * with CURVE when server_key (the server's public key) is given, as client_key (a key pair
 * the server lists in its --authorized-keys). A request whose servers do not answer within
 * timeout_ms (its time budget, carried in every message) runs its remaining layers on the
 * mobile. */
pd_status pd_client_new(const pd_deployment *d, const char *endpoint, double timeout_ms,
                        const pd_curve_key *server_key, const pd_curve_key *client_key,
                        pd_client **out, pd_error *err);

/* Makes `sock` a CURVE client of the server whose public key is given, as client_key. */
pd_status pd_curve_client(void *sock, const pd_curve_key *server_key,
                          const pd_curve_key *client_key, pd_error *err);
void pd_client_free(pd_client *c);

typedef struct pd_infer_result {
    uint32_t exit;
    double total_ms;        /* wall time on the mobile, from input to logits */
    double compute_ms[3];   /* per tier */
    double transfer_ms;     /* total - compute: the network and the servers' overhead */
    int fell_back;          /* a server did not answer or refused: the mobile finished */
    const char *fallback_reason; /* why, when fell_back (owned by the client) */
    size_t count;
    float *logits;          /* owned by the client, valid until the next request */
} pd_infer_result;

/* Runs one input (the network input, d's shape) to exit `exit` across the tiers. */
pd_status pd_infer(pd_client *c, pd_deployment *d, const float *input, size_t count,
                   uint32_t exit, uint64_t request_id, pd_infer_result *out, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
