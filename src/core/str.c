/* Owned copies of strings (strdup is POSIX, not C11). */
#include "str.h"

#include <stdlib.h>
#include <string.h>

char *pd_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}
