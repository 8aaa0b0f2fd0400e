/* The runtime's threads. The runtime splits its work over threads of its own (a net's
 * pool, the trainer's), so OpenBLAS runs one thread a call throughout, set here: with
 * OpenBLAS's own threads on as well, each threaded call leaves them spinning for a while
 * and they take the cores from the runtime's workers. (Measured, before this was so: a
 * net switched OpenBLAS to one thread for each run and back after it, and b-lenet's
 * conv2 timed alone on 2 threads took 0.094 to 0.108 ms against 0.027 to 0.031 with
 * OpenBLAS left on one; docs/PERFORMANCE.md.) The count is process-wide, as OpenBLAS's
 * own setting is. */
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
    if (atomic_compare_exchange_strong(&runtime_threads, &expected, blas > 0 ? blas : 1))
        openblas_set_num_threads(1);
    return atomic_load(&runtime_threads);
}

int pd_runtime_set_threads(int threads)
{
    if (threads > 0) {
        pd_runtime_threads(); /* OpenBLAS's default read before it is set to one */
        atomic_store(&runtime_threads, threads);
        openblas_set_num_threads(1);
    }
    return pd_runtime_threads();
}
