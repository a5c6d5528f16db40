/* report.h — the outputs of a finished run: report.json, series.csv,
 * events.jsonl and the per-service table on the terminal.
 *
 * A run is read through report_run: the scenario it played, the metrics
 * collector's series and log (sim/metrics.h), and a few facts about the run.
 * Nothing here knows how the figures were produced, so live mode can feed the
 * same writers. Every file is written whole or not at all: to a temporary
 * name in the same directory, then renamed over the target. */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "metrics.h"
#include "model.h"

#define REPORT_SCHEMA_VERSION 1

struct report_analysis;

typedef struct report_run {
    const sim_scenario *sc;
    const sim_metrics *m;
    uint64_t seed;
    int64_t duration_ns;
    uint64_t events; /* simulator events processed (0 when unknown) */
    const struct report_analysis *analysis; /* analysis.h; NULL: not written */
    /* The same seed played without breakers (or without any policy), for the
     * comparison; NULL: none. Its own analysis must be set. */
    const struct report_run *counterfactual;
    const char *counterfactual_mode; /* "no-breakers" or "no-policies" */
} report_run;

/* An error message for the caller to print, e.g. "out/report.json: No space left on device". */
typedef struct report_error {
    char text[8192];
} report_error;

/* report.json's content as a jansson value (a new reference), NULL when out
 * of memory. */
struct json_t;
struct json_t *report_build_json(const report_run *r);

/* Write one output file into 'dir' (which must exist). */
bool report_write_json(const report_run *r, const char *dir, report_error *err);
bool report_write_series(const report_run *r, const char *dir, report_error *err);
bool report_write_events(const report_run *r, const char *dir, report_error *err);

/* mkdir -p 'dir'; fails when it exists and is not a directory. */
bool report_make_dir(const char *dir, report_error *err);

/* All three, creating 'dir' (and its parents) first. */
bool report_write_all(const report_run *r, const char *dir, report_error *err);

/* The per-service and per-edge summary table, for a terminal. */
void report_print_table(const report_run *r, FILE *out);

/* ---- shared by the writers ------------------------------------------------ */

/* "from->to" for call edge 'k', with "#2", "#3"... when the same pair of
 * services is called from several places of the handler. */
void report_edge_name(const sim_scenario *sc, uint32_t k, char *buf, size_t size);

/* "payment", "payment[1]" (an instance) or "gateway->payment" (an edge). */
void report_fault_target(const sim_scenario *sc, const sim_fault *f, char *buf, size_t size);

/* The entry services: those some load enters (each once). Fills 'out' with
 * up to 'max' service indices and returns how many there are. */
size_t report_entries(const sim_scenario *sc, uint32_t *out, size_t max);

/* Write 's' escaped for XML and HTML text and attributes (& < > " '), with
 * control characters other than newline and tab as spaces. NULL: nothing. */
void report_xml_escape(FILE *f, const char *s);

/* A file being written: a temporary file in the target's directory. */
typedef struct report_file {
    FILE *f;
    char tmp[4096];
    char path[4096];
} report_file;

bool report_file_open(report_file *rf, const char *dir, const char *name, report_error *err);
bool report_file_open_path(report_file *rf, const char *path, report_error *err);
/* Flush, close and rename into place; on any error remove the temporary. */
bool report_file_commit(report_file *rf, report_error *err);
void report_file_abort(report_file *rf);

#endif /* REPORT_H */
