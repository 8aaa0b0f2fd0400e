/* Reads an ONNX model (protobuf, decoded by protobuf-c from Debian's onnx.proto) into a
 * graph and its weights. Two passes: the nodes in file order, each checked and its shape
 * inferred by a graph builder; then the layers again, exits in output order, into the
 * graph that is returned. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/name_index.h"
#include "core/str.h"
#include "onnx.pb-c.h"
#include "predoff/onnx.h"

#define MAX_ELEMS 1099511627776.0 /* 2^40 elements in one tensor */
#define ACC_KEY "predoff.exit_accuracy"

typedef enum { V_CONST, V_INPUT, V_LAYER } vkind;
typedef struct value {
    vkind kind;
    int32_t layer; /* V_LAYER */
    int rank;      /* V_INPUT, V_LAYER: 4 (N, C, H, W) or 2 (N, K) */
    const Onnx__TensorProto *t; /* V_CONST */
} value;

typedef struct ptensor {
    const char *suffix;
    int ndim;
    int64_t dims[4];
    size_t count;
    float *data; /* owned, 64-byte aligned */
} ptensor;

/* A layer as the first pass makes it. */
typedef struct player {
    char *name;           /* owned: the node's name, or its graph output's */
    const char *node, *op; /* borrowed, for messages */
    const char *out;      /* the tensor it writes (borrowed) */
    pd_layer_type type;
    pd_layer_params p;
    size_t n_in;
    int32_t *in;
    size_t n_t;
    ptensor t[PD_LAYER_MAX_TENSORS];
    int exit; /* graph output index, or -1 */
} player;

typedef struct reader {
    const Onnx__GraphProto *gp;
    int64_t opset;
    pd_shape input;
    pd_name_index vix; /* tensor name -> vals index */
    value *vals;
    size_t n_vals, cap_vals;
    pd_name_index uix; /* tensor name -> uses index */
    int *uses;         /* readers of a tensor (node inputs and graph outputs) */
    size_t n_uses;
    player *pl;
    size_t n_pl;
    pd_graph_builder *b; /* the first pass's */
    const Onnx__NodeProto *node;
    pd_error *err;
} reader;

static pd_status fail(reader *r, pd_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One line naming the node and its operator. */
static pd_status fail(reader *r, pd_status st, const char *fmt, ...)
{
    char msg[PD_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!r->node)
        return pd_error_set(r->err, st, "%s", msg);
    const char *name = r->node->name && r->node->name[0] ? r->node->name
                       : r->node->n_output && r->node->output[0] ? r->node->output[0]
                                                                 : "?";
    return pd_error_set(r->err, st, "node \"%.64s\" (%.32s): %s", name,
                        r->node->op_type ? r->node->op_type : "?", msg);
}

static pd_status nomem(reader *r)
{
    return pd_error_set(r->err, PD_ENOMEM, "out of memory");
}

/* ---- tensors ---- */

static pd_status tensor_count(reader *r, const Onnx__TensorProto *t, const char *what,
                              size_t *count)
{
    double n = 1;
    for (size_t k = 0; k < t->n_dims; k++) {
        if (t->dims[k] < 0)
            return fail(r, PD_EINPUT, "%s \"%.64s\": negative dimension", what,
                        t->name ? t->name : "");
        n *= (double)t->dims[k];
    }
    if (t->n_dims > 8 || n > MAX_ELEMS)
        return fail(r, PD_EINPUT, "%s \"%.64s\": beyond the limits (8 dimensions, 2^40 elements)",
                    what, t->name ? t->name : "");
    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return fail(r, PD_EINPUT, "%s \"%.64s\": unsupported external data (keep the weights "
                    "inside the .onnx file)", what, t->name ? t->name : "");
    *count = (size_t)n;
    return PD_OK;
}

static float *alloc_floats(size_t n)
{
    size_t bytes = n * sizeof(float);
    bytes = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}

/* A float32 tensor's values, into a new array. */
static pd_status tensor_floats(reader *r, const Onnx__TensorProto *t, const char *what,
                               float **out, size_t *count)
{
    *out = NULL;
    pd_status st = tensor_count(r, t, what, count);
    if (st)
        return st;
    const char *name = t->name ? t->name : "";
    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return fail(r, PD_EINPUT, "%s \"%.64s\": unsupported data type %d (float32 only)", what,
                    name, (int)t->data_type);
    if (t->has_raw_data) {
        if (t->raw_data.len / 4 != *count || t->raw_data.len % 4)
            return fail(r, PD_EINPUT, "%s \"%.64s\": %zu bytes of data for %zu floats", what, name,
                        t->raw_data.len, *count);
    } else if (t->n_float_data != *count) {
        return fail(r, PD_EINPUT, "%s \"%.64s\": %zu values for %zu elements", what, name,
                    t->n_float_data, *count);
    }
    if (!(*out = alloc_floats(*count)))
        return nomem(r);
    if (*count)
        memcpy(*out, t->has_raw_data ? (const void *)t->raw_data.data : (const void *)t->float_data,
               *count * sizeof(float)); /* raw data is little-endian, as this host */
    return PD_OK;
}

/* A float scalar (no dimensions or one of 1). */
static pd_status scalar_float(reader *r, const Onnx__TensorProto *t, const char *what, double *v)
{
    float *d;
    size_t n;
    pd_status st = tensor_floats(r, t, what, &d, &n);
    if (!st && n != 1)
        st = fail(r, PD_EINPUT, "%s: a scalar expected, %zu elements given", what, n);
    if (!st)
        *v = d[0];
    free(d);
    return st;
}

/* An int64 tensor of at most max values. */
static pd_status tensor_ints(reader *r, const Onnx__TensorProto *t, const char *what,
                             int64_t *v, size_t max, size_t *n)
{
    pd_status st = tensor_count(r, t, what, n);
    if (st)
        return st;
    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT64)
        return fail(r, PD_EINPUT, "%s: unsupported data type %d (int64 expected)", what,
                    (int)t->data_type);
    if (*n > max)
        return fail(r, PD_EINPUT, "%s: %zu values, at most %zu supported", what, *n, max);
    if (*n == 0) /* an empty tensor's data may be absent: nothing to copy */
        return PD_OK;
    if (t->has_raw_data) {
        if (t->raw_data.len != *n * 8)
            return fail(r, PD_EINPUT, "%s: %zu bytes of data for %zu int64", what,
                        t->raw_data.len, *n);
        memcpy(v, t->raw_data.data, *n * 8);
    } else {
        if (t->n_int64_data != *n)
            return fail(r, PD_EINPUT, "%s: %zu values for %zu elements", what, t->n_int64_data,
                        *n);
        memcpy(v, t->int64_data, *n * 8);
    }
    return PD_OK;
}

/* ---- attributes ---- */

static const Onnx__AttributeProto *attr(const reader *r, const char *name)
{
    for (size_t k = 0; k < r->node->n_attribute; k++)
        if (r->node->attribute[k]->name && strcmp(r->node->attribute[k]->name, name) == 0)
            return r->node->attribute[k];
    return NULL;
}

/* Every attribute is one the operator's reading knows. */
static pd_status known_attrs(reader *r, const char *const *allowed)
{
    for (size_t k = 0; k < r->node->n_attribute; k++) {
        const char *name = r->node->attribute[k]->name ? r->node->attribute[k]->name : "";
        size_t j = 0;
        while (allowed[j] && strcmp(allowed[j], name) != 0)
            j++;
        if (!allowed[j])
            return fail(r, PD_EINPUT, "unsupported attribute \"%.64s\"", name);
    }
    return PD_OK;
}

