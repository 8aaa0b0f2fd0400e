/* The expected-latency objective of cost-model.md, over plain arrays.
 * Solvers see only this; the model and scenario are folded into it once. */
#ifndef PREDOFF_OBJECTIVE_H
#define PREDOFF_OBJECTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/scenario.h"
#include "predoff/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_MAX_TIERS = 3 };

/* A placement gives each layer a tier slot (an index into pd_problem.tier). */
typedef uint8_t pd_slot;
/* pd_problem.pin of a layer no pin names. */
enum { PD_SLOT_FREE = 0xFF };

typedef struct pd_problem {
    size_t n_layers;
    int n_tiers;                       /* slots in use; slot 0 is the mobile */
    pd_tier tier[PD_MAX_TIERS];
    pd_topology *topo;                 /* the layer graph, owned: set by pd_problem_build,
                                        * or pd_problem_set_inputs / _set_parents */
    char *model_name;                  /* for messages; may be NULL */
    char *join_name;                   /* name of topo->first_join, for messages; may be NULL */
    double *compute_ms;                /* [layer * n_tiers + slot], clamped at 0 */
    double *out_bytes;                 /* [layer] */
    double input_bytes;
    double ms_per_byte[PD_MAX_TIERS][PD_MAX_TIERS]; /* 0 on the diagonal */
    double hop_ms[PD_MAX_TIERS][PD_MAX_TIERS];      /* fixed delay per transfer */
    size_t n_exits;
    int32_t *exit_layer;               /* in model order */
    double *exit_accuracy;
    double *exit_prob;                 /* p_k, the unmet mass included in the best exit */
    double unmet_probability;
    double *weight;                    /* w_l: sum of p_k over exits k with l in A(k) */
    bool load_on;
    double *load_ms;                   /* [layer * n_tiers + slot]: loading slope per request */
    double load_fixed_ms[PD_MAX_TIERS]; /* loading intercept per request, if the slot runs a layer;
                                         * a slot's intercept + slopes is clamped at 0 */
    double parse_ms;                   /* result parsing, added to every exit */
    pd_slot *pin;                      /* [layer]: the slot a pin (--pin) fixes, or PD_SLOT_FREE;
                                        * NULL when nothing is pinned. Every solver honours it
                                        * or refuses */
    /* Fused layers (docs/DESIGN.md, "Fused layers"): layer i runs in layer fused_into[i]'s
     * pass (-1: its own) when both are on one tier, and compute_ms holds that: 0 for it,
     * the fused kernel for its producer, on a tier whose profile fuses (pd_profile.fuses).
     * Placed apart, each runs a pass of its own: unfused_ms[layer * n_tiers + slot] (its
     * own for a fused layer, the producer's without it for a producer; compute_ms where
     * nothing is fused). Both NULL when nothing is fused (pd_problem_compute_ms). */
    int32_t *fused_into;
    double *unfused_ms;
} pd_problem;

/* Allocates a zeroed problem with these sizes (load_ms only if load_on); its layer graph
 * is set next, once exit_layer is filled, by pd_problem_set_inputs or _set_parents. */
pd_status pd_problem_new(size_t n_layers, int n_tiers, size_t n_exits, bool load_on,
                         pd_problem **out, pd_error *err);
void pd_problem_free(pd_problem *pb);

/* Sets the layer graph: layer i reads in_ids[in_start[i] .. in_start[i + 1]) (tensor ids
 * of topology.h), with exit_layer as the exits. */
pd_status pd_problem_set_inputs(pd_problem *pb, const size_t *in_start, const int32_t *in_ids,
                                pd_error *err);
/* The same for a tree: layer i reads parent[i] (< i, or PD_TENSOR_INPUT). */
pd_status pd_problem_set_parents(pd_problem *pb, const int32_t *parent, pd_error *err);

/* PD_OK when the problem's graph is a tree; else an error for a solver that needs one (none
 * of today's does): "WHO needs a tree model; model M has layer L with N inputs; on a DAG
 * use --solver exact (optimal), ga, dads (one exit's cut), neurosurgeon or edgent (single
 * cuts), brute (small models) or mobile, edge, cloud". */
pd_status pd_problem_need_tree(const pd_problem *pb, const char *who, pd_error *err);

/* Folds a model and a scenario into a problem: compute times, bytes, rates,
 * exit probabilities and layer weights. */
pd_status pd_problem_build(const pd_graph *g, const pd_scenario *sc, pd_problem **out,
                           pd_error *err);

/* Fills exit_prob and unmet_probability from exit_accuracy and a demand
 * distribution (cost-model.md, "Which exit a task uses"), then the weights. */
pd_status pd_problem_set_demand(pd_problem *pb, const pd_distribution *demand, pd_error *err);
/* Recomputes weight[] from exit_prob[]; checks the layer graph is set and has these exits. */
pd_status pd_problem_set_weights(pd_problem *pb, pd_error *err);

/* Sets the transfer costs between the problem's slots from the link rates
 * (bits per second) and per-link delays (cost-model.md, "Transfer time"). */
void pd_problem_set_links(pd_problem *pb, double uplink_bps, double downlink_bps,
                          double wired_bps, double wireless_delay_ms, double wired_delay_ms);

/* Pins layer `layer` to slot `slot` (allocating pb->pin on the first); a layer pinned to
 * another slot already is PD_EINPUT. */
