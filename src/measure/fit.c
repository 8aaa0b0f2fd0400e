/* The fitter (paper section 4.2): one linear latency model per layer type, by least squares
 * on the relative error; k-fold cross-validation judges the model and, with AUTO, chooses
 * the feature set. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "measure/fit_folds.h"
#include "measure/lstsq.h"
#include "measure/timing_rules.h"
#include "predoff/rng.h"

#define MAX_FOLDS 100
#define MAX_COEF 1e12   /* what pd_profile_from_json accepts */
#define MAX_CANDIDATES 32 /* feature sets AUTO judges for one type */
#define TIE_ABS 1e-6    /* CV MAPEs (in %) closer than this are equal, whatever their spread */

/* The type descriptors' sets (pd_layer_type_fit_sets), one feature longer at most. */
typedef struct feature_set {
    int n;
    pd_feature f[PD_LSQ_MAX_FEATURES];
} feature_set;
_Static_assert((int)PD_FEATURE_SET_MAX + 2 <= (int)PD_LSQ_MAX_FEATURES,
               "a type's set, fused_act_elems and fused_exp_elems fit the solver");

void pd_fit_options_init(pd_fit_options *o)
{
    *o = (pd_fit_options){.features = PD_FEATURES_PAPER, .folds = 5, .seed = 1,
                          .model = PD_MODEL_LINEAR};
}

/* A row's place in the shuffle: its own draw for a grid point, its source's for a model's
 * layer timed in its runs, its shape's for a layer timed elsewhere. */
typedef struct shuffle_key {
    uint64_t key;
    size_t row;
} shuffle_key;

static int by_key(const void *a, const void *b)
{
    const shuffle_key *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* splitmix64's finaliser: a hash's bits mixed into a key. */
static uint64_t finish_key(uint64_t h)
{
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    return h ^ (h >> 31);
}

/* Whether row r is a layer of a model timed in its runs (a source's rows then move together
 * in the folds). A row with no run_ms is a layer timed alone somewhere else (`predoff
 * timings`; also the profiler's rows in files from before run_ms was written), whatever file
 * it came from; the sweep's grid points are dealt one by one. */
static bool in_model_run(const pd_layer_timing *r)
{
    return strcmp(r->source, "sweep") != 0 && !isnan(r->features[PD_FEAT_RUN_MS]);
}

/* v as the keys compare it: every NaN one NaN, -0 as 0. */
static double canonical(double v)
{
    return isnan(v) ? (double)NAN : v + 0.0;
}

/* Rows timed alone fall by their shape and features (the same layer timed twice in one fold),
 * not by source: a file of one layer type sorted by shape would otherwise give folds of
 * contiguous shapes, and the cross-validation would score extrapolation. */
static uint64_t shape_key(const pd_layer_timing *r, uint64_t seed)
{
    uint64_t h = 1469598103934665603u ^ seed ^ 0x5348415045u;
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++) {
        double v = canonical(r->shape[c]);
        h = pd_fnv1a(h, &v, sizeof v);
    }
    for (int f = 0; f < PD_FEATURE_COUNT; f++) {
        double v = canonical(r->features[f]);
        h = pd_fnv1a(h, &v, sizeof v);
    }
    return finish_key(h);
}

static bool same_value(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

bool pd_fit_same_group(const pd_layer_timing *a, const pd_layer_timing *b)
{
    if (strcmp(a->source, "sweep") == 0 || strcmp(b->source, "sweep") == 0)
        return false;
    if (in_model_run(a) || in_model_run(b))
        return in_model_run(a) && in_model_run(b) && strcmp(a->source, b->source) == 0;
    for (int c = 0; c < PD_SHAPE_COLUMN_COUNT; c++)
        if (!same_value(a->shape[c], b->shape[c]))
            return false;
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        if (!same_value(a->features[f], b->features[f]))
            return false;
    return true;
}

static uint64_t source_key(const char *source, uint64_t seed)
{
    /* FNV-1a started from the seed (mixed with a fixed odd constant), then finished */
    return finish_key(pd_fnv1a_str(1469598103934665603u ^ seed, source));
}

pd_status pd_fit_shuffle(const pd_layer_timing *rows, const size_t *idx, size_t n,
                         const pd_fit_options *o, pd_layer_type type, pd_layer_kind kind,
                         size_t *perm, pd_error *err)
{
    pd_rng rng;
    const uint64_t seed = o->seed + (uint64_t)type +
                          (kind == PD_KIND_NONE ? 0 : (uint64_t)(PD_LAYER_TYPE_COUNT + kind));
    pd_rng_seed(&rng, seed);
    memcpy(perm, idx, n * sizeof *perm);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)pd_rng_below(&rng, i), tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
    bool models = false;
    for (size_t i = 0; i < n && !models; i++)
        models = strcmp(rows[idx[i]].source, "sweep") != 0;
    if (!models)
        return PD_OK; /* the grid alone: the plain shuffle */
    shuffle_key *k = malloc(n * sizeof *k);
    if (!k)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const pd_layer_timing *r = &rows[perm[i]];
        k[i].row = perm[i];
        k[i].key = strcmp(r->source, "sweep") == 0 ? pd_rng_next(&rng)
                   : in_model_run(r)                  ? source_key(r->source, seed)
                                                      : shape_key(r, seed);
    }
    qsort(k, n, sizeof *k, by_key);
    for (size_t i = 0; i < n; i++)
        perm[i] = k[i].row;
    free(k);
    return PD_OK;
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

