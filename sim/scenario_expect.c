/* scenario_expect.c — the "expect" list: bounds on the run's metrics that
 * `firebreak check` evaluates (docs/scenario.md "expect"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"

#define MAX_EXPECTS 1000

/* The distinct metric names, for suggestions and the list of known ones. */
static const char *const *metric_names(void)
{
    static const char *names[64];

    if (!names[0]) {
        size_t n = 0;

        for (size_t i = 0; sim_expect_metrics[i].name && n < 63; i++) {
            bool seen = false;

            for (size_t j = 0; j < n; j++)
                seen |= strcmp(names[j], sim_expect_metrics[i].name) == 0;
            if (!seen)
                names[n++] = sim_expect_metrics[i].name;
        }
    }
    return names;
}

/* The catalogue entry for 'name' in 'scope', or SIM_NONE. */
static uint32_t find_metric(const char *name, sim_expect_scope scope)
{
    for (uint32_t i = 0; sim_expect_metrics[i].name; i++)
        if (strcmp(sim_expect_metrics[i].name, name) == 0 && sim_expect_metrics[i].scope == scope)
            return i;
    return SIM_NONE;
}

static const char *scope_key(sim_expect_scope scope)
{
    return scope == SIM_EXPECT_SERVICE ? "service" : scope == SIM_EXPECT_EDGE ? "edge" : "fault";
}

/* "metric": the name, in the scope the other keys choose. */
static bool load_metric(loader *ld, json_t *obj, sim_expect *e)
{
    json_t *v = json_object_get(obj, "metric");
    sim_expect_scope scope = json_object_get(obj, "service") ? SIM_EXPECT_SERVICE
                             : json_object_get(obj, "edge")  ? SIM_EXPECT_EDGE
                                                             : SIM_EXPECT_RUN;
    const char *name, *near;
    char all[512];

    sim__push_key(ld, "metric");
    if (!json_is_string(v))
        return sim__fail(ld, "expected a metric name, got %s", sim__describe(v).s);
    name = json_string_value(v);
    e->metric = find_metric(name, scope);
    if (e->metric == SIM_NONE && scope == SIM_EXPECT_RUN)
        e->metric = find_metric(name, SIM_EXPECT_FAULT);
    if (e->metric != SIM_NONE) {
        sim__pop(ld);
        return true;
    }
    for (int s = SIM_EXPECT_RUN; s <= SIM_EXPECT_EDGE; s++)
        if (find_metric(name, (sim_expect_scope)s) != SIM_NONE) {
            if (s == SIM_EXPECT_SERVICE || s == SIM_EXPECT_EDGE)
                return sim__fail(ld, "%s is a metric of one %s: add \"%s\"", sim__quote(name).s,
                                 scope_key((sim_expect_scope)s), scope_key((sim_expect_scope)s));
            return sim__fail(ld, "%s is not a metric of one %s", sim__quote(name).s,
                             scope_key(scope));
        }
    if ((near = sim__suggest(name, metric_names())))
        return sim__fail(ld, "unknown metric %s (did you mean \"%s\"?)", sim__quote(name).s,
                         near);
    all[0] = '\0';
    for (const char *const *n = metric_names(); *n; n++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", n == metric_names() ? "" : ", ",
                 *n);
    return sim__fail(ld, "unknown metric %s (known metrics: %s)", sim__quote(name).s, all);
}

