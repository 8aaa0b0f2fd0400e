/* The paper's genetic algorithm on DAGs (its genes in topological order) against the exact
 * optimum (the minimum cut): the six multi-exit architectures of tools/make_onnx_models.py,
 * on 2 and 3 tiers at a few bandwidths, each with GA seeds 1..N (the defaults: population
 * 200, 50 generations). For each case: the optimum, how many seeds reached it (within 1e-9
 * relative, as pd_ga_repeat counts), the median and worst gap above it, the median time of
 * a run. docs/PERFORMANCE.md reports the table.
 *
 * The scenario is bench_exact_dag's (bench/support/onnx_problem.c): mobile x86-1core, edge
 * and cloud x86-2core, exit accuracies 0.55, 0.62, 0.70, the paper's demand, wired 1 Gbps.
 *
 * Usage: bench_ga_dag [--models DIR] [--seeds N] [--population N] [--generations N]
 *                     [--only ARCH] [--quick] [--help]
 * DIR holds ARCH/model.onnx for the six (default /tmp/om). About a minute on a 2-core
 * machine with the 20 seeds of the default; --quick: 3 seeds, two bandwidths. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "onnx_problem.h"
#include "predoff/graph.h"
#include "predoff/solve.h"
#include "predoff/study.h"

static const char *const archs[] = {"resnet18",  "mobilenet_v2",       "squeezenet1_1",
                                    "googlenet", "mobilenet_v3_small", "efficientnet_b0"};

static void die(const char *what, const pd_error *err)
{
    fprintf(stderr, "bench_ga_dag: %s: %s\n", what, err ? err->msg : "out of memory");
    exit(1);
}

typedef struct totals {
    size_t reached, runs;
} totals;

/* One network at one rate and tier count: seeds 1..seeds. */
static void bench_case(const char *arch, const pd_graph *g, double rate, int tiers, int seeds,
                       const pd_solve_options *opt, totals *net, totals *all)
{
    pd_error err;
    pd_problem *pb;
    if (bench_onnx_problem(g, rate, tiers, &pb, &err))
        die(arch, &err);
    pd_ga_runs r;
    if (pd_ga_repeat(pb, opt, 1, (size_t)seeds, &r, &err))
        die(arch, &err);
    double *gap = malloc((size_t)seeds * sizeof *gap);
    if (!gap)
        die(arch, NULL);
    for (int i = 0; i < seeds; i++)
        gap[i] = 100.0 * (r.objective_ms[i] - r.exact_ms) / r.exact_ms;
    double med_gap = bench_quantile(gap, (size_t)seeds, 0.5), worst = gap[seeds - 1];
    double med_ms = bench_quantile(r.solve_ms, (size_t)seeds, 0.5);
    printf("%-19s %6zu %5d %8.0f %12.3f %4zu/%-4d %10.3f %10.3f %10.1f\n", arch, pb->n_layers,
           tiers, rate / 1e6, r.exact_ms, r.reached, seeds, med_gap, worst, med_ms);
    net->reached += r.reached;
    net->runs += (size_t)seeds;
    all->reached += r.reached;
    all->runs += (size_t)seeds;
    free(gap);
    pd_ga_runs_free(&r);
    pd_problem_free(pb);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_ga_dag [--models DIR] [--seeds N] [--population N] "
               "[--generations N] [--only ARCH] [--quick]\n"
               "  --models DIR       where ARCH/model.onnx are (default /tmp/om; "
               "tools/make_onnx_models.py makes them)\n"
               "  --seeds N          GA seeds 1..N per case (default 20)\n"
               "  --population N     individuals per generation (default 200)\n"
               "  --generations N    generations after the first (default 50)\n"
               "  --only ARCH        one of the six networks\n"
               "  --quick            3 seeds, 10 Mbps and 1 Gbps only\n");
}

int main(int argc, char **argv)
{
    const char *models = "/tmp/om", *only = NULL;
    int seeds = 20, v;
    bool quick = false;
    pd_solve_options opt;
    pd_solve_options_init(&opt);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--models") == 0 && i + 1 < argc) {
            models = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--population") == 0 && i + 1 < argc &&
                   bench_int_arg(argv[i + 1], 20, 100000, &v)) {
            opt.ga.population = (size_t)v;
            i++;
        } else if (strcmp(argv[i], "--generations") == 0 && i + 1 < argc &&
                   bench_int_arg(argv[i + 1], 1, 100000, &v)) {
            opt.ga.generations = (size_t)v;
            i++;
        } else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc &&
                   bench_int_arg(argv[i + 1], 1, 10000, &seeds)) {
            i++;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else {
            return bench_usage_exit(argv[i], usage);
        }
    }
    static const double all_rates[] = {1e6, 10e6, 100e6, 1e9}, quick_rates[] = {10e6, 1e9};
    const double *rates = quick ? quick_rates : all_rates;
    size_t n_rates = quick ? 2 : 4;
    if (quick)
        seeds = 3;
    char date[64], cpu[256];
    bench_date(date, sizeof date);
    bench_cpu_model(cpu, sizeof cpu);
    printf("# bench_ga_dag: the genetic algorithm (genes in topological order) against the exact "
           "optimum on DAGs\n# date:    %s\n# cpu:     %s (%ld online)\n# command:", date, cpu,
           sysconf(_SC_NPROCESSORS_ONLN));
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n# ga: population %zu, %zu generations, crossover %g, mutation %g, elitism %zu, "
           "scaling %g; seeds 1..%d\n",
           opt.ga.population, opt.ga.generations, opt.ga.crossover, opt.ga.mutation,
           opt.ga.elitism, opt.ga.scaling, seeds);
    printf("# tiers 2: mobile x86-1core, edge x86-2core; 3: and cloud x86-2core (wired 1 Gbps); "
           "exit accuracies 0.55, 0.62, 0.70; demand N(0.625, 0.053)\n\n");
    printf("%-19s %6s %5s %8s %12s %9s %10s %10s %10s\n", "network", "layers", "tiers", "Mbps",
           "optimum_ms", "reached", "med_gap_%", "worst_gap_%", "ga_ms_med");
    totals all = {0, 0};
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        if (only && strcmp(only, archs[a]) != 0)
            continue;
        pd_error err;
        pd_graph *g;
        if (bench_onnx_open(models, archs[a], &g, &err))
            die(archs[a], &err);
        totals net = {0, 0};
        for (int tiers = 2; tiers <= 3; tiers++)
            for (size_t r = 0; r < n_rates; r++)
                bench_case(archs[a], g, rates[r], tiers, seeds, &opt, &net, &all);
        printf("%-19s reached the optimum in %zu of %zu runs\n", archs[a], net.reached, net.runs);
        pd_graph_free(g);
    }
    printf("\nall: reached the optimum in %zu of %zu runs (%.1f%%)\n", all.reached, all.runs,
           100.0 * (double)all.reached / (double)all.runs);
    return 0;
}
