/* analysis.c — the metrics of docs/metrics.md, computed from a run's series
 * and log (analysis.h). Everything works at tick resolution, except the
 * times taken from the log (detection, trips), which are exact. */
#include "analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t tick_of(const sim_metrics *m, int64_t t)
{
    size_t k = t <= 0 ? 0 : (size_t)(t / m->tick_ns);

    return k < m->n_ticks ? k : m->n_ticks;
}

/* Requests that ended in the tick, and those of them that failed (neither
 * ok nor degraded). */
static void ended(const sim_tick *t, uint64_t *n, uint64_t *failed)
{
    const uint64_t *o = t->counts.outcomes;

    *failed = o[SIM_ERROR] + o[SIM_TIMEOUT] + o[SIM_REJECTED] + o[SIM_REFUSED] + o[SIM_SHED];
    *n = *failed + o[SIM_OK] + o[SIM_DEGRADED];
}

static bool tick_healthy(const sim_tick *t, const sim_slo *slo)
{
    uint64_t n, failed;

    ended(t, &n, &failed);
    return (double)failed <= slo->error_ratio * (double)n && t->p99_ns <= slo->p99_ns;
}

static bool is_entry(const sim_scenario *sc, uint32_t s)
{
    for (size_t l = 0; l < sc->n_loads; l++)
        if (sc->loads[l].entry == s)
            return true;
    return false;
}

/* Does service 'from' call 'to' directly (a handler call or an alternate)? */
static bool calls_directly(const sim_scenario *sc, uint32_t from, uint32_t to)
{
    for (size_t e = 0; e < sc->n_calls; e++)
        if (sc->calls[e].from == from && sc->calls[e].to == to)
            return true;
    return false;
}

/* Hops from 'root' to every service over the call graph, either direction
 * (a failure travels up to callers and, as load, down to shared callees);
 * UINT32_MAX where unreachable. */
static bool distances(const sim_scenario *sc, uint32_t root, uint32_t *dist)
{
    uint32_t *queue = malloc(sc->n_services * sizeof(*queue));
    size_t head = 0, tail = 0;

    if (!queue)
        return false;
    for (size_t s = 0; s < sc->n_services; s++)
        dist[s] = UINT32_MAX;
    dist[root] = 0;
    queue[tail++] = root;
    while (head < tail) {
        uint32_t s = queue[head++];

        for (size_t e = 0; e < sc->n_calls; e++) {
            const sim_call *c = &sc->calls[e];
            uint32_t next = c->from == s ? c->to : c->to == s ? c->from : UINT32_MAX;

            if (next != UINT32_MAX && dist[next] == UINT32_MAX) {
                dist[next] = dist[s] + 1;
                queue[tail++] = next;
            }
        }
    }
    free(queue);
    return true;
}

static void fault_window(const report_run *r, uint32_t i, report_fault_analysis *f)
{
    const sim_fault *ft = &r->sc->faults[i];
    int64_t end = r->duration_ns;

    f->fault = i;
    f->target = ft->service;
    f->start_ns = ft->start_ns < end ? ft->start_ns : end;
    f->end_ns = ft->duration_ns < end - f->start_ns ? f->start_ns + ft->duration_ns : end;
    f->horizon_ns = end;
    for (size_t g = 0; g < r->sc->n_faults; g++) {
        int64_t s = r->sc->faults[g].start_ns;

        if (s >= f->end_ns && s < f->horizon_ns && g != i)
            f->horizon_ns = s;
    }
}

/* Time to recover: the first tick from the fault's end on after which every
 * service is healthy and every breaker closed, up to the horizon. */
static void recovery(const report_analysis *a, const sim_metrics *m, report_fault_analysis *f)
{
    size_t first = tick_of(m, f->end_ns), horizon = tick_of(m, f->horizon_ns), k = horizon;

    while (k > first) {
        bool fine = a->closed[k - 1];

        for (size_t s = 0; fine && s < a->n_services; s++)
            fine = report_healthy(a, s, k - 1);
        if (!fine)
            break;
        k--;
    }
    if (k == horizon || first >= horizon) {
        f->recover_ns = -1;
        f->window_end_ns = f->horizon_ns;
        return;
    }
    f->recover_ns = sim_metrics_tick_start(m, k) - f->end_ns;
    if (f->recover_ns < 0)
        f->recover_ns = 0;
    f->window_end_ns = f->end_ns + f->recover_ns;
}

