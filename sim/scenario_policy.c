/* sim/scenario_policy.c — the resilience policies of a scenario file.
 *
 * A call's retry, bulkhead and fallback are resolved once, here, at load
 * time: start from the named policy set the call names in "policy" (or the
 * set named "default" when there is one), then let each of "retry",
 * "bulkhead" and "fallback" written on the call replace that part whole
 * (false removes it). The city thus reads plain values from every sim_call
 * and never looks a policy up by name, which is why the named sets live only
 * in the loader (their names borrowed from the JSON tree, which outlives the
 * walk) and not in sim_scenario. Merging key by key into the named part was
 * rejected: a call that writes "retry": {"max_attempts": 2} would silently
 * keep a budget it cannot see.
 *
 * Every policy is off when its struct is zeroed, so an absent key needs no
 * code. Values are checked as the format's other values are: each key at its
 * own path, a relation between two keys ("max" >= "base") at the later one,
 * and a key that the chosen kind does not use ("hit" on a "default"
 * fallback, "multiplier" on a "constant" backoff) at the key itself. */
#include "scenario_internal.h"

#include <stdlib.h>
#include <string.h>

#define MS_NS INT64_C(1000000)

/* ---- shared pieces ----------------------------------------------------------------- */

/* Fail at 'key' of 'obj' (pushed here): it must be at least 'what'. */
static bool fail_below(loader *ld, json_t *obj, const char *key, const char *what,
                       int64_t floor_ns)
{
    sim__push_key(ld, key);
    return sim__fail(ld, "must be >= %s (%s), got %s", what, sim__dur_text(floor_ns).s,
                     sim__describe(json_object_get(obj, key)).s);
}

/* Fail at 'key' of 'obj', a key the value's kind does not use. */
static bool fail_unused(loader *ld, const char *key, const char *why)
{
    sim__push_key(ld, key);
    return sim__fail_key(ld, "%s", why);
}

/* An object, or false (returns true with '*off' set). */
static bool object_or_false(loader *ld, const json_t *v, bool *off)
{
    *off = json_is_false(v);
    if (!*off && !json_is_object(v))
        return sim__fail(ld, "expected an object or false, got %s", sim__describe(v).s);
    return true;
}

/* ---- retry -------------------------------------------------------------------------- */

static const char *const backoff_names[] = { "exponential", "constant", "decorrelated", NULL };
/* Bit i of sim_retry.on is retry_on_names[i]. */
static const char *const retry_on_names[] = { "error", "timeout", "refused", "shed", "rejected",
                                              NULL };

_Static_assert(SIM_RETRY_ON_ERROR == 1u << 0 && SIM_RETRY_ON_TIMEOUT == 1u << 1 &&
                   SIM_RETRY_ON_REFUSED == 1u << 2 && SIM_RETRY_ON_SHED == 1u << 3 &&
                   SIM_RETRY_ON_REJECTED == 1u << 4,
               "retry_on_names follows the SIM_RETRY_ON_* bits");

/* "on": a non-empty array of distinct outcome names. */
static bool load_retry_on(loader *ld, json_t *v, uint32_t *on)
{
    json_t *x;
    size_t i;

    if (!sim__expect_array(ld, v, 64, true))
        return false;
    *on = 0;
    json_array_foreach(v, i, x) {
        int k = 0;

        sim__push_index(ld, i);
        if (!sim__val_enum(ld, x, "retry outcome", retry_on_names, &k))
            return false;
        if (*on & (1u << k))
            return sim__fail(ld, "%s is listed twice", sim__describe(x).s);
        *on |= 1u << k;
        sim__pop(ld);
    }
    return true;
}

