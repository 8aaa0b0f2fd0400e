/* experiment dag's comparisons and summary: for each architecture and set of tiers, where
 * over the sweep the exact DAG plan beats the best single cut and the best baseline, and by
 * how much; the solvers that did not apply and why; the GA against the optimum. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment_dag.h"
#include "safe_name.h"

static const char *const tier_words[2] = {"two", "three"};

/* The single cuts, and the solvers that are not baselines (the optimum and the GA). */
static const char *const single_cuts[] = {"edgent", "neurosurgeon"};
static const char *const not_baselines[] = {"exact", "brute", "ga"};

size_t cli_dag_column(const char *solver)
{
    size_t n;
    const pd_solver *s = pd_solvers(&n);
    size_t i = 0;
    while (i < n && strcmp(s[i].name, solver) != 0)
        i++;
    return i;
}

static int listed(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

/* The lowest finite latency at point p among the solvers in (want = 1) or out of (0) list. */
static double best_of(const pd_sweep *sw, size_t p, const char *const *list, size_t n, int want,
                      const char **name)
{
    const pd_solver *s = pd_solvers(&(size_t){0});
    double best = NAN;
    if (name)
        *name = NULL;
    for (size_t i = 0; i < sw->n_solvers; i++) {
        double v = sw->objective_ms[p * sw->n_solvers + i];
        if (listed(s[i].name, list, n) != want || isnan(v) || !(isnan(best) || v < best))
            continue;
        best = v;
        if (name)
            *name = s[i].name;
    }
    return best;
}

double cli_dag_best_single(const pd_sweep *sw, size_t p, const char **name)
{
    return best_of(sw, p, single_cuts, sizeof single_cuts / sizeof *single_cuts, 1, name);
}

double cli_dag_best_baseline(const pd_sweep *sw, size_t p, const char **name)
{
    return best_of(sw, p, not_baselines, sizeof not_baselines / sizeof *not_baselines, 0, name);
}

double cli_dag_gain_pct(double exact_ms, double other_ms)
{
    return isnan(other_ms) || !(other_ms > 0.0) ? NAN : 100.0 * (other_ms - exact_ms) / other_ms;
}

int cli_dag_is_single_cut(const char *solver)
{
    return listed(solver, single_cuts, sizeof single_cuts / sizeof *single_cuts);
}


typedef struct gain_stats {
    size_t points; /* with a comparison */
    size_t beats;  /* of them where the exact plan is lower by more than CLI_DAG_BEATS */
    double max_pct, max_mbps, median_pct;
    const char *max_by;
    char where[96];
} gain_stats;

/* A rate in Mbps as the tables give it: 3 significant digits, whole numbers from 100. */
static void mbps_text(double mbps, char *buf, size_t size)
{
    snprintf(buf, size, mbps >= 100.0 ? "%.0f" : "%.3g", mbps);
}

/* Appends "lo-hi" (or "lo") for a run of points to g->where, "..." once it is full. */
static void add_range(gain_stats *g, double lo, double hi)
{
    size_t used = strlen(g->where);
    char item[48], a[16], b[16];
    mbps_text(lo, a, sizeof a);
    mbps_text(hi, b, sizeof b);
    if (lo == hi)
        snprintf(item, sizeof item, "%s%s", used ? ", " : "", a);
    else
        snprintf(item, sizeof item, "%s%s-%s", used ? ", " : "", a, b);
    if (used + strlen(item) + 4 < sizeof g->where)
        memcpy(g->where + used, item, strlen(item) + 1);
    else if (!strstr(g->where, "..."))
        snprintf(g->where + used, sizeof g->where - used, ", ...");
}

/* The exact plan against the best single cut (baseline 0) or the best baseline (1). */
static int gain_stats_of(const pd_sweep *sw, int baseline, gain_stats *g)
{
    memset(g, 0, sizeof *g);
    g->max_pct = g->median_pct = NAN;
    size_t ex = cli_dag_column("exact");
    double *gains = malloc((sw->n_points ? sw->n_points : 1) * sizeof *gains);
    if (!gains || ex >= sw->n_solvers) {
        free(gains);
        return -1;
    }
    double run_lo = NAN, run_hi = NAN;
    for (size_t p = 0; p < sw->n_points; p++) {
        const char *by;
        double other = baseline ? cli_dag_best_baseline(sw, p, &by)
                                : cli_dag_best_single(sw, p, &by);
        double gain = cli_dag_gain_pct(sw->objective_ms[p * sw->n_solvers + ex], other);
        double mbps = sw->rate_bps[p] / 1e6;
        int beats = !isnan(gain) && gain > 100.0 * CLI_DAG_BEATS;
        if (!isnan(gain)) {
            gains[g->points++] = gain;
            if (isnan(g->max_pct) || gain > g->max_pct) {
                g->max_pct = gain;
                g->max_mbps = mbps;
                g->max_by = by;
            }
        }
        g->beats += beats;
        if (beats) {
            if (isnan(run_lo))
                run_lo = mbps;
            run_hi = mbps;
        }
        if ((!beats || p + 1 == sw->n_points) && !isnan(run_lo)) {
            add_range(g, run_lo, run_hi);
            run_lo = NAN;
        }
    }
    if (g->points)
        g->median_pct = pd_median(gains, g->points);
    free(gains);
    return 0;
}

static void print_table(const cli_dag_arch *archs, size_t n, int baseline)
{
    printf("%-20s %5s %6s  %-9s  %-26s %8s %8s  %-12s %7s\n", "architecture", "tiers", "layers",
           "beats at", "where (Mbps)", "max gain", "at Mbps", "against", "median");
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            gain_stats g;
            char count[32], at[16];
            if (gain_stats_of(&archs[i].c[c].sw, baseline, &g)) {
                printf("%-20s %5s  out of memory\n", archs[i].name, tier_words[c]);
                continue;
            }
            snprintf(count, sizeof count, "%zu of %zu", g.beats, g.points);
            mbps_text(g.max_mbps, at, sizeof at);
            printf("%-20s %5s %6zu  %-9s  %-26s %7.1f%% %8s  %-12s %6.1f%%\n", archs[i].name,
                   tier_words[c], archs[i].n_layers, count, g.beats ? g.where : "nowhere",
                   g.max_pct, at, g.max_by ? g.max_by : "-", g.median_pct);
        }
}

