/* model.h — a scenario as plain data: the city, its load and its faults.
 *
 * The loader (scenario.c) fills a sim_scenario from a JSON file and checks it;
 * the city (city.c) plays it. Everything is owned by the sim_scenario and freed
 * by sim_scenario_free(). Services, calls, steps, loads and faults live in flat
 * arrays and refer to each other by index, so the city can copy or share them
 * without pointers into the JSON. Times are int64 nanoseconds; rates are per
 * second; probabilities and fractions are in [0, 1]. */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breaker.h"
#include "dist.h"

#define SIM_NONE UINT32_MAX /* an absent index */

typedef enum sim_lb {
    SIM_LB_ROUND_ROBIN,
    SIM_LB_RANDOM,
    SIM_LB_LEAST_OUTSTANDING
} sim_lb;

typedef enum sim_breaker_scope {
    SIM_SCOPE_INSTANCE, /* one breaker per caller instance per call edge (default) */
    SIM_SCOPE_SERVICE   /* one breaker per calling service per call edge */
} sim_breaker_scope;

/* A named breaker profile: an engine configuration (never synchronized). */
typedef struct sim_profile {
    char *name;
    fb_config cfg;
} sim_profile;

/* ---- policies on a call edge (docs/policies.md) ----------------------------
 * Outermost first: fallback -> retry -> alternates -> breaker -> bulkhead ->
 * timeout -> transport. Each is off when zeroed. */

typedef enum sim_backoff {
    SIM_BACKOFF_EXPONENTIAL,  /* base x multiplier^(retry - 1), capped at max */
    SIM_BACKOFF_CONSTANT,     /* base */
    SIM_BACKOFF_DECORRELATED  /* min(max, uniform(base, 3 x the previous wait)) (AWS) */
} sim_backoff;

/* Which outcomes of an attempt a retry follows (bits). */
enum {
    SIM_RETRY_ON_ERROR = 1u << 0,
    SIM_RETRY_ON_TIMEOUT = 1u << 1,
    SIM_RETRY_ON_REFUSED = 1u << 2,
    SIM_RETRY_ON_SHED = 1u << 3,
    SIM_RETRY_ON_REJECTED = 1u << 4, /* the caller's own breaker said no */
    SIM_RETRY_ON_DEFAULT = SIM_RETRY_ON_ERROR | SIM_RETRY_ON_TIMEOUT | SIM_RETRY_ON_REFUSED |
                           SIM_RETRY_ON_SHED
};

typedef struct sim_retry {
    uint32_t max_attempts;    /* attempts in all, the first included; 0 or 1: no retry */
    sim_backoff backoff;
    int64_t base_ns;          /* 50 ms */
    double multiplier;        /* 2 */
    int64_t max_ns;           /* the longest wait between attempts; 1 s */
    uint32_t on;              /* SIM_RETRY_ON_* bits; SIM_RETRY_ON_DEFAULT */
    /* The retry budget (Envoy, gRPC): a retry is allowed only while the
     * edge's retries over the last 'budget_window_ns' stay within
     * budget_ratio x its calls over the same window, or within
     * budget_min_per_s x the window in seconds, whichever is larger. */
    bool budget;              /* false: no budget */
    double budget_ratio;      /* 0.2 */
    double budget_min_per_s;  /* 10 */
    int64_t budget_window_ns; /* 10 s */
} sim_retry;

/* At most 'max_concurrent' calls in flight from one caller instance on the
 * edge; a call over it waits up to 'max_wait_ns' for a slot (FIFO), then is
 * shed. */
typedef struct sim_bulkhead {
    uint32_t max_concurrent; /* 0: no bulkhead */
    int64_t max_wait_ns;     /* 0: shed at once */
} sim_bulkhead;

typedef enum sim_fallback_kind {
    SIM_FALLBACK_NONE,    /* the failure goes to the caller */
    SIM_FALLBACK_FAIL,    /* the same, said explicitly (and logged) */
    SIM_FALLBACK_CACHE,   /* a stale answer with probability 'hit', else the failure */
    SIM_FALLBACK_DEFAULT  /* a static answer, always */
} sim_fallback_kind;

/* Applied when the call has failed after retries and alternates; an answer
 * from a fallback is degraded: neither success nor failure. */
typedef struct sim_fallback {
    sim_fallback_kind kind;
    double hit; /* CACHE */
} sim_fallback;

