/* A profile written to a file, its boosted entries' XGBoost models beside it: T.json's conv
 * model in T.conv.xgb.json, a kind's with its slash as a dash (T.conv-depthwise.xgb.json),
 * the names relative to the profile (formats.md, "learned models"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cost/boosted.h"
#include "measure/profile_write.h"

/* "dir/T.conv.xgb.json" for entry e of the profile at path into full, "T.conv.xgb.json"
 * (relative to the profile) into name. */
static void model_path(const char *path, int e, char *full, size_t n_full, char *name,
                       size_t n_name)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    size_t stem = strlen(base);
    if (stem > 5 && strcmp(base + stem - 5, ".json") == 0)
        stem -= 5;
    char entry[64];
    snprintf(entry, sizeof entry, "%s", pd_profile_entry_name(e));
    for (char *c = entry; *c; c++)
        *c = *c == '/' ? '-' : *c;
    snprintf(name, n_name, "%.*s.%s.xgb.json", (int)stem, base, entry);
    snprintf(full, n_full, "%.*s%s", (int)(base - path), path, name);
}

static pd_status write_text(const char *path, const char *text, size_t len, pd_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pd_error_set(err, PD_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    size_t put = fwrite(text, 1, len, f);
    if (fclose(f) != 0 || put != len) {
        remove(path);
        return pd_error_set(err, PD_EIO, "%s: writing failed", path);
    }
    return PD_OK;
}

pd_status pd_profile_write_path(const pd_profile *p, const char *path, pd_error *err)
{
    int to_stdout = strcmp(path, "-") == 0;
    enum { NAME_MAX_ = 512, PATH_MAX_ = 4096 + NAME_MAX_ };
    char (*names)[NAME_MAX_] = calloc(PD_PROFILE_ENTRIES, sizeof *names);
    char (*full)[PATH_MAX_] = calloc(PD_PROFILE_ENTRIES, sizeof *full);
    const char *files[PD_PROFILE_ENTRIES] = {0};
    bool written[PD_PROFILE_ENTRIES] = {0};
    pd_status st = names && full ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (int e = 0; !st && e < PD_PROFILE_ENTRIES; e++) {
        const pd_linear_model *m = pd_profile_entry(p, e);
        if (!m->present || !m->boosted)
            continue;
        if (to_stdout || strlen(path) > 4096) {
            st = pd_error_set(err, PD_EINPUT, "%s: a profile with boosted models is written to "
                              "a file, its models beside it", to_stdout ? "-" : "the path");
            break;
        }
        model_path(path, e, full[e], PATH_MAX_, names[e], NAME_MAX_);
        files[e] = names[e];
        char *text;
        size_t len;
        st = pd_boosted_save_json(m->boosted, &text, &len, err);
        if (!st)
            st = write_text(full[e], text, len, err);
        written[e] = !st;
        free(text);
    }
    FILE *f = NULL;
    if (!st && !(f = to_stdout ? stdout : fopen(path, "w")))
        st = pd_error_set(err, PD_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    struct stat info;
    int regular = f && !to_stdout && fstat(fileno(f), &info) == 0 && S_ISREG(info.st_mode);
    if (!st)
        st = pd_profile_write_json_named(p, f, files, err);
    if (f && !to_stdout && fclose(f) != 0 && !st)
        st = pd_error_set(err, PD_EIO, "%s: writing failed", path);
    if (st && regular)
        remove(path); /* no half-written profile */
    for (int e = 0; st && e < PD_PROFILE_ENTRIES; e++)
        if (written[e])
            remove(full[e]); /* nor models of a profile that is not there */
    free(names);
    free(full);
    return st;
}
