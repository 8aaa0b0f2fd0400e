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
 * An output narrower than a vector (7 x 7, 14 x 14) takes another way (by_lanes): sixteen
 * channels at a time, a channel to a lane, so each tap is one multiply-add of 16 weights
 * by 16 inputs, with a transposition in and out (per-channel planes spent more on the
 * set-up of their short loops than on the sums). The loops are compiled for AVX-512,
 * AVX2 with FMA and the baseline, and the CPU picks at run time (cpu_clones.h); this file is built with -ffp-contract=fast so that the
 * multiply-adds fuse where the CPU has FMA. Every channel is summed in the same order, so
 * a split over threads (by channels) gives the same floats bit for bit. */
#include <string.h>

#include "act.h"
#include "cpu_clones.h"
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

/* Outputs narrower than a vector run sixteen channels to a vector instead (by_lanes). */
#define LANES 16

static bool lanes(const pd_k_conv_geom *g)
{
    return pd_k_conv_out_w(g) < LANES;
}

size_t pd_k_depthwise_scratch_floats(const pd_k_conv_geom *g)
{
    if (lanes(g)) /* the padded input, the output, the weights and the bias, in lanes */
        return (size_t)(((g->h + g->pt + g->pb) * (g->w + g->pl + g->pr) +
                         pd_k_conv_out_h(g) * pd_k_conv_out_w(g) + g->kh * g->kw + 1) *
                        LANES);
    dw_shape s = shape_of(g);
    /* the sub-planes, the accumulator, one padded input row (wq sw >= wp) */
    return (size_t)((s.planes + 1) * s.hq * s.wq + s.wq * g->sw);
}

/* Row i of every sub-plane (a, b), b = 0 .. sw - 1, from channel `in` (h x w): the padded
 * input row first, into `row` (wq sw floats), then its columns b, b + sw, ... into each,
 * all phases in one loop (a strided read the compiler vectorises, as it does not one phase
 * at a time). */
PD_INLINE void split_row(const pd_k_conv_geom *g, const dw_shape *s, const float *in, int64_t a,
                         int64_t i, float *planes, float *restrict row)
{
    const int64_t plane = s->hq * s->wq, y = i * g->sh + a - g->pt, n = s->wq * g->sw;
    float *d0 = planes + a * g->sw * plane + i * s->wq;
    if (y < 0 || y >= g->h) {
        for (int64_t b = 0; b < g->sw; b++)
            for (int64_t j = 0; j < s->wq; j++)
                d0[b * plane + j] = 0.0f;
        return;
    }
    const float *src = in + y * g->w;
    const int64_t lo = g->pl < n ? g->pl : n, hi = g->pl + g->w < n ? g->pl + g->w : n;
    for (int64_t x = 0; x < lo; x++)
        row[x] = 0.0f;
    for (int64_t x = lo; x < hi; x++)
        row[x] = src[x - g->pl];
    for (int64_t x = hi; x < n; x++)
        row[x] = 0.0f;
    if (g->sw == 1) {
        for (int64_t j = 0; j < s->wq; j++)
            d0[j] = row[j];
    } else if (g->sw == 2) {
        float *restrict e = d0, *restrict o = d0 + plane;
        for (int64_t j = 0; j < s->wq; j++) {
            e[j] = row[2 * j];
            o[j] = row[2 * j + 1];
        }
    } else
        for (int64_t b = 0; b < g->sw; b++)
            for (int64_t j = 0; j < s->wq; j++)
                d0[b * plane + j] = row[j * g->sw + b];
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
    pd_act act;
} dw_call;

/* Channels [c0, c1) one at a time (planes). */
PD_INLINE void by_planes(const dw_call *x, int64_t c0, int64_t c1, float *scratch)
{
    const pd_k_conv_geom *g = x->g;
    const dw_shape s = shape_of(g);
    const int64_t plane = s.hq * s.wq, ntaps = g->kh * g->kw;
    const pd_act act = x->act; /* a copy: the stores could alias x->act.cap */
    float *restrict acc = scratch + s.planes * plane;
    for (int64_t ch = c0; ch < c1; ch++) {
        const float *in = x->in + ch * g->h * g->w, *wt = x->w + ch * ntaps;
        for (int64_t a = 0; a < g->sh; a++)
            for (int64_t i = 0; i < s.hq; i++)
                split_row(g, &s, in, a, i, scratch, acc + plane);
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
            if (act.relu) {
                for (int64_t ox = 0; ox < s.ow; ox++)
                    d[ox] = pd_act1(act, r[ox]);
            } else if (act.silu) {
                pd_k_silu(r, d, (size_t)s.ow);
            } else {
                memcpy(d, r, (size_t)s.ow * sizeof *d);
            }
        }
    }
}

typedef float lanes16 __attribute__((vector_size(LANES * sizeof(float))));

/* out += u v, sixteen lanes from unaligned memory (by pointers: a function returning a
 * vector wider than the baseline's registers would have an ABI of its own) */
PD_INLINE void fma16(lanes16 *out, const float *u, const float *v)
{
    lanes16 a, b;
    memcpy(&a, u, sizeof a);
    memcpy(&b, v, sizeof b);
    *out += a * b;
}

