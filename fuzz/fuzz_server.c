/* libFuzzer harness: the server's message handler (src/wire/handler.c) driven by a script,
 * an edge with a fake cloud that is itself a cloud handler.
 *
 * Set up once: two deployments of a small DAG model (MODEL below, random weights, seed 1)
 * under one plan over all three tiers (PLAN), so that a request runs on the edge, goes on
 * to the cloud and comes back, carries several tensors in one message and none in another,
 * and comes back to the edge and to the cloud later, each of which holds tensors of it
 * between its visits (the cloud one that only it has). Each input gets a fresh edge handler
 * (has_cloud, MAX_PENDING parked, MAX_REQUESTS requests, and the fewest floats held that
 * the plan allows) and cloud handler over them, a clock at START_MS, and is a script of
 * records
 *
 *   [op u8] [length u16 LE] [length bytes]       (a length past the input's end is cut)
 *
 * op % 8:
 *   0 CLIENT   a message from a client to the edge: [flags] [message...]; flags bit 7 set:
 *              frames = flags & 3, else 1 frame; flags bit 6 set: the identity of one of the
 *              last 4 client messages (bits 2-3; 0 the newest), so that a request comes
 *              back; else an identity of its own, of the length bits 4-5 say (4, 1, 255 or
 *              256 bytes, the last over ZeroMQ's limit)
 *   1 CLOUD    bytes from "the cloud" to the edge (pd_handler_cloud)
 *   2 REPLAY   [sel] [u16 offset, u8 xor]...: one of the last 8 messages the edge sent to
 *              the cloud (sel & 7 back from the newest) is answered by the cloud handler
 *              (or, sel bit 4, sent back as it is), the answer's bytes are xor'ed as the
 *              triples say (offset modulo its length) and fed to pd_handler_cloud; sel
 *              bit 3: fed twice
 *   3 ADVANCE  the clock moves on by the body's bytes as a u32 LE in microseconds (at most
 *              4 bytes), then pd_handler_tick of both handlers
 *   4 READY    cloud_ready answers body[0] & 1 (no body: toggles)
 *   5 FAIL     to_cloud fails when body[0] & 1 (no body: toggles)
 *   6 DIRECT   a message from a client to the cloud handler, as CLIENT
 *   7 SKIP     the clock moves on as ADVANCE, without a tick
 * At the end the clock moves on by DRAIN_MS and both tick: every parked request must be
 * answered then, and neither may hold a request any more.
 *
 * Besides "no crash, no leak, no sanitizer report", the fake callbacks abort when a message
 * either handler sends is larger than pd_handler_max_message, does not decode, is a TENSOR
 * or RESULT that fails pd_deployment_check at its receiver (the edge's answers at the
 * mobile, its forwards at the cloud, the cloud's answers at the edge: a hand-over of the
 * plan, with exactly the tensors that cross there, of their shapes), carries other hashes,
 * an ERROR without a code or a text, an ECHO that is not the probe's bytes; when to_cloud is
 * called while cloud_ready says no, with a request id that is neither new (above the last)
 * nor the one an earlier forward of the same client request had, with a budget under 1 ms
 * or past the client's; when a note is empty or holds a control character. And the harness
 * keeps its own books of the requests parked at the cloud (by cloud request id: the
 * client's identity, request id, deadlines), so that it aborts when:
 *   - a client message does not get exactly one message out (an answer to that client or
 *     a forward to the cloud);
 *   - a cloud message gets an answer although it decodes to no parked request, or no
 *     answer although it does, or an answer to another client or request id;
 *   - a tick answers a request not parked, or within the 1 ms the edge waits at least,
 *     forwards anything, or leaves a request parked past the client's deadline or the cloud
 *     timeout; a tick of the cloud sends anything;
 *   - pd_handler_pending differs from the books or exceeds MAX_PENDING; the requests parked
 *     and held exceed MAX_REQUESTS, or their floats the limit; pd_handler_next_deadline says
 *     none while a request is parked or held, or one when none is; the cloud handler ever
 *     parks, calls cloud_ready or to_cloud.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predoff/deploy.h"
#include "predoff/wire.h"
#include "wire/handler.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    MAX_PENDING = 4,   /* small, so that "no free slot" is reachable */
    MAX_REQUESTS = 6,  /* small, so that a full table drops a held request */
    MAX_KNOWN = 64,    /* forwards remembered, for their cloud request ids */
    RECENT = 4,        /* client identities a message may take again */
    MAX_SENT = 8,      /* forwards kept for REPLAY */
    MAX_STEPS = 200,   /* records run per input; also keeps 1-byte identities unique */
    MAX_IDENT = 256,
};
static const double START_MS = 1000.0, DRAIN_MS = 1e7, EPS_MS = 0.01;
static const double CLOUD_TIMEOUT_MS = 1000.0, BREAKER_MS = 500.0;
static const double LAYER_MS = 0.5; /* every layer's time, for the edge's estimates */

