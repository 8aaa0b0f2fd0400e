/* Gradient-boosted trees as a profile's latency model (formats.md, "learned models"):
 * XGBoost's JSON model over named columns, checked for size and form before XGBoost's own
 * parser sees it. Private to cost and to measure, which trains them. */
#ifndef PD_COST_BOOSTED_H
#define PD_COST_BOOSTED_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/profile.h"

/* Bounds of a model file: bytes, trees, nodes of one tree, nodes in all. */
#define PD_BOOSTED_MAX_BYTES ((size_t)64 << 20)
enum {
    PD_BOOSTED_MAX_TREES = 10000,
    PD_BOOSTED_MAX_NODES = 1 << 17,
    PD_BOOSTED_MAX_ALL_NODES = 1 << 23
};
/* XGBoost's threads: fixed, so a fit is the same on every machine and run. One: on two
 * threads of this busy 2-core machine a fit took four times as long, 10^5 layers' prediction
 * 1.25 times, and predicting layers one by one 18 times (bench_boosted, PERFORMANCE.md). */
#define PD_BOOSTED_THREADS "1"
#define PD_BOOSTED_PREDICT_THREADS PD_BOOSTED_THREADS

struct pd_boosted {
    void *booster;                /* XGBoost's BoosterHandle, owned */
    int n;                        /* columns, 1 .. PD_COLUMN_COUNT */
    int cols[PD_COLUMN_COUNT];    /* pd_column numbering, each once */
    pd_boosted_target target;     /* what the trees predict */
    double scale;                 /* every prediction times this (pd_profile_scale; 1) */
    char *file;                   /* the file, as the profile names it; may be NULL */
};

/* Checks text (len bytes) as an XGBoost JSON model of gradient-boosted regression trees
 * over exactly the n columns cols (the names when the model has any): the size, the keys
 * and types XGBoost reads, each tree's nodes (children after their parent, parents
 * consistent, split features below the count, finite thresholds, no categorical splits).
 * The message says what is wrong, without the file's name. */
pd_status pd_boosted_check(const char *text, size_t len, const int *cols, int n, pd_error *err);

/* A model from checked text: the check, then XGBoost's loader. *out is new, owned by the
 * caller (pd_boosted_free); file is copied (may be NULL). */
pd_status pd_boosted_from_text(const char *text, size_t len, const int *cols, int n,
                               pd_boosted_target target, const char *file, pd_boosted **out,
                               pd_error *err);
/* A model around a trained booster (ownership passes to *out, also on failure). */
pd_status pd_boosted_wrap(void *booster, const int *cols, int n, pd_boosted_target target,
                          pd_boosted **out, pd_error *err);

/* The JSON text of the model (XGBoost's writer) into a new buffer *text (caller frees). */
pd_status pd_boosted_save_json(const pd_boosted *b, char **text, size_t *len, pd_error *err);

/* A profile's boosted entry {"model": "boosted", "file": F, "features": [...], "target":
 * "ms"|"log_ms"} into m: F (relative, no "..", at most 255 bytes) is read from directory dir
 * ("" the current one; NULL: not possible, an error). */
struct cJSON;
pd_status pd_profile_read_boosted(const struct cJSON *obj, const char *dir, pd_linear_model *m,
                                  pd_error *err);

/* A linear model {features, coef, intercept} (a profile's entry, checked as the profile
 * reader checks them) into m. */
pd_status pd_profile_read_linear(const struct cJSON *obj, pd_linear_model *m, pd_error *err);

/* What XGBoost said of its last failure, for messages. */
const char *pd_boosted_last_error(void);

#endif
