/* test_events.c — suite "events": what each event carries, the order of
 * generations, reset and would-trip events, listeners and their limit, and
 * callbacks that call back into the breaker. */
#include "tests.h"

#define TOL 1e-9

/* Trip at T(3) with S S F F: open until T(13). */
static void trip_at_3(fb_breaker *b)
{
    record_n(b, 2, FB_SUCCESS, 0, T(3));
    record_n(b, 2, FB_FAILURE, 0, T(3));
}

/* Trip at T(3), HALF_OPEN at T(13), two passing trials at T(14): CLOSED. */
static void full_cycle(fb_breaker *b)
{
    trip_at_3(b);
    ck_assert_int_eq(fb_breaker_state(b, T(13)), FB_STATE_HALF_OPEN);
    record_n(b, 2, FB_SUCCESS, 0, T(14));
    ck_assert_int_eq(fb_breaker_state(b, T(14)), FB_STATE_CLOSED);
}

START_TEST(trip_event_carries_the_figures_that_tripped)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_named("payments", &c);
    recorder r;
    const fb_event *ev;

    recorder_attach(&r, b);
    trip_at_3(b);
    ck_assert_int_eq(r.n, 1);
    ev = &r.ev[0];
    ck_assert_int_eq(ev->kind, FB_EVENT_TRANSITION);
    ck_assert_int_eq(ev->from, FB_STATE_CLOSED);
    ck_assert_int_eq(ev->to, FB_STATE_OPEN);
    ck_assert_int_eq(ev->reason, FB_REASON_FAILURE_RATE);
    ck_assert_int_eq(ev->at_ns, T(3));
    ck_assert_int_eq(ev->open_until_ns, T(13));
    ck_assert_uint_eq(ev->window.calls, 4);
    ck_assert_uint_eq(ev->window.failures, 2);
    ck_assert_uint_eq(ev->window.slow, 0);
    ck_assert_uint_eq(ev->window.consecutive_failures, 2);
    ck_assert_double_eq_tol(ev->window.failure_rate, 50.0, TOL);
    ck_assert_double_eq(ev->window.slow_rate, 0);
    ck_assert_str_eq(ev->name, "payments");
    ck_assert_ptr_eq(ev->breaker, b);
    fb_breaker_free(b);
}
END_TEST

START_TEST(cycle_events_come_in_order_with_their_reasons)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    full_cycle(b);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.ev[1].kind, FB_EVENT_TRANSITION);
    ck_assert_int_eq(r.ev[1].from, FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[1].to, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.ev[1].reason, FB_REASON_OPEN_WAIT_ELAPSED);
    ck_assert_int_eq(r.ev[1].at_ns, T(13));
    ck_assert_int_eq(r.ev[1].open_until_ns, 0);
    ck_assert_int_eq(r.ev[2].from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(r.ev[2].to, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[2].reason, FB_REASON_TRIALS_PASSED);
    ck_assert_int_eq(r.ev[2].at_ns, T(14));
    ck_assert_int_eq(r.ev[2].open_until_ns, 0);
    ck_assert_str_eq(r.ev[2].name, "");
    fb_breaker_free(b);
}
END_TEST

START_TEST(leaving_half_open_event_carries_the_trial_figures)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;
    const fb_event *ev;

    c.half_open_permits = 3;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    trip_at_3(b);
    record_n(b, 1, FB_FAILURE, MS(250), T(13));
    record_n(b, 2, FB_SUCCESS, 0, T(13));
    ck_assert_int_eq(r.n, 3);
    ev = &r.ev[2];
    ck_assert_int_eq(ev->to, FB_STATE_CLOSED);
    ck_assert_uint_eq(ev->window.calls, 3);
    ck_assert_uint_eq(ev->window.failures, 1);
    ck_assert_uint_eq(ev->window.slow, 1);
    ck_assert_double_eq_tol(ev->window.failure_rate, 100.0 / 3.0, 1e-6);
    fb_breaker_free(b);
}
END_TEST

