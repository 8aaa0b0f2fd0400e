/* safetensors files: an 8-byte header length, a JSON header validated in full before any
 * tensor is read, then float32 tensors copied into 64-byte aligned memory. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/str.h"
#include "blob.h"
#include "core/json_util.h"
#include "predoff/io.h"

#define MAX_HEADER (100u << 20)        /* 100 MiB, the reference implementation's bound */
#define MAX_INT ((int64_t)1 << 53)     /* integers a JSON double holds exactly */
#define METADATA "__metadata__"

/* One tensor as the header describes it; the name is borrowed from the JSON tree. */
typedef struct entry {
    const char *name;
    int ndim;
    int64_t dims[PD_MAX_DIMS];
    size_t count;
    uint64_t begin, end;
} entry;

/* A name as messages show it: at most 64 bytes, control characters as '?'. */
typedef struct shown {
    char s[72];
} shown;

static shown show(const char *name)
{
    shown out;
    size_t n = strlen(name), max = 64, k = n;
    if (n > max) { /* cut on a character boundary */
        k = max;
        while (k > 0 && ((unsigned char)name[k] & 0xC0) == 0x80)
            k--;
    }
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)name[i];
        out.s[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    strcpy(out.s + k, n > k ? "..." : "");
    return out;
}

/* Index of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), or n. */
static size_t utf8_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c < 0x80)
            len = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return i;
        if (len > n - i)
            return i;
        for (size_t k = 1; k < len; k++) {
            unsigned char b = s[i + k];
            if (k == 1 ? b < lo || b > hi : (b & 0xC0) != 0x80)
                return i;
        }
        i += len;
    }
    return n;
}

/* Checks the header's bytes: UTF-8, no raw control characters in strings (which JSON
 * forbids and cJSON lets through), none outside them but JSON's whitespace, and no
 * \u0000 escape (cJSON would cut the string there, so two names could read as one). */
static pd_status check_text(const char *text, size_t n, const char *src, pd_error *err)
{
    size_t bad = utf8_bad((const unsigned char *)text, n);
    if (bad < n)
        return pd_error_set(err, PD_EINPUT, "%s: header: not valid UTF-8 at byte %zu", src, bad);
    int in_string = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && (in_string || (c != '\t' && c != '\n' && c != '\r')))
            return pd_error_set(err, PD_EINPUT, "%s: header: control character 0x%02x at byte %zu",
                                src, c, i);
        if (!in_string)
            in_string = c == '"';
        else if (c == '"')
            in_string = 0;
        else if (c == '\\') {
            if (i + 5 < n && memcmp(text + i + 1, "u0000", 5) == 0)
                return pd_error_set(err, PD_EINPUT, "%s: header: a string holds \\u0000 (byte %zu)",
                                    src, i);
            i++; /* the escaped character */
        }
    }
    return PD_OK;
}

static pd_status parse_json(const char *text, size_t n, const char *src, cJSON **out,
                            pd_error *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, n, &end, 0);
    size_t at = end && end >= text ? (size_t)(end - text) : 0;
    if (!root)
        return pd_error_set(err, PD_EINPUT, "%s: header: not valid JSON (near byte %zu)", src, at);
    for (size_t i = at; i < n; i++) /* the format pads the header with spaces, nothing else */
        if (!strchr(" \t\r\n", text[i])) {
            cJSON_Delete(root);
            return pd_error_set(err, PD_EINPUT, "%s: header: text after the JSON object (byte %zu)",
                                src, i);
        }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return pd_error_set(err, PD_EINPUT, "%s: header: must be a JSON object of tensors", src);
    }
    *out = root;
    return PD_OK;
}

