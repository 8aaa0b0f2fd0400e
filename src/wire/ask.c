/* One request and its answer over a DEALER socket, with a deadline. */
#include "ask.h"

#include <string.h>
#include <zmq.h>

#include "core/clock.h"

int pd_wire_ask(void *sock, uint8_t *buf, const pd_wire_msg *m, float *hold, double timeout_ms,
                const char *peer, pd_wire_msg *reply, pd_error *err)
{
    size_t n = pd_wire_encode(m, buf);
    double deadline = pd_now_ms() + timeout_ms;
    /* with ZMQ_IMMEDIATE a socket is writable only once connected: wait for that */
    zmq_pollitem_t out = {sock, 0, ZMQ_POLLOUT, 0};
    if (zmq_poll(&out, 1, (long)timeout_ms) <= 0 || zmq_send(sock, buf, n, ZMQ_DONTWAIT) < 0)
        return 1;
    for (;;) {
        double left = deadline - pd_now_ms();
        zmq_pollitem_t in = {sock, 0, ZMQ_POLLIN, 0};
        if (left <= 0 || zmq_poll(&in, 1, (long)left + 1) <= 0)
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
