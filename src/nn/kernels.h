/* The compute kernels of the DAG layer types (issue 13): plain functions on float buffers,
 * independent of the graph, for the forward table to wrap. Tensors are one image, C x H x W
 * in C order; shapes and results follow PyTorch. A kernel allocates nothing (what it needs
 * comes from the caller's scratch), prints nothing and cannot fail: the caller passes a
 * geometry it has validated. Unless a kernel says otherwise, in and out must not overlap;
 * an elementwise kernel may also run on a sub-range (pointers offset, count shortened),
 * which is how a caller splits it over threads. */
#ifndef PD_NN_KERNELS_H
#define PD_NN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "act.h"
#include "workers.h"

/* ---- Convolution (kernel_conv.c, kernel_depthwise.c) ---- */

/* A 2-D convolution of one C x H x W image with `filters` filters. Weights are PyTorch's
 * [filters, c / groups, kh, kw]; filter f reads input channels [g c/groups, (g+1) c/groups)
 * for g = f / (filters / groups). Strides sh, sw; dilations dh, dw; zero padding pt (top),
 * pl (left), pb (bottom), pr (right). */
typedef struct pd_k_conv_geom {
    int64_t c, h, w;
    int64_t filters, groups;
    int64_t kh, kw, sh, sw, dh, dw;
    int64_t pt, pl, pb, pr;
} pd_k_conv_geom;

/* Output length along one axis, as PyTorch: floor((n + lo + hi - d (k - 1) - 1) / s) + 1,
 * or 0 when the dilated kernel is longer than the padded input. */
int64_t pd_k_conv_out(int64_t n, int64_t lo, int64_t hi, int64_t k, int64_t s, int64_t d);
/* [lo, hi) of the output positions o in [0, out) whose tap o s + off lies in [0, n). */
void pd_k_tap_range(int64_t n, int64_t s, int64_t off, int64_t out, int64_t *lo, int64_t *hi);
int64_t pd_k_conv_out_h(const pd_k_conv_geom *g);
int64_t pd_k_conv_out_w(const pd_k_conv_geom *g);

/* Whether the kernels can run g: every size, stride and dilation positive, pads >= 0,
 * groups dividing c and filters, an output of at least 1 x 1, and the matrices' sizes
 * within int (what cblas_sgemm takes). The caller checks this once (a model reader
 * refuses what fails it); the kernels assume it. */
bool pd_k_conv_valid(const pd_k_conv_geom *g);

/* groups = c = filters: each channel convolved with its own filter. */
bool pd_k_conv_is_depthwise(const pd_k_conv_geom *g);

/* Floats of scratch that pd_k_conv needs: one group's im2col matrix (0 for 1x1, stride-1,
 * unpadded convolutions), or for depthwise g one channel's padded planes and accumulator;
 * and what pd_k_conv_split needs over `threads` threads (depthwise: one block a thread). */
size_t pd_k_conv_scratch_floats(const pd_k_conv_geom *g);
size_t pd_k_conv_split_scratch_floats(const pd_k_conv_geom *g, int threads);
/* What pd_k_conv_gemm needs for any g, depthwise included. */
size_t pd_k_conv_gemm_scratch_floats(const pd_k_conv_geom *g);

/* out [filters, OH, OW] = conv(in [c, h, w], w) + b. `b` (filters) may be NULL: no bias.
 * `act` is applied to the result (act.h), for a ReLU or ReLU6 fused into the layer.
 * Depthwise geometries take their own kernel (pd_k_conv_depthwise), others im2col and one
 * sgemm per group (pd_k_conv_gemm). `scratch` has pd_k_conv_scratch_floats(g) floats (may
 * be NULL when that is 0); in, out, w, b and scratch do not overlap. */
void pd_k_conv(const pd_k_conv_geom *g, const float *w, const float *b, const float *in, float *out,
               float *scratch, pd_act act);

/* The same, split over the pool's threads (NULL: the caller alone); the result for a given
 * thread count never changes. A convolution too small to be worth a hand-off runs on the
 * caller alone (pd_k_conv_splits). Scratch: pd_k_conv_split_scratch_floats(g, the pool's
 * threads). */
void pd_k_conv_split(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                     float *out, float *scratch, pd_act act, pd_workers *pool);

/* Whether pd_k_conv_split hands g to the pool at all. */
bool pd_k_conv_splits(const pd_k_conv_geom *g);

/* The two algorithms, for the tests: im2col + sgemm for any valid g (scratch:
 * pd_k_conv_gemm_scratch_floats), and the depthwise kernel for depthwise g only (scratch:
 * pd_k_depthwise_scratch_floats; pd_k_conv_depthwise_split, threads times that; split or
 * not, the same floats bit for bit). AVX-512 or AVX2 where the CPU has them. */
void pd_k_conv_gemm(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                    float *out, float *scratch, pd_act act);
size_t pd_k_depthwise_scratch_floats(const pd_k_conv_geom *g);
void pd_k_conv_depthwise(const pd_k_conv_geom *g, const float *w, const float *b, const float *in,
                         float *out, float *scratch, pd_act act);
void pd_k_conv_depthwise_split(const pd_k_conv_geom *g, const float *w, const float *b,
                               const float *in, float *out, float *scratch, pd_act act,
                               pd_workers *pool);

/* act (act.h) applied in place to n floats of each of `rows` rows `ld` apart: its ReLU and
 * cap as pd_act1, its SiLU by pd_k_silu (kernel_act.c). What a convolution's pass runs on
 * outputs it has just written, while they are in cache. */
