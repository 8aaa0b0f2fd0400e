/* The split runtime on DAG models (issue 15): random placements of the two DAG fixtures
 * over mobile, edge and cloud, where messages carry several tensors, the edge forwards some
 * and holds others until the request comes back, give `run`'s floats bit for bit, with
 * and without CURVE; the tiers' stores are freed when a request completes and dropped at
 * its deadline, within their bounds; a cloud that fails after it made tensors only it held
 * is answered for; hostile multi-tensor messages (a wrong count, a duplicate, wrong dims,
 * one too large, truncated, an unknown layer, another plan, a spent budget) are refused and
 * the server goes on serving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "plan_file.h"
#include "raw_dealer.h"
#include "predoff/keys.h"
#include "predoff/node.h"
#include "predoff/npy.h"
#include "predoff/rng.h"
#include "server_thread.h"
#include "wire/handler.h"

static const char *const nets[] = {"dag-residual", "dag-inception"};

typedef struct model {
    char json[512], weights[512];
    pd_graph *g;
    pd_array in[2];
} model;

static void open_model(model *m, const char *name)
{
    char path[600];
    snprintf(m->json, sizeof m->json, "%s/tests/fixtures/%s/model.json", PD_SOURCE_DIR, name);
    snprintf(m->weights, sizeof m->weights, "%s/tests/fixtures/%s/weights.safetensors",
             PD_SOURCE_DIR, name);
    pd_error err;
    if (pd_graph_open(m->json, &m->g, &err))
        fail_msg("%s", err.msg);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/tests/fixtures/%s/input-%d.npy", PD_SOURCE_DIR, name, i);
        if (pd_npy_read(path, &m->in[i], &err))
            fail_msg("%s", err.msg);
    }
}

static void close_model(model *m)
{
    pd_array_free(&m->in[0]);
    pd_array_free(&m->in[1]);
    pd_graph_free(m->g);
}

static pd_deployment *deploy(const model *m, const char *plan)
{
    pd_deployment *d;
    pd_error err;
    if (pd_deployment_open(m->json, m->weights, 0, plan, 1, &d, &err))
        fail_msg("%s", err.msg);
    return d;
}

/* Whether `d`'s placement has, for exit `only` (or any, for UINT32_MAX), a message of
 * several tensors, an edge that holds a tensor of a request after answering it, and a cloud
 * that does. */
typedef struct traits {
    int several, edge_holds, cloud_holds;
    int cloud_only; /* a tensor the cloud makes for its own layers after a hand-over away */
} traits;

static traits traits_of(const pd_deployment *d, uint32_t only)
{
    traits t = {0, 0, 0, 0};
    for (uint32_t k = 0; k < d->g->n_exits; k++) {
        if (only != UINT32_MAX && k != only)
            continue;
        const pd_exit_plan *x = &d->exits[k];
        for (size_t e = 1; e <= x->len; e++)
            if (x->at[e - 1] == PD_TIER_CLOUD && x->cut[e * PD_LINK_DIRS + PD_FROM_CLOUD] < 0)
                for (size_t c = e; c < x->len; c++)
                    t.cloud_only |= pd_split_handover(x->at, x->len, c, PD_FROM_CLOUD) &&
                                    x->last[e * PD_TIER_COUNT + PD_TIER_CLOUD] > (int32_t)c;
        for (size_t c = 0; c <= x->len; c++) {
            for (int dir = 0; dir < PD_LINK_DIRS; dir++) {
                size_t n = 0;
                for (size_t e = 0; e <= x->len; e++)
                    n += x->cut[e * PD_LINK_DIRS + dir] == (int32_t)c;
                t.several |= n > 1;
            }
            if (pd_split_handover(x->at, x->len, c, PD_TO_MOBILE))
                for (size_t e = 0; e <= c && c < x->len; e++) {
                    int has = (e > 0 && x->at[e - 1] == PD_TIER_EDGE) ||
                              (x->cut[e * PD_LINK_DIRS + PD_TO_EDGE] >= 0 &&
                               x->cut[e * PD_LINK_DIRS + PD_TO_EDGE] <= (int32_t)c);
                    t.edge_holds |= has && pd_deployment_keeps(d, k, PD_TIER_EDGE, e, c, true);
                }
            if (pd_split_handover(x->at, x->len, c, PD_FROM_CLOUD) && c < x->len &&
                pd_deployment_cloud_holds(d, k, c))
                t.cloud_holds = 1;
        }
    }
    return t;
}

/* A random placement over the three tiers. */
static void draw(pd_rng *rng, const pd_graph *g, pd_tier *tiers)
{
    for (size_t i = 0; i < g->n_layers; i++)
        tiers[i] = (pd_tier)pd_rng_below(rng, 3);
}

/* One request from a mobile holding d; the answer must be d's own run's, bit for bit, and
 * served without falling back. */
