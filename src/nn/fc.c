/* Fully connected: out = W x + b, the input flattened in C, H, W order (BLAS sgemv). */
#include <cblas.h>
#include <string.h>

#include "forward.h"

static void forward(const pd_forward_args *a)
{
    int outputs = (int)a->l->p.outputs, inputs = (int)pd_shape_elems(a->l->in);
    memcpy(a->out, a->b, (size_t)outputs * sizeof *a->out);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, outputs, inputs, 1.0f, a->w, inputs, a->in, 1, 1.0f,
                a->out, 1);
}

const pd_forward_op pd_fc_forward = {forward, pd_no_scratch};