/* The first clause of a refusal (up to its first ';'), for one line. */
static int clause_len(const char *msg)
{
    const char *end = strchr(msg, ';');
    return end ? (int)(end - msg) : (int)strlen(msg);
}

/* Each solver that refused some case, once: in how many, and why (the first case's words,
 * "e.g." when the cases' words differ). */
static void print_refusals(const cli_dag_arch *archs, size_t n)
{
    printf("\nsolvers that did not apply (NaN in the data, absent from the pictures), as they "
           "said at %g Mbps:\n", CLI_DAG_REF_BPS / 1e6);
    size_t n_solvers;
    const pd_solver *solvers = pd_solvers(&n_solvers);
    for (size_t s = 0; s < n_solvers; s++) {
        const char *first = NULL;
        size_t count = 0, first_i = 0;
        int first_c = 0, alike = 1;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < 2; c++) {
                const pd_solver_result *r = &archs[i].c[c].ref[s];
                if (!r->status)
                    continue;
                count++;
                if (!first) {
                    first = r->msg;
                    first_i = i;
                    first_c = c;
                } else {
                    alike &= clause_len(r->msg) == clause_len(first) &&
                             strncmp(r->msg, first, (size_t)clause_len(first)) == 0;
                }
            }
        if (!first)
            continue;
        char clause[PD_ERROR_MSG_MAX], nb[4 * PD_ERROR_MSG_MAX + 4], cases[160];
        snprintf(clause, sizeof clause, "%.*s", clause_len(first), first);
        if (alike)
            snprintf(cases, sizeof cases, "%zu of %zu cases", count, 2 * n);
        else
            snprintf(cases, sizeof cases, "%zu of %zu cases, e.g. %s, %s tiers", count, 2 * n,
                     archs[first_i].name, tier_words[first_c]);
        printf("  %-13s %s: %s\n", solvers[s].name, cases, cli_safe_name(clause, nb, sizeof nb));
    }
}

