/* Writes the seeds of fuzz_server (fuzz/corpus/server/) and prints the hashes for
 * fuzz/server.dict. Not a harness (fuzz/CMakeLists.txt builds fuzz_*.c only); it borrows
 * the harness's set-up and is built by hand against the fuzz build's libraries:
 *
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer-no-link,address,undefined \
 *       -Iinclude -Isrc -Ibuild-fuzz/modules/wire fuzz/server_seeds.c \
 *       -Wl,--start-group build-fuzz/libpredoff_*.a -Wl,--end-group \
 *       -lzmq -lcjson -lz -lprotobuf-c -lopenblas -llapacke -lm -lpthread \
 *       -o build-fuzz/server_seeds
 *   build-fuzz/server_seeds fuzz/corpus/server
 *
 * (fuzzer-no-link: it has its own main(), not libFuzzer's). It plays the mobile: for each
 * hand-over of a request it runs the mobile's layers, writes the message the mobile sends
 * as a CLIENT record (the request's identity again after its first), and runs the script
 * so far through the harness to read the edge's answer; a forward to the cloud gets a
 * REPLAY record, which has the cloud handler answer it. Every seed then runs through the
 * harness once more, with its checks. */
#include "fuzz_server.c"

int main(int argc, char **argv);

static uint8_t script[65536];
static size_t script_len;
static unsigned idents; /* identities the script hands out (flags without bit 6) */

static void rec(uint8_t op, const void *body, size_t len)
{
    if (script_len + 3 + len > sizeof script) {
        fprintf(stderr, "a seed over 64 KiB (fuzz.sh's -max_len)\n");
        abort();
    }
    script[script_len++] = op;
    script[script_len++] = (uint8_t)len;
    script[script_len++] = (uint8_t)(len >> 8);
    memcpy(script + script_len, body, len);
    script_len += len;
}

static void rec_byte(uint8_t op, uint8_t b)
{
    rec(op, &b, 1);
}

static void rec_u32(uint8_t op, uint32_t v)
{
    rec(op, &v, 4);
}

/* A client message [flags][message]; flags 0 (one frame, a new 4-byte identity) unless
 * given. */
static void rec_msg(uint8_t op, uint8_t flags, const pd_wire_msg *m)
{
    static uint8_t buf[1 + 65536];
    if (pd_wire_size(m) + 1 > sizeof buf)
        abort();
    buf[0] = flags;
    size_t n = pd_wire_encode(m, buf + 1);
    rec(op, buf, n + 1);
    if (!(flags & 0x40))
        idents++;
}

/* --- the edge's answers, read by running the script so far through the harness */

static uint8_t answer[65536], live[65536];
static size_t answer_len, answers, live_len, live_answers;
static int printing; /* at_end prints the handlers' statistics */

static void take_answer(const uint8_t *msg, size_t len)
{
    if (len > sizeof answer)
        abort();
    memcpy(answer, msg, len);
    answer_len = len;
    answers++;
}

static void print_stats(const pd_handler *edge, const pd_handler *cloud);

/* Before the harness's final drain: the answers the script's own records got. */
static void snapshot(const pd_handler *edge, const pd_handler *cloud)
{
    memcpy(live, answer, answer_len);
    live_len = answer_len;
    live_answers = answers;
    if (printing)
        print_stats(edge, cloud);
}

/* Runs the script so far; returns how many messages the edge sent clients before the
 * drain, the last of them in live. */
static size_t run_script(void)
{
    answers = answer_len = 0;
    on_answer = take_answer;
    at_end = snapshot;
    LLVMFuzzerTestOneInput(script, script_len);
    on_answer = NULL;
    at_end = NULL;
    return live_answers;
}

/* A request the mobile plays. */
typedef struct mobile {
    pd_store s;
    pd_wire_msg m;
    size_t at;
    unsigned ident;   /* its identity: the script's ident-th */
    int sent;         /* it has sent a message */
    int done, refused;
} mobile;

static void mobile_open(mobile *p, uint32_t exit, uint64_t rid, uint16_t hops)
{
    static float input[2 * 6 * 6];
    for (size_t i = 0; i < sizeof input / sizeof *input; i++)
        input[i] = (float)((i * 7919) % 101) / 100.0f - 0.5f;
    memset(p, 0, sizeof *p);
    if (pd_store_open(d_edge, exit, input, &p->s, NULL))
        abort();
    p->m = (pd_wire_msg){.kind = PD_WIRE_TENSOR, .request_id = rid,
                         .model_hash = d_edge->model_hash, .plan_hash = d_edge->plan_hash,
                         .exit = exit, .hops = hops};
}

