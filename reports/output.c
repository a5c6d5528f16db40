/* output.c — atomic output files, the output directory, and the names the
 * writers share (report.h). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool fail(report_error *err, const char *path, int e)
{
    snprintf(err->text, sizeof(err->text), "%s: %s", path, strerror(e));
    return false;
}

bool report_file_open_path(report_file *rf, const char *path, report_error *err)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    int fd;

    memset(rf, 0, sizeof(*rf));
    if (!*base)
        return fail(err, path, EISDIR);
    if ((size_t)snprintf(rf->path, sizeof(rf->path), "%s", path) >= sizeof(rf->path) ||
        (size_t)snprintf(rf->tmp, sizeof(rf->tmp), "%.*s%s.%s.XXXXXX", dir_len, path,
                         slash ? "/" : "", base) >= sizeof(rf->tmp))
        return fail(err, path, ENAMETOOLONG);
    fd = mkstemp(rf->tmp);
    if (fd < 0)
        return fail(err, rf->path, errno);
    fchmod(fd, 0644); /* mkstemp makes it 0600; outputs are for sharing */
    rf->f = fdopen(fd, "w");
    if (!rf->f) {
        int e = errno;

        close(fd);
        unlink(rf->tmp);
        return fail(err, rf->path, e);
    }
    return true;
}

bool report_file_open(report_file *rf, const char *dir, const char *name, report_error *err)
{
    char path[4096];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return fail(err, dir, ENAMETOOLONG);
    return report_file_open_path(rf, path, err);
}

void report_file_abort(report_file *rf)
{
    if (rf->f) {
        fclose(rf->f);
        unlink(rf->tmp);
        rf->f = NULL;
    }
}

bool report_file_commit(report_file *rf, report_error *err)
{
    int e = 0;

    if (fflush(rf->f) != 0 || ferror(rf->f))
        e = errno ? errno : EIO;
    if (fclose(rf->f) != 0 && !e)
        e = errno;
    rf->f = NULL;
    if (!e && rename(rf->tmp, rf->path) != 0)
        e = errno;
    if (e) {
        unlink(rf->tmp);
        return fail(err, rf->path, e);
    }
    return true;
}

bool report_make_dir(const char *dir, report_error *err)
{
    char path[4096];
    size_t n = strlen(dir);
    struct stat st;

    if (n == 0 || n >= sizeof(path))
        return fail(err, dir, n ? ENAMETOOLONG : ENOENT);
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return fail(err, path, errno);
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return fail(err, path, errno);
    if (stat(path, &st) != 0)
        return fail(err, path, errno);
    if (!S_ISDIR(st.st_mode))
        return fail(err, path, ENOTDIR);
    return true;
}

bool report_write_all(const report_run *r, const char *dir, report_error *err)
{
    return report_make_dir(dir, err) && report_write_json(r, dir, err) &&
           report_write_series(r, dir, err) && report_write_events(r, dir, err);
}

void report_edge_name(const sim_scenario *sc, uint32_t k, char *buf, size_t size)
{
    const sim_call *c = &sc->calls[k];
    unsigned nth = 1, same = 0;

    for (uint32_t i = 0; i < sc->n_calls; i++)
        if (sc->calls[i].from == c->from && sc->calls[i].to == c->to) {
            same++;
            nth += i < k;
        }
    if (same > 1)
        snprintf(buf, size, "%s->%s#%u", sc->services[c->from].name, sc->services[c->to].name,
                 nth);
    else
        snprintf(buf, size, "%s->%s", sc->services[c->from].name, sc->services[c->to].name);
}

void report_fault_target(const sim_scenario *sc, const sim_fault *f, char *buf, size_t size)
{
    const char *name = sc->services[f->service].name;

    switch (f->target) {
    case SIM_TARGET_INSTANCE:
        snprintf(buf, size, "%s[%u]", name, f->instance);
        break;
    case SIM_TARGET_EDGE:
        snprintf(buf, size, "%s->%s", sc->services[f->from].name, name);
        break;
    default:
        snprintf(buf, size, "%s", name);
    }
}

size_t report_entries(const sim_scenario *sc, uint32_t *out, size_t max)
{
    size_t n = 0;

    for (size_t l = 0; l < sc->n_loads; l++) {
        uint32_t s = sc->loads[l].entry;
        bool seen = false;

        for (size_t l2 = 0; l2 < l; l2++)
            seen |= sc->loads[l2].entry == s;
        if (seen)
            continue;
        if (n < max)
            out[n] = s;
        n++;
    }
    return n;
}

void report_xml_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default: /* XML 1.0 allows no other control character */
            fputc((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ? ' ' : *s, f);
        }
    }
}
