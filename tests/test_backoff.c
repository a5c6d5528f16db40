/* test_backoff.c — suite "backoff": the open wait, its growth per re-open, its
 * cap and decay, jitter from a caller's random source, and open_until(). */
#include "tests.h"

/* Two failures trip it; wait 10 s doubling per re-open up to 35 s; one decay
 * span is 100 s; one strict trial decides HALF_OPEN. */
static fb_config bo_config(void)
{
    fb_config c = test_config();

    c.window_size = 2;
    c.min_calls = 2;
    c.open_wait_ns = T(10);
    c.open_wait_multiplier = 2;
    c.open_wait_max_ns = T(35);
    c.open_wait_decay_ns = T(100);
    c.half_open_permits = 1;
    c.half_open_verdict = FB_VERDICT_STRICT;
    return c;
}

/* open_until_ns, read at 'now_ns' while still OPEN. */
static int64_t until_at(fb_breaker *b, int64_t now_ns)
{
    fb_metrics m = metrics_at(b, now_ns);

    ck_assert_int_eq(m.state, FB_STATE_OPEN);
    return m.open_until_ns;
}

static uint32_t reopens_at(fb_breaker *b, int64_t now_ns)
{
    return metrics_at(b, now_ns).reopens;
}

static void trip2(fb_breaker *b, int64_t now_ns)
{
    record_n(b, 2, FB_FAILURE, 0, now_ns);
    ck_assert_int_eq(fb_breaker_state(b, now_ns), FB_STATE_OPEN);
}

static void trial_at(fb_breaker *b, int64_t now_ns, fb_outcome o, fb_state want)
{
    fb_permit p;

    ck_assert_msg(fb_breaker_acquire(b, now_ns, &p), "trial refused: %s", fb_reject_name(p.reason));
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_record(b, &p, o, 0, now_ns), FB_OK);
    ck_assert_int_eq(fb_breaker_state(b, now_ns), want);
}

static void fail_trial(fb_breaker *b, int64_t now_ns)
{
    trial_at(b, now_ns, FB_FAILURE, FB_STATE_OPEN);
}

static void pass_trial(fb_breaker *b, int64_t now_ns)
{
    trial_at(b, now_ns, FB_SUCCESS, FB_STATE_CLOSED);
}

/* A caller-supplied random source: a fixed value, or xorshift64 when 'state'
 * is non-zero; counts its calls. */
typedef struct rng {
    uint64_t value;
    uint64_t state;
    int calls;
} rng;

static uint64_t rng_next(void *ctx)
{
    rng *r = ctx;

    r->calls++;
    if (r->state == 0)
        return r->value;
    r->state ^= r->state << 13;
    r->state ^= r->state >> 7;
    r->state ^= r->state << 17;
    return r->state;
}

static fb_config jitter_config(rng *r, double jitter)
{
    fb_config c = bo_config();

    c.open_wait_multiplier = 1;
    c.open_wait_max_ns = 0;
    c.open_wait_jitter = jitter;
    c.random = rng_next;
    c.random_ctx = r;
    return c;
}

START_TEST(first_open_waits_open_wait_ns)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    ck_assert_uint_eq(reopens_at(b, T(0)), 0);
    trip2(b, T(0));
    ck_assert_int_eq(until_at(b, T(0)), T(10));
    ck_assert_uint_eq(reopens_at(b, T(0)), 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(each_failed_trial_multiplies_the_wait)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    fail_trial(b, T(10));
    ck_assert_int_eq(until_at(b, T(10)), T(30)); /* 10 s x 2 */
    ck_assert_uint_eq(reopens_at(b, T(10)), 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_wait_is_capped_at_open_wait_max_ns)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    fail_trial(b, T(10));
    fail_trial(b, T(30));
    ck_assert_int_eq(until_at(b, T(30)), T(65)); /* 40 s capped to 35 s */
    ck_assert_uint_eq(reopens_at(b, T(30)), 3);
    fail_trial(b, T(65));
    ck_assert_int_eq(until_at(b, T(65)), T(100));
    ck_assert_uint_eq(reopens_at(b, T(65)), 4);
    fb_breaker_free(b);
}
END_TEST

