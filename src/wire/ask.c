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

void pd_wire_limit_socket(void *sock, size_t max_message)
{
    /* ZeroMQ checks the frame as it arrives: under CURVE that is the message boxed in a
     * MESSAGE command, 33 bytes longer (command name, flags, nonce, MAC); keep room */
    enum { CURVE_OVERHEAD = 64 };
    size_t least = PD_WIRE_HEADER_BYTES + PD_WIRE_MAX_TEXT;
    int64_t max = (int64_t)(CURVE_OVERHEAD + (max_message > least ? max_message : least));
    int hwm = 8;
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
}

int pd_wire_ask(void *sock, uint8_t *buf, const pd_wire_msg *m, uint8_t *hold, size_t hold_bytes,
                double timeout_ms, const char *peer, pd_wire_msg *reply, pd_error *err)
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
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            if (zmq_errno() == EAGAIN || zmq_errno() == EINTR)
                continue;
            return 1;
        }
        pd_wire_msg r;
        pd_error e;
        size_t size = zmq_msg_size(&msg);
        int ok = !pd_wire_decode(zmq_msg_data(&msg), size, &r, &e) &&
                 r.request_id == m->request_id;
        int status = 0;
        if (ok && r.kind == PD_WIRE_ERROR) {
            pd_error_set(err, PD_EINPUT, "%s: %.*s", peer, (int)r.text_len, r.text);
            r.text = NULL;
            r.text_len = 0;
            status = -1;
        } else if (ok && size > hold_bytes) {
            pd_error_set(err, PD_EINPUT, "%s: an answer of %zu bytes, over the %zu this side "
                         "expects at most", peer, size, hold_bytes);
            r.n_tensors = 0;
            status = 2;
        } else if (ok) {
            /* the answer's bytes, kept past the ZeroMQ message: decoded again in place */
            memcpy(hold, zmq_msg_data(&msg), size);
            ok = !pd_wire_decode(hold, size, &r, &e);
        }
        zmq_msg_close(&msg);
        if (ok) {
            *reply = r;
            return status;
        }
        /* an answer to an earlier, abandoned request, or garbage: not ours */
    }
}
