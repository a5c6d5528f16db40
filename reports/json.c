/* json.c — report.json: the whole result of a run (docs/report-schema.md).
 *
 * Keys keep the order they are added in; reals are rounded to a fixed number
 * of decimals per unit (3 for milliseconds and seconds, 6 for ratios), so two
 * runs diff line by line; a ratio without a denominator is null. */
#include <jansson.h>
#include <math.h>

#include "analysis.h"
#include "report.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* Building stops quietly on an allocation failure; 'ok' remembers it. */
typedef struct builder {
    bool ok;
} builder;

static json_t *num(double x, int decimals)
{
    double scale = pow(10, decimals);

    if (!isfinite(x))
        return json_null();
    x = round(x * scale) / scale;
    return json_real(x == 0 ? 0 : x); /* no "-0.0" */
}

static json_t *count(uint64_t n)
{
    return json_integer((json_int_t)n);
}

static json_t *ratio(double num_, double den)
{
    return num(den > 0 ? num_ / den : NAN, 6);
}

static json_t *ms(double ns)
{
    return num(ns / 1e6, 3);
}

static json_t *secs(double ns)
{
    return num(ns / 1e9, 3);
}

/* The setters take the reference to 'v' in every case, as jansson's _new
 * functions do. */
static void put(builder *b, json_t *o, const char *key, json_t *v)
{
    if (!o || !v) {
        json_decref(v);
        b->ok = false;
    } else if (json_object_set_new(o, key, v) != 0) {
        b->ok = false;
    }
}

static void append(builder *b, json_t *array, json_t *v)
{
    if (!array || !v) {
        json_decref(v);
        b->ok = false;
    } else if (json_array_append_new(array, v) != 0) {
        b->ok = false;
    }
}

/* A new object or array under 'parent', borrowed from it; NULL on failure. */
static json_t *child(builder *b, json_t *parent, const char *key, json_t *v)
{
    if (!parent || !v || json_object_set(parent, key, v) != 0) {
        json_decref(v);
        b->ok = false;
        return NULL;
    }
    json_decref(v);
    return v;
}

static void latency(builder *b, json_t *parent, const sim_series *s)
{
    json_t *l = child(b, parent, "latency_ms", json_object());
    const sim_hist *h = &s->latency;

    put(b, l, "mean", h->count ? ms(sim_hist_mean(h)) : json_null());
    put(b, l, "p50", h->count ? ms((double)sim_hist_quantile(h, 0.50)) : json_null());
    put(b, l, "p90", h->count ? ms((double)sim_hist_quantile(h, 0.90)) : json_null());
    put(b, l, "p99", h->count ? ms((double)sim_hist_quantile(h, 0.99)) : json_null());
    put(b, l, "p999", h->count ? ms((double)sim_hist_quantile(h, 0.999)) : json_null());
    put(b, l, "max", h->count ? ms((double)h->max) : json_null());
}

static void outcomes(builder *b, json_t *o, const sim_counts *k, bool edge)
{
    for (int i = 0; i < SIM_N_OUTCOMES; i++)
        if (edge || (i != SIM_TIMEOUT && i != SIM_REJECTED))
            put(b, o, sim_outcome_name((sim_outcome)i), count(k->outcomes[i]));
}

/* The time-average of a service gauge over the run. */
static double gauge_mean(const report_run *r, const sim_series *s, size_t field)
{
    const sim_metrics *m = r->m;
    double area = 0;

    for (size_t k = 0; k < m->n_ticks; k++) {
        const double *g = (const double *)((const char *)&s->ticks[k] + field);

        area += *g * (double)(sim_metrics_tick_end(m, k) - sim_metrics_tick_start(m, k));
    }
    return r->duration_ns > 0 ? area / (double)r->duration_ns : 0;
}