/* One call edge: the caller's handler calls service 'to'. An alternate is an
 * edge too (with its own breaker and timeout), tried when the primary's
 * breaker rejects or its attempt fails; alternates follow every handler call
 * in sim_scenario.calls and are marked 'alternate'. A zeroed sim_call with
 * from, to and probability set is a plain handler call without policies. */
typedef struct sim_call {
    uint32_t from;         /* calling service */
    uint32_t to;           /* called service */
    double probability;    /* chance the call is made at all; 1 */
    int64_t timeout_ns;    /* 0: no timeout (the caller waits for ever) */
    uint32_t profile;      /* breaker profile index, or SIM_NONE: no breaker */
    sim_breaker_scope scope;
    bool optional;         /* false: a failed call fails the request */
    sim_retry retry;       /* handler calls only */
    sim_bulkhead bulkhead; /* handler calls only */
    sim_fallback fallback; /* handler calls only */
    uint32_t first_alt, n_alts; /* its alternates, in order, in sim_scenario.calls */
    bool alternate;             /* an alternate of calls[primary], not in any step */
    uint32_t primary;
} sim_call;

/* A handler step: one call, or several calls in parallel. */
typedef struct sim_step {
    uint32_t first_call; /* index into sim_scenario.calls */
    uint32_t n_calls;
    bool parallel;
} sim_step;

typedef struct sim_slo {
    double error_ratio; /* a tick is healthy while errors / requests <= this */
    int64_t p99_ns;     /* ... and the tick's p99 latency <= this */
} sim_slo;

/* Outlier ejection (Envoy): an instance whose answers to callers fail
 * 'consecutive' times in a row (error, timeout, refused, shed) leaves the
 * load balancing for base x times ejected, at most 'max_ns'; never more than
 * max_percent of the instances (and never all) are out at once. */
typedef struct sim_ejection {
    uint32_t consecutive; /* 0: off */
    int64_t base_ns;      /* 30 s */
    int64_t max_ns;       /* 300 s */
    double max_percent;   /* 50 */
} sim_ejection;

typedef struct sim_service {
    char *name;
    uint32_t replicas;         /* instances, >= 1 */
    uint32_t concurrency;      /* worker slots per instance, >= 1 */
    uint32_t queue;            /* wait-queue capacity per instance, >= 0 */
    int64_t queue_timeout_ns;  /* 0: wait for ever */
    sim_dist latency;          /* own service time, ns */
    double error_rate;         /* base probability that the handler fails */
    sim_lb lb;                 /* how callers pick one of its instances */
    sim_slo slo;
    sim_ejection ejection;
    uint32_t first_step, n_steps; /* into sim_scenario.steps */
} sim_service;

typedef enum sim_shape {
    SIM_SHAPE_CONSTANT, /* evenly spaced arrivals */
    SIM_SHAPE_POISSON   /* exponential gaps */
} sim_shape;

/* A change of an arrival rate over time. The rate at t is the base rate,
 * replaced by the last step at or before t, moved linearly by a ramp while it
 * runs (and held at its target after), multiplied by every burst active at t,
 * and by 1 + amplitude * sin(2 pi (t - phase) / period) for a diurnal shape. */
typedef enum sim_rate_change_kind {
    SIM_RATE_STEP,    /* from 'start': rate = value */
    SIM_RATE_RAMP,    /* from 'start' over 'duration': rate moves to value */
    SIM_RATE_BURST,   /* from 'start' for 'duration': rate x value */
    SIM_RATE_DIURNAL  /* period = duration, amplitude = value, phase = start */
} sim_rate_change_kind;

typedef struct sim_rate_change {
    sim_rate_change_kind kind;
    int64_t start_ns;
    int64_t duration_ns;
    double value;
} sim_rate_change;

/* Open-loop load entering one service. */
typedef struct sim_load {
    uint32_t entry;   /* service index */
    double rate;      /* requests per second at t = 0 */
    sim_shape shape;
    uint32_t first_change, n_changes; /* into sim_scenario.rate_changes, by start */
} sim_load;

typedef enum sim_fault_kind {
    SIM_FAULT_LATENCY,   /* add 'delay' to the service time */
    SIM_FAULT_ERRORS,    /* the handler fails with 'probability' */
    SIM_FAULT_CRASH,     /* calls are refused at once */
    SIM_FAULT_HANG,      /* calls are accepted and never answered */
    SIM_FAULT_BROWNOUT,  /* worker slots cut to 'fraction' (at least 0) */
    SIM_FAULT_SLOWDOWN,  /* service time x 'factor' */
    SIM_FAULT_PARTITION, /* the edge (or every edge into the service) drops calls:
                            no answer, only a timeout ends them */
    SIM_FAULT_FLAPPING   /* a crash that is on for 'fraction' of every 'period' */
} sim_fault_kind;

