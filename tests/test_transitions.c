/* test_transitions.c — suite "transitions": the trip rules and their
 * boundaries, the lazy OPEN -> HALF_OPEN move, the manual transition table,
 * reset, the forced and disabled states, permits and the metrics. */
#include "tests.h"

#define TOL 1e-9

/* Bring a fresh breaker into 's' by hand at 'now_ns'. */
static void enter(fb_breaker *b, fb_state s, int64_t now_ns)
{
    switch (s) {
    case FB_STATE_CLOSED:
        break;
    case FB_STATE_HALF_OPEN:
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, now_ns), FB_OK);
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_HALF_OPEN, now_ns), FB_OK);
        break;
    default:
        ck_assert_int_eq(fb_breaker_transition(b, s, now_ns), FB_OK);
        break;
    }
    ck_assert_int_eq(fb_breaker_state(b, now_ns), s);
}

static const bool legal[FB_STATE_COUNT][FB_STATE_COUNT] = {
    /*               CLOSED OPEN   HALF   DISAB  FORCED METRICS */
    [FB_STATE_CLOSED] = {false, true, false, true, true, true},
    [FB_STATE_OPEN] = {true, false, true, true, true, true},
    [FB_STATE_HALF_OPEN] = {true, true, false, true, true, true},
    [FB_STATE_DISABLED] = {true, false, false, false, true, true},
    [FB_STATE_FORCED_OPEN] = {true, false, false, true, false, true},
    [FB_STATE_METRICS_ONLY] = {true, false, false, true, true, false},
};

START_TEST(opens_when_failure_rate_reaches_threshold)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit p;

    recorder_attach(&r, b);
    record_n(b, 2, FB_SUCCESS, 0, T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* 2 of 4 = 50 %: exactly the threshold */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_FAILURE_RATE);
    ck_assert(!fb_breaker_acquire(b, T(2), &p));
    ck_assert(!p.granted);
    ck_assert_int_eq(p.reason, FB_REJECT_OPEN);
    ck_assert_int_eq(p.state, FB_STATE_OPEN);
    ck_assert_int_eq(p.retry_after_ns, T(11));
    fb_breaker_free(b);
}
END_TEST

START_TEST(stays_closed_just_below_failure_rate_threshold)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_size = 10;
    c.min_calls = 10;
    b = breaker_from(&c);
    record_n(b, 4, FB_FAILURE, 0, T(1));
    record_n(b, 6, FB_SUCCESS, 0, T(1)); /* 4 of 10 = 40 % */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 4, FB_FAILURE, 0, T(1)); /* each evicts a failure: still 40 % */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_double_eq_tol(window_at(b, T(1)).failure_rate, 40.0, TOL);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* evicts a success: 5 of 10 */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(opens_at_exact_threshold_after_window_wraps)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_size = 8;
    c.min_calls = 8;
    c.failure_rate_threshold = 25;
    b = breaker_from(&c);
    record_n(b, 7, FB_SUCCESS, 0, T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* 1 of 8 = 12.5 % */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* evicts a success: 2 of 8 = 25 % */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(stays_closed_one_below_min_calls)
{
    fb_config c = test_config();
    fb_breaker *b;
    fb_window_stats w;

    c.window_size = 10;
    c.min_calls = 5;
    b = breaker_from(&c);
    record_n(b, 4, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_double_eq_tol(w.failure_rate, 100.0, TOL);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(opens_when_slow_call_rate_reaches_threshold)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.rules = FB_RULE_SLOW_CALL_RATE;
    c.slow_call_rate_threshold = 50;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    record_n(b, 2, FB_SUCCESS, MS(100), T(1)); /* at the limit: not slow */
    record_n(b, 1, FB_SUCCESS, MS(101), T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_SUCCESS, MS(100) + 1, T(1)); /* 2 slow of 4 */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_SLOW_CALL_RATE);
    ck_assert_uint_eq(r.ev[0].window.slow, 2);
    ck_assert_double_eq_tol(r.ev[0].window.slow_rate, 50.0, TOL);
    fb_breaker_free(b);
}
END_TEST

START_TEST(failures_alone_do_not_trip_the_slow_call_rule)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.rules = FB_RULE_SLOW_CALL_RATE;
    c.slow_call_rate_threshold = 50;
    b = breaker_from(&c);
    record_n(b, 8, FB_FAILURE, MS(100), T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(1)).failures, 4);
    fb_breaker_free(b);
}
END_TEST

