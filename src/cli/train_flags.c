/* predoff train's flags and how a resumed run checks them (train_flags.h). */
#include "train_flags.h"

#include <string.h>

/* The settings' flags, in pd_train_setting_key's order. */
static const char *const setting_flags[PD_TRAIN_N_SETTINGS] = {
    "--batch", "--lr", "--momentum", "--weight-decay", "--exit-weights", "--seed", "--limit",
};

pd_status cli_train_setting(const cli_opt *o, cli_train_args *a, pd_error *err)
{
    const char *v = o->value;
    pd_train_settings *s = &a->s;
    pd_status st = PD_OK;
    for (int i = 0; i < PD_TRAIN_N_SETTINGS; i++)
        a->given[i] |= cli_is(o, setting_flags[i]);
    if (cli_is(o, "--batch")) {
        if (!(st = cli_u64("--batch", v, &a->batch, err)) && (a->batch < 1 || a->batch > 65536))
            st = pd_error_set(err, PD_EINPUT, "--batch: %llu is outside [1, 65536]", a->batch);
    } else if (cli_is(o, "--lr")) {
        if (!(st = cli_real("--lr", v, 0.0, 1e30, &s->lr, err)) && !(s->lr > 0))
            st = pd_error_set(err, PD_EINPUT, "--lr: must be positive");
    } else if (cli_is(o, "--momentum")) {
        if (!(st = cli_real("--momentum", v, 0.0, 1.0, &s->momentum, err)) && s->momentum >= 1.0)
            st = pd_error_set(err, PD_EINPUT, "--momentum: must be below 1");
    } else if (cli_is(o, "--weight-decay")) {
        st = cli_real("--weight-decay", v, 0.0, 1e6, &s->weight_decay, err);
    } else if (cli_is(o, "--exit-weights")) {
        a->exit_weights_text = v;
    } else if (cli_is(o, "--seed")) {
        st = cli_u64("--seed", v, &a->seed, err);
    } else if (cli_is(o, "--limit")) {
        if (!(st = cli_u64("--limit", v, &a->limit, err)) && a->limit < 1)
            st = pd_error_set(err, PD_EINPUT, "--limit: must be at least 1");
    }
    return st;
}

/* --exit-weights: one finite non-negative weight per exit, not all zero. */
pd_status cli_train_exit_weights(cli_train_args *a, const pd_graph *g, pd_error *err)
{
    pd_train_settings *s = &a->s;
    if (g->n_exits > PD_TRAIN_MAX_EXITS)
        return pd_error_set(err, PD_ELIMIT, "model \"%s\": %zu exits; training takes at most %d",
                            g->name, g->n_exits, PD_TRAIN_MAX_EXITS);
    s->n_exits = g->n_exits;
    if (!a->exit_weights_text) {
        pd_train_default_exit_weights(g->n_exits, s->exit_weights);
        return PD_OK;
    }
    double sum = 0;
    int ok = cli_reals(a->exit_weights_text, s->exit_weights, g->n_exits) == (int)g->n_exits;
    for (size_t k = 0; ok && k < g->n_exits; k++) {
        ok = s->exit_weights[k] >= 0;
        sum += s->exit_weights[k];
    }
    if (!ok)
        return pd_error_set(err, PD_EINPUT,
                            "--exit-weights \"%s\": expected %zu non-negative numbers, "
                            "comma-separated (model \"%s\" has %zu exits)",
                            a->exit_weights_text, g->n_exits, g->name, g->n_exits);
    if (!(sum > 0))
        return pd_error_set(err, PD_EINPUT, "--exit-weights: at least one weight must be positive");
    return PD_OK;
}

/* A resumed run takes the checkpoint's settings; the flags given must agree with them. */
pd_status cli_train_adopt(cli_train_args *a, const pd_graph *g, const pd_weights *w,
                                pd_error *err)
{
    pd_train_settings have;
    pd_status st = pd_train_settings_read(w, g, a->checkpoint, &have, err);
    for (int i = 0; !st && i < PD_TRAIN_N_SETTINGS; i++) {
        char given[PD_TRAIN_MAX_EXITS * 26];
        const char *recorded = pd_weights_meta_get(w, pd_train_setting_key(i));
        pd_train_setting_text(&a->s, i, given, sizeof given);
        if (a->given[i] && strcmp(recorded, given) != 0)
            st = pd_error_set(err, PD_EINPUT,
                              "%s %s differs from the checkpoint's %s (%s); a resumed run keeps "
                              "its configuration",
                              setting_flags[i], given, recorded, a->checkpoint);
    }
    if (!st)
        a->s = have;
    return st;
}
