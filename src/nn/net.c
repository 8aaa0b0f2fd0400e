/* A model ready to run: weights bound to layers, each exit's sub-graph and its buffers
 * planned once by liveness (net_plan.c), so that a run allocates nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/pages.h"
#include "forward.h"
#include "net_plan.h"
#include "predoff/runtime.h"
#include "threads.h"
#include "workers.h"

struct pd_net {
    const pd_graph *g;
    const float **t;        /* [n_layers * PD_LAYER_MAX_TENSORS]: the layer's tensors, its
                             * type's order (pd_layer_tensors), NULL past them */
    float **prep;           /* [n_layers]: the weights as the layer's pass prepared them, or NULL */
    pd_net_plan plan;
    float **slot;           /* [plan.n_slots]: the activations */
    float *stage;           /* a run's input when it lies in a buffer the run may write */
    float *scratch;         /* the largest scratch any layer needs */
    void *block;            /* owned: prep, slot, stage and scratch all lie in it (pages.h) */
    size_t block_bytes;
    size_t scratch_floats;
    const float **ins;      /* [plan.max_inputs]: a layer's inputs, for its pass */
    int threads;            /* each layer's work is split over this many threads */
    pd_workers *pool;       /* threads - 1 of them (NULL for one thread) */
};

/* The buffer of n floats carved at offset in block b (core/pages.h). */
static float *buffer(char *b, size_t offset, size_t n)
{
    return pd_pages_place(b, offset, n * sizeof(float));
}

void pd_net_free(pd_net *net)
{
    if (!net)
        return;
    pd_workers_free(net->pool);
    pd_pages_free(net->block, net->block_bytes);
    free(net->prep);
    free((void *)net->t);
    free(net->slot);
    free((void *)net->ins);
    pd_net_plan_free(&net->plan);
    free(net);
}

static const float **tensors_of(const pd_net *net, size_t layer)
{
    return net->t + layer * PD_LAYER_MAX_TENSORS;
}

/* Binds each layer's tensors (pd_weights_check has found them all); the largest scratch any
 * layer needs into *max_scratch, and each layer's prepared floats into np[]. */
static void bind(pd_net *net, const pd_weights_index *ix, size_t *max_scratch, size_t *np)
{
    const pd_graph *g = net->g;
    *max_scratch = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        const pd_forward_op *op = pd_forward_op_of(l->type);
        size_t s = net->threads > 1 && op->forward_split && op->split_scratch_floats
                       ? op->split_scratch_floats(l, net->threads)
                       : op->scratch_floats(l);
        *max_scratch = s > *max_scratch ? s : *max_scratch;
        pd_layer_tensor lt[PD_LAYER_MAX_TENSORS];
        size_t nt = pd_layer_tensors(l, lt);
        const float **t = tensors_of(net, i);
        for (size_t k = 0; k < nt; k++)
            t[k] = pd_weights_index_find_joined(ix, l->name, lt[k].suffix)->data;
        np[i] = op->prepared_floats ? op->prepared_floats(l) : 0;
    }
}

/* One block for the net's buffers: the prepared weights (np[i] floats for layer i, made
 * here), the slots, the stage and the scratch. */
static pd_status place(pd_net *net, const size_t *np, size_t max_elems, size_t max_scratch,
                       pd_error *err)
{
    const pd_graph *g = net->g;
    size_t at = 0, *offset = malloc((g->n_layers + net->plan.n_slots + 2) * sizeof *offset);
    if (!offset)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    size_t *slot_at = offset + g->n_layers;
    for (size_t i = 0; i < g->n_layers; i++)
        offset[i] = np[i] ? pd_pages_carve(&at, np[i], sizeof(float)) : 0;
    for (size_t s = 0; s < net->plan.n_slots; s++)
        slot_at[s] = pd_pages_carve(&at, net->plan.slot_floats[s], sizeof(float));
    size_t stage_at = pd_pages_carve(&at, max_elems, sizeof(float));
    size_t scratch_at = pd_pages_carve(&at, max_scratch, sizeof(float));
    char *b = pd_pages_alloc(at);
    if (!b) {
        free(offset);
        return pd_error_set(err, PD_ENOMEM, "out of memory for the model's buffers (%zu bytes)",
                            at);
    }
    net->block = b;
    net->block_bytes = at;
    for (size_t i = 0; i < g->n_layers; i++)
        if (np[i]) {
            net->prep[i] = buffer(b, offset[i], np[i]);
            pd_forward_op_of(g->layers[i].type)->prepare(&g->layers[i], tensors_of(net, i),
                                                         net->prep[i]);
        }
    for (size_t s = 0; s < net->plan.n_slots; s++)
        net->slot[s] = buffer(b, slot_at[s], net->plan.slot_floats[s]);
    net->stage = buffer(b, stage_at, max_elems);
    net->scratch = buffer(b, scratch_at, max_scratch);
    free(offset);
    return PD_OK;
}

