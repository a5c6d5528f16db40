/* sweep.h — `firebreak sweep` without the processes: the grid of breaker
 * settings (parameters as paths into the scenario JSON), the figures of each
 * run, the statistics over seeds, the Pareto front, the recommendation, and
 * the files (sweep.csv, sweep.json, plots, sweep.html, partial results).
 * docs/sweep.md is the contract. */
#ifndef REPORT_SWEEP_H
#define REPORT_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "analysis.h"
#include "report.h"

#define REPORT_SWEEP_MAX_PARAMS 16
#define REPORT_SWEEP_MAX_VALUES 10000  /* per parameter */
#define REPORT_SWEEP_MAX_POINTS 10000  /* more needs --sample */
#define REPORT_SWEEP_MAX_SEEDS 1000

/* The figures of one run, in this order everywhere (csv columns, json). */
#define REPORT_SWEEP_METRICS(X)                          \
    X(SERVED, "availability_served")                     \
    X(STRICT, "availability")                            \
    X(DETECT, "time_to_detect_s")                        \
    X(UNDETECTED, "undetected_faults")                   \
    X(RECOVER, "time_to_recover_s")                      \
    X(NOT_RECOVERED, "unrecovered_faults")               \
    X(FALSE_TRIPS, "false_trips")                        \
    X(BLAST, "blast_radius")                             \
    X(WASTED, "wasted_calls")                            \
    X(RETRY, "retry_amplification")

enum {
#define X(name, text) REPORT_SWEEP_##name,
    REPORT_SWEEP_METRICS(X)
#undef X
    REPORT_SWEEP_N_METRICS
};

extern const char *const report_sweep_metric_names[REPORT_SWEEP_N_METRICS];

typedef struct report_sweep_param {
    char key[256];   /* e.g. "profiles.default.failure_rate" */
    json_t *values;  /* a JSON array of scalars (owned) */
} report_sweep_param;

typedef struct report_sweep_result {
    double v[REPORT_SWEEP_N_METRICS]; /* NaN: undefined (e.g. nothing detected) */
} report_sweep_result;

/* Mean and 95 % interval (Student's t, n - 1 degrees of freedom) over the
 * seeds where the figure is defined; lo = hi = NaN when n < 2. */
typedef struct report_sweep_stat {
    double mean, lo, hi;
    unsigned n;
} report_sweep_stat;

/* The shadow pass (--shadow) of one point on one seed: its candidate's
 * METRICS_ONLY breakers over the unprotected traffic of a run without
 * breakers (docs/sweep.md). */
typedef struct report_sweep_shadow {
    double would_trips;       /* would-trips on every edge of the profile */
    double false_would_trips; /* those the false-trip rule calls false */
    double detect_s;          /* mean over the faults a would-trip detected; NaN: none */
    double undetected;        /* faults no would-trip into their target detected */
} report_sweep_shadow;

typedef struct report_sweep {
    char name[256];          /* the scenario's file name without .json */
    char source[1024];       /* the scenario path as given */
    json_t *scenario;        /* the scenario as parsed (owned) */
    report_sweep_param params[REPORT_SWEEP_MAX_PARAMS];
    size_t n_params;
    size_t n_points;
    uint32_t *value_idx;     /* [point * n_params + param]: index into the param's values */
    uint64_t *seeds;
    size_t n_seeds;
    report_sweep_result *results; /* [point * n_seeds + seed] */
    uint8_t *done;           /* [point * n_seeds + seed]: the result is in */
    /* Filled by report_sweep_analyze(): */
    report_sweep_stat *stats; /* [point * REPORT_SWEEP_N_METRICS + metric] */
    uint8_t *front;          /* [point]: on the Pareto front */
    long recommended;        /* a point, or -1 */
    /* The shadow pass (--shadow); shadow == NULL: none ran. */
    report_sweep_shadow *shadow; /* [point * n_seeds + seed] */
    double *shadow_detect;   /* [(point * n_seeds + seed) * n_faults + fault]: the
                                first would-trip into the fault's target after its
                                start (before its horizon), s; NaN: none */
    size_t n_faults;
    char **fault_labels;     /* [fault] (owned) */
    uint8_t *pruned;         /* [point]: not run (false would-trips); NULL: none */
    size_t n_pruned;
    bool pruned_none_kept_all; /* every point had false would-trips: all kept */
} report_sweep;

/* Parse "KEY=VALUES" into *p (report_sweep_param_free() it): VALUES is a list
 * "30,50,70" (integers, reals, true/false, anything else a string such as
 * "5s"), or a range "lo:hi:step" (hi included when reached). False with a
 * message in 'err' (lower case, naming the parameter). */
bool report_sweep_param_parse(const char *spec, report_sweep_param *p, char *err, size_t size);
void report_sweep_param_free(report_sweep_param *p);

