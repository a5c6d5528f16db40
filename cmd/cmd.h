/* cmd.h — the firebreak subcommands; main.c dispatches to them. */
#ifndef FIREBREAK_CMD_H
#define FIREBREAK_CMD_H

/* Exit codes, documented in README.md and the man page. */
enum {
    CMD_OK = 0,      /* success */
    CMD_FAILED = 1,  /* an expectation failed or a regression was found */
    CMD_USAGE = 2    /* bad usage or bad input */
};

#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "city.h"
#include "model.h"

/* Each subcommand takes the arguments after its name (argv[0] is the name)
 * and returns an exit code. */
int cmd_demo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_sweep(int argc, char **argv); int cmd_merge(int argc, char **argv);

/* Load a scenario; on error print "file:line:col: path: what" to stderr and
 * return NULL. */
sim_scenario *cmd_load_scenario(const char *path);

/* A scenario played and analysed: the city (its series), the run as the
 * reports see it, and its analysis. */
typedef struct cmd_play {
    sim_city *city;
    report_run run;
    report_analysis analysis;
} cmd_play;

/* Play 'sc' with 'o' and analyse it. On failure print why (naming 'path')
 * and return false; cmd_play_free() is safe either way. */
bool cmd_play_run(const sim_scenario *sc, const sim_run_options *o, const char *path,
                  cmd_play *p);
void cmd_play_free(cmd_play *p);

/* A progress bar on stderr: drawn only when stderr is a terminal, not
 * quiet, and the work has lasted a second; cmd_progress_done() erases it. */
typedef struct cmd_progress {
    bool on, shown;
    const char *label;
    double start_s, drawn_s;
} cmd_progress;

void cmd_progress_init(cmd_progress *p, const char *label, bool quiet);
void cmd_progress_update(cmd_progress *p, double fraction);
void cmd_progress_done(cmd_progress *p);

/* Colour for 'f': it is a terminal and NO_COLOR is unset or empty. */
bool cmd_color(FILE *f);

/* NAME for a scenario file path/NAME.json (the file name without .json). */
void cmd_scenario_name(const char *path, char *buf, size_t size);

/* A decimal unsigned integer, the whole string; false otherwise. */
bool cmd_parse_u64(const char *text, uint64_t *out);

#endif /* FIREBREAK_CMD_H */
