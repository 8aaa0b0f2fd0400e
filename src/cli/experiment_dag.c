/* predoff experiment dag: the multi-exit architectures of tools/make_onnx_models.py, from
 * their ONNX files, planned by every solver of the table over a sweep of the mobile-edge
 * rate from 0.1 to 1000 Mbps, with two tiers (mobile, edge) and three (and cloud); each
 * network's exact plan and best single cut at a few rates. Flags and scenarios are
 * dag_flags.c's, the comparisons and summary dag_summary.c's, the data and pictures
 * plot_dag.c's; docs/DAG-EXPERIMENT.md reads them. */
#include "experiment_dag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "commands.h"
#include "experiment.h"
#include "safe_name.h"
#include "predoff/topology.h"

/* The tensors that cross between tiers when each layer runs on tier[layer]: one for each
 * tensor (the network input, on the mobile, or a layer's output) and each other tier one of
 * its readers runs on, as the cost model charges them. */
static size_t crossings(const pd_topology *topo, const unsigned char *tier)
{
    size_t count = 0;
    for (int32_t t = PD_TENSOR_INPUT; t < (int32_t)topo->n_layers; t++) {
        unsigned from = t < 0 ? PD_TIER_MOBILE : tier[t], to = 0;
        if (from == CLI_DAG_NOT_RUN)
            continue;
        size_t n;
        const int32_t *rd = pd_topology_readers(topo, t, &n);
        for (size_t i = 0; i < n; i++)
            if (tier[rd[i]] != CLI_DAG_NOT_RUN && tier[rd[i]] != from)
                to |= 1u << tier[rd[i]];
        for (; to; to &= to - 1)
            count++;
    }
    return count;
}

/* Each layer's tier under a solution, CLI_DAG_NOT_RUN where no exit it serves needs it,
 * and how many tensors then cross between tiers. */
static pd_status tiers_of(const pd_problem *pb, const pd_solution *sol, unsigned char **out,
                          size_t *n_cross, pd_error *err)
{
    unsigned char *t = malloc(pb->n_layers ? pb->n_layers : 1);
    if (!t)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t l = 0; l < pb->n_layers; l++) {
        int run = 0;
        for (size_t k = 0; k < pb->n_exits && !run; k++)
            run = (sol->served_exit < 0 || (size_t)sol->served_exit == k) &&
                  pd_topology_in_sub(pb->topo, k, l);
        t[l] = run ? (unsigned char)pb->tier[sol->placement[l]] : CLI_DAG_NOT_RUN;
    }
    free(*out);
    *out = t;
    *n_cross = crossings(pb->topo, t);
    return PD_OK;
}

/* The exact plan and the best single cut at one rate. */
static pd_status plans_at(pd_problem *pb, const pd_scenario *sc, const pd_solve_options *opt,
                          double bps, cli_dag_at *at, pd_error *err)
{
    pd_problem_set_links(pb, bps, bps, sc->wired_bps, sc->wireless_delay_ms, sc->wired_delay_ms);
    *at = (cli_dag_at){.bps = bps, .single_ms = NAN};
    pd_solution sol;
    pd_status st = pd_solve(pd_solver_find("exact"), pb, opt, &sol, err);
    if (st)
        return st;
    at->exact_ms = sol.objective_ms;
    st = tiers_of(pb, &sol, &at->exact_tier, &at->exact_cross, err);
    pd_solution_free(&sol);
    size_t n;
    const pd_solver *solvers = pd_solvers(&n);
    for (size_t i = 0; !st && i < n; i++) {
        const pd_solver *cut = &solvers[i];
        if (!cli_dag_is_single_cut(cut->name))
            continue;
        pd_error e;
        pd_error_clear(&e);
        pd_status cst = pd_solve(cut, pb, opt, &sol, &e);
        if (cst == PD_ENOMEM)
            return pd_error_set(err, PD_ENOMEM, "%s", e.msg);
        if (cst)
            continue; /* it does not apply here */
        if (isnan(at->single_ms) || sol.objective_ms < at->single_ms) {
            at->single_ms = sol.objective_ms;
            at->single = cut->name;
            st = tiers_of(pb, &sol, &at->single_tier, &at->single_cross, err);
        }
        pd_solution_free(&sol);
    }
    return st;
}