/* A DAG: c, c2 and d read b or a beside the chain, s adds three tensors, h adds the
 * cloud's c and c2 to g, j concatenates i and s. Exit 0 (f1): a b c d s x1 f1; exit 1
 * (f2): a b c c2 d s g h i j p f2. */
static const char MODEL[] =
    "{\"name\": \"fz\", \"input\": [2, 6, 6], \"layers\": ["
    "{\"name\": \"a\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1},"
    "{\"name\": \"b\", \"type\": \"relu\"},"
    "{\"name\": \"c\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1},"
    "{\"name\": \"c2\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1, \"input\": \"b\"},"
    "{\"name\": \"d\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 1, \"input\": \"a\"},"
    "{\"name\": \"s\", \"type\": \"add\", \"inputs\": [\"c\", \"d\", \"b\"]},"
    "{\"name\": \"x1\", \"type\": \"pool\", \"mode\": \"avg\", \"global\": true},"
    "{\"name\": \"f1\", \"type\": \"fc\", \"outputs\": 5, \"exit\": true},"
    "{\"name\": \"g\", \"type\": \"conv\", \"filters\": 4, \"kernel\": 3, \"pad\": 1, "
    "\"input\": \"s\"},"
    "{\"name\": \"h\", \"type\": \"add\", \"inputs\": [\"g\", \"c\", \"c2\"]},"
    "{\"name\": \"i\", \"type\": \"relu\"},"
    "{\"name\": \"j\", \"type\": \"concat\", \"inputs\": [\"i\", \"s\"]},"
    "{\"name\": \"p\", \"type\": \"pool\", \"mode\": \"avg\", \"global\": true},"
    "{\"name\": \"f2\", \"type\": \"fc\", \"outputs\": 5, \"exit\": true}]}";

/* exit 0, M E C M E M M: a to the edge; b on to the cloud (the edge keeps it for s); c
 *   back to the edge (kept for s), and to the mobile a message of no tensors; d to the
 *   edge; s to the mobile.
 * exit 1, M E C C M E C C M E C C: the same up to s; s to the cloud (the edge keeps it for
 *   j), which still holds c and c2 for h (c2 only there); h to the mobile through the edge;
 *   i to the edge; j to the cloud; the result back through the edge. */
static const char *const PLAN[][2] = {
    {"a", "mobile"}, {"b", "edge"},    {"c", "cloud"},   {"c2", "cloud"}, {"d", "mobile"},
    {"s", "edge"},   {"x1", "mobile"}, {"f1", "mobile"}, {"g", "cloud"},  {"h", "cloud"},
    {"i", "mobile"}, {"j", "edge"},    {"p", "cloud"},   {"f2", "cloud"},
};

static pd_deployment *d_edge, *d_cloud;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz_server: check failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

typedef enum event { EV_NONE, EV_CLIENT, EV_CLOUD, EV_TICK, EV_DIRECT, EV_REPLAY } event;

/* A request the harness believes parked at the cloud. */
typedef struct parked {
    uint8_t ident[MAX_IDENT];
    size_t ident_len;
    uint64_t client_rid, cloud_rid;
    double client_deadline;      /* when the client's answer must leave, as the edge sees it */
    double client_expiry;        /* when the client gives up on it */
    double cloud_lo, cloud_hi;   /* bounds of the edge's cloud deadline */
} parked;

/* A forward seen: the client request, and the cloud request id the edge gave it. */
typedef struct known {
    uint8_t ident[MAX_IDENT];
    size_t ident_len;
    uint64_t client_rid, cloud_rid;
} known;

