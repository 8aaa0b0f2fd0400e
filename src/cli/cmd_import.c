/* predoff import: an ONNX model as predoff's JSON model description and safetensors
 * weights (formats.md), which read back to the same graph and weights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "predoff/graph.h"
#include "predoff/io.h"
#include "predoff/onnx.h"

const cli_flag cli_cmd_import_flags[] = {
    {"-o", "M.json", "the model description (required)"},
    {"--weights-out", "W.safetensors", "the weights (required)"},
    {NULL, NULL, NULL},
};

static pd_status write_text(const char *path, const char *text, pd_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return pd_error_set(err, PD_EIO, "%s: cannot create the file", path);
    size_t n = strlen(text);
    int bad = fwrite(text, 1, n, f) != n || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    return bad ? pd_error_set(err, PD_EIO, "%s: write failed", path) : PD_OK;
}

int cli_cmd_import(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    const char *out = NULL, *wout = NULL;
    for (size_t i = 0; i < p->n_opts; i++) {
        if (cli_is(&p->opts[i], "-o"))
            out = p->opts[i].value;
        else if (cli_is(&p->opts[i], "--weights-out"))
            wout = p->opts[i].value;
    }
    if (p->n_pos != 1 || !pd_onnx_is_path(p->pos[0]))
        pd_error_set(&err, PD_EINPUT, "import: expected one X.onnx");
    else if (!out || !wout)
        pd_error_set(&err, PD_EINPUT, "import: -o M.json and --weights-out W.safetensors are "
                     "required");
    if (err.status)
        return cli_fail(&err);
    pd_graph *g = NULL;
    pd_weights *w = NULL;
    char *text = NULL;
    int status = CLI_EXIT_OK;
    if (pd_onnx_read(p->pos[0], &g, &w, &err) || pd_graph_to_json(g, &text, &err) ||
        write_text(out, text, &err) || pd_weights_write_safetensors(w, wout, &err))
        status = cli_fail(&err);
    else
        printf("%s: %zu layers, %zu exits, %zu tensors -> %s, %s\n", p->pos[0], g->n_layers,
               g->n_exits, w->n, out, wout);
    free(text);
    pd_weights_free(w);
    pd_graph_free(g);
    return status;
}
