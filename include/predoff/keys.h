/* CURVE keys (ZeroMQ's authentication and encryption) in small text files:
 *   NAME.key holds "public: <40 Z85 chars>" and "secret: <40 Z85 chars>" lines,
 *   NAME.pub only the public line, for the peers that connect to NAME. */
#ifndef PREDOFF_KEYS_H
#define PREDOFF_KEYS_H

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_KEY_CHARS = 40 };

typedef struct pd_curve_key {
    char public_key[PD_KEY_CHARS + 1];
    char secret_key[PD_KEY_CHARS + 1]; /* empty when read from a .pub file */
} pd_curve_key;

/* Makes a key pair and writes NAME.key (mode 0600) and NAME.pub. */
pd_status pd_curve_keygen(const char *name, pd_error *err);
/* Reads a .key or .pub file; `need_secret` requires the secret line. */
pd_status pd_curve_read(const char *path, int need_secret, pd_curve_key *out, pd_error *err);

#ifdef __cplusplus
}
#endif
#endif
