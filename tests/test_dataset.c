/* Data sets from IDX pairs: loading a split from a directory (plain and gzip files), every
 * rejection of a pair, batches of network inputs, and Debian's Fashion-MNIST itself, which
 * feeds b-alexnet-gray once padded to 32 x 32. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predoff/dataset.h"
#include "predoff/graph.h"
#include "predoff/runtime.h"
#include "predoff/weights.h"
#include "support/expect_error.h"
#include "support/idx_bytes.h"

#define FASHION_MNIST "/usr/share/datasets/fashion-mnist"

/* A scratch directory for one test, and the files written into it. */
typedef struct scratch {
    char dir[64];
    char paths[8][128];
    int n;
} scratch;

static void scratch_open(scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/predoff-test-dataset-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    s->n = 0;
}

/* Writes an IDX file dir/name of the given shape; labels get values from `labels` if given. */
static const char *scratch_idx(scratch *s, const char *name, int ndim, const uint32_t *dims,
                               const uint8_t *values, int gz)
{
    assert_true(s->n < 8);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    memcpy(s->paths[s->n], path, sizeof path);
    size_t count = 1;
    for (int d = 0; d < ndim; d++)
        count *= dims[d];
    size_t len;
    uint8_t *b = make_idx(PD_IDX_TYPE_UBYTE, ndim, dims, count, &len);
    if (values)
        memcpy(b + len - count, values, count);
    write_file(path, b, len, gz);
    free(b);
    return s->paths[s->n++];
}

static void scratch_close(scratch *s)
{
    for (int i = 0; i < s->n; i++)
        remove(s->paths[i]);
    assert_int_equal(rmdir(s->dir), 0);
}

static void load_ok(const char *dir, const char *split, int classes, pd_dataset *d)
{
    pd_error err;
    if (pd_dataset_load(dir, split, classes, d, &err) != PD_OK)
        fail_msg("%s", err.msg);
}

static void load_rejected(const char *dir, const char *split, int classes, const char *file, ...)
{
    pd_dataset d;
    memset(&d, 0x55, sizeof d);
    pd_error err;
    pd_status st = pd_dataset_load(dir, split, classes, &d, &err);
    assert_null(d.pixels);
    assert_null(d.labels);
    assert_int_equal(d.count, 0);
    assert_null(strchr(err.msg, '\n'));
    va_list ap;
    va_start(ap, file);
    expect_input_error(split, st, &err, file, ap);
    va_end(ap);
}

static const uint8_t five_labels[] = {3, 0, 4, 1, 4};

static void test_load_split(void **state)
{
    (void)state;
    scratch s;
    scratch_open(&s);
    const uint32_t images[] = {5, 3, 4}, labels[] = {5};
    /* train: images gzip, labels plain; test: both gzip */
    scratch_idx(&s, "train-images-idx3-ubyte.gz", 3, images, NULL, 1);
    scratch_idx(&s, "train-labels-idx1-ubyte", 1, labels, five_labels, 0);
    const uint32_t t_images[] = {2, 3, 4}, t_labels[] = {2};
    const uint8_t two[] = {9, 0};
    scratch_idx(&s, "t10k-images-idx3-ubyte.gz", 3, t_images, NULL, 1);
    scratch_idx(&s, "t10k-labels-idx1-ubyte.gz", 1, t_labels, two, 1);

    pd_dataset d;
    load_ok(s.dir, "train", 0, &d);
    assert_int_equal(d.count, 5);
    assert_int_equal(d.channels, 1);
    assert_int_equal(d.height, 3);
    assert_int_equal(d.width, 4);
    assert_int_equal(d.classes, 5); /* the largest label + 1 */
    assert_memory_equal(d.labels, five_labels, 5);
    for (size_t i = 0; i < 60; i++)
        assert_int_equal(d.pixels[i], idx_byte(i));
    pd_dataset_free(&d);
    assert_null(d.pixels);
    pd_dataset_free(&d); /* twice is fine */
    pd_dataset_free(NULL);
    load_ok(s.dir, "train", 256, &d);
    assert_int_equal(d.classes, 256);
    pd_dataset_free(&d);

    load_ok(s.dir, "test", 10, &d);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.classes, 10);
    assert_int_equal(d.labels[0], 9);
    pd_dataset_free(&d);

    /* the plain file wins over the .gz beside it */
    const uint32_t t_plain[] = {1, 3, 4}, t_plain_labels[] = {1};
    scratch_idx(&s, "t10k-images-idx3-ubyte", 3, t_plain, NULL, 0);
    scratch_idx(&s, "t10k-labels-idx1-ubyte", 1, t_plain_labels, two, 0);
    load_ok(s.dir, "test", 10, &d);
    assert_int_equal(d.count, 1);
    pd_dataset_free(&d);
    scratch_close(&s);
}

