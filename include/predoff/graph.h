/* The layer graph of a multi-exit network: layers, shapes, features, exits. */
#ifndef PREDOFF_GRAPH_H
#define PREDOFF_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pd_layer_type {
    PD_LAYER_CONV,
    PD_LAYER_RELU,
    PD_LAYER_POOL,
    PD_LAYER_LRN,
    PD_LAYER_DROPOUT,
    PD_LAYER_FC,
    PD_LAYER_TYPE_COUNT
} pd_layer_type;

typedef enum pd_pool_mode { PD_POOL_MAX, PD_POOL_AVG } pd_pool_mode;

/* Latency-model features of a layer (formats.md names them). */
typedef enum pd_feature {
    PD_FEAT_IN_ELEMS,
    PD_FEAT_OUT_ELEMS,
    PD_FEAT_IN_BYTES,
    PD_FEAT_OUT_BYTES,
    PD_FEAT_KERNEL_FILTERS,          /* (kernel/stride)^2 * filters */
    PD_FEAT_KERNEL_FILTERS_CHANNELS, /* that times input channels */
    PD_FEAT_MACS,
    PD_FEAT_WEIGHT_BYTES,
    PD_FEAT_MODEL_BYTES,
    PD_FEAT_RUNTIME_MACS, /* the multiplies predoff's runtime does: macs, but for Winograd's */
    PD_FEAT_TRANSFORM_ELEMS, /* what Winograd's transforms write for such a layer, else 0 */
    PD_FEATURE_COUNT
} pd_feature;

/* [channels, height, width]; element counts stay far below 2^62. */
typedef struct pd_shape {
    int64_t c, h, w;
} pd_shape;

/* Every parameter any layer type takes; a type reads only its own. */
typedef struct pd_layer_params {
    int64_t filters, kernel, stride, pad; /* conv, pool */
    int64_t outputs;                      /* fc */
    int64_t size;                         /* lrn */
    double alpha, beta, k;                /* lrn */
    double ratio;                         /* dropout */
    int64_t mode;                         /* pool: pd_pool_mode */
    bool ceil;                            /* pool */
} pd_layer_params;

typedef struct pd_layer {
    char *name;
    pd_layer_type type;
    int32_t parent; /* index of the parent layer; -1 reads the network input */
    pd_layer_params p;
    pd_shape in, out;
    bool is_exit;
    bool has_accuracy; /* the model gives the exit's test accuracy */
    double accuracy;
} pd_layer;

/* Layers are stored parents first: parent < index for every layer. */
typedef struct pd_graph {
    char *name;
    char *note; /* the model's own remark (where its accuracies come from); may be NULL */
    pd_shape input;
    size_t n_layers;
    pd_layer *layers;
    size_t n_exits;
    int32_t *exits; /* layer indices of the exits, in model order */
    double model_bytes; /* float32 weights of all layers */
} pd_graph;

/* Parses a JSON model description. `source` names the text in error messages
 * (a file name). On success *out is a new graph owned by the caller. */
pd_status pd_graph_from_json(const char *text, size_t len, const char *source, pd_graph **out,
                             pd_error *err);

/* Opens a built-in model by name, or else reads the JSON file at that path. */
pd_status pd_graph_open(const char *name_or_path, pd_graph **out, pd_error *err);

void pd_graph_free(pd_graph *g);

/* Index of the layer with that name, or -1. */
int32_t pd_graph_find(const pd_graph *g, const char *name);

/* Number of elements of a shape. */
int64_t pd_shape_elems(pd_shape s);

/* Weight and bias count of a layer (0 for layers without weights). */
double pd_layer_weight_count(const pd_layer *l);
/* Multiply-accumulates of one forward pass (window operations for pool and lrn). */
double pd_layer_macs(const pd_layer *l);
/* The output tile m of Winograd's F(m x m, r x r) that predoff's runtime convolves this
 * layer with on a CPU with AVX2 and FMA (the rule is the layer's shape alone), or 0 when
 * it runs as im2col and a matrix product: see src/graph/conv_algorithm.c. */
int pd_layer_winograd_tile(const pd_layer *l);
/* Whether predoff's runtime convolves this layer directly on a CPU with AVX2 and FMA:
 * stride 1, a kernel larger than 1, at most 32 filters, and not Winograd's
 * (src/graph/conv_algorithm.c). */
int pd_layer_direct_conv(const pd_layer *l);
/* The multiplies predoff's runtime does for one forward pass on such a CPU: for a layer
 * that runs by F(m, r), tiles x (m + r - 1)^2 x channels x filters rounded up to a
 * multiple of 16 (its products take 16 at a time); for a direct one, pd_layer_macs with
 * each output row rounded up to a multiple of 8 pixels; else pd_layer_macs. */
double pd_layer_runtime_macs(const pd_layer *l);
/* For a layer that runs by F(m, r) on such a CPU, the values its input and output
 * transforms write: tiles x (m + r - 1)^2 x (channels + filters); 0 for any other. */
double pd_layer_transform_elems(const pd_layer *l);
/* Total weight bytes of the model (float32). */
double pd_graph_model_bytes(const pd_graph *g);
/* Value of one feature for layer i. */
double pd_graph_feature(const pd_graph *g, size_t i, pd_feature f);

/* Whether layer i lies on the path of exit layer e (i is e or an ancestor). */
bool pd_graph_on_path(const pd_graph *g, size_t i, size_t e);

/* The exits in the order a sample meets them on its way from the input: by the place on
 * the trunk (the path of the exit with the longest path, the later in model order of two as
 * long) where each leaves it, an exit on the trunk by its own place, so the trunk's exit
 * comes last; ties keep model order. order[i] is the model-order index (into g->exits) of the i-th exit met. */
pd_status pd_graph_exit_path_order(const pd_graph *g, size_t *order, pd_error *err);

const char *pd_layer_type_name(pd_layer_type t);
/* Returns the type with that name, or PD_LAYER_TYPE_COUNT. */
pd_layer_type pd_layer_type_parse(const char *name);
/* Short parameter summary such as "32 k5 s1 p2" into buf. */
void pd_layer_describe(const pd_layer *l, char *buf, size_t n);

const char *pd_feature_name(pd_feature f);
/* Returns the feature with that name, or PD_FEATURE_COUNT. */
pd_feature pd_feature_parse(const char *name);

/* A model compiled into the library. */
typedef struct pd_builtin_model {
    const char *name;
    const char *summary;
    const char *json;
    size_t json_len;
} pd_builtin_model;

/* The built-in models; *count receives their number. */
const pd_builtin_model *pd_builtin_models(size_t *count);

/* The exit accuracies measured for a built-in model's shipped weights (the JSON that
 * `predoff accuracy -o` wrote, kept in models/accuracy/MODEL.json), or NULL when none
 * ship; *len receives the text's length. */
const char *pd_builtin_accuracy(const char *model, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
