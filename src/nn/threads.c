/* BLAS threads: OpenBLAS keeps the count process-wide, so it is set in one place. */
#include <cblas.h>

#include "predoff/runtime.h"

int pd_runtime_set_threads(int threads)
{
    if (threads > 0)
        openblas_set_num_threads(threads);
    return openblas_get_num_threads();
}