static bool is_type(const Onnx__AttributeProto *a, Onnx__AttributeProto__AttributeType t,
                    bool present)
{
    return a->has_type ? a->type == t : present;
}

static pd_status attr_int(reader *r, const char *name, int64_t def, int64_t *v)
{
    const Onnx__AttributeProto *a = attr(r, name);
    *v = def;
    if (!a)
        return PD_OK;
    if (!is_type(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, a->has_i))
        return fail(r, PD_EINPUT, "attribute \"%s\" must be an integer", name);
    *v = a->i;
    return PD_OK;
}

static pd_status attr_float(reader *r, const char *name, double def, double *v)
{
    const Onnx__AttributeProto *a = attr(r, name);
    *v = def;
    if (!a)
        return PD_OK;
    if (!is_type(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, a->has_f))
        return fail(r, PD_EINPUT, "attribute \"%s\" must be a float", name);
    *v = a->f;
    if (!isfinite(*v))
        return fail(r, PD_EINPUT, "attribute \"%s\" is not finite", name);
    return PD_OK;
}

/* An INTS attribute of exactly n values (absent: def, n of them). */
static pd_status attr_ints(reader *r, const char *name, size_t n, int64_t def, int64_t *v,
                           bool *given)
{
    const Onnx__AttributeProto *a = attr(r, name);
    for (size_t k = 0; k < n; k++)
        v[k] = def;
    if (given)
        *given = a != NULL;
    if (!a)
        return PD_OK;
    if (!is_type(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, a->n_ints > 0))
        return fail(r, PD_EINPUT, "attribute \"%s\" must be a list of integers", name);
    if (a->n_ints != n)
        return fail(r, PD_EINPUT, "attribute \"%s\": %zu values, %zu supported (2-D only)", name,
                    a->n_ints, n);
    for (size_t k = 0; k < n; k++) {
        if (a->ints[k] < 0 || a->ints[k] > 1048576)
            return fail(r, PD_EINPUT, "attribute \"%s\": unsupported value %lld", name,
                        (long long)a->ints[k]);
        v[k] = a->ints[k];
    }
    return PD_OK;
}

/* auto_pad: 0 NOTSET, 1 VALID, 2 SAME_UPPER, 3 SAME_LOWER. */
static pd_status attr_auto_pad(reader *r, int *mode)
{
    static const char *const names[] = {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"};
    const Onnx__AttributeProto *a = attr(r, "auto_pad");
    *mode = 0;
    if (!a)
        return PD_OK;
    if (!is_type(a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, a->has_s))
        return fail(r, PD_EINPUT, "attribute \"auto_pad\" must be a string");
    for (int k = 0; k < 4; k++)
        if (a->s.len == strlen(names[k]) && memcmp(a->s.data, names[k], a->s.len) == 0) {
            *mode = k;
            return PD_OK;
        }
    return fail(r, PD_EINPUT, "unsupported auto_pad \"%.*s\"", (int)(a->s.len > 32 ? 32 : a->s.len),
                (const char *)a->s.data);
}

/* ---- values ---- */

static pd_status get_value(reader *r, size_t k, value *v)
{
    if (k >= r->node->n_input || !r->node->input[k] || !r->node->input[k][0])
        return fail(r, PD_EINPUT, "input %zu is missing", k + 1);
    int32_t i = pd_name_index_get(&r->vix, r->node->input[k]);
    if (i < 0)
        return fail(r, PD_EINPUT, "input \"%.64s\" is no initializer, graph input or earlier "
                    "node's output", r->node->input[k]);
    *v = r->vals[i];
    return PD_OK;
}

/* Input k, which must be computed (not a constant): its tensor id for the builder. */
static pd_status get_data(reader *r, size_t k, int32_t *id, int *rank)
{
    value v = {0};
    pd_status st = get_value(r, k, &v);
    if (st)
        return st;
    if (v.kind == V_CONST)
        return fail(r, PD_EINPUT, "unsupported constant input %zu \"%.64s\" (predoff takes "
                    "constants only as weights)", k + 1, r->node->input[k]);
    *id = v.kind == V_INPUT ? PD_TENSOR_INPUT : v.layer;
    *rank = v.rank;
    return PD_OK;
}

/* Input k, which must be an initializer or a Constant's output. */
static pd_status get_const(reader *r, size_t k, const char *what, const Onnx__TensorProto **t)
{
    value v = {0};
    pd_status st = get_value(r, k, &v);
    if (st)
        return st;
    if (v.kind != V_CONST)
        return fail(r, PD_EINPUT, "unsupported %s \"%.64s\" that is not an initializer", what,
                    r->node->input[k]);
    *t = v.t;
    return PD_OK;
}

static bool has_input(const reader *r, size_t k)
{
    return k < r->node->n_input && r->node->input[k] && r->node->input[k][0];
}

static int uses_of(const reader *r, const char *name)
{
    int32_t i = pd_name_index_get(&r->uix, name);
    return i < 0 ? 0 : r->uses[i];
}

static pd_status set_value(reader *r, const char *name, value v)
{
    if (!name || !name[0])
        return fail(r, PD_EINPUT, "an output without a name");
    if (r->n_vals == r->cap_vals)
        return fail(r, PD_ELIMIT, "more tensors than counted");
    int rc = pd_name_index_add(&r->vix, name, (int32_t)r->n_vals);
    if (rc < 0)
        return nomem(r);
    if (rc)
        return fail(r, PD_EINPUT, "tensor \"%.64s\" is defined twice", name);
    r->vals[r->n_vals++] = v;
    return PD_OK;
}

/* Outputs after the first must be absent or unread (a pool's indices, a mask). */
static pd_status only_first_output(reader *r)
{
    for (size_t k = 1; k < r->node->n_output; k++)
        if (r->node->output[k] && r->node->output[k][0] && uses_of(r, r->node->output[k]))
            return fail(r, PD_EINPUT, "unsupported use of output %zu \"%.64s\"", k + 1,
                        r->node->output[k]);
    return PD_OK;
}

static pd_shape shape_of(const reader *r, int32_t id)
{
    return id < 0 ? r->input : pd_graph_builder_layer(r->b, (size_t)id)->out;
}

/* ---- layers ---- */

static void dims_text(const int64_t *d, int n, char *buf, size_t size)
{
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int k = 0; k < n && at < size; k++)
        at += (size_t)snprintf(buf + at, size - at, "%s%lld", k ? ", " : "", (long long)d[k]);
    if (at < size)
        snprintf(buf + at, size - at, "]");
}

/* Adds the node's layer (first pass): checked and shaped by the builder, its tensors
 * checked against what the layer needs. Takes t (n_t of them). */
