/* Opens a model by path or name: ONNX files here, the rest through the graph module. */
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/str.h"
#include "predoff/onnx.h"

#define MAX_ONNX_FILE ((size_t)1 << 31) /* protobuf's own limit is 2 GB */

bool pd_onnx_is_path(const char *model)
{
    size_t n = strlen(model);
    return n > 5 && strcmp(model + n - 5, ".onnx") == 0;
}

pd_status pd_onnx_read(const char *path, pd_graph **g, pd_weights **w, pd_error *err)
{
    *g = NULL;
    if (w)
        *w = NULL;
    char *bytes = NULL;
    size_t len = 0;
    pd_status st = pd_read_file(path, MAX_ONNX_FILE, &bytes, &len, err);
    if (st)
        return st;
    const char *base = strrchr(path, '/');
    char *name = pd_strdup(base ? base + 1 : path);
    if (!name) {
        free(bytes);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (pd_onnx_is_path(name))
        name[strlen(name) - 5] = '\0';
    st = pd_onnx_parse((const uint8_t *)bytes, len, path, name, g, w, err);
    free(name);
    free(bytes);
    return st;
}

pd_status pd_model_open(const char *model, pd_graph **g, pd_weights **w, pd_error *err)
{
    if (w)
        *w = NULL;
    if (pd_onnx_is_path(model))
        return pd_onnx_read(model, g, w, err);
    return pd_graph_open(model, g, err);
}
