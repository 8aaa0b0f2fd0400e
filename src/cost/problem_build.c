/* Folds a model and a scenario into the arrays the solvers work on. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "predoff/objective.h"

static pd_status set_accuracies(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                                pd_error *err)
{
    if (sc->n_exit_accuracy && sc->n_exit_accuracy != g->n_exits)
        return pd_error_set(err, PD_EINPUT,
                            "--exit-accuracy gives %zu values but model \"%s\" has %zu exits",
                            sc->n_exit_accuracy, g->name, g->n_exits);
    for (size_t k = 0; k < g->n_exits; k++) {
        const pd_layer *l = &g->layers[g->exits[k]];
        pb->exit_layer[k] = g->exits[k];
        if (sc->n_exit_accuracy)
            pb->exit_accuracy[k] = sc->exit_accuracy[k];
        else if (l->has_accuracy)
            pb->exit_accuracy[k] = l->accuracy;
        else
            return pd_error_set(err, PD_EINPUT,
                                "%s: exit \"%s\" has no accuracy; give --exit-accuracy with %zu "
                                "values, or --accuracy-from ACC.json (predoff accuracy -o; "
                                "models/accuracy/ has the measured ones that ship)",
                                g->name, l->name, g->n_exits);
    }
    return PD_OK;
}

/* The model's layer graph, and the names the solvers' messages use. */
static pd_status set_graph(pd_problem *pb, const pd_graph *g, pd_error *err)
{
    pd_status st = pd_topology_copy(g->topo, &pb->topo, err);
    if (st)
        return st;
    pb->model_name = pd_strdup(g->name);
    if (g->topo->first_join >= 0)
        pb->join_name = pd_strdup(g->layers[g->topo->first_join].name);
    if (!pb->model_name || (g->topo->first_join >= 0 && !pb->join_name))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    return PD_OK;
}

/* Whether fused layers matter to the problem: some tier's profile fuses, and the graph's
 * engine fused some layer into its producer. */
static bool fusion_needed(const pd_problem *pb, const pd_graph *g, const pd_scenario *sc)
{
    bool fuses = false;
    for (int s = 0; s < pb->n_tiers; s++)
        fuses |= sc->profile[pb->tier[s]]->fuses;
    for (size_t i = 0; fuses && i < g->n_layers; i++)
        if (pd_graph_fused_into(g, i) >= 0)
            return true;
    return false;
}

/* Every layer's compute time on every tier, a tier's layers at once (pd_profile_layers_ms:
 * a boosted entry's layers in one prediction); with own (n_layers x n_tiers, NULL: not
 * asked), on the tiers that fuse, each layer as a pass of its own too, from the same
 * settled runs (pd_profile_layers_both_ms). */
static pd_status set_compute(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                             double *own, pd_error *err)
{
    size_t n = g->n_layers, nt = (size_t)pb->n_tiers;
    const size_t m = n ? n : 1;
    double *ms = malloc((own ? 2 : 1) * m * sizeof *ms), *one = ms && own ? ms + m : NULL;
    if (!ms)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = PD_OK;
    for (size_t s = 0; s < nt && !st; s++) {
        const pd_profile *p = sc->profile[pb->tier[s]];
        const bool both = own && p->fuses;
        st = both ? pd_profile_layers_both_ms(p, g, ms, one, err)
                  : pd_profile_layers_ms(p, g, ms, err);
        if (st) {
            pd_error_prefix(err, p->name);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            pb->compute_ms[i * nt + s] = ms[i];
            if (own) /* a tier that does not fuse runs every layer as its own pass */
                own[i * nt + s] = both ? one[i] : ms[i];
        }
    }
    free(ms);
    return st;
}

