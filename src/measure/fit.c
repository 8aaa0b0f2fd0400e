/* The fitter (paper section 4.2): one linear latency model per layer type, by least squares
 * on the relative error; k-fold cross-validation judges the model and, with AUTO, chooses
 * the feature set. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/lstsq.h"
#include "measure/timing_rules.h"
#include "predoff/rng.h"

#define MAX_FOLDS 100
#define MAX_COEF 1e12   /* what pd_profile_from_json accepts */
#define MAX_CANDIDATES 12 /* feature sets AUTO judges for one type */
#define TIE_ABS 1e-6    /* CV MAPEs (in %) closer than this are equal, whatever their spread */

typedef struct feature_set {
    int n;
    pd_feature f[PD_LSQ_MAX_FEATURES];
} feature_set;

typedef struct type_sets {
    feature_set paper, macs;
    int n_auto;
    feature_set cand[MAX_CANDIDATES]; /* AUTO's candidates, the paper's set first */
} type_sets;

#define IN PD_FEAT_IN_ELEMS
#define OUT PD_FEAT_OUT_ELEMS
#define KF PD_FEAT_KERNEL_FILTERS
#define KFC PD_FEAT_KERNEL_FILTERS_CHANNELS
#define MACS PD_FEAT_MACS
#define RMACS PD_FEAT_RUNTIME_MACS
#define TW PD_FEAT_TRANSFORM_ELEMS
/* Only sets that mean something for the type: relu and dropout have no MACs, and an lrn's
 * output is its input's size. A convolution's runtime_macs counts the multiplies of the
 * algorithm the runtime runs it with (Winograd's for many), so its sets come in both;
 * transform_elems, the work of Winograd's transforms, goes with runtime_macs. */
static const type_sets sets[] = {
    [PD_LAYER_CONV] = {{2, {IN, KF}}, {1, {MACS}}, 12,
                       {{2, {IN, KF}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}},
                        {3, {MACS, IN, OUT}}, {2, {KFC, IN}}, {1, {RMACS}}, {2, {RMACS, IN}},
                        {2, {RMACS, OUT}}, {3, {RMACS, IN, OUT}}, {2, {RMACS, TW}},
                        {3, {RMACS, TW, OUT}}}},
    [PD_LAYER_RELU] = {{1, {IN}}, {1, {IN}}, 1, {{1, {IN}}}},
    [PD_LAYER_POOL] = {{2, {IN, OUT}}, {1, {MACS}}, 5,
                       {{2, {IN, OUT}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}},
                        {3, {MACS, IN, OUT}}}},
    [PD_LAYER_LRN] = {{1, {IN}}, {1, {MACS}}, 3, {{1, {IN}}, {1, {MACS}}, {2, {MACS, IN}}}},
    [PD_LAYER_DROPOUT] = {{1, {IN}}, {1, {IN}}, 1, {{1, {IN}}}},
    [PD_LAYER_FC] = {{2, {IN, OUT}}, {1, {MACS}}, 5,
                     {{2, {IN, OUT}}, {1, {MACS}}, {2, {MACS, IN}}, {2, {MACS, OUT}},
                      {3, {MACS, IN, OUT}}}},
    /* elementwise over its inputs (in_elems sums them), and a copy of its output */
    [PD_LAYER_ADD] = {{1, {IN}}, {1, {IN}}, 1, {{1, {IN}}}},
    [PD_LAYER_CONCAT] = {{1, {OUT}}, {1, {OUT}}, 1, {{1, {OUT}}}},
};
_Static_assert(sizeof sets / sizeof sets[0] == PD_LAYER_TYPE_COUNT, "feature sets per type");
#undef IN
#undef OUT
#undef KF
#undef KFC
#undef MACS
#undef RMACS
#undef TW

void pd_fit_options_init(pd_fit_options *o)
{
    *o = (pd_fit_options){.features = PD_FEATURES_PAPER, .folds = 5, .seed = 1};
}

/* One layer type's rows and the scratch its fits share. */
typedef struct type_fit {
    const pd_layer_timing *rows;
    size_t *idx;   /* the type's rows */
    size_t *perm;  /* the same, shuffled: fold f is perm[f*n/k .. (f+1)*n/k) */
    size_t *train; /* a fold's training rows */
    size_t n, folds;
    pd_lsq_work w;
} type_fit;

/* Sum over rows idx[0..m) of |prediction - t| / t; infinite when a prediction is not a number
 * (a fold's model, unchecked, may have coefficients that overflow). */
