/* The trees of one profile entry (fit_boosted.c's grid calls these): its rows' columns,
 * training and prediction through XGBoost, labels and predictions as rates of work. */
#ifndef PD_MEASURE_FIT_TREES_H
#define PD_MEASURE_FIT_TREES_H

#include <stddef.h>

#include "cost/boosted.h"
#include "predoff/measure.h"

/* One entry's rows, columns and scratch. */
typedef struct pd_trees_entry {
    const pd_layer_timing *rows;
    size_t *idx, *perm, *train, n;
    int cols[PD_COLUMN_COUNT], n_cols;
    pd_boosted_target target; /* what the trees' time is relative to (per, or a base) */
    float *x, *y; /* a matrix of n rows and their warm twins x n_cols and its labels (rows
                   * timed warm too train twice: pd_trees_train) */
} pd_trees_entry;

/* e->cols: the candidate columns (the counts that measure work, and the raw shape, but an
 * fc's flattened input's channels, height and width) that every row gives and that vary
 * over the rows; e->target: log times, per macs, else
 * in_elems, when among them and above 0 in every row. */
void pd_trees_choose_columns(pd_trees_entry *e);
/* Makes the trees predict times relative to linear model m (which every row can be
 * predicted by), floored at half the entry's shortest time: m's features join e->cols. */
void pd_trees_use_base(pd_trees_entry *e, const pd_linear_model *m);
/* Row r's time is the trees' prediction times this (pd_boosted_base of its columns). */
double pd_trees_work(const pd_trees_entry *e, const pd_layer_timing *r);
/* An XGBoost booster (*out, a BoosterHandle) of depth `depth` and learning rate eta grown
 * `rounds` times on rows idx[0..m) (and the warm twin of each row timed warm, where the
 * trees read run_bytes: its warm_ms, its own run's bytes), predicting log(ms / work): squared error, the mean
 * label as base score, hist, seed 0, PD_BOOSTED_THREADS, the columns' names saved. */
pd_status pd_trees_train(pd_trees_entry *e, const size_t *idx, size_t m, int depth, double eta,
                         int rounds, void **out, pd_error *err);
/* Booster b's first `trees` trees (0: all) on rows idx[0..m): their times in ms. */
pd_status pd_trees_predict(pd_trees_entry *e, void *b, const size_t *idx, size_t m, int trees,
                           double *ms, pd_error *err);
/* Frees a booster of pd_trees_train (NULL: nothing). */
void pd_trees_free(void *b);

#endif
