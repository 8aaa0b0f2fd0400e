/* Measuring a link the way a plan sees it: echo messages of several sizes through a
 * running server, then a line through the round trips gives the per-hop delay and the
 * rate to plan with (`predoff probe`; the line is measure.h's pd_link_fit_means). */
#ifndef PREDOFF_PROBE_H
#define PREDOFF_PROBE_H

#include <stddef.h>

#include "predoff/error.h"
#include "predoff/keys.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_probe_options {
    const char *endpoint;          /* a predoff server, e.g. "tcp://10.77.1.2:5555" */
    const pd_curve_key *server_key; /* its public key when it uses CURVE, else NULL */
    const pd_curve_key *client_key; /* with server_key: this side's key pair */
    const size_t *floats;          /* payload of each probe size, in floats (>= 1) */
    size_t n_sizes;
    size_t repeat;                 /* round trips per size, after `warmup` unrecorded ones */
    size_t warmup;
    double timeout_ms;             /* for each round trip */
} pd_probe_options;

/* Sends ECHO messages, the sizes taken in turn (so that a drifting host touches every size
 * alike), and records each round trip's wall time: rtt_ms[size * repeat + i]. A server
 * that does not answer in time, or refuses, is an error naming the endpoint. */
pd_status pd_probe_run(const pd_probe_options *o, double *rtt_ms, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
