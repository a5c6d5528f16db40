/* plot_run.c — running the external tools behind the plots and the call
 * graph (gnuplot, graphviz's dot): finding them on PATH, starting them in a
 * directory, and renaming what they render into place.
 *
 * gnuplot runs once per script, all scripts at once (a run has four; each
 * takes 0.1-0.3 s), with -d so no ~/.gnuplot changes the output, and with
 * 'out' set to a temporary stem in the plots directory: a plot appears under
 * its name only once both its PNG and SVG are complete, and a failed script
 * leaves the previous images in place. A tool's stderr goes to an anonymous
 * temporary file, whose last non-empty line is the error the caller gets
 * (gnuplot ends with "file, line N: what"). posix_spawn was rejected: it
 * cannot change the directory portably before glibc 2.29. */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool report_tool_found(const char *program)
{
    const char *path = getenv("PATH");
    char file[4096];

    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        struct stat st;

        /* an empty entry is the current directory */
        if ((size_t)snprintf(file, sizeof(file), "%.*s/%s", (int)(n ? n : 1), n ? path : ".",
                             program) < sizeof(file) &&
            stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0)
            return true;
        path += n;
        if (*path == ':')
            path++;
    }
    return false;
}

/* Start argv in 'cwd' with stdout on 'out_fd' and stderr on 'err_fd'; -1 when
 * fork fails. The child exits 127 when it cannot change directory or exec. */
static pid_t spawn(const char *cwd, char *const argv[], int out_fd, int err_fd)
{
    pid_t pid = fork();

    if (pid != 0)
        return pid;
    if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0 ||
        (cwd && chdir(cwd) != 0))
        _exit(127);
    execvp(argv[0], argv);
    _exit(127);
}

/* The last non-empty line the tool wrote on stderr, or a description of how
 * it ended. */
