/* The expected latency of a placement, two ways: per layer, and exit by exit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/objective.h"

enum { MOBILE_SLOT = 0 };

/* cost-model.md: a tier that runs any layer pays max(0, b0 + b1 * its layers' features),
 * per request; `slope` holds each slot's sum of the per-layer parts. */
static double clamped_load(const pd_problem *pb, const bool used[PD_MAX_TIERS],
                           const double slope[PD_MAX_TIERS])
{
    double t = 0.0;
    for (int s = 0; s < pb->n_tiers; s++)
        if (used[s]) {
            double tier = pb->load_fixed_ms[s] + slope[s];
            t += tier > 0.0 ? tier : 0.0;
        }
    return t;
}

double pd_load_ms(const pd_problem *pb, const pd_slot *placement)
{
    if (!pb->load_on)
        return 0.0;
    bool used[PD_MAX_TIERS] = {false};
    double slope[PD_MAX_TIERS] = {0.0};
    size_t nt = (size_t)pb->n_tiers;
    for (size_t i = 0; i < pb->n_layers; i++) {
        used[placement[i]] = true;
        slope[placement[i]] += pb->load_ms[i * nt + placement[i]];
    }
    return clamped_load(pb, used, slope);
}

double pd_objective(const pd_problem *pb, const pd_slot *placement)
{
    /* On a DAG which readers of a tensor an exit uses, so which links the tensor crosses,
     * depends on the exit: the per-layer form has no shortcut over sum_k p_k L_k. */
    const int32_t *parent = pd_topology_tree_parents(pb->topo);
    if (!parent)
        return pd_objective_by_exits(pb, placement);
    double e = 0.0;
    for (size_t i = 0; i < pb->n_layers; i++) {
        int s = placement[i];
        int32_t p = parent[i];
        int from = p < 0 ? MOBILE_SLOT : placement[p];
        double bytes = p < 0 ? pb->input_bytes : pb->out_bytes[p];
        e += pb->weight[i] * (pd_problem_compute_ms(pb, placement, i) + pd_transfer_ms(pb, from, s, bytes));
    }
    double mass = 0.0;
    for (size_t k = 0; k < pb->n_exits; k++) {
        int32_t l = pb->exit_layer[k];
        e += pb->exit_prob[k] * pd_transfer_ms(pb, placement[l], MOBILE_SLOT, pb->out_bytes[l]);
        mass += pb->exit_prob[k];
    }
    return e + mass * pb->parse_ms + pd_load_ms(pb, placement);
}

/* X_k(u) of cost-model.md for a tensor on slot `from` whose readers in A(k) (the mobile
 * included for the result) lie on the line between slots `low` and `high`: it crosses
 * each link between `from` and the farthest reader on either side once. */
static double crossings(const pd_problem *pb, int from, int low, int high, double bytes)
{
    double x = 0.0;
    if (pb->tier[high] > pb->tier[from])
        x = pd_transfer_ms(pb, from, high, bytes);
    if (pb->tier[low] < pb->tier[from])
        x += pd_transfer_ms(pb, from, low, bytes);
    return x;
}

/* X_k(u) for tensor u (a layer, or PD_TENSOR_INPUT) on a DAG: its readers in A(k). */
static double dag_crossings(const pd_problem *pb, const pd_slot *placement, size_t k, int32_t u)
{
    const pd_topology *t = pb->topo;
    int from = u < 0 ? MOBILE_SLOT : placement[u], low = from, high = from;
    if (u == pb->exit_layer[k])
        low = MOBILE_SLOT; /* the result returns to the mobile, the lowest tier */
    size_t n;
    const int32_t *rd = pd_topology_readers(t, u, &n);
    for (size_t j = 0; j < n; j++)
        if (pd_topology_in_sub(t, k, (size_t)rd[j])) {
            int s = placement[rd[j]];
            low = pb->tier[s] < pb->tier[low] ? s : low;
            high = pb->tier[s] > pb->tier[high] ? s : high;
        }
    return crossings(pb, from, low, high, u < 0 ? pb->input_bytes : pb->out_bytes[u]);
}

/* L_k of eq. 4.6: compute over A(k) plus X_k(u) for every tensor A(k) needs (the input and
 * the output of each of its layers). Walked from the exit back: layer v_j's compute goes
 * with the next tensor's crossings, so on a tree the terms are the old path walk's in
 * its order (input in, every layer, every hop, result back), bit for bit. */