static void test_load_rejected(void **state)
{
    (void)state;
    scratch s;
    scratch_open(&s);
    char want[256];
    /* nothing there yet */
    snprintf(want, sizeof want, "%s/train-images-idx3-ubyte", s.dir);
    load_rejected(s.dir, "train", 10, want, ": no such file, nor train-images-idx3-ubyte.gz", NULL);
    load_rejected(s.dir, "validation", 10, s.dir,
                  "split \"validation\" is neither \"train\" nor \"test\"", NULL);

    const uint32_t images[] = {5, 3, 4}, labels[] = {5}, four[] = {4};
    const char *im = scratch_idx(&s, "train-images-idx3-ubyte.gz", 3, images, NULL, 1);
    snprintf(want, sizeof want, "%s/train-labels-idx1-ubyte", s.dir);
    load_rejected(s.dir, "train", 10, want, ": no such file, nor train-labels-idx1-ubyte.gz",
                  NULL);
    /* counts that differ: both files named */
    const char *lb4 = scratch_idx(&s, "train-labels-idx1-ubyte", 1, four, five_labels, 0);
    snprintf(want, sizeof want, "%s: 5 images, but %s: 4 labels", im, lb4);
    load_rejected(s.dir, "train", 10, im, want, NULL);
    /* a label at or above the number of classes */
    const char *lb = scratch_idx(&s, "train-labels-idx1-ubyte", 1, labels, five_labels, 0);
    load_rejected(s.dir, "train", 4, lb, "label 4 of sample 2 is outside [0, 4)", NULL);
    load_rejected(s.dir, "train", 1, lb, "label 3 of sample 0 is outside [0, 1)", NULL);
    load_rejected(s.dir, "train", -1, lb, "-1 classes; expected 1 to 256, or 0", NULL);
    load_rejected(s.dir, "train", 257, lb, "257 classes", NULL);
    /* labels and images the wrong way round, and of the wrong shapes */
    const uint32_t flat[] = {5, 12}, cube[] = {5, 1, 1};
    const char *im2 = scratch_idx(&s, "t10k-images-idx3-ubyte", 2, flat, NULL, 0);
    scratch_idx(&s, "t10k-labels-idx1-ubyte", 1, labels, five_labels, 0);
    load_rejected(s.dir, "test", 10, im2, "shape [5, 12] is not images [count, height, width]",
                  NULL);
    scratch_idx(&s, "t10k-images-idx3-ubyte", 3, images, NULL, 0);
    const char *lb3 = scratch_idx(&s, "t10k-labels-idx1-ubyte", 3, cube, NULL, 0);
    load_rejected(s.dir, "test", 10, lb3, "shape [5, 1, 1] is not labels [count]", NULL);
    /* a broken file is named by the IDX reader */
    FILE *f = fopen(lb3, "wb");
    assert_non_null(f);
    fputs("\x1f\x8b junk", f);
    fclose(f);
    load_rejected(s.dir, "test", 10, lb3, "corrupt gzip data", NULL);
    scratch_close(&s);
}

