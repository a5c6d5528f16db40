/* events.jsonl — the run's log, one JSON object per line, in time order:
 * fault windows opening and closing, every breaker transition with the window
 * figures behind it, ejections, retry-budget exhaustion, fallbacks starting,
 * and with --log-level calls every retry, reroute and fallback. Times are
 * seconds since the start of the run (docs/report-schema.md). */
#include <jansson.h>
#include <math.h>

#include "analysis.h"
#include "report.h"

#define LINE_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static json_t *real(double x, double scale)
{
    return json_real(round(x * scale) / scale);
}

/* json_object_set_new() that remembers a failure (it frees 'v' either way). */
static void set(bool *bad, json_t *o, const char *key, json_t *v)
{
    *bad |= json_object_set_new(o, key, v) != 0;
}

static const char *event_name(sim_log_kind kind)
{
    static const char *const names[] = {
        [SIM_LOG_FAULT_START] = "fault_start",
        [SIM_LOG_FAULT_END] = "fault_end",
        [SIM_LOG_TRANSITION] = "transition",
        [SIM_LOG_EJECT] = "eject",
        [SIM_LOG_RETURN] = "return",
        [SIM_LOG_BUDGET_EXHAUSTED] = "retry_budget_exhausted",
        [SIM_LOG_FALLBACK_ACTIVE] = "fallback_active",
        [SIM_LOG_RETRY] = "retry",
        [SIM_LOG_REROUTE] = "reroute",
        [SIM_LOG_FALLBACK] = "fallback",
        [SIM_LOG_WOULD_TRIP] = "would_trip",
    };

    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static json_t *instance_json(uint32_t i)
{
    return i == SIM_NONE ? json_null() : json_integer(i);
}

static void fault_fields(bool *bad, json_t *o, const report_run *r, const sim_log_entry *l)
{
    const sim_fault *f = &r->sc->faults[l->index];
    char buf[200];

    report_fault_target(r->sc, f, buf, sizeof(buf));
    set(bad, o, "fault", json_string(f->label ? f->label : ""));
    set(bad, o, "kind", json_string(sim_fault_kind_names[f->kind]));
    set(bad, o, "target", json_string(buf));
}

/* The window figures behind a transition or a would-trip. */
static void window_fields(bool *bad, json_t *o, const sim_log_entry *l)
{
    set(bad, o, "reason", json_string(fb_reason_name(l->reason)));
    set(bad, o, "calls", json_integer((json_int_t)l->window.calls));
    set(bad, o, "failures", json_integer((json_int_t)l->window.failures));
    set(bad, o, "slow", json_integer((json_int_t)l->window.slow));
    set(bad, o, "failure_rate", real(l->window.failure_rate, 1e3));
    set(bad, o, "slow_rate", real(l->window.slow_rate, 1e3));
    set(bad, o, "consecutive_failures", json_integer(l->window.consecutive_failures));
}

static void transition_fields(bool *bad, json_t *o, const sim_log_entry *l)
{
    set(bad, o, "from", json_string(fb_state_name(l->from)));
    set(bad, o, "to", json_string(fb_state_name(l->to)));
    window_fields(bad, o, l);
    if (l->to == FB_STATE_OPEN)
        set(bad, o, "open_until", real((double)l->until_ns / 1e9, 1e6));
}

/* One log entry as a line: "t" and "event" first, then where, then the
 * figures behind it. */
static json_t *line_json(const report_run *r, const sim_log_entry *l)
{
    const sim_scenario *sc = r->sc;
    json_t *o = json_object();
    bool bad = false;
    char buf[200];

    if (!o)
        return NULL;
    set(&bad, o, "t", real((double)l->at_ns / 1e9, 1e6));
    set(&bad, o, "event", json_string(event_name(l->kind)));
    switch (l->kind) {
    case SIM_LOG_FAULT_START:
    case SIM_LOG_FAULT_END:
        fault_fields(&bad, o, r, l);
        break;
    case SIM_LOG_EJECT:
    case SIM_LOG_RETURN:
        set(&bad, o, "service", json_string(sc->services[l->index].name));
        set(&bad, o, "instance", instance_json(l->instance));
        if (l->kind == SIM_LOG_EJECT) {
            set(&bad, o, "failures_in_a_row", json_integer((json_int_t)l->count));
            set(&bad, o, "ejections", json_integer((json_int_t)l->total));
            set(&bad, o, "until", real((double)l->until_ns / 1e9, 1e6));
        }
        break;
    default: /* the edge kinds */
        report_edge_name(sc, l->index, buf, sizeof(buf));
        set(&bad, o, "edge", json_string(buf));
        set(&bad, o, "instance", instance_json(l->instance));
        switch (l->kind) {
        case SIM_LOG_TRANSITION:
            transition_fields(&bad, o, l);
            break;
        case SIM_LOG_WOULD_TRIP:
            set(&bad, o, "candidate", json_integer(l->target));
            window_fields(&bad, o, l);
            break;
        case SIM_LOG_BUDGET_EXHAUSTED:
            set(&bad, o, "retries_in_window", json_integer((json_int_t)l->count));
            set(&bad, o, "calls_in_window", json_integer((json_int_t)l->total));
            break;
        case SIM_LOG_RETRY:
            set(&bad, o, "attempt", json_integer((json_int_t)l->count));
            set(&bad, o, "after", json_string(sim_outcome_name(l->outcome)));
            set(&bad, o, "at", real((double)l->until_ns / 1e9, 1e6));
            break;
        case SIM_LOG_REROUTE:
            report_edge_name(sc, l->target, buf, sizeof(buf));
            set(&bad, o, "attempt", json_integer((json_int_t)l->count));
            set(&bad, o, "after", json_string(sim_outcome_name(l->outcome)));
            set(&bad, o, "to", json_string(buf));
            break;
        default: /* FALLBACK_ACTIVE, FALLBACK */
            set(&bad, o, "failure", json_string(sim_outcome_name(l->outcome)));
            set(&bad, o, "answer", json_string(sim_outcome_name(l->result)));
        }
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* An SLO line: service s turned unhealthy (breach) or healthy again in tick k. */
static json_t *slo_json(const report_run *r, size_t s, size_t k, bool breach)
{
    const sim_tick *t = &r->m->services[s].ticks[k];
    const uint64_t *o = t->counts.outcomes;
    uint64_t failed = o[SIM_ERROR] + o[SIM_REFUSED] + o[SIM_SHED] + o[SIM_TIMEOUT] +
                      o[SIM_REJECTED];
    uint64_t ended = failed + o[SIM_OK] + o[SIM_DEGRADED];
    json_t *j = json_object();
    bool bad = false;

    if (!j)
        return NULL;
    set(&bad, j, "t", real((double)sim_metrics_tick_start(r->m, k) / 1e9, 1e6));
    set(&bad, j, "event", json_string(breach ? "slo_breach" : "slo_restored"));
    set(&bad, j, "service", json_string(r->sc->services[s].name));
    set(&bad, j, "error_ratio", ended ? real((double)failed / (double)ended, 1e6) : json_null());
    set(&bad, j, "p99_ms", real((double)t->p99_ns / 1e6, 1e3));
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool write_line(FILE *f, json_t *o)
{
    bool ok = o && json_dumpf(o, f, LINE_FLAGS) == 0 && fputc('\n', f) != EOF;

    json_decref(o);
    return ok;
}

/* The log, merged in time order with the SLO lines of the analysis (when
 * there is one): at a tick's start, the log's lines of that instant first,
 * then the services that turned unhealthy or healthy in that tick. */
bool report_write_events(const report_run *r, const char *dir, report_error *err)
{
    const report_analysis *a = r->analysis;
    size_t n_ticks = a ? a->n_ticks : 0, i = 0;
    bool ok = true;
    report_file rf;

    if (!report_file_open(&rf, dir, "events.jsonl", err))
        return false;
    for (size_t k = 0; ok && k <= n_ticks; k++) {
        int64_t start = k < n_ticks ? sim_metrics_tick_start(r->m, k) : INT64_MAX;

        for (; ok && i < r->m->n_log && r->m->log[i].at_ns <= start; i++)
            ok = write_line(rf.f, line_json(r, &r->m->log[i]));
        for (size_t s = 0; ok && k < n_ticks && s < a->n_services; s++) {
            bool now = report_healthy(a, s, k), before = k == 0 || report_healthy(a, s, k - 1);

            if (now != before)
                ok = write_line(rf.f, slo_json(r, s, k, !now));
        }
    }
    if (!ok) {
        report_file_abort(&rf);
        snprintf(err->text, sizeof(err->text), "%s/events.jsonl: write failed", dir);
        return false;
    }
    return report_file_commit(&rf, err);
}