START_TEST(failed_trials_event_carries_open_until_and_figures)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    const fb_event *ev;

    recorder_attach(&r, b);
    trip_at_3(b);
    record_n(b, 1, FB_FAILURE, 0, T(14));
    record_n(b, 1, FB_SUCCESS, 0, T(15)); /* 1 of 2 = 50 % */
    ck_assert_int_eq(r.n, 3);
    ev = &r.ev[2];
    ck_assert_int_eq(ev->from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(ev->to, FB_STATE_OPEN);
    ck_assert_int_eq(ev->reason, FB_REASON_TRIALS_FAILED);
    ck_assert_int_eq(ev->at_ns, T(15));
    ck_assert_int_eq(ev->open_until_ns, T(25));
    ck_assert_uint_eq(ev->window.calls, 2);
    ck_assert_uint_eq(ev->window.failures, 1);
    ck_assert_double_eq_tol(ev->window.failure_rate, 50.0, TOL);
    fb_breaker_free(b);
}
END_TEST

START_TEST(generation_increases_by_one_per_event)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    full_cycle(b);
    trip(b, T(20));
    fb_breaker_reset(b, T(21));
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_DISABLED, T(22)), FB_OK);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, T(23)), FB_OK);
    ck_assert_int_eq(r.n, 7);
    for (int i = 1; i < r.n; i++)
        ck_assert_msg(r.ev[i].generation == r.ev[i - 1].generation + 1,
                      "event %d: generation %llu after %llu", i,
                      (unsigned long long)r.ev[i].generation,
                      (unsigned long long)r.ev[i - 1].generation);
    fb_breaker_free(b);
}
END_TEST

START_TEST(permit_carries_the_current_generation)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit before, trial;

    recorder_attach(&r, b);
    ck_assert(fb_breaker_acquire(b, T(1), &before));
    trip_at_3(b);
    ck_assert_uint_eq(r.ev[0].generation, before.generation + 1);
    ck_assert(fb_breaker_acquire(b, T(13), &trial));
    ck_assert_int_eq(r.n, 2);
    ck_assert_uint_eq(trial.generation, r.ev[1].generation);
    ck_assert_int_eq(trial.acquired_ns, T(13));
    fb_breaker_free(b);
}
END_TEST

START_TEST(reset_emits_a_reset_event_from_the_old_state)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_named("db", &c);
    recorder r;
    const fb_event *ev;

    recorder_attach(&r, b);
    trip_at_3(b);
    fb_breaker_reset(b, T(5));
    ck_assert_int_eq(r.n, 2);
    ev = &r.ev[1];
    ck_assert_int_eq(ev->kind, FB_EVENT_RESET);
    ck_assert_int_eq(ev->from, FB_STATE_OPEN);
    ck_assert_int_eq(ev->to, FB_STATE_CLOSED);
    ck_assert_int_eq(ev->reason, FB_REASON_MANUAL);
    ck_assert_int_eq(ev->at_ns, T(5));
    ck_assert_int_eq(ev->open_until_ns, 0);
    ck_assert_uint_eq(ev->generation, r.ev[0].generation + 1);
    ck_assert_str_eq(ev->name, "db");
    fb_breaker_reset(b, T(6)); /* from CLOSED too */
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.ev[2].kind, FB_EVENT_RESET);
    ck_assert_int_eq(r.ev[2].from, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[2].to, FB_STATE_CLOSED);
    fb_breaker_free(b);
}
END_TEST

/* The callback asks the breaker for its state, metrics and window while the
 * event is being delivered: it must see the new state, and not deadlock. */