/* pd_dataset_adopt_idx moves the data only on success. */
static void test_adopt(void **state)
{
    (void)state;
    uint8_t *px = malloc(8), *lb = malloc(2);
    assert_non_null(px);
    assert_non_null(lb);
    memset(px, 1, 8);
    lb[0] = 1;
    lb[1] = 7;
    pd_idx images = {3, {2, 2, 2, 0}, 8, px}, labels = {1, {2, 0, 0, 0}, 2, lb};
    pd_dataset d;
    pd_error err;
    assert_int_equal(pd_dataset_adopt_idx(&images, "im", &labels, "lb", 7, &d, &err), PD_EINPUT);
    assert_string_equal(err.msg, "lb: label 7 of sample 1 is outside [0, 7)");
    assert_ptr_equal(images.data, px);
    assert_ptr_equal(labels.data, lb);
    assert_null(d.pixels);
    assert_int_equal(pd_dataset_adopt_idx(&images, "im", &labels, "lb", 8, &d, &err), PD_OK);
    assert_null(images.data);
    assert_null(labels.data);
    assert_int_equal(images.ndim, 0);
    assert_ptr_equal(d.pixels, px);
    assert_ptr_equal(d.labels, lb);
    assert_int_equal(d.count, 2);
    assert_int_equal(d.height, 2);
    pd_dataset_free(&d);
}

/* Three 2 x 3 images of pixels 0, 51, 102, ...: 255 * k / 5 scaled gives k / 5. */
static pd_dataset tiny_set(uint8_t *pixels, uint8_t *labels)
{
    for (int i = 0; i < 18; i++)
        pixels[i] = (uint8_t)(51 * (i % 6));
    pixels[6] = 255; /* image 1 starts white */
    for (int i = 0; i < 3; i++)
        labels[i] = (uint8_t)i;
    return (pd_dataset){3, 1, 2, 3, 3, pixels, labels};
}

static void test_batch(void **state)
{
    (void)state;
    uint8_t pixels[18], labels[3];
    pd_dataset d = tiny_set(pixels, labels);
    pd_error err;
    float zero = 0.0f, one = 1.0f, mean = 0.5f, std = 0.25f;
    /* no padding, no normalisation: pixel / 255, in the order asked */
    float out[2 * 6 * 7];
    const size_t order[] = {1, 0};
    pd_batch_format f = {2, 3, &zero, &one};
    assert_int_equal(pd_dataset_batch(&d, order, 2, &f, out, &err), PD_OK);
    assert_true(out[0] == 1.0f);
    for (int k = 1; k < 6; k++) {
        assert_true(out[k] == (float)(51 * k) / 255.0f);
        assert_true(out[6 + k] == out[k]);
    }
    assert_true(out[6] == 0.0f);
    /* padding 2 x 3 -> 5 x 6: one row above and two below, one column left and two right;
     * padded cells are black pixels, normalised: (0 - 0.5) / 0.25 = -2 */
    f = (pd_batch_format){5, 6, &mean, &std};
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        out[i] = NAN;
    const size_t second[] = {2};
    assert_int_equal(pd_dataset_batch(&d, second, 1, &f, out, &err), PD_OK);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 6; x++) {
            float v = out[y * 6 + x];
            int in = y >= 1 && y < 3 && x >= 1 && x < 4;
            float want = in ? ((float)pixels[12 + (y - 1) * 3 + (x - 1)] / 255.0f - 0.5f) / 0.25f
                            : -2.0f;
            if (v != want)
                fail_msg("(%d, %d): %g, want %g", y, x, (double)v, (double)want);
        }
    assert_true(isnan(out[30])); /* nothing written past the batch */
    /* nothing asked, nothing written */
    assert_int_equal(pd_dataset_batch(&d, NULL, 0, &f, out, &err), PD_OK);

    /* rejections: out is left alone */
    const size_t beyond[] = {0, 3};
    out[0] = 42.0f;
    assert_int_equal(pd_dataset_batch(&d, beyond, 2, &f, out, &err), PD_EINPUT);
    assert_string_equal(err.msg, "batch: index 3 (entry 1) is beyond the 3 samples");
    assert_true(out[0] == 42.0f);
    f = (pd_batch_format){1, 6, &zero, &one};
    assert_int_equal(pd_dataset_batch(&d, order, 1, &f, out, &err), PD_EINPUT);
    assert_string_equal(err.msg, "batch: output 1 x 6 is smaller than the images' 2 x 3");
    f = (pd_batch_format){2, 2, &zero, &one};
    assert_int_equal(pd_dataset_batch(&d, order, 1, &f, out, &err), PD_EINPUT);
    const float bad_std[] = {0.0f, -1.0f, INFINITY, NAN};
    for (int i = 0; i < 4; i++) {
        f = (pd_batch_format){2, 3, &zero, &bad_std[i]};
        assert_int_equal(pd_dataset_batch(&d, order, 1, &f, out, &err), PD_EINPUT);
        assert_non_null(strstr(err.msg, "the std must be finite and > 0"));
    }
    float nan_mean = NAN;
    f = (pd_batch_format){2, 3, &nan_mean, &one};
    assert_int_equal(pd_dataset_batch(&d, order, 1, &f, out, &err), PD_EINPUT);
    assert_true(out[0] == 42.0f);
}

