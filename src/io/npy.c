/* NumPy .npy files of little-endian float32 in C order: format 1.0 and 2.0, the header
 * (a Python dict literal) read by a small strict parser. */
#include "predoff/npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "blob.h"

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define MAX_HEADER 65536               /* numpy's own dicts are under 200 bytes */
#define MAX_DIM ((int64_t)1 << 53)     /* far beyond any file that can exist */
#define ALIGN 64                       /* numpy aligns the data to 64 bytes */

/* ---- the header: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 32, 32), } ---- */

typedef struct cursor {
    const char *p, *end;
    const char *src;
    pd_error *err;
} cursor;

static pd_status fail(cursor *c, const char *what)
{
    return pd_error_set(c->err, PD_EINPUT, "%s: header: %s", c->src, what);
}

static void skip_spaces(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* Consumes ch (after spaces) if it is next. */
static int take(cursor *c, char ch)
{
    skip_spaces(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string of printable ASCII without escapes, in single or double quotes. */
static pd_status string_lit(cursor *c, const char **s, size_t *n)
{
    skip_spaces(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return fail(c, "expected a quoted string");
    char q = *c->p++;
    const char *start = c->p;
    while (c->p < c->end && *c->p != q) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch < 0x20 || ch > 0x7E || ch == '\\')
            return fail(c, "a string holds an escape, a control or a non-ASCII character");
        c->p++;
    }
    if (c->p >= c->end)
        return fail(c, "a string is not closed");
    *s = start;
    *n = (size_t)(c->p - start);
    c->p++;
    return PD_OK;
}

static int is_word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static pd_status bool_lit(cursor *c, int *out)
{
    skip_spaces(c);
    const char *words[] = {"False", "True"};
    for (int v = 0; v < 2; v++) {
        size_t n = strlen(words[v]);
        if ((size_t)(c->end - c->p) >= n && memcmp(c->p, words[v], n) == 0 &&
            ((size_t)(c->end - c->p) == n || !is_word_char(c->p[n]))) {
            c->p += n;
            *out = v;
            return PD_OK;
        }
    }
    return fail(c, "'fortran_order' must be True or False");
}

/* A non-negative decimal integer as Python writes it: no sign, no leading zeros. */
static pd_status int_lit(cursor *c, int64_t *out)
{
    skip_spaces(c);
    const char *start = c->p;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        int digit = *c->p - '0';
        if (v > (MAX_DIM - digit) / 10)
            return fail(c, "a dimension of 'shape' is too large");
        v = v * 10 + digit;
        c->p++;
    }
    size_t n = (size_t)(c->p - start);
    if (n == 0 || (c->p < c->end && is_word_char(*c->p)))
        return fail(c, "'shape' must be a tuple of non-negative integers");
    if (n > 1 && *start == '0')
        return fail(c, "a dimension of 'shape' has a leading zero");
    *out = v;
    return PD_OK;
}

/* A tuple as Python writes it: (), (3,), (3, 4) or (3, 4,). */
static pd_status shape_lit(cursor *c, pd_array *a)
{
    if (!take(c, '('))
        return fail(c, "'shape' must be a tuple of non-negative integers");
    a->ndim = 0;
    if (take(c, ')'))
        return PD_OK;
    for (;;) {
        if (a->ndim == PD_NPY_MAX_DIMS)
            return pd_error_set(c->err, PD_EINPUT, "%s: header: 'shape' has more than %d dimensions",
                                c->src, PD_NPY_MAX_DIMS);
        pd_status st = int_lit(c, &a->dims[a->ndim]);
        if (st)
            return st;
        a->ndim++;
        int comma = take(c, ',');
        if (take(c, ')')) {
            if (a->ndim == 1 && !comma) /* (3) is a number in Python, not a tuple */
                return fail(c, "'shape' of one dimension must be written (n,)");
            return PD_OK;
        }
        if (!comma)
            return fail(c, "'shape' must be a tuple of non-negative integers");
    }
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *dims)
{
    size_t k = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (k < size)
        snprintf(buf + k, size - k, ndim == 1 ? ",)" : ")");
}

/* Parses the whole header text h[0..n) into a's shape and count. */
static pd_status parse_header(const char *h, size_t n, const char *src, pd_array *a,
                              pd_error *err)
{
    cursor c = {h, h + n, src, err};
    if (n == 0 || h[n - 1] != '\n')
        return fail(&c, "does not end with a newline");
    c.end = h + n - 1;
    if (c.p == c.end || *c.p != '{')
        return fail(&c, "must be a dict such as {'descr': '<f4', 'fortran_order': False, "
                        "'shape': (3,), }");
    c.p++;
    static const char *const keys[] = {"descr", "fortran_order", "shape"};
    int seen[3] = {0, 0, 0};
    const char *descr = NULL;
    size_t descr_len = 0;
    int fortran = 0;
    pd_status st;
    while (!take(&c, '}')) {
        const char *key;
        size_t klen;
        if ((st = string_lit(&c, &key, &klen)))
            return st;
        int k = 0;
        while (k < 3 && !(strlen(keys[k]) == klen && memcmp(keys[k], key, klen) == 0))
            k++;
        char msg[128];
        if (k == 3) {
            snprintf(msg, sizeof msg, "unknown key '%.*s' (expected descr, fortran_order, shape)",
                     (int)(klen < 32 ? klen : 32), key);
            return fail(&c, msg);
        }
        if (seen[k]++) {
            snprintf(msg, sizeof msg, "key '%s' given twice", keys[k]);
            return fail(&c, msg);
        }
        if (!take(&c, ':'))
            return fail(&c, "expected ':' after a key");
        if (k == 0)
            st = string_lit(&c, &descr, &descr_len);
        else if (k == 1)
            st = bool_lit(&c, &fortran);
        else
            st = shape_lit(&c, a);
        if (st)
            return st;
        if (!take(&c, ',')) { /* the last entry may go without its comma */
            if (!take(&c, '}'))
                return fail(&c, "expected ',' or '}' after a value");
            break;
        }
    }
    skip_spaces(&c);
    if (c.p != c.end)
        return fail(&c, "text after the dict");
    for (int k = 0; k < 3; k++)
        if (!seen[k]) {
            char msg[64];
            snprintf(msg, sizeof msg, "missing key '%s'", keys[k]);
            return fail(&c, msg);
        }
    if (descr_len != 3 || memcmp(descr, "<f4", 3) != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: dtype '%.*s' is not supported; expected '<f4' (little-endian "
                            "float32)",
                            src, (int)(descr_len < 32 ? descr_len : 32), descr);
    if (fortran)
        return pd_error_set(err, PD_EINPUT, "%s: Fortran order is not supported; expected C order",
                            src);
    if (pd_elems(a->ndim, a->dims, &a->count)) {
        char shape[256];
        format_shape(shape, sizeof shape, a->ndim, a->dims);
        return pd_error_set(err, PD_EINPUT, "%s: shape %s has too many elements", src, shape);
    }
    return PD_OK;
}

/* ---- the file: magic, version, header length, header, data ---- */

static pd_status load(const pd_blob *b, pd_array *out, pd_error *err)
{
    const char *src = b->name;
    unsigned char pre[12];
    size_t got = b->size < sizeof pre ? (size_t)b->size : sizeof pre;
    pd_status st = pd_blob_read(b, 0, pre, got, err);
    if (st)
        return st;
    if (got < MAGIC_LEN || memcmp(pre, MAGIC, MAGIC_LEN) != 0)
        return pd_error_set(err, PD_EINPUT, "%s: not a .npy file (no \\x93NUMPY magic)", src);
    if (got < MAGIC_LEN + 2)
        return pd_error_set(err, PD_EINPUT, "%s: truncated before the format version", src);
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2) || minor != 0)
        return pd_error_set(err, PD_EINPUT,
                            "%s: .npy format version %d.%d is not supported (1.0 or 2.0)", src,
                            major, minor);
    size_t field = major == 1 ? 2 : 4, prefix = 8 + field;
    if (got < prefix)
        return pd_error_set(err, PD_EINPUT, "%s: truncated in the header length", src);
    uint64_t hlen = 0;
    for (size_t i = field; i-- > 0;)
        hlen = hlen << 8 | pre[8 + i];
    if (hlen > MAX_HEADER)
        return pd_error_set(err, PD_EINPUT, "%s: header of %llu bytes is beyond the limit of %d",
                            src, (unsigned long long)hlen, MAX_HEADER);
    if (hlen > b->size - prefix)
        return pd_error_set(err, PD_EINPUT, "%s: header of %llu bytes runs past the end of the file",
                            src, (unsigned long long)hlen);
    char *h = malloc((size_t)hlen + 1);
    if (!h)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", src);
    pd_array a = {0};
    st = pd_blob_read(b, prefix, h, (size_t)hlen, err);
    if (!st)
        st = parse_header(h, (size_t)hlen, src, &a, err);
    free(h);
    if (st)
        return st;
    uint64_t start = prefix + hlen, have = b->size - start, need = (uint64_t)a.count * 4u;
    if (have != need) {
        char shape[256];
        format_shape(shape, sizeof shape, a.ndim, a.dims);
        return pd_error_set(err, PD_EINPUT, "%s: %s: %llu bytes of data, but shape %s needs %llu",
                            src, have < need ? "truncated" : "bytes after the data",
                            (unsigned long long)have, shape, (unsigned long long)need);
    }
    if (!(a.data = pd_floats_alloc(a.count)))
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory for %zu floats", src, a.count);
    if ((st = pd_blob_read(b, start, a.data, a.count * sizeof(float), err))) {
        free(a.data);
        return st;
    }
    *out = a;
    return PD_OK;
}

