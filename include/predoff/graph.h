/* The layer graph of a multi-exit network: layers, shapes, features, exits. */
#ifndef PREDOFF_GRAPH_H
#define PREDOFF_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/topology.h"

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
    PD_LAYER_ADD,    /* elementwise sum of two or more inputs of one shape */
    PD_LAYER_CONCAT, /* two or more inputs joined along the channels */
    PD_LAYER_BN,
    PD_LAYER_MUL,
    PD_LAYER_CLIP,
    PD_LAYER_SIGMOID,
    PD_LAYER_HARDSIGMOID,
    PD_LAYER_HARDSWISH,
    PD_LAYER_FLATTEN,
    PD_LAYER_OPAQUE, /* known only by measurement: planned, never run (formats.md) */
    PD_LAYER_TYPE_COUNT
} pd_layer_type;

typedef enum pd_pool_mode { PD_POOL_MAX, PD_POOL_AVG } pd_pool_mode;

/* Kinds: the layers of some types split, by a rule on their shape, into kinds whose cost
 * differs enough that a tier profile may model them apart (formats: "conv/depthwise"). A
 * layer is costed by its kind's model when the profile has one, else by its type's. Most
 * layers have no kind of their own (PD_KIND_NONE). */
typedef enum pd_layer_kind {
    PD_KIND_NONE,           /* the type's model */
    PD_KIND_CONV_DEPTHWISE, /* "conv/depthwise": groups = channels = filters > 1 */
    PD_KIND_CONV_GROUPED,   /* "conv/grouped": any other groups > 1 */
    PD_KIND_CONV_POINTWISE, /* "conv/pointwise": a 1 x 1 kernel, one group */
    PD_KIND_POOL_GLOBAL,    /* "pool/global": an average over the whole map */
    PD_KIND_POOL_AVG,       /* "pool/avg": an average over a window */
    PD_KIND_POOL_GLOBAL_MAX, /* "pool/global-max": the maximum of the whole map */
    PD_LAYER_KIND_COUNT
} pd_layer_kind;

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
    PD_FEAT_FUSED_ACT_ELEMS, /* the output elements of the layers the engine runs inside
                              * this layer's pass (pd_graph_fused_into), 0 if none */
    PD_FEAT_RUN_BYTES, /* what a whole run that holds the layer touches: its weights and its
                        * most activations alive at once (pd_graph_run_bytes); whether
                        * the layer finds its weights in the cache, for learned models */
    PD_FEAT_FUSED_EXP_ELEMS, /* of those, the elements that pass through an exponential (a
                              * SiLU's sigmoid), 0 if none: what tells a fused SiLU, an exp
                              * an element, from a ReLU or a Clip */
    PD_FEAT_RUN_MS, /* the time from the start of one run that holds the layer to the next's:
                     * how long its data wait in the caches, where the host's other work
                     * evicts them too. Not the graph's to know (NaN here): the profiler
                     * measures it, a prediction sums its own times over the run
                     * (pd_graph_run_sums) */
    PD_FEATURE_COUNT
} pd_feature;

/* The raw shape columns of a layer (formats.md, "Timings CSV"): of its first input
 * (channels, height, width), its parameters (0 where its type has none: filters, kernel,
 * stride and pad of a conv or pool, a conv's groups; a global pool's window is its map,
 * stride 1) and its output. A learned latency model reads them beside the features. */
typedef enum pd_shape_column {
    PD_SHAPE_CHANNELS,
    PD_SHAPE_HEIGHT,
    PD_SHAPE_WIDTH,
    PD_SHAPE_FILTERS,
    PD_SHAPE_KERNEL_H,
    PD_SHAPE_KERNEL_W,
    PD_SHAPE_STRIDE, /* the height's */
    PD_SHAPE_PAD,    /* the top pad */
    PD_SHAPE_GROUPS,
    PD_SHAPE_OUT_CHANNELS,
    PD_SHAPE_OUT_HEIGHT,
    PD_SHAPE_OUT_WIDTH,
    PD_SHAPE_COLUMN_COUNT
} pd_shape_column;

/* [channels, height, width]; element counts stay far below 2^62. */
typedef struct pd_shape {
    int64_t c, h, w;
} pd_shape;

