/* Global average and maximum pooling ([C, H, W] -> [C, 1, 1]) and average pooling of any
 * window (rectangular, asymmetric padding) with or without PyTorch's count_include_pad. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cpu_clones.h"
#include "kernels.h"
#include "pool_window.h"

/* Partial sums (or maxima) kept at once: the compiler makes them vectors, and a sum of
 * H W / LANES terms each loses less than one running float sum would. */
#define LANES 16

void pd_k_global_avg_pool(int64_t c, int64_t hw, const float *in, float *out)
{
    for (int64_t ch = 0; ch < c; ch++) {
        const float *x = in + ch * hw;
        float acc[LANES] = {0};
        int64_t i = 0;
        for (; i + LANES <= hw; i += LANES)
            for (int j = 0; j < LANES; j++)
                acc[j] += x[i + j];
        double s = 0.0;
        for (int j = 0; j < LANES; j++)
            s += acc[j];
        for (; i < hw; i++)
            s += x[i];
        out[ch] = (float)(s / (double)hw);
    }
}

/* The larger, or NaN if either is (pool.c's rule); always inlined, so pd_k_max3_s1's
 * clones vectorise it. */
PD_INLINE float max_nan(float a, float b)
{
    float m = b > a ? b : a;
    return b != b ? b : m;
}

/* Sixteen lanes as one of GCC's vectors (one zmm, two ymm or four xmm, as the clone's CPU
 * has), and their comparison masks: the compiler keeps a running maximum of an array of 16
 * floats in 16 scalar registers, a chain of scalar maxss ten times slower than the average
 * pool's sums, because a maximum with NaN (max_nan) is no reduction it may reorder. */
typedef float lanes16 __attribute__((vector_size(LANES * sizeof(float))));
typedef int32_t mask16 __attribute__((vector_size(LANES * sizeof(int32_t))));

/* Each lane the larger (a NaN lane keeps the other), and `bad` remembers every NaN seen:
 * the maximum is NaN if any value is, as max_nan says, whatever the lanes' order. */
PD_INLINE void global_max_pool_body(int64_t c, int64_t hw, const float *in, float *out)
{
    for (int64_t ch = 0; ch < c; ch++) {
        const float *x = in + ch * hw;
        float m = x[0];
        int64_t i = 1;
        if (hw >= LANES) {
            lanes16 acc, v;
            memcpy(&acc, x, sizeof acc);
            mask16 bad = acc != acc;
            for (i = LANES; i + LANES <= hw; i += LANES) {
                memcpy(&v, x + i, sizeof v);
                mask16 gt = v > acc;
                acc = (lanes16)((gt & (mask16)v) | (~gt & (mask16)acc));
                bad |= v != v;
            }
            float lane[LANES];
            int32_t nan_lane[LANES];
            memcpy(lane, &acc, sizeof lane);
            memcpy(nan_lane, &bad, sizeof nan_lane);
            m = lane[0];
            for (int j = 0; j < LANES; j++) {
                m = max_nan(m, lane[j]);
                if (nan_lane[j])
                    m = NAN;
            }
        }
        for (; i < hw; i++)
            m = max_nan(m, x[i]);
        out[ch] = m;
    }
}

PD_CPU_CLONES(global_max_pool, (int64_t c, int64_t hw, const float *in, float *out),
              (c, hw, in, out))

void pd_k_global_max_pool(int64_t c, int64_t hw, const float *in, float *out)
{
    global_max_pool(c, hw, in, out);
}

int64_t pd_k_pool_out(int64_t n, int64_t lo, int64_t hi, int64_t k, int64_t s, bool ceil)
{
    int64_t span = n + lo + hi - k;
    if (s < 1 || span < 0)
        return 0;
    int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
    if (ceil && (out - 1) * s >= n + lo)
        out--;
    return out;
}

/* A window's length, 0 for one that misses the input (or the padded input) entirely. */
static inline int64_t span(int64_t n)
{
    return n > 0 ? n : 0;
}

void pd_k_avg_pool(const pd_k_pool_geom *g, bool count_include_pad, const float *in, float *out)
{
    const int64_t H = g->h, W = g->w;
    for (int64_t ch = 0; ch < g->c; ch++) {
        const float *x = in + ch * H * W;
        float *y = out + ch * g->oh * g->ow;
        for (int64_t oy = 0; oy < g->oh; oy++) {
            pd_pool_span ys = pd_pool_window_pads(oy, g->sh, g->pt, g->pb, g->kh, H);
            for (int64_t ox = 0; ox < g->ow; ox++) {
                pd_pool_span xs = pd_pool_window_pads(ox, g->sw, g->pl, g->pr, g->kw, W);
                float s = 0.0f;
                for (int64_t yy = ys.lo; yy < ys.hi; yy++)
                    for (int64_t xx = xs.lo; xx < xs.hi; xx++)
                        s += x[yy * W + xx];
                int64_t count = count_include_pad ? span(ys.padded) * span(xs.padded)
                                                  : span(ys.hi - ys.lo) * span(xs.hi - xs.lo);
                y[oy * g->ow + ox] = count > 0 ? s / (float)count : 0.0f;
            }
        }
    }
}

PD_INLINE void max3_s1_body(int64_t c0, int64_t c1, int64_t h, int64_t w, const float *in,
                            float *out, float *tmp)
{
    const int64_t hw = h * w;
    for (int64_t ch = c0; ch < c1; ch++) {
        const float *x = in + ch * hw;
        float *y = out + ch * hw;
        /* rows y - 1 .. y + 1 (those inside) into tmp, the interior rows in one loop */
        if (h == 1)
            for (int64_t i = 0; i < w; i++)
                tmp[i] = x[i];
        else {
            for (int64_t i = 0; i < w; i++) {
                tmp[i] = max_nan(x[i], x[i + w]);
                tmp[hw - w + i] = max_nan(x[hw - 2 * w + i], x[hw - w + i]);
            }
            for (int64_t i = w; i < hw - w; i++)
                tmp[i] = max_nan(max_nan(x[i - w], x[i]), x[i + w]);
        }
        /* columns x - 1 .. x + 1 of tmp: the plane as one row, then each row's two ends,
         * whose windows the long loop ran across the row's boundary */
        if (w == 1) {
            for (int64_t i = 0; i < hw; i++)
                y[i] = tmp[i];
            continue;
        }
        for (int64_t i = 1; i < hw - 1; i++)
            y[i] = max_nan(max_nan(tmp[i - 1], tmp[i]), tmp[i + 1]);
        for (int64_t r = 0; r < h; r++) {
            const float *t = tmp + r * w;
            y[r * w] = max_nan(t[0], t[1]);
            y[r * w + w - 1] = max_nan(t[w - 2], t[w - 1]);
        }
    }
}

PD_CPU_CLONES(max3_s1, (int64_t c0, int64_t c1, int64_t h, int64_t w, const float *in, float *out,
                        float *tmp),
              (c0, c1, h, w, in, out, tmp))

void pd_k_max3_s1(int64_t c0, int64_t c1, int64_t h, int64_t w, const float *in, float *out,
                  float *tmp)
{
    max3_s1(c0, c1, h, w, in, out, tmp);
}
