/* A predoff server on a thread of the test. */
#include "server_thread.h"

#include <stdio.h>
#include <string.h>

static void on_ready(void *ctx, const char *endpoint)
{
    server_run *r = ctx;
    pthread_mutex_lock(&r->lock);
    snprintf(r->endpoint, sizeof r->endpoint, "%s", endpoint);
    r->ready = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void on_note(void *ctx, const char *line)
{
    server_run *r = ctx;
    pthread_mutex_lock(&r->lock);
    snprintf(r->last_note, sizeof r->last_note, "%s", line);
    r->notes++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void *run(void *arg)
{
    server_run *r = arg;
    pd_error_clear(&r->err);
    pd_status st = pd_serve(r->d, &r->o, &r->err);
    pthread_mutex_lock(&r->lock);
    r->st = st;
    r->done = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int server_start(server_run *r)
{
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    if (!r->o.listen)
        r->o.listen = "tcp://127.0.0.1:*";
    r->o.stop = &r->stop;
    r->o.reload = &r->reload;
    r->o.on_ready = on_ready;
    r->o.ready_ctx = r;
    r->o.on_note = on_note;
    r->o.note_ctx = r;
    if (pthread_create(&r->thread, NULL, run, r) != 0)
        return -1;
    pthread_mutex_lock(&r->lock);
    while (!r->ready && !r->done)
        pthread_cond_wait(&r->changed, &r->lock);
    int ok = r->ready;
    pthread_mutex_unlock(&r->lock);
    if (!ok)
        pthread_join(r->thread, NULL);
    return ok ? 0 : -1;
}

unsigned server_wait_note(server_run *r, unsigned notes)
{
    pthread_mutex_lock(&r->lock);
    while (r->notes <= notes && !r->done)
        pthread_cond_wait(&r->changed, &r->lock);
    unsigned n = r->notes;
    pthread_mutex_unlock(&r->lock);
    return n;
}

pd_status server_stop(server_run *r)
{
    r->stop = 1;
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
    return r->st;
}
