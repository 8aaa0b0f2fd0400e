/* The layer-type table: what each type takes, how its shape and cost follow.
 * Adding a layer type is one file in layers/ and one row in layer_types.c. */
#ifndef PD_LAYER_TYPE_H
#define PD_LAYER_TYPE_H

#include <stddef.h>

#include "predoff/graph.h"

/* PAIR: a number, or [h, w], into offset (h) and more[0] (w). PADS: a number, [h, w] or
 * [top, left, bottom, right], into offset (top), more[0] (left), more[1] (bottom) and
 * more[2] (right). SHAPE: [c, h, w] into offset (c), more[0] (h) and more[1] (w). All three
 * are integers. */
typedef enum pd_param_kind {
    PD_PARAM_INT,
    PD_PARAM_REAL,
    PD_PARAM_BOOL,
    PD_PARAM_ENUM,
    PD_PARAM_PAIR,
    PD_PARAM_PADS,
    PD_PARAM_SHAPE
} pd_param_kind;

/* One JSON parameter of a layer type, stored at `offset` in pd_layer_params. */
typedef struct pd_param_desc {
    const char *key;
    pd_param_kind kind;
    size_t offset;
    int required;
    double def;                /* default when absent and not required */
    double min, max;           /* accepted range, inclusive */
    const char *const *names;  /* PD_PARAM_ENUM: value names, NULL-terminated */
    size_t more[3];            /* PD_PARAM_PAIR, PD_PARAM_PADS, PD_PARAM_SHAPE: the others */
} pd_param_desc;

typedef struct pd_layer_type_def {
    const char *name;
    const pd_param_desc *params;
    size_t n_params;
    /* Completes defaults that depend on other parameters, checks the input
     * shape l->in and sets l->out; the message names the field at fault. */
    pd_status (*infer)(pd_layer *l, pd_error *err);
    double (*weights)(const pd_layer *l);
    double (*macs)(const pd_layer *l);
    double (*kernel_filters)(const pd_layer *l);
    void (*describe)(const pd_layer *l, char *buf, size_t n);
    /* Types of two or more inputs: checks their shapes `in` (n of them) and sets l->out,
     * in place of `infer`. NULL for a type of one input. */
    pd_status (*infer_inputs)(pd_layer *l, const pd_shape *in, size_t n, pd_error *err);
    /* A type that reads one tensor or more: `infer` for one, `infer_inputs` for more. */
    bool any_inputs;
    /* Its weight tensors (pd_layer_tensors); NULL: none. */
    size_t (*tensors)(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS]);
    /* Its latency models' feature sets (pd_layer_type_fit_sets). */
    pd_fit_sets fit;
    /* Its sweep grid (pd_layer_type_sweep); NULL: not swept. */
    size_t (*sweep)(pd_sweep_emit emit, void *ctx);
    /* The kind of one of its layers (pd_layer_kind_of); NULL: PD_KIND_NONE always. */
    pd_layer_kind (*kind)(const pd_layer *l);
} pd_layer_type_def;

extern const pd_layer_type_def pd_conv_type, pd_relu_type, pd_pool_type, pd_lrn_type,
    pd_dropout_type, pd_fc_type, pd_add_type, pd_concat_type, pd_bn_type, pd_mul_type,
    pd_clip_type, pd_sigmoid_type, pd_hardsigmoid_type, pd_hardswish_type, pd_flatten_type,
    pd_opaque_type;

const pd_layer_type_def *pd_layer_type_def_of(pd_layer_type t);

/* Shared helpers for the type files. */
double pd_layer_no_weights(const pd_layer *l);
double pd_layer_no_macs(const pd_layer *l);
double pd_layer_no_kernel_filters(const pd_layer *l);
void pd_layer_no_params(const pd_layer *l, char *buf, size_t n);
pd_status pd_layer_same_shape(pd_layer *l, pd_error *err);
/* The grid the elementwise types share: channels x map sizes, `fields` the layer's JSON. */
size_t pd_sweep_elementwise(const char *fields, pd_sweep_emit emit, void *ctx);
/* The grid of the feature maps of today's CNNs (MobileNet, EfficientNet, ResNet: 16 to
 * 1024 channels, 7 x 7 to 112 x 112 maps, the pairs that occur, and 1 x 1 ones as
 * squeeze-and-excitation has), for the types they use. */
size_t pd_sweep_feature_maps(const char *fields, pd_sweep_emit emit, void *ctx);
/* The same grid without its 1 x 1 maps: for windows, and for what squeeze-and-excitation
 * does to maps larger than its [C, 1, 1] (a global pool of, a factor for). */
size_t pd_sweep_spatial_maps(const char *fields, pd_sweep_emit emit, void *ctx);
/* The same grid without its 1 x 1 maps, each point's layer "l" after a layer "pre" with the
 * fields `pre`. */
size_t pd_sweep_feature_maps_after(const char *pre, const char *fields, pd_sweep_emit emit,
                                   void *ctx);
/* Emits one point (when emit is set) and returns 1. */
size_t pd_sweep_point_emit(pd_sweep_emit emit, void *ctx, int c, int hw, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same, the timed layer followed by `post`. */
size_t pd_sweep_point_emit_post(pd_sweep_emit emit, void *ctx, pd_sweep_post post, int c, int hw,
                                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Output side of a sliding window; checks the window fits the padded input. */
pd_status pd_window_out(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int ceil_mode,
                        const char *dim, int64_t *out, pd_error *err);

#endif
