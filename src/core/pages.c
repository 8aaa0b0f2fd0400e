/* Whole pages from mmap, 2 MiB-aligned, asked for transparent huge pages, and buffers laid
 * out in them (pages.h). */
#define _DEFAULT_SOURCE
#include "core/pages.h"

#include <stdint.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define PD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PD_ASAN 1
#endif
#endif
#ifdef PD_ASAN
#include <sanitizer/asan_interface.h>
#endif

enum { HUGE_PAGE = 2u << 20, LINE = 64 };

/* bytes rounded up to whole huge pages; 0 when that overflows. */
static size_t rounded(size_t bytes)
{
    return bytes > SIZE_MAX - HUGE_PAGE ? 0 : (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

void *pd_pages_alloc(size_t bytes)
{
    size_t size = rounded(bytes);
    if (size == 0 || size > SIZE_MAX - HUGE_PAGE)
        return NULL;
    /* Map one huge page more and trim to an aligned start, so every huge page of the block
     * can be one. */
    size_t span = size + HUGE_PAGE;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t at = ((uintptr_t)raw + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    char *p = (char *)at;
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (raw + span > p + size)
        munmap(p + size, (size_t)(raw + span - (p + size)));
#ifdef MADV_HUGEPAGE
    madvise(p, size, MADV_HUGEPAGE); /* a hint: without THP the block is plain pages */
#endif
    return p;
}

void pd_pages_free(void *p, size_t bytes)
{
    if (!p)
        return;
#ifdef PD_ASAN
    ASAN_UNPOISON_MEMORY_REGION(p, rounded(bytes));
#endif
    munmap(p, rounded(bytes));
}

/* bytes rounded up to whole cache lines (at least one); 0 when that overflows. */
static size_t lines(size_t bytes)
{
    return bytes > SIZE_MAX - 2 * LINE ? 0 : ((bytes ? bytes : 1) + LINE - 1) / LINE * LINE;
}

size_t pd_pages_carve(size_t *at, size_t count, size_t size)
{
    size_t offset = *at, span = size && count > SIZE_MAX / size ? 0 : lines(count * size);
    *at = span == 0 || *at > SIZE_MAX - span - LINE ? SIZE_MAX : *at + span + LINE;
    return offset;
}

void *pd_pages_place(void *block, size_t offset, size_t bytes)
{
    char *p = (char *)block + offset;
#ifdef PD_ASAN
    ASAN_POISON_MEMORY_REGION(p + lines(bytes), LINE);
#else
    (void)bytes;
#endif
    return p;
}
