/* sim/scenario_values.c — the typed values of a scenario file and their checks.
 *
 * Each reader takes a jansson value whose key path the loader has already
 * pushed, converts it (durations to int64 nanoseconds, distributions to a
 * sim_dist in nanoseconds, profiles to an fb_config) and checks its range.
 * Messages follow one pattern: "expected <kind>, got <what was there>" for a
 * wrong type and "must be <range>, got <value as written>" for a bad value,
 * so a user sees their own text quoted back.
 *
 * Typo suggestions use the optimal-string-alignment distance (Levenshtein
 * plus adjacent transpositions, so "paymnet" is one edit from "payment"),
 * O(len^2) on names of at most 64 bytes. */
#include "scenario_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sim__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- texts for messages ------------------------------------------------------ */

sim__text sim__quote(const char *s)
{
    sim__text t;
    size_t o = 0;

    t.s[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        size_t n = 1;

        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            n = 2;
        } else if (*p < 0x20 || *p == 0x7F) {
            n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
        } else {
            esc[0] = (char)*p;
        }
        if (o + n > 60) {
            /* Cut before a whole character, never inside its UTF-8 bytes. */
            while (o > 1 && ((unsigned char)t.s[o - 1] & 0xC0) == 0x80)
                o--;
            if (o > 1 && (unsigned char)t.s[o - 1] >= 0xC0)
                o--;
            memcpy(t.s + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(t.s + o, esc, n);
        o += n;
    }
    t.s[o++] = '"';
    t.s[o] = '\0';
    return t;
}

typedef struct num_buf {
    char s[32]; /* %.17g needs at most 24 */
} num_buf;

/* The shortest of %.15g and %.17g that reads back as the same double. */
static num_buf num_text(double x)
{
    num_buf t;

    snprintf(t.s, sizeof t.s, "%.15g", x);
    if (strtod(t.s, NULL) != x)
        snprintf(t.s, sizeof t.s, "%.17g", x);
    return t;
}

sim__text sim__describe(const json_t *v)
{
    sim__text t;

    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING: return sim__quote(json_string_value(v));
    case JSON_INTEGER:
        snprintf(t.s, sizeof t.s, "%lld", (long long)json_integer_value(v));
        return t;
    case JSON_REAL:
        snprintf(t.s, sizeof t.s, "%s", num_text(json_real_value(v)).s);
        return t;
    case JSON_TRUE: snprintf(t.s, sizeof t.s, "true"); return t;
    case JSON_FALSE: snprintf(t.s, sizeof t.s, "false"); return t;
    case JSON_OBJECT: snprintf(t.s, sizeof t.s, "an object"); return t;
    case JSON_ARRAY: snprintf(t.s, sizeof t.s, "an array"); return t;
    default: snprintf(t.s, sizeof t.s, "null"); return t;
    }
}

sim__text sim__dur_text(int64_t ns)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = { { "h", 3600 * NS_PER_S }, { "m", 60 * NS_PER_S }, { "s", NS_PER_S },
                  { "ms", 1000000 },         { "us", 1000 },        { "ns", 1 } };
    sim__text t;

    snprintf(t.s, sizeof t.s, "0s");
    for (size_t i = 0; ns != 0 && i < sizeof units / sizeof units[0]; i++) {
        if (ns % units[i].ns == 0) {
            snprintf(t.s, sizeof t.s, "%lld%s", (long long)(ns / units[i].ns), units[i].name);
            break;
        }
    }
    return t;
}

static sim__text range_text(range r)
{
    sim__text t;

    if (isinf(r.hi))
        snprintf(t.s, sizeof t.s, "%s %s", r.lo_open ? ">" : ">=", num_text(r.lo).s);
    else
        snprintf(t.s, sizeof t.s, "in %c%s, %s%c", r.lo_open ? '(' : '[', num_text(r.lo).s,
                 num_text(r.hi).s, r.hi_open ? ')' : ']');
    return t;
}

