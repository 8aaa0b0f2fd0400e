/* One request and its answer over a DEALER socket, with a deadline. */
#include "ask.h"

#include <errno.h>
#include <string.h>
#include <zmq.h>

#include "core/clock.h"

/* Waits until sock has the event or the deadline passes (1). zmq_poll may return early,
 * with nothing (seen under AddressSanitizer) or EINTR: that is not the deadline. */
static int wait_for(void *sock, short events, double deadline)
{
    for (;;) {
        double left = deadline - pd_now_ms();
        if (left <= 0)
            return 1;
        zmq_pollitem_t item = {sock, 0, events, 0};
        int r = zmq_poll(&item, 1, (long)left + 1);
        if (r > 0)
            return 0;
        if (r < 0 && zmq_errno() != EINTR)
            return 1;
    }
}

int pd_wire_ask(void *sock, uint8_t *buf, const pd_wire_msg *m, float *hold, double timeout_ms,
                const char *peer, pd_wire_msg *reply, pd_error *err)
{
    size_t n = pd_wire_encode(m, buf);
    double deadline = pd_now_ms() + timeout_ms;
    /* with ZMQ_IMMEDIATE a socket is writable only once connected: wait for that */
    if (wait_for(sock, ZMQ_POLLOUT, deadline) || zmq_send(sock, buf, n, ZMQ_DONTWAIT) < 0)
        return 1;
    for (;;) {
        if (wait_for(sock, ZMQ_POLLIN, deadline))
            return 1;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) < 0) {
            zmq_msg_close(&msg);
            return 1;
        }
        pd_wire_msg r;
        pd_error e;
        int ok = !pd_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &r, &e) &&
                 r.request_id == m->request_id;
        if (ok && r.kind == PD_WIRE_ERROR) {
            pd_error_set(err, PD_EINPUT, "%s: %.*s", peer, (int)r.text_len, r.text);
            zmq_msg_close(&msg);
            return -1;
        }
        if (ok) {
            memcpy(hold, r.data, r.count * sizeof(float));
            r.data = hold;
            *reply = r;
            zmq_msg_close(&msg);
            return 0;
        }
        zmq_msg_close(&msg); /* an answer to an earlier, abandoned request */
    }
}