START_TEST(trip_reason_follows_rule_precedence)
{
    static const struct {
        uint32_t rules;
        fb_reason reason;
    } rows[] = {
        {0xF, FB_REASON_FAILURE_RATE},
        {FB_RULE_SLOW_CALL_RATE | FB_RULE_CONSECUTIVE_FAILURES | FB_RULE_ABSOLUTE_FAILURES,
         FB_REASON_SLOW_CALL_RATE},
        {FB_RULE_CONSECUTIVE_FAILURES | FB_RULE_ABSOLUTE_FAILURES, FB_REASON_CONSECUTIVE_FAILURES},
        {FB_RULE_ABSOLUTE_FAILURES, FB_REASON_ABSOLUTE_FAILURES},
    };

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fb_config c = test_config();
        fb_breaker *b;
        recorder r;

        c.rules = rows[i].rules;
        c.slow_call_rate_threshold = 50;
        c.consecutive_failures = 2;
        c.absolute_failures = 2;
        b = breaker_from(&c);
        recorder_attach(&r, b);
        record_n(b, 2, FB_SUCCESS, 0, T(1));
        record_n(b, 1, FB_FAILURE, MS(200), T(1));
        ck_assert_msg(r.n == 0, "rules 0x%x tripped early", rows[i].rules);
        record_n(b, 1, FB_FAILURE, MS(200), T(1)); /* every enabled rule fires now */
        ck_assert_msg(r.n == 1, "rules 0x%x: %d events", rows[i].rules, r.n);
        ck_assert_msg(r.ev[0].reason == rows[i].reason, "rules 0x%x: reason %s, want %s",
                      rows[i].rules, fb_reason_name(r.ev[0].reason),
                      fb_reason_name(rows[i].reason));
        fb_breaker_free(b);
    }
}
END_TEST

START_TEST(opens_after_consecutive_failures_without_min_calls)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.window_size = 100;
    c.min_calls = 100;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_CONSECUTIVE_FAILURES);
    ck_assert_uint_eq(r.ev[0].window.consecutive_failures, 3);
    fb_breaker_free(b);
}
END_TEST

START_TEST(success_breaks_a_failure_run)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_size = 100;
    c.min_calls = 100;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    b = breaker_from(&c);
    record_n(b, 2, FB_FAILURE, 0, T(1));
    record_n(b, 1, FB_SUCCESS, 0, T(1));
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ignored_outcome_does_not_break_a_failure_run)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_size = 100;
    c.min_calls = 100;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    b = breaker_from(&c);
    record_n(b, 2, FB_FAILURE, 0, T(1));
    record_n(b, 1, FB_IGNORED, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(opens_on_absolute_failures_in_window)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.window_size = 10;
    c.min_calls = 10;
    c.rules = FB_RULE_ABSOLUTE_FAILURES;
    c.absolute_failures = 3;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    for (int i = 0; i < 2; i++) {
        record_n(b, 1, FB_FAILURE, 0, T(1));
        record_n(b, 1, FB_SUCCESS, 0, T(1));
    }
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* 3 failures in 5 calls, min_calls not needed */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_ABSOLUTE_FAILURES);
    ck_assert_uint_eq(r.ev[0].window.failures, 3);
    ck_assert_uint_eq(r.ev[0].window.calls, 5);
    fb_breaker_free(b);
}
END_TEST

START_TEST(absolute_failures_count_only_inside_the_window)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.rules = FB_RULE_ABSOLUTE_FAILURES;
    c.absolute_failures = 3;
    b = breaker_from(&c);
    for (int i = 0; i < 3; i++) {
        record_n(b, 1, FB_FAILURE, 0, T(1));
        record_n(b, 3, FB_SUCCESS, 0, T(1));
    }
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 2, FB_FAILURE, 0, T(1)); /* window S S F F */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* window S F F F */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(acquire_moves_open_to_half_open_when_wait_elapses)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit p;

    recorder_attach(&r, b);
    trip(b, T(1)); /* open until T(11) */
    ck_assert(!fb_breaker_acquire(b, T(11) - 1, &p));
    ck_assert_int_eq(p.reason, FB_REJECT_OPEN);
    ck_assert_int_eq(p.retry_after_ns, T(11));
    ck_assert_int_eq(r.n, 1);
    ck_assert(fb_breaker_acquire(b, T(11), &p));
    ck_assert(p.granted);
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(p.reason, FB_REJECT_NONE);
    ck_assert_int_eq(p.acquired_ns, T(11));
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.ev[1].from, FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[1].to, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.ev[1].reason, FB_REASON_OPEN_WAIT_ELAPSED);
    ck_assert_int_eq(r.ev[1].at_ns, T(11));
    fb_breaker_free(b);
}
END_TEST

