/* The adaptive sweep (predoff/adaptive.h): a coarse grid, then rounds of points near the
 * rows the cross-validated predictor gets most wrong. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/hash.h"
#include "measure/adaptive_moves.h"
#include "predoff/adaptive.h"
#include "predoff/rng.h"

enum { MAX_POINTS = 100000, PER_ROW = 2, SWEEP_JSON = 512 };

void pd_adaptive_options_init(pd_adaptive_options *o)
{
    *o = (pd_adaptive_options){.budget_s = INFINITY, .coarse_every = 4, .seed = 1};
    pd_fit_options_init(&o->fit);
}

/* The points timed (and, within a round, picked): each one's model and its JSON text, the
 * key that no point is timed twice by. */
typedef struct points {
    size_t n, cap;
    pd_graph **g;   /* owned */
    char **key;     /* owned */
    uint64_t *hash; /* of key */
} points;

static pd_status nomem(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

static int seen(const points *p, const char *key, uint64_t h)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->hash[i] == h && strcmp(p->key[i], key) == 0)
            return 1;
    return 0;
}

/* Adds g (taking it) unless a point of the same model is there (then frees it); *added
 * says which. */
static pd_status add_point(points *p, pd_graph *g, int *added, pd_error *err)
{
    *added = 0;
    char *key = NULL;
    pd_status st = pd_graph_to_json(g, &key, err);
    if (st) {
        pd_graph_free(g);
        return st;
    }
    uint64_t h = pd_fnv1a_str(PD_FNV1A_BASIS, key);
    if (seen(p, key, h)) {
        free(key);
        pd_graph_free(g);
        return PD_OK;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        pd_graph **ng = realloc(p->g, cap * sizeof *ng);
        if (ng)
            p->g = ng;
        char **nk = ng ? realloc(p->key, cap * sizeof *nk) : NULL;
        if (nk)
            p->key = nk;
        uint64_t *nh = nk ? realloc(p->hash, cap * sizeof *nh) : NULL;
        if (nh)
            p->hash = nh;
        if (!nh) {
            free(key);
            pd_graph_free(g);
            return nomem(err);
        }
        p->cap = cap;
    }
    p->g[p->n] = g;
    p->key[p->n] = key;
    p->hash[p->n++] = h;
    *added = 1;
    return PD_OK;
}

static void points_free(points *p)
{
    for (size_t i = 0; i < p->n; i++) {
        pd_graph_free(p->g[i]);
        free(p->key[i]);
    }
    free(p->g);
    free(p->key);
    free(p->hash);
}

/* The default coarse grid: every k-th point of each (type, kind) part of the sweep grid. */
typedef struct grid_ctx {
    points *p;
    size_t every, count[PD_LAYER_TYPE_COUNT][PD_LAYER_KIND_COUNT];
    pd_status st;
    pd_error *err;
} grid_ctx;

static void take_grid_point(void *vctx, const pd_sweep_point *sp)
{
    grid_ctx *c = vctx;
    char json[SWEEP_JSON];
    pd_graph *g = NULL;
    if (c->st)
        return;
    if (!pd_sweep_point_json(sp, "sweep", json, sizeof json)) {
        c->st = pd_error_set(c->err, PD_ELIMIT, "a sweep point's model is longer than %d bytes",
                             SWEEP_JSON);
        return;
    }
    c->st = pd_graph_from_json(json, strlen(json), "sweep", &g, c->err);
    if (c->st)
        return;
    const pd_layer *l = &g->layers[g->n_layers - 1];
    if (c->count[l->type][pd_layer_kind_of(l)]++ % c->every != 0) {
        pd_graph_free(g);
        return;
    }
    int added;
    c->st = add_point(c->p, g, &added, c->err);
}

static pd_status coarse_grid(const pd_adaptive_options *o, points *p, pd_error *err)
{
    if (o->coarse) {
        for (size_t i = 0; i < o->n_coarse; i++) {
            char *key = NULL;
            pd_graph *g = NULL;
            pd_status st = pd_graph_to_json(o->coarse[i], &key, err);
            if (!st)
                st = pd_graph_from_json(key, strlen(key), "sweep", &g, err);
            free(key);
            int added;
            if (!st)
                st = add_point(p, g, &added, err);
            if (st)
                return st;
        }
        return PD_OK;
    }
    grid_ctx c = {.p = p, .every = o->coarse_every, .err = err};
    for (int t = 0; t < PD_LAYER_TYPE_COUNT && !c.st; t++)
        pd_layer_type_sweep((pd_layer_type)t, take_grid_point, &c);
    return c.st;
}

/* A row by its CV relative error (-1: none, not predicted or too fast to seed around). */
typedef struct ranked {
    double error;
    size_t row;
} ranked;

