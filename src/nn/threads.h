/* The thread count a net or trainer is made with. */
#ifndef PD_NN_THREADS_H
#define PD_NN_THREADS_H

#include "predoff/runtime.h"

/* threads in [1, PD_THREADS_MAX] as it is, 0 as pd_threads_default(); anything else is
 * PD_EINPUT naming the model. Sets OpenBLAS to one thread a call (threads.c says why). */
pd_status pd_threads_resolve(int threads, const char *model, int *out, pd_error *err);

#endif