static json_t *service_json(builder *b, const report_run *r, uint32_t s)
{
    const sim_service *sv = &r->sc->services[s];
    const sim_series *se = &r->m->services[s];
    const sim_counts *k = &se->total;
    double busy = gauge_mean(r, se, offsetof(sim_tick, busy));
    json_t *o = json_object();

    put(b, o, "name", json_string(sv->name));
    put(b, o, "requests", count(k->arrivals));
    outcomes(b, o, k, false);
    put(b, o, "availability", ratio((double)k->outcomes[SIM_OK], (double)k->arrivals));
    put(b, o, "availability_served",
        ratio((double)(k->outcomes[SIM_OK] + k->outcomes[SIM_DEGRADED]), (double)k->arrivals));
    put(b, o, "throughput_rps", num((double)k->outcomes[SIM_OK] / ((double)r->duration_ns / 1e9), 3));
    latency(b, o, se);
    put(b, o, "utilization", ratio(busy, (double)sv->replicas * sv->concurrency));
    put(b, o, "mean_in_flight", num(gauge_mean(r, se, offsetof(sim_tick, inflight)), 6));
    put(b, o, "mean_queued", num(gauge_mean(r, se, offsetof(sim_tick, queued)), 6));
    return o;
}

static json_t *edge_json(builder *b, const report_run *r, uint32_t e)
{
    const sim_call *call = &r->sc->calls[e];
    const sim_series *se = &r->m->edges[e];
    const sim_counts *k = &se->total;
    uint64_t opens = 0, reopens = 0, transitions = 0, open_ticks = 0;
    char name[160];
    json_t *o = json_object();

    for (size_t i = 0; i < r->m->n_log; i++) {
        const sim_log_entry *l = &r->m->log[i];

        if (l->kind == SIM_LOG_TRANSITION && l->index == e) {
            transitions++;
            opens += l->from == FB_STATE_CLOSED && l->to == FB_STATE_OPEN;
            reopens += l->from == FB_STATE_HALF_OPEN && l->to == FB_STATE_OPEN;
        }
    }
    for (size_t t = 0; t < r->m->n_ticks; t++)
        open_ticks += se->ticks[t].open > 0;
    report_edge_name(r->sc, e, name, sizeof(name));
    put(b, o, "name", json_string(name));
    put(b, o, "from", json_string(r->sc->services[call->from].name));
    put(b, o, "to", json_string(r->sc->services[call->to].name));
    if (call->alternate) {
        report_edge_name(r->sc, call->primary, name, sizeof(name));
        put(b, o, "alternate_of", json_string(name));
    } else {
        put(b, o, "alternate_of", json_null());
    }
    put(b, o, "calls", count(k->calls));
    put(b, o, "calls_ok", count(k->calls_ok));
    put(b, o, "calls_degraded", count(k->calls_degraded));
    put(b, o, "calls_failed", count(k->calls_failed));
    put(b, o, "attempts", count(k->arrivals));
    outcomes(b, o, k, true);
    put(b, o, "success_ratio", ratio((double)k->outcomes[SIM_OK], (double)k->arrivals));
    put(b, o, "retries", count(k->retries));
    put(b, o, "retry_amplification", ratio((double)k->arrivals, (double)k->calls));
    put(b, o, "retries_denied_by_budget", count(k->budget_denied));
    put(b, o, "rerouted", count(k->rerouted));
    put(b, o, "fallbacks", count(k->fallbacks));
    latency(b, o, se);
    put(b, o, "breakers", count(r->m->edge_breakers[e]));
    put(b, o, "breaker_opens", count(opens));
    put(b, o, "breaker_reopens", count(reopens));
    put(b, o, "transitions", count(transitions));
    put(b, o, "ticks_with_a_breaker_open", count(open_ticks));
    return o;
}

static json_t *fault_json(builder *b, const report_run *r, uint32_t i)
{
    const sim_fault *f = &r->sc->faults[i];
    char target[160];
    json_t *o = json_object();

    report_fault_target(r->sc, f, target, sizeof(target));
    put(b, o, "label", json_string(f->label ? f->label : ""));
    put(b, o, "kind", json_string(sim_fault_kind_names[f->kind]));
    put(b, o, "target", json_string(target));
    put(b, o, "start_s", secs((double)f->start_ns));
    put(b, o, "end_s", secs((double)f->start_ns + (double)f->duration_ns));
    return o;
}

