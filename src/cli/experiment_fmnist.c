/* predoff experiment fmnist: the paper's experiment on a model trained on Fashion-MNIST, with
 * the exits' measured accuracies (predoff accuracy -o) and a demand centred among them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safe_name.h"
#include "commands.h"
#include "experiment.h"
#include "report.h"

/* The paper's demand (section 5; pd_scenario_init's default). */
#define PAPER_DEMAND "normal:0.625,0.053"
/* The model whose exit accuracies are the paper's (assumed, docs/REPRODUCTION.md). */
#define PAPER_MODEL "b-alexnet"

typedef struct fmnist_flags {
    const char *model, *accuracy_from, *accuracy_dist;
    int exit_accuracy;
} fmnist_flags;

static fmnist_flags read_flags(const cli_parsed *p)
{
    fmnist_flags f = {"b-alexnet-gray", NULL, NULL, 0};
    for (size_t i = 0; i < p->n_opts; i++) {
        const cli_opt *o = &p->opts[i];
        if (cli_is(o, "--model"))
            f.model = o->value;
        else if (cli_is(o, "--accuracy-from"))
            f.accuracy_from = o->value;
        else if (cli_is(o, "--accuracy-dist"))
            f.accuracy_dist = o->value;
        f.exit_accuracy |= cli_is(o, "--exit-accuracy");
    }
    return f;
}

/* The model, its measured accuracies (--accuracy-from, else those that ship for it, which
 * cli_setup_begin reads) and, unless --accuracy-dist is given, the centred demand; then
 * the problem. */
static pd_status setup(const cli_parsed *p, const fmnist_flags *f, cli_setup *s, pd_error *err)
{
    if (f->exit_accuracy)
        return pd_error_set(err, PD_EINPUT,
                            "experiment fmnist plans with measured accuracies: give "
                            "--accuracy-from ACC.json, not --exit-accuracy");
    pd_status st = cli_setup_begin(p, f->model, s, err); /* reads --accuracy-from if given */
    if (st)
        return st;
    /* a model with accuracies of its own may still have measured ones shipped */
    if (!s->sc.accuracy_source[0] && (st = pd_scenario_shipped_accuracies(&s->sc, s->g, err))) {
        cli_setup_close(s);
        return st;
    }
    if (!s->sc.accuracy_source[0]) {
        pd_error_set(err, PD_EINPUT,
                     "experiment fmnist: no measured accuracies ship for model \"%s\" "
                     "(models/accuracy/%s.json); give --accuracy-from ACC.json, written by "
                     "predoff accuracy -o",
                     s->g->name, s->g->name);
        cli_setup_close(s);
        return PD_EINPUT;
    }
    if (!f->accuracy_dist) {
        pd_distribution d;
        if ((st = pd_centred_demand(s->sc.exit_accuracy, s->sc.n_exit_accuracy, &d, err))) {
            cli_setup_close(s);
            return st;
        }
        pd_distribution_free(&s->sc.demand);
        s->sc.demand = d;
    }
    return cli_setup_finish(s, err);
}

static void print_header(const cli_setup *s, const fmnist_flags *f,
                         const pd_distribution *centred)
{
    char nb[CLI_NAME_BUF];
    printf("A second experiment: Fashion-MNIST, with measured exit accuracies\n");
    printf("model: %s (%zu layers, %zu exits)\n", cli_safe_name(s->g->name, nb, sizeof nb), s->g->n_layers, s->g->n_exits);
    printf("exit accuracies measured:");
    for (size_t k = 0; k < s->g->n_exits; k++)
        printf("%s %s %.4f", k ? "," : "", cli_safe_name(s->g->layers[s->g->exits[k]].name, nb, sizeof nb),
               s->pb->exit_accuracy[k]);
    printf("\nrequirements centred among them: %s (mean of the exits' accuracies, sigma = "
           "(max - min)/4, at least %g)%s\n",
           centred->spec, PD_CENTRED_MIN_SIGMA,
           f->accuracy_dist ? "; not used: --accuracy-dist is given" : "");
    cli_report_scenario_line(stdout, &s->sc);
}

/* b-alexnet's exit accuracies (the paper's, assumed) for g's exits by name; *found = 0 when
 * some exit of g has no namesake there. */
static pd_status paper_accuracies(const pd_graph *g, double *acc, int *found, pd_error *err)
{
    pd_graph *ref;
    *found = 0;
    pd_status st = pd_graph_open(PAPER_MODEL, &ref, err);
    if (st)
        return st;
    *found = pd_exit_accuracies_by_name(g, ref, acc);
    pd_graph_free(ref);
    return PD_OK;
}

