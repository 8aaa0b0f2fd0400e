/* Convolution. Forward: the inference runtime's (im2col + sgemm), sample by sample.
 * Backward, per sample, with col = im2col(in) of shape [C k k, OH OW]:
 *   dW[F, Ckk] += dout[F, OHOW] col^T,  db[f] += sum of dout[f],
 *   dcol = W^T dout, and din += col2im(dcol). */
#include <cblas.h>

#include "grad.h"
#include "im2col.h"

static size_t col_floats(const pd_layer *l)
{
    return (size_t)(l->in.c * l->p.kernel * l->p.kernel) * (size_t)(l->out.h * l->out.w);
}

static size_t scratch_floats(const pd_layer *l)
{
    size_t own = 2 * col_floats(l), runtime = pd_grad_runtime_scratch(l);
    return own > runtime ? own : runtime;
}

static void backward(const pd_grad_args *a)
{
    const pd_layer *l = a->l;
    int F = (int)l->p.filters, K = (int)(l->in.c * l->p.kernel * l->p.kernel),
        N = (int)(l->out.h * l->out.w);
    size_t in_n = (size_t)pd_shape_elems(l->in), out_n = (size_t)pd_shape_elems(l->out);
    float *col = a->scratch, *dcol = a->scratch + col_floats(l);
    for (size_t s = 0; s < a->batch; s++) {
        const float *dout = a->dout + s * out_n;
        pd_im2col(l, a->in + s * in_n, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, F, K, N, 1.0f, dout, N, col, N, 1.0f,
                    a->dw, K);
        for (int f = 0; f < F; f++) {
            const float *d = dout + (size_t)f * (size_t)N;
            float sum = 0.0f;
            for (int i = 0; i < N; i++)
                sum += d[i];
            a->db[f] += sum;
        }
        if (a->din) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, F, 1.0f, a->w, K, dout, N,
                        0.0f, dcol, N);
            pd_col2im_add(l, dcol, a->din + s * in_n);
        }
    }
}

const pd_grad_op pd_conv_grad = {pd_grad_forward_by_sample, backward, scratch_floats,
                                 pd_grad_no_aux};
