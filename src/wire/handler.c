/* The server's decisions: check what arrives, run this tier's layers, park a request that
 * goes on to the cloud, finish it here when the cloud fails or runs out of time, and keep
 * a failed cloud at arm's length for a while (a circuit breaker). */
#include "handler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_IDENTITY = 255 }; /* ZeroMQ's limit for a routing identity */

typedef struct pending {
    int used;
    int probe;               /* sent while the breaker was half open */
    uint64_t client_id;      /* the request id the client chose */
    uint8_t ident[MAX_IDENTITY];
    size_t ident_len;
    pd_wire_msg sent;        /* as sent to the cloud; sent.data is tensor */
    float *tensor;           /* [d->max_floats] */
    double deadline;         /* by when the client's answer must leave */
    double cloud_deadline;   /* by when the cloud must have answered */
} pending;

typedef enum breaker { CLOSED, OPEN, HALF_OPEN } breaker;

struct pd_handler {
    pd_deployment *d;
    pd_handler_options o;
    pd_handler_io io;
    uint8_t *buf;            /* encoding buffer */
    size_t buf_size;
    pending *slots;          /* [o.max_pending] */
    float *tensors;          /* their tensors, one block */
    uint64_t next_cloud_id;
    breaker state;
    double open_until, backoff_ms;
    pd_handler_stats stats;
};

/* Who is waiting for an answer. */
typedef struct client {
    const uint8_t *id;
    size_t id_len;
    uint64_t request_id;
    double deadline;
} client;

/* A share of the time budget kept back for the answer's way home. */
static const double BUDGET_USED = 0.9;
/* The edge's own time for the cloud's layers is an estimate: this much more, and 1 ms. */
static const double ESTIMATE_MARGIN = 2.0;

void pd_handler_options_init(pd_handler_options *o, pd_tier tier)
{
    *o = (pd_handler_options){.tier = tier, .cloud_timeout_ms = 1000, .breaker_ms = 500,
                              .max_pending = 64};
}

void pd_handler_free(pd_handler *h)
{
    if (!h)
        return;
    free(h->buf);
    free(h->slots);
    free(h->tensors);
    free(h);
}

