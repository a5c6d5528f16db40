/* test_predict.c — suite "predict": the failure-prediction rules. SRE
 * throttling (its exact probability, its window, K), the latency trend (trip
 * timing, no trip on noise, the long average that waits during a rise), the
 * Wilson score bound on the failure rate, the recovery ramp (its admitted
 * fraction over time, its end, its restart), their configuration checks, and
 * the defaults that keep all of them off. Every random draw is scripted. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"

#define TOL 1e-9
#define U_MAX (1.0 - 0x1p-53) /* the largest draw: admits whenever p < 1 */

/* ---- a scripted random source --------------------------------------------- */

/* Returns u[0], u[1], ... as the top 53 bits of a draw, then 'rest' for ever;
 * counts its calls. A u with at most 53 significant bits comes back exact. */
typedef struct script {
    const double *u;
    int n;
    int calls;
    double rest;
} script;

static uint64_t script_next(void *ctx)
{
    script *s = ctx;
    double u = s->calls < s->n ? s->u[s->calls] : s->rest;

    s->calls++;
    return (uint64_t)(u * 0x1p53) << 11;
}

static void use_script(fb_config *c, script *s, double rest)
{
    memset(s, 0, sizeof(*s));
    s->rest = rest;
    c->random = script_next;
    c->random_ctx = s;
}

/* Acquire at 'now_ns'; if granted, record 'o' with 'duration_ns' at 'now_ns'.
 * No Check call on the way: loops run this hundreds of thousands of times. */
static bool call(fb_breaker *b, fb_outcome o, int64_t duration_ns, int64_t now_ns, fb_permit *p)
{
    if (!fb_breaker_acquire(b, now_ns, p))
        return false;
    loop_assert(fb_breaker_record(b, p, o, duration_ns, now_ns) == FB_OK);
    return true;
}

/* Open 'b' by hand at 'now_ns' unless it is OPEN already, then close it
 * through passing trials after the open wait: the one way to start a recovery
 * ramp. Returns the close instant. */
static int64_t close_by_trials(fb_breaker *b, int64_t now_ns)
{
    const fb_config *c = fb_breaker_config(b);
    int64_t t = now_ns + c->open_wait_ns;
    fb_permit p;

    if (fb_breaker_state(b, now_ns) != FB_STATE_OPEN)
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, now_ns), FB_OK);
    for (uint32_t i = 0; i < c->half_open_permits; i++) {
        ck_assert(fb_breaker_acquire(b, t, &p));
        ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
        ck_assert_int_eq(fb_breaker_record(b, &p, FB_SUCCESS, 0, t), FB_OK);
    }
    ck_assert_int_eq(fb_breaker_state(b, t), FB_STATE_CLOSED);
    return t;
}

/* ---- defaults, configuration, names --------------------------------------- */

START_TEST(defaults_leave_every_prediction_rule_off)
{
    fb_config c;
    fb_breaker *b;
    fb_window_stats w;
    fb_metrics m;

    memset(&c, 0x5A, sizeof c);
    fb_config_init(&c);
    ck_assert_uint_eq(c.rules, FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE);
    ck_assert_double_eq(c.failure_rate_z, 0);
    ck_assert_uint_eq(c.latency_short_calls, 100);
    ck_assert_int_eq(c.latency_long_ns, T(300));
    ck_assert_double_eq(c.latency_trend_ratio, 2);
    ck_assert_double_eq(c.throttle_k, 2);
    ck_assert_int_eq(c.throttle_window_ns, T(60));
    ck_assert_int_eq(c.recovery_ramp_ns, T(30));
    ck_assert_double_eq(c.recovery_ramp_start, 0.1);
    ck_assert(c.random == NULL);
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);

    /* A default breaker: 49 % failures and slow calls never refuse, never
     * trip, and report no prediction figures. */
    b = breaker_from(&c);
    for (int i = 0; i < 1000; i++) {
        fb_permit p;

        loop_assert(call(b, i % 100 < 49 ? FB_FAILURE : FB_SUCCESS, T(i % 7), MS(i), &p));
    }
    w = window_at(b, MS(1000));
    m = metrics_at(b, MS(1000));
    ck_assert_int_eq(m.state, FB_STATE_CLOSED);
    ck_assert_uint_eq(m.not_permitted, 0);
    ck_assert_uint_eq(m.throttled, 0);
    ck_assert_uint_eq(m.ramp_rejected, 0);
    ck_assert_double_eq(w.failure_rate_lower, 0);
    ck_assert_int_eq(w.latency_short_ns, 0);
    ck_assert_int_eq(w.latency_long_ns, 0);
    ck_assert_uint_eq(w.throttle_requests, 0);
    ck_assert_uint_eq(w.throttle_accepts, 0);
    ck_assert_double_eq(w.throttle_rate, 0);
    fb_breaker_free(b);
}
END_TEST

/* Break one prediction field of a default configuration; return the name the
 * message must start with. */