/* Fits rows c->idx[0..c->n) of type `type` (of kind `kind`, or PD_KIND_NONE: the type's
 * own model) into *model and *q; messages name the type or kind. */
static pd_status fit_rows(type_fit *c, pd_layer_type type, pd_layer_kind kind,
                          const pd_fit_options *o, pd_linear_model *model, pd_fit_quality *q,
                          pd_error *err)
{
    const char *tname = pd_layer_model_name(type, kind);
    const char *what = kind == PD_KIND_NONE ? "layer type" : "kind";
    if (pd_fit_shuffle(c->rows, c->idx, c->n, o, type, kind, c->perm, err))
        return PD_ENOMEM;
    const pd_fit_sets *ts = pd_layer_type_fit_sets(type);
    if (!ts || !ts->paper.n || ts->n_candidates > MAX_CANDIDATES)
        return pd_error_set(err, PD_ELIMIT, "%s \"%s\": no feature sets to fit with, or "
                            "more than %d", what, tname, MAX_CANDIDATES);
    const pd_feature_set *sets = o->features == PD_FEATURES_AUTO    ? ts->candidates
                                 : o->features == PD_FEATURES_MACS ? &ts->macs
                                                                    : &ts->paper;
    int n_cand = o->features == PD_FEATURES_AUTO ? (int)ts->n_candidates : 1;
    /* rows of fused kernels (a convolution with its ReLU in its pass: fused_act_elems > 0)
     * give each set the fused activations' elements besides, and those of them through an
     * exp (a fused SiLU) where rows fuse both kinds (a multiply fuses only sigmoids: the two
     * columns would be one); rows without none, as before */
    bool fused = false, exps = false, plain = false;
    for (size_t i = 0; i < c->n; i++) {
        const double *x = c->rows[c->idx[i]].features;
        fused |= x[PD_FEAT_FUSED_ACT_ELEMS] > 0.0;
        exps |= x[PD_FEAT_FUSED_EXP_ELEMS] > 0.0;
        plain |= x[PD_FEAT_FUSED_ACT_ELEMS] > 0.0 && !(x[PD_FEAT_FUSED_EXP_ELEMS] > 0.0);
    }
    feature_set cand[MAX_CANDIDATES];
    for (int k = 0; k < n_cand; k++) {
        cand[k].n = sets[k].n;
        for (int j = 0; j < sets[k].n; j++)
            cand[k].f[j] = sets[k].f[j];
        if (fused)
            cand[k].f[cand[k].n++] = PD_FEAT_FUSED_ACT_ELEMS;
        if (exps && plain)
            cand[k].f[cand[k].n++] = PD_FEAT_FUSED_EXP_ELEMS;
    }
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
            return pd_error_set(err, PD_EINPUT, "%s \"%s\": no linear model fits its %zu samples",
                                what, tname, c->n);
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
                            "%s \"%s\": feature \"%s\" is not given (its column is "
                            "missing, or empty) in %zu of %zu samples",
                            what, tname, pd_feature_name(missing), n_missing, c->n);
    const judged *best = &cands[choose(cands, n_tried)];
    *model = best->model;
    for (int j = -1; j < model->n; j++) {
        double v = j < 0 ? model->intercept : model->coef[j];
        if (fabs(v) <= MAX_COEF)
            continue;
        char which[64] = "intercept";
        if (j >= 0)
            snprintf(which, sizeof which, "coefficient of %s",
                     pd_feature_name(model->features[j]));
        return pd_error_set(err, PD_EINPUT,
                            "%s \"%s\": the fitted %s is %g, beyond the 1e12 a profile "
                            "holds (are the features counts, the times in ms?)",
                            what, tname, which, v);
    }
    double mean = 0.0, ss_tot = 0.0, ss_res = 0.0, within = 0.0;
    for (size_t i = 0; i < c->n; i++)
        mean += c->rows[c->idx[i]].median_ms;
    mean /= (double)c->n;
    for (size_t i = 0; i < c->n; i++) {
        const pd_layer_timing *r = &c->rows[c->idx[i]];
        double e = pd_linear_predict(model, r->features) - r->median_ms, d = r->median_ms - mean;
        ss_res += e * e;
        ss_tot += d * d;
        within += fabs(fmax(0.0, e + r->median_ms) - r->median_ms) <= 0.1 * r->median_ms;
    }
    q->within_10 = within / (double)c->n;
    q->boosted = false;
    q->samples = c->n;
    q->r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : NAN; /* undefined when every time is equal */
    q->mape = 100.0 * abs_rel_error(c, model, c->idx, c->n) / (double)c->n;
    q->cv_mape = best->cv;
    return PD_OK;
}