/* Where a solver is below the exact plan: a bug, said loudly. */
static void print_check(const cli_dag_arch *archs, size_t n)
{
    size_t ex = cli_dag_column("exact"), bad = 0, compared = 0;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            const pd_sweep *sw = &archs[i].c[c].sw;
            for (size_t p = 0; ex < sw->n_solvers && p < sw->n_points; p++)
                for (size_t s = 0; s < sw->n_solvers; s++) {
                    double e = sw->objective_ms[p * sw->n_solvers + ex];
                    double v = sw->objective_ms[p * sw->n_solvers + s];
                    if (isnan(v) || s == ex)
                        continue;
                    compared++;
                    if (v < e * (1.0 - 1e-9)) {
                        bad++;
                        printf("WRONG: %s, %s tiers, %.3g Mbps: %s %.9g ms is below the exact "
                               "plan's %.9g ms\n",
                               archs[i].name, tier_words[c], sw->rate_bps[p] / 1e6,
                               pd_solvers(&(size_t){0})[s].name, v, e);
                    }
                }
        }
    printf("\nthe exact plan at or below every other solver: %zu of %zu comparisons%s\n",
           compared - bad, compared, bad ? " (WRONG: see above)" : "");
}

static void print_ga(const cli_dag_arch *archs, size_t n, size_t runs)
{
    size_t ex = cli_dag_column("exact"), ga = cli_dag_column("ga");
    int any = 0;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++)
            any |= archs[i].c[c].ga.runs > 0;
    if (!any) {
        printf("\nthe GA applied to none of the cases\n");
        return;
    }
    printf("\nthe GA (seeds 1..%zu at every bandwidth) against the exact optimum:\n", runs);
    printf("%-20s %5s  %-22s %-22s %s\n", "architecture", "tiers", "seed 1 at the optimum",
           "every seed at it", "worst seed (x optimum, at Mbps)");
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 2; c++) {
            const cli_dag_case *k = &archs[i].c[c];
            if (!k->ga.runs)
                continue;
            size_t seed1 = 0, all = 0, worst_p = 0;
            double worst = 0.0;
            for (size_t p = 0; p < k->sw.n_points; p++) {
                double e = k->sw.objective_ms[p * k->sw.n_solvers + ex];
                seed1 += k->sw.objective_ms[p * k->sw.n_solvers + ga] <= e * (1.0 + 1e-9);
                all += k->ga.reached[p] == k->ga.runs;
                if (k->ga.worst[p] / e > worst) {
                    worst = k->ga.worst[p] / e;
                    worst_p = p;
                }
            }
            char a1[32], a2[32];
            snprintf(a1, sizeof a1, "%zu of %zu", seed1, k->sw.n_points);
            snprintf(a2, sizeof a2, "%zu of %zu", all, k->sw.n_points);
            printf("%-20s %5s  %-22s %-22s x%.3f at %.3g\n", archs[i].name, tier_words[c], a1, a2,
                   worst, k->sw.rate_bps[worst_p] / 1e6);
        }
}

void cli_dag_print_summary(const cli_dag_arch *archs, size_t n, size_t runs)
{
    printf("\nthe exact DAG plan against the best single cut (the better of edgent and "
           "neurosurgeon at each bandwidth);\nbeats: lower by more than %g%%; gain: the share "
           "of the other's expected latency it saves; median over the sweep:\n",
           100.0 * CLI_DAG_BEATS);
    print_table(archs, n, 0);
    printf("\nthe same against the best baseline (every solver but exact, brute and ga: the "
           "single cuts, all on one tier, ...):\n");
    print_table(archs, n, 1);
    print_ga(archs, n, runs);
    print_refusals(archs, n);
    print_check(archs, n);
}
