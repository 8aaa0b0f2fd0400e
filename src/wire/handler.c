/* The server's decisions: check what arrives, keep a request's tensors between its visits,
 * run this tier's layers, park a request that goes on to the cloud, finish it here when the
 * cloud fails or runs out of time, and keep a failed cloud at arm's length for a while (a
 * circuit breaker). */
#include "handler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_IDENTITY = 255 }; /* ZeroMQ's limit for a routing identity */

/* A request this server is working on, waits on the cloud for (parked), or holds tensors
 * of until its client comes back (held). */
typedef struct request {
    int used;
    int parked;              /* waiting for the cloud's answer */
    int probe;               /* sent while the breaker was half open */
    int bypass;              /* the edge runs this request's cloud layers itself from now on */
    uint64_t client_id;      /* the request id the client chose */
    uint8_t ident[MAX_IDENTITY];
    size_t ident_len;
    uint64_t cloud_id;       /* the request id the cloud knows it by; 0: not sent there yet */
    pd_store store;          /* its tensors this tier holds */
    uint32_t exit, at;       /* its exit, and the cut it is at */
    uint32_t expect;         /* held: the cut the client's next message is at */
    uint16_t hops;
    double compute_ms[3];
    double deadline;         /* by when the client's answer must leave */
    double expires;          /* by when the client will have given up: held tensors dropped */
    double cloud_deadline;   /* parked: by when the cloud must have answered */
    uint32_t cloud_budget_us; /* parked: the wait the cloud was given */
} request;

typedef enum breaker { CLOSED, OPEN, HALF_OPEN } breaker;

struct pd_handler {
    pd_deployment *d;
    pd_handler_options o;
    pd_handler_io io;
    uint8_t *buf;            /* encoding buffer */
    size_t buf_size;
    request *slots;          /* [o.max_requests] */
    uint64_t next_cloud_id;
    breaker state;
    double open_until, backoff_ms;
    pd_handler_stats stats;
};

/* A share of the time budget kept back for the answer's way home. */
static const double BUDGET_USED = 0.9;
/* The edge's own time for the cloud's layers is an estimate: this much more, and 1 ms. */
static const double ESTIMATE_MARGIN = 2.0;

void pd_handler_options_init(pd_handler_options *o, pd_tier tier)
{
    *o = (pd_handler_options){.tier = tier, .cloud_timeout_ms = 1000, .breaker_ms = 500,
                              .max_pending = 64, .max_requests = 256,
                              .max_held_floats = (size_t)64 << 20};
}

static void release(request *r)
{
    pd_store_close(&r->store);
    r->used = 0;
    r->parked = 0;
}

void pd_handler_free(pd_handler *h)
{
    if (!h)
        return;
    for (size_t i = 0; h->slots && i < h->o.max_requests; i++)
        if (h->slots[i].used)
            release(&h->slots[i]);
    free(h->buf);
    free(h->slots);
    free(h);
}