/* ---- suggestions ---------------------------------------------------------------- */

#define EDIT_MAX 64

/* Optimal string alignment distance; SIZE_MAX for names beyond EDIT_MAX. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d[EDIT_MAX + 1][EDIT_MAX + 1];

    if (la > EDIT_MAX || lb > EDIT_MAX)
        return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned cost = a[i - 1] != b[j - 1];
            unsigned best = d[i - 1][j - 1] + cost;

            if (d[i - 1][j] + 1u < best)
                best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best)
                best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

typedef struct suggestion {
    const char *name;
    size_t distance;
} suggestion;

/* Keep 'cand' if it is the closest so far and close enough to be a typo:
 * at most 2 edits or a third of the typed length, and fewer edits than the
 * typed length (so "x" is never "corrected" to "to"). Ties keep the first. */
static void consider(suggestion *sg, const char *typed, const char *cand)
{
    size_t len = strlen(typed);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    size_t d = edit_distance(typed, cand);

    if (d <= limit && d < len && d < sg->distance) {
        sg->name = cand;
        sg->distance = d;
    }
}

const char *sim__suggest(const char *typed, const char *const *cands)
{
    suggestion sg = { NULL, SIZE_MAX };

    for (; cands && *cands; cands++)
        consider(&sg, typed, *cands);
    return sg.name;
}

const char *sim__suggest_named(const char *typed, const void *items, size_t n, size_t stride)
{
    suggestion sg = { NULL, SIZE_MAX };

    for (size_t i = 0; i < n; i++) {
        const char *name = *(char *const *)(const void *)((const char *)items + i * stride);

        if (name)
            consider(&sg, typed, name);
    }
    return sg.name;
}

/* ---- keys and names ---------------------------------------------------------------- */

static bool listed(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* "a, b, c" or "\"a\", \"b\"" into buf. */
static void list_text(const char *const *list, bool quoted, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; list[i] && used < size; i++) {
        int w = snprintf(buf + used, size - used, quoted ? "%s\"%s\"" : "%s%s", i ? ", " : "",
                         list[i]);

        if (w < 0)
            break;
        used += (size_t)w;
    }
}

bool sim__check_keys(loader *ld, json_t *obj, const char *const *known,
                     const char *const *reserved)
{
    const char *key, *near;
    json_t *v;
    char all[384];

    json_object_foreach(obj, key, v) {
        (void)v;
        if (listed(known, key))
            continue;
        sim__push_key(ld, key);
        if (listed(reserved, key))
            return sim__fail_key(ld, "not supported yet");
        if ((near = sim__suggest(key, known)))
            return sim__fail_key(ld, "unknown key %s (did you mean \"%s\"?)", sim__quote(key).s,
                                 near);
        list_text(known, false, all, sizeof all);
        return sim__fail_key(ld, "unknown key %s (known keys: %s)", sim__quote(key).s, all);
    }
    return true;
}

bool sim__require(loader *ld, json_t *obj, const char *const *keys)
{
    for (; *keys; keys++)
        if (!json_object_get(obj, *keys))
            return sim__fail(ld, "missing required key \"%s\"", *keys);
    return true;
}

