/* Scenario flags: tiers, profiles, links, demand and the optional terms. */
#include "scenario_flags.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const cli_flag cli_scenario_flags[] = {
    {"--tiers", "LIST", "tiers in use: mobile,edge[,cloud] (default mobile,edge)"},
    {"--mobile", "PROFILE", "mobile profile: preset or JSON file (default paper-rpi3b)"},
    {"--edge", "PROFILE", "edge profile (default paper-laptop)"},
    {"--cloud", "PROFILE", "cloud profile (default paper-cloud)"},
    {"--bandwidth", "RATE", "mobile<->edge rate both ways, e.g. 74Mbps (default)"},
    {"--uplink", "RATE", "mobile->edge rate"},
    {"--downlink", "RATE", "edge->mobile rate"},
    {"--wired", "RATE", "edge<->cloud rate (default 1Gbps)"},
    {"--channel-hz", "W", "wireless rate by Shannon-Hartley: channel width in Hz"},
    {"--snr-db", "X", "... and signal-to-noise ratio in dB"},
    {"--wireless-delay", "MS", "fixed delay per mobile<->edge transfer (default 0)"},
    {"--wired-delay", "MS", "fixed delay per edge<->cloud transfer (default 0)"},
    {"--accuracy-dist", "SPEC", "normal:MU,SIGMA | uniform:A,B | history:FILE (default normal:0.625,0.053)"},
    {"--exit-accuracy", "A1,A2,..", "exit accuracies in the model's exit order"},
    {"--accuracy-from", "ACC.json", "exit accuracies measured by predoff accuracy -o"},
    {"--load-requests", "N", "add model loading, amortised over N requests"},
    {"--parse", NULL, "add the mobile's result-parsing time to every request"},
    {"--pin", "LAYER=TIER,..",
     "run these layers on these tiers, e.g. conv1=mobile,fc=cloud (may be repeated)"},
    {NULL, NULL, NULL},
};

static pd_status set_tiers(pd_scenario *sc, const char *list, pd_error *err)
{
    bool uses[PD_TIER_COUNT] = {false};
    char buf[128];
    if (strlen(list) >= sizeof buf)
        return pd_error_set(err, PD_EINPUT, "--tiers: list too long");
    strcpy(buf, list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        pd_tier tier = pd_tier_parse(t);
        if (tier == PD_TIER_COUNT)
            return pd_error_set(err, PD_EINPUT, "--tiers: unknown tier \"%s\" (mobile, edge, cloud)",
                                t);
        if (uses[tier])
            return pd_error_set(err, PD_EINPUT, "--tiers: \"%s\" given twice", t);
        uses[tier] = true;
    }
    if (!uses[PD_TIER_MOBILE])
        return pd_error_set(err, PD_EINPUT, "--tiers: must include mobile (tasks start there)");
    memcpy(sc->uses, uses, sizeof uses);
    return PD_OK;
}

static pd_status set_profile(pd_scenario *sc, pd_tier t, const char *name, pd_error *err)
{
    pd_profile *p;
    pd_status st = pd_profile_open(name, &p, err);
    if (st)
        return st;
    pd_profile_free(sc->profile[t]);
    sc->profile[t] = p;
    return PD_OK;
}

static pd_status set_exit_accuracy(pd_scenario *sc, const char *list, pd_error *err)
{
    size_t n = 1;
    for (const char *c = list; *c; c++)
        n += *c == ',';
    double *v = malloc(n * sizeof *v);
    if (!v)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    const char *text;
    size_t len, k = 0;
    for (const char *c = list; cli_list_next(&c, &text, &len); k++) {
        char item[64];
        if (len == 0 || len >= sizeof item) {
            free(v);
            return pd_error_set(err, PD_EINPUT, "--exit-accuracy: value %zu is empty or too long",
                                k + 1);
        }
        memcpy(item, text, len);
        item[len] = '\0';
        if (cli_real("--exit-accuracy", item, 0.0, 1.0, &v[k], err)) {
            free(v);
            return PD_EINPUT;
        }
    }
    free(sc->exit_accuracy);
    sc->exit_accuracy = v;
    sc->n_exit_accuracy = n;
    return PD_OK;
}

