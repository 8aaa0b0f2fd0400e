/* OpenBLAS on one thread a call while a net splits a layer over its own threads
 * (src/nn/threads.c). Calls nest across threads: OpenBLAS gets its count back when the
 * last net leaves. */
#ifndef PD_NN_BLAS_THREADS_H
#define PD_NN_BLAS_THREADS_H

void pd_blas_single_enter(void);
void pd_blas_single_leave(void);

#endif
