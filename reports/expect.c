/* expect.c — evaluate a scenario's "expect" list on a run (expect.h). */
#include "expect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t report_check_count(const sim_scenario *sc)
{
    size_t n = 0;

    for (size_t i = 0; i < sc->n_expects; i++) {
        const sim_expect *e = &sc->expects[i];
        bool every = sim_expect_metrics[e->metric].scope == SIM_EXPECT_FAULT &&
                     e->fault == SIM_NONE;

        n += every ? sc->n_faults : 1;
    }
    return n;
}

static double ratio(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : NAN;
}

static double run_value(const report_run *r, const char *name)
{
    const report_analysis *a = r->analysis;

    if (!strcmp(name, "availability"))
        return a->availability;
    if (!strcmp(name, "availability_served"))
        return a->availability_served;
    if (!strcmp(name, "goodput_rps"))
        return a->goodput_rps;
    if (!strcmp(name, "retry_amplification"))
        return a->retry_amplification;
    if (!strcmp(name, "breaker_opens"))
        return (double)a->breaker_opens;
    return (double)a->false_trips; /* false_trips */
}

static double fault_value(const report_run *r, const char *name, uint32_t fault)
{
    const report_fault_analysis *f = &r->analysis->faults[fault];

    if (!strcmp(name, "time_to_detect"))
        return f->detect_ns < 0 ? NAN : (double)f->detect_ns / 1e9;
    if (!strcmp(name, "time_to_recover"))
        return f->recover_ns < 0 ? NAN : (double)f->recover_ns / 1e9;
    if (!strcmp(name, "blast_radius"))
        return f->blast_radius;
    if (!strcmp(name, "cascade_depth"))
        return f->cascade_depth;
    if (!strcmp(name, "contained"))
        return f->contained;
    if (!strcmp(name, "wasted_calls"))
        return (double)f->wasted_calls;
    return f->budget_burned; /* slo_budget_burned */
}

static double service_value(const report_run *r, const char *name, uint32_t s)
{
    const sim_series *se = &r->m->services[s];
    const sim_counts *k = &se->total;
    double q = !strcmp(name, "p50") ? 0.5 : !strcmp(name, "p90") ? 0.9 : !strcmp(name, "p99") ? 0.99
                                                                                              : 0.999;

    if (!strcmp(name, "availability"))
        return ratio(k->outcomes[SIM_OK], k->arrivals);
    if (!strcmp(name, "availability_served"))
        return ratio(k->outcomes[SIM_OK] + k->outcomes[SIM_DEGRADED], k->arrivals);
    return se->latency.count ? (double)sim_hist_quantile(&se->latency, q) / 1e9 : NAN;
}

static double edge_value(const report_run *r, const char *name, uint32_t e)
{
    const sim_counts *k = &r->m->edges[e].total;
    uint64_t opens = 0;

    if (!strcmp(name, "retry_amplification"))
        return ratio(k->arrivals, k->calls);
    if (!strcmp(name, "success_ratio"))
        return ratio(k->outcomes[SIM_OK], k->arrivals);
    for (size_t i = 0; i < r->m->n_log; i++) /* breaker_opens */
        opens += r->m->log[i].kind == SIM_LOG_TRANSITION && r->m->log[i].index == e &&
                 r->m->log[i].from == FB_STATE_CLOSED && r->m->log[i].to == FB_STATE_OPEN;
    return (double)opens;
}

static void judge(report_check *c)
{
    const sim_expect *e = c->e;
    double slack = 1e-9 * fmax(1, fabs(c->value));

    c->pass = !isnan(c->value) && (!e->has_min || c->value >= e->min - slack) &&
              (!e->has_max || c->value <= e->max + slack);
}

size_t report_check_run(const report_run *r, report_check *out)
{
    const sim_scenario *sc = r->sc;
    size_t n = 0, failed = 0;

    for (size_t i = 0; i < sc->n_expects; i++) {
        const sim_expect *e = &sc->expects[i];
        const sim_expect_metric *m = &sim_expect_metrics[e->metric];
        uint32_t first = e->fault, last = e->fault;

        if (m->scope == SIM_EXPECT_FAULT && e->fault == SIM_NONE) {
            if (sc->n_faults == 0)
                continue;
            first = 0;
            last = (uint32_t)sc->n_faults - 1;
        }
        for (uint32_t f = first; f == SIM_NONE || f <= last; f++) {
            report_check *c = &out[n++];

            c->e = e;
            c->fault = f;
            switch (m->scope) {
            case SIM_EXPECT_RUN:
                c->value = run_value(r, m->name);
                break;
            case SIM_EXPECT_FAULT:
                c->value = fault_value(r, m->name, f);
                break;
            case SIM_EXPECT_SERVICE:
                c->value = service_value(r, m->name, e->service);
                break;
            case SIM_EXPECT_EDGE:
                c->value = edge_value(r, m->name, e->edge);
                break;
            }
            judge(c);
            failed += !c->pass;
            if (f == SIM_NONE)
                break;
        }
    }
    return failed;
}

void report_check_value(const report_check *c, char *buf, size_t size)
{
    const sim_expect_metric *m = &sim_expect_metrics[c->e->metric];

    if (isnan(c->value))
        snprintf(buf, size, "%s",
                 !strcmp(m->name, "time_to_recover")  ? "not recovered"
                 : !strcmp(m->name, "time_to_detect") ? "not detected"
                                                      : "no data");
    else if (m->unit == SIM_UNIT_BOOL)
        snprintf(buf, size, "%s", c->value != 0 ? "true" : "false");
    else if (m->unit == SIM_UNIT_SECONDS)
        snprintf(buf, size, "%.4g s", c->value);
    else
        snprintf(buf, size, "%.6g", c->value);
}

void report_check_name(const sim_scenario *sc, const report_check *c, char *buf, size_t size)
{
    const sim_expect *e = c->e;

    if (sim_expect_metrics[e->metric].scope == SIM_EXPECT_FAULT && e->fault == SIM_NONE) {
        const char *label = sc->faults[c->fault].label ? sc->faults[c->fault].label : "a fault";
        const char *every = strstr(e->text, " for every fault");

        if (every) {
            snprintf(buf, size, "%.*s for %s%s", (int)(every - e->text), e->text, label,
                     every + strlen(" for every fault"));
            return;
        }
    }
    snprintf(buf, size, "%s", e->text);
}
