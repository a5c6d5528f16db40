/* scenario_internal.h — what the scenario loader's files share (not installed).
 *
 * scenario.c holds the entry points, the top level, profiles, services, calls
 * with their alternates, and the cycle check; scenario_values.c the typed
 * value readers (numbers, durations, distributions, enumerations, names,
 * breaker profiles) and the key checks with their suggestions;
 * scenario_policy.c the resilience policies (retry, bulkhead, fallback, named
 * policy sets, outlier ejection); scenario_load.c the load entries and the
 * faults. Every reader takes the loader, whose path stack already names the
 * value being read, and returns false after recording the first error. */
#ifndef SIM_SCENARIO_INTERNAL_H
#define SIM_SCENARIO_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "json_pos.h"
#include "model.h"
#include "scenario.h"

#define NS_PER_S INT64_C(1000000000)
/* 100 years of 365.25 days: the longest duration the format accepts. */
#define SIM_DURATION_MAX_S INT64_C(3155760000)
#define SIM_DURATION_MAX_NS (SIM_DURATION_MAX_S * NS_PER_S)

/* Limits, so that every array the loader grows has a maximum. */
#define SCENARIO_FILE_MAX (64 << 20) /* bytes */
#define LOADER_MAX_DEPTH 16          /* the format nests at most 6 deep */
#define MAX_SERVICES 10000
#define MAX_PROFILES 1000
#define MAX_POLICIES 1000
#define MAX_ALTERNATES 16       /* per call */
#define MAX_RETRY_ATTEMPTS 100
#define MAX_STEPS 1000          /* per service */
#define MAX_PARALLEL 1000       /* calls per parallel step */
#define MAX_LOADS 1000
#define MAX_RATE_CHANGES 10000  /* per load entry */
#define MAX_FAULTS 10000
#define MAX_REPLICAS 1000
#define MAX_CONCURRENCY 100000
#define MAX_QUEUE 10000000
#define MAX_RATE 1e7            /* requests per second */
#define MAX_BURST 1000.0        /* burst multiplier */
#define MAX_SLOWDOWN 1e6        /* slowdown factor */
#define MAX_SIGMA 10.0          /* lognormal sigma */
#define MAX_EMPIRICAL 30        /* points of an empirical table */
#define NAME_MAX_LEN 63

/* Where a call sits in the file, for errors found after the calls are read. */
typedef struct call_src {
    uint32_t step;     /* index in its service's "calls" array */
    uint32_t parallel; /* index in the step's "parallel" array, or SIM_NONE */
    uint32_t alt;      /* index in the call's "alternates" array, or SIM_NONE */
} call_src;

/* A named policy set of the top-level "policies" (its name, borrowed from the
 * JSON tree, comes first for sim__suggest_named). Only the loader needs it:
 * every call gets its resolved policies copied in. */
typedef struct policy_set {
    const char *name;
    sim_retry retry;
    sim_bulkhead bulkhead;
    sim_fallback fallback;
} policy_set;

typedef struct loader {
    sim_error *err;
    bool failed;
    const char *text; /* the raw JSON, for positions */
    size_t len;
    sim_jpath_seg path[LOADER_MAX_DEPTH];
    size_t depth;
    sim_scenario *sc;
    uint32_t default_profile;       /* the profile named "default", or SIM_NONE */
    policy_set *policies;
    size_t n_policies;
    uint32_t default_policy;        /* the policy named "default", or SIM_NONE */
    call_src *call_src;             /* parallel to sc->calls */
    size_t call_cap, src_cap, step_cap, change_cap;
    /* Alternates wait here until every handler call is read, then move to
     * the end of sc->calls; a handler call's first_alt indexes 'alts' until
     * then. */
    sim_call *alts;
    call_src *alt_src;              /* parallel to alts */
    size_t n_alts, alt_cap, alt_src_cap;
} loader;

/* A numeric interval for range checks and their messages. */
typedef struct range {
    double lo, hi; /* hi = INFINITY: no upper bound */
    bool lo_open, hi_open;
} range;

#define RANGE_AT_LEAST(a) ((range){ (a), INFINITY, false, false })
#define RANGE_ABOVE(a) ((range){ (a), INFINITY, true, false })
#define RANGE_CLOSED(a, b) ((range){ (a), (b), false, false })
#define RANGE_OPEN_LEFT(a, b) ((range){ (a), (b), true, false })   /* (a, b] */
#define RANGE_OPEN_RIGHT(a, b) ((range){ (a), (b), false, true })  /* [a, b) */
#define RANGE_OPEN(a, b) ((range){ (a), (b), true, true })

