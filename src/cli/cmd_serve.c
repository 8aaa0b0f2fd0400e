/* predoff serve: the edge or the cloud, running its share of a plan for mobile clients. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "weights_flags.h"
#include "predoff/node.h"

const cli_flag cmd_serve_flags[] = {
    {"--tier", "edge|cloud", "which tier this process is (required)"},
    {"--listen", "ENDPOINT", "where to listen, e.g. tcp://127.0.0.1:5555 (required)"},
    {"--cloud", "ENDPOINT", "edge only: the cloud server to forward cloud layers to"},
    CLI_WEIGHTS_FLAGS,
    {"--plan", "PLAN.json", "the plan (predoff plan --json) whose placement is run (required)"},
    {"--timeout-ms", "MS", "edge: how long to wait for the cloud before running its layers (1000)"},
    {"--max-requests", "N", "stop after N requests (default: serve until SIGINT or SIGTERM)"},
    {"--key", "NAME.key", "CURVE: this server's key pair (predoff keygen); clients need NAME.pub"},
    {"--cloud-key", "CLOUD.pub", "edge: CURVE, the cloud's public key"},
    {"--allow-remote", NULL, "without --key, listen beyond loopback anyway (unauthenticated)"},
    {NULL, NULL, NULL},
};

static volatile sig_atomic_t stop_requested; /* set by the signal handler only */

static void ready(void *ctx)
{
    const pd_server_options *o = ctx;
    fprintf(stderr, "predoff: %s listening on %s%s%s\n", pd_tier_name(o->tier), o->listen,
            o->cloud ? ", cloud at " : "", o->cloud ? o->cloud : "");
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Whether a tcp:// endpoint names a loopback address (other transports are local). */
static int loopback_only(const char *endpoint)
{
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return 1;
    const char *host = endpoint + 6;
    return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost:", 10) == 0 ||
           strncmp(host, "[::1]:", 6) == 0;
}

int cmd_serve(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_weights weights = {0};
    const char *tier = NULL, *plan = NULL, *key_path = NULL, *cloud_key_path = NULL;
    int allow_remote = 0;
    pd_curve_key key, cloud_key;
    double timeout = 1000, max_requests = 0;
    pd_server_options o = {.stop = &stop_requested};
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *op = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(op, "--tier"))
            tier = op->value;
        else if (cli_is(op, "--listen"))
            o.listen = op->value;
        else if (cli_is(op, "--cloud"))
            o.cloud = op->value;
        else if (cli_weights_flag(op, &weights, &st, &err)) {
            /* --weights or --random-weights */
        } else if (cli_is(op, "--plan"))
            plan = op->value;
        else if (cli_is(op, "--timeout-ms"))
            st = cli_real("--timeout-ms", op->value, 1, 1e7, &timeout, &err);
        else if (cli_is(op, "--max-requests"))
            st = cli_real("--max-requests", op->value, 1, 1e15, &max_requests, &err);
        else if (cli_is(op, "--key"))
            key_path = op->value;
        else if (cli_is(op, "--cloud-key"))
            cloud_key_path = op->value;
        else if (cli_is(op, "--allow-remote"))
            allow_remote = 1;
        if (st)
            return cli_fail(&err);
    }
    o.tier = tier ? pd_tier_parse(tier) : PD_TIER_COUNT;
    if (p->n_pos != 1)
        pd_error_set(&err, PD_EINPUT, "serve: expected one MODEL");
    else if (o.tier != PD_TIER_EDGE && o.tier != PD_TIER_CLOUD)
        pd_error_set(&err, PD_EINPUT, "serve: --tier must be edge or cloud");
    else if (!o.listen || !plan)
        pd_error_set(&err, PD_EINPUT, "serve: --listen ENDPOINT and --plan PLAN.json are required");
    else if (!cli_weights_given(&weights))
        cli_weights_missing("serve", &err);
    else if (o.cloud && o.tier != PD_TIER_EDGE)
        pd_error_set(&err, PD_EINPUT, "serve: --cloud is for the edge");
    else if (!key_path && !allow_remote && !loopback_only(o.listen))
        pd_error_set(&err, PD_EINPUT,
                     "serve: %s is beyond loopback: give --key NAME.key (CURVE) or --allow-remote",
                     o.listen);
    else if (key_path && pd_curve_read(key_path, 1, &key, &err))
        pd_error_prefix(&err, "--key");
    else if (cloud_key_path && pd_curve_read(cloud_key_path, 0, &cloud_key, &err))
        pd_error_prefix(&err, "--cloud-key");
    if (err.status)
        return cli_fail(&err);
    o.timeout_ms = timeout;
    o.key = key_path ? &key : NULL;
    o.cloud_key = cloud_key_path ? &cloud_key : NULL;
    o.max_requests = (long)max_requests;
    pd_deployment *d;
    if (pd_deployment_open(p->pos[0], weights.path, weights.seed, plan, &d, &err))
        return cli_fail(&err);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    o.on_ready = ready;
    o.ready_ctx = &o;
    int status = pd_serve(d, &o, &err) ? cli_fail(&err) : EXIT_OK;
    pd_deployment_free(d);
    return status;
}
