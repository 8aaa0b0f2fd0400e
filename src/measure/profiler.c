/* The profiler: every layer timed inside whole runs of its exits' paths (or, asked, alone),
 * with warm-up; see measure.h for why inside runs. Inputs are random: the network's for a
 * run, one tensor of its own for each input of a layer timed alone (a concat or add reading
 * one buffer twice would find the second read in the cache). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/stats.h"
#include "predoff/measure.h"
#include "predoff/rng.h"
#include "predoff/runtime.h"

void pd_profiler_options_init(pd_profiler_options *o)
{
    *o = (pd_profiler_options){.repeats = 30, .warmup = 5, .seed = 1};
}

static pd_status nomem(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

/* Room for one more value in *v (of capacity *cap). */
static pd_status grow(double **v, size_t n, size_t *cap, pd_error *err)
{
    if (n < *cap)
        return PD_OK;
    double *more = realloc(*v, 2 * *cap * sizeof **v);
    if (!more)
        return nomem(err);
    *v = more;
    *cap *= 2;
    return PD_OK;
}

/* Reads n floats from p, so that they take their place in the caches. */
static void read_through(const float *p, size_t n)
{
    float sum[16] = {0};
    for (size_t i = 0; i + 16 <= n; i += 16) /* a cache line a step */
        for (size_t j = 0; j < 16; j++)
            sum[j] += p[i + j];
    float all = 0.0f;
    for (size_t j = 0; j < 16; j++)
        all += sum[j];
    volatile float keep = all;
    (void)keep;
}

/* Busy for ms, touching no memory but the clock's. */
static void idle(double ms)
{
    if (!(ms > 0.0))
        return;
    const double until = pd_now_ms() + ms;
    while (pd_now_ms() < until)
        ;
}

/* Layer i's row from its `runs` timed runs ms[0..runs) (sorted here), summing to sum; timed
 * `in_run` (with what the runtime fuses into its pass) or alone, while the model's other
 * layers are timed in runs (`others_in_runs`: a fused layer's time in a run is then in its
 * producer's row); run_ms the median time from the start of one of its runs to the next's. */
static void make_row(const pd_graph *g, size_t i, double *ms, size_t runs, double sum,
                     bool in_run, bool others_in_runs, double run_ms, pd_layer_timing *row)
{
    const pd_layer *l = &g->layers[i];
    pd_sort_doubles(ms, runs);
    *row = (pd_layer_timing){.repeats = runs};
    snprintf(row->source, sizeof row->source, "%s", g->name);
    snprintf(row->layer, sizeof row->layer, "%s", l->name);
    pd_timing_describe(g, i, row);
    int32_t into = pd_runtime_fused_into(g, i);
    if (!in_run) { /* its pass alone: nothing in it but its own */
        row->features[PD_FEAT_FUSED_ACT_ELEMS] = 0.0;
        row->features[PD_FEAT_FUSED_EXP_ELEMS] = 0.0;
    }
    if (others_in_runs && into >= 0) /* timed alone, though a run runs it in that one's pass */
        snprintf(row->fused_into, sizeof row->fused_into, "%s", g->layers[into].name);
    row->median_ms = pd_quantile_sorted(ms, runs, 0.5);
    row->p10_ms = pd_quantile_sorted(ms, runs, 0.1);
    row->p90_ms = pd_quantile_sorted(ms, runs, 0.9);
    row->mean_ms = sum / (double)runs;
    row->features[PD_FEAT_RUN_MS] = run_ms;
}

/* The median of periods[0..n) (sorted here), the time from one run's start to the next's;
 * `fallback` when there are none. */
static double median_period(double *periods, size_t n, double fallback)
{
    if (!n)
        return fallback;
    pd_sort_doubles(periods, n);
    return pd_quantile_sorted(periods, n, 0.5);
}

/* What timing layers alone needs: one random buffer that holds all the inputs of any one
 * layer, end to end, and their pointers. */
typedef struct alone_inputs {
    float *data;
    const float **ins;
} alone_inputs;

static pd_status alone_inputs_new(const pd_graph *g, uint64_t seed, alone_inputs *a,
                                  pd_error *err)
{
    size_t max_in = 1, max_inputs = 1;
    for (size_t i = 0; i < g->n_layers; i++) {
        size_t n, sum = 0;
        const int32_t *in = pd_topology_inputs(g->topo, i, &n);
        for (size_t j = 0; j < n; j++) {
            pd_shape s = in[j] == PD_TENSOR_INPUT ? g->input : g->layers[in[j]].out;
            sum += (size_t)pd_shape_elems(s);
        }
        max_in = sum > max_in ? sum : max_in;
        max_inputs = n > max_inputs ? n : max_inputs;
    }
    a->data = malloc(max_in * sizeof *a->data);
    a->ins = malloc(max_inputs * sizeof *a->ins);
    if (!a->data || !a->ins)
        return nomem(err);
    pd_rng rng;
    pd_rng_seed(&rng, seed);
    for (size_t i = 0; i < max_in; i++)
        a->data[i] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    return PD_OK;
}

