/* The mobile's side: runs its own layers, sends the edge the tensors the plan says when
 * the next layer is a server's, keeps what the request still needs meanwhile, and finishes
 * the request itself if the server does not answer in time. */
#include <stdio.h>
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
    uint8_t *hold;          /* a reply, copied out of its ZeroMQ message */
    size_t max_message;     /* buf's and hold's room: the deployment's largest message */
    float *logits;          /* the last result */
    size_t max_floats;      /* the model's largest tensor: logits' room */
    char reason[PD_ERROR_MSG_MAX]; /* why the last request fell back */
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
                        const pd_curve_key *server_key, const pd_curve_key *client_key,
                        pd_client **out, pd_error *err)
{
    *out = NULL;
    if (!(timeout_ms >= 1 && timeout_ms <= PD_CLIENT_MAX_TIMEOUT_MS))
        return pd_error_set(err, PD_EINPUT, "a time budget of %g ms; 1 to %d allowed", timeout_ms,
                            PD_CLIENT_MAX_TIMEOUT_MS);
    pd_client *c = calloc(1, sizeof *c);
    if (!c)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    c->max_floats = d->max_floats;
    c->max_message = d->max_message;
    c->timeout_ms = timeout_ms;
    c->buf = malloc(c->max_message);
    c->hold = malloc(c->max_message);
    c->logits = malloc(c->max_floats * sizeof *c->logits);
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
        /* not ZMQ_IMMEDIATE: with it, an answer that has arrived but is not read yet is
         * dropped when the server's connection closes (a server that exits right after its
         * last answer lost it); a request sent while no server is connected waits in the
         * queue (8 at most) and the budget runs out as it would */
        /* a server's answer larger than the plan's largest message is dropped unread */
        pd_wire_limit_socket(c->sock, c->max_message);
        if (server_key && pd_curve_client(c->sock, server_key, client_key, err)) {
            pd_client_free(c);
            return PD_EINPUT;
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

/* Asks the server to take m on, within what is left of the budget. 0: *m is the answer,
 * checked against the model (its tensors in c->hold); 1: the mobile goes on alone
 * (c->reason says why); -1: a failure the mobile cannot mend (the tiers run different
 * models). */
static int ask_server(pd_client *c, pd_deployment *d, pd_wire_msg *m, double deadline,
                      pd_error *err)
{
    double left = deadline - pd_now_ms();
    if (left < 1) {
        snprintf(c->reason, sizeof c->reason, "the time budget of %.0f ms was spent",
                 c->timeout_ms);
        return 1;
    }
    m->budget_us = (uint32_t)(left * 1000.0);
    m->hops = pd_wire_next_hop(m->hops);
    pd_wire_msg reply;
    pd_error e;
    pd_error_clear(&e);
    int r = pd_wire_ask(c->sock, c->buf, m, c->hold, c->max_message, left, "server", &reply, &e);
    if (r == 1) {
        snprintf(c->reason, sizeof c->reason, "no answer within %.0f ms", left);
        return 1;
    }
    if (r == -1 && reply.code == PD_WIRE_EMODEL) {
        *err = e;
        return -1;
    }
    pd_wire_code code = PD_WIRE_OK;
    if (r == 0) {
        code = pd_deployment_check(d, &reply, PD_TO_MOBILE, &e);
        if (code == PD_WIRE_EMODEL) {
            pd_error_set(err, PD_EINPUT, "the server's answer is for another model or weights");
            return -1;
        }
        if (!code && (reply.exit != m->exit || reply.next <= m->next)) {
            pd_error_set(&e, PD_EINPUT, "server: answered exit %u position %u to exit %u "
                         "position %u", (unsigned)reply.exit, (unsigned)reply.next,
                         (unsigned)m->exit, (unsigned)m->next);
            code = PD_WIRE_EREQUEST;
        }
    }
    if (r != 0 || code != PD_WIRE_OK) {
        snprintf(c->reason, sizeof c->reason, "%s", e.msg);
        return 1;
    }
    *m = reply;
    return 0;
}

/* The end of the mobile's run from `from`: the next position placed elsewhere, or the end
 * when it finishes alone. */
static size_t run_end(const pd_exit_plan *x, size_t from, int alone)
{
    size_t end = from;
    while (end < x->len && (alone || x->at[end] == PD_TIER_MOBILE))
        end++;
    return end;
}

pd_status pd_infer(pd_client *c, pd_deployment *d, const float *input, size_t count,
                   uint32_t exit, uint64_t request_id, pd_infer_result *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    c->reason[0] = '\0';
    if (exit >= d->g->n_exits || count != (size_t)pd_shape_elems(d->g->input))
        return pd_error_set(err, PD_EINPUT, "no exit %u, or an input of %zu values for [%lld, "
                            "%lld, %lld]", (unsigned)exit, count, (long long)d->g->input.c,
                            (long long)d->g->input.h, (long long)d->g->input.w);
    const pd_exit_plan *x = &d->exits[exit];
    pd_store s;
    pd_status st = pd_store_open(d, exit, input, &s, err);
    if (st)
        return st;
    /* m: the request as it stands (the times, hops), then each message sent */
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = request_id,
                     .model_hash = d->model_hash, .plan_hash = d->plan_hash, .exit = exit};
    double t0 = pd_now_ms(), deadline = t0 + c->timeout_ms;
    int alone = 0;
    size_t at = 0; /* the cut the request is at */
    while (at < x->len) {
        if (x->at[at] != PD_TIER_MOBILE && !alone && c->sock && pd_now_ms() >= c->down_until) {
            if ((st = pd_deployment_fill(d, &s, at, PD_TO_EDGE, &m, err)))
                break;
            m.kind = PD_WIRE_TENSOR;
            m.next = (uint32_t)at;
            int r = ask_server(c, d, &m, deadline, err);
            if (r < 0) {
                st = PD_EINPUT;
                break;
            }
            if (r == 0) {
                pd_deployment_prune(d, &s, PD_TIER_MOBILE, at, true); /* sent */
                if ((st = pd_deployment_take(d, &s, &m, err)))
                    break;
                at = m.next;
                continue;
            }
            /* the server is gone, silent or refused: finish here, and do not ask it again
             * for a while (then try again: a restarted server gets its clients back) */
            c->down_until = pd_now_ms() + RETRY_MS;
        }
        if (x->at[at] != PD_TIER_MOBILE && !alone) {
            if (!c->reason[0])
                snprintf(c->reason, sizeof c->reason, "%s",
                         c->sock ? "the server failed a request less than 500 ms ago"
                                 : "no server");
            alone = 1;
            /* tensors only the servers held are made again, from the input */
            if (pd_deployment_missing(d, &s, at, x->len) >= 0) {
                for (size_t e = 1; e <= x->len; e++)
                    pd_store_drop(&s, e);
                at = 0;
            }
        }
        size_t end = run_end(x, at, alone);
        if ((st = pd_deployment_run(d, &s, at, end, PD_TIER_MOBILE, PD_TIER_MOBILE, m.compute_ms,
                                    err)))
            break;
        at = end;
        pd_deployment_prune(d, &s, PD_TIER_MOBILE, at, false);
    }
    if (!st) {
        out->exit = exit;
        out->total_ms = pd_now_ms() - t0;
        memcpy(out->compute_ms, m.compute_ms, sizeof out->compute_ms);
        out->transfer_ms = out->total_ms - m.compute_ms[0] - m.compute_ms[1] - m.compute_ms[2];
        out->fell_back = alone;
        out->fallback_reason = alone ? c->reason : NULL;
        out->count = (size_t)pd_shape_elems(d->g->layers[d->g->exits[exit]].out);
        memcpy(c->logits, s.t[x->len], out->count * sizeof(float));
        out->logits = c->logits;
    }
    pd_store_close(&s);
    return st;
}