bool sim__check_name(loader *ld, const char *what, const char *name)
{
    size_t n = strlen(name);
    bool ok = n >= 1 && n <= NAME_MAX_LEN;

    for (const char *p = name; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '_' || *p == '.' || *p == '-';
    if (!ok)
        return sim__fail_key(ld, "invalid %s name %s: use 1 to %d of A-Z a-z 0-9 _ . -", what,
                             sim__quote(name).s, NAME_MAX_LEN);
    return true;
}

/* ---- plain values ---------------------------------------------------------------- */

bool sim__expect_object(loader *ld, const json_t *v)
{
    if (!json_is_object(v))
        return sim__fail(ld, "expected an object, got %s", sim__describe(v).s);
    return true;
}

bool sim__expect_array(loader *ld, const json_t *v, size_t max, bool nonempty)
{
    if (!json_is_array(v))
        return sim__fail(ld, "expected an array, got %s", sim__describe(v).s);
    if (nonempty && json_array_size(v) == 0)
        return sim__fail(ld, "must have at least one entry");
    if (json_array_size(v) > max)
        return sim__fail(ld, "too many entries: %zu (at most %zu)", json_array_size(v), max);
    return true;
}

static bool in_range(range r, double x)
{
    return (r.lo_open ? x > r.lo : x >= r.lo) && (r.hi_open ? x < r.hi : x <= r.hi);
}

bool sim__val_number(loader *ld, const json_t *v, range r, double *out)
{
    if (!json_is_number(v))
        return sim__fail(ld, "expected a number, got %s", sim__describe(v).s);
    if (!in_range(r, json_number_value(v)))
        return sim__fail(ld, "must be %s, got %s", range_text(r).s, sim__describe(v).s);
    *out = json_number_value(v);
    return true;
}

/* Integers; a real with an integral value (3.0) counts as one. Bounds beyond
 * UINT32_MAX are type limits and are named only when exceeded. */
bool sim__val_int(loader *ld, const json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t x;

    if (json_is_integer(v)) {
        x = (int64_t)json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
               fabs(json_real_value(v)) <= 9007199254740992.0) {
        x = (int64_t)json_real_value(v);
    } else {
        return sim__fail(ld, "expected an integer, got %s", sim__describe(v).s);
    }
    if ((x < lo || x > hi) && hi < (int64_t)UINT32_MAX)
        return sim__fail(ld, "must be in [%lld, %lld], got %s", (long long)lo, (long long)hi,
                         sim__describe(v).s);
    if (x < lo)
        return sim__fail(ld, "must be >= %lld, got %s", (long long)lo, sim__describe(v).s);
    if (x > hi)
        return sim__fail(ld, "must be <= %lld, got %s", (long long)hi, sim__describe(v).s);
    *out = x;
    return true;
}

bool sim__val_enum(loader *ld, const json_t *v, const char *what, const char *const *names,
                   int *out)
{
    const char *s, *near;
    char all[256];

    list_text(names, true, all, sizeof all);
    if (!json_is_string(v))
        return sim__fail(ld, "expected one of %s, got %s", all, sim__describe(v).s);
    s = json_string_value(v);
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return true;
        }
    }
    if ((near = sim__suggest(s, names)))
        return sim__fail(ld, "unknown %s %s (did you mean \"%s\"?)", what, sim__quote(s).s, near);
    return sim__fail(ld, "unknown %s %s (expected one of %s)", what, sim__quote(s).s, all);
}

/* ---- durations ---------------------------------------------------------------------- */

typedef enum dur_status { DUR_OK, DUR_SYNTAX, DUR_NEGATIVE, DUR_RANGE } dur_status;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "<digits>[.<digits>]<unit>" with unit ns, us, ms, s, m, h or none (seconds).
 * Integer arithmetic for the whole part keeps "9007199254740993ns" exact; the
 * fraction goes through a double, good to far below a nanosecond. */
static dur_status duration_scan(const char *s, int64_t *out)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = { { "ns", 1 },          { "us", 1000 },           { "ms", 1000000 },
                  { "s", NS_PER_S },    { "m", 60 * NS_PER_S },   { "h", 3600 * NS_PER_S },
                  { "", NS_PER_S } };
    uint64_t whole = 0, frac = 0, scale = 1;
    bool negative = false, big = false;
    int64_t unit = 0, ns;

    if (!s)
        return DUR_SYNTAX;
    if (*s == '-') {
        negative = true;
        s++;
    }
    if (!is_digit(*s))
        return DUR_SYNTAX;
    for (; is_digit(*s); s++) {
        if (whole > UINT64_C(100000000000000000))
            big = true;
        else
            whole = whole * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.') {
        if (!is_digit(*++s))
            return DUR_SYNTAX;
        for (; is_digit(*s); s++) {
            if (scale <= UINT64_C(100000000000000000)) {
                frac = frac * 10 + (uint64_t)(*s - '0');
                scale *= 10;
            }
        }
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && !unit; i++)
        if (strcmp(s, units[i].name) == 0)
            unit = units[i].ns;
    if (!unit)
        return DUR_SYNTAX;
    if (negative)
        return DUR_NEGATIVE;
    if (big || whole > (uint64_t)(SIM_DURATION_MAX_NS / unit))
        return DUR_RANGE;
    ns = (int64_t)whole * unit + llround((double)frac / (double)scale * (double)unit);
    if (ns > SIM_DURATION_MAX_NS)
        return DUR_RANGE;
    *out = ns;
    return DUR_OK;
}

