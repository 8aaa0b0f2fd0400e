/* predoff serve: the edge or the cloud, running its share of a plan for mobile clients. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "weights_flags.h"
#include "predoff/node.h"

const cli_flag cli_cmd_serve_flags[] = {
    {"--tier", "edge|cloud", "which tier this process is (required)"},
    {"--listen", "ENDPOINT", "where to listen, e.g. tcp://127.0.0.1:5555, or :* for a free port (required)"},
    {"--cloud", "ENDPOINT", "edge only: the cloud server to forward cloud layers to"},
    CLI_WEIGHTS_FLAGS,
    {"--plan", "PLAN.json", "the plan (predoff plan --json) whose placement is run (required)"},
    {"--timeout-ms", "MS", "edge: the longest wait for the cloud, budget permitting, before running its layers (1000)"},
    {"--breaker-ms", "MS", "edge: after the cloud fails, run its layers here this long before trying it again, doubling up to 16x (500)"},
    {"--max-requests", "N", "stop after answering N requests (default: serve until SIGINT or SIGTERM)"},
    {"--key", "NAME.key", "CURVE: this server's key pair (predoff keygen); clients need NAME.pub"},
    {"--authorized-keys", "FILE", "with --key: the client public keys served, one a line (re-read on SIGHUP)"},
    {"--cloud-key", "CLOUD.pub", "edge: CURVE, the cloud's public key (the edge connects as --key)"},
    {"--allow-remote", NULL, "without --key, listen beyond loopback anyway (unauthenticated)"},
    CLI_THREADS_FLAG,
    {NULL, NULL, NULL},
};

/* set by the signal handlers only */
static volatile sig_atomic_t stop_requested, reload_requested;

/* The line a script waits for: the endpoint really bound (a port for ":*"). */
static void ready(void *ctx, const char *endpoint)
{
    const pd_server_options *o = ctx;
    fprintf(stderr, "predoff: %s listening on %s%s%s\n", pd_tier_name(o->tier), endpoint,
            o->cloud ? ", cloud at " : "", o->cloud ? o->cloud : "");
}

static void note(void *ctx, const char *line)
{
    const pd_server_options *o = ctx;
    fprintf(stderr, "predoff: %s: %s\n", pd_tier_name(o->tier), line);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

int cli_cmd_serve(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_weights weights = {0};
    const char *tier = NULL, *plan = NULL, *key_path = NULL, *cloud_key_path = NULL;
    double breaker = 500;
    int allow_remote = 0, threads = 0;
    pd_curve_key key, cloud_key;
    double timeout = 1000, max_requests = 0;
    pd_server_options o = {.stop = &stop_requested, .reload = &reload_requested};
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
        else if (cli_is(op, "--breaker-ms"))
            st = cli_real("--breaker-ms", op->value, 1, 1e7, &breaker, &err);
        else if (cli_is(op, "--authorized-keys"))
            o.authorized_keys = op->value;
        else if (cli_is(op, "--max-requests"))
            st = cli_real("--max-requests", op->value, 1, 1e15, &max_requests, &err);
        else if (cli_is(op, "--key"))
            key_path = op->value;
        else if (cli_is(op, "--cloud-key"))
            cloud_key_path = op->value;
        else if (cli_is(op, "--allow-remote"))
            allow_remote = 1;
        else if (cli_is(op, "--threads"))
            st = cli_threads(op->value, &threads, &err);
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
    else if (!cli_weights_given(&weights, p->pos[0]))
        cli_weights_missing("serve", &err);
    else if (o.cloud && o.tier != PD_TIER_EDGE)
        pd_error_set(&err, PD_EINPUT, "serve: --cloud is for the edge");
    else if (!key_path && !allow_remote && !pd_endpoint_is_local(o.listen))
        pd_error_set(&err, PD_EINPUT,
                     "serve: %s is beyond loopback (only tcp:// on 127.0.0.0/8, [::1] or "
                     "localhost, and ipc://, are): give --key NAME.key (CURVE) or --allow-remote",
                     o.listen);
    else if ((key_path != NULL) != (o.authorized_keys != NULL))
        pd_error_set(&err, PD_EINPUT, "serve: --key and --authorized-keys FILE go together (the "
                     "client public keys this server serves, one a line)");
    else if (cloud_key_path && !key_path)
        pd_error_set(&err, PD_EINPUT, "serve: --cloud-key needs --key: the edge connects to the "
                     "cloud with its own key pair, which the cloud lists");
    else if (key_path && pd_curve_read(key_path, 1, &key, &err))
        pd_error_prefix(&err, "--key");
    else if (cloud_key_path && pd_curve_read(cloud_key_path, 0, &cloud_key, &err))
        pd_error_prefix(&err, "--cloud-key");
    if (err.status)
        return cli_fail(&err);
    o.timeout_ms = timeout;
    o.breaker_ms = breaker;
    o.key = key_path ? &key : NULL;
    o.cloud_key = cloud_key_path ? &cloud_key : NULL;
    o.max_requests = (long)max_requests;
    pd_deployment *d;
    if (pd_deployment_open(p->pos[0], cli_weights_source(&weights, p->pos[0]), weights.seed, plan, threads, &d, &err))
        return cli_fail(&err);
    /* sigaction, not signal(): under POSIX feature macros signal() is reset after the
     * first delivery, and a second SIGHUP would end the server */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a server holds a descriptor per connection: the soft limit (often 1024) is not the
     * machine's */
    pd_raise_descriptor_limit();
    o.on_ready = ready;
    o.ready_ctx = &o;
    o.on_note = note;
    o.note_ctx = &o;
    int status = pd_serve(d, &o, &err) ? cli_fail(&err) : CLI_EXIT_OK;
    pd_deployment_free(d);
    return status;
}
