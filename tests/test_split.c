/* The split runtime against peers that lie: tensors of the wrong size on every path of the
 * edge and the cloud, a rogue server answering the mobile, tiers whose placements differ,
 * a request that went round too often, a cloud that stalls or is gone, client keys that
 * are not listed or are removed. After each attack the servers still answer a legitimate
 * request, and every answer equals the mobile's own run bit for bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "plan_file.h"
#include "raw_dealer.h"
#include "server_thread.h"
#include "predoff/node.h"
#include "predoff/rng.h"

enum { IN = 784 }; /* b-lenet's input, 1 x 28 x 28 */
#define MODEL "b-lenet"
/* fc5's path: conv1 pool1 relu1 conv2 pool2 relu2 conv3 pool3 relu3 fc4 fc5 */
#define TAIL_ON_CLOUD "conv3=cloud,pool3=cloud,relu3=cloud,fc4=cloud,fc5=cloud"

static float input[IN];

static void make_input(void)
{
    pd_rng rng;
    pd_rng_seed(&rng, 3);
    for (int i = 0; i < IN; i++)
        input[i] = (float)pd_rng_uniform(&rng);
}

static pd_deployment *open_plan(const char *plan)
{
    pd_deployment *d;
    assert_int_equal(pd_deployment_open(MODEL, NULL, 1, plan, 2, &d, NULL), PD_OK);
    return d;
}

/* One request from a mobile holding d, to `exit`; checks the answer against d's own run
 * and returns the result (fell_back and the times tell who ran what). */
static pd_infer_result infer_checked(pd_client *c, pd_deployment *d, uint32_t exit, uint64_t id)
{
    pd_infer_result r;
    pd_error err;
    pd_error_clear(&err);
    if (pd_infer(c, d, input, IN, exit, id, &r, &err))
        fail_msg("infer: %s", err.msg);
    float got[64];
    assert_true(r.count <= 64);
    memcpy(got, r.logits, r.count * sizeof *got);
    size_t len, count;
    const float *want;
    pd_net_path(d->net, exit, &len);
    assert_int_equal(pd_net_run(d->net, exit, 0, len, input, IN, &want, &count, NULL, NULL), PD_OK);
    assert_int_equal(r.count, count);
    assert_memory_equal(got, want, count * sizeof *want);
    return r;
}

static pd_client *client_for(pd_deployment *d, const char *endpoint, double timeout_ms)
{
    pd_client *c;
    pd_error err;
    pd_error_clear(&err);
    if (pd_client_new(d, endpoint, timeout_ms, NULL, NULL, &c, &err))
        fail_msg("client: %s", err.msg);
    return c;
}

/* Sends m and expects an ERROR with that code whose text holds `want`. */
static void expect_refusal(raw *r, const pd_wire_msg *m, pd_wire_code code, const char *want)
{
    uint8_t *buf = malloc(pd_wire_size(m));
    assert_non_null(buf);
    size_t n = pd_wire_encode(m, buf);
    assert_true(zmq_send(r->sock, buf, n, 0) >= 0);
    free(buf);
    zmq_pollitem_t item = {r->sock, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, 10000), 1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    assert_true(zmq_msg_recv(&msg, r->sock, 0) >= 0);
    pd_wire_msg e;
    assert_int_equal(pd_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &e, NULL), PD_OK);
    assert_int_equal(e.kind, PD_WIRE_ERROR);
    assert_int_equal(e.request_id, m->request_id);
    char text[PD_WIRE_MAX_TEXT + 1];
    snprintf(text, sizeof text, "%.*s", (int)e.text_len, e.text);
    if (e.code != code || !strstr(text, want))
        fail_msg("error %d \"%s\", wanted %d with \"%s\"", e.code, text, code, want);
    zmq_msg_close(&msg);
}

/* A TENSOR for exit 1 at position `next`: the tensor entering it on b-lenet's chain (the
 * input, or the output of the layer before), as `count` floats at data shaped [count]. */