/* Short texts returned by value, so that a message can use several at once. */
typedef struct sim__text {
    char s[96];
} sim__text;

#if defined(__GNUC__)
#define SIM__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SIM__PRINTF(f, a)
#endif

/* scenario.c: the error at the current path (its value, or its key). */
bool sim__fail(loader *ld, const char *fmt, ...) SIM__PRINTF(2, 3);
bool sim__fail_key(loader *ld, const char *fmt, ...) SIM__PRINTF(2, 3);
void sim__push_key(loader *ld, const char *key);
void sim__push_index(loader *ld, size_t index);
void sim__pop(loader *ld);
/* "unknown service" at the current path, with the closest name suggested. */
bool sim__fail_service(loader *ld, const char *name);

/* scenario_values.c */
char *sim__strdup(const char *s); /* strdup is POSIX, not C11; NULL when out of memory */
sim__text sim__describe(const json_t *v);       /* "\"fast\"", "12", "an array", ... */
sim__text sim__dur_text(int64_t ns);            /* "5m", "1500ms" */
sim__text sim__quote(const char *s);            /* "\"pay\\nment\"", truncated */
/* The closest of 'cands' to 'typed' within the typo distance, or NULL. */
const char *sim__suggest(const char *typed, const char *const *cands);
/* Same, over 'n' structs of 'stride' bytes whose first member is their name
 * (sim_service, sim_profile). */
const char *sim__suggest_named(const char *typed, const void *items, size_t n, size_t stride);
bool sim__check_keys(loader *ld, json_t *obj, const char *const *known,
                     const char *const *reserved);
bool sim__require(loader *ld, json_t *obj, const char *const *keys);
bool sim__check_name(loader *ld, const char *what, const char *name);
bool sim__expect_object(loader *ld, const json_t *v);
bool sim__expect_array(loader *ld, const json_t *v, size_t max, bool nonempty);
bool sim__val_number(loader *ld, const json_t *v, range r, double *out);
bool sim__val_int(loader *ld, const json_t *v, int64_t lo, int64_t hi, int64_t *out);
bool sim__val_duration(loader *ld, const json_t *v, bool positive, int64_t *out);
bool sim__val_dist(loader *ld, json_t *v, sim_dist *out);
bool sim__val_enum(loader *ld, const json_t *v, const char *what, const char *const *names,
                   int *out);
/* Optional members: absent leaves '*out' alone. */
bool sim__opt_string(loader *ld, json_t *obj, const char *key, const char **out);
bool sim__opt_bool(loader *ld, json_t *obj, const char *key, bool *out);
bool sim__opt_number(loader *ld, json_t *obj, const char *key, range r, double *out);
bool sim__opt_int(loader *ld, json_t *obj, const char *key, int64_t lo, int64_t hi,
                  int64_t *out);
bool sim__opt_duration(loader *ld, json_t *obj, const char *key, bool positive, int64_t *out);
bool sim__opt_enum(loader *ld, json_t *obj, const char *key, const char *what,
                   const char *const *names, int *out);

/* scenario_profile.c */
bool sim__load_profile(loader *ld, json_t *v, fb_config *cfg);

/* scenario_policy.c */
bool sim__load_policies(loader *ld, json_t *root);
/* The call's "policy", "retry", "bulkhead" and "fallback" into 'c'. */
bool sim__load_call_policies(loader *ld, json_t *call, sim_call *c);
/* The service's "outlier_ejection" into 'e' (absent: off). */
bool sim__load_ejection(loader *ld, json_t *service, sim_ejection *e);

/* scenario.c */
bool sim__load_steps(loader *ld, uint32_t service, json_t *calls);
bool sim__place_alternates(loader *ld);
bool sim__check_cycles(loader *ld);

/* scenario_load.c */
bool sim__load_loads(loader *ld, json_t *root);
bool sim__load_faults(loader *ld, json_t *root);

/* scenario_expect.c: the "expect" list. */
bool sim__load_expects(loader *ld, json_t *root);

#endif /* SIM_SCENARIO_INTERNAL_H */
