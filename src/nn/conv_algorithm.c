/* Which algorithm predoff's runtime convolves a layer with, and the work it then does:
 * Winograd's minimal filtering (src/nn/winograd.c) for 3 x 3 and 5 x 5 layers with many
 * channels and filters, a direct convolution (src/nn/conv_direct.c) for stride-1 layers
 * with few filters, im2col and a matrix product for the rest. A rule on the layer's shape,
 * so that the planner's latency features (runtime_macs, transform_elems) and the runtime
 * agree wherever the runtime has the CPU for the first two (AVX2 and FMA; it checks that
 * itself, and runs im2col without). */
#include <math.h>

#include "predoff/runtime.h"

#define WINOGRAD_STREAMED (16.0 * 1024 * 1024)
#define WINOGRAD_MACS_PER_FLOAT 16

int pd_layer_winograd_tile(const pd_layer *l)
{
    if (!pd_conv_is_plain(l) || l->p.stride != 1 || (l->p.kernel != 3 && l->p.kernel != 5))
        return 0;
    /* eight channels to a vector; with few channels or filters the transforms dominate */
    if (l->in.c < 16 || l->in.c % 8 != 0 || l->p.filters < 16)
        return 0;
    /* m = 4 or 2, whichever multiplies less: tiles x n^2 per channel and filter (a tie
     * goes to 2, whose filters take less memory); m = 4 wastes most of its tiles on small
     * outputs. Filters too large to stay in any cache (m = 4's over WINOGRAD_STREAMED
     * bytes: ResNet-18's 512-channel layers, 37.7 MB each) come from memory on every
     * inference, each of their n^2 values used once per tile, and memory delivers a float
     * in the time of about WINOGRAD_MACS_PER_FLOAT multiplies (Zen 4: 110 G multiply-adds
     * and 7 G floats per second and core): each m then costs n^2 x max(tiles,
     * WINOGRAD_MACS_PER_FLOAT). On a 7 x 7 map m = 2 (16 tiles of 16 values) then beats
     * m = 4 (4 tiles of 36): ResNet-18 1.11x, alternated (docs/PERFORMANCE.md); with 8 MB
     * and 32, which turn its 14 x 14 layers to m = 2 as well, no clear gain (1.01x). */
    const int64_t r = l->p.kernel, oh = l->out.h, ow = l->out.w;
    const int64_t t2 = ((oh + 1) / 2) * ((ow + 1) / 2), t4 = ((oh + 3) / 4) * ((ow + 3) / 4),
                  n2 = (r + 1) * (r + 1), n4 = (r + 3) * (r + 3);
    const bool streamed = (double)n4 * (double)l->in.c * (double)l->p.filters * sizeof(float) >
                          WINOGRAD_STREAMED;
    const int64_t f2 = streamed && t2 < WINOGRAD_MACS_PER_FLOAT ? WINOGRAD_MACS_PER_FLOAT : t2,
                  f4 = streamed && t4 < WINOGRAD_MACS_PER_FLOAT ? WINOGRAD_MACS_PER_FLOAT : t4;
    return f4 * n4 < f2 * n2 ? 4 : 2;
}

/* Tiles x n^2: the transform-domain values of one channel (or filter) of the layer. */
static double points(const pd_layer *l, int64_t m)
{
    const int64_t n = m + l->p.kernel - 1, tiles = ((l->out.h + m - 1) / m) * ((l->out.w + m - 1) / m);
    return (double)tiles * (double)(n * n);
}

/* The runtime's products take filters 16 at a time: 20 filters cost as much as 32. */
int pd_layer_direct_conv(const pd_layer *l)
{
    return pd_conv_is_plain(l) && l->p.stride == 1 && l->p.kernel > 1 &&
           l->p.filters <= 32 && !pd_layer_winograd_tile(l);
}

double pd_layer_runtime_macs(const pd_layer *l)
{
    if (pd_layer_direct_conv(l)) /* eight pixels of a row to a vector, the last one partly */
        return (double)(l->p.filters * l->out.h * ((l->out.w + 7) / 8 * 8)) *
               (double)(l->in.c * l->p.kernel * l->p.kernel);
    const int64_t m = pd_layer_winograd_tile(l);
    if (!m)
        return pd_layer_macs(l);
    return points(l, m) * (double)l->in.c * (double)((l->p.filters + 15) / 16 * 16);
}

double pd_layer_transform_elems(const pd_layer *l)
{
    const int64_t m = pd_layer_winograd_tile(l);
    return m ? points(l, m) * (double)(l->in.c + l->p.filters) : 0.0;
}

double pd_runtime_feature(const pd_layer *l, pd_feature f)
{
    switch (f) {
    case PD_FEAT_RUNTIME_MACS: return pd_layer_runtime_macs(l);
    case PD_FEAT_TRANSFORM_ELEMS: return pd_layer_transform_elems(l);
    default: return NAN;
    }
}