static void tool_error(FILE *log, int status, const char *what, report_error *err)
{
    char line[1024], last[1024] = "";

    rewind(log);
    while (fgets(line, sizeof(line), log)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[strspn(line, " \t^")] != '\0')
            snprintf(last, sizeof(last), "%s", line);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !last[0])
        snprintf(err->text, sizeof(err->text), "%s: cannot start it", what);
    else if (last[0])
        snprintf(err->text, sizeof(err->text), "%s: %s", what, last);
    else if (WIFSIGNALED(status))
        snprintf(err->text, sizeof(err->text), "%s: killed by signal %d", what,
                 WTERMSIG(status));
    else
        snprintf(err->text, sizeof(err->text), "%s: exit status %d", what,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static int wait_for(pid_t pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

bool report_tool_run(const char *cwd, char *const argv[], const char *out_path,
                     report_error *err)
{
    FILE *log = tmpfile();
    int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int status;
    bool ok;

    if (!log || out < 0) {
        snprintf(err->text, sizeof(err->text), "%s: %s", out < 0 && out_path ? out_path : argv[0],
                 strerror(errno));
        if (log)
            fclose(log);
        if (out >= 0)
            close(out);
        return false;
    }
    fflush(NULL);
    pid = spawn(cwd, argv, out, fileno(log));
    close(out);
    status = pid < 0 ? -1 : wait_for(pid);
    ok = pid > 0 && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        tool_error(log, status, argv[0], err);
    fclose(log);
    return ok;
}

/* ---- rendering the plots -------------------------------------------------- */

typedef struct render_job {
    pid_t pid;
    FILE *log;
    char stem[96];   /* the temporary 'out', relative to the plots directory */
} render_job;

static bool path_in(char *buf, size_t size, const char *dir, const char *name, const char *ext,
                    report_error *err)
{
    if ((size_t)snprintf(buf, size, "%s/%s%s", dir, name, ext) < size)
        return true;
    snprintf(err->text, sizeof(err->text), "%s: name too long", dir);
    return false;
}

static bool start_job(const char *plots, const char *name, render_job *j, report_error *err)
{
    char def[160], script[80];
    char *argv[] = { "gnuplot", "-d", "-e", def, script, NULL };
    int null_fd;

    snprintf(j->stem, sizeof(j->stem), ".%s.%ld", name, (long)getpid());
    snprintf(def, sizeof(def), "out='%s'", j->stem);
    snprintf(script, sizeof(script), "%s.gp", name);
    j->log = tmpfile();
    null_fd = open("/dev/null", O_WRONLY);
    if (!j->log || null_fd < 0) {
        snprintf(err->text, sizeof(err->text), "%s: cannot start gnuplot: %s", plots,
                 strerror(errno));
        if (null_fd >= 0)
            close(null_fd);
        return false;
    }
    fflush(NULL);
    j->pid = spawn(plots, argv, null_fd, fileno(j->log));
    close(null_fd);
    if (j->pid < 0) {
        snprintf(err->text, sizeof(err->text), "%s: cannot start gnuplot: %s", plots,
                 strerror(errno));
        return false;
    }
    return true;
}

/* Wait for job j of plot 'name'; rename its images into place, or remove
 * them and say why. */
static bool finish_job(const char *plots, const char *name, render_job *j, report_error *err)
{
    static const char *const exts[] = { ".png", ".svg" };
    char tmp[4200], final[4200], what[4200];
    int status = j->pid > 0 ? wait_for(j->pid) : -1;
    bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

    for (size_t x = 0; x < 2; x++) {
        struct stat st;

        if (!path_in(tmp, sizeof(tmp), plots, j->stem, exts[x], err) ||
            !path_in(final, sizeof(final), plots, name, exts[x], err)) {
            ok = false;
            continue;
        }
        if (ok && (stat(tmp, &st) != 0 || st.st_size == 0)) {
            snprintf(err->text, sizeof(err->text), "%s/%s.gp: gnuplot wrote no %s", plots,
                     name, exts[x] + 1);
            ok = false;
        }
    }
    if (!ok && j->log && status != -1 && (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)) {
        snprintf(what, sizeof(what), "%s/%s.gp", plots, name);
        tool_error(j->log, status, what, err);
    }
    for (size_t x = 0; x < 2; x++) {
        if (!path_in(tmp, sizeof(tmp), plots, j->stem, exts[x], err) ||
            !path_in(final, sizeof(final), plots, name, exts[x], err))
            continue;
        if (ok && rename(tmp, final) != 0) {
            snprintf(err->text, sizeof(err->text), "%s: %s", final, strerror(errno));
            ok = false;
        }
        unlink(tmp); /* gone after a rename; a leftover after a failure */
    }
    if (j->log)
        fclose(j->log);
    j->log = NULL;
    return ok;
}

bool report_plot_render(const char *dir, bool *rendered, report_error *err)
{
    char plots[4096], gp[4200];
    render_job jobs[REPORT_N_PLOTS] = { { 0 } };
    report_error first = { "" };
    bool ok = true;

    *rendered = false;
    if (!path_in(plots, sizeof(plots), dir, "plots", "", err))
        return false;
    for (size_t i = 0; i < REPORT_N_PLOTS; i++) {
        struct stat st;

        if (!path_in(gp, sizeof(gp), plots, report_plots[i].name, ".gp", err))
            return false;
        if (stat(gp, &st) != 0) {
            snprintf(err->text, sizeof(err->text), "%s: %s", gp, strerror(errno));
            return false;
        }
    }
    if (!report_tool_found("gnuplot"))
        return true;
    for (size_t i = 0; i < REPORT_N_PLOTS && ok; i++)
        if (!start_job(plots, report_plots[i].name, &jobs[i], &first))
            ok = false;
    for (size_t i = 0; i < REPORT_N_PLOTS; i++) {
        report_error e = { "" };

        if (!jobs[i].log && !jobs[i].pid)
            continue;
        if (!finish_job(plots, report_plots[i].name, &jobs[i], &e) && ok) {
            ok = false;
            first = e;
        }
    }
    if (!ok) {
        *err = first;
        return false;
    }
    *rendered = true;
    return true;
}
