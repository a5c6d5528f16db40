/* common.c — what several subcommands share: loading a scenario with its
 * error printed, and parsing option values strictly. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "scenario.h"

sim_scenario *cmd_load_scenario(const char *path)
{
    sim_error err;
    char msg[1200];
    sim_scenario *sc = sim_scenario_load(path, &err);

    if (!sc) {
        sim_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
    }
    return sc;
}

bool cmd_parse_u64(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!text || text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool cmd_play_run(const sim_scenario *sc, const sim_run_options *o, const char *path,
                  cmd_play *p)
{
    memset(p, 0, sizeof(*p));
    if (!(p->city = sim_city_new(sc, o))) {
        fprintf(stderr, "firebreak: %s: out of memory building the city\n", path);
        return false;
    }
    if (!sim_city_run(p->city)) {
        fprintf(stderr, "firebreak: %s: the simulation ran out of room (more than 67 million "
                        "pending events, or out of memory); lower the load or the duration\n",
                path);
        return false;
    }
    p->run = (report_run){ .sc = sc, .m = sim_city_metrics(p->city),
                           .seed = o && o->seed_set ? o->seed : sc->seed,
                           .duration_ns = sim_city_now(p->city),
                           .events = sim_city_events(p->city) };
    if (!report_analyze(&p->run, &p->analysis)) {
        fprintf(stderr, "firebreak: %s: out of memory analysing the run\n", path);
        return false;
    }
    p->run.analysis = &p->analysis;
    return true;
}

void cmd_play_free(cmd_play *p)
{
    report_analysis_free(&p->analysis);
    sim_city_free(p->city);
    memset(p, 0, sizeof(*p));
}

void cmd_scenario_name(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    snprintf(buf, size, "%.*s", (int)n, base);
}

/* ---- the terminal ---------------------------------------------------------- */

static double wall_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cmd_progress_init(cmd_progress *p, const char *label, bool quiet)
{
    memset(p, 0, sizeof(*p));
    p->on = !quiet && isatty(STDERR_FILENO);
    p->label = label;
    p->start_s = p->on ? wall_s() : 0;
}

void cmd_progress_update(cmd_progress *p, double fraction)
{
    char bar[31];
    double now;
    int n;

    if (!p->on)
        return;
    now = wall_s();
    /* Only for work longer than a second, and at most ten times a second. */
    if (now - p->start_s < 1 || now - p->drawn_s < 0.1)
        return;
    p->drawn_s = now;
    fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
    n = (int)(fraction * 30);
    memset(bar, '#', (size_t)n);
    memset(bar + n, '.', (size_t)(30 - n));
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f %%", p->label, bar, fraction * 100);
    if (fraction > 0.01)
        fprintf(stderr, ", %.0f s left ", (now - p->start_s) * (1 - fraction) / fraction);
    fflush(stderr);
    p->shown = true;
}

void cmd_progress_done(cmd_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r\033[K");
    p->shown = false;
}

bool cmd_color(FILE *f)
{
    const char *no = getenv("NO_COLOR");

    return (!no || !*no) && isatty(fileno(f));
}