static const char *spoil(int i, fb_config *c)
{
    static script s;

    switch (i) {
    case 0: c->failure_rate_z = -0.5; return "failure_rate_z";
    case 1: c->failure_rate_z = 10.01; return "failure_rate_z";
    case 2: c->failure_rate_z = NAN; return "failure_rate_z";
    case 3: c->latency_short_calls = 0; return "latency_short_calls";
    case 4: c->latency_short_calls = 1000001; return "latency_short_calls";
    case 5: c->latency_long_ns = T(1) - 1; return "latency_long_ns";
    case 6: c->latency_long_ns = T(86400) + 1; return "latency_long_ns";
    case 7: c->latency_trend_ratio = 1; return "latency_trend_ratio";
    case 8: c->latency_trend_ratio = NAN; return "latency_trend_ratio";
    case 9: c->latency_trend_ratio = INFINITY; return "latency_trend_ratio";
    case 10: c->throttle_k = 0.99; return "throttle_k";
    case 11: c->throttle_k = NAN; return "throttle_k";
    case 12: c->throttle_k = INFINITY; return "throttle_k";
    case 13: c->throttle_window_ns = MS(1) - 1; return "throttle_window_ns";
    case 14: c->throttle_window_ns = T(86400) + 1; return "throttle_window_ns";
    case 15: c->recovery_ramp_ns = 0; return "recovery_ramp_ns";
    case 16: c->recovery_ramp_ns = -T(1); return "recovery_ramp_ns";
    case 17: c->recovery_ramp_start = -0.01; return "recovery_ramp_start";
    case 18: c->recovery_ramp_start = 1.01; return "recovery_ramp_start";
    case 19: c->recovery_ramp_start = NAN; return "recovery_ramp_start";
    case 20: c->rules |= FB_RULE_THROTTLE; return "random";
    case 21: c->rules |= FB_RULE_RECOVERY_RAMP; return "random";
    case 22: c->rules |= 1u << 7; return "rules";
    case 23:
        /* Checked while the rule is off too. */
        use_script(c, &s, 0);
        c->rules = FB_RULE_FAILURE_RATE;
        c->throttle_k = 0;
        return "throttle_k";
    default: ck_abort_msg("no spoil %d", i); return "";
    }
}
#define N_SPOILS 24

START_TEST(config_check_rejects_each_bad_prediction_field)
{
    fb_config c;
    fb_breaker *b = (fb_breaker *)&c;
    char msg[256];
    const char *field;
    size_t len;

    fb_config_init(&c);
    field = spoil(_i, &c);
    memset(msg, 'x', sizeof msg);
    ck_assert_msg(fb_config_check(&c, msg, sizeof msg) == FB_EINVAL, "spoil %d (%s) was accepted",
                  _i, field);
    len = strlen(field);
    ck_assert_msg(strncmp(msg, field, len) == 0 && !isalnum((unsigned char)msg[len]) &&
                      msg[len] != '_',
                  "spoil %d: message \"%s\" does not start with \"%s\"", _i, msg, field);
    ck_assert_int_eq(fb_breaker_new(&b, "x", &c), FB_EINVAL);
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(config_check_messages_are_exact)
{
    fb_config c;
    char msg[160];

    fb_config_init(&c);
    c.latency_trend_ratio = 0.5;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert_str_eq(msg, "latency_trend_ratio must be a finite number > 1, got 0.5");
    fb_config_init(&c);
    c.rules |= FB_RULE_RECOVERY_RAMP;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert_str_eq(msg, "random must not be NULL when FB_RULE_RECOVERY_RAMP is on");
    fb_config_init(&c);
    c.throttle_window_ns = 5;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert_str_eq(msg, "throttle_window_ns must be in [1 ms, 86400 s], got 5");
}
END_TEST

/* Set one prediction field to a value on the edge of what is allowed. */
static void stretch(int i, fb_config *c)
{
    static script s;

    switch (i) {
    case 0: c->failure_rate_z = 10; break;
    case 1: c->failure_rate_z = 1e-9; break;
    case 2: c->latency_short_calls = 1; break;
    case 3: c->latency_short_calls = 1000000; break;
    case 4: c->latency_long_ns = T(1); break;
    case 5: c->latency_long_ns = T(86400); break;
    case 6: c->latency_trend_ratio = 1.000001; break;
    case 7: c->throttle_k = 1; break;
    case 8: c->throttle_window_ns = MS(1); break;
    case 9: c->throttle_window_ns = T(86400); break;
    case 10: c->recovery_ramp_ns = 1; break;
    case 11: c->recovery_ramp_start = 0; break;
    case 12: c->recovery_ramp_start = 1; break;
    case 13:
        use_script(c, &s, 0);
        c->rules = FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE | FB_RULE_CONSECUTIVE_FAILURES |
                   FB_RULE_ABSOLUTE_FAILURES | FB_RULE_LATENCY_TREND | FB_RULE_THROTTLE |
                   FB_RULE_RECOVERY_RAMP;
        c->consecutive_failures = c->absolute_failures = 1;
        c->failure_rate_z = 1.96;
        break;
    case 14: c->rules = FB_RULE_LATENCY_TREND; break; /* a trend alone needs no random */
    default: ck_abort_msg("no stretch %d", i);
    }
}
#define N_STRETCHES 15

START_TEST(config_check_accepts_prediction_values_on_the_edge)
{
    fb_config c;
    fb_breaker *b;
    char msg[256] = "";

    fb_config_init(&c);
    stretch(_i, &c);
    ck_assert_msg(fb_config_check(&c, msg, sizeof msg) == FB_OK, "stretch %d refused: %s", _i, msg);
    b = breaker_from(&c);
    fb_breaker_free(b);
}
END_TEST

START_TEST(new_values_have_names)
{
    ck_assert_str_eq(fb_reason_name(FB_REASON_LATENCY_TREND), "latency_trend");
    ck_assert_str_eq(fb_reason_name(FB_REASON_COUNT), "unknown");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_THROTTLED), "throttled");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_RAMP), "ramp");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_COUNT), "unknown");
    /* Appended: the old values keep their numbers. */
    ck_assert_int_eq(FB_REASON_FORCED_UNTIL, 9);
    ck_assert_int_eq(FB_REASON_LATENCY_TREND, 10);
    ck_assert_int_eq(FB_REJECT_FORCED_OPEN, 3);
    ck_assert_int_eq(FB_REJECT_THROTTLED, 4);
    ck_assert_int_eq(FB_REJECT_RAMP, 5);
}
END_TEST

/* ---- SRE throttling -------------------------------------------------------- */

/* Throttling only: no trip rule, a window of 60 s (1 s buckets), K = 2. */
static fb_config throttle_config(script *s)
{
    fb_config c = test_config();

    c.rules = FB_RULE_THROTTLE;
    c.throttle_k = 2;
    c.throttle_window_ns = T(60);
    use_script(&c, s, U_MAX);
    return c;
}

