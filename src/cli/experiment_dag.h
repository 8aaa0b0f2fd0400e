/* experiment dag: what its flags (dag_flags.c), its run (experiment_dag.c), its summary
 * (dag_summary.c) and its pictures (plot_dag.c, dag_placement.c) share. Every solver of
 * pd_solvers() is planned over a sweep of the mobile-edge rate with two and with three
 * tiers; a solver that refuses a case is NaN in the sweep and says why in `ref`. */
#ifndef PD_CLI_EXPERIMENT_DAG_H
#define PD_CLI_EXPERIMENT_DAG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "args.h"
#include "setup.h"
#include "predoff/error.h"
#include "predoff/scenario.h"
#include "predoff/study.h"

#define CLI_DAG_MODELS "out/onnx-models"
#define CLI_DAG_POINTS 33 /* 8 a decade: 1, 10, 100 Mbps are points of the sweep */
#define CLI_DAG_POINTS_TEXT "33"
#define CLI_DAG_RUNS 3
#define CLI_DAG_RUNS_TEXT "3"
#define CLI_DAG_LO_BPS 0.1e6
#define CLI_DAG_HI_BPS 1000e6
#define CLI_DAG_REF_BPS 10e6 /* where a solver that does not apply is asked why */
/* "beats": the exact plan's expected latency is below the other's by more than this share */
#define CLI_DAG_BEATS 0.01

enum { CLI_DAG_MAX_ARCHS = 32, CLI_DAG_MAX_AT = 8, CLI_DAG_NAME_MAX = 64 };
/* In a placement strip, a layer the plan never runs (a single-exit plan's other exits). */
enum { CLI_DAG_NOT_RUN = PD_TIER_COUNT };

/* Two plans at one bandwidth: the exact one and the best single cut. */
typedef struct cli_dag_at {
    double bps;
    double exact_ms;
    double single_ms;           /* NAN when no single cut applied */
    const char *single;         /* its solver's name (the table's), or NULL */
    unsigned char *exact_tier;  /* [n_layers]: each layer's pd_tier, or CLI_DAG_NOT_RUN; owned */
    unsigned char *single_tier; /* the same for the single cut, or NULL; owned */
    size_t exact_cross, single_cross; /* tensors that cross between tiers (per destination) */
} cli_dag_at;

/* One architecture with one set of tiers. */
typedef struct cli_dag_case {
    int n_tiers;
    pd_sweep sw;            /* every solver at every rate, NaN where it does not apply */
    pd_sweep_ga ga;         /* the GA's seeds 1..runs at every rate; runs 0: not run */
    pd_solver_result *ref;  /* [sw.n_solvers]: every solver at CLI_DAG_REF_BPS; owned */
    size_t n_at;
    cli_dag_at at[CLI_DAG_MAX_AT];
} cli_dag_case;

typedef struct cli_dag_arch {
    char name[CLI_DAG_NAME_MAX + 1];  /* letters, digits, '_', '-', '.' */
    size_t n_layers, n_exits;
    int32_t *exit_layer;              /* [n_exits], owned */
    char (*exit_name)[CLI_DAG_NAME_MAX + 1]; /* [n_exits], quote-free for gnuplot; owned */
    cli_dag_case c[2];                /* two tiers (mobile, edge), three (and cloud) */
} cli_dag_arch;

void cli_dag_arch_free(cli_dag_arch *a);

/* What the flags ask for (dag_flags.c). */
typedef struct cli_dag_flags {
    const char *models;
    size_t n_arch, n_at;
    char arch[CLI_DAG_MAX_ARCHS][CLI_DAG_NAME_MAX + 1];
    double at_bps[CLI_DAG_MAX_AT];
    double slowdown; /* the mobile's layer times are multiplied by it */
    int profile_given[PD_TIER_COUNT];
} cli_dag_flags;

/* Reads --models, --archs, --at and --mobile-slowdown over their defaults; a scenario flag
 * that sets what the experiment sweeps (--tiers, --bandwidth, ...) fails. */
pd_status cli_dag_read_flags(const cli_parsed *p, cli_dag_flags *f, pd_error *err);
/* DIR/ARCH/model.onnx for architecture i. */
void cli_dag_model_path(const cli_dag_flags *f, size_t i, char *buf, size_t size);
/* Fails, naming the first missing model file and the command that makes them. */
pd_status cli_dag_check_models(const cli_dag_flags *f, pd_error *err);
/* Architecture i's model and scenario (no problem yet): the experiment's profiles where no
 * flag names one, the mobile slowed down, accuracies assumed for 3 exits that have none.
 * Closes s when it fails. */
pd_status cli_dag_setup(const cli_parsed *p, const cli_dag_flags *f, size_t i, cli_setup *s,
                        pd_error *err);

/* The column of the named solver in a sweep (pd_solvers' order), or the count when the
 * table has none. */
size_t cli_dag_column(const char *solver);
/* Whether the solver is a single cut (edgent, neurosurgeon). */
int cli_dag_is_single_cut(const char *solver);
/* At sweep point p: the best single cut (edgent, neurosurgeon) and the best baseline (every
 * solver but exact, brute and ga), NAN when none applied; *name (may be NULL) receives the
 * solver's name. */
double cli_dag_best_single(const pd_sweep *sw, size_t p, const char **name);
double cli_dag_best_baseline(const pd_sweep *sw, size_t p, const char **name);
/* The share of `other`'s latency the exact plan saves, in percent; NAN if other is. */
double cli_dag_gain_pct(double exact_ms, double other_ms);

/* Prints the summary tables (dag_summary.c). */
void cli_dag_print_summary(const cli_dag_arch *archs, size_t n, size_t runs);
/* The two sets of tiers, as the data and pictures title them (plot_dag.c). */
extern const char *const cli_dag_case_title[2];
/* ARCH-placement.dat in dir, and the lines of plots.gp that draw it (dag_placement.c). */
pd_status cli_dag_write_placements(const char *dir, const cli_dag_arch *a, pd_error *err);
void cli_dag_plot_placement(FILE *gp, const cli_dag_arch *a);
/* The data files, plots.gp and the pictures in dir (plot_dag.c). */
pd_status cli_plot_dag(const char *dir, const cli_dag_arch *archs, size_t n, pd_error *err);

#endif
