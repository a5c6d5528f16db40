/* breaker.c — the circuit-breaker state machine.
 *
 * A breaker is one allocation: the struct, its name, and its window's ring.
 * Every public function runs as one "operation": take the lock (synchronized
 * mode only), clamp 'now' so time never goes backwards, catch up on the lazy
 * moves (OPEN -> HALF_OPEN once the wait is over, HALF_OPEN -> OPEN past the
 * deadline), do the work, collect the events it caused, release the lock, and
 * only then call the listeners, so a listener may call back into the breaker.
 *
 * Invariants:
 *  - 'generation' grows on every transition and reset; a permit from an older
 *    generation is late and never moves the state.
 *  - In HALF_OPEN, trials_done <= trials_issued <= half_open_permits; the
 *    half-open deadline is armed only while a trial is outstanding
 *    (trials_done < trials_issued), counted from the last progress: the
 *    first outstanding trial's permit, or the last trial to come back.
 *  - The window holds outcomes of the current CLOSED (or METRICS_ONLY) period
 *    only; entering either clears it. In OPEN it keeps what tripped it (a TIME
 *    window still ages out by 'now').
 *  - The failure run ('consecutive') belongs to the window's period: it is
 *    cleared with the window and when a TIME window has aged out entirely.
 *  - So do the failure-prediction figures (the throttle's window and the
 *    latency averages, predict.c): fed only by CLOSED (the averages also by
 *    METRICS_ONLY), cleared on entering either. 'extra' holds the opt-in
 *    rules that are on, so with all of them off the call path pays one test
 *    of it in acquire and one in record. A recovery ramp runs only in the
 *    CLOSED period that trials_passed started: ramp_until_ns is INT64_MIN
 *    otherwise.
 *
 * Cost: acquire and record are O(1) (a TIME window's aging is O(1) per elapsed
 * second, amortized); nothing allocates after fb_breaker_new().
 */
#define _POSIX_C_SOURCE 200809L
#include "breaker.h"

#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h> /* vsnprintf only: the engine never prints */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_OP_EVENTS 4

/* fb_breaker.extra: the opt-in rules' bits of cfg.rules, and the Wilson
 * bound, which modifies FB_RULE_FAILURE_RATE rather than being a rule. The
 * call path tests one of the two masks, once per acquire and per record. */
#define EXTRA_WILSON (1u << 31)
#define EXTRA_ON_ACQUIRE (FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP)
#define EXTRA_ON_RECORD (FB_RULE_THROTTLE | FB_RULE_LATENCY_TREND)

#ifdef __GNUC__
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define UNLIKELY(x) (x)
#define NOINLINE
#define ALWAYS_INLINE inline
#endif

struct listener {
    fb_event_fn fn;
    void *ctx;
};

struct fb_breaker {
    fb_config cfg;
    fb__lock lock;
    fb_state state;
    uint32_t extra;        /* the failure-prediction rules that are on (EXTRA_*) */
    bool started;          /* seen a 'now' yet */
    uint64_t generation;
    int64_t last_now_ns;   /* the largest 'now' seen */
    int64_t entered_ns;    /* when the current state began */
    int64_t open_until_ns; /* OPEN: when HALF_OPEN may begin */
    int64_t next_change_ns; /* when a lazy move is due: open_until in OPEN, the
                               armed deadline in HALF_OPEN, INT64_MAX otherwise */
    int64_t trials_since_ns; /* HALF_OPEN: when the outstanding trials began */
    uint64_t events;       /* events so far: fb_event.seq */
    uint32_t min_calls;    /* cfg.min_calls, clamped for COUNT windows */
    uint32_t consecutive;  /* failures in a row in the window's period */
    uint32_t trials_issued;
    uint32_t trials_done;
    uint32_t trial_failures;
    uint32_t trial_slow;
    struct fb__window window;
    fb_metrics m;          /* counters; m.state and the current time are filled on read */
    uint64_t outcomes[3];  /* by fb_outcome: m's successes, failures, ignored */
    int64_t ramp_from_ns;  /* the recovery ramp: from when ... */
    int64_t ramp_until_ns; /* ... until when; INT64_MIN: no ramp */
    struct fb__throttle throttle;
    struct fb__trend trend;
    unsigned n_listeners;
    struct listener listeners[FB_MAX_LISTENERS];
    char name[];
};

/* The events one operation caused, delivered after the lock is released. */
struct op {
    unsigned n_events;
    unsigned n_listeners;
    fb_event events[MAX_OP_EVENTS];
    struct listener listeners[FB_MAX_LISTENERS];
};

/* ---- strings ---------------------------------------------------------- */

const char *fb_strerror(fb_status status)
{
    switch (status) {
#define FB__X(name, val, msg) \
    case FB_##name:           \
        return msg;
        FB_STATUS_MAP(FB__X)
#undef FB__X
    }
    return "unknown error";
}

const char *fb_version(void)
{
    return FB_VERSION;
}

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
    return v < n ? names[v] : "unknown";
}

#define NAME_OF(names, v) name_of(names, sizeof(names) / sizeof(names[0]), (unsigned)(v))

const char *fb_state_name(fb_state s)
{
    static const char *const names[] = { "CLOSED",      "OPEN",        "HALF_OPEN",
                                         "DISABLED",    "FORCED_OPEN", "METRICS_ONLY" };
    _Static_assert(sizeof(names) / sizeof(names[0]) == FB_STATE_COUNT, "a state has no name");
    return NAME_OF(names, s);
}

