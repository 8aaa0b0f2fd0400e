/* The inference engine: runs any contiguous run of layers of an exit's path, float32,
 * C x H x W, with buffers planned once per model (no allocation while running). */
#ifndef PREDOFF_RUNTIME_H
#define PREDOFF_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_net pd_net;

/* Checks w against g and plans the buffers once: for each exit's sub-graph A(k), in
 * topological order, a tensor's buffer is reused after its last reader (an elementwise
 * layer writes over an input nothing reads afterwards; on a tree this is two buffers
 * taken in turn), and one scratch buffer as large as any layer needs (im2col).
 * g and w are borrowed and must outlive the net. `source` names w in messages.
 * The weights are fixed once the net is made: the convolutions that run by Winograd's
 * method keep a transformed copy of theirs (made here), so changing w in place afterwards
 * would change only the other layers; make a new net instead.
 * The net splits each layer's work over `threads` threads (1 to PD_THREADS_MAX; 0 takes
 * pd_threads_default()): the calling thread and a pool of its own (none for one thread),
 * joined by pd_net_free. The count is the net's own; nets with different counts may live
 * side by side. OpenBLAS is set to one thread a call (process-wide, as OpenBLAS's setting
 * is; the net's own threads take its place). */
pd_status pd_net_new(const pd_graph *g, const pd_weights *w, const char *source, int threads,
                     pd_net **out, pd_error *err);
void pd_net_free(pd_net *net);

/* The layers of exit k's sub-graph A(k) in topological order (on a tree, its path from the
 * root); *len receives their number. Runs take positions in this list. NULL and 0 for an
 * exit the model does not have. */
const int32_t *pd_net_path(const pd_net *net, size_t exit, size_t *len);

/* The threads the net splits each layer over (the caller's included), as resolved when it
 * was made. */
int pd_net_threads(const pd_net *net);

/* The floats of the net's activation buffers, all exits' plans together. */
size_t pd_net_buffer_floats(const pd_net *net);

/* Whether a run of exit k (pd_net_run) may start or end at position `cut` (0..len): only
 * one tensor crosses there (always, on a tree). pd_net_run_span runs at any cut. */
bool pd_net_can_cut(const pd_net *net, size_t exit, size_t cut);

/* Runs path positions [from, to) of exit k's path (both cuts as pd_net_can_cut allows). `input` is the tensor entering
 * path[from] (the network input when from == 0), `input_count` its elements, which must
 * match; it may be the previous run's *output. *output points into the net's buffers
 * (valid until the next run) and holds the
 * output of path[to - 1]; *output_count its elements. If layer_ms is not NULL it receives
 * each layer's wall time in ms (to - from values). A ReLU that follows a convolution
 * within [from, to) runs in the convolution's pass: its time is 0, the convolution's
 * holds both. */
pd_status pd_net_run(pd_net *net, size_t exit, size_t from, size_t to, const float *input,
                     size_t input_count, const float **output, size_t *output_count,
                     double *layer_ms, pd_error *err);

/* Runs path positions [from, to) of exit k's sub-graph at any cut, however many tensors
 * cross it (a DAG's run split across tiers). before[q + 1] is position q's output for a
 * q < from that a layer of [from, to) reads, before[0] the network input if one reads it
 * (entries nothing in the run reads are not looked at and may be NULL); each holds that
 * tensor's elements and lies outside the net's buffers, which the run writes (copy an
 * earlier run's outputs out first). Afterwards pd_net_output_at gives, until the next run,
 * the output of each position of [from, to) that a position at or after `to` reads, and
 * of the exit layer. The floats are those of one whole run. layer_ms as pd_net_run. */
pd_status pd_net_run_span(pd_net *net, size_t exit, size_t from, size_t to,
                          const float *const *before, double *layer_ms, pd_error *err);
/* The buffer that path position `pos` of exit k writes its output to (its elements: the
 * layer's output shape); NULL for a position the exit does not have. */
const float *pd_net_output_at(const pd_net *net, size_t exit, size_t pos);

/* Flushes layer `layer`'s weights, and the form its pass prepared them in, from the CPU's
 * caches (x86's clflush; a no-op on other CPUs), as a run of a model larger than the caches
 * leaves them for the layer's next run; split over the net's threads, which are then awake
 * for the run that follows. For the profiler's sweep of single layers. */
void pd_net_evict(pd_net *net, size_t layer);

/* Reads the net's activation buffers and scratch through the caches, as the layers before
 * one of a long run leave them (written a moment ago), while its weights wait: for the
 * profiler's sweep, whose single layer would otherwise meet its output and scratch as
 * cold as its weights after a wait between runs. Split over the net's threads, which are
 * then awake for the run that follows (as pd_net_evict). */
void pd_net_touch_buffers(const pd_net *net);

/* Whether position pos of exit k's path runs in the pass of a neighbour whenever a run
 * holds both: a ReLU in the convolution's before it, a sigmoid in the SiLU pass of the
 * multiply after it. Its layer_ms is then 0, the neighbour's holds both. */
bool pd_net_fused(const pd_net *net, size_t exit, size_t pos);