/* One way to model a type's rows: the kinds split off (split[k]) each with a model of its
 * own, the type's model over the rest. */
typedef struct type_models {
    bool split[PD_LAYER_KIND_COUNT];
    pd_linear_model type_model, kind_model[PD_LAYER_KIND_COUNT];
    pd_fit_quality type_q, kind_q[PD_LAYER_KIND_COUNT];
    double cv; /* the cross-validated MAPE over all the type's rows, in %; NAN: not known */
} type_models;

static pd_fit_quality no_quality(pd_layer_type type, pd_layer_kind kind)
{
    return (pd_fit_quality){type, kind, 0, NAN, NAN, NAN, NAN, false, 0, 0, 0.0};
}

/* Fits the rows all[0..n_all) of `type` as m->split says, into m. */
static pd_status fit_split(type_fit *c, const size_t *all, size_t n_all, pd_layer_type type,
                           const pd_fit_options *o, type_models *m, pd_error *err)
{
    c->n = 0;
    for (size_t i = 0; i < n_all; i++)
        if (!m->split[c->rows[all[i]].kind])
            c->idx[c->n++] = all[i];
    m->type_q = no_quality(type, PD_KIND_NONE);
    pd_status st = fit_rows(c, type, PD_KIND_NONE, o, &m->type_model, &m->type_q, err);
    double sum = m->type_q.cv_mape * (double)m->type_q.samples;
    for (int k = PD_KIND_NONE + 1; k < PD_LAYER_KIND_COUNT && !st; k++) {
        m->kind_q[k] = no_quality(type, (pd_layer_kind)k);
        if (!m->split[k])
            continue;
        c->n = 0;
        for (size_t i = 0; i < n_all; i++)
            if (c->rows[all[i]].kind == (pd_layer_kind)k)
                c->idx[c->n++] = all[i];
        st = fit_rows(c, type, (pd_layer_kind)k, o, &m->kind_model[k], &m->kind_q[k], err);
        sum += m->kind_q[k].cv_mape * (double)m->kind_q[k].samples;
    }
    m->cv = sum / (double)n_all;
    return st;
}

/* The type's rows all[0..n_all) modelled: first by one model, then, kind by kind, with the
 * kind's rows split off into a model of their own when that lowers the cross-validated error
 * over all of them (each side keeping `folds` rows or more, so both are cross-validated). */
static pd_status fit_type(type_fit *c, const size_t *all, size_t n_all, pd_layer_type type,
                          const pd_fit_options *o, type_models *best, pd_error *err)
{
    memset(best, 0, sizeof *best);
    pd_status st = fit_split(c, all, n_all, type, o, best, err);
    if (st || o->no_kinds)
        return st;
    size_t rest = n_all;
    for (int k = PD_KIND_NONE + 1; k < PD_LAYER_KIND_COUNT; k++) {
        size_t n_k = 0;
        for (size_t i = 0; i < n_all; i++)
            n_k += c->rows[all[i]].kind == (pd_layer_kind)k;
        if (n_k < o->folds || rest - n_k < o->folds)
            continue;
        type_models trial = *best;
        trial.split[k] = true;
        pd_error trial_err; /* a split that cannot be fitted is one not taken */
        st = fit_split(c, all, n_all, type, o, &trial, &trial_err);
        if (st == PD_ENOMEM)
            return nomem(err);
        if (!st && trial.cv < best->cv) { /* false when either is NAN */
            *best = trial;
            rest -= n_k;
        }
    }
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
             "%zu-fold cross-validation, %zu timings%s%s",
             choice[o->features], o->folds, t->n, from,
             o->model == PD_MODEL_BOOSTED ? "; boosted trees (XGBoost) in place of the "
                                            "linear models where they could be fitted"
             : o->model == PD_MODEL_AUTO  ? "; boosted trees (XGBoost) where their CV MAPE "
                                            "was lower"
                                          : "");
    size_t n = strlen(buf) + 1;
    char *note = malloc(n);
    if (note)
        memcpy(note, buf, n);
    return note;
}