typedef struct run {
    pd_handler *edge, *cloud;
    size_t edge_max, cloud_max;
    double now;
    int ready, fail;
    uint64_t last_cloud_rid;
    unsigned idents;             /* identities handed out */
    uint8_t recent[RECENT][MAX_IDENT]; /* the last client messages' identities */
    size_t recent_len[RECENT];
    parked books[MAX_PENDING];
    size_t n_books;
    known known[MAX_KNOWN];
    size_t n_known;
    size_t max_held_floats;
    /* the event under way */
    event ev;
    const uint8_t *ev_ident;
    size_t ev_ident_len;
    uint64_t ev_rid;
    double ev_deadline, ev_expiry;
    const uint8_t *ev_msg;       /* the message in, for ECHO */
    size_t ev_len;
    int ev_has_source;           /* EV_CLOUD: the parked request the message answers */
    parked ev_source;
    unsigned to_client, to_cloud, answered_in_tick;
    /* forwards, newest at (sent_next - 1) % MAX_SENT */
    uint8_t *sent[MAX_SENT];
    size_t sent_len[MAX_SENT];
    size_t sent_next, sent_count;
    uint8_t *reply;              /* the cloud handler's answer, for REPLAY */
    size_t reply_len;
} run;

static run R;

/* Called with the two handlers at the end of each input, before the drain (for
 * fuzz/server_seeds.c, which prints their statistics); NULL in the harness. */
static void (*at_end)(const pd_handler *edge, const pd_handler *cloud);
/* Called with every message the edge sends a client (for fuzz/server_seeds.c, which plays
 * the mobile from the answers); NULL in the harness. */
static void (*on_answer)(const uint8_t *msg, size_t len);

/* What every message sent must be: within the limit, decodable, with this model's
 * hashes, a TENSOR or RESULT that its receiver takes across `dir` (a hand-over of the
 * plan, with the tensors that cross there), an ERROR with a code and a text. */
static void check_sent(const pd_deployment *d, const uint8_t *msg, size_t len, size_t max,
                       pd_link_dir dir, pd_wire_msg *m)
{
    pd_error err;
    pd_error_clear(&err);
    CHECK(len <= max);
    CHECK(pd_wire_decode(msg, len, m, &err) == PD_OK);
    if (m->kind == PD_WIRE_ECHO)
        return;
    CHECK(m->model_hash == d->model_hash && m->plan_hash == d->plan_hash);
    if (m->kind == PD_WIRE_ERROR) {
        CHECK(m->code > PD_WIRE_OK && m->code < PD_WIRE_CODE_COUNT && m->text_len > 0);
        return;
    }
    CHECK(m->code == PD_WIRE_OK);
    if (pd_deployment_check(d, m, dir, &err) != PD_WIRE_OK) {
        fprintf(stderr, "fuzz_server: sent %s: %s\n", pd_link_dir_name(dir), err.msg);
        CHECK(!"a sent tensor or result its receiver refuses");
    }
}