pd_status pd_net_new(const pd_graph *g, const pd_weights *w, const char *source, int threads,
                     pd_net **out, pd_error *err)
{
    *out = NULL;
    int n_threads;
    if (pd_threads_resolve(threads, g->name, &n_threads, err))
        return PD_EINPUT;
    if (pd_graph_check_runnable(g, err))
        return PD_EINPUT;
    for (size_t i = 0; i < g->n_layers; i++) {
        const pd_layer *l = &g->layers[i];
        if (!pd_forward_op_of(l->type))
            return pd_error_set(err, PD_ELIMIT,
                                "model \"%.64s\": the runtime cannot run layers of type \"%s\" "
                                "(layer \"%.64s\")",
                                g->name, pd_layer_type_name(l->type), l->name);
    }
    if (pd_weights_check(w, g, source, err))
        return err ? err->status : PD_EINPUT;
    pd_net *net = calloc(1, sizeof *net);
    if (!net)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    net->g = g;
    net->threads = n_threads;
    bool in_place[PD_LAYER_TYPE_COUNT];
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++) {
        const pd_forward_op *op = pd_forward_op_of((pd_layer_type)t);
        in_place[t] = op && op->in_place; /* a type without a pass is in no model here */
    }
    pd_status st = pd_net_plan_make(g, in_place, &net->plan, err);
    if (st) {
        free(net);
        return st;
    }
    size_t max_elems = (size_t)pd_shape_elems(g->input), max_scratch = 0;
    for (size_t i = 0; i < g->n_layers; i++) {
        size_t e = (size_t)pd_shape_elems(g->layers[i].out);
        max_elems = e > max_elems ? e : max_elems;
    }
    net->t = calloc(g->n_layers * PD_LAYER_MAX_TENSORS + 1, sizeof *net->t);
    net->prep = calloc(g->n_layers + 1, sizeof *net->prep);
    net->slot = calloc(net->plan.n_slots + 1, sizeof *net->slot);
    net->ins = calloc(net->plan.max_inputs + 1, sizeof *net->ins);
    size_t *np = calloc(g->n_layers + 1, sizeof *np);
    pd_weights_index *ix = NULL;
    if (!net->t || !net->prep || !net->slot || !net->ins || !np) {
        free(np);
        pd_net_free(net);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (!(st = pd_weights_index_new(w, &ix, err))) {
        bind(net, ix, &max_scratch, np);
        st = place(net, np, max_elems, max_scratch, err);
    }
    pd_weights_index_free(ix);
    free(np);
    if (st) {
        pd_net_free(net);
        return st;
    }
    net->scratch_floats = max_scratch;
    if ((st = pd_workers_new(net->threads, &net->pool, err))) {
        pd_net_free(net);
        return st;
    }
    *out = net;
    return PD_OK;
}

int pd_net_threads(const pd_net *net)
{
    return net->threads;
}

const int32_t *pd_net_path(const pd_net *net, size_t exit, size_t *len)
{
    if (exit >= net->plan.n_exits) {
        *len = 0;
        return NULL;
    }
    *len = net->plan.start[exit + 1] - net->plan.start[exit];
    return net->plan.layer + net->plan.start[exit];
}

/* Whether [p, p + n) overlaps one of the net's buffers other than `keep` (NULL: any). */
static bool in_other_buffer(const pd_net *net, const float *p, size_t n, const float *keep)
{
    for (size_t s = 0; s < net->plan.n_slots; s++) {
        const float *b = net->slot[s];
        if (b != keep && p < b + net->plan.slot_floats[s] && b < p + n)
            return true;
    }
    return false;
}

size_t pd_net_buffer_floats(const pd_net *net)
{
    size_t n = 0;
    for (size_t s = 0; s < net->plan.n_slots; s++)
        n += net->plan.slot_floats[s];
    return n;
}

bool pd_net_can_cut(const pd_net *net, size_t exit, size_t cut)
{
    size_t len;
    if (exit >= net->plan.n_exits)
        return false;
    pd_net_path(net, exit, &len);
    return cut <= len && net->plan.cut_ok[pd_net_plan_cut(&net->plan, exit) + cut];
}

