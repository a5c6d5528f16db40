/* test_half_open.c — suite "half_open": trial permits, the rate and strict
 * verdicts, ignored trials, the half-open deadline and late outcomes. */
#include "tests.h"

#define TOL 1e-9

/* test_config() with 3 trial permits. */
static fb_config ho_config(fb_half_open_verdict verdict)
{
    fb_config c = test_config();

    c.half_open_permits = 3;
    c.half_open_verdict = verdict;
    return c;
}

/* Trip at T(0) and enter HALF_OPEN at T(10). */
static void enter_half_open(fb_breaker *b)
{
    trip(b, T(0));
    ck_assert_int_eq(fb_breaker_state(b, T(10)), FB_STATE_HALF_OPEN);
}

/* Take a trial permit at 'now_ns'; it must be granted in HALF_OPEN. */
static fb_permit trial(fb_breaker *b, int64_t now_ns)
{
    fb_permit p;

    ck_assert_msg(fb_breaker_acquire(b, now_ns, &p), "trial refused: %s", fb_reject_name(p.reason));
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    return p;
}

static void record(fb_breaker *b, fb_permit *p, fb_outcome o, int64_t duration_ns, int64_t now_ns)
{
    ck_assert_int_eq(fb_breaker_record(b, p, o, duration_ns, now_ns), FB_OK);
}

START_TEST(half_open_rejects_when_all_trials_taken)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit p;

    enter_half_open(b);
    for (int i = 0; i < 3; i++) {
        p = trial(b, T(10));
        ck_assert_int_eq(p.reason, FB_REJECT_NONE);
    }
    ck_assert(!fb_breaker_acquire(b, T(11), &p));
    ck_assert(!p.granted);
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(p.retry_after_ns, INT64_MAX); /* no deadline */
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_full_retry_after_is_the_deadline)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit p;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    enter_half_open(b); /* entered at T(10) */
    for (int i = 0; i < 3; i++)
        trial(b, T(12));
    ck_assert(!fb_breaker_acquire(b, T(13), &p));
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    /* The deadline runs from the first outstanding trial, not from entry. */
    ck_assert_int_eq(p.retry_after_ns, T(17));
    fb_breaker_free(b);
}
END_TEST