START_TEST(state_window_and_metrics_move_open_to_half_open_lazily)
{
    for (int how = 0; how < 3; how++) {
        fb_config c = test_config();
        fb_breaker *b = breaker_from(&c);
        recorder r;
        fb_metrics m;

        recorder_attach(&r, b);
        trip(b, T(1));
        ck_assert_int_eq(fb_breaker_state(b, T(11) - 1), FB_STATE_OPEN);
        if (how == 0)
            ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_HALF_OPEN);
        else if (how == 1)
            ck_assert_uint_eq(window_at(b, T(11)).calls, 0); /* the (empty) trials */
        else
            ck_assert_int_eq(metrics_at(b, T(11)).state, FB_STATE_HALF_OPEN);
        ck_assert_msg(r.n == 2, "how %d: %d events", how, r.n);
        ck_assert_int_eq(r.ev[1].to, FB_STATE_HALF_OPEN);
        ck_assert_int_eq(r.ev[1].at_ns, T(11));
        m = metrics_at(b, T(11));
        ck_assert_int_eq(m.state, FB_STATE_HALF_OPEN);
        ck_assert_uint_eq(m.entries[FB_STATE_HALF_OPEN], 1);
        fb_breaker_free(b);
    }
}
END_TEST

START_TEST(transition_legal_follows_the_table)
{
    for (int f = 0; f < FB_STATE_COUNT; f++)
        for (int t = 0; t < FB_STATE_COUNT; t++)
            ck_assert_msg(fb_transition_legal((fb_state)f, (fb_state)t) == legal[f][t],
                          "%s -> %s", fb_state_name((fb_state)f), fb_state_name((fb_state)t));
    ck_assert(!fb_transition_legal(FB_STATE_CLOSED, FB_STATE_COUNT));
    ck_assert(!fb_transition_legal(FB_STATE_COUNT, FB_STATE_CLOSED));
}
END_TEST

/* Every (from, to) pair on a real breaker: legal moves happen with reason
 * MANUAL and a new generation; illegal ones change nothing at all. */
START_TEST(manual_transitions_obey_the_table)
{
    for (int f = 0; f < FB_STATE_COUNT; f++) {
        for (int t = 0; t < FB_STATE_COUNT; t++) {
            fb_config c = test_config();
            fb_breaker *b = breaker_from(&c);
            fb_state from = (fb_state)f, to = (fb_state)t;
            recorder r;
            fb_permit p;
            fb_metrics before, after;
            bool granted;
            fb_status rc;
            int n0;

            recorder_attach(&r, b);
            enter(b, from, T(1));
            granted = fb_breaker_acquire(b, T(2), &p);
            before = metrics_at(b, T(2));
            n0 = r.n;
            rc = fb_breaker_transition(b, to, T(2));
            after = metrics_at(b, T(2));
            if (legal[f][t]) {
                ck_assert_msg(rc == FB_OK, "%s -> %s: %s", fb_state_name(from),
                              fb_state_name(to), fb_strerror(rc));
                ck_assert_int_eq(fb_breaker_state(b, T(2)), to);
                ck_assert_int_eq(r.n, n0 + 1);
                ck_assert_int_eq(r.ev[n0].kind, FB_EVENT_TRANSITION);
                ck_assert_int_eq(r.ev[n0].from, from);
                ck_assert_int_eq(r.ev[n0].to, to);
                ck_assert_int_eq(r.ev[n0].reason, FB_REASON_MANUAL);
                ck_assert_int_eq(r.ev[n0].at_ns, T(2));
                ck_assert_uint_eq(after.transitions, before.transitions + 1);
                ck_assert_uint_eq(after.entries[to], before.entries[to] + 1);
            } else {
                ck_assert_msg(rc == FB_EILLEGAL, "%s -> %s: %s", fb_state_name(from),
                              fb_state_name(to), fb_strerror(rc));
                ck_assert_int_eq(fb_breaker_state(b, T(2)), from);
                ck_assert_int_eq(r.n, n0);
                ck_assert_int_eq(after.state, before.state);
                ck_assert_uint_eq(after.transitions, before.transitions);
                for (int s = 0; s < FB_STATE_COUNT; s++)
                    ck_assert_uint_eq(after.entries[s], before.entries[s]);
                ck_assert_int_eq(after.open_until_ns, before.open_until_ns);
                ck_assert_uint_eq(after.reopens, before.reopens);
            }
            if (granted) {
                /* the generation moved exactly when the state did */
                ck_assert_int_eq(fb_breaker_record(b, &p, FB_SUCCESS, 0, T(2)), FB_OK);
                ck_assert_msg(metrics_at(b, T(2)).late == (legal[f][t] ? 1u : 0u),
                              "%s -> %s: late count", fb_state_name(from), fb_state_name(to));
            }
            fb_breaker_free(b);
        }
    }
}
END_TEST

