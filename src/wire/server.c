/* The edge and cloud server: a ZeroMQ ROUTER socket; each request runs this tier's layers,
 * goes on to the cloud when the plan says so, and the answer returns to the sender. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "ask.h"
#include "predoff/node.h"

typedef struct server {
    pd_deployment *d;
    const pd_server_options *o;
    void *ctx, *front, *cloud;
    uint8_t *buf;     /* encoding buffer: header + the largest tensor */
    size_t buf_size;
    float *hold;      /* a cloud reply's tensor, copied out of its ZeroMQ message */
} server;

static void send_reply(server *s, zmq_msg_t *identity, const pd_wire_msg *m)
{
    size_t n = pd_wire_encode(m, s->buf);
    zmq_msg_t id;
    zmq_msg_init(&id);
    zmq_msg_copy(&id, identity);
    zmq_msg_send(&id, s->front, ZMQ_SNDMORE);
    zmq_send(s->front, s->buf, n, 0);
}

static void send_error(server *s, zmq_msg_t *identity, uint64_t request_id, const char *text)
{
    pd_wire_msg e = {.kind = PD_WIRE_ERROR, .request_id = request_id, .text = text};
    e.text_len = strlen(text) < PD_WIRE_MAX_TEXT ? strlen(text) : PD_WIRE_MAX_TEXT;
    e.model_hash = s->d->model_hash;
    send_reply(s, identity, &e);
}

/* Runs a request as far as this tier (and the cloud behind the edge) takes it: this tier's
 * layers here, the cloud's through the cloud (or here if it does not answer), and the
 * tensor goes back to the sender when the path ends or needs a tier upstream. */
static void handle(server *s, zmq_msg_t *identity, pd_wire_msg *m)
{
    pd_error err;
    pd_error_clear(&err);
    pd_tier me = s->o->tier;
    if (m->kind == PD_WIRE_ECHO) { /* a link probe: the same message back, nothing run */
        if (PD_WIRE_HEADER_BYTES + m->count * sizeof(float) > s->buf_size) {
            char text[128];
            snprintf(text, sizeof text, "an echo of %zu floats is over this server's %zu",
                     m->count, (s->buf_size - PD_WIRE_HEADER_BYTES) / sizeof(float));
            send_error(s, identity, m->request_id, text);
            return;
        }
        send_reply(s, identity, m);
        return;
    }
    if (m->kind != PD_WIRE_TENSOR) {
        send_error(s, identity, m->request_id, "expected a tensor to run");
        return;
    }
    if (m->model_hash != s->d->model_hash) { /* also for tensors only passed on */
        pd_deployment_step(s->d, me, m, &err); /* refuses, saying why */
        send_error(s, identity, m->request_id, err.msg);
        return;
    }
    while (m->kind != PD_WIRE_RESULT) {
        pd_tier next = pd_deployment_tier_at(s->d, m->exit, m->next);
        if (m->exit >= s->d->g->n_exits || next == PD_TIER_COUNT) {
            pd_deployment_step(s->d, me, m, &err); /* refuses, saying why */
            send_error(s, identity, m->request_id, err.msg);
            return;
        }
        if (next == me) {
            if (pd_deployment_step(s->d, me, m, &err)) {
                send_error(s, identity, m->request_id, err.msg);
                return;
            }
            continue;
        }
        if (me != PD_TIER_EDGE || next != PD_TIER_CLOUD)
            break; /* the next layer is upstream: the sender goes on */
        pd_wire_msg reply;
        int r = s->cloud ? pd_wire_ask(s->cloud, s->buf, m, s->hold, s->o->timeout_ms, "cloud",
                                            &reply, &err)
                         : 1;
        if (r < 0) {
            send_error(s, identity, m->request_id, err.msg);
            return;
        }
        if (r == 0) {
            *m = reply;
            continue;
        }
        /* the cloud does not answer: the edge runs the cloud's layers itself */
        while (m->kind != PD_WIRE_RESULT &&
               pd_deployment_tier_at(s->d, m->exit, m->next) == PD_TIER_CLOUD)
            if (pd_deployment_step_for(s->d, PD_TIER_CLOUD, PD_TIER_EDGE, m, &err)) {
                send_error(s, identity, m->request_id, err.msg);
                return;
            }
    }
    send_reply(s, identity, m);
}

