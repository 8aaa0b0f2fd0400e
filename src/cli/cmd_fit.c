/* predoff fit: a tier profile fitted to measured layer times (a profile CSV). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fit_report.h"
#include "predoff/measure.h"

const cli_flag cli_cmd_fit_flags[] = {
    {"--features", "SET", "paper (table 4.1, default), macs, or auto (lowest CV error per type)"},
    {"--model", "linear|boosted|auto", "linear least squares (default), boosted trees (XGBoost, "
                                       "saved beside the profile as T.TYPE.xgb.json), or per type "
                                       "the one of lower CV error"},
    {"--report", "FILE.json", "also write the fit's figures per type (formats.md, \"Fit report\")"},
    {"--folds", "K", "folds of the cross-validation (default 5)"},
    {"--name", "NAME", "the profile's name (default: the output file's name)"},
    {"-o", "TIER.json", "where the profile goes (\"-\": standard output, no table; required)"},
    {"--test", "HELD_OUT.csv", "also report the fit's error on timings it was not fitted on"},
    {"--min-ms", "[TYPE=]T,..", "fit only the timings of at least T ms, of every type or of "
                                "the type named (default 0: all); held-out timings are all "
                                "scored"},
    {"--hold-out", "SOURCE,..", "fit without the rows of these sources (models) and report the "
                                "error on them"},
    {"--statistic", "median|mean", "which time of each layer to fit (default median; mean under a CPU quota)"},
    {"--no-kinds", NULL, "one model per layer type (default: a kind's rows, e.g. conv/depthwise, "
                         "get their own model when cross-validation says it predicts better)"},
    {NULL, NULL, NULL},
};

typedef struct fit_args {
    const char *csv, *out, *name, *test, *hold_out, *report;
    int use_mean;
    double min_ms[PD_LAYER_TYPE_COUNT];
    const char *min_ms_text;
    pd_fit_options opt;
} fit_args;

/* --min-ms: "T" for every type, or "TYPE=T" items, comma-separated (later items win). */
static pd_status read_min_ms(const char *text, double min_ms[PD_LAYER_TYPE_COUNT], pd_error *err)
{
    const char *item;
    size_t len;
    for (const char *c = text; cli_list_next(&c, &item, &len);) {
        char buf[64];
        if (len == 0 || len >= sizeof buf)
            return pd_error_set(err, PD_EINPUT, "--min-ms: \"%.*s\" is not T or TYPE=T",
                                (int)(len < 40 ? len : 40), item);
        memcpy(buf, item, len);
        buf[len] = '\0';
        char *eq = strchr(buf, '=');
        const char *value = eq ? eq + 1 : buf;
        int type = -1; /* every type */
        if (eq) {
            *eq = '\0';
            type = (int)pd_layer_type_parse(buf);
            if (type < 0 || type >= PD_LAYER_TYPE_COUNT)
                return pd_error_set(err, PD_EINPUT, "--min-ms: \"%s\" is not a layer type", buf);
        }
        double v;
        if (cli_real("--min-ms", value, 0, 1e6, &v, err))
            return PD_EINPUT;
        for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
            if (type < 0 || k == type)
                min_ms[k] = v;
    }
    return PD_OK;
}

static pd_status read_args(const cli_parsed *p, fit_args *a, pd_error *err)
{
    static const char *const choices[] = {"paper", "macs", "auto"};
    static const char *const models[] = {"linear", "boosted", "auto"};
    pd_fit_options_init(&a->opt);
    a->out = a->name = a->test = a->hold_out = a->report = NULL;
    a->use_mean = 0;
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        a->min_ms[k] = 0.0;
    a->min_ms_text = NULL;
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT, "fit takes one PROFILE.csv");
    a->csv = p->pos[0];
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (cli_is(o, "-o")) {
            a->out = o->value;
        } else if (cli_is(o, "--test")) {
            a->test = o->value;
        } else if (cli_is(o, "--report")) {
            a->report = o->value;
        } else if (cli_is(o, "--model")) {
            size_t c = 0;
            while (c < 3 && strcmp(o->value, models[c]) != 0)
                c++;
            if (c == 3)
                return pd_error_set(err, PD_EINPUT,
                                    "--model: \"%s\" is not linear, boosted or auto", o->value);
            a->opt.model = (pd_model_choice)c;
        } else if (cli_is(o, "--min-ms")) {
            if (read_min_ms(o->value, a->min_ms, err))
                return PD_EINPUT;
            a->min_ms_text = o->value;
        } else if (cli_is(o, "--hold-out")) {
            if (!o->value[0])
                return pd_error_set(err, PD_EINPUT, "--hold-out: empty");
            a->hold_out = o->value;
        } else if (cli_is(o, "--statistic")) {
            if (strcmp(o->value, "median") != 0 && strcmp(o->value, "mean") != 0)
                return pd_error_set(err, PD_EINPUT, "--statistic: \"%s\" is not median or mean",
                                    o->value);
            a->use_mean = strcmp(o->value, "mean") == 0;
        } else if (cli_is(o, "--no-kinds")) {
            a->opt.no_kinds = true;
        } else if (cli_is(o, "--name")) {
            a->name = o->value;
        } else if (cli_is(o, "--folds")) {
            double k;
            if (cli_real("--folds", o->value, 2, 100, &k, err))
                return PD_EINPUT;
            if (k != floor(k))
                return pd_error_set(err, PD_EINPUT, "--folds: %s is not a whole number",
                                    o->value);
            a->opt.folds = (size_t)k;
        } else if (cli_is(o, "--features")) {
            size_t c = 0;
            while (c < 3 && strcmp(o->value, choices[c]) != 0)
                c++;
            if (c == 3)
                return pd_error_set(err, PD_EINPUT,
                                    "--features: \"%s\" is not paper, macs or auto", o->value);
            a->opt.features = (pd_feature_choice)c;
        }
    }
    if (!a->out || !a->out[0])
        return pd_error_set(err, PD_EINPUT, "fit needs -o TIER.json");
    if (a->name && !a->name[0])
        return pd_error_set(err, PD_EINPUT, "--name: empty");
    return PD_OK;
}

