/* The net's worker pool (src/nn/workers.c): every part of a run runs once, on one of the
 * pool's threads or the caller, its writes visible when the run returns; runs back to back (the workers
 * spinning) and after a pause (the workers asleep) both work, so does a part slower than
 * the caller's spin; one thread starts none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/workers.h"

enum { MAX_PARTS = 8 };

typedef struct tally {
    int parts_seen[MAX_PARTS]; /* what each part was told */
    int count[MAX_PARTS]; /* runs of each part */
    long sum[MAX_PARTS];
    const int *data;
    int n;
} tally;

static void count_part(void *ctx, int part, int parts)
{
    tally *t = ctx;
    t->parts_seen[part] = parts;
    t->count[part]++;
    long s = 0;
    for (int i = t->n * part / parts; i < t->n * (part + 1) / parts; i++)
        s += t->data[i];
    t->sum[part] = s;
}

static void run_and_check(pd_workers *w, tally *t, int runs)
{
    int threads = pd_workers_count(w);
    long want = 0;
    for (int i = 0; i < t->n; i++)
        want += t->data[i];
    for (int r = 0; r < runs; r++) {
        memset(t->sum, 0, sizeof t->sum);
        pd_workers_run(w, count_part, t);
        long got = 0;
        for (int p = 0; p < threads; p++)
            got += t->sum[p];
        assert_int_equal(got, want);
        for (int p = 0; p < threads; p++)
            assert_int_equal(t->parts_seen[p], threads);
    }
    for (int p = 0; p < threads; p++)
        assert_int_equal(t->count[p], runs);
}

static void test_parts_run_once(void **state)
{
    (void)state;
    int data[1000];
    for (int i = 0; i < 1000; i++)
        data[i] = i * 7 % 13;
    for (int threads = 1; threads <= 4; threads++) {
        pd_workers *w = NULL;
        assert_int_equal(pd_workers_new(threads, &w, NULL), PD_OK);
        assert_int_equal(pd_workers_count(w), threads);
        if (threads == 1)
            assert_null(w);
        tally t = {.data = data, .n = 1000};
        run_and_check(w, &t, 2000); /* back to back: the workers spin */
        pd_workers_free(w);
    }
}

static void test_runs_after_sleep(void **state)
{
    (void)state;
    int data[100];
    for (int i = 0; i < 100; i++)
        data[i] = i;
    pd_workers *w = NULL;
    assert_int_equal(pd_workers_new(3, &w, NULL), PD_OK);
    tally t = {.data = data, .n = 100};
    for (int r = 0; r < 5; r++) {
        struct timespec pause = {0, 5 * 1000 * 1000}; /* 5 ms: the workers block */
        nanosleep(&pause, NULL);
        run_and_check(w, &t, 1);
        memset(t.count, 0, sizeof t.count);
    }
    pd_workers_free(w);
    pd_workers_free(NULL);
}

static void slow_last_part(void *ctx, int part, int parts)
{
    int *done = ctx;
    if (part == parts - 1) {
        struct timespec pause = {0, 3 * 1000 * 1000}; /* 3 ms: the caller blocks */
        nanosleep(&pause, NULL);
    }
    done[part] = 1;
}

static void test_caller_waits_for_slow_part(void **state)
{
    (void)state;
    pd_workers *w = NULL;
    assert_int_equal(pd_workers_new(2, &w, NULL), PD_OK);
    for (int r = 0; r < 5; r++) {
        int done[2] = {0, 0};
        pd_workers_run(w, slow_last_part, done);
        assert_int_equal(done[0], 1);
        assert_int_equal(done[1], 1);
    }
    pd_workers_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts_run_once),
        cmocka_unit_test(test_runs_after_sleep),
        cmocka_unit_test(test_caller_waits_for_slow_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