pd_status pd_handler_new(pd_deployment *d, const pd_handler_options *o, const pd_handler_io *io,
                         pd_handler **out, pd_error *err)
{
    *out = NULL;
    if (o->tier != PD_TIER_EDGE && o->tier != PD_TIER_CLOUD)
        return pd_error_set(err, PD_EINPUT, "a server is the edge or the cloud");
    if (o->max_pending < 1 || o->max_pending > 4096 || !(o->breaker_ms > 0) ||
        !(o->cloud_timeout_ms > 0) || o->max_requests < 1 || o->max_requests > 65536)
        return pd_error_set(err, PD_EINPUT, "server options out of range");
    /* room for two requests' tensors at least, so that one never starves alone */
    if (o->max_held_floats < 2 * d->max_held)
        return pd_error_set(err, PD_EINPUT, "a server that holds %zu floats of requests' tensors "
                            "cannot hold two requests of this plan (%zu floats each at most)",
                            o->max_held_floats, d->max_held);
    pd_handler *h = calloc(1, sizeof *h);
    if (!h)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    h->d = d;
    h->o = *o;
    h->io = *io;
    h->backoff_ms = o->breaker_ms;
    h->buf_size = d->max_message;
    h->buf = malloc(h->buf_size);
    h->o.max_pending = o->tier == PD_TIER_EDGE && o->has_cloud ? o->max_pending : 0;
    h->slots = calloc(o->max_requests, sizeof *h->slots);
    if (!h->buf || !h->slots) {
        pd_handler_free(h);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    *out = h;
    return PD_OK;
}

size_t pd_handler_max_message(const pd_handler *h)
{
    return h->buf_size;
}

const pd_handler_stats *pd_handler_stats_of(const pd_handler *h)
{
    return &h->stats;
}

void pd_handler_note(pd_handler *h, const char *fmt, ...)
{
    if (!h->io.note)
        return;
    char line[PD_ERROR_MSG_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->io.note(h->io.ctx, line);
}

static void refuse_to(pd_handler *h, const uint8_t *id, size_t id_len, uint64_t request_id,
                      pd_wire_code code, const char *text)
{
    pd_wire_msg e = {.kind = PD_WIRE_ERROR, .request_id = request_id,
                     .model_hash = h->d->model_hash, .plan_hash = h->d->plan_hash,
                     .code = (uint16_t)code, .text = text};
    size_t n = strlen(text);
    e.text_len = n < PD_WIRE_MAX_TEXT ? n : PD_WIRE_MAX_TEXT;
    n = pd_wire_encode(&e, h->buf);
    h->io.to_client(h->io.ctx, id, id_len, h->buf, n);
    h->stats.refused++;
}

/* Refuses r to its client and forgets it. */
static void refuse(pd_handler *h, request *r, pd_wire_code code, const char *text)
{
    refuse_to(h, r->ident, r->ident_len, r->client_id, code, text);
    release(r);
}

/* --- the requests' table: bounded in requests and in floats held */

static size_t held_floats(const pd_handler *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->o.max_requests; i++)
        if (h->slots[i].used)
            n += h->slots[i].store.floats;
    return n;
}

/* The held request (not `keep`, not parked, not under way) whose client gave it the most
 * time: the first to drop when the table is full. */
static request *victim(pd_handler *h, const request *keep)
{
    request *v = NULL;
    for (size_t i = 0; i < h->o.max_requests; i++) {
        request *r = &h->slots[i];
        if (r->used && r != keep && !r->parked && r->expect && (!v || r->expires > v->expires))
            v = r;
    }
    return v;
}

/* Drops held requests until the floats held fit the limit; 0 if they cannot (r alone is
 * over it). */
static int make_room(pd_handler *h, const request *r)
{
    while (held_floats(h) > h->o.max_held_floats) {
        request *v = victim(h, r);
        if (!v)
            return 0;
        release(v);
        h->stats.dropped++;
    }
    return 1;
}

static request *find_client(pd_handler *h, const uint8_t *id, size_t id_len, uint64_t rid)
{
    for (size_t i = 0; i < h->o.max_requests; i++) {
        request *r = &h->slots[i];
        if (r->used && r->client_id == rid && r->ident_len == id_len &&
            (id_len == 0 || memcmp(r->ident, id, id_len) == 0))
            return r;
    }
    return NULL;
}

static request *take_slot(pd_handler *h)
{
    for (size_t i = 0; i < h->o.max_requests; i++)
        if (!h->slots[i].used)
            return &h->slots[i];
    request *v = victim(h, NULL);
    if (v) {
        release(v);
        h->stats.dropped++;
    }
    return v;
}

/* --- answers */

/* After r's message at its cut has left: drops what this tier no longer needs, and keeps
 * r (held, until its client's next message or its deadline) only if it still holds
 * tensors, or the cloud does for it. */
static void after_send(pd_handler *h, request *r)
{
    const pd_deployment *d = h->d;
    pd_deployment_prune(d, &r->store, h->o.tier, r->at, true);
    size_t next = pd_deployment_next_visit(d, r->exit, h->o.tier, r->at);
    int cloud_keeps = h->o.tier == PD_TIER_EDGE && !r->bypass && r->cloud_id &&
                      pd_deployment_cloud_holds(d, r->exit, r->at);
    if ((r->store.floats > 0 || cloud_keeps) && next <= d->exits[r->exit].len) {
        r->expect = (uint32_t)next;
        return;
    }
    release(r);
}

/* The answer: a RESULT, or a TENSOR whose next layer is upstream, with the tensors that
 * cross towards the client at r's cut. */
static void answer(pd_handler *h, request *r, pd_wire_kind kind)
{
    pd_error err;
    pd_error_clear(&err);
    if ((size_t)r->hops + 1 > h->d->max_hops[r->exit]) { /* the client would refuse it */
        refuse(h, r, PD_WIRE_EHOPS, "the answer would make more hops than the exit needs");
        return;
    }
    pd_wire_msg m = {.kind = kind, .request_id = r->client_id, .model_hash = h->d->model_hash,
                     .plan_hash = h->d->plan_hash, .exit = r->exit, .next = r->at,
                     .hops = pd_wire_next_hop(r->hops)};
    memcpy(m.compute_ms, r->compute_ms, sizeof m.compute_ms);
    pd_link_dir dir = h->o.tier == PD_TIER_EDGE ? PD_TO_MOBILE : PD_FROM_CLOUD;
    if (pd_deployment_fill(h->d, &r->store, r->at, dir, &m, &err)) {
        refuse(h, r, PD_WIRE_EREQUEST, err.msg); /* a tensor it held is gone */
        return;
    }
    if (pd_wire_size(&m) > h->buf_size) { /* cannot happen: the plan's largest message */
        refuse(h, r, PD_WIRE_EINTERNAL, "an answer larger than this plan's largest message");
        return;
    }
    size_t n = pd_wire_encode(&m, h->buf);
    h->io.to_client(h->io.ctx, r->ident, r->ident_len, h->buf, n);
    h->stats.answered++;
    after_send(h, r);
}

/* --- the breaker: closed (the cloud is used), open (it is not, until open_until), half
 * open (one request finds out whether it answers again) */

static void cloud_failed(pd_handler *h, double now, const char *why)
{
    h->stats.cloud_failures++;
    if (h->state != OPEN)
        pd_handler_note(h, "the cloud %s; the edge runs the cloud's layers itself for %.0f ms, "
                           "then tries the cloud again", why, h->backoff_ms);
    h->state = OPEN;
    h->open_until = now + h->backoff_ms;
    double most = 16 * h->o.breaker_ms;
    h->backoff_ms = 2 * h->backoff_ms < most ? 2 * h->backoff_ms : most;
}

static void cloud_answered(pd_handler *h)
{
    if (h->state != CLOSED)
        pd_handler_note(h, "the cloud answers again");
    h->state = CLOSED;
    h->backoff_ms = h->o.breaker_ms;
}

/* 0: leave the cloud alone; 1: use it; 2: use it as the half-open breaker's probe. */
static int cloud_allowed(pd_handler *h, double now)
{
    if (h->state == HALF_OPEN)
        return 0; /* the probe is out */
    if (h->state == OPEN) {
        if (now < h->open_until)
            return 0;
        h->state = HALF_OPEN;
        return 2;
    }
    return 1;
}

/* Sends r, whose next layer is on the cloud, there with the tensors that cross at its cut,
 * and parks it for as long as the cloud may take: what is left of the client's budget less
 * the edge's own time to finish without it. 0 when it is not sent (no cloud, no time, no
 * room, the breaker open). */
static int try_cloud(pd_handler *h, request *r, double now)
{
    if (!h->o.has_cloud)
        return 0;
    /* the cloud refuses a request, and the edge an answer, over the exit's hops: that is the
     * client's doing, not a failed cloud, so it must not open the breaker */
    if ((size_t)r->hops + 2 > h->d->max_hops[r->exit])
        return 0;
    /* if the cloud fails, this request and every one parked before it finish here, one
     * after another: keep back the time for all of them */
    double own = pd_deployment_estimate_ms(h->d, r->exit, r->at) * ESTIMATE_MARGIN *
                     (double)(pd_handler_pending(h) + 1) + 1.0;
    double wait = r->deadline - now - own;
    wait = wait < h->o.cloud_timeout_ms ? wait : h->o.cloud_timeout_ms;
    if (!(wait >= 1.0) || pd_handler_pending(h) >= h->o.max_pending)
        return 0;
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .model_hash = h->d->model_hash,
                     .plan_hash = h->d->plan_hash, .exit = r->exit, .next = r->at,
                     .hops = pd_wire_next_hop(r->hops)};
    memcpy(m.compute_ms, r->compute_ms, sizeof m.compute_ms);
    if (pd_deployment_fill(h->d, &r->store, r->at, PD_TO_CLOUD, &m, NULL))
        return 0; /* a tensor it held is gone: the run here says which */
    int allowed = cloud_allowed(h, now);
    if (!allowed)
        return 0;
    if (!h->io.cloud_ready(h->io.ctx)) {
        cloud_failed(h, now, "is not connected");
        return 0;
    }
    /* one id for the request's every visit there, so that the cloud finds what it holds */
    if (!r->cloud_id)
        r->cloud_id = ++h->next_cloud_id;
    m.request_id = r->cloud_id;
    /* the request's time left: the cloud holds its tensors that long (the edge waits less) */
    double left = r->expires - now;
    m.budget_us = (uint32_t)(left * 1000.0);
    size_t n = pd_wire_encode(&m, h->buf);
    if (h->io.to_cloud(h->io.ctx, h->buf, n)) {
        cloud_failed(h, now, "cannot be sent to");
        return 0;
    }
    r->parked = 1;
    r->expect = 0;
    r->probe = allowed == 2;
    r->cloud_deadline = now + wait;
    r->cloud_budget_us = (uint32_t)(wait * 1000.0);
    h->stats.forwarded++;
    /* the tensors the cloud's layers read stay: the edge runs them if the cloud fails */
    pd_deployment_prune(h->d, &r->store, PD_TIER_EDGE, r->at, true);
    return 1;
}

