/* Every row's cross-validated prediction: the error a fit makes on rows it did not see, row
 * by row, through the public fit (linear or boosted alike), so that the adaptive sweep knows
 * which shapes the predictor gets wrong. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "measure/fit_folds.h"
#include "predoff/measure.h"

/* fold[i] for every row: each (type, kind) group's rows shuffled as the fitter's own
 * cross-validation shuffles them (pd_fit_shuffle: a model's rows next to one another, the
 * grid's one by one, a layer timed alone elsewhere beside its own repeats) and cut into
 * `folds` runs of about equal length, so that every group has rows in every fold it can;
 * the rows that move together (pd_fit_same_group) all go to the fold the first lands in, so
 * that a network's repeated blocks never score one another (each row's error here chooses
 * where the adaptive sweep times next). */
static pd_status deal(const pd_timings *t, const pd_fit_options *o, size_t *idx, size_t *perm,
                      size_t *fold, pd_error *err)
{
    for (int type = 0; type < PD_LAYER_TYPE_COUNT; type++)
        for (int kind = 0; kind < PD_LAYER_KIND_COUNT; kind++) {
            size_t n = 0;
            for (size_t i = 0; i < t->n; i++)
                if (t->rows[i].type == (pd_layer_type)type &&
                    t->rows[i].kind == (pd_layer_kind)kind)
                    idx[n++] = i;
            if (!n)
                continue;
            pd_status st = pd_fit_shuffle(t->rows, idx, n, o, (pd_layer_type)type,
                                          (pd_layer_kind)kind, perm, err);
            if (st)
                return st;
            for (size_t i = 0; i < n; i++) {
                bool same = i > 0 && pd_fit_same_group(&t->rows[perm[i]], &t->rows[perm[i - 1]]);
                fold[perm[i]] = same ? fold[perm[i - 1]] : i * o->folds / n;
            }
        }
    return PD_OK;
}

pd_status pd_fit_cv_predict(const pd_timings *t, const pd_fit_options *o, double *cv_pred,
                            pd_error *err)
{
    if (o->folds < 2 || o->folds > 100)
        return pd_error_set(err, PD_EINPUT, "folds: %zu is outside [2, 100]", o->folds);
    for (size_t i = 0; i < t->n; i++)
        cv_pred[i] = NAN;
    if (t->n == 0)
        return PD_OK;
    size_t *idx = malloc(t->n * sizeof *idx), *fold = malloc(t->n * sizeof *fold),
           *perm = malloc(t->n * sizeof *perm);
    double *pred = malloc(t->n * sizeof *pred);
    pd_timings train = {0}, test = {0};
    pd_status st = idx && fold && perm && pred ? PD_OK
                                               : pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st)
        st = deal(t, o, idx, perm, fold, err);
    for (size_t f = 0; !st && f < o->folds; f++) {
        train.n = test.n = 0;
        size_t n_test = 0;
        for (size_t i = 0; !st && i < t->n; i++) {
            st = pd_timings_add(fold[i] == f ? &test : &train, &t->rows[i], err);
            if (fold[i] == f)
                idx[n_test++] = i; /* test row k is row idx[k] of t */
        }
        if (st || n_test == 0 || train.n == 0)
            continue;
        pd_profile *p = NULL;
        st = pd_fit_profile(&train, o, "cv", &p, NULL, err);
        if (!st)
            st = pd_profile_predict_timings(p, &test, pred, err);
        for (size_t k = 0; !st && k < n_test; k++)
            cv_pred[idx[k]] = pred[k];
        pd_profile_free(p);
        if (st && st != PD_ENOMEM) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "fold %zu of %zu", f + 1, o->folds);
            pd_error_prefix(err, prefix);
        }
    }
    pd_timings_free(&train);
    pd_timings_free(&test);
    free(idx);
    free(fold);
    free(perm);
    free(pred);
    return st;
}