/* "service", "edge" ("from->to") or "fault" (a label or an index). */
static bool load_subject(loader *ld, json_t *obj, sim_expect *e)
{
    const sim_scenario *sc = ld->sc;
    sim_expect_scope scope = sim_expect_metrics[e->metric].scope;
    json_t *v;

    e->fault = e->service = e->edge = SIM_NONE;
    if ((v = json_object_get(obj, "fault"))) {
        sim__push_key(ld, "fault");
        if (scope != SIM_EXPECT_FAULT)
            return sim__fail(ld, "%s is not a metric of a fault",
                             sim__quote(sim_expect_metrics[e->metric].name).s);
        if (json_is_integer(v) && json_integer_value(v) >= 0 &&
            (size_t)json_integer_value(v) < sc->n_faults) {
            e->fault = (uint32_t)json_integer_value(v);
        } else if (json_is_string(v)) {
            for (uint32_t f = 0; f < sc->n_faults && e->fault == SIM_NONE; f++)
                if (sc->faults[f].label && strcmp(sc->faults[f].label, json_string_value(v)) == 0)
                    e->fault = f;
            if (e->fault == SIM_NONE)
                return sim__fail(ld, "no fault is labelled %s", sim__describe(v).s);
        } else {
            return sim__fail(ld, "expected a fault's label or its index (0 to %zu), got %s",
                             sc->n_faults ? sc->n_faults - 1 : 0, sim__describe(v).s);
        }
        sim__pop(ld);
    }
    if ((v = json_object_get(obj, "service"))) {
        sim__push_key(ld, "service");
        if (!json_is_string(v))
            return sim__fail(ld, "expected a service name, got %s", sim__describe(v).s);
        if ((e->service = sim_scenario_service(sc, json_string_value(v))) == SIM_NONE)
            return sim__fail_service(ld, json_string_value(v));
        sim__pop(ld);
    }
    if ((v = json_object_get(obj, "edge"))) {
        const char *s, *arrow;
        char from[NAME_MAX_LEN + 2];
        uint32_t a, b;
        size_t n;

        sim__push_key(ld, "edge");
        if (json_object_get(obj, "service"))
            return sim__fail(ld, "an expectation is about a service or an edge, not both");
        if (!json_is_string(v) || !(arrow = strstr(s = json_string_value(v), "->")) ||
            arrow == s)
            return sim__fail(ld, "expected an edge as \"caller->callee\", got %s",
                             sim__describe(v).s);
        n = (size_t)(arrow - s) < sizeof from - 1 ? (size_t)(arrow - s) : sizeof from - 1;
        memcpy(from, s, n);
        from[n] = '\0';
        if ((a = sim_scenario_service(sc, from)) == SIM_NONE)
            return sim__fail_service(ld, from);
        if ((b = sim_scenario_service(sc, arrow + 2)) == SIM_NONE)
            return sim__fail_service(ld, arrow + 2);
        for (uint32_t k = 0; k < sc->n_calls && e->edge == SIM_NONE; k++)
            if (sc->calls[k].from == a && sc->calls[k].to == b)
                e->edge = k;
        if (e->edge == SIM_NONE)
            return sim__fail(ld, "no call from \"%s\" to \"%s\"", from, arrow + 2);
        sim__pop(ld);
    }
    return true;
}

/* One bound, in the metric's unit. */
static bool load_bound(loader *ld, json_t *obj, const char *key, sim_expect_unit unit,
                       bool *has, double *out)
{
    json_t *v = json_object_get(obj, key);
    int64_t ns;
    bool ok = true;

    if (!v)
        return true;
    *has = true;
    sim__push_key(ld, key);
    switch (unit) {
    case SIM_UNIT_RATIO:
        ok = sim__val_number(ld, v, RANGE_CLOSED(0, 1), out);
        break;
    case SIM_UNIT_NUMBER:
        ok = sim__val_number(ld, v, RANGE_AT_LEAST(0), out);
        break;
    case SIM_UNIT_SECONDS:
        ok = sim__val_duration(ld, v, false, &ns);
        *out = (double)ns / 1e9;
        break;
    case SIM_UNIT_BOOL:
        if (strcmp(key, "equals") != 0)
            return sim__fail(ld, "a yes-or-no metric takes \"equals\": true or false");
        if (!json_is_boolean(v))
            return sim__fail(ld, "expected true or false, got %s", sim__describe(v).s);
        *out = json_is_true(v);
        break;
    }
    if (ok)
        sim__pop(ld);
    return ok;
}

