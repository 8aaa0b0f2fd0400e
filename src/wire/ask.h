/* One request and its answer over a DEALER socket: the mobile asks the edge, the edge the
 * cloud. */
#ifndef PD_WIRE_ASK_H
#define PD_WIRE_ASK_H

#include <stdint.h>

#include "predoff/wire.h"

/* Encodes m into buf, sends it once `sock` can (within timeout_ms), and waits for the
 * answer with m's request id, dropping late answers to earlier requests and messages that
 * do not decode. Returns 0 with *reply (its bytes copied into hold, which has room for
 * hold_bytes, and its tensors pointing there; a larger answer is refused: 2, with err), 1
 * when nothing came in time, -1 on an ERROR reply (its text in err after "peer: ", its
 * code in reply->code). */
int pd_wire_ask(void *sock, uint8_t *buf, const pd_wire_msg *m, uint8_t *hold, size_t hold_bytes,
                double timeout_ms, const char *peer, pd_wire_msg *reply, pd_error *err);

/* ZeroMQ's limits for a socket that carries messages of at most max_message bytes (and
 * errors): larger messages are dropped before they are allocated, and few queue per peer. */
void pd_wire_limit_socket(void *sock, size_t max_message);

#endif
