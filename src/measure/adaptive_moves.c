/* The neighbours of a sweep point (adaptive_moves.h): one parameter of its timed layer, or
 * its input, stepped; the model rebuilt through the graph builder, so every neighbour is a
 * model the reader would accept. */
#include <math.h>
#include <stdint.h>

#include "measure/adaptive_moves.h"

/* The ranges of the shapes real networks use, as the sweep's grids keep to them: channels
 * times map side at most 16384 (3 x 224, 64 x 112, 1152 x 14), convolutions of at most
 * 4e8 multiply-accumulates (GoogLeNet's largest is 3.5e8), fc layers of up to 9216 inputs
 * (AlexNet's) and 4096 outputs. */
#define MAX_CHANNELS 2048
#define MAX_FC_IN 9216
#define MAX_FILTERS 2048
#define MAX_FC_OUT 4096
#define MAX_SIDE 224
#define MAX_C_SIDE 16384
#define MAX_CONV_MACS 4e8

enum { M_C, M_HW = 4, M_F = 8, M_K = 12, M_S = 14, M_G = 15 };
static const double factors[4] = {0.5, 2.0 / 3.0, 1.5, 2.0};

/* v times f rounded: to a multiple of 8 from 16 up (as networks size their layers), else
 * to a whole number, at least 1. */
static int64_t scaled(int64_t v, double f, int to_eight)
{
    double x = (double)v * f;
    int64_t r = (int64_t)floor(x + 0.5);
    if (to_eight && r >= 16)
        r = 8 * (int64_t)floor(x / 8.0 + 0.5);
    return r < 1 ? 1 : r;
}

/* Sets a conv's square kernel to k with the "same" padding k / 2 on every side. */
static void set_conv_kernel(pd_layer_params *p, int64_t k)
{
    p->kernel = p->kernel_w = k;
    p->pad = p->pad_w = p->pad_b = p->pad_r = k / 2;
}

/* Applies the move to the input shape and the timed layer's parameters; 0 when it does
 * not apply. */
static int apply(const pd_layer *l, int move, pd_shape *in, pd_layer_params *p)
{
    const pd_layer_kind kind = pd_layer_kind_of(l);
    const int conv = l->type == PD_LAYER_CONV, fc = l->type == PD_LAYER_FC;
    const int pool = l->type == PD_LAYER_POOL && !p->global;
    if (move < M_HW) {
        in->c = scaled(in->c, factors[move], 1);
        if (kind == PD_KIND_CONV_DEPTHWISE)
            p->filters = p->groups = in->c;
        return in->c != l->in.c;
    }
    if (move < M_F) {
        if (fc)
            return 0; /* an fc reads a vector: its side stays 1 */
        in->h = in->w = scaled(in->h, factors[move - M_HW], 0);
        return in->h != l->in.h;
    }
    if (move < M_K) {
        if (kind == PD_KIND_CONV_DEPTHWISE || !(conv || fc))
            return 0;
        int64_t *v = fc ? &p->outputs : &p->filters;
        *v = scaled(*v, factors[move - M_F], 1);
        return *v != (fc ? l->p.outputs : l->p.filters);
    }
    if (move < M_S) {
        int up = move == M_K + 1;
        if (conv && p->kernel == p->kernel_w && kind != PD_KIND_CONV_POINTWISE) {
            set_conv_kernel(p, p->kernel + (up ? 2 : -2));
            return p->kernel >= 3 && p->kernel <= 7;
        }
        if (pool) {
            p->kernel += up ? 1 : -1;
            p->pad = p->pad ? p->kernel / 2 : 0;
            return p->kernel >= 2 && p->kernel <= 5;
        }
        return 0;
    }
    if (move == M_S) {
        if (!(conv && p->stride == p->stride_w) && !pool)
            return 0;
        p->stride = p->stride_w = p->stride == 1 ? 2 : 1;
        return 1;
    }
    if (kind != PD_KIND_CONV_GROUPED)
        return 0;
    p->groups = move == M_G ? p->groups / 2 : p->groups * 2;
    return p->groups >= 2 && p->groups * 2 <= in->c;
}

static int in_range(const pd_layer *l)
{
    const int fc = l->type == PD_LAYER_FC;
    if (l->in.c > (fc ? MAX_FC_IN : MAX_CHANNELS) || l->in.h > MAX_SIDE ||
        (!fc && l->in.c * l->in.h > MAX_C_SIDE))
        return 0;
    if (l->type == PD_LAYER_CONV)
        return l->p.filters >= 4 && l->p.filters <= MAX_FILTERS &&
               pd_layer_macs(l) <= MAX_CONV_MACS;
    return !fc || (l->p.outputs >= 10 && l->p.outputs <= MAX_FC_OUT);
}

pd_status pd_sweep_neighbour(const pd_graph *g, int move, pd_graph **out, pd_error *err)
{
    *out = NULL;
    if (move < 0 || move >= PD_SWEEP_MOVES || g->n_layers == 0)
        return PD_OK;
    const pd_layer *l = &g->layers[g->n_layers - 1];
    pd_shape in = g->input;
    pd_layer_params p = l->p;
    if (l->in.c != in.c || l->in.h != in.h || !apply(l, move, &in, &p))
        return PD_OK; /* only a layer that reads the model's input, as a sweep point's does */
    pd_graph_builder *b = NULL;
    pd_error why; /* a move that makes no valid model is one not taken */
    pd_status st = pd_graph_builder_new(g->name, NULL, in, g->n_layers, &b, &why);
    for (size_t i = 0; !st && i < g->n_layers; i++) {
        const pd_layer *li = &g->layers[i];
        pd_layer_spec s = {li->name, li->type, i + 1 == g->n_layers ? p : li->p, li->n_inputs,
                           li->inputs, li->is_exit, false, 0.0};
        st = pd_graph_builder_add(b, &s, &why);
    }
    pd_graph *n = NULL;
    if (!st)
        st = pd_graph_builder_finish(b, &n, &why);
    else
        pd_graph_builder_free(b);
    if (st == PD_ENOMEM)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if (st)
        return PD_OK;
    const pd_layer *nl = &n->layers[n->n_layers - 1];
    if (pd_layer_kind_of(nl) != pd_layer_kind_of(l) || !in_range(nl)) {
        pd_graph_free(n);
        return PD_OK;
    }
    *out = n;
    return PD_OK;
}