static void check_reentry(bool synchronized)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.synchronized = synchronized;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    r.reenter = true;
    full_cycle(b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_FORCED_OPEN, T(15)), FB_OK);
    fb_breaker_reset(b, T(16));
    ck_assert_int_eq(r.n, 5);
    for (int i = 0; i < r.n; i++) {
        ck_assert_msg(r.state_inside[i] == r.ev[i].to, "event %d (%s -> %s): callback saw %s", i,
                      fb_state_name(r.ev[i].from), fb_state_name(r.ev[i].to),
                      fb_state_name(r.state_inside[i]));
        ck_assert_int_eq(r.metrics_inside[i].state, r.ev[i].to);
    }
    ck_assert_uint_eq(r.window_inside[0].calls, 4); /* the frozen window in OPEN */
    ck_assert_uint_eq(r.window_inside[2].calls, 0); /* a fresh CLOSED */
    fb_breaker_free(b);
}

START_TEST(callback_may_call_back_into_the_breaker)
{
    check_reentry(false);
}
END_TEST

START_TEST(callback_may_call_back_into_a_synchronized_breaker)
{
    check_reentry(true);
}
END_TEST

static void count_fn(const fb_event *ev, void *ctx)
{
    (void)ev;
    (*(int *)ctx)++;
}

START_TEST(listener_limit_is_fb_max_listeners)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    int heard[FB_MAX_LISTENERS + 1] = {0};

    for (int i = 0; i < FB_MAX_LISTENERS; i++)
        ck_assert_int_eq(fb_breaker_on_event(b, count_fn, &heard[i]), FB_OK);
    ck_assert_int_eq(fb_breaker_on_event(b, count_fn, &heard[FB_MAX_LISTENERS]), FB_EFULL);
    full_cycle(b);
    for (int i = 0; i < FB_MAX_LISTENERS; i++)
        ck_assert_msg(heard[i] == 3, "listener %d heard %d events", i, heard[i]);
    ck_assert_int_eq(heard[FB_MAX_LISTENERS], 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(listeners_each_receive_their_own_context)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r1, r2;

    recorder_attach(&r1, b);
    recorder_attach(&r2, b);
    trip_at_3(b);
    ck_assert_int_eq(r1.n, 1);
    ck_assert_int_eq(r2.n, 1);
    ck_assert_uint_eq(r1.ev[0].generation, r2.ev[0].generation);
    ck_assert_int_eq(r2.ev[0].to, FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(metrics_only_reports_would_trip_and_restarts_its_window)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_named("shadow", &c);
    recorder r;
    const fb_event *ev;
    fb_permit p;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, T(1)), FB_OK);
    record_n(b, 2, FB_SUCCESS, 0, T(2));
    record_n(b, 2, FB_FAILURE, 0, T(2));
    ck_assert_int_eq(r.n, 2);
    ev = &r.ev[1];
    ck_assert_int_eq(ev->kind, FB_EVENT_WOULD_TRIP);
    ck_assert_int_eq(ev->from, FB_STATE_METRICS_ONLY);
    ck_assert_int_eq(ev->to, FB_STATE_METRICS_ONLY);
    ck_assert_int_eq(ev->reason, FB_REASON_FAILURE_RATE);
    ck_assert_int_eq(ev->at_ns, T(2));
    ck_assert_uint_eq(ev->window.calls, 4);
    ck_assert_uint_eq(ev->window.failures, 2);
    ck_assert_double_eq_tol(ev->window.failure_rate, 50.0, TOL);
    ck_assert_str_eq(ev->name, "shadow");
    ck_assert_uint_eq(window_at(b, T(2)).calls, 0);
    ck_assert_int_eq(fb_breaker_state(b, T(100)), FB_STATE_METRICS_ONLY);
    ck_assert(fb_breaker_acquire(b, T(100), &p));
    ck_assert_int_eq(p.state, FB_STATE_METRICS_ONLY);
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, 0, T(100)), FB_OK);
    record_n(b, 2, FB_FAILURE, 0, T(100));
    ck_assert_int_eq(r.n, 2); /* 3 calls: below min_calls again */
    record_n(b, 1, FB_SUCCESS, 0, T(100));
    ck_assert_int_eq(r.n, 3); /* 3 of 4: fires again */
    ck_assert_int_eq(r.ev[2].kind, FB_EVENT_WOULD_TRIP);
    ck_assert_double_eq_tol(r.ev[2].window.failure_rate, 75.0, TOL);
    ck_assert_uint_eq(metrics_at(b, T(100)).transitions, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(metrics_only_would_trip_names_the_rule)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, T(1)), FB_OK);
    record_n(b, 3, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(r.n, 2);
    ck_assert_int_eq(r.ev[1].kind, FB_EVENT_WOULD_TRIP);
    ck_assert_int_eq(r.ev[1].reason, FB_REASON_CONSECUTIVE_FAILURES);
    ck_assert_uint_eq(r.ev[1].window.consecutive_failures, 3);
    ck_assert_uint_eq(window_at(b, T(1)).consecutive_failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(illegal_moves_emit_no_event)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_HALF_OPEN, T(1)), FB_EILLEGAL);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, T(1)), FB_EILLEGAL);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_DISABLED, T(1)), FB_OK);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(1)), FB_EILLEGAL);
    ck_assert_int_eq(fb_breaker_open_until(b, T(9), T(1)), FB_EILLEGAL);
    ck_assert_int_eq(r.n, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(manual_event_has_reason_manual_and_no_open_until)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_FORCED_OPEN, T(4)), FB_OK);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].kind, FB_EVENT_TRANSITION);
    ck_assert_int_eq(r.ev[0].from, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[0].to, FB_STATE_FORCED_OPEN);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_MANUAL);
    ck_assert_int_eq(r.ev[0].at_ns, T(4));
    ck_assert_int_eq(r.ev[0].open_until_ns, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(event_seq_orders_every_event_including_would_trips)
{
    fb_config c = test_config();
    fb_breaker *b;
    recorder r;

    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 2;
    b = breaker_from(&c);
    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, T(1)), FB_OK);
    record_n(b, 4, FB_FAILURE, 0, T(1)); /* two would-trips */
    fb_breaker_reset(b, T(2));
    ck_assert_int_eq(r.n, 4);
    for (int i = 0; i < r.n; i++)
        ck_assert_uint_eq(r.ev[i].seq, (uint64_t)i + 1);
    ck_assert_int_eq(r.ev[1].kind, FB_EVENT_WOULD_TRIP);
    ck_assert_int_eq(r.ev[2].kind, FB_EVENT_WOULD_TRIP);
    ck_assert_uint_eq(r.ev[1].generation, r.ev[2].generation); /* no state change */
    fb_breaker_free(b);
}
END_TEST