static pd_status fit_profile(const pd_timings *t, const pd_fit_options *o, const char *name,
                             pd_profile **out, pd_fit_quality *quality, pd_error *err)
{
    *out = NULL;
    for (int k = 0; quality && k < PD_FIT_QUALITY_ROWS; k++)
        quality[k] = k < PD_LAYER_TYPE_COUNT
                         ? no_quality((pd_layer_type)k, PD_KIND_NONE)
                         : no_quality(pd_layer_kind_type((pd_layer_kind)(k - PD_LAYER_TYPE_COUNT)),
                                      (pd_layer_kind)(k - PD_LAYER_TYPE_COUNT));
    if ((unsigned)o->features > PD_FEATURES_AUTO)
        return pd_error_set(err, PD_EINPUT, "unknown feature choice %d", (int)o->features);
    if ((unsigned)o->model > PD_MODEL_AUTO)
        return pd_error_set(err, PD_EINPUT, "unknown model choice %d", (int)o->model);
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
    size_t *all = malloc(most * sizeof *all); /* one type's rows */
    c.idx = malloc(most * sizeof *c.idx);
    c.perm = malloc(most * sizeof *c.perm);
    c.train = malloc(most * sizeof *c.train);
    pd_status st = PD_OK;
    if (!p || !all || !c.idx || !c.perm || !c.train || !(p->name = malloc(strlen(name) + 1)) ||
        !(p->note = make_note(t, o)))
        st = nomem(err);
    else
        st = pd_lsq_work_init(&c.w, most, err);
    if (!st)
        memcpy(p->name, name, strlen(name) + 1);
    for (int k = 0; k < PD_LAYER_TYPE_COUNT && !st; k++) {
        if (!count[k])
            continue;
        size_t n_all = 0;
        for (size_t i = 0; i < t->n; i++)
            if (t->rows[i].type == (pd_layer_type)k)
                all[n_all++] = i;
        type_models m;
        st = fit_type(&c, all, n_all, (pd_layer_type)k, o, &m, err);
        if (st)
            break;
        p->layer[k] = m.type_model;
        if (quality)
            quality[k] = m.type_q;
        for (int j = PD_KIND_NONE + 1; j < PD_LAYER_KIND_COUNT; j++)
            if (m.split[j]) {
                p->kind[j] = m.kind_model[j];
                if (quality)
                    quality[PD_LAYER_TYPE_COUNT + j] = m.kind_q[j];
            }
    }
    free(all);
    pd_lsq_work_free(&c.w);
    free(c.idx);
    free(c.perm);
    free(c.train);
    if (!st && o->model != PD_MODEL_LINEAR)
        st = pd_fit_boosted(t, o, p, quality, err);
    if (st) {
        pd_profile_free(p);
        return st;
    }
    *out = p;
    return PD_OK;
}

pd_status pd_fit_profile(const pd_timings *t, const pd_fit_options *o, const char *name,
                         pd_profile **out, pd_fit_quality *quality, pd_error *err)
{
    /* a fused layer's row is its own pass, timed alone: what it costs where it runs apart
     * from its producer (a placement that splits them), so its type's model fits it; with
     * its producer it costs nothing more, the producer's row holding both */
    size_t n_fused = 0;
    bool fuses = false;
    for (size_t i = 0; i < t->n; i++) {
        n_fused += t->rows[i].fused_into[0] != '\0';
        fuses |= t->rows[i].features[PD_FEAT_FUSED_ACT_ELEMS] > 0.0;
    }
    pd_status st = fit_profile(t, o, name, out, quality, err);
    if (!st) /* its models cost a producer with what the runtime fuses into its pass */
        (*out)->fuses = fuses || n_fused > 0;
    return st;
}
