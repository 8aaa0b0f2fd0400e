/* The trees of one profile entry (fit_boosted.c's grid calls these): its rows' columns,
 * training and prediction through XGBoost, labels and predictions as rates of work. */
#ifndef PD_MEASURE_FIT_TREES_H
#define PD_MEASURE_FIT_TREES_H

#include <stddef.h>

#include "predoff/measure.h"

/* One entry's rows, columns and scratch. */
typedef struct pd_trees_entry {
    const pd_layer_timing *rows;
    size_t *idx, *perm, *train, n;
    int cols[PD_COLUMN_COUNT], n_cols;
    int per; /* the index in cols of the work the trees' time is per, or -1 */
    float *x, *y; /* a matrix of rows x n_cols and its labels */
} pd_trees_entry;

/* e->cols: the candidate columns (the counts that measure work, and the raw shape) that
 * every row gives and that vary over the rows; e->per: macs, else in_elems, when among them
 * and above 0 in every row, else -1. */
void pd_trees_choose_columns(pd_trees_entry *e);
/* Row r's work: its time is the trees' rate times this (1 without e->per). */
double pd_trees_work(const pd_trees_entry *e, const pd_layer_timing *r);
/* An XGBoost booster (*out, a BoosterHandle) of depth `depth` and learning rate eta grown
 * `rounds` times on rows idx[0..m), predicting log(ms / work): squared error, the mean
 * label as base score, hist, seed 0, PD_BOOSTED_THREADS, the columns' names saved. */
pd_status pd_trees_train(pd_trees_entry *e, const size_t *idx, size_t m, int depth, double eta,
                         int rounds, void **out, pd_error *err);
/* Booster b's first `trees` trees (0: all) on rows idx[0..m): their times in ms. */
pd_status pd_trees_predict(pd_trees_entry *e, void *b, const size_t *idx, size_t m, int trees,
                           double *ms, pd_error *err);
/* Frees a booster of pd_trees_train (NULL: nothing). */
void pd_trees_free(void *b);

#endif
