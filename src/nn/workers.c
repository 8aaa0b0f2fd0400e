/* The net's worker pool. A run publishes (fn, ctx) and bumps a generation counter; each
 * worker spins on the counter for up to SPIN_MS, then sleeps on a condition variable.
 * Every thread, the caller first, claims parts from one counter until none is left, so a
 * worker that the machine has not scheduled yet holds nothing up: the caller runs its
 * part too. The caller then waits the same way until every part is done. Nothing is
 * allocated per run. */
#include "workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
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
    pthread_t thread;
} worker;

struct pd_workers {
    int threads;
    worker *workers; /* [threads - 1] */
    int started;     /* threads actually created */
    pd_work_fn fn;
    void *ctx;
    atomic_uint gen;     /* bumped once per run (and once to stop) */
    _Atomic uint64_t claim; /* the run's generation << 32 | the next part to claim */
    atomic_int done;        /* parts of this run done */
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a new run, or stop */
    pthread_cond_t all_done; /* the last part of a run is done */
    int sleepers;        /* workers blocked on wake (under lock) */
    bool caller_waiting; /* the caller blocked on all_done (under lock) */
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

/* Claims and runs parts of generation g until none is left (or g is over). A claim can
 * only succeed while g runs, and g cannot end before the part claimed is done, so fn and
 * ctx, read after the claim, are g's. */
static void work(pd_workers *w, unsigned g)
{
    const uint64_t parts = (uint64_t)w->threads;
    uint64_t c = atomic_load_explicit(&w->claim, memory_order_acquire);
    while ((unsigned)(c >> 32) == g && (c & 0xffffffffu) < parts) {
        if (!atomic_compare_exchange_weak_explicit(&w->claim, &c, c + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue; /* c now holds the counter's value */
        w->fn(w->ctx, (int)(c & 0xffffffffu), w->threads);
        if (atomic_fetch_add_explicit(&w->done, 1, memory_order_acq_rel) + 1 == w->threads) {
            pthread_mutex_lock(&w->lock);
            if (w->caller_waiting)
                pthread_cond_signal(&w->all_done);
            pthread_mutex_unlock(&w->lock);
        }
        c = atomic_load_explicit(&w->claim, memory_order_acquire);
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
        work(w, seen);
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
    pthread_cond_destroy(&w->all_done);
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
    atomic_init(&w->claim, 0);
    atomic_init(&w->done, 0);
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
    if (pthread_cond_init(&w->all_done, NULL) != 0) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w->workers);
        free(w);
        return pd_error_set(err, PD_ENOMEM, "cannot create the worker pool's condition");
    }
    for (int i = 0; i < threads - 1; i++) {
        w->workers[i] = (worker){w, 0};
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
    atomic_store_explicit(&w->done, 0, memory_order_relaxed);
    unsigned g = atomic_load_explicit(&w->gen, memory_order_relaxed) + 1; /* only we bump it */
    atomic_store_explicit(&w->claim, (uint64_t)g << 32, memory_order_release);
    publish(w);
    work(w, g);
    double deadline = 0.0;
    for (unsigned i = 1; atomic_load_explicit(&w->done, memory_order_acquire) != w->threads; i++)
        if (!spin_step(i, &deadline)) {
            pthread_mutex_lock(&w->lock);
            w->caller_waiting = true;
            while (atomic_load_explicit(&w->done, memory_order_acquire) != w->threads)
                pthread_cond_wait(&w->all_done, &w->lock);
            w->caller_waiting = false;
            pthread_mutex_unlock(&w->lock);
            break;
        }
}
