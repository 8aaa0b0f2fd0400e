/* Local response normalisation (PyTorch's LocalResponseNorm, as src/nn/lrn.c):
 * y_c = x_c d_c^-beta, d_c = k + alpha/n sum_{j in W(c)} x_j^2, W(c) = [c - n/2, c + (n-1)/2]
 * clipped to [0, C). Forward: the inference runtime's, sample by sample. Backward:
 * dx_j = dy_j d_j^-beta - 2 beta alpha/n x_j sum_{c : j in W(c)} dy_c x_c d_c^(-beta-1),
 * where j in W(c) means c in [j - (n-1)/2, j + n/2]. Done in double per sample, one power
 * per element (d^(-beta-1) = d^-beta / d; beta 0.75 by square roots). */
#include <math.h>

#include "grad.h"

/* p = d^-beta (C x HW) and t = dy x d^(-beta-1) (C x HW), one sample's, in double */
/* per thread, a multiple of 16 floats (the doubles stay 64-byte aligned) */
static size_t part_floats(const pd_layer *l)
{
    return (4 * (size_t)pd_shape_elems(l->in) + 15) / 16 * 16;
}

static size_t scratch_floats(const pd_layer *l, size_t batch, int threads)
{
    size_t own = (size_t)(threads > 1 ? threads : 1) * part_floats(l),
           runtime = pd_grad_runtime_scratch(l, batch, threads);
    return own > runtime ? own : runtime;
}

/* d^-beta: AlexNet's beta 0.75 by square roots, others by pow. */
static double neg_power(double d, double beta, int three_quarters)
{
    if (three_quarters) {
        double r = sqrt(d);
        return 1.0 / (r * sqrt(r));
    }
    return pow(d, -beta);
}

static void backward_part(const pd_grad_args *a, size_t s0, size_t s1, int part, int parts)
{
    (void)parts;
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, HW = l->in.h * l->in.w, n = l->p.size;
    const int64_t before = n / 2, after = (n - 1) / 2;
    const double scale = l->p.alpha / (double)n, k = l->p.k, beta = l->p.beta;
    const int tq = beta == 0.75;
    const size_t elems = (size_t)(C * HW);
    /* the scratch is 64-byte aligned floats; read it as doubles */
    double *p = (double *)(void *)(a->scratch + (size_t)part * part_floats(l)), *t = p + elems;
    for (size_t s = s0; s < s1; s++) {
        const float *x = a->in + s * elems, *dy = a->dout + s * elems;
        float *dx = a->din + s * elems;
        for (int64_t c = 0; c < C; c++) {
            int64_t lo = c - before < 0 ? 0 : c - before, hi = c + after < C ? c + after : C - 1;
            for (int64_t i = 0; i < HW; i++) {
                double sum = 0.0;
                for (int64_t j = lo; j <= hi; j++) {
                    double v = x[j * HW + i];
                    sum += v * v;
                }
                double dc = k + scale * sum, pc = neg_power(dc, beta, tq);
                p[c * HW + i] = pc;
                t[c * HW + i] = (double)dy[c * HW + i] * x[c * HW + i] * (pc / dc);
            }
        }
        for (int64_t j = 0; j < C; j++) {
            int64_t lo = j - after < 0 ? 0 : j - after, hi = j + before < C ? j + before : C - 1;
            for (int64_t i = 0; i < HW; i++) {
                double sum = 0.0;
                for (int64_t c = lo; c <= hi; c++)
                    sum += t[c * HW + i];
                double xj = x[j * HW + i];
                dx[j * HW + i] += (float)((double)dy[j * HW + i] * p[j * HW + i] -
                                          2.0 * beta * scale * xj * sum);
            }
        }
    }
}

static void backward(const pd_grad_args *a)
{
    if (a->din)
        pd_grad_split(a, backward_part);
}

const pd_grad_op pd_lrn_grad = {pd_grad_forward_by_sample, backward, scratch_floats,
                                pd_grad_no_aux};