/* Channels [c0, c1) sixteen at a time, lanes (small outputs): the padded input of 16
 * channels as [hp][wp][16], so that each tap of 16 outputs is one multiply-add of 16
 * weights by 16 inputs, the results back to C, H, W order. */
PD_INLINE void by_lanes(const dw_call *x, int64_t c0, int64_t c1, float *scratch)
{
    const pd_k_conv_geom *g = x->g;
    const int64_t hp = g->h + g->pt + g->pb, wp = g->w + g->pl + g->pr, oh = pd_k_conv_out_h(g),
                  ow = pd_k_conv_out_w(g), ntaps = g->kh * g->kw, hw = g->h * g->w;
    const pd_act act = x->act; /* a copy: the stores could alias x->act.cap */
    float *restrict p = scratch, *restrict o = p + hp * wp * LANES,
                    *restrict wl = o + oh * ow * LANES, *restrict bl = wl + ntaps * LANES;
    for (int64_t b0 = c0; b0 < c1; b0 += LANES) {
        const int64_t n = c1 - b0 < LANES ? c1 - b0 : LANES;
        for (int64_t i = 0; i < hp * wp * LANES; i++)
            p[i] = 0.0f;
        for (int64_t j = 0; j < n; j++) {
            const float *in = x->in + (b0 + j) * hw;
            for (int64_t y = 0; y < g->h; y++)
                for (int64_t xx = 0; xx < g->w; xx++)
                    p[((y + g->pt) * wp + xx + g->pl) * LANES + j] = in[y * g->w + xx];
        }
        for (int64_t t = 0; t < ntaps; t++)
            for (int64_t j = 0; j < LANES; j++)
                wl[t * LANES + j] = j < n ? x->w[(b0 + j) * ntaps + t] : 0.0f;
        for (int64_t j = 0; j < LANES; j++)
            bl[j] = j < n && x->b ? x->b[b0 + j] : 0.0f;
        for (int64_t oy = 0; oy < oh; oy++)
            for (int64_t ox = 0; ox < ow; ox++) {
                /* one vector of 16 (GCC's vector type: one zmm, two ymm or four xmm, as
                 * the clone's CPU has), which an array of 16 was not: the compiler kept it
                 * in 16 scalar registers and rebuilt it through the stack */
                lanes16 acc;
                memcpy(&acc, bl, sizeof acc);
                for (int64_t ky = 0; ky < g->kh; ky++) {
                    const float *row = p + ((oy * g->sh + ky * g->dh) * wp + ox * g->sw) * LANES;
                    const float *wt = wl + ky * g->kw * LANES;
                    for (int64_t kx = 0; kx < g->kw; kx++)
                        fma16(&acc, wt + kx * LANES, row + kx * g->dw * LANES);
                }
                float *d = o + (oy * ow + ox) * LANES;
                memcpy(d, &acc, sizeof acc);
                if (act.relu)
                    for (int64_t j = 0; j < LANES; j++)
                        d[j] = pd_act1(act, d[j]);
            }
        for (int64_t j = 0; j < n; j++) {
            float *out = x->out + (b0 + j) * oh * ow;
            for (int64_t i = 0; i < oh * ow; i++)
                out[i] = o[i * LANES + j];
            if (act.silu)
                pd_k_silu(out, out, (size_t)(oh * ow));
        }
    }
}

/* Channels [c0, c1) (c0 a multiple of LANES when lanes(g)), `scratch`
 * pd_k_depthwise_scratch_floats(g) floats. */
PD_INLINE void channels_any_body(const dw_call *x, int64_t c0, int64_t c1, float *scratch)
{
    if (lanes(x->g))
        by_lanes(x, c0, c1, scratch);
    else
        by_planes(x, c0, c1, scratch);
}

PD_CPU_CLONES(channels_any, (const dw_call *x, int64_t c0, int64_t c1, float *scratch),
              (x, c0, c1, scratch))

void pd_k_conv_depthwise(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                         float *out, float *scratch, pd_act act)
{
    dw_call x = {g, w, b, in, out, scratch, act};
    channels_any(&x, 0, g->c, scratch);
}

/* Part p of `parts`: a range of channels, its own block of the scratch. */
static void depthwise_part(void *ctx, int p, int parts)
{
    const dw_call *x = ctx;
    const int64_t unit = lanes(x->g) ? LANES : 1, units = (x->g->c + unit - 1) / unit,
                  c0 = units * p / parts * unit, c1e = units * (p + 1) / parts * unit,
                  c1 = c1e < x->g->c ? c1e : x->g->c;
    if (c1 > c0)
        channels_any(x, c0, c1, x->scratch + (size_t)p * pd_k_depthwise_scratch_floats(x->g));
}

void pd_k_conv_depthwise_split(const pd_k_conv_geom *g, const float *w, const float *b,
                               const float *in, float *out, float *scratch, pd_act act,
                               pd_workers *pool)
{
    dw_call x = {g, w, b, in, out, scratch, act};
    pd_workers_run(pool, depthwise_part, &x);
}