/* The loop's own state. */
typedef struct loop {
    const pd_adaptive_options *o;
    pd_timings *out;
    size_t first;    /* out's rows from here on are the loop's, one per point */
    points p;
    double t0, timing_s, cv_s; /* the start; the time spent timing; the last CV's */
    double *cv_pred;
    ranked *rank;
    pd_rng rng;
    pd_adaptive_state state;
} loop;

static double now_s(const loop *l)
{
    return l->o->now_s ? l->o->now_s(l->o->now_ctx) : pd_now_ms() / 1e3;
}

/* Times points [from, p.n). */
static pd_status time_points(loop *l, size_t from, pd_error *err)
{
    double t = now_s(l);
    for (size_t i = from; i < l->p.n; i++) {
        size_t before = l->out->n;
        pd_status st = l->o->time_point(l->o->time_ctx, l->p.g[i], i, l->out, err);
        if (!st && l->out->n != before + 1)
            st = pd_error_set(err, PD_EINPUT, "sweep point %zu: the timer gave %zu rows, not 1",
                              i, l->out->n - before);
        if (st)
            return st;
    }
    l->timing_s += now_s(l) - t;
    return PD_OK;
}

/* The rows' CV predictions and the per-type figures; the progress told. */
static pd_status cross_validate(loop *l, pd_error *err)
{
    double t = now_s(l);
    size_t n = l->out->n - l->first;
    double *pred = realloc(l->cv_pred, n * sizeof *pred);
    if (pred)
        l->cv_pred = pred;
    ranked *rank = pred ? realloc(l->rank, n * sizeof *rank) : NULL;
    if (!rank)
        return nomem(err);
    l->rank = rank;
    const pd_timings mine = {n, n, l->out->rows + l->first};
    pd_status st = pd_fit_cv_predict(&mine, &l->o->fit, l->cv_pred, err);
    if (st)
        return st;
    pd_timings_score(&mine, l->cv_pred, l->state.cv);
    double end = now_s(l);
    l->cv_s = end - t;
    l->state.points = n;
    l->state.elapsed_s = end - l->t0;
    if (l->o->progress)
        l->o->progress(l->o->progress_ctx, &l->state);
    return PD_OK;
}

/* Larger error first, ties in row order. */
static int by_error(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->error != y->error)
        return x->error > y->error ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The quality row (pd_timings_score's) of a timing: its kind's, or its type's. */
static size_t entry_of(const pd_layer_timing *r)
{
    return r->kind != PD_KIND_NONE ? PD_LAYER_TYPE_COUNT + (size_t)r->kind : (size_t)r->type;
}

/* Each entry's share of the batch, in proportion to its rows' absolute CV error in ms
 * (what the entry adds to the error of a network's predicted time; by relative error
 * alone, a type of fast layers a linear model cannot fit drew every point): whole parts
 * first, the rest by the largest remainders (ties to the lower entry). */
static void quotas(const loop *l, size_t batch, size_t quota[PD_FIT_QUALITY_ROWS])
{
    double w[PD_FIT_QUALITY_ROWS] = {0}, sum = 0.0;
    size_t n = l->out->n - l->first, given = 0;
    for (size_t i = 0; i < n; i++) {
        const pd_layer_timing *r = &l->out->rows[l->first + i];
        double e = fabs(l->cv_pred[i] - r->median_ms);
        if (isfinite(e) && !(r->median_ms < l->o->seed_min_ms)) {
            w[entry_of(r)] += e;
            sum += e;
        }
    }
    double frac[PD_FIT_QUALITY_ROWS];
    for (int k = 0; k < PD_FIT_QUALITY_ROWS; k++) {
        double x = sum > 0.0 ? (double)batch * w[k] / sum : 0.0;
        quota[k] = (size_t)floor(x);
        frac[k] = w[k] > 0.0 ? x - floor(x) : -1.0;
        given += quota[k];
    }
    for (; given < batch && sum > 0.0; given++) {
        int best = 0;
        for (int k = 1; k < PD_FIT_QUALITY_ROWS; k++)
            best = frac[k] > frac[best] ? k : best;
        if (frac[best] < 0.0)
            break;
        quota[best]++;
        frac[best] = -1.0;
    }
}

/* Up to PER_ROW neighbours of point `row` not timed before, in an order drawn from the
 * seed, appended to l->p (at most up to `target` points); *taken says how many. */
static pd_status near(loop *l, size_t row, size_t target, size_t *taken, pd_error *err)
{
    int moves[PD_SWEEP_MOVES];
    for (int m = 0; m < PD_SWEEP_MOVES; m++)
        moves[m] = m;
    for (int m = PD_SWEEP_MOVES; m > 1; m--) {
        int j = (int)pd_rng_below(&l->rng, (uint64_t)m), x = moves[m - 1];
        moves[m - 1] = moves[j];
        moves[j] = x;
    }
    *taken = 0;
    for (int m = 0; m < PD_SWEEP_MOVES && *taken < PER_ROW && l->p.n < target; m++) {
        pd_graph *g = NULL;
        int added;
        pd_status st = pd_sweep_neighbour(l->p.g[row], moves[m], &g, err);
        if (!st && g)
            st = add_point(&l->p, g, &added, err);
        if (st)
            return st;
        *taken += g && added;
    }
    return PD_OK;
}

/* Picks up to `batch` new points (appended to l->p): each entry's quota near its rows of
 * largest relative CV error, largest first; then, if some quota could not be met, the
 * rest near any row, largest error first. */
static pd_status pick(loop *l, size_t batch, pd_error *err)
{
    size_t n = l->out->n - l->first, target = l->p.n + batch, quota[PD_FIT_QUALITY_ROWS];
    ranked *rank = l->rank;
    for (size_t i = 0; i < n; i++) {
        const pd_layer_timing *r = &l->out->rows[l->first + i];
        double y = r->median_ms, e = fabs(l->cv_pred[i] - y) / y;
        rank[i] = (ranked){isfinite(e) && !(y < l->o->seed_min_ms) ? e : -1.0, i};
    }
    qsort(rank, n, sizeof *rank, by_error);
    quotas(l, batch, quota);
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < n && l->p.n < target && rank[k].error >= 0.0; k++) {
            size_t e = entry_of(&l->out->rows[l->first + rank[k].row]), taken;
            if (pass == 0 && quota[e] == 0)
                continue;
            size_t room = pass == 0 && l->p.n + quota[e] < target ? l->p.n + quota[e] : target;
            pd_status st = near(l, rank[k].row, room, &taken, err);
            if (st)
                return st;
            quota[e] -= pass == 0 ? taken : 0;
        }
    return PD_OK;
}

