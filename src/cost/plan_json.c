/* Writes plan files (formats.md, "Plan"); placement_json.c reads their placement back. */
#include <stdio.h>
#include <stdlib.h>

#include "core/json_util.h"
#include "predoff/placement.h"

void pd_plan_init(pd_plan *plan, const pd_graph *g, const pd_scenario *sc, const pd_problem *pb,
                  const char *solver, const pd_slot *placement, const pd_evaluation *ev)
{
    *plan = (pd_plan){.g = g, .sc = sc, .pb = pb, .solver = solver, .placement = placement,
                      .ev = ev, .served_exit = -1};
}

double pd_plan_expected_ms(const pd_plan *plan)
{
    return plan->served_exit >= 0 ? plan->served_ms : plan->ev->expected_ms;
}

/* v in the fewest digits that read back to the same double (cJSON's own printing accepts
 * 15 digits within a tolerance, and a time copied from a measured table must come back
 * whole); a raw item, or NULL when out of memory. */
static cJSON *exact_number(double v)
{
    char buf[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return cJSON_CreateRaw(buf);
}

/* cJSON's adders return NULL when out of memory (and take a NULL parent quietly), so one
 * flag collects them all. */
typedef struct builder {
    int ok;
} builder;

static void add_number(builder *b, cJSON *o, const char *key, double v)
{
    b->ok &= cJSON_AddNumberToObject(o, key, v) != NULL;
}

static void add_string(builder *b, cJSON *o, const char *key, const char *v)
{
    b->ok &= cJSON_AddStringToObject(o, key, v) != NULL;
}

static void add_bool(builder *b, cJSON *o, const char *key, bool v)
{
    b->ok &= cJSON_AddBoolToObject(o, key, v) != NULL;
}

static cJSON *add_object(builder *b, cJSON *o, const char *key)
{
    cJSON *c = cJSON_AddObjectToObject(o, key);
    b->ok &= c != NULL;
    return c;
}

static void add_item(builder *b, cJSON *o, const char *key, cJSON *item)
{
    if (!item || !cJSON_AddItemToObject(o, key, item)) {
        cJSON_Delete(item);
        b->ok = 0;
    }
}

static void scenario_json(builder *b, cJSON *root, const pd_scenario *sc)
{
    cJSON *o = add_object(b, root, "scenario");
    cJSON *prof = add_object(b, o, "profiles");
    for (int t = 0; t < PD_TIER_COUNT; t++)
        if (sc->uses[t])
            add_string(b, prof, pd_tier_name((pd_tier)t), sc->profile[t]->name);
    add_number(b, o, "uplink_bps", sc->uplink_bps);
    add_number(b, o, "downlink_bps", sc->downlink_bps);
    add_number(b, o, "wired_bps", sc->wired_bps);
    add_number(b, o, "wireless_delay_ms", sc->wireless_delay_ms);
    add_number(b, o, "wired_delay_ms", sc->wired_delay_ms);
    add_string(b, o, "accuracy_dist", sc->demand.spec);
    add_number(b, o, "load_requests", sc->load_requests);
    add_bool(b, o, "parse", sc->parse);
}

static void ga_json(builder *b, cJSON *root, const pd_plan_ga *ga)
{
    cJSON *o = add_object(b, root, "ga");
    add_number(b, o, "population", (double)ga->population);
    add_number(b, o, "generations", (double)ga->generations);
    add_number(b, o, "crossover", ga->crossover);
    add_number(b, o, "mutation", ga->mutation);
    add_number(b, o, "elitism", (double)ga->elitism);
    add_number(b, o, "scaling", ga->scaling);
    add_number(b, o, "seed", (double)ga->seed);
    add_item(b, o, "best_ms", cJSON_CreateDoubleArray(ga->best_ms, (int)ga->n_history));
    add_item(b, o, "mean_ms", cJSON_CreateDoubleArray(ga->mean_ms, (int)ga->n_history));
}

static void exits_json(builder *b, cJSON *root, const pd_plan *v)
{
    const pd_problem *pb = v->pb;
    cJSON *exits = cJSON_AddArrayToObject(root, "exits");
    b->ok &= exits != NULL;
    for (size_t k = 0; b->ok && k < pb->n_exits; k++) {
        if (v->served_exit >= 0 && (size_t)v->served_exit != k)
            continue;
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(exits, e)) {
            cJSON_Delete(e);
            b->ok = 0;
            break;
        }
        add_string(b, e, "exit", v->g->layers[pb->exit_layer[k]].name);
        add_number(b, e, "accuracy", pb->exit_accuracy[k]);
        add_number(b, e, "probability", v->served_exit >= 0 ? 1.0 : pb->exit_prob[k]);
        add_number(b, e, "latency_ms", v->served_exit >= 0 ? v->served_ms : v->ev->exit_ms[k]);
    }
}

