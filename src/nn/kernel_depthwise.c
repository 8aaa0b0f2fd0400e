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
 *    (the Wq - OW columns past each row are computed and dropped), nine taps a pass with
 *    the sum in a register (a 3 x 3 kernel's all, a 5 x 5 one's in three passes; three
 *    taps a pass read and wrote the accumulator three times as often).
 * 3. The accumulator's OH x OW values, with the bias and an optional ReLU, are the output.
 *
 * An output narrower than a vector (7 x 7, 14 x 14) takes another way (by_lanes): sixteen
 * channels at a time, a channel to a lane, so each tap is one multiply-add of 16 weights
 * by 16 inputs, four output pixels at a time (one alone waited on every multiply-add's
 * latency: MobileNetV2's depthwise layers 1.5x with both changes, alternated), with a
 * transposition in and out (per-channel planes spent more on the set-up of their short
 * loops than on the sums). The loops are compiled for AVX-512,
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
/* Output pixels by_lanes sums at once. */
#define PIXELS 4

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

/* d[i] = (first ? bias : d[i]) + w[0] s0[i] + ... + w[nt - 1] s(nt - 1)[i], in that
 * order, for i < n: one output row, up to nine taps in one pass with the sum in a
 * register (nt and first constants once inlined, so the compiler drops the unused taps). */
PD_INLINE void row_taps(const int nt, const bool first, float *restrict d, int64_t n,
                        float bias, const float *const *src, const float *w)
{
#define TAP(j) const float *restrict s##j = src[nt > j ? j : 0], w##j = nt > j ? w[j] : 0.0f
    TAP(0); TAP(1); TAP(2); TAP(3); TAP(4); TAP(5); TAP(6); TAP(7); TAP(8);
#undef TAP
    for (int64_t i = 0; i < n; i++) {
        float acc = first ? bias : d[i];
        acc += w0 * s0[i];
#define ADD(j) if (nt > j) acc += w##j * s##j[i]
        ADD(1); ADD(2); ADD(3); ADD(4); ADD(5); ADD(6); ADD(7); ADD(8);
#undef ADD
        d[i] = acc;
    }
}

/* row_taps for nt = 1 .. 9 taps. */
PD_INLINE void row_taps_n(int nt, bool first, float *restrict d, int64_t n, float bias,
                          const float *const *src, const float *w)
{
#define CASE(k)                                                                                \
    case k:                                                                                    \
        if (first)                                                                             \
            row_taps(k, true, d, n, bias, src, w);                                             \
        else                                                                                   \
            row_taps(k, false, d, n, bias, src, w);                                            \
        break
    switch (nt) {
        CASE(1); CASE(2); CASE(3); CASE(4); CASE(5); CASE(6); CASE(7); CASE(8);
    default:
        CASE(9);
    }
#undef CASE
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
        /* the taps nine at a time in kernel order (ky major), each a run of a sub-plane */
        for (int64_t t = 0; t < ntaps; t += 9) {
            const float *src[9];
            const int k = ntaps - t < 9 ? (int)(ntaps - t) : 9;
            for (int j = 0; j < k; j++) {
                const int64_t ky = (t + j) / g->kw, kx = (t + j) % g->kw, ry = ky * g->dh,
                              rx = kx * g->dw;
                src[j] = scratch + ((ry % g->sh) * g->sw + rx % g->sw) * plane +
                         (ry / g->sh) * s.wq + rx / g->sw;
            }
            row_taps_n(k, t == 0, acc, s.len, bias, src, wt + t);
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

/* np output pixels (oy, ox .. ox + np) of sixteen channels in lanes from the padded input p
 * ([hp][wp][16]), the weights wl ([tap][16]) and the bias bl: one vector of 16 sums a pixel
 * (GCC's vector type: one zmm, two ymm or four xmm, as the clone's CPU has; an array of 16
 * floats was kept in 16 scalar registers), np of them at once so that np chains of
 * multiply-adds are in flight (one alone waits on each multiply-add's latency); the
 * ReLU applied; into d ([np][16]). np a constant once inlined. */
PD_INLINE void lanes_pixels(const int np, const pd_k_conv_geom *g, const float *p, int64_t wp,
                            const float *wl, const float *bl, int64_t oy, int64_t ox, pd_act act,
                            float *d)
{
    lanes16 acc[PIXELS];
    for (int q = 0; q < np; q++)
        memcpy(&acc[q], bl, sizeof acc[q]);
    for (int64_t ky = 0; ky < g->kh; ky++) {
        const float *row = p + ((oy * g->sh + ky * g->dh) * wp + ox * g->sw) * LANES;
        const float *wt = wl + ky * g->kw * LANES;
        for (int64_t kx = 0; kx < g->kw; kx++)
            for (int q = 0; q < np; q++)
                fma16(&acc[q], wt + kx * LANES, row + (q * g->sw + kx * g->dw) * LANES);
    }
    memcpy(d, acc, (size_t)np * sizeof acc[0]);
    if (act.relu)
        for (int64_t j = 0; j < np * LANES; j++)
            d[j] = pd_act1(act, d[j]);
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
        for (int64_t oy = 0; oy < oh; oy++) {
            int64_t ox = 0;
            for (; ox + PIXELS <= ow; ox += PIXELS)
                lanes_pixels(PIXELS, g, p, wp, wl, bl, oy, ox, act, o + (oy * ow + ox) * LANES);
            switch (ow - ox) { /* the last few, fewer than PIXELS */
            case 0: break;
            case 1: lanes_pixels(1, g, p, wp, wl, bl, oy, ox, act, o + (oy * ow + ox) * LANES); break;
            case 2: lanes_pixels(2, g, p, wp, wl, bl, oy, ox, act, o + (oy * ow + ox) * LANES); break;
            default: lanes_pixels(3, g, p, wp, wl, bl, oy, ox, act, o + (oy * ow + ox) * LANES); break;
            }
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
