/* A predoff server on a thread of the test, for the split-runtime tests: it binds a free
 * port (tcp://127.0.0.1:*) and the test waits for it to listen, never for a while. */
#ifndef PD_SERVER_THREAD_H
#define PD_SERVER_THREAD_H

#include <pthread.h>
#include <signal.h>

#include "predoff/node.h"

typedef struct server_run {
    pd_deployment *d;
    pd_server_options o;       /* listen defaults to tcp://127.0.0.1:* */
    pd_status st;              /* what pd_serve returned */
    pd_error err;
    char endpoint[256];        /* where it listens, once started */
    volatile sig_atomic_t stop, reload;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int ready, done;
    unsigned notes;            /* lines the server logged */
    char last_note[640];
} server_run;

/* Starts r->d with r->o on a thread; returns 0 once it listens (r->endpoint), -1 if it
 * failed to start (r->err). r->o.stop, .reload, .on_ready and .on_note are set here. */
int server_start(server_run *r);
/* Waits until the server has logged more than `notes` lines; returns the count. */
unsigned server_wait_note(server_run *r, unsigned notes);
/* Stops it and joins the thread; returns what pd_serve returned. */
pd_status server_stop(server_run *r);

#endif