static void infer_equal(pd_client *c, pd_deployment *d, const pd_array *x, uint32_t exit,
                        uint64_t id, int may_fall_back)
{
    pd_infer_result r;
    pd_error err;
    pd_error_clear(&err);
    if (pd_infer(c, d, x->data, x->count, exit, id, &r, &err))
        fail_msg("infer: %s", err.msg);
    if (r.fell_back && !may_fall_back)
        fail_msg("exit %u: the mobile finished the request: %s", (unsigned)exit,
                 r.fallback_reason);
    float got[64];
    assert_true(r.count <= 64);
    memcpy(got, r.logits, r.count * sizeof *got);
    size_t len, count;
    const float *want;
    pd_net_path(d->net, exit, &len);
    assert_int_equal(pd_net_run(d->net, exit, 0, len, x->data, x->count, &want, &count, NULL,
                                NULL),
                     PD_OK);
    assert_int_equal(r.count, count);
    assert_memory_equal(got, want, count * sizeof *want);
}

/* Edge and cloud on threads, keyed or not. */
typedef struct tiers {
    server_run cloud, edge;
    pd_curve_key edge_key, cloud_key, phone_key;
    char dir[64], authorized[96], cloud_authorized[96];
    int keyed;
} tiers;

static void write_line(const char *path, const char *line)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "# test keys\n%s\n", line);
    assert_int_equal(fclose(f), 0);
}

static void make_keys(tiers *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/predoff-keys-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    const char *names[3] = {"edge", "cloud", "phone"};
    pd_curve_key *keys[3] = {&t->edge_key, &t->cloud_key, &t->phone_key};
    for (int i = 0; i < 3; i++) {
        char base[128], path[160];
        snprintf(base, sizeof base, "%s/%s", t->dir, names[i]);
        assert_int_equal(pd_curve_keygen(base, 0, NULL), PD_OK);
        snprintf(path, sizeof path, "%s.key", base);
        assert_int_equal(pd_curve_read(path, 1, keys[i], NULL), PD_OK);
    }
    snprintf(t->authorized, sizeof t->authorized, "%s/authorized", t->dir);
    snprintf(t->cloud_authorized, sizeof t->cloud_authorized, "%s/cloud-authorized", t->dir);
    write_line(t->authorized, t->phone_key.public_key);
    write_line(t->cloud_authorized, t->edge_key.public_key);
    t->keyed = 1;
}

static void remove_keys(tiers *t)
{
    const char *files[] = {"edge.key", "edge.pub", "cloud.key", "cloud.pub", "phone.key",
                           "phone.pub", "authorized", "cloud-authorized"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", t->dir, files[i]);
        unlink(path);
    }
    rmdir(t->dir);
}

static void start_tiers(tiers *t, const model *m, const char *plan)
{
    t->cloud = (server_run){.d = deploy(m, plan), .o = {.tier = PD_TIER_CLOUD}};
    if (t->keyed) {
        t->cloud.o.key = &t->cloud_key;
        t->cloud.o.authorized_keys = t->cloud_authorized;
    }
    assert_int_equal(server_start(&t->cloud), 0);
    t->edge = (server_run){.d = deploy(m, plan),
                           .o = {.tier = PD_TIER_EDGE, .cloud = t->cloud.endpoint}};
    if (t->keyed) {
        t->edge.o.key = &t->edge_key;
        t->edge.o.authorized_keys = t->authorized;
        t->edge.o.cloud_key = &t->cloud_key;
    }
    assert_int_equal(server_start(&t->edge), 0);
}

static void stop_tiers(tiers *t)
{
    assert_int_equal(server_stop(&t->edge), PD_OK);
    assert_int_equal(server_stop(&t->cloud), PD_OK);
    pd_deployment_free(t->edge.d);
    pd_deployment_free(t->cloud.d);
}

/* Random placements of both DAG fixtures through edge and cloud servers: every exit, both
 * inputs, `run`'s floats; among them, placements with messages of several tensors, an edge
 * and a cloud that hold tensors between a request's visits. The last placement of each
 * runs again with CURVE keys on every link. */