Suite *events_suite(void)
{
Suite *s = suite_create("events");
    TCase *tc = tcase_create("content");

    tcase_add_test(tc, trip_event_carries_the_figures_that_tripped);
    tcase_add_test(tc, cycle_events_come_in_order_with_their_reasons);
    tcase_add_test(tc, leaving_half_open_event_carries_the_trial_figures);
    tcase_add_test(tc, failed_trials_event_carries_open_until_and_figures);
    tcase_add_test(tc, generation_increases_by_one_per_event);
    tcase_add_test(tc, permit_carries_the_current_generation);
    tcase_add_test(tc, reset_emits_a_reset_event_from_the_old_state);
    tcase_add_test(tc, metrics_only_reports_would_trip_and_restarts_its_window);
    tcase_add_test(tc, metrics_only_would_trip_names_the_rule);
    tcase_add_test(tc, event_seq_orders_every_event_including_would_trips);
    tcase_add_test(tc, illegal_moves_emit_no_event);
    tcase_add_test(tc, manual_event_has_reason_manual_and_no_open_until);
    suite_add_tcase(s, tc);

    tc = tcase_create("listeners");
    tcase_add_test(tc, callback_may_call_back_into_the_breaker);
    tcase_add_test(tc, callback_may_call_back_into_a_synchronized_breaker);
    tcase_add_test(tc, listener_limit_is_fb_max_listeners);
    tcase_add_test(tc, listeners_each_receive_their_own_context);
    suite_add_tcase(s, tc);
    return s;
}
