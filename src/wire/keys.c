/* CURVE key files: written with the secret readable by its owner only, read strictly. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "core/file.h"
#include "predoff/keys.h"
#include "predoff/node.h"

int pd_curve_is_z85(const char *s, size_t n)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(alphabet, s[i]))
            return 0;
    return 1;
}

/* Creates path with the text, never through a link and never over a file. */
static pd_status create_file(const char *path, int mode, const char *text, pd_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return pd_error_set(err, errno == EEXIST ? PD_EINPUT : PD_EIO, "%s: %s", path,
                            errno == EEXIST ? "exists already (give --force to replace it)"
                                            : strerror(errno));
    size_t n = strlen(text);
    int bad = write(fd, text, n) != (ssize_t)n;
    bad |= fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        unlink(path);
        return pd_error_set(err, PD_EIO, "%s: write failed", path);
    }
    return PD_OK;
}

/* Writes path anew: a fresh temporary file beside it, renamed over it (which replaces a
 * link, never writes through it). */
static pd_status replace_file(const char *path, int mode, const char *text, pd_error *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= sizeof tmp)
        return pd_error_set(err, PD_EINPUT, "%s: name too long", path);
    pd_status st = create_file(tmp, mode, text, err);
    if (st)
        return st;
    if (rename(tmp, path) != 0) {
        st = pd_error_set(err, PD_EIO, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
    return st;
}

pd_status pd_curve_keygen(const char *name, int force, pd_error *err)
{
    char pub[PD_KEY_CHARS + 1], sec[PD_KEY_CHARS + 1], key_path[4096], pub_path[4096], text[128];
    if ((size_t)snprintf(key_path, sizeof key_path, "%s.key", name) >= sizeof key_path ||
        (size_t)snprintf(pub_path, sizeof pub_path, "%s.pub", name) >= sizeof pub_path)
        return pd_error_set(err, PD_EINPUT, "%s: name too long", name);
    struct stat sb;
    if (!force) /* refuse before writing either file */
        for (int i = 0; i < 2; i++) {
            const char *p = i ? pub_path : key_path;
            if (lstat(p, &sb) == 0)
                return pd_error_set(err, PD_EINPUT, "%s: exists already (give --force to "
                                    "replace it)", p);
        }
    if (zmq_curve_keypair(pub, sec) != 0)
        return pd_error_set(err, PD_EIO, "cannot make a CURVE key pair: %s",
                            zmq_strerror(zmq_errno()));
    snprintf(text, sizeof text, "public: %s\nsecret: %s\n", pub, sec);
    pd_status st = force ? replace_file(key_path, 0600, text, err)
                         : create_file(key_path, 0600, text, err);
    memset(text, 0, sizeof text);
    memset(sec, 0, sizeof sec);
    if (st)
        return st;
    snprintf(text, sizeof text, "public: %s\n", pub);
    st = force ? replace_file(pub_path, 0644, text, err) : create_file(pub_path, 0644, text, err);
    if (st && !force)
        unlink(key_path); /* no secret without its public half */
    return st;
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
            if (!pd_curve_is_z85(s + 8, PD_KEY_CHARS))
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

pd_status pd_curve_client(void *sock, const pd_curve_key *server_key,
                          const pd_curve_key *client_key, pd_error *err)
{
    if (!client_key || !client_key->secret_key[0])
        return pd_error_set(err, PD_EINPUT, "CURVE: a client needs a key pair of its own");
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_key->public_key, PD_KEY_CHARS + 1) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client_key->public_key, PD_KEY_CHARS + 1) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client_key->secret_key, PD_KEY_CHARS + 1))
        return pd_error_set(err, PD_EIO, "CURVE: %s", zmq_strerror(zmq_errno()));
    return PD_OK;
}