START_TEST(multiplier_one_keeps_the_wait_fixed)
{
    fb_config c = bo_config();
    fb_breaker *b;

    c.open_wait_multiplier = 1;
    c.open_wait_max_ns = 0;
    b = breaker_from(&c);
    trip2(b, T(0));
    ck_assert_int_eq(until_at(b, T(0)), T(10));
    fail_trial(b, T(10));
    ck_assert_int_eq(until_at(b, T(10)), T(20));
    fail_trial(b, T(20));
    ck_assert_int_eq(until_at(b, T(20)), T(30));
    ck_assert_uint_eq(reopens_at(b, T(20)), 3);
    fb_breaker_free(b);
}
END_TEST

/* Two opens (reopens 2), then CLOSED at T(30). */
static fb_breaker *closed_after_two_opens(const fb_config *c)
{
    fb_breaker *b = breaker_from(c);

    trip2(b, T(0));
    fail_trial(b, T(10));
    pass_trial(b, T(30));
    ck_assert_uint_eq(reopens_at(b, T(30)), 2);
    return b;
}

START_TEST(short_stay_in_closed_keeps_the_reopens)
{
    fb_config c = bo_config();
    fb_breaker *b = closed_after_two_opens(&c);

    trip2(b, T(30) + T(100) - 1); /* just short of one decay span */
    ck_assert_int_eq(until_at(b, T(130) - 1), T(130) - 1 + T(35)); /* 40 s capped */
    ck_assert_uint_eq(reopens_at(b, T(130) - 1), 3);
    fb_breaker_free(b);
}
END_TEST

