/* The client keys a server serves: read from a text file, kept sorted, found by bisection. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "core/file.h"
#include "predoff/keys.h"

enum { KEY_BYTES = 32, MAX_FILE = 1 << 20 };

struct pd_keyset {
    uint8_t (*keys)[KEY_BYTES];
    size_t n;
};

void pd_keyset_free(pd_keyset *k)
{
    if (k) {
        free(k->keys);
        free(k);
    }
}

size_t pd_keyset_count(const pd_keyset *k)
{
    return k ? k->n : 0;
}

static int compare(const void *a, const void *b)
{
    return memcmp(a, b, KEY_BYTES);
}

/* One line, without its newline: a key into out (1), nothing (0) or a fault (-1). */
static int parse_line(const char *s, size_t n, uint8_t out[KEY_BYTES])
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n == 0 || *s == '#')
        return 0;
    if (n == 8 + PD_KEY_CHARS && strncmp(s, "public: ", 8) == 0) {
        s += 8;
        n -= 8;
    }
    if (n != PD_KEY_CHARS || !pd_curve_is_z85(s, n))
        return -1;
    char z85[PD_KEY_CHARS + 1];
    memcpy(z85, s, n);
    z85[PD_KEY_CHARS] = '\0';
    return zmq_z85_decode(out, z85) ? 1 : -1;
}

pd_status pd_keyset_read(const char *path, pd_keyset **out, pd_error *err)
{
    *out = NULL;
    char *text;
    size_t len;
    pd_status st = pd_read_file(path, MAX_FILE, &text, &len, err);
    if (st)
        return st;
    pd_keyset *k = calloc(1, sizeof *k);
    /* a key takes 41 bytes of the file at least */
    size_t cap = len / (PD_KEY_CHARS + 1) + 1;
    if (k)
        k->keys = malloc(cap * sizeof *k->keys);
    if (!k || !k->keys) {
        free(text);
        pd_keyset_free(k);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t line = 0;
    for (size_t at = 0; at < len && !st; line++) {
        const char *s = text + at;
        const char *end = memchr(s, '\n', len - at);
        size_t n = end ? (size_t)(end - s) : len - at;
        if (memchr(s, '\0', n))
            st = pd_error_set(err, PD_EINPUT, "%s: line %zu: a NUL byte", path, line + 1);
        int r = st ? 0 : parse_line(s, n, k->keys[k->n]);
        if (r < 0)
            st = pd_error_set(err, PD_EINPUT,
                              "%s: line %zu: expected a 40-character Z85 public key (or a .pub "
                              "file's \"public: KEY\" line)",
                              path, line + 1);
        else if (r > 0 && k->n < cap)
            k->n++;
        at += n + (end ? 1 : 0);
    }
    free(text);
    if (st) {
        pd_keyset_free(k);
        return st;
    }
    qsort(k->keys, k->n, sizeof *k->keys, compare);
    *out = k;
    return PD_OK;
}

int pd_keyset_has(const pd_keyset *k, const uint8_t key[32])
{
    return k && k->n && bsearch(key, k->keys, k->n, sizeof *k->keys, compare) != NULL;
}

int pd_keyset_has_z85(const pd_keyset *k, const char *z85)
{
    uint8_t key[KEY_BYTES];
    if (!z85 || strlen(z85) != PD_KEY_CHARS || !zmq_z85_decode(key, z85))
        return 0;
    return pd_keyset_has(k, key);
}