static pd_wire_msg tensor_at(const pd_deployment *d, uint32_t next, size_t count, float *data)
{
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = 100 + next,
                     .model_hash = d->model_hash, .plan_hash = d->plan_hash,
                     .budget_us = 5000000, .hops = 1, .exit = 1, .next = next, .n_tensors = 1};
    uint32_t name = next ? (uint32_t)d->exits[1].list[next - 1] + 1 : PD_WIRE_INPUT;
    m.tensor[0] = (pd_wire_tensor){.name = name, .ndim = 1, .dims = {(uint32_t)count},
                                   .count = count, .data = data};
    return m;
}

/* Edge and cloud; tensors of the wrong size where the edge runs, forwards to the cloud and
 * replies upstream, and at the cloud: each an ERROR, never a copy; then good requests. */
static void test_wrong_sizes_on_every_path(void **state)
{
    (void)state;
    char plan[64];
    /* conv1 on the mobile (the edge replies upstream), pool1..relu2 on the edge, the rest on
     * the cloud (the edge forwards) */
    assert_int_equal(plan_file_spec(MODEL, "edge", "conv1=mobile,b1_pool1=mobile," TAIL_ON_CLOUD,
                                    plan, sizeof plan), 0);
    pd_deployment *mine = open_plan(plan);
    server_run cloud = {.d = open_plan(plan), .o = {.tier = PD_TIER_CLOUD}};
    assert_int_equal(server_start(&cloud), 0);
    server_run edge = {.d = open_plan(plan), .o = {.tier = PD_TIER_EDGE, .cloud = cloud.endpoint}};
    assert_int_equal(server_start(&edge), 0);

    /* the largest tensor a server takes whole (conv1's output, 4500 floats): its size is
     * within every buffer, so only the checks against the model stop it */
    size_t big = mine->max_floats;
    float *zeros = calloc(big, sizeof *zeros);
    assert_non_null(zeros);
    raw r = raw_open(edge.endpoint);
    /* position 0 is conv1, on the mobile: no tensor goes to the edge there */
    pd_wire_msg m = tensor_at(mine, 0, big, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "the plan does not hand exit 1 from the mobile to "
                   "the edge at position 0: layer \"conv1\" there runs on the mobile");
    /* position 1 is pool1, on the edge */
    m = tensor_at(mine, 1, big - 1, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "position 1 of exit 1 takes layer \"conv1\"'s output of shape [5, 30, 30], the message holds [4499]");
    /* position 6 is conv3, on the cloud: the edge would forward it (and positions between
     * hand-overs take nothing from the mobile) */
    m = tensor_at(mine, 6, big, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "the plan does not hand exit 1 from the mobile to the edge at position 6");
    m = tensor_at(mine, 2, big, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "the plan does not hand exit 1 from the mobile to the edge at position 2: layer \"relu1\" there runs on the edge, after the edge's layer");
    /* a RESULT is not a request */
    m = tensor_at(mine, 11, 10, zeros);
    m.kind = PD_WIRE_RESULT;
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "expected a tensor to run");
    raw_close(&r);
    /* and the cloud itself, where the edge hands it the request (position 6, conv3) */
    r = raw_open(cloud.endpoint);
    m = tensor_at(mine, 6, big, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "takes layer \"relu2\"'s output of shape [10, 9, 9], the message holds [4500]");
    /* the right count in the wrong shape is refused too */
    m = tensor_at(mine, 6, 810, zeros);
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "the message holds [810]");
    m = tensor_at(mine, 6, 810, zeros);
    m.tensor[0].dims[0] = 10; m.tensor[0].dims[1] = 81; m.tensor[0].ndim = 2;
    expect_refusal(&r, &m, PD_WIRE_EREQUEST, "takes layer \"relu2\"'s output of shape [10, 9, 9], the message holds [10, 81]");
    raw_close(&r);
    free(zeros);

    /* still serving, through both tiers */
    pd_client *c = client_for(mine, edge.endpoint, 5000);
    for (uint64_t i = 1; i <= 4; i++) {
        pd_infer_result res = infer_checked(c, mine, 1, i);
        assert_false(res.fell_back);
        assert_true(res.compute_ms[PD_TIER_CLOUD] > 0 && res.compute_ms[PD_TIER_EDGE] > 0);
        assert_true(res.compute_ms[PD_TIER_MOBILE] > 0);
    }
    pd_client_free(c);
    assert_int_equal(server_stop(&edge), PD_OK);
    assert_int_equal(server_stop(&cloud), PD_OK);
    pd_deployment_free(edge.d);
    pd_deployment_free(cloud.d);
    pd_deployment_free(mine);
    unlink(plan);
}

