/* A tree of layers seen as branches: the trunk, then side branches, depth first. */
#ifndef PREDOFF_BRANCHES_H
#define PREDOFF_BRANCHES_H

#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A branch continues through the child with the deepest subtree (ties: the
 * lower index), so the trunk is the longest path; other children start new
 * branches. Branch b holds order[start[b] .. start[b+1]). */
typedef struct pd_branches {
    size_t n_branches;
    size_t *start;  /* [n_branches + 1] */
    int32_t *order; /* [n_layers]: layer indices, branch by branch */
} pd_branches;

/* parent[i] < i, or -1 for a layer reading the network input. */
pd_status pd_branches_build(size_t n, const int32_t *parent, pd_branches *out, pd_error *err);
void pd_branches_free(pd_branches *b);

#ifdef __cplusplus
}
#endif
#endif
