/* Scenarios: rates, Shannon-Hartley, the accuracy-requirement distributions, the
 * paper's defaults and the range checks (cost-model.md, formats.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json_util.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"

#define NEAR_TOL(a, b, tol) near_((double)(a), (double)(b), (tol), #a, __LINE__)
#define NEAR(a, b) NEAR_TOL(a, b, 1e-12)

static void near_(double got, double want, double tol, const char *what, int line)
{
    if (!(fabs(got - want) <= tol * (1.0 + fabs(want))))
        fail_msg("line %d: %s = %.17g, want %.17g", line, what, got, want);
}

static void has(const char *msg, const char *want)
{
    if (!strstr(msg, want))
        fail_msg("message lacks <%s>: %s", want, msg);
}

/* ---- rates ---- */

static double rate_ok(const char *text)
{
    double bps = -1.0;
    pd_error err;
    pd_error_clear(&err);
    if (pd_rate_parse(text, &bps, &err) != PD_OK)
        fail_msg("rate \"%s\" rejected: %s", text, err.msg);
    return bps;
}

static void rate_bad(const char *text, const char *want)
{
    double bps = -1.0;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_rate_parse(text, &bps, &err);
    if (st != PD_EINPUT)
        fail_msg("rate \"%s\": status %d (bps %g), want PD_EINPUT", text, (int)st, bps);
    assert_int_equal(err.status, PD_EINPUT);
    has(err.msg, text); /* the message quotes what the user wrote */
    if (want)
        has(err.msg, want);
}

static void test_rate_parse(void **state)
{
    (void)state;
    NEAR(rate_ok("74Mbps"), 74e6);
    NEAR(rate_ok("74 Mbps"), 74e6);
    NEAR(rate_ok("1.5kbps"), 1500.0);   /* powers of 1000, not 1024 */
    NEAR(rate_ok("2Gbps"), 2e9);
    NEAR(rate_ok("300bps"), 300.0);
    NEAR(rate_ok("1bps"), 1.0);         /* the lowest rate taken (PD_MIN_RATE_BPS) */
    NEAR(rate_ok("1e3Mbps"), 1e9);

    rate_bad("74", "unit");           /* no unit */
    rate_bad("74 ", "unit");
    rate_bad("74Mb", "unit");         /* unknown units */
    rate_bad("74mbps", "unit");
    rate_bad("74MBps", "unit");
    rate_bad("74Mbit/s", "unit");
    rate_bad("74Mbps ", "unit");      /* trailing junk */
    rate_bad("74Mbpsx", "unit");
    rate_bad("-5Mbps", "positive");   /* negative */
    rate_bad("0Mbps", "positive");    /* zero */
    rate_bad("-0bps", "positive");
    rate_bad("0.5bps", "below 1bps"); /* near 0: transfer times that mean nothing, or inf */
    rate_bad("1e-300Mbps", "\"1e-300Mbps\" is below 1bps");
    rate_bad("NaNMbps", NULL);        /* not a number */
    rate_bad("nan Mbps", NULL);
    rate_bad("inf", NULL);            /* infinite */
    rate_bad("infGbps", NULL);
    rate_bad("1e999Mbps", NULL);      /* overflows to infinity */
    rate_bad("1e300Gbps", NULL);      /* finite number, infinite rate: 1e300 * 1e9 */
    rate_bad("", NULL);
    rate_bad("Mbps", NULL);
    rate_bad("fast", NULL);
}

static void test_shannon(void **state)
{
    (void)state;
    /* 20 MHz at 30 dB: SNR 10^3, 20e6 * log2(1001) = 20e6 * 9.967226... = 199.34e6 */
    double c = pd_shannon_bps(20e6, 30.0);
    NEAR(c, 20e6 * log2(1001.0));
    assert_true(c > 199.34e6 && c < 199.35e6);
    /* 0 dB: SNR 1, W * log2(2) = W */
    NEAR(pd_shannon_bps(1e6, 0.0), 1e6);
    /* 10 dB: SNR 10, W * log2(11) */
    NEAR(pd_shannon_bps(5e6, 10.0), 5e6 * log2(11.0));
}