/* Counts what arrives on a ROUTER and never answers: a cloud that hangs. */
static size_t drain(void *sock)
{
    size_t n = 0;
    zmq_msg_t m;
    zmq_msg_init(&m);
    while (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) >= 0)
        n += !zmq_msg_more(&m);
    zmq_msg_close(&m);
    return n;
}

/* A cloud that takes requests and never answers: the first request is answered by the edge
 * within the client's budget; then the breaker keeps the cloud out (requests run on the
 * edge at once) until a probe goes to the cloud again, which fails the same way. */
static void test_hung_cloud_and_the_breaker(void **state)
{
    (void)state;
    char plan[64];
    assert_int_equal(plan_file_spec(MODEL, "edge", TAIL_ON_CLOUD, plan, sizeof plan), 0);
    pd_deployment *mine = open_plan(plan);
    void *ctx = zmq_ctx_new();
    void *hung = zmq_socket(ctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(hung, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(hung, "tcp://127.0.0.1:*"), 0);
    char cloud_ep[256];
    size_t ep_len = sizeof cloud_ep;
    zmq_getsockopt(hung, ZMQ_LAST_ENDPOINT, cloud_ep, &ep_len);
    server_run edge = {.d = open_plan(plan),
                       .o = {.tier = PD_TIER_EDGE, .cloud = cloud_ep, .breaker_ms = 50}};
    assert_int_equal(server_start(&edge), 0);
    /* a budget whose last tenth, what the edge leaves for its answer to reach the client
     * after it gives up on the cloud, outlasts a loaded host's delays (400 ms left 40: once
     * 410 ms under ctest -j) */
    pd_client *c = client_for(mine, edge.endpoint, 1500);
    /* requests until one goes to the cloud (the edge connects to it on its own time; until
     * then it runs the cloud's layers itself): that one waits for the cloud (until 0.9 x
     * 1500 ms less the edge's own time), then the edge answers it, not the mobile */
    pd_infer_result r;
    size_t to_cloud = 0;
    uint64_t id = 1;
    for (; id < 2000 && to_cloud == 0; id++) {
        r = infer_checked(c, mine, 1, id);
        if (r.fell_back)
            fail_msg("the mobile finished request %llu: %s (%.1f ms)", (unsigned long long)id,
                     r.fallback_reason, r.total_ms);
        assert_true(r.compute_ms[PD_TIER_EDGE] > 0 && r.compute_ms[PD_TIER_CLOUD] == 0);
        to_cloud = drain(hung);
    }
    assert_int_equal(to_cloud, 1);
    assert_true(r.total_ms > 100); /* it did wait for the cloud */
    /* the breaker is open: answered at once by the edge, nothing sent to the cloud; after
     * 50 ms one probe goes, found hanging too (at most 2000 requests) */
    size_t fast = 0;
    for (uint64_t first = id; id < first + 2000 && to_cloud < 2; id++) {
        r = infer_checked(c, mine, 1, id);
        if (r.fell_back)
            fail_msg("request %llu finished on the mobile: %s (%.1f ms)", (unsigned long long)id,
                     r.fallback_reason, r.total_ms);
        assert_true(r.compute_ms[PD_TIER_CLOUD] == 0);
        fast += r.total_ms < 100;
        to_cloud += drain(hung);
    }
    assert_int_equal(to_cloud, 2);
    assert_true(fast >= 1);
    unsigned notes = server_wait_note(&edge, 0);
    assert_true(notes >= 1);
    assert_non_null(strstr(edge.last_note, "the cloud did not answer within"));
    pd_client_free(c);
    assert_int_equal(server_stop(&edge), PD_OK);
    zmq_close(hung);
    zmq_ctx_term(ctx);
    pd_deployment_free(edge.d);
    pd_deployment_free(mine);
    unlink(plan);
}

/* The mobile and the edge hold different placements: the edge refuses, naming both plan
 * hashes, and the mobile finishes the request itself, correctly. A request that went round
 * too often is refused too. */
static void test_plans_differ_and_hops(void **state)
{
    (void)state;
    char plan_a[64], plan_b[64];
    assert_int_equal(plan_file_spec(MODEL, "edge", NULL, plan_a, sizeof plan_a), 0);
    assert_int_equal(plan_file_spec(MODEL, "edge", "fc5=mobile", plan_b, sizeof plan_b), 0);
    pd_deployment *mine = open_plan(plan_b);
    server_run edge = {.d = open_plan(plan_a), .o = {.tier = PD_TIER_EDGE}};
    assert_int_equal(server_start(&edge), 0);
    pd_client *c = client_for(mine, edge.endpoint, 5000);
    pd_infer_result r = infer_checked(c, mine, 1, 1);
    assert_true(r.fell_back);
    assert_non_null(strstr(r.fallback_reason, "the placement differs between tiers"));
    assert_true(r.compute_ms[PD_TIER_EDGE] == 0);
    pd_client_free(c);
    pd_deployment *same = open_plan(plan_a);
    raw w = raw_open(edge.endpoint);
    float x[IN] = {0};
    pd_wire_msg m = tensor_at(same, 0, IN, x);
    m.tensor[0].ndim = 3;
    m.tensor[0].dims[0] = 1;
    m.tensor[0].dims[1] = 28;
    m.tensor[0].dims[2] = 28;
    m.hops = 8;
    expect_refusal(&w, &m, PD_WIRE_EHOPS, "the request has made 8 hops, over the 7 its exit needs");
    m.hops = 1;
    m.budget_us = 0;
    expect_refusal(&w, &m, PD_WIRE_EDEADLINE, "time budget is spent");
    raw_close(&w);
    assert_int_equal(server_stop(&edge), PD_OK);
    pd_deployment_free(edge.d);
    pd_deployment_free(same);
    pd_deployment_free(mine);
    unlink(plan_a);
    unlink(plan_b);
}

/* A rogue server: answers each request with what `lie` makes of it. */
typedef struct rogue {
    void *sock;
    int lie;      /* 0: a RESULT of 10^6 floats; 1: a RESULT of the wrong shape; 2: a TENSOR
                   * that goes backwards; 3: another request id, then nothing */
    int answered;
} rogue;

static uint32_t fc5_name; /* the name of fc5's output in messages */

static void *rogue_thread(void *arg)
{
    rogue *r = arg;
    zmq_pollitem_t item = {r->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 10000) != 1)
        return NULL;
    zmq_msg_t id, msg;
    zmq_msg_init(&id);
    zmq_msg_init(&msg);
    zmq_msg_recv(&id, r->sock, 0);
    zmq_msg_recv(&msg, r->sock, 0);
    pd_wire_msg m;
    if (pd_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m, NULL) == PD_OK) {
        size_t n = r->lie == 0 ? 1000000 : 5;
        float *junk = calloc(n, sizeof *junk);
        pd_wire_msg a = m;
        a.kind = r->lie == 2 ? PD_WIRE_TENSOR : PD_WIRE_RESULT;
        a.next = r->lie == 2 ? 0 : 11;
        a.n_tensors = 1;
        a.tensor[0] = (pd_wire_tensor){.name = fc5_name, .ndim = 1, .dims = {(uint32_t)n},
                                       .count = n, .data = junk};
        a.hops = 2;
        a.budget_us = 0;
        if (r->lie == 2) { /* a well-shaped input tensor, at position 0 again */
            free(junk);
            junk = calloc(IN, sizeof *junk);
            a.tensor[0] = (pd_wire_tensor){.name = PD_WIRE_INPUT, .ndim = 3, .dims = {1, 28, 28},
                                           .count = IN, .data = junk};
        }
        if (r->lie == 3)
            a.request_id ^= 1;
        uint8_t *buf = malloc(pd_wire_size(&a));
        size_t len = pd_wire_encode(&a, buf);
        zmq_send(r->sock, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE);
        zmq_send(r->sock, buf, len, 0);
        r->answered = 1;
        free(buf);
        free(junk);
    }
    zmq_msg_close(&id);
    zmq_msg_close(&msg);
    return NULL;
}

