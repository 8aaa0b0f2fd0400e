/* The runtime's threads. OpenBLAS keeps its thread count process-wide, so this count is
 * process-wide too: the nets split each layer over it, and OpenBLAS runs each call on one
 * thread. Until set, it is OpenBLAS's default, read once. */
#include <cblas.h>
#include <stdatomic.h>

#include "predoff/runtime.h"

static atomic_int runtime_threads; /* 0: not chosen yet */

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
        pd_runtime_threads(); /* OpenBLAS's default is read before it is changed below */
        atomic_store(&runtime_threads, threads);
    }
    int t = pd_runtime_threads();
    openblas_set_num_threads(1);
    return t;
}
