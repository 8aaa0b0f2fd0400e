/* A deployment: what one tier holds to run its part of a plan, which tensors cross which
 * link where, and the steps a tier takes on a request: check what arrives, keep a
 * request's tensors, run its own layers, fill the message it sends on. Transport-free:
 * src/wire/ moves the messages; this decides what runs where and what they carry. */
#ifndef PREDOFF_DEPLOY_H
#define PREDOFF_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/split.h"
#include "predoff/weights.h"
#include "predoff/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One exit under the plan: its layers in the order a request runs them (the net's A(k)),
 * their tiers, and which tensors cross where (predoff/split.h). Tensor e is the network
 * input (e = 0) or position e - 1's output. */
typedef struct pd_exit_plan {
    size_t len;
    const int32_t *list;       /* [len]: the layers (the net's, borrowed) */
    pd_tier *at;               /* [len]: each position's tier */
    int32_t *cut;              /* [(len + 1) * PD_LINK_DIRS]: pd_split_crossings */
    int32_t *last;             /* [(len + 1) * PD_TIER_COUNT]: tensor e's last reader on the
                                * mobile's side (any tier; len for the exit's output, the
                                * result), the edge's (edge or cloud), the cloud's; -1: none */
} pd_exit_plan;

typedef struct pd_deployment {
    pd_graph *g;
    pd_weights *w;
    pd_net *net;
    pd_tier *tier_of;          /* [n_layers]: the plan's placement */
    pd_exit_plan *exits;       /* [n_exits] */
    double *exit_latency_ms;   /* [n_exits]: the plan's prediction per exit (NAN if absent) */
    double *exit_accuracy;     /* [n_exits]: from the plan, else the model; NAN if unknown */
    double expected_ms;        /* the plan's expected latency, NAN if absent */
    uint64_t model_hash;       /* FNV-1a 64 of the model's JSON text, then the weights' bytes */
    uint64_t plan_hash;        /* FNV-1a 64 of the placement: each layer's tier, one byte */
    uint16_t *max_hops;        /* [n_exits]: the most hops a request to that exit may make */
    double *layer_ms;          /* [n_layers]: this tier's time per layer (pd_deployment_warm) */
    double *run_ms;            /* [longest path]: the last run's layer times */
    int learn_times;           /* after pd_deployment_warm: every run updates layer_ms */
    size_t max_floats;         /* the largest tensor: the input or any layer's output */
    size_t max_message;        /* the largest message a tier sends or takes under the plan, an
                                * ECHO of max_floats and an ERROR included (bytes) */
    size_t max_held;           /* the most floats one tier holds of one request at once */
} pd_deployment;

/* Opens a model (built-in name or file), its weights (a safetensors file, or random from
 * `seed` when weights_path is NULL, or for an ONNX model weights_path the model's own path:
 * its initializers) and a plan file (its "placement", and its "exits" for
 * the predictions and accuracies). The net runs each layer on `threads` threads
 * (pd_net_new: 0 takes pd_threads_default()). */
pd_status pd_deployment_open(const char *model, const char *weights_path, uint64_t seed,
                             const char *plan_path, int threads, pd_deployment **out,
                             pd_error *err);
void pd_deployment_free(pd_deployment *d);

/* (Re)reads a plan's text into d: the placement, and the exits' predictions and
 * accuracies (the model's accuracies where the plan has none). */
pd_status pd_deployment_read_plan(pd_deployment *d, const char *text, size_t len,
                                  const char *source, pd_error *err);

/* The shape tensor `name` (PD_WIRE_INPUT, or layer name - 1's output) has in messages: the
 * network input [C, H, W]; a layer's output [C] when it is C x 1 x 1, else [C, H, W].
 * Returns its ndim, 0 for a name the model does not have. */
uint32_t pd_deployment_tensor_dims(const pd_deployment *d, uint32_t name,
                                   uint32_t dims[PD_WIRE_MAX_DIMS]);

/* The tier that receives a message crossing d. */
pd_tier pd_link_receiver(pd_link_dir d);

/* Checks a message that arrived across d before anything uses it: a TENSOR or a RESULT,
 * this deployment's model and plan hashes, an exit of the model and a cut of its A(k) (a
 * RESULT at the end, a TENSOR before it) where the plan hands the request over across d,
 * no more hops than the exit may make, and exactly the tensors that cross d there
 * (pd_split_crossings), in order, each of the shape pd_deployment_tensor_dims gives.
 * Returns PD_WIRE_OK, or the code of the first fault with a line in err naming both
 * sides' values. */
pd_wire_code pd_deployment_check(const pd_deployment *d, const pd_wire_msg *m, pd_link_dir dir,
                                 pd_error *err);

