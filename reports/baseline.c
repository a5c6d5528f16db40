/* baseline.c — regressions against an earlier report.json (baseline.h). */
#include "baseline.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

/* A number or null (NaN) at obj.key. */
static double number(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static report_regression *next(report_regression *out, int *n)
{
    report_regression *g = &out[*n];

    memset(g, 0, sizeof(*g));
    g->pass = true;
    (*n)++;
    return g;
}

static void ratio(report_regression *out, int *n, const char *name, double now, double then,
                  double tol)
{
    report_regression *g;

    if (isnan(then) || *n >= REPORT_BASELINE_MAX)
        return;
    g = next(out, n);
    snprintf(g->name, sizeof(g->name), "%s vs baseline", name);
    g->pass = !(now < then - tol) && !isnan(now);
    snprintf(g->message, sizeof(g->message), "%s %.6g, baseline %.6g (tolerance %g)", name, now,
             then, tol);
}

static void no_more(report_regression *out, int *n, const char *name, double now, double then)
{
    report_regression *g;

    if (isnan(then) || *n >= REPORT_BASELINE_MAX)
        return;
    g = next(out, n);
    snprintf(g->name, sizeof(g->name), "%s vs baseline", name);
    g->pass = now <= then;
    snprintf(g->message, sizeof(g->message), "%s %.6g, baseline %.6g", name, now, then);
}

static void recovery(report_regression *out, int *n, const char *label, double now, double then,
                     double tick_s)
{
    report_regression *g;

    if (*n >= REPORT_BASELINE_MAX)
        return;
    g = next(out, n);
    snprintf(g->name, sizeof(g->name), "time_to_recover for %s vs baseline", label);
    if (isnan(then)) {
        g->pass = true; /* it had not recovered before: anything is no worse */
    } else if (isnan(now)) {
        g->pass = false;
    } else {
        g->pass = now <= then + fmax(tick_s, 0.1 * then) + 1e-9;
    }
    snprintf(g->message, sizeof(g->message), "time_to_recover for %s: %s%.4g s, baseline %s%.4g s",
             label, isnan(now) ? "not recovered " : "", isnan(now) ? 0 : now,
             isnan(then) ? "not recovered " : "", isnan(then) ? 0 : then);
}

int report_baseline(const report_run *r, const char *path, double tolerance,
                    report_regression *out, report_error *err)
{
    const report_analysis *a = r->analysis;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *an, *faults;
    int n = 0;

    if (!root) {
        snprintf(err->text, sizeof(err->text), "%s: %s", path, jerr.text);
        return -1;
    }
    an = json_object_get(root, "analysis");
    if (!json_is_integer(json_object_get(root, "schema_version")) || !json_is_object(an)) {
        snprintf(err->text, sizeof(err->text),
                 "%s: not a firebreak report with an analysis (schema_version %d)", path,
                 REPORT_SCHEMA_VERSION);
        json_decref(root);
        return -1;
    }
    ratio(out, &n, "availability", a->availability, number(an, "availability"), tolerance);
    ratio(out, &n, "availability_served", a->availability_served,
          number(an, "availability_served"), tolerance);
    no_more(out, &n, "false_trips", (double)a->false_trips, number(an, "false_trips"));
    faults = json_object_get(an, "faults");
    for (size_t i = 0; i < a->n_faults; i++) {
        const char *label = r->sc->faults[a->faults[i].fault].label;
        const report_fault_analysis *f = &a->faults[i];
        char name[200];
        size_t j;
        json_t *g;

        json_array_foreach(faults, j, g) {
            json_t *l = json_object_get(g, "fault");

            if (!label || !json_is_string(l) || strcmp(json_string_value(l), label) != 0)
                continue;
            snprintf(name, sizeof(name), "blast_radius for %s", label);
            no_more(out, &n, name, f->blast_radius, number(g, "blast_radius"));
            recovery(out, &n, label, f->recover_ns < 0 ? NAN : (double)f->recover_ns / 1e9,
                     number(g, "time_to_recover_s"), (double)r->m->tick_ns / 1e9);
            break;
        }
    }
    json_decref(root);
    return n;
}
