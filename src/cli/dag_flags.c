/* experiment dag's flags (--models, --archs, --at, --mobile-slowdown; the scenario flags
 * it sweeps itself refused) and each architecture's model and scenario: the experiment's
 * tiers unless --mobile, --edge, --cloud say otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment_dag.h"
#include "safe_name.h"

static const char *const default_archs[] = {"resnet18",  "mobilenet_v2",       "squeezenet1_1",
                                            "googlenet", "mobilenet_v3_small", "efficientnet_b0"};
static const double default_at_mbps[] = {1, 10, 100};
/* The tiers' profiles unless --mobile, --edge, --cloud say otherwise (docs/DAG-EXPERIMENT.md):
 * the mobile is x86-1core slowed down --mobile-slowdown times. */
static const char *const default_profile[PD_TIER_COUNT] = {"x86-1core", "x86-1core", "x86-2core"};
static const char *const profile_flag[PD_TIER_COUNT] = {"--mobile", "--edge", "--cloud"};
#define DEFAULT_SLOWDOWN 10.0
/* Exit accuracies for a network of three exits that has none (the exported weights are
 * random, so there are none to measure): bench_exact_dag's. */
static const double assumed_accuracy[] = {0.55, 0.62, 0.70};
/* The scenario flags that set what the experiment sweeps or sets itself. */
static const char *const swept_flags[] = {"--tiers",    "--bandwidth", "--uplink",
                                          "--downlink", "--channel-hz", "--snr-db"};

/* --archs: names that are safe as file names and in gnuplot's quotes, each once. */
static pd_status read_archs(const char *list, cli_dag_flags *f, pd_error *err)
{
    const char *item;
    size_t len;
    f->n_arch = 0;
    for (const char *c = list; cli_list_next(&c, &item, &len);) {
        if (f->n_arch == CLI_DAG_MAX_ARCHS)
            return pd_error_set(err, PD_EINPUT, "--archs: more than %d architectures",
                                CLI_DAG_MAX_ARCHS);
        if (len == 0 || len > CLI_DAG_NAME_MAX || strspn(item, "abcdefghijklmnopqrstuvwxyz"
                                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789_-.") < len ||
            item[0] == '.')
            return pd_error_set(err, PD_EINPUT,
                                "--archs: \"%.*s\" is not a name of 1 to %d letters, digits, "
                                "'_', '-' and '.' (not first)",
                                (int)(len > CLI_DAG_NAME_MAX ? CLI_DAG_NAME_MAX : len), item,
                                CLI_DAG_NAME_MAX);
        memcpy(f->arch[f->n_arch], item, len);
        f->arch[f->n_arch][len] = '\0';
        for (size_t k = 0; k < f->n_arch; k++)
            if (strcmp(f->arch[k], f->arch[f->n_arch]) == 0)
                return pd_error_set(err, PD_EINPUT, "--archs: \"%s\" given twice", f->arch[k]);
        f->n_arch++;
    }
    return PD_OK;
}

static pd_status read_at(const char *list, cli_dag_flags *f, pd_error *err)
{
    double mbps[CLI_DAG_MAX_AT];
    int n = cli_reals(list, mbps, CLI_DAG_MAX_AT);
    if (n < 1)
        return pd_error_set(err, PD_EINPUT,
                            "--at: \"%s\" is not a list of 1 to %d bandwidths in Mbps", list,
                            CLI_DAG_MAX_AT);
    for (int i = 0; i < n; i++) {
        if (!(mbps[i] >= CLI_DAG_LO_BPS / 1e6 && mbps[i] <= CLI_DAG_HI_BPS / 1e6))
            return pd_error_set(err, PD_EINPUT, "--at: %g Mbps is outside the sweep, %g to %g",
                                mbps[i], CLI_DAG_LO_BPS / 1e6, CLI_DAG_HI_BPS / 1e6);
        f->at_bps[i] = mbps[i] * 1e6;
    }
    f->n_at = (size_t)n;
    return PD_OK;
}

pd_status cli_dag_read_flags(const cli_parsed *p, cli_dag_flags *f, pd_error *err)
{
    memset(f, 0, sizeof *f);
    f->models = CLI_DAG_MODELS;
    f->slowdown = DEFAULT_SLOWDOWN;
    for (size_t i = 0; i < sizeof default_archs / sizeof *default_archs; i++)
        snprintf(f->arch[f->n_arch++], sizeof f->arch[0], "%s", default_archs[i]);
    for (size_t i = 0; i < sizeof default_at_mbps / sizeof *default_at_mbps; i++)
        f->at_bps[f->n_at++] = default_at_mbps[i] * 1e6;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        pd_status st = PD_OK;
        for (size_t k = 0; k < sizeof swept_flags / sizeof *swept_flags; k++)
            if (cli_is(o, swept_flags[k]))
                return pd_error_set(err, PD_EINPUT,
                                    "experiment dag: %s: the experiment sweeps the mobile-edge "
                                    "rate from %g to %g Mbps, with two and with three tiers",
                                    swept_flags[k], CLI_DAG_LO_BPS / 1e6, CLI_DAG_HI_BPS / 1e6);
        for (int t = 0; t < PD_TIER_COUNT; t++)
            f->profile_given[t] |= cli_is(o, profile_flag[t]);
        if (cli_is(o, "--models"))
            f->models = o->value;
        else if (cli_is(o, "--archs"))
            st = read_archs(o->value, f, err);
        else if (cli_is(o, "--at"))
            st = read_at(o->value, f, err);
        else if (cli_is(o, "--mobile-slowdown"))
            st = cli_real("--mobile-slowdown", o->value, PD_PROFILE_SCALE_MIN,
                          PD_PROFILE_SCALE_MAX, &f->slowdown, err);
        if (st)
            return st;
    }
    return PD_OK;
}

