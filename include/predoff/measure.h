/* Measured layer times (the profiler's output, a CSV file) and the least-squares fitter
 * that turns them into a tier profile (paper section 4.2). */
#ifndef PREDOFF_MEASURE_H
#define PREDOFF_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/profile.h"
#include "predoff/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The bytes a timing row keeps of its layer's name, its end included: ONNX exports name
 * layers by their path in the module ("/features/features.6/.../block.2/fc1/Conv"), and
 * longer names are cut (the CSV reader refuses them). */
#define PD_TIMING_LAYER_BYTES 256

/* One timed layer: a row of a profile CSV. */
typedef struct pd_layer_timing {
    char source[64];   /* the model it came from, or "sweep" */
    char layer[PD_TIMING_LAYER_BYTES];
    pd_layer_type type;
    pd_layer_kind kind; /* pd_layer_kind_of the layer; PD_KIND_NONE also when not given */
    double features[PD_FEATURE_COUNT];  /* indexed by pd_feature */
    double shape[PD_SHAPE_COLUMN_COUNT]; /* indexed by pd_shape_column; NAN: not given */
    double median_ms, p10_ms, p90_ms;
    double mean_ms;    /* NAN when not given; under a CPU quota the mean, not the median,
                        * shows the throttling */
    size_t repeats;
    /* the layer whose pass a run runs this one in (pd_graph_fused_into): its time in a run
     * is that layer's, and this row's time is its own pass alone; "" for a layer of its own
     * pass */
    char fused_into[PD_TIMING_LAYER_BYTES];
    double warm_ms; /* 0: not given; else the median of the same layer timed again with its
                     * weights left in the cache, run after run (the sweep gives it for
                     * layers whose run touches at most PD_SWEEP_WARM_MAX_BYTES): what a
                     * layer of a small model takes, its run_bytes its own weights, input
                     * and output (learned models read it as a second row) */
    double reuse_ms;    /* 0: not given; else the median of the same layer timed again with
                         * a buffer read through and an idle wait between runs
                         * (pd_sweep_reuse_idle_ms): what a layer of a model that touches
                         * reuse_bytes in one run of reuse_run_ms takes, its weights evicted
                         * from L2 by the rest of the run and, if it fits and the wait is
                         * short, left in L3 (the sweep gives it with warm_ms; learned
                         * models read it as a third row) */
    double reuse_bytes; /* that run's bytes (its run_bytes); given with reuse_ms, else 0 */
    double reuse_run_ms; /* that run's time from one start to the next (its run_ms: the
                          * buffer read, an idle wait and the run); 0: not given (it may be
                          * missing beside reuse_ms, in files from before it was measured) */
} pd_layer_timing;

typedef struct pd_timings {
    size_t n, cap;
    pd_layer_timing *rows;  /* owned */
} pd_timings;

/* Puts each row's mean in place of its median, so that a fit or an evaluation uses the
 * means (and drops warm_ms, a median); fails, naming the row, if one has no mean. */
pd_status pd_timings_use_mean(pd_timings *t, pd_error *err);

/* Removes the rows whose median_ms is below min_ms[type] (keeping the others in order);
 * returns how many went. For a fit over the range of times that matters: layers of a few
 * microseconds are fixed costs and timer resolution more than work. */
size_t pd_timings_drop_below(pd_timings *t, const double min_ms[PD_LAYER_TYPE_COUNT]);

/* Moves the rows whose source is one of the comma-separated `sources` from t to held (both
 * keep their order). A listed source with no rows is PD_EINPUT: "<name> has no timings from
 * \"SOURCE\"", name naming t (its file). */
pd_status pd_timings_hold_out(pd_timings *t, const char *sources, const char *name,
                              pd_timings *held, pd_error *err);

/* Appends a copy of row (grows the array). */
pd_status pd_timings_add(pd_timings *t, const pd_layer_timing *row, pd_error *err);
void pd_timings_free(pd_timings *t);


/* The profile CSV: a header line naming the columns
 *   source,layer,type,<every feature name>,median_ms,p10_ms,p90_ms,mean_ms,repeats,kind,
 *   <every shape column name>,fused_into
 * then one line per layer (kind: "conv/depthwise", or the type's name for a layer with no
 * kind of its own; the shape columns: pd_shape_column). The reader finds columns by name
 * (any order; extra columns ignored; a file without kind reads every row as PD_KIND_NONE,
 * one without a shape column reads it as not given, NAN; one without fused_act_elems reads
 * it as 0 and one without fused_into as "": nothing fused, as before); every error names
 * the file, line and column. */