/* Reads one tensor's description; messages say what is wrong, the caller says where. */
static pd_status read_entry(const cJSON *obj, uint64_t data_len, entry *e, pd_error *err)
{
    static const char *const keys[] = {"dtype", "shape", "data_offsets"};
    if (!cJSON_IsObject(obj))
        return pd_error_set(err, PD_EINPUT, "must be an object with dtype, shape and data_offsets");
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) /* field names come from the file: shown, never printed raw */
    {
        int k = 0;
        while (k < 3 && strcmp(it->string, keys[k]) != 0)
            k++;
        if (k == 3)
            return pd_error_set(err, PD_EINPUT, "unknown field \"%s\"", show(it->string).s);
        if (cJSON_GetObjectItemCaseSensitive(obj, keys[k]) != it)
            return pd_error_set(err, PD_EINPUT, "field \"%s\" given twice", keys[k]);
    }
    const cJSON *f[3];
    for (int k = 0; k < 3; k++)
        if (!(f[k] = cJSON_GetObjectItemCaseSensitive(obj, keys[k])))
            return pd_error_set(err, PD_EINPUT, "missing field \"%s\"", keys[k]);
    if (!cJSON_IsString(f[0]))
        return pd_error_set(err, PD_EINPUT, "field \"dtype\" must be a string");
    if (strcmp(f[0]->valuestring, "F32") != 0)
        return pd_error_set(err, PD_EINPUT, "dtype %s is not supported (only F32)",
                            show(f[0]->valuestring).s);
    if (!cJSON_IsArray(f[1]))
        return pd_error_set(err, PD_EINPUT, "field \"shape\" must be an array of integers");
    int nd = cJSON_GetArraySize(f[1]);
    if (nd > PD_MAX_DIMS)
        return pd_error_set(err, PD_EINPUT, "shape has %d dimensions; at most %d", nd, PD_MAX_DIMS);
    e->ndim = nd;
    for (int i = 0; i < nd; i++)
        if (pd_json_int(cJSON_GetArrayItem(f[1], i), "shape", 0, MAX_INT, &e->dims[i], err))
            return PD_EINPUT;
    char dims[200];
    pd_format_dims(dims, sizeof dims, e->ndim, e->dims);
    if (pd_elems(e->ndim, e->dims, &e->count))
        return pd_error_set(err, PD_EINPUT, "shape %s has too many elements", dims);
    if (!cJSON_IsArray(f[2]) || cJSON_GetArraySize(f[2]) != 2)
        return pd_error_set(err, PD_EINPUT, "field \"data_offsets\" must be [begin, end]");
    int64_t off[2];
    for (int i = 0; i < 2; i++)
        if (pd_json_int(cJSON_GetArrayItem(f[2], i), "data_offsets", 0, MAX_INT, &off[i], err))
            return PD_EINPUT;
    e->begin = (uint64_t)off[0];
    e->end = (uint64_t)off[1];
    if (e->begin > e->end)
        return pd_error_set(err, PD_EINPUT, "data_offsets [%llu, %llu] end before they begin",
                            (unsigned long long)e->begin, (unsigned long long)e->end);
    if (e->end > data_len)
        return pd_error_set(err, PD_EINPUT,
                            "data_offsets [%llu, %llu] run past the end of the data (%llu bytes)",
                            (unsigned long long)e->begin, (unsigned long long)e->end,
                            (unsigned long long)data_len);
    if (e->end - e->begin != (uint64_t)e->count * 4u)
        return pd_error_set(err, PD_EINPUT, "shape %s needs %llu bytes but data_offsets [%llu, %llu] hold %llu",
                            dims, (unsigned long long)e->count * 4u, (unsigned long long)e->begin,
                            (unsigned long long)e->end, (unsigned long long)(e->end - e->begin));
    return PD_OK;
}

/* A key and where it stands, for finding repeats by sorting. */
typedef struct placed_key {
    const char *key;
    size_t at;
} placed_key;

