/* CURVE keys (ZeroMQ's authentication and encryption) in small text files:
 *   NAME.key holds "public: <40 Z85 chars>" and "secret: <40 Z85 chars>" lines,
 *   NAME.pub only the public line, for the peers that connect to NAME. */
#ifndef PREDOFF_KEYS_H
#define PREDOFF_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { PD_KEY_CHARS = 40 };

typedef struct pd_curve_key {
    char public_key[PD_KEY_CHARS + 1];
    char secret_key[PD_KEY_CHARS + 1]; /* empty when read from a .pub file */
} pd_curve_key;

/* Makes a key pair and writes NAME.key (mode 0600) and NAME.pub. Refuses when either file
 * exists (a link included) unless `force`, which replaces them by renaming new files over
 * them; the files are created with O_EXCL | O_NOFOLLOW, never through a link. */
pd_status pd_curve_keygen(const char *name, int force, pd_error *err);
/* Whether the n bytes at s are all Z85 characters (ZeroMQ's alphabet; NUL is not). */
int pd_curve_is_z85(const char *s, size_t n);
/* Reads a .key or .pub file; `need_secret` requires the secret line. */
pd_status pd_curve_read(const char *path, int need_secret, pd_curve_key *out, pd_error *err);

/* The client keys a server accepts (--authorized-keys): a text file of one Z85 public key
 * a line, or a .pub file's "public: KEY" line; blank lines and lines starting with '#'
 * are skipped. */
typedef struct pd_keyset pd_keyset;

pd_status pd_keyset_read(const char *path, pd_keyset **out, pd_error *err);
void pd_keyset_free(pd_keyset *k);
size_t pd_keyset_count(const pd_keyset *k);
/* Whether the 32-byte binary key (as ZAP hands it over) is in the set. */
int pd_keyset_has(const pd_keyset *k, const uint8_t key[32]);
/* Whether the key in Z85 (40 characters) is in the set. */
int pd_keyset_has_z85(const pd_keyset *k, const char *z85);

#ifdef __cplusplus
}
#endif
#endif
