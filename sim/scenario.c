/* sim/scenario.c — the scenario loader: JSON text to a checked sim_scenario.
 *
 * jansson parses the text (JSON_REJECT_DUPLICATES), then one walk over the
 * tree fills the flat arrays of model.h and checks every value as it goes.
 * The walk keeps the key path of the value in hand as a small stack of
 * segments; the first check that fails formats that path, asks json_pos.c
 * where the value starts in the raw text, writes the message and makes every
 * caller return false at once, so exactly one error (the first) is reported
 * and nothing after it runs. The partly filled scenario is then freed whole:
 * counts only ever cover initialised entries, so sim_scenario_free() is safe
 * at any point.
 *
 * Order of checks: inside an object, unknown and reserved keys first (in file
 * order), then missing required keys, then each value in the order the format
 * lists them. Across the file: the top-level keys, profiles, policies,
 * service names, service bodies (a call needs every name), call cycles,
 * load, faults.
 *
 * Alternates are calls too, but in no step: they are collected aside while
 * the services are read and appended to sc->calls after the last handler
 * call, so that each service's handler calls stay one contiguous run (what
 * service_calls() and the city rely on) and every alternate still has an
 * index of its own for its breaker and its metrics.
 *
 * Names are looked up by linear search: O(services) per call edge and per
 * fault, fine for hand-written cities of up to MAX_SERVICES services. */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_pos.h"
#include "scenario_internal.h"

/* ---- errors --------------------------------------------------------------- */

static bool fail_at(loader *ld, bool at_key, const char *fmt, va_list ap)
{
    sim_error *e = ld->err;

    if (ld->failed)
        return false;
    ld->failed = true;
    sim_jpath_format(ld->path, ld->depth, e->path, sizeof e->path);
    if (!sim_jpos_find(ld->text, ld->len, ld->path, ld->depth, at_key, &e->line, &e->column))
        e->line = e->column = 0;
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    return false;
}

bool sim__fail(loader *ld, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fail_at(ld, false, fmt, ap);
    va_end(ap);
    return false;
}

bool sim__fail_key(loader *ld, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fail_at(ld, true, fmt, ap);
    va_end(ap);
    return false;
}

void sim__push_key(loader *ld, const char *key)
{
    if (ld->depth < LOADER_MAX_DEPTH)
        ld->path[ld->depth++] = (sim_jpath_seg){ .key = key, .index = 0 };
}

void sim__push_index(loader *ld, size_t index)
{
    if (ld->depth < LOADER_MAX_DEPTH)
        ld->path[ld->depth++] = (sim_jpath_seg){ .key = NULL, .index = index };
}

void sim__pop(loader *ld)
{
    if (ld->depth > 0)
        ld->depth--;
}

void sim_error_format(const sim_error *err, char *buf, size_t size)
{
    char where[64] = "";

    if (!buf || size == 0)
        return;
    if (!err) {
        buf[0] = '\0';
        return;
    }
    if (err->line > 0 && err->column > 0)
        snprintf(where, sizeof where, ":%d:%d", err->line, err->column);
    else if (err->line > 0)
        snprintf(where, sizeof where, ":%d", err->line);
    if (err->path[0])
        snprintf(buf, size, "%s%s: %s: %s", err->source, where, err->path, err->text);
    else
        snprintf(buf, size, "%s%s: %s", err->source, where, err->text);
}

/* ---- calls and steps ------------------------------------------------------- */

/* '*arr' with room for 'need' elements of 'size' bytes (capacity '*cap'),
 * doubling; NULL when out of memory ('arr' is then still valid). */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
    size_t n = *cap ? *cap : 16;
    void *p;

    if (need <= *cap)
        return arr;
    while (n < need)
        n *= 2;
    if (!(p = realloc(arr, n * size)))
        return NULL;
    *cap = n;
    return p;
}

