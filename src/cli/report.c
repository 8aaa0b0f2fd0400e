/* The readable plan report (the plan JSON is pd_plan_write's). */
#include "report.h"
#include "safe_name.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/branches.h"

enum { MAX_DRAWN_LAYERS = 400 }; /* beyond this the report summarises; --json has it all */

static const char tier_letter[PD_TIER_COUNT] = {'M', 'E', 'C'};

static void print_rate(FILE *f, double bps)
{
    if (bps >= 1e9)
        fprintf(f, "%gGbps", bps / 1e9);
    else if (bps >= 1e6)
        fprintf(f, "%gMbps", bps / 1e6);
    else if (bps >= 1e3)
        fprintf(f, "%gkbps", bps / 1e3);
    else
        fprintf(f, "%gbps", bps);
}

void cli_report_scenario_line(FILE *f, const pd_scenario *sc)
{
    const char *sep = "";
    char nb[CLI_NAME_BUF], from[4 * sizeof sc->accuracy_source];
    fprintf(f, "tiers: ");
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (sc->uses[t]) {
            fprintf(f, "%s%s (%s)", sep, pd_tier_name((pd_tier)t),
                    cli_safe_name(sc->profile[t]->name, nb, sizeof nb));
            sep = ", ";
        }
    fprintf(f, "\nlinks: up ");
    print_rate(f, sc->uplink_bps);
    fprintf(f, ", down ");
    print_rate(f, sc->downlink_bps);
    if (sc->uses[PD_TIER_CLOUD]) {
        fprintf(f, ", wired ");
        print_rate(f, sc->wired_bps);
    }
    if (sc->wireless_delay_ms > 0 || sc->wired_delay_ms > 0)
        fprintf(f, "; delays %g ms wireless, %g ms wired", sc->wireless_delay_ms,
                sc->wired_delay_ms);
    fprintf(f, "\ndemand: accuracy requirements %s", sc->demand.spec);
    if (sc->load_requests > 0)
        fprintf(f, "; model loading amortised over %g requests", sc->load_requests);
    if (sc->parse)
        fprintf(f, "; result parsing on");
    fprintf(f, "\n");
    if (sc->n_exit_accuracy && sc->accuracy_source[0])
        fprintf(f, "exit accuracies: measured, from %s\n",
                cli_safe_name(sc->accuracy_source, from, sizeof from));
    for (size_t i = 0; i < sc->n_pins; i++)
        fprintf(f, "%s%s=%s%s", i ? ", " : "pinned: ",
                cli_safe_name(sc->pins[i].layer, nb, sizeof nb), pd_tier_name(sc->pins[i].tier),
                i + 1 == sc->n_pins ? "\n" : "");
}

void cli_report_measured_line(FILE *f, const pd_scenario *sc, const pd_graph *g)
{
    const char *sep = "measured layer times: ";
    char nb[CLI_NAME_BUF];
    for (int t = 0; t < PD_TIER_COUNT; t++) {
        const pd_profile *p = sc->uses[t] ? sc->profile[t] : NULL;
        size_t n = p ? pd_profile_measured_count(p, g) : 0;
        if (!n)
            continue;
        fprintf(f, "%s%s %zu of %zu layers (%s)", sep, pd_tier_name((pd_tier)t), n, g->n_layers,
                cli_safe_name(p->source ? p->source : p->name, nb, sizeof nb));
        sep = ", ";
    }
    if (sep[0] == ',')
        fprintf(f, "\n");
}

