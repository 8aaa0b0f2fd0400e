/* Depthwise convolution (groups = channels = filters), any kernel, stride, dilation and
 * padding, one channel at a time:
 *
 * 1. The channel's zero-padded plane P (Hp x Wp) is split into sh x sw sub-planes, sub-plane
 *    (a, b) holding P[i sh + a][j sw + b] as a Hq x Wq plane (Hq, Wq: Hp / sh, Wp / sw rounded
 *    up). Tap (ky, kx) of output (oy, ox) reads P[oy sh + ky dh][ox sw + kx dw], which is
 *    sub-plane ((ky dh) mod sh, (kx dw) mod sw) at row oy + (ky dh) / sh, column
 *    ox + (kx dw) / sw: a fixed offset from (oy, ox) whatever the stride.
 * 2. So each tap adds weight x a contiguous run of a sub-plane to a contiguous accumulator
 *    acc[oy Wq + ox], one long loop the compiler vectorises over the whole output at once
 *    (the Wq - OW columns past each row are computed and dropped), three taps a pass.
 * 3. The accumulator's OH x OW values, with the bias and an optional ReLU, are the output.
 *
 * Vectorised over a channel's whole output rather than its rows, a 7 x 7 output with a
 * 3 x 3 kernel fills 7 of every 9 lanes, not 7 of 16. The loop is compiled for AVX-512,
 * AVX2 with FMA and the baseline, and the CPU picks at run time (cpu_clones.h); this file is built with -ffp-contract=fast so that the
 * multiply-adds fuse where the CPU has FMA. Every channel is summed in the same order, so
 * a split over threads (by channels) gives the same floats bit for bit. */
#include <string.h>

#include "cpu_clones.h"
#include "forward.h" /* pd_relu */
#include "kernels.h"

/* What one channel needs: its sub-planes, then its accumulator. */
typedef struct dw_shape {
    int64_t hq, wq, planes, oh, ow, len; /* len: the accumulator's meaningful floats */
} dw_shape;

static dw_shape shape_of(const pd_k_conv_geom *g)
{
    const int64_t hp = g->h + g->pt + g->pb, wp = g->w + g->pl + g->pr;
    dw_shape s = {(hp + g->sh - 1) / g->sh, (wp + g->sw - 1) / g->sw, g->sh * g->sw,
                  pd_k_conv_out_h(g), pd_k_conv_out_w(g), 0};
    s.len = (s.oh - 1) * s.wq + s.ow;
    return s;
}

size_t pd_k_depthwise_scratch_floats(const pd_k_conv_geom *g)
{
    dw_shape s = shape_of(g);
    return (size_t)((s.planes + 1) * s.hq * s.wq);
}

/* Sub-plane (a, b) of channel `in` (h x w) into dst (hq x wq). */
PD_INLINE void split_plane(const pd_k_conv_geom *g,
                                                              const dw_shape *s, const float *in,
                                                              int64_t a, int64_t b, float *dst)
{
    /* columns j whose input column j sw + b - pl lies in [0, w) */
    const int64_t off = b - g->pl;
    int64_t jlo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
    int64_t jhi = g->w - off <= 0 ? 0 : (g->w - off + g->sw - 1) / g->sw;
    jhi = jhi < s->wq ? jhi : s->wq;
    jlo = jlo < jhi ? jlo : jhi;
    for (int64_t i = 0; i < s->hq; i++) {
        float *restrict d = dst + i * s->wq;
        const int64_t y = i * g->sh + a - g->pt;
        if (y < 0 || y >= g->h || jhi == jlo) {
            memset(d, 0, (size_t)s->wq * sizeof *d);
            continue;
        }
        const float *restrict src = in + y * g->w + off;
        memset(d, 0, (size_t)jlo * sizeof *d);
        if (g->sw == 1)
            memcpy(d + jlo, src + jlo, (size_t)(jhi - jlo) * sizeof *d);
        else if (g->sw == 2)
            for (int64_t j = jlo; j < jhi; j++)
                d[j] = src[2 * j];
        else
            for (int64_t j = jlo; j < jhi; j++)
                d[j] = src[j * g->sw];
        memset(d + jhi, 0, (size_t)(s->wq - jhi) * sizeof *d);
    }
}