/* The mobile's layers up to its next hand-over, then that hand-over: the CLIENT record,
 * and REPLAY records while the edge waits on the cloud (at most `replays`; 0 leaves the
 * forward unanswered). Returns 1 when it has an answer (taken into the store). */
static int mobile_step(mobile *p, uint32_t budget_us, int replays)
{
    const pd_exit_plan *x = &d_edge->exits[p->s.exit];
    size_t end = p->at;
    while (end < x->len && x->at[end] == PD_TIER_MOBILE)
        end++;
    if (end > p->at && pd_deployment_run(d_edge, &p->s, p->at, end, PD_TIER_MOBILE,
                                         PD_TIER_MOBILE, p->m.compute_ms, NULL))
        abort();
    p->at = end;
    if (p->at == x->len) {
        p->done = 1;
        return 0;
    }
    if (pd_deployment_fill(d_edge, &p->s, p->at, PD_TO_EDGE, &p->m, NULL))
        abort();
    p->m.kind = PD_WIRE_TENSOR;
    p->m.next = (uint32_t)p->at;
    p->m.budget_us = budget_us;
    p->m.hops = pd_wire_next_hop(p->m.hops);
    unsigned back = p->sent ? idents - 1 - p->ident : 0;
    if (p->sent && back > 3)
        abort(); /* the harness remembers the last 4 identities */
    if (!p->sent)
        p->ident = idents;
    size_t before = run_script();
    rec_msg(0, p->sent ? (uint8_t)(0x40 | back << 2) : 0, &p->m);
    p->sent = 1;
    /* no answer: the edge forwarded it; the cloud answers the newest forward */
    size_t got = run_script();
    for (int i = 0; got == before && i < replays; i++) {
        rec_byte(2, 0);
        got = run_script();
    }
    pd_wire_msg r;
    if (got == before || pd_wire_decode(live, live_len, &r, NULL) ||
        r.request_id != p->m.request_id)
        return 0; /* parked */
    if (r.kind == PD_WIRE_ERROR) {
        p->refused = 1;
        return 0;
    }
    if (r.next <= p->at || pd_deployment_take(d_edge, &p->s, &r, NULL))
        return 0;
    memcpy(p->m.compute_ms, r.compute_ms, sizeof r.compute_ms);
    p->m.hops = r.hops;
    p->at = r.next;
    pd_deployment_prune(d_edge, &p->s, PD_TIER_MOBILE, p->at, false);
    p->done = p->at == x->len;
    return 1;
}

/* The whole request, every forward answered. */
static void mobile_all(mobile *p, uint32_t budget_us)
{
    while (!p->done && !p->refused && mobile_step(p, budget_us, 3))
        ;
}

static void print_stats(const pd_handler *edge, const pd_handler *cloud)
{
    const pd_handler_stats *e = pd_handler_stats_of(edge), *c = pd_handler_stats_of(cloud);
    size_t floats;
    size_t held = pd_handler_held(edge, &floats);
    printf("  edge: answered %llu, refused %llu, forwarded %llu, cloud failures %llu, ran for "
           "the cloud %llu, expired %llu, dropped %llu, pending %zu, held %zu (%zu floats); "
           "cloud: answered %llu, refused %llu, held %zu\n",
           (unsigned long long)e->answered, (unsigned long long)e->refused,
           (unsigned long long)e->forwarded, (unsigned long long)e->cloud_failures,
           (unsigned long long)e->ran_for_cloud, (unsigned long long)e->expired,
           (unsigned long long)e->dropped, pd_handler_pending(edge), held, floats,
           (unsigned long long)c->answered, (unsigned long long)c->refused,
           pd_handler_held(cloud, NULL));
}

static void save(const char *dir, const char *name)
{
    printf("%s (%zu bytes)\n", name, script_len);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(script, 1, script_len, f) != script_len || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        exit(1);
    }
    /* every seed must pass the harness's own checks */
    printing = 1;
    run_script();
    printing = 0;
    script_len = 0;
    idents = 0;
}

