/* The problem solvers see: allocation, exit probabilities and layer weights. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "predoff/objective.h"

pd_status pd_problem_new(size_t n_layers, int n_tiers, size_t n_exits, bool load_on,
                         pd_problem **out, pd_error *err)
{
    *out = NULL;
    if (n_layers == 0 || n_exits == 0 || n_tiers < 1 || n_tiers > PD_MAX_TIERS ||
        n_layers > (size_t)INT32_MAX)
        return pd_error_set(err, PD_EINPUT, "a problem needs 1 to %d tiers, layers and exits",
                            PD_MAX_TIERS);
    pd_problem *pb = calloc(1, sizeof *pb);
    if (!pb)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pb->n_layers = n_layers;
    pb->n_tiers = n_tiers;
    pb->n_exits = n_exits;
    pb->load_on = load_on;
    size_t cells = n_layers * (size_t)n_tiers;
    pb->compute_ms = calloc(cells, sizeof *pb->compute_ms);
    pb->out_bytes = calloc(n_layers, sizeof *pb->out_bytes);
    pb->weight = calloc(n_layers, sizeof *pb->weight);
    pb->exit_layer = calloc(n_exits, sizeof *pb->exit_layer);
    pb->exit_accuracy = calloc(n_exits, sizeof *pb->exit_accuracy);
    pb->exit_prob = calloc(n_exits, sizeof *pb->exit_prob);
    if (load_on)
        pb->load_ms = calloc(cells, sizeof *pb->load_ms);
    if (!pb->compute_ms || !pb->out_bytes || !pb->weight || !pb->exit_layer ||
        !pb->exit_accuracy || !pb->exit_prob || (load_on && !pb->load_ms)) {
        pd_problem_free(pb);
        return pd_error_set(err, PD_ENOMEM, "out of memory for a problem of %zu layers", n_layers);
    }
    for (int t = 0; t < n_tiers; t++)
        pb->tier[t] = (pd_tier)t;
    *out = pb;
    return PD_OK;
}

void pd_problem_free(pd_problem *pb)
{
    if (!pb)
        return;
    pd_topology_free(pb->topo);
    free(pb->model_name);
    free(pb->join_name);
    free(pb->compute_ms);
    free(pb->out_bytes);
    free(pb->weight);
    free(pb->exit_layer);
    free(pb->exit_accuracy);
    free(pb->exit_prob);
    free(pb->load_ms);
    free(pb->pin);
    free(pb->fused_into);
    free(pb->unfused_ms);
    free(pb);
}

pd_status pd_problem_set_inputs(pd_problem *pb, const size_t *in_start, const int32_t *in_ids,
                                pd_error *err)
{
    pd_topology *t;
    pd_status st = pd_topology_new(pb->n_layers, in_start, in_ids, pb->n_exits, pb->exit_layer, &t,
                                   err);
    if (st)
        return st;
    pd_topology_free(pb->topo);
    pb->topo = t;
    return PD_OK;
}

pd_status pd_problem_set_parents(pd_problem *pb, const int32_t *parent, pd_error *err)
{
    size_t *start = malloc((pb->n_layers + 1) * sizeof *start);
    if (!start)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i <= pb->n_layers; i++)
        start[i] = i;
    pd_status st = pd_problem_set_inputs(pb, start, parent, err);
    free(start);
    return st;
}

unsigned pd_problem_clampable_slots(const pd_problem *pb)
{
    unsigned m = 0;
    const size_t nt = (size_t)pb->n_tiers;
    for (int s = 0; pb->load_on && s < pb->n_tiers; s++) {
        bool neg = pb->load_fixed_ms[s] < 0.0;
        for (size_t i = 0; i < pb->n_layers && !neg; i++)
            neg = pb->load_ms[i * nt + (size_t)s] < 0.0;
        if (neg)
            m |= 1u << s;
    }
    return m;
}

pd_status pd_problem_need_tree(const pd_problem *pb, const char *who, pd_error *err)
{
    const pd_topology *t = pb->topo;
    if (t->tree)
        return PD_OK;
    char model[96] = "the model", layer[96];
    if (pb->model_name)
        snprintf(model, sizeof model, "model \"%.64s\"", pb->model_name);
    if (pb->join_name)
        snprintf(layer, sizeof layer, "\"%.64s\"", pb->join_name);
    else
        snprintf(layer, sizeof layer, "%d", t->first_join);
    return pd_error_set(err, PD_ELIMIT,
                        "%s needs a tree model; %s has layer %s with %zu inputs; on a DAG use "
                        "--solver exact (optimal), ga, dads (one exit's cut), neurosurgeon or "
                        "edgent (single cuts), brute (small models) or mobile, edge, cloud",
                        who, model, layer, t->first_join_inputs);
}

pd_status pd_problem_set_weights(pd_problem *pb, pd_error *err)
{
    const pd_topology *t = pb->topo;
    if (!t || t->n_layers != pb->n_layers || t->n_exits != pb->n_exits)
        return pd_error_set(err, PD_EINPUT,
                            "the problem's layer graph is not set (pd_problem_set_inputs)");
    for (size_t k = 0; k < pb->n_exits; k++)
        if (t->exits[k] != pb->exit_layer[k])
            return pd_error_set(err, PD_EINPUT,
                                "exit %zu: layer %d, but the layer graph was set with %d", k,
                                pb->exit_layer[k], t->exits[k]);
    memset(pb->weight, 0, pb->n_layers * sizeof *pb->weight);
    if (!t->tree) {
        for (size_t k = 0; k < pb->n_exits; k++) {
            pd_sub_walk w = pd_sub_walk_begin(t, k);
            for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;)
                pb->weight[v] += pb->exit_prob[k];
        }
        return PD_OK;
    }
    for (size_t k = 0; k < pb->n_exits; k++)
        pb->weight[pb->exit_layer[k]] += pb->exit_prob[k];
    /* children come after parents: push each layer's mass up to its parent */
    const int32_t *parent = pd_topology_tree_parents(t);
    for (size_t i = pb->n_layers; i-- > 0;)
        if (parent[i] >= 0)
            pb->weight[parent[i]] += pb->weight[i];
    return PD_OK;
}

