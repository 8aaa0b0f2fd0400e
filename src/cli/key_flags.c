/* The CURVE flags a client shares. */
#include "key_flags.h"

int cli_client_key_flag(const cli_opt *o, cli_client_keys *k)
{
    if (cli_is(o, "--server-key"))
        k->server_path = o->value;
    else if (cli_is(o, "--key"))
        k->client_path = o->value;
    else
        return 0;
    return 1;
}

pd_status cli_client_keys_read(cli_client_keys *k, pd_error *err)
{
    if ((k->server_path != NULL) != (k->client_path != NULL))
        return pd_error_set(err, PD_EINPUT,
                            "--server-key SERVER.pub and --key CLIENT.key go together (a "
                            "client key pair from predoff keygen, listed in the server's "
                            "--authorized-keys)");
    if (!k->server_path)
        return PD_OK;
    if (pd_curve_read(k->server_path, 0, &k->server, err))
        return pd_error_prefix(err, "--server-key");
    if (pd_curve_read(k->client_path, 1, &k->client, err))
        return pd_error_prefix(err, "--key");
    return PD_OK;
}

const pd_curve_key *cli_server_key(const cli_client_keys *k)
{
    return k->server_path ? &k->server : NULL;
}

const pd_curve_key *cli_client_key(const cli_client_keys *k)
{
    return k->client_path ? &k->client : NULL;
}
