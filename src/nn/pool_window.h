/* A pooling window along one axis, as PyTorch places it: shared by the forward pass
 * (pool.c) and the training pass (src/train/pool_grad.c), which must agree exactly. */
#ifndef PD_NN_POOL_WINDOW_H
#define PD_NN_POOL_WINDOW_H

#include <stdint.h>

/* [lo, hi): the window of output o clipped to an input of n; `padded` is its span
 * clipped to the padded input only, the divisor of an average with count_include_pad. */
typedef struct pd_pool_span {
    int64_t lo, hi, padded;
} pd_pool_span;

/* Output position o, stride s, padding p, kernel k, input length n. */
static inline pd_pool_span pd_pool_window(int64_t o, int64_t s, int64_t p, int64_t k, int64_t n)
{
    int64_t a = o * s - p, b = a + k < n + p ? a + k : n + p;
    pd_pool_span r = {a < 0 ? 0 : a, b < n ? b : n, b - a};
    return r;
}

/* The same with padding lo before the input and hi after it (ONNX's asymmetric pads):
 * pd_pool_window(o, s, p, k, n) is pd_pool_window_pads(o, s, p, p, k, n). */
static inline pd_pool_span pd_pool_window_pads(int64_t o, int64_t s, int64_t lo, int64_t hi,
                                               int64_t k, int64_t n)
{
    int64_t a = o * s - lo, b = a + k < n + hi ? a + k : n + hi;
    pd_pool_span r = {a < 0 ? 0 : a, b < n ? b : n, b - a};
    return r;
}

#endif
