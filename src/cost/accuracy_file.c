/* The accuracy file `predoff accuracy -o` writes: the writer, and the reader that gives a
 * scenario its exit accuracies. */
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

pd_status pd_scenario_shipped_accuracies(pd_scenario *sc, const pd_graph *g, pd_error *err)
{
    size_t len;
    const char *shipped = pd_builtin_accuracy(g->name, &len);
    if (!shipped)
        return PD_OK;
    char source[256];
    snprintf(source, sizeof source, "models/accuracy/%s.json (built in)", g->name);
    return pd_scenario_parse_accuracies(sc, g, shipped, len, source, err);
}

pd_status pd_scenario_default_accuracies(pd_scenario *sc, const pd_graph *g, pd_error *err)
{
    for (size_t k = 0; k < g->n_exits; k++)
        if (!g->layers[g->exits[k]].has_accuracy)
            return pd_scenario_shipped_accuracies(sc, g, err);
    return PD_OK;
}

static cJSON *accuracy_json(const pd_accuracy_record *r)
{
    const pd_graph *g = r->g;
    cJSON *root = cJSON_CreateObject(), *exits = NULL;
    int ok = root && cJSON_AddStringToObject(root, "model", g->name) &&
             cJSON_AddStringToObject(root, "weights", r->weights) &&
             cJSON_AddStringToObject(root, "data", r->data) &&
             cJSON_AddStringToObject(root, "split", r->split) &&
             cJSON_AddNumberToObject(root, "samples", (double)r->samples) &&
             (exits = cJSON_AddObjectToObject(root, "exits"));
    for (size_t k = 0; ok && k < g->n_exits; k++)
        ok = cJSON_AddNumberToObject(exits, g->layers[g->exits[k]].name, r->accuracy[k]) != NULL;
    size_t n_rows = r->n_thresholds;
    cJSON *list = ok && n_rows ? cJSON_AddArrayToObject(root, "entropy_thresholds") : NULL;
    ok = ok && (!n_rows || list);
    for (size_t i = 0; ok && i < n_rows; i++) {
        cJSON *row = cJSON_CreateObject(), *share = NULL;
        ok = row && cJSON_AddItemToArray(list, row);
        if (!ok)
            cJSON_Delete(row);
        ok = ok && cJSON_AddNumberToObject(row, "threshold", r->threshold[i]) &&
             cJSON_AddNumberToObject(row, "accuracy", r->rule_accuracy[i]) &&
             cJSON_AddNumberToObject(row, "mean_exit", r->mean_exit[i]) &&
             (share = cJSON_AddObjectToObject(row, "share"));
        for (size_t k = 0; ok && k < g->n_exits; k++)
            ok = cJSON_AddNumberToObject(share, g->layers[g->exits[k]].name,
                                         r->share[i * g->n_exits + k]) != NULL;
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

pd_status pd_accuracy_write(const pd_accuracy_record *r, const char *path, pd_error *err)
{
    cJSON *root = accuracy_json(r);
    if (!root)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    pd_status st = pd_json_write(root, path, err);
    cJSON_Delete(root);
    return st;
}
