/* Which tensors cross which link in which hand-over: the cost model's crossings, timed. */
#include <stdlib.h>

#include "predoff/split.h"

const char *pd_link_dir_name(pd_link_dir d)
{
    static const char *const names[PD_LINK_DIRS] = {"mobile -> edge", "edge -> cloud",
                                                    "cloud -> edge", "edge -> mobile"};
    return d < PD_LINK_DIRS ? names[d] : "?";
}

bool pd_split_handover(const pd_tier *at, size_t len, size_t c, pd_link_dir d)
{
    if (c > len)
        return false;
    pd_tier from = c ? at[c - 1] : PD_TIER_MOBILE, to = c < len ? at[c] : PD_TIER_MOBILE;
    switch (d) {
    case PD_TO_EDGE:
        return from == PD_TIER_MOBILE && to != PD_TIER_MOBILE;
    case PD_TO_CLOUD:
        return from != PD_TIER_CLOUD && to == PD_TIER_CLOUD;
    case PD_FROM_CLOUD:
        return from == PD_TIER_CLOUD && to != PD_TIER_CLOUD;
    case PD_TO_MOBILE:
        return from != PD_TIER_MOBILE && to == PD_TIER_MOBILE;
    default:
        return false;
    }
}

enum { NONE = -1 };

pd_status pd_split_crossings(const pd_topology *t, size_t k, const int32_t *list, size_t len,
                             const pd_tier *tier_of, int32_t *cut, pd_error *err)
{
    const size_t cuts = len + 1;
    int32_t *pos_of = malloc((t->n_layers ? t->n_layers : 1) * sizeof *pos_of);
    pd_tier *at = malloc((len ? len : 1) * sizeof *at);
    /* per direction and cut: the last hand-over at or before it, the first at or after */
    int32_t *last = malloc(PD_LINK_DIRS * cuts * sizeof *last);
    int32_t *first = malloc(PD_LINK_DIRS * cuts * sizeof *first);
    if (!pos_of || !at || !last || !first) {
        free(pos_of);
        free(at);
        free(last);
        free(first);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n_layers; i++)
        pos_of[i] = NONE;
    for (size_t p = 0; p < len; p++) {
        pos_of[list[p]] = (int32_t)p;
        at[p] = tier_of[list[p]];
    }
    for (int d = 0; d < PD_LINK_DIRS; d++) {
        int32_t *l = last + (size_t)d * cuts, *f = first + (size_t)d * cuts;
        for (size_t c = 0; c < cuts; c++)
            l[c] = pd_split_handover(at, len, c, (pd_link_dir)d) ? (int32_t)c
                   : c                                          ? l[c - 1]
                                                                : NONE;
        for (size_t c = cuts; c-- > 0;)
            f[c] = pd_split_handover(at, len, c, (pd_link_dir)d) ? (int32_t)c
                   : c + 1 < cuts                               ? f[c + 1]
                                                                : NONE;
    }
#define LAST(d, c) last[(size_t)(d) * cuts + (size_t)(c)]
#define FIRST(d, c) first[(size_t)(d) * cuts + (size_t)(c)]
    for (size_t e = 0; e < cuts; e++) {
        const int32_t q = (int32_t)e - 1; /* the tensor's position; -1 the input */
        int32_t *x = cut + e * PD_LINK_DIRS;
        for (int d = 0; d < PD_LINK_DIRS; d++)
            x[d] = NONE;
        const int32_t u = q < 0 ? PD_TENSOR_INPUT : list[q];
        const pd_tier s = q < 0 ? PD_TIER_MOBILE : at[q];
        /* the first position of each tier reading it: len for the mobile's reading of the
         * exit's output (the result) */
        size_t reader[PD_TIER_COUNT] = {cuts, cuts, cuts}, n;
        const int32_t *rd = pd_topology_readers(t, u, &n);
        for (size_t j = 0; j < n; j++) {
            int32_t r = pos_of[rd[j]];
            if (r != NONE && (size_t)r < reader[at[r]])
                reader[at[r]] = (size_t)r;
        }
        if (q >= 0 && list[q] == t->exits[k])
            reader[PD_TIER_MOBILE] = len;
        const size_t up = reader[PD_TIER_EDGE] < reader[PD_TIER_CLOUD] ? reader[PD_TIER_EDGE]
                                                                        : reader[PD_TIER_CLOUD];
        /* up as late as it can: the last hand-over across the link before the first reader
         * beyond it; there is one after the tensor is made, since control crosses there */
        if (s == PD_TIER_MOBILE && up < cuts)
            x[PD_TO_EDGE] = LAST(PD_TO_EDGE, up);
        if (s != PD_TIER_CLOUD && reader[PD_TIER_CLOUD] < cuts)
            x[PD_TO_CLOUD] = LAST(PD_TO_CLOUD, reader[PD_TIER_CLOUD]);
        /* down as early as it can: the first hand-over across the link after it is made, or
         * after it reached the edge */
        int32_t at_edge = s == PD_TIER_EDGE ? q + 1 : NONE;
        if (s == PD_TIER_CLOUD && (reader[PD_TIER_EDGE] < cuts || reader[PD_TIER_MOBILE] < cuts))
            at_edge = x[PD_FROM_CLOUD] = FIRST(PD_FROM_CLOUD, q + 1);
        if (s != PD_TIER_MOBILE && reader[PD_TIER_MOBILE] < cuts && at_edge != NONE)
            x[PD_TO_MOBILE] = FIRST(PD_TO_MOBILE, at_edge);
    }
#undef LAST
#undef FIRST
    free(pos_of);
    free(at);
    free(last);
    free(first);
    return PD_OK;
}
