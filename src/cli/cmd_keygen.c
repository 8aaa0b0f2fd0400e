/* predoff keygen: a CURVE key pair for a server, NAME.key (secret) and NAME.pub. */
#include <stdio.h>

#include "commands.h"
#include "predoff/keys.h"

int cmd_keygen(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    if (p->n_pos != 1) {
        pd_error_set(&err, PD_EINPUT, "keygen: expected one NAME (writes NAME.key and NAME.pub)");
        return cli_fail(&err);
    }
    if (pd_curve_keygen(p->pos[0], &err))
        return cli_fail(&err);
    printf("wrote %s.key (keep it secret: the server's --key) and %s.pub (for its clients)\n",
           p->pos[0], p->pos[0]);
    return EXIT_OK;
}
