/* The trees of one profile entry through XGBoost's C API: the columns its rows give, a
 * matrix of them with log rates as labels, training with fixed settings, prediction. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "cost/boosted.h"
#include "measure/fit_trees.h"
#include "measure/timing_rules.h"

/* The columns trees may read: the counts that measure work, what a run of the layer's model
 * touches, and the raw shape. */
static const int counts[] = {PD_FEAT_IN_ELEMS,       PD_FEAT_OUT_ELEMS,
                             PD_FEAT_KERNEL_FILTERS, PD_FEAT_KERNEL_FILTERS_CHANNELS,
                             PD_FEAT_MACS,           PD_FEAT_WEIGHT_BYTES,
                             PD_FEAT_RUNTIME_MACS,   PD_FEAT_TRANSFORM_ELEMS,
                             PD_FEAT_FUSED_ACT_ELEMS, PD_FEAT_RUN_BYTES,
                             PD_FEAT_FUSED_EXP_ELEMS, PD_FEAT_RUN_MS};

/* A row timed warm too stands for a second one, the layer of a model as small as itself:
 * one whose run touches what its single-layer model's does (pd_timing_own_run_bytes). */
static bool has_warm_twin(const pd_layer_timing *r)
{
    return r->warm_ms > 0.0 && isfinite(pd_timing_own_run_bytes(r));
}

/* And one timed with a buffer read between runs, a third: the layer of a model whose run
 * touches reuse_bytes. */
static bool has_reuse_twin(const pd_layer_timing *r)
{
    return r->reuse_ms > 0.0 && r->reuse_bytes > 0.0;
}


static pd_status xgb(pd_error *err, const char *what)
{
    const char *e = pd_boosted_last_error();
    return pd_error_set(err, PD_EINPUT, "%s: XGBoost: %.*s", what, (int)strcspn(e, "\n"), e);
}

/* Whether column c describes what a layer of type t computes: an fc reads its input
 * flattened, so the input's channels, height and width (32 x 4 x 4 or 512 x 1 x 1 alike)
 * are not its shape; its in_elems is. */
static bool describes(pd_layer_type t, int c)
{
    return !(t == PD_LAYER_FC && (c == PD_FEATURE_COUNT + PD_SHAPE_CHANNELS ||
                                  c == PD_FEATURE_COUNT + PD_SHAPE_HEIGHT ||
                                  c == PD_FEATURE_COUNT + PD_SHAPE_WIDTH));
}

void pd_trees_choose_columns(pd_trees_entry *e)
{
    e->n_cols = 0;
    const pd_layer_type type = e->rows[e->idx[0]].type;
    for (int c = 0; c < PD_COLUMN_COUNT; c++) {
        int count = c >= PD_FEATURE_COUNT;
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
            count |= counts[k] == c;
        if (!count || !describes(type, c))
            continue;
        double first = pd_timing_column(&e->rows[e->idx[0]], c);
        int given = !isnan(first), varies = 0;
        for (size_t i = 1; i < e->n && given; i++) {
            double v = pd_timing_column(&e->rows[e->idx[i]], c);
            given = !isnan(v);
            varies |= v != first;
        }
        for (size_t i = 0; (c == PD_FEAT_RUN_BYTES || c == PD_FEAT_RUN_MS) && i < e->n && !varies;
             i++)
            varies = has_warm_twin(&e->rows[e->idx[i]]) || /* a twin's differs */
                     has_reuse_twin(&e->rows[e->idx[i]]);
        if (given && varies)
            e->cols[e->n_cols++] = c;
    }
    e->target = (pd_boosted_target){.log = true, .per = -1};
    static const int work[] = {PD_FEAT_MACS, PD_FEAT_IN_ELEMS}; /* macs, else in_elems */
    for (int w = 0; w < 2 && e->target.per < 0; w++)
        for (int k = 0; k < e->n_cols; k++) {
            int positive = e->cols[k] == work[w];
            for (size_t i = 0; positive && i < e->n; i++)
                positive = pd_timing_column(&e->rows[e->idx[i]], work[w]) > 0.0;
            if (positive)
                e->target.per = k;
        }
}

void pd_trees_use_base(pd_trees_entry *e, const pd_linear_model *m)
{
    pd_boosted_target *t = &e->target;
    *t = (pd_boosted_target){.log = true, .per = -1, .n_base = m->n,
                             .base_intercept = m->intercept};
    for (int j = 0; j < m->n; j++) {
        int k = 0;
        while (k < e->n_cols && e->cols[k] != (int)m->features[j])
            k++;
        if (k == e->n_cols) /* a feature the trees do not split on: still a column */
            e->cols[e->n_cols++] = (int)m->features[j];
        t->base_col[j] = k;
        t->base_coef[j] = m->coef[j];
    }
    double shortest = INFINITY;
    for (size_t i = 0; i < e->n; i++)
        shortest = fmin(shortest, e->rows[e->idx[i]].median_ms);
    t->base_min_ms = 0.5 * shortest;
}

double pd_trees_work(const pd_trees_entry *e, const pd_layer_timing *r)
{
    double x[PD_COLUMN_COUNT];
    for (int k = 0; k < e->n_cols; k++)
        x[k] = pd_timing_column(r, e->cols[k]);
    return pd_boosted_base(&e->target, x);
}

