/* events.jsonl — the run's log, one JSON object per line, in time order:
 * fault windows opening and closing, and every breaker transition with the
 * window figures behind it. Times are seconds since the start of the run. */
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

static json_t *line_json(const report_run *r, const sim_log_entry *l)
{
    const sim_scenario *sc = r->sc;
    json_t *o = json_object();
    bool bad = false;
    char buf[200];

    if (!o)
        return NULL;
    set(&bad, o, "t", real((double)l->at_ns / 1e9, 1e6));
    if (l->kind != SIM_LOG_TRANSITION) {
        const sim_fault *f = &sc->faults[l->index];

        report_fault_target(sc, f, buf, sizeof(buf));
        set(&bad, o, "event",
                            json_string(l->kind == SIM_LOG_FAULT_START ? "fault_start" : "fault_end"));
        set(&bad, o, "fault", json_string(f->label ? f->label : ""));
        set(&bad, o, "kind", json_string(sim_fault_kind_names[f->kind]));
        set(&bad, o, "target", json_string(buf));
        return bad ? (json_decref(o), NULL) : o;
    }
    report_edge_name(sc, l->index, buf, sizeof(buf));
    set(&bad, o, "event", json_string("transition"));
    set(&bad, o, "edge", json_string(buf));
    if (l->instance == SIM_NONE)
        set(&bad, o, "instance", json_null());
    else
        set(&bad, o, "instance", json_integer(l->instance));
    set(&bad, o, "from", json_string(fb_state_name(l->from)));
    set(&bad, o, "to", json_string(fb_state_name(l->to)));
    set(&bad, o, "reason", json_string(fb_reason_name(l->reason)));
    set(&bad, o, "calls", json_integer((json_int_t)l->window.calls));
    set(&bad, o, "failures", json_integer((json_int_t)l->window.failures));
    set(&bad, o, "slow", json_integer((json_int_t)l->window.slow));
    set(&bad, o, "failure_rate", real(l->window.failure_rate, 1e3));
    set(&bad, o, "slow_rate", real(l->window.slow_rate, 1e3));
    set(&bad, o, "consecutive_failures",
                        json_integer(l->window.consecutive_failures));
    if (l->to == FB_STATE_OPEN)
        set(&bad, o, "open_until", real((double)l->open_until_ns / 1e9, 1e6));
    return bad ? (json_decref(o), NULL) : o;
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