START_TEST(each_decay_span_in_closed_forgets_one_reopen)
{
    fb_config c = bo_config();
    fb_breaker *b = closed_after_two_opens(&c);

    trip2(b, T(30) + T(100)); /* exactly one span: reopens 2 -> 1 */
    ck_assert_int_eq(until_at(b, T(130)), T(130) + T(20));
    ck_assert_uint_eq(reopens_at(b, T(130)), 2);
    fb_breaker_free(b);

    b = closed_after_two_opens(&c);
    trip2(b, T(30) + T(250)); /* two and a half spans: reopens 2 -> 0 */
    ck_assert_int_eq(until_at(b, T(280)), T(280) + T(10));
    ck_assert_uint_eq(reopens_at(b, T(280)), 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(long_stay_in_closed_forgets_every_reopen)
{
    fb_config c = bo_config();
    fb_breaker *b = closed_after_two_opens(&c);

    trip2(b, T(30) + T(3600));
    ck_assert_int_eq(until_at(b, T(3630)), T(3630) + T(10));
    ck_assert_uint_eq(reopens_at(b, T(3630)), 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(zero_decay_forgets_every_reopen_at_close)
{
    fb_config c = bo_config();
    fb_breaker *b;

    c.open_wait_decay_ns = 0;
    b = closed_after_two_opens(&c);
    trip2(b, T(30)); /* no time at all in CLOSED */
    ck_assert_int_eq(until_at(b, T(30)), T(40));
    ck_assert_uint_eq(reopens_at(b, T(30)), 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(reset_sets_reopens_to_zero)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    fail_trial(b, T(10));
    ck_assert_uint_eq(reopens_at(b, T(10)), 2);
    fb_breaker_reset(b, T(11));
    ck_assert_uint_eq(reopens_at(b, T(11)), 0);
    trip2(b, T(11));
    ck_assert_int_eq(until_at(b, T(11)), T(21));
    ck_assert_uint_eq(reopens_at(b, T(11)), 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(manual_open_from_half_open_grows_the_wait)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    ck_assert_int_eq(fb_breaker_state(b, T(10)), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(12)), FB_OK);
    ck_assert_int_eq(until_at(b, T(12)), T(32));
    ck_assert_uint_eq(reopens_at(b, T(12)), 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(half_open_deadline_reopen_grows_the_wait)
{
    fb_config c = bo_config();
    fb_breaker *b;
    fb_permit p;

    c.half_open_deadline_ns = T(5);
    b = breaker_from(&c);
    trip2(b, T(0));
    ck_assert(fb_breaker_acquire(b, T(10), &p)); /* a trial that never comes back */
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(15)), FB_STATE_OPEN);
    ck_assert_int_eq(until_at(b, T(15)), T(35));
    ck_assert_uint_eq(reopens_at(b, T(15)), 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_until_opens_a_closed_breaker_until_the_given_instant)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit p;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_open_until(b, T(42), T(2)), FB_OK);
    ck_assert_int_eq(until_at(b, T(2)), T(42));
    ck_assert_uint_eq(reopens_at(b, T(2)), 0);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.ev[0].from, FB_STATE_CLOSED);
    ck_assert_int_eq(r.ev[0].to, FB_STATE_OPEN);
    ck_assert_int_eq(r.ev[0].reason, FB_REASON_FORCED_UNTIL);
    ck_assert_int_eq(r.ev[0].open_until_ns, T(42));
    ck_assert(!fb_breaker_acquire(b, T(42) - 1, &p));
    ck_assert_int_eq(p.reason, FB_REJECT_OPEN);
    ck_assert_int_eq(p.retry_after_ns, T(42));
    ck_assert(fb_breaker_acquire(b, T(42), &p));
    ck_assert_int_eq(p.state, FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_until_extends_but_never_shortens_an_open)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;
    fb_permit p;

    recorder_attach(&r, b);
    trip2(b, T(0)); /* until T(10) */
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(fb_breaker_open_until(b, T(50), T(1)), FB_OK);
    ck_assert_int_eq(until_at(b, T(1)), T(50));
    ck_assert_int_eq(fb_breaker_open_until(b, T(20), T(2)), FB_OK);
    ck_assert_int_eq(until_at(b, T(2)), T(50));
    ck_assert_int_eq(r.n, 1); /* no event for either */
    ck_assert_uint_eq(reopens_at(b, T(2)), 1);
    ck_assert(!fb_breaker_acquire(b, T(30), &p));
    ck_assert_int_eq(p.retry_after_ns, T(50));
    ck_assert_int_eq(fb_breaker_state(b, T(50) - 1), FB_STATE_OPEN);
    ck_assert_int_eq(fb_breaker_state(b, T(50)), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_until_from_half_open_does_not_count_as_reopen)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    trip2(b, T(0));
    ck_assert_int_eq(fb_breaker_state(b, T(10)), FB_STATE_HALF_OPEN);
    ck_assert_int_eq(fb_breaker_open_until(b, T(100), T(11)), FB_OK);
    ck_assert_int_eq(recorder_last(&r)->from, FB_STATE_HALF_OPEN);
    ck_assert_int_eq(recorder_last(&r)->reason, FB_REASON_FORCED_UNTIL);
    ck_assert_int_eq(until_at(b, T(11)), T(100));
    ck_assert_uint_eq(reopens_at(b, T(11)), 1);
    fail_trial(b, T(100)); /* reopens 1: 10 s x 2 */
    ck_assert_int_eq(until_at(b, T(100)), T(120));
    ck_assert_uint_eq(reopens_at(b, T(100)), 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_until_is_illegal_in_the_manual_states)
{
    static const fb_state manual[] = {FB_STATE_DISABLED, FB_STATE_FORCED_OPEN,
                                      FB_STATE_METRICS_ONLY};

    for (size_t i = 0; i < 3; i++) {
        fb_config c = bo_config();
        fb_breaker *b = breaker_from(&c);
        recorder r;

        ck_assert_int_eq(fb_breaker_transition(b, manual[i], T(1)), FB_OK);
        recorder_attach(&r, b);
        ck_assert_int_eq(fb_breaker_open_until(b, T(50), T(2)), FB_EILLEGAL);
        ck_assert_int_eq(fb_breaker_state(b, T(3)), manual[i]);
        ck_assert_int_eq(r.n, 0);
        fb_breaker_free(b);
    }
}
END_TEST

START_TEST(jitter_with_zero_draw_gives_the_lower_bound)
{
    rng r = {.value = 0};
    fb_config c = jitter_config(&r, 0.5);
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    ck_assert_int_eq(until_at(b, T(0)), T(5)); /* 10 s x (1 - 0.5) */
    ck_assert_int_ge(r.calls, 1);
    fb_breaker_free(b);
}
END_TEST

START_TEST(jitter_with_max_draw_stays_within_the_upper_bound)
{
    rng r = {.value = UINT64_MAX};
    fb_config c = jitter_config(&r, 0.5);
    fb_breaker *b = breaker_from(&c);
    int64_t wait;

    trip2(b, T(0));
    wait = until_at(b, T(0));
    /* u = 1 - 2^-53: just under 10 s x 1.5 */
    ck_assert_int_le(wait, T(15));
    ck_assert_int_ge(wait, T(15) - 2);
    fb_breaker_free(b);
}
END_TEST

START_TEST(jitter_with_middle_draws_scales_exactly)
{
    rng r = {.value = UINT64_C(1) << 63}; /* u = 0.5: factor 1 */
    fb_config c = jitter_config(&r, 0.5);
    fb_breaker *b = breaker_from(&c);

    trip2(b, T(0));
    ck_assert_int_eq(until_at(b, T(0)), T(10));
    r.value = UINT64_C(3) << 62; /* u = 0.75: factor 1 + 0.5 x 0.5 */
    fail_trial(b, T(10));
    ck_assert_int_eq(until_at(b, T(10)), T(10) + MS(12500));
    r.value = UINT64_C(1) << 62; /* u = 0.25: factor 1 - 0.5 x 0.5 */
    fail_trial(b, T(10) + MS(12500));
    ck_assert_int_eq(until_at(b, T(10) + MS(12500)), T(10) + MS(12500) + MS(7500));
    ck_assert_int_eq(r.calls, 3);
    fb_breaker_free(b);
}
END_TEST

START_TEST(jitter_applies_after_the_cap)
{
    rng r = {.value = 0};
    fb_config c = bo_config();
    fb_breaker *b;
    int64_t wait;

    c.open_wait_max_ns = T(15);
    c.open_wait_jitter = 0.5;
    c.random = rng_next;
    c.random_ctx = &r;
    b = breaker_from(&c);
    trip2(b, T(0));
    ck_assert_int_eq(until_at(b, T(0)), T(5)); /* 10 s x 0.5 */
    r.value = UINT64_MAX;
    fail_trial(b, T(5));
    wait = until_at(b, T(5)) - T(5); /* 20 s capped to 15 s, then x 1.5 */
    ck_assert_int_le(wait, MS(22500));
    ck_assert_int_ge(wait, MS(22500) - 2);
    r.value = 0;
    fail_trial(b, T(5) + wait);
    ck_assert_int_eq(until_at(b, T(5) + wait) - (T(5) + wait), MS(7500)); /* 40 -> 15 s x 0.5 */
    fb_breaker_free(b);
}
END_TEST

START_TEST(jitter_stays_within_bounds_for_many_draws)
{
    rng r = {.state = UINT64_C(0x9E3779B97F4A7C15)};
    fb_config c = jitter_config(&r, 0.25);
    fb_breaker *b = breaker_from(&c);
    int64_t now = T(1), lo = INT64_MAX, hi = 0;

    for (int i = 0; i < 200; i++) {
        int64_t wait;

        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, now), FB_OK);
        wait = until_at(b, now) - now;
        ck_assert_msg(wait >= MS(7500) && wait <= MS(12500), "draw %d: wait %lld ns", i,
                      (long long)wait);
        lo = wait < lo ? wait : lo;
        hi = wait > hi ? wait : hi;
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_CLOSED, now), FB_OK);
        now += T(1);
    }
    ck_assert_int_eq(r.calls, 200);
    ck_assert_int_lt(lo, T(9)); /* the draws really spread the wait */
    ck_assert_int_gt(hi, T(11));
    fb_breaker_free(b);
}
END_TEST