/* The end of the run of positions from `at` on `tier`. */
static size_t run_end(const pd_exit_plan *x, size_t at, pd_tier tier)
{
    while (at < x->len && x->at[at] == tier)
        at++;
    return at;
}

/* Refuses r, which lacks tensor e at its cut: one the cloud made for its own later layers
 * (the edge, running them, never had it), or one this tier held and no longer does. */
static void refuse_missing(pd_handler *h, request *r, size_t e)
{
    const pd_exit_plan *x = &h->d->exits[r->exit];
    char what[160], text[PD_ERROR_MSG_MAX];
    pd_deployment_tensor_text(h->d, r->exit, e, what, sizeof what);
    int32_t down = x->cut[e * PD_LINK_DIRS + PD_FROM_CLOUD];
    if (h->o.tier == PD_TIER_EDGE && e > 0 && x->at[e - 1] == PD_TIER_CLOUD &&
        (down < 0 || down > (int32_t)r->at)) {
        snprintf(text, sizeof text, "the cloud failed, and the edge cannot run its layers from "
                 "position %u of exit %u: it lacks %s, which only the cloud held",
                 (unsigned)r->at, (unsigned)r->exit, what);
        refuse(h, r, PD_WIRE_EINTERNAL, text);
        return;
    }
    snprintf(text, sizeof text, "this %s does not hold %s of the request any more (its "
             "deadline passed, it was dropped for room, or it was never sent), which position %u "
             "of exit %u needs", pd_tier_name(h->o.tier), what, (unsigned)r->at,
             (unsigned)r->exit);
    refuse(h, r, PD_WIRE_EREQUEST, text);
}