/* ---- distributions ---- */

static void dist_ok(const char *spec, pd_distribution *d)
{
    pd_error err;
    pd_error_clear(&err);
    if (pd_distribution_parse(spec, d, &err) != PD_OK)
        fail_msg("\"%s\" rejected: %s", spec, err.msg);
}

/* Fails with PD_EINPUT; the message holds `want` (and the spec when quote is set). */
static void dist_bad(const char *spec, bool quote, const char *want)
{
    pd_distribution d;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_distribution_parse(spec, &d, &err);
    if (st != PD_EINPUT)
        fail_msg("\"%s\": status %d, want PD_EINPUT", spec, (int)st);
    assert_int_equal(err.status, PD_EINPUT);
    assert_null(d.samples);
    if (quote)
        has(err.msg, spec);
    if (want)
        has(err.msg, want);
}

static void test_normal(void **state)
{
    (void)state;
    pd_distribution d;
    dist_ok("normal:0.625,0.053", &d);
    assert_int_equal(d.kind, PD_DIST_NORMAL);
    NEAR(d.a, 0.625);
    NEAR(d.b, 0.053);
    assert_string_equal(d.spec, "normal:0.625,0.053");
    /* Phi(0) = 0.5; Phi(1) = 0.8413447460685429; Phi(-1) = 0.1586552539314571;
     * Phi(2) = 0.9772498680518208 (standard normal tables) */
    NEAR(pd_distribution_cdf(&d, 0.625), 0.5);
    NEAR_TOL(pd_distribution_cdf(&d, 0.625 + 0.053), 0.8413447460685429, 1e-9);
    NEAR_TOL(pd_distribution_cdf(&d, 0.625 - 0.053), 0.1586552539314571, 1e-9);
    NEAR_TOL(pd_distribution_cdf(&d, 0.625 + 2 * 0.053), 0.9772498680518208, 1e-9);
    /* untruncated: far tails go to 0 and 1 */
    assert_true(pd_distribution_cdf(&d, 0.0) < 1e-20);
    NEAR(pd_distribution_cdf(&d, 1.5), 1.0);
    pd_distribution_free(&d);

    dist_ok("normal:0,1", &d);
    NEAR_TOL(pd_distribution_cdf(&d, 1.0), 0.8413447460685429, 1e-9);
    pd_distribution_free(&d);
}

static void test_uniform(void **state)
{
    (void)state;
    pd_distribution d;
    dist_ok("uniform:0.2,0.6", &d);
    assert_int_equal(d.kind, PD_DIST_UNIFORM);
    /* (x - 0.2) / 0.4, clipped to [0, 1] */
    NEAR(pd_distribution_cdf(&d, 0.1), 0.0);
    NEAR(pd_distribution_cdf(&d, 0.2), 0.0);
    NEAR(pd_distribution_cdf(&d, 0.3), 0.25);
    NEAR(pd_distribution_cdf(&d, 0.4), 0.5);
    NEAR(pd_distribution_cdf(&d, 0.5), 0.75);
    NEAR(pd_distribution_cdf(&d, 0.6), 1.0);
    NEAR(pd_distribution_cdf(&d, 0.9), 1.0);
    pd_distribution_free(&d);
}

