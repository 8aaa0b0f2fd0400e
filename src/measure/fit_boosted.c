/* Boosted trees for the fitter (issue 16): XGBoost over a type's (or kind's) columns,
 * predicting log(ms) over the entry's linear model (the trees correct it where it errs;
 * per unit of work when there is none: fit_trees.c), its settings chosen by cross-validation
 * on the fitted rows alone. The grid: depth 4, 6, 10; learning rate 0.05, 0.15; 25, 50, 100,
 * 200 or 400 rounds (each fold's trees are grown once to 400 and scored at every count); each
 * tree on 80% of the rows and 80% of the columns, drawn with a fixed seed. The choice: the
 * cheapest setting (rounds x 2^depth, the work of a prediction) whose CV MAPE is within one
 * standard error of the lowest. The base is the linear model fitted on all the entry's rows,
 * in the folds too: a few coefficients over thousands of rows, it leaks next to nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost/boosted.h"
#include "measure/fit_folds.h"
#include "measure/fit_trees.h"

static const int depths[] = {4, 6, 10};
static const double etas[] = {0.05, 0.15};
static const int checkpoints[] = {25, 50, 100, 200, 400};
enum { N_DEPTH = 3, N_ETA = 2, N_ROUNDS = 5, N_SETTINGS = N_DEPTH * N_ETA * N_ROUNDS };

/* One setting's CV: the sum of the rows' absolute relative errors and of their squares. */
typedef struct score {
    double sum, sum2;
} score;

/* Every setting of the grid over the folds of e->perm: scores[N_SETTINGS]. */
static pd_status cross_validate(pd_trees_entry *e, size_t folds, score *scores, double *ms,
                                pd_error *err)
{
    memset(scores, 0, N_SETTINGS * sizeof *scores);
    for (int di = 0; di < N_DEPTH; di++)
        for (int ei = 0; ei < N_ETA; ei++)
            for (size_t f = 0; f < folds; f++) {
                size_t lo = f * e->n / folds, hi = (f + 1) * e->n / folds, m = 0;
                for (size_t i = 0; i < e->n; i++)
                    if (i < lo || i >= hi)
                        e->train[m++] = e->perm[i];
                void *b = NULL;
                pd_status st = pd_trees_train(e, e->train, m, depths[di], etas[ei],
                                     checkpoints[N_ROUNDS - 1], &b, err);
                for (int ri = 0; !st && ri < N_ROUNDS; ri++) {
                    st = pd_trees_predict(e, b, e->perm + lo, hi - lo, checkpoints[ri], ms, err);
                    score *s = &scores[(di * N_ETA + ei) * N_ROUNDS + ri];
                    for (size_t i = 0; !st && i < hi - lo; i++) {
                        double t = e->rows[e->perm[lo + i]].median_ms, a = fabs(ms[i] - t) / t;
                        s->sum += a;
                        s->sum2 += a * a;
                    }
                }
                if (b)
                    pd_trees_free(b);
                if (st)
                    return st;
            }
    return PD_OK;
}

/* The setting chosen from the scores of n rows: the cheapest within one standard error of
 * the lowest CV MAPE; its CV MAPE (in %) into *cv. */
static int choose(const score *scores, size_t n, double *cv)
{
    int low = 0;
    for (int k = 1; k < N_SETTINGS; k++)
        if (scores[k].sum < scores[low].sum)
            low = k;
    double mean = scores[low].sum / (double)n;
    double var = (scores[low].sum2 / (double)n - mean * mean) * (double)n / ((double)n - 1.0);
    double limit = scores[low].sum + (double)n * sqrt(var > 0.0 ? var : 0.0) / sqrt((double)n);
    int pick = low;
    for (int k = 0; k < N_SETTINGS; k++) {
        long cost = (long)checkpoints[k % N_ROUNDS] << depths[k / (N_ETA * N_ROUNDS)];
        long best = (long)checkpoints[pick % N_ROUNDS] << depths[pick / (N_ETA * N_ROUNDS)];
        if (scores[k].sum <= limit &&
            (cost < best || (cost == best && scores[k].sum < scores[pick].sum)))
            pick = k;
    }
    *cv = 100.0 * scores[pick].sum / (double)n;
    return pick;
}

/* Whether linear model m predicts every row of e (has its features). */
static bool linear_everywhere(const pd_trees_entry *e, const pd_linear_model *m)
{
    for (size_t i = 0; i < e->n; i++)
        if (isnan(pd_linear_predict(m, e->rows[e->idx[i]].features)))
            return false;
    return true;
}

/* Entry m of p (type `type`, kind `kind`) over rows e->idx[0..e->n): boosted trees when the
 * choice says so, and its quality row q. */
