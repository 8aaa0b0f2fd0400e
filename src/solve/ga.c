/* The paper's genetic algorithm (section 4.4), operator for operator.
 * - Chromosome: one group of tier bits per layer, one-hot, the groups concatenated along
 *   the branches (trunk, then side branches, depth first) on a tree, as the paper orders
 *   them; on a DAG, which has no branches to follow, in topological order (the layers' index
 *   order: parents first), so a crossover point still parts the network into an earlier and a
 *   later part. A group is stored as the index of its set bit, which is the same information
 *   with no invalid states.
 * - Fitness: the expected latency; lower is better, so the raw fitness of an individual is
 *   1 / its objective, then linearly scaled (Goldberg): the mean keeps its value and the
 *   best gets `scaling` times the mean; individuals whose scaled fitness would be negative
 *   get 0 (they are never selected). Near convergence this keeps selecting the best
 *   however close their latencies, which is what the paper asks of the scaling.
 * - Selection: roulette wheel, P_i = f_i / sum f (eq. 4.10).
 * - Crossover: single point, at a group boundary.
 * - Mutation: one group moved to another tier, chosen uniformly.
 * - Elitism: the best individuals go to the next generation unchanged.
 * - Pins (--pin): a pinned layer's gene holds its pin in the first generation, and mutation
 *   moves only the other genes, so every individual keeps the pins (crossover exchanges
 *   genes at the same positions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/branches.h"
#include "predoff/rng.h"
#include "predoff/solve.h"

typedef struct ga_state {
    const pd_problem *pb;
    size_t n;          /* genes = layers */
    size_t pop;
    pd_slot *genes;    /* [pop * n], chromosome order */
    pd_slot *next;     /* [pop * n] */
    double *obj;       /* [pop] */
    double *fit;       /* [pop]: scaled fitness, then its running sum */
    size_t *rank;      /* [pop]: indices by objective, for elitism */
    pd_slot *decoded;  /* [n]: a placement in layer order */
    const int32_t *order; /* gene j is layer order[j] */
    size_t *free_gene; /* [n_free]: the genes of layers no pin fixes, ascending */
    size_t n_free;
} ga_state;

pd_status pd_ga_params_check(const pd_ga_params *p, pd_error *err)
{
    if (p->population < 2 || p->population > 1000000)
        return pd_error_set(err, PD_EINPUT, "ga: population %zu must be in [2, 1000000]",
                            p->population);
    if (p->generations > 1000000)
        return pd_error_set(err, PD_EINPUT, "ga: generations %zu must be at most 1000000",
                            p->generations);
    if (!(p->crossover >= 0.0 && p->crossover <= 1.0))
        return pd_error_set(err, PD_EINPUT, "ga: crossover rate %g must be in [0, 1]",
                            p->crossover);
    if (!(p->mutation >= 0.0 && p->mutation <= 1.0))
        return pd_error_set(err, PD_EINPUT, "ga: mutation rate %g must be in [0, 1]", p->mutation);
    if (p->elitism >= p->population)
        return pd_error_set(err, PD_EINPUT, "ga: elitism %zu must be below the population %zu",
                            p->elitism, p->population);
    if (!(p->scaling >= 1.0 && p->scaling <= 100.0))
        return pd_error_set(err, PD_EINPUT, "ga: scaling %g must be in [1, 100]", p->scaling);
    return PD_OK;
}

static double evaluate(ga_state *s, const pd_slot *chromosome)
{
    for (size_t j = 0; j < s->n; j++)
        s->decoded[s->order[j]] = chromosome[j];
    return pd_objective(s->pb, s->decoded);
}

/* Scaled fitness of every individual, accumulated for the wheel; returns the total. */
static double build_wheel(ga_state *s, double scaling)
{
    double sum = 0.0, fmax_ = 0.0;
    for (size_t i = 0; i < s->pop; i++) {
        s->fit[i] = 1.0 / fmax(s->obj[i], 1e-300);
        sum += s->fit[i];
        fmax_ = fmax(fmax_, s->fit[i]);
    }
    double avg = sum / (double)s->pop, a = 1.0, b = 0.0;
    if (fmax_ - avg > 1e-12 * (1.0 + fabs(avg))) {
        a = (scaling - 1.0) * avg / (fmax_ - avg);
        b = avg * (fmax_ - scaling * avg) / (fmax_ - avg);
    } else {
        /* every individual equally fit: a uniform wheel */
        a = 0.0;
        b = 1.0;
    }
    double total = 0.0;
    for (size_t i = 0; i < s->pop; i++) {
        double f = a * s->fit[i] + b;
        total += f > 0.0 ? f : 0.0;
        s->fit[i] = total;
    }
    return total;
}

static size_t spin(const ga_state *s, double total, pd_rng *rng)
{
    if (!(total > 0.0))
        return (size_t)pd_rng_below(rng, s->pop);
    double r = pd_rng_uniform(rng) * total;
    size_t lo = 0, hi = s->pop - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->fit[mid] > r)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Moves one gene, drawn among the free ones (every gene when nothing is pinned), to another
 * tier; a pinned gene keeps its pin's tier in every individual. */
static void mutate(const ga_state *s, pd_slot *c, int n_tiers, double rate, pd_rng *rng)
{
    if (n_tiers < 2 || s->n_free == 0 || pd_rng_uniform(rng) >= rate)
        return;
    size_t g = s->free_gene[pd_rng_below(rng, s->n_free)];
    pd_slot to = (pd_slot)pd_rng_below(rng, (uint64_t)n_tiers - 1);
    c[g] = to >= c[g] ? (pd_slot)(to + 1) : to;
}

