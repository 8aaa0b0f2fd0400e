/* Local response normalisation across channels, PyTorch's LocalResponseNorm. */
#include <stddef.h>
#include <stdio.h>

#include "../layer_type.h"

static const pd_param_desc params[] = {
    {"size", PD_PARAM_INT, offsetof(pd_layer_params, size), 0, 5, 1, 4096, NULL},
    {"alpha", PD_PARAM_REAL, offsetof(pd_layer_params, alpha), 0, 1e-4, 0.0, 1e6, NULL},
    {"beta", PD_PARAM_REAL, offsetof(pd_layer_params, beta), 0, 0.75, 0.0, 1e3, NULL},
    {"k", PD_PARAM_REAL, offsetof(pd_layer_params, k), 0, 1.0, 0.0, 1e6, NULL},
};

/* One multiply-accumulate per channel in each element's window. */
static double macs(const pd_layer *l)
{
    return (double)pd_shape_elems(l->in) * (double)l->p.size;
}

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "size %lld alpha %g beta %g k %g", (long long)l->p.size, l->p.alpha,
             l->p.beta, l->p.k);
}

const pd_layer_type_def pd_lrn_type = {
    "lrn",
    params,
    sizeof params / sizeof params[0],
    pd_layer_same_shape,
    pd_layer_no_weights,
    macs,
    pd_layer_no_kernel_filters,
    describe,
    NULL,
};
