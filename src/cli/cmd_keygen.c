/* predoff keygen: a CURVE key pair, NAME.key (secret) and NAME.pub, for a server or a client. */
#include <stdio.h>

#include "commands.h"
#include "predoff/keys.h"

const cli_flag cli_cmd_keygen_flags[] = {
    {"--force", NULL, "replace NAME.key and NAME.pub if they exist"},
    {NULL, NULL, NULL},
};

int cli_cmd_keygen(const cli_parsed *p)
{
    pd_error err;
    pd_error_clear(&err);
    int force = 0;
    for (size_t i = 0; i < p->n_opts; i++)
        if (cli_is(&p->opts[i], "--force"))
            force = 1;
    if (p->n_pos != 1) {
        pd_error_set(&err, PD_EINPUT, "keygen: expected one NAME (writes NAME.key and NAME.pub)");
        return cli_fail(&err);
    }
    if (pd_curve_keygen(p->pos[0], force, &err))
        return cli_fail(&err);
    printf("wrote %s.key (keep it secret: a server's --key, or a client's) and %s.pub (for its "
           "peers: a client's --server-key, or a line of a server's --authorized-keys)\n",
           p->pos[0], p->pos[0]);
    return CLI_EXIT_OK;
}
