/* Reading whole files with a size bound, errors naming the path. */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

pd_status pd_read_file(const char *path, size_t max, char **out, size_t *len, pd_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) /* a path that cannot be opened is the user's to fix */
        return pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return pd_error_set(err, PD_EINPUT, "%s: not a regular file", path);
    }
    if ((size_t)st.st_size > max) {
        fclose(f);
        return pd_error_set(err, PD_EINPUT, "%s: %lld bytes is larger than the limit of %zu",
                            path, (long long)st.st_size, max);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    }
    size_t got = fread(buf, 1, size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != size) {
        free(buf);
        return pd_error_set(err, PD_EIO, "%s: read failed", path);
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return PD_OK;
}