static void test_stats(void **state)
{
    (void)state;
    uint8_t pixels[18], labels[3];
    pd_dataset d = tiny_set(pixels, labels);
    double mean, std, m = 0, q = 0;
    for (int i = 0; i < 18; i++) {
        m += pixels[i] / 255.0;
        q += (pixels[i] / 255.0) * (pixels[i] / 255.0);
    }
    m /= 18;
    pd_dataset_stats(&d, &mean, &std);
    assert_true(fabs(mean - m) < 1e-12);
    assert_true(fabs(std - sqrt(q / 18 - m * m)) < 1e-12);
    d.count = 0;
    pd_dataset_stats(&d, &mean, &std);
    assert_true(mean == 0.0 && std == 1.0);
}

/* Debian's dataset-fashion-mnist (scripts/deps.sh installs it): not skipped when missing. */
/* The epoch's order: a permutation, the same for the same seed and epoch, another for
 * another epoch or seed. */
static void test_shuffle(void **state)
{
    (void)state;
    enum { N = 1000 };
    static size_t a[N], b[N];
    int seen[N] = {0};
    pd_dataset_shuffle(N, 7, 0, a);
    for (size_t i = 0; i < N; i++) {
        assert_true(a[i] < N);
        seen[a[i]]++;
    }
    for (size_t i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    pd_dataset_shuffle(N, 7, 0, b);
    assert_memory_equal(a, b, sizeof a);
    pd_dataset_shuffle(N, 7, 1, b);
    assert_memory_not_equal(a, b, sizeof a);
    pd_dataset_shuffle(N, 8, 0, b);
    assert_memory_not_equal(a, b, sizeof a);
    pd_dataset_shuffle(1, 7, 0, b);
    assert_int_equal(b[0], 0);
    pd_dataset_shuffle(0, 7, 0, b); /* nothing to do */
}

static void test_fashion_mnist(void **state)
{
    (void)state;
    if (access(FASHION_MNIST "/t10k-labels-idx1-ubyte.gz", R_OK) != 0)
        fail_msg(FASHION_MNIST " is missing: install the Debian package dataset-fashion-mnist "
                 "(scripts/deps.sh does)");
    pd_dataset train, test;
    load_ok(FASHION_MNIST, "train", 10, &train);
    load_ok(FASHION_MNIST, "test", 0, &test);
    const pd_dataset *sets[] = {&train, &test};
    const size_t counts[] = {60000, 10000};
    /* checked with Python's gzip module */
    const uint8_t first_labels[][10] = {{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}};
    const unsigned first_image_sum[] = {76247, 33456};
    for (int s = 0; s < 2; s++) {
        const pd_dataset *d = sets[s];
        assert_int_equal(d->count, counts[s]);
        assert_int_equal(d->channels, 1);
        assert_int_equal(d->height, 28);
        assert_int_equal(d->width, 28);
        assert_int_equal(d->classes, 10);
        assert_memory_equal(d->labels, first_labels[s], 10);
        size_t per_class[10] = {0};
        for (size_t i = 0; i < d->count; i++)
            per_class[d->labels[i]]++;
        for (int c = 0; c < 10; c++)
            assert_int_equal(per_class[c], counts[s] / 10);
        unsigned sum = 0;
        for (int k = 0; k < 28 * 28; k++)
            sum += d->pixels[k];
        assert_int_equal(sum, first_image_sum[s]);
    }
    double mean, std;
    pd_dataset_stats(&train, &mean, &std);
    assert_true(fabs(mean - 0.2860406) < 1e-6);
    assert_true(fabs(std - 0.3530242) < 1e-6);

    /* padded to 32 x 32: the first test image's row 14 lands in row 16, 2 columns in */
    float m = (float)mean, sd = (float)std, batch[2 * 32 * 32];
    pd_batch_format f = {32, 32, &m, &sd};
    const size_t idx[] = {0, 9999};
    pd_error err;
    assert_int_equal(pd_dataset_batch(&test, idx, 2, &f, batch, &err), PD_OK);
    const uint8_t row14[] = {0,   0,   0,   0,   0,   0,   2,   4,   1,   0,   0,   0,   98,  136,
                             110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0};
    for (int x = 0; x < 28; x++)
        assert_true(batch[16 * 32 + 2 + x] == ((float)row14[x] / 255.0f - m) / sd);
    assert_true(batch[0] == -m / sd && batch[16 * 32 + 1] == -m / sd);

    /* the batch feeds b-alexnet-gray: every exit gives 10 finite logits */
    pd_graph *g;
    pd_weights *w;
    pd_net *net;
    assert_int_equal(pd_graph_open("b-alexnet-gray", &g, &err), PD_OK);
    assert_int_equal(pd_weights_random(g, 1, &w, &err), PD_OK);
    if (pd_net_new(g, w, "random", 1, &net, &err) != PD_OK)
        fail_msg("%s", err.msg);
    for (size_t e = 0; e < g->n_exits; e++) {
        size_t len, n;
        const float *logits;
        pd_net_path(net, e, &len);
        if (pd_net_run(net, e, 0, len, batch + 32 * 32, 32 * 32, &logits, &n, NULL, &err))
            fail_msg("exit %zu: %s", e, err.msg);
        assert_int_equal(n, 10);
        for (size_t k = 0; k < n; k++)
            assert_true(isfinite(logits[k]));
    }
    pd_net_free(net);
    pd_weights_free(w);
    pd_graph_free(g);
    pd_dataset_free(&train);
    pd_dataset_free(&test);
}

/* b-alexnet-gray is b-alexnet with one input channel: same layers, same exits, none with an
 * accuracy yet. */
static void test_b_alexnet_gray(void **state)
{
    (void)state;
    pd_graph *gray, *rgb;
    pd_error err;
    assert_int_equal(pd_graph_open("b-alexnet-gray", &gray, &err), PD_OK);
    assert_int_equal(pd_graph_open("b-alexnet", &rgb, &err), PD_OK);
    assert_string_equal(gray->name, "b-alexnet-gray");
    assert_true(gray->input.c == 1 && gray->input.h == 32 && gray->input.w == 32);
    assert_int_equal(gray->n_layers, rgb->n_layers);
    assert_int_equal(gray->n_exits, 5);
    assert_int_equal(gray->n_exits, rgb->n_exits);
    for (size_t e = 0; e < gray->n_exits; e++) {
        assert_int_equal(gray->exits[e], rgb->exits[e]);
        assert_false(gray->layers[gray->exits[e]].has_accuracy);
    }
    for (size_t i = 0; i < gray->n_layers; i++) {
        const pd_layer *a = &gray->layers[i], *b = &rgb->layers[i];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->n_inputs, b->n_inputs);
        assert_int_equal(a->inputs[0], b->inputs[0]);
        assert_true(a->out.c == b->out.c && a->out.h == b->out.h && a->out.w == b->out.w);
    }
    /* conv1 alone differs: 32 x 1 x 5 x 5 weights instead of 32 x 3 x 5 x 5 */
    assert_true(pd_graph_model_bytes(rgb) - pd_graph_model_bytes(gray) == 4.0 * 32 * 2 * 25);
    pd_graph_free(gray);
    pd_graph_free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_split),
        cmocka_unit_test(test_load_rejected),
        cmocka_unit_test(test_adopt),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_fashion_mnist),
        cmocka_unit_test(test_b_alexnet_gray),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