static void describe(const sim_scenario *sc, sim_expect *e, char *buf, size_t size)
{
    const sim_expect_metric *m = &sim_expect_metrics[e->metric];
    char bound[96], subject[200] = "";
    const char *unit = m->unit == SIM_UNIT_SECONDS ? " s" : "";

    if (m->unit == SIM_UNIT_BOOL)
        snprintf(bound, sizeof bound, "== %s", e->min != 0 ? "true" : "false");
    else if (e->has_min && e->has_max && e->min == e->max)
        snprintf(bound, sizeof bound, "== %g%s", e->min, unit);
    else if (e->has_min && e->has_max)
        snprintf(bound, sizeof bound, "in [%g, %g]%s", e->min, e->max, unit);
    else if (e->has_min)
        snprintf(bound, sizeof bound, ">= %g%s", e->min, unit);
    else
        snprintf(bound, sizeof bound, "<= %g%s", e->max, unit);
    if (e->service != SIM_NONE)
        snprintf(subject, sizeof subject, " of %s", sc->services[e->service].name);
    else if (e->edge != SIM_NONE)
        snprintf(subject, sizeof subject, " of %s->%s", sc->services[sc->calls[e->edge].from].name,
                 sc->services[sc->calls[e->edge].to].name);
    else if (e->fault != SIM_NONE)
        snprintf(subject, sizeof subject, " for %s",
                 sc->faults[e->fault].label ? sc->faults[e->fault].label : "a fault");
    else if (m->scope == SIM_EXPECT_FAULT)
        snprintf(subject, sizeof subject, " for every fault");
    snprintf(buf, size, "%s%s %s", m->name, subject, bound);
}

static bool load_expect(loader *ld, json_t *v, sim_expect *e)
{
    static const char *const keys[] = { "metric", "min", "max", "equals", "fault", "service",
                                        "edge", NULL };
    static const char *const required[] = { "metric", NULL };
    sim_expect_unit unit;
    bool has_equals = false;
    double equals = 0;
    char text[400];

    memset(e, 0, sizeof *e);
    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__require(ld, v, required) || !load_metric(ld, v, e) || !load_subject(ld, v, e))
        return false;
    if (sim_expect_metrics[e->metric].scope == SIM_EXPECT_FAULT && ld->sc->n_faults == 0) {
        sim__push_key(ld, "metric");
        return sim__fail(ld, "%s is a metric of a fault, and the scenario has no faults",
                         sim__quote(sim_expect_metrics[e->metric].name).s);
    }
    unit = sim_expect_metrics[e->metric].unit;
    if (!load_bound(ld, v, "min", unit, &e->has_min, &e->min) ||
        !load_bound(ld, v, "max", unit, &e->has_max, &e->max) ||
        !load_bound(ld, v, "equals", unit, &has_equals, &equals))
        return false;
    if (has_equals && (e->has_min || e->has_max)) {
        sim__push_key(ld, "equals");
        return sim__fail(ld, "\"equals\" goes alone, without \"min\" or \"max\"");
    }
    if (has_equals) {
        e->has_min = e->has_max = true;
        e->min = e->max = equals;
    }
    if (!e->has_min && !e->has_max)
        return sim__fail(ld, "an expectation needs a bound: \"min\", \"max\" or \"equals\"");
    if (e->has_min && e->has_max && e->min > e->max) {
        sim__push_key(ld, "max");
        return sim__fail(ld, "max (%g) is below min (%g)", e->max, e->min);
    }
    describe(ld->sc, e, text, sizeof text);
    if (!(e->text = sim__strdup(text)))
        return sim__fail(ld, "out of memory");
    return true;
}

bool sim__load_expects(loader *ld, json_t *root)
{
    json_t *list = json_object_get(root, "expect"), *v;
    sim_scenario *sc = ld->sc;
    size_t i;

    if (!list)
        return true;
    sim__push_key(ld, "expect");
    if (!sim__expect_array(ld, list, MAX_EXPECTS, true))
        return false;
    sc->expects = calloc(json_array_size(list), sizeof *sc->expects);
    if (!sc->expects)
        return sim__fail(ld, "out of memory");
    json_array_foreach(list, i, v) {
        sim__push_index(ld, i);
        if (!load_expect(ld, v, &sc->expects[i])) {
            free(sc->expects[i].text); /* a later check may fail after the text is made */
            return false;
        }
        sc->n_expects++;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}
