/* breaker.h — libfirebreak, a clock-agnostic circuit-breaker engine for C.
 *
 * The engine never reads a clock, never starts a thread, never prints and never
 * allocates after a breaker is created: every function that needs time takes
 * 'now_ns', int64 nanoseconds on a monotonic clock of the caller's choosing
 * (virtual time in the simulator, CLOCK_MONOTONIC in production). The
 * instants one breaker sees must span less than 2^63 ns (292 years).
 *
 * A call goes through two steps:
 *
 *     fb_permit p;
 *     if (fb_breaker_acquire(b, now_ns, &p)) {
 *         ... make the call ...
 *         fb_breaker_record(b, &p, FB_SUCCESS, duration_ns, end_ns);
 *     } else {
 *         ... p.reason says why, p.retry_after_ns says when to try again ...
 *     }
 *
 * docs/breaker.md describes the state machine, every configuration field and how
 * each maps to Resilience4j, Hystrix, Polly, gobreaker and Envoy. The failure-
 * prediction rules (latency trend, SRE throttling, Wilson bound, recovery
 * ramp) are off until a configuration turns them on.
 */
#ifndef FIREBREAK_BREAKER_H
#define FIREBREAK_BREAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FB_VERSION_MAJOR 0
#define FB_VERSION_MINOR 1
#define FB_VERSION_PATCH 0
#define FB_VERSION "0.1.0"

#if defined(FB_BUILDING) && defined(__GNUC__)
#define FB_API __attribute__((visibility("default")))
#else
#define FB_API
#endif

/* Status codes. Appended, never renumbered. */
#define FB_STATUS_MAP(X)                                              \
    X(OK, 0, "success")                                               \
    X(EINVAL, -1, "invalid argument")                                 \
    X(ENOMEM, -2, "out of memory")                                    \
    X(EILLEGAL, -3, "illegal state transition")                       \
    X(ENOENT, -4, "no such breaker")                                  \
    X(EPERMIT, -5, "permit was not granted or was already recorded")  \
    X(EFULL, -6, "too many event listeners")

typedef enum fb_status {
#define FB__X(name, val, msg) FB_##name = (val),
    FB_STATUS_MAP(FB__X)
#undef FB__X
} fb_status;

/* A short English description of 'status'; never NULL. */
FB_API const char *fb_strerror(fb_status status);

/* The version string of the library actually linked (compare with FB_VERSION). */
FB_API const char *fb_version(void);

/* States. CLOSED, OPEN and HALF_OPEN are the automatic cycle; DISABLED (always
 * permit, record nothing), FORCED_OPEN (always reject) and METRICS_ONLY (always
 * permit, record and evaluate the rules, report would-be trips as events, never
 * change state) are entered and left only by hand. */
typedef enum fb_state {
    FB_STATE_CLOSED,
    FB_STATE_OPEN,
    FB_STATE_HALF_OPEN,
    FB_STATE_DISABLED,
    FB_STATE_FORCED_OPEN,
    FB_STATE_METRICS_ONLY,
    FB_STATE_COUNT
} fb_state;

typedef enum fb_outcome {
    FB_SUCCESS,
    FB_FAILURE,
    FB_IGNORED /* not counted; in HALF_OPEN the trial permit is given back */
} fb_outcome;

/* Why a permit was refused. Appended, never renumbered. */
typedef enum fb_reject {
    FB_REJECT_NONE,           /* the permit was granted */
    FB_REJECT_OPEN,           /* OPEN: retry after the open wait */
    FB_REJECT_HALF_OPEN_FULL, /* HALF_OPEN: every trial permit is taken */
    FB_REJECT_FORCED_OPEN,    /* FORCED_OPEN: until someone changes it */
    FB_REJECT_THROTTLED,      /* CLOSED, FB_RULE_THROTTLE: shed locally (SRE throttling) */
    FB_REJECT_RAMP,           /* CLOSED, FB_RULE_RECOVERY_RAMP: not in the admitted fraction */
    FB_REJECT_COUNT
} fb_reject;

