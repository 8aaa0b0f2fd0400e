/* Expected latency of every solver against the mobile-edge rate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/study.h"

pd_status pd_bandwidth_sweep(pd_problem *pb, const pd_solve_options *opt, double lo_bps,
                             double hi_bps, size_t n_points, double wired_bps,
                             double wireless_delay_ms, double wired_delay_ms, pd_sweep *out,
                             pd_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_points < 2 || !(lo_bps > 0.0) || !(hi_bps > lo_bps) || !isfinite(hi_bps))
        return pd_error_set(err, PD_EINPUT, "sweep: needs 2 or more points and 0 < low < high");
    size_t n;
    pd_solvers(&n);
    out->n_points = n_points;
    out->n_solvers = n;
    out->rate_bps = malloc(n_points * sizeof *out->rate_bps);
    out->objective_ms = malloc(n_points * n * sizeof *out->objective_ms);
    pd_solver_result *r = malloc(n * sizeof *r);
    if (!out->rate_bps || !out->objective_ms || !r) {
        free(r);
        pd_sweep_free(out);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t p = 0; p < n_points; p++) {
        double t = (double)p / (double)(n_points - 1);
        double bps = exp(log(lo_bps) + t * (log(hi_bps) - log(lo_bps)));
        out->rate_bps[p] = bps;
        pd_problem_set_links(pb, bps, bps, wired_bps, wireless_delay_ms, wired_delay_ms);
        if (pd_compare_solvers(pb, opt, 1, r, err)) {
            free(r);
            pd_sweep_free(out);
            return PD_ENOMEM;
        }
        for (size_t s = 0; s < n; s++)
            out->objective_ms[p * n + s] = r[s].status ? NAN : r[s].objective_ms;
    }
    free(r);
    return PD_OK;
}

void pd_sweep_free(pd_sweep *s)
{
    if (s) {
        free(s->rate_bps);
        free(s->objective_ms);
        s->rate_bps = s->objective_ms = NULL;
        s->n_points = 0;
    }
}

void pd_sweep_ga_free(pd_sweep_ga *ga)
{
    if (!ga)
        return;
    free(ga->best);
    free(ga->median);
    free(ga->worst);
    free(ga->reached);
    memset(ga, 0, sizeof *ga);
}

pd_status pd_sweep_ga_run(pd_problem *pb, const pd_solve_options *opt, size_t runs,
                          const pd_sweep *sw, double wired_bps, double wireless_delay_ms,
                          double wired_delay_ms, pd_sweep_ga *ga, pd_error *err)
{
    size_t np = sw->n_points;
    *ga = (pd_sweep_ga){runs, malloc(np * sizeof(double)), malloc(np * sizeof(double)),
                        malloc(np * sizeof(double)), malloc(np * sizeof(size_t))};
    if (!ga->best || !ga->median || !ga->worst || !ga->reached) {
        pd_sweep_ga_free(ga);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t p = 0; p < np; p++) {
        pd_problem_set_links(pb, sw->rate_bps[p], sw->rate_bps[p], wired_bps, wireless_delay_ms,
                             wired_delay_ms);
        pd_ga_runs r;
        pd_status st = pd_ga_repeat(pb, opt, 1, runs, &r, err);
        if (st) {
            pd_sweep_ga_free(ga);
            return st;
        }
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < r.runs; i++) {
            lo = fmin(lo, r.objective_ms[i]);
            hi = fmax(hi, r.objective_ms[i]);
        }
        ga->best[p] = lo;
        ga->worst[p] = hi;
        ga->median[p] = pd_median(r.objective_ms, r.runs);
        ga->reached[p] = r.reached;
        pd_ga_runs_free(&r);
    }
    return PD_OK;
}