static pd_status add_layer(reader *r, pd_layer_type type, const pd_layer_params *p, size_t n_in,
                           const int32_t *in, int rank, ptensor *t, size_t n_t)
{
    const Onnx__NodeProto *n = r->node;
    player *l = &r->pl[r->n_pl];
    memset(l, 0, sizeof *l);
    l->exit = -1;
    l->type = type;
    l->p = *p;
    l->node = n->name && n->name[0] ? n->name : n->output[0];
    l->op = n->op_type;
    l->out = n->output[0];
    l->n_t = n_t;
    for (size_t k = 0; k < n_t; k++) {
        l->t[k] = t[k];
        t[k].data = NULL;
    }
    r->n_pl++; /* so that its tensors are freed, whatever follows */
    if (!(l->name = pd_strdup(l->node)) || !(l->in = malloc(n_in * sizeof *l->in)))
        return nomem(r);
    memcpy(l->in, in, n_in * sizeof *in);
    l->n_in = n_in;
    pd_layer_spec s = {.name = l->name, .type = type, .p = *p, .n_inputs = n_in, .inputs = in};
    pd_status st = pd_graph_builder_add(r->b, &s, r->err);
    if (st) { /* the builder's 'layer "NAME": ' becomes the node's prefix */
        char pre[128], msg[PD_ERROR_MSG_MAX];
        snprintf(pre, sizeof pre, "layer \"%.64s\": ", l->name);
        size_t np = strlen(pre);
        snprintf(msg, sizeof msg, "%s",
                 strncmp(r->err->msg, pre, np) == 0 ? r->err->msg + np : r->err->msg);
        return fail(r, st, "%s", msg);
    }
    const pd_layer *built = pd_graph_builder_layer(r->b, r->n_pl - 1);
    pd_layer_tensor need[PD_LAYER_MAX_TENSORS];
    size_t nn = pd_layer_tensors(built, need);
    for (size_t k = 0; k < nn; k++) {
        size_t j = 0;
        while (j < n_t && strcmp(l->t[j].suffix, need[k].suffix) != 0)
            j++;
        if (j == n_t)
            continue; /* a bias that an Add may bring later */
        bool same = l->t[j].ndim == need[k].ndim;
        for (int d = 0; same && d < need[k].ndim; d++)
            same = l->t[j].dims[d] == need[k].dims[d];
        if (!same) {
            char have[96], want[96];
            dims_text(l->t[j].dims, l->t[j].ndim, have, sizeof have);
            dims_text(need[k].dims, need[k].ndim, want, sizeof want);
            return fail(r, PD_EINPUT, "%s of shape %s, the layer needs %s (input %lldx%lldx%lld)",
                        l->t[j].suffix + 1, have, want, (long long)built->in.c,
                        (long long)built->in.h, (long long)built->in.w);
        }
    }
    return set_value(r, n->output[0], (value){V_LAYER, (int32_t)(r->n_pl - 1), rank, NULL});
}

static void free_tensors(ptensor *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(t[k].data);
        t[k].data = NULL;
    }
}

/* A weight from initializer t, as predoff's tensor `suffix` of dims (ndim of them). */
static pd_status weight(reader *r, const Onnx__TensorProto *t, const char *what,
                        const char *suffix, int ndim, const int64_t *dims, ptensor *out)
{
    size_t n;
    float *d;
    pd_status st = tensor_floats(r, t, what, &d, &n);
    if (st)
        return st;
    double want = 1;
    for (int k = 0; k < ndim; k++)
        want *= (double)dims[k];
    if ((double)n != want) {
        free(d);
        return fail(r, PD_EINPUT, "%s \"%.64s\": %zu elements, %.0f expected", what,
                    t->name ? t->name : "", n, want);
    }
    *out = (ptensor){suffix, ndim, {0}, n, d};
    for (int k = 0; k < ndim; k++)
        out->dims[k] = dims[k];
    return PD_OK;
}

/* The dims of t if it has exactly `ndim` of them. */
static pd_status dims_of(reader *r, const Onnx__TensorProto *t, const char *what, size_t ndim)
{
    if (t->n_dims != ndim)
        return fail(r, PD_EINPUT, "unsupported %s with %zu dimensions (%zu expected)", what,
                    t->n_dims, ndim);
    return PD_OK;
}

static pd_status need_rank(reader *r, int rank, int want)
{
    if (rank != want)
        return fail(r, PD_EINPUT, "unsupported input of %d dimensions (%d expected)", rank, want);
    return PD_OK;
}

/* One of the types that read one tensor and keep its shape. */
static pd_status simple(reader *r, pd_layer_type type, const pd_layer_params *p)
{
    int32_t in = 0;
    int rank = 0;
    pd_status st = get_data(r, 0, &in, &rank);
    return st ? st : add_layer(r, type, p, 1, &in, rank, NULL, 0);
}

/* SAME_UPPER / SAME_LOWER: the pads that keep ceil(in / stride). */
static void same_pads(int64_t in, int64_t k, int64_t s, int64_t d, int upper, int64_t *begin,
                      int64_t *end)
{
    int64_t out = (in + s - 1) / s, total = (out - 1) * s + d * (k - 1) + 1 - in;
    total = total < 0 ? 0 : total;
    *begin = upper ? total / 2 : total - total / 2;
    *end = total - *begin;
}

/* Strides, pads (top, left, bottom, right) and dilations of a window over a map of h x w. */
static pd_status window(reader *r, pd_shape in, const int64_t k[2], int64_t s[2], int64_t pads[4],
                        int64_t d[2])
{
    int mode;
    bool pads_given;
    pd_status st;
    if ((st = attr_ints(r, "strides", 2, 1, s, NULL)) ||
        (st = attr_ints(r, "pads", 4, 0, pads, &pads_given)) ||
        (st = attr_ints(r, "dilations", 2, 1, d, NULL)) || (st = attr_auto_pad(r, &mode)))
        return st;
    if (s[0] < 1 || s[1] < 1 || d[0] < 1 || d[1] < 1)
        return fail(r, PD_EINPUT, "unsupported stride or dilation 0");
    if (mode && pads_given)
        return fail(r, PD_EINPUT, "unsupported: both auto_pad and pads");
    if (mode == 1)
        memset(pads, 0, 4 * sizeof *pads);
    if (mode >= 2) {
        same_pads(in.h, k[0], s[0], d[0], mode == 2, &pads[0], &pads[2]);
        same_pads(in.w, k[1], s[1], d[1], mode == 2, &pads[1], &pads[3]);
    }
    return PD_OK;
}

static pd_status op_conv(reader *r)
{
    static const char *const known[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads",
                                        "strides", NULL};
    int32_t in = 0;
    int rank = 0;
    const Onnx__TensorProto *w, *b = NULL;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = get_data(r, 0, &in, &rank)) ||
        (st = need_rank(r, rank, 4)) || (st = get_const(r, 1, "weight", &w)) ||
        (st = dims_of(r, w, "weight", 4)) ||
        (has_input(r, 2) && ((st = get_const(r, 2, "bias", &b)))))
        return st;
    int64_t k[2] = {w->dims[2], w->dims[3]}, ks[2], s[2], pads[4], d[2], group;
    bool ks_given;
    if ((st = attr_ints(r, "kernel_shape", 2, 0, ks, &ks_given)) ||
        (st = attr_int(r, "group", 1, &group)))
        return st;
    if (ks_given && (ks[0] != k[0] || ks[1] != k[1]))
        return fail(r, PD_EINPUT, "kernel_shape [%lld, %lld] differs from the weight's [%lld, %lld]",
                    (long long)ks[0], (long long)ks[1], (long long)k[0], (long long)k[1]);
    if (k[0] < 1 || k[1] < 1 || w->dims[0] < 1 || w->dims[1] < 1)
        return fail(r, PD_EINPUT, "unsupported empty weight");
    if (group < 1 || group > 1048576)
        return fail(r, PD_EINPUT, "unsupported group %lld", (long long)group);
    if ((st = window(r, shape_of(r, in), k, s, pads, d)))
        return st;
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_CONV, &p);
    p.filters = w->dims[0];
    p.kernel = k[0], p.kernel_w = k[1], p.stride = s[0], p.stride_w = s[1];
    p.pad = pads[0], p.pad_w = pads[1], p.pad_b = pads[2], p.pad_r = pads[3];
    p.dilation = d[0], p.dilation_w = d[1], p.groups = group, p.bias = b != NULL;
    ptensor t[2] = {{0}};
    st = weight(r, w, "weight", ".weight", 4, w->dims, &t[0]);
    if (!st && b)
        st = weight(r, b, "bias", ".bias", 1, w->dims, &t[1]);
    if (!st)
        st = add_layer(r, PD_LAYER_CONV, &p, 1, &in, 4, t, b ? 2 : 1);
    free_tensors(t, 2);
    return st;
}

