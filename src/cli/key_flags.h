/* The CURVE flags a client shares (infer, loadgen, probe): the server's public key, and
 * the client's own key pair, which the server lists in its --authorized-keys. */
#ifndef PD_CLI_KEY_FLAGS_H
#define PD_CLI_KEY_FLAGS_H

#include "args.h"
#include "predoff/keys.h"

#define CLI_CLIENT_KEY_FLAGS                                                                   \
    {"--server-key", "SERVER.pub", "CURVE: the server's public key (predoff keygen)"},         \
    {                                                                                          \
        "--key", "CLIENT.key", "CURVE: this client's key pair, listed by the server"           \
    }

typedef struct cli_client_keys {
    const char *server_path, *client_path;
    pd_curve_key server, client;
} cli_client_keys;

/* Reads o into k if it is one of the two flags (1), else 0. */
int cli_client_key_flag(const cli_opt *o, cli_client_keys *k);
/* Reads the files named: both or neither. */
pd_status cli_client_keys_read(cli_client_keys *k, pd_error *err);
/* The keys to connect with (NULL, NULL without CURVE). */
const pd_curve_key *cli_server_key(const cli_client_keys *k);
const pd_curve_key *cli_client_key(const cli_client_keys *k);

#endif