static cJSON *plan_json(const pd_plan *v)
{
    const pd_problem *pb = v->pb;
    builder b = {1};
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_string(&b, o, "model", v->g->name);
    add_string(&b, o, "solver", v->solver);
    cJSON *tiers = cJSON_AddArrayToObject(o, "tiers");
    b.ok &= tiers != NULL;
    for (int s = 0; b.ok && s < pb->n_tiers; s++)
        b.ok &= cJSON_AddItemToArray(tiers, cJSON_CreateString(pd_tier_name(pb->tier[s])));
    add_number(&b, o, "expected_latency_ms", pd_plan_expected_ms(v));
    add_number(&b, o, "unmet_probability", pb->unmet_probability);
    if (v->solved) {
        add_number(&b, o, "solve_time_ms", v->solve_ms);
        add_number(&b, o, "below_requirement", v->below_requirement);
    }
    if (v->served_exit < 0)
        add_number(&b, o, "load_ms", v->ev->load_ms);
    add_number(&b, o, "parse_ms", pb->parse_ms);
    if (v->served_exit >= 0) {
        add_string(&b, o, "served_exit", v->g->layers[pb->exit_layer[v->served_exit]].name);
        add_bool(&b, o, "deadline_missed", v->deadline_missed);
    }
    exits_json(&b, o, v);
    if (v->ga && v->ga->n_history)
        ga_json(&b, o, v->ga);
    cJSON *pl = add_object(&b, o, "placement");
    for (size_t i = 0; b.ok && i < pb->n_layers; i++)
        add_string(&b, pl, v->g->layers[i].name, pd_tier_name(pb->tier[v->placement[i]]));
    /* c_t(l) as the plan used it: each tier's, measured or predicted */
    cJSON *cm = add_object(&b, o, "compute_ms");
    for (size_t i = 0; b.ok && i < pb->n_layers; i++) {
        cJSON *l = add_object(&b, cm, v->g->layers[i].name);
        for (int s = 0; b.ok && s < pb->n_tiers; s++)
            add_item(&b, l, pd_tier_name(pb->tier[s]),
                     exact_number(pb->compute_ms[i * (size_t)pb->n_tiers + (size_t)s]));
    }
    scenario_json(&b, o, v->sc);
    if (!b.ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

pd_status pd_plan_write(const pd_plan *plan, const char *path, pd_error *err)
{
    cJSON *o = plan_json(plan);
    if (!o)
        return pd_error_set(err, PD_ENOMEM, "out of memory writing the plan");
    pd_status st = pd_json_write(o, path, err);
    cJSON_Delete(o);
    return st;
}

pd_status pd_placement_write_tiers(const pd_graph *g, const pd_tier *tiers, const char *path,
                                   pd_error *err)
{
    builder b = {1};
    cJSON *o = cJSON_CreateObject();
    cJSON *pl = o ? add_object(&b, o, "placement") : NULL;
    for (size_t i = 0; pl && b.ok && i < g->n_layers; i++) {
        if ((int)tiers[i] < 0 || (int)tiers[i] >= PD_TIER_COUNT) {
            cJSON_Delete(o);
            return pd_error_set(err, PD_EINPUT, "%s: layer \"%s\": no such tier (%d)", path,
                                g->layers[i].name, (int)tiers[i]);
        }
        add_string(&b, pl, g->layers[i].name, pd_tier_name(tiers[i]));
    }
    pd_status st = o && pl && b.ok ? pd_json_write(o, path, err)
                                   : pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    cJSON_Delete(o);
    return st;
}