bool sim_duration_parse(const char *text, int64_t *out_ns)
{
    int64_t ns;

    if (duration_scan(text, &ns) != DUR_OK)
        return false;
    if (out_ns)
        *out_ns = ns;
    return true;
}

bool sim__val_duration(loader *ld, const json_t *v, bool positive, int64_t *out)
{
    dur_status st;
    int64_t ns = 0;

    if (json_is_string(v)) {
        st = duration_scan(json_string_value(v), &ns);
    } else if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);

        st = x < 0 ? DUR_NEGATIVE : x > SIM_DURATION_MAX_S ? DUR_RANGE : DUR_OK;
        if (st == DUR_OK)
            ns = (int64_t)x * NS_PER_S;
    } else if (json_is_real(v)) {
        double x = json_real_value(v);

        st = x < 0 ? DUR_NEGATIVE : x > (double)SIM_DURATION_MAX_S ? DUR_RANGE : DUR_OK;
        if (st == DUR_OK)
            ns = llround(x * 1e9);
    } else {
        st = DUR_SYNTAX;
    }
    if (st == DUR_SYNTAX)
        return sim__fail(ld, "expected a duration like \"250ms\", got %s", sim__describe(v).s);
    if (st == DUR_NEGATIVE)
        return sim__fail(ld, "must not be negative, got %s", sim__describe(v).s);
    if (st == DUR_RANGE)
        return sim__fail(ld, "must be at most 100 years, got %s", sim__describe(v).s);
    if (positive && ns == 0)
        return sim__fail(ld, "must be > 0, got %s", sim__describe(v).s);
    *out = ns;
    return true;
}

/* ---- optional members ------------------------------------------------------------ */

bool sim__opt_string(loader *ld, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!json_is_string(v))
        return sim__fail(ld, "expected a string, got %s", sim__describe(v).s);
    *out = json_string_value(v);
    sim__pop(ld);
    return true;
}

bool sim__opt_bool(loader *ld, json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!json_is_boolean(v))
        return sim__fail(ld, "expected true or false, got %s", sim__describe(v).s);
    *out = json_is_true(v);
    sim__pop(ld);
    return true;
}

bool sim__opt_number(loader *ld, json_t *obj, const char *key, range r, double *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!sim__val_number(ld, v, r, out))
        return false;
    sim__pop(ld);
    return true;
}

bool sim__opt_int(loader *ld, json_t *obj, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!sim__val_int(ld, v, lo, hi, out))
        return false;
    sim__pop(ld);
    return true;
}

bool sim__opt_duration(loader *ld, json_t *obj, const char *key, bool positive, int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!sim__val_duration(ld, v, positive, out))
        return false;
    sim__pop(ld);
    return true;
}

bool sim__opt_enum(loader *ld, json_t *obj, const char *key, const char *what,
                   const char *const *names, int *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return true;
    sim__push_key(ld, key);
    if (!sim__val_enum(ld, v, what, names, out))
        return false;
    sim__pop(ld);
    return true;
}

/* A required member that the caller has already checked is present. */
static bool req_duration(loader *ld, json_t *obj, const char *key, bool positive, int64_t *out)
{
    return sim__opt_duration(ld, obj, key, positive, out);
}