/* A rogue or restarted server answers the mobile with 10^6 floats, a result of the wrong
 * shape, a tensor that goes backwards, or another request's id: each time the mobile
 * finishes the request itself, correctly, never copying what it was sent. */
static void test_rogue_server(void **state)
{
    (void)state;
    char plan[64];
    assert_int_equal(plan_file_all_on(MODEL, "edge", plan, sizeof plan), 0);
    pd_deployment *mine = open_plan(plan);
    fc5_name = (uint32_t)pd_graph_find(mine->g, "fc5") + 1;
    const char *why[4] = {"no answer within",
                          "takes layer \"fc5\"'s output of shape [10], the message holds [5]",
                          "the plan does not hand exit 1 from the edge to the mobile at position 0",
                          "no answer within"};
    for (int lie = 0; lie < 4; lie++) {
        void *ctx = zmq_ctx_new();
        rogue r = {zmq_socket(ctx, ZMQ_ROUTER), lie, 0};
        int linger = 0;
        zmq_setsockopt(r.sock, ZMQ_LINGER, &linger, sizeof linger);
        assert_int_equal(zmq_bind(r.sock, "tcp://127.0.0.1:*"), 0);
        char ep[256];
        size_t ep_len = sizeof ep;
        zmq_getsockopt(r.sock, ZMQ_LAST_ENDPOINT, ep, &ep_len);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, rogue_thread, &r), 0);
        pd_client *c = client_for(mine, ep, 1000);
        pd_infer_result res = infer_checked(c, mine, 1, 77);
        pthread_join(th, NULL);
        assert_true(r.answered);
        assert_true(res.fell_back);
        if (!strstr(res.fallback_reason, why[lie]))
            fail_msg("lie %d: \"%s\" lacks \"%s\"", lie, res.fallback_reason, why[lie]);
        pd_client_free(c);
        zmq_close(r.sock);
        zmq_ctx_term(ctx);
    }
    pd_deployment_free(mine);
    unlink(plan);
}