static void detection(const report_run *r, report_fault_analysis *f)
{
    const sim_metrics *m = r->m;

    f->detect_ns = -1;
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *l = &m->log[i];

        if (l->kind == SIM_LOG_TRANSITION && l->to == FB_STATE_OPEN &&
            r->sc->calls[l->index].to == f->target && l->at_ns >= f->start_ns &&
            l->at_ns < f->horizon_ns) {
            f->detect_ns = l->at_ns - f->start_ns;
            return;
        }
    }
}

/* Blast radius, cascade depth, containment, waste and budget of one fault. */
static bool spread(const report_run *r, const report_analysis *a, report_fault_analysis *f)
{
    const sim_scenario *sc = r->sc;
    const sim_metrics *m = r->m;
    size_t k0 = tick_of(m, f->start_ns), k1 = tick_of(m, f->window_end_ns + m->tick_ns - 1);
    size_t fault_end = tick_of(m, f->end_ns + m->tick_ns - 1);
    uint32_t *dist = malloc(sc->n_services * sizeof(*dist));
    double budget = 0;

    f->blast = calloc(sc->n_services, 1);
    if (k1 == k0 && k1 < m->n_ticks)
        k1++; /* a window inside one tick still looks at that tick */
    if (!dist || !f->blast || !distances(sc, f->target, dist)) {
        free(dist);
        return false;
    }
    f->contained = true;
    for (uint32_t s = 0; s < sc->n_services; s++) {
        uint64_t unhealthy = 0, n_all = 0, failed_all = 0;
        bool direct_caller = calls_directly(sc, s, f->target);

        for (size_t k = k0; k < k1; k++) {
            uint64_t n, failed;

            unhealthy += !report_healthy(a, s, k);
            ended(&m->services[s].ticks[k], &n, &failed);
            n_all += n;
            failed_all += failed;
        }
        if (is_entry(sc, s)) {
            f->entry_requests += n_all;
            f->entry_failed += failed_all;
            budget += sc->services[s].slo.error_ratio * (double)m->services[s].total.arrivals;
        }
        if (direct_caller && (double)failed_all > sc->services[s].slo.error_ratio * (double)n_all)
            f->contained = false; /* a direct caller lost served availability */
        if (s == f->target || unhealthy < REPORT_BLAST_TICKS)
            continue;
        f->blast[s] = 1;
        f->blast_radius++;
        if (dist[s] != UINT32_MAX && dist[s] > f->cascade_depth)
            f->cascade_depth = dist[s];
        if (!direct_caller)
            f->contained = false;
    }
    for (size_t e = 0; e < sc->n_calls; e++) {
        if (sc->calls[e].to != f->target)
            continue;
        for (size_t k = k0; k < fault_end && k < m->n_ticks; k++) {
            const uint64_t *o = m->edges[e].ticks[k].counts.outcomes;

            f->wasted_calls += o[SIM_ERROR] + o[SIM_TIMEOUT] + o[SIM_REFUSED] + o[SIM_SHED];
        }
    }
    f->budget_burned = budget > 0 ? (double)f->entry_failed / budget : NAN;
    free(dist);
    return true;
}

/* An opening is false when the edge's target was healthy in the tick of the
 * trip and the one before, and no fault on it was in its window. */
bool report_false_trip(const report_run *r, const report_analysis *a, uint32_t edge,
                       int64_t at_ns)
{
    uint32_t target = r->sc->calls[edge].to;
    size_t k = tick_of(r->m, at_ns);

    for (size_t i = 0; i < a->n_faults; i++) {
        const report_fault_analysis *f = &a->faults[i];

        if (f->target == target && at_ns >= f->start_ns && at_ns <= f->window_end_ns)
            return false;
    }
    if (k < a->n_ticks && !report_healthy(a, target, k))
        return false;
    if (k > 0 && k - 1 < a->n_ticks && !report_healthy(a, target, k - 1))
        return false;
    return true;
}