static void print_exits(FILE *f, const pd_plan *v, const pd_solve_options *opt)
{
    const pd_problem *pb = v->pb;
    int32_t served = v->served_exit;
    char nb[CLI_NAME_BUF];
    if (served >= 0) {
        fprintf(f, "\none exit serves every task: %s (accuracy %.4f), %.3f ms\n",
                cli_safe_name(v->g->layers[pb->exit_layer[served]].name, nb, sizeof nb),
                pb->exit_accuracy[served], v->served_ms);
        fprintf(f, "served below their requirement: %.4f of tasks\n", v->below_requirement);
        if (v->deadline_missed)
            fprintf(f, "no exit meets the deadline of %g ms: the fastest is shown\n",
                    opt->deadline_ms);
        return;
    }
    fprintf(f, "\n  #  exit                accuracy  probability  latency (ms)\n");
    size_t best = pd_problem_best_exit(pb);
    for (size_t k = 0; k < pb->n_exits; k++)
        fprintf(f, "%3zu  %-18.18s  %8.4f  %11.4f  %12.3f%s\n", k + 1,
                cli_safe_name(v->g->layers[pb->exit_layer[k]].name, nb, sizeof nb),
                pb->exit_accuracy[k], pb->exit_prob[k],
                v->ev->exit_ms[k],
                k == best && pb->unmet_probability > 0 ? "  (includes the unmet share)" : "");
}

/* One branch: its letters, then its runs of layers on one tier. */
static void print_branch(FILE *f, const pd_plan *v, const pd_branches *br, size_t b)
{
    const pd_graph *g = v->g;
    char nb[CLI_NAME_BUF];
    size_t lo = br->start[b], hi = br->start[b + 1];
    int32_t head = br->order[lo];
    const int32_t *parent = pd_topology_tree_parents(g->topo);
    int32_t fork = parent ? parent[head] : -1;
    if (b == 0)
        fprintf(f, parent ? "  trunk      " : "  layers     ");
    else
        fprintf(f, "  branch %-3zu ", b);
    for (size_t i = lo; i < hi; i++)
        fputc(tier_letter[v->pb->tier[v->placement[br->order[i]]]], f);
    if (fork >= 0)
        fprintf(f, "   (from %s)", cli_safe_name(g->layers[fork].name, nb, sizeof nb));
    fprintf(f, "\n             ");
    for (size_t i = lo; i < hi;) {
        pd_slot s = v->placement[br->order[i]];
        size_t j = i;
        while (j + 1 < hi && v->placement[br->order[j + 1]] == s)
            j++;
        fprintf(f, "%s%s: %s", i == lo ? "" : " | ", pd_tier_name(v->pb->tier[s]),
                cli_safe_name(g->layers[br->order[i]].name, nb, sizeof nb));
        if (j > i)
            fprintf(f, "..%s (%zu)", cli_safe_name(g->layers[br->order[j]].name, nb, sizeof nb),
                    j - i + 1);
        i = j + 1;
    }
    const pd_layer *last = &g->layers[br->order[hi - 1]];
    if (last->is_exit)
        fprintf(f, " -> exit %s", cli_safe_name(last->name, nb, sizeof nb));
    fprintf(f, "\n");
}

static void print_placement(FILE *f, const pd_plan *v)
{
    const pd_problem *pb = v->pb;
    fprintf(f, v->g->topo->tree ? "\nplacement, branch by branch ("
                                : "\nplacement, layer by layer in topological order (");
    for (int s = 0; s < pb->n_tiers; s++)
        fprintf(f, "%s%c %s", s ? ", " : "", tier_letter[pb->tier[s]], pd_tier_name(pb->tier[s]));
    fprintf(f, "):\n");
    if (pb->n_layers > MAX_DRAWN_LAYERS) {
        size_t count[PD_MAX_TIERS] = {0};
        for (size_t i = 0; i < pb->n_layers; i++)
            count[v->placement[i]]++;
        for (int s = 0; s < pb->n_tiers; s++)
            fprintf(f, "  %-8s %zu layers\n", pd_tier_name(pb->tier[s]), count[s]);
        fprintf(f, "  (%zu layers: too many to draw; --json FILE has every layer)\n",
                pb->n_layers);
        return;
    }
    const pd_topology *t = v->g->topo;
    if (!t->tree) { /* a DAG has no branches: its layers in topological order */
        size_t start[2] = {0, t->n_layers};
        pd_branches all = {1, start, t->order};
        print_branch(f, v, &all, 0);
        return;
    }
    pd_branches br;
    if (pd_branches_build(pb->n_layers, pd_topology_tree_parents(t), &br, NULL)) {
        fprintf(f, "  (out of memory drawing the placement)\n");
        return;
    }
    for (size_t b = 0; b < br.n_branches; b++)
        print_branch(f, v, &br, b);
    pd_branches_free(&br);
}