const char *fb_reason_name(fb_reason r)
{
    static const char *const names[] = {
        "failure_rate",      "slow_call_rate", "consecutive_failures", "absolute_failures",
        "open_wait_elapsed", "trials_passed",  "trials_failed",        "half_open_deadline",
        "manual",            "forced_until",   "latency_trend"
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == FB_REASON_COUNT, "a reason has no name");
    return NAME_OF(names, r);
}

const char *fb_reject_name(fb_reject r)
{
    static const char *const names[] = { "none",        "open",      "half_open_full",
                                         "forced_open", "throttled", "ramp" };
    _Static_assert(sizeof(names) / sizeof(names[0]) == FB_REJECT_COUNT, "a rejection has no name");
    return NAME_OF(names, r);
}

const char *fb_outcome_name(fb_outcome o)
{
    static const char *const names[] = { "success", "failure", "ignored" };
    return NAME_OF(names, o);
}

/* ---- configuration ---------------------------------------------------- */

void fb_config_init(fb_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->window_type = FB_WINDOW_COUNT;
    cfg->window_size = 100;
    cfg->min_calls = 100;
    cfg->rules = FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE;
    cfg->failure_rate_threshold = 50;
    cfg->slow_call_rate_threshold = 100;
    cfg->slow_call_ns = 60 * FB__NS_PER_SEC;
    cfg->open_wait_ns = 60 * FB__NS_PER_SEC;
    cfg->open_wait_multiplier = 1;
    cfg->open_wait_decay_ns = 60 * FB__NS_PER_SEC;
    cfg->half_open_permits = 10;
    cfg->half_open_verdict = FB_VERDICT_RATE;
    cfg->half_open_deadline_ns = 60 * FB__NS_PER_SEC;
    cfg->failure_rate_z = 0;
    cfg->latency_short_calls = 100;
    cfg->latency_long_ns = 300 * FB__NS_PER_SEC;
    cfg->latency_trend_ratio = 2;
    cfg->throttle_k = 2;
    cfg->throttle_window_ns = 60 * FB__NS_PER_SEC;
    cfg->recovery_ramp_ns = 30 * FB__NS_PER_SEC;
    cfg->recovery_ramp_start = 0.1;
}

#define RULES_KNOWN \
    (FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE | FB_RULE_CONSECUTIVE_FAILURES | \
     FB_RULE_ABSOLUTE_FAILURES | FB_RULE_LATENCY_TREND | FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP)

static bool percent_ok(double v)
{
    return v > 0 && v <= 100; /* false for NaN */
}