START_TEST(transition_to_out_of_range_state_is_einval)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_COUNT, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_transition(b, (fb_state)-1, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_transition(b, (fb_state)99, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_int_eq(r.n, 0);
    ck_assert_uint_eq(metrics_at(b, T(1)).transitions, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(manual_open_computes_the_open_wait)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;
    fb_permit p;

    c.open_wait_ns = T(7);
    b = breaker_from(&c);
    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(3)), FB_OK);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_MANUAL);
    ck_assert_int_eq(r.ev[0].open_until_ns, T(10));
    ck_assert_int_eq(metrics_at(b, T(3)).open_until_ns, T(10));
    ck_assert_uint_eq(metrics_at(b, T(3)).reopens, 1);
    ck_assert(!fb_breaker_acquire(b, T(9), &p));
    ck_assert_int_eq(p.retry_after_ns, T(10));
    ck_assert(fb_breaker_acquire(b, T(10), &p));
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(entering_closed_clears_window_and_failure_run)
{
    fb_config c = test_config();
    fb_breaker *b;
    fb_window_stats w;

    c.rules = FB_RULE_FAILURE_RATE | FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    b = breaker_from(&c);
    record_n(b, 1, FB_SUCCESS, 0, T(1));
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_DISABLED, T(2)), FB_OK);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, T(3)), FB_OK);
    w = window_at(b, T(3));
    ck_assert_uint_eq(w.calls, 0);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_uint_eq(w.consecutive_failures, 0);
    /* with the old outcomes still there either rule would fire now */
    record_n(b, 2, FB_FAILURE, 0, T(3));
    ck_assert_int_eq(fb_breaker_state(b, T(3)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(closing_from_open_starts_a_fresh_window)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);

    trip(b, T(1));
    ck_assert_uint_eq(window_at(b, T(2)).calls, 4);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, T(2)), FB_OK);
    ck_assert_uint_eq(window_at(b, T(2)).calls, 0);
    record_n(b, 3, FB_FAILURE, 0, T(2)); /* 3 calls: below min_calls again */
    ck_assert_int_eq(fb_breaker_state(b, T(2)), FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

START_TEST(entering_metrics_only_clears_the_window)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, T(1)), FB_OK);
    ck_assert_uint_eq(window_at(b, T(1)).calls, 0);
    record_n(b, 2, FB_FAILURE, 0, T(1)); /* 2 calls, not 4 */
    ck_assert_int_eq(r.n, 1);            /* only the transition: no would-trip */
    ck_assert_uint_eq(window_at(b, T(1)).failures, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(reset_returns_any_state_to_a_fresh_closed)
{
    for (int f = 0; f < FB_STATE_COUNT; f++) {
        fb_config c = test_config();
        fb_breaker *b = breaker_from(&c);
        fb_metrics m;
        fb_permit p;

        record_n(b, 3, FB_FAILURE, 0, T(1));
        enter(b, (fb_state)f, T(1));
        fb_breaker_reset(b, T(2));
        ck_assert_int_eq(fb_breaker_state(b, T(2)), FB_STATE_CLOSED);
        ck_assert_uint_eq(window_at(b, T(2)).calls, 0);
        m = metrics_at(b, T(2));
        ck_assert_int_eq(m.state, FB_STATE_CLOSED);
        ck_assert_uint_eq(m.reopens, 0);
        ck_assert(fb_breaker_acquire(b, T(2), &p));
        ck_assert_int_eq(p.state, FB_STATE_CLOSED);
        fb_breaker_free(b);
    }
}
END_TEST

START_TEST(outcome_of_a_permit_from_before_reset_is_late)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    ck_assert(fb_breaker_acquire(b, T(1), &p));
    fb_breaker_reset(b, T(2));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(3)), FB_OK);
    ck_assert_uint_eq(window_at(b, T(3)).calls, 0);
    m = metrics_at(b, T(3));
    ck_assert_uint_eq(m.late, 1);
    ck_assert_uint_eq(m.failures, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(forced_open_rejects_everything_forever)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_FORCED_OPEN, T(1)), FB_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert(!fb_breaker_acquire(b, T(1) + T(86400) * i, &p));
        ck_assert(!p.granted);
        ck_assert_int_eq(p.reason, FB_REJECT_FORCED_OPEN);
        ck_assert_int_eq(p.state, FB_STATE_FORCED_OPEN);
        ck_assert_int_eq(p.retry_after_ns, INT64_MAX);
    }
    ck_assert_int_eq(fb_breaker_state(b, T(1000000)), FB_STATE_FORCED_OPEN);
    m = metrics_at(b, T(1000000));
    ck_assert_uint_eq(m.not_permitted, 3);
    ck_assert_uint_eq(m.permitted, 0);
    ck_assert_uint_eq(m.entries[FB_STATE_FORCED_OPEN], 1);
    ck_assert_uint_eq(m.entries[FB_STATE_HALF_OPEN], 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(disabled_permits_everything_and_never_trips)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_DISABLED, T(1)), FB_OK);
    for (int i = 0; i < 50; i++) {
        ck_assert(fb_breaker_acquire(b, T(2), &p));
        ck_assert_int_eq(p.state, FB_STATE_DISABLED);
        ck_assert_int_eq(p.reason, FB_REJECT_NONE);
        ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, MS(500), T(2)), FB_OK);
    }
    ck_assert_int_eq(fb_breaker_state(b, T(3)), FB_STATE_DISABLED);
    m = metrics_at(b, T(3));
    ck_assert_uint_eq(m.permitted, 50);
    ck_assert_uint_eq(m.not_permitted, 0);
    ck_assert_uint_eq(m.failures, 50);
    ck_assert_uint_eq(m.transitions, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(recording_a_refused_permit_is_eperm)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    trip(b, T(1));
    ck_assert(!fb_breaker_acquire(b, T(2), &p));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(2)), FB_EPERMIT);
    m = metrics_at(b, T(2));
    ck_assert_uint_eq(m.failures, 4);
    ck_assert_uint_eq(m.late, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(recording_a_permit_twice_is_eperm_and_counts_once)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    ck_assert(fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(1)), FB_OK);
    ck_assert(!p.granted);
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(1)), FB_EPERMIT);
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_SUCCESS, 0, T(1)), FB_EPERMIT);
    ck_assert_uint_eq(window_at(b, T(1)).calls, 1);
    m = metrics_at(b, T(1));
    ck_assert_uint_eq(m.failures, 1);
    ck_assert_uint_eq(m.successes, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_never_goes_backwards)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    record_n(b, 1, FB_SUCCESS, 0, T(100));
    record_n(b, 3, FB_FAILURE, 0, T(50)); /* trips "at" T(100), not T(50) */
    m = metrics_at(b, T(50));
    ck_assert_int_eq(m.state, FB_STATE_OPEN);
    ck_assert_int_eq(m.open_until_ns, T(110));
    for (int s = 0; s < FB_STATE_COUNT; s++)
        ck_assert_int_ge(m.time_in_ns[s], 0);
    ck_assert_int_eq(fb_breaker_state(b, T(105)), FB_STATE_OPEN);
    ck_assert(fb_breaker_acquire(b, T(110), &p));
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    /* back in time again: still T(110) as far as the breaker knows */
    ck_assert_int_eq(fb_breaker_state(b, T(0)), FB_STATE_HALF_OPEN);
    ck_assert(fb_breaker_acquire(b, T(0), &p));
    ck_assert_int_eq(p.acquired_ns, T(110));
    fb_breaker_free(b);
}
END_TEST

