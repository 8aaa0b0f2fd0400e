/* A pool of threads that a net owns, to split one layer's work into as many parts as
 * threads, the calling thread one of them. Idle threads spin briefly before they block,
 * so a hand-off within an inference is cheap and an idle pool costs nothing. */
#ifndef PD_NN_WORKERS_H
#define PD_NN_WORKERS_H

#include "predoff/error.h"

typedef struct pd_workers pd_workers;

/* One part of a split piece of work: `part` in [0, parts). */
typedef void (*pd_work_fn)(void *ctx, int part, int parts);

/* A pool of `threads` in all (the caller included), so threads - 1 new threads.
 * threads <= 1 starts none and gives *out = NULL, which every call below accepts. */
pd_status pd_workers_new(int threads, pd_workers **out, pd_error *err);
/* Stops and joins the threads. NULL is a no-op. */
void pd_workers_free(pd_workers *w);

/* The number of parts a run is split into: the pool's threads, or 1 for NULL. */
int pd_workers_count(const pd_workers *w);

/* Runs fn(ctx, p, parts) once for every part p, each on whichever thread claims it
 * first (the caller claims parts too, so a worker the machine has not scheduled yet holds
 * nothing up), and returns once every part is done; what the parts wrote is then visible
 * to the caller. A part's work must not depend on the thread that runs it. One run at a
 * time per pool (a net runs one layer at a time). */
void pd_workers_run(pd_workers *w, pd_work_fn fn, void *ctx);

#endif
