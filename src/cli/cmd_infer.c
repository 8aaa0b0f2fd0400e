/* predoff infer: one input from the mobile through the plan's tiers and back. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "key_flags.h"
#include "weights_flags.h"
#include "predoff/node.h"
#include "predoff/npy.h"

const cli_flag cli_cmd_infer_flags[] = {
    CLI_WEIGHTS_FLAGS,
    {"--plan", "PLAN.json", "the plan (predoff plan --json) to run (required)"},
    {"--server", "ENDPOINT", "the first server: the edge (or the cloud without an edge)"},
    {"--input", "X.npy", "the input, float32 [C, H, W] (required)"},
    {"--accuracy", "A", "the task's accuracy requirement: the exit follows the spec's rule"},
    {"--exit", "NAME", "or: the exit to run to"},
    {"--timeout-ms", "MS", "the request's time budget for the servers; then it finishes here (1000)"},
    CLI_CLIENT_KEY_FLAGS,
    {"-o", "OUT.npy", "write the logits"},
    CLI_THREADS_FLAG,
    {NULL, NULL, NULL},
};

int cli_cmd_infer(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_weights weights = {0};
    const char *plan = NULL, *server = NULL, *input = NULL, *exit_name = NULL,
               *out = NULL;
    cli_client_keys keys = {0};
    double accuracy = NAN, timeout = 1000;
    int threads = 0;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_weights_flag(o, &weights, &st, &err)) {
            /* --weights or --random-weights */
        } else if (cli_is(o, "--plan"))
            plan = o->value;
        else if (cli_is(o, "--server"))
            server = o->value;
        else if (cli_is(o, "--input"))
            input = o->value;
        else if (cli_is(o, "--accuracy"))
            st = cli_real("--accuracy", o->value, 0, 1, &accuracy, &err);
        else if (cli_is(o, "--exit"))
            exit_name = o->value;
        else if (cli_is(o, "--timeout-ms"))
            st = cli_real("--timeout-ms", o->value, 1, PD_CLIENT_MAX_TIMEOUT_MS, &timeout, &err);
        else if (cli_is(o, "-o"))
            out = o->value;
        else if (cli_is(o, "--threads"))
            st = cli_threads(o->value, &threads, &err);
        else if (cli_client_key_flag(o, &keys)) {
            /* --server-key, --key */
        }
        if (st)
            return cli_fail(&err);
    }
    if (p->n_pos != 1)
        pd_error_set(&err, PD_EINPUT, "infer: expected one MODEL");
    else if (!plan || !input)
        pd_error_set(&err, PD_EINPUT, "infer: --plan PLAN.json and --input X.npy are required");
    else if (!cli_weights_given(&weights, p->pos[0]))
        cli_weights_missing("infer", &err);
    else if ((exit_name != NULL) == !isnan(accuracy))
        pd_error_set(&err, PD_EINPUT, "infer: give --accuracy A or --exit NAME");
    if (err.status)
        return cli_fail(&err);
    pd_deployment *d = NULL;
    pd_client *c = NULL;
    pd_array x = {0};
    int status = CLI_EXIT_OK;
    uint32_t exit = 0;
    pd_infer_result r;
    if (cli_client_keys_read(&keys, &err) ||
        pd_deployment_open(p->pos[0], cli_weights_source(&weights, p->pos[0]), weights.seed, plan, threads, &d, &err) ||
        pd_npy_read(input, &x, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (x.count != (size_t)pd_shape_elems(d->g->input)) {
        pd_error_set(&err, PD_EINPUT, "%s: %zu values; model \"%s\" takes [%lld, %lld, %lld]",
                     input, x.count, d->g->name, (long long)d->g->input.c,
                     (long long)d->g->input.h, (long long)d->g->input.w);
        status = cli_fail(&err);
        goto done;
    }
    if (exit_name) {
        int32_t l = pd_graph_find(d->g, exit_name);
        while (exit < d->g->n_exits && d->g->exits[exit] != l)
            exit++;
        if (exit == d->g->n_exits)
            pd_error_set(&err, PD_EINPUT, "--exit: \"%s\" is not an exit of \"%s\"", exit_name,
                         d->g->name);
    } else {
        pd_deployment_exit_for(d, accuracy, &exit, &err);
    }
    if (err.status || pd_client_new(d, server, timeout, cli_server_key(&keys), cli_client_key(&keys), &c, &err) ||
        pd_infer(c, d, x.data, x.count, exit, 1, &r, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    printf("exit %s: %.3f ms (compute mobile %.3f, edge %.3f, cloud %.3f; transfer and "
           "overhead %.3f)%s\n",
           d->g->layers[d->g->exits[exit]].name, r.total_ms, r.compute_ms[0], r.compute_ms[1],
           r.compute_ms[2], r.transfer_ms,
           r.fell_back ? "; the mobile finished the path" : "");
    if (r.fell_back)
        printf("the servers did not serve it: %s\n", r.fallback_reason);
    if (!isnan(d->exit_latency_ms[exit]))
        printf("the plan predicted %.3f ms for this exit\n", d->exit_latency_ms[exit]);
    pd_exit_summary s;
    pd_exit_summarise(r.logits, r.count, &s);
    if (s.finite)
        printf("class %zu, probability %.4f, entropy %.4f\n", s.top_class, s.probability,
               s.entropy);
    else
        printf("output not finite (%zu of %zu logits NaN or infinite), no class\n", s.non_finite,
               r.count);
    if (out) {
        int64_t dims[1] = {(int64_t)r.count};
        if (pd_npy_write(out, r.logits, 1, dims, &err))
            status = cli_fail(&err);
    }
    if (!s.finite && status == CLI_EXIT_OK) { /* as run: -o written, then a failure */
        pd_error_set(&err, PD_EIO, "the output of exit %s is not finite",
                     d->g->layers[d->g->exits[exit]].name);
        status = cli_fail(&err);
    }
done:
    pd_client_free(c);
    pd_array_free(&x);
    pd_deployment_free(d);
    return status;
}