/* Writes text to a new temporary file; path receives its name. */
static void temp_file(char *path, size_t n, const char *text)
{
    snprintf(path, n, "/tmp/predoff-test-history-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void test_history_file(void **state)
{
    (void)state;
    char path[64], spec[128];
    temp_file(path, sizeof path,
              "# past requirements\n"
              "0.7\n"
              "\n"
              "  0.5  \n"
              "0.9\r\n"
              "\t# an indented comment\n"
              "0.6\n"
              "   \n"
              "0.5");
    snprintf(spec, sizeof spec, "history:%s", path);
    pd_distribution d;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_distribution_parse(spec, &d, &err);
    unlink(path);
    if (st != PD_OK)
        fail_msg("\"%s\" rejected: %s", spec, err.msg);
    assert_int_equal(d.kind, PD_DIST_HISTORY);
    /* five values, sorted: 0.5 0.5 0.6 0.7 0.9; CDF = share <= x */
    assert_int_equal(d.n, 5);
    NEAR(d.samples[0], 0.5);
    NEAR(d.samples[1], 0.5);
    NEAR(d.samples[2], 0.6);
    NEAR(d.samples[3], 0.7);
    NEAR(d.samples[4], 0.9);
    NEAR(pd_distribution_cdf(&d, 0.0), 0.0);
    NEAR(pd_distribution_cdf(&d, 0.49), 0.0);
    NEAR(pd_distribution_cdf(&d, 0.5), 2.0 / 5); /* both 0.5s count: <=, not < */
    NEAR(pd_distribution_cdf(&d, 0.55), 2.0 / 5);
    NEAR(pd_distribution_cdf(&d, 0.6), 3.0 / 5);
    NEAR(pd_distribution_cdf(&d, 0.7), 4.0 / 5);
    NEAR(pd_distribution_cdf(&d, 0.89), 4.0 / 5);
    NEAR(pd_distribution_cdf(&d, 0.9), 1.0);
    NEAR(pd_distribution_cdf(&d, 1.0), 1.0);
    has(d.spec, path);
    pd_distribution_free(&d);
    assert_null(d.samples);

    /* the bounds 0 and 1 are requirements too */
    temp_file(path, sizeof path, "0\n1\n");
    snprintf(spec, sizeof spec, "history:%s", path);
    st = pd_distribution_parse(spec, &d, &err);
    unlink(path);
    if (st != PD_OK)
        fail_msg("\"%s\" rejected: %s", spec, err.msg);
    assert_int_equal(d.n, 2);
    NEAR(pd_distribution_cdf(&d, 0.0), 0.5);
    NEAR(pd_distribution_cdf(&d, 0.999), 0.5);
    pd_distribution_free(&d);
}

/* The file holding `text` is rejected, naming the file and `line` ("line 3") if given. */
static void history_bad(const char *text, const char *line)
{
    char path[64], spec[128];
    temp_file(path, sizeof path, text);
    snprintf(spec, sizeof spec, "history:%s", path);
    pd_distribution d;
    pd_error err;
    pd_error_clear(&err);
    pd_status st = pd_distribution_parse(spec, &d, &err);
    unlink(path);
    if (st != PD_EINPUT)
        fail_msg("history <%s>: status %d, want PD_EINPUT", text, (int)st);
    assert_null(d.samples);
    has(err.msg, path);
    if (line)
        has(err.msg, line);
}

static void test_history_errors(void **state)
{
    (void)state;
    /* values outside [0, 1] on line 3 (comments and blank lines count as lines) */
    history_bad("0.5\n# c\n1.5\n", "line 3");
    history_bad("0.5\n\n-0.1\n", "line 3");
    /* text, trailing junk, NaN, infinity */
    history_bad("abc\n", "line 1");
    history_bad("0.5\n0.6 0.7\n", "line 2");
    history_bad("0.5\n0.6x\n", "line 2");
    history_bad("nan\n", "line 1");
    history_bad("0.2\n0.3\nNaN\n", "line 3");
    history_bad("inf\n", "line 1");
    history_bad("1e999\n", "line 1");
    /* empty: no bytes, only blank lines, only comments */
    history_bad("", NULL);
    history_bad("\n\n  \n", NULL);
    history_bad("# nothing yet\n", NULL);

    /* a missing file, and no file at all */
    const char *missing = "/tmp/predoff-test-no-such-dir/history.txt";
    char spec[128];
    snprintf(spec, sizeof spec, "history:%s", missing);
    dist_bad(spec, false, missing);
    dist_bad("history:", false, "history");
}

static void test_history_values(void **state)
{
    (void)state;
    const double v[] = {0.3, 0.1, 0.2};
    pd_distribution d;
    pd_error err;
    assert_int_equal(pd_distribution_history(v, 3, "mine", &d, &err), PD_OK);
    assert_int_equal(d.n, 3);
    NEAR(d.samples[0], 0.1); /* sorted copy; v untouched */
    NEAR(v[0], 0.3);
    NEAR(pd_distribution_cdf(&d, 0.2), 2.0 / 3);
    assert_string_equal(d.spec, "history:mine");
    pd_distribution_free(&d);
    pd_error_clear(&err);
    assert_int_equal(pd_distribution_history(v, 0, "none", &d, &err), PD_EINPUT);
    has(err.msg, "none");
}

static void test_distribution_errors(void **state)
{
    (void)state;
    /* sigma must be > 0 */
    dist_bad("normal:0.6,0", true, "sigma");
    dist_bad("normal:0.6,-0.1", true, "sigma");
    /* uniform needs A < B */
    dist_bad("uniform:0.5,0.5", true, "A < B");
    dist_bad("uniform:0.6,0.5", true, "A < B");
    /* unknown kinds */
    dist_bad("gauss:0.5,0.1", true, NULL);
    dist_bad("Normal:0.5,0.1", true, NULL);
    dist_bad("normal", true, NULL);
    dist_bad("", false, NULL);
    /* missing comma, missing numbers */
    dist_bad("normal:0.5", true, NULL);
    dist_bad("normal:0.5 0.1", true, NULL);
    dist_bad("normal:", true, NULL);
    dist_bad("normal:,0.1", true, NULL);
    dist_bad("uniform:0.1,", true, NULL);
    /* trailing junk */
    dist_bad("normal:0.5,0.1x", true, NULL);
    dist_bad("normal:0.5,0.1,", true, NULL);
    dist_bad("normal:0.5,0.1 ", true, NULL);
    dist_bad("uniform:0,1,2", true, NULL);
    dist_bad("normal:0.5x,0.1", true, NULL);
    /* not finite */
    dist_bad("normal:nan,0.1", true, NULL);
    dist_bad("normal:0.5,inf", true, NULL);
    dist_bad("uniform:0,1e999", true, NULL);
}

/* ---- scenarios ---- */

static void init_ok(pd_scenario *sc)
{
    pd_error err;
    pd_error_clear(&err);
    if (pd_scenario_init(sc, &err) != PD_OK)
        fail_msg("pd_scenario_init: %s", err.msg);
}

static void test_scenario_defaults(void **state)
{
    (void)state;
    pd_scenario sc;
    init_ok(&sc);
    /* the paper's section 5: mobile and edge, 74 Mbps both ways, 1 Gbps wired */
    assert_true(sc.uses[PD_TIER_MOBILE]);
    assert_true(sc.uses[PD_TIER_EDGE]);
    assert_false(sc.uses[PD_TIER_CLOUD]);
    assert_string_equal(sc.profile[PD_TIER_MOBILE]->name, "paper-rpi3b");
    assert_string_equal(sc.profile[PD_TIER_EDGE]->name, "paper-laptop");
    assert_string_equal(sc.profile[PD_TIER_CLOUD]->name, "paper-cloud");
    NEAR(sc.uplink_bps, 74e6);
    NEAR(sc.downlink_bps, 74e6);
    NEAR(sc.wired_bps, 1e9);
    NEAR(sc.wireless_delay_ms, 0.0);
    NEAR(sc.wired_delay_ms, 0.0);
    /* requirements normal:0.625,0.053 */
    assert_int_equal(sc.demand.kind, PD_DIST_NORMAL);
    NEAR(sc.demand.a, 0.625);
    NEAR(sc.demand.b, 0.053);
    NEAR(pd_distribution_cdf(&sc.demand, 0.625), 0.5);
    /* no optional terms, no accuracy override */
    assert_int_equal(sc.n_exit_accuracy, 0);
    assert_null(sc.exit_accuracy);
    NEAR(sc.load_requests, 0.0);
    assert_false(sc.parse);
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_scenario_check(&sc, &err), PD_OK);
    pd_scenario_free(&sc);
    assert_null(sc.profile[PD_TIER_MOBILE]);
    pd_scenario_free(&sc); /* twice is harmless */

    assert_string_equal(pd_tier_name(PD_TIER_CLOUD), "cloud");
    for (int t = 0; t < PD_TIER_COUNT; t++)
        assert_int_equal(pd_tier_parse(pd_tier_name((pd_tier)t)), t);
    assert_int_equal(pd_tier_parse("fog"), PD_TIER_COUNT);
}

/* A default scenario with one change must fail the check naming `want`. */
#define REJECT(change, want)                                                                   \
    do {                                                                                       \
        pd_scenario sc;                                                                        \
        init_ok(&sc);                                                                          \
        change;                                                                                \
        pd_error err;                                                                          \
        pd_error_clear(&err);                                                                  \
        if (pd_scenario_check(&sc, &err) != PD_EINPUT)                                         \
            fail_msg("accepted: %s", #change);                                                 \
        assert_int_equal(err.status, PD_EINPUT);                                               \
        has(err.msg, want);                                                                    \
        pd_scenario_free(&sc);                                                                 \
    } while (0)

static double *accuracies(double a, double b)
{
    double *v = malloc(2 * sizeof *v);
    assert_non_null(v);
    v[0] = a;
    v[1] = b;
    return v;
}

static void test_scenario_check(void **state)
{
    (void)state;
    /* rates: negative, NaN, zero, infinite */
    REJECT(sc.uplink_bps = -1.0, "uplink rate");
    REJECT(sc.uplink_bps = NAN, "uplink rate");
    REJECT(sc.uplink_bps = 0.0, "uplink rate");
    REJECT(sc.uplink_bps = INFINITY, "uplink rate");
    REJECT(sc.downlink_bps = -74e6, "downlink rate");
    REJECT(sc.downlink_bps = NAN, "downlink rate");
    REJECT(sc.downlink_bps = 0.0, "downlink rate");
    REJECT(sc.wired_bps = 0.0, "wired rate");
    REJECT(sc.wired_bps = NAN, "wired rate");
    REJECT(sc.wired_bps = -1e9, "wired rate");
    /* below 1 bps: a Shannon rate, or a caller's own */
    REJECT(sc.uplink_bps = 0.5, "uplink rate 0.5 bps: must be finite and at least 1bps");
    REJECT(sc.downlink_bps = 1e-294, "downlink rate");
    REJECT(sc.wired_bps = 1e-300, "wired rate");
    /* per-hop delays: negative or not finite */
    REJECT(sc.wireless_delay_ms = -1.0, "wireless delay");
    REJECT(sc.wireless_delay_ms = NAN, "wireless delay");
    REJECT(sc.wired_delay_ms = -0.5, "wired delay");
    REJECT(sc.wired_delay_ms = INFINITY, "wired delay");
    /* exit accuracies outside [0, 1] or NaN */
    REJECT((sc.exit_accuracy = accuracies(0.5, 1.2), sc.n_exit_accuracy = 2), "accuracy");
    REJECT((sc.exit_accuracy = accuracies(-0.1, 0.5), sc.n_exit_accuracy = 2), "accuracy");
    REJECT((sc.exit_accuracy = accuracies(0.5, NAN), sc.n_exit_accuracy = 2), "accuracy");
    /* no mobile */
    REJECT(sc.uses[PD_TIER_MOBILE] = false, "mobile");
    /* a tier in use without a profile */
    REJECT((pd_profile_free(sc.profile[PD_TIER_EDGE]), sc.profile[PD_TIER_EDGE] = NULL), "edge");
    /* negative amortisation */
    REJECT(sc.load_requests = -1.0, "load");

    /* in range: accuracies 0 and 1, delays, cloud in use, amortisation */
    pd_scenario sc;
    init_ok(&sc);
    sc.exit_accuracy = accuracies(0.0, 1.0);
    sc.n_exit_accuracy = 2;
    sc.wireless_delay_ms = 2.0;
    sc.wired_delay_ms = 0.0;
    sc.uses[PD_TIER_CLOUD] = true;
    sc.load_requests = 100.0;
    sc.uplink_bps = 1.0;
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_scenario_check(&sc, &err), PD_OK);
    pd_scenario_free(&sc);
    assert_null(sc.exit_accuracy);
}

/* Measured exit accuracies (predoff accuracy -o) set the scenario's, in the model's exit
 * order whatever the file's order; every refusal names the file and what is wrong. */
static void accuracies_refused(const pd_graph *g, const char *text, const char *want)
{
    pd_scenario sc;
    assert_int_equal(pd_scenario_init(&sc, NULL), PD_OK);
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_scenario_parse_accuracies(&sc, g, text, strlen(text), "acc.json", &err),
                     PD_EINPUT);
    if (strncmp(err.msg, "acc.json", 8) != 0 || !strstr(err.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_int_equal(sc.n_exit_accuracy, 0);
    pd_scenario_free(&sc);
}

static void test_measured_accuracies(void **state)
{
    (void)state;
    pd_graph *g;
    assert_int_equal(pd_graph_open("b-lenet", &g, NULL), PD_OK);
    pd_scenario sc;
    assert_int_equal(pd_scenario_init(&sc, NULL), PD_OK);
    const char *ok = "{\"model\": \"b-lenet\", \"exits\": {\"fc5\": 0.89, \"b1_fc\": 0.85}, "
                     "\"extra\": [1, 2]}";
    assert_int_equal(pd_scenario_parse_accuracies(&sc, g, ok, strlen(ok), "acc.json", NULL),
                     PD_OK);
    assert_int_equal(sc.n_exit_accuracy, 2);
    assert_true(sc.exit_accuracy[0] == 0.85 && sc.exit_accuracy[1] == 0.89); /* b1_fc, fc5 */
    pd_scenario_free(&sc);
    accuracies_refused(g, "{\"model\": \"b-lenet\", \"exits\": {\"b1_fc\": 0.85}}",
                       "no accuracy for exit \"fc5\"");
    accuracies_refused(g, "{\"model\": \"b-alexnet\", \"exits\": {}}",
                       "accuracies of model \"b-alexnet\", not \"b-lenet\"");
    accuracies_refused(g, "{\"model\": \"b-lenet\", \"exits\": {\"b1_fc\": 1.5, \"fc5\": 0.9}}",
                       "exits.b1_fc");
    accuracies_refused(g, "{\"model\": \"b-lenet\", \"exits\": [0.8, 0.9]}", "expected {");
    accuracies_refused(g, "{\"model\": \"b-lenet\", \"exits\": {", "not valid JSON");
    pd_graph_free(g);
}

/* cost-model.md, "Numbers": a problem whose latencies would not be finite is refused,
 * naming the term; huge coefficients are the way left once rates are at least 1 bps. */
static void test_problem_build_refuses_non_finite(void **state)
{
    (void)state;
    pd_graph *g;
    assert_int_equal(pd_graph_open("b-alexnet", &g, NULL), PD_OK);
    pd_scenario sc;
    init_ok(&sc);
    pd_problem *pb = NULL;
    pd_error err;
    pd_error_clear(&err);
    /* the slowest link and the longest delays there are: still finite */
    sc.uplink_bps = sc.downlink_bps = sc.wired_bps = PD_MIN_RATE_BPS;
    sc.wireless_delay_ms = 1e9;
    sc.uses[PD_TIER_CLOUD] = true;
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_OK);
    pd_problem_free(pb);
    /* a layer model beyond any double: one layer's time is infinite */
    sc.profile[PD_TIER_EDGE]->layer[PD_LAYER_CONV].intercept = INFINITY;
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_EINPUT);
    assert_null(pb);
    has(err.msg, "profile \"paper-laptop\" predicts inf ms for layer \"conv1\"");
    /* every time finite, but their sum is not */
    sc.profile[PD_TIER_EDGE]->layer[PD_LAYER_CONV].intercept = 1e308;
    assert_int_equal(pd_problem_build(g, &sc, &pb, &err), PD_EINPUT);
    has(err.msg, "latency is not finite");
    pd_scenario_free(&sc);
    pd_graph_free(g);
}

