/* Reading whole files with a size bound. */
#ifndef PD_FILE_H
#define PD_FILE_H

#include <stddef.h>

#include "predoff/error.h"

enum { PD_MAX_TEXT_FILE = 256 << 20 }; /* 256 MiB: far above any model or profile */

/* Reads the file at path into a new NUL-terminated buffer *out (caller frees).
 * A file that cannot be opened, or is larger than max, is PD_EINPUT; a failed read PD_EIO. */
pd_status pd_read_file(const char *path, size_t max, char **out, size_t *len, pd_error *err);

#endif
