/* Pooling as PyTorch computes it: max pads with -inf; average counts the padding
 * (count_include_pad) but not the part of a ceil-mode window past the padded input. */
#include <math.h>

#include "cpu_clones.h"
#include "forward.h"
#include "kernels.h"
#include "pool_window.h"
#include "workers.h"


/* The larger of a and b, or NaN if either is NaN: PyTorch's max pooling lets a NaN
 * anywhere in a window through (a plain comparison would drop one that comes second). */
PD_INLINE float max_nan(float a, float b)
{
    float m = b > a ? b : a; /* a if a is NaN */
    return b != b ? b : m;   /* two selects, which the compiler vectorises (an || it did not) */
}

/* Row by row: first the window's rows reduced elementwise into `row` (a loop the compiler
 * vectorises), between -inf borders, then each output the maximum of its k values of that
 * row: with the borders no window needs clipping, and the common (k 3, stride 2) and
 * (k 2, stride 2) windows get loops of their own that the compiler vectorises too, as
 * does stride 1 (tap by tap over the whole row). A
 * window that runs into a border still holds an input value (the model reader refuses
 * windows that would not), so -inf never comes out. */
PD_INLINE void max_plane(const float *in, float *out, float *row, int64_t H, int64_t W, int64_t k,
                      int64_t s, int64_t p, int64_t oy0, int64_t oy1, int64_t OW)
{
    const int64_t span = (OW - 1) * s + k; /* the bordered row the windows read */
    float *mid = row + p;                  /* input column x at mid[x] */
    for (int64_t j = 0; j < p; j++)
        row[j] = -INFINITY;
    for (int64_t j = p + W; j < span; j++)
        row[j] = -INFINITY;
    for (int64_t oy = oy0; oy < oy1; oy++) {
        pd_pool_span y = pd_pool_window(oy, s, p, k, H);
        const float *first = in + y.lo * W;
        for (int64_t x = 0; x < W; x++)
            mid[x] = first[x];
        for (int64_t yy = y.lo + 1; yy < y.hi; yy++) {
            const float *r = in + yy * W;
            for (int64_t x = 0; x < W; x++)
                mid[x] = max_nan(mid[x], r[x]);
        }
        float *o = out + oy * OW;
        if (k == 3 && s == 2)
            for (int64_t ox = 0; ox < OW; ox++) {
                o[ox] = max_nan(max_nan(row[2 * ox], row[2 * ox + 1]), row[2 * ox + 2]);
            }
        else if (k == 2 && s == 2)
            for (int64_t ox = 0; ox < OW; ox++) {
                o[ox] = max_nan(row[2 * ox], row[2 * ox + 1]);
            }
        else if (s == 1) {
            for (int64_t ox = 0; ox < OW; ox++)
                o[ox] = row[ox];
            for (int64_t j = 1; j < k; j++)
                for (int64_t ox = 0; ox < OW; ox++)
                    o[ox] = max_nan(o[ox], row[ox + j]);
        } else
            for (int64_t ox = 0; ox < OW; ox++) {
                const float *wnd = row + ox * s;
                float m = wnd[0];
                for (int64_t j = 1; j < k; j++)
                    m = max_nan(m, wnd[j]);
                o[ox] = m;
            }
    }
}

PD_INLINE void avg_plane(const float *in, float *out, float *row, int64_t H, int64_t W, int64_t k,
                      int64_t s, int64_t p, int64_t oy0, int64_t oy1, int64_t OW)
{
    for (int64_t oy = oy0; oy < oy1; oy++) {
        pd_pool_span y = pd_pool_window(oy, s, p, k, H);
        for (int64_t x = 0; x < W; x++)
            row[x] = 0.0f;
        for (int64_t yy = y.lo; yy < y.hi; yy++) {
            const float *r = in + yy * W;
            for (int64_t x = 0; x < W; x++)
                row[x] += r[x];
        }
        for (int64_t ox = 0; ox < OW; ox++) {
            pd_pool_span x = pd_pool_window(ox, s, p, k, W);
            float sum = 0.0f;
            for (int64_t xx = x.lo; xx < x.hi; xx++)
                sum += row[xx];
            out[oy * OW + ox] = sum / (float)(y.padded * x.padded);
        }
    }
}

/* A 3 x 3 max pool of stride 1 that keeps the size, on rows shorter than 32: whole planes
 * at once (pd_k_max3_s1), each thread a range of channels. Row by row, GoogLeNet's inception
 * pools on 14 x 14 and 7 x 7 maps ran their loops on fewer floats than a vector holds. */