/* Takes r as far as this tier goes: its own layers, the cloud's (there, or here), then the
 * answer, unless it now waits for the cloud. Each turn runs at least one layer or ends, so
 * the loop is bounded by the exit's length. */
static void advance(pd_handler *h, request *r, double now)
{
    pd_error err;
    pd_error_clear(&err);
    const pd_tier me = h->o.tier;
    const pd_exit_plan *x = &h->d->exits[r->exit];
    for (;;) {
        if (r->at == x->len) {
            answer(h, r, PD_WIRE_RESULT);
            return;
        }
        pd_tier next = x->at[r->at];
        int for_cloud = next == PD_TIER_CLOUD && me == PD_TIER_EDGE;
        if (next != me && !for_cloud) {
            answer(h, r, PD_WIRE_TENSOR); /* the next layer is upstream: the sender goes on */
            return;
        }
        if (for_cloud && !r->bypass) {
            if (try_cloud(h, r, now))
                return;
            r->bypass = 1; /* the cloud's layers of this request run here from now on */
        }
        size_t end = run_end(x, r->at, next);
        long gap = pd_deployment_missing(h->d, &r->store, r->at, end);
        if (gap >= 0) {
            refuse_missing(h, r, (size_t)gap);
            return;
        }
        h->stats.ran_for_cloud += (uint64_t)for_cloud;
        if (pd_deployment_run(h->d, &r->store, r->at, end, me, me, r->compute_ms, &err)) {
            refuse(h, r, PD_WIRE_EINTERNAL, err.msg);
            return;
        }
        r->at = (uint32_t)end;
        pd_deployment_prune(h->d, &r->store, me, r->at, false);
        if (!make_room(h, r)) {
            refuse(h, r, PD_WIRE_EBUSY, "this server holds as many requests' tensors as it may");
            return;
        }
    }
}