/* Every parameter any layer type takes; a type reads only its own. */
typedef struct pd_layer_params {
    int64_t filters, kernel, stride, pad; /* conv, pool: kernel, stride, top pad (height's) */
    int64_t kernel_w, stride_w, pad_w;    /* conv: width's kernel, stride, left pad */
    int64_t pad_b, pad_r;                 /* conv: bottom and right pads */
    int64_t dilation, dilation_w;         /* conv: height's and width's */
    int64_t groups;                       /* conv: channels and filters in groups */
    bool bias;                            /* conv, fc: has a bias tensor */
    int64_t outputs;                      /* fc */
    int64_t size;                         /* lrn */
    double alpha, beta, k;                /* lrn; hardsigmoid: alpha, beta */
    double eps;                           /* bn */
    double min, max;                      /* clip */
    bool global, count_include_pad;       /* pool */
    double ratio;                         /* dropout */
    int64_t mode;                         /* pool: pd_pool_mode */
    bool ceil;                            /* pool */
    pd_shape shape;                       /* opaque: its output */
    double macs, weight_bytes;            /* opaque: as given (0 when not) */
} pd_layer_params;

typedef struct pd_layer {
    char *name;
    pd_layer_type type;
    size_t n_inputs;
    int32_t *inputs; /* the tensors it reads, in order: PD_TENSOR_INPUT or a layer index */
    pd_layer_params p;
    pd_shape in, out; /* in: the first input's shape */
    bool is_exit;
    bool has_accuracy; /* the model gives the exit's test accuracy */
    double accuracy;
} pd_layer;

/* What an inference engine knows of a graph and the planner does not (graph.h keeps the
 * planner free of any engine): the features only the engine's algorithms define, and
 * which layers it runs inside another layer's pass. */
struct pd_graph;
typedef struct pd_engine_hook {
    /* Feature f (pd_feature_of_engine) of layer i of g */
    double (*feature)(const struct pd_graph *g, size_t i, pd_feature f);
    /* The layer of g whose pass runs layer i whenever a run holds both, or -1 (its own) */
    int32_t (*fused_into)(const struct pd_graph *g, size_t i);
    /* What a run reads for layer i's weights as the engine holds them (prepared for its
     * pass, or not), and the scratch its pass works in (run_bytes, pd_graph_measure_runs);
     * NULL: the float32 weights, and no scratch */
    double (*weight_bytes)(const struct pd_graph *g, size_t i);
    double (*scratch_bytes)(const struct pd_graph *g, size_t i);
} pd_engine_hook;

/* Layers are stored parents first: every input of a layer comes before it. */
typedef struct pd_graph {
    char *name;
    char *note; /* the model's own remark (where its accuracies come from); may be NULL */
    pd_shape input;
    size_t n_layers;
    pd_layer *layers;
    size_t n_exits;
    int32_t *exits; /* layer indices of the exits, in model order */
    double model_bytes; /* float32 weights of all layers */
    double *exit_run_bytes;  /* [n_exits]: what a run of A(k) touches (pd_graph_run_bytes) */
    size_t *layer_run_exit;  /* [n_layers]: the exit whose run each layer is profiled in
                              * (pd_graph_run_bytes) */
    size_t *exits_by_run;    /* [n_exits]: the exits, the one whose run touches most first
                              * (ties in model order) */
    const pd_engine_hook *engine; /* NULL: the engine's features are NaN, nothing fused */
    pd_topology *topo;  /* the structure, computed at load time (topology.h) */
} pd_graph;

/* Parses a JSON model description. `source` names the text in error messages
 * (a file name). On success *out is a new graph owned by the caller. */
pd_status pd_graph_from_json(const char *text, size_t len, const char *source, pd_graph **out,
                             pd_error *err);

/* Building a graph layer by layer: what every model reader (JSON, ONNX) goes through, so
 * that one set of checks applies to all. A layer is added with its inputs already added. */
enum { PD_GRAPH_MAX_INPUTS = 4096 }; /* tensors one layer reads */
typedef struct pd_layer_spec {
    const char *name;
    pd_layer_type type;
    pd_layer_params p;     /* start from pd_layer_params_default */
    size_t n_inputs;
    const int32_t *inputs; /* PD_TENSOR_INPUT or the index of a layer added before */
    bool is_exit, has_accuracy;
    double accuracy;
} pd_layer_spec;
typedef struct pd_graph_builder pd_graph_builder;
/* A builder of a graph called name (note may be NULL) of up to max_layers layers. */
pd_status pd_graph_builder_new(const char *name, const char *note, pd_shape input,
                               size_t max_layers, pd_graph_builder **out, pd_error *err);
