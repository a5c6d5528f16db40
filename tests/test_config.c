/* test_config.c — suite "config": defaults, every validation error, names and
 * the string tables. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"

static uint64_t zero_random(void *ctx)
{
    (void)ctx;
    return 0;
}

/* Break exactly one field of a default configuration; return the field name
 * the message must start with (NULL: "random" or "open_wait_jitter"). */
static const char *spoil(int i, fb_config *c)
{
    switch (i) {
    case 0: c->window_type = (fb_window_type)2; return "window_type";
    case 1: c->window_size = 0; return "window_size";
    case 2: c->window_size = 1000001; return "window_size";
    case 3: c->window_type = FB_WINDOW_TIME; c->window_size = 86401; return "window_size";
    case 4: c->min_calls = 0; return "min_calls";
    case 5: c->rules |= 1u << 7; return "rules";
    case 6: c->rules = 1u << 15; return "rules";
    case 7: c->failure_rate_threshold = 0; return "failure_rate_threshold";
    case 8: c->failure_rate_threshold = -10; return "failure_rate_threshold";
    case 9: c->failure_rate_threshold = 100.0001; return "failure_rate_threshold";
    case 10: c->failure_rate_threshold = NAN; return "failure_rate_threshold";
    case 11: c->slow_call_rate_threshold = 0; return "slow_call_rate_threshold";
    case 12: c->slow_call_rate_threshold = 101; return "slow_call_rate_threshold";
    case 13: c->slow_call_ns = 0; return "slow_call_ns";
    case 14: c->slow_call_ns = -1; return "slow_call_ns";
    case 15:
        c->rules |= FB_RULE_CONSECUTIVE_FAILURES;
        c->consecutive_failures = 0;
        return "consecutive_failures";
    case 16:
        c->rules |= FB_RULE_ABSOLUTE_FAILURES;
        c->absolute_failures = 0;
        return "absolute_failures";
    case 17: c->open_wait_ns = 0; return "open_wait_ns";
    case 18: c->open_wait_ns = -T(1); return "open_wait_ns";
    case 19: c->open_wait_multiplier = 0.99; return "open_wait_multiplier";
    case 20: c->open_wait_multiplier = NAN; return "open_wait_multiplier";
    case 21:
        c->open_wait_multiplier = 2;
        c->open_wait_max_ns = c->open_wait_ns - 1;
        return "open_wait_max_ns";
    case 22:
        c->open_wait_multiplier = 1.5;
        c->open_wait_max_ns = 0;
        return "open_wait_max_ns";
    case 23: c->open_wait_decay_ns = -1; return "open_wait_decay_ns";
    case 24:
        c->open_wait_jitter = -0.01;
        c->random = zero_random;
        return "open_wait_jitter";
    case 25:
        c->open_wait_jitter = 1.0;
        c->random = zero_random;
        return "open_wait_jitter";
    case 26: c->open_wait_jitter = 0.1; c->random = NULL; return NULL;
    case 27: c->half_open_permits = 0; return "half_open_permits";
    case 28: c->half_open_permits = 1000001; return "half_open_permits";
    case 29: c->half_open_verdict = (fb_half_open_verdict)2; return "half_open_verdict";
    case 30: c->half_open_deadline_ns = -1; return "half_open_deadline_ns";
    default: ck_abort_msg("no spoil %d", i); return "";
    }
}
#define N_SPOILS 31

/* Set one field of a default configuration to a value on the edge of what is
 * allowed. */
