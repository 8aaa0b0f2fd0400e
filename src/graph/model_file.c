/* Opens a model by built-in name or by path. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "predoff/graph.h"

pd_status pd_graph_open(const char *name_or_path, pd_graph **out, pd_error *err)
{
    size_t n;
    const pd_builtin_model *m = pd_builtin_models(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(m[i].name, name_or_path) == 0)
            return pd_graph_from_json(m[i].json, m[i].json_len, m[i].name, out, err);
    *out = NULL;
    if (!strchr(name_or_path, '/') && !strstr(name_or_path, ".json") &&
        access(name_or_path, F_OK) != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: no such built-in model or file (predoff models lists them)",
                            name_or_path);
    char *text = NULL;
    size_t len = 0;
    pd_status st = pd_read_file(name_or_path, PD_MAX_TEXT_FILE, &text, &len, err);
    if (st)
        return st;
    st = pd_graph_from_json(text, len, name_or_path, out, err);
    free(text);
    return st;
}