static void test_random_placements_equal_run(void **state)
{
    (void)state;
    pd_rng rng;
    pd_rng_seed(&rng, 1515);
    traits seen = {0, 0, 0, 0};
    for (size_t n = 0; n < sizeof nets / sizeof nets[0]; n++) {
        model m;
        open_model(&m, nets[n]);
        pd_tier *placement = malloc(m.g->n_layers * sizeof *placement);
        assert_non_null(placement);
        for (int trial = 0; trial < 6; trial++) {
            draw(&rng, m.g, placement);
            char plan[64];
            assert_int_equal(plan_file_tiers(m.g, placement, plan, sizeof plan), 0);
            pd_deployment *mine = deploy(&m, plan);
            traits t = traits_of(mine, UINT32_MAX);
            seen.several += t.several;
            seen.edge_holds += t.edge_holds;
            seen.cloud_holds += t.cloud_holds;
            for (int keyed = 0; keyed <= (trial == 5); keyed++) {
                tiers s = {0};
                if (keyed)
                    make_keys(&s);
                start_tiers(&s, &m, plan);
                pd_client *c;
                pd_error err;
                if (pd_client_new(mine, s.edge.endpoint, 10000, keyed ? &s.edge_key : NULL,
                                  keyed ? &s.phone_key : NULL, &c, &err))
                    fail_msg("client: %s", err.msg);
                uint64_t id = 1;
                for (uint32_t k = 0; k < m.g->n_exits; k++)
                    for (int i = 0; i < 2; i++)
                        infer_equal(c, mine, &m.in[i], k, id++, 0);
                pd_client_free(c);
                stop_tiers(&s);
                if (keyed)
                    remove_keys(&s);
            }
            pd_deployment_free(mine);
            unlink(plan);
        }
        free(placement);
        close_model(&m);
    }
    print_message("of 12 placements: %d with messages of several tensors, %d where the edge "
                  "holds tensors between visits, %d where the cloud does\n",
                  seen.several, seen.edge_holds, seen.cloud_holds);
    assert_true(seen.several >= 6 && seen.edge_holds >= 3 && seen.cloud_holds >= 2);
}

/* --- the handlers alone, on a clock of the test's: a mobile played by hand */

typedef struct pump {
    pd_handler *edge, *cloud;
    pd_deployment *d;
    uint8_t *reply;           /* the last answer to the mobile */
    size_t reply_len;
    uint8_t *to_cloud;        /* a message the edge sent the cloud, not yet delivered */
    size_t to_cloud_len;
    uint8_t *from_cloud;      /* the cloud's answer, not yet delivered */
    size_t from_cloud_len;
    int cloud_drops;          /* the cloud takes its messages and never answers */
    double now;
} pump;

static pump P;

static void keep(uint8_t **buf, size_t *len, const uint8_t *msg, size_t n)
{
    free(*buf);
    *buf = malloc(n);
    assert_non_null(*buf);
    memcpy(*buf, msg, n);
    *len = n;
}

static void edge_to_client(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                           size_t len)
{
    (void)ctx;
    (void)id;
    (void)id_len;
    keep(&P.reply, &P.reply_len, msg, len);
}

static int edge_cloud_ready(void *ctx)
{
    (void)ctx;
    return 1;
}

static int edge_to_cloud(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    keep(&P.to_cloud, &P.to_cloud_len, msg, len);
    return 0;
}

static void cloud_to_client(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                            size_t len)
{
    (void)ctx;
    (void)id;
    (void)id_len;
    keep(&P.from_cloud, &P.from_cloud_len, msg, len);
}

static int no_cloud_ready(void *ctx)
{
    (void)ctx;
    return 0;
}

static int no_to_cloud(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)msg;
    (void)len;
    return 1;
}

/* Delivers what the edge sent the cloud and what the cloud answered, until nothing moves. */
static void deliver(void)
{
    static const uint8_t edge_id[4] = {'e', 'd', 'g', 'e'};
    while (P.to_cloud_len || P.from_cloud_len) {
        if (P.to_cloud_len) {
            size_t n = P.to_cloud_len;
            P.to_cloud_len = 0;
            if (!P.cloud_drops)
                pd_handler_client(P.cloud, P.now, edge_id, sizeof edge_id, P.to_cloud, n, 1);
        }
        if (P.from_cloud_len) {
            size_t n = P.from_cloud_len;
            P.from_cloud_len = 0;
            pd_handler_cloud(P.edge, P.now, P.from_cloud, n);
        }
    }
}

static void pump_open(pd_deployment *edge_d, pd_deployment *cloud_d, size_t max_requests,
                      size_t max_floats)
{
    memset(&P, 0, sizeof P);
    P.d = edge_d;
    P.now = 1000.0;
    pd_handler_options eo, co;
    pd_handler_options_init(&eo, PD_TIER_EDGE);
    eo.has_cloud = 1;
    pd_handler_options_init(&co, PD_TIER_CLOUD);
    if (max_requests)
        eo.max_requests = co.max_requests = max_requests;
    if (max_floats)
        eo.max_held_floats = co.max_held_floats = max_floats;
    pd_handler_io eio = {NULL, edge_to_client, edge_cloud_ready, edge_to_cloud, NULL};
    pd_handler_io cio = {NULL, cloud_to_client, no_cloud_ready, no_to_cloud, NULL};
    pd_error err;
    if (pd_handler_new(edge_d, &eo, &eio, &P.edge, &err) ||
        pd_handler_new(cloud_d, &co, &cio, &P.cloud, &err))
        fail_msg("%s", err.msg);
}

static void pump_close(void)
{
    pd_handler_free(P.edge);
    pd_handler_free(P.cloud);
    free(P.reply);
    free(P.to_cloud);
    free(P.from_cloud);
    memset(&P, 0, sizeof P);
}

/* A request as the mobile plays it: its store, the cut it is at, its header. */
typedef struct play {
    pd_store s;
    pd_wire_msg m;
    size_t at;
    uint8_t ident[8];
} play;

