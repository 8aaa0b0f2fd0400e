/* The link probe: the line through round trips gives back a known delay and rate; a real
 * probe through a server on loopback records every round trip; a silent endpoint is an
 * error naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plan_file.h"
#include "server_thread.h"
#include "predoff/node.h"
#include "predoff/measure.h"
#include "predoff/probe.h"

static void test_fit_recovers_a_known_link(void **state)
{
    (void)state;
    /* 0.4 ms per hop, 20 Mbit/s both ways: rtt = 0.8 + 2 x 8 B / 2e7 s */
    double bytes[5] = {4, 1024, 4096, 8192, 16384}, rtt[5];
    for (int i = 0; i < 5; i++)
        rtt[i] = 0.8 + 2.0 * 8.0 * bytes[i] / 2e7 * 1e3;
    pd_link_fit fit;
    assert_int_equal(pd_link_fit_means(bytes, rtt, 5, &fit, NULL), PD_OK);
    assert_true(fabs(fit.delay_ms - 0.4) < 1e-9);
    assert_true(fabs(fit.rate_bps - 2e7) / 2e7 < 1e-9);
    assert_true(fabs(fit.r2 - 1.0) < 1e-12);
}

static void test_fit_without_a_rising_line(void **state)
{
    (void)state;
    double bytes[3] = {4, 1024, 4096}, flat[3] = {1.0, 1.0, 0.9};
    pd_link_fit fit;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_link_fit_means(bytes, flat, 1, &fit, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "2 to"));
    double same[3] = {4, 4, 4};
    pd_error_clear(&err);
    assert_int_equal(pd_link_fit_means(same, flat, 3, &fit, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "all alike"));
    /* round trips that do not grow: only the fixed part is measured */
    assert_int_equal(pd_link_fit_means(bytes, flat, 3, &fit, NULL), PD_OK);
    assert_true(isinf(fit.rate_bps));
    assert_true(fabs(fit.delay_ms - (1.0 + 1.0 + 0.9) / 3.0 / 2.0) < 1e-12);
}

static void test_probe_through_a_server(void **state)
{
    (void)state;
    char plan[64];
    assert_int_equal(plan_file_all_on("b-lenet", "edge", plan, sizeof plan), 0);
    server_run run = {0};
    assert_int_equal(pd_deployment_open("b-lenet", NULL, 1, plan, 2, &run.d, NULL), PD_OK);
    const size_t sizes[3] = {1, 512, 4500}, repeat = 10, warmup = 2;
    /* stopped when the probe is done, not by a count: a server that stops at once may not
     * get its last reply out */
    run.o = (pd_server_options){.tier = PD_TIER_EDGE, .timeout_ms = 500};
    assert_int_equal(server_start(&run), 0);
    double rtt[30];
    memset(rtt, 0, sizeof rtt);
    pd_probe_options o = {run.endpoint, NULL, NULL, sizes, 3, repeat, warmup, 5000};
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_probe_run(&o, rtt, &err);
    if (st)
        fail_msg("probe: %s", err.msg);
    assert_int_equal(server_stop(&run), PD_OK);
    for (int i = 0; i < 30; i++)
        assert_true(rtt[i] > 0.0 && rtt[i] < 5000.0);
    pd_deployment_free(run.d);
    unlink(plan);
}

static void test_probe_of_nobody(void **state)
{
    (void)state;
    const size_t sizes[2] = {1, 16};
    double rtt[2];
    pd_probe_options o = {"tcp://127.0.0.1:9", NULL, NULL, sizes, 2, 1, 0, 200};
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_probe_run(&o, rtt, &err), PD_EIO);
    assert_non_null(strstr(err.msg, "tcp://127.0.0.1:9: no answer"));
    const size_t zero[2] = {0, 16};
    o.floats = zero;
    pd_error_clear(&err);
    assert_int_equal(pd_probe_run(&o, rtt, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "probe size 0 floats"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_recovers_a_known_link),
        cmocka_unit_test(test_fit_without_a_rising_line),
        cmocka_unit_test(test_probe_through_a_server),
        cmocka_unit_test(test_probe_of_nobody),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
