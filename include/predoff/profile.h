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

/* Compute time of layer i of g on this tier: max(0, prediction), per cost-model.md. */
double pd_profile_layer_ms(const pd_profile *p, const pd_graph *g, size_t i);

/* Fails, naming profile and type, when p has no model for a layer type g uses, or one
 * reads an engine feature (pd_feature_of_engine) and g has no feature hook. */
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