static json_t *entry_json(builder *b, const report_run *r)
{
    uint32_t entries[64];
    size_t n = report_entries(r->sc, entries, 64);
    uint64_t requests = 0, ok = 0, degraded = 0;
    json_t *o = json_object(), *names = json_array();

    for (size_t i = 0; i < n && i < 64; i++) {
        const sim_counts *k = &r->m->services[entries[i]].total;

        append(b, names, json_string(r->sc->services[entries[i]].name));
        requests += k->arrivals;
        ok += k->outcomes[SIM_OK];
        degraded += k->outcomes[SIM_DEGRADED];
    }
    put(b, o, "services", names);
    put(b, o, "requests", count(requests));
    put(b, o, "ok", count(ok));
    put(b, o, "degraded", count(degraded));
    put(b, o, "availability", ratio((double)ok, (double)requests));
    put(b, o, "availability_served", ratio((double)(ok + degraded), (double)requests));
    return o;
}

static json_t *secs_or_null(int64_t ns)
{
    return ns < 0 ? json_null() : secs((double)ns);
}

static json_t *fault_analysis_json(builder *b, const report_run *r,
                                   const report_fault_analysis *f)
{
    const sim_scenario *sc = r->sc;
    json_t *o = json_object(), *blast = json_array();

    for (uint32_t s = 0; s < sc->n_services; s++)
        if (f->blast[s])
            append(b, blast, json_string(sc->services[s].name));
    put(b, o, "fault", json_string(sc->faults[f->fault].label ? sc->faults[f->fault].label : ""));
    put(b, o, "target", json_string(sc->services[f->target].name));
    put(b, o, "start_s", secs((double)f->start_ns));
    put(b, o, "end_s", secs((double)f->end_ns));
    put(b, o, "time_to_detect_s", secs_or_null(f->detect_ns));
    put(b, o, "recovered", json_boolean(f->recover_ns >= 0));
    put(b, o, "time_to_recover_s", secs_or_null(f->recover_ns));
    put(b, o, "window_end_s", secs((double)f->window_end_ns));
    put(b, o, "blast_radius", count(f->blast_radius));
    put(b, o, "blast", blast);
    put(b, o, "cascade_depth", count(f->cascade_depth));
    put(b, o, "contained", json_boolean(f->contained));
    put(b, o, "wasted_calls", count(f->wasted_calls));
    put(b, o, "entry_requests", count(f->entry_requests));
    put(b, o, "entry_failed", count(f->entry_failed));
    put(b, o, "slo_budget_burned", num(f->budget_burned, 6));
    return o;
}

static uint64_t entry_failed(const report_analysis *a)
{
    return a->entry_requests - a->entry_ok - a->entry_degraded;
}

static json_t *analysis_json(builder *b, const report_run *r)
{
    const report_analysis *a = r->analysis;
    json_t *o = json_object(), *faults;

    put(b, o, "entry_failed", count(entry_failed(a)));
    put(b, o, "availability", num(a->availability, 6));
    put(b, o, "availability_served", num(a->availability_served, 6));
    put(b, o, "goodput_rps", num(a->goodput_rps, 3));
    put(b, o, "retry_amplification", num(a->retry_amplification, 6));
    put(b, o, "breaker_opens", count(a->breaker_opens));
    put(b, o, "false_trips", count(a->false_trips));
    faults = child(b, o, "faults", json_array());
    for (size_t i = 0; i < a->n_faults; i++)
        append(b, faults, fault_analysis_json(b, r, &a->faults[i]));
    return o;
}

