/* sim/scenario_profile.c — a breaker profile of a scenario file to an fb_config.
 *
 * A profile starts from fb_config_init() (Resilience4j's defaults), never
 * synchronized (the simulator is single-threaded). Each key is checked here
 * against its own range, so a typo'd value is reported at its own key; what
 * only makes sense across fields (a growing open wait needs a cap, absolute
 * failures cannot exceed a count window) is left to fb_config_check(), whose
 * message is reported at the profile. The failure-prediction keys
 * ("latency_trend", "throttle", "confidence", "recovery_ramp") are each an
 * object (or a value) that turns their rule on, or false. */
#include "scenario_internal.h"

#include <math.h>

/* ---- breaker profiles ---------------------------------------------------------------- */

static const char *const window_types[] = { "count", "time", NULL };
static const char *const verdicts[] = { "rate", "strict", NULL };

/* Jitter, throttling and the recovery ramp need a random source, which the
 * city supplies when it builds the breakers; validation only needs one that
 * is not NULL. */
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

/* An optional duration within [lo_ns, hi_ns]. */
static bool opt_duration_in(loader *ld, json_t *obj, const char *key, int64_t lo_ns, int64_t hi_ns,
                            int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    int64_t ns = 0;

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!sim__val_duration(ld, v, true, &ns))
        return false;
    if (ns < lo_ns || ns > hi_ns)
        return sim__fail(ld, "must be in [%s, %s], got %s", sim__dur_text(lo_ns).s,
                         sim__dur_text(hi_ns).s, sim__describe(v).s);
    *out = ns;
    sim__pop(ld);
    return true;
}

/* A rule given as an object of its settings ('*on' set: read them), or false
 * (the rule off). */
static bool rule_object(loader *ld, json_t *v, const char *const *keys, uint32_t rule,
                        fb_config *cfg, bool *on)
{
    *on = json_is_object(v);
    if (json_is_false(v)) {
        cfg->rules &= ~rule;
        return true;
    }
    if (!*on)
        return sim__fail(ld, "expected an object or false, got %s", sim__describe(v).s);
    cfg->rules |= rule;
    return sim__check_keys(ld, v, keys, NULL);
}

/* "latency_trend": { "ratio": 2, "short_calls": 100, "long": "5m" } */
static bool load_latency_trend(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "ratio", "short_calls", "long", NULL };
    int64_t n = cfg->latency_short_calls;
    bool on;

    if (!rule_object(ld, v, keys, FB_RULE_LATENCY_TREND, cfg, &on))
        return false;
    if (!on)
        return true;
    if (!sim__opt_number(ld, v, "ratio", RANGE_ABOVE(1), &cfg->latency_trend_ratio) ||
        !sim__opt_int(ld, v, "short_calls", 1, 1000000, &n) ||
        !opt_duration_in(ld, v, "long", NS_PER_S, 86400 * NS_PER_S, &cfg->latency_long_ns))
        return false;
    cfg->latency_short_calls = (uint32_t)n;
    return true;
}

/* "throttle": { "k": 2, "window": "60s" } */
static bool load_throttle(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "k", "window", NULL };
    bool on;

    if (!rule_object(ld, v, keys, FB_RULE_THROTTLE, cfg, &on))
        return false;
    return !on || (sim__opt_number(ld, v, "k", RANGE_AT_LEAST(1), &cfg->throttle_k) &&
                   opt_duration_in(ld, v, "window", NS_PER_S / 1000, 86400 * NS_PER_S,
                                   &cfg->throttle_window_ns));
}

/* "recovery_ramp": "30s", or { "duration": "30s", "start": 0.1 } */
static bool load_recovery_ramp(loader *ld, json_t *v, fb_config *cfg)
{
    static const char *const keys[] = { "duration", "start", NULL };
    bool on;

    if (json_is_string(v) || json_is_number(v)) {
        if (!sim__val_duration(ld, v, true, &cfg->recovery_ramp_ns))
            return false;
        cfg->rules |= FB_RULE_RECOVERY_RAMP;
        return true;
    }
    if (!json_is_false(v) && !json_is_object(v))
        return sim__fail(ld, "expected a duration, an object with \"duration\", or false, got %s",
                         sim__describe(v).s);
    if (!rule_object(ld, v, keys, FB_RULE_RECOVERY_RAMP, cfg, &on))
        return false;
    return !on || (sim__opt_duration(ld, v, "duration", true, &cfg->recovery_ramp_ns) &&
                   sim__opt_number(ld, v, "start", RANGE_CLOSED(0, 1), &cfg->recovery_ramp_start));
}

/* The z of a two-sided confidence level c: erfc(z / sqrt 2) = 1 - c, found by
 * bisection (erfc falls monotonically; 200 halvings of [0, 10] reach the
 * last bit). 0.95 gives 1.959964. */
static double confidence_z(double c)
{
    double lo = 0, hi = 10;

    for (int i = 0; i < 200 && hi - lo > 0; i++) {
        double mid = (lo + hi) / 2;

        if (erfc(mid / sqrt(2.0)) > 1 - c)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* "confidence": 0.95 judges the failure rate by its Wilson lower bound. */
static bool load_confidence(loader *ld, json_t *v, fb_config *cfg)
{
    double c = 0;

    if (json_is_false(v)) {
        cfg->failure_rate_z = 0;
        return true;
    }
    if (!json_is_number(v))
        return sim__fail(ld, "expected a confidence level or false, got %s", sim__describe(v).s);
    if (!sim__val_number(ld, v, RANGE_OPEN(0, 1), &c))
        return false;
    cfg->failure_rate_z = confidence_z(c);
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
                                        "half_open",      "latency_trend",
                                        "throttle",       "confidence",
                                        "recovery_ramp",  NULL };
    const uint32_t trip_rules = FB_RULE_FAILURE_RATE | FB_RULE_SLOW_CALL_RATE |
                                FB_RULE_CONSECUTIVE_FAILURES | FB_RULE_ABSOLUTE_FAILURES |
                                FB_RULE_LATENCY_TREND;
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
        !member(ld, v, "half_open", cfg, load_half_open) ||
        !member(ld, v, "latency_trend", cfg, load_latency_trend) ||
        !member(ld, v, "throttle", cfg, load_throttle) ||
        !member(ld, v, "confidence", cfg, load_confidence) ||
        !member(ld, v, "recovery_ramp", cfg, load_recovery_ramp))
        return false;
    /* Throttling alone is a breaker that never opens but sheds load: allowed. */
    if ((cfg->rules & (trip_rules | FB_RULE_THROTTLE)) == 0)
        return sim__fail(ld, "no trip rule is on: failure_rate and slow_call_rate are false and "
                             "neither consecutive_failures nor absolute_failures is set");
    if (cfg->failure_rate_z > 0 && !(cfg->rules & FB_RULE_FAILURE_RATE)) {
        sim__push_key(ld, "confidence");
        return sim__fail(ld, "needs the failure-rate rule, but failure_rate is false");
    }
    check = *cfg;
    if (check.open_wait_jitter > 0 || (check.rules & (FB_RULE_THROTTLE | FB_RULE_RECOVERY_RAMP)))
        check.random = placeholder_random;
    if (fb_config_check(&check, msg, sizeof msg) != FB_OK)
        return sim__fail(ld, "%s", msg);
    return true;
}
