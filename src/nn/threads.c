/* Thread counts. A net or trainer splits its work over threads of its own (its pool), so
 * OpenBLAS runs one thread a call throughout, set wherever one is made: with OpenBLAS's
 * own threads on as well, each threaded call leaves them spinning for a while and they
 * take the cores from the runtime's workers. (Measured, before this was so: a net switched
 * OpenBLAS to one thread for each run and back after it, and b-lenet's conv2 timed alone
 * on 2 threads took 0.094 to 0.108 ms against 0.027 to 0.031 with OpenBLAS left on one;
 * docs/PERFORMANCE.md.) Setting it is idempotent, so every net and trainer does. */
#include "threads.h"

#include <cblas.h>
#include <unistd.h>

int pd_threads_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > PD_THREADS_DEFAULT_MAX ? PD_THREADS_DEFAULT_MAX : (int)n;
}

pd_status pd_threads_resolve(int threads, const char *model, int *out, pd_error *err)
{
    if (threads < 0 || threads > PD_THREADS_MAX)
        return pd_error_set(err, PD_EINPUT,
                            "model \"%s\": %d threads; give 1 to %d, or 0 for the default",
                            model, threads, PD_THREADS_MAX);
    *out = threads > 0 ? threads : pd_threads_default();
    openblas_set_num_threads(1);
    return PD_OK;
}