static int same_ident(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

static void unpark(size_t i)
{
    R.books[i] = R.books[--R.n_books];
}

/* --- the edge's callbacks */

static void edge_to_client(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                           size_t len)
{
    (void)ctx;
    pd_wire_msg m;
    /* a TENSOR that leaves the edge goes to the mobile */
    check_sent(d_edge, msg, len, R.edge_max, PD_TO_MOBILE, &m);
    R.to_client++;
    if (on_answer)
        on_answer(msg, len);
    switch (R.ev) {
    case EV_CLIENT:
        CHECK(R.to_client + R.to_cloud == 1);
        CHECK(same_ident(id, id_len, R.ev_ident, R.ev_ident_len) && m.request_id == R.ev_rid);
        if (m.kind == PD_WIRE_ECHO)
            CHECK(len == R.ev_len && memcmp(msg, R.ev_msg, len) == 0);
        return;
    case EV_CLOUD:
        CHECK(m.kind != PD_WIRE_ECHO && R.ev_has_source && R.to_client + R.to_cloud == 1);
        CHECK(same_ident(id, id_len, R.ev_source.ident, R.ev_source.ident_len) &&
              m.request_id == R.ev_source.client_rid);
        return;
    case EV_TICK:
        CHECK(m.kind != PD_WIRE_ECHO);
        for (size_t i = 0; i < R.n_books; i++)
            if (same_ident(id, id_len, R.books[i].ident, R.books[i].ident_len)) {
                CHECK(m.request_id == R.books[i].client_rid);
                CHECK(R.books[i].cloud_lo <= R.now); /* its wait for the cloud may be over */
                unpark(i);
                R.answered_in_tick++;
                return;
            }
        CHECK(!"a tick answered a request that was not waiting for the cloud");
        return;
    default:
        CHECK(!"the edge sent to a client during another handler's call");
    }
}

static int edge_cloud_ready(void *ctx)
{
    (void)ctx;
    return R.ready;
}

/* The cloud request id an earlier forward of that client request had, or 0. */
static uint64_t known_id(const uint8_t *ident, size_t ident_len, uint64_t client_rid)
{
    for (size_t i = 0; i < R.n_known; i++)
        if (R.known[i].client_rid == client_rid &&
            same_ident(R.known[i].ident, R.known[i].ident_len, ident, ident_len))
            return R.known[i].cloud_rid;
    return 0;
}

static int edge_to_cloud(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    pd_wire_msg m;
    check_sent(d_cloud, msg, len, R.edge_max, PD_TO_CLOUD, &m);
    CHECK(m.kind == PD_WIRE_TENSOR);
    CHECK(R.ready); /* cloud_ready said yes just before */
    parked p = {0};
    if (R.ev == EV_CLIENT) {
        CHECK(R.to_client + R.to_cloud == 0);
        memcpy(p.ident, R.ev_ident, R.ev_ident_len);
        p.ident_len = R.ev_ident_len;
        p.client_rid = R.ev_rid;
        p.client_deadline = R.ev_deadline;
        p.client_expiry = R.ev_expiry;
    } else if (R.ev == EV_CLOUD) {
        CHECK(R.ev_has_source && R.to_client + R.to_cloud == 0);
        p = R.ev_source;
    } else {
        CHECK(!"a forward to the cloud outside a client's or the cloud's message");
    }
    /* fresh ids, so that answers match one request; a request's later visits keep its id,
     * so that the cloud finds what it holds of it */
    uint64_t before = known_id(p.ident, p.ident_len, p.client_rid);
    if (m.request_id > R.last_cloud_rid)
        R.last_cloud_rid = m.request_id;
    else
        CHECK(before && m.request_id == before);
    /* the budget is the request's time left: the cloud holds its tensors that long */
    CHECK(m.budget_us >= 1000);
    CHECK(R.now + m.budget_us / 1000.0 <= p.client_expiry + EPS_MS);
    if (R.fail)
        return 1;
    R.to_cloud++;
    if (!before && R.n_known < MAX_KNOWN) {
        known *k = &R.known[R.n_known++];
        memcpy(k->ident, p.ident, p.ident_len);
        k->ident_len = p.ident_len;
        k->client_rid = p.client_rid;
        k->cloud_rid = m.request_id;
    }
    p.cloud_rid = m.request_id;
    /* the edge waits at least 1 ms, at most the cloud timeout, and not past the client's
     * deadline */
    p.cloud_lo = R.now + 1.0 - EPS_MS;
    double hi = R.now + CLOUD_TIMEOUT_MS;
    p.cloud_hi = (hi < p.client_deadline ? hi : p.client_deadline) + EPS_MS;
    CHECK(p.cloud_lo < p.cloud_hi);
    CHECK(R.n_books < MAX_PENDING);
    R.books[R.n_books++] = p;
    size_t slot = R.sent_next++ % MAX_SENT;
    memcpy(R.sent[slot], msg, len);
    R.sent_len[slot] = len;
    if (R.sent_count < MAX_SENT)
        R.sent_count++;
    return 0;
}

static void any_note(void *ctx, const char *line)
{
    (void)ctx;
    CHECK(line[0] != '\0');
    for (const char *s = line; *s; s++)
        CHECK((unsigned char)*s >= 0x20 && *s != 0x7f); /* one line, nothing to fake a log */
}

/* --- the cloud's callbacks */

static void cloud_to_client(void *ctx, const uint8_t *id, size_t id_len, const uint8_t *msg,
                            size_t len)
{
    (void)ctx;
    pd_wire_msg m;
    check_sent(d_edge, msg, len, R.cloud_max, PD_FROM_CLOUD, &m);
    CHECK(++R.to_client == 1);
    CHECK(same_ident(id, id_len, R.ev_ident, R.ev_ident_len) && m.request_id == R.ev_rid);
    if (m.kind == PD_WIRE_ECHO)
        CHECK(len == R.ev_len && memcmp(msg, R.ev_msg, len) == 0);
    if (R.ev == EV_REPLAY) {
        memcpy(R.reply, msg, len);
        R.reply_len = len;
    } else {
        CHECK(R.ev == EV_DIRECT);
    }
}

static int cloud_cloud_ready(void *ctx)
{
    (void)ctx;
    CHECK(!"the cloud has no cloud");
    return 0;
}

static int cloud_to_cloud(void *ctx, const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)msg;
    (void)len;
    CHECK(!"the cloud has no cloud");
    return 1;
}