/* Why a transition happened. */
typedef enum fb_reason {
    FB_REASON_FAILURE_RATE,
    FB_REASON_SLOW_CALL_RATE,
    FB_REASON_CONSECUTIVE_FAILURES,
    FB_REASON_ABSOLUTE_FAILURES,
    FB_REASON_OPEN_WAIT_ELAPSED,
    FB_REASON_TRIALS_PASSED,
    FB_REASON_TRIALS_FAILED,
    FB_REASON_HALF_OPEN_DEADLINE,
    FB_REASON_MANUAL,
    FB_REASON_FORCED_UNTIL,
    FB_REASON_LATENCY_TREND, /* FB_RULE_LATENCY_TREND: short/long latency >= the ratio */
    FB_REASON_COUNT
} fb_reason;

typedef enum fb_window_type {
    FB_WINDOW_COUNT, /* the last 'window_size' outcomes */
    FB_WINDOW_TIME   /* the last 'window_size' seconds, one bucket per second */
} fb_window_type;

/* Trip and admission rules, combinable as a bit set. Bits 0..4 trip a CLOSED
 * breaker; bits 5 and 6 refuse some calls in CLOSED without changing the
 * state. Bits 7..15 are reserved for later rules. */
enum {
    FB_RULE_FAILURE_RATE = 1u << 0,         /* failure rate >= threshold */
    FB_RULE_SLOW_CALL_RATE = 1u << 1,       /* slow-call rate >= threshold */
    FB_RULE_CONSECUTIVE_FAILURES = 1u << 2, /* N failures in a row */
    FB_RULE_ABSOLUTE_FAILURES = 1u << 3,    /* N failures within the window */
    FB_RULE_LATENCY_TREND = 1u << 4,        /* short latency average >= ratio x long */
    FB_RULE_THROTTLE = 1u << 5,             /* Google SRE client-side throttling */
    FB_RULE_RECOVERY_RAMP = 1u << 6         /* after HALF_OPEN -> CLOSED: admit a
                                               rising fraction of calls */
};

typedef enum fb_half_open_verdict {
    FB_VERDICT_RATE,  /* after all trials: re-open if the trial failure rate >=
                         failure_rate_threshold, or (slow-call rule on) the slow
                         rate >= slow_call_rate_threshold; else close (Resilience4j) */
    FB_VERDICT_STRICT /* any failure (or slow call, slow-call rule on) re-opens at
                         once; half_open_permits successes close */
} fb_half_open_verdict;

/* A caller-supplied source of random bits, used only for open-wait jitter,
 * FB_RULE_THROTTLE and FB_RULE_RECOVERY_RAMP: the engine itself never draws a
 * random number, so it stays deterministic. It is called with the breaker's
 * lock held: it must not call into the breaker, and must be thread-safe if
 * several breakers (a registry's) share its context. */
typedef uint64_t (*fb_random_fn)(void *ctx);

/* Breaker configuration. Always start from fb_config_init(), which sets
 * Resilience4j's defaults, then change fields; fields may be appended in later
 * versions. Rates are percentages in (0, 100]; durations are nanoseconds. */
