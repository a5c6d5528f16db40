/* sim/scenario_profile.c — a breaker profile of a scenario file to an fb_config.
 *
 * A profile starts from fb_config_init() (Resilience4j's defaults), never
 * synchronized (the simulator is single-threaded). Each key is checked here
 * against its own range, so a typo'd value is reported at its own key; what
 * only makes sense across fields (a growing open wait needs a cap, absolute
 * failures cannot exceed a count window) is left to fb_config_check(), whose
 * message is reported at the profile. */
#include "scenario_internal.h"

#include <math.h>

/* ---- breaker profiles ---------------------------------------------------------------- */

static const char *const window_types[] = { "count", "time", NULL };
static const char *const verdicts[] = { "rate", "strict", NULL };

/* Jitter needs a random source, which the city supplies when it builds the
 * breakers; validation only needs one that is not NULL. */
static uint64_t placeholder_random(void *ctx)
{
    (void)ctx;
    return 0;
}

static bool load_window(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "type", "size", NULL };
    json_t *size;
    int64_t n = 0;
    int type = 0;

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__opt_enum(ld, v, "type", "window type", window_types, &type))
        return false;
    cfg->window_type = type ? FB_WINDOW_TIME : FB_WINDOW_COUNT;
    if (!(size = json_object_get(v, "size")))
        return true;
    sim__push_key(ld, "size");
    if (cfg->window_type == FB_WINDOW_COUNT) {
        if (!sim__val_int(ld, size, 1, UINT32_MAX, &n))
            return false;
    } else {
        if (!sim__val_duration(ld, size, true, &n))
            return false;
        if (n % NS_PER_S)
            return sim__fail(ld, "must be a whole number of seconds, got %s",
                             sim__describe(size).s);
        n /= NS_PER_S;
    }
    cfg->window_size = (uint32_t)n;
    sim__pop(ld);
    return true;
}

/* "failure_rate": 50 turns the rule on with that threshold; false turns it off. */
static bool opt_rate_rule(loader *ld, json_t *obj, const char *key, uint32_t rule,
                          double *threshold, uint32_t *rules)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (json_is_false(v)) {
        *rules &= ~rule;
    } else if (!json_is_number(v)) {
        return sim__fail(ld, "expected a percentage or false, got %s", sim__describe(v).s);
    } else {
        if (!sim__val_number(ld, v, RANGE_OPEN_LEFT(0, 100), threshold))
            return false;
        *rules |= rule;
    }
    sim__pop(ld);
    return true;
}

static bool opt_count_rule(loader *ld, json_t *obj, const char *key, uint32_t rule,
                           uint32_t *count, uint32_t *rules)
{
    int64_t n = 0;

    if (!json_object_get(obj, key))
        return true;
    if (!sim__opt_int(ld, obj, key, 1, UINT32_MAX, &n))
        return false;
    *count = (uint32_t)n;
    *rules |= rule;
    return true;
}

static bool load_open_wait(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "base", "multiplier", "max", "decay", "jitter", NULL };

    if (json_is_string(v) || json_is_number(v))
        return sim__val_duration(ld, v, true, &cfg->open_wait_ns);
    if (!json_is_object(v))
        return sim__fail(ld, "expected a duration or an object with \"base\", got %s",
                         sim__describe(v).s);
    return sim__check_keys(ld, v, keys, NULL) &&
           sim__opt_duration(ld, v, "base", true, &cfg->open_wait_ns) &&
           sim__opt_number(ld, v, "multiplier", RANGE_AT_LEAST(1), &cfg->open_wait_multiplier) &&
           sim__opt_duration(ld, v, "max", true, &cfg->open_wait_max_ns) &&
           sim__opt_duration(ld, v, "decay", false, &cfg->open_wait_decay_ns) &&
           sim__opt_number(ld, v, "jitter", RANGE_OPEN_RIGHT(0, 1), &cfg->open_wait_jitter);
}

static bool load_half_open(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "permits", "verdict", "deadline", NULL };
    int64_t permits = cfg->half_open_permits;
    int verdict = 0;

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__opt_int(ld, v, "permits", 1, UINT32_MAX, &permits) ||
        !sim__opt_enum(ld, v, "verdict", "verdict", verdicts, &verdict) ||
        !sim__opt_duration(ld, v, "deadline", false, &cfg->half_open_deadline_ns))
        return false;
    cfg->half_open_permits = (uint32_t)permits;
    cfg->half_open_verdict = verdict ? FB_VERDICT_STRICT : FB_VERDICT_RATE;
    return true;
}

/* Call 'fn' on member 'key' of 'obj' with its path pushed, if it is there. */
static bool member(loader *ld, json_t *obj, const char *key, fb_config *cfg,
                   bool (*fn)(loader *, json_t *, fb_config *))
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!fn(ld, v, cfg))
        return false;
    sim__pop(ld);
    return true;
}

bool sim__load_profile(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "window",         "min_calls",
                                        "failure_rate",   "slow_call",
                                        "slow_call_rate", "consecutive_failures",
                                        "absolute_failures", "open_wait",
                                        "half_open",      NULL };
    int64_t min_calls = 0;
    fb_config check;
    char msg[256];

    fb_config_init(cfg);
    cfg->synchronized = false;
    cfg->random = NULL;
    cfg->random_ctx = NULL;
    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !member(ld, v, "window", cfg, load_window))
        return false;
    min_calls = cfg->min_calls;
    if (!sim__opt_int(ld, v, "min_calls", 1, UINT32_MAX, &min_calls))
        return false;
    cfg->min_calls = (uint32_t)min_calls;
    if (!opt_rate_rule(ld, v, "failure_rate", FB_RULE_FAILURE_RATE, &cfg->failure_rate_threshold,
                       &cfg->rules) ||
        !sim__opt_duration(ld, v, "slow_call", true, &cfg->slow_call_ns) ||
        !opt_rate_rule(ld, v, "slow_call_rate", FB_RULE_SLOW_CALL_RATE,
                       &cfg->slow_call_rate_threshold, &cfg->rules) ||
        !opt_count_rule(ld, v, "consecutive_failures", FB_RULE_CONSECUTIVE_FAILURES,
                        &cfg->consecutive_failures, &cfg->rules) ||
        !opt_count_rule(ld, v, "absolute_failures", FB_RULE_ABSOLUTE_FAILURES,
                        &cfg->absolute_failures, &cfg->rules) ||
        !member(ld, v, "open_wait", cfg, load_open_wait) ||
        !member(ld, v, "half_open", cfg, load_half_open))
        return false;
    if (cfg->rules == 0)
        return sim__fail(ld, "no trip rule is on: failure_rate and slow_call_rate are false and "
                             "neither consecutive_failures nor absolute_failures is set");
    check = *cfg;
    if (check.open_wait_jitter > 0)
        check.random = placeholder_random;
    if (fb_config_check(&check, msg, sizeof msg) != FB_OK)
        return sim__fail(ld, "%s", msg);
    return true;
}