static int by_key_then_place(const void *a, const void *b)
{
    const placed_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* The place of the first key that repeats one placed before it, or n when none does.
 * O(n log n) by sorting (keys is reordered); comparing each key with every earlier one
 * took 3 s for 40k keys, and a 100 MiB header holds millions. */
static size_t first_repeat(placed_key *keys, size_t n)
{
    if (n < 2)
        return n;
    qsort(keys, n, sizeof *keys, by_key_then_place);
    size_t first = n;
    for (size_t i = 1; i < n; i++)
        if (keys[i].at < first && strcmp(keys[i - 1].key, keys[i].key) == 0)
            first = keys[i].at;
    return first;
}

static pd_status read_metadata(const cJSON *obj, pd_error *err)
{
    if (!cJSON_IsObject(obj))
        return pd_error_set(err, PD_EINPUT, "must be an object of strings");
    size_t n = 0, not_string = SIZE_MAX;
    const cJSON *it, *bad = NULL;
    cJSON_ArrayForEach(it, obj)
    {
        if (!cJSON_IsString(it) && !bad) {
            bad = it;
            not_string = n;
        }
        n++;
    }
    placed_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!keys)
        return pd_error_set(err, PD_ENOMEM, "%zu keys: out of memory", n);
    size_t i = 0;
    cJSON_ArrayForEach(it, obj)
    {
        keys[i] = (placed_key){it->string ? it->string : "", i};
        i++;
    }
    size_t repeat = first_repeat(keys, n);
    const char *key = repeat < n ? keys[0].key : NULL;
    for (size_t k = 0; repeat < n && k < n; k++)
        if (keys[k].at == repeat)
            key = keys[k].key;
    free(keys);
    if (bad && not_string < repeat) /* whichever comes first in the file is reported */
        return pd_error_set(err, PD_EINPUT, "value of \"%s\" must be a string",
                            show(bad->string ? bad->string : "").s);
    if (repeat < n)
        return pd_error_set(err, PD_EINPUT, "key \"%s\" given twice", show(key).s);
    return PD_OK;
}

/* Copies the (validated) "__metadata__" strings of the header into w. */
static pd_status copy_metadata(const cJSON *root, pd_weights *w, const char *src, pd_error *err)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, METADATA), *it;
    size_t n = 0;
    cJSON_ArrayForEach(it, obj)
    {
        n++;
    }
    /* the keys are known unique: filled in one pass (pd_weights_meta_set would look each
     * one up among those before it) */
    if (n && !(w->meta = calloc(n, sizeof *w->meta)))
        return pd_error_set(err, PD_ENOMEM, "%s: %zu metadata keys: out of memory", src, n);
    cJSON_ArrayForEach(it, obj)
    {
        pd_weights_meta *m = &w->meta[w->n_meta++];
        if (!(m->key = pd_strdup(it->string)) || !(m->value = pd_strdup(it->valuestring)))
            return pd_error_set(err, PD_ENOMEM, "%s: metadata \"%s\": out of memory", src,
                                show(it->string).s);
    }
    return PD_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const entry *const *)a)->name, (*(const entry *const *)b)->name);
}

