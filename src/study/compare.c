/* Every solver on one problem, with the median of repeated timings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "predoff/study.h"

double pd_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    pd_sort_doubles(v, n);
    return pd_quantile_sorted(v, n, 0.5);
}

/* The genetic algorithm costs every individual of every generation over every layer: on a
 * model of 10^5 layers one run is 10^9 layer terms (seconds), so compare, a quick look side
 * by side, leaves it out above this many (times the repeats) and says so. */
static const double MAX_GA_TERMS = 1e8;

pd_status pd_compare_solvers(const pd_problem *pb, const pd_solve_options *opt, size_t repeats,
                             pd_solver_result *results, pd_error *err)
{
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    if (repeats == 0)
        repeats = 1;
    double *times = malloc(repeats * sizeof *times);
    if (!times)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        pd_solver_result *r = &results[i];
        memset(r, 0, sizeof *r);
        r->solver = &solvers[i];
        r->served_exit = -1;
        double terms = (double)opt->ga.population * (double)(opt->ga.generations + 1) *
                       (double)pb->n_layers * (double)repeats;
        if (strcmp(solvers[i].name, "ga") == 0 && terms > MAX_GA_TERMS) {
            r->status = PD_ELIMIT;
            snprintf(r->msg, sizeof r->msg,
                     "%.1e layer terms (population x generations x layers x repeats), over "
                     "compare's %.0e: run it alone with plan --solver ga", terms, MAX_GA_TERMS);
            r->solve_ms = NAN;
            continue;
        }
        for (size_t t = 0; t < repeats; t++) {
            pd_solution sol;
            pd_error e;
            pd_error_clear(&e);
            r->status = pd_solve(&solvers[i], pb, opt, &sol, &e);
            if (r->status == PD_ENOMEM) {
                free(times);
                return pd_error_set(err, PD_ENOMEM, "%s", e.msg);
            }
            if (r->status) {
                snprintf(r->msg, sizeof r->msg, "%s", e.msg);
                break;
            }
            times[t] = sol.solve_ms;
            r->objective_ms = sol.objective_ms;
            r->below_requirement = sol.below_requirement;
            r->served_exit = sol.served_exit;
            pd_solution_free(&sol);
        }
        r->solve_ms = r->status ? NAN : pd_median(times, repeats);
    }
    free(times);
    return PD_OK;
}

pd_status pd_ga_repeat(const pd_problem *pb, const pd_solve_options *opt, uint64_t first_seed,
                       size_t runs, pd_ga_runs *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    out->objective_ms = malloc(runs * sizeof *out->objective_ms);
    out->solve_ms = malloc(runs * sizeof *out->solve_ms);
    if (!out->objective_ms || !out->solve_ms) {
        pd_ga_runs_free(out);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    pd_solution sol;
    pd_status st = pd_solve(pd_solver_find("exact"), pb, opt, &sol, err);
    if (st) {
        pd_ga_runs_free(out);
        return st;
    }
    out->exact_ms = sol.objective_ms;
    pd_solution_free(&sol);
    pd_solve_options o = *opt;
    for (size_t i = 0; i < runs; i++) {
        o.seed = first_seed + i;
        st = pd_solve(pd_solver_find("ga"), pb, &o, &sol, err);
        if (st) {
            pd_ga_runs_free(out);
            return st;
        }
        out->objective_ms[i] = sol.objective_ms;
        out->solve_ms[i] = sol.solve_ms;
        out->reached += sol.objective_ms <= out->exact_ms * (1.0 + 1e-9);
        out->runs = i + 1;
        pd_solution_free(&sol);
    }
    return PD_OK;
}

void pd_ga_runs_free(pd_ga_runs *r)
{
    if (r) {
        free(r->objective_ms);
        free(r->solve_ms);
        r->objective_ms = r->solve_ms = NULL;
        r->runs = 0;
    }
}
