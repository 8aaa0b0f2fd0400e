/* The structure of a layer graph (cost-model.md, "Network and tiers"): each layer's
 * inputs, the readers of each tensor, a topological order, the sub-graph A(k) of each
 * exit, whether the graph is a tree, and activation liveness. Every module asks this;
 * no other code follows a layer's inputs upwards. */
#ifndef PREDOFF_TOPOLOGY_H
#define PREDOFF_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A tensor is named by the layer that writes it, or by this for the network input. */
enum { PD_TENSOR_INPUT = -1 };

/* A DAG keeps a bitset and a list of A(k) per exit: exits x layers is bounded by this.
 * A tree needs neither (A(k) is a chain; membership is an interval test). */
#define PD_TOPOLOGY_MAX_DAG_PAIRS 16777216.0

/* Read-only after pd_topology_new; the fields are public for fast inner loops. */
typedef struct pd_topology {
    size_t n_layers, n_exits;
    size_t *in_start;   /* [n_layers + 1]: layer i reads in_ids[in_start[i] .. in_start[i+1]) */
    int32_t *in_ids;    /* tensor ids, each PD_TENSOR_INPUT or a layer before i */
    size_t *rd_start;   /* [n_layers + 2]: tensor t's readers are rd_ids[rd_start[t + 1] ..
                         * rd_start[t + 2]), ascending, each once */
    int32_t *rd_ids;
    int32_t *order;     /* [n_layers]: a topological order (the index order: layers are
                         * stored parents first) */
    int32_t *exits;     /* [n_exits]: the exits' layers */
    size_t *sub_len;    /* [n_exits]: |A(k)| */
    bool tree;          /* every layer reads exactly one tensor */
    int32_t first_join; /* the first layer reading more than one tensor, or -1 (a tree) */
    size_t first_join_inputs;
    /* tree: preorder number and subtree size, so A(k) membership is an interval test */
    size_t *pre, *size;
    /* DAG: A(k) as a bitset ([n_exits * words]) and a list in topological order */
    uint64_t *member;
    size_t words;
    size_t *sub_start;  /* [n_exits] */
    int32_t *sub_ids;
} pd_topology;

/* Builds the topology of n_layers layers, layer i reading in_ids[in_start[i] ..
 * in_start[i + 1]) (at least one tensor, each PD_TENSOR_INPUT or a layer index below i),
 * with these exits. Checks every id; the message names the layer by index. */
pd_status pd_topology_new(size_t n_layers, const size_t *in_start, const int32_t *in_ids,
                          size_t n_exits, const int32_t *exits, pd_topology **out,
                          pd_error *err);
/* The same structure again (a problem owns its own copy of its model's). */
pd_status pd_topology_copy(const pd_topology *t, pd_topology **out, pd_error *err);
void pd_topology_free(pd_topology *t);

/* The tensors layer i reads, in order; *n receives their number. */
static inline const int32_t *pd_topology_inputs(const pd_topology *t, size_t i, size_t *n)
{
    *n = t->in_start[i + 1] - t->in_start[i];
    return t->in_ids + t->in_start[i];
}

/* The layers reading tensor `tensor` (PD_TENSOR_INPUT or a layer), ascending. */
static inline const int32_t *pd_topology_readers(const pd_topology *t, int32_t tensor,
                                                 size_t *n)
{
    size_t a = t->rd_start[(size_t)(tensor + 1)], b = t->rd_start[(size_t)(tensor + 2)];
    *n = b - a;
    return t->rd_ids + a;
}

/* On a tree, each layer's one input (PD_TENSOR_INPUT for a root), indexed by layer;
 * NULL when the graph is not a tree. */
static inline const int32_t *pd_topology_tree_parents(const pd_topology *t)
{
    return t->tree ? t->in_ids : NULL;
}

/* Whether layer `layer` is in A(k), the sub-graph of exit number k (the exit and all its
 * ancestors). O(1). */
static inline bool pd_topology_in_sub(const pd_topology *t, size_t k, size_t layer)
{
    if (t->tree) {
        size_t e = (size_t)t->exits[k];
        return t->pre[layer] <= t->pre[e] && t->pre[e] < t->pre[layer] + t->size[layer];
    }
    return (t->member[k * t->words + layer / 64] >> (layer % 64)) & 1u;
}

/* Walks A(k) in reverse topological order, from the exit back towards the input:
 *   pd_sub_walk w = pd_sub_walk_begin(t, k);
 *   for (int32_t v; (v = pd_sub_walk_next(&w)) >= 0;) ...
 * On a tree that is the exit's path from the exit up to its root. */
typedef struct pd_sub_walk {
    const pd_topology *t;
    int32_t next;     /* tree: the next layer up, -1 at the end */
    const int32_t *list;
    size_t left;      /* DAG: layers of the list still to give */
} pd_sub_walk;

static inline pd_sub_walk pd_sub_walk_begin(const pd_topology *t, size_t k)
{
    pd_sub_walk w = {t, -1, NULL, 0};
    if (t->tree)
        w.next = t->exits[k];
    else {
        w.list = t->sub_ids + t->sub_start[k];
        w.left = t->sub_len[k];
    }
    return w;
}

static inline int32_t pd_sub_walk_next(pd_sub_walk *w)
{
    if (w->t->tree) {
        int32_t v = w->next;
        if (v >= 0)
            w->next = w->t->in_ids[v];
        return v;
    }
    return w->left ? w->list[--w->left] : -1;
}

/* Writes A(k) in topological order into out (t->sub_len[k] entries). */
void pd_topology_sub_list(const pd_topology *t, size_t k, int32_t *out);

/* What pd_topology_sub_cuts writes for a position more than one tensor crosses. */
enum { PD_CUT_SEVERAL = -2 };

/* The cut points of A(k), where Edgent and Neurosurgeon cut a DAG once and where
 * pd_net_run may start and end (pd_net_can_cut; the split runtime runs any placement by
 * pd_net_run_span): with `list`
 * A(k) in topological order (pd_topology_sub_list, len = t->sub_len[k] layers), cut c
 * (0..len) puts list[0 .. c) before and list[c .. len) after it, and cross[c] receives
 * the one tensor that crosses it, produced before it (or the network input) and read
 * after it, or PD_CUT_SEVERAL when more than one does. cross[0] is PD_TENSOR_INPUT;
 * cross[len] is the exit (its output, the result, is all that is left). On a tree every
 * cut has one: cross[c] = list[c - 1]. O(len); only PD_ENOMEM fails. */
pd_status pd_topology_sub_cuts(const pd_topology *t, size_t k, const int32_t *list,
                               int32_t *cross, pd_error *err);

/* Peak activation memory of running A(k) alone, layer by layer in topological order:
 * the most bytes of tensors alive at once. The network input is alive from the start
 * until its last reader in A(k) has run; a layer's output from when the layer runs
 * until its last reader in A(k) has run (a layer's inputs and its output are alive
 * together while it runs); the exit's output, the result, stays to the end. Tensor
 * sizes: out_bytes[layer] and input_bytes. */
pd_status pd_topology_peak_bytes(const pd_topology *t, size_t k, const double *out_bytes,
                                 double input_bytes, double *peak, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