static pd_status op_pool(reader *r, pd_pool_mode mode)
{
    static const char *const known[] = {"auto_pad", "ceil_mode", "count_include_pad", "dilations",
                                        "kernel_shape", "pads", "storage_order", "strides", NULL};
    int32_t in = 0;
    int rank = 0;
    int64_t k[2], s[2], pads[4], d[2], ceil_mode, cip, order;
    bool given;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = get_data(r, 0, &in, &rank)) ||
        (st = need_rank(r, rank, 4)) || (st = attr_ints(r, "kernel_shape", 2, 0, k, &given)))
        return st;
    if (!given)
        return fail(r, PD_EINPUT, "attribute \"kernel_shape\" is missing");
    if ((st = window(r, shape_of(r, in), k, s, pads, d)) ||
        (st = attr_int(r, "ceil_mode", 0, &ceil_mode)) ||
        (st = attr_int(r, "count_include_pad", 0, &cip)) ||
        (st = attr_int(r, "storage_order", 0, &order)) || (st = only_first_output(r)))
        return st;
    if (k[0] != k[1] || s[0] != s[1])
        return fail(r, PD_EINPUT, "unsupported non-square kernel or stride");
    if (pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3])
        return fail(r, PD_EINPUT, "unsupported unequal pads [%lld, %lld, %lld, %lld]",
                    (long long)pads[0], (long long)pads[1], (long long)pads[2], (long long)pads[3]);
    if (d[0] != 1 || d[1] != 1)
        return fail(r, PD_EINPUT, "unsupported dilations");
    if (order != 0 || (ceil_mode != 0 && ceil_mode != 1) || (cip != 0 && cip != 1))
        return fail(r, PD_EINPUT, "unsupported storage_order, ceil_mode or count_include_pad value");
    if (k[0] < 1)
        return fail(r, PD_EINPUT, "unsupported kernel_shape 0");
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_POOL, &p);
    p.kernel = k[0], p.stride = s[0], p.pad = pads[0], p.mode = mode, p.ceil = ceil_mode;
    p.count_include_pad = mode == PD_POOL_AVG ? cip != 0 : true;
    return add_layer(r, PD_LAYER_POOL, &p, 1, &in, 4, NULL, 0);
}

static pd_status op_global_pool(reader *r, pd_pool_mode mode)
{
    static const char *const known[] = {NULL};
    int32_t in = 0;
    int rank = 0;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = get_data(r, 0, &in, &rank)) ||
        (st = need_rank(r, rank, 4)))
        return st;
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_POOL, &p);
    p.global = true, p.mode = mode;
    return add_layer(r, PD_LAYER_POOL, &p, 1, &in, 4, NULL, 0);
}

/* Gemm or MatMul: an fc whose weight is [O, I] (transposed from [I, O] when trans). */
static pd_status fc(reader *r, const Onnx__TensorProto *w, bool trans, const Onnx__TensorProto *b)
{
    int32_t in = 0;
    int rank = 0;
    pd_status st;
    if ((st = get_data(r, 0, &in, &rank)) || (st = need_rank(r, rank, 2)) ||
        (st = dims_of(r, w, "weight", 2)))
        return st;
    int64_t o = trans ? w->dims[1] : w->dims[0], i = trans ? w->dims[0] : w->dims[1];
    if (o < 1 || i < 1)
        return fail(r, PD_EINPUT, "unsupported empty weight");
    int64_t wd[2] = {o, i};
    ptensor t[2] = {{0}};
    if ((st = weight(r, w, "weight", ".weight", 2, wd, &t[0])))
        return st;
    if (trans) {
        float *tr = alloc_floats(t[0].count);
        if (!tr) {
            free_tensors(t, 2);
            return nomem(r);
        }
        for (int64_t a = 0; a < i; a++)
            for (int64_t c = 0; c < o; c++)
                tr[c * i + a] = t[0].data[a * o + c];
        free(t[0].data);
        t[0].data = tr;
    }
    if (b) {
        if (!(b->n_dims == 1 || (b->n_dims == 2 && b->dims[0] == 1)))
            st = fail(r, PD_EINPUT, "unsupported bias of %zu dimensions ([O] or [1, O] only)",
                      b->n_dims);
        else
            st = weight(r, b, "bias", ".bias", 1, &o, &t[1]);
    }
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_FC, &p);
    p.outputs = o, p.bias = b != NULL;
    if (!st)
        st = add_layer(r, PD_LAYER_FC, &p, 1, &in, 2, t, b ? 2 : 1);
    free_tensors(t, 2);
    return st;
}

static pd_status op_gemm(reader *r)
{
    static const char *const known[] = {"alpha", "beta", "transA", "transB", NULL};
    const Onnx__TensorProto *w, *b = NULL;
    double alpha, beta;
    int64_t ta, tb;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_float(r, "alpha", 1, &alpha)) ||
        (st = attr_float(r, "beta", 1, &beta)) || (st = attr_int(r, "transA", 0, &ta)) ||
        (st = attr_int(r, "transB", 0, &tb)) || (st = get_const(r, 1, "weight", &w)) ||
        (has_input(r, 2) && (st = get_const(r, 2, "bias", &b))))
        return st;
    if (alpha != 1.0 || (b && beta != 1.0))
        return fail(r, PD_EINPUT, "unsupported alpha %g or beta %g (1 only)", alpha, beta);
    if (ta != 0 || (tb != 0 && tb != 1))
        return fail(r, PD_EINPUT, "unsupported transA %lld or transB %lld", (long long)ta,
                    (long long)tb);
    return fc(r, w, tb == 0, b);
}

static pd_status op_matmul(reader *r)
{
    static const char *const known[] = {NULL};
    const Onnx__TensorProto *w;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = get_const(r, 1, "weight", &w)))
        return st;
    return fc(r, w, true, NULL);
}

static bool same_shape(pd_shape a, pd_shape b)
{
    return a.c == b.c && a.h == b.h && a.w == b.w;
}