static void stretch(int i, fb_config *c)
{
    switch (i) {
    case 0: c->window_size = 1000000; break;
    case 1: c->window_type = FB_WINDOW_TIME; c->window_size = 86400; break;
    case 2: c->window_size = 1; c->min_calls = 1; break;
    case 3: c->min_calls = 1000000; break; /* larger than the window: clamped, not refused */
    case 4: c->failure_rate_threshold = 100; break;
    case 5: c->failure_rate_threshold = 0.001; break;
    case 6: c->slow_call_rate_threshold = 100; break;
    case 7: c->slow_call_rate_threshold = 0.001; break;
    case 8: c->slow_call_ns = 1; break;
    case 9: c->rules = 0xF; c->consecutive_failures = 1; c->absolute_failures = 1; break;
    case 10: c->rules = FB_RULE_FAILURE_RATE; c->consecutive_failures = 0; break;
    case 11: c->open_wait_ns = 1; break;
    case 12: c->open_wait_multiplier = 2; c->open_wait_max_ns = c->open_wait_ns; break;
    case 13: c->open_wait_multiplier = 1; c->open_wait_max_ns = 0; break;
    case 14: c->open_wait_decay_ns = 0; break;
    case 15: c->open_wait_jitter = 0.999; c->random = zero_random; break;
    case 16: c->open_wait_jitter = 0; c->random = NULL; break;
    case 17: c->half_open_permits = 1; break;
    case 18: c->half_open_permits = 1000000; break;
    case 19: c->half_open_verdict = FB_VERDICT_STRICT; break;
    case 20: c->half_open_deadline_ns = 0; break;
    case 21: c->synchronized = true; break;
    case 22: c->rules = 0; break;
    default: ck_abort_msg("no stretch %d", i);
    }
}
#define N_STRETCHES 23

START_TEST(config_init_sets_documented_defaults)
{
    fb_config c;

    memset(&c, 0x5A, sizeof c);
    fb_config_init(&c);
    ck_assert_int_eq(c.window_type, FB_WINDOW_COUNT);
    ck_assert_uint_eq(c.window_size, 100);
    ck_assert_uint_eq(c.min_calls, 100);
    ck_assert_uint_eq(c.rules, FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE);
    ck_assert_double_eq(c.failure_rate_threshold, 50.0);
    ck_assert_double_eq(c.slow_call_rate_threshold, 100.0);
    ck_assert_int_eq(c.slow_call_ns, T(60));
    ck_assert_uint_eq(c.consecutive_failures, 0);
    ck_assert_uint_eq(c.absolute_failures, 0);
    ck_assert_int_eq(c.open_wait_ns, T(60));
    ck_assert_double_eq(c.open_wait_multiplier, 1.0);
    ck_assert_int_eq(c.open_wait_max_ns, 0);
    ck_assert_int_eq(c.open_wait_decay_ns, T(60));
    ck_assert_double_eq(c.open_wait_jitter, 0.0);
    ck_assert(c.random == NULL);
    ck_assert_uint_eq(c.half_open_permits, 10);
    ck_assert_int_eq(c.half_open_verdict, FB_VERDICT_RATE);
    ck_assert_int_eq(c.half_open_deadline_ns, T(60));
    ck_assert(!c.synchronized);
}
END_TEST

START_TEST(default_config_passes_check)
{
    fb_config c;
    char msg[128];

    fb_config_init(&c);
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_OK);
    c = test_config();
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_OK);
}
END_TEST

START_TEST(config_check_rejects_each_invalid_field)
{
    fb_config c;
    char msg[256];
    const char *field;

    fb_config_init(&c);
    field = spoil(_i, &c);
    memset(msg, 'x', sizeof msg);
    ck_assert_msg(fb_config_check(&c, msg, sizeof msg) == FB_EINVAL,
                  "spoil %d (%s) was accepted", _i, field ? field : "random");
    ck_assert_ptr_nonnull(memchr(msg, '\0', sizeof msg));
    if (field) {
        size_t len = strlen(field);
        char next = msg[len];

        ck_assert_msg(strncmp(msg, field, len) == 0 && !isalnum((unsigned char)next) && next != '_',
                      "spoil %d: message \"%s\" does not start with the field \"%s\"", _i, msg,
                      field);
    } else {
        ck_assert_msg(strncmp(msg, "random", 6) == 0 || strncmp(msg, "open_wait_jitter", 16) == 0,
                      "jitter without random: message \"%s\"", msg);
    }
}
END_TEST

START_TEST(config_check_accepts_values_on_the_edge)
{
    fb_config c;
    char msg[256] = "";

    fb_config_init(&c);
    stretch(_i, &c);
    ck_assert_msg(fb_config_check(&c, msg, sizeof msg) == FB_OK, "stretch %d refused: %s", _i, msg);
}
END_TEST

START_TEST(failure_rate_message_is_exact)
{
    fb_config c;
    char msg[128];

    fb_config_init(&c);
    c.failure_rate_threshold = 120;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert_str_eq(msg, "failure_rate_threshold must be in (0, 100], got 120");
}
END_TEST