static double abs_rel_error(const type_fit *c, const pd_linear_model *m, const size_t *idx,
                            size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const pd_layer_timing *r = &c->rows[idx[i]];
        double e = fabs(pd_linear_predict(m, r->features) - r->median_ms) / r->median_ms;
        sum += isfinite(e) ? e : INFINITY;
    }
    return sum;
}

/* Fits set s on rows idx[0..m), or, when the rows cannot determine it (too few, collinear,
 * a constant feature), the largest subset of s they can; among subsets of one size, the
 * one with the lowest error. The empty set (a constant) always fits one row or more. */
static pd_lsq_result fit_reduced(type_fit *c, const feature_set *s, const size_t *idx, size_t m,
                                 pd_linear_model *out)
{
    for (int size = s->n; size >= 0; size--) {
        double best = INFINITY;
        int found = 0;
        for (unsigned mask = 0; mask < 1u << s->n; mask++) {
            pd_feature f[PD_LSQ_MAX_FEATURES];
            int k = 0;
            for (int j = 0; j < s->n; j++)
                if (mask & 1u << j)
                    f[k++] = s->f[j];
            if (k != size)
                continue;
            pd_linear_model model;
            pd_lsq_result r = pd_lsq_fit(c->rows, idx, m, f, k, &c->w, &model);
            if (r == PD_LSQ_NOMEM)
                return r;
            if (r != PD_LSQ_OK)
                continue;
            double e = size == s->n ? 0.0 : abs_rel_error(c, &model, idx, m);
            if (!found || e < best) {
                best = e;
                *out = model;
                found = 1;
            }
        }
        if (found)
            return PD_LSQ_OK;
    }
    return PD_LSQ_SINGULAR;
}

static feature_set set_of(const pd_linear_model *m)
{
    feature_set s = {m->n, {0}};
    for (int j = 0; j < m->n; j++)
        s.f[j] = m->features[j];
    return s;
}

/* k-fold cross-validated MAPE of set s, in %, and its standard error (the spread of the
 * samples' absolute percentage errors over sqrt(n)); both NAN with fewer rows than folds. */
static pd_lsq_result cv_mape(type_fit *c, const feature_set *s, double *out, double *se)
{
    *out = *se = NAN;
    if (c->n < c->folds)
        return PD_LSQ_OK;
    double sum = 0.0, sum2 = 0.0;
    for (size_t f = 0; f < c->folds; f++) {
        size_t lo = f * c->n / c->folds, hi = (f + 1) * c->n / c->folds, m = 0;
        for (size_t i = 0; i < c->n; i++)
            if (i < lo || i >= hi)
                c->train[m++] = c->perm[i];
        pd_linear_model model;
        pd_lsq_result r = fit_reduced(c, s, c->train, m, &model);
        if (r != PD_LSQ_OK)
            return r;
        for (size_t i = lo; i < hi; i++) {
            double e = 100.0 * abs_rel_error(c, &model, c->perm + i, 1);
            sum += e;
            sum2 += e * e;
        }
    }
    double n = (double)c->n, mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1.0);
    *out = mean;
    *se = sqrt(var > 0.0 ? var : 0.0) / sqrt(n);
    return PD_LSQ_OK;
}

/* One judged candidate. */
typedef struct judged {
    pd_linear_model model;
    double cv, se;
} judged;

/* The choice among judged candidates: the fewest features among those whose CV MAPE is
 * within one standard error of the lowest (the one-standard-error rule: closer than that,
 * the difference is noise, a tie), then the lowest CV MAPE. Without cross-validation
 * (too few rows) the first, the paper's set when it could be fitted. */
static size_t choose(const judged *j, size_t n)
{
    size_t low = 0;
    for (size_t k = 1; k < n; k++)
        if (j[k].cv < j[low].cv)
            low = k;
    if (isnan(j[low].cv))
        return 0;
    double limit = j[low].cv + (j[low].se > TIE_ABS ? j[low].se : TIE_ABS);
    size_t pick = low;
    for (size_t k = 0; k < n; k++)
        if (j[k].cv <= limit && (j[k].model.n < j[pick].model.n ||
                                 (j[k].model.n == j[pick].model.n && j[k].cv < j[pick].cv)))
            pick = k;
    return pick;
}

