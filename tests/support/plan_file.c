/* Plan files for tests: the tiers chosen here, the file written by the library's writer. */
#include "plan_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predoff/graph.h"
#include "predoff/placement.h"

int plan_file_all_on(const char *model, const char *tier, char *path, size_t size)
{
    return plan_file_spec(model, tier, NULL, path, size);
}

/* The tier `overrides` gives the layer, or `tier`. */
static const char *tier_for(const char *layer, const char *tier, const char *overrides,
                            char *buf, size_t cap)
{
    size_t n = strlen(layer);
    for (const char *s = overrides; s && *s;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len > n + 1 && strncmp(s, layer, n) == 0 && s[n] == '=' && len - n - 1 < cap) {
            memcpy(buf, s + n + 1, len - n - 1);
            buf[len - n - 1] = '\0';
            return buf;
        }
        s += len + (end ? 1 : 0);
    }
    return tier;
}

int plan_file_spec(const char *model, const char *tier, const char *overrides, char *path,
                   size_t size)
{
    if (snprintf(path, size, "/tmp/predoff-plan-XXXXXX") >= (int)size)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    pd_graph *g = NULL;
    pd_tier *tiers = NULL;
    int bad = pd_graph_open(model, &g, NULL) != PD_OK ||
              !(tiers = malloc(g->n_layers * sizeof *tiers));
    for (size_t i = 0; !bad && i < g->n_layers; i++) {
        char buf[16];
        tiers[i] = pd_tier_parse(tier_for(g->layers[i].name, tier, overrides, buf, sizeof buf));
        bad = tiers[i] == PD_TIER_COUNT;
    }
    bad = bad || pd_placement_write_tiers(g, tiers, path, NULL) != PD_OK;
    free(tiers);
    pd_graph_free(g);
    if (bad) {
        unlink(path);
        return -1;
    }
    return 0;
}

int plan_file_tiers(const pd_graph *g, const pd_tier *tiers, char *path, size_t size)
{
    if (snprintf(path, size, "/tmp/predoff-plan-XXXXXX") >= (int)size)
        return -1;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    if (pd_placement_write_tiers(g, tiers, path, NULL) != PD_OK) {
        unlink(path);
        return -1;
    }
    return 0;
}
