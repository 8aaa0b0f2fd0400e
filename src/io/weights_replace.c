/* Weights written atomically: a crash or a full disk never leaves a half-written file
 * where a good one was. The new file is a new inode: a symbolic link at PATH is replaced,
 * not followed, and the file gets the process's default permissions. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predoff/io.h"

/* Makes the file's data reach the disk before the rename publishes it. */
static pd_status sync_file(const char *path, pd_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return pd_error_set(err, PD_EIO, "%s: cannot reopen to sync: %s", path, strerror(errno));
    int bad = fsync(fd) != 0;
    int e = errno;
    close(fd);
    return bad ? pd_error_set(err, PD_EIO, "%s: fsync failed: %s", path, strerror(e)) : PD_OK;
}

/* Makes the rename itself durable: the directory entry reaches the disk too. */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) { /* best effort: the file is whole either way */
        (void)fsync(fd);
        close(fd);
    }
}

pd_status pd_weights_replace_safetensors(const pd_weights *w, const char *path, pd_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return pd_error_set(err, PD_ENOMEM, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    pd_status st = pd_weights_write_safetensors(w, tmp, err);
    if (!st && (st = sync_file(tmp, err)) == PD_OK && rename(tmp, path) != 0)
        st = pd_error_set(err, PD_EIO, "%s: cannot rename %s over it: %s", path, tmp,
                          strerror(errno));
    if (st)
        remove(tmp);
    else
        sync_dir_of(path);
    free(tmp);
    return st;
}