/* formats.md: every number of a plan is finite, never written as null. */
static void test_json_writer_refuses_non_finite(void **state)
{
    (void)state;
    char path[] = "/tmp/predoff-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    cJSON *root = cJSON_CreateObject();
    cJSON *exits = cJSON_AddArrayToObject(root, "exits");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(exits, e);
    cJSON_AddNumberToObject(e, "latency_ms", 2.5);
    assert_int_equal(pd_json_write(root, path, NULL), PD_OK);
    assert_int_equal(access(path, F_OK), 0);
    unlink(path);
    cJSON_AddNumberToObject(e, "probability", NAN);
    pd_error err;
    pd_error_clear(&err);
    assert_int_equal(pd_json_write(root, path, &err), PD_EINPUT);
    has(err.msg, "field \"probability\" is nan, not a finite number");
    assert_int_not_equal(access(path, F_OK), 0);
    cJSON_Delete(root);
}

/* A model lacking an exit accuracy takes those that ship for it; one with its own does not. */
static void test_default_accuracies(void **state)
{
    (void)state;
    pd_graph *lenet, *alexnet;
    assert_int_equal(pd_graph_open("b-lenet", &lenet, NULL), PD_OK);
    assert_int_equal(pd_graph_open("b-alexnet", &alexnet, NULL), PD_OK);
    pd_scenario sc;
    memset(&sc, 0, sizeof sc);
    assert_int_equal(pd_scenario_default_accuracies(&sc, alexnet, NULL), PD_OK);
    assert_int_equal(sc.n_exit_accuracy, 0);
    assert_int_equal(pd_scenario_shipped_accuracies(&sc, alexnet, NULL), PD_OK);
    assert_int_equal(sc.n_exit_accuracy, 0); /* none ship for it */
    assert_int_equal(pd_scenario_default_accuracies(&sc, lenet, NULL), PD_OK);
    assert_int_equal(sc.n_exit_accuracy, lenet->n_exits);
    assert_string_equal(sc.accuracy_source, "models/accuracy/b-lenet.json (built in)");
    for (size_t k = 0; k < sc.n_exit_accuracy; k++)
        assert_true(sc.exit_accuracy[k] > 0 && sc.exit_accuracy[k] <= 1);
    pd_scenario_free(&sc);
    pd_graph_free(alexnet);
    pd_graph_free(lenet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_parse),
        cmocka_unit_test(test_default_accuracies),
        cmocka_unit_test(test_problem_build_refuses_non_finite),
        cmocka_unit_test(test_json_writer_refuses_non_finite),
        cmocka_unit_test(test_shannon),
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_history_file),
        cmocka_unit_test(test_history_errors),
        cmocka_unit_test(test_history_values),
        cmocka_unit_test(test_distribution_errors),
        cmocka_unit_test(test_scenario_defaults),
        cmocka_unit_test(test_scenario_check),
        cmocka_unit_test(test_measured_accuracies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