static void whole_run(const report_run *r, report_analysis *a)
{
    const sim_scenario *sc = r->sc;
    const sim_metrics *m = r->m;
    uint64_t attempts = 0, calls = 0;

    for (uint32_t s = 0; s < sc->n_services; s++) {
        const sim_counts *k = &m->services[s].total;

        if (!is_entry(sc, s))
            continue;
        a->entry_requests += k->arrivals;
        a->entry_ok += k->outcomes[SIM_OK];
        a->entry_degraded += k->outcomes[SIM_DEGRADED];
        a->entry_good += k->good;
    }
    a->availability = a->entry_requests ? (double)a->entry_ok / (double)a->entry_requests : NAN;
    a->availability_served = a->entry_requests ? (double)(a->entry_ok + a->entry_degraded) /
                                                     (double)a->entry_requests
                                               : NAN;
    a->goodput_rps = r->duration_ns > 0 ? (double)a->entry_good / ((double)r->duration_ns / 1e9)
                                        : 0;
    for (size_t e = 0; e < sc->n_calls; e++) {
        attempts += m->edges[e].total.arrivals;
        calls += m->edges[e].total.calls;
    }
    a->retry_amplification = calls ? (double)attempts / (double)calls : NAN;
}

bool report_analyze(const report_run *r, report_analysis *a)
{
    const sim_scenario *sc = r->sc;
    const sim_metrics *m = r->m;

    memset(a, 0, sizeof(*a));
    a->n_services = sc->n_services;
    a->n_ticks = m->n_ticks;
    a->healthy = calloc(sc->n_services * m->n_ticks + 1, 1);
    a->closed = calloc(m->n_ticks + 1, 1);
    a->faults = calloc(sc->n_faults + 1, sizeof(*a->faults));
    if (!a->healthy || !a->closed || !a->faults)
        return false;
    for (size_t s = 0; s < sc->n_services; s++)
        for (size_t k = 0; k < m->n_ticks; k++)
            a->healthy[s * m->n_ticks + k] =
                tick_healthy(&m->services[s].ticks[k], &sc->services[s].slo);
    for (size_t k = 0; k < m->n_ticks; k++) {
        a->closed[k] = 1;
        for (size_t e = 0; e < sc->n_calls; e++)
            if (m->edges[e].ticks[k].open || m->edges[e].ticks[k].half_open)
                a->closed[k] = 0;
    }
    whole_run(r, a);
    a->n_faults = sc->n_faults;
    for (uint32_t i = 0; i < sc->n_faults; i++) {
        report_fault_analysis *f = &a->faults[i];

        fault_window(r, i, f);
        recovery(a, m, f);
        detection(r, f);
        if (!spread(r, a, f))
            return false;
    }
    for (size_t i = 0; i < m->n_log; i++) {
        const sim_log_entry *l = &m->log[i];

        if (l->kind == SIM_LOG_TRANSITION && l->from == FB_STATE_CLOSED &&
            l->to == FB_STATE_OPEN) {
            a->breaker_opens++;
            a->false_trips += report_false_trip(r, a, l->index, l->at_ns);
        }
    }
    return true;
}

/* Append to buf, keeping it terminated. */
static void add(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*used >= size)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n < size - *used ? (size_t)n : size - *used - 1;
}

void report_fault_verdict(const report_run *r, size_t i, char *buf, size_t size)
{
    const report_fault_analysis *f = &r->analysis->faults[i];
    const sim_scenario *sc = r->sc;
    const char *label = sc->faults[f->fault].label ? sc->faults[f->fault].label : "the fault";
    const char *sep = "";
    size_t used = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    if (f->blast_radius == 0) {
        add(buf, size, &used, "%s: %s stayed within %s", f->contained ? "contained" : "not contained",
            label, sc->services[f->target].name);
        if (!f->contained)
            add(buf, size, &used, ", but its callers lost served availability");
    } else {
        add(buf, size, &used, "%s: %s spread to ", f->contained ? "contained" : "not contained",
            label);
        for (uint32_t s = 0; s < sc->n_services; s++)
            if (f->blast[s]) {
                add(buf, size, &used, "%s%s", sep, sc->services[s].name);
                sep = ", ";
            }
        add(buf, size, &used, " (depth %u)", f->cascade_depth);
    }
    if (f->detect_ns >= 0)
        add(buf, size, &used, "; detected in %.3g s", (double)f->detect_ns / 1e9);
    else
        add(buf, size, &used, "; no breaker opened");
    if (f->recover_ns >= 0)
        add(buf, size, &used, "; recovered %.3g s after it ended", (double)f->recover_ns / 1e9);
    else if (f->horizon_ns < r->duration_ns)
        add(buf, size, &used, "; not recovered before the next fault");
    else
        add(buf, size, &used, "; not recovered by the end of the run");
}

void report_analysis_free(report_analysis *a)
{
    for (size_t i = 0; a->faults && i < a->n_faults; i++)
        free(a->faults[i].blast);
    free(a->faults);
    free(a->healthy);
    free(a->closed);
    memset(a, 0, sizeof(*a));
}
