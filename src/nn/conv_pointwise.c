/* 1 x 1 convolution by the packed product (conv_pointwise.h, panels.h): the input is its
 * own K x N matrix (K = C channels, N = H W pixels), so nothing is copied. A part of a
 * split takes a range of the product's blocks, in the order pd_panels_order_for chooses
 * (a block of pixels through every panel on large inputs: on EfficientNet-B0, 1.05x
 * against a panel over every block, MobileNetV2 1.006x, alternated, noisy host). */
#include "conv_pointwise.h"

#include "panels.h"

bool pd_pointwise_conv(const pd_layer *l)
{
    return pd_conv_is_plain(l) && l->p.kernel == 1 && l->p.stride == 1 && l->p.pad == 0 &&
           pd_panels_available();
}

size_t pd_pointwise_prepared_floats(const pd_layer *l)
{
    if (!pd_pointwise_conv(l))
        return 0;
    return pd_panels_floats(l->p.filters, l->in.c);
}

void pd_pointwise_prepare(const pd_layer *l, const float *w, const float *b, float *prep)
{
    pd_panels_pack(l->p.filters, l->in.c, w, b, prep);
}

void pd_pointwise_part(const pd_forward_args *a, int part, int parts)
{
    const pd_layer *l = a->l;
    pd_panels_part(a->prep, l->p.filters, l->in.c, l->out.h * l->out.w, a->in, a->out, a->act,
                   pd_panels_order_for(l->in.c, l->out.h * l->out.w), part, parts);
}