/* Put 'accepts' successes and then 'requests - accepts' failures into the
 * throttle's window at 'now_ns'; the script's default draw admits them. */
static void fill(fb_breaker *b, int requests, int accepts, int64_t now_ns)
{
    fb_permit p;

    for (int i = 0; i < requests; i++)
        ck_assert(call(b, i < accepts ? FB_SUCCESS : FB_FAILURE, 0, now_ns, &p));
}

START_TEST(throttle_refuses_below_the_exact_probability)
{
    script s;
    fb_config c = throttle_config(&s);
    fb_breaker *b = breaker_from(&c);
    const double u[] = { 0.5, 0.5 - 0x1p-53 };
    fb_window_stats w;
    fb_metrics m;
    fb_permit p;
    int draws;

    fill(b, 9, 2, T(1));
    /* (9 - 2 x 2) / (9 + 1) = 0.5 */
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.throttle_requests, 9);
    ck_assert_uint_eq(w.throttle_accepts, 2);
    ck_assert_double_eq_tol(w.throttle_rate, 50.0, TOL);
    s.u = u;
    s.n = 2;
    s.calls = 0;
    /* u = 0.5 is not below 0.5: admitted. Ignored, so it counts nowhere. */
    ck_assert(fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_IGNORED, 0, T(1)), FB_OK);
    ck_assert_int_eq(s.calls, 1);
    ck_assert_uint_eq(window_at(b, T(1)).throttle_requests, 9);
    /* One ulp below 0.5: refused, and the refusal is a request. */
    ck_assert(!fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(s.calls, 2);
    ck_assert(!p.granted);
    ck_assert_int_eq(p.reason, FB_REJECT_THROTTLED);
    ck_assert_int_eq(p.state, FB_STATE_CLOSED);
    ck_assert_int_eq(p.retry_after_ns, T(1));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(1)), FB_EPERMIT);
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.throttle_requests, 10);
    ck_assert_uint_eq(w.throttle_accepts, 2);
    ck_assert_double_eq_tol(w.throttle_rate, 100.0 * 6 / 11, TOL);
    m = metrics_at(b, T(1));
    ck_assert_int_eq(m.state, FB_STATE_CLOSED);
    ck_assert_uint_eq(m.transitions, 0);
    ck_assert_uint_eq(m.throttled, 1);
    ck_assert_uint_eq(m.not_permitted, 1);
    ck_assert_uint_eq(m.permitted, 10);
    /* A draw is taken only while the probability is above 0. */
    draws = s.calls;
    fb_breaker_free(b);
    b = breaker_from(&c);
    s.calls = 0;
    fill(b, 4, 2, T(1)); /* 4 - 2 x 2 = 0 before every call */
    ck_assert_int_eq(s.calls, 0);
    ck_assert_int_eq(draws, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(throttle_k_weighs_the_accepts)
{
    const double k[] = { 1, 2, 3 };
    const double want[] = { 60, 30, 0 }; /* (9 - K x 3) / 10 */

    for (int i = 0; i < 3; i++) {
        script s;
        fb_config c = throttle_config(&s);
        fb_breaker *b;
        fb_permit p;

        c.throttle_k = k[i];
        b = breaker_from(&c);
        fill(b, 9, 3, T(1));
        ck_assert_double_eq_tol(window_at(b, T(1)).throttle_rate, want[i], TOL);
        s.rest = 0; /* the smallest draw: refused whenever p > 0 */
        s.calls = 0;
        ck_assert_int_eq(fb_breaker_acquire(b, T(1), &p), want[i] == 0);
        ck_assert_int_eq(s.calls, want[i] > 0);
        fb_breaker_free(b);
    }
}
END_TEST

START_TEST(throttle_window_ages_by_now)
{
    script s;
    fb_config c = throttle_config(&s);
    fb_breaker *b = breaker_from(&c);
    fb_permit p;

    fill(b, 5, 0, MS(500));    /* the bucket of second 0 */
    fill(b, 5, 0, MS(30500));  /* the bucket of second 30 */
    ck_assert_uint_eq(window_at(b, MS(59999)).throttle_requests, 10);
    ck_assert_uint_eq(window_at(b, T(60)).throttle_requests, 5); /* second 0 is out */
    ck_assert_uint_eq(window_at(b, T(90) - 1).throttle_requests, 5);
    ck_assert_uint_eq(window_at(b, T(90)).throttle_requests, 0);
    /* Idle, the probability is back to 0: nothing is drawn, nothing refused. */
    s.rest = 0;
    s.calls = 0;
    ck_assert(fb_breaker_acquire(b, T(90), &p));
    ck_assert_int_eq(s.calls, 0);
    /* A long idle gap clears it in one step too. */
    s.rest = U_MAX;
    fill(b, 5, 0, T(100));
    ck_assert_uint_eq(window_at(b, T(100)).throttle_requests, 5);
    ck_assert_uint_eq(window_at(b, T(100000)).throttle_requests, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(throttle_counts_only_calls_made_in_closed)
{
    script s;
    fb_config c = throttle_config(&s);
    fb_breaker *b;
    fb_permit p;

    c.rules |= FB_RULE_FAILURE_RATE; /* a window of 4, 50 % */
    b = breaker_from(&c);
    fill(b, 4, 1, T(1)); /* 3 of 4 failed: OPEN */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    /* A permit from CLOSED that comes back in OPEN is late: not counted. */
    ck_assert(!fb_breaker_acquire(b, T(2), &p));
    ck_assert_int_eq(p.reason, FB_REJECT_OPEN);
    ck_assert_uint_eq(metrics_at(b, T(2)).throttled, 0);
    /* Closing starts a fresh throttle window, as it does the failure window. */
    close_by_trials(b, T(2));
    ck_assert_uint_eq(window_at(b, T(12)).throttle_requests, 0);
    s.rest = 0;
    s.calls = 0;
    ck_assert(fb_breaker_acquire(b, T(12), &p));
    ck_assert_int_eq(s.calls, 0);
    fb_breaker_free(b);
}
END_TEST

/* xorshift64: a fair, deterministic random source. */
static uint64_t xorshift(void *ctx)
{
    uint64_t *s = ctx;

    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

START_TEST(throttle_sheds_nearly_everything_in_a_hard_outage)
{
    /* Every admitted call fails: accepts stay 0, so p = r / (r + 1) climbs
     * towards 1 and refusals make up nearly all calls. */
    script unused;
    fb_config c = throttle_config(&unused);
    uint64_t state = 88172645463325252ull;
    fb_breaker *b;
    fb_metrics m;
    fb_permit p;

    c.random = xorshift;
    c.random_ctx = &state;
    b = breaker_from(&c);
    for (int i = 0; i < 1000; i++)
        call(b, FB_FAILURE, 0, T(1) + i, &p);
    m = metrics_at(b, T(2));
    ck_assert_uint_eq(m.permitted + m.not_permitted, 1000);
    ck_assert_uint_eq(m.throttled, m.not_permitted);
    ck_assert_uint_ge(m.throttled, 950);
    ck_assert_uint_eq(window_at(b, T(2)).throttle_requests, 1000);
    ck_assert_uint_eq(window_at(b, T(2)).throttle_accepts, 0);
    ck_assert_int_eq(m.state, FB_STATE_CLOSED); /* no trip rule: throttling alone */
    fb_breaker_free(b);
}
END_TEST

START_TEST(throttle_works_in_synchronized_mode)
{
    script s;
    fb_config c = throttle_config(&s);
    fb_breaker *b;
    fb_permit p;

    c.synchronized = true;
    b = breaker_from(&c);
    fill(b, 9, 2, T(1));
    s.rest = 0.25;
    ck_assert(!fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(p.reason, FB_REJECT_THROTTLED);
    ck_assert_uint_eq(metrics_at(b, T(1)).throttled, 1);
    fb_breaker_free(b);
}
END_TEST

/* ---- latency trend ---------------------------------------------------------- */

/* The trend alone, short over 10 calls, long over 300 s, ratio 2, 20 calls. */
static fb_config trend_config(void)
{
    fb_config c = test_config();

    c.rules = FB_RULE_LATENCY_TREND;
    c.min_calls = 20;
    c.window_size = 100;
    c.latency_short_calls = 10;
    c.latency_long_ns = T(300);
    c.latency_trend_ratio = 2;
    return c;
}

/* 'per_s' calls a second of 'duration_ns' each, from 'from_ns' for 'secs'
 * seconds; false (at once) if a call is refused. */
static bool steady(fb_breaker *b, int per_s, int64_t duration_ns, int64_t from_ns, int secs)
{
    fb_permit p;

    for (int i = 0; i < per_s * secs; i++)
        if (!call(b, FB_SUCCESS, duration_ns, from_ns + i * (T(1) / per_s), &p))
            return false;
    return true;
}

START_TEST(latency_trend_trips_on_the_sixth_call_after_a_step)
{
    fb_config c = trend_config();
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;
    recorder r;
    fb_permit p;

    recorder_attach(&r, b);
    ck_assert(steady(b, 10, MS(100), 0, 300));
    w = window_at(b, T(300));
    ck_assert_int_eq(w.latency_short_ns, MS(100));
    ck_assert_int_eq(w.latency_long_ns, MS(100));
    /* A step to 250 ms within one second: short = 250 - 150 (9/11)^k ms
     * reaches 200 ms at k = 6 (195 ms at k = 5); the long average has no
     * second to step in. */
    for (int k = 1; k <= 5; k++)
        ck_assert(call(b, FB_SUCCESS, MS(250), T(301), &p));
    ck_assert_int_eq(fb_breaker_state(b, T(301)), FB_STATE_CLOSED);
    ck_assert_int_eq(r.n, 0);
    ck_assert(call(b, FB_SUCCESS, MS(250), T(301), &p));
    ck_assert_int_eq(fb_breaker_state(b, T(301)), FB_STATE_OPEN);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].kind, FB_EVENT_TRANSITION);
    ck_assert_int_eq(r.ev[0].from, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[0].to, FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_LATENCY_TREND);
    ck_assert_int_eq(r.ev[0].window.latency_long_ns, MS(100));
    ck_assert_int_ge(r.ev[0].window.latency_short_ns, MS(200));
    ck_assert_int_lt(r.ev[0].window.latency_short_ns, MS(206));
    ck_assert_uint_eq(r.ev[0].window.calls, 100);
    ck_assert_uint_eq(r.ev[0].window.failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(latency_trend_needs_min_calls)
{
    fb_config c = trend_config();
    fb_breaker *b;

    c.min_calls = 30;
    b = breaker_from(&c);
    /* 20 fast calls over 2 s, then slow ones: 29 calls in, the short average
     * is far above twice the long one, but the rule waits for 30. */
    ck_assert(steady(b, 10, MS(10), 0, 2));
    ck_assert(steady(b, 9, MS(500), T(2), 1));
    ck_assert_int_eq(fb_breaker_state(b, T(3)), FB_STATE_CLOSED);
    ck_assert_int_gt(window_at(b, T(3)).latency_short_ns, 2 * window_at(b, T(3)).latency_long_ns);
    ck_assert(steady(b, 1, MS(500), T(3), 1));
    ck_assert_int_eq(fb_breaker_state(b, T(4)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(zero_durations_never_trip_the_trend)
{
    fb_config c = trend_config();
    fb_breaker *b = breaker_from(&c);

    ck_assert(steady(b, 10, 0, 0, 60));
    ck_assert_int_eq(fb_breaker_state(b, T(60)), FB_STATE_CLOSED);
    ck_assert_int_eq(window_at(b, T(60)).latency_long_ns, 0);
    fb_breaker_free(b);
}
END_TEST

/* Deterministic lognormal latencies: median 'median_ns', shape 'sigma'. */
typedef struct noise {
    uint64_t s;
} noise;

static double noise_u(noise *n)
{
    n->s ^= n->s << 13;
    n->s ^= n->s >> 7;
    n->s ^= n->s << 17;
    return ((double)(n->s >> 11) + 0.5) * 0x1p-53;
}

static int64_t noise_latency(noise *n, double median_ns, double sigma)
{
    double u1 = noise_u(n), u2 = noise_u(n);
    double z = sqrt(-2 * log(u1)) * cos(2 * 3.14159265358979323846 * u2);

    return (int64_t)(median_ns * exp(sigma * z));
}

/* Play a dependency whose latency is lognormal (median 50 ms, sigma 0.4) and
 * from 'rise_s' on grows linearly to 20 x over 120 s; a call slower than the
 * 1 s timeout fails after 1 s. 10 calls a second. Returns the instant 'b'
 * opened (INT64_MAX: never) and its opening event in '*ev'. */
static int64_t play_rise(fb_breaker *b, int rise_s, int end_s, fb_event *ev)
{
    noise n = { 0x2545F4914F6CDD1Dull };
    recorder r;

    recorder_attach(&r, b);
    for (int i = 0; i < end_s * 10; i++) {
        int64_t now = i * MS(100), d;
        double f = 1, t = (double)now / 1e9;
        fb_permit p;
        fb_outcome o = FB_SUCCESS;

        if (t >= rise_s)
            f = t >= rise_s + 120 ? 20 : 1 + 19 * (t - rise_s) / 120;
        d = noise_latency(&n, 50e6 * f, 0.4);
        if (d > T(1)) {
            d = T(1);
            o = FB_FAILURE;
        }
        call(b, o, d, now, &p);
        if (r.n > 0) {
            *ev = r.ev[0];
            return now;
        }
    }
    return INT64_MAX;
}

START_TEST(latency_trend_opens_before_the_failure_rate_on_a_two_minute_rise)
{
    fb_config c;
    fb_breaker *plain, *trend;
    fb_event ev_plain, ev_trend;
    int64_t t_plain, t_trend;

    /* The same failure-rate rule in both; one adds the trend (its defaults). */
    fb_config_init(&c);
    c.window_size = 100;
    c.min_calls = 20;
    c.rules = FB_RULE_FAILURE_RATE;
    c.failure_rate_threshold = 50;
    plain = breaker_from(&c);
    c.rules |= FB_RULE_LATENCY_TREND;
    trend = breaker_from(&c);
    t_plain = play_rise(plain, 600, 900, &ev_plain);
    t_trend = play_rise(trend, 600, 900, &ev_trend);
    ck_assert_int_eq(ev_plain.reason, FB_REASON_FAILURE_RATE);
    ck_assert_int_eq(ev_trend.reason, FB_REASON_LATENCY_TREND);
    /* Failures pass 50 % only when the median nears the timeout. */
    ck_assert_int_gt(t_plain, T(600 + 60));
    ck_assert_int_lt(t_plain, T(600 + 240));
    /* The trend sees the doubling within seconds of the rise. */
    ck_assert_int_ge(t_trend, T(600));
    ck_assert_int_lt(t_trend, T(600 + 30));
    ck_assert_int_lt(t_trend + T(30), t_plain);
    /* The baseline stayed near the median before the rise (50 ms x
     * exp(0.4^2 / 2) = 54 ms): it did not chase the rise. */
    ck_assert_int_gt(ev_trend.window.latency_long_ns, MS(50));
    ck_assert_int_lt(ev_trend.window.latency_long_ns, MS(60));
    ck_assert_int_ge(ev_trend.window.latency_short_ns, 2 * ev_trend.window.latency_long_ns);
    ck_assert_uint_lt(ev_trend.window.failures, 5);
    fb_breaker_free(plain);
    fb_breaker_free(trend);
}
END_TEST

START_TEST(latency_trend_stays_closed_on_an_hour_of_flat_noise)
{
    fb_config c;
    fb_breaker *b;
    fb_event ev;

    fb_config_init(&c);
    c.rules = FB_RULE_LATENCY_TREND;
    c.min_calls = 20;
    b = breaker_from(&c);
    /* No rise before the end: the noise alone (sigma 0.4) never doubles a
     * 100-call average against the baseline. */
    ck_assert_int_eq(play_rise(b, 4000, 3600, &ev), INT64_MAX);
    ck_assert_int_eq(fb_breaker_state(b, T(3600)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(long_average_waits_while_the_short_one_runs_away)
{
    fb_config c = trend_config();
    fb_breaker *b;

    c.latency_long_ns = T(20); /* waits at most 20 s; freezes at 1.5 x */
    b = breaker_from(&c);
    ck_assert(steady(b, 10, MS(100), 0, 60));
    ck_assert_int_eq(window_at(b, T(60)).latency_long_ns, MS(100));
    /* 160 ms: 1.6 x, above the freeze point and below the trip ratio. */
    ck_assert(steady(b, 10, MS(160), T(60), 15));
    ck_assert_int_eq(window_at(b, T(75)).latency_long_ns, MS(100));
    ck_assert_int_eq(window_at(b, T(75)).latency_short_ns, MS(160));
    /* After 20 s the new level is the new normal: the baseline follows. */
    ck_assert(steady(b, 10, MS(160), T(75), 25));
    ck_assert_int_gt(window_at(b, T(100)).latency_long_ns, MS(120));
    ck_assert_int_eq(fb_breaker_state(b, T(100)), FB_STATE_CLOSED);
    fb_breaker_free(b);

    /* 140 ms is below the freeze point: the baseline follows at once. */
    b = breaker_from(&c);
    ck_assert(steady(b, 10, MS(100), 0, 60));
    ck_assert(steady(b, 10, MS(140), T(60), 5));
    ck_assert_int_gt(window_at(b, T(65)).latency_long_ns, MS(105));
    fb_breaker_free(b);
}
END_TEST

START_TEST(frozen_baseline_lets_a_steady_rise_trip)
{
    fb_config c = trend_config();
    fb_breaker *b;
    recorder r;
    fb_permit p;
    int64_t t = T(120);

    c.latency_long_ns = T(60);
    b = breaker_from(&c);
    recorder_attach(&r, b);
    ck_assert(steady(b, 10, MS(100), 0, 120));
    /* +5 ms a second. A baseline that kept following (about 30 s behind)
     * would stay within 1.6 x of the short average and never trip; frozen
     * from 1.5 x on, it is left behind until the short one doubles it. */
    for (int s = 1; s <= 120 && r.n == 0; s++)
        for (int i = 0; i < 10 && r.n == 0; i++, t += MS(100))
            call(b, FB_SUCCESS, MS(100 + 5 * s), t, &p);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_LATENCY_TREND);
    ck_assert_int_lt(t, T(120 + 40));
    ck_assert_int_lt(r.ev[0].window.latency_long_ns, MS(130));
    fb_breaker_free(b);
}
END_TEST

START_TEST(latency_averages_start_over_when_the_breaker_closes)
{
    fb_config c = trend_config();
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;
    int64_t t;

    ck_assert(steady(b, 10, MS(100), 0, 30));
    ck_assert(steady(b, 6, MS(250), T(30), 1)); /* the sixth trips */
    ck_assert_int_eq(fb_breaker_state(b, T(31)), FB_STATE_OPEN);
    /* OPEN keeps the figures that tripped it. */
    w = window_at(b, T(32));
    ck_assert_int_eq(w.latency_long_ns, MS(100));
    t = close_by_trials(b, T(32));
    w = window_at(b, t);
    ck_assert_int_eq(w.latency_short_ns, 0);
    ck_assert_int_eq(w.latency_long_ns, 0);
    /* 250 ms is the new baseline: no trip. */
    ck_assert(steady(b, 10, MS(250), t, 60));
    ck_assert_int_eq(fb_breaker_state(b, t + T(60)), FB_STATE_CLOSED);
    ck_assert_int_eq(window_at(b, t + T(60)).latency_long_ns, MS(250));
    fb_breaker_free(b);
}
END_TEST

START_TEST(latency_trend_in_metrics_only_reports_would_trip)
{
    fb_config c = trend_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, 0), FB_OK);
    recorder_attach(&r, b);
    ck_assert(steady(b, 10, MS(100), 0, 30));
    ck_assert(steady(b, 10, MS(250), T(30), 1));
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].kind, FB_EVENT_WOULD_TRIP);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_LATENCY_TREND);
    ck_assert_int_eq(fb_breaker_state(b, T(31)), FB_STATE_METRICS_ONLY);
    /* Started over, as after a trip and a close. */
    ck_assert_int_lt(window_at(b, T(31)).latency_long_ns, MS(250) + 1);
    fb_breaker_free(b);
}
END_TEST

/* ---- the Wilson score bound --------------------------------------------------- */

static fb_config wilson_config(uint32_t window, uint32_t min_calls, double z)
{
    fb_config c = test_config();

    c.window_size = window;
    c.min_calls = min_calls;
    c.failure_rate_threshold = 50;
    c.failure_rate_z = z;
    return c;
}

/* The lower bound in percent, computed here with libm. */
static double wilson_ref(double f, double n, double z)
{
    double p = f / n, z2 = z * z;

    return 100 * (p + z2 / (2 * n) - z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}

static void outcomes(fb_breaker *b, int successes, int failures, int64_t now_ns)
{
    fb_permit p;

    for (int i = 0; i < successes; i++)
        ck_assert(call(b, FB_SUCCESS, 0, now_ns, &p));
    for (int i = 0; i < failures; i++)
        ck_assert(call(b, FB_FAILURE, 0, now_ns, &p));
}

START_TEST(wilson_keeps_two_of_three_closed_where_the_plain_rate_trips)
{
    fb_config c = wilson_config(10, 3, 0);
    fb_breaker *plain = breaker_from(&c), *wilson;
    fb_window_stats w;

    c.failure_rate_z = 1.96;
    wilson = breaker_from(&c);
    outcomes(plain, 1, 2, T(1));
    outcomes(wilson, 1, 2, T(1));
    ck_assert_int_eq(fb_breaker_state(plain, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(fb_breaker_state(wilson, T(1)), FB_STATE_CLOSED);
    w = window_at(wilson, T(1));
    ck_assert_double_eq_tol(w.failure_rate, 200.0 / 3, TOL);
    ck_assert_double_eq_tol(w.failure_rate_lower, wilson_ref(2, 3, 1.96), 1e-9);
    ck_assert_double_lt(w.failure_rate_lower, 21);
    ck_assert_double_gt(w.failure_rate_lower, 20);
    fb_breaker_free(plain);
    fb_breaker_free(wilson);
}
END_TEST

START_TEST(wilson_trips_at_30_of_40)
{
    fb_config c = wilson_config(40, 40, 1.96);
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    outcomes(b, 10, 29, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED); /* 39 < min_calls */
    outcomes(b, 0, 1, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_FAILURE_RATE);
    ck_assert_double_eq_tol(r.ev[0].window.failure_rate, 75, TOL);
    ck_assert_double_eq_tol(r.ev[0].window.failure_rate_lower, wilson_ref(30, 40, 1.96), 1e-9);
    ck_assert_double_gt(r.ev[0].window.failure_rate_lower, 59);
    fb_breaker_free(b);
}
END_TEST

START_TEST(wilson_boundary_at_40_calls_is_27_failures)
{
    fb_config c = wilson_config(40, 40, 1.96);
    fb_breaker *b = breaker_from(&c);

    /* 26 of 40 (65 %) would trip the plain rule; its bound is 49.5 %. */
    outcomes(b, 14, 26, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_double_lt(window_at(b, T(1)).failure_rate_lower, 50);
    fb_breaker_free(b);
    b = breaker_from(&c);
    outcomes(b, 13, 27, T(1)); /* bound 52.0 % */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(wilson_needs_four_failures_in_a_row_at_95_percent)
{
    fb_config c = wilson_config(10, 1, 1.96);
    fb_breaker *b = breaker_from(&c);

    /* n of n failed: the bound is n / (n + z^2), 50 % from n = 3.84 on. */
    outcomes(b, 0, 3, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_double_eq_tol(window_at(b, T(1)).failure_rate_lower, 300 / (3 + 1.96 * 1.96), 1e-9);
    outcomes(b, 0, 1, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(wilson_lower_bound_matches_the_formula)
{
    const int cases[][2] = { { 0, 1 },   { 1, 1 },    { 1, 2 },    { 5, 10 },   { 0, 100 },
                             { 1, 100 }, { 99, 100 }, { 100, 100 }, { 17, 23 } };
    const double zs[] = { 1.0, 1.645, 1.96, 2.576, 10 };

    for (size_t k = 0; k < sizeof(zs) / sizeof(zs[0]); k++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            fb_config c = wilson_config(100, 1000, zs[k]); /* never trips */
            fb_breaker *b = breaker_from(&c);
            double want = wilson_ref(cases[i][0], cases[i][1], zs[k]);
            double got;

            outcomes(b, cases[i][1] - cases[i][0], cases[i][0], T(1));
            got = window_at(b, T(1)).failure_rate_lower;
            ck_assert_msg(fabs(got - (want > 0 ? want : 0)) < 1e-9,
                          "%d of %d at z %g: %.15g, want %.15g", cases[i][0], cases[i][1], zs[k],
                          got, want);
            fb_breaker_free(b);
        }
}
END_TEST

START_TEST(wilson_leaves_the_half_open_verdict_plain)
{
    fb_config c = wilson_config(10, 3, 1.96);
    fb_breaker *b = breaker_from(&c);
    fb_permit p;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, 0), FB_OK);
    /* 1 of 2 trials failed: 50 % re-opens under the RATE verdict. */
    ck_assert(call(b, FB_SUCCESS, 0, T(10), &p));
    ck_assert(call(b, FB_FAILURE, 0, T(10), &p));
    ck_assert_int_eq(fb_breaker_state(b, T(10)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

/* ---- recovery ramp ----------------------------------------------------------- */

/* Ramp only (and the failure rule of test_config): 100 s from 25 %. */
static fb_config ramp_config(script *s)
{
    fb_config c = test_config();

    c.rules |= FB_RULE_RECOVERY_RAMP;
    c.recovery_ramp_ns = T(100);
    c.recovery_ramp_start = 0.25;
    use_script(&c, s, U_MAX);
    return c;
}

/* 16 acquires at 'now_ns' with draws 0, 1/16, ..., 15/16: how many pass. */
static int admitted_of_16(fb_breaker *b, script *s, int64_t now_ns)
{
    static const double u[16] = { 0,         1 / 16.0,  2 / 16.0,  3 / 16.0,
                                  4 / 16.0,  5 / 16.0,  6 / 16.0,  7 / 16.0,
                                  8 / 16.0,  9 / 16.0,  10 / 16.0, 11 / 16.0,
                                  12 / 16.0, 13 / 16.0, 14 / 16.0, 15 / 16.0 };
    int n = 0;

    s->u = u;
    s->n = 16;
    s->calls = 0;
    for (int i = 0; i < 16; i++) {
        fb_permit p;

        if (fb_breaker_acquire(b, now_ns, &p)) {
            n++;
            ck_assert_int_eq(fb_breaker_record(b, &p, FB_SUCCESS, 0, now_ns), FB_OK);
        } else {
            ck_assert_int_eq(p.reason, FB_REJECT_RAMP);
            ck_assert_int_eq(p.state, FB_STATE_CLOSED);
            ck_assert_int_eq(p.retry_after_ns, now_ns);
        }
    }
    s->n = 0;
    return n;
}

START_TEST(ramp_admits_the_scripted_fraction_over_time)
{
    script s;
    fb_config c = ramp_config(&s);
    fb_breaker *b = breaker_from(&c);
    int64_t t0 = close_by_trials(b, T(1));

    /* f = 0.25 + 0.75 x elapsed / 100 s; admitted: u < f. */
    ck_assert_int_eq(admitted_of_16(b, &s, t0), 4);                /* 0 %: 0.25 */
    ck_assert_int_eq(admitted_of_16(b, &s, t0 + T(25)), 7);        /* 25 %: 0.4375 */
    ck_assert_int_eq(admitted_of_16(b, &s, t0 + T(50)), 10);       /* 50 %: 0.625 */
    ck_assert_int_eq(admitted_of_16(b, &s, t0 + T(75)), 13);       /* 75 %: 0.8125 */
    ck_assert_int_eq(s.calls, 16);
    ck_assert_int_eq(admitted_of_16(b, &s, t0 + T(100)), 16);      /* 100 %: over */
    ck_assert_int_eq(s.calls, 0); /* no draw once the ramp is over */
    ck_assert_uint_eq(metrics_at(b, t0 + T(100)).ramp_rejected, 12 + 9 + 6 + 3);
    ck_assert_uint_eq(metrics_at(b, t0 + T(100)).not_permitted, 12 + 9 + 6 + 3);
    ck_assert_int_eq(fb_breaker_state(b, t0 + T(100)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ramp_ends_at_its_length)
{
    script s;
    fb_config c = ramp_config(&s);
    fb_breaker *b = breaker_from(&c);
    int64_t t0 = close_by_trials(b, T(1));
    fb_permit p;

    s.rest = 0.999;
    s.calls = 0;
    ck_assert(!fb_breaker_acquire(b, t0 + T(99), &p)); /* f = 0.9925 */
    ck_assert_int_eq(p.reason, FB_REJECT_RAMP);
    ck_assert(fb_breaker_acquire(b, t0 + T(100) - 1, &p)); /* f = 1 - 7.5e-12 */
    ck_assert_int_eq(s.calls, 2);
    ck_assert(fb_breaker_acquire(b, t0 + T(100), &p)); /* over: no draw */
    ck_assert_int_eq(s.calls, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ramp_restarts_after_a_reopen)
{
    script s;
    fb_config c = ramp_config(&s);
    fb_breaker *b = breaker_from(&c);
    int64_t t0 = close_by_trials(b, T(1)), t1;

    ck_assert_int_eq(admitted_of_16(b, &s, t0 + T(50)), 10);
    /* Trip during the ramp (2 failures in the window of 4), then recover. */
    s.rest = 0;
    for (int i = 0; i < 2; i++) {
        fb_permit p;

        ck_assert(call(b, FB_FAILURE, 0, t0 + T(60), &p));
    }
    ck_assert_int_eq(fb_breaker_state(b, t0 + T(60)), FB_STATE_OPEN);
    t1 = close_by_trials(b, t0 + T(60));
    ck_assert_int_eq(admitted_of_16(b, &s, t1), 4); /* back to 25 % */
    ck_assert_int_eq(admitted_of_16(b, &s, t1 + T(50)), 10);
    fb_breaker_free(b);
}
END_TEST

START_TEST(only_passing_trials_start_a_ramp)
{
    script s;
    fb_config c = ramp_config(&s);
    fb_breaker *b = breaker_from(&c);

    /* A fresh breaker, a manual close and a reset admit everything. */
    ck_assert_int_eq(admitted_of_16(b, &s, T(1)), 16);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(2)), FB_OK);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, T(3)), FB_OK);
    ck_assert_int_eq(admitted_of_16(b, &s, T(3)), 16);
    close_by_trials(b, T(4));
    fb_breaker_reset(b, T(20));
    ck_assert_int_eq(admitted_of_16(b, &s, T(20)), 16);
    ck_assert_int_eq(s.calls, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ramp_refusals_are_not_throttle_requests)
{
    script s;
    fb_config c = ramp_config(&s);
    fb_breaker *b;
    int64_t t0;

    c.rules |= FB_RULE_THROTTLE;
    b = breaker_from(&c);
    t0 = close_by_trials(b, T(1));
    ck_assert_int_eq(admitted_of_16(b, &s, t0), 4);
    /* The 4 admitted calls succeeded; the 12 refused ones never count. */
    ck_assert_uint_eq(window_at(b, t0).throttle_requests, 4);
    ck_assert_uint_eq(window_at(b, t0).throttle_accepts, 4);
    ck_assert_uint_eq(metrics_at(b, t0).throttled, 0);
    fb_breaker_free(b);
}
END_TEST

Suite *predict_suite(void)
{
    Suite *s = suite_create("predict");
    TCase *tc = tcase_create("config");

    tcase_add_test(tc, defaults_leave_every_prediction_rule_off);
    tcase_add_loop_test(tc, config_check_rejects_each_bad_prediction_field, 0, N_SPOILS);
    tcase_add_test(tc, config_check_messages_are_exact);
    tcase_add_loop_test(tc, config_check_accepts_prediction_values_on_the_edge, 0, N_STRETCHES);
    tcase_add_test(tc, new_values_have_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("throttle");
    tcase_add_test(tc, throttle_refuses_below_the_exact_probability);
    tcase_add_test(tc, throttle_k_weighs_the_accepts);
    tcase_add_test(tc, throttle_window_ages_by_now);
    tcase_add_test(tc, throttle_counts_only_calls_made_in_closed);
    tcase_add_test(tc, throttle_sheds_nearly_everything_in_a_hard_outage);
    tcase_add_test(tc, throttle_works_in_synchronized_mode);
    suite_add_tcase(s, tc);

    tc = tcase_create("latency_trend");
    tcase_add_test(tc, latency_trend_trips_on_the_sixth_call_after_a_step);
    tcase_add_test(tc, latency_trend_needs_min_calls);
    tcase_add_test(tc, zero_durations_never_trip_the_trend);
    tcase_add_test(tc, latency_trend_opens_before_the_failure_rate_on_a_two_minute_rise);
    tcase_add_test(tc, latency_trend_stays_closed_on_an_hour_of_flat_noise);
    tcase_add_test(tc, long_average_waits_while_the_short_one_runs_away);
    tcase_add_test(tc, frozen_baseline_lets_a_steady_rise_trip);
    tcase_add_test(tc, latency_averages_start_over_when_the_breaker_closes);
    tcase_add_test(tc, latency_trend_in_metrics_only_reports_would_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("wilson");
    tcase_add_test(tc, wilson_keeps_two_of_three_closed_where_the_plain_rate_trips);
    tcase_add_test(tc, wilson_trips_at_30_of_40);
    tcase_add_test(tc, wilson_boundary_at_40_calls_is_27_failures);
    tcase_add_test(tc, wilson_needs_four_failures_in_a_row_at_95_percent);
    tcase_add_test(tc, wilson_lower_bound_matches_the_formula);
    tcase_add_test(tc, wilson_leaves_the_half_open_verdict_plain);
    suite_add_tcase(s, tc);

    tc = tcase_create("ramp");
    tcase_add_test(tc, ramp_admits_the_scripted_fraction_over_time);
    tcase_add_test(tc, ramp_ends_at_its_length);
    tcase_add_test(tc, ramp_restarts_after_a_reopen);
    tcase_add_test(tc, only_passing_trials_start_a_ramp);
    tcase_add_test(tc, ramp_refusals_are_not_throttle_requests);
    suite_add_tcase(s, tc);
    return s;
}
