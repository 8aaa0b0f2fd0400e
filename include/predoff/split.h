/* Which tensors cross which link, and in which message, when one request to an exit runs
 * across the tiers under a placement (docs/PROTOCOL.md, "Which tensors a message
 * carries"). The rule is the cost model's (../shared/spec/cost-model.md): a tensor crosses
 * each link at most once per request, away from the tier that made it, when a layer of
 * A(k) that reads it (or, for the exit's output, the mobile) lies beyond that link; the
 * cloud is reached only through the edge. */
#ifndef PREDOFF_SPLIT_H
#define PREDOFF_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "predoff/error.h"
#include "predoff/scenario.h"
#include "predoff/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The two links, each way. */
typedef enum pd_link_dir {
    PD_TO_EDGE,    /* mobile -> edge */
    PD_TO_CLOUD,   /* edge -> cloud */
    PD_FROM_CLOUD, /* cloud -> edge */
    PD_TO_MOBILE,  /* edge -> mobile */
    PD_LINK_DIRS
} pd_link_dir;

/* "mobile -> edge" and so on, for messages. */
const char *pd_link_dir_name(pd_link_dir d);

/* One request runs the layers of A(k) one at a time in topological order (`list`, the
 * order pd_topology_sub_list gives: position p runs list[p]). Cut c (0..len) lies before
 * position c; control passes from the tier of position c - 1 (the mobile for c = 0) to the
 * tier of position c (the mobile for c = len: the result returns there). Where the two
 * differ the tiers hand the request over at that cut, and a message crosses each link
 * direction on the way.
 *
 * pd_split_crossings writes, for each tensor A(k) needs and each link direction d, the cut
 * whose hand-over carries it across d, or -1 when it does not cross d:
 * cut[(q + 1) * PD_LINK_DIRS + d] for q = -1 (the network input, made on the mobile) to
 * len - 1 (the output of list[q]); (len + 1) * PD_LINK_DIRS entries. It crosses d exactly
 * when the cost model charges that crossing. Towards the cloud a tensor goes as late as
 * it can (in the last hand-over across the link before its first reader beyond it), so
 * that a server holds it for the shortest time; towards the mobile as early as it can
 * (in the first hand-over after it is made, or reaches the edge). tier_of is indexed by
 * layer. Only PD_ENOMEM fails. */
pd_status pd_split_crossings(const pd_topology *t, size_t k, const int32_t *list, size_t len,
                             const pd_tier *tier_of, int32_t *cut, pd_error *err);

/* Whether the hand-over at cut c (0..len) crosses direction d, for a request whose
 * position p runs on at[p] (len positions). */
bool pd_split_handover(const pd_tier *at, size_t len, size_t c, pd_link_dir d);

#ifdef __cplusplus
}
#endif
#endif
