/* im2col and the packed product (conv_packed.h).
 *
 * First the input is copied once into its stride phases: with stride s and padding p,
 * the padded input's pixels (y, x) with y mod s = py and x mod s = px form the plane of
 * phase (py, px), PH x PW, zeros where the padding is. The tap (ky, kx) of the output
 * pixels ox .. ox + n of a row then reads n consecutive floats of one plane (phase
 * (ky mod s, kx mod s), from (oy + ky / s, ox + kx / s)), so every piece of every column
 * row is one plain copy, with no padding to test and no stride to gather: a stride-2
 * stem's columns cost a strided gather each before. With stride 1 the one phase is the
 * padded input.
 *
 * The columns go one of two ways. When they are small (pd_panels_order_for: by filters),
 * all of them are written first (each thread a range of pixels), then each thread takes a
 * range of the product's blocks: on a 7 x 7 map a split by pixels would leave each thread
 * one badly filled block and all of the weights to read. When they are larger than 1 MB
 * (the stems on 224 x 224 images), each thread takes a range of chunks of pixels
 * (pd_panels_chunk: 128 KB of columns), writes a chunk's columns into its own scratch and
 * runs every panel over them while they are in the L2 cache, so no column matrix goes to
 * memory and back. (Blocks of 32 pixels, each through every panel, wrote to all of F output
 * rows at once: 64 store streams for a stem; a panel over a chunk writes 12.)
 *
 * The scratch: the phases, then the columns (K x N) or each part's chunk. */
#include "conv_packed.h"

#include <string.h>

#include "conv_direct.h"
#include "cpu_clones.h"
#include "kernels.h" /* pd_k_tap_range */
#include "panels.h"
#include "winograd.h"

bool pd_packed_conv(const pd_layer *l)
{
    const bool pointwise = l->p.kernel == 1 && l->p.stride == 1 && l->p.pad == 0;
    return pd_conv_is_plain(l) && !pointwise && !pd_winograd_tile(l) && !pd_direct_conv(l) &&
           pd_panels_available();
}

static int64_t col_rows(const pd_layer *l)
{
    return l->in.c * l->p.kernel * l->p.kernel;
}

static int64_t pixels(const pd_layer *l)
{
    return l->out.h * l->out.w;
}

/* A phase plane's rows and columns: the padded input's, over the stride, rounded up. */
static int64_t phase_h(const pd_layer *l)
{
    return (l->in.h + 2 * l->p.pad + l->p.stride - 1) / l->p.stride;
}

static int64_t phase_w(const pd_layer *l)
{
    return (l->in.w + 2 * l->p.pad + l->p.stride - 1) / l->p.stride;
}

/* The s x s x C planes, plane (py s + px) C + c for channel c of phase (py, px). */
static size_t phase_floats(const pd_layer *l)
{
    return (size_t)(l->p.stride * l->p.stride * l->in.c) * (size_t)(phase_h(l) * phase_w(l));
}

static bool streamed(const pd_layer *l)
{
    return pd_panels_order_for(col_rows(l), pixels(l)) == PD_PANELS_BY_PIXELS;
}

size_t pd_packed_prepared_floats(const pd_layer *l)
{
    return pd_packed_conv(l) ? pd_panels_floats(l->p.filters, col_rows(l)) : 0;
}

void pd_packed_prepare(const pd_layer *l, const float *w, const float *b, float *prep)
{
    pd_panels_pack(l->p.filters, col_rows(l), w, b, prep); /* w is F x C k k */
}

size_t pd_packed_scratch_floats(const pd_layer *l, int threads)
{
    if (!pd_packed_conv(l))
        return 0;
    size_t cols = streamed(l) ? (size_t)(threads > 0 ? threads : 1) * (size_t)col_rows(l) *
                                    PD_PANELS_MAX_CHUNK
                              : (size_t)col_rows(l) * (size_t)pixels(l);
    return phase_floats(l) + cols;
}

/* dst[i] = src[i s] for i < n; strides 1 and 2 as constants, so that the compiler
 * vectorises them. */
PD_INLINE void strided_copy(float *dst, const float *src, int64_t n, int64_t s)
{
    if (s == 1)
        for (int64_t i = 0; i < n; i++)
            dst[i] = src[i];
    else if (s == 2)
        for (int64_t i = 0; i < n; i++)
            dst[i] = src[2 * i];
    else
        for (int64_t i = 0; i < n; i++)
            dst[i] = src[i * s];
}

