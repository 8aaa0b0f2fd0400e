/* The mobile's side: runs its own layers, sends the tensor on when the plan says, and
 * finishes the path itself if the server does not answer in time. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "ask.h"
#include "core/clock.h"
#include "predoff/node.h"

struct pd_client {
    void *ctx, *sock;       /* sock is NULL without a server */
    double timeout_ms;
    double down_until;      /* after a timeout, requests stay on the mobile until then */
    uint8_t *buf;           /* encoding buffer */
    float *hold;            /* a reply's tensor, copied out of its ZeroMQ message */
    float *logits;          /* the last result */
};

enum { RETRY_MS = 500 };


void pd_client_free(pd_client *c)
{
    if (!c)
        return;
    if (c->sock)
        zmq_close(c->sock);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c->buf);
    free(c->hold);
    free(c->logits);
    free(c);
}

pd_status pd_client_new(const pd_deployment *d, const char *endpoint, double timeout_ms,
                        const pd_curve_key *server_key, pd_client **out, pd_error *err)
{
    *out = NULL;
    pd_client *c = calloc(1, sizeof *c);
    if (!c)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    size_t max = (size_t)pd_shape_elems(d->g->input);
    for (size_t i = 0; i < d->g->n_layers; i++) {
        size_t n = (size_t)pd_shape_elems(d->g->layers[i].out);
        max = n > max ? n : max;
    }
    c->timeout_ms = timeout_ms;
    c->buf = malloc(PD_WIRE_HEADER_BYTES + max * sizeof(float));
    c->hold = malloc(max * sizeof *c->hold);
    c->logits = malloc(max * sizeof *c->logits);
    if (!c->buf || !c->hold || !c->logits) {
        pd_client_free(c);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (endpoint) {
        int linger = 0;
        c->ctx = zmq_ctx_new();
        c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
        if (!c->sock) {
            pd_client_free(c);
            return pd_error_set(err, PD_ENOMEM, "cannot create a ZeroMQ socket");
        }
        zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
        /* no queueing for a server that is not connected: a send fails at once instead */
        int immediate = 1;
        zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        if (server_key && pd_curve_client(c->sock, server_key, err)) {
            pd_client_free(c);
            return PD_EIO;
        }
        if (zmq_connect(c->sock, endpoint) != 0) {
            pd_status st = pd_error_set(err, PD_EINPUT, "%s: cannot connect: %s", endpoint,
                                        zmq_strerror(zmq_errno()));
            pd_client_free(c);
            return st;
        }
    }
    *out = c;
    return PD_OK;
}

pd_status pd_infer(pd_client *c, pd_deployment *d, const float *input, size_t count,
                   uint32_t exit, uint64_t request_id, pd_infer_result *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    pd_shape in = d->g->input;
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = request_id,
                     .model_hash = d->model_hash, .exit = exit, .ndim = 3,
                     .dims = {(uint32_t)in.c, (uint32_t)in.h, (uint32_t)in.w},
                     .count = count, .data = input};
    double t0 = pd_now_ms();
    int fell_back = 0;
    while (m.kind != PD_WIRE_RESULT) {
        pd_tier next = pd_deployment_tier_at(d, exit, m.next);
        pd_status st;
        if (next == PD_TIER_MOBILE || fell_back || !c->sock || pd_now_ms() < c->down_until) {
            fell_back |= next != PD_TIER_MOBILE;
            st = pd_deployment_step_for(d, next, PD_TIER_MOBILE, &m, err);
        } else {
            pd_wire_msg reply;
            int r = pd_wire_ask(c->sock, c->buf, &m, c->hold, c->timeout_ms, "server", &reply, err);
            if (r < 0)
                return PD_EINPUT;
            if (r > 0) {
                /* the server is gone or silent: finish here, and do not ask it again for a
                 * while (then try again: a restarted server gets its clients back) */
                fell_back = 1;
                c->down_until = pd_now_ms() + RETRY_MS;
                continue;
            }
            if (reply.model_hash != d->model_hash)
                return pd_error_set(err, PD_EINPUT,
                                    "the server's answer is for another model or weights");
            m = reply;
            st = PD_OK;
        }
        if (st)
            return st;
    }
    out->exit = exit;
    out->total_ms = pd_now_ms() - t0;
    memcpy(out->compute_ms, m.compute_ms, sizeof out->compute_ms);
    out->transfer_ms = out->total_ms - m.compute_ms[0] - m.compute_ms[1] - m.compute_ms[2];
    out->fell_back = fell_back;
    out->count = m.count;
    memcpy(c->logits, m.data, m.count * sizeof(float));
    out->logits = c->logits;
    return PD_OK;
}
