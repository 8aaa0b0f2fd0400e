/* The profile CSV: one line per timed layer, columns found by their header names. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "measure/timing_rules.h"

#define CSV_MAX_ROWS 10000000u
#define CSV_MAX_LINE ((size_t)1 << 20)
#define CSV_MAX_FILE ((size_t)1 << 31) /* 10 million rows of some 200 bytes */

/* ---- writing ---- */

/* Text the reader takes back: commas, quotes and control characters become '_'. */
static void put_text(FILE *f, const char *s, size_t cap)
{
    for (size_t i = 0; i < cap && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c == ',' || c == '"' || c < 0x20 || c == 0x7f ? '_' : c, f);
    }
}

/* A number, or nothing for NaN ("not given"). */
static void put_number(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.17g", v);
}

pd_status pd_timings_write_csv_predicted(const pd_timings *t, const double *pred, FILE *f)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *column;
        if (pd_timing_row_problem(&t->rows[i], &column))
            return PD_EINPUT; /* nothing written: the file would not read back */
    }
    for (int c = 0; c < PD_CSV_COLUMNS; c++)
        fprintf(f, "%s%s", c ? "," : "", pd_csv_column_name(c));
    fputs(pred ? ",predicted_ms\n" : "\n", f);
    for (size_t i = 0; i < t->n; i++) {
        const pd_layer_timing *r = &t->rows[i];
        put_text(f, r->source, sizeof r->source - 1);
        fputc(',', f);
        put_text(f, r->layer, sizeof r->layer - 1);
        fprintf(f, ",%s", pd_layer_type_name(r->type));
        for (int k = 0; k < PD_FEATURE_COUNT; k++) {
            fputc(',', f);
            put_number(f, r->features[k]);
        }
        fputc(',', f);
        put_number(f, r->median_ms);
        fputc(',', f);
        put_number(f, r->p10_ms);
        fputc(',', f);
        put_number(f, r->p90_ms);
        fputc(',', f);
        put_number(f, r->mean_ms);
        fputc(',', f);
        if (r->repeats)
            fprintf(f, "%zu", r->repeats);
        fprintf(f, ",%s", pd_layer_model_name(r->type, r->kind));
        for (int k = 0; k < PD_SHAPE_COLUMN_COUNT; k++) {
            fputc(',', f);
            put_number(f, r->shape[k]);
        }
        fputc(',', f);
        put_text(f, r->fused_into, sizeof r->fused_into - 1);
        fputc(',', f);
        if (r->warm_ms > 0.0)
            put_number(f, r->warm_ms);
        fputc(',', f);
        if (r->reuse_ms > 0.0)
            put_number(f, r->reuse_ms);
        fputc(',', f);
        if (r->reuse_ms > 0.0)
            put_number(f, r->reuse_bytes);
        fputc(',', f);
        if (r->reuse_ms > 0.0 && r->reuse_run_ms > 0.0)
            put_number(f, r->reuse_run_ms);
        if (pred) {
            fputc(',', f);
            put_number(f, pred[i]);
        }
        fputc('\n', f);
    }
    return ferror(f) ? PD_EIO : PD_OK;
}

pd_status pd_timings_write_csv(const pd_timings *t, FILE *f)
{
    return pd_timings_write_csv_predicted(t, NULL, f);
}

/* ---- reading ---- */

typedef struct csv_reader {
    const char *source; /* the file's name, for messages */
    size_t line_no;
    char *line;          /* the current line, split in place */
    size_t line_cap;
    char *header;        /* the header line, split in place; names kept for messages */
    char **names;        /* the header's fields */
    size_t n_columns;
    char **fields;       /* the current row's first n_columns fields */
    long pos[PD_CSV_COLUMNS]; /* field index of each known column, or -1 */
    bool shapes_only;    /* a file of shapes: feature columns may all be missing */
    pd_error *err;
} csv_reader;