/* Runs layer `layer` alone on the caller's inputs: ins[j] holds its j-th input (n_ins of
 * them, as the graph gives the layer, each of that tensor's shape; none in the net's own
 * buffers). *output points into the net's buffers until the next run; *layer_ms (if not
 * NULL) receives the pass's wall time. For the profiler:
 * a layer of a DAG has no run of its own where its inputs are several. */
pd_status pd_net_run_layer(pd_net *net, size_t layer, const float *const *ins, size_t n_ins,
                           const float **output, double *layer_ms, pd_error *err);

/* What an exit's logits say: BranchyNet's confidence is the softmax's entropy. */
typedef struct pd_exit_summary {
    size_t top_class;
    double probability; /* softmax probability of the top class */
    double entropy;     /* of the softmax, in nats */
    bool finite;        /* every logit finite; if not, the summary means nothing */
    size_t non_finite;  /* how many logits are NaN or infinite */
} pd_exit_summary;

/* As PyTorch's argmax and softmax: a NaN logit is the top class and makes the probability
 * and entropy NaN, so does a +infinity (infinity - infinity); `finite` says whether every
 * logit is a number, and a caller must not report a class when it is false. */
void pd_exit_summarise(const float *logits, size_t n, pd_exit_summary *out);

/* Thread counts for pd_net_new and the trainer (pd_train_config.threads). */
enum {
    PD_THREADS_MAX = 256,        /* the most a net or trainer takes */
    PD_THREADS_DEFAULT_MAX = 8   /* the default's cap, a choice not a measurement (only 2
                                  * cores were measured): small layers split into few parts */
};
/* The count that 0 stands for: the online CPUs (sysconf), at most PD_THREADS_DEFAULT_MAX,
 * at least 1. Read anew at each call; nothing is kept. */
int pd_threads_default(void);

/* Whether this CPU runs the runtime's hand-vectorised convolutions, Winograd's and the
 * direct one (AVX2 and FMA on x86-64); without them every convolution runs as im2col. */
bool pd_runtime_vector_convolutions(void);

/* The runtime's convolution-algorithm rule (src/nn/conv_algorithm.c), on the layer's shape
 * alone, for a CPU with AVX2 and FMA: the output tile m of Winograd's F(m x m, r x r) it
 * convolves the layer with, or 0 when it runs another way. */
int pd_layer_winograd_tile(const pd_layer *l);
/* Whether it convolves the layer directly: stride 1, a kernel larger than 1, at most 32
 * filters, and not Winograd's. */
int pd_layer_direct_conv(const pd_layer *l);
/* The multiplies it does for one forward pass: for a layer that runs by F(m, r), tiles x
 * (m + r - 1)^2 x channels x filters rounded up to a multiple of 16 (its products take 16
 * at a time); for a direct one, pd_layer_macs with each output row rounded up to a
 * multiple of 8 pixels; else pd_layer_macs. */
double pd_layer_runtime_macs(const pd_layer *l);
/* For a layer that runs by F(m, r), the values its input and output transforms write:
 * tiles x (m + r - 1)^2 x (channels + filters); 0 for any other. */
double pd_layer_transform_elems(const pd_layer *l);
/* The two above as PD_FEAT_RUNTIME_MACS and PD_FEAT_TRANSFORM_ELEMS, NaN for any other
 * feature. */
double pd_runtime_feature(const pd_layer *l, pd_feature f);
/* The layer of g whose pass this runtime runs layer i in whenever a run holds both, or -1
 * (src/nn/fusion.c; the net's plan follows it): a ReLU or Clip(0, cap) into the
 * convolution before it, which only it reads; a SiLU's sigmoid (read only by the next
 * layer, a multiply of the sigmoid's input by it) into that multiply; and both layers of
 * such a pair into the convolution before them, which only they read and whose output is
 * the multiply's first input. The convolution, sigmoid and pair are never exits. */
int32_t pd_runtime_fused_into(const pd_graph *g, size_t i);
/* PD_FEAT_FUSED_ACT_ELEMS of layer i: the elements that the layers fused into its pass write
 * in one run (a ReLU's, the same as the convolution's however many branches have one; a
 * SiLU pair's two), 0 if none. */
double pd_runtime_fused_elems(const pd_graph *g, size_t i);
/* PD_FEAT_FUSED_EXP_ELEMS of layer i: of those, the sigmoid's (a SiLU's, in a convolution's
 * pass or a multiply's), 0 if none. */
double pd_runtime_fused_exp_elems(const pd_graph *g, size_t i);
/* The bytes a run of this runtime reads for layer i's weights: the form its pass prepared
 * them in where it prepares one (packed panels, Winograd-transformed filters; often larger
 * than the float32 weights), else the weights themselves. */
double pd_runtime_weight_bytes(const pd_graph *g, size_t i);
/* The scratch bytes layer i's pass works in (one thread's). */
double pd_runtime_scratch_bytes(const pd_graph *g, size_t i);
/* The graph's engine hook for this runtime (pd_graph_set_feature_hook): pd_runtime_feature,
 * pd_runtime_fused_elems, pd_runtime_fused_into and the two above. */
extern const pd_engine_hook pd_runtime_hook;

#ifdef __cplusplus
}
#endif
#endif