/* A constant added to an fc without bias that nothing else reads: the fc's bias. */
static pd_status add_bias(reader *r, size_t k_const)
{
    value v = {0};
    const Onnx__TensorProto *c = NULL;
    pd_status st;
    if ((st = get_value(r, 1 - k_const, &v)) || (st = get_const(r, k_const, "constant", &c)))
        return st;
    player *l = v.kind == V_LAYER ? &r->pl[v.layer] : NULL;
    if (!l || l->type != PD_LAYER_FC || l->p.bias || uses_of(r, l->out) != 1 ||
        !(c->n_dims == 1 || (c->n_dims == 2 && c->dims[0] == 1)))
        return fail(r, PD_EINPUT, "unsupported Add of a constant (only a bias [O] after MatMul "
                    "or a Gemm without one)");
    if ((st = weight(r, c, "bias", ".bias", 1, &l->p.outputs, &l->t[l->n_t])))
        return st;
    l->n_t++;
    l->p.bias = true;
    return set_value(r, r->node->output[0], v);
}

static pd_status op_add_mul(reader *r, bool is_mul)
{
    static const char *const known[] = {NULL};
    value a = {0}, b = {0};
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = get_value(r, 0, &a)) || (st = get_value(r, 1, &b)))
        return st;
    if (r->node->n_input != 2)
        return fail(r, PD_EINPUT, "%zu inputs, 2 expected", r->node->n_input);
    if (!is_mul && (a.kind == V_CONST) != (b.kind == V_CONST))
        return add_bias(r, a.kind == V_CONST ? 0 : 1);
    int32_t in[2];
    int ra, rb;
    if ((st = get_data(r, 0, &in[0], &ra)) || (st = get_data(r, 1, &in[1], &rb)))
        return st;
    pd_shape sa = shape_of(r, in[0]), sb = shape_of(r, in[1]);
    pd_layer_params p;
    pd_layer_params_default(is_mul ? PD_LAYER_MUL : PD_LAYER_ADD, &p);
    if (ra == rb && same_shape(sa, sb))
        return add_layer(r, is_mul ? PD_LAYER_MUL : PD_LAYER_ADD, &p, 2, in, ra, NULL, 0);
    if (is_mul && ra == 4 && rb == 4 && sa.c == sb.c && (sa.h * sa.w == 1) != (sb.h * sb.w == 1)) {
        if (sa.h * sa.w == 1) { /* the [C, 1, 1] factor goes second */
            int32_t x = in[0];
            in[0] = in[1], in[1] = x;
        }
        return add_layer(r, PD_LAYER_MUL, &p, 2, in, 4, NULL, 0);
    }
    return fail(r, PD_EINPUT, "unsupported broadcasting of [%lld, %lld, %lld] and [%lld, %lld, %lld]",
                (long long)sa.c, (long long)sa.h, (long long)sa.w, (long long)sb.c, (long long)sb.h,
                (long long)sb.w);
}

static pd_status op_concat(reader *r)
{
    static const char *const known[] = {"axis", NULL};
    int64_t axis;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_int(r, "axis", 1, &axis)))
        return st;
    if (!attr(r, "axis"))
        return fail(r, PD_EINPUT, "attribute \"axis\" is missing");
    size_t n = r->node->n_input;
    if (n < 1 || n > PD_GRAPH_MAX_INPUTS)
        return fail(r, PD_EINPUT, "%zu inputs; 1 to %d supported", n, PD_GRAPH_MAX_INPUTS);
    int32_t *in = malloc(n * sizeof *in);
    if (!in)
        return nomem(r);
    int rank = 0, rk;
    for (size_t k = 0; k < n && !st; k++) {
        st = get_data(r, k, &in[k], &rk);
        if (!st && k > 0 && rk != rank)
            st = fail(r, PD_EINPUT, "inputs of different ranks");
        rank = rk;
    }
    if (!st && (axis < 0 ? axis + rank : axis) != 1)
        st = fail(r, PD_EINPUT, "unsupported axis %lld (1, the channels, only)", (long long)axis);
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_CONCAT, &p);
    if (!st)
        st = add_layer(r, PD_LAYER_CONCAT, &p, n, in, rank, NULL, 0);
    free(in);
    return st;
}

static pd_status op_flatten(reader *r)
{
    static const char *const known[] = {"axis", NULL};
    int32_t in = 0;
    int rank = 0;
    int64_t axis;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_int(r, "axis", 1, &axis)) ||
        (st = get_data(r, 0, &in, &rank)))
        return st;
    if ((axis < 0 ? axis + rank : axis) != 1)
        return fail(r, PD_EINPUT, "unsupported axis %lld (1 only)", (long long)axis);
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_FLATTEN, &p);
    return add_layer(r, PD_LAYER_FLATTEN, &p, 1, &in, 2, NULL, 0);
}

static pd_status op_reshape(reader *r)
{
    static const char *const known[] = {"allowzero", NULL};
    int32_t in = 0;
    int rank = 0;
    int64_t zero, dims[2];
    size_t n;
    const Onnx__TensorProto *t;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_int(r, "allowzero", 0, &zero)) ||
        (st = get_data(r, 0, &in, &rank)) || (st = get_const(r, 1, "shape", &t)) ||
        (st = tensor_ints(r, t, "shape", dims, 2, &n)))
        return st;
    int64_t e = pd_shape_elems(shape_of(r, in));
    bool ok = n == 2 && ((dims[0] == -1 && dims[1] == e) ||
                         ((dims[0] == 1 || (dims[0] == 0 && !zero)) &&
                          (dims[1] == -1 || dims[1] == e)));
    if (!ok)
        return fail(r, PD_EINPUT, "unsupported shape (only [1, -1] or [N, %lld], a flatten)",
                    (long long)e);
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_FLATTEN, &p);
    return add_layer(r, PD_LAYER_FLATTEN, &p, 1, &in, 2, NULL, 0);
}

static pd_status op_bn(reader *r)
{
    static const char *const known[] = {"epsilon", "momentum", "spatial", "is_test",
                                        "training_mode", NULL};
    static const char *const suffix[] = {".weight", ".bias", ".running_mean", ".running_var"};
    static const char *const what[] = {"scale", "B", "mean", "var"};
    int32_t in = 0;
    int rank = 0;
    double eps, momentum;
    int64_t spatial, training;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_float(r, "epsilon", 1e-5, &eps)) ||
        (st = attr_float(r, "momentum", 0.9, &momentum)) ||
        (st = attr_int(r, "spatial", 1, &spatial)) ||
        (st = attr_int(r, "training_mode", 0, &training)) || (st = get_data(r, 0, &in, &rank)) ||
        (st = only_first_output(r)))
        return st;
    if (spatial != 1 || training != 0)
        return fail(r, PD_EINPUT, "unsupported spatial %lld or training_mode %lld",
                    (long long)spatial, (long long)training);
    int64_t c = shape_of(r, in).c;
    ptensor t[4] = {{0}};
    for (size_t k = 0; k < 4 && !st; k++) {
        const Onnx__TensorProto *x;
        if (!(st = get_const(r, k + 1, what[k], &x)) && !(st = dims_of(r, x, what[k], 1)))
            st = weight(r, x, what[k], suffix[k], 1, &c, &t[k]);
    }
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_BN, &p);
    p.eps = eps;
    if (!st)
        st = add_layer(r, PD_LAYER_BN, &p, 1, &in, rank, t, 4);
    free_tensors(t, 4);
    return st;
}