typedef struct fb_config {
    fb_window_type window_type;      /* FB_WINDOW_COUNT */
    uint32_t window_size;            /* 100 (outcomes, or seconds for TIME) */
    uint32_t min_calls;              /* 100; for COUNT clamped to window_size */
    uint32_t rules;                  /* FAILURE_RATE | SLOW_CALL_RATE */
    double failure_rate_threshold;   /* 50 */
    double slow_call_rate_threshold; /* 100 */
    int64_t slow_call_ns;            /* 60 s; slow = duration > this */
    uint32_t consecutive_failures;   /* 0; must be >= 1 if its rule is on */
    uint32_t absolute_failures;      /* 0; must be >= 1 if its rule is on */

    int64_t open_wait_ns;            /* 60 s: the first wait in OPEN */
    double open_wait_multiplier;     /* 1 (fixed); > 1 grows per consecutive re-open */
    int64_t open_wait_max_ns;        /* 0; the cap, required when multiplier > 1 */
    int64_t open_wait_decay_ns;      /* 60 s; each such span healthy in CLOSED
                                        forgets one re-open; 0: forget all at close */
    double open_wait_jitter;         /* 0; wait x [1 - j, 1 + j], j in [0, 1) */
    fb_random_fn random;             /* NULL; required when jitter > 0 */
    void *random_ctx;

    uint32_t half_open_permits;      /* 10 */
    fb_half_open_verdict half_open_verdict; /* FB_VERDICT_RATE */
    int64_t half_open_deadline_ns;   /* 60 s (Resilience4j: off); 0 turns it off.
                                        Re-open when trials are outstanding and
                                        none has come back for this long */

    bool synchronized;               /* false; true: safe from many threads */

    /* Failure prediction (docs/breaker.md). Every rule below is off until its
     * bit is set in 'rules' (or failure_rate_z > 0); the defaults apply then.
     * The fields are checked even while their rule is off. */
    double failure_rate_z;           /* 0 (off); > 0: FB_RULE_FAILURE_RATE judges the
                                        Wilson score lower bound at this z (1.96:
                                        95 %) instead of the plain rate; <= 10 */
    uint32_t latency_short_calls;    /* 100: the short latency average spans about
                                        this many calls (weight 2 / (n + 1)) */
    int64_t latency_long_ns;         /* 300 s: the long average, one step per second
                                        that had calls; [1 s, 86400 s] */
    double latency_trend_ratio;      /* 2: FB_RULE_LATENCY_TREND trips when
                                        short >= ratio x long; > 1 */
    double throttle_k;               /* 2: FB_RULE_THROTTLE's K, >= 1: refuse with
                                        probability (requests - K accepts) / (requests + 1) */
    int64_t throttle_window_ns;      /* 60 s: its window, 60 buckets; [1 ms, 86400 s] */
    int64_t recovery_ramp_ns;        /* 30 s: FB_RULE_RECOVERY_RAMP's length; > 0 */
    double recovery_ramp_start;      /* 0.1: the fraction admitted when it starts,
                                        rising linearly to 1; [0, 1] */
} fb_config;

/* Fill 'cfg' with the defaults listed above. */
FB_API void fb_config_init(fb_config *cfg);

/* Check 'cfg'. Returns FB_OK, or FB_EINVAL with a message naming the field and
 * the reason ("failure_rate_threshold must be in (0, 100], got 120") written to
 * 'msg' (at most 'msg_size' bytes, always terminated; 'msg' may be NULL). */
FB_API fb_status fb_config_check(const fb_config *cfg, char *msg, size_t msg_size);

typedef struct fb_breaker fb_breaker;

/* A decision of fb_breaker_acquire(). Caller-owned; pass the same permit to
 * fb_breaker_record() once. */
typedef struct fb_permit {
    uint64_t generation;    /* the breaker's state generation when acquired */
    int64_t acquired_ns;
    int64_t retry_after_ns; /* on rejection: when the answer may change
                               (INT64_MAX if unknown; the rejection's own
                               instant when the next call may pass: THROTTLED
                               and RAMP) */
    fb_reject reason;       /* FB_REJECT_NONE when granted */
    fb_state state;         /* the state that decided */
    bool granted;           /* true until recorded */
} fb_permit;

/* What the window holds at one instant (in HALF_OPEN: the trial outcomes). */
typedef struct fb_window_stats {
    uint64_t calls;
    uint64_t failures;
    uint64_t slow;
    uint32_t consecutive_failures; /* the current failure run */
    double failure_rate; /* percent; 0 when calls == 0 */
    double slow_rate;    /* percent; 0 when calls == 0 */
    /* The failure-prediction figures; 0 while their rule is off. */
    double failure_rate_lower;  /* percent: the Wilson score lower bound of the
                                   failure rate at failure_rate_z */
    int64_t latency_short_ns;   /* FB_RULE_LATENCY_TREND: the short average */
    int64_t latency_long_ns;    /* ... and the long one, the baseline */
    uint64_t throttle_requests; /* FB_RULE_THROTTLE: requests in its window */
    uint64_t throttle_accepts;  /* ... and successes */
    double throttle_rate;       /* percent: the probability of refusing a call now */
} fb_window_stats;