pd_status pd_timings_write_csv(const pd_timings *t, FILE *f);
/* The same with a last column, predicted_ms: pred[t->n] (a profile's predictions,
 * pd_profile_predict_timings; NAN written empty), or none for a NULL pred. It reads back as
 * the timings. */
pd_status pd_timings_write_csv_predicted(const pd_timings *t, const double *pred, FILE *f);
pd_status pd_timings_parse_csv(const char *text, size_t len, const char *source,
                               pd_timings *out, pd_error *err);
pd_status pd_timings_read_csv(const char *path, pd_timings *out, pd_error *err);

/* Timings from elsewhere (another framework, a phone): a file in the form above whose rows
 * give type, the shape columns and median_ms, the feature columns missing or empty. The
 * readers take such a file; pd_timings_complete then builds each row's layer as predoff
 * would (input [channels, height, width]; a conv's filters, kernel_h, kernel_w, stride,
 * pad (on every side), groups; an fc's out_channels; a pool's kernel_h, stride, pad, or
 * its kind pool/global; two inputs of the row's shape for add, mul and concat) and puts
 * the layer's kind, features and shape columns in the row. A row whose columns make no
 * layer, whose given out_* columns or kind differ from the layer's, or that lacks a column
 * its type needs is PD_EINPUT naming the row (1-based) and the column; so is a given shape
 * column the layer does not take as given (a pool's kernel_w other than its kernel_h, a
 * relu's filters), and a layer whose features a timings CSV cannot hold (beyond 1e15). Given
 * feature columns are replaced by predoff's, but the engine's (pd_feature_of_engine:
 * runtime_macs, transform_elems, what predoff's own kernels would do) are left not given
 * (NaN): another engine timed the rows, so a fit of them must not rest on ours. The shapes readers refuse a line with more
 * fields than the header (fit's reader ignores them). On error, t's rows before the bad one
 * are completed, the others as read. */
pd_status pd_timings_parse_shapes_csv(const char *text, size_t len, const char *source,
                                      pd_timings *out, pd_error *err);
pd_status pd_timings_read_shapes_csv(const char *path, pd_timings *out, pd_error *err);
pd_status pd_timings_complete(pd_timings *t, pd_error *err);
/* Row's type, kind, features (the engine's from this runtime; run_bytes g's own,
 * pd_graph_run_bytes, which the profiler replaces with this runtime's) and shape columns
 * from layer i of g, as the profiler writes them. */
void pd_timing_describe(const pd_graph *g, size_t i, pd_layer_timing *row);

/* Moves round(share * n) of t's n rows (share in [0, 1]), drawn at random by `seed`, to
 * test; both keep their order. The same seed and rows give the same split. */
pd_status pd_timings_split(pd_timings *t, double share, uint64_t seed, pd_timings *test,
                           pd_error *err);

/* The profiler: each layer timed where it runs, inside whole runs of its model: the path of
 * each exit (pd_net_run on a fixed random input) is run `warmup` times untimed, then
 * `repeats` times, and more until those runs add up to min_window_ms, and each layer takes
 * the times of the runs of the first exit whose sub-graph holds it, the exits taken by what
 * their runs touch as this runtime holds the layers, most first (pd_graph_measure_runs with
 * pd_runtime_hook: the trunk's before a branch's; each row's run_bytes so too); the
 * median, 10th and 90th percentile and the mean of them. Timed so, a layer meets the caches
 * as a run leaves them (its weights evicted by the other layers', its input just written):
 * timed alone, back to back, it found its weights and inputs in the cache, and a network's
 * layers took 4 to 34% less in all (an fc with 4 MB of weights 4 to 7 times less;
 * docs/PERFORMANCE.md). A ReLU that
 * the runtime runs inside its convolution's pass (pd_runtime_fused_into) has no time of its
 * own in a run: it is timed alone (what it costs unfused) and its row names the layer in
 * fused_into; that layer's row holds both, and its feature fused_act_elems counts them.
 * With `alone`, every layer is timed alone instead, on random inputs of its shapes, and the
 * window is each layer's. The window is for a tier under a CPU quota (cgroup cpu.max): its
 * stalls (e.g. 9 ms in every 10) land in a few runs at random, and only a window of many
 * quota periods gives each layer its fair share. */
