/* The sweep: each layer type timed over a grid of shapes, one single-layer model each. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/timing_rules.h"
#include "predoff/measure.h"

typedef pd_sweep_point sweep_point;

/* Calls fn for every point of every type's grid (its descriptor's), type by type in the
 * type table's order; returns how many there are. */
static size_t grid(pd_sweep_emit fn, void *ctx)
{
    size_t n = 0;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        n += pd_layer_type_sweep((pd_layer_type)t, fn, ctx);
    return n;
}

size_t pd_profile_sweep_size(void)
{
    return grid(NULL, NULL) + PD_SWEEP_NETS;
}

typedef struct sweep_ctx {
    const pd_profiler_options *o;
    pd_timings *out;
    pd_error *err;
    pd_status st;
    size_t done, total;
} sweep_ctx;

double pd_sweep_reuse_bytes(size_t index)
{
    static const double mib[] = {1, 2, 4, 6, 8, 12, 16, 20, 24, 32, 48, 64}; /* <= the max */
    const size_t n = sizeof mib / sizeof mib[0];
    /* scattered over the grid, whose neighbours differ in one dimension */
    uint64_t h = (uint64_t)index * 0x9E3779B97F4A7C15u;
    return mib[(h >> 32) % n] * 1024.0 * 1024.0;
}

double pd_sweep_reuse_idle_ms(size_t index)
{
    static const double ms[] = {0, 0.5, 1, 2, 4, 8};
    const size_t n = sizeof ms / sizeof ms[0];
    uint64_t h = (uint64_t)index * 0xD1B54A32D192ED03u; /* another scatter than the bytes' */
    return ms[(h >> 32) % n];
}

float *pd_sweep_evict_new(size_t *floats)
{
    const size_t n = (size_t)(PD_SWEEP_REUSE_MAX_BYTES / 4.0);
    float *b = malloc(n * sizeof *b);
    for (size_t i = 0; b && i < n; i++)
        b[i] = (float)(i % 251);
    *floats = b ? n : 0;
    return b;
}

pd_status pd_profile_sweep_graph(const pd_profiler_options *o, const pd_graph *g, size_t index,
                                 pd_timings *out, pd_error *err)
{
    pd_weights *w = NULL;
    pd_profiler_options one = *o;
    one.progress = NULL;
    one.alone = false;
    one.cold_weights = true; /* as a layer of a large model meets them, not cache-warm */
    one.evict = NULL;
    one.idle_ms = 0.0; /* the third timing's alone */
    pd_status st = pd_weights_random(g, o->seed + index, &w, err);
    size_t first = out->n;
    /* the timed layer "l" (rows in layer order; else the last) */
    int32_t l = pd_graph_find(g, "l");
    if (l < 0)
        l = (int32_t)g->n_layers - 1;
    const pd_layer *layer = &g->layers[l];
    if (!st)
        st = pd_profile_model(g, w, &one, out, err);
    double warm_ms = 0.0, reuse_ms = 0.0, reuse_bytes = 0.0, reuse_run_ms = 0.0;
    /* a small layer with weights again, its weights left in the cache from run to run (as
     * small as the run its warm twin stands for: pd_timing_own_run_bytes) */
    if (!st && pd_layer_weight_count(layer) > 0 &&
        pd_timing_own_run_bytes(&out->rows[first + (size_t)l]) <= PD_SWEEP_WARM_MAX_BYTES) {
        one.cold_weights = false;
        st = pd_profile_model(g, w, &one, out, err);
        if (!st)
            warm_ms = out->rows[first + g->n_layers + (size_t)l].median_ms;
        const double bytes = pd_sweep_reuse_bytes(index);
        if (!st && o->evict && 4.0 * (double)o->evict_floats >= bytes) {
            one.evict = o->evict;
            one.evict_floats = (size_t)(bytes / 4.0);
            one.idle_ms = pd_sweep_reuse_idle_ms(index);
            one.repeats = (o->repeats + 2) / 3 > 5 ? (o->repeats + 2) / 3 : 5;
            one.warmup = o->warmup < 2 ? o->warmup : 2;
            st = pd_profile_model(g, w, &one, out, err);
            if (!st) {
                const pd_layer_timing *reuse = &out->rows[first + 2 * g->n_layers + (size_t)l];
                reuse_ms = reuse->median_ms;
                /* what its own run touches as the runtime holds it (run_bytes), and those */
                reuse_bytes = out->rows[first + (size_t)l].features[PD_FEAT_RUN_BYTES] + bytes;
                reuse_run_ms = reuse->features[PD_FEAT_RUN_MS];
            }
        }
        if (st)
            out->n = first; /* none of this point's rows */
    }
    if (!st) { /* that layer's row alone, named after its point */
        pd_layer_timing *row = &out->rows[first];
        *row = out->rows[first + (size_t)l];
        out->n = first + 1;
        snprintf(row->layer, sizeof row->layer, "%s-%zu", pd_layer_type_name(layer->type),
                 index);
        /* every sweep row, with weights or none, reads as a layer of a large model: a
         * weightless type's rows then agree on it and its trees never split on it (its
         * one-layer model's own bytes would stand for its size, and a network's far larger
         * run would read as the grid's largest layer) */
        row->features[PD_FEAT_RUN_BYTES] = PD_SWEEP_COLD_RUN_BYTES;
        row->features[PD_FEAT_RUN_MS] = PD_SWEEP_COLD_RUN_MS; /* flushed: as from a long wait */
        row->warm_ms = warm_ms;
        row->reuse_ms = reuse_ms;
        row->reuse_bytes = reuse_bytes;
        row->reuse_run_ms = reuse_run_ms;
    }
    pd_weights_free(w);
    return st;
}