typedef enum fb_event_kind {
    FB_EVENT_TRANSITION, /* the state changed from 'from' to 'to' */
    FB_EVENT_WOULD_TRIP, /* METRICS_ONLY: a rule fired; the window restarts */
    FB_EVENT_RESET       /* fb_breaker_reset(): back to a fresh CLOSED */
} fb_event_kind;

typedef struct fb_event {
    fb_event_kind kind;
    fb_state from;
    fb_state to;
    fb_reason reason;
    int64_t at_ns;
    int64_t open_until_ns;  /* when 'to' is FB_STATE_OPEN, else 0 */
    uint64_t generation;    /* the state generation after the event */
    uint64_t seq;           /* 1, 2, 3... per breaker: orders all events */
    fb_window_stats window; /* the figures at that moment */
    const char *name;       /* the breaker's name ("" if none) */
    fb_breaker *breaker;
} fb_event;

/* Called after the state has changed and outside any lock: the callback may
 * call back into the breaker. In synchronized mode callbacks may run on several
 * threads at once; 'seq' orders the events. */
typedef void (*fb_event_fn)(const fb_event *ev, void *ctx);

#define FB_MAX_LISTENERS 8

/* Observability counters, kept in every state including DISABLED. */
typedef struct fb_metrics {
    fb_state state;
    uint64_t entries[FB_STATE_COUNT];       /* times each state was entered */
    int64_t time_in_ns[FB_STATE_COUNT];     /* time spent in each, up to now */
    uint64_t permitted;
    uint64_t not_permitted;
    uint64_t successes;
    uint64_t failures;
    uint64_t slow;
    uint64_t ignored;
    uint64_t late;        /* outcomes whose permit predates the last change */
    uint64_t transitions;
    uint32_t reopens;     /* consecutive re-opens that set the next open wait */
    int64_t open_until_ns; /* in OPEN: when it may go HALF_OPEN */
    uint64_t throttled;   /* refusals by FB_RULE_THROTTLE (in not_permitted too) */
    uint64_t ramp_rejected; /* refusals by FB_RULE_RECOVERY_RAMP (likewise) */
} fb_metrics;

/* Create a breaker in CLOSED. 'name' is copied (NULL for none); 'cfg' is
 * copied and checked: FB_EINVAL if fb_config_check() fails, FB_ENOMEM.
 * The caller frees '*out' with fb_breaker_free(). */
FB_API fb_status fb_breaker_new(fb_breaker **out, const char *name, const fb_config *cfg);

/* Free 'b'; NULL is a no-op. */
FB_API void fb_breaker_free(fb_breaker *b);

/* The breaker's name ("" if none) and its configuration (borrowed). */
FB_API const char *fb_breaker_name(const fb_breaker *b);
FB_API const fb_config *fb_breaker_config(const fb_breaker *b);

/* Decide whether a call may start at 'now_ns'. Returns true and fills
 * '*permit' when it may; otherwise false with permit->reason and
 * permit->retry_after_ns. OPEN becomes HALF_OPEN here once the open wait has
 * passed, and the permit is then decided by HALF_OPEN. Never blocks.
 * False, touching nothing, if 'b' or 'permit' is NULL. */
FB_API bool fb_breaker_acquire(fb_breaker *b, int64_t now_ns, fb_permit *permit);

/* Record the outcome of a call admitted by 'permit', which took 'duration_ns'
 * and ended at 'now_ns' (a TIME window counts it in the bucket of 'now_ns').
 * An outcome whose permit predates the last state change counts in the
 * metrics as late but never moves the state. Marks the permit used.
 * Returns FB_OK; FB_EPERMIT if the permit is NULL, was refused or was already
 * recorded; FB_EINVAL for a NULL breaker or an unknown outcome. A copy of a
 * recorded permit recorded again counts as late. */
FB_API fb_status fb_breaker_record(fb_breaker *b, fb_permit *permit, fb_outcome outcome,
                                   int64_t duration_ns, int64_t now_ns);

