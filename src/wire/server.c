/* The edge and cloud server's transport: a ZeroMQ ROUTER socket for clients, a DEALER to
 * the cloud, a ZAP handler that admits only the listed client keys, and one loop that
 * hands every message to the handler (src/wire/handler.c) and never waits on one peer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zmq.h>

#include "ask.h"
#include "core/clock.h"
#include "handler.h"
#include "predoff/node.h"

enum {
    POLL_MS = 100,       /* the longest sleep: stop and reload flags are read this often */
    BATCH = 64,          /* messages taken from one socket before looking at the others */
    ZAP_FRAMES = 8,
};

typedef struct server {
    const pd_server_options *o;
    void *ctx, *front, *cloud, *zap;
    pd_handler *h;
    pd_keyset *keys;     /* with CURVE: the clients served */
} server;

/* --- the handler's transport */

/* A send that does not wait. A full queue may only look full: ZeroMQ hands back a pipe's
 * credit in commands that a send processes at most once a millisecond, so a burst of
 * answers to one client (8 within a millisecond) would be dropped although it reads them
 * all. ZMQ_EVENTS processes the commands at once: then one more try. */
static int send_now(void *sock, const void *bytes, size_t len, int flags)
{
    if (zmq_send(sock, bytes, len, flags | ZMQ_DONTWAIT) >= 0)
        return 0;
    if (zmq_errno() != EAGAIN)
        return -1;
    int events;
    size_t size = sizeof events;
    zmq_getsockopt(sock, ZMQ_EVENTS, &events, &size);
    return zmq_send(sock, bytes, len, flags | ZMQ_DONTWAIT) >= 0 ? 0 : -1;
}

static void to_client(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                      size_t len)
{
    server *s = ctx;
    /* a client that does not read has a full queue: its answers are dropped, never kept
     * (ZMQ_ROUTER_MANDATORY: the identity frame is refused, not silently dropped, so a
     * queue that only looks full gets its second try) */
    if (send_now(s->front, id, id_len, ZMQ_SNDMORE) == 0)
        send_now(s->front, msg, len, 0);
}

static int cloud_ready(void *ctx)
{
    server *s = ctx;
    zmq_pollitem_t item = {s->cloud, 0, ZMQ_POLLOUT, 0};
    return s->cloud && zmq_poll(&item, 1, 0) == 1;
}

static int to_cloud(void *ctx, const uint8_t *msg, size_t len)
{
    server *s = ctx;
    return send_now(s->cloud, msg, len, 0) != 0;
}

static void handler_note(void *ctx, const char *line)
{
    server *s = ctx;
    if (s->o->on_note)
        s->o->on_note(s->o->note_ctx, line);
}

/* --- ZAP (ZeroMQ RFC 27): libzmq asks, for each CURVE handshake, whether the client's
 * key may connect; the answer names the key as the connection's User-Id, which every
 * message then carries, so a key removed on reload loses its open connections too. */

