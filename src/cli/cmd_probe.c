/* predoff probe: the link to a running server as the cost model sees it, from echoes of
 * several sizes: the per-hop delay and the rate to plan with. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "key_flags.h"
#include "core/json_util.h"
#include "core/stats.h"
#include "predoff/measure.h"
#include "predoff/probe.h"

const cli_flag cli_cmd_probe_flags[] = {
    {"--server", "ENDPOINT", "a running predoff server (serve), e.g. tcp://10.77.1.2:5555 (required)"},
    CLI_CLIENT_KEY_FLAGS,
    {"--sizes", "F1,F2,..", "payloads in floats (default 1,256,1024,2048,4096; at most the "
                            "server's largest tensor)"},
    {"--repeat", "N", "round trips per size (default 200), after 20 unrecorded"},
    {"--timeout-ms", "MS", "for each round trip (default 1000)"},
    {"--json", "FILE", "also write the sizes, statistics and the fit as JSON"},
    {NULL, NULL, NULL},
};

enum { MAX_SIZES = 32 };

static pd_status parse_sizes(const char *text, size_t *sizes, size_t *n, pd_error *err)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || (*end && *end != ',') || v < 1 || v > 16777216ull || *p == '-')
            return pd_error_set(err, PD_EINPUT, "--sizes \"%s\": expected numbers of floats "
                                "from 1 to 16777216, separated by commas", text);
        if (*n == MAX_SIZES)
            return pd_error_set(err, PD_EINPUT, "--sizes: at most %d sizes", MAX_SIZES);
        sizes[(*n)++] = (size_t)v;
        p = *end ? end + 1 : end;
    }
    if (*n < 2)
        return pd_error_set(err, PD_EINPUT, "--sizes \"%s\": give at least two sizes", text);
    return PD_OK;
}

typedef struct size_stats {
    double bytes, mean, median, p95;
} size_stats;

static pd_status write_json(const char *path, const char *endpoint, const size_stats *s, size_t n,
                      size_t repeat, const pd_link_fit *fit, pd_error *err)
{
    cJSON *root = cJSON_CreateObject(), *sizes = cJSON_AddArrayToObject(root, "sizes");
    int ok = root && sizes && cJSON_AddStringToObject(root, "server", endpoint) &&
             cJSON_AddNumberToObject(root, "repeat", (double)repeat);
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(sizes, o) &&
             cJSON_AddNumberToObject(o, "bytes", s[i].bytes) &&
             cJSON_AddNumberToObject(o, "mean_ms", s[i].mean) &&
             cJSON_AddNumberToObject(o, "median_ms", s[i].median) &&
             cJSON_AddNumberToObject(o, "p95_ms", s[i].p95);
    }
    /* JSON has no infinity: a rate too high to show is null */
    ok = ok && cJSON_AddNumberToObject(root, "delay_ms", fit->delay_ms) &&
         (isinf(fit->rate_bps) ? cJSON_AddNullToObject(root, "rate_bps") != NULL
                               : cJSON_AddNumberToObject(root, "rate_bps", fit->rate_bps) != NULL) &&
         cJSON_AddNumberToObject(root, "r2", fit->r2);
    pd_status st = ok ? pd_json_write(root, path, err)
                      : pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    cJSON_Delete(root);
    return st;
}

int cli_cmd_probe(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    size_t sizes[MAX_SIZES] = {1, 256, 1024, 2048, 4096}, n_sizes = 5;
    const char *server = NULL, *json = NULL;
    cli_client_keys keys = {0};
    unsigned long long repeat = 200;
    double timeout = 1000;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(o, "--server"))
            server = o->value;
        else if (cli_client_key_flag(o, &keys)) {
            /* --server-key, --key */
        } else if (cli_is(o, "--sizes"))
            st = parse_sizes(o->value, sizes, &n_sizes, &err);
        else if (cli_is(o, "--repeat"))
            st = cli_u64("--repeat", o->value, &repeat, &err);
        else if (cli_is(o, "--timeout-ms"))
            st = cli_real("--timeout-ms", o->value, 1, 1e7, &timeout, &err);
        else if (cli_is(o, "--json"))
            json = o->value;
        if (st)
            return cli_fail(&err);
    }
    if (p->n_pos != 0)
        pd_error_set(&err, PD_EINPUT, "probe: takes no MODEL, only --server ENDPOINT");
    else if (!server)
        pd_error_set(&err, PD_EINPUT, "probe: --server ENDPOINT is required");
    else if (repeat < 1 || repeat > 1000000)
        pd_error_set(&err, PD_EINPUT, "--repeat %llu: 1 to 1000000 allowed", repeat);
    if (err.status)
        return cli_fail(&err);
    if (cli_client_keys_read(&keys, &err))
        return cli_fail(&err);
    double *rtt = malloc(n_sizes * (size_t)repeat * sizeof *rtt);
    if (!rtt) {
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        return cli_fail(&err);
    }
    pd_probe_options o = {server, cli_server_key(&keys), cli_client_key(&keys), sizes, n_sizes,
                          (size_t)repeat, 20, timeout};
    size_stats stats[MAX_SIZES];
    double bytes[MAX_SIZES], means[MAX_SIZES];
    pd_link_fit fit;
    int status = CLI_EXIT_OK;
    if (pd_probe_run(&o, rtt, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    printf("probe %s: %zu sizes x %llu round trips (after 20 unrecorded)\n", server, n_sizes,
           repeat);
    printf("%14s %10s %10s %10s\n", "bytes each way", "mean ms", "median ms", "p95 ms");
    for (size_t s = 0; s < n_sizes; s++) {
        double *v = rtt + s * (size_t)repeat, sum = 0;
        for (size_t i = 0; i < repeat; i++)
            sum += v[i];
        pd_sort_doubles(v, (size_t)repeat);
        /* the payload only, as the cost model counts a tensor: the header's share and
         * every fixed cost per message go into the delay */
        stats[s] = (size_stats){(double)(sizes[s] * sizeof(float)),
                                sum / (double)repeat, pd_quantile_sorted(v, (size_t)repeat, 0.5),
                                pd_quantile_sorted(v, (size_t)repeat, 0.95)};
        bytes[s] = stats[s].bytes;
        means[s] = stats[s].mean;
        printf("%14.0f %10.3f %10.3f %10.3f\n", stats[s].bytes, stats[s].mean, stats[s].median,
               stats[s].p95);
    }
    if (pd_link_fit_means(bytes, means, n_sizes, &fit, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (isinf(fit.rate_bps)) {
        printf("link: %.3f ms per hop; the round trips do not grow with size, so the rate is "
               "beyond what these sizes show (probe larger ones to measure it)\n", fit.delay_ms);
        printf("plan with: --wireless-delay %.3f\n", fit.delay_ms);
    } else {
        printf("link (a line through the means, R^2 %.4f): %.3f ms per hop, %.2f Mbit/s\n",
               fit.r2, fit.delay_ms, fit.rate_bps / 1e6);
        printf("plan with: --bandwidth %.2fMbps --wireless-delay %.3f\n", fit.rate_bps / 1e6,
               fit.delay_ms);
    }
    if (json && write_json(json, server, stats, n_sizes, (size_t)repeat, &fit, &err))
        status = cli_fail(&err);
done:
    free(rtt);
    return status;
}