/* "budget": false, or an object whose keys all have defaults. */
static bool load_budget(loader *ld, json_t *v, sim_retry *r)
{
    static const char *const keys[] = { "ratio", "min_per_second", "window", NULL };
    bool off;

    if (!object_or_false(ld, v, &off))
        return false;
    r->budget = !off;
    if (off)
        return true;
    r->budget_ratio = 0.2;
    r->budget_min_per_s = 10;
    r->budget_window_ns = 10 * NS_PER_S;
    return sim__check_keys(ld, v, keys, NULL) &&
           sim__opt_number(ld, v, "ratio", RANGE_OPEN_LEFT(0, 10), &r->budget_ratio) &&
           sim__opt_number(ld, v, "min_per_second", RANGE_AT_LEAST(0), &r->budget_min_per_s) &&
           sim__opt_duration(ld, v, "window", true, &r->budget_window_ns);
}

/* The keys that only some backoff kinds use, checked as soon as the kind is known. */
static bool check_backoff_keys(loader *ld, json_t *v, sim_backoff backoff)
{
    if (backoff != SIM_BACKOFF_EXPONENTIAL && json_object_get(v, "multiplier"))
        return fail_unused(ld, "multiplier", "only an \"exponential\" backoff has a multiplier");
    if (backoff == SIM_BACKOFF_CONSTANT && json_object_get(v, "max"))
        return fail_unused(ld, "max", "a \"constant\" backoff always waits \"base\": it has no "
                                      "\"max\"");
    return true;
}

static bool load_backoff_times(loader *ld, json_t *v, sim_retry *r)
{
    if (!sim__opt_duration(ld, v, "base", true, &r->base_ns) ||
        !sim__opt_number(ld, v, "multiplier", RANGE_AT_LEAST(1), &r->multiplier))
        return false;
    /* Without "max", the cap is 1 s, or the base when that is longer. */
    r->max_ns = r->base_ns > NS_PER_S ? r->base_ns : NS_PER_S;
    if (!sim__opt_duration(ld, v, "max", false, &r->max_ns))
        return false;
    if (r->max_ns < r->base_ns)
        return fail_below(ld, v, "max", "base", r->base_ns);
    return true;
}

/* "retry": false, or an object whose keys all have defaults. */
static bool load_retry(loader *ld, json_t *v, sim_retry *r)
{
    static const char *const keys[] = { "max_attempts", "backoff", "base", "multiplier", "max",
                                        "on",           "budget",  NULL };
    int64_t attempts = 3;
    int backoff = SIM_BACKOFF_EXPONENTIAL;
    bool off;
    json_t *x;

    memset(r, 0, sizeof *r);
    if (!object_or_false(ld, v, &off))
        return false;
    if (off)
        return true;
    if (!sim__check_keys(ld, v, keys, NULL) ||
        !sim__opt_int(ld, v, "max_attempts", 1, MAX_RETRY_ATTEMPTS, &attempts) ||
        !sim__opt_enum(ld, v, "backoff", "backoff", backoff_names, &backoff) ||
        !check_backoff_keys(ld, v, (sim_backoff)backoff))
        return false;
    r->max_attempts = (uint32_t)attempts;
    r->backoff = (sim_backoff)backoff;
    r->base_ns = 50 * MS_NS;
    r->multiplier = 2;
    r->on = SIM_RETRY_ON_DEFAULT;
    if (!load_backoff_times(ld, v, r))
        return false;
    if ((x = json_object_get(v, "on"))) {
        sim__push_key(ld, "on");
        if (!load_retry_on(ld, x, &r->on))
            return false;
        sim__pop(ld);
    }
    if ((x = json_object_get(v, "budget"))) {
        sim__push_key(ld, "budget");
        if (!load_budget(ld, x, r))
            return false;
        sim__pop(ld);
    }
    return true;
}

/* ---- bulkhead and fallback ------------------------------------------------------------ */

static bool load_bulkhead(loader *ld, json_t *v, sim_bulkhead *b)
{
    static const char *const keys[] = { "max_concurrent", "max_wait", NULL };
    static const char *const required[] = { "max_concurrent", NULL };
    int64_t n = 0;
    bool off;

    memset(b, 0, sizeof *b);
    if (!object_or_false(ld, v, &off))
        return false;
    if (off)
        return true;
    if (!sim__check_keys(ld, v, keys, NULL) || !sim__require(ld, v, required) ||
        !sim__opt_int(ld, v, "max_concurrent", 1, UINT32_MAX, &n) ||
        !sim__opt_duration(ld, v, "max_wait", false, &b->max_wait_ns))
        return false;
    b->max_concurrent = (uint32_t)n;
    return true;
}

