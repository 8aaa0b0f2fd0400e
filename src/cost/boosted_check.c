/* The form of an XGBoost JSON model, checked with cJSON before XGBoost's parser reads it:
 * what that parser would take on trust (tree links, feature indices) is bounded here. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_util.h"
#include "cost/boosted.h"

#define MAX_KEYS 64 /* an object of XGBoost's has a dozen */

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Every object in v, at any depth, has at most MAX_KEYS keys, each once (XGBoost's parser
 * keeps the last of a key given twice, cJSON's lookup the first: they must agree). */
static pd_status unique_keys(const cJSON *v, int depth, pd_error *err)
{
    if (depth > 32)
        return pd_error_set(err, PD_EINPUT, "nested deeper than an XGBoost model is");
    if (cJSON_IsObject(v)) {
        int n = 0;
        for (const cJSON *a = v->child; a; a = a->next, n++) {
            if (n == MAX_KEYS)
                return pd_error_set(err, PD_EINPUT, "an object with more than %d keys", MAX_KEYS);
            for (const cJSON *b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0)
                    return pd_error_set(err, PD_EINPUT, "key \"%.64s\" given twice", a->string);
        }
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v))
        for (const cJSON *a = v->child; a; a = a->next)
            if (cJSON_IsObject(a) || cJSON_IsArray(a)) {
                pd_status st = unique_keys(a, depth + 1, err);
                if (st)
                    return st;
            }
    return PD_OK;
}

/* An object at o[key], or an error naming `where`. */
static pd_status object(const cJSON *o, const char *key, const char *where, const cJSON **out,
                        pd_error *err)
{
    *out = get(o, key);
    if (!cJSON_IsObject(*out))
        return pd_error_set(err, PD_EINPUT, "%s: no object \"%s\"", where, key);
    return PD_OK;
}

/* A whole number in [min, max] written as a string of digits ("800"), as XGBoost writes its
 * parameters. */
static pd_status count_param(const cJSON *o, const char *key, const char *where, long min,
                             long max, long *out, pd_error *err)
{
    const cJSON *v = get(o, key);
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    size_t n = s ? strlen(s) : 0;
    if (!s || n == 0 || n > 9 || strspn(s, "0123456789") != n)
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not a count in quotes", where, key);
    *out = strtol(s, NULL, 10);
    if (*out < min || *out > max)
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is %ld, outside [%ld, %ld]", where, key,
                            *out, min, max);
    return PD_OK;
}

/* o's "size_leaf_vector", when given, is "0": XGBoost loads a model of leaf vectors but its
 * predictor refuses it (a model that loaded would fail at every plan instead). */
static pd_status scalar_leaves(const cJSON *o, const char *where, pd_error *err)
{
    long v;
    return get(o, "size_leaf_vector") ? count_param(o, "size_leaf_vector", where, 0, 0, &v, err)
                                      : PD_OK;
}

/* An array at o[key] of exactly n numbers, each whole and in [min, max] unless `real` (then
 * finite as a float: XGBoost keeps them in float32, and one beyond FLT_MAX would become an
 * infinity it writes as "Infinity", not JSON); v[] gets them (may be NULL). */
static pd_status numbers(const cJSON *o, const char *key, const char *where, long n, int real,
                         double min, double max, double *v, pd_error *err)
{
    const cJSON *a = get(o, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return pd_error_set(err, PD_EINPUT, "%s: \"%s\" is not an array of %ld numbers", where,
                            key, n);
    long i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        double d = cJSON_IsNumber(x) ? x->valuedouble : NAN;
        if (!(fabs(d) <= FLT_MAX) || (!real && (d != floor(d) || d < min || d > max)))
            return pd_error_set(err, PD_EINPUT, "%s: \"%s\"[%ld] is not a %s", where, key, i,
                                real ? "finite number" : "whole number in range");
        if (v)
            v[i] = d;
    }
    return PD_OK;
}

/* One tree: its arrays as long as its nodes, and a tree: every inner node's two children
 * come after it and name it their parent, every other node is a leaf of both -1. */
