/* predoff fit: a tier profile fitted to measured layer times (a profile CSV). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fit_flags.h"
#include "fit_report.h"
#include "fit_table.h"
#include "timings_file.h"
#include "predoff/measure.h"

const cli_flag cli_cmd_fit_flags[] = {
    {"--features", "SET", "paper (table 4.1, default with linear models), macs, or auto (lowest "
                          "CV error per type; default with boosted trees, whose base it is)"},
    {"--model", "linear|boosted|auto", "linear least squares (default), boosted trees (XGBoost, "
                                       "saved beside the profile as T.TYPE.xgb.json), or per type "
                                       "the one of lower CV error"},
    {"--report", "FILE.json", "also write the fit's figures per type (formats.md, \"Fit report\")"},
    {"--folds", "K", "folds of the cross-validation (default 5)"},
    {"--name", "NAME", "the profile's name (default: the output file's name)"},
    {"-o", "TIER.json", "where the profile goes (\"-\": standard output, no table; required)"},
    {"--test", "HELD_OUT.csv", "also report the fit's error on timings it was not fitted on"},
    {"--predictions", "OUT.csv", "with --hold-out or --test: those rows as a timings CSV with "
                                 "the fit's prediction of each (predicted_ms)"},
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
    const char *csv, *out, *name, *test, *hold_out, *report, *predictions;
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
    pd_fit_options_init(&a->opt);
    a->out = a->name = a->test = a->hold_out = a->report = a->predictions = NULL;
    a->use_mean = 0;
    for (int k = 0; k < PD_LAYER_TYPE_COUNT; k++)
        a->min_ms[k] = 0.0;
    a->min_ms_text = NULL;
    if (p->n_pos != 1)
        return pd_error_set(err, PD_EINPUT, "fit takes one PROFILE.csv");
    a->csv = p->pos[0];
    int features_given = 0;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (cli_is(o, "-o")) {
            a->out = o->value;
        } else if (cli_is(o, "--test")) {
            a->test = o->value;
        } else if (cli_is(o, "--report")) {
            a->report = o->value;
        } else if (cli_is(o, "--predictions")) {
            a->predictions = o->value;
        } else if (cli_is(o, "--model")) {
            if (cli_model_choice(o->value, &a->opt.model, err))
                return PD_EINPUT;
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
            if (cli_feature_choice(o->value, &a->opt.features, err))
                return PD_EINPUT;
            features_given = 1;
        }
    }
    cli_default_features(&a->opt, features_given);
    if (!a->out || !a->out[0])
        return pd_error_set(err, PD_EINPUT, "fit needs -o TIER.json");
    if (a->name && !a->name[0])
        return pd_error_set(err, PD_EINPUT, "--name: empty");
    if (a->predictions && !a->test && !a->hold_out)
        return pd_error_set(err, PD_EINPUT, "--predictions: of held-out rows: give --hold-out "
                            "SOURCE,.. or --test HELD_OUT.csv");
    return PD_OK;
}

/* The held-out rows with the profile's prediction of each, to path. */
static pd_status write_predictions(const char *path, const pd_profile *prof,
                                   const pd_timings *rows, pd_error *err)
{
    double *pred = malloc((rows->n ? rows->n : 1) * sizeof *pred);
    if (!pred)
        return pd_error_set(err, PD_ENOMEM, "--predictions: out of memory");
    pd_status st = pd_profile_predict_timings(prof, rows, pred, err);
    if (!st)
        st = cli_write_timings_predicted(path, rows, pred, err);
    free(pred);
    return st;
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
        cli_fit_table(prof, q, a.csv, &a.opt, a.min_ms_text, t.n, dropped);
        printf("\nwrote %s (profile \"%s\")\n", a.out, prof->name);
    }
    if (!to_stdout && a.hold_out) {
        char what[320];
        snprintf(what, sizeof what, "%s (%s)", a.csv, a.hold_out);
        if (cli_fit_held_out(prof, &held, what, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }
    if (!to_stdout && a.test && cli_fit_held_out(prof, &test, a.test, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    /* the report's and the predictions' test rows: the held-out sources' and the --test
     * file's together */
    for (size_t i = 0; (a.report || a.predictions) && a.hold_out && a.test && i < held.n; i++)
        if (pd_timings_add(&test, &held.rows[i], &err)) {
            status = cli_fail(&err);
            goto done;
        }
    const pd_timings *judged = a.test ? &test : a.hold_out ? &held : NULL;
    if (a.report && cli_fit_report(a.report, prof, q, judged, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (!to_stdout && a.report)
        printf("wrote %s (the fit report)\n", a.report);
    if (a.predictions && write_predictions(a.predictions, prof, judged, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (!to_stdout && a.predictions)
        printf("wrote %s (%zu held-out rows, each with its prediction)\n", a.predictions,
               judged->n);
done:
    pd_profile_free(prof);
    pd_timings_free(&t);
    pd_timings_free(&held);
    pd_timings_free(&test);
    return status;
}
