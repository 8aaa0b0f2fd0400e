/* A raw ZeroMQ DEALER connected to a server, for tests that send it hand-made bytes.
 * Include after cmocka.h and zmq.h. */
#ifndef PD_RAW_DEALER_H
#define PD_RAW_DEALER_H

typedef struct raw {
    void *ctx, *sock;
} raw;

static inline raw raw_open(const char *endpoint)
{
    raw r = {zmq_ctx_new(), NULL};
    r.sock = zmq_socket(r.ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(r.sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(r.sock, endpoint), 0);
    return r;
}

static inline void raw_close(raw *r)
{
    zmq_close(r->sock);
    zmq_ctx_term(r->ctx);
}

#endif