START_TEST(failure_rate_threshold_is_checked_when_its_rule_is_off)
{
    fb_config c;
    char msg[128];

    fb_config_init(&c);
    c.rules = FB_RULE_CONSECUTIVE_FAILURES;
    c.consecutive_failures = 3;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_OK);
    c.failure_rate_threshold = 0;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert(strncmp(msg, "failure_rate_threshold", 22) == 0);
}
END_TEST

START_TEST(rule_counts_may_be_zero_while_their_rules_are_off)
{
    fb_config c;

    fb_config_init(&c);
    c.consecutive_failures = 0;
    c.absolute_failures = 0;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);
    c.rules |= FB_RULE_ABSOLUTE_FAILURES;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_EINVAL);
    c.absolute_failures = 1;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);
}
END_TEST

START_TEST(config_check_truncates_and_terminates_message)
{
    fb_config c;
    char msg[16];

    fb_config_init(&c);
    c.failure_rate_threshold = 120;
    memset(msg, 'x', sizeof msg);
    ck_assert_int_eq(fb_config_check(&c, msg, 10), FB_EINVAL);
    ck_assert_str_eq(msg, "failure_r");
    ck_assert_int_eq(msg[10], 'x');
    memset(msg, 'x', sizeof msg);
    ck_assert_int_eq(fb_config_check(&c, msg, 0), FB_EINVAL);
    ck_assert_int_eq(msg[0], 'x');
}
END_TEST

START_TEST(config_check_accepts_null_message)
{
    fb_config c;

    fb_config_init(&c);
    c.window_size = 0;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_EINVAL);
    ck_assert_int_eq(fb_config_check(&c, NULL, 64), FB_EINVAL);
}
END_TEST

START_TEST(multiplier_above_one_needs_a_cap_no_lower_than_the_wait)
{
    fb_config c;
    char msg[128];

    fb_config_init(&c);
    c.open_wait_multiplier = 2;
    c.open_wait_max_ns = T(60) - 1;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_EINVAL);
    ck_assert(strncmp(msg, "open_wait_max_ns", 16) == 0);
    c.open_wait_max_ns = T(60);
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_OK);
    /* a fixed wait needs no cap */
    c.open_wait_multiplier = 1;
    c.open_wait_max_ns = 0;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof msg), FB_OK);
}
END_TEST

START_TEST(jitter_needs_a_random_source)
{
    fb_config c;

    fb_config_init(&c);
    c.open_wait_jitter = 0.2;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_EINVAL);
    c.random = zero_random;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);
}
END_TEST

START_TEST(window_size_limits_depend_on_window_type)
{
    fb_config c;

    fb_config_init(&c);
    c.window_size = 86401; /* fine for COUNT */
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);
    c.window_type = FB_WINDOW_TIME;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_EINVAL);
    c.window_size = 86400;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_OK);
    c.window_type = FB_WINDOW_COUNT;
    c.window_size = 1000001;
    ck_assert_int_eq(fb_config_check(&c, NULL, 0), FB_EINVAL);
}
END_TEST

