/* CURVE key files: written with the secret readable by its owner only, read strictly. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "core/file.h"
#include "predoff/keys.h"
#include "predoff/node.h"

static int is_z85(const char *s, size_t n)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(alphabet, s[i]))
            return 0;
    return 1;
}

static pd_status write_file(const char *path, int mode, const char *text, pd_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    size_t n = strlen(text);
    int bad = write(fd, text, n) != (ssize_t)n;
    bad |= close(fd) != 0;
    return bad ? pd_error_set(err, PD_EIO, "%s: write failed", path) : PD_OK;
}

pd_status pd_curve_keygen(const char *name, pd_error *err)
{
    char pub[PD_KEY_CHARS + 1], sec[PD_KEY_CHARS + 1], path[4096], text[128];
    if (zmq_curve_keypair(pub, sec) != 0)
        return pd_error_set(err, PD_EIO, "cannot make a CURVE key pair: %s",
                            zmq_strerror(zmq_errno()));
    snprintf(text, sizeof text, "public: %s\nsecret: %s\n", pub, sec);
    snprintf(path, sizeof path, "%s.key", name);
    pd_status st = write_file(path, 0600, text, err);
    if (st)
        return st;
    snprintf(text, sizeof text, "public: %s\n", pub);
    snprintf(path, sizeof path, "%s.pub", name);
    return write_file(path, 0644, text, err);
}

pd_status pd_curve_read(const char *path, int need_secret, pd_curve_key *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t len;
    pd_status st = pd_read_file(path, 4096, &text, &len, err);
    if (st)
        return st;
    size_t line = 0;
    for (char *s = text; *s && !st; line++) {
        char *end = strchr(s, '\n');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char *field = NULL;
        if (n == 0) {
            /* blank line */
        } else if (n == 8 + PD_KEY_CHARS && strncmp(s, "public: ", 8) == 0) {
            field = out->public_key;
        } else if (n == 8 + PD_KEY_CHARS && strncmp(s, "secret: ", 8) == 0) {
            field = out->secret_key;
        } else {
            st = pd_error_set(err, PD_EINPUT,
                              "%s: line %zu: expected \"public: KEY\" or \"secret: KEY\" with a "
                              "40-character Z85 key",
                              path, line + 1);
        }
        if (field) {
            if (!is_z85(s + 8, PD_KEY_CHARS))
                st = pd_error_set(err, PD_EINPUT, "%s: line %zu: not a Z85 key", path, line + 1);
            else
                memcpy(field, s + 8, PD_KEY_CHARS);
        }
        s += n + (end ? 1 : 0);
    }
    free(text);
    if (!st && !out->public_key[0])
        st = pd_error_set(err, PD_EINPUT, "%s: no public key", path);
    if (!st && need_secret && !out->secret_key[0])
        st = pd_error_set(err, PD_EINPUT, "%s: no secret key (a .key file is needed, not .pub)",
                          path);
    return st;
}

pd_status pd_curve_client(void *sock, const pd_curve_key *server_key, pd_error *err)
{
    char pub[PD_KEY_CHARS + 1], sec[PD_KEY_CHARS + 1];
    if (zmq_curve_keypair(pub, sec) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key->public_key, PD_KEY_CHARS + 1) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, PD_KEY_CHARS + 1) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, PD_KEY_CHARS + 1))
        return pd_error_set(err, PD_EIO, "CURVE: %s", zmq_strerror(zmq_errno()));
    return PD_OK;
}