pd_status pd_problem_pin(pd_problem *pb, size_t layer, int slot, pd_error *err);
/* The slot layer i is pinned to, or PD_SLOT_FREE. */
static inline int pd_problem_pin_of(const pd_problem *pb, size_t i)
{
    return pb->pin ? pb->pin[i] : PD_SLOT_FREE;
}
/* Whether a placement honours every pin; if not, *layer receives the first layer it breaks. */
bool pd_problem_pins_kept(const pd_problem *pb, const pd_slot *placement, size_t *layer);
/* The number of pinned layers. */
size_t pd_problem_n_pinned(const pd_problem *pb);
/* The slots some layer is pinned to, bit s for slot s: every set of slots in use that an
 * exact solver enumerates holds them. */
unsigned pd_problem_pinned_slots(const pd_problem *pb);
/* With the loading term on, the slots whose loading can fall below 0 and be clamped (a
 * negative intercept or slope), bit s for slot s: where the exact solvers try each subset
 * as loaded or clamped. 0 with the term off. */
unsigned pd_problem_clampable_slots(const pd_problem *pb);

/* The other layer of a SiLU pair fused into convolution p with layer i, or -1. */
static inline int32_t pd_problem_fused_pair(const pd_problem *pb, size_t i, int32_t p)
{
    if ((int32_t)i == p + 1 && i + 1 < pb->n_layers && pb->fused_into[i + 1] == p)
        return p + 2;
    return (int32_t)i == p + 2 && pb->fused_into[i - 1] == p ? p + 1 : -1;
}

/* Compute time of layer i under a placement: compute_ms on its slot, but for a fused layer
 * that the placement has apart from its producer (for a SiLU pair fused into a convolution:
 * either of the pair), its own pass (unfused_ms), and the producer's loss of the fusion (its
 * unfused_ms less its compute_ms there) with it, once a run: with the pair's sigmoid (each
 * exit's sub-graph that holds a fused layer holds its producer and, but for a ReLU of a
 * branch of its own, the producer's other fused layers). */
static inline double pd_problem_compute_ms(const pd_problem *pb, const pd_slot *placement,
                                           size_t i)
{
    const size_t nt = (size_t)pb->n_tiers, s = placement[i];
    const int32_t p = pb->fused_into ? pb->fused_into[i] : -1;
    if (p < 0)
        return pb->compute_ms[i * nt + s];
    const size_t ps = placement[p];
    const int32_t other = pd_problem_fused_pair(pb, i, p);
    if (ps == s && (other < 0 || placement[other] == ps))
        return pb->compute_ms[i * nt + s];
    double own = pb->unfused_ms[i * nt + s];
    if (other < 0 || (int32_t)i == p + 1)
        own += pb->unfused_ms[(size_t)p * nt + ps] - pb->compute_ms[(size_t)p * nt + ps];
    return own;
}

/* Puts each fused layer that a placement has apart from its producer on the producer's
 * slot, unless a pin keeps it where it is, when that does not raise `objective` (pd_objective,
 * or with served_exit >= 0 pd_objective_single_exit of that exit); what pd_solve does to
 * every solver's placement. On a line of tiers the tensors then cross no more links (a
 * fused layer's output is its producer's size), and nothing is costed apart that the
 * runtime fuses; returns whether the placement changed. */
bool pd_problem_join_fused(const pd_problem *pb, long served_exit, pd_slot *placement);

/* Transfer time of `bytes` from slot a to slot b, milliseconds. */
static inline double pd_transfer_ms(const pd_problem *pb, int a, int b, double bytes)
{
    return a == b ? 0.0 : bytes * pb->ms_per_byte[a][b] + pb->hop_ms[a][b];
}

/* The objective E[L] of a placement (cost-model.md, "Objective"): on a tree the sum of
 * per-layer and per-edge terms, O(layers); on a DAG sum_k p_k L_k. */
double pd_objective(const pd_problem *pb, const pd_slot *placement);

typedef struct pd_evaluation {
    double expected_ms;  /* sum_k p_k L_k + amortised loading */
    double load_ms;      /* the amortised loading part of expected_ms */
    double *exit_ms;     /* [n_exits] L_k, parsing included; owned */
} pd_evaluation;

/* Evaluates a placement exit by exit over each A(k) (eq. 4.4 to 4.9; on a DAG a tensor
 * crosses each link at most once per request, towards its readers: cost-model.md). */
pd_status pd_evaluate(const pd_problem *pb, const pd_slot *placement, pd_evaluation *out,
                      pd_error *err);
void pd_evaluation_free(pd_evaluation *ev);

/* The same E[L] as pd_objective, computed exit by exit without storing them. */
double pd_objective_by_exits(const pd_problem *pb, const pd_slot *placement);

/* Latency of exit k alone (L_k, parsing included) plus the amortised loading of the
 * tiers that run the layers of its path: the cost when exit k serves every task. */
double pd_objective_single_exit(const pd_problem *pb, const pd_slot *placement, size_t k);

/* Index of the exit serving requirements above every accuracy (the last in the
 * spec's order: most accurate, ties to the higher layer index). */
size_t pd_problem_best_exit(const pd_problem *pb);

/* The exit a task with accuracy requirement `requirement` uses (cost-model.md): the
 * first in ascending accuracy (ties: lower layer index) with accuracy >= requirement,
 * else the most accurate. Returns an index into the arrays. */
size_t pd_choose_exit(const double *accuracy, const int32_t *layer, size_t n, double requirement);

/* Amortised model-loading time of a placement (0 when the term is off): per slot in use,
 * max(0, intercept + the slopes of its layers), as cost-model.md says. */
double pd_load_ms(const pd_problem *pb, const pd_slot *placement);

#ifdef __cplusplus
}
#endif
#endif
