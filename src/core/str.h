/* Owned copies of strings. */
#ifndef PD_STR_H
#define PD_STR_H

/* A new copy of s (the caller frees it), or NULL when out of memory. */
char *pd_strdup(const char *s);

#endif