/* The buffers a flush covers, split by cache lines between the parts of a pool's run. */
typedef struct flush_job {
    const float *p[PD_LAYER_MAX_TENSORS + 1];
    size_t n[PD_LAYER_MAX_TENSORS + 1];
    int count;
} flush_job;

/* Part `part` of `parts` of a buffer's `lines` cache lines: [*first, *end). */
static void part_of_lines(uintptr_t lines, int part, int parts, uintptr_t *first,
                          uintptr_t *end)
{
    *first = lines * (uintptr_t)part / (uintptr_t)parts;
    *end = lines * (uintptr_t)(part + 1) / (uintptr_t)parts;
}

/* Flushes part `part` of `parts` of each buffer from every cache level (x86's clflush;
 * nothing elsewhere). */
static void flush_part(void *ctx, int part, int parts)
{
    const flush_job *job = ctx;
#if defined(__x86_64__) || defined(__i386__)
    for (int b = 0; b < job->count; b++) {
        uintptr_t lo = (uintptr_t)job->p[b] & ~(uintptr_t)63,
                  hi = (uintptr_t)(job->p[b] + job->n[b]), k, end;
        for (part_of_lines((hi - lo + 63) / 64, part, parts, &k, &end); k < end; k++)
            __builtin_ia32_clflush((const void *)(lo + 64 * k));
    }
    __builtin_ia32_mfence();
#else
    (void)job;
    (void)part;
    (void)parts;
#endif
}

void pd_net_evict(pd_net *net, size_t layer)
{
    if (layer >= net->g->n_layers)
        return;
    const pd_layer *l = &net->g->layers[layer];
    pd_layer_tensor lt[PD_LAYER_MAX_TENSORS];
    size_t nt = pd_layer_tensors(l, lt);
    const float **t = tensors_of(net, layer);
    flush_job job = {.count = 0};
    for (size_t k = 0; k < nt; k++) {
        size_t n = 1;
        for (int d = 0; d < lt[k].ndim; d++)
            n *= (size_t)lt[k].dims[d];
        if (t[k]) {
            job.p[job.count] = t[k];
            job.n[job.count++] = n;
        }
    }
    const pd_forward_op *op = pd_forward_op_of(l->type);
    if (net->prep[layer] && op->prepared_floats) {
        job.p[job.count] = net->prep[layer];
        job.n[job.count++] = op->prepared_floats(l);
    }
    /* by the pool, whose threads are then awake for the run that follows (a flush of
     * megabytes outlasts their spin, and a woken pool costs a layer 0.1 ms or more) */
    pd_workers_run(net->pool, flush_part, &job);
}

/* Reads a byte of each cache line of part `part` of `parts` of n floats at p (bytes: what
 * no pass wrote yet is still fine to read). */
static unsigned read_lines(const float *p, size_t n, int part, int parts)
{
    const unsigned char *b = (const unsigned char *)p;
    unsigned sum = 0;
    uintptr_t k, end;
    for (part_of_lines((n * sizeof *p + 63) / 64, part, parts, &k, &end); k < end; k++)
        sum += b[64 * k];
    return sum;
}

static void touch_part(void *ctx, int part, int parts)
{
    const pd_net *net = ctx;
    unsigned sum = read_lines(net->scratch, net->scratch_floats, part, parts);
    for (size_t s = 0; s < net->plan.n_slots; s++)
        sum += read_lines(net->slot[s], net->plan.slot_floats[s], part, parts);
    volatile unsigned keep = sum;
    (void)keep;
}

void pd_net_touch_buffers(const pd_net *net)
{
    /* by the pool, as pd_net_evict: its threads are then awake for the run that follows,
     * as a layer's in the middle of a run find them */
    pd_workers_run(net->pool, touch_part, (void *)net);
}

bool pd_net_fused(const pd_net *net, size_t exit, size_t pos)
{
    size_t len;
    if (exit >= net->plan.n_exits || !pd_net_path(net, exit, &len) || pos >= len)
        return false;
    const size_t at = net->plan.start[exit] + pos;
    return (pos > 0 && net->plan.fuse_relu[at - 1]) || (pos + 1 < len && net->plan.silu[at]) ||
           (pos > 1 && net->plan.fuse_silu[at - 2]);
}