START_TEST(metrics_count_entries_and_time_in_each_state)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_metrics m;

    m = metrics_at(b, T(100)); /* the first instant the breaker sees */
    ck_assert_int_eq(m.state, FB_STATE_CLOSED);
    ck_assert_uint_eq(m.entries[FB_STATE_CLOSED], 1);
    ck_assert_int_eq(m.time_in_ns[FB_STATE_CLOSED], 0);
    record_n(b, 2, FB_SUCCESS, 0, T(100));
    record_n(b, 2, FB_FAILURE, 0, T(110)); /* trips at T(110), open until T(120) */
    m = metrics_at(b, T(115));
    ck_assert_int_eq(m.state, FB_STATE_OPEN);
    ck_assert_uint_eq(m.entries[FB_STATE_CLOSED], 1);
    ck_assert_uint_eq(m.entries[FB_STATE_OPEN], 1);
    ck_assert_uint_eq(m.entries[FB_STATE_HALF_OPEN], 0);
    ck_assert_int_eq(m.time_in_ns[FB_STATE_CLOSED], T(10));
    ck_assert_int_eq(m.time_in_ns[FB_STATE_OPEN], T(5));
    ck_assert_int_eq(m.time_in_ns[FB_STATE_HALF_OPEN], 0);
    ck_assert_int_eq(m.open_until_ns, T(120));
    ck_assert_uint_eq(m.transitions, 1);
    ck_assert_uint_eq(m.successes, 2);
    ck_assert_uint_eq(m.failures, 2);
    ck_assert_int_eq(fb_breaker_state(b, T(120)), FB_STATE_HALF_OPEN);
    record_n(b, 2, FB_SUCCESS, 0, T(125)); /* trials pass: CLOSED at T(125) */
    m = metrics_at(b, T(130));
    ck_assert_int_eq(m.state, FB_STATE_CLOSED);
    ck_assert_uint_eq(m.entries[FB_STATE_CLOSED], 2);
    ck_assert_uint_eq(m.entries[FB_STATE_HALF_OPEN], 1);
    ck_assert_int_eq(m.time_in_ns[FB_STATE_CLOSED], T(15));
    ck_assert_int_eq(m.time_in_ns[FB_STATE_OPEN], T(10));
    ck_assert_int_eq(m.time_in_ns[FB_STATE_HALF_OPEN], T(5));
    ck_assert_uint_eq(m.transitions, 3);
    ck_assert_uint_eq(m.permitted, 6);
    fb_breaker_free(b);
}
END_TEST

