/* The fit report: per type and kind, how the chosen model fits and, with held-out timings,
 * how it predicts them. */
#include <math.h>
#include <stdlib.h>

#include "core/json_util.h"
#include "fit_report.h"

/* A number, or null when it is not defined (R^2 of equal times, CV of too few rows). */
static int add_number(cJSON *o, const char *key, double v)
{
    return (isfinite(v) ? cJSON_AddNumberToObject(o, key, v) : cJSON_AddNullToObject(o, key)) !=
           NULL;
}

static int add_features(cJSON *o, const pd_linear_model *m)
{
    cJSON *a = cJSON_AddArrayToObject(o, "features");
    int n = m->n;
    const int *cols = m->boosted ? pd_boosted_columns(m->boosted, &n) : NULL;
    for (int k = 0; a && k < n; k++) {
        cJSON *s = cJSON_CreateString(pd_column_name(cols ? cols[k] : (int)m->features[k]));
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            return 0;
        }
    }
    return a != NULL;
}

/* Per entry: the test rows it costs, and their errors. */
typedef struct test_stats {
    size_t n;
    double ape, within;
} test_stats;

static void count(test_stats *s, double a)
{
    s->n++;
    s->ape += a;
    s->within += a <= 0.1;
}

/* s[entry] per entry, by_type[type] per layer type over all its kinds. */
static pd_status score_test(const pd_profile *prof, const pd_timings *test, test_stats *s,
                            test_stats *by_type, pd_error *err)
{
    double *pred = malloc((test->n ? test->n : 1) * sizeof *pred);
    if (!pred)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = pd_profile_predict_timings(prof, test, pred, err);
    for (size_t i = 0; !st && i < test->n; i++) {
        const pd_layer_timing *r = &test->rows[i];
        const pd_linear_model *m = pd_profile_model_for(prof, r->type, r->kind);
        if (!isfinite(pred[i]) || r->fused_into[0])
            continue; /* no prediction; or a fused layer, whose time in a run is its producer's */
        double a = fabs(pred[i] - r->median_ms) / r->median_ms;
        for (int e = 0; e < PD_PROFILE_ENTRIES; e++)
            if (pd_profile_entry(prof, e) == m)
                count(&s[e], a);
        count(&by_type[r->type], a);
    }
    free(pred);
    return st;
}

pd_status cli_fit_report(const char *path, const pd_profile *prof, const pd_fit_quality *q,
                         const pd_timings *test, pd_error *err)
{
    test_stats s[PD_PROFILE_ENTRIES] = {{0}}, by_type[PD_LAYER_TYPE_COUNT] = {{0}};
    if (test && score_test(prof, test, s, by_type, err))
        return PD_EINPUT;
    cJSON *root = cJSON_CreateObject(), *types = cJSON_AddObjectToObject(root, "types");
    int ok = types != NULL;
    for (int e = 0; ok && e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(prof, e);
        if (!m->present || !q[e].samples)
            continue;
        cJSON *o = cJSON_AddObjectToObject(types, pd_profile_entry_name(e));
        ok = o && cJSON_AddNumberToObject(o, "samples", (double)q[e].samples) &&
             cJSON_AddStringToObject(o, "model", m->boosted ? "boosted" : "linear") &&
             add_features(o, m) && add_number(o, "mape", q[e].mape) &&
             add_number(o, "within_10", q[e].within_10) && add_number(o, "cv_mape", q[e].cv_mape);
        if (ok && test)
            ok = cJSON_AddNumberToObject(o, "test_samples", (double)s[e].n) &&
                 add_number(o, "test_mape", s[e].n ? 100.0 * s[e].ape / (double)s[e].n : NAN) &&
                 add_number(o, "test_within_10", s[e].n ? s[e].within / (double)s[e].n : NAN);
    }
    /* the held-out rows of each type, its kinds' and its own together */
    cJSON *all = ok && test ? cJSON_AddObjectToObject(root, "test_types") : NULL;
    ok = ok && (!test || all);
    for (int t = 0; ok && all && t < PD_LAYER_TYPE_COUNT; t++) {
        if (!by_type[t].n)
            continue;
        cJSON *o = cJSON_AddObjectToObject(all, pd_layer_type_name((pd_layer_type)t));
        ok = o && cJSON_AddNumberToObject(o, "test_samples", (double)by_type[t].n) &&
             add_number(o, "test_mape", 100.0 * by_type[t].ape / (double)by_type[t].n) &&
             add_number(o, "test_within_10", by_type[t].within / (double)by_type[t].n);
    }
    pd_status st = ok ? pd_json_write(root, path, err)
                      : pd_error_set(err, PD_ENOMEM, "out of memory");
    cJSON_Delete(root);
    return st;
}
