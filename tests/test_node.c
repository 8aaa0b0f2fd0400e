/* The server against a misbehaving client: garbage, a bad magic, a truncated payload, two
 * frames, another model's hash: each refused with an ERROR reply, and the server goes on
 * to answer a good request correctly, and link probes (ECHO) as they came. */
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
#include "server_thread.h"
#include "predoff/node.h"
#include "predoff/rng.h"

/* Sends the frames and returns the decoded reply (its bytes kept in *keep). */
static pd_wire_msg ask(void *sock, const void *a, size_t na, const void *b, size_t nb,
                       zmq_msg_t *keep)
{
    if (b) {
        assert_true(zmq_send(sock, a, na, ZMQ_SNDMORE) >= 0);
        assert_true(zmq_send(sock, b, nb, 0) >= 0);
    } else {
        assert_true(zmq_send(sock, a, na, 0) >= 0);
    }
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&item, 1, 5000), 1);
    zmq_msg_init(keep);
    assert_true(zmq_msg_recv(keep, sock, 0) >= 0);
    pd_wire_msg m;
    assert_int_equal(pd_wire_decode(zmq_msg_data(keep), zmq_msg_size(keep), &m, NULL), PD_OK);
    return m;
}

static void expect_error(void *sock, const void *a, size_t na, const void *b, size_t nb,
                         const char *want)
{
    zmq_msg_t keep;
    pd_wire_msg m = ask(sock, a, na, b, nb, &keep);
    assert_int_equal(m.kind, PD_WIRE_ERROR);
    char text[PD_WIRE_MAX_TEXT + 1];
    snprintf(text, sizeof text, "%.*s", (int)m.text_len, m.text);
    if (!strstr(text, want))
        fail_msg("error \"%s\" lacks \"%s\"", text, want);
    zmq_msg_close(&keep);
}

static void test_bad_messages_then_a_good_one(void **state)
{
    (void)state;
    char plan[64];
    assert_int_equal(plan_file_all_on("b-lenet", "edge", plan, sizeof plan), 0);

    server_run run = {0};
    pd_deployment *mine;
    assert_int_equal(pd_deployment_open("b-lenet", NULL, 1, plan, 2, &run.d, NULL), PD_OK);
    assert_int_equal(pd_deployment_open("b-lenet", NULL, 1, plan, 2, &mine, NULL), PD_OK);
    run.o = (pd_server_options){.tier = PD_TIER_EDGE, .timeout_ms = 500};
    assert_int_equal(server_start(&run), 0);
    const char *endpoint = run.endpoint;

    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_connect(sock, endpoint), 0);

    uint8_t junk[10] = {1, 2, 3};
    expect_error(sock, junk, sizeof junk, NULL, 0, "shorter than");
    uint8_t buf[PD_WIRE_HEADER_BYTES + PD_WIRE_TENSOR_BYTES + 784 * 4];
    float x[784];
    pd_rng rng;
    pd_rng_seed(&rng, 3);
    for (int i = 0; i < 784; i++)
        x[i] = (float)pd_rng_uniform(&rng);
    pd_wire_msg m = {.kind = PD_WIRE_TENSOR, .request_id = 42, .model_hash = mine->model_hash,
                     .plan_hash = mine->plan_hash, .budget_us = 5000000, .hops = 1, .exit = 1,
                     .next = 0, .n_tensors = 1};
    m.tensor[0] = (pd_wire_tensor){.name = PD_WIRE_INPUT, .ndim = 3, .dims = {1, 28, 28},
                                   .count = 784, .data = x};
    size_t n = pd_wire_encode(&m, buf);
    buf[0] = 'X';
    expect_error(sock, buf, n, NULL, 0, "magic");
    buf[0] = 'P';
    expect_error(sock, buf, n - 5, NULL, 0, "payload");
    expect_error(sock, buf, n, buf, n, "one frame");
    pd_wire_msg other = m;
    other.model_hash ^= 1;
    n = pd_wire_encode(&other, buf);
    expect_error(sock, buf, n, NULL, 0, "differ");
    pd_wire_msg wrong_size = m;
    wrong_size.tensor[0].dims[1] = 27;
    wrong_size.tensor[0].count = 27 * 28;
    n = pd_wire_encode(&wrong_size, buf);
    expect_error(sock, buf, n, NULL, 0, "takes the network input of shape [1, 28, 28], the message holds [1, 27, 28]");

    pd_wire_msg no_exit = m;
    no_exit.exit = 0xFFFFFFFFu; /* a valid message naming an exit the model lacks */
    n = pd_wire_encode(&no_exit, buf);
    expect_error(sock, buf, n, NULL, 0, "no exit");

    /* and still serving: a good request gets the right answer */
    n = pd_wire_encode(&m, buf);
    zmq_msg_t keep;
    pd_wire_msg r = ask(sock, buf, n, NULL, 0, &keep);
    assert_int_equal(r.kind, PD_WIRE_RESULT);
    assert_int_equal(r.request_id, 42);
    size_t len, count;
    const float *want;
    pd_net_path(mine->net, 1, &len);
    assert_int_equal(pd_net_run(mine->net, 1, 0, len, x, 784, &want, &count, NULL, NULL), PD_OK);
    assert_int_equal(r.n_tensors, 1);
    assert_int_equal(r.tensor[0].name, (uint32_t)mine->g->exits[1] + 1);
    assert_int_equal(r.tensor[0].count, count);
    assert_memory_equal(r.tensor[0].data, want, count * sizeof *want);
    assert_true(r.compute_ms[PD_TIER_EDGE] > 0.0);
    zmq_msg_close(&keep);

    /* an ECHO comes back as it went, whatever the model; one larger than the server's
     * largest tensor (b-lenet: 5 x 30 x 30 = 4500 floats) is refused */
    pd_wire_msg echo = {.kind = PD_WIRE_ECHO, .request_id = 7, .n_tensors = 1};
    echo.tensor[0] = (pd_wire_tensor){.ndim = 1, .dims = {100}, .count = 100, .data = x};
    n = pd_wire_encode(&echo, buf);
    r = ask(sock, buf, n, NULL, 0, &keep);
    assert_int_equal(r.kind, PD_WIRE_ECHO);
    assert_int_equal(r.request_id, 7);
    assert_int_equal(r.tensor[0].count, 100);
    assert_memory_equal(r.tensor[0].data, x, 100 * sizeof *x);
    zmq_msg_close(&keep);
    uint8_t *big = calloc(1, PD_WIRE_HEADER_BYTES + PD_WIRE_TENSOR_BYTES + 4501 * sizeof(float));
    float *zeros = calloc(4501, sizeof *zeros);
    assert_non_null(big);
    assert_non_null(zeros);
    echo.tensor[0].dims[0] = 4501;
    echo.tensor[0].count = 4501;
    echo.tensor[0].data = zeros;
    n = pd_wire_encode(&echo, big);
    expect_error(sock, big, n, NULL, 0, "an echo of 4501 floats is over this server's 4500");
    free(big);
    free(zeros);

    zmq_close(sock);
    zmq_ctx_term(ctx);
    assert_int_equal(server_stop(&run), PD_OK);
    pd_deployment_free(run.d);
    pd_deployment_free(mine);
    unlink(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_messages_then_a_good_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