static void play_open(play *p, pd_deployment *d, uint32_t exit, const float *input, uint64_t id)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(pd_store_open(d, exit, input, &p->s, NULL), PD_OK);
    p->m = (pd_wire_msg){.kind = PD_WIRE_TENSOR, .request_id = id, .model_hash = d->model_hash,
                         .plan_hash = d->plan_hash, .exit = exit};
    memcpy(p->ident, &id, sizeof id);
}

/* Runs the mobile's layers up to its next hand-over; 1 when the request is done. */
static int play_mobile(play *p, pd_deployment *d)
{
    const pd_exit_plan *x = &d->exits[p->s.exit];
    size_t end = p->at;
    while (end < x->len && x->at[end] == PD_TIER_MOBILE)
        end++;
    if (end > p->at) {
        assert_int_equal(pd_deployment_run(d, &p->s, p->at, end, PD_TIER_MOBILE, PD_TIER_MOBILE,
                                           p->m.compute_ms, NULL),
                         PD_OK);
        p->at = end;
    }
    return p->at == x->len;
}

/* Sends the edge the request at its cut, with `budget_us`; returns the answer's code
 * (PD_WIRE_OK for a TENSOR or RESULT, taken into the store) and its text in why. */
static pd_wire_code play_send(play *p, pd_deployment *d, uint32_t budget_us, char *why,
                              size_t cap)
{
    assert_int_equal(pd_deployment_fill(d, &p->s, p->at, PD_TO_EDGE, &p->m, NULL), PD_OK);
    p->m.kind = PD_WIRE_TENSOR;
    p->m.next = (uint32_t)p->at;
    p->m.budget_us = budget_us;
    p->m.hops = pd_wire_next_hop(p->m.hops);
    uint8_t *buf = malloc(d->max_message);
    assert_non_null(buf);
    size_t n = pd_wire_encode(&p->m, buf);
    P.reply_len = 0;
    pd_handler_client(P.edge, P.now, p->ident, sizeof p->ident, buf, n, 1);
    free(buf);
    deliver();
    assert_true(P.reply_len > 0); /* answered at once: the cloud answers within the call */
    pd_wire_msg r;
    assert_int_equal(pd_wire_decode(P.reply, P.reply_len, &r, NULL), PD_OK);
    if (r.kind == PD_WIRE_ERROR) {
        snprintf(why, cap, "%.*s", (int)r.text_len, r.text);
        return (pd_wire_code)r.code;
    }
    assert_int_equal(pd_deployment_check(d, &r, PD_TO_MOBILE, NULL), PD_WIRE_OK);
    assert_true(r.next > p->at);
    assert_int_equal(pd_deployment_take(d, &p->s, &r, NULL), PD_OK);
    memcpy(p->m.compute_ms, r.compute_ms, sizeof r.compute_ms);
    p->m.hops = r.hops;
    p->at = r.next;
    pd_deployment_prune(d, &p->s, PD_TIER_MOBILE, p->at, false);
    return PD_WIRE_OK;
}

/* The first placement (random, from `seed`) of m whose exit k has the traits asked for. */
static pd_deployment *placement_with(const model *m, uint64_t seed, int edge_holds,
                                     int cloud_only, uint32_t *exit, char *plan, size_t cap)
{
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    pd_tier *placement = malloc(m->g->n_layers * sizeof *placement);
    assert_non_null(placement);
    for (int tries = 0; tries < 2000; tries++) {
        draw(&rng, m->g, placement);
        assert_int_equal(plan_file_tiers(m->g, placement, plan, cap), 0);
        pd_deployment *d = deploy(m, plan);
        traits t = traits_of(d, d->g->n_exits - 1);
        if ((!edge_holds || t.edge_holds) && (!cloud_only || t.cloud_only)) {
            *exit = d->g->n_exits - 1;
            free(placement);
            return d;
        }
        pd_deployment_free(d);
        unlink(plan);
    }
    free(placement);
    fail_msg("no placement with those traits");
    return NULL;
}

/* The edge holds what a request still needs between its visits, and frees it when the
 * request completes; a request whose client does not come back is dropped at its deadline,
 * and its next message is refused (the mobile finishes it); held requests stay within the
 * table's bounds, the latest deadline dropped first. */