static pd_status fit_entry(pd_trees_entry *e, const pd_fit_options *o, pd_layer_type type,
                           pd_layer_kind kind, pd_linear_model *m, pd_fit_quality *q,
                           pd_error *err)
{
    pd_trees_choose_columns(e);
    if (e->n < o->folds || e->n_cols == 0)
        return PD_OK; /* too few rows to choose settings, or nothing to split on: linear */
    if (m->n > 0 && linear_everywhere(e, m))
        pd_trees_use_base(e, m);
    if (pd_fit_shuffle(e->rows, e->idx, e->n, o, type, kind, e->perm, err))
        return PD_ENOMEM;
    score scores[N_SETTINGS];
    double *ms = malloc(e->n * sizeof *ms), cv;
    if (!ms)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = cross_validate(e, o->folds, scores, ms, err);
    int pick = st ? 0 : choose(scores, e->n, &cv);
    int depth = depths[pick / (N_ETA * N_ROUNDS)], rounds = checkpoints[pick % N_ROUNDS];
    double eta = etas[(pick / N_ROUNDS) % N_ETA];
    if (st || (o->model == PD_MODEL_AUTO && !(cv < q->cv_mape))) {
        free(ms);
        return st;
    }
    void *b = NULL;
    pd_boosted *trees = NULL;
    st = pd_trees_train(e, e->idx, e->n, depth, eta, rounds, &b, err);
    if (!st)
        st = pd_boosted_wrap(b, e->cols, e->n_cols, e->target, &trees, err);
    if (!st)
        st = pd_trees_predict(e, trees->booster, e->idx, e->n, 0, ms, err);
    double mean = 0.0, ss_tot = 0.0, ss_res = 0.0, ape = 0.0, within = 0.0;
    for (size_t i = 0; !st && i < e->n; i++)
        mean += e->rows[e->idx[i]].median_ms / (double)e->n;
    for (size_t i = 0; !st && i < e->n; i++) {
        double t = e->rows[e->idx[i]].median_ms;
        ss_res += (ms[i] - t) * (ms[i] - t);
        ss_tot += (t - mean) * (t - mean);
        ape += fabs(ms[i] - t) / t;
        within += fabs(ms[i] - t) <= 0.1 * t;
    }
    free(ms);
    if (st) {
        pd_boosted_free(trees);
        return st;
    }
    pd_boosted_free(m->boosted);
    m->boosted = trees;
    *q = (pd_fit_quality){type, kind, e->n, ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : NAN,
                          100.0 * ape / (double)e->n, cv, within / (double)e->n, true,
                          depth, rounds, eta};
    return PD_OK;
}

pd_status pd_fit_boosted(const pd_timings *t, const pd_fit_options *o, pd_profile *p,
                         pd_fit_quality *quality, pd_error *err)
{
    size_t count[PD_LAYER_TYPE_COUNT] = {0}, n = 1; /* an entry's rows are one type's */
    for (size_t i = 0; i < t->n; i++)
        if ((unsigned)t->rows[i].type < PD_LAYER_TYPE_COUNT &&
            ++count[t->rows[i].type] > n)
            n = count[t->rows[i].type];
    size_t twins = 0; /* rows timed warm or with a buffer between runs train again
                       * (fit_trees.c): at most twice more */
    for (size_t i = 0; i < t->n; i++)
        twins += (t->rows[i].warm_ms > 0.0) + (t->rows[i].reuse_ms > 0.0);
    size_t rows = n + (twins < 2 * n ? twins : 2 * n); /* an entry's matrix rows at most */
    pd_trees_entry e = {.rows = t->rows};
    e.idx = malloc(n * sizeof *e.idx);
    e.perm = malloc(n * sizeof *e.perm);
    e.train = malloc(n * sizeof *e.train);
    e.x = malloc(rows * PD_COLUMN_COUNT * sizeof *e.x);
    e.y = malloc(rows * sizeof *e.y);
    pd_status st = e.idx && e.perm && e.train && e.x && e.y
                       ? PD_OK
                       : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (int k = 0; !st && k < PD_PROFILE_ENTRIES; k++) {
        pd_linear_model *m = (pd_linear_model *)pd_profile_entry(p, k);
        if (!m->present || (k >= PD_LAYER_TYPE_COUNT && k == PD_LAYER_TYPE_COUNT + PD_KIND_NONE))
            continue;
        pd_layer_kind kind = k < PD_LAYER_TYPE_COUNT ? PD_KIND_NONE
                                                     : (pd_layer_kind)(k - PD_LAYER_TYPE_COUNT);
        pd_layer_type type = kind == PD_KIND_NONE ? (pd_layer_type)k : pd_layer_kind_type(kind);
        e.n = 0; /* the entry's rows, in file order, as the linear fit took them */
        for (size_t i = 0; i < t->n; i++) {
            const pd_layer_timing *r = &t->rows[i];
            if (r->type == type && (kind == PD_KIND_NONE ? !p->kind[r->kind].present
                                                         : r->kind == kind))
                e.idx[e.n++] = i;
        }
        pd_fit_quality mine = quality ? quality[k] : (pd_fit_quality){0};
        if (!quality)
            mine.cv_mape = NAN;
        if (e.n)
            st = fit_entry(&e, o, type, kind, m, &mine, err);
        if (!st && quality)
            quality[k] = mine;
        if (st)
            pd_error_prefix(err, pd_profile_entry_name(k));
    }
    free(e.idx);
    free(e.perm);
    free(e.train);
    free(e.x);
    free(e.y);
    return st;
}