static void print_row(const cli_setup *s, const char *accuracies, const char *demand,
                      const pd_what_if *w, const pd_slot *first)
{
    const pd_problem *pb = s->pb;
    size_t count[PD_MAX_TIERS] = {0}, moved = 0;
    for (size_t i = 0; i < pb->n_layers; i++) {
        count[w->placement[i]]++;
        moved += w->placement[i] != first[i];
    }
    printf("  %-10s  %-26s  %7.4f  %13.3f ", accuracies, demand, w->unmet, w->expected_ms);
    for (int t = 0; t < pb->n_tiers; t++)
        printf(" %6zu", count[t]);
    if (first == w->placement)
        printf("  %5s ", "-");
    else
        printf("  %5zu ", moved);
    for (size_t k = 0; k < pb->n_exits; k++)
        printf(" %7.4f", w->exit_prob[k]);
    printf("\n");
}

/* The exact plan with the measured accuracies and this demand, against the paper's demand
 * and, where the model's exits are b-alexnet's, the paper's accuracies. */
static pd_status print_assumptions(cli_setup *s, pd_error *err)
{
    pd_problem *pb = s->pb;
    size_t ne = pb->n_exits;
    double *paper = malloc(ne * sizeof *paper), *measured = malloc(ne * sizeof *measured);
    pd_distribution paper_demand = {0};
    pd_what_if w[3] = {{0}};
    int have_paper = 0;
    pd_status st = paper && measured ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    if (!st) {
        memcpy(measured, pb->exit_accuracy, ne * sizeof *measured);
        st = paper_accuracies(s->g, paper, &have_paper, err);
    }
    if (!st)
        st = pd_distribution_parse(PAPER_DEMAND, &paper_demand, err);
    if (!st)
        st = pd_what_if_solve(pb, measured, &s->sc.demand, &w[0], err);
    if (!st)
        st = pd_what_if_solve(pb, measured, &paper_demand, &w[1], err);
    if (!st && have_paper)
        st = pd_what_if_solve(pb, paper, &paper_demand, &w[2], err);
    if (!st) {
        char nb[CLI_NAME_BUF];
        size_t best = pd_problem_best_exit(pb);
        printf("\nrequirements above the best exit (%s, %.4f): %.4f of tasks (unmet; they are "
               "served there)\n",
               cli_safe_name(s->g->layers[pb->exit_layer[best]].name, nb, sizeof nb), pb->exit_accuracy[best],
               pb->unmet_probability);
        printf("\nthe exact plan against the paper's assumptions (layers per tier; moved: on "
               "another tier than in the first row; then each exit's share of the tasks):\n");
        printf("  %-10s  %-26s  %7s  %13s ", "accuracies", "demand", "unmet", "expected (ms)");
        for (int t = 0; t < pb->n_tiers; t++)
            printf(" %6.6s", pd_tier_name(pb->tier[t]));
        printf("  %5s ", "moved");
        for (size_t k = 0; k < ne; k++)
            printf(" %7.7s", cli_safe_name(s->g->layers[pb->exit_layer[k]].name, nb, sizeof nb));
        printf("\n");
        print_row(s, "measured", s->sc.demand.spec, &w[0], w[0].placement);
        print_row(s, "measured", PAPER_DEMAND " (paper)", &w[1], w[0].placement);
        if (have_paper)
            print_row(s, "paper's", PAPER_DEMAND " (paper)", &w[2], w[0].placement);
        else
            printf("  (the paper assumes no accuracies for the exits of %s; b-alexnet's are "
                   "matched by exit name)\n",
                   s->g->name);
    }
    for (int i = 0; i < 3; i++)
        pd_what_if_free(&w[i]);
    pd_distribution_free(&paper_demand);
    free(paper);
    free(measured);
    return st;
}

int cli_experiment_fmnist(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    fmnist_flags f = read_flags(p);
    cli_experiment_args a = {.name = "fmnist", .out = "out/fmnist", .runs = 20, .points = 31,
                             .repeats = 5};
    cli_setup s;
    if (cli_experiment_read_args(p, &a, &err) ||
        setup(p, &f, &s, &err))
        return cli_fail(&err);
    pd_distribution centred = {0};
    cli_experiment_run run = {0};
    int status = CLI_EXIT_OK;
    if (pd_centred_demand(s.pb->exit_accuracy, s.pb->n_exits, &centred, &err) ||
        cli_experiment_solve(&s, &a, &run, &err)) {
        status = cli_fail(&err);
    } else {
        print_header(&s, &f, &centred);
        cli_experiment_print(&s, &run, &a);
        if (print_assumptions(&s, &err))
            status = cli_fail(&err);
        fflush(stdout);
        if (!status && cli_experiment_sweep(&s, &a, &run, &err))
            status = cli_fail(&err);
    }
    cli_experiment_run_free(&run);
    pd_distribution_free(&centred);
    cli_setup_close(&s);
    return status;
}