static const char *const fallback_names[] = { "fail", "default", "cache", NULL };
static const sim_fallback_kind fallback_kinds[] = { SIM_FALLBACK_FAIL, SIM_FALLBACK_DEFAULT,
                                                    SIM_FALLBACK_CACHE };

/* {"kind": ..., "hit": ...}: "hit" is required for a cache and refused otherwise. */
static bool load_fallback_object(loader *ld, json_t *v, sim_fallback *f)
{
    static const char *const keys[] = { "kind", "hit", NULL };
    static const char *const required[] = { "kind", NULL };
    static const char *const hit[] = { "hit", NULL };
    int kind = 0;

    if (!sim__check_keys(ld, v, keys, NULL) || !sim__require(ld, v, required) ||
        !sim__opt_enum(ld, v, "kind", "fallback kind", fallback_names, &kind))
        return false;
    f->kind = fallback_kinds[kind];
    if (f->kind != SIM_FALLBACK_CACHE) {
        if (json_object_get(v, "hit"))
            return fail_unused(ld, "hit", "only a \"cache\" fallback has a hit probability");
        return true;
    }
    return sim__require(ld, v, hit) &&
           sim__opt_number(ld, v, "hit", RANGE_CLOSED(0, 1), &f->hit);
}

/* "fallback": false, "fail", "default", or an object. */
static bool load_fallback(loader *ld, json_t *v, sim_fallback *f)
{
    int kind = 0;

    memset(f, 0, sizeof *f);
    if (json_is_false(v))
        return true;
    if (json_is_object(v))
        return load_fallback_object(ld, v, f);
    if (!json_is_string(v))
        return sim__fail(ld, "expected a fallback kind, an object or false, got %s",
                         sim__describe(v).s);
    if (!sim__val_enum(ld, v, "fallback kind", fallback_names, &kind))
        return false;
    f->kind = fallback_kinds[kind];
    if (f->kind == SIM_FALLBACK_CACHE)
        return sim__fail(ld, "a \"cache\" fallback needs a hit probability: write "
                             "{\"kind\": \"cache\", \"hit\": 0.9}");
    return true;
}

/* ---- policy sets ------------------------------------------------------------------------ */

/* Each of "retry", "bulkhead" and "fallback" present in 'obj' replaces its part. */
static bool load_parts(loader *ld, json_t *obj, sim_retry *r, sim_bulkhead *b, sim_fallback *f)
{
    json_t *v;

    if ((v = json_object_get(obj, "retry"))) {
        sim__push_key(ld, "retry");
        if (!load_retry(ld, v, r))
            return false;
        sim__pop(ld);
    }
    if ((v = json_object_get(obj, "bulkhead"))) {
        sim__push_key(ld, "bulkhead");
        if (!load_bulkhead(ld, v, b))
            return false;
        sim__pop(ld);
    }
    if ((v = json_object_get(obj, "fallback"))) {
        sim__push_key(ld, "fallback");
        if (!load_fallback(ld, v, f))
            return false;
        sim__pop(ld);
    }
    return true;
}