/* ---- distributions ----------------------------------------------------------------- */

static const char *const dist_names[] = { "constant",  "uniform", "exponential", "normal",
                                          "lognormal", "pareto",  "empirical",   NULL };
static const char *const dist_keys[][6] = {
    { "dist", "value", NULL },       { "dist", "min", "max", NULL },
    { "dist", "mean", NULL },        { "dist", "mean", "sd", NULL },
    { "dist", "p50", "p99", "mean", "sigma", NULL },
    { "dist", "scale", "shape", NULL }, { "dist", "points", NULL },
};
static const char *const dist_all_keys[] = { "dist", "value", "min",   "max",   "mean",  "sd",
                                             "p50",  "p99",   "sigma", "scale", "shape", "points",
                                             NULL };

/* Require 'keys' and read each as a duration (> 0 when 'positive'). */
static bool durations(loader *ld, json_t *obj, const char *const *keys, bool positive,
                      double *out)
{
    if (!sim__require(ld, obj, keys))
        return false;
    for (size_t i = 0; keys[i]; i++) {
        int64_t ns = 0;

        if (!req_duration(ld, obj, keys[i], positive, &ns))
            return false;
        out[i] = (double)ns;
    }
    return true;
}

/* Fail at 'key' of 'obj' (pushed here): 'what' must be above 'floor_ns'. */
static bool fail_not_above(loader *ld, json_t *obj, const char *key, const char *what,
                           double floor_ns)
{
    sim__push_key(ld, key);
    return sim__fail(ld, "must be > %s (%s), got %s", what, sim__dur_text((int64_t)floor_ns).s,
                     sim__describe(json_object_get(obj, key)).s);
}

static bool dist_lognormal(loader *ld, json_t *v, sim_dist *out)
{
    static const char *const pcts[] = { "p50", "p99", NULL };
    static const char *const moments[] = { "mean", "sigma", NULL };
    static const char *const mean[] = { "mean", NULL };
    double d[2], sigma = 0;
    bool by_pct = json_object_get(v, "p50") || json_object_get(v, "p99");

    if (by_pct) {
        for (size_t i = 0; moments[i]; i++) {
            if (json_object_get(v, moments[i])) {
                sim__push_key(ld, moments[i]);
                return sim__fail_key(ld, "give \"p50\" and \"p99\", or \"mean\" and \"sigma\", "
                                         "not both");
            }
        }
        if (!durations(ld, v, pcts, true, d))
            return false;
        if (!(d[1] > d[0]))
            return fail_not_above(ld, v, "p99", "p50", d[0]);
        *out = sim_dist_lognormal_p50_p99(d[0], d[1]);
        return true;
    }
    if (!json_object_get(v, "mean") && !json_object_get(v, "sigma"))
        return sim__fail(ld, "missing required keys: \"p50\" and \"p99\", or \"mean\" and "
                             "\"sigma\"");
    if (!sim__require(ld, v, moments) || !durations(ld, v, mean, true, d) ||
        !sim__opt_number(ld, v, "sigma", RANGE_CLOSED(0, MAX_SIGMA), &sigma))
        return false;
    *out = sim_dist_lognormal_mean_sigma(d[0], sigma);
    return true;
}