/* --- set-up */

static void tear_down(void)
{
    for (size_t i = 0; i < MAX_SENT; i++)
        free(R.sent[i]);
    free(R.reply);
    pd_deployment_free(d_edge);
    pd_deployment_free(d_cloud);
}

static void write_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void write_plan(char *path)
{
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, "{\"placement\": {");
    for (size_t i = 0; i < sizeof PLAN / sizeof PLAN[0] && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\"%s\": \"%s\"", i ? ", " : "",
                              PLAN[i][0], PLAN[i][1]);
    if (n + 3 > sizeof text)
        abort();
    snprintf(text + n, sizeof text - n, "}}");
    write_file(path, text);
}

static void open_deployments(void)
{
    char model[] = "/tmp/pd-fuzz-model-XXXXXX", path[] = "/tmp/pd-fuzz-server-XXXXXX";
    write_file(model, MODEL);
    write_plan(path);
    pd_error err;
    pd_error_clear(&err);
    if (pd_deployment_open(model, NULL, 1, path, 1, &d_edge, &err) ||
        pd_deployment_open(model, NULL, 1, path, 1, &d_cloud, &err)) {
        fprintf(stderr, "fuzz_server: %s\n", err.msg);
        abort();
    }
    unlink(model);
    unlink(path);
    if (d_edge->g->n_layers != sizeof PLAN / sizeof PLAN[0] ||
        d_edge->model_hash != d_cloud->model_hash || d_edge->plan_hash != d_cloud->plan_hash)
        abort();
    /* fixed layer times, not measured ones (pd_deployment_warm), so that a run repeats */
    for (size_t i = 0; i < d_edge->g->n_layers; i++)
        d_edge->layer_ms[i] = d_cloud->layer_ms[i] = LAYER_MS;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    open_deployments();
    size_t max = d_edge->max_message;
    for (size_t i = 0; i < MAX_SENT; i++)
        if (!(R.sent[i] = malloc(max)))
            abort();
    if (!(R.reply = malloc(max)))
        abort();
    atexit(tear_down);
    return 0;
}

/* --- one input */

static void check_state(void)
{
    size_t pending = pd_handler_pending(R.edge), floats, cloud_floats;
    size_t held = pd_handler_held(R.edge, &floats);
    size_t cloud_held = pd_handler_held(R.cloud, &cloud_floats);
    CHECK(pending <= MAX_PENDING && pending == R.n_books);
    CHECK(pending + held <= MAX_REQUESTS && cloud_held <= MAX_REQUESTS);
    CHECK(floats <= R.max_held_floats && cloud_floats <= R.max_held_floats);
    CHECK((pd_handler_next_deadline(R.edge) < 0) == (pending == 0 && held == 0));
    CHECK(pd_handler_pending(R.cloud) == 0);
    CHECK((pd_handler_next_deadline(R.cloud) < 0) == (cloud_held == 0));
}

static void begin(event ev)
{
    R.ev = ev;
    R.to_client = R.to_cloud = R.answered_in_tick = 0;
    R.ev_has_source = 0;
    R.ev_msg = NULL;
    R.ev_len = 0;
}

/* An identity of its own, of the length flags bits 4-5 ask for, or (bit 6) one of the last
 * RECENT client messages' (bits 2-3; 0 the newest). */