START_TEST(ignored_trial_gives_its_permit_back)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit t[4], p;

    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    ck_assert(!fb_breaker_acquire(b, T(10), &p));
    record(b, &t[0], FB_IGNORED, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    ck_assert_uint_eq(window_at(b, T(11)).calls, 0);
    t[3] = trial(b, T(11));
    ck_assert(!fb_breaker_acquire(b, T(11), &p));
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    ck_assert_uint_eq(metrics_at(b, T(11)).ignored, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_waits_for_every_trial)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit t[3];
    fb_window_stats w;

    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_FAILURE, 0, T(11));
    record(b, &t[1], FB_FAILURE, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    w = window_at(b, T(11));
    ck_assert_uint_eq(w.calls, 2);
    ck_assert_uint_eq(w.failures, 2);
    ck_assert_double_eq_tol(w.failure_rate, 100.0, TOL);
    record(b, &t[2], FB_SUCCESS, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_closes_below_the_threshold)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit t[3];

    recorder_attach(&r, b);
    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_FAILURE, 0, T(11));
    record(b, &t[1], FB_SUCCESS, 0, T(11));
    record(b, &t[2], FB_SUCCESS, 0, T(11)); /* 1 of 3 = 33 % */
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_CLOSED);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.ev[2].from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.ev[2].to, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[2].reason, FB_REASON_TRIALS_PASSED);
    ck_assert_uint_eq(window_at(b, T(11)).calls, 0); /* a fresh CLOSED window */
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_reopens_at_the_threshold)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;
    fb_permit t[4];

    c.half_open_permits = 4;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    for (int i = 0; i < 4; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_SUCCESS, 0, T(12));
    record(b, &t[1], FB_FAILURE, 0, T(12));
    record(b, &t[2], FB_SUCCESS, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_HALF_OPEN);
    record(b, &t[3], FB_FAILURE, 0, T(12)); /* 2 of 4 = 50 % */
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_OPEN);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_TRIALS_FAILED);
    ck_assert_int_eq(metrics_at(b, T(12)).open_until_ns, T(22));
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_reopens_on_slow_trials_when_the_rule_is_on)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;
    fb_permit t[2];

    c.rules = FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE;
    c.slow_call_rate_threshold = 50;
    c.half_open_permits = 2;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    t[0] = trial(b, T(10));
    t[1] = trial(b, T(10));
    record(b, &t[0], FB_SUCCESS, MS(200), T(11));
    record(b, &t[1], FB_SUCCESS, MS(10), T(11)); /* no failures, 1 of 2 slow */
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_OPEN);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_TRIALS_FAILED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_ignores_slow_trials_when_the_rule_is_off)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit t[2];

    c.slow_call_rate_threshold = 50; /* FAILURE_RATE is the only rule */
    c.half_open_permits = 2;
    b = breaker_from(&c);
    enter_half_open(b);
    t[0] = trial(b, T(10));
    t[1] = trial(b, T(10));
    record(b, &t[0], FB_SUCCESS, MS(200), T(11));
    record(b, &t[1], FB_SUCCESS, MS(200), T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(rate_verdict_counts_only_outcomes_not_ignored)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;
    fb_permit t[3];

    c.half_open_permits = 2;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    t[0] = trial(b, T(10));
    t[1] = trial(b, T(10));
    record(b, &t[0], FB_IGNORED, 0, T(11));
    record(b, &t[1], FB_SUCCESS, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN); /* 1 outcome of 2 */
    t[2] = trial(b, T(11));
    record(b, &t[2], FB_SUCCESS, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_CLOSED);
    ck_assert_uint_eq(recorder_last(&r)->window.calls, 2);
    ck_assert_uint_eq(recorder_last(&r)->window.failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(strict_verdict_reopens_on_the_first_failure)
{
    fb_config c = ho_config(FB_VERDICT_STRICT);
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit t[3];
    fb_metrics m;

    recorder_attach(&r, b);
    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_FAILURE, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_OPEN);
    ck_assert_int_eq(recorder_last(&r)->from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_TRIALS_FAILED);
    ck_assert_int_eq(recorder_last(&r)->open_until_ns, T(21));
    /* the other trials now belong to an old generation */
    record(b, &t[1], FB_SUCCESS, 0, T(12));
    record(b, &t[2], FB_SUCCESS, 0, T(12));
    m = metrics_at(b, T(12));
    ck_assert_int_eq(m.state, FB_STATE_OPEN);
    ck_assert_uint_eq(m.late, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(strict_verdict_counts_a_slow_trial_as_failure_when_the_rule_is_on)
{
    fb_config c = ho_config(FB_VERDICT_STRICT);
    fb_breaker *b;
    recorder r;
    fb_permit t;

    c.rules = FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    t = trial(b, T(10));
    record(b, &t, FB_SUCCESS, MS(100), T(11)); /* not slow: at the limit */
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    t = trial(b, T(11));
    record(b, &t, FB_SUCCESS, MS(100) + 1, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_OPEN);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_TRIALS_FAILED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(strict_verdict_accepts_slow_successes_when_the_rule_is_off)
{
    fb_config c = ho_config(FB_VERDICT_STRICT);
    fb_breaker *b = breaker_from(&c);

    enter_half_open(b);
    record_n(b, 3, FB_SUCCESS, T(5), T(10));
    ck_assert_int_eq(fb_breaker_state(b, T(10)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(strict_verdict_closes_after_every_trial_succeeds)
{
    fb_config c = ho_config(FB_VERDICT_STRICT);
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit t[3];

    recorder_attach(&r, b);
    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_SUCCESS, 0, T(11));
    record(b, &t[1], FB_IGNORED, 0, T(11)); /* given back, not a success */
    record(b, &t[2], FB_SUCCESS, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    t[1] = trial(b, T(11));
    record(b, &t[1], FB_SUCCESS, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_CLOSED);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_TRIALS_PASSED);
    ck_assert_int_eq(recorder_last(&r)->at_ns, T(12));
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_reopens_lazily_in_state)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;
    fb_metrics m;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b); /* entered at T(10): deadline T(15) */
    trial(b, T(10));    /* a trial that never comes back */
    ck_assert_int_eq(fb_breaker_state(b, T(15) - 1), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(fb_breaker_state(b, T(15)), FB_STATE_OPEN);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.ev[2].from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.ev[2].to, FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[2].reason, FB_REASON_HALF_OPEN_DEADLINE);
    ck_assert_int_eq(r.ev[2].at_ns, T(15));
    ck_assert_int_eq(r.ev[2].open_until_ns, T(25));
    m = metrics_at(b, T(15));
    ck_assert_int_eq(m.open_until_ns, T(25));
    ck_assert_uint_eq(m.reopens, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_is_checked_in_acquire)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit p;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        trial(b, T(10));
    ck_assert(!fb_breaker_acquire(b, T(15), &p));
    ck_assert_int_eq(p.state, FB_STATE_OPEN);
    ck_assert_int_eq(p.reason, FB_REJECT_OPEN);
    ck_assert_int_eq(p.retry_after_ns, T(25));
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_is_checked_in_record)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;
    fb_permit t;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    t = trial(b, T(10));
    trial(b, T(10));
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(fb_breaker_record(b, &t, FB_SUCCESS, T(6), T(16)), FB_OK);
    ck_assert_int_eq(r.n, 3); /* moved by record() itself */
    ck_assert_int_eq(r.ev[2].reason, FB_REASON_HALF_OPEN_DEADLINE);
    ck_assert_int_eq(r.ev[2].to, FB_STATE_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(16)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_without_deadline_waits_forever)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit p;

    enter_half_open(b);
    for (int i = 0; i < 3; i++)
        trial(b, T(10));
    ck_assert_int_eq(fb_breaker_state(b, T(10) + T(86400) * 365), FB_STATE_HALF_OPEN);
    ck_assert(!fb_breaker_acquire(b, T(10) + T(86400) * 366, &p));
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    ck_assert_int_eq(p.retry_after_ns, INT64_MAX);
    fb_breaker_free(b);
}
END_TEST

START_TEST(late_outcomes_do_not_decide_the_half_open_verdict)
{
    fb_config c = test_config(); /* 2 trials, rate verdict */
    fb_breaker *b = breaker_from(&c);
    fb_permit old[2], t[2], p;
    fb_metrics m;

    ck_assert(fb_breaker_acquire(b, T(1), &old[0]));
    ck_assert(fb_breaker_acquire(b, T(1), &old[1]));
    record_n(b, 4, FB_FAILURE, 0, T(1)); /* OPEN until T(11) */
    t[0] = trial(b, T(11));
    t[1] = trial(b, T(11));
    record(b, &old[0], FB_FAILURE, 0, T(12));
    record(b, &old[1], FB_FAILURE, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_HALF_OPEN);
    ck_assert_uint_eq(window_at(b, T(12)).calls, 0);
    ck_assert(!fb_breaker_acquire(b, T(12), &p)); /* the trials are still out */
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    m = metrics_at(b, T(12));
    ck_assert_uint_eq(m.late, 2);
    ck_assert_uint_eq(m.failures, 6);
    record(b, &t[0], FB_SUCCESS, 0, T(13));
    record(b, &t[1], FB_SUCCESS, 0, T(13));
    ck_assert_int_eq(fb_breaker_state(b, T(13)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(late_failure_does_not_reopen_a_strict_half_open)
{
    fb_config c = ho_config(FB_VERDICT_STRICT);
    fb_breaker *b = breaker_from(&c);
    fb_permit old, t;

    ck_assert(fb_breaker_acquire(b, T(0), &old));
    enter_half_open(b);
    t = trial(b, T(10));
    record(b, &old, FB_FAILURE, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    ck_assert_uint_eq(metrics_at(b, T(11)).late, 1);
    record(b, &t, FB_SUCCESS, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN); /* 1 of 3 */
    fb_breaker_free(b);
}
END_TEST

START_TEST(window_in_half_open_shows_the_trial_figures)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit t[3];
    fb_window_stats w;

    enter_half_open(b);
    ck_assert_uint_eq(window_at(b, T(10)).calls, 0);
    for (int i = 0; i < 3; i++)
        t[i] = trial(b, T(10));
    record(b, &t[0], FB_FAILURE, MS(300), T(11));
    record(b, &t[1], FB_SUCCESS, 0, T(11));
    w = window_at(b, T(11));
    ck_assert_uint_eq(w.calls, 2);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_uint_eq(w.slow, 1);
    ck_assert_double_eq_tol(w.failure_rate, 50.0, TOL);
    ck_assert_double_eq_tol(w.slow_rate, 50.0, TOL);
    fb_breaker_free(b);
}
END_TEST

START_TEST(trial_recorded_twice_is_eperm)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit t;

    enter_half_open(b);
    t = trial(b, T(10));
    record(b, &t, FB_FAILURE, 0, T(11));
    ck_assert_int_eq(fb_breaker_record(b, &t, FB_FAILURE, 0, T(11)), FB_EPERMIT);
    ck_assert_int_eq(fb_breaker_record(b, &t, FB_IGNORED, 0, T(11)), FB_EPERMIT);
    ck_assert_uint_eq(window_at(b, T(11)).calls, 1);
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_is_not_armed_without_outstanding_trials)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    recorder r;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    recorder_attach(&r, b);
    enter_half_open(b);
    /* Polling an idle HALF_OPEN breaker must not cycle it through OPEN. */
    ck_assert_int_eq(fb_breaker_state(b, T(1000)), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(metrics_at(b, T(1000)).reopens, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_disarms_when_trials_come_back_and_rearms)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit t1, t2, p;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    enter_half_open(b);
    t1 = trial(b, T(10));
    t2 = trial(b, T(10));
    record(b, &t1, FB_SUCCESS, 0, T(11));
    record(b, &t2, FB_SUCCESS, 0, T(11));
    /* Two of three trials back, none outstanding: no deadline at T(15). */
    ck_assert_int_eq(fb_breaker_state(b, T(100)), FB_STATE_HALF_OPEN);
    trial(b, T(100)); /* outstanding again: deadline T(105) */
    ck_assert(!fb_breaker_acquire(b, T(101), &p));
    ck_assert_int_eq(p.reason, FB_REJECT_HALF_OPEN_FULL);
    ck_assert_int_eq(p.retry_after_ns, T(105));
    ck_assert_int_eq(fb_breaker_state(b, T(105) - 1), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(105)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ignored_last_outstanding_trial_disarms_the_deadline)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit t;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    enter_half_open(b);
    t = trial(b, T(10));
    record(b, &t, FB_IGNORED, 0, T(11));
    ck_assert_int_eq(fb_breaker_state(b, T(50)), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(window_in_half_open_counts_the_trial_failure_run)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);
    fb_permit t1, t2;

    enter_half_open(b); /* tripped by a failure run in CLOSED */
    ck_assert_uint_eq(window_at(b, T(10)).consecutive_failures, 0);
    t1 = trial(b, T(10));
    t2 = trial(b, T(10));
    record(b, &t1, FB_FAILURE, 0, T(11));
    ck_assert_uint_eq(window_at(b, T(11)).consecutive_failures, 1);
    record(b, &t2, FB_SUCCESS, 0, T(11));
    ck_assert_uint_eq(window_at(b, T(11)).consecutive_failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(copy_of_a_recorded_trial_permit_counts_as_late)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit t, copy;
    fb_metrics m;

    c.half_open_permits = 1;
    b = breaker_from(&c);
    enter_half_open(b);
    t = trial(b, T(10));
    copy = t;
    record(b, &t, FB_IGNORED, 0, T(10)); /* gives the one permit back */
    record(b, &copy, FB_IGNORED, 0, T(10)); /* must not give it back twice */
    m = metrics_at(b, T(10));
    ck_assert_uint_eq(m.late, 1);
    t = trial(b, T(11)); /* still exactly one permit */
    ck_assert(!fb_breaker_acquire(b, T(11), &copy));
    ck_assert_int_eq(copy.reason, FB_REJECT_HALF_OPEN_FULL);
    record(b, &t, FB_SUCCESS, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_restarts_when_a_trial_comes_back)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b;
    fb_permit a;

    c.half_open_deadline_ns = T(10);
    b = breaker_from(&c);
    enter_half_open(b);
    a = trial(b, T(11));
    trial(b, T(20));
    record(b, &a, FB_SUCCESS, 0, T(20) + MS(500)); /* progress: deadline T(30.5) */
    ck_assert_int_eq(fb_breaker_state(b, T(21)), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(30)), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(30) + MS(500)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(the_end_of_time_does_not_move_a_breaker_without_deadline)
{
    fb_config c = ho_config(FB_VERDICT_RATE);
    fb_breaker *b = breaker_from(&c);

    enter_half_open(b);
    trial(b, T(10));
    ck_assert_int_eq(fb_breaker_state(b, INT64_MAX), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, INT64_MAX), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

Suite *half_open_suite(void)
{
    Suite *s = suite_create("half_open");
    TCase *tc = tcase_create("permits");

    tcase_add_test(tc, half_open_rejects_when_all_trials_taken);
    tcase_add_test(tc, half_open_full_retry_after_is_the_deadline);
    tcase_add_test(tc, ignored_trial_gives_its_permit_back);
    tcase_add_test(tc, trial_recorded_twice_is_eperm);
    tcase_add_test(tc, window_in_half_open_shows_the_trial_figures);
    suite_add_tcase(s, tc);

    tc = tcase_create("verdict");
    tcase_add_test(tc, rate_verdict_waits_for_every_trial);
    tcase_add_test(tc, rate_verdict_closes_below_the_threshold);
    tcase_add_test(tc, rate_verdict_reopens_at_the_threshold);
    tcase_add_test(tc, rate_verdict_reopens_on_slow_trials_when_the_rule_is_on);
    tcase_add_test(tc, rate_verdict_ignores_slow_trials_when_the_rule_is_off);
    tcase_add_test(tc, rate_verdict_counts_only_outcomes_not_ignored);
    tcase_add_test(tc, strict_verdict_reopens_on_the_first_failure);
    tcase_add_test(tc, strict_verdict_counts_a_slow_trial_as_failure_when_the_rule_is_on);
    tcase_add_test(tc, strict_verdict_accepts_slow_successes_when_the_rule_is_off);
    tcase_add_test(tc, strict_verdict_closes_after_every_trial_succeeds);
    suite_add_tcase(s, tc);

    tc = tcase_create("deadline");
    tcase_add_test(tc, half_open_deadline_reopens_lazily_in_state);
    tcase_add_test(tc, half_open_deadline_is_checked_in_acquire);
    tcase_add_test(tc, half_open_deadline_is_checked_in_record);
    tcase_add_test(tc, half_open_without_deadline_waits_forever);
    tcase_add_test(tc, half_open_deadline_is_not_armed_without_outstanding_trials);
    tcase_add_test(tc, half_open_deadline_disarms_when_trials_come_back_and_rearms);
    tcase_add_test(tc, ignored_last_outstanding_trial_disarms_the_deadline);
    tcase_add_test(tc, window_in_half_open_counts_the_trial_failure_run);
    tcase_add_test(tc, copy_of_a_recorded_trial_permit_counts_as_late);
    tcase_add_test(tc, half_open_deadline_restarts_when_a_trial_comes_back);
    tcase_add_test(tc, the_end_of_time_does_not_move_a_breaker_without_deadline);
    suite_add_tcase(s, tc);

    tc = tcase_create("late");
    tcase_add_test(tc, late_outcomes_do_not_decide_the_half_open_verdict);
    tcase_add_test(tc, late_failure_does_not_reopen_a_strict_half_open);
    suite_add_tcase(s, tc);
    return s;
}
