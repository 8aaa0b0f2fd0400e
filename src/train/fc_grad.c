/* Fully connected over a batch, each a single sgemm (input flattened in C, H, W order):
 * forward  out[B, O] = in[B, I] W[O, I]^T + b,
 * backward dW[O, I] += dout[B, O]^T in[B, I], db += column sums of dout,
 *          din[B, I] += dout[B, O] W[O, I]. */
#include <cblas.h>

#include "grad.h"

static void forward(const pd_grad_args *a)
{
    int B = (int)a->batch, O = (int)a->l->p.outputs, NI = (int)pd_shape_elems(a->l->in);
    for (int s = 0; s < B; s++)
        for (int o = 0; o < O; o++)
            a->out[(size_t)s * (size_t)O + (size_t)o] = a->b[o];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, O, NI, 1.0f, a->in, NI, a->w, NI, 1.0f,
                a->out, O);
}

static void backward(const pd_grad_args *a)
{
    int B = (int)a->batch, O = (int)a->l->p.outputs, NI = (int)pd_shape_elems(a->l->in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, NI, B, 1.0f, a->dout, O, a->in, NI, 1.0f,
                a->dw, NI);
    for (int s = 0; s < B; s++)
        for (int o = 0; o < O; o++)
            a->db[o] += a->dout[(size_t)s * (size_t)O + (size_t)o];
    if (a->din)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, NI, O, 1.0f, a->dout, O, a->w, NI,
                    1.0f, a->din, NI);
}

const pd_grad_op pd_fc_grad = {forward, backward, pd_grad_no_scratch, pd_grad_no_aux};