static const char *const call_keys[] = { "to",       "timeout",  "probability", "breaker",
                                         "breaker_scope", "optional", "policy",   "retry",
                                         "bulkhead", "fallback", "alternates", "parallel",
                                         NULL };
static const char *const alt_keys[] = { "to", "timeout", "breaker", "breaker_scope", NULL };
static const char *const scope_names[] = { "instance", "service", NULL };

bool sim__fail_service(loader *ld, const char *name)
{
    const sim_scenario *sc = ld->sc;
    const char *near = sim__suggest_named(name, sc->services, sc->n_services, sizeof *sc->services);

    if (near)
        return sim__fail(ld, "unknown service %s (did you mean \"%s\"?)", sim__quote(name).s, near);
    return sim__fail(ld, "unknown service %s", sim__quote(name).s);
}

static uint32_t find_profile(const sim_scenario *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_profiles; i++)
        if (strcmp(sc->profiles[i].name, name) == 0)
            return (uint32_t)i;
    return SIM_NONE;
}

static bool load_breaker(loader *ld, json_t *call, sim_call *c)
{
    json_t *v = json_object_get(call, "breaker");
    const sim_scenario *sc = ld->sc;
    const char *near = NULL;

    c->profile = ld->default_profile;
    if (!v)
        return true;
    sim__push_key(ld, "breaker");
    if (json_is_false(v)) {
        c->profile = SIM_NONE;
    } else if (!json_is_string(v)) {
        return sim__fail(ld, "expected a profile name or false, got %s", sim__describe(v).s);
    } else if ((c->profile = find_profile(sc, json_string_value(v))) == SIM_NONE) {
        if (sc->n_profiles == 0)
            return sim__fail(ld, "unknown profile %s (the scenario defines no profiles)",
                             sim__describe(v).s);
        near = sim__suggest_named(json_string_value(v), sc->profiles, sc->n_profiles,
                                  sizeof *sc->profiles);
        if (near)
            return sim__fail(ld, "unknown profile %s (did you mean \"%s\"?)", sim__describe(v).s,
                             near);
        return sim__fail(ld, "unknown profile %s", sim__describe(v).s);
    }
    sim__pop(ld);
    return true;
}

static bool load_callee(loader *ld, json_t *call, sim_call *c)
{
    json_t *v = json_object_get(call, "to");
    const char *name;

    sim__push_key(ld, "to");
    if (!json_is_string(v))
        return sim__fail(ld, "expected a service name, got %s", sim__describe(v).s);
    name = json_string_value(v);
    if ((c->to = sim_scenario_service(ld->sc, name)) == SIM_NONE)
        return sim__fail_service(ld, name);
    if (c->to == c->from)
        return sim__fail(ld, "service %s cannot call itself", sim__quote(name).s);
    sim__pop(ld);
    return true;
}

/* Append 'a' (an alternate found at 'where') to the loader's waiting list. */
static bool add_alternate(loader *ld, const sim_call *a, call_src where)
{
    sim_call *alts;
    call_src *src;

    if (!(alts = grow(ld->alts, &ld->alt_cap, ld->n_alts + 1, sizeof *alts)))
        return sim__fail(ld, "out of memory");
    ld->alts = alts;
    if (!(src = grow(ld->alt_src, &ld->alt_src_cap, ld->n_alts + 1, sizeof *src)))
        return sim__fail(ld, "out of memory");
    ld->alt_src = src;
    ld->alt_src[ld->n_alts] = where;
    ld->alts[ld->n_alts++] = *a;
    return true;
}

/* The alternate at 'where' of the handler call 'c' (to be calls['primary']).
 * Its timeout and breaker scope start as the primary's; its breaker, as any
 * call's, is the "default" profile unless it names one. */
