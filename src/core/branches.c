/* Splits a tree of layers into branches: the chain through the deepest child
 * goes on, every other child starts a branch. Iterative: trees may be deep. */
#include <stdlib.h>
#include <string.h>

#include "predoff/branches.h"

pd_status pd_branches_build(size_t n, const int32_t *parent, pd_branches *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    size_t *height = calloc(n, sizeof *height);
    int32_t *main_child = malloc(n * sizeof *main_child);
    int32_t *stack = malloc(n * sizeof *stack);
    size_t *n_children = calloc(n + 1, sizeof *n_children);
    int32_t *children = malloc(n * sizeof *children);
    out->order = malloc(n * sizeof *out->order);
    out->start = malloc((n + 1) * sizeof *out->start);
    pd_status st = PD_OK;
    if (!height || !main_child || !stack || !n_children || !children || !out->order ||
        !out->start) {
        st = pd_error_set(err, PD_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        main_child[i] = -1;
    /* heights bottom up; the main child is the tallest, the first on ties */
    for (size_t v = n; v-- > 0;) {
        int32_t p = parent[v];
        if (p < 0)
            continue;
        size_t h = height[v] + 1;
        if (main_child[p] < 0 || h > height[p] || (h == height[p] && (int32_t)v < main_child[p])) {
            main_child[p] = (int32_t)v;
            height[p] = h;
        }
    }
    /* children in index order (counting sort by parent) */
    for (size_t v = 0; v < n; v++)
        if (parent[v] >= 0)
            n_children[parent[v] + 1]++;
    for (size_t i = 0; i < n; i++)
        n_children[i + 1] += n_children[i];
    {
        size_t *fill = calloc(n, sizeof *fill);
        if (!fill) {
            st = pd_error_set(err, PD_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t v = 0; v < n; v++)
            if (parent[v] >= 0) {
                size_t p = (size_t)parent[v];
                children[n_children[p] + fill[p]++] = (int32_t)v;
            }
        free(fill);
    }
    /* depth first over branch heads: roots first, in index order */
    size_t top = 0, pos = 0;
    for (size_t v = n; v-- > 0;)
        if (parent[v] < 0)
            stack[top++] = (int32_t)v;
    while (top) {
        int32_t head = stack[--top];
        out->start[out->n_branches++] = pos;
        size_t first_side = top;
        for (int32_t v = head; v >= 0; v = main_child[v]) {
            out->order[pos++] = v;
            for (size_t c = n_children[v]; c < n_children[v + 1]; c++)
                if (children[c] != main_child[v])
                    stack[top++] = children[c];
        }
        /* the side branches met first must come out first */
        for (size_t a = first_side, b = top; a + 1 < b; a++, b--) {
            int32_t t = stack[a];
            stack[a] = stack[b - 1];
            stack[b - 1] = t;
        }
    }
    out->start[out->n_branches] = pos;
done:
    free(height);
    free(main_child);
    free(stack);
    free(n_children);
    free(children);
    if (st)
        pd_branches_free(out);
    return st;
}

void pd_branches_free(pd_branches *b)
{
    if (b) {
        free(b->start);
        free(b->order);
        b->start = NULL;
        b->order = NULL;
        b->n_branches = 0;
    }
}