/* A short, printable copy of a field for a message. */
static const char *excerpt(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    if (!s) /* a column the file does not have */
        s = "(none)";
    for (; s[i] && i + 4 < n && i < 32; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (s[i])
        buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
    buf[i] = '\0';
    return buf;
}

static pd_status fail(csv_reader *r, pd_status st, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<file>: line N: column \"x\": <what>" */
static pd_status fail(csv_reader *r, pd_status st, const char *column, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char name[40];
    if (column)
        return pd_error_set(r->err, st, "%s: line %zu: column \"%s\": %s", r->source,
                            r->line_no, excerpt(column, name, sizeof name), what);
    return pd_error_set(r->err, st, "%s: line %zu: %s", r->source, r->line_no, what);
}

/* The name of field i of a line, for messages: the header's, or its number. */
static const char *column_label(const csv_reader *r, size_t i, char *buf, size_t n)
{
    if (i < r->n_columns && r->names && r->names[i][0])
        return r->names[i];
    snprintf(buf, n, "%zu", i + 1);
    return buf;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

/* Rejects what the plain format cannot hold: NUL bytes and quoted fields. */
static pd_status check_bytes(csv_reader *r, const char *s, size_t n)
{
    size_t field = 0;
    for (size_t i = 0; i < n; i++) {
        char label[24];
        if (s[i] == ',')
            field++;
        else if (s[i] == '\0')
            return fail(r, PD_EINPUT, column_label(r, field, label, sizeof label),
                        "holds a NUL byte");
        else if (s[i] == '"')
            return fail(r, PD_EINPUT, column_label(r, field, label, sizeof label),
                        "holds a quote; quoted fields are not supported (fields are plain text "
                        "without commas or quotes)");
    }
    return PD_OK;
}

/* Copies the line into r->line and splits it at commas; the first `keep` fields go to
 * out. Returns the number of fields. */
static size_t split(csv_reader *r, const char *s, size_t n, char **out, size_t keep)
{
    memcpy(r->line, s, n);
    r->line[n] = '\0';
    size_t count = 0;
    char *p = r->line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (count < keep)
            out[count] = trim(p);
        count++;
        if (!comma)
            return count;
        p = comma + 1;
    }
}

static pd_status read_header(csv_reader *r, const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += s[i] == ',';
    count++;
    r->header = malloc(n + 1);
    r->names = malloc(count * sizeof *r->names);
    r->fields = malloc(count * sizeof *r->fields);
    if (!r->header || !r->names || !r->fields)
        return fail(r, PD_ENOMEM, NULL, "out of memory");
    r->n_columns = count;
    split(r, s, n, r->names, count);
    /* the names live in their own buffer, for messages about later lines */
    memcpy(r->header, r->line, n + 1);
    for (size_t i = 0; i < count; i++)
        r->names[i] = r->header + (r->names[i] - r->line);
    for (int c = 0; c < PD_CSV_COLUMNS; c++)
        r->pos[c] = -1;
    for (size_t i = 0; i < count; i++)
        for (int c = 0; c < PD_CSV_COLUMNS; c++) {
            if (strcmp(r->names[i], pd_csv_column_name(c)) != 0)
                continue;
            if (r->pos[c] >= 0)
                return fail(r, PD_EINPUT, r->names[i], "appears twice in the header");
            r->pos[c] = (long)i;
        }
    static const int required[] = {PD_CSV_TYPE, PD_CSV_MEDIAN};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
        if (r->pos[required[k]] < 0)
            return fail(r, PD_EINPUT, pd_csv_column_name(required[k]),
                        "missing from the header (the profile CSV needs type, median_ms and "
                        "at least one feature column)");
    for (int f = 0; f < PD_FEATURE_COUNT; f++)
        if (r->pos[PD_CSV_FEATURE0 + f] >= 0)
            return PD_OK;
    for (int k = 0; r->shapes_only && k < PD_SHAPE_COLUMN_COUNT; k++)
        if (r->pos[PD_CSV_SHAPE0 + k] >= 0)
            return PD_OK;
    if (r->shapes_only)
        return fail(r, PD_EINPUT, NULL,
                    "no shape column in the header (expected channels, height, width and the "
                    "type's parameters: filters, kernel_h, kernel_w, stride, pad, groups, "
                    "out_channels)");
    return fail(r, PD_EINPUT, NULL,
                "no feature column in the header (in_elems, macs ..., formats.md; for a "
                "file of shapes and times only, `predoff timings FILE -o TIMINGS.csv` adds "
                "them)");
}

/* The field of known column c, or NULL when the header has no such column. */
static const char *field(const csv_reader *r, int c)
{
    return r->pos[c] >= 0 ? r->fields[r->pos[c]] : NULL;
}

static pd_status read_text(csv_reader *r, int c, char *dst, size_t cap)
{
    const char *s = field(r, c);
    dst[0] = '\0';
    if (!s)
        return PD_OK;
    size_t n = strlen(s);
    if (n >= cap)
        return fail(r, PD_EINPUT, pd_csv_column_name(c), "longer than %zu bytes", cap - 1);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return fail(r, PD_EINPUT, pd_csv_column_name(c), "holds control character 0x%02x",
                        (unsigned)(unsigned char)s[i]);
    memcpy(dst, s, n + 1);
    return PD_OK;
}

/* A number; an empty or absent field is NaN ("not given") unless required. */
static pd_status read_number(csv_reader *r, int c, int required, double *out)
{
    const char *s = field(r, c);
    *out = NAN;
    if (!s || !s[0])
        return required ? fail(r, PD_EINPUT, pd_csv_column_name(c), "empty; a number is needed")
                        : PD_OK;
    char *end, buf[40];
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return fail(r, PD_EINPUT, pd_csv_column_name(c), "\"%s\" is not a finite number",
                    excerpt(s, buf, sizeof buf));
    *out = v;
    return PD_OK;
}

static pd_status read_row(csv_reader *r, pd_layer_timing *row)
{
    *row = (pd_layer_timing){.type = PD_LAYER_TYPE_COUNT};
    pd_status st;
    if ((st = read_text(r, PD_CSV_SOURCE, row->source, sizeof row->source)) ||
        (st = read_text(r, PD_CSV_LAYER, row->layer, sizeof row->layer)) ||
        (st = read_text(r, PD_CSV_FUSED_INTO, row->fused_into, sizeof row->fused_into)))
        return st;
    const char *type = field(r, PD_CSV_TYPE);
    char buf[40];
    if (!type[0])
        return fail(r, PD_EINPUT, "type", "empty; a layer type is needed");
    row->type = pd_layer_type_parse(type);
    if (row->type == PD_LAYER_TYPE_COUNT)
        return fail(r, PD_EINPUT, "type",
                    "unknown layer type \"%s\" (known: conv, relu, pool, lrn, dropout, fc, "
                    "add, concat, bn, mul, clip, sigmoid, hardsigmoid, hardswish, flatten)",
                    excerpt(type, buf, sizeof buf));
    if (row->type == PD_LAYER_OPAQUE) /* a fit would give it a model no profile may hold */
        return fail(r, PD_EINPUT, "type",
                    "an opaque layer has no latency model: give its time in a profile's "
                    "\"measured\" table (docs/PROFILES.md)");
    const char *kind = field(r, PD_CSV_KIND);
    if (kind && kind[0] && strcmp(kind, type) != 0) { /* empty, or the type's name: none */
        row->kind = pd_layer_kind_parse(kind);
        if (row->kind == PD_LAYER_KIND_COUNT)
            return fail(r, PD_EINPUT, "kind",
                        "unknown kind \"%s\" (known: %s, or the type's name for a layer "
                        "with no kind of its own)",
                        excerpt(kind, buf, sizeof buf), pd_layer_kind_names());
        if (pd_layer_kind_type(row->kind) != row->type)
            return fail(r, PD_EINPUT, "kind", "\"%s\" is not a kind of type \"%s\"",
                        excerpt(kind, buf, sizeof buf), pd_layer_type_name(row->type));
    }
    for (int f = 0; f < PD_FEATURE_COUNT; f++) {
        int c = PD_CSV_FEATURE0 + f;
        const char *why;
        if ((st = read_number(r, c, 0, &row->features[f])))
            return st;
        if ((why = pd_timing_feature_problem(row->features[f])))
            return fail(r, PD_EINPUT, pd_csv_column_name(c), "%s %s",
                        excerpt(field(r, c), buf, sizeof buf), why);
    }
    if (r->pos[PD_CSV_FEATURE0 + PD_FEAT_FUSED_ACT_ELEMS] < 0) /* a file from before: none */
        row->features[PD_FEAT_FUSED_ACT_ELEMS] = 0.0;
    if (r->pos[PD_CSV_FEATURE0 + PD_FEAT_FUSED_EXP_ELEMS] < 0) /* before the SiLU told apart */
        row->features[PD_FEAT_FUSED_EXP_ELEMS] = 0.0;
    for (int k = 0; k < PD_SHAPE_COLUMN_COUNT; k++) {
        int col = PD_CSV_SHAPE0 + k;
        const char *why;
        if ((st = read_number(r, col, 0, &row->shape[k])))
            return st;
        if ((why = pd_timing_feature_problem(row->shape[k])))
            return fail(r, PD_EINPUT, pd_csv_column_name(col), "%s %s",
                        excerpt(field(r, col), buf, sizeof buf), why);
    }
    double *ms[] = {&row->median_ms, &row->p10_ms, &row->p90_ms, &row->mean_ms};
    for (int k = 0; k < 4; k++) {
        int c = PD_CSV_MEDIAN + k;
        const char *why;
        if ((st = read_number(r, c, k == 0, ms[k])))
            return st;
        if ((why = pd_timing_ms_problem(*ms[k], k == 0)))
            return fail(r, PD_EINPUT, pd_csv_column_name(c), "%s %s",
                        excerpt(field(r, c), buf, sizeof buf), why);
    }
    double warm;
    const char *why;
    if ((st = read_number(r, PD_CSV_WARM, 0, &warm)))
        return st;
    if (!isnan(warm) && (why = pd_timing_ms_problem(warm, 1)))
        return fail(r, PD_EINPUT, "warm_ms", "%s %s",
                    excerpt(field(r, PD_CSV_WARM), buf, sizeof buf), why);
    row->warm_ms = isnan(warm) ? 0.0 : warm; /* empty or absent: not given */
    double reuse, reuse_bytes;
    if ((st = read_number(r, PD_CSV_REUSE, 0, &reuse)) ||
        (st = read_number(r, PD_CSV_REUSE_BYTES, 0, &reuse_bytes)))
        return st;
    if (!isnan(reuse) && (why = pd_timing_ms_problem(reuse, 1)))
        return fail(r, PD_EINPUT, "reuse_ms", "%s %s",
                    excerpt(field(r, PD_CSV_REUSE), buf, sizeof buf), why);
    row->reuse_ms = isnan(reuse) ? 0.0 : reuse;
    row->reuse_bytes = isnan(reuse_bytes) ? 0.0 : reuse_bytes;
    if ((why = pd_timing_reuse_problem(row->reuse_ms, row->reuse_bytes)))
        return fail(r, PD_EINPUT, "reuse_bytes", "%s %s",
                    excerpt(field(r, PD_CSV_REUSE_BYTES), buf, sizeof buf), why);
    double reuse_run;
    if ((st = read_number(r, PD_CSV_REUSE_RUN_MS, 0, &reuse_run)))
        return st;
    if (!isnan(reuse_run) && (why = row->reuse_ms == 0.0 ? "is given without reuse_ms"
                                                          : pd_timing_ms_problem(reuse_run, 1)))
        return fail(r, PD_EINPUT, "reuse_run_ms", "%s %s",
                    excerpt(field(r, PD_CSV_REUSE_RUN_MS), buf, sizeof buf), why);
    row->reuse_run_ms = isnan(reuse_run) ? 0.0 : reuse_run; /* empty or absent: not given */
    const char *rep = field(r, PD_CSV_REPEATS);
    if (rep && rep[0]) {
        uint64_t v = 0;
        size_t i = 0;
        for (; rep[i] >= '0' && rep[i] <= '9' && v <= PD_TIMING_MAX_REPEATS; i++)
            v = v * 10 + (uint64_t)(rep[i] - '0');
        if (rep[i] || v < 1 || v > PD_TIMING_MAX_REPEATS)
            return fail(r, PD_EINPUT, "repeats",
                        "\"%s\" is not a whole number from 1 to 1000000000",
                        excerpt(rep, buf, sizeof buf));
        row->repeats = (size_t)v;
    }
    return PD_OK;
}

static pd_status parse(csv_reader *r, const char *text, size_t len, pd_timings *out)
{
    static const char bom[] = "\xEF\xBB\xBF";
    size_t at = len >= 3 && memcmp(text, bom, 3) == 0 ? 3 : 0;
    size_t rows = 0;
    int have_header = 0;
    while (at < len) {
        const char *s = text + at;
        const char *nl = memchr(s, '\n', len - at);
        size_t n = nl ? (size_t)(nl - s) : len - at;
        at += n + (nl != NULL);
        r->line_no++;
        if (n && s[n - 1] == '\r')
            n--;
        if (n > CSV_MAX_LINE)
            return fail(r, PD_ELIMIT, NULL, "longer than the limit of 1 MiB");
        if (blank(s, n))
            continue;
        if (n + 1 > r->line_cap) {
            size_t cap = n + 1 > 4096 ? n + 1 : 4096;
            char *line = realloc(r->line, cap);
            if (!line)
                return fail(r, PD_ENOMEM, NULL, "out of memory");
            r->line = line;
            r->line_cap = cap;
        }
        pd_status st = check_bytes(r, s, n);
        if (st)
            return st;
        if (!have_header) {
            if ((st = read_header(r, s, n)))
                return st;
            have_header = 1;
            continue;
        }
        size_t count = split(r, s, n, r->fields, r->n_columns);
        if (count < r->n_columns) {
            char label[24];
            return fail(r, PD_EINPUT, column_label(r, count, label, sizeof label),
                        "missing (the line has %zu fields, the header %zu)", count,
                        r->n_columns);
        }
        if (r->shapes_only && count > r->n_columns) { /* from elsewhere: a stray comma */
            char label[24];
            return fail(r, PD_EINPUT, column_label(r, r->n_columns, label, sizeof label),
                        "more fields than the header names (the line has %zu fields, the "
                        "header %zu)",
                        count, r->n_columns);
        }
        if (rows == CSV_MAX_ROWS)
            return fail(r, PD_ELIMIT, NULL, "more than the limit of %u rows", CSV_MAX_ROWS);
        pd_layer_timing row;
        if ((st = read_row(r, &row)))
            return st;
        if ((st = pd_timings_add(out, &row, r->err)))
            return pd_error_prefix(r->err, r->source);
        rows++;
    }
    if (!have_header) {
        r->line_no = r->line_no ? r->line_no : 1;
        return fail(r, PD_EINPUT, NULL, "no header line: the file holds no text");
    }
    return PD_OK;
}

static pd_status parse_text(const char *text, size_t len, const char *source, bool shapes_only,
                            pd_timings *out, pd_error *err)
{
    csv_reader r = {.source = source ? source : "profile CSV", .shapes_only = shapes_only,
                    .err = err};
    size_t before = out->n;
    pd_status st = parse(&r, text, len, out);
    if (st)
        out->n = before; /* the rows this call added go again */
    free(r.line);
    free(r.header);
    free(r.names);
    free(r.fields);
    return st;
}

pd_status pd_timings_parse_csv(const char *text, size_t len, const char *source,
                               pd_timings *out, pd_error *err)
{
    return parse_text(text, len, source, false, out, err);
}

pd_status pd_timings_parse_shapes_csv(const char *text, size_t len, const char *source,
                                      pd_timings *out, pd_error *err)
{
    return parse_text(text, len, source, true, out, err);
}

static pd_status read_path(const char *path, bool shapes_only, pd_timings *out, pd_error *err)
{
    char *text;
    size_t len;
    pd_status st = pd_read_file(path, CSV_MAX_FILE, &text, &len, err);
    if (st)
        return st;
    st = parse_text(text, len, path, shapes_only, out, err);
    free(text);
    return st;
}

pd_status pd_timings_read_csv(const char *path, pd_timings *out, pd_error *err)
{
    return read_path(path, false, out, err);
}

pd_status pd_timings_read_shapes_csv(const char *path, pd_timings *out, pd_error *err)
{
    return read_path(path, true, out, err);
}
