/* Tier latency profiles: one linear model per layer type, and measured times per layer of
 * named models, in milliseconds. */
#ifndef PREDOFF_PROFILE_H
#define PREDOFF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/error.h"
#include "predoff/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Gradient-boosted trees (formats.md, "learned models"): an XGBoost model over named
 * columns (graph.h's pd_column numbering), predicting a layer's time. Opaque; one model is
 * not to be used by two threads at once. */
typedef struct pd_boosted pd_boosted;

/* One entry of a profile's "layers": t = intercept + sum_i coef[i] * feature[i]
 * (milliseconds, not clamped), or, when `boosted` is set, those trees (owned by the
 * profile; n, features, coef and intercept are then unused). `present`: the entry exists. */
typedef struct pd_linear_model {
    bool present;
    int n;
    pd_feature features[PD_FEATURE_COUNT];
    double coef[PD_FEATURE_COUNT];
    double intercept;
    pd_boosted *boosted;
} pd_linear_model;

/* The columns the trees read, in order; *n gets their count. */
const int *pd_boosted_columns(const pd_boosted *b, int *n);
/* What trees predict: the time in ms, or with `log` its logarithm; with per >= 0 the time
 * per unit of column cols[per] (the entry's "target": "log_ms" and "per": NAME, formats
 * extensions), so that trees learn a rate, which shapes between the fitted ones share; with
 * n_base > 0 the time over a linear base, max(base_min_ms, base_intercept + sum of
 * base_coef[j] * column base_col[j]) (the entry's "base"): the trees correct the linear
 * model where it errs. */
typedef struct pd_boosted_target {
    bool log;
    int per; /* an index into the columns, or -1 */
    int n_base; /* 0: no base */
    int base_col[PD_FEATURE_COUNT]; /* indices into the columns */
    double base_coef[PD_FEATURE_COUNT], base_intercept, base_min_ms;
} pd_boosted_target;
pd_boosted_target pd_boosted_target_of(const pd_boosted *b);
/* What a row's predicted time is relative to: the per column's value, the linear base, or
 * 1; x holds the row's columns (those of pd_boosted_columns). */
double pd_boosted_base(const pd_boosted_target *t, const double *x);
/* The time in ms, clamped at 0 (times the profile's scale), of n rows x[n][columns] (row
 * major, the columns of pd_boosted_columns), into out[n]: one XGBoost call for them all. */
pd_status pd_boosted_predict(const pd_boosted *b, const double *x, size_t n, double *out,
                             pd_error *err);
void pd_boosted_free(pd_boosted *b);
/* Reads the model file at path for an entry over columns cols[n] (checked for size and
 * form, then given to XGBoost); `name` is what the profile calls the file, kept for writing
 * it again. Messages start with the path. */
pd_status pd_boosted_read(const char *path, const char *name, const int *cols, int n,
                          pd_boosted_target target, pd_boosted **out, pd_error *err);

/* One model's measured layer times (formats.md, "measured"): they replace the linear
 * models for those layers. */
typedef struct pd_measured_layer {
    char *layer;
    double ms; /* finite, in [0, PD_MEASURED_MAX_MS] */
} pd_measured_layer;
typedef struct pd_measured_model {
    char *model;              /* matched exactly against pd_graph's name */
    size_t n;                 /* at least 1 */
    pd_measured_layer *layer; /* in the order given, each name once */
    size_t *by_name;          /* the indices of layer sorted by name (strcmp), for lookup */
} pd_measured_model;
/* Bounds of a measured table: a time (a day, in ms: more is a mistake of unit), models,
 * layers of one model, the bytes of a name. */
#define PD_MEASURED_MAX_MS 8.64e7
enum {
    PD_MEASURED_MAX_MODELS = 1024,
    PD_MEASURED_MAX_LAYERS = 1 << 22,
    PD_MEASURED_MAX_NAME = 4096
};

typedef struct pd_profile {
    char *name;
    char *note; /* where the numbers come from; may be NULL */
    char *source; /* the file (or preset) it was read from, for messages; may be NULL */
    pd_linear_model layer[PD_LAYER_TYPE_COUNT];
    /* Models of kinds (graph.h's pd_layer_kind, "conv/depthwise"): a layer of kind k is
     * costed by kind[k] when present, else by its type's layer[t]. kind[PD_KIND_NONE] is
     * never present. */
    pd_linear_model kind[PD_LAYER_KIND_COUNT];
    pd_linear_model load;  /* model loading, over weight bytes; optional */
    pd_linear_model parse; /* result parsing on the mobile, over model bytes; optional */
    size_t n_measured;
    pd_measured_model *measured; /* each model name once */
    /* "fuses": the tier's engine runs a layer that the graph's engine hook fuses
     * (pd_graph_fused_into) inside its producer's pass, and the models cost that producer as
     * the fused kernel (its fused_act_elems): the planner then costs the fused layer 0 where
     * it runs with its producer (cost-model.md as amended in docs/FORMATS-EXTENSIONS.md).
     * False: every layer its own pass, as before */
    bool fuses;
} pd_profile;

/* A profile's entries by one index e: the types' (layer[e]) then the kinds'
 * (kind[e - PD_LAYER_TYPE_COUNT]); the name a profile's "layers" gives entry e ("conv",
 * "conv/depthwise"). */
enum { PD_PROFILE_ENTRIES = PD_LAYER_TYPE_COUNT + PD_LAYER_KIND_COUNT };
const pd_linear_model *pd_profile_entry(const pd_profile *p, int e);
const char *pd_profile_entry_name(int e);

/* Parses a JSON tier profile; `source` names it in error messages. A boosted entry's file
 * is read from directory `dir` (pd_profile_from_json_in; "" the current one); without a
 * directory (pd_profile_from_json) a boosted entry is an error. */
pd_status pd_profile_from_json(const char *text, size_t len, const char *source,
                               pd_profile **out, pd_error *err);
pd_status pd_profile_from_json_in(const char *text, size_t len, const char *source,
                                  const char *dir, pd_profile **out, pd_error *err);
/* Opens a preset by name, or else reads the JSON file at that path. */
pd_status pd_profile_open(const char *name_or_path, pd_profile **out, pd_error *err);
void pd_profile_free(pd_profile *p);

/* The model's value for a feature vector indexed by pd_feature. */
double pd_linear_predict(const pd_linear_model *m, const double features[PD_FEATURE_COUNT]);

/* The model that costs a layer of type t and kind k: kind k's when p has one, else type
 * t's (which may be absent: `present` false). */
const pd_linear_model *pd_profile_model_for(const pd_profile *p, pd_layer_type t, pd_layer_kind k);

/* Compute time of layer i of g on this tier, per cost-model.md: its measured time when p
 * has one (pd_profile_measured_ms), else max(0, prediction) by the model
 * pd_profile_model_for gives for its type and kind. */
double pd_profile_layer_ms(const pd_profile *p, const pd_graph *g, size_t i);

/* Every layer's compute time on this tier into ms[g->n_layers], as pd_profile_layer_ms
 * gives it, with the layers of one boosted entry predicted together (one matrix for them
 * all); but trees that read run_ms read each layer's run at the time this prediction adds
 * it up to (pd_graph_run_sums over its own times: first as the trees' linear bases add the
 * runs up, then from the sums until no run moves by more than 1%, at most five
 * predictions), where pd_profile_layer_ms, one layer alone, gives them
 * none (NaN). Fails only when XGBoost does, or memory runs out. */
pd_status pd_profile_layers_ms(const pd_profile *p, const pd_graph *g, double *ms,
                               pd_error *err);
/* The same with every layer as a pass of its own, nothing fused into it (its
 * fused_act_elems 0): what a producer costs when a placement puts what it fuses on another
 * tier. Measured times are as measured. */
pd_status pd_profile_layers_own_ms(const pd_profile *p, const pd_graph *g, double *ms,
                                   pd_error *err);
/* Both at once, into ms and own (two distinct arrays of n_layers doubles, neither NULL):
 * what the two calls give, bit for bit, with the runs that trees reading run_ms need
 * settled once for both. */
pd_status pd_profile_layers_both_ms(const pd_profile *p, const pd_graph *g, double *ms,
                                    double *own, pd_error *err);

/* The table of the model named `model` (exactly), or NULL. */
const pd_measured_model *pd_profile_measured_for(const pd_profile *p, const char *model);
/* Whether the table t (may be NULL) has a time for that layer; the time into *ms. */
bool pd_measured_find(const pd_measured_model *t, const char *layer, double *ms);
/* Whether p has a measured time for layer i of g (the table of g's name); into *ms. */
bool pd_profile_measured_ms(const pd_profile *p, const pd_graph *g, size_t i, double *ms);
/* How many layers of g p has measured times for. */
size_t pd_profile_measured_count(const pd_profile *p, const pd_graph *g);

/* Adds the table of one model to p: n layers' names and times, checked as the JSON reader
 * checks them (names not empty and at most PD_MEASURED_MAX_NAME bytes, each once; times
 * finite in [0, PD_MEASURED_MAX_MS]; 1 to PD_MEASURED_MAX_LAYERS layers; the model not
 * already in p, and p's models at most PD_MEASURED_MAX_MODELS). The message names the model
 * and layer at fault; p is unchanged on failure. */
pd_status pd_profile_add_measured(pd_profile *p, const char *model, size_t n,
                                  const char *const *layers, const double *ms, pd_error *err);

/* Fails, naming profile and type, when p has no model for a layer type g uses (nor for
 * the layer's kind) where it has no measured time, or one reads an engine feature
 * (pd_feature_of_engine) and g has no feature hook. The message for a missing type ends
 * with the fix: the built-in profiles that have a model for it, and how to fit one. Fails,
 * naming profile, file, model and layer, when p's table for g names a layer g lacks, or g
 * has an opaque layer p has no measured time for. */
pd_status pd_profile_covers(const pd_profile *p, const pd_graph *g, pd_error *err);

/* Makes p's tier `factor` times slower (factor > 1) or faster: every layer and kind
 * model's coefficients and intercept, every boosted model's predictions and every measured
 * time are multiplied by it, so each layer's compute time is; loading and parsing, which are not the tier's compute,
 * stay. p->name becomes "NAME xFACTOR". A factor outside [PD_PROFILE_SCALE_MIN,
 * PD_PROFILE_SCALE_MAX], or a measured time that would pass PD_MEASURED_MAX_MS, is
 * PD_EINPUT naming the profile (and model and layer); p is unchanged on failure. */
#define PD_PROFILE_SCALE_MIN 1e-3
#define PD_PROFILE_SCALE_MAX 1e3
pd_status pd_profile_scale(pd_profile *p, double factor, pd_error *err);

typedef struct pd_preset_profile {
    const char *name;
    const char *json;
    size_t json_len;
} pd_preset_profile;

const pd_preset_profile *pd_preset_profiles(size_t *count);

#ifdef __cplusplus
}
#endif
#endif
