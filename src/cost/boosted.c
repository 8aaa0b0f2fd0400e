/* Boosted trees through XGBoost's C API: loading checked text, batched prediction, saving. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "core/file.h"
#include "core/str.h"
#include "cost/boosted.h"

const char *pd_boosted_last_error(void)
{
    const char *e = XGBGetLastError();
    return e && e[0] ? e : "no reason given";
}

/* The first line of XGBoost's message (its messages hold a stack trace after it). */
static pd_status xgb_fail(pd_error *err, const char *what)
{
    const char *e = pd_boosted_last_error();
    size_t n = strcspn(e, "\n");
    return pd_error_set(err, PD_EINPUT, "%s: XGBoost: %.*s", what, (int)(n > 200 ? 200 : n), e);
}

static pd_status make(void *booster, const int *cols, int n, pd_boosted_target target, const char *file,
                      pd_boosted **out, pd_error *err)
{
    *out = NULL;
    pd_boosted *b = calloc(1, sizeof *b);
    if (!b || (file && !(b->file = pd_strdup(file)))) {
        free(b);
        XGBoosterFree(booster);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    b->booster = booster;
    b->n = n;
    memcpy(b->cols, cols, (size_t)n * sizeof *cols);
    b->target = target;
    b->scale = 1.0;
    *out = b;
    return PD_OK;
}

/* Whether target fits n columns: per and the base's columns among them, not both, the
 * base's numbers finite and its floor above 0. */
static bool target_fits(const pd_boosted_target *t, int n)
{
    if (n < 1 || n > PD_COLUMN_COUNT || t->per < -1 || t->per >= n || t->n_base < 0 ||
        t->n_base > PD_FEATURE_COUNT || (t->per >= 0 && t->n_base > 0))
        return false;
    if (t->n_base == 0)
        return true;
    bool ok = isfinite(t->base_intercept) && t->base_min_ms > 0.0 && isfinite(t->base_min_ms);
    for (int j = 0; ok && j < t->n_base; j++)
        ok = t->base_col[j] >= 0 && t->base_col[j] < n && isfinite(t->base_coef[j]);
    return ok;
}

pd_status pd_boosted_wrap(void *booster, const int *cols, int n, pd_boosted_target target,
                          pd_boosted **out, pd_error *err)
{
    if (!target_fits(&target, n)) {
        XGBoosterFree(booster);
        return pd_error_set(err, PD_EINPUT, "%d columns (per %d, base of %d)", n, target.per,
                            target.n_base);
    }
    return make(booster, cols, n, target, NULL, out, err);
}

pd_status pd_boosted_from_text(const char *text, size_t len, const int *cols, int n,
                               pd_boosted_target target, const char *file, pd_boosted **out,
                               pd_error *err)
{
    *out = NULL;
    if (!target_fits(&target, n))
        return pd_error_set(err, PD_EINPUT, "what the trees predict does not fit %d columns", n);
    pd_status st = pd_boosted_check(text, len, cols, n, err);
    if (st)
        return st;
    BoosterHandle h;
    if (XGBoosterCreate(NULL, 0, &h) != 0)
        return xgb_fail(err, "creating a booster");
    if (XGBoosterSetParam(h, "nthread", PD_BOOSTED_THREADS) != 0 ||
        XGBoosterLoadModelFromBuffer(h, text, (bst_ulong)len) != 0 ||
        XGBoosterSetParam(h, "nthread", PD_BOOSTED_PREDICT_THREADS) != 0) {
        st = xgb_fail(err, "loading the model");
        XGBoosterFree(h);
        return st;
    }
    bst_ulong nf = 0;
    if (XGBoosterGetNumFeature(h, &nf) != 0 || nf != (bst_ulong)n) {
        XGBoosterFree(h);
        return pd_error_set(err, PD_EINPUT, "the model reads %lu features, the profile names %d",
                            (unsigned long)nf, n);
    }
    return make(h, cols, n, target, file, out, err);
}

void pd_boosted_free(pd_boosted *b)
{
    if (!b)
        return;
    XGBoosterFree(b->booster);
    free(b->file);
    free(b);
}

const int *pd_boosted_columns(const pd_boosted *b, int *n)
{
    *n = b->n;
    return b->cols;
}

double pd_boosted_base(const pd_boosted_target *t, const double *x)
{
    if (t->per >= 0)
        return x[t->per];
    if (t->n_base <= 0)
        return 1.0;
    double v = t->base_intercept;
    for (int j = 0; j < t->n_base; j++)
        v += t->base_coef[j] * x[t->base_col[j]];
    return v > t->base_min_ms ? v : t->base_min_ms;
}

pd_boosted_target pd_boosted_target_of(const pd_boosted *b)
{
    return b->target;
}

pd_status pd_boosted_predict(const pd_boosted *b, const double *x, size_t n, double *out,
                             pd_error *err)
{
    if (n == 0)
        return PD_OK;
    size_t cells = n * (size_t)b->n;
    if (cells / (size_t)b->n != n || cells > SIZE_MAX / sizeof(float))
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu rows)", n);
    float *m = malloc(cells * sizeof *m);
    if (!m)
        return pd_error_set(err, PD_ENOMEM, "out of memory (%zu rows)", n);
    for (size_t i = 0; i < cells; i++)
        m[i] = (float)x[i];
    DMatrixHandle d;
    pd_status st = PD_OK;
    if (XGDMatrixCreateFromMat(m, (bst_ulong)n, (bst_ulong)b->n, NAN, &d) != 0) {
        free(m);
        return xgb_fail(err, "the layers' matrix");
    }
    free(m);
    const char *names[PD_COLUMN_COUNT];
    for (int k = 0; k < b->n; k++)
        names[k] = pd_column_name(b->cols[k]);
    if (XGDMatrixSetStrFeatureInfo(d, "feature_name", names, (bst_ulong)b->n) != 0) {
        XGDMatrixFree(d);
        return xgb_fail(err, "the layers' matrix");
    }
    static const char config[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
                                 "\"iteration_end\": 0, \"strict_shape\": false}";
    const bst_ulong *shape;
    bst_ulong dim;
    const float *y;
    if (XGBoosterPredictFromDMatrix(b->booster, d, config, &shape, &dim, &y) != 0)
        st = xgb_fail(err, "predicting");
    else if (dim != 1 || shape[0] != (bst_ulong)n)
        st = pd_error_set(err, PD_EINPUT, "the model predicts more than one value a layer");
    for (size_t i = 0; !st && i < n; i++) {
        double v = b->target.log ? exp((double)y[i]) : (double)y[i];
        v *= pd_boosted_base(&b->target, x + i * (size_t)b->n);
        out[i] = b->scale * (v > 0.0 ? v : 0.0);
    }
    XGDMatrixFree(d);
    return st;
}

pd_status pd_boosted_save_json(const pd_boosted *b, char **text, size_t *len, pd_error *err)
{
    *text = NULL;
    *len = 0;
    bst_ulong n;
    const char *buf;
    if (XGBoosterSaveModelToBuffer(b->booster, "{\"format\": \"json\"}", &n, &buf) != 0)
        return xgb_fail(err, "saving the model");
    char *copy = malloc((size_t)n + 1);
    if (!copy)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(copy, buf, (size_t)n);
    copy[n] = '\0';
    *text = copy;
    *len = (size_t)n;
    return PD_OK;
}

pd_status pd_boosted_read(const char *path, const char *name, const int *cols, int n,
                          pd_boosted_target target, pd_boosted **out, pd_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    pd_status st = pd_read_file(path, PD_BOOSTED_MAX_BYTES, &text, &len, err);
    if (st)
        return st; /* the message names the path */
    st = pd_boosted_from_text(text, len, cols, n, target, name, out, err);
    free(text);
    return st ? pd_error_prefix(err, path) : PD_OK;
}
