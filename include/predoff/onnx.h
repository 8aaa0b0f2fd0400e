/* ONNX models (src/onnx/): a network exported from PyTorch or another framework, read as a
 * graph and its weights (formats.md, "ONNX models"), and the one call that opens a model
 * of any kind. */
#ifndef PREDOFF_ONNX_H
#define PREDOFF_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/graph.h"
#include "predoff/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads the ONNX file at path: *g the graph (named after the file, without .onnx), *w the
 * initializers in predoff's tensor names and layouts. Anything predoff cannot take exactly
 * is PD_EINPUT with one line naming the node, its operator and what is unsupported. */
pd_status pd_onnx_read(const char *path, pd_graph **g, pd_weights **w, pd_error *err);
/* The same from bytes in memory; `source` names them in messages, `name` is the graph's. */
pd_status pd_onnx_parse(const uint8_t *bytes, size_t len, const char *source, const char *name,
                        pd_graph **g, pd_weights **w, pd_error *err);

/* Whether a MODEL argument names an ONNX file (it ends in .onnx). */
bool pd_onnx_is_path(const char *model);

/* Opens MODEL: an ONNX file (*w its weights), or a built-in name or JSON file
 * (pd_graph_open; *w NULL: the weights come from elsewhere). w may be NULL for the graph
 * alone. */
pd_status pd_model_open(const char *model, pd_graph **g, pd_weights **w, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