/* "laptop" from "profiles/laptop.json" (or from the CSV's name when writing to "-"). */
static void default_name(const fit_args *a, char *buf, size_t n)
{
    const char *path = strcmp(a->out, "-") == 0 ? a->csv : a->out;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(buf, n, "%.*s", (int)len, base);
    if (!buf[0])
        snprintf(buf, n, "fitted");
}

static void print_table(const pd_profile *prof, const pd_fit_quality *q, const fit_args *a,
                        size_t n_timings, size_t n_dropped)
{
    static const char *const choices[] = {"paper", "macs", "auto"};
    static const char *const models[] = {"linear", "boosted", "auto"};
    printf("%zu timings from %s; features %s; models %s; %zu-fold cross-validation\n",
           n_timings, a->csv, choices[a->opt.features], models[a->opt.model], a->opt.folds);
    if (a->min_ms_text)
        printf("%zu timings left out of the fit (--min-ms %s)\n", n_dropped, a->min_ms_text);
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
               a->opt.folds);
}

/* The profile's error on timings it was not fitted on, per type and kind (a kind's rows
 * apart from their type's, whichever model costs them). */
static pd_status print_held_out(const pd_profile *prof, const pd_timings *held,
                                const char *what, pd_error *err)
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

int cli_cmd_fit(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    fit_args a;
    if (read_args(p, &a, &err))
        return cli_fail(&err);
    char name[256];
    if (a.name)
        snprintf(name, sizeof name, "%s", a.name);
    else
        default_name(&a, name, sizeof name);
    pd_timings t = {0}, held = {0}, test = {0};
    pd_profile *prof = NULL;
    pd_fit_quality q[PD_FIT_QUALITY_ROWS];
    int status = CLI_EXIT_OK;
    if (pd_timings_read_csv(a.csv, &t, &err) || (a.use_mean && pd_timings_use_mean(&t, &err)) ||
        (a.hold_out && pd_timings_hold_out(&t, a.hold_out, a.csv, &held, &err) &&
         pd_error_prefix(&err, "--hold-out")) ||
        (a.test && (pd_timings_read_csv(a.test, &test, &err) ||
                    (a.use_mean && pd_timings_use_mean(&test, &err))))) {
        status = cli_fail(&err);
        goto done;
    }
    size_t dropped = pd_timings_drop_below(&t, a.min_ms);
    if (pd_fit_profile(&t, &a.opt, name, &prof, q, &err)) {
        pd_error_prefix(&err, a.csv);
        status = cli_fail(&err);
        goto done;
    }
    int to_stdout = strcmp(a.out, "-") == 0;
    if (pd_profile_write_path(prof, a.out, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (!to_stdout) {
        print_table(prof, q, &a, t.n, dropped);
        printf("\nwrote %s (profile \"%s\")\n", a.out, prof->name);
    }
    if (!to_stdout && a.hold_out) {
        char what[320];
        snprintf(what, sizeof what, "%s (%s)", a.csv, a.hold_out);
        if (print_held_out(prof, &held, what, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }
    if (!to_stdout && a.test && print_held_out(prof, &test, a.test, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    /* the report's test rows: the held-out sources' and the --test file's together */
    for (size_t i = 0; a.report && a.hold_out && a.test && i < held.n; i++)
        if (pd_timings_add(&test, &held.rows[i], &err)) {
            status = cli_fail(&err);
            goto done;
        }
    if (a.report && cli_fit_report(a.report, prof, q, a.test ? &test : a.hold_out ? &held : NULL,
                                   &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (!to_stdout && a.report)
        printf("wrote %s (the fit report)\n", a.report);
done:
    pd_profile_free(prof);
    pd_timings_free(&t);
    pd_timings_free(&held);
    pd_timings_free(&test);
    return status;
}
