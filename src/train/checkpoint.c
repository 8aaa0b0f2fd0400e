/* Training checkpoints (include/predoff/checkpoint.h): the weights, the momentum and the
 * trainer's counters in one safetensors file, written atomically. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/checkpoint.h"

#define KEY_FORMAT "checkpoint_format"
#define KEY_STEPS "checkpoint_steps"
#define KEY_RNG "checkpoint_rng"
#define MOMENTUM ".momentum"

static int own_key(const char *key)
{
    return strcmp(key, KEY_FORMAT) == 0 || strcmp(key, KEY_STEPS) == 0 ||
           strcmp(key, KEY_RNG) == 0;
}

pd_status pd_checkpoint_write(const char *path, const pd_weights *w, pd_trainer *t,
                              pd_error *err)
{
    const pd_weights *m = pd_trainer_momentum(t);
    char steps[32], rng[80];
    const pd_rng *r = pd_trainer_rng(t);
    snprintf(steps, sizeof steps, "%" PRIu64, pd_trainer_steps(t));
    snprintf(rng, sizeof rng, "%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64 ",%016" PRIx64, r->s[0],
             r->s[1], r->s[2], r->s[3]);
    /* a view borrowing every tensor and string: only its two arrays are allocated here */
    pd_weights view = {0};
    view.tensors = malloc((w->n + m->n + 1) * sizeof *view.tensors);
    view.meta = malloc((w->n_meta + 3) * sizeof *view.meta);
    pd_status st = PD_OK;
    if (!view.tensors || !view.meta) {
        st = pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < w->n; i++)
        view.tensors[view.n++] = w->tensors[i];
    for (size_t i = 0; i < m->n; i++)
        view.tensors[view.n++] = m->tensors[i];
    for (size_t i = 0; i < w->n_meta; i++)
        if (!own_key(w->meta[i].key))
            view.meta[view.n_meta++] = w->meta[i];
    view.meta[view.n_meta++] = (pd_weights_meta){(char *)KEY_FORMAT, (char *)"1"};
    view.meta[view.n_meta++] = (pd_weights_meta){(char *)KEY_STEPS, steps};
    view.meta[view.n_meta++] = (pd_weights_meta){(char *)KEY_RNG, rng};
    st = pd_weights_replace_safetensors(&view, path, err);
done:
    free(view.meta);
    free(view.tensors);
    return st;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parses the checkpoint's own keys out of f's metadata. */
static pd_status read_counters(const pd_weights *f, const char *path, pd_checkpoint *c,
                               pd_error *err)
{
    const char *format = pd_weights_meta_get(f, KEY_FORMAT);
    if (!format)
        return pd_error_set(err, PD_EINPUT,
                            "%s: not a predoff checkpoint (no \"" KEY_FORMAT "\" in its metadata)",
                            path);
    if (strcmp(format, "1") != 0)
        return pd_error_set(err, PD_EINPUT, "%s: \"" KEY_FORMAT "\" is \"%.32s\"; this predoff reads 1",
                            path, format);
    const char *steps = pd_weights_meta_get(f, KEY_STEPS), *rng = pd_weights_meta_get(f, KEY_RNG);
    char *end = NULL;
    errno = 0;
    if (steps && steps[0] >= '0' && steps[0] <= '9')
        c->steps = strtoull(steps, &end, 10);
    if (!end || *end || errno)
        return pd_error_set(err, PD_EINPUT, "%s: \"" KEY_STEPS "\" must be a decimal count", path);
    const char *s = rng ? rng : "";
    for (int i = 0; i < 4; i++) {
        size_t k = 0;
        uint64_t v = 0;
        for (; k < 16; k++) {
            char ch = s[k];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                break;
            v = v << 4 | (uint64_t)d;
        }
        if (k != 16 || s[16] != (i < 3 ? ',' : '\0'))
            return pd_error_set(err, PD_EINPUT,
                                "%s: \"" KEY_RNG "\" must be four words of 16 hex digits, comma-separated",
                                path);
        c->rng.s[i] = v;
        s += 17;
    }
    if (!(c->rng.s[0] | c->rng.s[1] | c->rng.s[2] | c->rng.s[3]))
        return pd_error_set(err, PD_EINPUT, "%s: \"" KEY_RNG "\" is all zeros", path);
    return PD_OK;
}

pd_status pd_checkpoint_read(const char *path, pd_checkpoint *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    pd_weights *f = NULL;
    pd_status st = pd_weights_read_safetensors(path, &f, err);
    if (st)
        return st;
    pd_checkpoint c = {0};
    if ((st = read_counters(f, path, &c, err)))
        goto fail;
    c.weights = calloc(1, sizeof *c.weights);
    c.momentum = calloc(1, sizeof *c.momentum);
    if (c.weights && f->n)
        c.weights->tensors = calloc(f->n, sizeof *c.weights->tensors);
    if (c.momentum && f->n)
        c.momentum->tensors = calloc(f->n, sizeof *c.momentum->tensors);
    if (c.weights && f->n_meta)
        c.weights->meta = malloc(f->n_meta * sizeof *c.weights->meta);
    if (!c.weights || !c.momentum || (f->n && (!c.weights->tensors || !c.momentum->tensors)) ||
        (f->n_meta && !c.weights->meta)) {
        st = pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    /* the metadata moves too (its keys are unique, the reader checked), but for the
     * checkpoint's own keys, which f keeps and frees */
    size_t kept = 0;
    for (size_t i = 0; i < f->n_meta; i++) {
        if (own_key(f->meta[i].key))
            f->meta[kept++] = f->meta[i];
        else
            c.weights->meta[c.weights->n_meta++] = f->meta[i];
    }
    f->n_meta = kept;
    /* the tensors move: f keeps none of them */
    for (size_t i = 0; i < f->n; i++) {
        pd_weights *to = ends_with(f->tensors[i].name, MOMENTUM) ? c.momentum : c.weights;
        to->tensors[to->n++] = f->tensors[i];
    }
    f->n = 0;
    pd_weights_free(f);
    *out = c;
    return PD_OK;
fail:
    pd_weights_free(f);
    pd_checkpoint_free(&c);
    return st;
}

pd_status pd_checkpoint_restore(const pd_checkpoint *c, pd_trainer *t, const char *source,
                                pd_error *err)
{
    pd_weights *m = pd_trainer_momentum(t);
    pd_weights_index *ix;
    pd_status st = pd_weights_index_new(c->momentum, &ix, err);
    for (size_t i = 0; i < m->n && !st; i++) {
        const pd_named_tensor *want = &m->tensors[i];
        const pd_named_tensor *have = pd_weights_index_find(ix, want->name);
        if (!have)
            st = pd_error_set(err, PD_EINPUT, "%s: tensor \"%.64s\" is missing", source,
                              want->name);
        else if (have->count != want->count)
            st = pd_error_set(err, PD_EINPUT, "%s: tensor \"%.64s\": %zu elements, the model needs %zu",
                              source, want->name, have->count, want->count);
    }
    for (size_t i = 0; i < m->n && !st; i++) {
        pd_named_tensor *to = &m->tensors[i];
        memcpy(to->data, pd_weights_index_find(ix, to->name)->data, to->count * sizeof(float));
    }
    pd_weights_index_free(ix);
    if (st)
        return st;
    pd_trainer_set_steps(t, c->steps);
    *pd_trainer_rng(t) = c->rng;
    return PD_OK;
}

void pd_checkpoint_free(pd_checkpoint *c)
{
    if (!c)
        return;
    pd_weights_free(c->weights);
    pd_weights_free(c->momentum);
    memset(c, 0, sizeof *c);
}