typedef void (*pd_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct pd_profiler_options {
    size_t repeats;          /* timed runs per layer (30) */
    size_t warmup;           /* untimed runs first (5) */
    double min_window_ms;    /* go on timing until the timed runs add up to this (0) */
    bool alone;              /* time each layer alone, not inside whole runs (false) */
    bool cold_weights;       /* flush the weights from the caches before each run (false;
                              * the sweep's: a single layer would find them in the cache,
                              * which a layer of a large model never does) */
    const float *evict;      /* read through before each run, when not NULL: evict_floats of
                              * them, and then the net's activation buffers and scratch
                              * (pd_net_touch_buffers) and the run's input again; the caches
                              * as a run of a model that touches that many bytes more than
                              * this one leaves them (a layer's weights out of L2, in L3 if
                              * they and the buffer fit there; its activations just written
                              * by the layers before) */
    size_t evict_floats;
    double idle_ms;          /* before each run, after the read through evict: wait this long
                              * busy but touching no memory (0), as a layer's weights wait
                              * while the rest of a long run computes: the host's other work
                              * evicts them meanwhile (its other tenants, on a shared
                              * machine); the activations are read again after it, as with
                              * evict */
    uint64_t seed;           /* inputs and, for the sweep, weights */
    int threads;             /* each net's (pd_net_new; 0: pd_threads_default()) */
    pd_progress_fn progress; /* called after each layer; may be NULL */
    void *progress_ctx;
} pd_profiler_options;

void pd_profiler_options_init(pd_profiler_options *o);

/* Times every layer of g with weights w; appends one row per layer (source = g->name). */
pd_status pd_profile_model(const pd_graph *g, const pd_weights *w,
                           const pd_profiler_options *o, pd_timings *out, pd_error *err);

/* Times each layer type over a grid of shapes, as Neurosurgeon and Edgent gathered their
 * regression data, so a fit does not rest on one model's few layers (source = "sweep"). */
pd_status pd_profile_sweep(const pd_profiler_options *o, pd_timings *out, pd_error *err);
/* How many layers the sweep times (for progress bars): the grid's points and the networks
 * below, each counted once. */
size_t pd_profile_sweep_size(void);
/* After its grid the sweep times PD_SWEEP_NETS small random multi-exit networks as a model
 * is timed (pd_profile_model; their sources "sweepnet-K"), so that its rows hold layers in
 * runs as a network's are: inputs just written, weights waiting while the rest of the run
 * computes, what the runtime fuses fused. pd_sweep_net_json writes network `index`'s JSON
 * model (deterministic in the index: every round times the same networks) into buf; false
 * if it does not fit in n bytes (PD_SWEEP_NET_JSON_MAX always suffices). */
#define PD_SWEEP_NETS 96
#define PD_SWEEP_NET_JSON_MAX 32768
bool pd_sweep_net_json(size_t index, char *buf, size_t n);
/* Those networks alone, appended to out (the adaptive sweep's, after its points); progress,
 * when given, after each of the PD_SWEEP_NETS. */
pd_status pd_profile_sweep_nets(const pd_profiler_options *o, pd_timings *out, pd_error *err);
/* A sweep point whose layer has weights and whose input, weights and output come to at most
 * this many bytes is timed warm too (warm_ms): as a
 * layer of a model that small meets its weights, in the cache. Its cold row's run_bytes
 * reads PD_SWEEP_COLD_RUN_BYTES: as a layer of a model too large for the cache meets them.
 * Learned models split on run_bytes between the two. */
#define PD_SWEEP_WARM_MAX_BYTES (8.0 * 1024 * 1024)
/* Such a point is timed a third time when the options give a buffer (evict, at least
 * PD_SWEEP_REUSE_MAX_BYTES): with pd_sweep_reuse_bytes(index) of it read through between
 * runs (reuse_ms, at reuse_bytes: the point's own bytes and those), as a layer of a model
 * whose run touches that much meets its weights: out of L2, in L3 while the run fits it.
 * The bytes differ from point to point, so that learned models see where a run outgrows
 * the caches. The cold rows' run_bytes read past them all: PD_SWEEP_COLD_RUN_BYTES. */
#define PD_SWEEP_REUSE_MAX_BYTES (64.0 * 1024 * 1024)
#define PD_SWEEP_COLD_RUN_BYTES (256.0 * 1024 * 1024)
double pd_sweep_reuse_bytes(size_t index);
/* That third timing also waits pd_sweep_reuse_idle_ms(index) before each run (0 to 8 ms,
 * o->idle_ms), so that a run's bytes and its time vary apart; its row's reuse_run_ms is
 * the measured time from one run's start to the next's. It takes a third of o->repeats
 * (at least 5) after at most 2 warm-up runs. The cold rows' run_ms read as waits longer
 * than any run's: PD_SWEEP_COLD_RUN_MS. */
double pd_sweep_reuse_idle_ms(size_t index);
#define PD_SWEEP_COLD_RUN_MS 1000.0
/* A buffer for it: PD_SWEEP_REUSE_MAX_BYTES, written (a page never written reads from one
 * shared page, and would evict nothing); *floats receives its length. NULL: no memory.
 * The caller frees it. */
float *pd_sweep_evict_new(size_t *floats);
/* Times one point as the sweep does: the last layer of g (a sweep point's single-layer
 * model, named "sweep"), inside whole runs of g, its weights random from o->seed + index and
 * flushed from the caches before each run (its run_bytes then PD_SWEEP_COLD_RUN_BYTES), and
 * again left in them if it is a small layer with weights (warm_ms, above), and then with
 * o->evict read between runs if given (reuse_ms, above; o->evict_floats at least
 * PD_SWEEP_REUSE_MAX_BYTES / 4; the other timings read none of it); appends that
 * layer's row alone, named "TYPE-index" (the rows of g's other layers, e.g. a "pre", are
 * not kept). */
pd_status pd_profile_sweep_graph(const pd_profiler_options *o, const pd_graph *g, size_t index,
                                 pd_timings *out, pd_error *err);

/* Rounds: the same timings taken n_rounds times over one run (rounds[r] from round r, the
 * same layers in the same order), merged into one row per layer appended to out: the
 * median over the rounds of each round's median, 10th and 90th percentile, the mean of all
 * timed runs, the runs summed. A shared host drifts; spread over rounds, the drift touches
 * every layer alike. Fails, naming the round and row, if the rounds' layers differ. */
pd_status pd_timings_merge_rounds(const pd_timings *rounds, size_t n_rounds, pd_timings *out,
                                  pd_error *err);

/* Which features each layer type's model may use. */
typedef enum pd_feature_choice {
    PD_FEATURES_PAPER, /* table 4.1: conv in_elems + kernel_filters, pool/fc in + out, else in */
    PD_FEATURES_MACS,  /* macs (in_elems for types without multiply-accumulates) */
    PD_FEATURES_AUTO,  /* per type, the candidate set with the lowest cross-validated error */
} pd_feature_choice;

/* How well one layer type's or kind's model fits. An array of quality rows has
 * PD_FIT_QUALITY_ROWS of them: one per type (index t, kind PD_KIND_NONE), then one per kind
 * (index PD_LAYER_TYPE_COUNT + k, of kind k and its type; the row of PD_KIND_NONE there is
 * never used). */
enum { PD_FIT_QUALITY_ROWS = PD_LAYER_TYPE_COUNT + PD_LAYER_KIND_COUNT };
typedef struct pd_fit_quality {
    pd_layer_type type;
    pd_layer_kind kind;
    size_t samples;
    double r2;        /* on all samples */
    double mape;      /* mean absolute percentage error on all samples, in % */
    double cv_mape;   /* k-fold cross-validated, in %; NAN with fewer than k samples */
    double within_10; /* the share of samples predicted within 10% of their time */
    bool boosted;     /* the model is boosted trees (else linear) */
    int depth, rounds; /* boosted: the trees' depth and number, as cross-validation chose */
    double eta;        /* boosted: the learning rate chosen */
} pd_fit_quality;

/* Which kind of latency model each type (or kind) gets. */
typedef enum pd_model_choice {
    PD_MODEL_LINEAR,  /* least squares (the paper's) */
    PD_MODEL_BOOSTED, /* gradient-boosted trees (XGBoost) where they can be fitted */
    PD_MODEL_AUTO,    /* per type or kind, the one of lower cross-validated MAPE */
} pd_model_choice;

typedef struct pd_fit_options {
    pd_feature_choice features;
    size_t folds;      /* k of the cross-validation (5) */
    uint64_t seed;     /* the folds' shuffle */
    bool no_kinds;     /* one model per type, whatever kinds the rows have (false) */
    pd_model_choice model; /* (PD_MODEL_LINEAR) */
} pd_fit_options;

void pd_fit_options_init(pd_fit_options *o);

/* Fits one linear model per layer type present in t, by least squares on the relative
 * error (each row weighted by 1 / its time) with LAPACKE; writes them into *out (a new
 * profile named `name`, owned by the caller) and one quality row per fitted model into
 * quality[PD_FIT_QUALITY_ROWS] (models not fitted get samples = 0). The rows of a kind
 * (pd_layer_kind) get a model of their own, and leave their type's, when that lowers the
 * cross-validated error over the type's rows (and both keep `folds` rows or more); a type
 * all of whose rows went to kinds keeps a model over all of them, for its other layers. */
pd_status pd_fit_profile(const pd_timings *t, const pd_fit_options *o, const char *name,
                         pd_profile **out, pd_fit_quality *quality, pd_error *err);

/* The boosted trees of `predoff fit --model boosted|auto` (pd_fit_profile calls it after the
 * linear fit, which decided the entries: each type, and each kind split off). For each
 * entry of p with `folds` rows or more and a column that varies: trees over the columns its
 * rows all give (PD_BOOSTED_COLUMNS, those that vary) predicting log(ms), their depth,
 * learning rate and rounds chosen by k-fold cross-validation on those rows (the linear
 * fit's folds), with a fixed seed and thread count, so a fit is the same every run. With
 * BOOSTED they replace the entry's linear model; with AUTO only when their CV MAPE is lower.
 * The entry's quality row then describes the trees. */
pd_status pd_fit_boosted(const pd_timings *t, const pd_fit_options *o, pd_profile *p,
                         pd_fit_quality *quality, pd_error *err);

/* Column c (graph.h's pd_column numbering) of a timing: a feature or a shape column. */
double pd_timing_column(const pd_layer_timing *r, int c);
/* Every row's predicted time (clamped at 0) by the entry of p that costs it
 * (pd_profile_model_for) into pred[t->n]; NAN for a row p has no model for, or that lacks a
 * feature its model needs. One XGBoost call per boosted entry. */
pd_status pd_profile_predict_timings(const pd_profile *p, const pd_timings *t, double *pred,
                                     pd_error *err);

/* How well a profile predicts timings it was not fitted on (layers of real models
 * measured apart): per type and kind, samples, R^2, MAPE and within_10 of the clamped
 * predictions
 * against the medians (cv_mape is NAN), each row under its kind's quality row (its type's
 * for PD_KIND_NONE) whichever model costs it (pd_profile_model_for); rows the profile has no
 * model for are left out. Rows without samples get samples = 0. */
pd_status pd_profile_evaluate(const pd_profile *p, const pd_timings *t, pd_fit_quality *quality,
                              pd_error *err);
/* The same figures for given predictions pred[t->n] (rows whose prediction is not finite
 * left out; pred is not read when t has no rows): quality[PD_FIT_QUALITY_ROWS], boosted
 * false. With cross-validated predictions (pd_fit_cv_predict), the CV error per type. */
void pd_timings_score(const pd_timings *t, const double *pred, pd_fit_quality *quality);

/* Every row's k-fold cross-validated prediction into cv_pred[t->n]: each type's rows (each
 * kind's apart) dealt over o->folds folds by a shuffle seeded from o->seed (the sweep's grid
 * points one by one, all of one model's rows into one fold), and each fold
 * predicted by pd_fit_profile (linear or boosted as o->model says) fitted on the others.
 * NAN for a row the other folds give no model for. A fold's fit that fails fails the whole,
 * its message prefixed "fold F of K: ". */
pd_status pd_fit_cv_predict(const pd_timings *t, const pd_fit_options *o, double *cv_pred,
                            pd_error *err);

/* Writes a profile as JSON that pd_profile_open reads back. */
pd_status pd_profile_write_json(const pd_profile *p, FILE *f, pd_error *err);
/* The same to path ("-": standard output). A path that cannot be opened is PD_EINPUT; a
 * failed write removes a regular file it left half-written (never a device such as
 * /dev/full). */
pd_status pd_profile_write_path(const pd_profile *p, const char *path, pd_error *err);

/* The link as the cost model sees it: every transfer of B bytes costs
 * delay_ms + 8 B / rate_bps (seconds, shown in ms). */
typedef struct pd_link_fit {
    double delay_ms;  /* per hop, one way: half the round trip's intercept */
    double rate_bps;  /* the rate both ways (the round trip's slope is 2 x 8 / rate) */
    double r2;        /* of the line through the per-size means */
} pd_link_fit;

/* Fits mean round trip = 2 delay + 2 x 8 bytes / rate by least squares (LAPACKE) over
 * n sizes: bytes[i] each way, mean_ms[i] its mean round trip. Needs 2 to 64 sizes of
 * different bytes (else PD_EINPUT). When the line does not rise, the rate is too high for
 * these sizes to show: rate_bps is INFINITY, delay_ms half the mean round trip, r2 0. */
pd_status pd_link_fit_means(const double *bytes, const double *mean_ms, size_t n,
                            pd_link_fit *out, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