static pd_status op_lrn(reader *r)
{
    static const char *const known[] = {"alpha", "beta", "bias", "size", NULL};
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_LRN, &p);
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_float(r, "alpha", 1e-4, &p.alpha)) ||
        (st = attr_float(r, "beta", 0.75, &p.beta)) || (st = attr_float(r, "bias", 1.0, &p.k)) ||
        (st = attr_int(r, "size", 0, &p.size)))
        return st;
    if (!attr(r, "size"))
        return fail(r, PD_EINPUT, "attribute \"size\" is missing");
    if (p.size % 2 == 0) /* ONNX and PyTorch pad an even window differently */
        return fail(r, PD_EINPUT, "unsupported even size %lld", (long long)p.size);
    int32_t in = 0;
    int rank = 0;
    if ((st = get_data(r, 0, &in, &rank)) || (st = need_rank(r, rank, 4)))
        return st;
    return add_layer(r, PD_LAYER_LRN, &p, 1, &in, 4, NULL, 0);
}

static pd_status op_dropout(reader *r)
{
    static const char *const known[] = {"ratio", "is_test", "seed", NULL};
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_DROPOUT, &p);
    const Onnx__TensorProto *t;
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_float(r, "ratio", 0.5, &p.ratio)) ||
        (st = only_first_output(r)))
        return st;
    if (has_input(r, 1) && ((st = get_const(r, 1, "ratio", &t)) ||
                            (st = scalar_float(r, t, "ratio", &p.ratio))))
        return st;
    if (has_input(r, 2)) {
        int64_t mode = 1;
        size_t n;
        if ((st = get_const(r, 2, "training_mode", &t)))
            return st;
        if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__BOOL || tensor_count(r, t, "training_mode", &n) ||
            n != 1 || (t->has_raw_data ? t->raw_data.len != 1 || (mode = t->raw_data.data[0])
                                       : t->n_int32_data != 1 || (mode = t->int32_data[0])))
            return fail(r, PD_EINPUT, "unsupported training_mode (false only)");
    }
    return simple(r, PD_LAYER_DROPOUT, &p);
}

static pd_status op_clip(reader *r)
{
    static const char *const known[] = {"min", "max", NULL};
    double lo = NAN, hi = NAN;
    pd_status st;
    if ((st = known_attrs(r, known)))
        return st;
    if (r->opset < 11) {
        if ((attr(r, "min") && (st = attr_float(r, "min", 0, &lo))) ||
            (attr(r, "max") && (st = attr_float(r, "max", 0, &hi))))
            return st;
    } else {
        const Onnx__TensorProto *t;
        if (r->node->n_attribute)
            return fail(r, PD_EINPUT, "unsupported attributes min/max at opset %lld (inputs "
                        "since 11)", (long long)r->opset);
        if (has_input(r, 1) && ((st = get_const(r, 1, "min", &t)) ||
                                (st = scalar_float(r, t, "min", &lo))))
            return st;
        if (has_input(r, 2) && ((st = get_const(r, 2, "max", &t)) ||
                                (st = scalar_float(r, t, "max", &hi))))
            return st;
    }
    pd_layer_params p;
    if (lo == 0.0 && isnan(hi)) { /* clamp(min=0): a ReLU */
        pd_layer_params_default(PD_LAYER_RELU, &p);
        return simple(r, PD_LAYER_RELU, &p);
    }
    if (isnan(lo) || isnan(hi))
        return fail(r, PD_EINPUT, "unsupported Clip without both min and max");
    pd_layer_params_default(PD_LAYER_CLIP, &p);
    p.min = lo, p.max = hi;
    return simple(r, PD_LAYER_CLIP, &p);
}

static pd_status op_plain(reader *r, pd_layer_type type)
{
    static const char *const known[] = {NULL};
    pd_layer_params p;
    pd_layer_params_default(type, &p);
    pd_status st = known_attrs(r, known);
    return st ? st : simple(r, type, &p);
}

static pd_status op_hardsigmoid(reader *r)
{
    static const char *const known[] = {"alpha", "beta", NULL};
    pd_layer_params p;
    pd_layer_params_default(PD_LAYER_HARDSIGMOID, &p);
    pd_status st;
    if ((st = known_attrs(r, known)) || (st = attr_float(r, "alpha", 0.2, &p.alpha)) ||
        (st = attr_float(r, "beta", 0.5, &p.beta)))
        return st;
    return simple(r, PD_LAYER_HARDSIGMOID, &p);
}

static pd_status op_identity(reader *r)
{
    value v = {0};
    pd_status st = get_value(r, 0, &v);
    return st ? st : set_value(r, r->node->output[0], v);
}

static pd_status op_constant(reader *r)
{
    static const char *const known[] = {"value", NULL};
    pd_status st = known_attrs(r, known);
    if (st)
        return st;
    const Onnx__AttributeProto *a = attr(r, "value");
    if (!a || !a->t)
        return fail(r, PD_EINPUT, "unsupported: a Constant without a tensor \"value\"");
    return set_value(r, r->node->output[0], (value){V_CONST, -1, 0, a->t});
}

static pd_status read_node(reader *r)
{
    const Onnx__NodeProto *n = r->node;
    if (!n->op_type)
        return fail(r, PD_EINPUT, "no operator");
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
        return fail(r, PD_EINPUT, "unsupported operator domain \"%.64s\"", n->domain);
    if (n->n_output < 1 || !n->output[0] || !n->output[0][0])
        return fail(r, PD_EINPUT, "no output");
    const char *op = n->op_type;
    if (strcmp(op, "Conv") == 0) return op_conv(r);
    if (strcmp(op, "Relu") == 0) return op_plain(r, PD_LAYER_RELU);
    if (strcmp(op, "Sigmoid") == 0) return op_plain(r, PD_LAYER_SIGMOID);
    if (strcmp(op, "HardSwish") == 0) return op_plain(r, PD_LAYER_HARDSWISH);
    if (strcmp(op, "HardSigmoid") == 0) return op_hardsigmoid(r);
    if (strcmp(op, "Clip") == 0) return op_clip(r);
    if (strcmp(op, "MaxPool") == 0) return op_pool(r, PD_POOL_MAX);
    if (strcmp(op, "AveragePool") == 0) return op_pool(r, PD_POOL_AVG);
    if (strcmp(op, "GlobalAveragePool") == 0) return op_global_pool(r, PD_POOL_AVG);
    if (strcmp(op, "GlobalMaxPool") == 0) return op_global_pool(r, PD_POOL_MAX);
    if (strcmp(op, "Gemm") == 0) return op_gemm(r);
    if (strcmp(op, "MatMul") == 0) return op_matmul(r);
    if (strcmp(op, "Flatten") == 0) return op_flatten(r);
    if (strcmp(op, "Reshape") == 0) return op_reshape(r);
    if (strcmp(op, "Add") == 0) return op_add_mul(r, false);
    if (strcmp(op, "Mul") == 0) return op_add_mul(r, true);
    if (strcmp(op, "Concat") == 0) return op_concat(r);
    if (strcmp(op, "BatchNormalization") == 0) return op_bn(r);
    if (strcmp(op, "LRN") == 0) return op_lrn(r);
    if (strcmp(op, "Dropout") == 0) return op_dropout(r);
    if (strcmp(op, "Identity") == 0) return op_identity(r);
    if (strcmp(op, "Constant") == 0) return op_constant(r);
    return fail(r, PD_EINPUT, "unsupported operator");
}

/* ---- the model ---- */