static size_t make_ident(uint8_t *id, uint8_t flags)
{
    unsigned back = (flags >> 2) & 3;
    if ((flags & 0x40) && back < R.idents) {
        size_t slot = (R.idents - 1 - back) % RECENT;
        memcpy(id, R.recent[slot], R.recent_len[slot]);
        return R.recent_len[slot];
    }
    static const size_t lengths[4] = {4, 1, 255, 256};
    size_t n = lengths[(flags >> 4) & 3];
    unsigned k = R.idents++;
    memset(id, 'x', n);
    for (size_t i = 0; i < n && i < 4; i++)
        id[i] = (uint8_t)(k >> (8 * i));
    memcpy(R.recent[k % RECENT], id, n);
    R.recent_len[k % RECENT] = n;
    return n;
}

/* CLIENT and DIRECT: [flags] [message...] to the edge or the cloud handler. */
static void client_message(pd_handler *h, event ev, const uint8_t *body, size_t len)
{
    uint8_t flags = len ? body[0] : 0;
    const uint8_t *msg = len ? body + 1 : body;
    size_t msg_len = len ? len - 1 : 0;
    size_t frames = flags & 0x80 ? (size_t)(flags & 3) : 1;
    uint8_t id[MAX_IDENT];
    size_t id_len = make_ident(id, flags);
    begin(ev);
    R.ev_ident = id;
    R.ev_ident_len = id_len;
    pd_wire_msg m;
    int decodes = pd_wire_decode(msg, msg_len, &m, NULL) == PD_OK;
    R.ev_rid = frames == 1 && decodes ? m.request_id : 0;
    R.ev_deadline = R.now + 0.9 * (decodes ? m.budget_us : 0) / 1000.0;
    R.ev_expiry = R.now + (decodes ? m.budget_us : 0) / 1000.0;
    R.ev_msg = msg;
    R.ev_len = msg_len;
    pd_handler_client(h, R.now, id, id_len, msg, msg_len, frames);
    CHECK(R.to_client + R.to_cloud == 1); /* exactly one message out */
    R.ev = EV_NONE;
}

/* Feeds msg to the edge as the cloud's. */
static void from_cloud(const uint8_t *msg, size_t len)
{
    begin(EV_CLOUD);
    pd_wire_msg m;
    if (pd_wire_decode(msg, len, &m, NULL) == PD_OK)
        for (size_t i = 0; i < R.n_books; i++)
            if (R.books[i].cloud_rid == m.request_id) {
                R.ev_source = R.books[i];
                R.ev_has_source = 1;
                unpark(i);
                break;
            }
    pd_handler_cloud(R.edge, R.now, msg, len);
    CHECK(R.to_client + R.to_cloud == (unsigned)R.ev_has_source);
    R.ev = EV_NONE;
}

static void replay(const uint8_t *body, size_t len)
{
    if (!R.sent_count)
        return;
    uint8_t sel = len ? body[0] : 0;
    size_t back = (size_t)(sel & 7) % R.sent_count;
    size_t slot = (R.sent_next - 1 - back) % MAX_SENT;
    if (sel & 0x10) {
        memcpy(R.reply, R.sent[slot], R.sent_len[slot]);
        R.reply_len = R.sent_len[slot];
    } else {
        static const uint8_t edge_id[4] = {'e', 'd', 'g', 'e'};
        pd_wire_msg m;
        CHECK(pd_wire_decode(R.sent[slot], R.sent_len[slot], &m, NULL) == PD_OK);
        begin(EV_REPLAY);
        R.ev_ident = edge_id;
        R.ev_ident_len = sizeof edge_id;
        R.ev_rid = m.request_id;
        R.ev_msg = R.sent[slot];
        R.ev_len = R.sent_len[slot];
        R.reply_len = 0;
        pd_handler_client(R.cloud, R.now, edge_id, sizeof edge_id, R.sent[slot],
                          R.sent_len[slot], 1);
        CHECK(R.to_client == 1);
        R.ev = EV_NONE;
    }
    for (size_t i = 1; i + 3 <= len && R.reply_len; i += 3) {
        size_t off = (size_t)(body[i] | body[i + 1] << 8) % R.reply_len;
        R.reply[off] ^= body[i + 2];
    }
    from_cloud(R.reply, R.reply_len);
    if (sel & 0x08) {
        check_state();
        from_cloud(R.reply, R.reply_len);
    }
}

