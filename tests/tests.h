/* tests.h — the Check suites of libfirebreak and the helpers they share.
 *
 * Every test drives a breaker with explicit instants (virtual time), never a
 * clock: T(s) and MS(x) build them. test_config() is the small breaker most
 * tests start from; a test changes the fields it is about, so each one reads as
 * "this configuration, these outcomes, this state". */
#ifndef FIREBREAK_TESTS_H
#define FIREBREAK_TESTS_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "breaker.h"

/* Seconds and milliseconds as int64 nanoseconds. */
/* Check's ck_assert reports every pass to its parent process (a write to a
 * pipe); in loops of 10^4-10^6 iterations those calls alone take seconds, so
 * loops call into Check only when the condition fails. */
#define loop_assert(cond)                                                     \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_assert_msg(0, "assertion failed: %s", #cond);                  \
    } while (0)
#define loop_assert_msg(cond, ...)                                            \
    do {                                                                      \
        if (!(cond))                                                          \
            ck_assert_msg(0, __VA_ARGS__);                                    \
    } while (0)

#define T(s) ((int64_t)(s) * INT64_C(1000000000))
#define MS(x) ((int64_t)(x) * INT64_C(1000000))

Suite *config_suite(void);
Suite *window_suite(void);
Suite *transitions_suite(void);
Suite *half_open_suite(void);
Suite *backoff_suite(void);
Suite *events_suite(void);
Suite *registry_suite(void);
Suite *rng_suite(void);
Suite *dist_suite(void);
Suite *queue_suite(void);
Suite *hist_suite(void);
Suite *city_suite(void);
Suite *scenario_suite(void);
Suite *examples_suite(void);
Suite *showcase_suite(void);
Suite *predict_suite(void);
Suite *policies_suite(void);
Suite *analysis_suite(void);
Suite *sweep_suite(void);

/* A COUNT window of 4 that needs all 4 calls, failure rate >= 50 % only, slow
 * above 100 ms, open wait 10 s (fixed), 2 trial permits judged by rate, no
 * half-open deadline. */
static inline fb_config test_config(void)
{
    fb_config c;

    fb_config_init(&c);
    c.window_type = FB_WINDOW_COUNT;
    c.window_size = 4;
    c.min_calls = 4;
    c.rules = FB_RULE_FAILURE_RATE;
    c.failure_rate_threshold = 50;
    c.slow_call_ns = MS(100);
    c.open_wait_ns = T(10);
    c.half_open_permits = 2;
    c.half_open_verdict = FB_VERDICT_RATE;
    c.half_open_deadline_ns = 0;
    return c;
}

/* A configuration whose only rule can never fire: for watching the window. */
static inline fb_config watch_config(fb_window_type type, uint32_t size)
{
    fb_config c = test_config();

    c.window_type = type;
    c.window_size = size;
    c.min_calls = 1;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = UINT32_MAX;
    return c;
}

static inline fb_breaker *breaker_named(const char *name, const fb_config *cfg)
{
    fb_breaker *b = NULL;
    fb_status rc = fb_breaker_new(&b, name, cfg);

    ck_assert_msg(rc == FB_OK, "fb_breaker_new: %s", fb_strerror(rc));
    ck_assert_ptr_nonnull(b);
    return b;
}

static inline fb_breaker *breaker_from(const fb_config *cfg)
{
    return breaker_named(NULL, cfg);
}

/* Acquire at 'now_ns' and record 'outcome' at 'now_ns': each permit must be
 * granted and each record accepted. */
static inline void record_n(fb_breaker *b, int n, fb_outcome outcome, int64_t duration_ns,
                            int64_t now_ns)
{
    for (int i = 0; i < n; i++) {
        fb_permit p;
        bool granted = fb_breaker_acquire(b, now_ns, &p);

        ck_assert_msg(granted, "record_n: acquire %d of %d (%s) refused in %s (%s)", i + 1, n,
                      fb_outcome_name(outcome), fb_state_name(p.state), fb_reject_name(p.reason));
        ck_assert_int_eq(fb_breaker_record(b, &p, outcome, duration_ns, now_ns), FB_OK);
    }
}

/* Record failures at 'now_ns' until the breaker is OPEN. */
static inline void trip(fb_breaker *b, int64_t now_ns)
{
    for (int i = 0; i < 100000 && fb_breaker_state(b, now_ns) != FB_STATE_OPEN; i++)
        record_n(b, 1, FB_FAILURE, 0, now_ns);
    ck_assert_int_eq(fb_breaker_state(b, now_ns), FB_STATE_OPEN);
}

static inline fb_window_stats window_at(fb_breaker *b, int64_t now_ns)
{
    fb_window_stats w;

    memset(&w, 0xA5, sizeof w);
    fb_breaker_window(b, now_ns, &w);
    return w;
}

static inline fb_metrics metrics_at(fb_breaker *b, int64_t now_ns)
{
    fb_metrics m;

    memset(&m, 0xA5, sizeof m);
    fb_breaker_metrics(b, now_ns, &m);
    return m;
}

/* An event listener that keeps a copy of what it hears. With 'reenter' set it
 * also calls back into the breaker from inside the callback. */
#define REC_MAX 64

typedef struct recorder {
    int n; /* events heard, may exceed REC_MAX */
    bool reenter;
    fb_event ev[REC_MAX];
    fb_state state_inside[REC_MAX];  /* fb_breaker_state() from the callback */
    fb_metrics metrics_inside[REC_MAX];
    fb_window_stats window_inside[REC_MAX];
} recorder;

static inline void recorder_fn(const fb_event *ev, void *ctx)
{
    recorder *r = ctx;

    if (r->n < REC_MAX) {
        r->ev[r->n] = *ev;
        if (r->reenter) {
            r->state_inside[r->n] = fb_breaker_state(ev->breaker, ev->at_ns);
            fb_breaker_metrics(ev->breaker, ev->at_ns, &r->metrics_inside[r->n]);
            fb_breaker_window(ev->breaker, ev->at_ns, &r->window_inside[r->n]);
        }
    }
    r->n++;
}

static inline void recorder_attach(recorder *r, fb_breaker *b)
{
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(fb_breaker_on_event(b, recorder_fn, r), FB_OK);
}

static inline const fb_event *recorder_last(const recorder *r)
{
    ck_assert_msg(r->n > 0 && r->n <= REC_MAX, "recorder holds %d events", r->n);
    return &r->ev[r->n - 1];
}

#endif /* FIREBREAK_TESTS_H */
