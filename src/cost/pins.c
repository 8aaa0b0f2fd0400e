/* Pins (--pin LAYER=TIER, cost-model.md): parsed into the scenario, resolved against a
 * model into the problem's per-layer slots. */
#include <stdlib.h>
#include <string.h>

#include "predoff/objective.h"

static pd_status add_pin(pd_scenario *sc, const char *layer, size_t len, pd_tier tier,
                         pd_error *err)
{
    for (size_t i = 0; i < sc->n_pins; i++)
        if (strlen(sc->pins[i].layer) == len && memcmp(sc->pins[i].layer, layer, len) == 0) {
            if (sc->pins[i].tier == tier)
                return PD_OK;
            return pd_error_set(err, PD_EINPUT, "--pin: layer \"%.*s\" pinned to %s and to %s",
                                (int)(len > 128 ? 128 : len), layer,
                                pd_tier_name(sc->pins[i].tier), pd_tier_name(tier));
        }
    pd_pin *p = realloc(sc->pins, (sc->n_pins + 1) * sizeof *p);
    if (!p)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    sc->pins = p;
    char *name = malloc(len + 1);
    if (!name)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(name, layer, len);
    name[len] = '\0';
    sc->pins[sc->n_pins++] = (pd_pin){name, tier};
    return PD_OK;
}

pd_status pd_scenario_add_pins(pd_scenario *sc, const char *spec, pd_error *err)
{
    const char *c = spec;
    for (size_t item = 1;; item++) {
        const char *end = strchr(c, ',');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        const char *eq = NULL;
        for (size_t i = 0; i < len; i++)
            if (c[i] == '=')
                eq = c + i;
        char tier_name[16] = "";
        size_t tier_len = eq ? len - (size_t)(eq + 1 - c) : 0;
        if (!eq || eq == c || tier_len == 0 || tier_len >= sizeof tier_name)
            return pd_error_set(err, PD_EINPUT,
                                "--pin: item %zu \"%.*s\" is not LAYER=TIER (e.g. "
                                "--pin conv1=mobile,fc=cloud)",
                                item, (int)(len > 128 ? 128 : len), c);
        memcpy(tier_name, eq + 1, tier_len);
        pd_tier tier = pd_tier_parse(tier_name);
        if (tier == PD_TIER_COUNT)
            return pd_error_set(err, PD_EINPUT,
                                "--pin: item %zu \"%.*s\": unknown tier \"%s\" (mobile, edge, cloud)",
                                item, (int)(len > 128 ? 128 : len), c, tier_name);
        pd_status st = add_pin(sc, c, (size_t)(eq - c), tier, err);
        if (st)
            return st;
        if (!end)
            return PD_OK;
        c = end + 1;
    }
}

pd_status pd_problem_pin(pd_problem *pb, size_t layer, int slot, pd_error *err)
{
    if (layer >= pb->n_layers || slot < 0 || slot >= pb->n_tiers)
        return pd_error_set(err, PD_EINPUT, "pin: layer %zu or slot %d is out of range", layer,
                            slot);
    if (!pb->pin) {
        pb->pin = malloc(pb->n_layers * sizeof *pb->pin);
        if (!pb->pin)
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        memset(pb->pin, PD_SLOT_FREE, pb->n_layers * sizeof *pb->pin);
    }
    if (pb->pin[layer] != PD_SLOT_FREE && pb->pin[layer] != slot)
        return pd_error_set(err, PD_EINPUT, "pin: layer %zu pinned to slots %d and %d", layer,
                            pb->pin[layer], slot);
    pb->pin[layer] = (pd_slot)slot;
    return PD_OK;
}

bool pd_problem_pins_kept(const pd_problem *pb, const pd_slot *placement, size_t *layer)
{
    for (size_t i = 0; pb->pin && i < pb->n_layers; i++)
        if (pb->pin[i] != PD_SLOT_FREE && pb->pin[i] != placement[i]) {
            if (layer)
                *layer = i;
            return false;
        }
    return true;
}

unsigned pd_problem_pinned_slots(const pd_problem *pb)
{
    unsigned m = 0;
    for (size_t i = 0; pb->pin && i < pb->n_layers; i++)
        if (pb->pin[i] != PD_SLOT_FREE)
            m |= 1u << pb->pin[i];
    return m;
}

size_t pd_problem_n_pinned(const pd_problem *pb)
{
    size_t n = 0;
    for (size_t i = 0; pb->pin && i < pb->n_layers; i++)
        n += pb->pin[i] != PD_SLOT_FREE;
    return n;
}
