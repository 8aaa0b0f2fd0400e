/* The link probe: ECHO messages through a running server, timed on this side. */
#include <stdlib.h>
#include <zmq.h>

#include "ask.h"
#include "core/clock.h"
#include "predoff/node.h"
#include "predoff/probe.h"

static pd_status echo(void *sock, uint8_t *buf, float *payload, uint8_t *hold, size_t floats,
                      uint64_t id, const pd_probe_options *o, double *ms, pd_error *err)
{
    pd_wire_msg m = {.kind = PD_WIRE_ECHO, .request_id = id, .n_tensors = 1};
    m.tensor[0] = (pd_wire_tensor){.name = PD_WIRE_INPUT, .ndim = 1, .dims = {(uint32_t)floats},
                                   .count = floats, .data = payload};
    pd_wire_msg reply;
    double t0 = pd_now_ms();
    int r = pd_wire_ask(sock, buf, &m, hold, pd_wire_size(&m), o->timeout_ms, o->endpoint,
                        &reply, err);
    *ms = pd_now_ms() - t0;
    if (r < 0 || r == 2)
        return PD_EINPUT; /* the server refused (its text is in err), or answered too much */
    if (r > 0)
        return pd_error_set(err, PD_EIO, "%s: no answer to an echo of %zu floats within %.0f ms "
                            "(a server drops unread any message larger than its model's "
                            "largest tensor)", o->endpoint, floats, o->timeout_ms);
    if (reply.kind != PD_WIRE_ECHO || pd_wire_floats(&reply) != floats)
        return pd_error_set(err, PD_EINPUT, "%s: answered an echo with something else "
                            "(is it a predoff server of this version?)", o->endpoint);
    return PD_OK;
}

pd_status pd_probe_run(const pd_probe_options *o, double *rtt_ms, pd_error *err)
{
    size_t largest = 0;
    for (size_t s = 0; s < o->n_sizes; s++) {
        if (o->floats[s] < 1 || o->floats[s] > PD_WIRE_MAX_FLOATS)
            return pd_error_set(err, PD_EINPUT, "probe size %zu floats: 1 to %d allowed",
                                o->floats[s], PD_WIRE_MAX_FLOATS);
        largest = o->floats[s] > largest ? o->floats[s] : largest;
    }
    size_t bytes = PD_WIRE_HEADER_BYTES + PD_WIRE_TENSOR_BYTES + largest * sizeof(float);
    uint8_t *buf = malloc(bytes);
    float *payload = calloc(largest ? largest : 1, sizeof *payload);
    uint8_t *hold = malloc(bytes);
    void *ctx = zmq_ctx_new();
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    pd_status st = PD_OK;
    if (!buf || !payload || !hold || !sock) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
        goto done;
    }
    int linger = 0, immediate = 1;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
    if (o->server_key && (st = pd_curve_client(sock, o->server_key, o->client_key, err)))
        goto done;
    if (zmq_connect(sock, o->endpoint) != 0) {
        st = pd_error_set(err, PD_EINPUT, "%s: cannot connect: %s", o->endpoint,
                          zmq_strerror(zmq_errno()));
        goto done;
    }
    uint64_t id = 1;
    double ms;
    for (size_t i = 0; i < o->warmup && !st; i++)
        st = echo(sock, buf, payload, hold, o->floats[i % o->n_sizes], id++, o, &ms, err);
    for (size_t i = 0; i < o->repeat && !st; i++)
        for (size_t s = 0; s < o->n_sizes && !st; s++) {
            st = echo(sock, buf, payload, hold, o->floats[s], id++, o, &ms, err);
            rtt_ms[s * o->repeat + i] = ms;
        }
done:
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    free(buf);
    free(payload);
    free(hold);
    return st;
}