#ifdef __GNUC__
static fb_status invalid(char *msg, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif

static fb_status invalid(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (msg && size > 0) {
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
    }
    return FB_EINVAL;
}

/* The failure-prediction fields, checked whether or not their rule is on. */
static fb_status predict_check(const fb_config *c, char *msg, size_t size)
{
    if (!(c->failure_rate_z >= 0 && c->failure_rate_z <= 10))
        return invalid(msg, size, "failure_rate_z must be in [0, 10] (0 turns it off), got %g",
                       c->failure_rate_z);
    if (c->latency_short_calls < 1 || c->latency_short_calls > FB__MAX_COUNT_WINDOW)
        return invalid(msg, size, "latency_short_calls must be in [1, %u], got %u",
                       FB__MAX_COUNT_WINDOW, c->latency_short_calls);
    if (c->latency_long_ns < FB__NS_PER_SEC || c->latency_long_ns > FB__MAX_LONG_NS)
        return invalid(msg, size, "latency_long_ns must be in [1 s, 86400 s], got %lld",
                       (long long)c->latency_long_ns);
    if (!(c->latency_trend_ratio > 1) || isinf(c->latency_trend_ratio))
        return invalid(msg, size, "latency_trend_ratio must be a finite number > 1, got %g",
                       c->latency_trend_ratio);
    if (!(c->throttle_k >= 1) || isinf(c->throttle_k))
        return invalid(msg, size, "throttle_k must be a finite number >= 1, got %g", c->throttle_k);
    if (c->throttle_window_ns < FB__NS_PER_SEC / 1000 || c->throttle_window_ns > FB__MAX_LONG_NS)
        return invalid(msg, size, "throttle_window_ns must be in [1 ms, 86400 s], got %lld",
                       (long long)c->throttle_window_ns);
    if (c->recovery_ramp_ns <= 0)
        return invalid(msg, size, "recovery_ramp_ns must be positive, got %lld",
                       (long long)c->recovery_ramp_ns);
    if (!(c->recovery_ramp_start >= 0 && c->recovery_ramp_start <= 1))
        return invalid(msg, size, "recovery_ramp_start must be in [0, 1], got %g",
                       c->recovery_ramp_start);
    if ((c->rules & (FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP)) && !c->random)
        return invalid(msg, size, "random must not be NULL when FB_RULE_%s is on",
                       (c->rules & FB_RULE_THROTTLE) ? "THROTTLE" : "RECOVERY_RAMP");
    return FB_OK;
}

fb_status fb_config_check(const fb_config *c, char *msg, size_t size)
{
    uint32_t max_window;

    if (msg && size > 0)
        msg[0] = '\0';
    if (!c)
        return invalid(msg, size, "config is NULL");
    max_window = c->window_type == FB_WINDOW_TIME ? FB__MAX_TIME_WINDOW : FB__MAX_COUNT_WINDOW;
    if (c->window_type != FB_WINDOW_COUNT && c->window_type != FB_WINDOW_TIME)
        return invalid(msg, size, "window_type must be FB_WINDOW_COUNT or FB_WINDOW_TIME, got %d",
                       (int)c->window_type);
    if (c->window_size < 1 || c->window_size > max_window)
        return invalid(msg, size, "window_size must be in [1, %u] for a %s window, got %u",
                       max_window, c->window_type == FB_WINDOW_TIME ? "TIME" : "COUNT",
                       c->window_size);
    if (c->min_calls < 1)
        return invalid(msg, size, "min_calls must be at least 1, got 0");
    if (c->rules & ~(uint32_t)RULES_KNOWN)
        return invalid(msg, size, "rules has unknown bits 0x%x", c->rules & ~(uint32_t)RULES_KNOWN);
    if (!percent_ok(c->failure_rate_threshold))
        return invalid(msg, size, "failure_rate_threshold must be in (0, 100], got %g",
                       c->failure_rate_threshold);
    if (!percent_ok(c->slow_call_rate_threshold))
        return invalid(msg, size, "slow_call_rate_threshold must be in (0, 100], got %g",
                       c->slow_call_rate_threshold);
    if (c->slow_call_ns <= 0)
        return invalid(msg, size, "slow_call_ns must be positive, got %lld",
                       (long long)c->slow_call_ns);
    if ((c->rules & FB_RULE_CONSECUTIVE_FAILURES) && c->consecutive_failures < 1)
        return invalid(msg, size,
                       "consecutive_failures must be at least 1 when its rule is on, got 0");
    if ((c->rules & FB_RULE_ABSOLUTE_FAILURES) && c->absolute_failures < 1)
        return invalid(msg, size, "absolute_failures must be at least 1 when its rule is on, got 0");
    if ((c->rules & FB_RULE_ABSOLUTE_FAILURES) && c->window_type == FB_WINDOW_COUNT &&
        c->absolute_failures > c->window_size)
        return invalid(msg, size,
                       "absolute_failures must be <= window_size (%u) for a COUNT window, got %u",
                       c->window_size, c->absolute_failures);
    if (c->open_wait_ns <= 0)
        return invalid(msg, size, "open_wait_ns must be positive, got %lld",
                       (long long)c->open_wait_ns);
    if (!(c->open_wait_multiplier >= 1) || isinf(c->open_wait_multiplier))
        return invalid(msg, size, "open_wait_multiplier must be a finite number >= 1, got %g",
                       c->open_wait_multiplier);
    if (c->open_wait_multiplier > 1 && c->open_wait_max_ns < c->open_wait_ns)
        return invalid(msg, size,
                       "open_wait_max_ns must be >= open_wait_ns (%lld) when "
                       "open_wait_multiplier > 1, got %lld",
                       (long long)c->open_wait_ns, (long long)c->open_wait_max_ns);
    if (c->open_wait_decay_ns < 0)
        return invalid(msg, size, "open_wait_decay_ns must be >= 0, got %lld",
                       (long long)c->open_wait_decay_ns);
    if (!(c->open_wait_jitter >= 0 && c->open_wait_jitter < 1))
        return invalid(msg, size, "open_wait_jitter must be in [0, 1), got %g",
                       c->open_wait_jitter);
    if (c->open_wait_jitter > 0 && !c->random)
        return invalid(msg, size, "open_wait_jitter needs a random source (random is NULL)");
    if (c->half_open_permits < 1 || c->half_open_permits > FB__MAX_COUNT_WINDOW)
        return invalid(msg, size, "half_open_permits must be in [1, %u], got %u",
                       FB__MAX_COUNT_WINDOW, c->half_open_permits);
    if (c->half_open_verdict != FB_VERDICT_RATE && c->half_open_verdict != FB_VERDICT_STRICT)
        return invalid(msg, size,
                       "half_open_verdict must be FB_VERDICT_RATE or FB_VERDICT_STRICT, got %d",
                       (int)c->half_open_verdict);
    if (c->half_open_deadline_ns < 0)
        return invalid(msg, size, "half_open_deadline_ns must be >= 0 (0 turns it off), got %lld",
                       (long long)c->half_open_deadline_ns);
    return predict_check(c, msg, size);
}

/* ---- life cycle ------------------------------------------------------- */

fb_status fb_breaker_new(fb_breaker **out, const char *name, const fb_config *cfg)
{
    fb_breaker *b;
    size_t len = name ? strlen(name) : 0;
    size_t ring, ring_at, throttle_at, throttle;

    if (!out)
        return FB_EINVAL;
    *out = NULL;
    if (!cfg || fb_config_check(cfg, NULL, 0) != FB_OK)
        return FB_EINVAL;
    /* One allocation: the struct, the name, the window's ring, then the
     * throttle's ring when that rule is on, each aligned. */
    ring_at = (sizeof(*b) + len + 1 + 15) & ~(size_t)15;
    ring = fb__window_bytes(cfg->window_type, cfg->window_size);
    throttle_at = (ring_at + ring + 15) & ~(size_t)15;
    throttle = (cfg->rules & FB_RULE_THROTTLE) ? fb__throttle_bytes() : 0;
    b = calloc(1, throttle_at + throttle);
    if (!b)
        return FB_ENOMEM;
    memcpy(b->name, name ? name : "", len + 1);
    b->cfg = *cfg;
    fb__window_init(&b->window, cfg->window_type, cfg->window_size, (char *)b + ring_at);
    atomic_init(&b->lock, 0);
    b->state = FB_STATE_CLOSED;
    b->min_calls = cfg->min_calls;
    if (cfg->window_type == FB_WINDOW_COUNT && b->min_calls > cfg->window_size)
        b->min_calls = cfg->window_size;
    b->m.entries[FB_STATE_CLOSED] = 1;
    b->next_change_ns = INT64_MAX;
    b->extra = cfg->rules & (FB_RULE_LATENCY_TREND | FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP);
    if (cfg->failure_rate_z > 0)
        b->extra |= EXTRA_WILSON;
    if (throttle)
        fb__throttle_init(&b->throttle, cfg->throttle_window_ns, (char *)b + throttle_at);
    fb__trend_init(&b->trend, cfg, b->min_calls);
    b->ramp_until_ns = INT64_MIN;
    *out = b;
    return FB_OK;
}

void fb_breaker_free(fb_breaker *b)
{
    free(b);
}

const char *fb_breaker_name(const fb_breaker *b)
{
    return b ? b->name : "";
}

const fb_config *fb_breaker_config(const fb_breaker *b)
{
    return b ? &b->cfg : NULL;
}

/* ---- locking and operations ------------------------------------------- */

void fb__lock_acquire(fb__lock *l)
{
    for (unsigned spins = 0;;) {
        if (!atomic_exchange_explicit(l, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(l, memory_order_relaxed)) {
            /* The holder may be descheduled (more threads than cores):
             * stop burning its time slice after a short spin. */
            if (++spins > 64)
                sched_yield();
        }
    }
}

/* Start an operation: lock, then clamp 'now' so time never goes backwards. */
static inline int64_t op_begin(fb_breaker *b, struct op *op, int64_t now_ns)
{
    op->n_events = 0;
    if (b->cfg.synchronized)
        fb__lock_acquire(&b->lock);
    if (!b->started) {
        b->started = true;
        b->last_now_ns = b->entered_ns = now_ns;
    }
    if (now_ns < b->last_now_ns)
        return b->last_now_ns;
    b->last_now_ns = now_ns;
    return now_ns;
}

/* Unlock, then tell the listeners, copied under the lock, about the events. */
static void deliver(fb_breaker *b, struct op *op)
{
    op->n_listeners = b->n_listeners;
    memcpy(op->listeners, b->listeners, b->n_listeners * sizeof(b->listeners[0]));
    if (b->cfg.synchronized)
        fb__lock_release(&b->lock);
    for (unsigned i = 0; i < op->n_events; i++)
        for (unsigned j = 0; j < op->n_listeners; j++)
            op->listeners[j].fn(&op->events[i], op->listeners[j].ctx);
}

/* End an operation: unlock and deliver its events, if any. */
static inline void op_end(fb_breaker *b, struct op *op)
{
    if (op->n_events)
        deliver(b, op);
    else if (b->cfg.synchronized)
        fb__lock_release(&b->lock);
}

fb_status fb_breaker_on_event(fb_breaker *b, fb_event_fn fn, void *ctx)
{
    fb_status st = FB_EFULL;

    if (!b || !fn)
        return FB_EINVAL;
    if (b->cfg.synchronized)
        fb__lock_acquire(&b->lock);
    if (b->n_listeners < FB_MAX_LISTENERS) {
        b->listeners[b->n_listeners++] = (struct listener){ fn, ctx };
        st = FB_OK;
    }
    if (b->cfg.synchronized)
        fb__lock_release(&b->lock);
    return st;
}

/* ---- figures ---------------------------------------------------------- */

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * part / whole : 0;
}

/* Age a TIME window to 'now_ns'; a window that aged out entirely ends the
 * failure run too, so an idle breaker never reports old failures. */
static void window_age(fb_breaker *b, int64_t now_ns)
{
    if (now_ns < b->window.head_end_ns)
        return;
    fb__window_advance(&b->window, now_ns);
    if (b->window.calls == 0)
        b->consecutive = 0;
}

/* Round a non-negative average to whole nanoseconds (no libm). */
static int64_t round_ns(double x)
{
    return x >= 0x1p63 ? INT64_MAX : (int64_t)(x + 0.5);
}

/* The failure-prediction figures of fb_window_stats. */
static void stats_predict(fb_breaker *b, int64_t now_ns, fb_window_stats *s)
{
    if (b->extra & EXTRA_WILSON)
        s->failure_rate_lower =
            100 * fb__wilson_lower(s->failures, s->calls, b->cfg.failure_rate_z);
    if (b->extra & FB_RULE_LATENCY_TREND) {
        s->latency_short_ns = round_ns(b->trend.short_avg);
        s->latency_long_ns = round_ns(fb__trend_long(&b->trend));
    }
    if (b->extra & FB_RULE_THROTTLE) {
        fb__throttle_advance(&b->throttle, now_ns);
        s->throttle_requests = b->throttle.requests;
        s->throttle_accepts = b->throttle.accepts;
        s->throttle_rate = 100 * fb__throttle_p(&b->throttle, b->cfg.throttle_k);
    }
}

/* The figures that decide the current state: the trials in HALF_OPEN, the
 * window otherwise. */
static void stats_fill(fb_breaker *b, int64_t now_ns, fb_window_stats *s)
{
    if (b->state == FB_STATE_HALF_OPEN) {
        s->calls = b->trials_done;
        s->failures = b->trial_failures;
        s->slow = b->trial_slow;
    } else {
        window_age(b, now_ns);
        s->calls = b->window.calls;
        s->failures = b->window.failures;
        s->slow = b->window.slow;
    }
    s->consecutive_failures = b->consecutive;
    s->failure_rate = percent(s->failures, s->calls);
    s->slow_rate = percent(s->slow, s->calls);
    s->failure_rate_lower = 0;
    s->latency_short_ns = s->latency_long_ns = 0;
    s->throttle_requests = s->throttle_accepts = 0;
    s->throttle_rate = 0;
    if (b->extra)
        stats_predict(b, now_ns, s);
}

/* ---- transitions ------------------------------------------------------ */

bool fb_transition_legal(fb_state from, fb_state to)
{
    enum { C = 1 << FB_STATE_CLOSED, O = 1 << FB_STATE_OPEN, H = 1 << FB_STATE_HALF_OPEN,
           D = 1 << FB_STATE_DISABLED, F = 1 << FB_STATE_FORCED_OPEN,
           M = 1 << FB_STATE_METRICS_ONLY };
    /* Row: the states each state may move to. The automatic cycle is
     * CLOSED -> OPEN -> HALF_OPEN -> CLOSED or OPEN; the special states are
     * reachable from anywhere and lead to CLOSED or to each other, never
     * straight into OPEN or HALF_OPEN. */
    static const unsigned to_mask[FB_STATE_COUNT] = {
        [FB_STATE_CLOSED] = O | D | F | M,
        [FB_STATE_OPEN] = C | H | D | F | M,
        [FB_STATE_HALF_OPEN] = C | O | D | F | M,
        [FB_STATE_DISABLED] = C | F | M,
        [FB_STATE_FORCED_OPEN] = C | D | M,
        [FB_STATE_METRICS_ONLY] = C | D | F,
    };

    if ((unsigned)from >= FB_STATE_COUNT || (unsigned)to >= FB_STATE_COUNT)
        return false;
    return (to_mask[from] >> to) & 1u;
}

static bool deadline_on(const fb_breaker *b)
{
    return b->cfg.half_open_deadline_ns > 0;
}

/* When outstanding trials re-open the breaker (INT64_MAX: never). */
static int64_t half_open_deadline(const fb_breaker *b)
{
    if (!deadline_on(b) || b->trials_done == b->trials_issued ||
        b->trials_since_ns > INT64_MAX - b->cfg.half_open_deadline_ns)
        return INT64_MAX;
    return b->trials_since_ns + b->cfg.half_open_deadline_ns;
}

/* A uniform draw in [0, 1) from the top 53 bits of the caller's source. */
static double draw(fb_breaker *b)
{
    return (double)(b->cfg.random(b->cfg.random_ctx) >> 11) * 0x1.0p-53;
}

/* The next open wait: exponential per consecutive re-open, capped, jittered.
 * Coming from CLOSED, the healthy time there first forgets re-opens. */
static int64_t open_wait(fb_breaker *b, fb_state from, int64_t now_ns)
{
    const fb_config *c = &b->cfg;
    double wait = (double)c->open_wait_ns;

    if (from == FB_STATE_CLOSED) {
        if (c->open_wait_decay_ns == 0) {
            b->m.reopens = 0;
        } else {
            int64_t healthy = (now_ns - b->entered_ns) / c->open_wait_decay_ns;

            b->m.reopens = healthy >= b->m.reopens ? 0 : b->m.reopens - (uint32_t)healthy;
        }
    }
    if (c->open_wait_multiplier > 1) {
        /* base x multiplier^reopens by squaring: O(log reopens), no libm; the
         * partial products only grow, so reaching the cap ends it early. */
        double m = c->open_wait_multiplier, cap = (double)c->open_wait_max_ns;

        for (uint32_t n = b->m.reopens; n && wait < cap; n >>= 1, m *= m)
            if (n & 1)
                wait *= m;
        if (wait > cap)
            wait = cap;
    }
    if (c->open_wait_jitter > 0)
        wait *= 1 + c->open_wait_jitter * (2 * draw(b) - 1);
    if (b->m.reopens < UINT32_MAX)
        b->m.reopens++;
    if (wait < 1)
        wait = 1;
    /* In doubles: INT64_MAX - now_ns overflows for a negative now. */
    return (double)now_ns + wait >= 0x1p63 ? INT64_MAX : now_ns + (int64_t)wait;
}

static void push_event(fb_breaker *b, struct op *op, fb_event_kind kind, fb_state from,
                       fb_reason reason, const fb_window_stats *s, int64_t now_ns)
{
    fb_event *ev;

    if (op->n_events == MAX_OP_EVENTS)
        return; /* cannot happen: an operation causes at most two */
    ev = &op->events[op->n_events++];
    *ev = (fb_event){ .kind = kind, .from = from, .to = b->state, .reason = reason,
                      .at_ns = now_ns, .generation = b->generation, .seq = ++b->events,
                      .window = *s, .name = b->name, .breaker = b };
    if (b->state == FB_STATE_OPEN)
        ev->open_until_ns = b->open_until_ns;
}

/* A new window period: the throttle's window and the latency averages too. */
static void predict_clear(fb_breaker *b)
{
    if (b->extra & FB_RULE_THROTTLE)
        fb__throttle_clear(&b->throttle);
    fb__trend_clear(&b->trend);
}

/* Move to 'to' at 'now_ns'. 'until_ns' is the open instant for FORCED_UNTIL. */
static void move(fb_breaker *b, struct op *op, fb_event_kind kind, fb_state to, fb_reason reason,
                 int64_t until_ns, int64_t now_ns)
{
    fb_state from = b->state;
    fb_window_stats s;

    stats_fill(b, now_ns, &s);
    if (to == FB_STATE_OPEN)
        b->open_until_ns = reason == FB_REASON_FORCED_UNTIL ? until_ns : open_wait(b, from, now_ns);
    b->m.time_in_ns[from] += now_ns - b->entered_ns;
    b->m.entries[to]++;
    b->m.transitions++;
    b->entered_ns = now_ns;
    b->generation++;
    b->state = to;
    if (to == FB_STATE_CLOSED || to == FB_STATE_METRICS_ONLY) {
        fb__window_clear(&b->window);
        b->consecutive = 0;
        if (b->extra)
            predict_clear(b);
    }
    b->ramp_until_ns = INT64_MIN;
    if (to == FB_STATE_CLOSED && reason == FB_REASON_TRIALS_PASSED &&
        (b->extra & FB_RULE_RECOVERY_RAMP)) {
        b->ramp_from_ns = now_ns;
        b->ramp_until_ns = now_ns > INT64_MAX - b->cfg.recovery_ramp_ns
                               ? INT64_MAX
                               : now_ns + b->cfg.recovery_ramp_ns;
    }
    if (to == FB_STATE_HALF_OPEN) {
        b->trials_issued = b->trials_done = b->trial_failures = b->trial_slow = 0;
        b->consecutive = 0;
    }
    b->next_change_ns = to == FB_STATE_OPEN ? b->open_until_ns : INT64_MAX;
    push_event(b, op, kind, from, reason, &s, now_ns);
}

/* The lazy moves: a state that should have moved by 'now_ns' moves now.
 * One comparison on the call path; the move itself is out of line. */
static void lazy_move(fb_breaker *b, struct op *op, int64_t now_ns)
{
    if (b->state == FB_STATE_OPEN)
        move(b, op, FB_EVENT_TRANSITION, FB_STATE_HALF_OPEN, FB_REASON_OPEN_WAIT_ELAPSED, 0, now_ns);
    else if (b->state == FB_STATE_HALF_OPEN)
        move(b, op, FB_EVENT_TRANSITION, FB_STATE_OPEN, FB_REASON_HALF_OPEN_DEADLINE, 0, now_ns);
}

static inline void catch_up(fb_breaker *b, struct op *op, int64_t now_ns)
{
    if (now_ns >= b->next_change_ns && b->next_change_ns != INT64_MAX)
        lazy_move(b, op, now_ns);
}

/* ---- the call path ---------------------------------------------------- */

/* CLOSED with a recovery ramp or throttling on: refuse the call if the ramp
 * has not reached it or the throttle sheds it. A ramp's refusal never counts
 * as a throttle request: the call was not attempted. */
static void admit_closed(fb_breaker *b, int64_t now_ns, fb_permit *p)
{
    const fb_config *c = &b->cfg;
    double shed;

    if (now_ns < b->ramp_until_ns &&
        !fb__ramp_admits(c->recovery_ramp_start, now_ns - b->ramp_from_ns, c->recovery_ramp_ns,
                         draw(b))) {
        p->reason = FB_REJECT_RAMP;
        p->retry_after_ns = now_ns;
        b->m.ramp_rejected++;
        return;
    }
    if (!(b->extra & FB_RULE_THROTTLE))
        return;
    fb__throttle_advance(&b->throttle, now_ns);
    shed = fb__throttle_p(&b->throttle, c->throttle_k);
    if (shed > 0 && draw(b) < shed) {
        fb__throttle_add(&b->throttle, false);
        p->reason = FB_REJECT_THROTTLED;
        p->retry_after_ns = now_ns;
        b->m.throttled++;
    }
}

bool fb_breaker_acquire(fb_breaker *b, int64_t now_ns, fb_permit *p)
{
    struct op op;

    if (!b || !p)
        return false;
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    p->generation = b->generation;
    p->acquired_ns = now_ns;
    p->retry_after_ns = 0;
    p->state = b->state;
    p->reason = FB_REJECT_NONE;
    switch (b->state) {
    case FB_STATE_CLOSED:
        if (UNLIKELY(b->extra & EXTRA_ON_ACQUIRE))
            admit_closed(b, now_ns, p);
        break;
    case FB_STATE_HALF_OPEN:
        if (b->trials_issued < b->cfg.half_open_permits) {
            if (b->trials_done == b->trials_issued) { /* none outstanding: arm */
                b->trials_since_ns = now_ns;
                b->trials_issued++;
                b->next_change_ns = half_open_deadline(b);
            } else {
                b->trials_issued++;
            }
            break;
        }
        p->reason = FB_REJECT_HALF_OPEN_FULL;
        p->retry_after_ns = half_open_deadline(b);
        break;
    case FB_STATE_OPEN:
        p->reason = FB_REJECT_OPEN;
        p->retry_after_ns = b->open_until_ns;
        break;
    case FB_STATE_FORCED_OPEN:
        p->reason = FB_REJECT_FORCED_OPEN;
        p->retry_after_ns = INT64_MAX;
        break;
    default:
        break;
    }
    p->granted = p->reason == FB_REJECT_NONE;
    if (p->granted)
        b->m.permitted++;
    else
        b->m.not_permitted++;
    op_end(b, &op);
    return p->granted;
}

/* Which rule, if any, the window's figures now break. */
static ALWAYS_INLINE bool rule_fired(const fb_breaker *b, fb_reason *reason)
{
    const fb_config *c = &b->cfg;
    const struct fb__window *w = &b->window;

    if (w->calls >= b->min_calls) {
        /* The Wilson bound is below the plain rate: judge it only when the
         * plain rule would fire. */
        if ((c->rules & FB_RULE_FAILURE_RATE) &&
            100.0 * w->failures >= c->failure_rate_threshold * w->calls &&
            (!(b->extra & EXTRA_WILSON) ||
             100 * fb__wilson_lower(w->failures, w->calls, c->failure_rate_z) >=
                 c->failure_rate_threshold)) {
            *reason = FB_REASON_FAILURE_RATE;
            return true;
        }
        if ((c->rules & FB_RULE_SLOW_CALL_RATE) &&
            100.0 * w->slow >= c->slow_call_rate_threshold * w->calls) {
            *reason = FB_REASON_SLOW_CALL_RATE;
            return true;
        }
    }
    if ((c->rules & FB_RULE_CONSECUTIVE_FAILURES) && b->consecutive >= c->consecutive_failures) {
        *reason = FB_REASON_CONSECUTIVE_FAILURES;
        return true;
    }
    if ((c->rules & FB_RULE_ABSOLUTE_FAILURES) && w->failures >= c->absolute_failures) {
        *reason = FB_REASON_ABSOLUTE_FAILURES;
        return true;
    }
    return false;
}

/* record_closed() with throttling or the latency trend on, kept out of line
 * so that the common path stays as it was: feed the throttle's window (in
 * CLOSED only: it sheds nothing elsewhere) and the latency averages, then
 * judge the rules, the trend last. */
NOINLINE static bool predict_fired(fb_breaker *b, bool failure, int64_t duration_ns,
                                   int64_t now_ns, fb_reason *reason)
{
    if ((b->extra & FB_RULE_THROTTLE) && b->state == FB_STATE_CLOSED) {
        fb__throttle_advance(&b->throttle, now_ns);
        fb__throttle_add(&b->throttle, !failure);
    }
    if (b->extra & FB_RULE_LATENCY_TREND)
        fb__trend_add(&b->trend, duration_ns, now_ns);
    if (rule_fired(b, reason))
        return true;
    if ((b->extra & FB_RULE_LATENCY_TREND) && fb__trend_fired(&b->trend)) {
        *reason = FB_REASON_LATENCY_TREND;
        return true;
    }
    return false;
}

static void record_closed(fb_breaker *b, struct op *op, bool failure, bool slow,
                          int64_t duration_ns, int64_t now_ns)
{
    fb_reason reason;
    fb_window_stats s;

    window_age(b, now_ns);
    fb__window_add(&b->window, failure, slow, now_ns);
    b->consecutive = failure ? b->consecutive + 1 : 0;
    if (UNLIKELY(b->extra & EXTRA_ON_RECORD)
            ? !predict_fired(b, failure, duration_ns, now_ns, &reason)
            : !rule_fired(b, &reason))
        return;
    if (b->state == FB_STATE_CLOSED) {
        move(b, op, FB_EVENT_TRANSITION, FB_STATE_OPEN, reason, 0, now_ns);
        return;
    }
    /* METRICS_ONLY: say what would have happened, then start over as a
     * breaker that had tripped and closed again would. */
    stats_fill(b, now_ns, &s);
    push_event(b, op, FB_EVENT_WOULD_TRIP, b->state, reason, &s, now_ns);
    fb__window_clear(&b->window);
    b->consecutive = 0;
    if (b->extra)
        predict_clear(b);
}

static void record_trial(fb_breaker *b, struct op *op, bool failure, bool slow, int64_t now_ns)
{
    const fb_config *c = &b->cfg;
    bool slow_counts = c->rules & FB_RULE_SLOW_CALL_RATE;

    b->trials_done++;
    b->trial_failures += failure;
    b->trial_slow += slow;
    b->consecutive = failure ? b->consecutive + 1 : 0;
    b->trials_since_ns = now_ns; /* progress: the deadline starts over */
    b->next_change_ns = half_open_deadline(b); /* disarmed once none is outstanding */
    if (c->half_open_verdict == FB_VERDICT_STRICT) {
        if (failure || (slow && slow_counts))
            move(b, op, FB_EVENT_TRANSITION, FB_STATE_OPEN, FB_REASON_TRIALS_FAILED, 0, now_ns);
        else if (b->trials_done == c->half_open_permits)
            move(b, op, FB_EVENT_TRANSITION, FB_STATE_CLOSED, FB_REASON_TRIALS_PASSED, 0, now_ns);
        return;
    }
    if (b->trials_done < c->half_open_permits)
        return;
    if (100.0 * b->trial_failures >= c->failure_rate_threshold * b->trials_done ||
        (slow_counts && 100.0 * b->trial_slow >= c->slow_call_rate_threshold * b->trials_done))
        move(b, op, FB_EVENT_TRANSITION, FB_STATE_OPEN, FB_REASON_TRIALS_FAILED, 0, now_ns);
    else
        move(b, op, FB_EVENT_TRANSITION, FB_STATE_CLOSED, FB_REASON_TRIALS_PASSED, 0, now_ns);
}

fb_status fb_breaker_record(fb_breaker *b, fb_permit *p, fb_outcome outcome, int64_t duration_ns,
                            int64_t now_ns)
{
    struct op op;
    bool failure = outcome == FB_FAILURE;
    bool slow;

    if (!b || (unsigned)outcome > FB_IGNORED)
        return FB_EINVAL;
    if (!p || !p->granted)
        return FB_EPERMIT;
    slow = outcome != FB_IGNORED && duration_ns > b->cfg.slow_call_ns;
    p->granted = false;
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    b->outcomes[outcome]++;
    b->m.slow += slow;
    if (p->generation != b->generation ||
        (b->state == FB_STATE_HALF_OPEN && b->trials_done == b->trials_issued)) {
        /* Older than the last change, or a copy of a permit already recorded
         * (no trial is outstanding): it must not move the state. */
        b->m.late++;
    } else if (b->state == FB_STATE_HALF_OPEN) {
        if (outcome == FB_IGNORED) {
            b->trials_issued--;
            b->trials_since_ns = now_ns;
            b->next_change_ns = half_open_deadline(b);
        } else
            record_trial(b, &op, failure, slow, now_ns);
    } else if (outcome != FB_IGNORED &&
               (b->state == FB_STATE_CLOSED || b->state == FB_STATE_METRICS_ONLY)) {
        record_closed(b, &op, failure, slow, duration_ns, now_ns);
    }
    op_end(b, &op);
    return FB_OK;
}

/* ---- reading ---------------------------------------------------------- */

fb_state fb_breaker_state(fb_breaker *b, int64_t now_ns)
{
    struct op op;
    fb_state s;

    if (!b)
        return FB_STATE_COUNT;
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    s = b->state;
    op_end(b, &op);
    return s;
}

void fb_breaker_window(fb_breaker *b, int64_t now_ns, fb_window_stats *out)
{
    struct op op;

    if (!out)
        return;
    if (!b) {
        memset(out, 0, sizeof(*out));
        return;
    }
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    stats_fill(b, now_ns, out);
    op_end(b, &op);
}

void fb_breaker_metrics(fb_breaker *b, int64_t now_ns, fb_metrics *out)
{
    struct op op;

    if (!out)
        return;
    if (!b) {
        memset(out, 0, sizeof(*out));
        return;
    }
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    *out = b->m;
    out->successes = b->outcomes[FB_SUCCESS];
    out->failures = b->outcomes[FB_FAILURE];
    out->ignored = b->outcomes[FB_IGNORED];
    out->state = b->state;
    out->time_in_ns[b->state] += now_ns - b->entered_ns;
    out->open_until_ns = b->state == FB_STATE_OPEN ? b->open_until_ns : 0;
    op_end(b, &op);
}

/* ---- by hand ---------------------------------------------------------- */

fb_status fb_breaker_transition(fb_breaker *b, fb_state to, int64_t now_ns)
{
    struct op op;
    fb_status st = FB_OK;

    if (!b || (unsigned)to >= FB_STATE_COUNT)
        return FB_EINVAL;
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    if (fb_transition_legal(b->state, to))
        move(b, &op, FB_EVENT_TRANSITION, to, FB_REASON_MANUAL, 0, now_ns);
    else
        st = FB_EILLEGAL;
    op_end(b, &op);
    return st;
}

void fb_breaker_reset(fb_breaker *b, int64_t now_ns)
{
    struct op op;

    if (!b)
        return;
    now_ns = op_begin(b, &op, now_ns);
    b->m.reopens = 0;
    move(b, &op, FB_EVENT_RESET, FB_STATE_CLOSED, FB_REASON_MANUAL, 0, now_ns);
    op_end(b, &op);
}

fb_status fb_breaker_open_until(fb_breaker *b, int64_t until_ns, int64_t now_ns)
{
    struct op op;
    fb_status st = FB_OK;

    if (!b)
        return FB_EINVAL;
    now_ns = op_begin(b, &op, now_ns);
    catch_up(b, &op, now_ns);
    switch (b->state) {
    case FB_STATE_CLOSED:
    case FB_STATE_HALF_OPEN:
        if (until_ns > now_ns)
            move(b, &op, FB_EVENT_TRANSITION, FB_STATE_OPEN, FB_REASON_FORCED_UNTIL, until_ns,
                 now_ns);
        break;
    case FB_STATE_OPEN:
        if (until_ns > b->open_until_ns)
            b->open_until_ns = b->next_change_ns = until_ns;
        break;
    default:
        st = FB_EILLEGAL;
        break;
    }
    op_end(b, &op);
    return st;
}
