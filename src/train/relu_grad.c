/* ReLU: forward max(0, x); backward passes the gradient where the input is positive
 * (PyTorch's threshold_backward: zero at 0 itself). */
#include "grad.h"

static void forward_part(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)part;
    (void)parts;
    size_t n = (size_t)pd_shape_elems(a->l->in);
    for (size_t i = s0 * n; i < s1 * n; i++)
        a->out[i] = a->in[i] > 0.0f ? a->in[i] : 0.0f;
}

static void backward_part(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)part;
    (void)parts;
    size_t n = (size_t)pd_shape_elems(a->l->in);
    for (size_t i = s0 * n; i < s1 * n; i++)
        a->din[i] += a->in[i] > 0.0f ? a->dout[i] : 0.0f;
}

static void forward(const pd_grad_args *a)
{
    pd_grad_split(a, forward_part);
}

static void backward(const pd_grad_args *a)
{
    if (a->din)
        pd_grad_split(a, backward_part);
}

const pd_grad_op pd_relu_grad = {forward, backward, pd_grad_no_scratch, pd_grad_no_aux};