static pd_status check_tree(const cJSON *t, long index, long n_features, double *work,
                            long *all_nodes, pd_error *err)
{
    char where[48];
    snprintf(where, sizeof where, "tree %ld", index);
    const cJSON *param, *id = get(t, "id");
    long n, deleted, nf;
    pd_status st;
    if (!cJSON_IsObject(t))
        return pd_error_set(err, PD_EINPUT, "%s is not an object", where);
    if (!cJSON_IsNumber(id) || id->valuedouble != (double)index)
        return pd_error_set(err, PD_EINPUT, "%s: \"id\" is not %ld", where, index);
    if ((st = object(t, "tree_param", where, &param, err)) ||
        (st = count_param(param, "num_nodes", where, 1, PD_BOOSTED_MAX_NODES, &n, err)) ||
        (st = count_param(param, "num_deleted", where, 0, 0, &deleted, err)) ||
        (st = count_param(param, "num_feature", where, n_features, n_features, &nf, err)) ||
        (st = scalar_leaves(param, where, err)))
        return st;
    if ((*all_nodes += n) > PD_BOOSTED_MAX_ALL_NODES)
        return pd_error_set(err, PD_EINPUT, "more than %d nodes in all", PD_BOOSTED_MAX_ALL_NODES);
    double *left = work, *right = work + n, *parent = work + 2 * n, *feat = work + 3 * n;
    static const char *const reals[] = {"split_conditions", "base_weights", "loss_changes",
                                        "sum_hessian"};
    if ((st = numbers(t, "left_children", where, n, 0, -1, (double)n - 1, left, err)) ||
        (st = numbers(t, "right_children", where, n, 0, -1, (double)n - 1, right, err)) ||
        (st = numbers(t, "parents", where, n, 0, 0, 2147483647.0, parent, err)) ||
        (st = numbers(t, "split_indices", where, n, 0, 0, (double)n_features - 1, feat, err)) ||
        (st = numbers(t, "default_left", where, n, 0, 0, 1, NULL, err)) ||
        (st = numbers(t, "split_type", where, n, 0, 0, 0, NULL, err)))
        return st;
    for (size_t k = 0; k < sizeof reals / sizeof reals[0]; k++)
        if ((st = numbers(t, reals[k], where, n, 1, 0, 0, NULL, err)))
            return st;
    static const char *const cats[] = {"categories", "categories_nodes", "categories_segments",
                                       "categories_sizes"};
    for (size_t k = 0; k < sizeof cats / sizeof cats[0]; k++) {
        const cJSON *c = get(t, cats[k]);
        if (c && (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != 0))
            return pd_error_set(err, PD_EINPUT, "%s: categorical splits are not supported", where);
    }
    if (parent[0] != 2147483647.0)
        return pd_error_set(err, PD_EINPUT, "%s: node 0 is not the root", where);
    for (long i = 0; i < n; i++) {
        long l = (long)left[i], r = (long)right[i];
        if (l == -1 && r == -1)
            continue;
        if (l <= i || r <= i || l == r || parent[l] != (double)i || parent[r] != (double)i)
            return pd_error_set(err, PD_EINPUT, "%s: node %ld's children are not a tree's", where,
                                i);
    }
    for (long i = 1; i < n; i++) { /* every node but the root is a child of its parent */
        long p = (long)parent[i];
        if (p >= i || (left[p] != (double)i && right[p] != (double)i))
            return pd_error_set(err, PD_EINPUT, "%s: node %ld's parent is not a tree's", where, i);
    }
    return PD_OK;
}

/* The learner's parameters: regression of one target over n features, named as cols. */
static pd_status check_learner(const cJSON *learner, const int *cols, int n, pd_error *err)
{
    const cJSON *mp, *obj, *name, *names = get(learner, "feature_names");
    long nf, n_class, n_target = 1;
    pd_status st;
    if ((st = object(learner, "learner_model_param", "learner", &mp, err)) ||
        (st = count_param(mp, "num_feature", "learner_model_param", 0, PD_COLUMN_COUNT, &nf,
                          err)) ||
        (st = count_param(mp, "num_class", "learner_model_param", 0, 0, &n_class, err)) ||
        (get(mp, "num_target") &&
         (st = count_param(mp, "num_target", "learner_model_param", 1, 1, &n_target, err))))
        return st;
    const cJSON *base = get(mp, "base_score");
    char *end = NULL;
    double b = cJSON_IsString(base) ? strtod(base->valuestring, &end) : NAN;
    if (!end || *end || !(fabs(b) <= FLT_MAX))
        return pd_error_set(err, PD_EINPUT, "learner_model_param: \"base_score\" is not a number "
                            "in quotes (a float's)");
    if (nf != n)
        return pd_error_set(err, PD_EINPUT, "the model reads %ld features, the profile names %d",
                            nf, n);
    if ((st = object(learner, "objective", "learner", &obj, err)))
        return st;
    name = get(obj, "name");
    if (!cJSON_IsString(name) || strncmp(name->valuestring, "reg:", 4) != 0 ||
        strcmp(name->valuestring, "reg:logistic") == 0)
        return pd_error_set(err, PD_EINPUT, "objective: not a regression (\"reg:...\") of a time");
    if (names && !cJSON_IsArray(names))
        return pd_error_set(err, PD_EINPUT, "\"feature_names\" is not an array");
    int k = 0, given = names ? cJSON_GetArraySize(names) : 0;
    if (given && given != n)
        return pd_error_set(err, PD_EINPUT, "the model names %d features, the profile %d", given,
                            n);
    for (const cJSON *s = given ? names->child : NULL; s; s = s->next, k++)
        if (!cJSON_IsString(s) || strcmp(s->valuestring, pd_column_name(cols[k])) != 0)
            return pd_error_set(err, PD_EINPUT, "feature %d is \"%.64s\" in the model, \"%s\" in "
                                "the profile", k + 1, cJSON_IsString(s) ? s->valuestring : "?",
                                pd_column_name(cols[k]));
    return PD_OK;
}