/* Where a twin's run differs from its row's: the columns run_bytes and run_ms (-1: not read). */
typedef struct run_cols {
    int bytes, ms;
} run_cols;

/* Appends to e's matrix after row n - 1, whose columns are x, a twin of it: at run_bytes
 * `bytes` and run_ms `run_ms` (NaN: not given), timed ms. */
static void add_twin(pd_trees_entry *e, const float *x, size_t *n, run_cols rc, double bytes,
                     double run_ms, double ms, double work)
{
    float *twin = &e->x[*n * (size_t)e->n_cols];
    memcpy(twin, x, (size_t)e->n_cols * sizeof *twin);
    twin[rc.bytes] = (float)bytes;
    if (rc.ms >= 0)
        twin[rc.ms] = (float)run_ms;
    e->y[(*n)++] = (float)log(ms / work);
}

/* A matrix of rows idx[0..m) (their columns, and log times as labels); to train on
 * (labels), each row timed warm too is followed by its twin: its warm time, and its own run's
 * bytes as run_bytes (when the trees read that column), that time as run_ms (its run is the
 * layer); and each timed with a buffer between runs by another: that time, at reuse_bytes
 * and reuse_run_ms. */
static pd_status matrix(pd_trees_entry *e, const size_t *idx, size_t m, int labels,
                        DMatrixHandle *d, size_t *n_rows, pd_error *err)
{
    run_cols rc = {-1, -1};
    for (int k = 0; k < e->n_cols; k++) {
        if (e->cols[k] == PD_FEAT_RUN_BYTES)
            rc.bytes = k;
        if (e->cols[k] == PD_FEAT_RUN_MS)
            rc.ms = k;
    }
    size_t n = 0; /* matrix rows: m and the twins (e->x and e->y hold them) */
    for (size_t i = 0; i < m; i++) {
        const pd_layer_timing *r = &e->rows[idx[i]];
        float *x = &e->x[n * (size_t)e->n_cols];
        for (int k = 0; k < e->n_cols; k++)
            x[k] = (float)pd_timing_column(r, e->cols[k]);
        double work = pd_trees_work(e, r);
        e->y[n++] = (float)log(r->median_ms / work);
        if (labels && rc.bytes >= 0 && has_warm_twin(r))
            add_twin(e, x, &n, rc, pd_timing_own_run_bytes(r), r->warm_ms, r->warm_ms, work);
        if (labels && rc.bytes >= 0 && has_reuse_twin(r))
            add_twin(e, x, &n, rc, r->reuse_bytes, r->reuse_run_ms > 0.0 ? r->reuse_run_ms : NAN,
                     r->reuse_ms, work);
    }
    *n_rows = n;
    const char *names[PD_COLUMN_COUNT];
    for (int k = 0; k < e->n_cols; k++)
        names[k] = pd_column_name(e->cols[k]);
    if (XGDMatrixCreateFromMat(e->x, (bst_ulong)n, (bst_ulong)e->n_cols, NAN, d) != 0)
        return xgb(err, "a matrix of timings");
    if ((labels && XGDMatrixSetFloatInfo(*d, "label", e->y, (bst_ulong)n) != 0) ||
        XGDMatrixSetStrFeatureInfo(*d, "feature_name", names, (bst_ulong)e->n_cols) != 0) {
        XGDMatrixFree(*d);
        return xgb(err, "a matrix of timings");
    }
    return PD_OK;
}

/* Trees of depth `depth` and learning rate eta grown `rounds` times on rows idx[0..m). */
pd_status pd_trees_train(pd_trees_entry *e, const size_t *idx, size_t m, int depth, double eta,
                         int rounds, void **out, pd_error *err)
{
    DMatrixHandle d;
    size_t n;
    pd_status st = matrix(e, idx, m, 1, &d, &n, err);
    if (st)
        return st;
    double base = 0.0;
    for (size_t i = 0; i < n; i++)
        base += e->y[i];
    char v_depth[16], v_eta[32], v_base[40];
    snprintf(v_depth, sizeof v_depth, "%d", depth);
    snprintf(v_eta, sizeof v_eta, "%g", eta);
    snprintf(v_base, sizeof v_base, "%.9g", base / (double)n);
    const char *params[][2] = {{"objective", "reg:squarederror"}, {"tree_method", "hist"},
                               {"max_depth", v_depth},            {"eta", v_eta},
                               {"base_score", v_base},            {"nthread", PD_BOOSTED_THREADS},
                               {"seed", "0"},                     {"verbosity", "0"},
                               {"subsample", "0.8"},              {"colsample_bytree", "0.8"}};
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
pd_status pd_trees_predict(pd_trees_entry *e, void *b, const size_t *idx, size_t m, int trees,
                           double *ms, pd_error *err)
{
    DMatrixHandle d;
    size_t n;
    pd_status st = matrix(e, idx, m, 0, &d, &n, err);
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
        ms[i] = exp((double)y[i]) * pd_trees_work(e, &e->rows[idx[i]]);
    XGDMatrixFree(d);
    return st;
}


void pd_trees_free(void *b)
{
    if (b)
        XGBoosterFree(b);
}
