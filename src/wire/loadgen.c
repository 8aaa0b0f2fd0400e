/* The load generator: client threads claim request numbers from one counter, wait for
 * their slot when a rate is set, draw a requirement, take one of a few inputs drawn before
 * the run, and record the answer. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "predoff/loadgen.h"
#include "predoff/runtime.h"
#include "predoff/rng.h"

typedef struct shared {
    const pd_loadgen_options *o;
    atomic_size_t next;
    size_t cap;                 /* requests at most (records allocated) */
    double t0;
    pd_loadgen_record *records;
    atomic_size_t failures;
    pthread_mutex_t lock;       /* guards first_failure */
    char first_failure[PD_ERROR_MSG_MAX];
} shared;

/* Inputs drawn before the run: drawing 3072 floats per request would cost a mobile under a
 * CPU quota its budget, and the stall would land in the requests being timed. Request i
 * takes input i mod INPUTS; their values do not change the time a request takes. */
enum { INPUTS = 16 };

typedef struct worker {
    shared *sh;
    size_t index;
} worker;

static double now_s(void)
{
    return pd_now_ms() * 1e-3;
}

static void note_failure(shared *sh, const char *msg)
{
    if (atomic_fetch_add(&sh->failures, 1) == 0) {
        pthread_mutex_lock(&sh->lock);
        snprintf(sh->first_failure, sizeof sh->first_failure, "%s", msg);
        pthread_mutex_unlock(&sh->lock);
    }
}

static void sleep_until(double t)
{
    double left = t - now_s();
    if (left <= 0)
        return;
    struct timespec ts = {(time_t)left, (long)((left - floor(left)) * 1e9)};
    nanosleep(&ts, NULL);
}

static void *run_worker(void *arg)
{
    worker *wk = arg;
    shared *sh = wk->sh;
    const pd_loadgen_options *o = sh->o;
    pd_error err;
    pd_error_clear(&err);
    pd_deployment *d = NULL;
    pd_client *c = NULL;
    float *input = NULL, *answer = NULL;
    if (pd_deployment_open(o->model, o->weights, o->weights_seed, o->plan, o->threads, &d,
                           &err) ||
        pd_client_new(d, o->server, o->timeout_ms, o->server_key, o->client_key, &c, &err)) {
        note_failure(sh, err.msg);
        goto done;
    }
    size_t n_in = (size_t)pd_shape_elems(d->g->input), n_out = 1;
    for (size_t k = 0; k < d->g->n_exits; k++) {
        size_t e = (size_t)pd_shape_elems(d->g->layers[d->g->exits[k]].out);
        n_out = e > n_out ? e : n_out;
    }
    input = malloc(INPUTS * n_in * sizeof *input);
    answer = malloc(n_out * sizeof *answer);
    if (!input || !answer) {
        note_failure(sh, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < INPUTS; j++) {
        pd_rng rng;
        pd_rng_seed(&rng, o->seed * 1000003u + 7919u * (j + 1));
        for (size_t k = 0; k < n_in; k++)
            input[j * n_in + k] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    }
    for (;;) {
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->cap || (o->duration_s > 0 && now_s() - sh->t0 >= o->duration_s))
            break;
        if (o->rate > 0)
            sleep_until(sh->t0 + (double)i / o->rate);
        pd_rng rng; /* per request, so a run's requests do not depend on the threads */
        pd_rng_seed(&rng, o->seed * 1000003u + i);
        pd_loadgen_record *r = &sh->records[i];
        r->requirement = pd_distribution_sample(o->demand, pd_rng_uniform(&rng), pd_rng_uniform(&rng));
        const float *x = input + (i % INPUTS) * n_in;
        pd_infer_result res;
        r->start_ms = (now_s() - sh->t0) * 1e3;
        if (pd_deployment_exit_for(d, r->requirement, &r->exit, &err) ||
            pd_infer(c, d, x, n_in, r->exit, (uint64_t)i + 1, &res, &err)) {
            r->failed = 1;
            note_failure(sh, err.msg);
            continue;
        }
        r->total_ms = res.total_ms;
        memcpy(r->compute_ms, res.compute_ms, sizeof r->compute_ms);
        r->transfer_ms = res.transfer_ms;
        r->fell_back = res.fell_back;
        if (o->verify) {
            memcpy(answer, res.logits, res.count * sizeof *answer);
            size_t len, count;
            const float *mine;
            pd_net_path(d->net, r->exit, &len);
            if (pd_net_run(d->net, r->exit, 0, len, x, n_in, &mine, &count, NULL, &err) ||
                count != res.count || memcmp(mine, answer, count * sizeof *mine) != 0)
                r->mismatch = 1;
        }
    }
done:
    free(input);
    free(answer);
    pd_client_free(c);
    pd_deployment_free(d);
    return NULL;
}

pd_status pd_loadgen_run(const pd_loadgen_options *o, pd_loadgen_report *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    if (o->clients < 1 || o->clients > 1024)
        return pd_error_set(err, PD_EINPUT, "loadgen: 1 to 1024 clients");
    if (o->threads < 0 || o->threads > PD_THREADS_MAX)
        return pd_error_set(err, PD_EINPUT, "loadgen: %d threads a client; give 1 to %d, or 0 "
                            "for the default", o->threads, PD_THREADS_MAX);
    if (!o->requests && !(o->duration_s > 0))
        return pd_error_set(err, PD_EINPUT, "loadgen: give --requests N or --duration S");
    size_t cap = o->requests;
    if (!cap) /* a duration alone: room for the rate's requests, or a generous bound */
        cap = o->rate > 0 ? (size_t)(o->rate * o->duration_s) + 1 : 1000000;
    shared sh = {.o = o, .cap = cap, .t0 = now_s()};
    atomic_init(&sh.next, 0);
    atomic_init(&sh.failures, 0);
    sh.records = calloc(cap, sizeof *sh.records);
    worker *wk = calloc(o->clients, sizeof *wk);
    pthread_t *th = calloc(o->clients, sizeof *th);
    if (!sh.records || !wk || !th || pthread_mutex_init(&sh.lock, NULL) != 0) {
        free(sh.records);
        free(wk);
        free(th);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t started = 0;
    for (; started < o->clients; started++) {
        wk[started] = (worker){&sh, started};
        if (pthread_create(&th[started], NULL, run_worker, &wk[started]) != 0)
            break;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    out->wall_s = now_s() - sh.t0;
    size_t issued = atomic_load(&sh.next);
    out->n = issued < cap ? issued : cap;
    /* a claimed number past the deadline was never run: trim the tail of empty records */
    while (out->n > 0 && sh.records[out->n - 1].total_ms == 0 && !sh.records[out->n - 1].failed)
        out->n--;
    out->records = sh.records;
    out->failures = atomic_load(&sh.failures);
    memcpy(out->first_failure, sh.first_failure, sizeof out->first_failure);
    pthread_mutex_destroy(&sh.lock);
    free(wk);
    free(th);
    if (started < o->clients)
        return pd_error_set(err, PD_ENOMEM, "loadgen: could start only %zu threads", started);
    return PD_OK;
}

void pd_loadgen_report_free(pd_loadgen_report *r)
{
    if (r) {
        free(r->records);
        r->records = NULL;
        r->n = 0;
    }
}