/* A rate flag: its value parsed, an error naming the flag. */
static pd_status rate_flag(const char *flag, const char *value, double *bps, pd_error *err)
{
    pd_status st = pd_rate_parse(value, bps, err);
    return st ? pd_error_prefix(err, flag) : PD_OK;
}

static pd_status apply(const cli_parsed *p, pd_scenario *sc, pd_error *err)
{
    double hz = -1.0, snr = 0.0;
    int have_snr = 0, have_bw = 0, have_split = 0;
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        const char *v = o->value;
        pd_status st = PD_OK;
        if (cli_is(o, "--tiers"))
            st = set_tiers(sc, v, err);
        else if (cli_is(o, "--mobile"))
            st = set_profile(sc, PD_TIER_MOBILE, v, err);
        else if (cli_is(o, "--edge"))
            st = set_profile(sc, PD_TIER_EDGE, v, err);
        else if (cli_is(o, "--cloud"))
            st = set_profile(sc, PD_TIER_CLOUD, v, err);
        else if (cli_is(o, "--bandwidth")) {
            st = rate_flag("--bandwidth", v, &sc->uplink_bps, err);
            sc->downlink_bps = sc->uplink_bps;
            have_bw = 1;
        } else if (cli_is(o, "--uplink")) {
            st = rate_flag("--uplink", v, &sc->uplink_bps, err);
            have_split = 1;
        } else if (cli_is(o, "--downlink")) {
            st = rate_flag("--downlink", v, &sc->downlink_bps, err);
            have_split = 1;
        } else if (cli_is(o, "--wired"))
            st = rate_flag("--wired", v, &sc->wired_bps, err);
        else if (cli_is(o, "--channel-hz"))
            st = cli_real("--channel-hz", v, 1e-9, 1e15, &hz, err);
        else if (cli_is(o, "--snr-db")) {
            st = cli_real("--snr-db", v, -100.0, 200.0, &snr, err);
            have_snr = 1;
        } else if (cli_is(o, "--wireless-delay"))
            st = cli_real("--wireless-delay", v, 0.0, 1e9, &sc->wireless_delay_ms, err);
        else if (cli_is(o, "--wired-delay"))
            st = cli_real("--wired-delay", v, 0.0, 1e9, &sc->wired_delay_ms, err);
        else if (cli_is(o, "--accuracy-dist")) {
            pd_distribution d;
            st = pd_distribution_parse(v, &d, err);
            if (!st) {
                pd_distribution_free(&sc->demand);
                sc->demand = d;
            }
        } else if (cli_is(o, "--exit-accuracy"))
            st = set_exit_accuracy(sc, v, err);
        else if (cli_is(o, "--load-requests"))
            st = cli_real("--load-requests", v, 1.0, 1e15, &sc->load_requests, err);
        else if (cli_is(o, "--parse"))
            sc->parse = true;
        else if (cli_is(o, "--pin"))
            st = pd_scenario_add_pins(sc, v, err);
        if (st)
            return st;
    }
    if ((hz >= 0.0) != (have_snr != 0))
        return pd_error_set(err, PD_EINPUT, "--channel-hz and --snr-db go together");
    if (hz >= 0.0) {
        if (have_bw || have_split)
            return pd_error_set(err, PD_EINPUT,
                                "give the wireless rate once: --bandwidth/--uplink/--downlink or "
                                "--channel-hz with --snr-db");
        double bps = pd_shannon_bps(hz, snr);
        if (!isfinite(bps) || !(bps >= PD_MIN_RATE_BPS))
            return pd_error_set(err, PD_EINPUT,
                                "--channel-hz %g --snr-db %g: the Shannon rate %g bps is below "
                                "%gbps, the lowest predoff takes",
                                hz, snr, bps, PD_MIN_RATE_BPS);
        sc->uplink_bps = sc->downlink_bps = bps;
    }
    if (have_bw && have_split)
        return pd_error_set(err, PD_EINPUT, "--bandwidth sets both directions; drop --uplink/--downlink or --bandwidth");
    return pd_scenario_check(sc, err);
}

pd_status cli_scenario_build(const cli_parsed *p, pd_scenario *sc, pd_error *err)
{
    pd_status st = pd_scenario_init(sc, err);
    if (st)
        return st;
    st = apply(p, sc, err);
    if (st)
        pd_scenario_free(sc);
    return st;
}