/* A fused kernel's passes apart cost no less than it, wherever the fused layers would run:
 * F_t(p) <= U_t(p) + U_t'(a) (+ U_t''(b) for a SiLU pair) for every way a placement can put
 * them apart, the condition under which pd_solve's joining of split pairs keeps the exact
 * solvers exact (DESIGN.md). Where a fit's fused_act_elems term says more, the producer's
 * pass apart (unfused_ms) is raised to F_t(p) less the fused layers' cheapest passes (for
 * a SiLU pair both of them, for ReLUs or Clips, one a branch: each run holds one of them,
 * fused_act_elems counts one, the cheapest of them), each on its cheapest tier; the fused
 * kernel stays as its fit predicts it, which is what a run of the layers together takes.
 * Until the sixteenth session the fused kernel was capped instead, at U_t(p) plus those
 * passes: that priced EfficientNet-B0's SiLU convolutions 0.7 ms (4%) below their
 * predictions, and on a fast other tier (the cheapest pass is any tier's) a mobile's fused
 * kernel at the mobile's convolution plus the cloud's activation. */
static pd_status bound_fused_kernels(pd_problem *pb, pd_error *err)
{
    const size_t n = pb->n_layers, nt = (size_t)pb->n_tiers;
    double *pair_ms = malloc(n * sizeof *pair_ms), *single_ms = malloc(n * sizeof *single_ms);
    if (!pair_ms || !single_ms) {
        free(pair_ms);
        free(single_ms);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        pair_ms[i] = single_ms[i] = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const int32_t prod = pb->fused_into[i];
        if (prod < 0)
            continue;
        double cheapest = INFINITY;
        for (size_t s = 0; s < nt; s++)
            cheapest = fmin(cheapest, pb->unfused_ms[i * nt + s]);
        if (pd_problem_fused_pair(pb, i, prod) < 0)
            single_ms[prod] = fmin(single_ms[prod], cheapest);
        else /* the pair's sum: INFINITY until its first layer */
            pair_ms[prod] = isinf(pair_ms[prod]) ? cheapest : pair_ms[prod] + cheapest;
    }
    for (size_t i = 0; i < n; i++) {
        const double apart = fmin(pair_ms[i], single_ms[i]);
        for (size_t s = 0; isfinite(apart) && s < nt; s++) {
            double *u = &pb->unfused_ms[i * nt + s];
            *u = fmax(*u, pb->compute_ms[i * nt + s] - apart);
        }
    }
    free(pair_ms);
    free(single_ms);
    return PD_OK;
}

/* Fused layers (docs/DESIGN.md): on a tier whose profile fuses, a fused layer with its
 * producer costs 0 there and the producer the fused kernel (compute_ms, as set_compute
 * predicted it with its fused_act_elems); each alone costs its own pass (own, n_layers x
 * n_tiers, as set_compute gave it: unfused_ms). Called when fusion_needed. */
static pd_status set_fusion(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                            const double *own, pd_error *err)
{
    size_t n = g->n_layers, nt = (size_t)pb->n_tiers;
    pb->fused_into = malloc(n * sizeof *pb->fused_into);
    pb->unfused_ms = malloc(n * nt * sizeof *pb->unfused_ms);
    bool *with = malloc(n * sizeof *with); /* [producer]: fused on the tier at hand */
    pd_status st = PD_OK;
    if (!pb->fused_into || !pb->unfused_ms || !with)
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++)
        pb->fused_into[i] = pd_graph_fused_into(g, i);
    for (size_t s = 0; s < nt && !st; s++) {
        const pd_profile *p = sc->profile[pb->tier[s]];
        for (size_t i = 0; i < n; i++)
            with[i] = false;
        for (size_t i = 0; p->fuses && i < n; i++)
            if (pb->fused_into[i] >= 0)
                with[pb->fused_into[i]] = true;
        /* a measured time is as measured (a measured table says nothing of what was in
         * whose pass): a group with one is not fused on the tier */
        double ms;
        for (size_t i = 0; p->fuses && i < n; i++) {
            const int32_t prod = pb->fused_into[i];
            if (pd_profile_measured_ms(p, g, i, &ms))
                with[prod >= 0 ? (size_t)prod : i] = false;
        }
        for (size_t i = 0; i < n; i++) {
            const int32_t prod = pb->fused_into[i];
            const double alone = own[i * nt + s];
            pb->unfused_ms[i * nt + s] = alone;
            if (prod >= 0) /* with its producer: in that pass, or its own where not fused */
                pb->compute_ms[i * nt + s] = with[prod] ? 0.0 : alone;
            else if (p->fuses && !with[i]) /* fused kernel only where the group is fused */
                pb->compute_ms[i * nt + s] = alone;
        }
    }
    if (!st)
        st = bound_fused_kernels(pb, err);
    free(with);
    return st;
}