/* Times every layer once on this tier (each exit's path from a zero input), for
 * pd_deployment_estimate_ms; from then on every run updates the times, at once when a layer
 * ran slower (a loaded host), slowly when faster. */
pd_status pd_deployment_warm(pd_deployment *d, pd_error *err);
/* This tier's time for the layers of exit's path from `pos` up to the next layer placed on
 * the mobile (or the end): what a server would spend finishing a request's server part
 * itself. 0 for layers not timed yet. */
double pd_deployment_estimate_ms(const pd_deployment *d, uint32_t exit, uint32_t pos);

/* The tier of path position `pos` of exit `exit`; PD_TIER_COUNT past the path's end or
 * for an exit the model does not have. */
pd_tier pd_deployment_tier_at(const pd_deployment *d, uint32_t exit, uint32_t pos);

/* --- a request's tensors on one tier */

/* The tensors one tier holds of one request, tensor e (as pd_exit_plan numbers them) at
 * t[e], NULL when not held. Owned copies, but for a borrowed network input (the mobile's). */
typedef struct pd_store {
    uint32_t exit;
    size_t len;                /* the exit's positions */
    float **t;                 /* [len + 1] */
    size_t *n;                 /* [len + 1]: floats of each owned copy (0 for the borrowed input) */
    size_t floats;             /* held in owned copies, all together */
} pd_store;

/* An empty store for a request to `exit`; input (the mobile's, borrowed: it must outlive
 * the store) may be NULL. */
pd_status pd_store_open(const pd_deployment *d, uint32_t exit, const float *input,
                        pd_store *s, pd_error *err);
void pd_store_close(pd_store *s);
/* Holds a copy of tensor e's count floats (unaligned bytes are fine); replaces any held. */
pd_status pd_store_put(pd_store *s, size_t e, const void *data, size_t count, pd_error *err);
void pd_store_drop(pd_store *s, size_t e);

/* Whether `holder` still needs tensor e of `exit` at cut `cut`: a reader on its side at or
 * after the cut (the mobile's side is every tier, for finishing alone; the edge's the edge
 * and the cloud, for running the cloud's layers when it fails; the cloud's the cloud), a
 * message it sends the tensor in after the cut (at the cut, too, unless `sent`), or, on the
 * mobile, the exit's output. */
bool pd_deployment_keeps(const pd_deployment *d, uint32_t exit, pd_tier holder, size_t e,
                         size_t cut, bool sent);
/* Drops what `holder` no longer needs at `cut` (pd_deployment_keeps). */
void pd_deployment_prune(const pd_deployment *d, pd_store *s, pd_tier holder, size_t cut,
                         bool sent);
/* Whether the cloud, had it run every cloud layer before `cut`, would still hold a tensor
 * of the request once its hand-over at `cut` is done. */
bool pd_deployment_cloud_holds(const pd_deployment *d, uint32_t exit, size_t cut);
/* The first cut after `cut` where the plan hands `exit` to `tier`'s side (the edge's: from
 * the mobile to the edge or the cloud; the cloud's: to the cloud), or len + 1. */
size_t pd_deployment_next_visit(const pd_deployment *d, uint32_t exit, pd_tier tier,
                                size_t cut);

/* Copies the tensors of a message checked for d (pd_deployment_check) into s. */
pd_status pd_deployment_take(const pd_deployment *d, pd_store *s, const pd_wire_msg *m,
                             pd_error *err);
/* Sets m's tensors to those crossing d at cut `cut` of s's exit, pointing into s; fails,
 * naming it, when s lacks one. */
pd_status pd_deployment_fill(const pd_deployment *d, const pd_store *s, size_t cut,
                             pd_link_dir dir, pd_wire_msg *m, pd_error *err);
/* Tensor e of `exit` in words, for messages: "the network input", "layer "x"'s output". */
void pd_deployment_tensor_text(const pd_deployment *d, uint32_t exit, size_t e, char *out,
                               size_t cap);
/* The first tensor that positions [from, to) read from before `from` and s lacks, or -1. */
long pd_deployment_missing(const pd_deployment *d, const pd_store *s, size_t from, size_t to);

/* Runs positions [from, to) of s's exit here from the tensors in s, and keeps in s what
 * `holder` needs at `to` (pd_deployment_keeps, not sent); the time goes to
 * compute_ms[ran_on]. Fails, naming the tensor, when s lacks an input. */
pd_status pd_deployment_run(pd_deployment *d, pd_store *s, size_t from, size_t to,
                            pd_tier holder, pd_tier ran_on, double compute_ms[3],
                            pd_error *err);

/* The exit index for a task with that accuracy requirement (cost-model.md's rule over the
 * deployment's exit accuracies); fails if an exit has no accuracy. */
pd_status pd_deployment_exit_for(const pd_deployment *d, double requirement, uint32_t *exit,
                                 pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
