/* Boosted trees for the fitter (issue 16): XGBoost over a type's (or kind's) columns,
 * predicting log(ms) per unit of work (per multiply-accumulate, or per input element for a
 * type without them: trees learn a rate, which interpolates between the fitted shapes where
 * a time itself would step from one fitted shape's to the next), its settings chosen by cross-validation on the fitted rows alone. The
 * grid: depth 4, 6, 8; learning rate 0.1, 0.3; 25, 50, 100, 200 or 400 rounds (each
 * fold's trees are grown once to 400 and scored at every count). The choice: the cheapest
 * setting (rounds x 2^depth, the work of a prediction) whose CV MAPE is within one standard
 * error of the lowest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "cost/boosted.h"
#include "measure/fit_folds.h"

static const int depths[] = {4, 6, 8};
static const double etas[] = {0.1, 0.3};
static const int checkpoints[] = {25, 50, 100, 200, 400};
enum { N_DEPTH = 3, N_ETA = 2, N_ROUNDS = 5, N_SETTINGS = N_DEPTH * N_ETA * N_ROUNDS };

/* The columns trees may read: the counts that measure work, and the raw shape. */
static const int counts[] = {PD_FEAT_IN_ELEMS,       PD_FEAT_OUT_ELEMS,
                             PD_FEAT_KERNEL_FILTERS, PD_FEAT_KERNEL_FILTERS_CHANNELS,
                             PD_FEAT_MACS,           PD_FEAT_WEIGHT_BYTES,
                             PD_FEAT_RUNTIME_MACS,   PD_FEAT_TRANSFORM_ELEMS};

/* One entry's rows, columns and scratch. */
typedef struct entry {
    const pd_layer_timing *rows;
    size_t *idx, *perm, *train, n;
    int cols[PD_COLUMN_COUNT], n_cols;
    int per; /* the index in cols of the work the trees' time is per, or -1 */
    float *x, *y; /* a matrix of rows x n_cols and its labels */
} entry;

static pd_status xgb(pd_error *err, const char *what)
{
    const char *e = pd_boosted_last_error();
    return pd_error_set(err, PD_EINPUT, "%s: XGBoost: %.*s", what, (int)strcspn(e, "\n"), e);
}

/* The candidate columns that every row gives and that vary over the rows. */
static void choose_columns(entry *e)
{
    e->n_cols = 0;
    for (int c = 0; c < PD_COLUMN_COUNT; c++) {
        int count = c >= PD_FEATURE_COUNT;
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
            count |= counts[k] == c;
        if (!count)
            continue;
        double first = pd_timing_column(&e->rows[e->idx[0]], c);
        int given = !isnan(first), varies = 0;
        for (size_t i = 1; i < e->n && given; i++) {
            double v = pd_timing_column(&e->rows[e->idx[i]], c);
            given = !isnan(v);
            varies |= v != first;
        }
        if (given && varies)
            e->cols[e->n_cols++] = c;
    }
    e->per = -1; /* macs, else in_elems, when among them and above 0 in every row */
    static const int work[] = {PD_FEAT_MACS, PD_FEAT_IN_ELEMS};
    for (int w = 0; w < 2 && e->per < 0; w++)
        for (int k = 0; k < e->n_cols; k++) {
            int positive = e->cols[k] == work[w];
            for (size_t i = 0; positive && i < e->n; i++)
                positive = pd_timing_column(&e->rows[e->idx[i]], work[w]) > 0.0;
            if (positive)
                e->per = k;
        }
}

/* Row r's work (its time is trees' rate times this), 1 without. */
static double work_of(const entry *e, const pd_layer_timing *r)
{
    return e->per < 0 ? 1.0 : pd_timing_column(r, e->cols[e->per]);
}

/* A matrix of rows idx[0..m) (their columns, and log times as labels). */
static pd_status matrix(entry *e, const size_t *idx, size_t m, int labels, DMatrixHandle *d,
                        pd_error *err)
{
    for (size_t i = 0; i < m; i++) {
        const pd_layer_timing *r = &e->rows[idx[i]];
        for (int k = 0; k < e->n_cols; k++)
            e->x[i * (size_t)e->n_cols + (size_t)k] = (float)pd_timing_column(r, e->cols[k]);
        e->y[i] = (float)log(r->median_ms / work_of(e, r));
    }
    const char *names[PD_COLUMN_COUNT];
    for (int k = 0; k < e->n_cols; k++)
        names[k] = pd_column_name(e->cols[k]);
    if (XGDMatrixCreateFromMat(e->x, (bst_ulong)m, (bst_ulong)e->n_cols, NAN, d) != 0)
        return xgb(err, "a matrix of timings");
    if ((labels && XGDMatrixSetFloatInfo(*d, "label", e->y, (bst_ulong)m) != 0) ||
        XGDMatrixSetStrFeatureInfo(*d, "feature_name", names, (bst_ulong)e->n_cols) != 0) {
        XGDMatrixFree(*d);
        return xgb(err, "a matrix of timings");
    }
    return PD_OK;
}

