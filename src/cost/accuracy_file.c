/* Exit accuracies from the JSON file `predoff accuracy -o` writes, for a scenario. */
#include "predoff/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/json_util.h"

pd_status pd_scenario_read_accuracies(pd_scenario *sc, const pd_graph *g, const char *path,
                                      pd_error *err)
{
    char *text = NULL;
    size_t len = 0;
    pd_status st = pd_read_file(path, 1 << 20, &text, &len, err);
    if (!st)
        st = pd_scenario_parse_accuracies(sc, g, text, len, path, err);
    free(text);
    return st;
}

pd_status pd_scenario_parse_accuracies(pd_scenario *sc, const pd_graph *g, const char *text,
                                       size_t len, const char *path, pd_error *err)
{
    cJSON *root = NULL;
    pd_status st = pd_json_parse(text, len, &root, err);
    if (st)
        return pd_error_prefix(err, path);
    double *acc = malloc((g->n_exits ? g->n_exits : 1) * sizeof *acc);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *exits = cJSON_GetObjectItemCaseSensitive(root, "exits");
    if (!acc)
        st = pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    else if (!cJSON_IsObject(root) || !cJSON_IsString(model) || !cJSON_IsObject(exits))
        st = pd_error_set(err, PD_EINPUT,
                          "%s: expected {\"model\": NAME, \"exits\": {EXIT: ACCURACY, ...}} "
                          "(as predoff accuracy -o writes)",
                          path);
    else if (strcmp(model->valuestring, g->name) != 0)
        st = pd_error_set(err, PD_EINPUT, "%s: accuracies of model \"%.64s\", not \"%s\"", path,
                          model->valuestring, g->name);
    for (size_t k = 0; k < g->n_exits && !st; k++) {
        const char *name = g->layers[g->exits[k]].name;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(exits, name);
        char field[160];
        snprintf(field, sizeof field, "exits.%.64s", name);
        if (!v)
            st = pd_error_set(err, PD_EINPUT, "%s: no accuracy for exit \"%s\" of model \"%s\"",
                              path, name, g->name);
        else if ((st = pd_json_real(v, field, 0.0, 1.0, &acc[k], err)))
            pd_error_prefix(err, path);
    }
    cJSON_Delete(root);
    if (st) {
        free(acc);
        return st;
    }
    free(sc->exit_accuracy);
    sc->exit_accuracy = acc;
    sc->n_exit_accuracy = g->n_exits;
    snprintf(sc->accuracy_source, sizeof sc->accuracy_source, "%s", path);
    return PD_OK;
}