/* The state at 'now_ns', moving OPEN to HALF_OPEN and HALF_OPEN to OPEN (past
 * the half-open deadline) first, so it never reports a state that should have
 * moved. FB_STATE_COUNT if 'b' is NULL. */
FB_API fb_state fb_breaker_state(fb_breaker *b, int64_t now_ns);

/* The window's figures at 'now_ns' (TIME buckets older than the window are
 * gone; in HALF_OPEN, the trials'). O(1) apart from aging out buckets. */
FB_API void fb_breaker_window(fb_breaker *b, int64_t now_ns, fb_window_stats *out);

/* The observability counters at 'now_ns'. */
FB_API void fb_breaker_metrics(fb_breaker *b, int64_t now_ns, fb_metrics *out);

/* Move to 'to' by hand (reason FB_REASON_MANUAL). Legal moves: see
 * fb_transition_legal(). Returns FB_OK, FB_EILLEGAL (nothing changed) or
 * FB_EINVAL. */
FB_API fb_status fb_breaker_transition(fb_breaker *b, fb_state to, int64_t now_ns);

/* Whether a manual move 'from' -> 'to' is legal. Automatic moves are a subset. */
FB_API bool fb_transition_legal(fb_state from, fb_state to);

/* Back to a fresh CLOSED from any state: empty window, re-open count zero. */
FB_API void fb_breaker_reset(fb_breaker *b, int64_t now_ns);

/* Open until 'until_ns' (a Retry-After from a 429 or 503), then HALF_OPEN as
 * usual. From CLOSED or HALF_OPEN it opens (reason FB_REASON_FORCED_UNTIL); in
 * OPEN it extends the wait if 'until_ns' is later. Does not count as a
 * re-open. An instant not after 'now_ns' changes nothing (FB_OK): a stale
 * Retry-After must not trip a healthy breaker. FB_EILLEGAL in DISABLED,
 * FORCED_OPEN and METRICS_ONLY. */
FB_API fb_status fb_breaker_open_until(fb_breaker *b, int64_t until_ns, int64_t now_ns);

/* Register 'fn' to hear every event of 'b'. FB_EFULL past FB_MAX_LISTENERS. */
FB_API fb_status fb_breaker_on_event(fb_breaker *b, fb_event_fn fn, void *ctx);

FB_API const char *fb_state_name(fb_state s);
FB_API const char *fb_reason_name(fb_reason r);
FB_API const char *fb_reject_name(fb_reject r);
FB_API const char *fb_outcome_name(fb_outcome o);

/* A registry: breakers by name, created on first use from one shared
 * configuration. Synchronized when that configuration is. */
typedef struct fb_registry fb_registry;

/* Create an empty registry whose breakers use 'cfg' (copied, checked). */
FB_API fb_status fb_registry_new(fb_registry **out, const fb_config *cfg);

/* Free the registry and every breaker in it; NULL is a no-op. */
FB_API void fb_registry_free(fb_registry *reg);

/* The breaker named 'name', created on first use. The pointer is borrowed:
 * valid until fb_registry_remove() of that name or fb_registry_free(). */
FB_API fb_status fb_registry_get(fb_registry *reg, const char *name, fb_breaker **out);

/* The breaker named 'name' if it exists (NULL otherwise); never creates. */
FB_API fb_breaker *fb_registry_find(fb_registry *reg, const char *name);

/* Remove and free the breaker named 'name': FB_OK or FB_ENOENT. No thread may
 * be using it. */
FB_API fb_status fb_registry_remove(fb_registry *reg, const char *name);

/* How many breakers the registry holds. */
FB_API size_t fb_registry_count(fb_registry *reg);

/* Call 'fn' for each breaker, in creation order, holding the registry's lock:
 * 'fn' may use the breaker, but neither it nor a listener that its use
 * triggers may call registry functions (the lock is not recursive). */
FB_API void fb_registry_foreach(fb_registry *reg, void (*fn)(fb_breaker *b, void *ctx),
                                void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* FIREBREAK_BREAKER_H */