static void test_stores_freed_expired_bounded(void **state)
{
    (void)state;
    model m;
    open_model(&m, "dag-inception");
    char plan[64];
    uint32_t k = 0;
    pd_deployment *d = placement_with(&m, 7, 1, 0, &k, plan, sizeof plan);
    pd_deployment *de = deploy(&m, plan), *dc = deploy(&m, plan);
    pump_open(de, dc, 0, 0);
    char why[PD_WIRE_MAX_TEXT + 1];
    size_t floats;
    /* a whole request: held between visits, nothing held once done, `run`'s floats */
    play p;
    play_open(&p, d, k, m.in[0].data, 1);
    size_t visits = 0, held_between = 0;
    while (!play_mobile(&p, d)) {
        assert_int_equal(play_send(&p, d, 5000000, why, sizeof why), PD_WIRE_OK);
        visits++;
        held_between += pd_handler_held(P.edge, &floats) == 1 && floats > 0;
    }
    assert_true(visits >= 2 && held_between >= 1);
    assert_int_equal(pd_handler_held(P.edge, &floats), 0);
    assert_int_equal(floats, 0);
    size_t len, count;
    const float *want;
    pd_net_path(d->net, k, &len);
    assert_int_equal(pd_net_run(d->net, k, 0, len, m.in[0].data, m.in[0].count, &want, &count,
                                NULL, NULL),
                     PD_OK);
    assert_memory_equal(p.s.t[len], want, count * sizeof *want);
    pd_store_close(&p.s);

    /* a request whose client gives up: dropped at its deadline (5 ms here), not before */
    play_open(&p, d, k, m.in[1].data, 2);
    int held = 0;
    while (!held && !play_mobile(&p, d)) {
        assert_int_equal(play_send(&p, d, 5000, why, sizeof why), PD_WIRE_OK);
        held = pd_handler_held(P.edge, NULL) == 1;
    }
    assert_true(held);
    assert_true(pd_handler_next_deadline(P.edge) <= P.now + 5.0);
    P.now += 4.0;
    pd_handler_tick(P.edge, P.now);
    assert_int_equal(pd_handler_held(P.edge, NULL), 1);
    P.now += 1.5;
    pd_handler_tick(P.edge, P.now);
    assert_int_equal(pd_handler_held(P.edge, &floats), 0);
    assert_int_equal(floats, 0);
    assert_int_equal(pd_handler_stats_of(P.edge)->expired, 1);
    /* it comes back anyway: refused, the edge holds nothing of it any more */
    assert_false(play_mobile(&p, d));
    assert_int_equal(play_send(&p, d, 5000000, why, sizeof why), PD_WIRE_EREQUEST);
    if (!strstr(why, "does not hold") || !strstr(why, "any more"))
        fail_msg("refused with \"%s\"", why);
    pd_store_close(&p.s);
    pump_close();

    /* a table of 2 requests: a third held request drops the one with the latest deadline */
    pump_open(de, dc, 2, 0);
    play q[3];
    for (int i = 0; i < 3; i++) {
        play_open(&q[i], d, k, m.in[0].data, 10 + (uint64_t)i);
        held = 0;
        while (!held) {
            assert_false(play_mobile(&q[i], d));
            assert_int_equal(play_send(&q[i], d, i == 1 ? 9000000 : 5000000, why, sizeof why),
                             PD_WIRE_OK);
            held = pd_handler_held(P.edge, NULL) == (size_t)(i < 2 ? i + 1 : 2);
        }
    }
    assert_int_equal(pd_handler_held(P.edge, NULL), 2);
    assert_int_equal(pd_handler_stats_of(P.edge)->dropped, 1);
    /* the dropped one (the second, 9 s) is refused; the others finish */
    for (int i = 0; i < 3; i++) {
        pd_wire_code code = PD_WIRE_OK;
        while (!play_mobile(&q[i], d) && code == PD_WIRE_OK)
            code = play_send(&q[i], d, 5000000, why, sizeof why);
        assert_int_equal(code, i == 1 ? PD_WIRE_EREQUEST : PD_WIRE_OK);
        pd_store_close(&q[i].s);
    }
    assert_int_equal(pd_handler_held(P.edge, NULL), 0);
    pump_close();

    /* a limit on floats below two requests' worth is refused when the server starts */
    pd_handler_options o;
    pd_handler_options_init(&o, PD_TIER_EDGE);
    o.max_held_floats = 2 * de->max_held - 1;
    pd_handler_io io = {NULL, edge_to_client, edge_cloud_ready, edge_to_cloud, NULL};
    pd_handler *h;
    pd_error err;
    assert_int_equal(pd_handler_new(de, &o, &io, &h, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "cannot hold two requests of this plan"));

    pd_deployment_free(d);
    pd_deployment_free(de);
    pd_deployment_free(dc);
    unlink(plan);
    close_model(&m);
}

/* A cloud that made a tensor only it holds, then stops answering: the edge cannot run the
 * cloud's layers for it and says so (the mobile then finishes the request itself, from the
 * input: pd_infer's answer is still `run`'s); a cloud that fails before it holds anything
 * is replaced by the edge, as on a tree. */
