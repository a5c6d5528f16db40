/* test_window.c — suite "window": what the COUNT and TIME windows hold, how
 * they wrap, age and clear, and when min_calls lets the rate rules look. */
#include "tests.h"

#define TOL 1e-9

START_TEST(window_is_empty_on_a_new_breaker)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w = window_at(b, T(1));

    ck_assert_uint_eq(w.calls, 0);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_uint_eq(w.slow, 0);
    ck_assert_uint_eq(w.consecutive_failures, 0);
    ck_assert_double_eq(w.failure_rate, 0);
    ck_assert_double_eq(w.slow_rate, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(count_window_counts_calls_failures_and_rate)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 3, FB_SUCCESS, MS(1), T(1));
    record_n(b, 1, FB_FAILURE, MS(1), T(1));
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_uint_eq(w.slow, 0);
    ck_assert_uint_eq(w.consecutive_failures, 1);
    ck_assert_double_eq_tol(w.failure_rate, 25.0, TOL);
    ck_assert_double_eq(w.slow_rate, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(count_window_evicts_oldest_outcome_when_full)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 4);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 2, FB_FAILURE, 0, T(1));
    record_n(b, 2, FB_SUCCESS, 0, T(1));
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_uint_eq(w.failures, 2);
    record_n(b, 1, FB_SUCCESS, 0, T(1)); /* evicts the first failure */
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_double_eq_tol(w.failure_rate, 25.0, TOL);
    record_n(b, 1, FB_SUCCESS, 0, T(1)); /* evicts the second */
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_double_eq(w.failure_rate, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(count_window_wraps_many_times_and_keeps_the_last_outcomes)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 5);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    /* outcome i: failure when i % 3 == 0, slow when i is even; the last five
     * (18..22) are F S S F S with 18, 20, 22 slow */
    for (int i = 0; i < 23; i++)
        record_n(b, 1, i % 3 == 0 ? FB_FAILURE : FB_SUCCESS, i % 2 == 0 ? MS(200) : MS(5), T(1));
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 5);
    ck_assert_uint_eq(w.failures, 2);
    ck_assert_uint_eq(w.slow, 3);
    ck_assert_double_eq_tol(w.failure_rate, 40.0, TOL);
    ck_assert_double_eq_tol(w.slow_rate, 60.0, TOL);
    ck_assert_uint_eq(w.consecutive_failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(slow_means_strictly_longer_than_slow_call_ns)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 1, FB_SUCCESS, MS(100), T(1)); /* exactly the limit: not slow */
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.slow, 0);
    record_n(b, 1, FB_SUCCESS, MS(100) + 1, T(1));
    record_n(b, 1, FB_FAILURE, MS(500), T(1)); /* slow failures count too */
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 3);
    ck_assert_uint_eq(w.slow, 2);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_double_eq_tol(w.slow_rate, 200.0 / 3.0, 1e-6);
    ck_assert_uint_eq(metrics_at(b, T(1)).slow, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(ignored_outcomes_stay_out_of_the_window)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;
    fb_metrics m;

    record_n(b, 1, FB_SUCCESS, 0, T(1));
    record_n(b, 1, FB_IGNORED, MS(500), T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1));
    record_n(b, 1, FB_IGNORED, 0, T(1));
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 2);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_uint_eq(w.slow, 0);
    ck_assert_double_eq_tol(w.failure_rate, 50.0, TOL);
    m = metrics_at(b, T(1));
    ck_assert_uint_eq(m.successes, 1);
    ck_assert_uint_eq(m.failures, 1);
    ck_assert_uint_eq(m.ignored, 2);
    ck_assert_uint_eq(m.permitted, 4);
    fb_breaker_free(b);
}
END_TEST

