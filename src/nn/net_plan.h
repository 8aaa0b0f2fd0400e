/* A net's activation plan, made once: for each exit, its sub-graph A(k) in topological
 * order, the buffer (slot) each layer writes, where each of its inputs comes from, which
 * cuts of the order a run may start or end at, which convolutions take the ReLU (or ReLU6)
 * after them into their own pass, which sigmoid-multiply pairs run as one SiLU pass, and
 * which of those the convolution before them takes into its pass.
 * Buffers are planned by liveness: a tensor's slot is free again
 * after its last reader in A(k), and an in-place type writes over its input's slot when
 * nothing later reads that input. */
#ifndef PD_NN_NET_PLAN_H
#define PD_NN_NET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "act.h"
#include "predoff/graph.h"

typedef struct pd_net_plan {
    size_t n_exits;
    size_t *start;       /* [n_exits + 1]: exit k's positions are start[k] .. start[k+1] */
    int32_t *layer;      /* [positions]: the layer at each position (A(k), in order) */
    int32_t *out_slot;   /* [positions]: the slot the layer writes */
    bool *fuse_relu;     /* [positions]: a conv whose ReLU or Clip(0, cap) (the next position,
                          * pd_net_plan_fusable_act) runs in its pass */
    bool *silu;          /* [positions]: a sigmoid read only by the multiply at the next
                          * position, which multiplies it by the sigmoid's own input (SiLU):
                          * that multiply's pass computes x sigmoid(x), the sigmoid's none */
    bool *fuse_silu;     /* [positions]: a conv read only by the SiLU pair at the next two
                          * positions, the multiply writing over its slot: the conv's pass
                          * computes the SiLU, the pair's none */
    size_t *in_start;    /* [positions + 1]: the position's inputs are in_pos[in_start[p]..] */
    int32_t *in_pos;     /* the position (within the exit) of the layer writing each input,
                          * -1 for the network input */
    pd_shape *in_shape;  /* the shape of each input */
    bool *cut_ok;        /* [positions + n_exits]: exit k's cut c (0..len) at cut_start(k) + c:
                          * a run may start or end there (one tensor crosses it) */
    size_t *first_pos;   /* [n_layers]: a layer's position in the first exit holding it */
    size_t n_slots;
    size_t *slot_floats; /* [n_slots]: the most any tensor planned into it holds */
    size_t max_inputs;   /* of any layer */
} pd_net_plan;

/* Plans every exit of g; `in_place[type]` says whether a type's pass may write over its
 * first input. The fusions are the runtime's (pd_runtime_fused_into in runtime.h). */
pd_status pd_net_plan_make(const pd_graph *g, const bool *in_place, pd_net_plan *out,
                           pd_error *err);
void pd_net_plan_free(pd_net_plan *p);

/* Whether l is an activation a convolution can take into its pass: a ReLU, or a Clip whose
 * lower bound is 0 (ReLU6 is Clip(0, 6)). */
static inline bool pd_net_plan_fusable_act(const pd_layer *l)
{
    return l->type == PD_LAYER_RELU || (l->type == PD_LAYER_CLIP && l->p.min == 0.0);
}

/* The activation such a layer is (pd_net_plan_fusable_act(l)). */
static inline pd_act pd_net_plan_act_of(const pd_layer *l)
{
    pd_act a = pd_act_relu();
    if (l->type == PD_LAYER_CLIP)
        a.cap = (float)l->p.max;
    return a;
}

static inline size_t pd_net_plan_cut(const pd_net_plan *p, size_t k)
{
    return p->start[k] + k; /* each exit has len + 1 cuts */
}

#endif
