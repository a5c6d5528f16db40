/* events.jsonl — the run's log, one JSON object per line, in time order:
 * fault windows opening and closing, every breaker transition with the window
 * figures behind it, ejections, retry-budget exhaustion, fallbacks starting,
 * and with --log-level calls every retry, reroute and fallback. Times are
 * seconds since the start of the run (docs/report-schema.md). */
#include <jansson.h>
#include <math.h>

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

bool report_write_events(const report_run *r, const char *dir, report_error *err)
{
    report_file rf;

    if (!report_file_open(&rf, dir, "events.jsonl", err))
        return false;
    for (size_t i = 0; i < r->m->n_log; i++) {
        json_t *o = line_json(r, &r->m->log[i]);
        bool ok = o && json_dumpf(o, rf.f, LINE_FLAGS) == 0 && fputc('\n', rf.f) != EOF;

        json_decref(o);
        if (!ok) {
            report_file_abort(&rf);
            snprintf(err->text, sizeof(err->text), "%s/events.jsonl: write failed", dir);
            return false;
        }
    }
    return report_file_commit(&rf, err);
}
