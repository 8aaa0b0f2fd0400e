/* predoff loadgen: many requests through the plan's tiers; throughput, latency
 * percentiles, and the measured mean beside the plan's prediction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "key_flags.h"
#include "core/stats.h"
#include "weights_flags.h"
#include "predoff/loadgen.h"
#include "predoff/study.h"

const cli_flag cli_cmd_loadgen_flags[] = {
    {"--plan", "PLAN.json", "the plan (predoff plan --json) to run (required)"},
    {"--server", "ENDPOINT", "the first server: the edge (or the cloud without an edge)"},
    CLI_WEIGHTS_FLAGS,
    {"--requests", "N", "how many requests in all"},
    {"--duration", "S", "or: issue requests for S seconds"},
    {"--rate", "R", "requests per second in all, evenly spaced (default: back to back)"},
    {"--clients", "N", "client threads, each its own connection (default 1)"},
    CLI_THREADS_FLAG,
    {"--accuracy-dist", "SPEC", "the requirements: normal:MU,SIGMA | uniform:A,B | history:FILE"},
    {"--seed", "N", "requirements and inputs (default 1)"},
    {"--timeout-ms", "MS", "how long to wait for a server before finishing on the mobile (1000)"},
    {"--verify", NULL, "also run each request on the mobile alone and compare bit for bit"},
    {"--records", "FILE.csv", "one line per request: when it started, its exit, times, outcome"},
    CLI_CLIENT_KEY_FLAGS,
    {NULL, NULL, NULL},
};

static void print_report(const pd_loadgen_report *r, const pd_deployment *d, int verify)
{
    size_t ok = 0, fell = 0, bad = 0;
    double *lat = malloc((r->n ? r->n : 1) * sizeof *lat), sum = 0, pred = 0, compute[3] = {0},
           transfer = 0;
    size_t *per_exit = calloc(d->g->n_exits, sizeof *per_exit);
    double *per_exit_ms = calloc(d->g->n_exits, sizeof *per_exit_ms);
    if (!lat || !per_exit || !per_exit_ms) {
        fprintf(stderr, "predoff: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < r->n; i++) {
        const pd_loadgen_record *x = &r->records[i];
        if (x->failed)
            continue;
        lat[ok++] = x->total_ms;
        sum += x->total_ms;
        pred += d->exit_latency_ms[x->exit];
        for (int t = 0; t < 3; t++)
            compute[t] += x->compute_ms[t];
        transfer += x->transfer_ms;
        fell += (size_t)x->fell_back;
        bad += (size_t)x->mismatch;
        per_exit[x->exit]++;
        per_exit_ms[x->exit] += x->total_ms;
    }
    printf("%zu requests in %.2f s: %.1f per second; %zu failed; %zu finished on the mobile "
           "after a server did not answer",
           r->n, r->wall_s, (double)ok / r->wall_s, r->failures, fell);
    if (verify)
        printf("; %zu answers differ from the mobile's own", bad);
    printf("\n");
    if (r->failures)
        printf("first failure: %s\n", r->first_failure);
    if (!ok)
        goto done;
    pd_sort_doubles(lat, ok);
    printf("latency (ms): mean %.3f, median %.3f, p95 %.3f, p99 %.3f, max %.3f\n", sum / (double)ok,
           pd_quantile_sorted(lat, ok, 0.5), pd_quantile_sorted(lat, ok, 0.95), pd_quantile_sorted(lat, ok, 0.99),
           lat[ok - 1]);
    printf("mean per request (ms): compute mobile %.3f, edge %.3f, cloud %.3f; transfer and "
           "overhead %.3f\n",
           compute[0] / (double)ok, compute[1] / (double)ok, compute[2] / (double)ok,
           transfer / (double)ok);
    printf("\n  exit        requests  measured mean (ms)  plan's prediction (ms)\n");
    for (size_t k = 0; k < d->g->n_exits; k++)
        if (per_exit[k])
            printf("  %-10s %9zu %19.3f %23.3f\n", d->g->layers[d->g->exits[k]].name, per_exit[k],
                   per_exit_ms[k] / (double)per_exit[k], d->exit_latency_ms[k]);
    printf("\nmeasured mean %.3f ms; the plan predicts %.3f ms for these requests' exits", sum / (double)ok,
           pred / (double)ok);
    if (!isnan(d->expected_ms))
        printf(" (its expected latency over its own demand: %.3f ms)", d->expected_ms);
    printf("\n");
done:
    free(lat);
    free(per_exit);
    free(per_exit_ms);
}

int cli_cmd_loadgen(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    pd_loadgen_options o = {.clients = 1, .seed = 1, .timeout_ms = 1000};
    double requests = 0, clients = 1, rseed = 1;
    cli_weights weights = {0};
    const char *dist = "normal:0.625,0.053", *records = NULL;
    cli_client_keys keys = {0};
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *op = &p->opts[i];
        pd_status st = PD_OK;
        if (cli_is(op, "--plan"))
            o.plan = op->value;
        else if (cli_is(op, "--server"))
            o.server = op->value;
        else if (cli_weights_flag(op, &weights, &st, &err)) {
            /* --weights or --random-weights */
        } else if (cli_is(op, "--requests"))
            st = cli_real("--requests", op->value, 1, 1e8, &requests, &err);
        else if (cli_is(op, "--duration"))
            st = cli_real("--duration", op->value, 0.001, 1e6, &o.duration_s, &err);
        else if (cli_is(op, "--rate"))
            st = cli_real("--rate", op->value, 0.001, 1e7, &o.rate, &err);
        else if (cli_is(op, "--clients"))
            st = cli_real("--clients", op->value, 1, 1024, &clients, &err);
        else if (cli_is(op, "--threads"))
            st = cli_threads(op->value, &o.threads, &err);
        else if (cli_is(op, "--accuracy-dist"))
            dist = op->value;
        else if (cli_is(op, "--seed"))
            st = cli_real("--seed", op->value, 0, 1e15, &rseed, &err);
        else if (cli_is(op, "--timeout-ms"))
            st = cli_real("--timeout-ms", op->value, 1, PD_CLIENT_MAX_TIMEOUT_MS, &o.timeout_ms,
                          &err);
        else if (cli_is(op, "--verify"))
            o.verify = 1;
        else if (cli_is(op, "--records"))
            records = op->value;
        else if (cli_client_key_flag(op, &keys)) {
            /* --server-key, --key */
        }
        if (st)
            return cli_fail(&err);
    }
    if (p->n_pos != 1)
        pd_error_set(&err, PD_EINPUT, "loadgen: expected one MODEL");
    else if (!o.plan)
        pd_error_set(&err, PD_EINPUT, "loadgen: --plan PLAN.json is required");
    else if (!cli_weights_given(&weights, p->pos[0]))
        cli_weights_missing("loadgen", &err);
    else if (requests > 0 && o.duration_s > 0)
        pd_error_set(&err, PD_EINPUT, "loadgen: give --requests N or --duration S, not both");
    if (err.status || cli_client_keys_read(&keys, &err))
        return cli_fail(&err);
    o.server_key = cli_server_key(&keys);
    o.client_key = cli_client_key(&keys);
    pd_distribution demand;
    if (pd_distribution_parse(dist, &demand, &err))
        return cli_fail(&err);
    o.model = p->pos[0];
    o.weights = cli_weights_source(&weights, p->pos[0]);
    o.weights_seed = weights.seed;
    o.requests = (size_t)requests;
    o.clients = (size_t)clients;
    o.seed = (uint64_t)rseed;
    o.demand = &demand;
    pd_deployment *d = NULL;
    pd_loadgen_report r = {0};
    int status = CLI_EXIT_OK;
    /* the deployment is opened here once too: to fail early on bad input, and for the report */
    if (pd_deployment_open(o.model, o.weights, o.weights_seed, o.plan, o.threads, &d, &err) ||
        pd_loadgen_run(&o, &r, &err)) {
        status = cli_fail(&err);
    } else {
        print_report(&r, d, o.verify);
        if (records && pd_loadgen_records_write(records, &r, &err))
            status = cli_fail(&err);
        else if (r.failures)
            status = CLI_EXIT_FAILURE_OTHER;
    }
    pd_loadgen_report_free(&r);
    pd_deployment_free(d);
    pd_distribution_free(&demand);
    return status;
}