START_TEST(breaker_new_rejects_invalid_config_and_nulls_out)
{
    fb_config c;
    fb_breaker *b = (fb_breaker *)&c; /* anything but NULL */

    fb_config_init(&c);
    spoil(_i, &c);
    ck_assert_int_eq(fb_breaker_new(&b, "x", &c), FB_EINVAL);
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(registry_new_rejects_invalid_config_and_nulls_out)
{
    fb_config c;
    fb_registry *reg = (fb_registry *)&c;

    fb_config_init(&c);
    spoil(_i, &c);
    ck_assert_int_eq(fb_registry_new(&reg, &c), FB_EINVAL);
    ck_assert_ptr_null(reg);
}
END_TEST

START_TEST(breaker_copies_its_config_and_name)
{
    fb_config c = test_config();
    char name[16] = "payments";
    fb_breaker *b = breaker_named(name, &c);
    const fb_config *kept;

    c.window_size = 77;
    c.failure_rate_threshold = 99;
    strcpy(name, "changed");
    kept = fb_breaker_config(b);
    ck_assert_ptr_nonnull(kept);
    ck_assert_ptr_ne(kept, &c);
    ck_assert_uint_eq(kept->window_size, 4);
    ck_assert_double_eq(kept->failure_rate_threshold, 50);
    ck_assert_int_eq(kept->open_wait_ns, T(10));
    ck_assert_str_eq(fb_breaker_name(b), "payments");
    fb_breaker_free(b);
}
END_TEST

START_TEST(unnamed_breaker_has_empty_name)
{
    fb_config c = test_config();
    fb_breaker *b = breaker_from(&c);

    ck_assert_ptr_nonnull(fb_breaker_name(b));
    ck_assert_str_eq(fb_breaker_name(b), "");
    fb_breaker_free(b);
    fb_breaker_free(NULL); /* a no-op */
}
END_TEST

START_TEST(strerror_describes_every_status)
{
    ck_assert_str_eq(fb_strerror(FB_OK), "success");
    ck_assert_str_eq(fb_strerror(FB_EINVAL), "invalid argument");
    ck_assert_str_eq(fb_strerror(FB_ENOMEM), "out of memory");
    ck_assert_str_eq(fb_strerror(FB_EILLEGAL), "illegal state transition");
    ck_assert_str_eq(fb_strerror(FB_ENOENT), "no such breaker");
    ck_assert_str_eq(fb_strerror(FB_EPERMIT), "permit was not granted or was already recorded");
    ck_assert_str_eq(fb_strerror(FB_EFULL), "too many event listeners");
    ck_assert_ptr_nonnull(fb_strerror((fb_status)-99));
    ck_assert_ptr_nonnull(fb_strerror((fb_status)42));
}
END_TEST

START_TEST(state_names_are_upper_case)
{
    ck_assert_str_eq(fb_state_name(FB_STATE_CLOSED), "CLOSED");
    ck_assert_str_eq(fb_state_name(FB_STATE_OPEN), "OPEN");
    ck_assert_str_eq(fb_state_name(FB_STATE_HALF_OPEN), "HALF_OPEN");
    ck_assert_str_eq(fb_state_name(FB_STATE_DISABLED), "DISABLED");
    ck_assert_str_eq(fb_state_name(FB_STATE_FORCED_OPEN), "FORCED_OPEN");
    ck_assert_str_eq(fb_state_name(FB_STATE_METRICS_ONLY), "METRICS_ONLY");
}
END_TEST

START_TEST(reason_names_are_snake_case)
{
    ck_assert_str_eq(fb_reason_name(FB_REASON_FAILURE_RATE), "failure_rate");
    ck_assert_str_eq(fb_reason_name(FB_REASON_SLOW_CALL_RATE), "slow_call_rate");
    ck_assert_str_eq(fb_reason_name(FB_REASON_CONSECUTIVE_FAILURES), "consecutive_failures");
    ck_assert_str_eq(fb_reason_name(FB_REASON_ABSOLUTE_FAILURES), "absolute_failures");
    ck_assert_str_eq(fb_reason_name(FB_REASON_OPEN_WAIT_ELAPSED), "open_wait_elapsed");
    ck_assert_str_eq(fb_reason_name(FB_REASON_TRIALS_PASSED), "trials_passed");
    ck_assert_str_eq(fb_reason_name(FB_REASON_TRIALS_FAILED), "trials_failed");
    ck_assert_str_eq(fb_reason_name(FB_REASON_HALF_OPEN_DEADLINE), "half_open_deadline");
    ck_assert_str_eq(fb_reason_name(FB_REASON_MANUAL), "manual");
    ck_assert_str_eq(fb_reason_name(FB_REASON_FORCED_UNTIL), "forced_until");
}
END_TEST

START_TEST(reject_and_outcome_names)
{
    ck_assert_str_eq(fb_reject_name(FB_REJECT_NONE), "none");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_OPEN), "open");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_HALF_OPEN_FULL), "half_open_full");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_FORCED_OPEN), "forced_open");
    ck_assert_str_eq(fb_outcome_name(FB_SUCCESS), "success");
    ck_assert_str_eq(fb_outcome_name(FB_FAILURE), "failure");
    ck_assert_str_eq(fb_outcome_name(FB_IGNORED), "ignored");
}
END_TEST

