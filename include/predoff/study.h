/* Studies over solvers: side-by-side comparison, repeated GA runs, bandwidth sweeps.
 * The section-5 experiment is built from these; they compute, the CLI prints and plots. */
#ifndef PREDOFF_STUDY_H
#define PREDOFF_STUDY_H

#include <stdbool.h>
#include <stddef.h>

#include "predoff/error.h"
#include "predoff/objective.h"
#include "predoff/solve.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One solver's outcome on one problem. */
typedef struct pd_solver_result {
    const pd_solver *solver;
    pd_status status;        /* PD_OK, or why the solver does not apply (message in msg) */
    char msg[PD_ERROR_MSG_MAX];
    double objective_ms;
    double below_requirement;
    int32_t served_exit;
    double solve_ms;         /* median over the repeats */
} pd_solver_result;

/* Runs every solver of pd_solvers() `repeats` times (median time) into results[count].
 * A solver that refuses or does not apply is recorded, not fatal; only running out of
 * memory fails the call. */
pd_status pd_compare_solvers(const pd_problem *pb, const pd_solve_options *opt, size_t repeats,
                             pd_solver_result *results, pd_error *err);

/* The GA run with seeds first_seed .. first_seed + runs - 1. */
typedef struct pd_ga_runs {
    size_t runs;
    double exact_ms;      /* the exact optimum, for reference */
    size_t reached;       /* runs whose result is the exact optimum (relative 1e-9) */
    double *objective_ms; /* [runs], owned */
    double *solve_ms;     /* [runs], owned */
} pd_ga_runs;

pd_status pd_ga_repeat(const pd_problem *pb, const pd_solve_options *opt, uint64_t first_seed,
                       size_t runs, pd_ga_runs *out, pd_error *err);
void pd_ga_runs_free(pd_ga_runs *r);

/* Expected latency of every solver against the mobile-edge rate (both ways). */
typedef struct pd_sweep {
    size_t n_points, n_solvers;
    double *rate_bps;      /* [n_points], owned */
    double *objective_ms;  /* [point * n_solvers + solver], NAN where it does not apply; owned */
} pd_sweep;

/* Sweeps n_points rates spaced evenly in log between lo_bps and hi_bps (n_points >= 2).
 * pb's links are reset for each point with the given wired rate and delays, and left at
 * the last point: pass a problem the caller may change. */
pd_status pd_bandwidth_sweep(pd_problem *pb, const pd_solve_options *opt, double lo_bps,
                             double hi_bps, size_t n_points, double wired_bps,
                             double wireless_delay_ms, double wired_delay_ms, pd_sweep *out,
                             pd_error *err);
void pd_sweep_free(pd_sweep *s);

/* The GA over seeds 1..runs at every rate of a sweep: the best, median and worst result,
 * and how many seeds reached the exact optimum. */
typedef struct pd_sweep_ga {
    size_t runs;
    double *best, *median, *worst; /* [n_points], owned */
    size_t *reached;               /* [n_points], owned */
} pd_sweep_ga;

/* Runs it at sw's rates, pb's links reset for each as pd_bandwidth_sweep resets them (and
 * left at the last). */
pd_status pd_sweep_ga_run(pd_problem *pb, const pd_solve_options *opt, size_t runs,
                          const pd_sweep *sw, double wired_bps, double wireless_delay_ms,
                          double wired_delay_ms, pd_sweep_ga *out, pd_error *err);
/* Frees what ga owns and empties it; NULL is a no-op. */
void pd_sweep_ga_free(pd_sweep_ga *ga);

/* The requirement distribution of experiment fmnist, centred among the exits' accuracies:
 * normal with mean = the mean of the n accuracies and sigma = (max - min) / 4, at least
 * PD_CENTRED_MIN_SIGMA (so that equal accuracies still give a distribution). Its spec is
 * "normal:MU,SIGMA" with 6 significant digits, and the distribution is exactly what that
 * spec parses to. n = 0 is PD_EINPUT. */
#define PD_CENTRED_MIN_SIGMA 0.001
pd_status pd_centred_demand(const double *accuracy, size_t n, pd_distribution *out,
                            pd_error *err);

/* The exact plan of a problem with its exit accuracies and demand replaced. */
typedef struct pd_what_if {
    double expected_ms;
    double unmet;       /* share of requirements above the best exit's accuracy */
    double *exit_prob;  /* [n_exits], the unmet share included in the best exit; owned */
    pd_slot *placement; /* [n_layers]; owned */
} pd_what_if;

/* Solves pb exactly with accuracy[n_exits] and demand in place of its own; pb's exit
 * accuracies, probabilities and weights are put back before returning, failed or not. */
pd_status pd_what_if_solve(pd_problem *pb, const double *accuracy, const pd_distribution *demand,
                           pd_what_if *out, pd_error *err);
/* Another model's exit accuracies for g's exits, matched by name: acc[k] is the accuracy
 * of ref's exit named as g's exit k. Returns whether every exit of g found one (with an
 * accuracy); acc is then complete, else partly written. */
bool pd_exit_accuracies_by_name(const pd_graph *g, const pd_graph *ref, double *acc);
void pd_what_if_free(pd_what_if *w);

/* The median of n values (reorders them). */
double pd_median(double *v, size_t n);

#ifdef __cplusplus
}
#endif
#endif