/* The first feature of s that some row leaves out, or PD_FEATURE_COUNT; *missing counts them. */
static pd_feature first_missing(const type_fit *c, const feature_set *s, size_t *missing)
{
    for (int j = 0; j < s->n; j++) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            k += isnan(c->rows[c->idx[i]].features[s->f[j]]) != 0;
        if (k) {
            *missing = k;
            return s->f[j];
        }
    }
    return PD_FEATURE_COUNT;
}

static pd_status nomem(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

static pd_status fit_type(type_fit *c, pd_layer_type type, const pd_fit_options *o,
                          pd_linear_model *model, pd_fit_quality *q, pd_error *err)
{
    const char *tname = pd_layer_type_name(type);
    pd_rng rng; /* one shuffle per type, whatever other types the timings hold */
    pd_rng_seed(&rng, o->seed + (uint64_t)type);
    memcpy(c->perm, c->idx, c->n * sizeof *c->perm);
    for (size_t i = c->n; i > 1; i--) {
        size_t j = (size_t)pd_rng_below(&rng, i), tmp = c->perm[i - 1];
        c->perm[i - 1] = c->perm[j];
        c->perm[j] = tmp;
    }
    const type_sets *ts = &sets[type];
    const feature_set *cand = o->features == PD_FEATURES_AUTO    ? ts->cand
                              : o->features == PD_FEATURES_MACS ? &ts->macs
                                                                 : &ts->paper;
    int n_cand = o->features == PD_FEATURES_AUTO ? ts->n_auto : 1;
    judged cands[MAX_CANDIDATES];
    unsigned tried[MAX_CANDIDATES];
    size_t n_tried = 0;
    pd_feature missing = PD_FEATURE_COUNT;
    size_t n_missing = 0;
    for (int k = 0; k < n_cand; k++) {
        size_t nm;
        pd_feature f = first_missing(c, &cand[k], &nm);
        if (f != PD_FEATURE_COUNT) {
            if (missing == PD_FEATURE_COUNT)
                missing = f, n_missing = nm;
            continue;
        }
        judged *j = &cands[n_tried];
        pd_lsq_result r = fit_reduced(c, &cand[k], c->idx, c->n, &j->model);
        if (r == PD_LSQ_NOMEM)
            return nomem(err);
        if (r != PD_LSQ_OK)
            return pd_error_set(err, PD_EINPUT,
                                "layer type \"%s\": no linear model fits its %zu samples", tname,
                                c->n);
        unsigned mask = 0; /* a reduced set may equal another candidate: judge it once */
        for (int i = 0; i < j->model.n; i++)
            mask |= 1u << j->model.features[i];
        int seen = 0;
        for (size_t i = 0; i < n_tried; i++)
            seen |= tried[i] == mask;
        if (seen)
            continue;
        feature_set used = set_of(&j->model);
        if (cv_mape(c, &used, &j->cv, &j->se) != PD_LSQ_OK)
            return nomem(err); /* the full set fitted, so the folds can only run out of memory */
        tried[n_tried++] = mask;
    }
    if (!n_tried)
        return pd_error_set(err, PD_EINPUT,
                            "layer type \"%s\": feature \"%s\" is not given (its column is "
                            "missing, or empty) in %zu of %zu samples",
                            tname, pd_feature_name(missing), n_missing, c->n);
    const judged *best = &cands[choose(cands, n_tried)];
    *model = best->model;
    for (int j = -1; j < model->n; j++) {
        double v = j < 0 ? model->intercept : model->coef[j];
        if (fabs(v) <= MAX_COEF)
            continue;
        char what[64] = "intercept";
        if (j >= 0)
            snprintf(what, sizeof what, "coefficient of %s", pd_feature_name(model->features[j]));
        return pd_error_set(err, PD_EINPUT,
                            "layer type \"%s\": the fitted %s is %g, beyond the 1e12 a profile "
                            "holds (are the features counts, the times in ms?)",
                            tname, what, v);
    }
    double mean = 0.0, ss_tot = 0.0, ss_res = 0.0;
    for (size_t i = 0; i < c->n; i++)
        mean += c->rows[c->idx[i]].median_ms;
    mean /= (double)c->n;
    for (size_t i = 0; i < c->n; i++) {
        const pd_layer_timing *r = &c->rows[c->idx[i]];
        double e = pd_linear_predict(model, r->features) - r->median_ms, d = r->median_ms - mean;
        ss_res += e * e;
        ss_tot += d * d;
    }
    q->samples = c->n;
    q->r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : NAN; /* undefined when every time is equal */
    q->mape = 100.0 * abs_rel_error(c, model, c->idx, c->n) / (double)c->n;
    q->cv_mape = best->cv;
    return PD_OK;
}

/* "fitted by least squares ... to N timings from a, b" */
static char *make_note(const pd_timings *t, const pd_fit_options *o)
{
    static const char *const choice[] = {"paper", "macs", "auto"};
    const char *src[4];
    size_t n_src = 0;
    int more = 0;
    for (size_t i = 0; i < t->n && !more; i++) {
        const char *s = t->rows[i].source;
        int seen = 0;
        for (size_t j = 0; j < n_src; j++)
            seen |= strncmp(src[j], s, sizeof t->rows[i].source) == 0;
        if (seen || !s[0])
            continue;
        if (n_src == 4)
            more = 1;
        else
            src[n_src++] = s;
    }
    char from[4 * 70 + 16] = "";
    size_t len = 0;
    for (size_t j = 0; j < n_src; j++)
        len += (size_t)snprintf(from + len, sizeof from - len, "%s%.63s", j ? ", " : " from ",
                                src[j]);
    if (more)
        snprintf(from + len, sizeof from - len, " and more");
    char buf[512];
    snprintf(buf, sizeof buf,
             "fitted by predoff fit: least squares on the relative error, %s features, "
             "%zu-fold cross-validation, %zu timings%s",
             choice[o->features], o->folds, t->n, from);
    size_t n = strlen(buf) + 1;
    char *note = malloc(n);
    if (note)
        memcpy(note, buf, n);
    return note;
}

pd_status pd_fit_profile(const pd_timings *t, const pd_fit_options *o, const char *name,
                         pd_profile **out, pd_fit_quality *quality, pd_error *err)
{
    *out = NULL;
    for (int k = 0; quality && k < PD_LAYER_TYPE_COUNT; k++)
        quality[k] = (pd_fit_quality){(pd_layer_type)k, 0, NAN, NAN, NAN};
    if ((unsigned)o->features > PD_FEATURES_AUTO)
        return pd_error_set(err, PD_EINPUT, "unknown feature choice %d", (int)o->features);
    if (o->folds < 2 || o->folds > MAX_FOLDS)
        return pd_error_set(err, PD_EINPUT, "folds: %zu is outside [2, %d]", o->folds,
                            MAX_FOLDS);
    if (!name || !name[0])
        return pd_error_set(err, PD_EINPUT, "the profile needs a name");
    if (t->n == 0)
        return pd_error_set(err, PD_EINPUT, "no timings to fit");
    size_t count[PD_LAYER_TYPE_COUNT] = {0}, most = 0;
    for (size_t i = 0; i < t->n; i++) {
        const char *column, *why = pd_timing_row_problem(&t->rows[i], &column);
        if (why)
            return pd_error_set(err, PD_EINPUT, "timing %zu (layer \"%.63s\"): %s %s", i + 1,
                                t->rows[i].layer, column, why);
        count[t->rows[i].type]++;
    }
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        most = count[k] > most ? count[k] : most;

    type_fit c = {.rows = t->rows, .folds = o->folds};
    pd_profile *p = calloc(1, sizeof *p);
    c.idx = malloc(most * sizeof *c.idx);
    c.perm = malloc(most * sizeof *c.perm);
    c.train = malloc(most * sizeof *c.train);
    pd_status st = PD_OK;
    if (!p || !c.idx || !c.perm || !c.train || !(p->name = malloc(strlen(name) + 1)) ||
        !(p->note = make_note(t, o)))
        st = nomem(err);
    else
        st = pd_lsq_work_init(&c.w, most, err);
    if (!st)
        memcpy(p->name, name, strlen(name) + 1);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT && !st; k++) {
        if (!count[k])
            continue;
        c.n = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->rows[i].type == (pd_layer_type)k)
                c.idx[c.n++] = i;
        pd_fit_quality q = {(pd_layer_type)k, 0, NAN, NAN, NAN};
        st = fit_type(&c, (pd_layer_type)k, o, &p->layer[k], &q, err);
        if (!st && quality)
            quality[k] = q;
    }
    pd_lsq_work_free(&c.w);
    free(c.idx);
    free(c.perm);
    free(c.train);
    if (st) {
        pd_profile_free(p);
        return st;
    }
    *out = p;
    return PD_OK;
}
