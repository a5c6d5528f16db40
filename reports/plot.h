/* plot.h — the plots of a run: for each, a gnuplot script (.gp) and its data
 * (.dat) in DIR/plots/, rendered by gnuplot to a PNG and an SVG beside them.
 *
 * The data is aggregated to at most REPORT_PLOT_MAX_ROWS time bins, so a
 * script renders in a fraction of a second however long the run. A script
 * reads its data by a relative name and writes NAME.png and NAME.svg next to
 * itself, so a reviewer restyles and re-renders it with
 * `cd DIR/plots && gnuplot NAME.gp` (or `firebreak plot DIR`). Everything is
 * deterministic: the same run gives byte-identical .dat, .gp, .png and .svg.
 * docs/report-schema.md describes each plot. */
#ifndef REPORT_PLOT_H
#define REPORT_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define REPORT_N_PLOTS 4
#define REPORT_PLOT_MAX_ROWS 1000

/* The palette every plot and report.html share (Okabe-Ito based). */
#define REPORT_COLOR_RUN "#0072B2"       /* the run, with its breakers */
#define REPORT_COLOR_CF "#CC79A7"        /* the counterfactual */
#define REPORT_COLOR_FAULT "#FBEBC5"     /* fault windows */
#define REPORT_COLOR_FAULT_TEXT "#7A5C00"
#define REPORT_COLOR_CLOSED "#CFE8DC"    /* breaker states */
#define REPORT_COLOR_HALF_OPEN "#E69F00"
#define REPORT_COLOR_OPEN "#D55E00"
#define REPORT_COLOR_TEXT "#333333"

typedef struct report_plot_info {
    const char *name;    /* the file stem: NAME.gp, NAME.dat, NAME.png, NAME.svg */
    const char *caption; /* one sentence saying what it shows */
} report_plot_info;

/* The plots, in the order report.html shows them. */
extern const report_plot_info report_plots[REPORT_N_PLOTS];

/* Write DIR/plots/NAME.dat and NAME.gp for every plot ('r' must carry its
 * analysis; its counterfactual, when set, is drawn too), then render them
 * as report_plot_render() does. DIR/plots is created. When gnuplot is not on
 * PATH, the scripts and data are written, *rendered is false and the result
 * is true: not an error. False (with 'err' set) when a file cannot be
 * written or gnuplot fails on a script. */
bool report_plot_write(const report_run *r, const char *dir, bool *rendered, report_error *err);

/* Run gnuplot on every DIR/plots/NAME.gp, in parallel, in DIR/plots. Each
 * renders to temporary names that are renamed to NAME.png and NAME.svg once
 * both are complete. *rendered is false (and the result true) when gnuplot
 * is not on PATH. False when a script is missing or gnuplot fails on it
 * ('err' quotes gnuplot's first error line). */
bool report_plot_render(const char *dir, bool *rendered, report_error *err);

/* ---- shared with html.c ------------------------------------------------ */

/* Is 'program' an executable file in a directory of $PATH? */
bool report_tool_found(const char *program);

/* Run argv (argv[0] looked up in PATH) in directory 'cwd' with its standard
 * output into the file 'out_path' (relative to the current directory, not
 * to 'cwd'; NULL: /dev/null) and wait for it. False when it cannot start or
 * exits non-zero; 'err' then quotes the first line it wrote on stderr. */
bool report_tool_run(const char *cwd, char *const argv[], const char *out_path,
                     report_error *err);

/* Services by call depth from the entry: depth[s] is the fewest calls from
 * an entry service to s (UINT32_MAX: unreachable), order[] the services
 * sorted by depth, then scenario order. Both hold sc->n_services entries.
 * False when out of memory. */
bool report_service_depths(const sim_scenario *sc, uint32_t *depth, uint32_t *order);

/* How many breakers the run has behind all its edges. */
uint64_t report_breaker_count(const report_run *r);

#endif /* REPORT_PLOT_H */
