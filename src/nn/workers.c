/* The net's worker pool. A run publishes (fn, ctx) and bumps a generation counter; each
 * worker spins on the counter for up to SPIN_MS, then sleeps on a condition variable. The
 * caller does part 0, then waits the same way until the count of parts still running
 * drops to 0. Nothing is allocated per run. */
#include "workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/clock.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long an idle thread spins before it blocks: longer than the gaps between the
 * split layers of one inference (a few tens of microseconds), far shorter than a gap
 * between requests. While it spins it yields the CPU now and then, so that on a machine
 * with more runnable threads than cores the thread it waits for gets to run. */
#define SPIN_MS 0.2

/* One step of a spin: a pause, and every 16th time the CPU to any thread that wants it.
 * Every 256th step checks the clock; returns false once the spin has lasted SPIN_MS. */
static bool spin_step(unsigned i, double *deadline)
{
    if ((i & 15) == 0)
        sched_yield();
    else
        CPU_RELAX();
    if ((i & 255) == 0) {
        double now = pd_now_ms();
        if (*deadline == 0.0)
            *deadline = now + SPIN_MS;
        else if (now > *deadline)
            return false;
    }
    return true;
}

typedef struct worker {
    pd_workers *pool;
    int part;
    pthread_t thread;
} worker;

struct pd_workers {
    int threads;
    worker *workers; /* [threads - 1] */
    int started;     /* threads actually created */
    pd_work_fn fn;
    void *ctx;
    atomic_uint gen;     /* bumped once per run (and once to stop) */
    atomic_int pending;  /* parts of this run not yet done, the caller's excepted */
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a new run, or stop */
    pthread_cond_t done; /* the last worker's part of a run is done */
    int sleepers;        /* workers blocked on wake (under lock) */
    bool caller_waiting; /* the caller blocked on done (under lock) */
};

/* Spins until *gen differs from seen or the spin time is over; true if it changed. */
static bool spin_for_gen(atomic_uint *gen, unsigned seen)
{
    double deadline = 0.0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(gen, memory_order_acquire) != seen)
            return true;
        if (!spin_step(i, &deadline))
            return false;
    }
}

static void *worker_main(void *arg)
{
    worker *me = arg;
    pd_workers *w = me->pool;
    unsigned seen = 0;
    for (;;) {
        if (!spin_for_gen(&w->gen, seen)) {
            pthread_mutex_lock(&w->lock);
            while (atomic_load_explicit(&w->gen, memory_order_acquire) == seen) {
                w->sleepers++;
                pthread_cond_wait(&w->wake, &w->lock);
                w->sleepers--;
            }
            pthread_mutex_unlock(&w->lock);
        }
        seen = atomic_load_explicit(&w->gen, memory_order_acquire);
        if (atomic_load_explicit(&w->stop, memory_order_acquire))
            return NULL;
        w->fn(w->ctx, me->part, w->threads);
        if (atomic_fetch_sub_explicit(&w->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&w->lock);
            if (w->caller_waiting)
                pthread_cond_signal(&w->done);
            pthread_mutex_unlock(&w->lock);
        }
    }
}

/* Publishes the next generation and wakes the workers that sleep. */
static void publish(pd_workers *w)
{
    atomic_fetch_add_explicit(&w->gen, 1, memory_order_acq_rel);
    pthread_mutex_lock(&w->lock);
    if (w->sleepers > 0)
        pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

void pd_workers_free(pd_workers *w)
{
    if (!w)
        return;
    atomic_store_explicit(&w->stop, true, memory_order_release);
    publish(w);
    for (int i = 0; i < w->started; i++)
        pthread_join(w->workers[i].thread, NULL);
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w->workers);
    free(w);
}

pd_status pd_workers_new(int threads, pd_workers **out, pd_error *err)
{
    *out = NULL;
    if (threads <= 1)
        return PD_OK;
    pd_workers *w = calloc(1, sizeof *w);
    if (!w)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    w->workers = calloc((size_t)threads - 1, sizeof *w->workers);
    if (!w->workers) {
        free(w);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    w->threads = threads;
    atomic_init(&w->gen, 0);
    atomic_init(&w->pending, 0);
    atomic_init(&w->stop, false);
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w->workers);
        free(w);
        return pd_error_set(err, PD_ENOMEM, "cannot create the worker pool's lock");
    }
    if (pthread_cond_init(&w->wake, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        free(w->workers);
        free(w);
        return pd_error_set(err, PD_ENOMEM, "cannot create the worker pool's condition");
    }
    if (pthread_cond_init(&w->done, NULL) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w->workers);
        free(w);
        return pd_error_set(err, PD_ENOMEM, "cannot create the worker pool's condition");
    }
    for (int i = 0; i < threads - 1; i++) {
        w->workers[i] = (worker){w, i + 1, 0};
        if (pthread_create(&w->workers[i].thread, NULL, worker_main, &w->workers[i]) != 0) {
            pd_workers_free(w);
            return pd_error_set(err, PD_ENOMEM, "cannot start worker thread %d of %d", i + 1,
                                threads - 1);
        }
        w->started++;
    }
    *out = w;
    return PD_OK;
}

int pd_workers_count(const pd_workers *w)
{
    return w ? w->threads : 1;
}

void pd_workers_run(pd_workers *w, pd_work_fn fn, void *ctx)
{
    if (!w) {
        fn(ctx, 0, 1);
        return;
    }
    w->fn = fn;
    w->ctx = ctx;
    atomic_store_explicit(&w->pending, w->threads - 1, memory_order_relaxed);
    publish(w);
    fn(ctx, 0, w->threads);
    double deadline = 0.0;
    for (unsigned i = 1; atomic_load_explicit(&w->pending, memory_order_acquire) != 0; i++)
        if (!spin_step(i, &deadline)) {
            pthread_mutex_lock(&w->lock);
            w->caller_waiting = true;
            while (atomic_load_explicit(&w->pending, memory_order_acquire) != 0)
                pthread_cond_wait(&w->done, &w->lock);
            w->caller_waiting = false;
            pthread_mutex_unlock(&w->lock);
            break;
        }
}