void cli_dag_model_path(const cli_dag_flags *f, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/model.onnx", f->models, f->arch[i]);
}

pd_status cli_dag_check_models(const cli_dag_flags *f, pd_error *err)
{
    char path[4200], nb[4 * 4200];
    if (strlen(f->models) > 4000)
        return pd_error_set(err, PD_EINPUT, "--models: a folder name of %zu bytes is too long",
                            strlen(f->models));
    for (size_t i = 0; i < f->n_arch; i++) {
        cli_dag_model_path(f, i, path, sizeof path);
        FILE *m = fopen(path, "rb");
        if (m) {
            fclose(m);
            continue;
        }
        int e = errno;
        return pd_error_set(err, PD_EINPUT,
                            "--models: %s: %s; make the architectures with /usr/bin/python3 "
                            "tools/make_onnx_models.py %s (Debian's python3-torch, "
                            "python3-torchvision, python3-onnx)",
                            cli_safe_name(path, nb, sizeof nb), strerror(e),
                            cli_safe_name(f->models, nb + sizeof nb / 2, sizeof nb / 2));
    }
    return PD_OK;
}

/* The experiment's profiles where no flag names one, the mobile slowed down, and the
 * assumed accuracies for a network of three exits without any. */
static pd_status prepare_scenario(cli_setup *s, const cli_dag_flags *f, pd_error *err)
{
    for (int t = 0; t < PD_TIER_COUNT; t++) {
        if (f->profile_given[t])
            continue;
        pd_profile *pr;
        pd_status st = pd_profile_open(default_profile[t], &pr, err);
        if (st)
            return st;
        pd_profile_free(s->sc.profile[t]);
        s->sc.profile[t] = pr;
    }
    if (f->slowdown != 1.0) {
        pd_status st = pd_profile_scale(s->sc.profile[PD_TIER_MOBILE], f->slowdown, err);
        if (st)
            return pd_error_prefix(err, "--mobile-slowdown");
    }
    size_t missing = 0;
    for (size_t k = 0; k < s->g->n_exits; k++)
        missing += !s->g->layers[s->g->exits[k]].has_accuracy;
    if (s->sc.n_exit_accuracy || !missing)
        return PD_OK;
    size_t n = sizeof assumed_accuracy / sizeof *assumed_accuracy;
    if (s->g->n_exits != n)
        return pd_error_set(err, PD_EINPUT,
                            "%zu of the %zu exits have no accuracy; the experiment assumes "
                            "accuracies for 3 exits only: give --exit-accuracy",
                            missing, s->g->n_exits);
    s->sc.exit_accuracy = malloc(sizeof assumed_accuracy);
    if (!s->sc.exit_accuracy)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(s->sc.exit_accuracy, assumed_accuracy, sizeof assumed_accuracy);
    s->sc.n_exit_accuracy = n;
    return PD_OK;
}

pd_status cli_dag_setup(const cli_parsed *p, const cli_dag_flags *f, size_t i, cli_setup *s,
                        pd_error *err)
{
    char path[4200];
    cli_dag_model_path(f, i, path, sizeof path);
    pd_status st = cli_setup_begin(p, path, s, err);
    if (!st && (st = prepare_scenario(s, f, err))) {
        cli_setup_close(s);
        pd_error_prefix(err, path);
    }
    return st;
}
