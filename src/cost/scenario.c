/* Scenarios: defaults, rates and their checks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/scenario.h"

static const char *const tier_names[] = {"mobile", "edge", "cloud"};
_Static_assert(sizeof tier_names / sizeof tier_names[0] == PD_TIER_COUNT, "one name per tier");

const char *pd_tier_name(pd_tier t)
{
    return (unsigned)t < PD_TIER_COUNT ? tier_names[t] : "?";
}

pd_tier pd_tier_parse(const char *name)
{
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (strcmp(tier_names[t], name) == 0)
            return (pd_tier)t;
    return PD_TIER_COUNT;
}

pd_status pd_scenario_init(pd_scenario *sc, pd_error *err)
{
    static const char *const presets[] = {"paper-rpi3b", "paper-laptop", "paper-cloud"};
    memset(sc, 0, sizeof *sc);
    sc->uses[PD_TIER_MOBILE] = sc->uses[PD_TIER_EDGE] = true;
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (pd_profile_open(presets[t], &sc->profile[t], err)) {
            pd_scenario_free(sc);
            return err ? err->status : PD_EINPUT;
        }
    sc->uplink_bps = sc->downlink_bps = 74e6;
    sc->wired_bps = 1e9;
    return pd_distribution_parse("normal:0.625,0.053", &sc->demand, err);
}

void pd_scenario_free(pd_scenario *sc)
{
    if (!sc)
        return;
    for (int t = 0; t < PD_TIER_COUNT; t++) {
        pd_profile_free(sc->profile[t]);
        sc->profile[t] = NULL;
    }
    pd_distribution_free(&sc->demand);
    free(sc->exit_accuracy);
    sc->exit_accuracy = NULL;
    sc->n_exit_accuracy = 0;
    for (size_t i = 0; i < sc->n_pins; i++)
        free(sc->pins[i].layer);
    free(sc->pins);
    sc->pins = NULL;
    sc->n_pins = 0;
}

static pd_status check_rate(const char *what, double bps, pd_error *err)
{
    if (!isfinite(bps) || !(bps >= PD_MIN_RATE_BPS))
        return pd_error_set(err, PD_EINPUT, "%s rate %g bps: must be finite and at least %gbps",
                            what, bps, PD_MIN_RATE_BPS);
    return PD_OK;
}

static pd_status check_delay(const char *what, double ms, pd_error *err)
{
    if (!isfinite(ms) || ms < 0.0)
        return pd_error_set(err, PD_EINPUT, "%s delay %g ms: must be finite and >= 0", what, ms);
    return PD_OK;
}

pd_status pd_scenario_check(const pd_scenario *sc, pd_error *err)
{
    if (!sc->uses[PD_TIER_MOBILE])
        return pd_error_set(err, PD_EINPUT, "the tiers must include mobile");
    if (check_rate("uplink", sc->uplink_bps, err) ||
        check_rate("downlink", sc->downlink_bps, err) ||
        check_rate("wired", sc->wired_bps, err) ||
        check_delay("wireless", sc->wireless_delay_ms, err) ||
        check_delay("wired", sc->wired_delay_ms, err))
        return PD_EINPUT;
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (sc->uses[t] && !sc->profile[t])
            return pd_error_set(err, PD_EINPUT, "tier %s has no profile", pd_tier_name((pd_tier)t));
    for (size_t k = 0; k < sc->n_exit_accuracy; k++)
        if (!(sc->exit_accuracy[k] >= 0.0 && sc->exit_accuracy[k] <= 1.0))
            return pd_error_set(err, PD_EINPUT, "exit accuracy %g: must be in [0, 1]",
                                sc->exit_accuracy[k]);
    if (!isfinite(sc->load_requests) || sc->load_requests < 0.0)
        return pd_error_set(err, PD_EINPUT, "load requests %g: must be positive",
                            sc->load_requests);
    return PD_OK;
}

pd_status pd_rate_parse(const char *text, double *bps, pd_error *err)
{
    static const struct {
        const char *unit;
        double scale;
    } units[] = {{"bps", 1.0}, {"kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9}};
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v))
        return pd_error_set(err, PD_EINPUT,
                            "rate \"%s\": expected a number with a unit, such as 74Mbps", text);
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0) {
            if (!(v > 0.0))
                return pd_error_set(err, PD_EINPUT, "rate \"%s\": must be positive", text);
            if (!isfinite(v * units[i].scale))
                return pd_error_set(err, PD_EINPUT, "rate \"%s\": must be finite", text);
            if (!(v * units[i].scale >= PD_MIN_RATE_BPS))
                return pd_error_set(err, PD_EINPUT,
                                    "rate \"%s\" is below %gbps, the lowest predoff takes (near 0 "
                                    "every transfer time overflows)",
                                    text, PD_MIN_RATE_BPS);
            *bps = v * units[i].scale;
            return PD_OK;
        }
    return pd_error_set(err, PD_EINPUT, "rate \"%s\": unit must be bps, kbps, Mbps or Gbps", text);
}

double pd_shannon_bps(double hz, double snr_db)
{
    return hz * log2(1.0 + pow(10.0, snr_db / 10.0));
}
