/* scenario.h — load and check a scenario file (JSON, via jansson).
 *
 * The loader is strict: unknown keys, wrong types, out-of-range values,
 * unknown names, call cycles, an empty city or load, and unreadable files are
 * errors. The first error wins; it carries the file, the line and column of the
 * offending value (jansson's for syntax errors, the loader's own position index
 * for semantic ones), the key path and a message, with the closest known key
 * suggested for a typo. docs/scenario.md is the format's contract. */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>

#include "model.h"

typedef struct sim_error {
    char source[256]; /* the file name as given */
    int line;         /* 1-based; 0 when unknown */
    int column;       /* 1-based; 0 when unknown */
    char path[256];   /* key path, e.g. "services.payment.calls[1].timeout"; "" for the root */
    char text[512];   /* what is wrong, lower case, no final period */
} sim_error;

/* Load the scenario at 'path'. Returns a new scenario (free it with
 * sim_scenario_free) or NULL with *err filled. */
sim_scenario *sim_scenario_load(const char *path, sim_error *err);

/* The same from a string; 'source' names it in errors. */
sim_scenario *sim_scenario_load_string(const char *json, const char *source, sim_error *err);

/* Format an error as "source:line:col: path: text" (": path" omitted when the
 * path is empty, ":line:col" when unknown) into buf. */
void sim_error_format(const sim_error *err, char *buf, size_t size);

/* Parse a duration: "250ms", "1.5s", "5m", "2h", "500us", "100ns", or a plain
 * number of seconds. Returns false for anything else, negative values, or
 * values beyond 100 years. */
bool sim_duration_parse(const char *text, int64_t *out_ns);

#endif /* SIM_SCENARIO_H */
