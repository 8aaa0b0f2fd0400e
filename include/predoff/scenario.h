/* A scenario: which tiers run, their profiles, the links, and the demand for accuracy. */
#ifndef PREDOFF_SCENARIO_H
#define PREDOFF_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/profile.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pd_tier { PD_TIER_MOBILE, PD_TIER_EDGE, PD_TIER_CLOUD, PD_TIER_COUNT } pd_tier;

const char *pd_tier_name(pd_tier t);
/* Returns the tier with that name, or PD_TIER_COUNT. */
pd_tier pd_tier_parse(const char *name);

typedef enum pd_dist_kind { PD_DIST_NORMAL, PD_DIST_UNIFORM, PD_DIST_HISTORY } pd_dist_kind;

/* The distribution of the tasks' accuracy requirements. */
typedef struct pd_distribution {
    pd_dist_kind kind;
    double a, b;      /* normal: mean, sigma; uniform: low, high */
    size_t n;         /* history: number of past requirements */
    double *samples;  /* history: sorted ascending, owned */
    char spec[256];   /* as the user gave it, for reports */
} pd_distribution;

/* Parses "normal:MU,SIGMA", "uniform:A,B" or "history:FILE" (one requirement
 * in [0, 1] per line; blank lines and lines starting with '#' are skipped). */
pd_status pd_distribution_parse(const char *spec, pd_distribution *out, pd_error *err);
/* Builds an empirical distribution from n requirements (copied). */
pd_status pd_distribution_history(const double *values, size_t n, const char *label,
                                  pd_distribution *out, pd_error *err);
void pd_distribution_free(pd_distribution *d);
/* A requirement drawn from d with u1, u2 uniform in [0, 1) (callers pass their RNG's). */
double pd_distribution_sample(const pd_distribution *d, double u1, double u2);
/* P(requirement <= x). */
double pd_distribution_cdf(const pd_distribution *d, double x);

/* A pin (--pin LAYER=TIER, cost-model.md): the layer named runs on that tier. */
typedef struct pd_pin {
    char *layer;  /* owned */
    pd_tier tier;
} pd_pin;

typedef struct pd_scenario {
    bool uses[PD_TIER_COUNT];            /* uses[PD_TIER_MOBILE] is always true */
    pd_profile *profile[PD_TIER_COUNT];  /* owned */
    double uplink_bps, downlink_bps, wired_bps;
    double wireless_delay_ms, wired_delay_ms; /* per link crossed */
    pd_distribution demand;
    size_t n_exit_accuracy;
    double *exit_accuracy;   /* owned; overrides the model's, in its exit order */
    char accuracy_source[256]; /* the accuracy file they came from ("": --exit-accuracy) */
    double load_requests;    /* > 0: amortise model loading over that many requests */
    bool parse;              /* add the mobile's result-parsing time */
    size_t n_pins;
    pd_pin *pins;            /* owned; each layer once; resolved by pd_problem_build */
} pd_scenario;

/* The paper's section-5 scenario: mobile paper-rpi3b and edge paper-laptop
 * (cloud paper-cloud when enabled), 74 Mbps both ways, 1 Gbps wired,
 * requirements normal:0.625,0.053, no optional terms. */
pd_status pd_scenario_init(pd_scenario *sc, pd_error *err);
void pd_scenario_free(pd_scenario *sc);
/* The lowest link rate a scenario takes, bits per second: below it a tensor's transfer time
 * stops meaning anything, and near 0 it overflows to infinity (cost-model.md, "Numbers"). */
#define PD_MIN_RATE_BPS 1.0

/* Adds the pins of "LAYER=TIER[,LAYER=TIER...]" (a name ends at its last '='; tiers mobile,
 * edge, cloud). A malformed item, an unknown tier or a layer pinned to two tiers is
 * PD_EINPUT with one line naming it; the same pin twice is taken once. */
pd_status pd_scenario_add_pins(pd_scenario *sc, const char *spec, pd_error *err);

/* Checks every value is in range (rates finite and at least PD_MIN_RATE_BPS, ...). */
pd_status pd_scenario_check(const pd_scenario *sc, pd_error *err);

/* Measured exit accuracies, from the JSON that `predoff accuracy -o` writes:
 * {"model": NAME, "exits": {EXIT: ACCURACY, ...}, ...}. Sets sc's exit accuracies in g's
 * exit order, and their source (sc->accuracy_source) to `source`. A file for another model, an exit of g missing, an accuracy outside [0, 1]
 * or malformed JSON is PD_EINPUT naming `source` (the file). */
pd_status pd_scenario_parse_accuracies(pd_scenario *sc, const pd_graph *g, const char *text,
                                       size_t len, const char *source, pd_error *err);
/* The same from a file. */
pd_status pd_scenario_read_accuracies(pd_scenario *sc, const pd_graph *g, const char *path,
                                      pd_error *err);

/* The measured accuracies the repository ships for g (models/accuracy/MODEL.json, compiled
 * in), into sc as the readers above put them, their source "models/accuracy/MODEL.json
 * (built in)"; a model without any leaves sc as it was. */
pd_status pd_scenario_shipped_accuracies(pd_scenario *sc, const pd_graph *g, pd_error *err);
/* The same only when some exit of g has no accuracy of its own: the accuracies a plan takes
 * when none are given. */
pd_status pd_scenario_default_accuracies(pd_scenario *sc, const pd_graph *g, pd_error *err);

/* What `predoff accuracy -o` records (formats.md): each exit's accuracy on a data set and,
 * when n_thresholds > 0, BranchyNet's entropy rule at each threshold. Pointers borrowed. */
typedef struct pd_accuracy_record {
    const pd_graph *g;
    const char *weights, *data, *split; /* where the figures came from */
    size_t samples;
    const double *accuracy;             /* [g->n_exits], model order */
    size_t n_thresholds;
    const double *threshold, *rule_accuracy, *mean_exit; /* [n_thresholds] */
    const double *share;                /* [n_thresholds * g->n_exits]: share of the samples
                                         * leaving at each exit (model order), row by row */
} pd_accuracy_record;

/* Writes the accuracy file the readers above take, to path ("-": standard output); a figure
 * that is not finite is PD_EINPUT and nothing is written. */
pd_status pd_accuracy_write(const pd_accuracy_record *r, const char *path, pd_error *err);

/* Parses "74Mbps" (units bps, kbps, Mbps, Gbps; powers of 1000) into bits per second;
 * a rate below PD_MIN_RATE_BPS or beyond a double is PD_EINPUT. */
pd_status pd_rate_parse(const char *text, double *bps, pd_error *err);
/* Shannon-Hartley: W * log2(1 + SNR), SNR given in dB. */
double pd_shannon_bps(double hz, double snr_db);

#ifdef __cplusplus
}
#endif
#endif