static void close_server(server *s)
{
    if (s->front) {
        /* the last replies may still be queued (after --max-requests, say): give them a
         * bounded time to leave instead of dropping them */
        int linger = 500;
        zmq_setsockopt(s->front, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(s->front);
    }
    if (s->cloud)
        zmq_close(s->cloud);
    if (s->ctx)
        zmq_ctx_term(s->ctx);
    free(s->buf);
    free(s->hold);
}

pd_status pd_serve(pd_deployment *d, const pd_server_options *o, pd_error *err)
{
    server s = {d, o, NULL, NULL, NULL, NULL, 0, NULL};
    size_t max = (size_t)pd_shape_elems(d->g->input);
    for (size_t i = 0; i < d->g->n_layers; i++) {
        size_t c = (size_t)pd_shape_elems(d->g->layers[i].out);
        max = c > max ? c : max;
    }
    s.buf_size = PD_WIRE_HEADER_BYTES + (max > PD_WIRE_MAX_TEXT ? max * sizeof(float) : PD_WIRE_MAX_TEXT);
    s.buf = malloc(s.buf_size);
    s.hold = malloc(max * sizeof *s.hold);
    s.ctx = zmq_ctx_new();
    if (!s.buf || !s.hold || !s.ctx) {
        close_server(&s);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    int linger = 0, max_msg = (int)(PD_WIRE_HEADER_BYTES + sizeof(float) * (size_t)PD_WIRE_MAX_FLOATS);
    int64_t max_size = max_msg;
    s.front = zmq_socket(s.ctx, ZMQ_ROUTER);
    zmq_setsockopt(s.front, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s.front, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
    if (o->key) {
        int on = 1;
        if (zmq_setsockopt(s.front, ZMQ_CURVE_SERVER, &on, sizeof on) ||
            zmq_setsockopt(s.front, ZMQ_CURVE_SECRETKEY, o->key->secret_key, PD_KEY_CHARS + 1)) {
            pd_status st = pd_error_set(err, PD_EIO, "CURVE: %s", zmq_strerror(zmq_errno()));
            close_server(&s);
            return st;
        }
    }
    if (zmq_bind(s.front, o->listen) != 0) {
        pd_status st = pd_error_set(err, PD_EINPUT, "%s: cannot listen: %s", o->listen,
                                    zmq_strerror(zmq_errno()));
        close_server(&s);
        return st;
    }
    if (o->cloud) {
        s.cloud = zmq_socket(s.ctx, ZMQ_DEALER);
        int immediate = 1; /* nothing queued for a cloud that is down */
        zmq_setsockopt(s.cloud, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(s.cloud, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        if (o->cloud_key && pd_curve_client(s.cloud, o->cloud_key, err)) {
            close_server(&s);
            return PD_EIO;
        }
        if (zmq_connect(s.cloud, o->cloud) != 0) {
            pd_status st = pd_error_set(err, PD_EINPUT, "%s: cannot connect: %s", o->cloud,
                                        zmq_strerror(zmq_errno()));
            close_server(&s);
            return st;
        }
    }
    if (o->on_ready)
        o->on_ready(o->ready_ctx);
    long served = 0;
    while (!(o->stop && *o->stop) && !(o->max_requests && served >= o->max_requests)) {
        zmq_pollitem_t item = {s.front, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        zmq_msg_t identity, payload;
        zmq_msg_init(&identity);
        zmq_msg_init(&payload);
        if (zmq_msg_recv(&identity, s.front, 0) < 0 || !zmq_msg_more(&identity) ||
            zmq_msg_recv(&payload, s.front, 0) < 0) {
            zmq_msg_close(&identity);
            zmq_msg_close(&payload);
            continue;
        }
        int extra = zmq_msg_more(&payload);
        while (zmq_msg_more(&payload)) { /* one payload frame only: drain the rest */
            zmq_msg_close(&payload);
            zmq_msg_init(&payload);
            if (zmq_msg_recv(&payload, s.front, 0) < 0)
                break;
        }
        pd_wire_msg m;
        pd_error e;
        pd_error_clear(&e);
        if (extra)
            send_error(&s, &identity, 0, "one frame per message");
        else if (pd_wire_decode(zmq_msg_data(&payload), zmq_msg_size(&payload), &m, &e))
            send_error(&s, &identity, 0, e.msg);
        else
            handle(&s, &identity, &m);
        served++;
        zmq_msg_close(&identity);
        zmq_msg_close(&payload);
    }
    close_server(&s);
    return PD_OK;
}