typedef struct exit_key {
    double accuracy;
    int32_t layer;
    size_t index;
} exit_key;

/* Accuracy ascending; ties: the lower layer index first (cost-model.md). */
static int cmp_exit(const void *pa, const void *pb)
{
    const exit_key *a = pa, *b = pb;
    if (a->accuracy != b->accuracy)
        return a->accuracy < b->accuracy ? -1 : 1;
    return (a->layer > b->layer) - (a->layer < b->layer);
}

pd_status pd_problem_set_demand(pd_problem *pb, const pd_distribution *demand, pd_error *err)
{
    size_t n = pb->n_exits;
    exit_key *keys = malloc(n * sizeof *keys);
    if (!keys)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        keys[i] = (exit_key){pb->exit_accuracy[i], pb->exit_layer[i], i};
    qsort(keys, n, sizeof *keys, cmp_exit);
    double prev = 0.0;
    for (size_t r = 0; r < n; r++) {
        double f = pd_distribution_cdf(demand, keys[r].accuracy);
        pb->exit_prob[keys[r].index] = f - prev;
        prev = f;
    }
    /* requirements above the best exit are served there, best effort */
    pb->unmet_probability = 1.0 - prev;
    pb->exit_prob[keys[n - 1].index] += pb->unmet_probability;
    free(keys);
    return pd_problem_set_weights(pb, err);
}

/* ms per byte of one hop at `bps`. */
static double per_byte(double bps)
{
    return 8.0 * 1000.0 / bps;
}

void pd_problem_set_links(pd_problem *pb, double uplink_bps, double downlink_bps,
                          double wired_bps, double wireless_delay_ms, double wired_delay_ms)
{
    double up = per_byte(uplink_bps), down = per_byte(downlink_bps), wired = per_byte(wired_bps);
    double dwl = wireless_delay_ms, dwd = wired_delay_ms;
    /* [from][to] over tiers; a mobile <-> cloud transfer crosses both links */
    const double rate[PD_TIER_COUNT][PD_TIER_COUNT] = {
        {0.0, up, up + wired}, {down, 0.0, wired}, {wired + down, wired, 0.0}};
    const double hop[PD_TIER_COUNT][PD_TIER_COUNT] = {
        {0.0, dwl, dwl + dwd}, {dwl, 0.0, dwd}, {dwd + dwl, dwd, 0.0}};
    for (int a = 0; a < pb->n_tiers; a++)
        for (int b = 0; b < pb->n_tiers; b++) {
            pb->ms_per_byte[a][b] = rate[pb->tier[a]][pb->tier[b]];
            pb->hop_ms[a][b] = hop[pb->tier[a]][pb->tier[b]];
        }
}
