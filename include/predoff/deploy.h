/* A deployment: what one tier holds to run its part of a plan, and the step it takes on a
 * request: run its own consecutive layers of the request's exit path. Transport-free:
 * src/wire/ moves the tensors; this decides what runs where. */
#ifndef PREDOFF_DEPLOY_H
#define PREDOFF_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/scenario.h"
#include "predoff/weights.h"
#include "predoff/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pd_deployment {
    pd_graph *g;
    pd_weights *w;
    pd_net *net;
    pd_tier *tier_of;          /* [n_layers]: the plan's placement */
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
    float *input;              /* a request's tensor, copied aligned before it runs */
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

/* The shape of the tensor entering path position `pos` (0 to the path's length) of exit
 * `exit` as messages carry it: the network input [C, H, W] at 0, else the output of the
 * layer before, [C] when it is C x 1 x 1 and [C, H, W] otherwise. Returns its ndim (0 for
 * an exit or position the model does not have). */
uint32_t pd_deployment_shape_at(const pd_deployment *d, uint32_t exit, uint32_t pos,
                                uint32_t dims[PD_WIRE_MAX_DIMS]);

/* Checks a message that arrived at tier `at` before anything uses it: a TENSOR or a
 * RESULT, this deployment's model and plan hashes, an exit and position of the model
 * (a RESULT at its path's end, a TENSOR before it), no more hops than the exit may make,
 * and exactly the shape pd_deployment_shape_at gives. Returns PD_WIRE_OK, or the code of
 * the first fault with a line in err naming both sides' values. */
pd_wire_code pd_deployment_check(const pd_deployment *d, const pd_wire_msg *m, pd_tier at,
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

/* Runs on `tier` the layers of m->exit's path from position m->next for as long as they
 * are placed on `tier`, starting from m's tensor (m->data, m->count floats). Updates
 * m->next, m->compute_ms[tier], m->ndim/dims/count and points m->data at the output
 * (inside the net's buffers, valid until the next run). Checks the request first, as
 * pd_deployment_check does a message that arrived, and that its next layer is on `tier`. */
pd_status pd_deployment_step(pd_deployment *d, pd_tier tier, pd_wire_msg *m, pd_error *err);
/* The same for layers placed on `placed` that run on another tier `ran_on` (a fallback
 * when `placed` does not answer): the time is booked to `ran_on`. */
pd_status pd_deployment_step_for(pd_deployment *d, pd_tier placed, pd_tier ran_on,
                                 pd_wire_msg *m, pd_error *err);

/* The exit index for a task with that accuracy requirement (cost-model.md's rule over the
 * deployment's exit accuracies); fails if an exit has no accuracy. */
pd_status pd_deployment_exit_for(const pd_deployment *d, double requirement, uint32_t *exit,
                                 pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
