/* Memory in whole pages for long-lived buffers (a model's weights, a net's prepared weights,
 * activations and scratch): one mapping, 2 MiB-aligned and asked to be backed by transparent
 * huge pages where the kernel offers them (MADV_HUGEPAGE; with THP "never", or off Linux, it
 * is plain pages). Buffers carved from one block sit on a few huge pages wherever malloc
 * would have put them, so the TLB misses a layer pays do not depend on where in the heap
 * its weights fell: the same layer costs the same in any model (docs/PERFORMANCE.md). */
#ifndef PD_PAGES_H
#define PD_PAGES_H

#include <stddef.h>

/* A zeroed block of at least `bytes` (NULL when out of memory or bytes is 0). */
void *pd_pages_alloc(size_t bytes);
/* Frees a block from pd_pages_alloc of that size (NULL: nothing). */
void pd_pages_free(void *p, size_t bytes);

/* Laying buffers out in a block: pd_pages_carve gives the offset of a buffer of `count`
 * elements of `size` bytes at *at and moves *at past it, each buffer on cache lines of its own with a guard line after
 * it (a size that would pass SIZE_MAX leaves *at at SIZE_MAX, which no block has). Once
 * the block of *at bytes is made, pd_pages_place gives the buffer at that offset and, under
 * AddressSanitizer, poisons its guard so that an overflow into the next buffer is caught. */
size_t pd_pages_carve(size_t *at, size_t count, size_t size);
void *pd_pages_place(void *block, size_t offset, size_t bytes);

#endif