void cli_report_text(FILE *f, const pd_plan *v, const pd_solve_options *opt)
{
    char nb[CLI_NAME_BUF];
    fprintf(f, "model: %s (%zu layers, %zu exits)   solver: %s\n",
            cli_safe_name(v->g->name, nb, sizeof nb), v->g->n_layers, v->g->n_exits, v->solver);
    cli_report_scenario_line(f, v->sc);
    cli_report_measured_line(f, v->sc, v->g);
    print_exits(f, v, opt);
    fprintf(f, "\nexpected latency   %.3f ms\n", pd_plan_expected_ms(v));
    if (v->ev->load_ms > 0 && v->served_exit < 0)
        fprintf(f, "  of which loading %.3f ms (amortised)\n", v->ev->load_ms);
    if (v->pb->parse_ms > 0)
        fprintf(f, "  with parsing     %.3f ms in every exit\n", v->pb->parse_ms);
    fprintf(f, "unmet probability  %.4f (requirements above the best exit's accuracy)\n",
            v->pb->unmet_probability);
    if (v->solved)
        fprintf(f, "solve time         %.3f ms\n", v->solve_ms);
    if (v->ga && v->ga->n_history)
        fprintf(f, "ga                 best %.3f ms after %zu generations of %zu (seed %llu)\n",
                v->ga->best_ms[v->ga->n_history - 1], v->ga->n_history - 1, v->ga->population,
                (unsigned long long)v->ga->seed);
    print_placement(f, v);
    if (v->served_exit >= 0)
        fprintf(f, "  (layers off the served exit's path never run; they are shown on the mobile)\n");
}

void cli_report_comparison(FILE *f, const pd_graph *g, const pd_problem *pb,
                       const pd_solver_result *r, size_t n, const char *reference)
{
    double ref = NAN;
    for (size_t i = 0; i < n; i++)
        if (!r[i].status && strcmp(r[i].solver->name, reference) == 0)
            ref = r[i].objective_ms;
    char vs[32], nb[CLI_NAME_BUF];
    snprintf(vs, sizeof vs, "vs %s", reference);
    fprintf(f, "%-14s %14s %11s %10s %16s  %s\n", "solver", "expected (ms)", vs, "below req.",
            "solve (ms, med.)", "serves");
    for (size_t i = 0; i < n; i++) {
        if (r[i].status) {
            char msg[4 * sizeof r[i].msg]; /* it may quote a name */
            fprintf(f, "%-14s n/a: %s\n", r[i].solver->name, cli_safe_name(r[i].msg, msg, sizeof msg));
            continue;
        }
        /* the reference did not apply: no gap to show */
        char gap[32] = "-";
        if (!isnan(ref))
            snprintf(gap, sizeof gap, "%+.2f%%", 100.0 * (r[i].objective_ms - ref) / ref);
        fprintf(f, "%-14s %14.3f %11s %10.4f %16.4f  ", r[i].solver->name, r[i].objective_ms, gap,
                r[i].below_requirement, r[i].solve_ms);
        if (r[i].served_exit >= 0)
            fprintf(f, "all tasks at %s\n", cli_safe_name(g->layers[pb->exit_layer[r[i].served_exit]].name, nb, sizeof nb));
        else
            fprintf(f, "each task its exit\n");
    }
}