/* Checks the layer (name unique, parameters in range, inputs that fit), infers its shape
 * and appends it; a message starts with 'layer "NAME"'. Exits come in the order added. */
pd_status pd_graph_builder_add(pd_graph_builder *b, const pd_layer_spec *s, pd_error *err);
/* Index of the layer added with that name, or -1; the number added so far. */
int32_t pd_graph_builder_find(const pd_graph_builder *b, const char *name);
size_t pd_graph_builder_count(const pd_graph_builder *b);
/* Layer i as added (its shapes inferred), i below the count. */
const pd_layer *pd_graph_builder_layer(const pd_graph_builder *b, size_t i);
/* Checks the whole (an exit at least, every layer leading to one), computes the topology
 * and hands the graph over. Frees b, whatever the outcome. */
pd_status pd_graph_builder_finish(pd_graph_builder *b, pd_graph **out, pd_error *err);
void pd_graph_builder_free(pd_graph_builder *b);
/* The defaults of type t's parameters, what a JSON layer that gives none gets. */
void pd_layer_params_default(pd_layer_type t, pd_layer_params *p);

/* Writes g as the JSON model description (formats.md) that pd_graph_from_json reads back
 * to the same graph; *out is a new string owned by the caller. */
pd_status pd_graph_to_json(const pd_graph *g, char **out, pd_error *err);

/* Opens a built-in model by name, or else reads the JSON file at that path. */
pd_status pd_graph_open(const char *name_or_path, pd_graph **out, pd_error *err);

void pd_graph_free(pd_graph *g);

/* Whether a conv layer is the plain kind the paper's models have: square kernel and
 * stride, one pad on every side, no dilation, one group; with or without a bias (the
 * runtime's fast paths read a missing one as zeros). */
bool pd_conv_is_plain(const pd_layer *l);

/* Index of the layer with that name, or -1. */
int32_t pd_graph_find(const pd_graph *g, const char *name);

/* Fails (PD_EINPUT), naming the model and its first opaque layer, when g has one: such a
 * layer is known only by its measured times and can be planned but never run. What runs,
 * trains or makes weights for a model calls it first. */
pd_status pd_graph_check_runnable(const pd_graph *g, pd_error *err);

/* Number of elements of a shape. */
int64_t pd_shape_elems(pd_shape s);

/* Weight and bias count of a layer (0 for layers without weights). */
double pd_layer_weight_count(const pd_layer *l);
/* Multiply-accumulates of one forward pass (window operations for pool and lrn). */
double pd_layer_macs(const pd_layer *l);
/* Total weight bytes of the model (float32). */
double pd_graph_model_bytes(const pd_graph *g);
/* What one run touches, float32: a run of exit k's sub-graph A(k), its weights and the
 * most activation bytes alive at once (pd_topology_peak_bytes: what a runtime that reuses
 * its buffers must hold). Whether a layer finds its weights in the cache when the run
 * comes round again. */
double pd_graph_exit_run_bytes(const pd_graph *g, size_t k);
/* Layer i's: that of the exit touching most among those whose A(k) holds it, the run the
 * profiler times it in (pd_profile_model; the trunk's for a layer of the trunk). Both as
 * g's engine holds the layers (pd_graph_set_feature_hook), float32 weights without one. */
double pd_graph_run_bytes(const pd_graph *g, size_t i);
/* What each run touches as engine h holds the layers (NULL, or its functions NULL: float32
 * weights, no scratch): for exit k, the weights of A(k) (h->weight_bytes), the most
 * activation bytes alive at once (pd_topology_peak_bytes) and its largest scratch; into
 * exit_bytes[n_exits]; into order[n_exits] the exits, the one touching most first, ties in
 * model order (the order the profiler takes them in); and into claim[n_layers] each layer's
 * exit, the first of that order whose A(k) holds it (its run_bytes exit_bytes[claim[i]]:
 * pd_graph_run_bytes). O(layers) on a tree, O(sum of |A(k)|) on a DAG (which the topology
 * bounds). Only PD_ENOMEM fails. */