static int by_offsets(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Rejects a name given twice and tensors whose bytes overlap. */
static pd_status check_layout(const entry *ents, size_t n, const char *src, pd_error *err)
{
    if (n < 2)
        return PD_OK;
    const entry **ord = malloc(n * sizeof *ord);
    if (!ord)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", src);
    for (size_t i = 0; i < n; i++)
        ord[i] = &ents[i];
    pd_status st = PD_OK;
    qsort(ord, n, sizeof *ord, by_name);
    for (size_t i = 1; i < n && !st; i++)
        if (strcmp(ord[i - 1]->name, ord[i]->name) == 0)
            st = pd_error_set(err, PD_EINPUT, "%s: tensor \"%s\": given twice", src,
                              show(ord[i]->name).s);
    if (!st)
        qsort(ord, n, sizeof *ord, by_offsets);
    const entry *last = NULL; /* the non-empty tensor reaching furthest so far */
    for (size_t i = 0; i < n && !st; i++) {
        const entry *e = ord[i];
        if (e->begin == e->end)
            continue; /* no bytes, nothing to overlap */
        if (last && e->begin < last->end)
            st = pd_error_set(err, PD_EINPUT,
                              "%s: tensor \"%s\": data_offsets [%llu, %llu] overlap those of "
                              "tensor \"%s\" [%llu, %llu]",
                              src, show(e->name).s, (unsigned long long)e->begin,
                              (unsigned long long)e->end, show(last->name).s,
                              (unsigned long long)last->begin, (unsigned long long)last->end);
        if (!last || e->end > last->end)
            last = e;
    }
    free(ord);
    return st;
}

/* Reads the tensor descriptions of the header, in header order, all validated. */
static pd_status read_entries(const cJSON *root, uint64_t data_len, const char *src,
                              entry **out, size_t *n_out, pd_error *err)
{
    *out = NULL;
    *n_out = 0;
    size_t n = 0;
    int metadata = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        n++;
    }
    entry *ents = calloc(n ? n : 1, sizeof *ents);
    if (!ents)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", src);
    size_t k = 0;
    cJSON_ArrayForEach(it, root)
    {
        if (strcmp(it->string, METADATA) == 0) {
            if (metadata++) {
                free(ents);
                return pd_error_set(err, PD_EINPUT, "%s: header: \"%s\" given twice", src,
                                    METADATA);
            }
            pd_status st = read_metadata(it, err);
            if (st) {
                free(ents);
                pd_error_prefix(err, "header: \"" METADATA "\"");
                pd_error_prefix(err, src);
                return st;
            }
            continue;
        }
        entry *e = &ents[k];
        e->name = it->string;
        pd_status st = read_entry(it, data_len, e, err);
        if (st) {
            char where[96];
            snprintf(where, sizeof where, "tensor \"%s\"", show(e->name).s);
            pd_error_prefix(err, where);
            pd_error_prefix(err, src);
            free(ents);
            return st;
        }
        k++;
    }
    pd_status st = check_layout(ents, k, src, err);
    if (st) {
        free(ents);
        return st;
    }
    *out = ents;
    *n_out = k;
    return PD_OK;
}

/* Reads the whole file through b: header length, header, then every tensor. */
static pd_status load(const pd_blob *b, pd_weights **out, pd_error *err)
{
    const char *src = b->name;
    if (b->size < 8)
        return pd_error_set(err, PD_EINPUT,
                            "%s: header: %llu bytes, too short for the 8-byte header length", src,
                            (unsigned long long)b->size);
    unsigned char len8[8];
    pd_status st = pd_blob_read(b, 0, len8, 8, err);
    if (st)
        return st;
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | len8[i];
    if (n > MAX_HEADER)
        return pd_error_set(err, PD_EINPUT,
                            "%s: header: length %llu is beyond the limit of %u bytes (100 MiB)",
                            src, (unsigned long long)n, MAX_HEADER);
    if (n > b->size - 8)
        return pd_error_set(err, PD_EINPUT,
                            "%s: header: length %llu runs past the end of the file (%llu bytes "
                            "follow the length)",
                            src, (unsigned long long)n, (unsigned long long)(b->size - 8));
    uint64_t data_start = 8 + n, data_len = b->size - data_start;
    char *text = malloc((size_t)n + 1);
    if (!text)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", src);
    cJSON *root = NULL;
    if ((st = pd_blob_read(b, 8, text, (size_t)n, err)) ||
        (st = check_text(text, (size_t)n, src, err)) ||
        (st = parse_json(text, (size_t)n, src, &root, err))) {
        free(text);
        return st;
    }
    free(text);
    entry *ents = NULL;
    size_t count = 0;
    if ((st = read_entries(root, data_len, src, &ents, &count, err))) {
        cJSON_Delete(root);
        return st;
    }
    pd_weights *w = calloc(1, sizeof *w);
    if (w && count)
        w->tensors = calloc(count, sizeof *w->tensors);
    if (!w || (count && !w->tensors))
        st = pd_error_set(err, PD_ENOMEM, "%s: out of memory", src);
    if (!st)
        st = copy_metadata(root, w, src, err);
    for (size_t i = 0; i < count && !st; i++) {
        const entry *e = &ents[i];
        pd_named_tensor *t = &w->tensors[i];
        w->n = i + 1;
        t->ndim = e->ndim;
        memcpy(t->dims, e->dims, sizeof t->dims);
        t->count = e->count;
        if (!(t->name = pd_strdup(e->name)) || !(t->data = pd_floats_alloc(e->count)))
            st = pd_error_set(err, PD_ENOMEM, "%s: tensor \"%s\": out of memory", src,
                              show(e->name).s);
        else
            st = pd_blob_read(b, data_start + e->begin, t->data, e->count * sizeof(float), err);
    }
    free(ents);
    cJSON_Delete(root);
    if (st) {
        pd_weights_free(w);
        return st;
    }
    *out = w;
    return PD_OK;
}