static void test_cloud_fails_mid_request(void **state)
{
    (void)state;
    model m;
    open_model(&m, "dag-inception");
    char plan[64];
    uint32_t k = 0;
    pd_deployment *d = placement_with(&m, 11, 0, 1, &k, plan, sizeof plan);
    pd_deployment *de = deploy(&m, plan), *dc = deploy(&m, plan);
    pump_open(de, dc, 0, 0);
    char why[PD_WIRE_MAX_TEXT + 1];
    play p;
    play_open(&p, d, k, m.in[0].data, 1);
    pd_wire_code code = PD_WIRE_OK;
    int failing = 0;
    while (code == PD_WIRE_OK && !play_mobile(&p, d)) {
        /* from the first visit after the cloud holds a tensor only it has, it answers no
         * more */
        const pd_exit_plan *x = &d->exits[k];
        for (size_t e = 1; e <= x->len && !failing; e++)
            if (x->at[e - 1] == PD_TIER_CLOUD && x->cut[e * PD_LINK_DIRS + PD_FROM_CLOUD] < 0)
                for (size_t c = e; c <= p.at && c < x->len && !failing; c++)
                    failing = pd_split_handover(x->at, x->len, c, PD_FROM_CLOUD) &&
                              x->last[e * PD_TIER_COUNT + PD_TIER_CLOUD] > (int32_t)c;
        P.cloud_drops = failing;
        P.reply_len = 0;
        assert_int_equal(pd_deployment_fill(d, &p.s, p.at, PD_TO_EDGE, &p.m, NULL), PD_OK);
        p.m.kind = PD_WIRE_TENSOR;
        p.m.next = (uint32_t)p.at;
        p.m.budget_us = 5000000;
        p.m.hops = pd_wire_next_hop(p.m.hops);
        uint8_t *buf = malloc(d->max_message);
        assert_non_null(buf);
        size_t n = pd_wire_encode(&p.m, buf);
        pd_handler_client(P.edge, P.now, p.ident, sizeof p.ident, buf, n, 1);
        free(buf);
        deliver();
        if (!P.reply_len) { /* parked at the cloud, which never answers: its time runs out */
            assert_true(failing);
            P.now += 2000.0;
            pd_handler_tick(P.edge, P.now);
            assert_true(P.reply_len > 0);
        }
        pd_wire_msg r;
        assert_int_equal(pd_wire_decode(P.reply, P.reply_len, &r, NULL), PD_OK);
        if (r.kind == PD_WIRE_ERROR) {
            snprintf(why, sizeof why, "%.*s", (int)r.text_len, r.text);
            code = (pd_wire_code)r.code;
            break;
        }
        assert_int_equal(pd_deployment_take(d, &p.s, &r, NULL), PD_OK);
        memcpy(p.m.compute_ms, r.compute_ms, sizeof r.compute_ms);
        p.m.hops = r.hops;
        p.at = r.next;
    }
    assert_true(failing);
    assert_int_equal(code, PD_WIRE_EINTERNAL);
    if (!strstr(why, "which only the cloud held"))
        fail_msg("refused with \"%s\"", why);
    assert_int_equal(pd_handler_held(P.edge, NULL), 0);
    pd_store_close(&p.s);
    pump_close();

    /* through real servers, with a cloud that never answers: the answer is still `run`'s */
    void *ctx = zmq_ctx_new();
    void *hung = zmq_socket(ctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(hung, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(hung, "tcp://127.0.0.1:*"), 0);
    char ep[256];
    size_t ep_len = sizeof ep;
    zmq_getsockopt(hung, ZMQ_LAST_ENDPOINT, ep, &ep_len);
    server_run edge = {.d = deploy(&m, plan),
                       .o = {.tier = PD_TIER_EDGE, .cloud = ep, .timeout_ms = 50}};
    assert_int_equal(server_start(&edge), 0);
    pd_client *c;
    assert_int_equal(pd_client_new(d, edge.endpoint, 3000, NULL, NULL, &c, NULL), PD_OK);
    for (uint64_t id = 1; id <= 4; id++)
        infer_equal(c, d, &m.in[id % 2], k, id, 1);
    pd_client_free(c);
    assert_int_equal(server_stop(&edge), PD_OK);
    pd_deployment_free(edge.d);
    zmq_close(hung);
    zmq_ctx_term(ctx);

    pd_deployment_free(d);
    pd_deployment_free(de);
    pd_deployment_free(dc);
    unlink(plan);
    close_model(&m);
}

/* --- hostile messages to a real server */

/* Sends the bytes and expects an ERROR with that code whose text holds `want`. */
static void expect_bytes_refused(raw *r, const uint8_t *buf, size_t n, pd_wire_code code,
                                 const char *want)
{
    assert_true(zmq_send(r->sock, buf, n, 0) >= 0);
    zmq_pollitem_t item = {r->sock, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, 10000), 1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, r->sock, 0) >= 0);
    pd_wire_msg e;
    assert_int_equal(pd_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &e, NULL), PD_OK);
    assert_int_equal(e.kind, PD_WIRE_ERROR);
    char text[PD_WIRE_MAX_TEXT + 1];
    snprintf(text, sizeof text, "%.*s", (int)e.text_len, e.text);
    if (e.code != code || !strstr(text, want))
        fail_msg("error %d \"%s\", wanted %d with \"%s\"", e.code, text, code, want);
    zmq_msg_close(&msg);
}

