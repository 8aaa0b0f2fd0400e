/* A predoff server on a thread of the test, for the split-runtime tests. */
#ifndef PD_SERVER_THREAD_H
#define PD_SERVER_THREAD_H

#include "predoff/node.h"

typedef struct server_run {
    pd_deployment *d;
    pd_server_options o;
    pd_status st; /* what pd_serve returned */
} server_run;

/* pthread start routine: serves r->d with r->o until stopped; arg is a server_run. */
void *server_thread(void *arg);

#endif