static bool load_alternate(loader *ld, json_t *v, const sim_call *c, uint32_t primary,
                           call_src where)
{
    static const char *const required[] = { "to", NULL };
    sim_call a;
    int scope;

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, alt_keys, NULL) ||
        !sim__require(ld, v, required))
        return false;
    memset(&a, 0, sizeof a);
    a.from = c->from;
    a.probability = 1;
    a.timeout_ns = c->timeout_ns;
    a.scope = c->scope;
    a.optional = c->optional;
    a.alternate = true;
    a.primary = primary;
    if (!load_callee(ld, v, &a))
        return false;
    sim__push_key(ld, "to");
    if (a.to == c->to)
        return sim__fail(ld, "%s is the primary callee: an alternate must be another service",
                         sim__quote(ld->sc->services[a.to].name).s);
    for (uint32_t j = 0; j < where.alt; j++)
        if (ld->alts[c->first_alt + j].to == a.to)
            return sim__fail(ld, "duplicate alternate %s (also alternates[%u])",
                             sim__quote(ld->sc->services[a.to].name).s, j);
    sim__pop(ld);
    scope = a.scope == SIM_SCOPE_SERVICE;
    if (!sim__opt_duration(ld, v, "timeout", false, &a.timeout_ns) || !load_breaker(ld, v, &a) ||
        !sim__opt_enum(ld, v, "breaker_scope", "breaker scope", scope_names, &scope))
        return false;
    a.scope = scope ? SIM_SCOPE_SERVICE : SIM_SCOPE_INSTANCE;
    return add_alternate(ld, &a, where);
}

