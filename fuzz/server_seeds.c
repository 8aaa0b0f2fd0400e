/* Writes the seeds of fuzz_server (fuzz/corpus/server/) and prints the hashes for
 * fuzz/server.dict. Not a harness (fuzz/CMakeLists.txt builds fuzz_*.c only); it borrows
 * the harness's set-up and is built by hand against the fuzz build's library:
 *
 *   clang -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer-no-link,address,undefined \
 *       -Iinclude -Isrc fuzz/server_seeds.c build-fuzz/libpredoff.a -lzmq -lcjson -lz \
 *       -lopenblas -lm -o build-fuzz/server_seeds
 *   build-fuzz/server_seeds fuzz/corpus/server
 *
 * (fuzzer-no-link: it has its own main(), not libFuzzer's). */
#include "fuzz_server.c"

int main(int argc, char **argv);

static uint8_t script[65536];
static size_t script_len;

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

static uint8_t next_flags; /* the next client message's flags byte */
static uint16_t next_hops = 1; /* and its hops */

static void rec_byte(uint8_t op, uint8_t b)
{
    rec(op, &b, 1);
}

static void rec_u32(uint8_t op, uint32_t v)
{
    rec(op, &v, 4);
}

/* A client message [flags] + a TENSOR entering position pos of exit, or an ECHO. */
static void rec_tensor(uint8_t op, pd_wire_kind kind, uint32_t exit, uint32_t pos,
                       uint64_t rid, uint32_t budget_us)
{
    static float data[1 << 14];
    static uint8_t buf[1 + PD_WIRE_HEADER_BYTES + sizeof data];
    pd_wire_msg m = {.kind = kind, .request_id = rid, .model_hash = d_edge->model_hash,
                     .plan_hash = d_edge->plan_hash, .budget_us = budget_us, .hops = next_hops,
                     .exit = exit, .next = pos};
    m.ndim = pd_deployment_shape_at(d_edge, exit, pos, m.dims);
    m.count = 1;
    for (uint32_t i = 0; i < m.ndim; i++)
        m.count *= m.dims[i];
    if (!m.ndim || m.count > sizeof data / sizeof data[0])
        abort();
    for (size_t i = 0; i < m.count; i++)
        data[i] = (float)((i * 7919) % 101) / 100.0f;
    m.data = data;
    buf[0] = next_flags; /* 0: one frame, a 4-byte identity */
    next_flags = 0;
    next_hops = 1;
    size_t n = pd_wire_encode(&m, buf + 1);
    rec(op, buf, n + 1);
}

