/* libFuzzer harness: IDX files, plain or gzip (pd_idx_parse), and what a parsed array of
 * images feeds: a data set (pd_dataset_adopt_idx) and a padded batch (pd_dataset_batch). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predoff/dataset.h"
#include "predoff/error.h"
#include "predoff/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parsed array written back as a plain IDX file must parse to the same array. */
static void round_trip(const pd_idx *a)
{
    size_t head = 4 + 4 * (size_t)a->ndim, len = head + a->count;
    uint8_t *b = malloc(len);
    if (!b)
        abort();
    b[0] = b[1] = 0;
    b[2] = PD_IDX_TYPE_UBYTE;
    b[3] = (uint8_t)a->ndim;
    for (int d = 0; d < a->ndim; d++)
        for (int k = 0; k < 4; k++)
            b[4 + 4 * d + k] = (uint8_t)((uint64_t)a->dims[d] >> (24 - 8 * k));
    memcpy(b + head, a->data, a->count);
    pd_idx again;
    pd_error err;
    if (pd_idx_parse(b, len, "again", &again, &err) != PD_OK || again.ndim != a->ndim ||
        memcmp(again.dims, a->dims, sizeof a->dims) != 0 || again.count != a->count ||
        memcmp(again.data, a->data, a->count) != 0)
        abort();
    pd_idx_free(&again);
    free(b);
}

/* Images [n, h, w] with all-zero labels: a one-class data set, and its first and last
 * images padded with one row (below: an odd surplus goes there) and two columns (one each
 * side), with mean 0 and std 1. */
static void feed_batch(pd_idx *images)
{
    int64_t n = images->dims[0], h = images->dims[1], w = images->dims[2];
    if (h > 64 || w > 64)
        return;
    pd_idx labels = {1, {n, 0, 0, 0}, (size_t)n, calloc((size_t)n, 1)};
    if (!labels.data)
        abort();
    pd_dataset d;
    pd_error err;
    if (pd_dataset_adopt_idx(images, "images", &labels, "labels", 1, &d, &err) != PD_OK ||
        images->data || labels.data || d.count != (size_t)n || d.height != h || d.width != w ||
        d.classes != 1)
        abort();
    int H = (int)h + 1, W = (int)w + 2;
    float zero = 0.0f, one = 1.0f, *out = malloc(2 * (size_t)H * (size_t)W * sizeof(float));
    if (!out)
        abort();
    const size_t idx[] = {0, d.count - 1};
    pd_batch_format f = {H, W, &zero, &one};
    if (pd_dataset_batch(&d, idx, 2, &f, out, &err) != PD_OK)
        abort();
    for (size_t k = 0; k < 2 * (size_t)H * (size_t)W; k++)
        if (!(out[k] >= 0.0f && out[k] <= 1.0f))
            abort();
    /* the first image's first pixel: row 0, column 1 */
    if (out[1] != (float)d.pixels[0] / 255.0f)
        abort();
    free(out);
    pd_dataset_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_error err;
    pd_error_clear(&err);
    pd_idx a;
    pd_status st = pd_idx_parse(data, size, "fuzz", &a, &err);
    if (st != PD_OK) {
        /* a failure is recorded, names the source, is one line, and leaves an empty array */
        if (err.status != st || strncmp(err.msg, "fuzz: ", 6) != 0 || strlen(err.msg) < 7 ||
            strchr(err.msg, '\n') || a.data || a.ndim != 0 || a.count != 0 ||
            (st != PD_EINPUT && st != PD_ENOMEM))
            abort();
        return 0;
    }
    if (err.status != PD_OK || !a.data || a.ndim < 1 || a.ndim > PD_IDX_MAX_DIMS)
        abort();
    size_t count = 1;
    for (int d = 0; d < PD_IDX_MAX_DIMS; d++) {
        if (d < a.ndim ? a.dims[d] < 1 : a.dims[d] != 0)
            abort();
        if (d < a.ndim)
            count *= (size_t)a.dims[d];
    }
    if (count != a.count || count > PD_IDX_MAX_DATA)
        abort();
    /* plain input: the data is the input's tail, and nothing else follows */
    int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (!gzip && (size != 4 + 4 * (size_t)a.ndim + count ||
                  memcmp(a.data, data + size - count, count) != 0))
        abort();
    if (count <= (1u << 20))
        round_trip(&a);
    if (a.ndim == 3)
        feed_batch(&a);
    pd_idx_free(&a);
    if (a.data)
        abort();
    return 0;
}