bool sim__load_policies(loader *ld, json_t *root)
{
    static const char *const keys[] = { "retry", "bulkhead", "fallback", NULL };
    json_t *obj = json_object_get(root, "policies"), *v;
    const char *name;
    size_t n;

    ld->default_policy = SIM_NONE;
    if (!obj)
        return true;
    sim__push_key(ld, "policies");
    if (!sim__expect_object(ld, obj))
        return false;
    n = json_object_size(obj);
    if (n > MAX_POLICIES)
        return sim__fail(ld, "too many policies: %zu (at most %d)", n, MAX_POLICIES);
    if (n > 0 && !(ld->policies = calloc(n, sizeof *ld->policies)))
        return sim__fail(ld, "out of memory");
    json_object_foreach(obj, name, v) {
        policy_set *p = &ld->policies[ld->n_policies];

        sim__push_key(ld, name);
        if (!sim__check_name(ld, "policy", name) || !sim__expect_object(ld, v) ||
            !sim__check_keys(ld, v, keys, NULL) ||
            !load_parts(ld, v, &p->retry, &p->bulkhead, &p->fallback))
            return false;
        p->name = name;
        if (strcmp(name, "default") == 0)
            ld->default_policy = (uint32_t)ld->n_policies;
        ld->n_policies++;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

static uint32_t find_policy(const loader *ld, const char *name)
{
    for (size_t i = 0; i < ld->n_policies; i++)
        if (strcmp(ld->policies[i].name, name) == 0)
            return (uint32_t)i;
    return SIM_NONE;
}

/* "policy": a set's name, or false for none (not even "default"). */
static bool load_policy_name(loader *ld, json_t *v, uint32_t *out)
{
    const char *near;

    if (json_is_false(v)) {
        *out = SIM_NONE;
        return true;
    }
    if (!json_is_string(v))
        return sim__fail(ld, "expected a policy name or false, got %s", sim__describe(v).s);
    if ((*out = find_policy(ld, json_string_value(v))) != SIM_NONE)
        return true;
    if (ld->n_policies == 0)
        return sim__fail(ld, "unknown policy %s (the scenario defines no policies)",
                         sim__describe(v).s);
    near = sim__suggest_named(json_string_value(v), ld->policies, ld->n_policies,
                              sizeof *ld->policies);
    if (near)
        return sim__fail(ld, "unknown policy %s (did you mean \"%s\"?)", sim__describe(v).s,
                         near);
    return sim__fail(ld, "unknown policy %s", sim__describe(v).s);
}

bool sim__load_call_policies(loader *ld, json_t *call, sim_call *c)
{
    json_t *v = json_object_get(call, "policy");
    uint32_t p = ld->default_policy;

    if (v) {
        sim__push_key(ld, "policy");
        if (!load_policy_name(ld, v, &p))
            return false;
        sim__pop(ld);
    }
    if (p != SIM_NONE) {
        c->retry = ld->policies[p].retry;
        c->bulkhead = ld->policies[p].bulkhead;
        c->fallback = ld->policies[p].fallback;
    }
    return load_parts(ld, call, &c->retry, &c->bulkhead, &c->fallback);
}

/* ---- outlier ejection ------------------------------------------------------------------- */

bool sim__load_ejection(loader *ld, json_t *service, sim_ejection *e)
{
    static const char *const keys[] = { "consecutive_failures", "base", "max", "max_percent",
                                        NULL };
    json_t *v = json_object_get(service, "outlier_ejection");
    int64_t consecutive = 5;
    bool off;

    memset(e, 0, sizeof *e);
    if (!v)
        return true;
    sim__push_key(ld, "outlier_ejection");
    if (!object_or_false(ld, v, &off))
        return false;
    if (!off) {
        e->base_ns = 30 * NS_PER_S;
        e->max_percent = 50;
        if (!sim__check_keys(ld, v, keys, NULL) ||
            !sim__opt_int(ld, v, "consecutive_failures", 1, UINT32_MAX, &consecutive) ||
            !sim__opt_duration(ld, v, "base", true, &e->base_ns))
            return false;
        /* Without "max", the cap is 300 s, or the base when that is longer. */
        e->max_ns = e->base_ns > 300 * NS_PER_S ? e->base_ns : 300 * NS_PER_S;
        if (!sim__opt_duration(ld, v, "max", false, &e->max_ns))
            return false;
        if (e->max_ns < e->base_ns)
            return fail_below(ld, v, "max", "base", e->base_ns);
        if (!sim__opt_number(ld, v, "max_percent", RANGE_OPEN_LEFT(0, 100), &e->max_percent))
            return false;
        e->consecutive = (uint32_t)consecutive;
    }
    sim__pop(ld);
    return true;
}