pd_status pd_net_run_layer(pd_net *net, size_t layer, const float *const *ins, size_t n_ins,
                           const float **output, double *layer_ms, pd_error *err)
{
    const pd_graph *g = net->g;
    const pd_net_plan *pl = &net->plan;
    if (layer >= g->n_layers)
        return pd_error_set(err, PD_EINPUT, "no layer %zu (the model has %zu)", layer,
                            g->n_layers);
    size_t want_in;
    pd_topology_inputs(g->topo, layer, &want_in);
    if (n_ins != want_in)
        return pd_error_set(err, PD_EINPUT, "layer \"%s\" reads %zu tensors, not %zu",
                            g->layers[layer].name, want_in, n_ins);
    size_t p = pl->first_pos[layer]; /* in the first exit that has it: a slot that holds it */
    const pd_layer *l = &g->layers[layer];
    const pd_shape *shapes = pl->in_shape + pl->in_start[p];
    for (size_t j = 0; j < n_ins; j++) {
        net->ins[j] = ins[j];
        if (in_other_buffer(net, ins[j], (size_t)pd_shape_elems(shapes[j]), NULL))
            return pd_error_set(err, PD_EINPUT, "layer \"%s\": input %zu lies in the net's own "
                                "buffers", l->name, j + 1);
    }
    float *dst = net->slot[pl->out_slot[p]];
    const float *const *t = tensors_of(net, layer);
    pd_forward_args a = {l,           t[0],  t[1],    net->ins[0],       dst, net->scratch,
                         pd_act_none(), net->prep[layer], net->ins, n_ins, shapes};
    const pd_forward_op *op = pd_forward_op_of(l->type);
    double t0 = layer_ms ? pd_now_ms() : 0.0;
    if (net->pool && op->forward_split)
        op->forward_split(&a, net->pool);
    else
        op->forward(&a);
    if (layer_ms)
        *layer_ms = pd_now_ms() - t0;
    *output = dst;
    return PD_OK;
}

/* Runs positions [from, to) of exit k; an input produced before `from` (or the network
 * input) is before[q + 1] when `before` is given, else `src` (the one tensor crossing). */
static void run_positions(pd_net *net, size_t exit, size_t from, size_t to, const float *src,
                          const float *const *before, double *layer_ms)
{
    const pd_graph *g = net->g;
    const pd_net_plan *pl = &net->plan;
    const size_t base = pl->start[exit];
    const int32_t *path = pl->layer + base;
    for (size_t i = from; i < to; i++) {
        const size_t p = base + i;
        const pd_layer *l = &g->layers[path[i]];
        const size_t n_in = pl->in_start[p + 1] - pl->in_start[p];
        for (size_t j = 0; j < n_in; j++) {
            int32_t q = pl->in_pos[pl->in_start[p] + j];
            net->ins[j] = q >= (int32_t)from ? net->slot[pl->out_slot[base + (size_t)q]]
                          : before          ? before[q + 1]
                                            : src;
        }
        if (pl->silu[p] && i + 1 < to) { /* the multiply next computes it (net_plan.h) */
            if (layer_ms)
                layer_ms[i - from] = 0.0;
            continue;
        }
        float *dst = net->slot[pl->out_slot[p]];
        if (i > from && pl->silu[p - 1]) { /* x sigmoid(x), x the input that is not the sigmoid */
            const int32_t x = pl->in_pos[pl->in_start[p]] == (int32_t)(i - 1);
            double t0 = layer_ms ? pd_now_ms() : 0.0;
            pd_forward_args a = {.l = l, .in = net->ins[x], .out = dst};
            pd_silu_forward_split(&a, net->pool);
            if (layer_ms)
                layer_ms[i - from] = pd_now_ms() - t0;
            continue;
        }
        /* the ReLU or Clip after it in its pass (one position more), or the SiLU pair (two) */
        const size_t fuse = pl->fuse_silu[p] && i + 2 < to ? 2 : pl->fuse_relu[p] && i + 1 < to;
        const pd_act act = fuse == 2 ? pd_act_silu()
                           : fuse    ? pd_net_plan_act_of(&g->layers[path[i + 1]])
                                     : pd_act_none();
        const float *const *t = tensors_of(net, (size_t)path[i]);
        pd_forward_args a = {l,     t[0],          t[1], net->ins[0], dst,
                             net->scratch, act,    net->prep[path[i]], net->ins, n_in,
                             pl->in_shape + pl->in_start[p]};
        double t0 = layer_ms ? pd_now_ms() : 0.0;
        const pd_forward_op *op = pd_forward_op_of(l->type);
        if (net->pool && op->forward_split)
            op->forward_split(&a, net->pool);
        else
            op->forward(&a);
        if (layer_ms)
            layer_ms[i - from] = pd_now_ms() - t0;
        for (size_t j = 1; j <= fuse && layer_ms; j++)
            layer_ms[i + j - from] = 0.0; /* their time is in the layer before */
        i += fuse;
    }
}