static pd_status read_opset(reader *r, const Onnx__ModelProto *m)
{
    r->opset = -1;
    for (size_t k = 0; k < m->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[k];
        if (!o->domain || !o->domain[0] || strcmp(o->domain, "ai.onnx") == 0)
            r->opset = o->has_version ? o->version : 1;
    }
    if (r->opset < 7)
        return pd_error_set(r->err, PD_EINPUT, "unsupported opset %lld (7 or later; none: not "
                            "an ONNX model?)", (long long)r->opset);
    return PD_OK;
}

static bool is_initializer(const reader *r, const char *name)
{
    int32_t i = pd_name_index_get(&r->vix, name);
    return i >= 0 && r->vals[i].kind == V_CONST;
}

/* The one graph input that is not an initializer: float, [1, C, H, W] or [C, H, W]. */
static pd_status read_input(reader *r)
{
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t k = 0; k < r->gp->n_input; k++) {
        const Onnx__ValueInfoProto *v = r->gp->input[k];
        if (!v->name || is_initializer(r, v->name))
            continue;
        if (in)
            return pd_error_set(r->err, PD_EINPUT, "unsupported second input \"%.64s\" (one "
                                "input only)", v->name);
        in = v;
    }
    if (!in)
        return pd_error_set(r->err, PD_EINPUT, "the graph has no input");
    const char *name = in->name;
    const Onnx__TypeProto *t = in->type;
    if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type ||
        !t->tensor_type->shape)
        return pd_error_set(r->err, PD_EINPUT, "input \"%.64s\": a tensor of known shape is needed",
                            name);
    if (t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
        return pd_error_set(r->err, PD_EINPUT, "input \"%.64s\": unsupported data type %d "
                            "(float32 only)", name, (int)t->tensor_type->elem_type);
    const Onnx__TensorShapeProto *s = t->tensor_type->shape;
    if (s->n_dim != 4 && s->n_dim != 3)
        return pd_error_set(r->err, PD_EINPUT, "input \"%.64s\": unsupported shape of %zu "
                            "dimensions ([1, C, H, W] or [C, H, W])", name, s->n_dim);
    int64_t d[4];
    size_t first = s->n_dim == 4 ? 1 : 0;
    for (size_t k = 0; k < s->n_dim; k++) {
        const Onnx__TensorShapeProto__Dimension *x = s->dim[k];
        bool known = x->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (k < first) {
            if (known && x->dim_value != 1)
                return pd_error_set(r->err, PD_EINPUT, "input \"%.64s\": unsupported batch %lld "
                                    "(1 or symbolic)", name, (long long)x->dim_value);
            continue;
        }
        if (!known || x->dim_value < 1 || x->dim_value > 1048576)
            return pd_error_set(r->err, PD_EINPUT, "input \"%.64s\": dimension %zu must be a "
                                "number in 1..1048576", name, k + 1);
        d[k - first] = x->dim_value;
    }
    r->input = (pd_shape){d[0], d[1], d[2]};
    return set_value(r, name, (value){V_INPUT, PD_TENSOR_INPUT, 4, NULL});
}

/* The tensors every node and output reads, counted. */
static pd_status count_uses(reader *r)
{
    const Onnx__GraphProto *gp = r->gp;
    size_t n = gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++)
        n += gp->node[i]->n_input;
    if (!(r->uses = calloc(n ? n : 1, sizeof *r->uses)) || pd_name_index_init(&r->uix, n ? n : 1))
        return nomem(r);
    for (size_t i = 0; i <= gp->n_node; i++) {
        size_t m = i < gp->n_node ? gp->node[i]->n_input : gp->n_output;
        for (size_t k = 0; k < m; k++) {
            const char *name = i < gp->n_node ? gp->node[i]->input[k] : gp->output[k]->name;
            if (!name || !name[0])
                continue;
            int32_t at = pd_name_index_get(&r->uix, name);
            if (at < 0) {
                at = (int32_t)r->n_uses++;
                if (pd_name_index_add(&r->uix, name, at) < 0)
                    return nomem(r);
            }
            r->uses[at]++;
        }
    }
    return PD_OK;
}

/* Exit accuracies from the metadata, in output order. */
static pd_status read_accuracies(reader *r, const Onnx__ModelProto *m, double *acc, bool *given)
{
    *given = false;
    for (size_t k = 0; k < m->n_metadata_props; k++) {
        const Onnx__StringStringEntryProto *e = m->metadata_props[k];
        if (!e->key || strcmp(e->key, ACC_KEY) != 0)
            continue;
        const char *s = e->value ? e->value : "";
        size_t i = 0;
        while (*s) {
            char *end;
            double v = strtod(s, &end);
            if (end == s || !(v >= 0.0 && v <= 1.0) || i == r->gp->n_output)
                return pd_error_set(r->err, PD_EINPUT, "metadata \"%s\": %zu numbers in [0, 1] "
                                    "expected, one per output, comma-separated", ACC_KEY,
                                    r->gp->n_output);
            acc[i++] = v;
            s = end;
            while (*s == ' ')
                s++;
            if (*s == ',')
                s++;
            else if (*s)
                return pd_error_set(r->err, PD_EINPUT, "metadata \"%s\": unexpected \"%.8s\"",
                                    ACC_KEY, s);
        }
        if (i != r->gp->n_output)
            return pd_error_set(r->err, PD_EINPUT, "metadata \"%s\": %zu accuracies for %zu "
                                "outputs", ACC_KEY, i, r->gp->n_output);
        *given = true;
    }
    return PD_OK;
}

/* Every graph output an exit, the layer named after it. */
static pd_status mark_exits(reader *r)
{
    const Onnx__GraphProto *gp = r->gp;
    if (gp->n_output == 0)
        return pd_error_set(r->err, PD_EINPUT, "the graph has no output");
    for (size_t k = 0; k < gp->n_output; k++) {
        const char *name = gp->output[k]->name ? gp->output[k]->name : "";
        int32_t i = pd_name_index_get(&r->vix, name);
        if (i < 0 || r->vals[i].kind != V_LAYER)
            return pd_error_set(r->err, PD_EINPUT, "output \"%.64s\": unsupported (not computed "
                                "by a layer)", name);
        player *l = &r->pl[r->vals[i].layer];
        if (l->exit >= 0)
            return pd_error_set(r->err, PD_EINPUT, "outputs \"%.64s\" and \"%.64s\" are one "
                                "tensor", gp->output[l->exit]->name, name);
        l->exit = (int)k;
        char *copy = pd_strdup(name);
        if (!copy)
            return nomem(r);
        free(l->name);
        l->name = copy;
    }
    return PD_OK;
}

/* Layers ordered so that exits come in output order: each exit's not yet listed ancestors
 * (in file order), then the exit. order[j] is the first pass's index of layer j. */