static bool small_max3(const pd_layer *l)
{
    const pd_layer_params *p = &l->p;
    return p->mode == PD_POOL_MAX && !p->global && p->kernel == 3 && p->stride == 1 &&
           p->pad == 1 && l->out.h == l->in.h && l->out.w == l->in.w && l->in.w < 32;
}

static size_t scratch_floats(const pd_layer *l)
{
    if (small_max3(l)) /* one plane's row maxima */
        return (size_t)(l->in.h * l->in.w);
    /* one reduced row between borders: the windows span (OW - 1) s + k <= W + 2 pad + s */
    return (size_t)(l->in.w + 2 * l->p.pad + l->p.kernel + l->p.stride);
}

static size_t split_scratch_floats(const pd_layer *l, int threads)
{
    return (size_t)threads * scratch_floats(l); /* one row each */
}

/* Output rows [oy0, oy1) of every channel, `row` the scratch row; vectorised for the CPU
 * at hand (cpu_clones.h). */
PD_INLINE void rows_body(const pd_forward_args *a, int64_t oy0, int64_t oy1, float *row)
{
    const pd_layer *l = a->l;
    const int64_t H = l->in.h, W = l->in.w, OH = l->out.h, OW = l->out.w;
    for (int64_t c = 0; c < l->in.c; c++) {
        const float *in = a->in + c * H * W;
        float *out = a->out + c * OH * OW;
        if (l->p.mode == PD_POOL_MAX)
            max_plane(in, out, row, H, W, l->p.kernel, l->p.stride, l->p.pad, oy0, oy1, OW);
        else
            avg_plane(in, out, row, H, W, l->p.kernel, l->p.stride, l->p.pad, oy0, oy1, OW);
    }
}

PD_CPU_CLONES(rows, (const pd_forward_args *a, int64_t oy0, int64_t oy1, float *row),
              (a, oy0, oy1, row))

/* A global pool, or an average that leaves the padding out of its count: the general
 * kernels (kernel_pool.c), on the caller alone. */
static bool general(const pd_layer *l)
{
    return l->p.global || (l->p.mode == PD_POOL_AVG && l->p.pad && !l->p.count_include_pad);
}

static void forward_general(const pd_forward_args *a)
{
    const pd_layer *l = a->l;
    const pd_layer_params *p = &l->p;
    if (p->global) {
        if (p->mode == PD_POOL_MAX)
            pd_k_global_max_pool(l->in.c, l->in.h * l->in.w, a->in, a->out);
        else
            pd_k_global_avg_pool(l->in.c, l->in.h * l->in.w, a->in, a->out);
        return;
    }
    pd_k_pool_geom g = {l->in.c, l->in.h,  l->in.w, p->kernel, p->kernel, p->stride, p->stride,
                        p->pad,  p->pad,   p->pad,  p->pad,    l->out.h,  l->out.w};
    pd_k_avg_pool(&g, false, a->in, a->out);
}

static void forward(const pd_forward_args *a)
{
    if (general(a->l))
        forward_general(a);
    else if (small_max3(a->l))
        pd_k_max3_s1(0, a->l->in.c, a->l->in.h, a->l->in.w, a->in, a->out, a->scratch);
    else
        rows(a, 0, a->l->out.h, a->scratch);
}

/* Split over threads: each takes a range of output rows of every channel, with its own
 * scratch row. By rows, not channels: the layer before most often split its output by
 * pixels (a convolution's im2col parts, Winograd's tiles), so each thread then reads the
 * rows its own core wrote. Split by channels, b-alexnet's pool1 took 0.021 ms on two
 * threads, against 0.012 ms on one. */
static void part(void *ctx, int p, int parts)
{
    const pd_forward_args *a = ctx;
    const pd_layer *l = a->l;
    float *scratch = a->scratch + (size_t)p * scratch_floats(l);
    if (small_max3(l)) {
        pd_k_max3_s1(l->in.c * p / parts, l->in.c * (p + 1) / parts, l->in.h, l->in.w, a->in,
                     a->out, scratch);
        return;
    }
    int64_t OH = l->out.h;
    rows(a, OH * p / parts, OH * (p + 1) / parts, scratch);
}

/* Fewer input elements than this run alone (a few microseconds; a hand-off costs about
 * one). */
#define SPLIT_MIN 8192

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (pd_shape_elems(a->l->in) < SPLIT_MIN || general(a->l))
        forward(a);
    else
        pd_workers_run(w, part, (void *)a);
}

const pd_forward_op pd_pool_forward = {
    .forward = forward,
    .scratch_floats = scratch_floats,
    .forward_split = forward_split,
    .split_scratch_floats = split_scratch_floats,
};