static void serve_zap(server *s)
{
    zmq_msg_t f[ZAP_FRAMES];
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, s->zap, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            break;
        }
        more = zmq_msg_more(&part);
        if (n < ZAP_FRAMES)
            f[n++] = part;
        else
            zmq_msg_close(&part);
    }
    if (n == 0)
        return;
    /* version, request id, domain, address, identity, mechanism, credentials */
    int curve = n == 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
                zmq_msg_size(&f[6]) == 32;
    char user[PD_KEY_CHARS + 1] = "";
    int ok = curve && s->keys && pd_keyset_has(s->keys, zmq_msg_data(&f[6])) &&
             zmq_z85_encode(user, zmq_msg_data(&f[6]), 32) != NULL;
    if (curve && !ok) {
        char key[PD_KEY_CHARS + 1] = "?";
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
        pd_handler_note(s->h, "refused a client whose key %s is not in %s", key, s->o->authorized_keys);
    }
    const char *status = ok ? "200" : "400", *text = ok ? "OK" : "key not authorized";
    zmq_send(s->zap, "1.0", 3, ZMQ_SNDMORE);
    if (n >= 2)
        zmq_send(s->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        zmq_send(s->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(s->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(s->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(s->zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(s->zap, "", 0, 0);
    for (size_t i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
}

static void reload_keys(server *s)
{
    pd_keyset *fresh;
    pd_error err;
    pd_error_clear(&err);
    if (pd_keyset_read(s->o->authorized_keys, &fresh, &err)) {
        pd_handler_note(s->h, "--authorized-keys not reloaded, %zu keys kept: %s", pd_keyset_count(s->keys),
             err.msg);
        return;
    }
    pd_keyset_free(s->keys);
    s->keys = fresh;
    pd_handler_note(s->h, "reloaded %s: %zu keys", s->o->authorized_keys, pd_keyset_count(fresh));
}

/* --- receiving */

/* One message from the ROUTER: [identity][payload][more frames...]. 0 when there was
 * none, -1 on a socket failure. */
static int take_client(server *s)
{
    zmq_msg_t id, payload;
    zmq_msg_init(&id);
    zmq_msg_init(&payload);
    if (zmq_msg_recv(&id, s->front, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id);
        zmq_msg_close(&payload);
        return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -1;
    }
    size_t frames = 0;
    if (zmq_msg_more(&id) && zmq_msg_recv(&payload, s->front, ZMQ_DONTWAIT) >= 0) {
        frames = 1;
        /* a multipart message arrives whole: drain the frames after the first */
        for (int more = zmq_msg_more(&payload); more; frames++) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            if (zmq_msg_recv(&extra, s->front, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&extra);
                break;
            }
            more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
    }
    if (frames) {
        const char *user = s->keys ? zmq_msg_gets(&payload, "User-Id") : NULL;
        if (s->keys && !pd_keyset_has_z85(s->keys, user)) {
            /* connected with a key that has since been removed */
            static const char text[] = "this client's key is no longer authorized";
            pd_wire_msg e = {.kind = PD_WIRE_ERROR, .code = PD_WIRE_EDENIED, .text = text,
                             .text_len = sizeof text - 1};
            uint8_t buf[PD_WIRE_HEADER_BYTES + sizeof text];
            size_t n = pd_wire_encode(&e, buf);
            to_client(s, zmq_msg_data(&id), zmq_msg_size(&id), buf, n);
        } else {
            pd_handler_client(s->h, pd_now_ms(), zmq_msg_data(&id), zmq_msg_size(&id),
                              zmq_msg_data(&payload), zmq_msg_size(&payload), frames);
        }
    }
    zmq_msg_close(&id);
    zmq_msg_close(&payload);
    return 1;
}

static int take_cloud(server *s)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, s->cloud, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? 0 : -1;
    }
    int more = zmq_msg_more(&msg);
    if (!more)
        pd_handler_cloud(s->h, pd_now_ms(), zmq_msg_data(&msg), zmq_msg_size(&msg));
    while (more) { /* the cloud sends single frames: anything else is dropped */
        zmq_msg_close(&msg);
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, s->cloud, ZMQ_DONTWAIT) < 0)
            break;
        more = zmq_msg_more(&msg);
    }
    zmq_msg_close(&msg);
    return 1;
}

/* --- set-up */

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
    if (s->zap)
        zmq_close(s->zap);
    if (s->ctx)
        zmq_ctx_term(s->ctx);
    pd_handler_free(s->h);
    pd_keyset_free(s->keys);
}

static pd_status zmq_failed(server *s, const char *what, pd_error *err)
{
    pd_status st = pd_error_set(err, PD_EIO, "%s: %s", what, zmq_strerror(zmq_errno()));
    close_server(s);
    return st;
}

long pd_raise_descriptor_limit(void)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0)
        return -1;
    if (r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
        getrlimit(RLIMIT_NOFILE, &r);
    }
    return r.rlim_cur == RLIM_INFINITY ? -1 : (long)r.rlim_cur;
}