static void alone_inputs_free(alone_inputs *a)
{
    free(a->data);
    free(a->ins);
}

/* Times layer i alone: `warmup` untimed runs, `repeats` timed, more until they add up to
 * the window; its row into *row. */
static pd_status time_alone(pd_net *net, const pd_graph *g, size_t i, alone_inputs *a,
                            const pd_profiler_options *o, double **ms, size_t *cap,
                            pd_layer_timing *row, pd_error *err)
{
    size_t n_ins, at = 0;
    const int32_t *in = pd_topology_inputs(g->topo, i, &n_ins);
    for (size_t j = 0; j < n_ins; j++) { /* each input a random tensor of its own */
        a->ins[j] = a->data + at;
        at += (size_t)pd_shape_elems(in[j] == PD_TENSOR_INPUT ? g->input : g->layers[in[j]].out);
    }
    const size_t repeats = o->repeats ? o->repeats : 1;
    const float *y;
    size_t runs = 0;
    double sum = 0.0;
    pd_status st = PD_OK;
    for (size_t r = 0; !st && (r < o->warmup + repeats || sum < o->min_window_ms); r++) {
        double t;
        st = pd_net_run_layer(net, i, a->ins, n_ins, &y, &t, err);
        if (st || r < o->warmup)
            continue;
        if (!(st = grow(ms, runs, cap, err))) {
            (*ms)[runs++] = t;
            sum += t;
        }
    }
    /* run after run of the layer alone: from one start to the next, about its own time */
    if (!st)
        make_row(g, i, *ms, runs, sum, false, !o->alone, sum / (double)(runs ? runs : 1), row);
    return st;
}

/* Every layer inside whole runs of the first exit (in exits_by_run) whose sub-graph holds
 * it; into row[i]. A
 * layer that runs in a neighbour's pass there (pd_net_fused: a ReLU in its convolution's, a
 * sigmoid in its multiply's SiLU pass) is left to be timed alone (timed[i] false). */