START_TEST(metrics_count_permitted_and_not_permitted)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    trip(b, T(1)); /* 4 permitted */
    for (int i = 0; i < 5; i++)
        ck_assert(!fb_breaker_acquire(b, T(2), &p));
    ck_assert(fb_breaker_acquire(b, T(11), &p)); /* trial 1 */
    ck_assert(fb_breaker_acquire(b, T(11), &p)); /* trial 2 */
    ck_assert(!fb_breaker_acquire(b, T(11), &p)); /* full */
    m = metrics_at(b, T(11));
    ck_assert_uint_eq(m.permitted, 6);
    ck_assert_uint_eq(m.not_permitted, 6);
    fb_breaker_free(b);
}
END_TEST

START_TEST(acquire_with_null_arguments_touches_nothing)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p, q;

    memset(&p, 0x5A, sizeof p);
    q = p;
    ck_assert(!fb_breaker_acquire(NULL, T(1), &p));
    ck_assert(memcmp(&p, &q, sizeof p) == 0);
    ck_assert(!fb_breaker_acquire(b, T(1), NULL));
    ck_assert_uint_eq(metrics_at(b, T(1)).permitted, 0);
    ck_assert_uint_eq(metrics_at(b, T(1)).not_permitted, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(record_rejects_unknown_outcome_and_null_breaker)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_metrics m;

    ck_assert(fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(fb_breaker_record(NULL, &p, FB_FAILURE, 0, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_record(b, &p, (fb_outcome)3, 0, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_record(b, &p, (fb_outcome)-1, 0, T(1)), FB_EINVAL);
    m = metrics_at(b, T(1));
    ck_assert_uint_eq(m.successes + m.failures + m.ignored + m.late, 0);
    ck_assert_uint_eq(window_at(b, T(1)).calls, 0);
    /* the refused calls did not use the permit up */
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(1)), FB_OK);
    ck_assert_uint_eq(metrics_at(b, T(1)).failures, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(null_handles_are_refused_without_a_crash)
{
    fb_window_stats s = { .calls = 7 };
    fb_metrics m = { .permitted = 7 };

    ck_assert_int_eq(fb_breaker_state(NULL, T(1)), FB_STATE_COUNT);
    fb_breaker_window(NULL, T(1), &s);
    ck_assert_uint_eq(s.calls, 0);
    fb_breaker_metrics(NULL, T(1), &m);
    ck_assert_uint_eq(m.permitted, 0);
    fb_breaker_reset(NULL, T(1));
    ck_assert_int_eq(fb_breaker_open_until(NULL, T(2), T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_transition(NULL, FB_STATE_OPEN, T(1)), FB_EINVAL);
    ck_assert_int_eq(fb_breaker_on_event(NULL, NULL, NULL), FB_EINVAL);
    ck_assert_str_eq(fb_breaker_name(NULL), "");
    ck_assert_ptr_null(fb_breaker_config(NULL));
    ck_assert_uint_eq(fb_registry_count(NULL), 0);
    fb_registry_foreach(NULL, NULL, NULL);
    fb_breaker_free(NULL);
    fb_registry_free(NULL);
}
END_TEST

Suite *transitions_suite(void)
{
Suite *s = suite_create("transitions");
    TCase *tc = tcase_create("rules");

    tcase_add_test(tc, opens_when_failure_rate_reaches_threshold);
    tcase_add_test(tc, stays_closed_just_below_failure_rate_threshold);
    tcase_add_test(tc, opens_at_exact_threshold_after_window_wraps);
    tcase_add_test(tc, stays_closed_one_below_min_calls);
    tcase_add_test(tc, opens_when_slow_call_rate_reaches_threshold);
    tcase_add_test(tc, failures_alone_do_not_trip_the_slow_call_rule);
    tcase_add_test(tc, trip_reason_follows_rule_precedence);
    tcase_add_test(tc, opens_after_consecutive_failures_without_min_calls);
    tcase_add_test(tc, success_breaks_a_failure_run);
    tcase_add_test(tc, ignored_outcome_does_not_break_a_failure_run);
    tcase_add_test(tc, opens_on_absolute_failures_in_window);
    tcase_add_test(tc, absolute_failures_count_only_inside_the_window);
    suite_add_tcase(s, tc);

    tc = tcase_create("states");
    tcase_add_test(tc, acquire_moves_open_to_half_open_when_wait_elapses);
    tcase_add_test(tc, state_window_and_metrics_move_open_to_half_open_lazily);
    tcase_add_test(tc, transition_legal_follows_the_table);
    tcase_add_test(tc, manual_transitions_obey_the_table);
    tcase_add_test(tc, transition_to_out_of_range_state_is_einval);
    tcase_add_test(tc, manual_open_computes_the_open_wait);
    tcase_add_test(tc, entering_closed_clears_window_and_failure_run);
    tcase_add_test(tc, closing_from_open_starts_a_fresh_window);
    tcase_add_test(tc, entering_metrics_only_clears_the_window);
    tcase_add_test(tc, reset_returns_any_state_to_a_fresh_closed);
    tcase_add_test(tc, forced_open_rejects_everything_forever);
    tcase_add_test(tc, disabled_permits_everything_and_never_trips);
    suite_add_tcase(s, tc);

    tc = tcase_create("permits");
    tcase_add_test(tc, outcome_of_a_permit_from_before_reset_is_late);
    tcase_add_test(tc, recording_a_refused_permit_is_eperm);
    tcase_add_test(tc, recording_a_permit_twice_is_eperm_and_counts_once);
    tcase_add_test(tc, time_never_goes_backwards);
    tcase_add_test(tc, metrics_count_entries_and_time_in_each_state);
    tcase_add_test(tc, metrics_count_permitted_and_not_permitted);
    tcase_add_test(tc, acquire_with_null_arguments_touches_nothing);
    tcase_add_test(tc, null_handles_are_refused_without_a_crash);
    tcase_add_test(tc, record_rejects_unknown_outcome_and_null_breaker);
    suite_add_tcase(s, tc);
    return s;
}
