/* Checkpoints (include/predoff/checkpoint.h): a trainer stopped after some steps, written,
 * read back into a new trainer and continued, ends with the same weights, bit for bit, as
 * one that never stopped (dropout included, so the generator must come back too); the
 * caller's metadata survives; the file is replaced atomically; a file that is not a
 * checkpoint, or a momentum tensor that does not fit, is refused naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predoff/checkpoint.h"
#include "predoff/graph.h"
#include "predoff/rng.h"
#include "predoff/train.h"
#include "predoff/weights.h"

/* conv, dropout (so steps draw from the generator), a branch exit and a trunk exit */
static const char *model_json =
    "{\"name\": \"small\", \"input\": [1, 6, 6], \"layers\": ["
    "{\"name\": \"conv0\", \"type\": \"conv\", \"filters\": 3, \"kernel\": 3, \"pad\": 1},"
    "{\"name\": \"relu0\", \"type\": \"relu\"},"
    "{\"name\": \"drop0\", \"type\": \"dropout\", \"ratio\": 0.5},"
    "{\"name\": \"a_fc\", \"type\": \"fc\", \"outputs\": 3, \"exit\": true},"
    "{\"name\": \"b_pool\", \"type\": \"pool\", \"kernel\": 2, \"input\": \"drop0\"},"
    "{\"name\": \"b_fc\", \"type\": \"fc\", \"outputs\": 3, \"exit\": true}]}";

enum { BATCH = 4, STEPS = 6, STOP = 3 };

typedef struct fixture {
    pd_graph *g;
    float x[STEPS][BATCH * 36];
    uint8_t labels[STEPS][BATCH];
    char path[64];
} fixture;

static pd_trainer *trainer(fixture *f, pd_weights *w)
{
    pd_train_config c;
    pd_train_config_default(&c);
    c.batch = BATCH;
    c.lr = 0.05;
    c.weight_decay = 1e-3;
    c.seed = 9;
    pd_trainer *t = NULL;
    pd_error err;
    if (pd_trainer_new(f->g, w, &c, &t, &err))
        fail_msg("%s", err.msg);
    return t;
}