static void time_point(void *vctx, const sweep_point *p)
{
    sweep_ctx *ctx = vctx;
    if (ctx->st)
        return;
    char json[512];
    pd_graph *g = NULL;
    if (!pd_sweep_point_json(p, "sweep", json, sizeof json))
        ctx->st = pd_error_set(ctx->err, PD_ELIMIT, "sweep point %zu: its model is longer than "
                               "%zu bytes", ctx->done + 1, sizeof json);
    if (!ctx->st)
        ctx->st = pd_graph_from_json(json, strlen(json), "sweep", &g, ctx->err);
    if (!ctx->st)
        ctx->st = pd_profile_sweep_graph(ctx->o, g, ctx->done, ctx->out, ctx->err);
    pd_graph_free(g);
    ctx->done++;
    if (!ctx->st && ctx->o->progress)
        ctx->o->progress(ctx->o->progress_ctx, ctx->done, ctx->total);
}

/* Network k of the sweep, timed as a model is (its weights random from its own seed). */
static pd_status time_net(sweep_ctx *ctx, size_t k)
{
    char *json = malloc(PD_SWEEP_NET_JSON_MAX);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    pd_status st = PD_OK;
    if (!json)
        st = pd_error_set(ctx->err, PD_ENOMEM, "out of memory");
    else if (!pd_sweep_net_json(k, json, PD_SWEEP_NET_JSON_MAX))
        st = pd_error_set(ctx->err, PD_ELIMIT, "sweep network %zu: its model is longer than "
                          "%d bytes", k, PD_SWEEP_NET_JSON_MAX);
    if (!st)
        st = pd_graph_from_json(json, strlen(json), "sweep network", &g, ctx->err);
    if (!st)
        st = pd_weights_random(g, ctx->o->seed + 0x6E657473u + k, &w, ctx->err);
    if (!st) {
        pd_profiler_options one = *ctx->o;
        one.progress = NULL;
        one.evict = NULL; /* as a model is timed */
        one.idle_ms = 0.0;
        one.cold_weights = false;
        st = pd_profile_model(g, w, &one, ctx->out, ctx->err);
    }
    pd_weights_free(w);
    pd_graph_free(g);
    free(json);
    ctx->done++;
    if (!st && ctx->o->progress)
        ctx->o->progress(ctx->o->progress_ctx, ctx->done, ctx->total);
    return st;
}

/* Every network of the sweep, after what ctx has timed; ctx->st. */
static pd_status time_nets(sweep_ctx *ctx)
{
    for (size_t k = 0; k < PD_SWEEP_NETS && !ctx->st; k++)
        ctx->st = time_net(ctx, k);
    return ctx->st;
}

pd_status pd_profile_sweep(const pd_profiler_options *o, pd_timings *out, pd_error *err)
{
    sweep_ctx ctx = {o, out, err, PD_OK, 0, pd_profile_sweep_size()};
    grid(time_point, &ctx);
    return time_nets(&ctx);
}

pd_status pd_profile_sweep_nets(const pd_profiler_options *o, pd_timings *out, pd_error *err)
{
    sweep_ctx ctx = {o, out, err, PD_OK, 0, PD_SWEEP_NETS};
    return time_nets(&ctx);
}