static pd_status check_root(const cJSON *root, const int *cols, int n, pd_error *err)
{
    const cJSON *learner, *gb, *model, *param, *version = get(root, "version");
    pd_status st;
    if (!cJSON_IsObject(root))
        return pd_error_set(err, PD_EINPUT, "not a JSON object (an XGBoost model is one)");
    if (!cJSON_IsArray(version) || cJSON_GetArraySize(version) != 3 ||
        (st = numbers(root, "version", "the model", 3, 0, 0, 1000, NULL, err)))
        return pd_error_set(err, PD_EINPUT, "no XGBoost \"version\" [major, minor, patch]: not an "
                            "XGBoost JSON model");
    if ((st = object(root, "learner", "the model", &learner, err)) ||
        (st = check_learner(learner, cols, n, err)) ||
        (st = object(learner, "gradient_booster", "learner", &gb, err)))
        return st;
    const cJSON *gb_name = get(gb, "name");
    if (!cJSON_IsString(gb_name) || strcmp(gb_name->valuestring, "gbtree") != 0)
        return pd_error_set(err, PD_EINPUT, "gradient_booster: not \"gbtree\" (trees)");
    long n_trees, parallel;
    if ((st = object(gb, "model", "gradient_booster", &model, err)) ||
        (st = object(model, "gbtree_model_param", "model", &param, err)) ||
        (st = count_param(param, "num_trees", "gbtree_model_param", 1, PD_BOOSTED_MAX_TREES,
                          &n_trees, err)) ||
        (st = count_param(param, "num_parallel_tree", "gbtree_model_param", 1, 1, &parallel,
                          err)) ||
        (st = scalar_leaves(param, "gbtree_model_param", err)) ||
        (st = numbers(model, "tree_info", "model", n_trees, 0, 0, 0, NULL, err)))
        return st;
    const cJSON *trees = get(model, "trees");
    if (!cJSON_IsArray(trees) || cJSON_GetArraySize(trees) != n_trees)
        return pd_error_set(err, PD_EINPUT, "model: \"trees\" is not an array of %ld trees",
                            n_trees);
    double *work = malloc(4 * (size_t)PD_BOOSTED_MAX_NODES * sizeof *work);
    if (!work)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    long i = 0, all = 0;
    st = PD_OK;
    for (const cJSON *t = trees->child; t && !st; t = t->next, i++)
        st = check_tree(t, i, n, work, &all, err);
    free(work);
    return st;
}

pd_status pd_boosted_check(const char *text, size_t len, const int *cols, int n, pd_error *err)
{
    if (len > PD_BOOSTED_MAX_BYTES)
        return pd_error_set(err, PD_EINPUT, "%zu bytes, more than the limit of %zu", len,
                            PD_BOOSTED_MAX_BYTES);
    if (n < 1 || n > PD_COLUMN_COUNT)
        return pd_error_set(err, PD_EINPUT, "%d features: 1 to %d are possible", n,
                            PD_COLUMN_COUNT);
    /* XGBoost reads a buffer as JSON only when its first byte is '{' (anything else it takes
     * for its binary formats), and JSON's whitespace is 4 bytes where cJSON skips all below
     * 0x21: so the text starts with '{' and holds no other control byte, and both parsers
     * see the same document. */
    if (len == 0 || text[0] != '{')
        return pd_error_set(err, PD_EINPUT, "does not start with '{': not an XGBoost JSON model");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return pd_error_set(err, PD_EINPUT, "byte %zu is a control character (0x%02x)", i,
                                (unsigned)c);
    }
    cJSON *root;
    if (pd_json_parse(text, len, &root, err))
        return PD_EINPUT;
    pd_status st = unique_keys(root, 0, err);
    if (!st)
        st = check_root(root, cols, n, err);
    cJSON_Delete(root);
    return st;
}