START_TEST(unknown_values_are_named_unknown)
{
    ck_assert_str_eq(fb_state_name(FB_STATE_COUNT), "unknown");
    ck_assert_str_eq(fb_state_name((fb_state)-1), "unknown");
    ck_assert_str_eq(fb_reason_name(FB_REASON_COUNT), "unknown");
    ck_assert_str_eq(fb_reason_name((fb_reason)1000), "unknown");
    ck_assert_str_eq(fb_reject_name(FB_REJECT_COUNT), "unknown");
    ck_assert_str_eq(fb_reject_name((fb_reject)-1), "unknown");
    ck_assert_str_eq(fb_outcome_name((fb_outcome)3), "unknown");
    ck_assert_str_eq(fb_outcome_name((fb_outcome)-1), "unknown");
}
END_TEST

START_TEST(linked_version_matches_header)
{
    char v[32];

    snprintf(v, sizeof v, "%d.%d.%d", FB_VERSION_MAJOR, FB_VERSION_MINOR, FB_VERSION_PATCH);
    ck_assert_str_eq(FB_VERSION, v);
    ck_assert_str_eq(fb_version(), FB_VERSION);
}
END_TEST

START_TEST(absolute_failures_above_a_count_window_are_rejected)
{
    fb_config c;
    char msg[160];

    fb_config_init(&c);
    c.rules |= FB_RULE_ABSOLUTE_FAILURES;
    c.absolute_failures = 101; /* can never fire in a window of 100 */
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof(msg)), FB_EINVAL);
    ck_assert_str_eq(msg, "absolute_failures must be <= window_size (100) for a COUNT window, got 101");
    c.absolute_failures = 100;
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof(msg)), FB_OK);
    c.window_type = FB_WINDOW_TIME;
    c.window_size = 10;
    c.absolute_failures = 1000; /* a TIME window holds any number of calls */
    ck_assert_int_eq(fb_config_check(&c, msg, sizeof(msg)), FB_OK);
}
END_TEST

START_TEST(null_config_is_refused)
{
    char msg[64];

    fb_config_init(NULL);
    ck_assert_int_eq(fb_config_check(NULL, msg, sizeof(msg)), FB_EINVAL);
    ck_assert_str_eq(msg, "config is NULL");
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_test(tc, config_init_sets_documented_defaults);
    tcase_add_test(tc, default_config_passes_check);
    tcase_add_loop_test(tc, config_check_rejects_each_invalid_field, 0, N_SPOILS);
    tcase_add_loop_test(tc, config_check_accepts_values_on_the_edge, 0, N_STRETCHES);
    tcase_add_test(tc, failure_rate_message_is_exact);
    tcase_add_test(tc, failure_rate_threshold_is_checked_when_its_rule_is_off);
    tcase_add_test(tc, rule_counts_may_be_zero_while_their_rules_are_off);
    tcase_add_test(tc, config_check_truncates_and_terminates_message);
    tcase_add_test(tc, config_check_accepts_null_message);
    tcase_add_test(tc, multiplier_above_one_needs_a_cap_no_lower_than_the_wait);
    tcase_add_test(tc, jitter_needs_a_random_source);
    tcase_add_test(tc, absolute_failures_above_a_count_window_are_rejected);
    tcase_add_test(tc, null_config_is_refused);
    tcase_add_test(tc, window_size_limits_depend_on_window_type);
    tcase_add_loop_test(tc, breaker_new_rejects_invalid_config_and_nulls_out, 0, N_SPOILS);
    tcase_add_loop_test(tc, registry_new_rejects_invalid_config_and_nulls_out, 0, N_SPOILS);
    tcase_add_test(tc, breaker_copies_its_config_and_name);
    tcase_add_test(tc, unnamed_breaker_has_empty_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("strings");
    tcase_add_test(tc, strerror_describes_every_status);
    tcase_add_test(tc, state_names_are_upper_case);
    tcase_add_test(tc, reason_names_are_snake_case);
    tcase_add_test(tc, reject_and_outcome_names);
    tcase_add_test(tc, unknown_values_are_named_unknown);
    tcase_add_test(tc, linked_version_matches_header);
    suite_add_tcase(s, tc);
    return s;
}
