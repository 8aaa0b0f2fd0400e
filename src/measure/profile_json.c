/* Writing a tier profile as the JSON pd_profile_from_json reads (formats.md, "Tier latency
 * profile"), its measured tables too; numbers with 17 significant digits, so they read back
 * bit for bit. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cost/boosted.h"
#include "measure/profile_write.h"
#include "predoff/measure.h"

#define MAX_ABS 1e12 /* the reader's bound on coefficients and intercepts */

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

/* Fails, naming the model, when the reader would refuse it. */
static pd_status check_model(const pd_linear_model *m, const char *what, pd_error *err)
{
    if (m->boosted)
        return m->boosted->scale == 1.0
                   ? PD_OK
                   : pd_error_set(err, PD_EINPUT, "%s: boosted trees made slower or faster "
                                  "(pd_profile_scale) cannot be written", what);
    if (m->n < 0 || m->n > PD_FEATURE_COUNT)
        return pd_error_set(err, PD_EINPUT, "%s: %d features", what, m->n);
    for (int i = 0; i < m->n; i++) {
        if ((unsigned)m->features[i] >= PD_FEATURE_COUNT)
            return pd_error_set(err, PD_EINPUT, "%s: feature %d is not a feature", what, i);
        for (int j = 0; j < i; j++)
            if (m->features[j] == m->features[i])
                return pd_error_set(err, PD_EINPUT, "%s: feature \"%s\" given twice", what,
                                    pd_feature_name(m->features[i]));
        if (!(fabs(m->coef[i]) <= MAX_ABS))
            return pd_error_set(err, PD_EINPUT, "%s: coefficient of %s is %g, beyond 1e12", what,
                                pd_feature_name(m->features[i]), m->coef[i]);
    }
    if (!(fabs(m->intercept) <= MAX_ABS))
        return pd_error_set(err, PD_EINPUT, "%s: intercept %g is beyond 1e12", what,
                            m->intercept);
    return PD_OK;
}