/* Junk does not count toward --max-requests: after 10 refused messages, a server that stops
 * after 3 answers still answers 3 requests, then stops by itself. */
static void test_junk_is_not_a_request(void **state)
{
    (void)state;
    char plan[64];
    assert_int_equal(plan_file_all_on(MODEL, "edge", plan, sizeof plan), 0);
    pd_deployment *mine = open_plan(plan);
    server_run edge = {.d = open_plan(plan), .o = {.tier = PD_TIER_EDGE, .max_requests = 3}};
    assert_int_equal(server_start(&edge), 0);
    raw w = raw_open(edge.endpoint);
    float x[IN] = {0};
    for (int i = 0; i < 10; i++) {
        pd_wire_msg m = tensor_at(mine, 0, 10, x); /* the wrong shape */
        expect_refusal(&w, &m, PD_WIRE_EREQUEST, "takes the network input of shape [1, 28, 28]");
    }
    raw_close(&w);
    pd_client *c = client_for(mine, edge.endpoint, 5000);
    for (uint64_t i = 1; i <= 3; i++) {
        pd_infer_result r = infer_checked(c, mine, 1, i);
        if (r.fell_back)
            fail_msg("request %llu finished on the mobile: %s", (unsigned long long)i,
                     r.fallback_reason);
    }
    pd_client_free(c);
    pthread_join(edge.thread, NULL); /* it stopped by itself, after the third */
    assert_int_equal(edge.st, PD_OK);
    pd_deployment_free(edge.d);
    pd_deployment_free(mine);
    unlink(plan);
}

int main(void)
{
    make_input();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_sizes_on_every_path),
        cmocka_unit_test(test_hung_cloud_and_the_breaker),
        cmocka_unit_test(test_plans_differ_and_hops),
        cmocka_unit_test(test_rogue_server),
        cmocka_unit_test(test_junk_is_not_a_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