void pd_handler_client(pd_handler *h, double now_ms, const uint8_t *id, size_t id_len,
                       const uint8_t *msg, size_t len, size_t frames)
{
    pd_error err;
    pd_error_clear(&err);
    pd_wire_msg m;
    if (frames != 1) {
        refuse_to(h, id, id_len, 0, PD_WIRE_EMALFORMED, "one frame per message");
        return;
    }
    if (pd_wire_decode(msg, len, &m, &err)) {
        refuse_to(h, id, id_len, 0, PD_WIRE_EMALFORMED, err.msg);
        return;
    }
    if (m.kind == PD_WIRE_ECHO) { /* a link probe: the same bytes back, nothing run */
        size_t floats = pd_wire_floats(&m);
        if (floats > h->d->max_floats || len > h->buf_size) {
            char text[128];
            snprintf(text, sizeof text, "an echo of %zu floats is over this server's %zu",
                     floats, h->d->max_floats);
            refuse_to(h, id, id_len, m.request_id, PD_WIRE_EREQUEST, text);
            return;
        }
        h->io.to_client(h->io.ctx, id, id_len, msg, len);
        h->stats.answered++;
        return;
    }
    if (m.kind != PD_WIRE_TENSOR) {
        refuse_to(h, id, id_len, m.request_id, PD_WIRE_EREQUEST, "expected a tensor to run");
        return;
    }
    pd_link_dir dir = h->o.tier == PD_TIER_EDGE ? PD_TO_EDGE : PD_TO_CLOUD;
    pd_wire_code code = pd_deployment_check(h->d, &m, dir, &err);
    if (code) {
        refuse_to(h, id, id_len, m.request_id, code, err.msg);
        return;
    }
    if (m.budget_us == 0) {
        refuse_to(h, id, id_len, m.request_id, PD_WIRE_EDEADLINE,
                  "the request's time budget is spent");
        return;
    }
    if (id_len > MAX_IDENTITY) {
        refuse_to(h, id, id_len, m.request_id, PD_WIRE_EREQUEST, "a routing identity over 255 bytes");
        return;
    }
    request *r = find_client(h, id, id_len, m.request_id);
    if (r && r->parked) {
        refuse_to(h, id, id_len, m.request_id, PD_WIRE_EREQUEST,
                  "this request is under way here already");
        return;
    }
    if (r && (r->exit != m.exit || r->expect != m.next)) {
        release(r); /* an old request's, under the same id: not this one's */
        r = NULL;
    }
    if (!r) {
        if (!(r = take_slot(h))) {
            refuse_to(h, id, id_len, m.request_id, PD_WIRE_EBUSY,
                      "this server is working on as many requests as it may");
            return;
        }
        memset(r, 0, sizeof *r);
        if (pd_store_open(h->d, m.exit, NULL, &r->store, &err)) {
            refuse_to(h, id, id_len, m.request_id, PD_WIRE_EINTERNAL, err.msg);
            return;
        }
        r->used = 1;
        r->client_id = m.request_id;
        memcpy(r->ident, id, id_len);
        r->ident_len = id_len;
        r->exit = m.exit;
    }
    r->expect = 0; /* under way */
    r->at = m.next;
    r->hops = m.hops;
    memcpy(r->compute_ms, m.compute_ms, sizeof r->compute_ms);
    r->deadline = now_ms + BUDGET_USED * m.budget_us / 1000.0;
    r->expires = now_ms + m.budget_us / 1000.0;
    if (pd_deployment_take(h->d, &r->store, &m, &err)) {
        refuse(h, r, PD_WIRE_EINTERNAL, err.msg);
        return;
    }
    if (!make_room(h, r)) {
        refuse(h, r, PD_WIRE_EBUSY, "this server holds as many requests' tensors as it may");
        return;
    }
    advance(h, r, now_ms);
}

/* The cloud failed r: the edge runs the cloud's layers itself from now on, and goes on. */
static void finish_here(pd_handler *h, request *r, double now)
{
    r->parked = 0;
    r->bypass = 1;
    advance(h, r, now);
}

static request *find_cloud(pd_handler *h, uint64_t cloud_id)
{
    for (size_t i = 0; i < h->o.max_requests; i++)
        if (h->slots[i].used && h->slots[i].parked && h->slots[i].cloud_id == cloud_id)
            return &h->slots[i];
    return NULL;
}