static int column_complete(const pd_sweep *sw, size_t col)
{
    if (col >= sw->n_solvers)
        return 0;
    for (size_t p = 0; p < sw->n_points; p++)
        if (isnan(sw->objective_ms[p * sw->n_solvers + col]))
            return 0;
    return 1;
}

static pd_status run_case(pd_problem *pb, const pd_scenario *sc, const cli_dag_flags *f,
                          const cli_experiment_args *a, cli_dag_case *c, pd_error *err)
{
    pd_solve_options first = a->opt;
    first.seed = 1;
    c->n_tiers = pb->n_tiers;
    pd_status st = pd_bandwidth_sweep(pb, &first, CLI_DAG_LO_BPS, CLI_DAG_HI_BPS, (size_t)a->points,
                                      sc->wired_bps, sc->wireless_delay_ms, sc->wired_delay_ms,
                                      &c->sw, err);
    if (st)
        return st;
    c->ref = malloc(c->sw.n_solvers * sizeof *c->ref);
    if (!c->ref)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_problem_set_links(pb, CLI_DAG_REF_BPS, CLI_DAG_REF_BPS, sc->wired_bps,
                         sc->wireless_delay_ms, sc->wired_delay_ms);
    if ((st = pd_compare_solvers(pb, &first, 1, c->ref, err)))
        return st;
    if (column_complete(&c->sw, cli_dag_column("ga")) &&
        (st = pd_sweep_ga_run(pb, &a->opt, (size_t)a->runs, &c->sw, sc->wired_bps,
                              sc->wireless_delay_ms, sc->wired_delay_ms, &c->ga, err)))
        return st;
    for (size_t i = 0; i < f->n_at; i++) {
        c->n_at = i + 1;
        if ((st = plans_at(pb, sc, &first, f->at_bps[i], &c->at[i], err)))
            return st;
    }
    return PD_OK;
}

/* A name for gnuplot's quotes and labels: what is not a letter, digit or one of "_-./"
 * becomes '_'. */
static void label_of(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++) {
        char ch = name[i];
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("_-./", ch);
        out[i] = plain ? ch : '_';
    }
    out[i] = '\0';
}

static void print_header(const cli_setup *s, const cli_dag_flags *f,
                         const cli_experiment_args *a);

static pd_status run_arch(const cli_parsed *p, const cli_dag_flags *f, size_t i,
                          const cli_experiment_args *a, cli_dag_arch *arch, pd_error *err)
{
    snprintf(arch->name, sizeof arch->name, "%s", f->arch[i]);
    cli_setup s;
    pd_status st = cli_dag_setup(p, f, i, &s, err);
    if (st)
        return st;
    if (i == 0)
        print_header(&s, f, a);
    arch->n_layers = s.g->n_layers;
    arch->n_exits = s.g->n_exits;
    arch->exit_layer = malloc((s.g->n_exits ? s.g->n_exits : 1) * sizeof *arch->exit_layer);
    arch->exit_name = malloc((s.g->n_exits ? s.g->n_exits : 1) * sizeof *arch->exit_name);
    if (!arch->exit_layer || !arch->exit_name) {
        cli_setup_close(&s);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < s.g->n_exits; k++) {
        arch->exit_layer[k] = s.g->exits[k];
        label_of(s.g->layers[s.g->exits[k]].name, arch->exit_name[k], sizeof arch->exit_name[k]);
    }
    double t0 = pd_now_ms(), took[2];
    for (int c = 0; !st && c < 2; c++) {
        s.sc.uses[PD_TIER_CLOUD] = c == 1;
        pd_problem *pb = NULL;
        st = pd_problem_build(s.g, &s.sc, &pb, err);
        if (!st)
            st = run_case(pb, &s.sc, f, a, &arch->c[c], err);
        pd_problem_free(pb);
        took[c] = pd_now_ms() - t0;
        t0 += took[c];
    }
    if (!st) {
        char nb[CLI_NAME_BUF];
        printf("%-20s %4zu layers, %zu exits: two tiers %.2f s, three tiers %.2f s\n",
               cli_safe_name(arch->name, nb, sizeof nb), arch->n_layers, arch->n_exits,
               took[0] / 1e3, took[1] / 1e3);
        fflush(stdout);
    } else {
        char prefix[CLI_DAG_NAME_MAX + 32];
        snprintf(prefix, sizeof prefix, "experiment dag, %s", arch->name);
        pd_error_prefix(err, prefix);
    }
    cli_setup_close(&s);
    return st;
}