void pd_k_act_rows(float *out, int64_t rows, int64_t ld, int64_t n, pd_act act);

/* ---- Batch norm at inference (kernel_bn.c) ---- */

/* Folds PyTorch's y = (x - mean) / sqrt(var + eps) * weight + bias into y = x scale + shift
 * per channel, in double: scale = weight / sqrt(var + eps), shift = bias - mean scale, as
 * PyTorch's own inference pass folds it. c channels; a negative var + eps gives NaN. Once
 * per net (the weights are fixed). */
void pd_k_bn_prepare(int64_t c, const float *weight, const float *bias, const float *mean,
                     const float *var, double eps, float *scale, float *shift);

/* out[ch][i] = in[ch][i] scale[ch] + shift[ch], c channels of hw values. out may be in. */
void pd_k_bn(int64_t c, int64_t hw, const float *scale, const float *shift, const float *in,
             float *out);

/* ---- Several inputs (kernel_join.c) ---- */

/* out = in[0] + in[1] + ... + in[n_in - 1] (n_in >= 2, each n floats), summed in that
 * order. out may be any of the inputs. */
void pd_k_add(const float *const *in, int n_in, size_t n, float *out);

/* out = a b elementwise, n floats each. out may be a or b. */
void pd_k_mul(const float *a, const float *b, size_t n, float *out);

/* Squeeze-and-excitation's product: out[ch][i] = a[ch][i] s[ch], c channels of hw values,
 * s [c, 1, 1]. out may be a (not s). */
void pd_k_mul_channels(const float *a, const float *s, int64_t c, int64_t hw, float *out);

/* out = the inputs one after another along channels: in[i] has c[i] channels of hw
 * values (n_in >= 2; every input the same H x W). out overlaps no input. */
void pd_k_concat(const float *const *in, const int64_t *c, int n_in, int64_t hw, float *out);

/* ---- Activations (kernel_act.c) ---- out may be in (exactly, not a shifted overlap).
 * NaN in gives NaN out, as PyTorch's. AVX2 and FMA where the CPU has them. */

/* min(max(x, lo), hi), as torch.clamp (so every value is hi when lo > hi); ReLU6 is
 * lo 0, hi 6. */
void pd_k_clip(const float *in, float *out, size_t n, float lo, float hi);

/* 1 / (1 + exp(-x)), within a few ulp (exp(-|x|) by a polynomial on AVX2, expf otherwise). */
void pd_k_sigmoid(const float *in, float *out, size_t n);

/* x sigmoid(x) (SiLU, which PyTorch exports as a Sigmoid and a Mul): exactly pd_k_sigmoid
 * then pd_k_mul of x by it, in one pass. */
void pd_k_silu(const float *in, float *out, size_t n);

/* max(0, min(1, alpha x + beta)). With PyTorch's alpha 1/6 and beta 0.5 (given as
 * 1.0f / 6.0f and 0.5f), PyTorch's own arithmetic: min(max(x + 3, 0), 6) / 6. */
void pd_k_hardsigmoid(const float *in, float *out, size_t n, float alpha, float beta);

/* x min(max(x + 3, 0), 6) / 6, PyTorch's arithmetic (so -inf gives NaN, as there). */
void pd_k_hardswish(const float *in, float *out, size_t n);

/* ---- Pooling (kernel_pool.c) ---- */

/* out[ch] = the mean (or maximum) of channel ch's hw values: [c, h, w] -> [c, 1, 1]. The
 * maximum is NaN if any value is, as PyTorch's max pooling. */
void pd_k_global_avg_pool(int64_t c, int64_t hw, const float *in, float *out);
void pd_k_global_max_pool(int64_t c, int64_t hw, const float *in, float *out);

/* Average pooling of [c, h, w] into [c, oh, ow]: window (oy, ox) covers rows
 * [oy sh - pt, oy sh - pt + kh) and the same for columns, clipped to the padded input
 * [-pt, h + pb) (a ceil-mode window can run past it). count_include_pad divides by the
 * clipped window's size (PyTorch's default), else by the number of input values in it (a
 * window holding none gives 0). oh, ow: the caller's (floor or ceil mode, pd_k_pool_out). */
typedef struct pd_k_pool_geom {
    int64_t c, h, w;
    int64_t kh, kw, sh, sw;
    int64_t pt, pl, pb, pr;
    int64_t oh, ow;
} pd_k_pool_geom;

/* PyTorch's output length: floor((n + lo + hi - k) / s) + 1, or with `ceil` the ceiling,
 * less one if the last window would start in the end padding (n + lo or later). 0 when the
 * kernel is longer than the padded input. */
int64_t pd_k_pool_out(int64_t n, int64_t lo, int64_t hi, int64_t k, int64_t s, bool ceil);

void pd_k_avg_pool(const pd_k_pool_geom *g, bool count_include_pad, const float *in, float *out);

/* 3 x 3 max pooling with stride 1 and padding 1 (a window past the border holds only the
 * values inside it) of channels [c0, c1) of [c, h, w] into the same shape, NaN kept as
 * pd_k_global_max_pool keeps it; tmp: h w floats. Each plane in two passes over it whole,
 * the rows' maxima then the columns', each one long loop the compiler vectorises: on 7 x 7
 * and 14 x 14 planes a row is shorter than a vector (GoogLeNet's inception pools). */
void pd_k_max3_s1(int64_t c0, int64_t c1, int64_t h, int64_t w, const float *in, float *out,
                  float *tmp);

#endif