/* The round's size: the batch, within max_points, and what the budget has room for at the
 * rate points have been timed (the round's CV fit, as long as the last, counted in). */
static size_t round_size(const loop *l, size_t added)
{
    const pd_adaptive_options *o = l->o;
    size_t n = l->p.n, batch = o->batch ? o->batch : (n / 8 > 8 ? n / 8 : 8);
    if (o->max_points && batch > o->max_points - added)
        batch = o->max_points - added;
    if (n + batch > MAX_POINTS)
        batch = MAX_POINTS - n;
    if (!(now_s(l) - l->t0 < o->budget_s))
        return 0;
    if (isfinite(o->budget_s)) {
        double left = o->budget_s - (now_s(l) - l->t0) - l->cv_s, each = l->timing_s / (double)n;
        double room = each > 0.0 ? floor(left / each) : (left > 0.0 ? (double)batch : 0.0);
        if (room < (double)batch)
            batch = room > 0.0 ? (size_t)room : 0;
    }
    return batch;
}

pd_status pd_adaptive_sweep(const pd_adaptive_options *o, pd_timings *out,
                            pd_adaptive_result *res, pd_error *err)
{
    memset(res, 0, sizeof *res);
    if (!o->time_point)
        return pd_error_set(err, PD_EINPUT, "adaptive sweep: no timer");
    if (!(o->budget_s > 0.0) || o->coarse_every == 0 || (o->coarse && !o->n_coarse))
        return pd_error_set(err, PD_EINPUT, "adaptive sweep: the budget must be > 0, the coarse "
                            "grid's step and size at least 1");
    loop l = {.o = o, .out = out, .first = out->n};
    pd_rng_seed(&l.rng, o->seed);
    l.t0 = now_s(&l);
    l.state.budget_s = o->budget_s;
    pd_status st = coarse_grid(o, &l.p, err);
    if (!st && l.p.n == 0)
        st = pd_error_set(err, PD_EINPUT, "adaptive sweep: the coarse grid is empty");
    if (!st)
        st = time_points(&l, 0, err);
    l.state.coarse = res->coarse = l.p.n;
    if (!st)
        st = cross_validate(&l, err);
    if (!st)
        memcpy(res->before, l.state.cv, sizeof res->before);
    while (!st) {
        size_t batch = round_size(&l, res->added);
        if (batch == 0) { /* the budget, max_points or MAX_POINTS reached */
            res->budget_spent = !(o->max_points && res->added >= o->max_points) &&
                                l.p.n < MAX_POINTS;
            break;
        }
        size_t from = l.p.n;
        st = pick(&l, batch, err);
        if (st || l.p.n == from)
            break; /* nothing near the rows that is not timed already */
        st = time_points(&l, from, err);
        res->added += l.p.n - from;
        l.state.round = ++res->rounds;
        if (!st)
            st = cross_validate(&l, err);
    }
    if (!st)
        memcpy(res->after, l.state.cv, sizeof res->after);
    points_free(&l.p);
    free(l.cv_pred);
    free(l.rank);
    return st;
}