static void steps(pd_trainer *t, fixture *f, int from, int to)
{
    pd_error err;
    for (int s = from; s < to; s++)
        if (pd_trainer_step(t, f->x[s], f->labels[s], BATCH, NULL, &err))
            fail_msg("step %d: %s", s, err.msg);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    pd_error err;
    if (!f || pd_graph_from_json(model_json, strlen(model_json), "small", &f->g, &err))
        return -1;
    pd_rng r;
    pd_rng_seed(&r, 3);
    for (int s = 0; s < STEPS; s++) {
        for (size_t i = 0; i < BATCH * 36; i++)
            f->x[s][i] = (float)(2.0 * pd_rng_uniform(&r) - 1.0);
        for (int b = 0; b < BATCH; b++)
            f->labels[s][b] = (uint8_t)pd_rng_below(&r, 3);
    }
    snprintf(f->path, sizeof f->path, "/tmp/predoff-ckpt-%d.safetensors", (int)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    remove(f->path);
    pd_graph_free(f->g);
    free(f);
    return 0;
}

static void test_resume_is_exact(void **state)
{
    fixture *f = *state;
    pd_error err;
    /* one trainer that never stops */
    pd_weights *whole;
    assert_int_equal(pd_weights_random(f->g, 5, &whole, &err), PD_OK);
    pd_trainer *t = trainer(f, whole);
    steps(t, f, 0, STEPS);
    pd_trainer_free(t);
    /* one that stops after STOP steps, is written, read back and continued */
    pd_weights *part;
    assert_int_equal(pd_weights_random(f->g, 5, &part, &err), PD_OK);
    assert_int_equal(pd_weights_meta_set(part, "epoch", "7", &err), PD_OK);
    assert_int_equal(pd_weights_meta_set(part, "checkpoint_steps", "999", &err), PD_OK);
    t = trainer(f, part);
    steps(t, f, 0, STOP);
    if (pd_checkpoint_write(f->path, part, t, &err))
        fail_msg("%s", err.msg);
    pd_trainer_free(t);
    pd_weights_free(part);
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    assert_int_equal(access(tmp, F_OK), -1); /* renamed away */

    pd_checkpoint c;
    if (pd_checkpoint_read(f->path, &c, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(c.steps, STOP);
    assert_string_equal(pd_weights_meta_get(c.weights, "epoch"), "7");
    assert_null(pd_weights_meta_get(c.weights, "checkpoint_steps")); /* its own keys stay inside */
    assert_int_equal(c.weights->n, whole->n);
    assert_int_equal(c.momentum->n, whole->n);
    assert_int_equal(pd_weights_check(c.weights, f->g, f->path, &err), PD_OK);
    t = trainer(f, c.weights);
    if (pd_checkpoint_restore(&c, t, f->path, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pd_trainer_steps(t), STOP);
    steps(t, f, STOP, STEPS);
    for (size_t i = 0; i < whole->n; i++) {
        const pd_named_tensor *a = &whole->tensors[i];
        const pd_named_tensor *b = pd_weights_find(c.weights, a->name);
        assert_non_null(b);
        assert_memory_equal(a->data, b->data, a->count * sizeof(float));
    }
    pd_trainer_free(t);

    /* without the generator the dropout masks differ, and so do the weights */
    pd_checkpoint c2;
    assert_int_equal(pd_checkpoint_read(f->path, &c2, &err), PD_OK);
    t = trainer(f, c2.weights);
    assert_int_equal(pd_checkpoint_restore(&c2, t, f->path, &err), PD_OK);
    pd_rng_seed(pd_trainer_rng(t), 12345);
    steps(t, f, STOP, STEPS);
    int same = 1;
    for (size_t i = 0; i < whole->n && same; i++)
        same = memcmp(whole->tensors[i].data, pd_weights_find(c2.weights, whole->tensors[i].name)->data,
                      whole->tensors[i].count * sizeof(float)) == 0;
    assert_false(same);
    pd_trainer_free(t);
    pd_checkpoint_free(&c2);
    pd_checkpoint_free(&c);
    pd_checkpoint_free(&c); /* twice is a no-op */
    pd_weights_free(whole);
}

static void test_refused(void **state)
{
    fixture *f = *state;
    pd_error err;
    pd_weights *w;
    assert_int_equal(pd_weights_random(f->g, 5, &w, &err), PD_OK);
    /* plain weights are not a checkpoint */
    assert_int_equal(pd_weights_write_safetensors(w, f->path, &err), PD_OK);
    pd_checkpoint c;
    assert_int_equal(pd_checkpoint_read(f->path, &c, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, "not a predoff checkpoint"));
    assert_null(c.weights);
    /* a bad generator */
    assert_int_equal(pd_weights_meta_set(w, "checkpoint_format", "1", &err), PD_OK);
    assert_int_equal(pd_weights_meta_set(w, "checkpoint_steps", "4", &err), PD_OK);
    assert_int_equal(pd_weights_meta_set(w, "checkpoint_rng", "12,34", &err), PD_OK);
    assert_int_equal(pd_weights_write_safetensors(w, f->path, &err), PD_OK);
    assert_int_equal(pd_checkpoint_read(f->path, &c, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "checkpoint_rng"));
    /* no momentum: read, but refused by a trainer */
    assert_int_equal(pd_weights_meta_set(w, "checkpoint_rng",
                                         "0000000000000001,0000000000000002,0000000000000003,"
                                         "0000000000000004", &err),
                     PD_OK);
    assert_int_equal(pd_weights_write_safetensors(w, f->path, &err), PD_OK);
    assert_int_equal(pd_checkpoint_read(f->path, &c, &err), PD_OK);
    assert_int_equal(c.steps, 4);
    assert_int_equal(c.rng.s[3], 4);
    pd_trainer *t = trainer(f, c.weights);
    assert_int_equal(pd_checkpoint_restore(&c, t, f->path, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "conv0.weight.momentum\" is missing"));
    pd_trainer_free(t);
    pd_checkpoint_free(&c);
    /* an unwritable place leaves nothing behind */
    t = trainer(f, w);
    assert_int_equal(pd_checkpoint_write("/tmp/predoff-no-such-dir/c.st", w, t, &err), PD_EIO);
    assert_non_null(strstr(err.msg, "/tmp/predoff-no-such-dir/c.st"));
    pd_trainer_free(t);
    pd_weights_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
