/* predoff serve: the edge or the cloud, running its share of a plan for mobile clients. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "predoff/node.h"

const cli_flag cmd_serve_flags[] = {
    {"--tier", "edge|cloud", "which tier this process is (required)"},
    {"--listen", "ENDPOINT", "where to listen, e.g. tcp://127.0.0.1:5555 (required)"},
    {"--cloud", "ENDPOINT", "edge only: the cloud server to forward cloud layers to"},
    {"--weights", "W.safetensors", "the model's weights (or --random-weights)"},
    {"--random-weights", "SEED", "PyTorch-style random weights from a seed"},
    {"--plan", "PLAN.json", "the plan (predoff plan --json) whose placement is run (required)"},
    {"--timeout-ms", "MS", "edge: how long to wait for the cloud before running its layers (1000)"},
    {"--max-requests", "N", "stop after N requests (default: serve until SIGINT or SIGTERM)"},
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

int cmd_serve(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *tier = NULL, *weights = NULL, *plan = NULL;
    double seed = -1, timeout = 1000, max_requests = 0;
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
        else if (cli_is(op, "--weights"))
            weights = op->value;
        else if (cli_is(op, "--random-weights"))
            st = cli_real("--random-weights", op->value, 0, 1e15, &seed, &err);
        else if (cli_is(op, "--plan"))
            plan = op->value;
        else if (cli_is(op, "--timeout-ms"))
            st = cli_real("--timeout-ms", op->value, 1, 1e7, &timeout, &err);
        else if (cli_is(op, "--max-requests"))
            st = cli_real("--max-requests", op->value, 1, 1e15, &max_requests, &err);
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
    else if ((weights != NULL) == (seed >= 0))
        pd_error_set(&err, PD_EINPUT, "serve: give --weights FILE or --random-weights SEED");
    else if (o.cloud && o.tier != PD_TIER_EDGE)
        pd_error_set(&err, PD_EINPUT, "serve: --cloud is for the edge");
    if (err.status)
        return cli_fail(&err);
    o.timeout_ms = timeout;
    o.max_requests = (long)max_requests;
    pd_deployment *d;
    if (pd_deployment_open(p->pos[0], weights, seed < 0 ? 0 : (uint64_t)seed, plan, &d, &err))
        return cli_fail(&err);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    o.on_ready = ready;
    o.ready_ctx = &o;
    int status = pd_serve(d, &o, &err) ? cli_fail(&err) : EXIT_OK;
    pd_deployment_free(d);
    return status;
}