/* Loading time per request, split into a per-layer slope and a per-tier intercept. */
static pd_status set_loading(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                             pd_error *err)
{
    for (int s = 0; s < pb->n_tiers; s++) {
        const pd_profile *p = sc->profile[pb->tier[s]];
        if (!p->load.present)
            return pd_error_set(err, PD_EINPUT,
                                "profile \"%s\" has no \"load\" model, needed by --load-requests",
                                p->name);
        pd_linear_model slope = p->load;
        slope.intercept = 0.0;
        pb->load_fixed_ms[s] = p->load.intercept / sc->load_requests;
        for (size_t i = 0; i < g->n_layers; i++) {
            double f[PD_FEATURE_COUNT];
            for (int k = 0; k < PD_FEATURE_COUNT; k++)
                f[k] = pd_graph_feature(g, i, (pd_feature)k);
            pb->load_ms[i * (size_t)pb->n_tiers + (size_t)s] =
                pd_linear_predict(&slope, f) / sc->load_requests;
        }
    }
    return PD_OK;
}

static pd_status set_parsing(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                             pd_error *err)
{
    const pd_profile *p = sc->profile[PD_TIER_MOBILE];
    if (!p->parse.present)
        return pd_error_set(err, PD_EINPUT,
                            "profile \"%s\" has no \"parse\" model, needed by --parse", p->name);
    double f[PD_FEATURE_COUNT] = {0};
    f[PD_FEAT_MODEL_BYTES] = f[PD_FEAT_WEIGHT_BYTES] = pd_graph_model_bytes(g);
    double t = pd_linear_predict(&p->parse, f);
    pb->parse_ms = t > 0.0 ? t : 0.0;
    return PD_OK;
}

/* The scenario's pins, by layer name and tier, as slots of the problem. */
static pd_status set_pins(pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                          pd_error *err)
{
    for (size_t i = 0; i < sc->n_pins; i++) {
        const pd_pin *p = &sc->pins[i];
        int32_t layer = pd_graph_find(g, p->layer);
        if (layer < 0)
            return pd_error_set(err, PD_EINPUT,
                                "--pin %.128s=%s: model \"%.64s\" has no layer \"%.128s\"",
                                p->layer, pd_tier_name(p->tier), g->name, p->layer);
        int slot = -1;
        for (int s = 0; s < pb->n_tiers; s++)
            if (pb->tier[s] == p->tier)
                slot = s;
        if (slot < 0)
            return pd_error_set(err, PD_EINPUT,
                                "--pin %.128s=%s: the scenario has no %s tier (see --tiers)",
                                p->layer, pd_tier_name(p->tier), pd_tier_name(p->tier));
        pd_status st = pd_problem_pin(pb, (size_t)layer, slot, err);
        if (st)
            return st;
    }
    return PD_OK;
}

/* cost-model.md, "Numbers": every time finite. The rates, delays and coefficients are each
 * bounded, but a model's sizes times a profile's coefficients, or many such terms summed,
 * could still overflow: refuse, naming the term, if the costliest placement's E[L] (each
 * layer on its slowest tier, every hop crossed at its slowest, every term at weight 1) is
 * not finite, so no solver's objective can be. */
