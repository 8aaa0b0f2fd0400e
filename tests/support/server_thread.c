/* A predoff server on a thread of the test. */
#include "server_thread.h"

void *server_thread(void *arg)
{
    server_run *r = arg;
    r->st = pd_serve(r->d, &r->o, NULL);
    return NULL;
}