static void print_stats(const pd_handler *edge, const pd_handler *cloud)
{
    const pd_handler_stats *e = pd_handler_stats_of(edge), *c = pd_handler_stats_of(cloud);
    printf("  edge: answered %llu, refused %llu, forwarded %llu, cloud failures %llu, ran for "
           "the cloud %llu, pending %zu; cloud: answered %llu, refused %llu\n",
           (unsigned long long)e->answered, (unsigned long long)e->refused,
           (unsigned long long)e->forwarded, (unsigned long long)e->cloud_failures,
           (unsigned long long)e->ran_for_cloud, pd_handler_pending(edge),
           (unsigned long long)c->answered, (unsigned long long)c->refused);
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
    LLVMFuzzerTestOneInput(script, script_len);
    script_len = 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    LLVMFuzzerInitialize(&argc, &argv);
    at_end = print_stats;
    const uint32_t budget = 200000; /* 200 ms */

    /* exit 0: the edge runs b1_pool1 and b1_relu1, the cloud b1_conv and b1_pool2, the edge
     * b1_relu2 and answers a tensor for b1_fc (mobile) */
    rec_tensor(0, PD_WIRE_TENSOR, 0, 1, 11, budget);
    rec_byte(2, 0);
    save(dir, "exit0-through-cloud");

    /* exit 1: edge, cloud, edge, cloud again, then a RESULT through the edge */
    rec_tensor(0, PD_WIRE_TENSOR, 1, 1, 12, budget);
    rec_byte(2, 0);
    rec_byte(2, 0);
    save(dir, "exit1-twice-through-cloud");

    /* the cloud does not answer in time: the edge finishes; the breaker is open, so the
     * next request runs on the edge; after the breaker's time a probe goes to the cloud
     * and its answer closes the breaker */
    rec_tensor(0, PD_WIRE_TENSOR, 0, 2, 13, budget);
    rec_u32(3, 200000);
    rec_tensor(0, PD_WIRE_TENSOR, 0, 2, 14, budget);
    rec_u32(3, 600000);
    rec_tensor(0, PD_WIRE_TENSOR, 1, 2, 15, budget);
    rec_byte(2, 0);
    save(dir, "timeout-breaker-probe");

    /* the cloud not connected, then a send that fails, then both fine */
    rec_byte(4, 0);
    rec_tensor(0, PD_WIRE_TENSOR, 0, 3, 16, budget);
    rec_byte(4, 1);
    rec_u32(7, 1000000);
    rec_byte(5, 1);
    rec_tensor(0, PD_WIRE_TENSOR, 1, 6, 17, budget);
    rec_byte(5, 0);
    rec_u32(7, 2000000);
    rec_tensor(0, PD_WIRE_TENSOR, 1, 6, 18, budget);
    rec_byte(2, 0);
    save(dir, "not-ready-send-fails");

    /* five requests for four slots, answered out of order, one twice, one sent back
     * unanswered (a bad answer) */
    for (uint32_t i = 0; i < 5; i++)
        rec_tensor(0, PD_WIRE_TENSOR, i & 1, 2, 20 + i, budget);
    rec_byte(2, 2);
    rec_byte(2, 0x08);
    rec_byte(2, 0x10 | 1);
    rec_u32(3, 100000);
    save(dir, "slots-full-out-of-order");

    /* reproducers: requests with hops near the exit's limit (7 for both exits of this plan),
     * which the edge forwarded, or answered, over the limit, so that the cloud refused them
     * (the breaker opened) or the mobile would have */
    next_hops = 7;
    rec_tensor(0, PD_WIRE_TENSOR, 0, 1, 60, budget);
    rec_byte(2, 0);
    next_hops = 6;
    rec_tensor(0, PD_WIRE_TENSOR, 0, 1, 61, budget);
    rec_byte(2, 0);
    next_hops = 5;
    rec_tensor(0, PD_WIRE_TENSOR, 0, 1, 62, budget);
    rec_byte(2, 0);
    save(dir, "hops-near-limit");

    /* the cloud refuses: an ERROR for the first cloud request id (a reproducer: a newline
     * in its text went into the operator's note as it was) */
    rec_tensor(0, PD_WIRE_TENSOR, 1, 2, 30, budget);
    {
        const char text[] = "refused by\nthe fake cloud";
        uint8_t buf[PD_WIRE_HEADER_BYTES + sizeof text];
        pd_wire_msg e = {.kind = PD_WIRE_ERROR, .request_id = 1,
                         .model_hash = d_edge->model_hash, .plan_hash = d_edge->plan_hash,
                         .code = PD_WIRE_EBUSY, .text = text, .text_len = sizeof text - 1};
        rec(1, buf, pd_wire_encode(&e, buf));
    }
    save(dir, "cloud-refuses");

    /* straight to the cloud handler: a tensor for conv3, and one at an edge layer; an echo
     * to both */
    rec_tensor(6, PD_WIRE_TENSOR, 1, 6, 40, budget);
    rec_tensor(6, PD_WIRE_TENSOR, 0, 5, 41, budget);
    rec_tensor(6, PD_WIRE_ECHO, 1, 0, 42, budget);
    rec_tensor(0, PD_WIRE_ECHO, 1, 0, 43, budget);
    save(dir, "direct-to-cloud-and-echo");

    /* a request whose next layer is the mobile's, one with a spent budget, one with a
     * budget too small to wait for the cloud, one in two frames */
    rec_tensor(0, PD_WIRE_TENSOR, 0, 6, 50, budget);
    rec_tensor(0, PD_WIRE_TENSOR, 0, 2, 51, 0);
    rec_tensor(0, PD_WIRE_TENSOR, 0, 2, 52, 3000);
    rec_tensor(0, PD_WIRE_TENSOR, 1, 0, 54, budget);
    next_flags = 0x82; /* 2 frames */
    rec_tensor(0, PD_WIRE_TENSOR, 1, 4, 53, budget);
    save(dir, "upstream-spent-short");

    printf("model_hash=\"");
    for (int i = 0; i < 8; i++)
        printf("\\x%02x", (unsigned)(d_edge->model_hash >> (8 * i)) & 0xff);
    printf("\"\nplan_hash=\"");
    for (int i = 0; i < 8; i++)
        printf("\\x%02x", (unsigned)(d_edge->plan_hash >> (8 * i)) & 0xff);
    printf("\"\n");
    return 0;
}
