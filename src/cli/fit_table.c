/* predoff fit's tables: the fit per type and kind, and the error on held-out timings. */
#include <math.h>
#include <stdio.h>

#include "fit_flags.h"
#include "fit_table.h"

void cli_fit_table(const pd_profile *prof, const pd_fit_quality *q, const char *csv,
                   const pd_fit_options *opt, const char *min_ms_text, size_t n_timings,
                   size_t n_dropped)
{
    printf("%zu timings from %s; features %s; models %s; %zu-fold cross-validation\n",
           n_timings, csv, cli_feature_name(opt->features), cli_model_name(opt->model),
           opt->folds);
    if (min_ms_text)
        printf("%zu timings left out of the fit (--min-ms %s)\n", n_dropped, min_ms_text);
    printf("\n");
    printf("%-14s %8s  %-38s %9s %9s %10s %6s\n", "type", "samples", "model", "R^2", "MAPE %",
           "CV MAPE %", "<=10%");
    char none[256] = "";
    size_t nl = 0;
    int dash = 0;
    for (int t = 0; t < PD_FIT_QUALITY_ROWS; t++) {
        const int is_kind = t >= PD_LAYER_TYPE_COUNT;
        const pd_layer_kind kind = is_kind ? (pd_layer_kind)(t - PD_LAYER_TYPE_COUNT) : PD_KIND_NONE;
        if (is_kind && kind == PD_KIND_NONE)
            continue;
        const char *tn = is_kind ? pd_layer_kind_name(kind) : pd_layer_type_name((pd_layer_type)t);
        if (!q[t].samples) {
            if (!is_kind && nl < sizeof none)
                nl += (size_t)snprintf(none + nl, sizeof none - nl, "%s%s", nl ? ", " : "", tn);
            continue;
        }
        const pd_linear_model *m = is_kind ? &prof->kind[kind] : &prof->layer[t];
        char feats[96] = "";
        size_t fl = 0;
        int n_cols;
        if (m->boosted) { /* trees over n columns */
            pd_boosted_columns(m->boosted, &n_cols);
            snprintf(feats, sizeof feats, "boosted: %d cols, %d trees d%d eta %g", n_cols,
                     q[t].rounds, q[t].depth, q[t].eta);
        }
        for (int j = 0; !m->boosted && j < m->n && fl < sizeof feats; j++)
            fl += (size_t)snprintf(feats + fl, sizeof feats - fl, "%s%s", j ? "+" : "",
                                   pd_feature_name(m->features[j]));
        if (!m->n && !m->boosted)
            snprintf(feats, sizeof feats, "(constant)");
        char r2[32] = "-", cv[32] = "-";
        if (!isnan(q[t].r2))
            snprintf(r2, sizeof r2, "%.4f", q[t].r2);
        if (!isnan(q[t].cv_mape))
            snprintf(cv, sizeof cv, "%.2f", q[t].cv_mape);
        dash |= isnan(q[t].r2) || isnan(q[t].cv_mape);
        printf("%-14s %8zu  %-38s %9s %9.2f %10s %6.3f\n", tn, q[t].samples, feats, r2, q[t].mape,
               cv, q[t].within_10);
    }
    if (nl)
        printf("\nno samples for %s: the profile has no model for them\n", none);
    if (dash)
        printf("(-: R^2 is undefined when all times are equal; cross-validation needs %zu "
               "samples)\n",
               opt->folds);
}

/* The profile's error on timings it was not fitted on, per type and kind (a kind's rows
 * apart from their type's, whichever model costs them). */
pd_status cli_fit_held_out(const pd_profile *prof, const pd_timings *held, const char *what,
                           pd_error *err)
{
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    if (pd_profile_evaluate(prof, held, q, err))
        return PD_EINPUT;
    printf("\nheld out: %zu timings from %s\n%-14s %8s %9s %9s %6s  %s\n", held->n, what, "type",
           "samples", "R^2", "MAPE %", "<=10%", "model");
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        if (!q[k].samples)
            continue;
        const pd_linear_model *m = pd_profile_model_for(prof, q[k].type, q[k].kind);
        const char *by = m == &prof->kind[q[k].kind] ? pd_layer_kind_name(q[k].kind)
                                                     : pd_layer_type_name(q[k].type);
        printf("%-14s %8zu %9.4f %9.2f %6.3f  %s%s\n", pd_layer_model_name(q[k].type, q[k].kind),
               q[k].samples, q[k].r2, q[k].mape, q[k].within_10, by,
               m->boosted ? " (boosted)" : "");
    }
    return PD_OK;
}