/* Planes [u0, u1) of the phases (see phase_floats) from the input. */
PD_INLINE void phases_run_body(const pd_layer *l, const float *in, float *phases, int64_t u0,
                           int64_t u1)
{
    const int64_t C = l->in.c, H = l->in.h, W = l->in.w, s = l->p.stride, p = l->p.pad,
                  PH = phase_h(l), PW = phase_w(l);
    for (int64_t u = u0; u < u1; u++) {
        const int64_t q = u / C, c = u % C, py = q / s, px = q % s;
        float *plane = phases + u * PH * PW;
        int64_t lo, hi; /* the plane's columns x' whose input column x' s + px - p is in [0, W) */
        pd_k_tap_range(W, s, px - p, PW, &lo, &hi);
        for (int64_t yy = 0; yy < PH; yy++) {
            float *d = plane + yy * PW;
            const int64_t y = yy * s + py - p;
            if (y < 0 || y >= H) {
                memset(d, 0, (size_t)PW * sizeof *d);
                continue;
            }
            memset(d, 0, (size_t)lo * sizeof *d);
            if (hi > lo)
                strided_copy(d + lo, in + (c * H + y) * W + lo * s + px - p, hi - lo, s);
            memset(d + hi, 0, (size_t)(PW - hi) * sizeof *d);
        }
    }
}

PD_CPU_CLONES(phases_run, (const pd_layer *l, const float *in, float *phases, int64_t u0, int64_t u1),
              (l, in, phases, u0, u1))

/* The columns of output pixels [n0, n1) from the phases: row r = (c k + ky) k + kx at
 * col[r * ld + n - n0], n1 - n0 <= ld. */
PD_INLINE void columns_run_body(const pd_layer *l, const float *phases, int64_t n0, int64_t n1,
                            float *col, int64_t ld)
{
    const int64_t C = l->in.c, k = l->p.kernel, s = l->p.stride, OW = l->out.w,
                  PW = phase_w(l), plane = phase_h(l) * PW;
    for (int64_t n = n0; n < n1;) { /* one output row's pixels at a time */
        const int64_t oy = n / OW, ox = n % OW, end = (oy + 1) * OW < n1 ? (oy + 1) * OW : n1,
                      len = end - n;
        float *row = col + (n - n0);
        for (int64_t c = 0; c < C; c++)
            for (int64_t ky = 0; ky < k; ky++)
                for (int64_t kx = 0; kx < k; kx++, row += ld) {
                    const float *src = phases + (((ky % s) * s + kx % s) * C + c) * plane +
                                       (oy + ky / s) * PW + ox + kx / s;
                    for (int64_t i = 0; i < len; i++)
                        row[i] = src[i];
                }
        n = end;
    }
}

PD_CPU_CLONES(columns_run,
              (const pd_layer *l, const float *phases, int64_t n0, int64_t n1, float *col,
               int64_t ld),
              (l, phases, n0, n1, col, ld))

/* Part p of `parts`: a range of the phases' planes. */
static void phases_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const int64_t planes = a->l->p.stride * a->l->p.stride * a->l->in.c;
    phases_run(a->l, a->in, a->scratch, planes * part / parts, planes * (part + 1) / parts);
}

/* Part p of `parts`: the columns of a range of pixels, into the K x N matrix after the
 * phases (row stride N). */
static void columns_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const int64_t N = pixels(a->l);
    const int64_t n0 = (int64_t)pd_part_start((size_t)N, part, parts),
                  n1 = (int64_t)pd_part_start((size_t)N, part + 1, parts);
    if (n1 > n0)
        columns_run(a->l, a->scratch, n0, n1, a->scratch + phase_floats(a->l) + n0, N);
}

/* Part p of `parts`: a range of the product's blocks over the columns columns_part wrote. */
static void product_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const pd_layer *l = a->l;
    const int64_t K = col_rows(l), N = pixels(l);
    pd_panels_part(a->prep, l->p.filters, K, N, a->scratch + phase_floats(l), a->out, a->act,
                   pd_panels_order_for(K, N), part, parts);
}

/* Part p of `parts`: a range of chunks of pixels (pd_panels_chunk), each chunk's columns
 * written into the part's K x chunk scratch and run through every panel while they are in
 * the cache. */
static void streamed_part(void *ctx, int part, int parts)
{
    const pd_forward_args *a = ctx;
    const pd_layer *l = a->l;
    const int64_t K = col_rows(l), N = pixels(l), CH = pd_panels_chunk(K),
                  nc = (N + CH - 1) / CH, c0 = nc * part / parts, c1 = nc * (part + 1) / parts;
    float *col = a->scratch + phase_floats(l) + (size_t)part * (size_t)(K * CH);
    for (int64_t c = c0; c < c1; c++) {
        const int64_t n0 = c * CH, n1 = n0 + CH < N ? n0 + CH : N;
        columns_run(l, a->scratch, n0, n1, col, CH);
        pd_panels_span(a->prep, l->p.filters, K, col, CH, a->out + n0, N, n1 - n0, a->act);
    }
}

void pd_packed_forward(const pd_forward_args *a, pd_workers *w)
{
    pd_workers_run(w, phases_part, (void *)a); /* every phase is written before any column */
    if (streamed(a->l)) {
        pd_workers_run(w, streamed_part, (void *)a);
        return;
    }
    pd_workers_run(w, columns_part, (void *)a); /* every column before any product */
    pd_workers_run(w, product_part, (void *)a);
}