static pd_status open_sockets(server *s, pd_deployment *d, pd_error *err)
{
    const pd_server_options *o = s->o;
    int linger = 0;
    if (o->key) {
        /* the ZAP handler must be bound before the socket it guards */
        s->zap = zmq_socket(s->ctx, ZMQ_REP);
        if (!s->zap || zmq_bind(s->zap, "inproc://zeromq.zap.01") != 0)
            return zmq_failed(s, "ZAP handler", err);
    }
    s->front = zmq_socket(s->ctx, ZMQ_ROUTER);
    if (!s->front)
        return zmq_failed(s, "socket", err);
    int mandatory = 1;
    zmq_setsockopt(s->front, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s->front, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
    pd_wire_limit_socket(s->front, d->max_message);
    if (o->key) {
        int on = 1;
        if (zmq_setsockopt(s->front, ZMQ_CURVE_SERVER, &on, sizeof on) ||
            zmq_setsockopt(s->front, ZMQ_CURVE_SECRETKEY, o->key->secret_key, PD_KEY_CHARS + 1) ||
            zmq_setsockopt(s->front, ZMQ_ZAP_DOMAIN, "predoff", 7))
            return zmq_failed(s, "CURVE", err);
    }
    if (zmq_bind(s->front, o->listen) != 0) {
        pd_status st = pd_error_set(err, PD_EINPUT, "%s: cannot listen: %s", o->listen,
                                    zmq_strerror(zmq_errno()));
        close_server(s);
        return st;
    }
    if (o->cloud) {
        s->cloud = zmq_socket(s->ctx, ZMQ_DEALER);
        int immediate = 1; /* nothing queued for a cloud that is down */
        if (!s->cloud)
            return zmq_failed(s, "socket", err);
        zmq_setsockopt(s->cloud, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(s->cloud, ZMQ_IMMEDIATE, &immediate, sizeof immediate);
        pd_wire_limit_socket(s->cloud, d->max_message);
        if (o->cloud_key && pd_curve_client(s->cloud, o->cloud_key, o->key, err)) {
            pd_error_prefix(err, "--cloud-key");
            close_server(s);
            return PD_EINPUT;
        }
        if (zmq_connect(s->cloud, o->cloud) != 0) {
            pd_status st = pd_error_set(err, PD_EINPUT, "%s: cannot connect: %s", o->cloud,
                                        zmq_strerror(zmq_errno()));
            close_server(s);
            return st;
        }
    }
    return PD_OK;
}

pd_status pd_serve(pd_deployment *d, const pd_server_options *o, pd_error *err)
{
    server s = {.o = o};
    if (o->key && !o->authorized_keys)
        return pd_error_set(err, PD_EINPUT, "a server with a key serves only the client keys "
                            "listed in an authorized-keys file: give one");
    if (o->key && pd_keyset_read(o->authorized_keys, &s.keys, err))
        return err->status;
    pd_handler_options ho;
    pd_handler_options_init(&ho, o->tier);
    ho.has_cloud = o->cloud != NULL;
    if (o->timeout_ms > 0)
        ho.cloud_timeout_ms = o->timeout_ms;
    if (o->breaker_ms > 0)
        ho.breaker_ms = o->breaker_ms;
    pd_handler_io io = {&s, to_client, cloud_ready, to_cloud, handler_note};
    pd_status st = pd_deployment_warm(d, err);
    if (!st)
        st = pd_handler_new(d, &ho, &io, &s.h, err);
    if (st) {
        pd_keyset_free(s.keys);
        return st;
    }
    s.ctx = zmq_ctx_new();
    if (!s.ctx)
        return zmq_failed(&s, "context", err);
    if ((st = open_sockets(&s, d, err)))
        return st;
    char bound[256] = "";
    size_t bound_len = sizeof bound;
    zmq_getsockopt(s.front, ZMQ_LAST_ENDPOINT, bound, &bound_len);
    bound[sizeof bound - 1] = '\0';
    if (o->on_ready)
        o->on_ready(o->ready_ctx, bound[0] ? bound : o->listen);
    const pd_handler_stats *stats = pd_handler_stats_of(s.h);
    st = PD_OK;
    while (!(o->stop && *o->stop) &&
           !(o->max_requests > 0 && stats->answered >= (uint64_t)o->max_requests)) {
        if (o->reload && *o->reload) {
            *o->reload = 0;
            if (s.keys)
                reload_keys(&s);
        }
        zmq_pollitem_t items[3] = {{s.front, 0, ZMQ_POLLIN, 0}};
        int n = 1, cloud_at = -1, zap_at = -1;
        if (s.cloud) {
            cloud_at = n;
            items[n++] = (zmq_pollitem_t){s.cloud, 0, ZMQ_POLLIN, 0};
        }
        if (s.zap) {
            zap_at = n;
            items[n++] = (zmq_pollitem_t){s.zap, 0, ZMQ_POLLIN, 0};
        }
        long wait = POLL_MS;
        double next = pd_handler_next_deadline(s.h);
        if (next >= 0) {
            double left = next - pd_now_ms();
            wait = left <= 0 ? 0 : left < POLL_MS ? (long)left + 1 : POLL_MS;
        }
        int r = zmq_poll(items, n, wait);
        if (r < 0 && zmq_errno() != EINTR) {
            st = pd_error_set(err, PD_EIO, "poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        int failed = 0;
        if (r > 0 && zap_at >= 0 && (items[zap_at].revents & ZMQ_POLLIN))
            serve_zap(&s);
        for (int k = 0; r > 0 && k < BATCH && (items[0].revents & ZMQ_POLLIN); k++) {
            int got = take_client(&s);
            failed |= got < 0;
            if (got <= 0)
                break;
        }
        for (int k = 0; r > 0 && cloud_at >= 0 && k < BATCH && (items[cloud_at].revents & ZMQ_POLLIN); k++) {
            int got = take_cloud(&s);
            failed |= got < 0;
            if (got <= 0)
                break;
        }
        if (failed) {
            st = pd_error_set(err, PD_EIO, "receive: %s", zmq_strerror(zmq_errno()));
            break;
        }
        pd_handler_tick(s.h, pd_now_ms());
    }
    close_server(&s);
    return st;
}