/* A boosted entry names its file (`file`) and its columns. */
static void put_boosted(FILE *f, const pd_boosted *b, const char *file)
{
    fputs("{\"model\": \"boosted\", \"file\": ", f);
    put_string(f, file);
    fputs(", \"features\": [", f);
    for (int i = 0; i < b->n; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", pd_column_name(b->cols[i]));
    fprintf(f, "]%s", b->target.log ? ", \"target\": \"log_ms\"" : "");
    if (b->target.per >= 0)
        fprintf(f, ", \"per\": \"%s\"", pd_column_name(b->cols[b->target.per]));
    const pd_boosted_target *t = &b->target;
    if (t->n_base > 0) {
        fputs(", \"base\": {\"features\": [", f);
        for (int j = 0; j < t->n_base; j++)
            fprintf(f, "%s\"%s\"", j ? ", " : "", pd_column_name(b->cols[t->base_col[j]]));
        fputs("], \"coef\": [", f);
        for (int j = 0; j < t->n_base; j++)
            fprintf(f, "%s%.17g", j ? ", " : "", t->base_coef[j]);
        fprintf(f, "], \"intercept\": %.17g}, \"base_min_ms\": %.17g", t->base_intercept,
                t->base_min_ms);
    }
    fputc('}', f);
}

static void put_model(FILE *f, const pd_linear_model *m)
{
    fputs("{\"features\": [", f);
    for (int i = 0; i < m->n; i++)
        fprintf(f, "%s\"%s\"", i ? ", " : "", pd_feature_name(m->features[i]));
    fputs("], \"coef\": [", f);
    for (int i = 0; i < m->n; i++)
        fprintf(f, "%s%.17g", i ? ", " : "", m->coef[i]);
    fprintf(f, "], \"intercept\": %.17g}", m->intercept);
}

pd_status pd_profile_write_json(const pd_profile *p, FILE *f, pd_error *err)
{
    return pd_profile_write_json_named(p, f, NULL, err);
}

pd_status pd_profile_write_json_named(const pd_profile *p, FILE *f,
                                      const char *const files[PD_PROFILE_ENTRIES], pd_error *err)
{
    for (int e = 0; e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(p, e);
        if (m->present && m->boosted && !(files ? files[e] : m->boosted->file))
            return pd_error_set(err, PD_EINPUT, "%s: the boosted model of \"%s\" has no file "
                                "name (write it with pd_profile_write_path)",
                                p->name ? p->name : "profile", pd_profile_entry_name(e));
    }
    if (!p->name || !p->name[0])
        return pd_error_set(err, PD_EINPUT, "a profile needs a name");
    const pd_linear_model *extra[] = {&p->load, &p->parse};
    static const char *const extra_name[] = {"load", "parse"};
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++) {
        char what[64];
        snprintf(what, sizeof what, "layers.%s", pd_layer_type_name((pd_layer_type)t));
        if (p->layer[t].present && check_model(&p->layer[t], what, err))
            return pd_error_prefix(err, p->name);
    }
    for (int k = 0; k < PD_LAYER_KIND_COUNT; k++) {
        char what[64];
        snprintf(what, sizeof what, "layers.%s", pd_layer_kind_name((pd_layer_kind)k));
        if (p->kind[k].present && (k == PD_KIND_NONE || check_model(&p->kind[k], what, err)))
            return k == PD_KIND_NONE
                       ? pd_error_set(err, PD_EINPUT, "%s: a model of no kind", p->name)
                       : pd_error_prefix(err, p->name);
    }
    for (int k = 0; k < 2; k++)
        if (extra[k]->present && check_model(extra[k], extra_name[k], err))
            return pd_error_prefix(err, p->name);
    int any_layers = 0;
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++)
        any_layers |= p->layer[t].present;
    for (int k = 0; k < PD_LAYER_KIND_COUNT; k++)
        any_layers |= p->kind[k].present;
    for (size_t m = 0; m < p->n_measured; m++) {
        const pd_measured_model *t = &p->measured[m];
        if (!t->model || !t->model[0] || t->n == 0)
            return pd_error_set(err, PD_EINPUT, "%s: measured table %zu is empty or unnamed",
                                p->name, m + 1);
        for (size_t i = 0; i < t->n; i++)
            if (!t->layer[i].layer || !t->layer[i].layer[0] ||
                !(t->layer[i].ms >= 0.0 && t->layer[i].ms <= PD_MEASURED_MAX_MS))
                return pd_error_set(err, PD_EINPUT, "%s: measured.%.64s: layer %zu has no name "
                                    "or a time outside [0, %g] ms", p->name, t->model, i + 1,
                                    PD_MEASURED_MAX_MS);
    }

    fputs("{\n  \"name\": ", f);
    put_string(f, p->name);
    if (p->note) {
        fputs(",\n  \"note\": ", f);
        put_string(f, p->note);
    }
    if (p->fuses)
        fputs(",\n  \"fuses\": true", f);
    int first = 1;
    if (any_layers || !p->n_measured) /* a profile of measured times alone needs none */
        fputs(",\n  \"layers\": {", f);
    for (int t = 0; t < PD_LAYER_TYPE_COUNT; t++) {
        if (!p->layer[t].present)
            continue;
        fprintf(f, "%s\n    \"%s\": ", first ? "" : ",", pd_layer_type_name((pd_layer_type)t));
        if (p->layer[t].boosted)
            put_boosted(f, p->layer[t].boosted, files ? files[t] : p->layer[t].boosted->file);
        else
            put_model(f, &p->layer[t]);
        first = 0;
    }
    for (int k = PD_KIND_NONE + 1; k < PD_LAYER_KIND_COUNT; k++) { /* after the types */
        if (!p->kind[k].present)
            continue;
        fprintf(f, "%s\n    \"%s\": ", first ? "" : ",", pd_layer_kind_name((pd_layer_kind)k));
        const pd_boosted *b = p->kind[k].boosted;
        if (b)
            put_boosted(f, b, files ? files[PD_LAYER_TYPE_COUNT + k] : b->file);
        else
            put_model(f, &p->kind[k]);
        first = 0;
    }
    if (any_layers || !p->n_measured)
        fputs(first ? "}" : "\n  }", f);
    for (int k = 0; k < 2; k++)
        if (extra[k]->present) {
            fprintf(f, ",\n  \"%s\": ", extra_name[k]);
            put_model(f, extra[k]);
        }
    if (p->n_measured) {
        fputs(",\n  \"measured\": {", f);
        for (size_t m = 0; m < p->n_measured; m++) {
            const pd_measured_model *t = &p->measured[m];
            fputs(m ? ",\n    " : "\n    ", f);
            put_string(f, t->model);
            fputs(": {", f);
            for (size_t i = 0; i < t->n; i++) {
                fputs(i ? ",\n      " : "\n      ", f);
                put_string(f, t->layer[i].layer);
                fprintf(f, ": %.17g", t->layer[i].ms);
            }
            fputs("\n    }", f);
        }
        fputs("\n  }", f);
    }
    fputs("\n}\n", f);
    if (ferror(f))
        return pd_error_set(err, PD_EIO, "%s: writing the profile failed", p->name);
    return PD_OK;
}
