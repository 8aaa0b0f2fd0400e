/* Local response normalisation across channels, as PyTorch's LocalResponseNorm:
 * b_c = a_c / (k + alpha / n * sum_{c' = c - n/2}^{c + (n-1)/2} a_{c'}^2)^beta,
 * channels outside [0, C) counting as zeros. The running sum over channels keeps it
 * O(C H W) whatever the size. */
#include <math.h>

#include "forward.h"
#include "workers.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX_PATH 1
#endif

static size_t scratch_floats(const pd_layer *l)
{
    return (size_t)(l->in.h * l->in.w); /* the running sum of squares, one plane */
}

/* out = in / (k + scale max(sum, 0))^(3/4) over [i0, i1), by square roots. */
static void three_quarters(const float *in, float *out, const float *sum, int64_t i0,
                           int64_t i1, float k, float scale)
{
    for (int64_t i = i0; i < i1; i++) {
        float d = k + scale * fmaxf(sum[i], 0.0f); /* no drift below 0 */
        float r = sqrtf(d);
        out[i] = in[i] / (r * sqrtf(r));
    }
}

#ifdef HAVE_AVX_PATH
/* The same, eight at a time: the compiler does not vectorise sqrtf (errno). Square root
 * and division round exactly, max(NaN, 0) is 0 as fmaxf's, and nothing is fused, so
 * every float equals the loop's above. */
__attribute__((target("avx"))) static void three_quarters_avx(const float *in, float *out,
                                                              const float *sum, int64_t i0,
                                                              int64_t i1, float k, float scale)
{
    const __m256 vk = _mm256_set1_ps(k), vs = _mm256_set1_ps(scale), zero = _mm256_setzero_ps();
    int64_t i = i0;
    for (; i + 8 <= i1; i += 8) {
        __m256 d = _mm256_add_ps(vk, _mm256_mul_ps(vs, _mm256_max_ps(_mm256_loadu_ps(sum + i), zero)));
        __m256 r = _mm256_sqrt_ps(d);
        _mm256_storeu_ps(out + i,
                         _mm256_div_ps(_mm256_loadu_ps(in + i), _mm256_mul_ps(r, _mm256_sqrt_ps(r))));
    }
    three_quarters(in, out, sum, i, i1, k, scale);
}
#endif

/* One pixel, every channel, each window summed afresh: for a pixel with a NaN or an
 * infinity in some channel (or squares that overflow), where the running sum, once
 * non-finite, stays so for every later channel; PyTorch's answer is NaN (or 0) only for the
 * channels whose window holds it. */
static void pixel_direct(const pd_forward_args *a, int64_t i)
{
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, HW = l->in.h * l->in.w, n = l->p.size;
    const int64_t before = n / 2, after = (n - 1) / 2;
    const float scale = (float)(l->p.alpha / (double)n), k = (float)l->p.k,
                beta = (float)l->p.beta;
    for (int64_t c = 0; c < C; c++) {
        float s = 0.0f;
        for (int64_t j = c - before < 0 ? 0 : c - before; j <= c + after && j < C; j++) {
            float v = a->in[j * HW + i];
            s += v * v;
        }
        float d = k + scale * s, x = a->in[c * HW + i];
        if (beta == 0.75f) {
            float r = sqrtf(d);
            a->out[c * HW + i] = x / (r * sqrtf(r));
        } else {
            a->out[c * HW + i] = x / powf(d, beta);
        }
    }
}

/* Pixels [i0, i1) of every channel; sum holds the running sums of those pixels. */
static void pixels(const pd_forward_args *a, int64_t i0, int64_t i1)
{
    const pd_layer *l = a->l;
    const int64_t C = l->in.c, HW = l->in.h * l->in.w, n = l->p.size;
    const int64_t before = n / 2, after = (n - 1) / 2;
    const float scale = (float)(l->p.alpha / (double)n), k = (float)l->p.k,
                beta = (float)l->p.beta;
    float *sum = a->scratch;
    for (int64_t i = i0; i < i1; i++)
        sum[i] = 0.0f;
    /* the window of channel 0: channels 0 .. after */
    for (int64_t c = 0; c <= after && c < C; c++)
        for (int64_t i = i0; i < i1; i++) {
            float v = a->in[c * HW + i];
            sum[i] += v * v;
        }
    /* AlexNet's beta: x^-0.75 by square roots, no powf */
    void (*quarters)(const float *, float *, const float *, int64_t, int64_t, float, float) =
        beta == 0.75f ? three_quarters : NULL;
#ifdef HAVE_AVX_PATH
    if (quarters && __builtin_cpu_supports("avx"))
        quarters = three_quarters_avx;
#endif
    for (int64_t c = 0; c < C; c++) {
        const float *in = a->in + c * HW;
        float *out = a->out + c * HW;
        if (quarters)
            quarters(in, out, sum, i0, i1, k, scale);
        else
            for (int64_t i = i0; i < i1; i++)
                out[i] = in[i] / powf(k + scale * fmaxf(sum[i], 0.0f), beta);
        /* slide the window: add channel c + after + 1, drop channel c - before */
        int64_t add = c + after + 1, drop = c - before;
        if (add < C)
            for (int64_t i = i0; i < i1; i++) {
                float v = a->in[add * HW + i];
                sum[i] += v * v;
            }
        if (drop >= 0)
            for (int64_t i = i0; i < i1; i++) {
                float v = a->in[drop * HW + i];
                sum[i] -= v * v;
            }
    }
    /* every channel entered the running sum once, so a non-finite value in any of them
     * left it non-finite: those pixels again, window by window */
    for (int64_t i = i0; i < i1; i++)
        if (!isfinite(sum[i]))
            pixel_direct(a, i);
}

static void forward(const pd_forward_args *a)
{
    pixels(a, 0, a->l->in.h * a->l->in.w);
}

/* Split over threads: each takes a range of pixels (the sums are per pixel). */
static void part(void *ctx, int p, int parts)
{
    const pd_forward_args *a = ctx;
    size_t HW = (size_t)(a->l->in.h * a->l->in.w);
    pixels(a, (int64_t)pd_part_start(HW, p, parts), (int64_t)pd_part_start(HW, p + 1, parts));
}

/* Fewer elements than this run alone (a few microseconds; a hand-off costs about one). */
#define SPLIT_MIN 2048

static void forward_split(const pd_forward_args *a, pd_workers *w)
{
    if (pd_shape_elems(a->l->in) < SPLIT_MIN)
        forward(a);
    else
        pd_workers_run(w, part, (void *)a);
}

const pd_forward_op pd_lrn_forward = {
    .forward = forward, .scratch_floats = scratch_floats, .forward_split = forward_split};
