/* Tier latency profiles: one linear model per layer type, in milliseconds. */
#ifndef PREDOFF_PROFILE_H
#define PREDOFF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/error.h"
#include "predoff/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

/* t = intercept + sum_i coef[i] * feature[i] (milliseconds, not clamped). */
typedef struct pd_linear_model {
    bool present;
    int n;
    pd_feature features[PD_FEATURE_COUNT];
    double coef[PD_FEATURE_COUNT];
    double intercept;
} pd_linear_model;

typedef struct pd_profile {
    char *name;
    char *note; /* where the numbers come from; may be NULL */
    pd_linear_model layer[PD_LAYER_TYPE_COUNT];
    /* Models of kinds (graph.h's pd_layer_kind, "conv/depthwise"): a layer of kind k is
     * costed by kind[k] when present, else by its type's layer[t]. kind[PD_KIND_NONE] is
     * never present. */
    pd_linear_model kind[PD_LAYER_KIND_COUNT];
    pd_linear_model load;  /* model loading, over weight bytes; optional */
    pd_linear_model parse; /* result parsing on the mobile, over model bytes; optional */
} pd_profile;

/* Parses a JSON tier profile; `source` names it in error messages. */
pd_status pd_profile_from_json(const char *text, size_t len, const char *source,
                               pd_profile **out, pd_error *err);
/* Opens a preset by name, or else reads the JSON file at that path. */
pd_status pd_profile_open(const char *name_or_path, pd_profile **out, pd_error *err);
void pd_profile_free(pd_profile *p);

/* The model's value for a feature vector indexed by pd_feature. */
double pd_linear_predict(const pd_linear_model *m, const double features[PD_FEATURE_COUNT]);

/* The model that costs a layer of type t and kind k: kind k's when p has one, else type
 * t's (which may be absent: `present` false). */
const pd_linear_model *pd_profile_model_for(const pd_profile *p, pd_layer_type t, pd_layer_kind k);

/* Compute time of layer i of g on this tier: max(0, prediction), per cost-model.md, by the
 * model pd_profile_model_for gives for its type and kind. */
double pd_profile_layer_ms(const pd_profile *p, const pd_graph *g, size_t i);

/* Fails, naming profile and type, when p has no model for a layer type g uses (nor for
 * the layer's kind), or one reads an engine feature (pd_feature_of_engine) and g has no
 * feature hook. The message for a missing type ends with the fix: the built-in profiles
 * that have a model for it, and how to fit one. */
pd_status pd_profile_covers(const pd_profile *p, const pd_graph *g, pd_error *err);

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
