/* The runtime's threads. OpenBLAS keeps its thread count process-wide, so this count is
 * process-wide too: pd_runtime_set_threads sets it and OpenBLAS's (for BLAS called
 * directly, as training does); nets made afterwards split each layer over it themselves.
 * While any net with a pool runs, OpenBLAS runs each call on one thread: two threads
 * calling a threaded OpenBLAS at once would queue on its pool. */
#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>

#include "blas_threads.h"
#include "predoff/runtime.h"

static atomic_int runtime_threads; /* 0: not chosen yet */

static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int blas_users;  /* nets running with a pool (under blas_lock) */
static int blas_saved;  /* OpenBLAS's threads before the first of them (under blas_lock) */

int pd_runtime_threads(void)
{
    int t = atomic_load(&runtime_threads);
    if (t > 0)
        return t;
    int blas = openblas_get_num_threads(), expected = 0;
    atomic_compare_exchange_strong(&runtime_threads, &expected, blas > 0 ? blas : 1);
    return atomic_load(&runtime_threads);
}

int pd_runtime_set_threads(int threads)
{
    if (threads > 0) {
        atomic_store(&runtime_threads, threads);
        pthread_mutex_lock(&blas_lock);
        if (blas_users > 0)
            blas_saved = threads; /* put back when the running nets are done */
        else
            openblas_set_num_threads(threads);
        pthread_mutex_unlock(&blas_lock);
    }
    return pd_runtime_threads();
}

void pd_blas_single_enter(void)
{
    pthread_mutex_lock(&blas_lock);
    if (blas_users++ == 0) {
        blas_saved = openblas_get_num_threads();
        if (blas_saved != 1)
            openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&blas_lock);
}

void pd_blas_single_leave(void)
{
    pthread_mutex_lock(&blas_lock);
    if (--blas_users == 0 && blas_saved != 1)
        openblas_set_num_threads(blas_saved);
    pthread_mutex_unlock(&blas_lock);
}