static void expect_refused(raw *r, const pd_wire_msg *m, pd_wire_code code, const char *want)
{
    uint8_t *buf = malloc(pd_wire_size(m) + 64);
    assert_non_null(buf);
    size_t n = pd_wire_encode(m, buf);
    expect_bytes_refused(r, buf, n, code, want);
    free(buf);
}

/* A placement of dag-inception whose exit `fc` goes from the mobile to the edge with
 * several tensors at once: the first cut where it does, and the message. */
static pd_deployment *several_at_once(const model *m, char *plan, size_t cap, uint32_t *exit,
                                      size_t *cut)
{
    pd_rng rng;
    pd_rng_seed(&rng, 5);
    pd_tier *placement = malloc(m->g->n_layers * sizeof *placement);
    assert_non_null(placement);
    for (int tries = 0; tries < 2000; tries++) {
        draw(&rng, m->g, placement);
        assert_int_equal(plan_file_tiers(m->g, placement, plan, cap), 0);
        pd_deployment *d = deploy(m, plan);
        const pd_exit_plan *x = &d->exits[1];
        for (size_t c = 0; c <= x->len; c++) {
            size_t n = 0;
            for (size_t e = 0; e <= x->len; e++)
                n += x->cut[e * PD_LINK_DIRS + PD_TO_EDGE] == (int32_t)c;
            /* the mobile runs every layer before it: the request starts here */
            int first = 1;
            for (size_t p = 0; p < c; p++)
                first &= x->at[p] == PD_TIER_MOBILE;
            if (n >= 3 && first) {
                free(placement);
                *exit = 1;
                *cut = c;
                return d;
            }
        }
        pd_deployment_free(d);
        unlink(plan);
    }
    fail_msg("no placement sends several tensors at once");
    return NULL;
}