pd_status pd_net_run(pd_net *net, size_t exit, size_t from, size_t to, const float *input,
                     size_t input_count, const float **output, size_t *output_count,
                     double *layer_ms, pd_error *err)
{
    const pd_graph *g = net->g;
    const pd_net_plan *pl = &net->plan;
    if (exit >= g->n_exits)
        return pd_error_set(err, PD_EINPUT, "no exit %zu (the model has %zu)", exit, g->n_exits);
    size_t len;
    const int32_t *path = pd_net_path(net, exit, &len);
    if (from >= to || to > len)
        return pd_error_set(err, PD_EINPUT, "layers %zu..%zu are not a run of the %zu layers of "
                            "exit \"%s\"", from, to, len, g->layers[g->exits[exit]].name);
    if (!pd_net_can_cut(net, exit, from) || !pd_net_can_cut(net, exit, to))
        return pd_error_set(err, PD_EINPUT,
                            "exit \"%s\": more than one tensor crosses position %zu of its "
                            "sub-graph; a run can start and end only where one does",
                            g->layers[g->exits[exit]].name,
                            pd_net_can_cut(net, exit, from) ? to : from);
    const size_t base = pl->start[exit];
    /* the tensor entering the run: the network input, or the output of position from - 1 */
    pd_shape enter = from ? g->layers[path[from - 1]].out : g->input;
    const pd_layer *first = &g->layers[path[from]];
    size_t want = (size_t)pd_shape_elems(enter);
    if (input_count != want)
        return pd_error_set(err, PD_EINPUT,
                            "layer \"%s\" takes %lldx%lldx%lld = %zu values, got %zu",
                            first->name, (long long)enter.c, (long long)enter.h,
                            (long long)enter.w, want, input_count);
    const float *planned = from ? net->slot[pl->out_slot[base + from - 1]] : NULL;
    const float *src = input;
    if (input != planned && in_other_buffer(net, input, want, NULL)) {
        memmove(net->stage, input, want * sizeof *input); /* this run may write over it */
        src = net->stage;
    }
    run_positions(net, exit, from, to, src, NULL, layer_ms);
    *output = net->slot[pl->out_slot[base + to - 1]];
    *output_count = (size_t)pd_shape_elems(g->layers[path[to - 1]].out);
    return PD_OK;
}

pd_status pd_net_run_span(pd_net *net, size_t exit, size_t from, size_t to,
                          const float *const *before, double *layer_ms, pd_error *err)
{
    const pd_graph *g = net->g;
    const pd_net_plan *pl = &net->plan;
    if (exit >= g->n_exits)
        return pd_error_set(err, PD_EINPUT, "no exit %zu (the model has %zu)", exit, g->n_exits);
    size_t len;
    const int32_t *path = pd_net_path(net, exit, &len);
    if (from >= to || to > len)
        return pd_error_set(err, PD_EINPUT, "layers %zu..%zu are not a run of the %zu layers of "
                            "exit \"%s\"", from, to, len, g->layers[g->exits[exit]].name);
    /* every tensor the run reads from before it: given, and not in the net's buffers (which
     * the run writes) */
    const size_t base = pl->start[exit];
    for (size_t i = from; i < to; i++)
        for (size_t j = pl->in_start[base + i]; j < pl->in_start[base + i + 1]; j++) {
            int32_t q = pl->in_pos[j];
            if (q >= (int32_t)from)
                continue;
            const char *what = q < 0 ? "the network input" : g->layers[path[q]].name;
            if (!before[q + 1])
                return pd_error_set(err, PD_EINPUT, "exit \"%s\": layer \"%s\" reads %s%s, "
                                    "which the run was not given", g->layers[g->exits[exit]].name,
                                    g->layers[path[i]].name, what, q < 0 ? "" : "'s output");
            if (in_other_buffer(net, before[q + 1], (size_t)pd_shape_elems(pl->in_shape[j]), NULL))
                return pd_error_set(err, PD_EINPUT, "exit \"%s\": %s%s lies in the net's own "
                                    "buffers", g->layers[g->exits[exit]].name, what,
                                    q < 0 ? "" : "'s output");
        }
    run_positions(net, exit, from, to, NULL, before, layer_ms);
    return PD_OK;
}

const float *pd_net_output_at(const pd_net *net, size_t exit, size_t pos)
{
    size_t len;
    if (exit >= net->plan.n_exits || !pd_net_path(net, exit, &len) || pos >= len)
        return NULL;
    return net->slot[net->plan.out_slot[net->plan.start[exit] + pos]];
}
