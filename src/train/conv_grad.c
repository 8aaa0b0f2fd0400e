/* Convolution over a batch, a chunk of S samples at a time, so that each product is one
 * large sgemm rather than one small one per sample. The chunk's column matrix puts the
 * samples side by side: col[K, S N] (K = C k k, N = OH OW; sample j's columns at j N).
 * Forward:  t[F, S N] = W[F, K] col, then out[s][f][n] = t[f][j N + n] + b[f].
 * Backward: t[F, S N] gathers dout likewise; dW[F, K] += t col^T, db[f] += each sample's
 *           sum of dout[s][f], dcol = W^T t (into col's place) and din += col2im(dcol).
 * The chunk holds at most CHUNK_FLOATS column floats (and at least one sample), so the
 * matrices stay near the cache and the scratch does not grow with the batch. Split over
 * the workers, each part takes consecutive samples, its own chunks and its own dW and db
 * sums, which are added in part order at the end. */
#include <cblas.h>

#include "grad.h"
#include "im2col.h"

enum { CHUNK_FLOATS = 1 << 20 };

typedef struct dims {
    int F, K, N;
    size_t in_n, out_n, chunk; /* per-sample sizes; samples per chunk */
    size_t part_floats;        /* one part's scratch: col, t, then dW and db partial sums */
} dims;

static size_t round16(size_t n)
{
    return (n + 15) / 16 * 16;
}

/* For a pass over `batch` samples split into `threads` parts. */
static dims dims_of(const pd_layer *l, size_t batch, int threads)
{
    dims d;
    d.F = (int)l->p.filters;
    d.K = (int)(l->in.c * l->p.kernel * l->p.kernel);
    d.N = (int)(l->out.h * l->out.w);
    d.in_n = (size_t)pd_shape_elems(l->in);
    d.out_n = (size_t)pd_shape_elems(l->out);
    size_t parts = (size_t)(threads > 1 ? threads : 1), per = (batch + parts - 1) / parts;
    size_t kn = (size_t)d.K * (size_t)d.N, c = kn ? CHUNK_FLOATS / kn : per;
    c = c < per ? c : per;
    d.chunk = c > 0 ? c : 1;
    d.part_floats = round16(d.chunk * (size_t)d.N * (size_t)(d.K + d.F)) +
                    round16((size_t)d.F * (size_t)(d.K + 1));
    return d;
}

static size_t scratch_floats(const pd_layer *l, size_t batch, int threads)
{
    return (size_t)(threads > 1 ? threads : 1) * dims_of(l, batch, threads).part_floats;
}

static void columns(const pd_layer *l, const dims *d, const float *in, size_t S, float *col)
{
    for (size_t j = 0; j < S; j++)
        pd_im2col(l, in + j * d->in_n, col + j * (size_t)d->N, S * (size_t)d->N);
}

static void forward_part(const pd_grad_args *a, size_t first, size_t end, int part, int parts)
{
    const pd_layer *l = a->l;
    dims d = dims_of(l, a->batch, parts);
    float *col = a->scratch + (size_t)part * d.part_floats;
    for (size_t s0 = first; s0 < end; s0 += d.chunk) {
        size_t S = end - s0 < d.chunk ? end - s0 : d.chunk, SN = S * (size_t)d.N;
        float *t = col + (size_t)d.K * SN;
        columns(l, &d, a->in + s0 * d.in_n, S, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d.F, (int)SN, d.K, 1.0f, a->w, d.K,
                    col, (int)SN, 0.0f, t, (int)SN);
        for (size_t j = 0; j < S; j++)
            for (int f = 0; f < d.F; f++) {
                const float *src = t + (size_t)f * SN + j * (size_t)d.N;
                float *dst = a->out + (s0 + j) * d.out_n + (size_t)f * (size_t)d.N;
                float bias = a->b[f];
                for (int n = 0; n < d.N; n++)
                    dst[n] = src[n] + bias;
            }
    }
}

static void forward(const pd_grad_args *a)
{
    pd_grad_split(a, forward_part);
}

/* Samples [first, end): dW and db into the part's own sums when split (added in part
 * order afterwards, so the result depends on the threads but never varies), else straight
 * into a->dw and a->db. */
static void backward_part(const pd_grad_args *a, size_t first, size_t end, int part, int parts)
{
    const pd_layer *l = a->l;
    dims d = dims_of(l, a->batch, parts);
    float *col = a->scratch + (size_t)part * d.part_floats;
    float *dw = a->dw, *db = a->db;
    if (parts > 1) {
        dw = col + d.part_floats - round16((size_t)d.F * (size_t)(d.K + 1));
        db = dw + (size_t)d.F * (size_t)d.K;
        for (size_t i = 0; i < (size_t)d.F * (size_t)(d.K + 1); i++)
            dw[i] = 0.0f;
    }
    for (size_t s0 = first; s0 < end; s0 += d.chunk) {
        size_t S = end - s0 < d.chunk ? end - s0 : d.chunk, SN = S * (size_t)d.N;
        float *t = col + (size_t)d.K * SN;
        for (size_t j = 0; j < S; j++)
            for (int f = 0; f < d.F; f++) {
                const float *src = a->dout + (s0 + j) * d.out_n + (size_t)f * (size_t)d.N;
                float *dst = t + (size_t)f * SN + j * (size_t)d.N, sum = 0.0f;
                for (int n = 0; n < d.N; n++) {
                    dst[n] = src[n];
                    sum += src[n];
                }
                db[f] += sum;
            }
        columns(l, &d, a->in + s0 * d.in_n, S, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d.F, d.K, (int)SN, 1.0f, t, (int)SN,
                    col, (int)SN, 1.0f, dw, d.K);
        if (!a->din)
            continue;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d.K, (int)SN, d.F, 1.0f, a->w, d.K, t,
                    (int)SN, 0.0f, col, (int)SN);
        for (size_t j = 0; j < S; j++)
            pd_col2im_add(l, col + j * (size_t)d.N, SN, a->din + (s0 + j) * d.in_n);
    }
}

static void backward(const pd_grad_args *a)
{
    pd_grad_split(a, backward_part);
    int parts = pd_grad_parts(a);
    if (parts == 1)
        return;
    dims d = dims_of(a->l, a->batch, parts);
    size_t wk = (size_t)d.F * (size_t)d.K;
    for (int p = 0; p < parts; p++) {
        const float *dw = a->scratch + (size_t)(p + 1) * d.part_floats -
                          round16((size_t)d.F * (size_t)(d.K + 1)),
                    *db = dw + wk;
        for (size_t i = 0; i < wk; i++)
            a->dw[i] += dw[i];
        for (int f = 0; f < d.F; f++)
            a->db[f] += db[f];
    }
}

const pd_grad_op pd_conv_grad = {forward, backward, scratch_floats, pd_grad_no_aux};