pd_status pd_graph_measure_runs(const pd_graph *g, const pd_engine_hook *h, double *exit_bytes,
                                size_t *claim, size_t *order, pd_error *err);
/* Into run[i] for each layer i, the sum of per_layer[j] over the layers j of the run the
 * profiler times i in (A(k) of g->layer_run_exit[i], as pd_graph_run_bytes takes it; every
 * layer reaches an exit): from predicted layer times, the time of a run holding each layer
 * (PD_FEAT_RUN_MS). O(layers) on a tree, O(sum of |A(k)|) on a DAG. Only PD_ENOMEM fails. */
pd_status pd_graph_run_sums(const pd_graph *g, const double *per_layer, double *run,
                            pd_error *err);
/* Value of one feature for layer i. The engine's features (pd_feature_of_engine) come from
 * the graph's feature hook, NaN without one. */
double pd_graph_feature(const pd_graph *g, size_t i, pd_feature f);

/* Features that only an inference engine knows: what its convolution algorithm multiplies
 * and writes (PD_FEAT_RUNTIME_MACS, PD_FEAT_TRANSFORM_ELEMS) and what it fuses into a
 * layer's pass (PD_FEAT_FUSED_ACT_ELEMS). The engine that a profile was measured on gives
 * them through a hook set on the graph (predoff's runtime: pd_runtime_hook in runtime.h),
 * so that the planner stays free of it. */
bool pd_feature_of_engine(pd_feature f);
/* Sets (or with NULL clears) g's engine hook, and what g's runs touch as it holds the layers
 * (pd_graph_run_bytes); the hook is not copied and must outlive g. Only PD_ENOMEM fails (g
 * then keeps its hook and bytes as they were). */
pd_status pd_graph_set_feature_hook(pd_graph *g, const pd_engine_hook *hook, pd_error *err);
/* The layer whose pass the graph's engine runs layer i in (pd_engine_hook.fused_into), or
 * -1: its own pass, or no hook. */
int32_t pd_graph_fused_into(const pd_graph *g, size_t i);

/* Whether layer i is in A(k), the sub-graph of exit number k (the exit or an ancestor). */
bool pd_graph_in_exit(const pd_graph *g, size_t i, size_t k);
/* Peak activation memory, in bytes (float32), of running exit number k's sub-graph alone
 * in topological order (pd_topology_peak_bytes says what is counted). */
pd_status pd_graph_exit_peak_bytes(const pd_graph *g, size_t k, double *peak, pd_error *err);

/* One weight tensor of a layer, as PyTorch names, shapes and initialises it: FAN_IN is
 * uniform in +-1/sqrt(fan_in) (PyTorch's default for conv and linear), ONES and ZEROS are
 * constants (batch norm's weight and running_var, its bias and running_mean). */
typedef enum pd_tensor_init { PD_INIT_FAN_IN, PD_INIT_ONES, PD_INIT_ZEROS } pd_tensor_init;
enum { PD_LAYER_MAX_TENSORS = 4, PD_FEATURE_SET_MAX = 3 };
typedef struct pd_layer_tensor {
    const char *suffix; /* ".weight": the tensor is named <layer><suffix> */
    int ndim;
    int64_t dims[4];
    pd_tensor_init init;
    double fan_in;
} pd_layer_tensor;
/* The weight tensors layer l needs, in its type's order, into t; returns how many (0 for
 * a layer without weights). */
size_t pd_layer_tensors(const pd_layer *l, pd_layer_tensor t[PD_LAYER_MAX_TENSORS]);

/* Feature sets `predoff fit` offers a type: the paper's, the MACs one, and the candidates
 * that AUTO judges by cross-validation (the paper's first). */
typedef struct pd_feature_set {
    int n;
    pd_feature f[PD_FEATURE_SET_MAX];
} pd_feature_set;
typedef struct pd_fit_sets {
    pd_feature_set paper, macs;
    size_t n_candidates;
    const pd_feature_set *candidates;
} pd_fit_sets;
const pd_fit_sets *pd_layer_type_fit_sets(pd_layer_type t);

/* What a sweep point's timed layer is followed by: nothing, or an activation an engine may
 * fuse into its pass (a ReLU, a Clip(0, 6), a SiLU as PyTorch exports it: a sigmoid and the
 * multiply of "l" by it), so that a fit sees the fused kernels a network runs. */