pd_status pd_weights_parse_safetensors(const uint8_t *bytes, size_t len, const char *source,
                                       pd_weights **out, pd_error *err)
{
    *out = NULL;
    pd_blob b = pd_blob_of_memory(bytes, len, source);
    return load(&b, out, err);
}

pd_status pd_weights_read_safetensors(const char *path, pd_weights **out, pd_error *err)
{
    *out = NULL;
    pd_blob b;
    pd_status st = pd_blob_open(&b, path, err);
    if (st)
        return st;
    st = load(&b, out, err);
    pd_blob_close(&b);
    return st;
}

/* A growing string; on failure of any append, ok drops to 0 and stays there. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
    int ok;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (!b->ok)
        return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->ok = 0;
                return;
            }
            cap *= 2;
        }
        char *s2 = realloc(b->s, cap);
        if (!s2) {
            b->ok = 0;
            return;
        }
        b->s = s2;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

static void sb_str(strbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A JSON string literal: quotes, backslashes and control characters escaped. */
static void sb_json_string(strbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_put(b, esc, 6);
        } else
            sb_put(b, p, 1);
    }
    sb_put(b, "\"", 1);
}

static int by_tensor_name(const void *a, const void *b)
{
    return strcmp((*(const pd_named_tensor *const *)a)->name,
                  (*(const pd_named_tensor *const *)b)->name);
}

/* Checks that w can be written as a file the reader takes back. */
static pd_status check_writable(const pd_weights *w, const char *path, pd_error *err)
{
    for (size_t i = 0; i < w->n; i++) {
        const pd_named_tensor *t = &w->tensors[i];
        if (!t->name)
            return pd_error_set(err, PD_EINPUT, "%s: tensor %zu has no name", path, i);
        const char *bad = NULL;
        size_t count;
        if (strcmp(t->name, METADATA) == 0)
            bad = "the name is reserved for metadata";
        else if (utf8_bad((const unsigned char *)t->name, strlen(t->name)) < strlen(t->name))
            bad = "the name is not valid UTF-8";
        else if (t->ndim < 0 || t->ndim > PD_MAX_DIMS)
            bad = "the number of dimensions is outside [0, 8]";
        else if (pd_elems(t->ndim, t->dims, &count))
            bad = "the shape has a negative side or too many elements";
        else if (count != t->count)
            bad = "the element count does not match the shape";
        else if (count && !t->data)
            bad = "no data";
        if (bad)
            return pd_error_set(err, PD_EINPUT, "%s: tensor \"%s\": %s", path, show(t->name).s, bad);
    }
    for (size_t i = 0; i < w->n_meta; i++) {
        const pd_weights_meta *m = &w->meta[i];
        const char *bad = NULL;
        if (!m->key || !m->value)
            bad = "has no key or no value";
        else if (utf8_bad((const unsigned char *)m->key, strlen(m->key)) < strlen(m->key) ||
                 utf8_bad((const unsigned char *)m->value, strlen(m->value)) < strlen(m->value))
            bad = "is not valid UTF-8";
        if (bad)
            return pd_error_set(err, PD_EINPUT, "%s: metadata \"%s\" %s", path,
                                m->key ? show(m->key).s : "", bad);
    }
    if (w->n_meta > 1) {
        placed_key *keys = malloc(w->n_meta * sizeof *keys);
        if (!keys)
            return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
        for (size_t i = 0; i < w->n_meta; i++)
            keys[i] = (placed_key){w->meta[i].key, i};
        size_t repeat = first_repeat(keys, w->n_meta);
        free(keys);
        if (repeat < w->n_meta)
            return pd_error_set(err, PD_EINPUT, "%s: metadata \"%s\" is given twice", path,
                                show(w->meta[repeat].key).s);
    }
    if (w->n < 2)
        return PD_OK;
    const pd_named_tensor **ord = malloc(w->n * sizeof *ord);
    if (!ord)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < w->n; i++)
        ord[i] = &w->tensors[i];
    qsort(ord, w->n, sizeof *ord, by_tensor_name);
    pd_status st = PD_OK;
    for (size_t i = 1; i < w->n && !st; i++)
        if (strcmp(ord[i - 1]->name, ord[i]->name) == 0)
            st = pd_error_set(err, PD_EINPUT, "%s: tensor \"%s\": given twice", path,
                              show(ord[i]->name).s);
    free(ord);
    return st;
}

