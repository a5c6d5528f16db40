/* sim/scenario_load.c — the "load" and "faults" sections of a scenario.
 *
 * A load entry's steps, ramps, bursts and diurnal shape become sim_rate_change
 * records appended to one shared array, in that order, and then sorted by
 * start with a stable sort (qsort over (start, position) pairs), so two
 * changes that start together keep their file order: a step and a ramp at the
 * same instant apply step first. A fault target is one of three spellings:
 * "payment" (the service), "payment#1" (an instance) or "gateway->payment" (a
 * call edge, which must exist); service names cannot hold '#' or '>', so the
 * spelling is never ambiguous. */
#include "scenario_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A start of a load change or a fault: >= 0 and before the end of the run. */
static bool opt_start(loader *ld, json_t *obj, const char *key, int64_t *out)
{
    if (!sim__opt_duration(ld, obj, key, false, out))
        return false;
    if (*out >= ld->sc->duration_ns) {
        sim__push_key(ld, key);
        return sim__fail(ld, "must be before the end of the run (%s), got %s",
                         sim__dur_text(ld->sc->duration_ns).s,
                         sim__describe(json_object_get(obj, key)).s);
    }
    return true;
}

/* ---- load ------------------------------------------------------------------ */

static const char *const shape_names[] = { "constant", "poisson", NULL };

static bool add_change(loader *ld, const sim_rate_change *ch)
{
    sim_scenario *sc = ld->sc;

    if (sc->n_rate_changes + 1 > ld->change_cap) {
        size_t cap = ld->change_cap ? ld->change_cap * 2 : 16;
        sim_rate_change *p = realloc(sc->rate_changes, cap * sizeof *p);

        if (!p)
            return sim__fail(ld, "out of memory");
        sc->rate_changes = p;
        ld->change_cap = cap;
    }
    sc->rate_changes[sc->n_rate_changes++] = *ch;
    return true;
}

/* One element of "steps", "ramps" or "bursts". */
static bool load_change(loader *ld, json_t *v, sim_rate_change_kind kind)
{
    static const char *const step_keys[] = { "at", "rate", NULL };
    static const char *const ramp_keys[] = { "start", "duration", "to", NULL };
    static const char *const burst_keys[] = { "start", "duration", "multiplier", NULL };
    const char *const *keys = kind == SIM_RATE_STEP ? step_keys
                              : kind == SIM_RATE_RAMP ? ramp_keys
                                                      : burst_keys;
    sim_rate_change ch = { .kind = kind, .start_ns = 0, .duration_ns = 0, .value = 0 };

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__require(ld, v, keys))
        return false;
    if (kind == SIM_RATE_STEP) {
        if (!opt_start(ld, v, "at", &ch.start_ns) ||
            !sim__opt_number(ld, v, "rate", RANGE_CLOSED(0, MAX_RATE), &ch.value))
            return false;
    } else if (!opt_start(ld, v, "start", &ch.start_ns) ||
               !sim__opt_duration(ld, v, "duration", true, &ch.duration_ns)) {
        return false;
    } else if (kind == SIM_RATE_RAMP) {
        if (!sim__opt_number(ld, v, "to", RANGE_CLOSED(0, MAX_RATE), &ch.value))
            return false;
    } else if (!sim__opt_number(ld, v, "multiplier", RANGE_CLOSED(0, MAX_BURST), &ch.value)) {
        return false;
    }
    return add_change(ld, &ch);
}

