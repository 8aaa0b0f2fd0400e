/* A register-blocked product out[F, N] = W[F, K] in[K, N] + bias, the activation applied as
 * each output leaves the registers, with W packed once into panels of PD_PANEL_MR filters.
 * The 1 x 1 convolutions run it on their input (K = C, conv_pointwise.c); the others on
 * im2col's columns (K = C k k, conv.c). AVX-512 or AVX2 with FMA, chosen at run time. */
#ifndef PD_NN_PANELS_H
#define PD_NN_PANELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "act.h"

#define PD_PANEL_MR 12

/* Whether this CPU runs the product: AVX-512, or AVX2 and FMA. */
bool pd_panels_available(void);

/* The packed floats for F filters of K weights: [panel][K][12] (zeros past F), then the
 * bias in the same panels. */
size_t pd_panels_floats(int64_t F, int64_t K);
/* Packs w (F x K, row-major) and b (F) into prep (pd_panels_floats(F, K) floats). */
void pd_panels_pack(int64_t F, int64_t K, const float *w, const float *b, float *prep);

/* The order the blocks of MR filters by NR pixels are taken in. */
typedef enum pd_panels_order {
    /* a panel of weights over every block of pixels, then the next: for inputs small
     * enough to stay in the L2 cache while the weights stream past once */
    PD_PANELS_BY_FILTERS,
    /* a block of pixels through every panel, then the next: the block stays in cache and
     * the weights (small beside the input) pass over it */
    PD_PANELS_BY_PIXELS,
} pd_panels_order;

/* The order for K x N inputs: by filters when the input fits in half of a 2 MB L2. */
pd_panels_order pd_panels_order_for(int64_t K, int64_t N);

/* Part `part` of `parts`: a range of the blocks, in `order`, of out = prep's W in + bias
 * (in and out K x N and F x N, row-major, row stride N), `act` applied. Every output is
 * summed the same way whatever the split and the order. */
void pd_panels_part(const float *prep, int64_t F, int64_t K, int64_t N, const float *in,
                    float *out, pd_act act, pd_panels_order order, int part, int parts);

/* The pixels of one block: 32 with AVX-512, 8 with AVX2; at most PD_PANELS_MAX_NR. */
#define PD_PANELS_MAX_NR 32
int64_t pd_panels_nr(void);

/* The pixels of a chunk (a multiple of pd_panels_nr(), at most PD_PANELS_MAX_CHUNK): as
 * many as keep its K rows of columns within 128 KB, so that they stay in the L2 cache while
 * every panel passes over them. */
#define PD_PANELS_MAX_CHUNK (8 * PD_PANELS_MAX_NR)
int64_t pd_panels_chunk(int64_t K);

/* Every panel over n pixels: out[f][j] (row stride ld_out) = sum_k W[f][k] in[k][j] (row
 * stride ld_in) + bias[f], `act` applied, for every filter f and j < n; a panel over every
 * block of the n, then the next panel, so that the output is written a panel's 12 rows at a
 * time (a block through every panel wrote to F rows at once, too many streams for the
 * stores). For columns written just before, while they are in the cache. */
void pd_panels_span(const float *prep, int64_t F, int64_t K, const float *in, int64_t ld_in,
                    float *out, int64_t ld_out, int64_t n, pd_act act);

#endif