static pd_status check_finite(const pd_problem *pb, const pd_graph *g, const pd_scenario *sc,
                              pd_error *err)
{
    size_t nt = (size_t)pb->n_tiers;
    double worst_hop = 0.0, worst_delay = 0.0, bound = pb->parse_ms;
    for (size_t a = 0; a < nt; a++)
        for (size_t b = 0; b < nt; b++) {
            worst_hop = pb->ms_per_byte[a][b] > worst_hop ? pb->ms_per_byte[a][b] : worst_hop;
            worst_delay = pb->hop_ms[a][b] > worst_delay ? pb->hop_ms[a][b] : worst_delay;
        }
    bound += (pb->input_bytes * worst_hop + worst_delay);
    for (size_t s = 0; s < nt && pb->load_on; s++)
        bound += fabs(pb->load_fixed_ms[s]);
    for (size_t i = 0; i < pb->n_layers; i++) {
        for (size_t s = 0; s < nt; s++) {
            double c = pb->compute_ms[i * nt + s];
            if (!isfinite(c))
                return pd_error_set(err, PD_EINPUT,
                                    "profile \"%s\" predicts %g ms for layer \"%.64s\": not a "
                                    "finite time (coefficients too large for this model?)",
                                    sc->profile[pb->tier[s]]->name, c, g->layers[i].name);
            bound += c;
            if (pb->load_on)
                bound += fabs(pb->load_ms[i * nt + s]);
        }
        /* its output crosses each link at most once per exit: two crossings at worst */
        bound += 2.0 * (pb->out_bytes[i] * worst_hop + worst_delay);
    }
    if (!isfinite(bound))
        return pd_error_set(err, PD_EINPUT,
                            "model \"%s\": with these rates, delays and profiles a placement's "
                            "latency is not finite (beyond %g ms); raise the rates or check the "
                            "profiles",
                            g->name, DBL_MAX);
    return PD_OK;
}

pd_status pd_problem_build(const pd_graph *g, const pd_scenario *sc, pd_problem **out,
                           pd_error *err)
{
    *out = NULL;
    if (pd_scenario_check(sc, err))
        return PD_EINPUT;
    int n_tiers = 0;
    pd_tier tiers[PD_MAX_TIERS];
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (sc->uses[t]) {
            if (pd_profile_covers(sc->profile[t], g, err)) {
                char where[32];
                snprintf(where, sizeof where, "%s tier", pd_tier_name((pd_tier)t));
                return pd_error_prefix(err, where);
            }
            tiers[n_tiers++] = (pd_tier)t;
        }
    pd_problem *pb;
    pd_status st = pd_problem_new(g->n_layers, n_tiers, g->n_exits, sc->load_requests > 0.0,
                                  &pb, err);
    if (st)
        return st;
    memcpy(pb->tier, tiers, sizeof tiers);
    pb->input_bytes = 4.0 * (double)pd_shape_elems(g->input);
    for (size_t i = 0; i < g->n_layers; i++)
        pb->out_bytes[i] = 4.0 * (double)pd_shape_elems(g->layers[i].out);
    const bool fusion = fusion_needed(pb, g, sc);
    const size_t cells = g->n_layers * (size_t)n_tiers;
    double *own = fusion ? malloc((cells ? cells : 1) * sizeof *own) : NULL;
    st = fusion && !own ? pd_error_set(err, PD_ENOMEM, "out of memory")
                        : set_compute(pb, g, sc, own, err);
    if (!st && fusion)
        st = set_fusion(pb, g, sc, own, err);
    free(own);
    pd_problem_set_links(pb, sc->uplink_bps, sc->downlink_bps, sc->wired_bps,
                         sc->wireless_delay_ms, sc->wired_delay_ms);
    if (!st)
        st = set_accuracies(pb, g, sc, err);
    if (!st)
        st = set_graph(pb, g, err);
    if (!st)
        st = pd_problem_set_demand(pb, &sc->demand, err);
    if (!st && pb->load_on)
        st = set_loading(pb, g, sc, err);
    if (!st && sc->parse)
        st = set_parsing(pb, g, sc, err);
    if (!st)
        st = set_pins(pb, g, sc, err);
    if (!st)
        st = check_finite(pb, g, sc, err);
    if (st) {
        pd_problem_free(pb);
        return st;
    }
    *out = pb;
    return PD_OK;
}
