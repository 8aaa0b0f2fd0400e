/* FNV-1a 64: one hash of bytes for the places that key, compare or index by content (names
 * of layers, sweep points, the models a fit's folds group, the wire's model and plan). */
#ifndef PD_HASH_H
#define PD_HASH_H

#include <stddef.h>
#include <stdint.h>

#define PD_FNV1A_BASIS 0xcbf29ce484222325ull /* FNV-1a 64's offset basis */

/* The hash of len bytes continued from h (PD_FNV1A_BASIS to start): chains. */
uint64_t pd_fnv1a(uint64_t h, const void *bytes, size_t len);
/* The same over a string's bytes, its terminator left out. */
uint64_t pd_fnv1a_str(uint64_t h, const char *s);

#endif