void pd_handler_cloud(pd_handler *h, double now_ms, const uint8_t *msg, size_t len)
{
    pd_error err;
    pd_error_clear(&err);
    pd_wire_msg m;
    if (pd_wire_decode(msg, len, &m, &err)) {
        pd_handler_note(h, "the cloud sent a message that does not decode: %s", err.msg);
        return;
    }
    request *r = find_cloud(h, m.request_id);
    if (!r)
        return; /* a late answer to a request finished here */
    if (m.kind == PD_WIRE_ERROR) {
        char why[PD_WIRE_MAX_TEXT + 32];
        int n = snprintf(why, sizeof why, "refused a request (%.*s)", (int)m.text_len, m.text);
        for (int i = 0; i < n && (size_t)i < sizeof why - 1; i++)
            if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
                why[i] = '?'; /* the cloud's text, in the operator's log: one line */
        cloud_failed(h, now_ms, why);
        finish_here(h, r, now_ms);
        return;
    }
    pd_wire_code code = pd_deployment_check(h->d, &m, PD_FROM_CLOUD, &err);
    if (!code && (m.exit != r->exit || m.next <= r->at)) {
        pd_error_set(&err, PD_EINPUT, "answered exit %u position %u to exit %u position %u",
                     (unsigned)m.exit, (unsigned)m.next, (unsigned)r->exit, (unsigned)r->at);
        code = PD_WIRE_EREQUEST;
    }
    if (code) {
        char why[PD_ERROR_MSG_MAX + 32];
        snprintf(why, sizeof why, "sent a bad answer (%s)", err.msg);
        cloud_failed(h, now_ms, why);
        finish_here(h, r, now_ms);
        return;
    }
    /* an answer to a request sent before the breaker opened says nothing of the cloud now:
     * only the half-open breaker's probe closes it */
    if (h->state == CLOSED || (h->state == HALF_OPEN && r->probe))
        cloud_answered(h);
    r->parked = 0;
    if (pd_deployment_take(h->d, &r->store, &m, &err)) {
        refuse(h, r, PD_WIRE_EINTERNAL, err.msg);
        return;
    }
    r->at = m.next;
    r->hops = m.hops;
    memcpy(r->compute_ms, m.compute_ms, sizeof r->compute_ms);
    pd_deployment_prune(h->d, &r->store, PD_TIER_EDGE, r->at, false);
    if (!make_room(h, r)) {
        refuse(h, r, PD_WIRE_EBUSY, "this server holds as many requests' tensors as it may");
        return;
    }
    advance(h, r, now_ms);
}

void pd_handler_tick(pd_handler *h, double now_ms)
{
    /* the earliest first: it kept back the least time for finishing here */
    for (size_t round = 0; round < h->o.max_pending; round++) {
        request *p = NULL;
        for (size_t i = 0; i < h->o.max_requests; i++) {
            request *q = &h->slots[i];
            if (q->used && q->parked && now_ms >= q->cloud_deadline &&
                (!p || q->cloud_deadline < p->cloud_deadline))
                p = q;
        }
        if (!p)
            break;
        char why[96];
        snprintf(why, sizeof why, "did not answer within %.1f ms", p->cloud_budget_us / 1000.0);
        cloud_failed(h, now_ms, why);
        finish_here(h, p, now_ms);
    }
    /* then the held tensors whose client has given up on the request (those just finished
     * included) */
    for (size_t i = 0; i < h->o.max_requests; i++) {
        request *r = &h->slots[i];
        if (r->used && !r->parked && r->expect && now_ms >= r->expires) {
            release(r);
            h->stats.expired++;
        }
    }
}

double pd_handler_next_deadline(const pd_handler *h)
{
    double next = -1;
    for (size_t i = 0; i < h->o.max_requests; i++) {
        const request *r = &h->slots[i];
        double t = !r->used ? -1 : r->parked ? r->cloud_deadline : r->expect ? r->expires : -1;
        if (t >= 0 && (next < 0 || t < next))
            next = t;
    }
    return next;
}

size_t pd_handler_pending(const pd_handler *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->o.max_requests; i++)
        n += (size_t)(h->slots[i].used && h->slots[i].parked);
    return n;
}

size_t pd_handler_held(const pd_handler *h, size_t *floats)
{
    size_t n = 0;
    for (size_t i = 0; i < h->o.max_requests; i++)
        n += (size_t)(h->slots[i].used && !h->slots[i].parked && h->slots[i].expect);
    if (floats)
        *floats = held_floats(h);
    return n;
}