static bool dist_empirical(loader *ld, json_t *v, sim_dist *out)
{
    static const char *const keys[] = { "p", "value", NULL };
    double pct[MAX_EMPIRICAL], val[MAX_EMPIRICAL];
    json_t *points = json_object_get(v, "points"), *pt;
    size_t i;

    sim__push_key(ld, "points");
    if (!sim__expect_array(ld, points, MAX_EMPIRICAL, true))
        return false;
    json_array_foreach(points, i, pt) {
        int64_t ns = 0;

        sim__push_index(ld, i);
        if (!sim__expect_object(ld, pt) || !sim__check_keys(ld, pt, keys, NULL) ||
            !sim__require(ld, pt, keys) ||
            !sim__opt_number(ld, pt, "p", RANGE_CLOSED(0, 100), &pct[i]))
            return false;
        if (i > 0 && !(pct[i] > pct[i - 1])) {
            sim__push_key(ld, "p");
            return sim__fail(ld, "must be > the previous point's p (%s), got %s",
                             sim__describe(json_object_get(json_array_get(points, i - 1), "p")).s,
                             sim__describe(json_object_get(pt, "p")).s);
        }
        if (!req_duration(ld, pt, "value", false, &ns))
            return false;
        val[i] = (double)ns;
        if (i > 0 && val[i] < val[i - 1]) {
            sim__push_key(ld, "value");
            return sim__fail(ld, "must be >= the previous point's value (%s), got %s",
                             sim__dur_text((int64_t)val[i - 1]).s,
                             sim__describe(json_object_get(pt, "value")).s);
        }
        sim__pop(ld);
    }
    sim__pop(ld);
    if (!sim_dist_empirical(out, pct, val, json_array_size(points)))
        return sim__fail(ld, "invalid percentile table");
    return true;
}

static bool dist_object(loader *ld, json_t *v, int kind, sim_dist *out)
{
    static const char *const value[] = { "value", NULL }, *const min_max[] = { "min", "max", NULL };
    static const char *const mean[] = { "mean", NULL }, *const mean_sd[] = { "mean", "sd", NULL };
    static const char *const scale[] = { "scale", NULL };
    static const char *const scale_shape[] = { "scale", "shape", NULL };
    double d[2] = { 0, 0 }, alpha = 0;

    switch (kind) {
    case SIM_DIST_CONSTANT:
        if (!durations(ld, v, value, false, d))
            return false;
        *out = sim_dist_constant(d[0]);
        return true;
    case SIM_DIST_UNIFORM:
        if (!durations(ld, v, min_max, false, d))
            return false;
        if (!(d[1] > d[0]))
            return fail_not_above(ld, v, "max", "min", d[0]);
        *out = sim_dist_uniform(d[0], d[1]);
        return true;
    case SIM_DIST_EXPONENTIAL:
        if (!durations(ld, v, mean, true, d))
            return false;
        *out = sim_dist_exponential(d[0]);
        return true;
    case SIM_DIST_NORMAL:
        if (!durations(ld, v, mean_sd, false, d))
            return false;
        *out = sim_dist_normal(d[0], d[1]);
        return true;
    case SIM_DIST_LOGNORMAL: return dist_lognormal(ld, v, out);
    case SIM_DIST_PARETO:
        if (!sim__require(ld, v, scale_shape) || !durations(ld, v, scale, true, d) ||
            !sim__opt_number(ld, v, "shape", RANGE_ABOVE(0), &alpha))
            return false;
        *out = sim_dist_pareto(d[0], alpha);
        return true;
    default: return dist_empirical(ld, v, out);
    }
}

bool sim__val_dist(loader *ld, json_t *v, sim_dist *out)
{
    json_t *kind_v;
    int64_t ns = 0;
    int kind = 0;

    if (json_is_string(v) || json_is_number(v)) {
        if (!sim__val_duration(ld, v, false, &ns))
            return false;
        *out = sim_dist_constant((double)ns);
        return true;
    }
    if (!json_is_object(v))
        return sim__fail(ld, "expected a distribution (a duration, or an object with \"dist\"), "
                             "got %s",
                         sim__describe(v).s);
    if (!(kind_v = json_object_get(v, "dist"))) {
        if (!sim__check_keys(ld, v, dist_all_keys, NULL))
            return false;
        return sim__fail(ld, "missing required key \"dist\"");
    }
    sim__push_key(ld, "dist");
    if (!sim__val_enum(ld, kind_v, "distribution", dist_names, &kind))
        return false;
    sim__pop(ld);
    return sim__check_keys(ld, v, dist_keys[kind], NULL) && dist_object(ld, v, kind, out);
}