pd_status pd_handler_new(pd_deployment *d, const pd_handler_options *o, const pd_handler_io *io,
                         pd_handler **out, pd_error *err)
{
    *out = NULL;
    if (o->tier != PD_TIER_EDGE && o->tier != PD_TIER_CLOUD)
        return pd_error_set(err, PD_EINPUT, "a server is the edge or the cloud");
    if (o->max_pending < 1 || o->max_pending > 4096 || !(o->breaker_ms > 0) ||
        !(o->cloud_timeout_ms > 0))
        return pd_error_set(err, PD_EINPUT, "server options out of range");
    pd_handler *h = calloc(1, sizeof *h);
    if (!h)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    h->d = d;
    h->o = *o;
    h->io = *io;
    h->backoff_ms = o->breaker_ms;
    size_t tensor_bytes = d->max_floats * sizeof(float);
    h->buf_size = PD_WIRE_HEADER_BYTES +
                  (tensor_bytes > PD_WIRE_MAX_TEXT ? tensor_bytes : PD_WIRE_MAX_TEXT);
    h->buf = malloc(h->buf_size);
    size_t slots = o->tier == PD_TIER_EDGE && o->has_cloud ? o->max_pending : 0;
    h->o.max_pending = slots;
    h->slots = calloc(slots ? slots : 1, sizeof *h->slots);
    h->tensors = malloc((slots ? slots : 1) * tensor_bytes);
    if (!h->buf || !h->slots || !h->tensors) {
        pd_handler_free(h);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < slots; i++)
        h->slots[i].tensor = h->tensors + i * d->max_floats;
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


static void refuse(pd_handler *h, const client *c, pd_wire_code code, const char *text)
{
    pd_wire_msg e = {.kind = PD_WIRE_ERROR, .request_id = c->request_id,
                     .model_hash = h->d->model_hash, .plan_hash = h->d->plan_hash,
                     .code = (uint16_t)code, .text = text};
    size_t n = strlen(text);
    e.text_len = n < PD_WIRE_MAX_TEXT ? n : PD_WIRE_MAX_TEXT;
    n = pd_wire_encode(&e, h->buf);
    h->io.to_client(h->io.ctx, c->id, c->id_len, h->buf, n);
    h->stats.refused++;
}

/* The answer: a RESULT, or a TENSOR whose next layer is upstream. */
static void answer(pd_handler *h, const client *c, pd_wire_msg *m)
{
    if (pd_wire_size(m) > h->buf_size) { /* cannot happen for a checked message */
        refuse(h, c, PD_WIRE_EINTERNAL, "an answer larger than this server's largest tensor");
        return;
    }
    if ((size_t)m->hops + 1 > h->d->max_hops[m->exit]) { /* the client would refuse it */
        refuse(h, c, PD_WIRE_EHOPS, "the answer would make more hops than the exit needs");
        return;
    }
    m->request_id = c->request_id;
    m->hops = pd_wire_next_hop(m->hops);
    m->budget_us = 0;
    size_t n = pd_wire_encode(m, h->buf);
    h->io.to_client(h->io.ctx, c->id, c->id_len, h->buf, n);
    h->stats.answered++;
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

static pending *free_slot(pd_handler *h)
{
    for (size_t i = 0; i < h->o.max_pending; i++)
        if (!h->slots[i].used)
            return &h->slots[i];
    return NULL;
}

/* Parks m, whose next layer is on the cloud, and sends it there with the time the cloud may
 * take: what is left of the client's budget less the edge's own time to finish without
 * it. 0 when it is not sent (no cloud, no time, no room, the breaker open). */
static int try_cloud(pd_handler *h, const client *c, const pd_wire_msg *m, double now)
{
    if (!h->o.has_cloud || c->id_len > MAX_IDENTITY || m->count > h->d->max_floats)
        return 0;
    /* the cloud refuses a request, and the edge an answer, over the exit's hops: that is the
     * client's doing, not a failed cloud, so it must not open the breaker */
    if ((size_t)m->hops + 2 > h->d->max_hops[m->exit])
        return 0;
    /* if the cloud fails, this request and every one parked before it finish here, one
     * after another: keep back the time for all of them */
    double own = pd_deployment_estimate_ms(h->d, m->exit, m->next) * ESTIMATE_MARGIN *
                     (double)(pd_handler_pending(h) + 1) + 1.0;
    double wait = c->deadline - now - own;
    wait = wait < h->o.cloud_timeout_ms ? wait : h->o.cloud_timeout_ms;
    pending *p = free_slot(h);
    if (!(wait >= 1.0) || !p)
        return 0;
    int allowed = cloud_allowed(h, now);
    if (!allowed)
        return 0;
    if (!h->io.cloud_ready(h->io.ctx)) {
        cloud_failed(h, now, "is not connected");
        return 0;
    }
    memcpy(p->tensor, m->data, m->count * sizeof(float));
    p->sent = *m;
    p->sent.data = p->tensor;
    p->sent.request_id = ++h->next_cloud_id;
    p->sent.hops = pd_wire_next_hop(m->hops);
    p->sent.budget_us = (uint32_t)(wait * 1000.0);
    size_t n = pd_wire_encode(&p->sent, h->buf);
    if (h->io.to_cloud(h->io.ctx, h->buf, n)) {
        cloud_failed(h, now, "cannot be sent to");
        return 0;
    }
    p->used = 1;
    p->probe = allowed == 2;
    p->client_id = c->request_id;
    memcpy(p->ident, c->id, c->id_len);
    p->ident_len = c->id_len;
    p->deadline = c->deadline;
    p->cloud_deadline = now + wait;
    h->stats.forwarded++;
    return 1;
}

/* Runs here the layers placed on the cloud, from m's position on. */
static pd_status run_for_cloud(pd_handler *h, pd_wire_msg *m, pd_error *err)
{
    h->stats.ran_for_cloud++;
    while (m->kind != PD_WIRE_RESULT &&
           pd_deployment_tier_at(h->d, m->exit, m->next) == PD_TIER_CLOUD)
        if (pd_deployment_step_for(h->d, PD_TIER_CLOUD, h->o.tier, m, err))
            return err->status;
    return PD_OK;
}

/* Takes a checked request as far as this tier goes: its own layers, the cloud's (there, or
 * here), then the answer, unless it now waits for the cloud. Each turn runs at least one
 * layer or ends, so the loop is bounded by the path's length. */
static void advance(pd_handler *h, const client *c, pd_wire_msg *m, double now)
{
    pd_error err;
    pd_error_clear(&err);
    pd_tier me = h->o.tier;
    while (m->kind != PD_WIRE_RESULT) {
        pd_tier next = pd_deployment_tier_at(h->d, m->exit, m->next);
        if (next == me) {
            if (pd_deployment_step(h->d, me, m, &err)) {
                refuse(h, c, PD_WIRE_EINTERNAL, err.msg);
                return;
            }
        } else if (me == PD_TIER_EDGE && next == PD_TIER_CLOUD) {
            if (try_cloud(h, c, m, now))
                return;
            if (run_for_cloud(h, m, &err)) {
                refuse(h, c, PD_WIRE_EINTERNAL, err.msg);
                return;
            }
        } else {
            break; /* the next layer is upstream: the sender goes on */
        }
    }
    answer(h, c, m);
}

void pd_handler_client(pd_handler *h, double now_ms, const uint8_t *id, size_t id_len,
                       const uint8_t *msg, size_t len, size_t frames)
{
    client c = {id, id_len, 0, 0};
    pd_error err;
    pd_error_clear(&err);
    pd_wire_msg m;
    if (frames != 1) {
        refuse(h, &c, PD_WIRE_EMALFORMED, "one frame per message");
        return;
    }
    if (pd_wire_decode(msg, len, &m, &err)) {
        refuse(h, &c, PD_WIRE_EMALFORMED, err.msg);
        return;
    }
    c.request_id = m.request_id;
    if (m.kind == PD_WIRE_ECHO) { /* a link probe: the same bytes back, nothing run */
        if (m.count > h->d->max_floats) {
            char text[128];
            snprintf(text, sizeof text, "an echo of %zu floats is over this server's %zu",
                     m.count, h->d->max_floats);
            refuse(h, &c, PD_WIRE_EREQUEST, text);
            return;
        }
        h->io.to_client(h->io.ctx, id, id_len, msg, len);
        h->stats.answered++;
        return;
    }
    if (m.kind != PD_WIRE_TENSOR) {
        refuse(h, &c, PD_WIRE_EREQUEST, "expected a tensor to run");
        return;
    }
    pd_wire_code code = pd_deployment_check(h->d, &m, h->o.tier, &err);
    if (code) {
        refuse(h, &c, code, err.msg);
        return;
    }
    if (m.budget_us == 0) {
        refuse(h, &c, PD_WIRE_EDEADLINE, "the request's time budget is spent");
        return;
    }
    c.deadline = now_ms + BUDGET_USED * m.budget_us / 1000.0;
    advance(h, &c, &m, now_ms);
}

/* The cloud failed p's request: the edge runs the cloud's layers itself and goes on. */
static void finish_here(pd_handler *h, pending *p, double now)
{
    client c = {p->ident, p->ident_len, p->client_id, p->deadline};
    pd_wire_msg m = p->sent;
    m.request_id = p->client_id;
    pd_error err;
    pd_error_clear(&err);
    if (run_for_cloud(h, &m, &err))
        refuse(h, &c, PD_WIRE_EINTERNAL, err.msg);
    else
        advance(h, &c, &m, now);
    p->used = 0;
}

static pending *find(pd_handler *h, uint64_t cloud_id)
{
    for (size_t i = 0; i < h->o.max_pending; i++)
        if (h->slots[i].used && h->slots[i].sent.request_id == cloud_id)
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
    pending *p = find(h, m.request_id);
    if (!p)
        return; /* a late answer to a request finished here */
    if (m.kind == PD_WIRE_ERROR) {
        char why[PD_WIRE_MAX_TEXT + 32];
        int n = snprintf(why, sizeof why, "refused a request (%.*s)", (int)m.text_len, m.text);
        for (int i = 0; i < n && (size_t)i < sizeof why - 1; i++)
            if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
                why[i] = '?'; /* the cloud's text, in the operator's log: one line */
        cloud_failed(h, now_ms, why);
        finish_here(h, p, now_ms);
        return;
    }
    pd_wire_code code = pd_deployment_check(h->d, &m, h->o.tier, &err);
    if (!code && (m.exit != p->sent.exit || m.next <= p->sent.next)) {
        pd_error_set(&err, PD_EINPUT, "answered exit %u position %u to exit %u position %u",
                     (unsigned)m.exit, (unsigned)m.next, (unsigned)p->sent.exit,
                     (unsigned)p->sent.next);
        code = PD_WIRE_EREQUEST;
    }
    if (code) {
        char why[PD_ERROR_MSG_MAX + 32];
        snprintf(why, sizeof why, "sent a bad answer (%s)", err.msg);
        cloud_failed(h, now_ms, why);
        finish_here(h, p, now_ms);
        return;
    }
    /* an answer to a request sent before the breaker opened says nothing of the cloud now:
     * only the half-open breaker's probe closes it */
    if (h->state == CLOSED || (h->state == HALF_OPEN && p->probe))
        cloud_answered(h);
    client c = {p->ident, p->ident_len, p->client_id, p->deadline};
    advance(h, &c, &m, now_ms); /* p stays taken meanwhile: c points into it */
    p->used = 0;
}

void pd_handler_tick(pd_handler *h, double now_ms)
{
    /* the earliest first: it kept back the least time for finishing here */
    for (size_t round = 0; round < h->o.max_pending; round++) {
        pending *p = NULL;
        for (size_t i = 0; i < h->o.max_pending; i++) {
            pending *q = &h->slots[i];
            if (q->used && now_ms >= q->cloud_deadline &&
                (!p || q->cloud_deadline < p->cloud_deadline))
                p = q;
        }
        if (!p)
            return;
        char why[96];
        snprintf(why, sizeof why, "did not answer within %.1f ms", p->sent.budget_us / 1000.0);
        cloud_failed(h, now_ms, why);
        finish_here(h, p, now_ms);
    }
}

double pd_handler_next_deadline(const pd_handler *h)
{
    double next = -1;
    for (size_t i = 0; i < h->o.max_pending; i++)
        if (h->slots[i].used && (next < 0 || h->slots[i].cloud_deadline < next))
            next = h->slots[i].cloud_deadline;
    return next;
}

size_t pd_handler_pending(const pd_handler *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->o.max_pending; i++)
        n += (size_t)h->slots[i].used;
    return n;
}