/* Trees of depth `depth` and learning rate eta grown `rounds` times on rows idx[0..m). */
static pd_status train(entry *e, const size_t *idx, size_t m, int depth, double eta, int rounds,
                       BoosterHandle *out, pd_error *err)
{
    DMatrixHandle d;
    pd_status st = matrix(e, idx, m, 1, &d, err);
    if (st)
        return st;
    double base = 0.0;
    for (size_t i = 0; i < m; i++)
        base += e->y[i];
    char v_depth[16], v_eta[32], v_base[40];
    snprintf(v_depth, sizeof v_depth, "%d", depth);
    snprintf(v_eta, sizeof v_eta, "%g", eta);
    snprintf(v_base, sizeof v_base, "%.9g", base / (double)m);
    const char *params[][2] = {{"objective", "reg:squarederror"}, {"tree_method", "hist"},
                               {"max_depth", v_depth},            {"eta", v_eta},
                               {"base_score", v_base},            {"nthread", PD_BOOSTED_THREADS},
                               {"seed", "0"},                     {"verbosity", "0"}};
    BoosterHandle b = NULL;
    const char *names[PD_COLUMN_COUNT]; /* saved in the model, checked when it is read */
    for (int k = 0; k < e->n_cols; k++)
        names[k] = pd_column_name(e->cols[k]);
    int bad = XGBoosterCreate(&d, 1, &b) != 0 ||
              XGBoosterSetStrFeatureInfo(b, "feature_name", names, (bst_ulong)e->n_cols) != 0;
    for (size_t k = 0; !bad && k < sizeof params / sizeof params[0]; k++)
        bad = XGBoosterSetParam(b, params[k][0], params[k][1]) != 0;
    for (int r = 0; !bad && r < rounds; r++)
        bad = XGBoosterUpdateOneIter(b, r, d) != 0;
    XGDMatrixFree(d);
    if (bad) {
        st = xgb(err, "training trees");
        XGBoosterFree(b);
        return st;
    }
    *out = b;
    return PD_OK;
}

/* The predictions (in ms) of b's first `trees` trees for rows idx[0..m) into ms. */
static pd_status predict(entry *e, BoosterHandle b, const size_t *idx, size_t m, int trees,
                         double *ms, pd_error *err)
{
    DMatrixHandle d;
    pd_status st = matrix(e, idx, m, 0, &d, err);
    if (st)
        return st;
    char config[160];
    snprintf(config, sizeof config, "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
             "\"iteration_end\": %d, \"strict_shape\": false}", trees);
    const bst_ulong *shape;
    bst_ulong dim;
    const float *y;
    if (XGBoosterPredictFromDMatrix(b, d, config, &shape, &dim, &y) != 0 || dim != 1 ||
        shape[0] != (bst_ulong)m)
        st = xgb(err, "predicting");
    for (size_t i = 0; !st && i < m; i++) /* as pd_boosted_predict computes it */
        ms[i] = exp((double)y[i]) * work_of(e, &e->rows[idx[i]]);
    XGDMatrixFree(d);
    return st;
}

/* One setting's CV: the sum of the rows' absolute relative errors and of their squares. */
typedef struct score {
    double sum, sum2;
} score;

/* Every setting of the grid over the folds of e->perm: scores[N_SETTINGS]. */
static pd_status cross_validate(entry *e, size_t folds, score *scores, double *ms, pd_error *err)
{
    memset(scores, 0, N_SETTINGS * sizeof *scores);
    for (int di = 0; di < N_DEPTH; di++)
        for (int ei = 0; ei < N_ETA; ei++)
            for (size_t f = 0; f < folds; f++) {
                size_t lo = f * e->n / folds, hi = (f + 1) * e->n / folds, m = 0;
                for (size_t i = 0; i < e->n; i++)
                    if (i < lo || i >= hi)
                        e->train[m++] = e->perm[i];
                BoosterHandle b = NULL;
                pd_status st = train(e, e->train, m, depths[di], etas[ei],
                                     checkpoints[N_ROUNDS - 1], &b, err);
                for (int ri = 0; !st && ri < N_ROUNDS; ri++) {
                    st = predict(e, b, e->perm + lo, hi - lo, checkpoints[ri], ms, err);
                    score *s = &scores[(di * N_ETA + ei) * N_ROUNDS + ri];
                    for (size_t i = 0; !st && i < hi - lo; i++) {
                        double t = e->rows[e->perm[lo + i]].median_ms, a = fabs(ms[i] - t) / t;
                        s->sum += a;
                        s->sum2 += a * a;
                    }
                }
                if (b)
                    XGBoosterFree(b);
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

/* Entry m of p (type `type`, kind `kind`) over rows e->idx[0..e->n): boosted trees when the
 * choice says so, and its quality row q. */
static pd_status fit_entry(entry *e, const pd_fit_options *o, pd_layer_type type,
                           pd_layer_kind kind, pd_linear_model *m, pd_fit_quality *q,
                           pd_error *err)
{
    choose_columns(e);
    if (e->n < o->folds || e->n_cols == 0)
        return PD_OK; /* too few rows to choose settings, or nothing to split on: linear */
    pd_fit_shuffle(e->idx, e->n, o, type, kind, e->perm);
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
    BoosterHandle b = NULL;
    pd_boosted *trees = NULL;
    st = train(e, e->idx, e->n, depth, eta, rounds, &b, err);
    if (!st)
        st = pd_boosted_wrap(b, e->cols, e->n_cols, (pd_boosted_target){true, e->per}, &trees,
                             err);
    if (!st)
        st = predict(e, trees->booster, e->idx, e->n, 0, ms, err);
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
    size_t n = t->n ? t->n : 1;
    entry e = {.rows = t->rows};
    e.idx = malloc(n * sizeof *e.idx);
    e.perm = malloc(n * sizeof *e.perm);
    e.train = malloc(n * sizeof *e.train);
    e.x = malloc(n * PD_COLUMN_COUNT * sizeof *e.x);
    e.y = malloc(n * sizeof *e.y);
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