static double micros(const uint8_t *body, size_t len)
{
    uint32_t v = 0;
    for (size_t i = 0; i < len && i < 4; i++)
        v |= (uint32_t)body[i] << (8 * i);
    return v / 1000.0;
}

static void tick(void)
{
    size_t before = R.n_books;
    begin(EV_TICK);
    pd_handler_tick(R.edge, R.now);
    CHECK(R.to_cloud == 0 && R.to_client == R.answered_in_tick);
    CHECK(R.n_books == before - R.answered_in_tick);
    for (size_t i = 0; i < R.n_books; i++)
        CHECK(R.books[i].cloud_hi > R.now); /* nothing left waiting past its deadline */
    double next = pd_handler_next_deadline(R.edge);
    CHECK(next < 0 || next > R.now);
    /* the cloud drops what it holds past its deadline, and sends nothing */
    begin(EV_TICK);
    pd_handler_tick(R.cloud, R.now);
    CHECK(R.to_cloud == 0 && R.to_client == 0);
    next = pd_handler_next_deadline(R.cloud);
    CHECK(next < 0 || next > R.now);
    R.ev = EV_NONE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_handler_options eo, co;
    pd_handler_options_init(&eo, PD_TIER_EDGE);
    eo.has_cloud = 1;
    eo.cloud_timeout_ms = CLOUD_TIMEOUT_MS;
    eo.breaker_ms = BREAKER_MS;
    eo.max_pending = MAX_PENDING;
    eo.max_requests = MAX_REQUESTS;
    eo.max_held_floats = 2 * d_edge->max_held; /* the fewest it takes: room runs out */
    pd_handler_options_init(&co, PD_TIER_CLOUD);
    co.max_requests = MAX_REQUESTS;
    co.max_held_floats = eo.max_held_floats;
    pd_handler_io eio = {NULL, edge_to_client, edge_cloud_ready, edge_to_cloud, any_note};
    pd_handler_io cio = {NULL, cloud_to_client, cloud_cloud_ready, cloud_to_cloud, any_note};
    if (pd_handler_new(d_edge, &eo, &eio, &R.edge, NULL) ||
        pd_handler_new(d_cloud, &co, &cio, &R.cloud, NULL))
        abort();
    R.edge_max = pd_handler_max_message(R.edge);
    R.cloud_max = pd_handler_max_message(R.cloud);
    R.now = START_MS;
    R.ready = 1;
    R.fail = 0;
    R.last_cloud_rid = 0;
    R.idents = 0;
    R.n_books = 0;
    R.n_known = 0;
    R.max_held_floats = eo.max_held_floats;
    R.sent_next = R.sent_count = 0;
    R.ev = EV_NONE;

    for (int steps = 0; size >= 3 && steps < MAX_STEPS; steps++) {
        uint8_t op = data[0];
        size_t len = (size_t)(data[1] | data[2] << 8);
        data += 3;
        size -= 3;
        len = len < size ? len : size;
        const uint8_t *body = data;
        data += len;
        size -= len;
        switch (op % 8) {
        case 0: client_message(R.edge, EV_CLIENT, body, len); break;
        case 1: from_cloud(body, len); break;
        case 2: replay(body, len); break;
        case 3: R.now += micros(body, len); tick(); break;
        case 4: R.ready = len ? body[0] & 1 : !R.ready; break;
        case 5: R.fail = len ? body[0] & 1 : !R.fail; break;
        case 6: client_message(R.cloud, EV_DIRECT, body, len); break;
        case 7: R.now += micros(body, len); break;
        }
        check_state();
    }
    if (at_end)
        at_end(R.edge, R.cloud);
    /* every parked request is answered once the cloud's time is up, and nothing is held
     * past every deadline */
    R.now += DRAIN_MS;
    tick();
    check_state();
    CHECK(R.n_books == 0);
    CHECK(pd_handler_held(R.edge, NULL) == 0 && pd_handler_held(R.cloud, NULL) == 0);

    pd_handler_free(R.edge);
    pd_handler_free(R.cloud);
    R.edge = R.cloud = NULL;
    return 0;
}