START_TEST(many_reopens_grow_as_a_power_of_the_multiplier)
{
    fb_config c = bo_config();
    fb_breaker *b;

    c.open_wait_ns = T(1);
    c.open_wait_multiplier = 3;
    c.open_wait_max_ns = T(1000000);
    b = breaker_from(&c);
    /* Five manual re-opens: the sixth wait is 1 s x 3^5 = 243 s. */
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(i * 2)), FB_OK);
        ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_HALF_OPEN, T(i * 2)), FB_OK);
    }
    ck_assert_int_eq(fb_breaker_transition(b, FB_STATE_OPEN, T(10)), FB_OK);
    ck_assert_int_eq(until_at(b, T(10)), T(10) + T(243));
    ck_assert_uint_eq(reopens_at(b, T(10)), 6);
    fb_breaker_free(b);
}
END_TEST

START_TEST(open_until_in_the_past_changes_nothing)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);
    recorder r;

    recorder_attach(&r, b);
    ck_assert_int_eq(fb_breaker_open_until(b, T(5), T(5)), FB_OK);
    ck_assert_int_eq(fb_breaker_open_until(b, 0, T(5)), FB_OK);
    ck_assert_int_eq(fb_breaker_state(b, T(5)), FB_STATE_CLOSED);
    ck_assert_int_eq(r.n, 0);
    fb_breaker_free(b);
}
END_TEST