typedef enum pd_sweep_post {
    PD_SWEEP_POST_NONE,
    PD_SWEEP_POST_RELU,
    PD_SWEEP_POST_CLIP,
    PD_SWEEP_POST_SILU
} pd_sweep_post;

/* One point of a type's sweep grid (`predoff profile --sweep`): a model with input
 * [c, hw, hw] and one timed layer "l", its JSON fields (`"type": ...` included) in `layer`;
 * `pre`, when not empty, the fields of a layer "pre" before it, which reads the input and
 * which "l" may read (to give a mul its [C, 1, 1] factor); `post`, the layers after it,
 * the last the exit ("l" is, without). */
typedef struct pd_sweep_point {
    int c, hw;
    char layer[160];
    char pre[96];
    pd_sweep_post post;
} pd_sweep_point;
typedef void (*pd_sweep_emit)(void *ctx, const pd_sweep_point *p);
/* The JSON model description of point p into buf (named `name`); false if it does not fit
 * in n bytes. */
bool pd_sweep_point_json(const pd_sweep_point *p, const char *name, char *buf, size_t n);
/* Calls emit (when not NULL) for every point of type t's grid, in order; returns how many
 * there are (0: the type is not swept). */
size_t pd_layer_type_sweep(pd_layer_type t, pd_sweep_emit emit, void *ctx);

/* The exits in the order a sample meets them on its way from the input: by the place on
 * the trunk (the path of the exit with the longest path, the later in model order of two as
 * long) where each leaves it, an exit on the trunk by its own place, so the trunk's exit
 * comes last; ties keep model order. order[i] is the model-order index (into g->exits) of the i-th exit met. */
pd_status pd_graph_exit_path_order(const pd_graph *g, size_t *order, pd_error *err);

const char *pd_layer_type_name(pd_layer_type t);
/* Returns the type with that name, or PD_LAYER_TYPE_COUNT. */
pd_layer_type pd_layer_type_parse(const char *name);

/* The kind of layer l: the one rule, which the profiler (its CSV rows), the fitter and the
 * cost model all use. */
pd_layer_kind pd_layer_kind_of(const pd_layer *l);
/* The type whose layers kind k (not PD_KIND_NONE) is one kind of; PD_LAYER_TYPE_COUNT for
 * PD_KIND_NONE or a value out of range. */
pd_layer_type pd_layer_kind_type(pd_layer_kind k);
/* "conv/depthwise"; "?" for PD_KIND_NONE or a value out of range. */
const char *pd_layer_kind_name(pd_layer_kind k);
/* Returns the kind with that name, or PD_LAYER_KIND_COUNT (never PD_KIND_NONE). */
pd_layer_kind pd_layer_kind_parse(const char *name);
/* The name a layer of type t and kind k goes by in profiles: the kind's, or for
 * PD_KIND_NONE the type's. */
const char *pd_layer_model_name(pd_layer_type t, pd_layer_kind k);
/* "conv/depthwise, conv/grouped, conv/pointwise, pool/global": every kind's name, for
 * messages. */
const char *pd_layer_kind_names(void);
/* Short parameter summary such as "32 k5 s1 p2" into buf. */
void pd_layer_describe(const pd_layer *l, char *buf, size_t n);

/* "channels"; "?" out of range. */
const char *pd_shape_column_name(pd_shape_column c);
/* The column of that name, or PD_SHAPE_COLUMN_COUNT. */
pd_shape_column pd_shape_column_parse(const char *name);
/* Column c of layer l (pd_shape_column says what each holds). */
double pd_layer_shape_column(const pd_layer *l, pd_shape_column c);
/* The columns a learned latency model may read, one numbering for both: the features
 * (0 .. PD_FEATURE_COUNT - 1, as pd_feature) then the shape columns (PD_FEATURE_COUNT + a
 * pd_shape_column). Names as pd_feature_name and pd_shape_column_name give them. */
enum { PD_COLUMN_COUNT = PD_FEATURE_COUNT + PD_SHAPE_COLUMN_COUNT };
const char *pd_column_name(int c);
/* The column of that name, or PD_COLUMN_COUNT. */
int pd_column_parse(const char *name);
/* Column c of layer i of g (a feature by pd_graph_feature, a shape column of the layer). */
double pd_graph_column(const pd_graph *g, size_t i, int c);

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
