/* ReLU: max(0, x), elementwise. */
#include "forward.h"

static void forward(const pd_forward_args *a)
{
    size_t n = (size_t)pd_shape_elems(a->l->in);
    const float *in = a->in;
    float *out = a->out;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

const pd_forward_op pd_relu_forward = {forward, pd_no_scratch};
