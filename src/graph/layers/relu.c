/* ReLU: elementwise, shape unchanged. */
#include "../layer_type.h"

const pd_layer_type_def pd_relu_type = {
    "relu",
    NULL,
    0,
    pd_layer_same_shape,
    pd_layer_no_weights,
    pd_layer_no_macs,
    pd_layer_no_kernel_filters,
    pd_layer_no_params,
    NULL,
};