/* Set the value at 'key' (dotted object keys, [i] array indices) in 'root'
 * to 'value' (borrowed; a copy is stored). Every step but the last must
 * exist; the last may be a new object key (the strict loader then names it).
 * False with a message in 'err'. */
bool report_sweep_path_set(json_t *root, const char *key, json_t *value, char *err, size_t size);

/* Build the points: the full product of the params (the last one varying
 * fastest) or, with sample > 0, that many distinct random points drawn with
 * 'sample_seed', in grid order. The product must be <= REPORT_SWEEP_MAX_POINTS
 * without a sample. Allocates results for s->n_seeds seeds. */
bool report_sweep_grid(report_sweep *s, uint64_t sample, uint64_t sample_seed, char *err,
                       size_t size);

/* The scenario with point 'point' applied: a new reference, or NULL with
 * 'err' set. */
json_t *report_sweep_apply(const report_sweep *s, size_t point, char *err, size_t size);

/* "key=value, key=value" for point 'point'. */
void report_sweep_point_label(const report_sweep *s, size_t point, char *buf, size_t size);

/* One run's figures from its analysis. Per run: detection is the mean over
 * the faults a breaker detected; recovery the mean over all faults, a fault
 * not recovered counting the time from its end to its horizon; blast radius
 * the largest of the faults; wasted calls their sum. */
void report_sweep_result_from(const report_analysis *a, report_sweep_result *r);

/* Student's t for a two-sided 95 % interval with 'df' degrees of freedom. */
double report_sweep_t95(unsigned df);

/* obj[i] = { availability served (higher is better), time to recover,
 * false trips (both lower is better) }. front[i] = 1 when no other point
 * is at least as good in all three and better in one (NaN served: never
 * on the front). */
void report_sweep_pareto(const double (*obj)[3], size_t n, uint8_t *front);

/* The recommendation among the front: the points with the fewest false
 * trips (zero when any has zero), of those the best availability served,
 * then the shortest recovery, then the lowest index. -1: empty front. */
long report_sweep_recommend(const double (*obj)[3], const uint8_t *front, size_t n);

/* --shadow: allocate the shadow tables for the faults of 'sc' (its labels
 * are copied). False when out of memory. */
bool report_sweep_shadow_init(report_sweep *s, const sim_scenario *sc);

/* Fill the shadow figures of every point on seed 'seed' from a run whose
 * shadow candidate i was point i (SIM_LOG_WOULD_TRIP's target), and its
 * analysis 'a' (for the false-trip rule and the fault windows). */
void report_sweep_shadow_from(report_sweep *s, size_t seed, const report_run *r,
                              const report_analysis *a);

/* Mean of shadow figure 'which' (offsetof a report_sweep_shadow field, see
 * REPORT_SWEEP_SHADOW_*) of point p over the seeds where it is defined. */
double report_sweep_shadow_mean(const report_sweep *s, size_t p, size_t which);
#define REPORT_SWEEP_SHADOW_WOULD offsetof(report_sweep_shadow, would_trips)
#define REPORT_SWEEP_SHADOW_FALSE offsetof(report_sweep_shadow, false_would_trips)
#define REPORT_SWEEP_SHADOW_DETECT offsetof(report_sweep_shadow, detect_s)
#define REPORT_SWEEP_SHADOW_UNDETECTED offsetof(report_sweep_shadow, undetected)

/* The pruning rule: a point whose mean false would-trips over the seeds is
 * above 0 is pruned (not run); when that would prune every point, none is
 * (pruned_none_kept_all). Needs the shadow figures of every seed. */
bool report_sweep_prune(report_sweep *s);

/* Statistics, the front and the recommendation (every result of the points
 * not pruned must be in; pruned points have no statistics and are never on
 * the front). */
bool report_sweep_analyze(report_sweep *s);

/* sweep.json's content (a new reference). */
json_t *report_sweep_build_json(const report_sweep *s);

/* The recommendation as text: the profiles it touches as a JSON snippet
 * and as Resilience4j property lines. Writes "" without a recommendation. */
bool report_sweep_recommendation_text(const report_sweep *s, char *buf, size_t size);

/* Write sweep.csv, sweep.json, plots/ (scripts, data, and PNG/SVG when
 * gnuplot is on PATH: *rendered) and sweep.html into 'dir' (created). */
bool report_sweep_write(const report_sweep *s, const char *dir, bool *rendered,
                        report_error *err);

/* A shard's partial result: DIR/part-I-of-N.json with everything merge needs. */
bool report_sweep_write_partial(const report_sweep *s, unsigned shard, unsigned n_shards,
                                const char *dir, report_error *err);

/* Read a partial file into *s: the first file fills an empty *s (zeroed),
 * later ones must describe the same sweep and add their results. */
bool report_sweep_read_partial(report_sweep *s, const char *path, report_error *err);

void report_sweep_free(report_sweep *s);

#endif /* REPORT_SWEEP_H */