static bool load_changes(loader *ld, json_t *entry, const char *key, sim_rate_change_kind kind)
{
    json_t *arr = json_object_get(entry, key), *v;
    size_t i;

    if (!arr)
        return true;
    sim__push_key(ld, key);
    if (!sim__expect_array(ld, arr, MAX_RATE_CHANGES, false))
        return false;
    json_array_foreach(arr, i, v) {
        sim__push_index(ld, i);
        if (!load_change(ld, v, kind))
            return false;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

static bool load_diurnal(loader *ld, json_t *entry)
{
    static const char *const keys[] = { "period", "amplitude", "phase", NULL };
    static const char *const required[] = { "period", "amplitude", NULL };
    json_t *v = json_object_get(entry, "diurnal");
    sim_rate_change ch = { .kind = SIM_RATE_DIURNAL, .start_ns = 0, .duration_ns = 0, .value = 0 };

    if (!v)
        return true;
    sim__push_key(ld, "diurnal");
    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__require(ld, v, required) ||
        !sim__opt_duration(ld, v, "period", true, &ch.duration_ns) ||
        !sim__opt_number(ld, v, "amplitude", RANGE_CLOSED(0, 1), &ch.value) ||
        !sim__opt_duration(ld, v, "phase", false, &ch.start_ns))
        return false;
    sim__pop(ld);
    return add_change(ld, &ch);
}

typedef struct keyed_change {
    sim_rate_change ch;
    size_t seq;
} keyed_change;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed_change *x = a, *y = b;

    if (x->ch.start_ns != y->ch.start_ns)
        return x->ch.start_ns < y->ch.start_ns ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool sort_changes(loader *ld, sim_rate_change *ch, size_t n)
{
    keyed_change *k;

    if (n < 2)
        return true;
    if (!(k = malloc(n * sizeof *k)))
        return sim__fail(ld, "out of memory");
    for (size_t i = 0; i < n; i++)
        k[i] = (keyed_change){ .ch = ch[i], .seq = i };
    qsort(k, n, sizeof *k, keyed_cmp);
    for (size_t i = 0; i < n; i++)
        ch[i] = k[i].ch;
    free(k);
    return true;
}

static bool load_entry(loader *ld, json_t *v, sim_load *l)
{
    static const char *const keys[] = { "entry", "rate",   "shape",   "steps",
                                        "ramps", "bursts", "diurnal", NULL };
    static const char *const required[] = { "entry", "rate", NULL };
    sim_scenario *sc = ld->sc;
    const char *entry = NULL;
    int shape = SIM_SHAPE_POISSON;

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__require(ld, v, required) || !sim__opt_string(ld, v, "entry", &entry))
        return false;
    if ((l->entry = sim_scenario_service(sc, entry)) == SIM_NONE) {
        sim__push_key(ld, "entry");
        return sim__fail_service(ld, entry);
    }
    if (!sim__opt_number(ld, v, "rate", RANGE_OPEN_LEFT(0, MAX_RATE), &l->rate) ||
        !sim__opt_enum(ld, v, "shape", "shape", shape_names, &shape))
        return false;
    l->shape = (sim_shape)shape;
    l->first_change = (uint32_t)sc->n_rate_changes;
    if (!load_changes(ld, v, "steps", SIM_RATE_STEP) ||
        !load_changes(ld, v, "ramps", SIM_RATE_RAMP) ||
        !load_changes(ld, v, "bursts", SIM_RATE_BURST) || !load_diurnal(ld, v))
        return false;
    l->n_changes = (uint32_t)(sc->n_rate_changes - l->first_change);
    if (l->n_changes > MAX_RATE_CHANGES)
        return sim__fail(ld, "too many rate changes: %u (at most %d)", l->n_changes,
                         MAX_RATE_CHANGES);
    return sort_changes(ld, sc->rate_changes + l->first_change, l->n_changes);
}