/* Every tensor of a request to `exit`, run on the mobile alone: for messages at any cut. */
static void full_store(pd_store *s, uint32_t exit)
{
    static float input[2 * 6 * 6];
    if (pd_store_open(d_edge, exit, input, s, NULL))
        abort();
    const pd_exit_plan *x = &d_edge->exits[exit];
    double ms[3] = {0};
    for (size_t q = 0; q < x->len; q++) {
        if (pd_deployment_run(d_edge, s, q, q + 1, PD_TIER_MOBILE, PD_TIER_MOBILE, ms, NULL))
            abort();
        if (!s->t[q + 1] &&
            pd_store_put(s, q + 1, pd_net_output_at(d_edge->net, exit, q),
                         (size_t)pd_shape_elems(d_edge->g->layers[x->list[q]].out), NULL))
            abort();
    }
}

/* The message crossing `dir` at `cut` of `exit`, from a full store. */
static pd_wire_msg message_at(const pd_store *s, uint32_t exit, size_t cut, pd_link_dir dir,
                              uint64_t rid, uint32_t budget_us)
{
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = rid,
                     .model_hash = d_edge->model_hash, .plan_hash = d_edge->plan_hash,
                     .exit = exit, .next = (uint32_t)cut, .budget_us = budget_us, .hops = 2};
    if (pd_deployment_fill(d_edge, s, cut, dir, &m, NULL))
        abort();
    return m;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    LLVMFuzzerInitialize(&argc, &argv);
    const uint32_t budget = 200000; /* 200 ms */
    mobile p, q[7];

    /* exit 0: through the cloud once, a message of no tensors to the mobile */
    mobile_open(&p, 0, 11, 0);
    mobile_all(&p, budget);
    if (!p.done)
        abort();
    pd_store_close(&p.s);
    save(dir, "exit0-whole");

    /* exit 1: the edge and the cloud both hold tensors between visits; the result comes
     * back through the edge */
    mobile_open(&p, 1, 12, 0);
    mobile_all(&p, budget);
    if (!p.done)
        abort();
    pd_store_close(&p.s);
    save(dir, "exit1-whole");

    /* exit 1 held, its client gone past its deadline: dropped; it comes back: refused */
    mobile_open(&p, 1, 13, 0);
    mobile_step(&p, 5000, 3);
    rec_u32(3, 6000);
    mobile_step(&p, budget, 3);
    if (!p.refused)
        abort();
    pd_store_close(&p.s);
    save(dir, "held-expires");

    /* exit 1: once the cloud holds c2 (only it does), it answers no more: the edge cannot
     * run its layers and refuses; then a request from the start, which the edge finishes
     * without the cloud (the breaker is open) */
    mobile_open(&p, 1, 14, 0);
    mobile_step(&p, budget, 3);
    mobile_step(&p, budget, 0);
    rec_u32(3, 200000);
    pd_store_close(&p.s);
    mobile_open(&p, 0, 15, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    save(dir, "cloud-fails-holding");

    /* the cloud does not answer in time; the breaker opens; after its time a probe goes
     * to the cloud and its answer closes the breaker */
    mobile_open(&p, 0, 16, 0);
    mobile_step(&p, budget, 0);
    rec_u32(3, 200000);
    pd_store_close(&p.s);
    mobile_open(&p, 0, 17, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    rec_u32(3, 600000);
    mobile_open(&p, 1, 18, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    save(dir, "timeout-breaker-probe");

    /* the cloud not connected, then a send that fails, then both fine */
    rec_byte(4, 0);
    mobile_open(&p, 0, 19, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    rec_byte(4, 1);
    rec_u32(7, 1000000);
    rec_byte(5, 1);
    mobile_open(&p, 1, 20, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    rec_byte(5, 0);
    rec_u32(7, 2000000);
    mobile_open(&p, 1, 21, 0);
    mobile_all(&p, budget);
    pd_store_close(&p.s);
    save(dir, "not-ready-send-fails");

    /* five requests, four parked at most; answered out of order, one twice, one sent back
     * unanswered (a bad answer), the rest at a tick */
    for (uint32_t i = 0; i < 5; i++) {
        mobile_open(&q[i], i & 1, 30 + i, 0);
        mobile_step(&q[i], budget, 0);
    }
    rec_byte(2, 2);
    rec_byte(2, 0x08);
    rec_byte(2, 0x10 | 1);
    rec_u32(3, 100000);
    for (int i = 0; i < 5; i++)
        pd_store_close(&q[i].s);
    save(dir, "parked-full-out-of-order");

    /* seven requests held at once, in a table of six requests and two requests' worth of
     * floats: held requests are dropped, the latest deadline first (the third's); then the
     * last four (whose identities the script still has) go on, the dropped ones refused */
    for (uint32_t i = 0; i < 7; i++) {
        mobile_open(&q[i], 1, 40 + i, 0);
        mobile_step(&q[i], i == 2 ? 5 * budget : budget, 3);
    }
    for (int i = 3; i < 7; i++)
        mobile_all(&q[i], budget);
    for (int i = 0; i < 7; i++)
        pd_store_close(&q[i].s);
    save(dir, "table-full-drops");

    /* reproducers: requests with hops near the exit's limit, which the edge once forwarded,
     * or answered, over the limit */
    for (uint16_t h = 5; h <= 7; h++) {
        mobile_open(&p, 0, 60 + h, (uint16_t)(h - 1));
        mobile_step(&p, budget, 3);
        pd_store_close(&p.s);
    }
    save(dir, "hops-near-limit");

    /* the cloud refuses: an ERROR for the first cloud request id (a reproducer: a newline
     * in its text went into the operator's note as it was) */
    mobile_open(&p, 1, 70, 0);
    mobile_step(&p, budget, 0);
    pd_store_close(&p.s);
    {
        const char text[] = "refused by\nthe fake cloud";
        uint8_t buf[PD_WIRE_HEADER_BYTES + sizeof text];
        pd_wire_msg e = {.kind = PD_WIRE_ERROR, .request_id = 1,
                         .model_hash = d_edge->model_hash, .plan_hash = d_edge->plan_hash,
                         .code = PD_WIRE_EBUSY, .text = text, .text_len = sizeof text - 1};
        rec(1, buf, pd_wire_encode(&e, buf));
    }
    save(dir, "cloud-refuses");

    /* straight to the cloud handler: what the edge sends it at exit 1's cuts 2 and 6 (the
     * second refused: the cloud holds nothing of that request), a cut it is not handed
     * at, and an echo; to the edge a later visit of a request it never saw, and an echo */
    pd_store full;
    full_store(&full, 1);
    pd_wire_msg m = message_at(&full, 1, 2, PD_TO_CLOUD, 80, budget);
    rec_msg(6, 0, &m);
    m = message_at(&full, 1, 6, PD_TO_CLOUD, 81, budget);
    rec_msg(6, 0, &m);
    m = message_at(&full, 1, 5, PD_TO_EDGE, 82, budget);
    rec_msg(6, 0, &m);
    m = message_at(&full, 1, 9, PD_TO_EDGE, 83, budget);
    rec_msg(0, 0, &m);
    m = message_at(&full, 1, 0, PD_TO_EDGE, 84, budget);
    m.kind = PD_WIRE_ECHO;
    rec_msg(6, 0, &m);
    m.request_id = 85;
    rec_msg(0, 0, &m);
    save(dir, "direct-to-cloud-and-echo");

    /* at a cut the mobile does not hand over at, with a spent budget, with a budget too
     * small to wait for the cloud, in two frames, and with several tensors that are not the
     * cut's */
    m = message_at(&full, 1, 3, PD_TO_EDGE, 90, budget);
    rec_msg(0, 0, &m);
    m = message_at(&full, 0, 1, PD_TO_EDGE, 91, 0);
    rec_msg(0, 0, &m);
    m = message_at(&full, 0, 1, PD_TO_EDGE, 92, 3000);
    rec_msg(0, 0, &m);
    m = message_at(&full, 0, 1, PD_TO_EDGE, 93, budget);
    rec_msg(0, 0x82, &m); /* 2 frames */
    m = message_at(&full, 1, 5, PD_TO_EDGE, 94, budget);
    pd_wire_msg other = message_at(&full, 1, 6, PD_TO_CLOUD, 94, budget);
    m.tensor[m.n_tensors++] = other.tensor[0];
    rec_msg(0, 0, &m);
    pd_store_close(&full);
    save(dir, "upstream-spent-short-wrong");

    printf("model_hash=\"");
    for (int i = 0; i < 8; i++)
        printf("\\x%02x", (unsigned)(d_edge->model_hash >> (8 * i)) & 0xff);
    printf("\"\nplan_hash=\"");
    for (int i = 0; i < 8; i++)
        printf("\\x%02x", (unsigned)(d_edge->plan_hash >> (8 * i)) & 0xff);
    printf("\"\n");
    return 0;
}
