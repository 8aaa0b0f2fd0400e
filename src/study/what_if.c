/* The exact plan of a problem under other exit accuracies and another demand. */
#include <stdlib.h>
#include <string.h>

#include "predoff/study.h"

pd_status pd_what_if_solve(pd_problem *pb, const double *accuracy, const pd_distribution *demand,
                           pd_what_if *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    size_t ne = pb->n_exits, nl = pb->n_layers;
    double *acc = malloc(ne * sizeof *acc), *prob = malloc(ne * sizeof *prob);
    double *weight = malloc(nl * sizeof *weight);
    out->exit_prob = malloc(ne * sizeof *out->exit_prob);
    if (!acc || !prob || !weight || !out->exit_prob) {
        free(acc);
        free(prob);
        free(weight);
        pd_what_if_free(out);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    /* saved, and put back whatever happens */
    memcpy(acc, pb->exit_accuracy, ne * sizeof *acc);
    memcpy(prob, pb->exit_prob, ne * sizeof *prob);
    memcpy(weight, pb->weight, nl * sizeof *weight);
    double unmet = pb->unmet_probability;

    memcpy(pb->exit_accuracy, accuracy, ne * sizeof *accuracy);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol = {0};
    pd_status st = pd_problem_set_demand(pb, demand, err);
    if (!st)
        st = pd_solve(pd_solver_find("exact"), pb, &opt, &sol, err);
    if (!st) {
        out->expected_ms = sol.objective_ms;
        out->unmet = pb->unmet_probability;
        memcpy(out->exit_prob, pb->exit_prob, ne * sizeof *out->exit_prob);
        out->placement = sol.placement;
        sol.placement = NULL;
    }
    pd_solution_free(&sol);

    memcpy(pb->exit_accuracy, acc, ne * sizeof *acc);
    memcpy(pb->exit_prob, prob, ne * sizeof *prob);
    memcpy(pb->weight, weight, nl * sizeof *weight);
    pb->unmet_probability = unmet;
    free(acc);
    free(prob);
    free(weight);
    if (st)
        pd_what_if_free(out);
    return st;
}

void pd_what_if_free(pd_what_if *w)
{
    if (!w)
        return;
    free(w->exit_prob);
    free(w->placement);
    memset(w, 0, sizeof *w);
}

bool pd_exit_accuracies_by_name(const pd_graph *g, const pd_graph *ref, double *acc)
{
    size_t matched = 0;
    for (size_t k = 0; k < g->n_exits; k++)
        for (size_t j = 0; j < ref->n_exits; j++) {
            const pd_layer *l = &ref->layers[ref->exits[j]];
            if (l->has_accuracy && strcmp(l->name, g->layers[g->exits[k]].name) == 0) {
                acc[k] = l->accuracy;
                matched++;
                break;
            }
        }
    return g->n_exits > 0 && matched == g->n_exits;
}