static void test_hostile_multi_tensor_messages(void **state)
{
    (void)state;
    model m;
    open_model(&m, "dag-inception");
    char plan[64];
    uint32_t k = 0;
    size_t cut = 0;
    pd_deployment *mine = several_at_once(&m, plan, sizeof plan, &k, &cut);
    tiers s = {0};
    start_tiers(&s, &m, plan);
    /* the legitimate first message: the mobile's layers before the cut, then its tensors */
    pd_store st;
    assert_int_equal(pd_store_open(mine, k, m.in[0].data, &st, NULL), PD_OK);
    double ms[3] = {0};
    if (cut)
        assert_int_equal(pd_deployment_run(mine, &st, 0, cut, PD_TIER_MOBILE, PD_TIER_MOBILE, ms,
                                           NULL),
                         PD_OK);
    pd_wire_msg good = {.kind = PD_WIRE_TENSOR, .request_id = 50, .model_hash = mine->model_hash,
                        .plan_hash = mine->plan_hash, .budget_us = 5000000, .hops = 1,
                        .exit = k, .next = (uint32_t)cut};
    assert_int_equal(pd_deployment_fill(mine, &st, cut, PD_TO_EDGE, &good, NULL), PD_OK);
    assert_true(good.n_tensors >= 3);
    raw r = raw_open(s.edge.endpoint);
    pd_wire_msg bad = good;
    /* a wrong count: one left out, one too many */
    bad.n_tensors--;
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, "the edge takes ");
    bad = good;
    static const float one = 1.0f;
    bad.tensor[bad.n_tensors++] = (pd_wire_tensor){.name = (uint32_t)m.g->n_layers, .ndim = 1,
                                                   .dims = {1}, .count = 1, .data = &one};
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, "the message holds ");
    /* a duplicate: the decoder refuses it (names ascend, each once) */
    bad = good;
    bad.tensor[1].name = bad.tensor[0].name;
    expect_refused(&r, &bad, PD_WIRE_EMALFORMED, "names must ascend, each once");
    /* wrong dims: of the same count, and one float more (an oversized tensor) */
    bad = good;
    uint32_t n0 = (uint32_t)bad.tensor[1].count;
    bad.tensor[1].ndim = 1;
    memset(bad.tensor[1].dims, 0, sizeof bad.tensor[1].dims);
    bad.tensor[1].dims[0] = n0;
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, "the message holds [");
    float *big = calloc(mine->max_message, 1);
    assert_non_null(big);
    bad.tensor[1].dims[0] = n0 + 1;
    bad.tensor[1].count = (size_t)n0 + 1;
    bad.tensor[1].data = big;
    char want[64];
    snprintf(want, sizeof want, "the message holds [%u]", (unsigned)n0 + 1);
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, want);
    /* and with the dimensions' number right: the same floats otherwise arranged, and one
     * row more */
    uint32_t i3 = 0;
    while (i3 < good.n_tensors && good.tensor[i3].ndim != 3)
        i3++;
    assert_true(i3 < good.n_tensors);
    bad = good;
    bad.tensor[i3].dims[0] *= 2;
    bad.tensor[i3].dims[1] /= 2;
    assert_int_equal(bad.tensor[i3].dims[0] * bad.tensor[i3].dims[1] * bad.tensor[i3].dims[2],
                     good.tensor[i3].count);
    snprintf(want, sizeof want, "the message holds [%u, %u, %u]", (unsigned)bad.tensor[i3].dims[0],
             (unsigned)bad.tensor[i3].dims[1], (unsigned)bad.tensor[i3].dims[2]);
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, want);
    /* (one column more: when that is within the server's limit, else ZeroMQ drops it) */
    bad = good;
    bad.tensor[i3].dims[2] += 1;
    bad.tensor[i3].count += (size_t)bad.tensor[i3].dims[0] * bad.tensor[i3].dims[1];
    bad.tensor[i3].data = big;
    if (pd_wire_size(&bad) <= mine->max_message) {
        snprintf(want, sizeof want, "the message holds [%u, %u, %u]",
                 (unsigned)bad.tensor[i3].dims[0], (unsigned)bad.tensor[i3].dims[1],
                 (unsigned)bad.tensor[i3].dims[2]);
        expect_refused(&r, &bad, PD_WIRE_EREQUEST, want);
    }
    /* an unknown layer, and a layer that does not cross here */
    bad = good;
    bad.tensor[bad.n_tensors - 1].name = (uint32_t)m.g->n_layers + 5;
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, "which the model (24 layers) does not have");
    bad = good;
    bad.tensor[bad.n_tensors - 1].name = (uint32_t)mine->g->exits[k] + 1;
    expect_refused(&r, &bad, PD_WIRE_EREQUEST, "the edge takes");
    /* truncated: the last bytes cut off, and a payload length that lies */
    uint8_t *buf = malloc(pd_wire_size(&good));
    assert_non_null(buf);
    size_t n = pd_wire_encode(&good, buf);
    expect_bytes_refused(&r, buf, n - 4, PD_WIRE_EMALFORMED, "payload bytes, message has");
    uint32_t lie = (uint32_t)(n - PD_WIRE_HEADER_BYTES - 4);
    memcpy(buf + 76, &lie, 4);
    expect_bytes_refused(&r, buf, n - 4, PD_WIRE_EMALFORMED, "take");
    /* more tensors than a message may carry */
    n = pd_wire_encode(&good, buf);
    memcpy(buf + 72, &(uint32_t){PD_WIRE_MAX_TENSORS + 1}, 4);
    expect_bytes_refused(&r, buf, n, PD_WIRE_EMALFORMED, "65 tensors; at most 64");
    free(buf);
    /* another plan, another model, a spent budget, too many hops */
    bad = good;
    bad.plan_hash ^= 1;
    expect_refused(&r, &bad, PD_WIRE_EPLAN, "the placement differs between tiers");
    bad = good;
    bad.model_hash ^= 1;
    expect_refused(&r, &bad, PD_WIRE_EMODEL, "model or weights differ");
    bad = good;
    bad.budget_us = 0;
    expect_refused(&r, &bad, PD_WIRE_EDEADLINE, "time budget is spent");
    bad = good;
    bad.hops = 1000;
    expect_refused(&r, &bad, PD_WIRE_EHOPS, "hops");
    /* at a cut where no message goes to the edge, with what crosses elsewhere */
    bad = good;
    bad.next = (uint32_t)mine->exits[k].len - 1;
    if (!pd_split_handover(mine->exits[k].at, mine->exits[k].len, bad.next, PD_TO_EDGE))
        expect_refused(&r, &bad, PD_WIRE_EREQUEST, "the plan does not hand exit");
    raw_close(&r);
    /* a message over the server's limit, as a whole: ZeroMQ drops it unread, with that
     * connection */
    r = raw_open(s.edge.endpoint);
    bad = good;
    bad.tensor[0].ndim = 1;
    memset(bad.tensor[0].dims, 0, sizeof bad.tensor[0].dims);
    bad.tensor[0].count = mine->max_message / sizeof(float);
    bad.tensor[0].dims[0] = (uint32_t)bad.tensor[0].count;
    bad.tensor[0].data = big;
    buf = malloc(pd_wire_size(&bad));
    assert_non_null(buf);
    n = pd_wire_encode(&bad, buf);
    assert_true(n > mine->max_message);
    assert_true(zmq_send(r.sock, buf, n, 0) >= 0);
    free(buf);
    raw_close(&r);
    free(big);
    pd_store_close(&st);
    /* still serving: every exit, `run`'s floats */
    pd_client *c;
    assert_int_equal(pd_client_new(mine, s.edge.endpoint, 10000, NULL, NULL, &c, NULL), PD_OK);
    for (uint32_t e = 0; e < m.g->n_exits; e++)
        infer_equal(c, mine, &m.in[1], e, 100 + e, 0);
    pd_client_free(c);
    stop_tiers(&s);
    pd_deployment_free(mine);
    unlink(plan);
    close_model(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_placements_equal_run),
        cmocka_unit_test(test_stores_freed_expired_bounded),
        cmocka_unit_test(test_cloud_fails_mid_request),
        cmocka_unit_test(test_hostile_multi_tensor_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
