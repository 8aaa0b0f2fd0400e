/* The weights flags several commands share. */
#include "weights_flags.h"

int cli_weights_flag(const cli_opt *o, cli_weights *w, pd_status *st, pd_error *err)
{
    *st = PD_OK;
    if (cli_is(o, "--weights")) {
        w->path = o->value;
        return 1;
    }
    if (!cli_is(o, "--random-weights"))
        return 0;
    double seed;
    *st = cli_real("--random-weights", o->value, 0, 1e15, &seed, err);
    if (!*st) {
        w->random = 1;
        w->seed = (uint64_t)seed;
    }
    return 1;
}

int cli_weights_given(const cli_weights *w, const char *model)
{
    if (!w->path && !w->random && model && pd_onnx_is_path(model))
        return 1; /* the initializers */
    return (w->path != NULL) != (w->random != 0);
}

const char *cli_weights_source(const cli_weights *w, const char *model)
{
    if (w->path)
        return w->path;
    return !w->random && pd_onnx_is_path(model) ? model : NULL;
}

pd_status cli_weights_missing(const char *cmd, pd_error *err)
{
    return pd_error_set(err, PD_EINPUT, "%s: give --weights FILE or --random-weights SEED", cmd);
}

pd_status cli_weights_load(const cli_weights *w, const pd_graph *g, pd_weights **own,
                           pd_weights **out, pd_error *err)
{
    if (!w->path && !w->random && own && *own) {
        *out = *own;
        *own = NULL;
        return PD_OK;
    }
    if (!w->path)
        return pd_weights_random(g, w->seed, out, err);
    pd_status st = pd_weights_read_safetensors(w->path, out, err);
    if (!st && (st = pd_weights_pack(*out, err))) { /* to run: on huge pages (pages.h) */
        pd_weights_free(*out);
        *out = NULL;
    }
    return st;
}