pd_status pd_npy_parse(const uint8_t *bytes, size_t len, const char *source, pd_array *out,
                       pd_error *err)
{
    *out = (pd_array){0};
    pd_blob b = pd_blob_of_memory(bytes, len, source);
    return load(&b, out, err);
}

pd_status pd_npy_read(const char *path, pd_array *out, pd_error *err)
{
    *out = (pd_array){0};
    pd_blob b;
    pd_status st = pd_blob_open(&b, path, err);
    if (st)
        return st;
    st = load(&b, out, err);
    pd_blob_close(&b);
    return st;
}

pd_status pd_npy_write(const char *path, const float *data, int ndim, const int64_t *dims,
                       pd_error *err)
{
    size_t count;
    if (ndim < 0 || ndim > PD_NPY_MAX_DIMS)
        return pd_error_set(err, PD_EINPUT, "%s: %d dimensions; at most %d", path, ndim,
                            PD_NPY_MAX_DIMS);
    if (pd_elems(ndim, dims, &count))
        return pd_error_set(err, PD_EINPUT, "%s: the shape has a negative side or too many elements",
                            path);
    if (count && !data)
        return pd_error_set(err, PD_EINPUT, "%s: no data", path);
    /* numpy's own layout: the dict, spaces, a newline; data 64-byte aligned */
    char shape[256], head[512];
    format_shape(shape, sizeof shape, ndim, dims);
    int n = snprintf(head + 10, sizeof head - 10,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape);
    size_t len = 10 + (size_t)n + 1;
    size_t padded = (len + ALIGN - 1) / ALIGN * ALIGN;
    memcpy(head, MAGIC "\x01\x00", 8);
    head[8] = (char)((padded - 10) & 0xFF);
    head[9] = (char)((padded - 10) >> 8);
    memset(head + 10 + n, ' ', padded - len);
    head[padded - 1] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return pd_error_set(err, PD_EIO, "%s: cannot create: %s", path, strerror(errno));
    struct stat info; /* a half-written regular file is removed, never a device (/dev/full) */
    int regular = fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode);
    int ok = fwrite(head, 1, padded, f) == padded &&
             (count == 0 || fwrite(data, sizeof(float), count, f) == count);
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        if (regular)
            remove(path); /* no half-written file behind */
        return pd_error_set(err, PD_EIO, "%s: write failed", path);
    }
    return PD_OK;
}

void pd_array_free(pd_array *a)
{
    if (!a)
        return;
    free(a->data);
    *a = (pd_array){0};
}