/* acc[i] += w0 s0[i] (+ w1 s1[i] (+ w2 s2[i])) over [0, n). */
PD_INLINE void taps(float *restrict acc, int64_t n, int k,
                                                       const float *const *src, const float *w)
{
    const float *restrict s0 = src[0], *restrict s1 = src[k > 1], *restrict s2 = src[k > 2 ? 2 : 0];
    const float w0 = w[0], w1 = k > 1 ? w[1] : 0.0f, w2 = k > 2 ? w[2] : 0.0f;
    if (k == 3)
        for (int64_t i = 0; i < n; i++)
            acc[i] += w0 * s0[i] + w1 * s1[i] + w2 * s2[i];
    else if (k == 2)
        for (int64_t i = 0; i < n; i++)
            acc[i] += w0 * s0[i] + w1 * s1[i];
    else
        for (int64_t i = 0; i < n; i++)
            acc[i] += w0 * s0[i];
}

typedef struct dw_call {
    const pd_k_conv_geom *g;
    const float *w, *b, *in;
    float *out, *scratch;
    bool relu;
} dw_call;

/* Channels [c0, c1), `scratch` pd_k_depthwise_scratch_floats(g) floats. */
PD_INLINE void channels_any_body(const dw_call *x, int64_t c0,
                                                           int64_t c1, float *scratch)
{
    const pd_k_conv_geom *g = x->g;
    const dw_shape s = shape_of(g);
    const int64_t plane = s.hq * s.wq, ntaps = g->kh * g->kw;
    float *restrict acc = scratch + s.planes * plane;
    for (int64_t ch = c0; ch < c1; ch++) {
        const float *in = x->in + ch * g->h * g->w, *wt = x->w + ch * ntaps;
        for (int64_t a = 0; a < g->sh; a++)
            for (int64_t b = 0; b < g->sw; b++)
                split_plane(g, &s, in, a, b, scratch + (a * g->sw + b) * plane);
        const float bias = x->b ? x->b[ch] : 0.0f;
        for (int64_t i = 0; i < s.len; i++)
            acc[i] = bias;
        /* each tap's run, three at a time in kernel order (ky major) */
        for (int64_t t = 0; t < ntaps; t += 3) {
            const float *src[3] = {scratch, scratch, scratch};
            float wv[3] = {0.0f, 0.0f, 0.0f};
            const int k = ntaps - t < 3 ? (int)(ntaps - t) : 3;
            for (int j = 0; j < k; j++) {
                const int64_t ky = (t + j) / g->kw, kx = (t + j) % g->kw, ry = ky * g->dh,
                              rx = kx * g->dw;
                src[j] = scratch + ((ry % g->sh) * g->sw + rx % g->sw) * plane +
                         (ry / g->sh) * s.wq + rx / g->sw;
                wv[j] = wt[t + j];
            }
            taps(acc, s.len, k, src, wv);
        }
        float *o = x->out + ch * s.oh * s.ow;
        for (int64_t oy = 0; oy < s.oh; oy++) {
            const float *restrict r = acc + oy * s.wq;
            float *restrict d = o + oy * s.ow;
            if (x->relu)
                for (int64_t ox = 0; ox < s.ow; ox++)
                    d[ox] = pd_relu(r[ox]);
            else
                memcpy(d, r, (size_t)s.ow * sizeof *d);
        }
    }
}

PD_CPU_CLONES(channels_any, (const dw_call *x, int64_t c0, int64_t c1, float *scratch),
              (x, c0, c1, scratch))

void pd_k_conv_depthwise(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                         float *out, float *scratch, bool relu)
{
    dw_call x = {g, w, b, in, out, scratch, relu};
    channels_any(&x, 0, g->c, scratch);
}

/* Part p of `parts`: a range of channels, its own block of the scratch. */
static void depthwise_part(void *ctx, int p, int parts)
{
    const dw_call *x = ctx;
    const int64_t c0 = x->g->c * p / parts, c1 = x->g->c * (p + 1) / parts;
    if (c1 > c0)
        channels_any(x, c0, c1, x->scratch + (size_t)p * pd_k_depthwise_scratch_floats(x->g));
}

void pd_k_conv_depthwise_split(const pd_k_conv_geom *g, const float *w, const float *b,
                               const float *in, float *out, float *scratch, bool relu,
                               pd_workers *pool)
{
    dw_call x = {g, w, b, in, out, scratch, relu};
    pd_workers_run(pool, depthwise_part, &x);
}
