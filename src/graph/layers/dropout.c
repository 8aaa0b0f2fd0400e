/* Dropout: identity at inference, still a timed layer. */
#include <stddef.h>
#include <stdio.h>

#include "../layer_type.h"

static const pd_param_desc params[] = {
    {"ratio", PD_PARAM_REAL, offsetof(pd_layer_params, ratio), 0, 0.5, 0.0, 1.0, NULL},
};

static void describe(const pd_layer *l, char *buf, size_t n)
{
    snprintf(buf, n, "ratio %g", l->p.ratio);
}

const pd_layer_type_def pd_dropout_type = {
    "dropout", params, 1, pd_layer_same_shape, pd_layer_no_weights, pd_layer_no_macs,
    pd_layer_no_kernel_filters, describe,
    NULL,
};