/* Indices of the population sorted by objective (insertion sort: the elite is small). */
static void rank_elite(ga_state *s, size_t elite)
{
    for (size_t i = 0; i < s->pop; i++)
        s->rank[i] = i;
    for (size_t e = 0; e < elite; e++) {
        size_t best = e;
        for (size_t i = e + 1; i < s->pop; i++)
            if (s->obj[s->rank[i]] < s->obj[s->rank[best]])
                best = i;
        size_t t = s->rank[e];
        s->rank[e] = s->rank[best];
        s->rank[best] = t;
    }
}

static void record(const ga_state *s, pd_solution *sol, size_t g)
{
    double best = INFINITY, sum = 0.0;
    for (size_t i = 0; i < s->pop; i++) {
        best = fmin(best, s->obj[i]);
        sum += s->obj[i];
    }
    sol->history_best[g] = best;
    sol->history_mean[g] = sum / (double)s->pop;
}

static void ga_free(ga_state *s)
{
    free(s->genes);
    free(s->next);
    free(s->obj);
    free(s->fit);
    free(s->rank);
    free(s->decoded);
    free(s->free_gene);
}

pd_status pd_solve_ga(const pd_problem *pb, const pd_solve_options *opt, pd_solution *sol,
                      pd_error *err)
{
    const pd_ga_params *p = &opt->ga;
    if (pd_ga_params_check(p, err))
        return PD_EINPUT;
    size_t n = pb->n_layers, pop = p->population;
    if (pop > SIZE_MAX / 2 / n)
        return pd_error_set(err, PD_ELIMIT, "ga: population x layers is too large");
    /* the genes' order: the branches on a tree (the paper's), a topological order on a DAG */
    pd_branches br = {0};
    const int32_t *order = pb->topo->order;
    if (pb->topo->tree) {
        if (pd_branches_build(n, pd_topology_tree_parents(pb->topo), &br, err))
            return err ? err->status : PD_ENOMEM;
        order = br.order;
    }
    ga_state s = {pb, n, pop, malloc(pop * n), malloc(pop * n), malloc(pop * sizeof(double)),
                  malloc(pop * sizeof(double)), malloc(pop * sizeof(size_t)), malloc(n),
                  order, malloc(n * sizeof(size_t)), 0};
    sol->n_history = p->generations + 1;
    sol->history_best = malloc(sol->n_history * sizeof *sol->history_best);
    sol->history_mean = malloc(sol->n_history * sizeof *sol->history_mean);
    if (!s.genes || !s.next || !s.obj || !s.fit || !s.rank || !s.decoded || !s.free_gene ||
        !sol->history_best || !sol->history_mean) {
        ga_free(&s);
        pd_branches_free(&br);
        return pd_error_set(err, PD_ENOMEM, "ga: out of memory");
    }
    pd_rng rng;
    pd_rng_seed(&rng, opt->seed);
    for (size_t j = 0; j < n; j++)
        if (pd_problem_pin_of(pb, (size_t)order[j]) == PD_SLOT_FREE)
            s.free_gene[s.n_free++] = j;
    for (size_t i = 0; i < pop * n; i++) {
        s.genes[i] = (pd_slot)pd_rng_below(&rng, (uint64_t)pb->n_tiers);
        int pin = pd_problem_pin_of(pb, (size_t)order[i % n]);
        if (pin != PD_SLOT_FREE) /* drawn all the same: the stream is as without pins */
            s.genes[i] = (pd_slot)pin;
    }
    for (size_t i = 0; i < pop; i++)
        s.obj[i] = evaluate(&s, &s.genes[i * n]);
    record(&s, sol, 0);

    for (size_t g = 1; g <= p->generations; g++) {
        rank_elite(&s, p->elitism);
        size_t filled = 0;
        for (; filled < p->elitism; filled++)
            memcpy(&s.next[filled * n], &s.genes[s.rank[filled] * n], n);
        double total = build_wheel(&s, p->scaling);
        while (filled < pop) {
            const pd_slot *a = &s.genes[spin(&s, total, &rng) * n];
            const pd_slot *b = &s.genes[spin(&s, total, &rng) * n];
            pd_slot *c1 = &s.next[filled * n];
            pd_slot *c2 = filled + 1 < pop ? &s.next[(filled + 1) * n] : NULL;
            size_t cut = n;
            if (n > 1 && pd_rng_uniform(&rng) < p->crossover)
                cut = 1 + (size_t)pd_rng_below(&rng, n - 1);
            memcpy(c1, a, cut);
            memcpy(c1 + cut, b + cut, n - cut);
            mutate(&s, c1, pb->n_tiers, p->mutation, &rng);
            filled++;
            if (c2) {
                memcpy(c2, b, cut);
                memcpy(c2 + cut, a + cut, n - cut);
                mutate(&s, c2, pb->n_tiers, p->mutation, &rng);
                filled++;
            }
        }
        pd_slot *t = s.genes;
        s.genes = s.next;
        s.next = t;
        /* elites are unchanged: keep their objectives (through fit, which the wheel is done with) */
        for (size_t i = 0; i < p->elitism; i++)
            s.fit[i] = s.obj[s.rank[i]];
        for (size_t i = 0; i < p->elitism; i++)
            s.obj[i] = s.fit[i];
        for (size_t i = p->elitism; i < pop; i++)
            s.obj[i] = evaluate(&s, &s.genes[i * n]);
        record(&s, sol, g);
    }
    size_t best = 0;
    for (size_t i = 1; i < pop; i++)
        if (s.obj[i] < s.obj[best])
            best = i;
    for (size_t j = 0; j < n; j++)
        sol->placement[order[j]] = s.genes[best * n + j];
    ga_free(&s);
    pd_branches_free(&br);
    return PD_OK;
}