void cli_dag_arch_free(cli_dag_arch *a)
{
    if (!a)
        return;
    for (int c = 0; c < 2; c++) {
        pd_sweep_free(&a->c[c].sw);
        pd_sweep_ga_free(&a->c[c].ga);
        free(a->c[c].ref);
        for (size_t i = 0; i < a->c[c].n_at; i++) {
            free(a->c[c].at[i].exact_tier);
            free(a->c[c].at[i].single_tier);
        }
    }
    free(a->exit_layer);
    free(a->exit_name);
    memset(a, 0, sizeof *a);
}

/* What the experiment plans with: the first architecture's scenario, as the flags make
 * every one's. */
static void print_header(const cli_setup *s, const cli_dag_flags *f, const cli_experiment_args *a)
{
    char nb[4 * 4200], n1[CLI_NAME_BUF], n2[CLI_NAME_BUF], n3[CLI_NAME_BUF];
    printf("experiment dag: %zu multi-exit architectures from %s/ARCH/model.onnx, every solver, "
           "%g bandwidths from %g to %g Mbps (both ways), two tiers and three\n",
           f->n_arch, cli_safe_name(f->models, nb, sizeof nb), a->points, CLI_DAG_LO_BPS / 1e6,
           CLI_DAG_HI_BPS / 1e6);
    printf("tiers: mobile (%s), edge (%s), cloud (%s, three tiers only)\n",
           cli_safe_name(s->sc.profile[PD_TIER_MOBILE]->name, n1, sizeof n1),
           cli_safe_name(s->sc.profile[PD_TIER_EDGE]->name, n2, sizeof n2),
           cli_safe_name(s->sc.profile[PD_TIER_CLOUD]->name, n3, sizeof n3));
    printf("wired (edge-cloud) %g Mbps; delays %g ms wireless, %g ms wired; demand %s",
           s->sc.wired_bps / 1e6, s->sc.wireless_delay_ms, s->sc.wired_delay_ms, s->sc.demand.spec);
    if (s->sc.n_exit_accuracy) {
        printf("; exit accuracies");
        for (size_t k = 0; k < s->sc.n_exit_accuracy; k++)
            printf("%s%g", k ? "," : " ", s->sc.exit_accuracy[k]);
        printf("%s", s->sc.accuracy_source[0] ? " (measured)" : "");
    }
    printf("\nsolvers:");
    size_t n;
    const pd_solver *sv = pd_solvers(&n);
    for (size_t i = 0; i < n; i++)
        printf(" %s", sv[i].name);
    printf("; the GA's seeds 1..%g at every bandwidth where it applies\n\n", a->runs);
    fflush(stdout);
}

int cli_experiment_dag(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    cli_dag_flags f;
    cli_experiment_args a = {.name = "dag", .out = "out/dag", .runs = CLI_DAG_RUNS,
                             .points = CLI_DAG_POINTS, .repeats = 1};
    if (cli_dag_read_flags(p, &f, &err) || cli_experiment_read_args(p, &a, &err) ||
        cli_dag_check_models(&f, &err))
        return cli_fail(&err);
    double t0 = pd_now_ms();
    cli_dag_arch *archs = calloc(f.n_arch, sizeof *archs);
    pd_status st = archs ? PD_OK : pd_error_set(&err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < f.n_arch; i++)
        st = run_arch(p, &f, i, &a, &archs[i], &err);
    int status = CLI_EXIT_OK;
    if (!st) {
        cli_dag_print_summary(archs, f.n_arch, (size_t)a.runs);
        st = cli_plot_dag(a.out, archs, f.n_arch, &err);
    }
    if (st)
        status = cli_fail(&err);
    else
        printf("\ndata, plots.gp and the pictures (latency-ARCH.png, placement-ARCH.png, "
               "gain.png) in %s; %.1f s in all\n",
               a.out, (pd_now_ms() - t0) / 1e3);
    for (size_t i = 0; archs && i < f.n_arch; i++)
        cli_dag_arch_free(&archs[i]);
    free(archs);
    return status;
}