/* The kinds as the scenario names them, by sim_fault_kind; NULL-terminated. */
extern const char *const sim_fault_kind_names[];

typedef enum sim_target_kind {
    SIM_TARGET_SERVICE,  /* every instance of 'service' */
    SIM_TARGET_INSTANCE, /* instance 'instance' of 'service' */
    SIM_TARGET_EDGE      /* calls from service 'from' to 'service' */
} sim_target_kind;

typedef struct sim_fault {
    sim_fault_kind kind;
    sim_target_kind target;
    uint32_t service;  /* the target service (the callee for an edge) */
    uint32_t instance; /* SIM_TARGET_INSTANCE */
    uint32_t from;     /* SIM_TARGET_EDGE: the caller */
    int64_t start_ns;
    int64_t duration_ns;
    sim_dist delay;    /* LATENCY: the extra delay, ns */
    double probability; /* ERRORS */
    double fraction;   /* BROWNOUT: capacity kept; FLAPPING: share of each period on */
    double factor;     /* SLOWDOWN */
    int64_t period_ns; /* FLAPPING */
    char *label;       /* "latency on payment", for reports */
} sim_fault;

/* ---- expectations (firebreak check; docs/scenario.md "expect") ----------- */

/* What an expectation is about. */
typedef enum sim_expect_scope {
    SIM_EXPECT_RUN,     /* the whole run (at the entry) */
    SIM_EXPECT_FAULT,   /* one fault, or every fault */
    SIM_EXPECT_SERVICE, /* one service */
    SIM_EXPECT_EDGE     /* one call edge */
} sim_expect_scope;

/* How a metric's bounds are written and shown. */
typedef enum sim_expect_unit {
    SIM_UNIT_RATIO,   /* a number in [0, 1] */
    SIM_UNIT_NUMBER,  /* a count or a rate */
    SIM_UNIT_SECONDS, /* a duration ("20s"), held in seconds */
    SIM_UNIT_BOOL     /* true / false, held as 1 / 0 */
} sim_expect_unit;

typedef struct sim_expect_metric {
    const char *name;
    sim_expect_scope scope;
    sim_expect_unit unit;
} sim_expect_metric;

/* Every metric an expectation may name, NULL-named at the end. A name may
 * appear once per scope ("availability" of the run, or of a service); the
 * expectation's keys choose the scope. reports/ computes each (docs/metrics.md). */
extern const sim_expect_metric sim_expect_metrics[];

typedef struct sim_expect {
    uint32_t metric;   /* index into sim_expect_metrics */
    uint32_t fault;    /* SIM_EXPECT_FAULT: the fault, or SIM_NONE for every fault */
    uint32_t service;  /* SIM_EXPECT_SERVICE */
    uint32_t edge;     /* SIM_EXPECT_EDGE */
    bool has_min, has_max;
    double min, max;   /* inclusive; seconds for durations, 1/0 for booleans */
    char *text;        /* e.g. "time_to_recover <= 20s for payment slow" */
} sim_expect;

typedef struct sim_scenario {
    char *name;
    char *description;
    char *path;          /* the file it came from */
    uint64_t seed;
    int64_t duration_ns;
    int64_t tick_ns;     /* metrics resolution; 1 s */
    sim_slo slo;         /* the city-wide default */

    sim_profile *profiles;  size_t n_profiles;
    sim_service *services;  size_t n_services;
    sim_step *steps;        size_t n_steps;
    sim_call *calls;        size_t n_calls;
    sim_load *loads;        size_t n_loads;
    sim_rate_change *rate_changes; size_t n_rate_changes;
    sim_fault *faults;      size_t n_faults;
    sim_expect *expects;    size_t n_expects;
} sim_scenario;

/* The index of the service named 'name', or SIM_NONE. */
uint32_t sim_scenario_service(const sim_scenario *sc, const char *name);

/* The arrival rate of 'load' at 't_ns' (>= 0), as the comment on
 * sim_rate_change defines it. */
double sim_load_rate(const sim_scenario *sc, const sim_load *load, int64_t t_ns);

/* The largest rate 'load' can reach (for thinning Poisson arrivals). */
double sim_load_max_rate(const sim_scenario *sc, const sim_load *load);

/* Free the scenario and everything it owns; NULL is a no-op. */
void sim_scenario_free(sim_scenario *sc);

#endif /* SIM_MODEL_H */
