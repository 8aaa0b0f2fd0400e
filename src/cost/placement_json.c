/* Reads the placement object of a plan file: each layer's tier, then, against a scenario,
 * each layer's slot. */
#include <stdlib.h>
#include <string.h>

#include "core/json_util.h"
#include "core/name_index.h"
#include "predoff/placement.h"

static pd_status read_tiers(const cJSON *root, const pd_graph *g, pd_tier *tiers, pd_error *err)
{
    if (!cJSON_IsObject(root))
        return pd_error_set(err, PD_EINPUT, "a plan must be a JSON object");
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(root, "placement");
    if (!cJSON_IsObject(pl))
        return pd_error_set(err, PD_EINPUT, "missing object \"placement\"");
    pd_name_index names;
    if (pd_name_index_init(&names, g->n_layers))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    for (size_t i = 0; i < g->n_layers; i++)
        pd_name_index_add(&names, g->layers[i].name, (int32_t)i);
    bool *seen = calloc(g->n_layers, sizeof *seen);
    pd_status st = seen ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    const cJSON *it;
    cJSON_ArrayForEach(it, pl)
    {
        if (st)
            break;
        int32_t i = pd_name_index_get(&names, it->string);
        if (i < 0) {
            st = pd_error_set(err, PD_EINPUT, "placement: model \"%s\" has no layer \"%.64s\"",
                              g->name, it->string);
            break;
        }
        if (seen[i]) {
            st = pd_error_set(err, PD_EINPUT, "placement: layer \"%.64s\" given twice", it->string);
            break;
        }
        seen[i] = true;
        tiers[i] = cJSON_IsString(it) ? pd_tier_parse(it->valuestring) : PD_TIER_COUNT;
        if (tiers[i] == PD_TIER_COUNT)
            st = pd_error_set(err, PD_EINPUT,
                              "placement: layer \"%.64s\": tier must be \"mobile\", \"edge\" or "
                              "\"cloud\"",
                              it->string);
    }
    for (size_t i = 0; !st && i < g->n_layers; i++)
        if (!seen[i])
            st = pd_error_set(err, PD_EINPUT, "placement: layer \"%.64s\" is missing",
                              g->layers[i].name);
    free(seen);
    pd_name_index_free(&names);
    return st;
}

pd_status pd_placement_tiers_from_json(const char *text, size_t len, const char *source,
                                       const pd_graph *g, pd_tier *tiers, pd_error *err)
{
    cJSON *root = NULL;
    if (pd_json_parse(text, len, &root, err))
        return pd_error_prefix(err, source);
    pd_status st = read_tiers(root, g, tiers, err);
    cJSON_Delete(root);
    return st ? pd_error_prefix(err, source) : PD_OK;
}

pd_status pd_placement_from_json(const char *text, size_t len, const char *source,
                                 const pd_graph *g, const pd_problem *pb, pd_slot *placement,
                                 pd_error *err)
{
    pd_tier *tiers = malloc(g->n_layers * sizeof *tiers);
    if (!tiers)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_status st = pd_placement_tiers_from_json(text, len, source, g, tiers, err);
    for (size_t i = 0; !st && i < g->n_layers; i++) {
        int slot = -1;
        for (int s = 0; s < pb->n_tiers; s++)
            if (pb->tier[s] == tiers[i])
                slot = s;
        if (slot < 0)
            st = pd_error_set(err, PD_EINPUT,
                              "%s: placement: layer \"%.64s\" is on %s, which is not among the "
                              "scenario's tiers (see --tiers)",
                              source, g->layers[i].name, pd_tier_name(tiers[i]));
        else
            placement[i] = (pd_slot)slot;
    }
    free(tiers);
    return st;
}