static pd_status time_in_runs(pd_net *net, const pd_graph *g, const size_t *exits_by_run,
                              const pd_profiler_options *o,
                              pd_layer_timing *row, bool *timed, pd_error *err)
{
    const size_t repeats = o->repeats ? o->repeats : 1;
    const size_t n_in = (size_t)pd_shape_elems(g->input);
    size_t longest = 1;
    for (size_t k = 0; k < g->n_exits; k++) {
        size_t len;
        pd_net_path(net, k, &len);
        longest = len > longest ? len : longest;
    }
    float *x = malloc(n_in * sizeof *x);
    double *lm = malloc(longest * sizeof *lm);
    size_t cap = repeats;
    double *all = malloc(longest * cap * sizeof *all); /* [position][run] */
    double *ms = malloc(cap * sizeof *ms), *periods = malloc(cap * sizeof *periods);
    bool *owned = malloc(longest * sizeof *owned);
    pd_status st = PD_OK;
    if (!x || !lm || !all || !ms || !periods || !owned)
        st = nomem(err);
    pd_rng rng;
    pd_rng_seed(&rng, o->seed);
    for (size_t i = 0; !st && i < n_in; i++)
        x[i] = (float)(2.0 * pd_rng_uniform(&rng) - 1.0);
    /* a layer's exit is the first that holds it, the exits taken by what their runs touch,
     * most first (the trunk's before a branch's; its run_bytes, pd_graph_run_bytes) */
    bool *claimed = timed;
    for (size_t at = 0; at < g->n_exits && !st; at++) {
        const size_t k = exits_by_run[at];
        size_t len, n_owned = 0;
        const int32_t *path = pd_net_path(net, k, &len);
        for (size_t p = 0; p < len; p++) {
            owned[p] = !claimed[path[p]] && !pd_net_fused(net, k, p);
            n_owned += owned[p];
        }
        if (!n_owned)
            continue;
        const float *y;
        size_t ny, runs = 0, n_periods = 0;
        double sum = 0.0, last_start = NAN;
        for (size_t r = 0; !st && (r < o->warmup + repeats || sum < o->min_window_ms); r++) {
            for (size_t p = 0; o->cold_weights && p < len; p++)
                pd_net_evict(net, (size_t)path[p]);
            if (o->evict)
                read_through(o->evict, o->evict_floats);
            idle(o->idle_ms);
            if (o->evict || o->idle_ms > 0.0) { /* the activations as the layers before leave
                                                 * them: only the weights waited */
                pd_net_touch_buffers(net);
                read_through(x, n_in);
            }
            double t0 = pd_now_ms();
            st = pd_net_run(net, k, 0, len, x, n_in, &y, &ny, lm, err);
            double whole = pd_now_ms() - t0, since = t0 - last_start;
            last_start = t0;
            if (st || r < o->warmup)
                continue;
            if (runs == cap) {
                double *more = realloc(all, longest * 2 * cap * sizeof *all),
                       *more_ms = more ? realloc(ms, 2 * cap * sizeof *ms) : NULL,
                       *more_periods = more_ms ? realloc(periods, 2 * cap * sizeof *periods)
                                               : NULL;
                if (more)
                    all = more;
                if (more_ms)
                    ms = more_ms;
                if (!more || !more_ms || !more_periods) {
                    st = nomem(err);
                    break;
                }
                periods = more_periods;
                for (size_t p = len; p-- > 0;) /* [p][run] with twice the runs a row */
                    memmove(all + p * 2 * cap, all + p * cap, cap * sizeof *all);
                cap *= 2;
            }
            for (size_t p = 0; p < len; p++)
                all[p * cap + runs] = lm[p];
            if (!isnan(since))
                periods[n_periods++] = since;
            runs++;
            sum += whole;
        }
        const double run_ms = median_period(periods, n_periods, sum / (double)(runs ? runs : 1));
        for (size_t p = 0; p < len && !st; p++) {
            if (!owned[p])
                continue;
            double layer_sum = 0.0;
            for (size_t r = 0; r < runs; r++) {
                ms[r] = all[p * cap + r];
                layer_sum += ms[r];
            }
            make_row(g, (size_t)path[p], ms, runs, layer_sum, true, true, run_ms, &row[path[p]]);
            claimed[path[p]] = true;
        }
        if (!st && o->progress)
            o->progress(o->progress_ctx, at + 1, g->n_exits);
    }
    free(x);
    free(lm);
    free(all);
    free(ms);
    free(periods);
    free(owned);
    return st;
}

pd_status pd_profile_model(const pd_graph *g, const pd_weights *w,
                           const pd_profiler_options *o, pd_timings *out, pd_error *err)
{
    pd_net *net;
    pd_status st = pd_net_new(g, w, "weights", o->threads, &net, err);
    if (st)
        return st;
    size_t cap = o->repeats ? o->repeats : 1;
    double *ms = malloc(cap * sizeof *ms);
    pd_layer_timing *row = calloc(g->n_layers ? g->n_layers : 1, sizeof *row);
    bool *timed = calloc(g->n_layers ? g->n_layers : 1, sizeof *timed);
    /* what the runs touch as this runtime holds the layers, whatever g's own hook */
    double *exit_bytes = malloc(g->n_exits * sizeof *exit_bytes);
    size_t *claim = malloc(g->n_layers * sizeof *claim),
           *exits_by_run = malloc(g->n_exits * sizeof *exits_by_run);
    alone_inputs a = {0};
    if (!ms || !row || !timed || !exit_bytes || !claim || !exits_by_run)
        st = nomem(err);
    if (!st)
        st = pd_graph_measure_runs(g, &pd_runtime_hook, exit_bytes, claim, exits_by_run,
                                   err);
    if (!st && !o->alone)
        st = time_in_runs(net, g, exits_by_run, o, row, timed, err);
    bool any_alone = false;
    for (size_t i = 0; i < g->n_layers; i++)
        any_alone |= !timed[i];
    if (!st && any_alone)
        st = alone_inputs_new(g, o->seed, &a, err);
    for (size_t i = 0; i < g->n_layers && !st; i++) {
        if (!timed[i]) {
            st = time_alone(net, g, i, &a, o, &ms, &cap, &row[i], err);
            if (!st && o->progress && o->alone)
                o->progress(o->progress_ctx, i + 1, g->n_layers);
        }
    }
    for (size_t i = 0; i < g->n_layers && !st; i++) { /* in layer order, whichever way timed */
        row[i].features[PD_FEAT_RUN_BYTES] = exit_bytes[claim[i]];
        st = pd_timings_add(out, &row[i], err);
    }
    alone_inputs_free(&a);
    free(ms);
    free(row);
    free(timed);
    free(exit_bytes);
    free(claim);
    free(exits_by_run);
    pd_net_free(net);
    return st;
}
