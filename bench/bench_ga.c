/* Benchmark of the genetic algorithm (pd_solve_ga) against the exact solver on b-alexnet,
 * in the paper's scenario; docs/PERFORMANCE.md reports its figures.
 *
 *   - GA with population 50 and 50 generations (the reference setting), and with
 *     the defaults (population 200, 50 generations): median wall time per run over 31
 *     seeds after 3 warm-up runs, and how many runs reached the exact optimum.
 *   - exact: median time per solve over 31 batches of 1000, measured in the same run, so
 *     the ratio GA / exact is not skewed by a noisy machine as much as the absolute times.
 *
 * Usage: bench_ga [--runs N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "predoff/graph.h"
#include "predoff/objective.h"
#include "predoff/scenario.h"
#include "predoff/solve.h"
#include "predoff/study.h"

/* Median ms per exact solve over batches. */
static double time_exact(const pd_problem *pb, size_t batches, size_t per_batch)
{
    pd_slot *pl = malloc(pb->n_layers);
    double *t = malloc(batches * sizeof *t);
    if (!pl || !t) {
        free(pl);
        free(t);
        return -1;
    }
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    for (size_t b = 0; b < batches; b++) {
        double t0 = bench_now_ms();
        for (size_t i = 0; i < per_batch; i++)
            pd_solve_exact(pb, &opt, pl, NULL);
        t[b] = (bench_now_ms() - t0) / (double)per_batch;
    }
    double m = pd_median(t, batches);
    free(pl);
    free(t);
    return m;
}

static int time_ga(const pd_problem *pb, size_t population, size_t runs, double exact_ms,
                   double exact_solve_ms)
{
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    opt.ga.population = population;
    double *t = malloc(runs * sizeof *t);
    if (!t)
        return 1;
    size_t reached = 0;
    for (size_t i = 0; i < runs + 3; i++) {
        opt.seed = i < 3 ? 1000 + i : i - 2;
        pd_solution sol;
        double t0 = bench_now_ms();
        if (pd_solve(pd_solver_find("ga"), pb, &opt, &sol, NULL)) {
            free(t);
            return 1;
        }
        double ms = bench_now_ms() - t0;
        if (i >= 3) {
            t[i - 3] = ms;
            reached += sol.objective_ms <= exact_ms * (1 + 1e-9);
        }
        pd_solution_free(&sol);
    }
    double lo = t[0], hi = t[0];
    for (size_t i = 1; i < runs; i++) {
        lo = lo < t[i] ? lo : t[i];
        hi = hi > t[i] ? hi : t[i];
    }
    double med = pd_median(t, runs);
    printf("ga population %-4zu %2zu generations: median %7.3f ms per run (min %.3f, max %.3f); "
           "%.0fx exact; %zu of %zu runs reached the optimum\n",
           population, opt.ga.generations, med, lo, hi, med / exact_solve_ms, reached, runs);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    size_t runs = 31;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = (size_t)strtoul(argv[++i], NULL, 10);
            if (runs < 1)
                runs = 1;
        } else {
            fprintf(stderr, "usage: bench_ga [--runs N]\n");
            return 2;
        }
    }
    pd_graph *g;
    pd_scenario sc;
    pd_problem *pb;
    pd_error err;
    if (pd_graph_open("b-alexnet", &g, &err) || pd_scenario_init(&sc, &err) ||
        pd_problem_build(g, &sc, &pb, &err)) {
        fprintf(stderr, "bench_ga: %s\n", err.msg);
        return 1;
    }
    char cpu[128];
    bench_cpu_model(cpu, sizeof cpu);
    char date[64];
    bench_date(date, sizeof date);
    printf("bench_ga: %s; %s; b-alexnet, paper scenario; %zu timed runs each\n", date, cpu, runs);
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    pd_solution sol;
    if (pd_solve(pd_solver_find("exact"), pb, &opt, &sol, &err)) {
        fprintf(stderr, "bench_ga: %s\n", err.msg);
        return 1;
    }
    double exact_ms = sol.objective_ms;
    pd_solution_free(&sol);
    time_exact(pb, 3, 1000); /* warm-up */
    double exact_solve = time_exact(pb, 31, 1000);
    printf("exact: median %.4f ms per solve (%.2f us); optimum %.4f ms\n", exact_solve,
           exact_solve * 1e3, exact_ms);
    int bad = time_ga(pb, 50, runs, exact_ms, exact_solve) ||
              time_ga(pb, 200, runs, exact_ms, exact_solve);
    pd_problem_free(pb);
    pd_scenario_free(&sc);
    pd_graph_free(g);
    return bad;
}