static double exit_latency(const pd_problem *pb, const pd_slot *placement, size_t k)
{
    const pd_topology *t = pb->topo;
    int32_t exit = pb->exit_layer[k];
    double r = t->tree ? pd_transfer_ms(pb, placement[exit], MOBILE_SLOT, pb->out_bytes[exit])
                       : dag_crossings(pb, placement, k, exit);
    pd_sub_walk w = pd_sub_walk_begin(t, k);
    int32_t v = pd_sub_walk_next(&w);
    while (v >= 0) {
        int32_t u = pd_sub_walk_next(&w); /* the next tensor: a layer of A(k), or the input */
        double x;
        if (t->tree) /* u is v's parent: v is its one reader in A(k) */
            x = pd_transfer_ms(pb, u < 0 ? MOBILE_SLOT : placement[u], placement[v],
                               u < 0 ? pb->input_bytes : pb->out_bytes[u]);
        else
            x = dag_crossings(pb, placement, k, u < 0 ? PD_TENSOR_INPUT : u);
        r += pd_problem_compute_ms(pb, placement, (size_t)v) + x;
        v = u;
    }
    return r + pb->parse_ms;
}

double pd_objective_by_exits(const pd_problem *pb, const pd_slot *placement)
{
    double e = 0.0;
    for (size_t k = 0; k < pb->n_exits; k++)
        e += pb->exit_prob[k] * exit_latency(pb, placement, k);
    return e + pd_load_ms(pb, placement);
}

double pd_objective_single_exit(const pd_problem *pb, const pd_slot *placement, size_t k)
{
    double t = exit_latency(pb, placement, k);
    if (!pb->load_on)
        return t;
    bool used[PD_MAX_TIERS] = {false};
    double slope[PD_MAX_TIERS] = {0.0};
    size_t nt = (size_t)pb->n_tiers;
    pd_sub_walk w = pd_sub_walk_begin(pb->topo, k);
    for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;) {
        used[placement[v]] = true;
        slope[placement[v]] += pb->load_ms[(size_t)v * nt + placement[v]];
    }
    return t + clamped_load(pb, used, slope);
}

/* The objective a solver's placement is judged by: E[L], or one exit's latency. */
static double judged(const pd_problem *pb, long served_exit, const pd_slot *placement)
{
    return served_exit < 0 ? pd_objective(pb, placement)
                           : pd_objective_single_exit(pb, placement, (size_t)served_exit);
}

bool pd_problem_join_fused(const pd_problem *pb, long served_exit, pd_slot *placement)
{
    if (!pb->fused_into)
        return false;
    const double before = judged(pb, served_exit, placement);
    bool moved = false;
    /* a producer before its layers (a ReLU, a SiLU pair after their convolution), or after
     * (a SiLU's sigmoid, its multiply): the producers do not move, so one pass will do */
    pd_slot *was = malloc(pb->n_layers * sizeof *was);
    if (!was)
        return false; /* out of memory: the placement stays as the solver gave it */
    for (size_t i = 0; i < pb->n_layers; i++) {
        was[i] = placement[i];
        const int32_t p = pb->fused_into[i];
        const int pin = pd_problem_pin_of(pb, i);
        if (p >= 0 && placement[i] != placement[p] &&
            (pin == (int)PD_SLOT_FREE || pin == placement[p])) {
            placement[i] = placement[p];
            moved = true;
        }
    }
    if (moved && !(judged(pb, served_exit, placement) <= before)) {
        memcpy(placement, was, pb->n_layers * sizeof *was);
        moved = false;
    }
    free(was);
    return moved;
}

size_t pd_problem_best_exit(const pd_problem *pb)
{
    return pd_choose_exit(pb->exit_accuracy, pb->exit_layer, pb->n_exits, INFINITY);
}

size_t pd_choose_exit(const double *accuracy, const int32_t *layer, size_t n, double requirement)
{
    size_t chosen = SIZE_MAX, best = 0;
    for (size_t k = 0; k < n; k++) {
        if (accuracy[k] > accuracy[best] ||
            (accuracy[k] == accuracy[best] && layer[k] > layer[best]))
            best = k;
        if (accuracy[k] >= requirement &&
            (chosen == SIZE_MAX || accuracy[k] < accuracy[chosen] ||
             (accuracy[k] == accuracy[chosen] && layer[k] < layer[chosen])))
            chosen = k;
    }
    return chosen == SIZE_MAX ? best : chosen;
}

pd_status pd_evaluate(const pd_problem *pb, const pd_slot *placement, pd_evaluation *out,
                      pd_error *err)
{
    out->exit_ms = malloc(pb->n_exits * sizeof *out->exit_ms);
    if (!out->exit_ms)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < pb->n_layers; i++)
        if (placement[i] >= pb->n_tiers) {
            pd_evaluation_free(out);
            return pd_error_set(err, PD_EINPUT, "layer %zu: tier slot %d is not in the scenario",
                                i, placement[i]);
        }
    double e = 0.0;
    for (size_t k = 0; k < pb->n_exits; k++) {
        out->exit_ms[k] = exit_latency(pb, placement, k);
        e += pb->exit_prob[k] * out->exit_ms[k];
    }
    out->load_ms = pd_load_ms(pb, placement);
    out->expected_ms = e + out->load_ms;
    return PD_OK;
}

void pd_evaluation_free(pd_evaluation *ev)
{
    if (ev) {
        free(ev->exit_ms);
        ev->exit_ms = NULL;
    }
}
