/* Output folders and gnuplot: the experiments write data and scripts, gnuplot draws. */
#include "plot.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

pd_status out_mkdir(const char *path, pd_error *err)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf || !*path)
        return pd_error_set(err, PD_EINPUT, "output folder \"%s\": empty or too long", path);
    strcpy(buf, path);
    for (char *c = buf + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char keep = *c;
            *c = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return pd_error_set(err, PD_EINPUT, "%s: %s", buf, strerror(errno));
            *c = keep;
            if (!keep)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return pd_error_set(err, PD_EINPUT, "%s: not a folder", path);
    return PD_OK;
}

FILE *out_open(const char *dir, const char *name, pd_error *err)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        pd_error_set(err, PD_EINPUT, "%s: %s", path, strerror(errno));
    return f;
}

pd_status out_close(FILE *f, const char *dir, const char *name, pd_error *err)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? pd_error_set(err, PD_EIO, "%s/%s: write failed", dir, name) : PD_OK;
}

pd_status plot_run(const char *dir, const char *script, pd_error *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return pd_error_set(err, PD_EIO, "gnuplot: cannot start a process: %s", strerror(errno));
    if (pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return pd_error_set(err, PD_EIO, "gnuplot: %s", strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return pd_error_set(err, PD_EIO,
                            "gnuplot not found: the data and %s/%s are written; install gnuplot "
                            "(apt-get install gnuplot-nox) to draw the pictures",
                            dir, script);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return pd_error_set(err, PD_EIO, "gnuplot failed on %s/%s", dir, script);
    return PD_OK;
}