/* The "alternates" of handler call 'c', which will be calls['primary']. */
static bool load_alternates(loader *ld, json_t *call, sim_call *c, uint32_t primary,
                            call_src where)
{
    json_t *arr = json_object_get(call, "alternates"), *v;
    size_t k;

    if (!arr)
        return true;
    sim__push_key(ld, "alternates");
    if (!sim__expect_array(ld, arr, MAX_ALTERNATES, true))
        return false;
    c->first_alt = (uint32_t)ld->n_alts; /* an index into ld->alts until they are placed */
    json_array_foreach(arr, k, v) {
        sim__push_index(ld, k);
        where.alt = (uint32_t)k;
        if (!load_alternate(ld, v, c, primary, where))
            return false;
        c->n_alts++;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

bool sim__place_alternates(loader *ld)
{
    sim_scenario *sc = ld->sc;
    size_t base = sc->n_calls;
    sim_call *calls;
    call_src *src;

    if (ld->n_alts == 0)
        return true;
    if (!(calls = grow(sc->calls, &ld->call_cap, base + ld->n_alts, sizeof *calls)))
        return sim__fail(ld, "out of memory");
    sc->calls = calls;
    if (!(src = grow(ld->call_src, &ld->src_cap, base + ld->n_alts, sizeof *src)))
        return sim__fail(ld, "out of memory");
    ld->call_src = src;
    for (size_t i = 0; i < base; i++)
        if (sc->calls[i].n_alts > 0)
            sc->calls[i].first_alt += (uint32_t)base;
    for (size_t k = 0; k < ld->n_alts; k++) {
        ld->call_src[base + k] = ld->alt_src[k];
        sc->calls[sc->n_calls++] = ld->alts[k];
    }
    return true;
}

/* One call of service 'from', at "calls[step]" or "calls[step].parallel[par]". */
static bool load_call(loader *ld, uint32_t from, json_t *v, uint32_t step, uint32_t par)
{
    static const char *const required[] = { "to", NULL };
    sim_scenario *sc = ld->sc;
    call_src where = { .step = step, .parallel = par, .alt = SIM_NONE };
    sim_call c, *calls;
    call_src *src;
    int scope = 0;

    if (!sim__expect_object(ld, v))
        return false;
    if (json_object_get(v, "parallel")) {
        sim__push_key(ld, "parallel");
        return sim__fail_key(ld, "parallel steps do not nest");
    }
    if (!sim__check_keys(ld, v, call_keys, NULL) || !sim__require(ld, v, required))
        return false;
    memset(&c, 0, sizeof c);
    c.from = from;
    c.probability = 1;
    c.scope = SIM_SCOPE_INSTANCE;
    if (!load_callee(ld, v, &c) || !sim__opt_duration(ld, v, "timeout", false, &c.timeout_ns) ||
        !sim__opt_number(ld, v, "probability", RANGE_CLOSED(0, 1), &c.probability) ||
        !load_breaker(ld, v, &c) ||
        !sim__opt_enum(ld, v, "breaker_scope", "breaker scope", scope_names, &scope) ||
        !sim__opt_bool(ld, v, "optional", &c.optional))
        return false;
    c.scope = scope ? SIM_SCOPE_SERVICE : SIM_SCOPE_INSTANCE;
    if (!sim__load_call_policies(ld, v, &c) ||
        !load_alternates(ld, v, &c, (uint32_t)sc->n_calls, where))
        return false;
    if (!(calls = grow(sc->calls, &ld->call_cap, sc->n_calls + 1, sizeof *calls)))
        return sim__fail(ld, "out of memory");
    sc->calls = calls;
    if (!(src = grow(ld->call_src, &ld->src_cap, sc->n_calls + 1, sizeof *src)))
        return sim__fail(ld, "out of memory");
    ld->call_src = src;
    ld->call_src[sc->n_calls] = where;
    sc->calls[sc->n_calls++] = c;
    return true;
}

/* {"parallel": [call, ...]} and nothing else. */
static bool load_parallel(loader *ld, uint32_t from, json_t *v, uint32_t step)
{
    json_t *calls = json_object_get(v, "parallel"), *x;
    const char *key;
    size_t j;

    json_object_foreach(v, key, x) {
        if (strcmp(key, "parallel") != 0) {
            sim__push_key(ld, key);
            return sim__fail_key(ld, "a parallel step has no other keys, got %s",
                                 sim__quote(key).s);
        }
    }
    sim__push_key(ld, "parallel");
    if (!sim__expect_array(ld, calls, MAX_PARALLEL, true))
        return false;
    json_array_foreach(calls, j, x) {
        sim__push_index(ld, j);
        if (!load_call(ld, from, x, step, (uint32_t)j))
            return false;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

bool sim__load_steps(loader *ld, uint32_t from, json_t *calls)
{
    sim_scenario *sc = ld->sc;
    sim_step *steps;
    json_t *v;
    size_t i;

    if (!sim__expect_array(ld, calls, MAX_STEPS, false))
        return false;
    json_array_foreach(calls, i, v) {
        sim_step st = { .first_call = (uint32_t)sc->n_calls, .n_calls = 0, .parallel = false };

        sim__push_index(ld, i);
        if (!sim__expect_object(ld, v))
            return false;
        st.parallel = json_object_get(v, "parallel") != NULL;
        if (st.parallel ? !load_parallel(ld, from, v, (uint32_t)i)
                        : !load_call(ld, from, v, (uint32_t)i, SIM_NONE))
            return false;
        st.n_calls = (uint32_t)(sc->n_calls - st.first_call);
        if (!(steps = grow(sc->steps, &ld->step_cap, sc->n_steps + 1, sizeof *steps)))
            return sim__fail(ld, "out of memory");
        sc->steps = steps;
        sc->steps[sc->n_steps++] = st;
        sim__pop(ld);
    }
    return true;
}

/* ---- call cycles ------------------------------------------------------------ */

/* The calls of service 's' are contiguous: [*first, *end). */
static void service_calls(const sim_scenario *sc, uint32_t s, size_t *first, size_t *end)
{
    const sim_service *svc = &sc->services[s];
    const sim_step *last;

    *first = *end = 0;
    if (svc->n_steps == 0)
        return;
    last = &sc->steps[svc->first_step + svc->n_steps - 1];
    *first = sc->steps[svc->first_step].first_call;
    *end = last->first_call + last->n_calls;
}

/* A service on the search stack and the next of its edges to follow: its
 * handler call 'next', or (alt > 0) that call's alternate alt - 1. */
typedef struct dfs_frame {
    uint32_t service;
    size_t next;
    size_t end;
    uint32_t alt;
} dfs_frame;

/* The index in sc->calls of the frame's next edge; moves the frame on. */
static size_t next_edge(const sim_scenario *sc, dfs_frame *f)
{
    const sim_call *c = &sc->calls[f->next];
    size_t e = f->alt == 0 ? f->next : c->first_alt + f->alt - 1;

    if (f->alt++ == c->n_alts) {
        f->next++;
        f->alt = 0;
    }
    return e;
}

enum { WHITE, GREY, BLACK };

/* Report the cycle closed by call 'c': the grey path from its callee to the
 * top of the stack, then back to the callee. */
static bool fail_cycle(loader *ld, const dfs_frame *stack, size_t depth, size_t c)
{
    const sim_scenario *sc = ld->sc;
    const sim_call *call = &sc->calls[c];
    const call_src *src = &ld->call_src[c];
    char text[sizeof ld->err->text];
    size_t used, k = 0;

    while (k < depth && stack[k].service != call->to)
        k++;
    used = (size_t)snprintf(text, sizeof text, "call cycle:");
    for (; k < depth && used < sizeof text; k++)
        used += (size_t)snprintf(text + used, sizeof text - used, " %s ->",
                                 sc->services[stack[k].service].name);
    if (used < sizeof text)
        snprintf(text + used, sizeof text - used, " %s", sc->services[call->to].name);
    ld->depth = 0;
    sim__push_key(ld, "services");
    sim__push_key(ld, sc->services[call->from].name);
    sim__push_key(ld, "calls");
    sim__push_index(ld, src->step);
    if (src->parallel != SIM_NONE) {
        sim__push_key(ld, "parallel");
        sim__push_index(ld, src->parallel);
    }
    if (src->alt != SIM_NONE) {
        sim__push_key(ld, "alternates");
        sim__push_index(ld, src->alt);
    }
    return sim__fail(ld, "%s", text);
}

/* Depth-first search with an explicit stack (a long chain of services must
 * not overflow the C stack): a call, or an alternate, into a grey service
 * closes a cycle. O(services + calls). */
bool sim__check_cycles(loader *ld)
{
    const sim_scenario *sc = ld->sc;
    unsigned char *color = calloc(sc->n_services, 1);
    dfs_frame *stack = malloc(sc->n_services * sizeof *stack);
    bool ok = color && stack;

    if (!ok)
        sim__fail(ld, "out of memory");
    for (uint32_t root = 0; ok && root < sc->n_services; root++) {
        size_t depth = 0;

        if (color[root] != WHITE)
            continue;
        color[root] = GREY;
        stack[depth].service = root;
        stack[depth].alt = 0;
        service_calls(sc, root, &stack[depth].next, &stack[depth].end);
        depth++;
        while (ok && depth > 0) {
            dfs_frame *top = &stack[depth - 1];
            size_t e;
            uint32_t to;

            if (top->next == top->end) {
                color[top->service] = BLACK;
                depth--;
                continue;
            }
            e = next_edge(sc, top);
            to = sc->calls[e].to;
            if (color[to] == GREY) {
                ok = fail_cycle(ld, stack, depth, e);
            } else if (color[to] == WHITE) {
                color[to] = GREY;
                stack[depth].service = to;
                stack[depth].alt = 0;
                service_calls(sc, to, &stack[depth].next, &stack[depth].end);
                depth++;
            }
        }
    }
    free(color);
    free(stack);
    return ok;
}

/* ---- the top level -------------------------------------------------------- */

static bool load_slo(loader *ld, json_t *obj, const char *key, sim_slo *slo)
{
    static const char *const keys[] = { "error_ratio", "p99", NULL };
    json_t *v = json_object_get(obj, key);
    bool ok;

    if (!v)
        return true;
    sim__push_key(ld, key);
    ok = sim__expect_object(ld, v) && sim__check_keys(ld, v, keys, NULL) &&
         sim__opt_number(ld, v, "error_ratio", RANGE_CLOSED(0, 1), &slo->error_ratio) &&
         sim__opt_duration(ld, v, "p99", true, &slo->p99_ns);
    sim__pop(ld);
    return ok;
}

static bool load_tick(loader *ld, json_t *root)
{
    json_t *v = json_object_get(root, "tick");
    sim_scenario *sc = ld->sc;
    bool ok;

    /* The default is 1 s, or the whole run when it is shorter. */
    sc->tick_ns = sc->duration_ns < NS_PER_S ? sc->duration_ns : NS_PER_S;
    if (!v)
        return true;
    sim__push_key(ld, "tick");
    ok = sim__val_duration(ld, v, true, &sc->tick_ns);
    if (ok && sc->tick_ns > sc->duration_ns)
        ok = sim__fail(ld, "must be <= duration (%s), got %s", sim__dur_text(sc->duration_ns).s,
                       sim__describe(v).s);
    sim__pop(ld);
    return ok;
}

static bool load_header(loader *ld, json_t *root)
{
    static const char *const keys[] = { "name",     "description", "seed",     "duration",
                                        "tick",     "slo",         "profiles", "policies",
                                        "services", "load",        "faults",   "expect",
                                        NULL };
    static const char *const required[] = { "name", "duration", "services", "load", NULL };
    sim_scenario *sc = ld->sc;
    const char *name = NULL, *description = "";
    int64_t seed = 1;

    if (!json_is_object(root))
        return sim__fail(ld, "expected a scenario object at the top level, got %s",
                         sim__describe(root).s);
    if (!sim__check_keys(ld, root, keys, NULL) || !sim__require(ld, root, required) ||
        !sim__opt_string(ld, root, "name", &name))
        return false;
    if (!name[0]) {
        sim__push_key(ld, "name");
        return sim__fail(ld, "must not be empty");
    }
    if (!sim__opt_string(ld, root, "description", &description) ||
        !sim__opt_int(ld, root, "seed", 0, INT64_MAX, &seed) ||
        !sim__opt_duration(ld, root, "duration", true, &sc->duration_ns) ||
        !load_tick(ld, root))
        return false;
    sc->seed = (uint64_t)seed;
    sc->name = sim__strdup(name);
    sc->description = sim__strdup(description);
    if (!sc->name || !sc->description)
        return sim__fail(ld, "out of memory");
    sc->slo = (sim_slo){ .error_ratio = 0.01, .p99_ns = NS_PER_S };
    return load_slo(ld, root, "slo", &sc->slo);
}

/* ---- services ------------------------------------------------------------- */

static const char *const lb_names[] = { "round_robin", "random", "least_outstanding", NULL };

static bool load_service_body(loader *ld, uint32_t si, json_t *v)
{
    static const char *const keys[] = { "replicas",   "concurrency", "queue",
                                        "queue_timeout", "latency",  "error_rate",
                                        "lb",         "slo",         "outlier_ejection",
                                        "calls",      NULL };
    sim_service *s = &ld->sc->services[si];
    int64_t replicas = 1, concurrency = 16, queue = 64;
    int lb = 0;
    json_t *x;

    if (!sim__expect_object(ld, v) || !sim__check_keys(ld, v, keys, NULL) ||
        !sim__opt_int(ld, v, "replicas", 1, MAX_REPLICAS, &replicas) ||
        !sim__opt_int(ld, v, "concurrency", 1, MAX_CONCURRENCY, &concurrency) ||
        !sim__opt_int(ld, v, "queue", 0, MAX_QUEUE, &queue) ||
        !sim__opt_duration(ld, v, "queue_timeout", false, &s->queue_timeout_ns))
        return false;
    s->replicas = (uint32_t)replicas;
    s->concurrency = (uint32_t)concurrency;
    s->queue = (uint32_t)queue;
    if ((x = json_object_get(v, "latency"))) {
        sim__push_key(ld, "latency");
        if (!sim__val_dist(ld, x, &s->latency))
            return false;
        sim__pop(ld);
    }
    if (!sim__opt_number(ld, v, "error_rate", RANGE_CLOSED(0, 1), &s->error_rate) ||
        !sim__opt_enum(ld, v, "lb", "load balancer", lb_names, &lb) ||
        !load_slo(ld, v, "slo", &s->slo) || !sim__load_ejection(ld, v, &s->ejection))
        return false;
    s->lb = (sim_lb)lb;
    s->first_step = (uint32_t)ld->sc->n_steps;
    if ((x = json_object_get(v, "calls"))) {
        sim__push_key(ld, "calls");
        if (!sim__load_steps(ld, si, x))
            return false;
        sim__pop(ld);
    }
    s->n_steps = (uint32_t)(ld->sc->n_steps - s->first_step);
    return true;
}

/* Names first (every call may name any service), then the bodies. */
static bool load_services(loader *ld, json_t *root)
{
    json_t *obj = json_object_get(root, "services"), *v;
    sim_scenario *sc = ld->sc;
    const char *name;
    size_t n;

    sim__push_key(ld, "services");
    if (!sim__expect_object(ld, obj))
        return false;
    n = json_object_size(obj);
    if (n == 0)
        return sim__fail(ld, "must name at least one service");
    if (n > MAX_SERVICES)
        return sim__fail(ld, "too many services: %zu (at most %d)", n, MAX_SERVICES);
    sc->services = calloc(n, sizeof *sc->services);
    if (!sc->services)
        return sim__fail(ld, "out of memory");
    json_object_foreach(obj, name, v) {
        sim_service *s = &sc->services[sc->n_services];

        sim__push_key(ld, name);
        if (!sim__check_name(ld, "service", name))
            return false;
        sim__pop(ld);
        if (!(s->name = sim__strdup(name)))
            return sim__fail(ld, "out of memory");
        sc->n_services++;
        s->replicas = 1;
        s->concurrency = 16;
        s->queue = 64;
        s->latency = sim_dist_constant(1e6);
        s->lb = SIM_LB_ROUND_ROBIN;
        s->slo = sc->slo;
    }
    json_object_foreach(obj, name, v) {
        sim__push_key(ld, name);
        if (!load_service_body(ld, sim_scenario_service(sc, name), v))
            return false;
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

/* ---- profiles ------------------------------------------------------------- */

static bool load_profiles(loader *ld, json_t *root)
{
    json_t *obj = json_object_get(root, "profiles"), *v;
    sim_scenario *sc = ld->sc;
    const char *name;
    size_t n;

    ld->default_profile = SIM_NONE;
    if (!obj)
        return true;
    sim__push_key(ld, "profiles");
    if (!sim__expect_object(ld, obj))
        return false;
    n = json_object_size(obj);
    if (n > MAX_PROFILES)
        return sim__fail(ld, "too many profiles: %zu (at most %d)", n, MAX_PROFILES);
    if (n > 0 && !(sc->profiles = calloc(n, sizeof *sc->profiles)))
        return sim__fail(ld, "out of memory");
    json_object_foreach(obj, name, v) {
        sim_profile *p = &sc->profiles[sc->n_profiles];

        sim__push_key(ld, name);
        if (!sim__check_name(ld, "profile", name))
            return false;
        if (!(p->name = sim__strdup(name)))
            return sim__fail(ld, "out of memory");
        sc->n_profiles++;
        if (!sim__load_profile(ld, v, &p->cfg))
            return false;
        if (strcmp(name, "default") == 0)
            ld->default_profile = (uint32_t)(sc->n_profiles - 1);
        sim__pop(ld);
    }
    sim__pop(ld);
    return true;
}

/* ---- entry points ----------------------------------------------------------- */

static bool load_root(loader *ld, json_t *root)
{
    return load_header(ld, root) && load_profiles(ld, root) && sim__load_policies(ld, root) &&
           load_services(ld, root) && sim__place_alternates(ld) && sim__check_cycles(ld) &&
           sim__load_loads(ld, root) && sim__load_faults(ld, root) &&
           sim__load_expects(ld, root);
}

static void error_init(sim_error *err, const char *source)
{
    memset(err, 0, sizeof *err);
    snprintf(err->source, sizeof err->source, "%s", source);
}

static bool all_space(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i]))
            return false;
    return true;
}

/* Parse 'len' bytes of 'text' (which need not be terminated). */
static sim_scenario *load_buffer(const char *text, size_t len, const char *source, sim_error *err)
{
    loader ld;
    json_error_t jerr;
    json_t *root;
    sim_scenario *sc;

    if (all_space(text, len)) {
        snprintf(err->text, sizeof err->text, "empty file: expected a scenario object");
        return NULL;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        err->line = jerr.line > 0 ? jerr.line : 0;
        err->column = err->line > 0 && jerr.column > 0 ? jerr.column : 0;
        snprintf(err->text, sizeof err->text, "%s", jerr.text);
        return NULL;
    }
    sc = calloc(1, sizeof *sc);
    memset(&ld, 0, sizeof ld);
    ld.err = err;
    ld.text = text;
    ld.len = len;
    ld.sc = sc;
    if (!sc || !(sc->path = sim__strdup(source))) {
        snprintf(err->text, sizeof err->text, "out of memory");
        ld.failed = true;
    } else {
        load_root(&ld, root);
    }
    free(ld.call_src);
    free(ld.alts);
    free(ld.alt_src);
    free(ld.policies);
    json_decref(root);
    if (ld.failed) {
        sim_scenario_free(sc);
        return NULL;
    }
    return sc;
}

sim_scenario *sim_scenario_load_string(const char *json, const char *source, sim_error *err)
{
    sim_error local;

    if (!err)
        err = &local;
    error_init(err, source ? source : "<string>");
    if (!json) {
        snprintf(err->text, sizeof err->text, "no text to load");
        return NULL;
    }
    return load_buffer(json, strlen(json), source ? source : "<string>", err);
}

/* Read the whole file into a new buffer (the caller frees it). */
static char *read_file(const char *path, size_t *len, sim_error *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, used = 0, got;

    if (!f)
        goto fail;
    do {
        if (cap - used < 4096) {
            cap = cap ? cap * 2 : 16384;
            if (cap > SCENARIO_FILE_MAX + 4096) {
                snprintf(err->text, sizeof err->text, "cannot read file: larger than %d MiB",
                         SCENARIO_FILE_MAX >> 20);
                goto fail_quiet;
            }
            if (!(grown = realloc(buf, cap))) {
                errno = ENOMEM;
                goto fail;
            }
            buf = grown;
        }
        got = fread(buf + used, 1, cap - used, f);
        used += got;
    } while (got > 0);
    if (ferror(f))
        goto fail;
    fclose(f);
    *len = used;
    return buf;
fail:
    snprintf(err->text, sizeof err->text, "cannot read file: %s", strerror(errno));
fail_quiet:
    if (f)
        fclose(f);
    free(buf);
    return NULL;
}

sim_scenario *sim_scenario_load(const char *path, sim_error *err)
{
    sim_error local;
    sim_scenario *sc;
    size_t len = 0;
    char *text;

    if (!err)
        err = &local;
    error_init(err, path ? path : "");
    if (!path) {
        snprintf(err->text, sizeof err->text, "cannot read file: no path given");
        return NULL;
    }
    if (!(text = read_file(path, &len, err)))
        return NULL;
    sc = load_buffer(text, len, path, err);
    free(text);
    return sc;
}