/* The header: tensors in the order given, data back to back, padded with spaces so that
 * the data starts 8-byte aligned. */
static pd_status build_header(const pd_weights *w, const char *path, strbuf *b, pd_error *err)
{
    uint64_t off = 0;
    sb_str(b, "{");
    if (w->n_meta) {
        sb_str(b, "\"" METADATA "\":{");
        for (size_t i = 0; i < w->n_meta; i++) {
            sb_str(b, i ? "," : "");
            sb_json_string(b, w->meta[i].key);
            sb_str(b, ":");
            sb_json_string(b, w->meta[i].value);
        }
        sb_str(b, w->n ? "}," : "}");
    }
    for (size_t i = 0; i < w->n; i++) {
        const pd_named_tensor *t = &w->tensors[i];
        char num[64];
        sb_str(b, i ? "," : "");
        sb_json_string(b, t->name);
        sb_str(b, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(num, sizeof num, "%s%lld", d ? "," : "", (long long)t->dims[d]);
            sb_str(b, num);
        }
        uint64_t end = off + (uint64_t)t->count * sizeof(float);
        if (end > (uint64_t)MAX_INT)
            return pd_error_set(err, PD_ELIMIT, "%s: tensor \"%s\": the data would pass 2^53 bytes",
                                path, show(t->name).s);
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                 (unsigned long long)end);
        sb_str(b, num);
        off = end;
    }
    sb_str(b, "}");
    while (b->ok && (8 + b->len) % 8 != 0)
        sb_str(b, " ");
    if (!b->ok)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    if (b->len > MAX_HEADER)
        return pd_error_set(err, PD_ELIMIT, "%s: header of %zu bytes is beyond the limit of %u",
                            path, b->len, MAX_HEADER);
    return PD_OK;
}

pd_status pd_weights_write_safetensors(const pd_weights *w, const char *path, pd_error *err)
{
    pd_status st = check_writable(w, path, err);
    if (st)
        return st;
    strbuf b = {NULL, 0, 0, 1};
    if ((st = build_header(w, path, &b, err))) {
        free(b.s);
        return st;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(b.s);
        return pd_error_set(err, PD_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    struct stat info; /* a half-written regular file is removed, never a device (/dev/full) */
    int regular = fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)b.len >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(b.s, 1, b.len, f) == b.len;
    for (size_t i = 0; i < w->n && ok; i++) {
        const pd_named_tensor *t = &w->tensors[i];
        ok = t->count == 0 || fwrite(t->data, sizeof(float), t->count, f) == t->count;
    }
    ok = fclose(f) == 0 && ok;
    free(b.s);
    if (!ok) {
        if (regular)
            remove(path); /* no half-written file behind */
        return pd_error_set(err, PD_EIO, "%s: write failed", path);
    }
    return PD_OK;
}