bool sim__load_loads(loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "load"), *v;
    sim_scenario *sc = ld->sc;
    size_t i;

    sim__push_key(ld, "load");
    if (!sim__expect_array(ld, arr, MAX_LOADS, true))
        return false;
    if (!(sc->loads = calloc(json_array_size(arr), sizeof *sc->loads)))
        return sim__fail(ld, "out of memory");
    json_array_foreach(arr, i, v) {
        sim__push_index(ld, i);
        if (!load_entry(ld, v, &sc->loads[i]))
            return false;
        sc->n_loads++;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

/* ---- faults ------------------------------------------------------------------ */

/* The keys each kind adds to the common ones, and which of them are required. */
static const char *const fault_extra[][3] = {
    [SIM_FAULT_LATENCY] = { "add", NULL },      [SIM_FAULT_ERRORS] = { "probability", NULL },
    [SIM_FAULT_CRASH] = { NULL },               [SIM_FAULT_HANG] = { NULL },
    [SIM_FAULT_BROWNOUT] = { "capacity", NULL }, [SIM_FAULT_SLOWDOWN] = { "factor", NULL },
    [SIM_FAULT_PARTITION] = { NULL },           [SIM_FAULT_FLAPPING] = { "period", "on", NULL },
};
static const char *const fault_common[] = { "kind", "target", "start", "duration", "label", NULL };
static const char *const fault_all[] = { "kind",        "target",   "start",  "duration",
                                         "label",       "add",      "probability", "capacity",
                                         "factor",      "period",   "on",     NULL };

static bool bad_target(loader *ld, const char *s)
{
    return sim__fail(ld, "bad target %s: expected \"service\", \"service#N\" or "
                         "\"caller->service\"",
                     sim__quote(s).s);
}

/* Copy the name in [s, end) into buf (NAME_MAX_LEN + 2 bytes); a longer one is
 * cut, which still names no service. */
static const char *name_part(const char *s, const char *end, char *buf)
{
    size_t n = (size_t)(end - s);

    if (n > NAME_MAX_LEN + 1)
        n = NAME_MAX_LEN + 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

static bool edge_exists(const sim_scenario *sc, uint32_t from, uint32_t to)
{
    for (size_t i = 0; i < sc->n_calls; i++)
        if (sc->calls[i].from == from && sc->calls[i].to == to)
            return true;
    return false;
}

static bool target_edge(loader *ld, const char *s, const char *arrow, sim_fault *f)
{
    const sim_scenario *sc = ld->sc;
    char from[NAME_MAX_LEN + 2];

    if (arrow == s || !arrow[2] || strstr(arrow + 2, "->") || strchr(s, '#'))
        return bad_target(ld, s);
    if (f->kind == SIM_FAULT_BROWNOUT || f->kind == SIM_FAULT_SLOWDOWN)
        return sim__fail(ld, "a %s fault targets a service or an instance, not an edge",
                         sim_fault_kind_names[f->kind]);
    name_part(s, arrow, from);
    f->target = SIM_TARGET_EDGE;
    if ((f->from = sim_scenario_service(sc, from)) == SIM_NONE)
        return sim__fail_service(ld, from);
    if ((f->service = sim_scenario_service(sc, arrow + 2)) == SIM_NONE)
        return sim__fail_service(ld, arrow + 2);
    if (!edge_exists(sc, f->from, f->service))
        return sim__fail(ld, "no call from \"%s\" to \"%s\": an edge target needs one", from,
                         arrow + 2);
    return true;
}

static bool target_instance(loader *ld, const char *s, const char *hash, sim_fault *f)
{
    const sim_scenario *sc = ld->sc;
    char name[NAME_MAX_LEN + 2];
    const sim_service *svc;
    uint64_t idx = 0;
    size_t digits = strlen(hash + 1);

    if (hash == s || digits == 0 || digits > 9 || strspn(hash + 1, "0123456789") != digits)
        return bad_target(ld, s);
    if (f->kind == SIM_FAULT_PARTITION)
        return sim__fail(ld, "a partition targets a service or an edge, not an instance");
    for (const char *p = hash + 1; *p; p++)
        idx = idx * 10 + (uint64_t)(*p - '0');
    name_part(s, hash, name);
    f->target = SIM_TARGET_INSTANCE;
    if ((f->service = sim_scenario_service(sc, name)) == SIM_NONE)
        return sim__fail_service(ld, name);
    svc = &sc->services[f->service];
    if (idx >= svc->replicas)
        return sim__fail(ld, "instance %llu out of range: \"%s\" has %u replica%s (0 to %u)",
                         (unsigned long long)idx, svc->name, svc->replicas,
                         svc->replicas == 1 ? "" : "s", svc->replicas - 1);
    f->instance = (uint32_t)idx;
    return true;
}

static bool load_target(loader *ld, json_t *obj, sim_fault *f, const char **text)
{
    json_t *v = json_object_get(obj, "target");
    const char *s, *arrow, *hash;
    bool ok;

    sim__push_key(ld, "target");
    if (!json_is_string(v))
        return sim__fail(ld, "expected a target like \"payment\", \"payment#1\" or "
                             "\"gateway->payment\", got %s",
                         sim__describe(v).s);
    s = *text = json_string_value(v);
    arrow = strstr(s, "->");
    hash = strchr(s, '#');
    f->from = f->instance = SIM_NONE;
    if (arrow) {
        ok = target_edge(ld, s, arrow, f);
    } else if (hash) {
        ok = target_instance(ld, s, hash, f);
    } else {
        f->target = SIM_TARGET_SERVICE;
        f->service = sim_scenario_service(ld->sc, s);
        ok = f->service != SIM_NONE || (!*s ? bad_target(ld, s) : sim__fail_service(ld, s));
    }
    if (ok)
        sim__pop(ld);
    return ok;
}

/* The keys of one kind: the common ones, then its own. */
static void kind_keys(sim_fault_kind kind, const char **keys)
{
    size_t n = 0;

    for (size_t i = 0; fault_common[i]; i++)
        keys[n++] = fault_common[i];
    for (size_t i = 0; fault_extra[kind][i]; i++)
        keys[n++] = fault_extra[kind][i];
    keys[n] = NULL;
}

static bool load_fault_params(loader *ld, json_t *v, sim_fault *f)
{
    static const char *const add[] = { "add", NULL };
    static const char *const probability[] = { "probability", NULL };
    static const char *const capacity[] = { "capacity", NULL };
    static const char *const factor[] = { "factor", NULL };
    static const char *const period[] = { "period", NULL };

    switch (f->kind) {
    case SIM_FAULT_LATENCY:
        if (!sim__require(ld, v, add))
            return false;
        sim__push_key(ld, "add");
        if (!sim__val_dist(ld, json_object_get(v, "add"), &f->delay))
            return false;
        sim__pop(ld);
        return true;
    case SIM_FAULT_ERRORS:
        return sim__require(ld, v, probability) &&
               sim__opt_number(ld, v, "probability", RANGE_OPEN_LEFT(0, 1), &f->probability);
    case SIM_FAULT_BROWNOUT:
        return sim__require(ld, v, capacity) &&
               sim__opt_number(ld, v, "capacity", RANGE_OPEN_RIGHT(0, 1), &f->fraction);
    case SIM_FAULT_SLOWDOWN:
        return sim__require(ld, v, factor) &&
               sim__opt_number(ld, v, "factor", RANGE_OPEN_LEFT(1, MAX_SLOWDOWN), &f->factor);
    case SIM_FAULT_FLAPPING:
        f->fraction = 0.5;
        return sim__require(ld, v, period) &&
               sim__opt_duration(ld, v, "period", true, &f->period_ns) &&
               sim__opt_number(ld, v, "on", RANGE_OPEN(0, 1), &f->fraction);
    default: return true;
    }
}

static bool load_fault(loader *ld, json_t *v, sim_fault *f)
{
    static const char *const required[] = { "target", "start", "duration", NULL };
    const char *keys[sizeof fault_common / sizeof *fault_common + 2];
    const char *target = NULL, *label = NULL;
    json_t *kind_v;
    char made[160];
    int kind = 0;

    if (!sim__expect_object(ld, v))
        return false;
    if (!(kind_v = json_object_get(v, "kind"))) {
        if (!sim__check_keys(ld, v, fault_all, NULL))
            return false;
        return sim__fail(ld, "missing required key \"kind\"");
    }
    sim__push_key(ld, "kind");
    if (!sim__val_enum(ld, kind_v, "fault kind", sim_fault_kind_names, &kind))
        return false;
    sim__pop(ld);
    f->kind = (sim_fault_kind)kind;
    kind_keys(f->kind, keys);
    if (!sim__check_keys(ld, v, keys, NULL) || !sim__require(ld, v, required) ||
        !load_target(ld, v, f, &target) || !opt_start(ld, v, "start", &f->start_ns) ||
        !sim__opt_duration(ld, v, "duration", true, &f->duration_ns) ||
        !load_fault_params(ld, v, f) || !sim__opt_string(ld, v, "label", &label))
        return false;
    if (!label) {
        snprintf(made, sizeof made, "%s on %s", sim_fault_kind_names[kind], target);
        label = made;
    }
    if (!(f->label = sim__strdup(label)))
        return sim__fail(ld, "out of memory");
    return true;
}

bool sim__load_faults(loader *ld, json_t *root)
{
    json_t *arr = json_object_get(root, "faults"), *v;
    sim_scenario *sc = ld->sc;
    size_t i;

    if (!arr)
        return true;
    sim__push_key(ld, "faults");
    if (!sim__expect_array(ld, arr, MAX_FAULTS, false))
        return false;
    if (json_array_size(arr) > 0 &&
        !(sc->faults = calloc(json_array_size(arr), sizeof *sc->faults)))
        return sim__fail(ld, "out of memory");
    json_array_foreach(arr, i, v) {
        sim__push_index(ld, i);
        sc->n_faults++; /* counted first: a label may be set before a later check fails */
        if (!load_fault(ld, v, &sc->faults[i]))
            return false;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}