START_TEST(failure_run_is_reset_by_success_and_untouched_by_ignored)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 20);
    fb_breaker *b = breaker_from(&c);

    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_uint_eq(window_at(b, T(1)).consecutive_failures, 2);
    record_n(b, 1, FB_SUCCESS, 0, T(1));
    ck_assert_uint_eq(window_at(b, T(1)).consecutive_failures, 0);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    record_n(b, 1, FB_IGNORED, 0, T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_uint_eq(window_at(b, T(1)).consecutive_failures, 2);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_uint_eq(window_at(b, T(1)).consecutive_failures, 3);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_covers_the_last_window_size_seconds)
{
    fb_config c = watch_config(FB_WINDOW_TIME, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 1, FB_FAILURE, 0, T(1) + MS(500)); /* second 1 */
    record_n(b, 1, FB_SUCCESS, 0, T(5));           /* second 5 */
    w = window_at(b, T(11) - 1);                   /* second 10: seconds 1..10 */
    ck_assert_uint_eq(w.calls, 2);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_double_eq_tol(w.failure_rate, 50.0, TOL);
    w = window_at(b, T(11)); /* second 11: seconds 2..11 */
    ck_assert_uint_eq(w.calls, 1);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_double_eq(w.failure_rate, 0);
    w = window_at(b, T(15) - 1);
    ck_assert_uint_eq(w.calls, 1);
    w = window_at(b, T(15));
    ck_assert_uint_eq(w.calls, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_counts_an_outcome_when_it_is_recorded)
{
    fb_config c = watch_config(FB_WINDOW_TIME, 10);
    fb_breaker *b = breaker_from(&c);
    fb_permit p;
    fb_window_stats w;

    ck_assert(fb_breaker_acquire(b, T(1), &p));
    ck_assert_int_eq(fb_breaker_record(b, &p, FB_FAILURE, T(14), T(15)), FB_OK);
    w = window_at(b, T(15));
    ck_assert_uint_eq(w.calls, 1);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_uint_eq(window_at(b, T(25) - 1).calls, 1);
    ck_assert_uint_eq(window_at(b, T(25)).calls, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_is_empty_after_an_hour_idle)
{
    fb_config c = watch_config(FB_WINDOW_TIME, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 3, FB_FAILURE, MS(500), T(1));
    ck_assert_uint_eq(window_at(b, T(1)).calls, 3);
    w = window_at(b, T(3601));
    ck_assert_uint_eq(w.calls, 0);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_uint_eq(w.slow, 0);
    ck_assert_double_eq(w.failure_rate, 0);
    ck_assert_double_eq(w.slow_rate, 0);
    /* second 3601 falls in the same ring slot as second 1: no stale counts */
    record_n(b, 1, FB_SUCCESS, 0, T(3601));
    w = window_at(b, T(3601));
    ck_assert_uint_eq(w.calls, 1);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_uint_eq(w.slow, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_reused_slot_starts_empty)
{
    fb_config c = watch_config(FB_WINDOW_TIME, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 2, FB_FAILURE, 0, T(2));
    record_n(b, 1, FB_SUCCESS, 0, T(12)); /* second 12: seconds 3..12 */
    w = window_at(b, T(12));
    ck_assert_uint_eq(w.calls, 1);
    ck_assert_uint_eq(w.failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_aged_failures_do_not_trip)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_type = FB_WINDOW_TIME;
    c.window_size = 10;
    c.min_calls = 3;
    b = breaker_from(&c);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    record_n(b, 1, FB_FAILURE, 0, T(2));
    /* at second 12 both failures have aged out: 1 call, below min_calls */
    record_n(b, 1, FB_SUCCESS, 0, T(12));
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(12)).calls, 1);
    record_n(b, 2, FB_FAILURE, 0, T(12)); /* now 2 of 3 */
    ck_assert_int_eq(fb_breaker_state(b, T(12)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(count_window_clamps_min_calls_to_window_size)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.min_calls = 100; /* more than the window can hold */
    b = breaker_from(&c);
    record_n(b, 2, FB_SUCCESS, 0, T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    record_n(b, 1, FB_FAILURE, 0, T(1)); /* 2 of 4 */
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_min_calls_is_not_clamped)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_type = FB_WINDOW_TIME;
    c.window_size = 2;
    c.min_calls = 5;
    b = breaker_from(&c);
    record_n(b, 4, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(1)).failures, 4);
    record_n(b, 1, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(1)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(window_is_frozen_while_open)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_permit late;
    fb_window_stats w;
    fb_metrics m;

    ck_assert(fb_breaker_acquire(b, T(1), &late));
    record_n(b, 2, FB_SUCCESS, 0, T(1));
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(2)), FB_STATE_OPEN);
    ck_assert_int_eq(fb_breaker_record(b, &late, FB_FAILURE, 0, T(2)), FB_OK);
    w = window_at(b, T(3));
    ck_assert_uint_eq(w.calls, 4);
    ck_assert_uint_eq(w.failures, 2);
    ck_assert_double_eq_tol(w.failure_rate, 50.0, TOL);
    m = metrics_at(b, T(3));
    ck_assert_uint_eq(m.late, 1);
    ck_assert_uint_eq(m.failures, 3);
    ck_assert_uint_eq(m.successes, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_buckets_age_out_while_open)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_type = FB_WINDOW_TIME;
    c.window_size = 10;
    c.min_calls = 2;
    c.open_wait_ns = T(60);
    b = breaker_from(&c);
    record_n(b, 2, FB_FAILURE, 0, T(1));
    ck_assert_int_eq(fb_breaker_state(b, T(5)), FB_STATE_OPEN);
    ck_assert_uint_eq(window_at(b, T(5)).failures, 2);
    ck_assert_uint_eq(window_at(b, T(11)).calls, 0);
    ck_assert_int_eq(fb_breaker_state(b, T(11)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(reset_clears_the_window)
{
    fb_config c = watch_config(FB_WINDOW_COUNT, 10);
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    record_n(b, 1, FB_SUCCESS, MS(200), T(1));
    record_n(b, 2, FB_FAILURE, 0, T(1));
    fb_breaker_reset(b, T(2));
    w = window_at(b, T(2));
    ck_assert_uint_eq(w.calls, 0);
    ck_assert_uint_eq(w.failures, 0);
    ck_assert_uint_eq(w.slow, 0);
    ck_assert_uint_eq(w.consecutive_failures, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(disabled_records_nothing_in_the_window)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_metrics m;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_DISABLED, T(1)), FB_OK);
    record_n(b, 6, FB_FAILURE, MS(500), T(1));
    ck_assert_uint_eq(window_at(b, T(1)).calls, 0);
    ck_assert_uint_eq(window_at(b, T(1)).failures, 0);
    m = metrics_at(b, T(1));
    ck_assert_int_eq(m.state, FB_STATE_DISABLED);
    ck_assert_uint_eq(m.failures, 6);
    ck_assert_uint_eq(m.slow, 6);
    ck_assert_uint_eq(m.permitted, 6);
    fb_breaker_free(b);
}
END_TEST

START_TEST(metrics_only_records_into_the_window)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);
    fb_window_stats w;

    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_METRICS_ONLY, T(1)), FB_OK);
    record_n(b, 2, FB_SUCCESS, MS(200), T(1));
    record_n(b, 1, FB_FAILURE, 0, T(1));
    w = window_at(b, T(1));
    ck_assert_uint_eq(w.calls, 3);
    ck_assert_uint_eq(w.failures, 1);
    ck_assert_uint_eq(w.slow, 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_uses_the_latest_instant_seen)
{
    fb_config c = watch_config(FB_WINDOW_TIME, 10);
    fb_breaker *b = breaker_from(&c);

    record_n(b, 1, FB_FAILURE, 0, T(20));
    record_n(b, 1, FB_SUCCESS, 0, T(5)); /* time went backwards: counts at second 20 */
    ck_assert_uint_eq(window_at(b, T(20)).calls, 2);
    ck_assert_uint_eq(window_at(b, T(30) - 1).calls, 2);
    ck_assert_uint_eq(window_at(b, T(30)).calls, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_idle_gap_ends_the_failure_run)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_type = FB_WINDOW_TIME;
    c.window_size = 10;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 5;
    b = breaker_from(&c);
    record_n(b, 4, FB_FAILURE, 0, T(0));
    ck_assert_uint_eq(window_at(b, T(0)).consecutive_failures, 4);
    /* An hour later the window is empty, and so is the failure run. */
    ck_assert_uint_eq(window_at(b, T(3600)).consecutive_failures, 0);
    record_n(b, 1, FB_FAILURE, 0, T(3600));
    ck_assert_int_eq(fb_breaker_state(b, T(3600)), FB_STATE_CLOSED);
    ck_assert_uint_eq(window_at(b, T(3600)).consecutive_failures, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(time_window_failure_run_survives_inside_the_window)
{
    fb_config c = test_config();
    fb_breaker *b;

    c.window_type = FB_WINDOW_TIME;
    c.window_size = 10;
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 5;
    b = breaker_from(&c);
    record_n(b, 4, FB_FAILURE, 0, T(0));
    record_n(b, 1, FB_FAILURE, 0, T(9));
    ck_assert_int_eq(fb_breaker_state(b, T(9)), FB_STATE_OPEN);
    fb_breaker_free(b);
}
END_TEST

Suite *window_suite(void)
{
Suite *s = suite_create("window");
    TCase *tc = tcase_create("count");

    tcase_add_test(tc, window_is_empty_on_a_new_breaker);
    tcase_add_test(tc, count_window_counts_calls_failures_and_rate);
    tcase_add_test(tc, count_window_evicts_oldest_outcome_when_full);
    tcase_add_test(tc, count_window_wraps_many_times_and_keeps_the_last_outcomes);
    tcase_add_test(tc, slow_means_strictly_longer_than_slow_call_ns);
    tcase_add_test(tc, ignored_outcomes_stay_out_of_the_window);
    tcase_add_test(tc, failure_run_is_reset_by_success_and_untouched_by_ignored);
    tcase_add_test(tc, count_window_clamps_min_calls_to_window_size);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_test(tc, time_window_covers_the_last_window_size_seconds);
    tcase_add_test(tc, time_window_counts_an_outcome_when_it_is_recorded);
    tcase_add_test(tc, time_window_is_empty_after_an_hour_idle);
    tcase_add_test(tc, time_window_reused_slot_starts_empty);
    tcase_add_test(tc, time_window_aged_failures_do_not_trip);
    tcase_add_test(tc, time_window_min_calls_is_not_clamped);
    tcase_add_test(tc, time_window_uses_the_latest_instant_seen);
    suite_add_tcase(s, tc);

    tc = tcase_create("states");
    tcase_add_test(tc, window_is_frozen_while_open);
    tcase_add_test(tc, time_buckets_age_out_while_open);
    tcase_add_test(tc, reset_clears_the_window);
    tcase_add_test(tc, disabled_records_nothing_in_the_window);
    tcase_add_test(tc, metrics_only_records_into_the_window);
    tcase_add_test(tc, time_window_idle_gap_ends_the_failure_run);
    tcase_add_test(tc, time_window_failure_run_survives_inside_the_window);
    suite_add_tcase(s, tc);
    return s;
}