static pd_status order_layers(reader *r, int32_t *order, int32_t *new_index)
{
    size_t n = r->n_pl, at = 0;
    bool *mark = malloc(n * sizeof *mark);
    if (!mark)
        return nomem(r);
    for (size_t i = 0; i < n; i++)
        new_index[i] = -1;
    pd_status st = PD_OK;
    for (size_t k = 0; k < r->gp->n_output && !st; k++) {
        size_t e = 0;
        while (r->pl[e].exit != (int)k)
            e++;
        if (new_index[e] >= 0) {
            st = pd_error_set(r->err, PD_EINPUT, "output \"%.64s\" feeds an output listed before "
                              "it: list the outputs in the order a sample reaches them",
                              r->pl[e].name);
            break;
        }
        memset(mark, 0, n * sizeof *mark);
        mark[e] = true;
        for (size_t i = e + 1; i-- > 0;)
            for (size_t j = 0; mark[i] && j < r->pl[i].n_in; j++)
                if (r->pl[i].in[j] >= 0)
                    mark[r->pl[i].in[j]] = true;
        for (size_t i = 0; i <= e; i++)
            if (mark[i] && new_index[i] < 0) {
                new_index[i] = (int32_t)at;
                order[at++] = (int32_t)i;
            }
    }
    for (size_t i = 0; i < n && !st; i++)
        if (new_index[i] < 0)
            st = pd_error_set(r->err, PD_EINPUT, "node \"%.64s\" (%.32s): leads to no graph "
                              "output", r->pl[i].node, r->pl[i].op);
    free(mark);
    return st;
}

static pd_status build_weights(reader *r, const int32_t *order, pd_weights **out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_pl; i++)
        n += r->pl[i].n_t;
    pd_weights *w = calloc(1, sizeof *w);
    if (!w || !(w->tensors = calloc(n ? n : 1, sizeof *w->tensors))) {
        free(w);
        return nomem(r);
    }
    for (size_t j = 0; j < r->n_pl; j++) {
        player *l = &r->pl[order[j]];
        for (size_t k = 0; k < l->n_t; k++) {
            pd_named_tensor *t = &w->tensors[w->n];
            size_t len = strlen(l->name) + strlen(l->t[k].suffix) + 1;
            if (!(t->name = malloc(len))) {
                pd_weights_free(w);
                return nomem(r);
            }
            w->n++;
            snprintf(t->name, len, "%s%s", l->name, l->t[k].suffix);
            t->ndim = l->t[k].ndim;
            memcpy(t->dims, l->t[k].dims, sizeof l->t[k].dims);
            t->count = l->t[k].count;
            t->data = l->t[k].data;
            l->t[k].data = NULL;
        }
    }
    pd_status st = pd_weights_pack(w, r->err);
    if (st) {
        pd_weights_free(w);
        return st;
    }
    *out = w;
    return PD_OK;
}

static pd_status build_graph(reader *r, const char *name, const double *acc, bool has_acc,
                             pd_graph **g, pd_weights **w)
{
    size_t n = r->n_pl;
    int32_t *order = malloc((n ? n : 1) * sizeof *order),
            *new_index = malloc((n ? n : 1) * sizeof *new_index), *in = NULL;
    pd_graph_builder *b = NULL;
    pd_status st = !order || !new_index ? nomem(r) : PD_OK;
    if (!st)
        st = order_layers(r, order, new_index);
    if (!st)
        st = pd_graph_builder_new(name, NULL, r->input, n, &b, r->err);
    for (size_t j = 0; j < n && !st; j++) {
        const player *l = &r->pl[order[j]];
        free(in);
        if (!(in = malloc(l->n_in * sizeof *in))) {
            st = nomem(r);
            break;
        }
        for (size_t k = 0; k < l->n_in; k++)
            in[k] = l->in[k] < 0 ? PD_TENSOR_INPUT : new_index[l->in[k]];
        pd_layer_spec s = {.name = l->name, .type = l->type, .p = l->p, .n_inputs = l->n_in,
                           .inputs = in, .is_exit = l->exit >= 0};
        if (s.is_exit && has_acc) {
            s.has_accuracy = true;
            s.accuracy = acc[l->exit];
        }
        st = pd_graph_builder_add(b, &s, r->err);
    }
    free(in);
    if (!st) {
        st = pd_graph_builder_finish(b, g, r->err);
        b = NULL;
    }
    if (!st && w && (st = build_weights(r, order, w))) {
        pd_graph_free(*g);
        *g = NULL;
    }
    pd_graph_builder_free(b);
    free(order);
    free(new_index);
    return st;
}

static pd_status read_model(reader *r, const Onnx__ModelProto *m, const char *name, pd_graph **g,
                            pd_weights **w)
{
    pd_status st;
    if ((st = read_opset(r, m)))
        return st;
    if (!m->graph)
        return pd_error_set(r->err, PD_EINPUT, "the model has no graph");
    const Onnx__GraphProto *gp = r->gp = m->graph;
    if (gp->n_sparse_initializer)
        return pd_error_set(r->err, PD_EINPUT, "unsupported sparse initializers");
    double cap = (double)gp->n_initializer + 1.0;
    for (size_t i = 0; i < gp->n_node; i++)
        cap += (double)gp->node[i]->n_output;
    if (cap > 1e8)
        return pd_error_set(r->err, PD_ELIMIT, "too many tensors (%.0f)", cap);
    r->cap_vals = (size_t)cap;
    if (!(r->vals = calloc(r->cap_vals, sizeof *r->vals)) ||
        pd_name_index_init(&r->vix, r->cap_vals) ||
        !(r->pl = calloc(gp->n_node ? gp->n_node : 1, sizeof *r->pl)))
        return nomem(r);
    for (size_t k = 0; k < gp->n_initializer; k++) {
        const Onnx__TensorProto *t = gp->initializer[k];
        if (!t->name || !t->name[0])
            return pd_error_set(r->err, PD_EINPUT, "initializer %zu has no name", k + 1);
        if ((st = set_value(r, t->name, (value){V_CONST, -1, 0, t})))
            return st;
    }
    if ((st = read_input(r)) || (st = count_uses(r)))
        return st;
    if ((st = pd_graph_builder_new(name, NULL, r->input, gp->n_node ? gp->n_node : 1, &r->b,
                                   r->err)))
        return st;
    for (size_t i = 0; i < gp->n_node; i++) {
        r->node = gp->node[i];
        if ((st = read_node(r)))
            return st;
    }
    r->node = NULL;
    double *acc = calloc(gp->n_output ? gp->n_output : 1, sizeof *acc);
    bool has_acc = false;
    if (!acc)
        return nomem(r);
    if (!(st = read_accuracies(r, m, acc, &has_acc)) && !(st = mark_exits(r)))
        st = build_graph(r, name, acc, has_acc, g, w);
    free(acc);
    return st;
}

static void reader_free(reader *r)
{
    for (size_t i = 0; i < r->n_pl; i++) {
        free(r->pl[i].name);
        free(r->pl[i].in);
        free_tensors(r->pl[i].t, r->pl[i].n_t);
    }
    free(r->pl);
    free(r->vals);
    free(r->uses);
    if (r->vix.keys)
        pd_name_index_free(&r->vix);
    if (r->uix.keys)
        pd_name_index_free(&r->uix);
    pd_graph_builder_free(r->b);
}

pd_status pd_onnx_parse(const uint8_t *bytes, size_t len, const char *source, const char *name,
                        pd_graph **g, pd_weights **w, pd_error *err)
{
    *g = NULL;
    if (w)
        *w = NULL;
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, bytes);
    if (!m)
        return pd_error_set(err, PD_EINPUT, "%s: not a valid ONNX (protobuf) model", source);
    reader r = {.err = err};
    pd_status st = read_model(&r, m, name && name[0] ? name : "onnx", g, w);
    reader_free(&r);
    onnx__model_proto__free_unpacked(m, NULL);
    return st ? pd_error_prefix(err, source) : PD_OK;
}