/* The counterfactual's analysis, and what the policies changed. */
static json_t *counterfactual_json(builder *b, const report_run *r)
{
    const report_analysis *a = r->analysis, *x = r->counterfactual->analysis;
    json_t *o = analysis_json(b, r->counterfactual), *d, *faults;

    put(b, o, "mode", json_string(r->counterfactual_mode ? r->counterfactual_mode : ""));
    d = child(b, o, "difference", json_object());
    put(b, d, "requests_saved", json_integer((json_int_t)entry_failed(x) -
                                             (json_int_t)entry_failed(a)));
    put(b, d, "availability_gained", num(a->availability - x->availability, 6));
    put(b, d, "availability_served_gained",
        num(a->availability_served - x->availability_served, 6));
    faults = child(b, d, "faults", json_array());
    for (size_t i = 0; i < a->n_faults && i < x->n_faults; i++) {
        const report_fault_analysis *f = &a->faults[i], *g = &x->faults[i];
        json_t *e = json_object();

        put(b, e, "fault", json_string(r->sc->faults[i].label ? r->sc->faults[i].label : ""));
        put(b, e, "requests_saved",
            json_integer((json_int_t)g->entry_failed - (json_int_t)f->entry_failed));
        put(b, e, "blast_radius_avoided",
            json_integer((json_int_t)g->blast_radius - (json_int_t)f->blast_radius));
        put(b, e, "recovery_gained_s",
            f->recover_ns >= 0 && g->recover_ns >= 0 ? secs((double)(g->recover_ns - f->recover_ns))
                                                     : json_null());
        append(b, faults, e);
    }
    return o;
}

static json_t *report_json(const report_run *r, builder *b)
{
    const sim_scenario *sc = r->sc;
    json_t *root = json_object(), *o, *a;

    put(b, root, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
    put(b, root, "generator", json_string("firebreak " FB_VERSION));
    o = child(b, root, "scenario", json_object());
    put(b, o, "name", json_string(sc->name ? sc->name : ""));
    put(b, o, "description", json_string(sc->description ? sc->description : ""));
    put(b, o, "seed", json_integer((json_int_t)r->seed));
    put(b, o, "duration_s", secs((double)r->duration_ns));
    put(b, o, "tick_s", secs((double)r->m->tick_ns));
    o = child(b, root, "run", json_object());
    put(b, o, "ticks", count(r->m->n_ticks));
    put(b, o, "events", count(r->events));
    put(b, o, "log_entries", count(r->m->n_log));
    put(b, root, "entry", entry_json(b, r));
    if (r->analysis)
        put(b, root, "analysis", analysis_json(b, r));
    if (r->analysis && r->counterfactual && r->counterfactual->analysis)
        put(b, root, "counterfactual", counterfactual_json(b, r));
    a = child(b, root, "services", json_array());
    for (uint32_t s = 0; s < sc->n_services; s++)
        append(b, a, service_json(b, r, s));
    a = child(b, root, "edges", json_array());
    for (uint32_t e = 0; e < sc->n_calls; e++)
        append(b, a, edge_json(b, r, e));
    a = child(b, root, "faults", json_array());
    for (uint32_t f = 0; f < sc->n_faults; f++)
        append(b, a, fault_json(b, r, f));
    return root;
}

json_t *report_build_json(const report_run *r)
{
    builder b = { true };
    json_t *root = report_json(r, &b);

    if (!b.ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

bool report_write_json(const report_run *r, const char *dir, report_error *err)
{
    builder b = { true };
    json_t *root = report_json(r, &b);
    report_file rf;
    bool ok;

    if (!root || !b.ok) {
        json_decref(root);
        snprintf(err->text, sizeof(err->text), "%s/report.json: out of memory", dir);
        return false;
    }
    if (!report_file_open(&rf, dir, "report.json", err)) {
        json_decref(root);
        return false;
    }
    ok = json_dumpf(root, rf.f, DUMP_FLAGS) == 0 && fputc('\n', rf.f) != EOF;
    json_decref(root);
    if (!ok) {
        report_file_abort(&rf);
        snprintf(err->text, sizeof(err->text), "%s/report.json: write failed", dir);
        return false;
    }
    return report_file_commit(&rf, err);
}
