/* The forward pass of each layer type: one function per type, selected in one table. */
#ifndef PD_NN_FORWARD_H
#define PD_NN_FORWARD_H

#include <stdbool.h>
#include <stddef.h>

#include "act.h"
#include "predoff/graph.h"

/* What one layer's forward pass reads and writes. `in` holds l->in (C, H, W order),
 * `out` receives l->out; `w` and `b` are the layer's weights (NULL for layers without);
 * `scratch` has at least the type's scratch_floats(l) floats. in and out never alias.
 * `act`: the activation the pass applies to its output as well (act.h), for a ReLU or a
 * Clip(0, cap) that follows the layer on the path (only conv takes one:
 * pd_forward_fuses_relu); pd_act_none() for none. `prep`: the weights as
 * the type's prepare() left them, when it has prepared_floats(l) > 0 and the caller
 * prepared them (a net does, once); NULL, the pass works from w and b alone.
 * `ins`: every tensor the layer reads, in its inputs' order (ins[0] is `in`), n_ins of
 * them, of shapes in_shapes; a type of one input may read `in` alone. */
typedef struct pd_forward_args {
    const pd_layer *l;
    const float *w, *b;
    const float *in;
    float *out;
    float *scratch;
    pd_act act;
    const float *prep;
    const float *const *ins;
    size_t n_ins;
    const pd_shape *in_shapes;
} pd_forward_args;

typedef struct pd_workers pd_workers; /* workers.h */

typedef struct pd_forward_op {
    /* The pass on the calling thread alone. */
    void (*forward)(const pd_forward_args *a);
    size_t (*scratch_floats)(const pd_layer *l);
    /* The same pass with its work split over the pool's threads (w may be NULL: one
     * thread); for a given number of threads the result never changes. NULL when the
     * type always runs alone. Its scratch then has split_scratch_floats(l, threads)
     * floats, or scratch_floats(l) when that is NULL. */
    void (*forward_split)(const pd_forward_args *a, pd_workers *w);
    size_t (*split_scratch_floats)(const pd_layer *l, int threads);
    /* Weights in the form the pass runs fastest from, made once: prepared_floats(l) floats
     * (0: the layer has none), which prepare(l, w, b, prep) fills. NULL for types without. */
    size_t (*prepared_floats)(const pd_layer *l);
    void (*prepare)(const pd_layer *l, const float *const *tensors, float *prep);
    /* The pass may write its output over its first input (out == in exactly): a net then
     * plans them one buffer when nothing else reads that input afterwards, and the layer
     * does not read it again as its third or a later input (which the pass may read after
     * writing). */
    bool in_place;
} pd_forward_op;

extern const pd_forward_op pd_conv_forward, pd_relu_forward, pd_pool_forward, pd_lrn_forward,
    pd_dropout_forward, pd_fc_forward, pd_add_forward, pd_concat_forward, pd_bn_forward,
    pd_mul_forward, pd_clip_forward, pd_sigmoid_forward, pd_hardsigmoid_forward,
    pd_hardswish_forward, pd_flatten_forward;

const pd_forward_op *pd_forward_op_of(pd_layer_type t);

size_t pd_no_scratch(const pd_layer *l);

/* Runs fn(a, i0, i1) over [0, n) of a's elements: on the caller alone below `split_min`
 * elements or without a pool, else split in parts over it (cut as pd_part_start). */
typedef void (*pd_range_fn)(const pd_forward_args *a, size_t i0, size_t i1);
void pd_forward_ranges(const pd_forward_args *a, pd_workers *w, size_t n, size_t split_min,
                       pd_range_fn fn);

/* x sigmoid(x) of a->in (a->l->out's elements) into a->out (which may be a->in), split over
 * w: the pass a net runs for a sigmoid and the multiply that takes it times its input. */
void pd_silu_forward_split(const pd_forward_args *a, pd_workers *w);

/* Whether a layer of type t applies a following ReLU or Clip(0, cap) in its own pass
 * (args.act): a convolution does, on each part's outputs while they are in cache. */
static inline bool pd_forward_fuses_relu(pd_layer_type t)
{
    return t == PD_LAYER_CONV;
}

/* Where part p of `parts` starts in n items, cut at multiples of 16 (64 bytes of floats,
 * so no two threads write one cache line); part `parts` starts at n. */
size_t pd_part_start(size_t n, int p, int parts);

#endif