START_TEST(trip_at_a_negative_instant_waits_from_it)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, -T(5));
    ck_assert_int_eq(until_at(b, -T(5)), T(5));
    ck_assert_int_eq(fb_breaker_state(b, T(5)), FB_STATE_HALF_OPEN);
    fb_breaker_free(b);
}
END_TEST

START_TEST(a_wait_past_the_end_of_time_saturates)
{
    fb_config c = bo_config();
    fb_breaker *b = breaker_from(&c);

    trip2(b, INT64_MAX - T(1));
    ck_assert_int_eq(until_at(b, INT64_MAX - T(1)), INT64_MAX);
    fb_breaker_free(b);
}
END_TEST

Suite *backoff_suite(void)
{
    Suite *s = suite_create("backoff");
    TCase *tc = tcase_create("growth");

    tcase_add_test(tc, first_open_waits_open_wait_ns);
    tcase_add_test(tc, each_failed_trial_multiplies_the_wait);
    tcase_add_test(tc, open_wait_is_capped_at_open_wait_max_ns);
    tcase_add_test(tc, multiplier_one_keeps_the_wait_fixed);
    tcase_add_test(tc, manual_open_from_half_open_grows_the_wait);
    tcase_add_test(tc, half_open_deadline_reopen_grows_the_wait);
    tcase_add_test(tc, many_reopens_grow_as_a_power_of_the_multiplier);
    tcase_add_test(tc, open_until_in_the_past_changes_nothing);
    tcase_add_test(tc, trip_at_a_negative_instant_waits_from_it);
    tcase_add_test(tc, a_wait_past_the_end_of_time_saturates);
    suite_add_tcase(s, tc);

    tc = tcase_create("decay");
    tcase_add_test(tc, short_stay_in_closed_keeps_the_reopens);
    tcase_add_test(tc, each_decay_span_in_closed_forgets_one_reopen);
    tcase_add_test(tc, long_stay_in_closed_forgets_every_reopen);
    tcase_add_test(tc, zero_decay_forgets_every_reopen_at_close);
    tcase_add_test(tc, reset_sets_reopens_to_zero);
    suite_add_tcase(s, tc);

    tc = tcase_create("open_until");
    tcase_add_test(tc, open_until_opens_a_closed_breaker_until_the_given_instant);
    tcase_add_test(tc, open_until_extends_but_never_shortens_an_open);
    tcase_add_test(tc, open_until_from_half_open_does_not_count_as_reopen);
    tcase_add_test(tc, open_until_is_illegal_in_the_manual_states);
    suite_add_tcase(s, tc);

    tc = tcase_create("jitter");
    tcase_add_test(tc, jitter_with_zero_draw_gives_the_lower_bound);
    tcase_add_test(tc, jitter_with_max_draw_stays_within_the_upper_bound);
    tcase_add_test(tc, jitter_with_middle_draws_scales_exactly);
    tcase_add_test(tc, jitter_applies_after_the_cap);
    tcase_add_test(tc, jitter_stays_within_bounds_for_many_draws);
    suite_add_tcase(s, tc);
    return s;
}
