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
    const char *listen;        /* e.g. "tcp://127.0.0.1:5555" */
    const char *cloud;         /* edge only: the cloud's endpoint, or NULL */
    double timeout_ms;         /* how long the edge waits for the cloud before running its layers itself */
    long max_requests;         /* stop after this many (0: never) */
    volatile sig_atomic_t *stop; /* set from a signal handler to stop; may be NULL */
    const pd_curve_key *key;       /* this server's key pair: CURVE on (NULL: off) */
    const pd_curve_key *cloud_key; /* edge: the cloud's public key (NULL: plain) */
    void (*on_ready)(void *ctx); /* called once listening; may be NULL */
    void *ready_ctx;
} pd_server_options;

/* Serves requests until stopped. A malformed or refused request gets an ERROR reply and
 * the server goes on. */
pd_status pd_serve(pd_deployment *d, const pd_server_options *o, pd_error *err);

typedef struct pd_client pd_client;

/* A mobile client sending to `endpoint` (NULL: no server; every layer runs on the mobile),
 * with CURVE when server_key (the server's public key) is given. A request whose server
 * does not answer within timeout_ms runs its remaining layers on the mobile. */
pd_status pd_client_new(const pd_deployment *d, const char *endpoint, double timeout_ms,
                        const pd_curve_key *server_key, pd_client **out, pd_error *err);

/* Makes `sock` a CURVE client of the server whose public key is given, with a fresh key
 * pair of its own. */
pd_status pd_curve_client(void *sock, const pd_curve_key *server_key, pd_error *err);
void pd_client_free(pd_client *c);

typedef struct pd_infer_result {
    uint32_t exit;
    double total_ms;        /* wall time on the mobile, from input to logits */
    double compute_ms[3];   /* per tier */
    double transfer_ms;     /* total - compute: the network and the servers' overhead */
    int fell_back;          /* a server did not answer: the mobile finished the path */
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
