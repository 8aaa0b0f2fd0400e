/* The profiler: every layer timed alone, with warm-up, on a random input of its shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "predoff/measure.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

void pd_profiler_options_init(pd_profiler_options *o)
{
    *o = (pd_profiler_options){.repeats = 30, .warmup = 5, .seed = 1};
}

pd_status pd_profile_model(const pd_graph *g, const pd_weights *w,
                           const pd_profiler_options *o, pd_timings *out, pd_error *err)
{
    pd_net *net;
    pd_status st = pd_net_new(g, w, "weights", o->threads, &net, err);
    if (st)
        return st;
    size_t max_in = 1, max_inputs = 1; /* every input of every layer */
    for (size_t i = 0; i < g->n_layers; i++) {
        size_t n;
        const int32_t *in = pd_topology_inputs(g->topo, i, &n);
        for (size_t j = 0; j < n; j++) {
            pd_shape s = in[j] == PD_TENSOR_INPUT ? g->input : g->layers[in[j]].out;
            max_in = (size_t)pd_shape_elems(s) > max_in ? (size_t)pd_shape_elems(s) : max_in;
        }
        max_inputs = n > max_inputs ? n : max_inputs;
    }
    size_t repeats = o->repeats ? o->repeats : 1, cap = repeats;
    float *input = malloc(max_in * sizeof *input);
    double *ms = malloc(repeats * sizeof *ms);
    const float **ins = malloc(max_inputs * sizeof *ins);
    if (!input || !ms || !ins) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
        goto done;
    }
    pd_rng rng;
    pd_rng_seed(&rng, o->seed);
    for (size_t i = 0; i < max_in; i++)
        input[i] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    for (size_t i = 0; i < g->n_layers && !st; i++) {
        const pd_layer *l = &g->layers[i];
        size_t n_ins;
        pd_topology_inputs(g->topo, i, &n_ins);
        for (size_t j = 0; j < n_ins; j++) /* one random tensor serves every input */
            ins[j] = input;
        const float *y;
        /* `repeats` timed runs, then more until they add up to the window */
        size_t runs = 0;
        double sum = 0.0;
        for (size_t r = 0; !st && (r < o->warmup + repeats || sum < o->min_window_ms); r++) {
            double t;
            st = pd_net_run_layer(net, i, ins, n_ins, &y, &t, err);
            if (st || r < o->warmup)
                continue;
            if (runs == cap) {
                double *more = realloc(ms, 2 * cap * sizeof *ms);
                if (!more) {
                    st = pd_error_set(err, PD_ENOMEM, "out of memory");
                    break;
                }
                ms = more;
                cap *= 2;
            }
            ms[runs++] = t;
            sum += t;
        }
        if (st)
            break;
        pd_sort_doubles(ms, runs);
        pd_layer_timing row = {.type = l->type, .repeats = runs};
        snprintf(row.source, sizeof row.source, "%s", g->name);
        snprintf(row.layer, sizeof row.layer, "%s", l->name);
        for (int f = 0; f < PD_FEATURE_COUNT; f++) /* the engine timed is this runtime */
            row.features[f] = pd_feature_of_engine((pd_feature)f)
                                  ? pd_runtime_feature(l, (pd_feature)f)
                                  : pd_graph_feature(g, i, (pd_feature)f);
        row.median_ms = pd_quantile_sorted(ms, runs, 0.5);
        row.p10_ms = pd_quantile_sorted(ms, runs, 0.1);
        row.p90_ms = pd_quantile_sorted(ms, runs, 0.9);
        row.mean_ms = sum / (double)runs;
        st = pd_timings_add(out, &row, err);
        if (!st && o->progress)
            o->progress(o->progress_ctx, i + 1, g->n_layers);
    }
done:
    free(input);
    free(ms);
    free(ins);
    pd_net_free(net);
    return st;
}
