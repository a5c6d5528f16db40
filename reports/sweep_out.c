/* sweep_out.c — the files of a sweep (sweep.h): sweep.csv, sweep.json, the
 * gnuplot scripts and data, sweep.html, and the partial results of shards.
 *
 * Every file is a function of the sweep's table alone (never of the output
 * directory, the number of processes or the shards), so a merged sweep
 * writes the same bytes as an unsharded one. Partial files carry results as
 * 17-digit reals, which read back to the same doubles. */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breaker.h"
#include "plot.h"
#include "scenario.h"

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

static json_t *num(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *settings_of(const report_sweep *s, size_t p)
{
    json_t *o = json_object();

    for (size_t i = 0; i < s->n_params; i++)
        json_object_set(o, s->params[i].key,
                        json_array_get(s->params[i].values, s->value_idx[p * s->n_params + i]));
    return o;
}

static json_t *stats_of(const report_sweep *s, size_t p)
{
    json_t *o = json_object();

    for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++) {
        const report_sweep_stat *st = &s->stats[p * REPORT_SWEEP_N_METRICS + m];

        json_object_set_new(o, report_sweep_metric_names[m],
                            json_pack("{s:o, s:o, s:o, s:I}", "mean", num(st->mean), "lo",
                                      num(st->lo), "hi", num(st->hi), "n", (json_int_t)st->n));
    }
    return o;
}

/* ---- the recommendation ---------------------------------------------------- */

/* The profile names the params touch ("profiles.NAME..."), each once. */
static size_t touched_profiles(const report_sweep *s, char names[][64], size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n_params; i++) {
        const char *k = s->params[i].key;
        size_t len;
        bool seen = false;

        if (strncmp(k, "profiles.", 9) != 0)
            continue;
        len = strcspn(k + 9, ".[");
        if (len == 0 || len >= 64)
            continue;
        for (size_t j = 0; j < n; j++)
            seen |= strncmp(names[j], k + 9, len) == 0 && names[j][len] == '\0';
        if (!seen && n < max) {
            memcpy(names[n], k + 9, len);
            names[n++][len] = '\0';
        }
    }
    return n;
}

static void dur(char *buf, size_t size, int64_t ns)
{
    if (ns % 1000000000 == 0)
        snprintf(buf, size, "%" PRId64 "s", ns / 1000000000);
    else if (ns % 1000000 == 0)
        snprintf(buf, size, "%" PRId64 "ms", ns / 1000000);
    else
        snprintf(buf, size, "%" PRId64 "ns", ns);
}

/* Resilience4j's property lines for one engine configuration. */
static void r4j_lines(json_t *lines, const char *name, const fb_config *c)
{
    char pre[128], d[64];

#define LINE(...)                                             \
    do {                                                      \
        char l_[256];                                         \
        snprintf(l_, sizeof(l_), __VA_ARGS__);                \
        json_array_append_new(lines, json_string(l_));        \
    } while (0)
    snprintf(pre, sizeof(pre), "resilience4j.circuitbreaker.instances.%s.", name);
    LINE("%sslidingWindowType=%s", pre,
         c->window_type == FB_WINDOW_TIME ? "TIME_BASED" : "COUNT_BASED");
    LINE("%sslidingWindowSize=%" PRIu32, pre, c->window_size);
    LINE("%sminimumNumberOfCalls=%" PRIu32, pre, c->min_calls);
    if (c->rules & FB_RULE_FAILURE_RATE)
        LINE("%sfailureRateThreshold=%g", pre, c->failure_rate_threshold);
    else
        LINE("# failure-rate rule off: Resilience4j cannot turn it off; 100 is closest");
    if (c->rules & FB_RULE_SLOW_CALL_RATE)
        LINE("%sslowCallRateThreshold=%g", pre, c->slow_call_rate_threshold);
    else
        LINE("%sslowCallRateThreshold=100", pre);
    dur(d, sizeof(d), c->slow_call_ns);
    LINE("%sslowCallDurationThreshold=%s", pre, d);
    dur(d, sizeof(d), c->open_wait_ns);
    LINE("%swaitDurationInOpenState=%s", pre, d);
    if (c->open_wait_multiplier > 1) {
        LINE("%senableExponentialBackoff=true", pre);
        LINE("%sexponentialBackoffMultiplier=%g", pre, c->open_wait_multiplier);
        dur(d, sizeof(d), c->open_wait_max_ns);
        LINE("%sexponentialMaxWaitDurationInOpenState=%s", pre, d);
    }
    LINE("%spermittedNumberOfCallsInHalfOpenState=%" PRIu32, pre, c->half_open_permits);
    if (c->half_open_deadline_ns > 0) {
        dur(d, sizeof(d), c->half_open_deadline_ns);
        LINE("%smaxWaitDurationInHalfOpenState=%s", pre, d);
    }
    if (c->rules & FB_RULE_CONSECUTIVE_FAILURES)
        LINE("# no Resilience4j equivalent: consecutive_failures=%" PRIu32,
             c->consecutive_failures);
    if (c->rules & FB_RULE_ABSOLUTE_FAILURES)
        LINE("# no Resilience4j equivalent: absolute_failures=%" PRIu32, c->absolute_failures);
#undef LINE
}

/* {"point", "settings", "profiles", "resilience4j", "rule"} or null. */
static json_t *recommendation_json(const report_sweep *s)
{
    char names[REPORT_SWEEP_MAX_PARAMS][64], err[512];
    size_t n;
    json_t *sc, *profiles, *lines, *o;
    sim_scenario *loaded;
    sim_error serr;
    char *text;

    if (s->recommended < 0)
        return json_null();
    if (!(sc = report_sweep_apply(s, (size_t)s->recommended, err, sizeof(err))))
        return json_null();
    n = touched_profiles(s, names, REPORT_SWEEP_MAX_PARAMS);
    profiles = json_object();
    lines = json_array();
    text = json_dumps(sc, JSON_COMPACT);
    loaded = text ? sim_scenario_load_string(text, s->source, &serr) : NULL;
    free(text);
    for (size_t i = 0; i < n; i++) {
        json_t *prof = json_object_get(json_object_get(sc, "profiles"), names[i]);

        if (prof)
            json_object_set(profiles, names[i], prof);
        for (size_t k = 0; loaded && k < loaded->n_profiles; k++)
            if (strcmp(loaded->profiles[k].name, names[i]) == 0)
                r4j_lines(lines, names[i], &loaded->profiles[k].cfg);
    }
    sim_scenario_free(loaded);
    json_decref(sc);
    o = json_object();
    json_object_set_new(o, "point", json_integer(s->recommended));
    json_object_set_new(o, "settings", settings_of(s, (size_t)s->recommended));
    json_object_set_new(o, "profiles", profiles);
    json_object_set_new(o, "resilience4j", lines);
    return o;
}

static const char RULE[] =
    "on the Pareto front over (availability served up, time to recover down, false trips "
    "down) of the means over seeds: the fewest false trips (zero when any point has zero), "
    "then the highest availability served, then the shortest recovery, then the first point";

/* ---- the shadow pass ---------------------------------------------------------- */

static const char SHADOW_RULE[] =
    "a point whose mean false would-trips over the seeds is above 0 is pruned (not run); "
    "when that would prune every point, none is";
static const char SHADOW_LIMIT[] =
    "one run per seed without breakers, each setting's breakers in METRICS_ONLY: no "
    "feedback, so what follows a setting's first would-trip (the traffic an open breaker "
    "would have changed, recovery) is not measured; it prunes false trips, it does not "
    "rank availability";

/* A point's shadow figures: means over seeds, and per fault the mean time
 * to detect over the seeds where a would-trip detected it. */
static json_t *shadow_of(const report_sweep *s, size_t p)
{
    json_t *o = json_object(), *by_fault = json_array();

    json_object_set_new(o, "would_trips",
                        num(report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_WOULD)));
    json_object_set_new(o, "false_would_trips",
                        num(report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_FALSE)));
    json_object_set_new(o, "time_to_detect_s",
                        num(report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_DETECT)));
    json_object_set_new(o, "undetected_faults",
                        num(report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_UNDETECTED)));
    for (size_t f = 0; f < s->n_faults; f++) {
        double sum = 0;
        unsigned n = 0;

        for (size_t k = 0; k < s->n_seeds; k++) {
            double d = s->shadow_detect[(p * s->n_seeds + k) * s->n_faults + f];

            if (!isnan(d)) {
                sum += d;
                n++;
            }
        }
        json_array_append_new(by_fault, json_pack("{s:s, s:o, s:I}", "fault", s->fault_labels[f],
                                                  "time_to_detect_s", num(n ? sum / n : NAN),
                                                  "detected_on_seeds", (json_int_t)n));
    }
    json_object_set_new(o, "faults", by_fault);
    return o;
}

static json_t *shadow_summary(const report_sweep *s)
{
    json_t *pruned = json_array();

    for (size_t p = 0; p < s->n_points; p++)
        if (s->pruned[p])
            json_array_append_new(pruned, json_integer((json_int_t)p));
    return json_pack("{s:s, s:o, s:b, s:I, s:s}", "rule", SHADOW_RULE, "pruned", pruned,
                     "all_had_false_would_trips_none_pruned", s->pruned_none_kept_all, "run",
                     (json_int_t)(s->n_points - s->n_pruned), "limit", SHADOW_LIMIT);
}

json_t *report_sweep_build_json(const report_sweep *s)
{
    json_t *o = json_object(), *params = json_array(), *points = json_array(),
           *front = json_array(), *seeds = json_array();

    for (size_t i = 0; i < s->n_params; i++)
        json_array_append_new(params, json_pack("{s:s, s:O}", "key", s->params[i].key,
                                                "values", s->params[i].values));
    for (size_t k = 0; k < s->n_seeds; k++)
        json_array_append_new(seeds, json_integer((json_int_t)s->seeds[k]));
    for (size_t p = 0; p < s->n_points; p++) {
        json_t *pt = json_pack("{s:I, s:o, s:b, s:o}", "point", (json_int_t)p, "settings",
                               settings_of(s, p), "front", s->front[p], "stats", stats_of(s, p));

        if (s->shadow) {
            json_object_set_new(pt, "pruned", json_boolean(s->pruned[p]));
            json_object_set_new(pt, "shadow", shadow_of(s, p));
        }
        json_array_append_new(points, pt);
        if (s->front[p])
            json_array_append_new(front, json_integer((json_int_t)p));
    }
    json_object_set_new(o, "schema", json_integer(1));
    json_object_set_new(o, "scenario", json_string(s->name));
    json_object_set_new(o, "source", json_string(s->source));
    json_object_set_new(o, "seeds", seeds);
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "interval",
                        json_string("95 % Student's t over the seeds where the figure is "
                                    "defined; null with fewer than 2"));
    json_object_set_new(o, "points", points);
    json_object_set_new(o, "front", front);
    json_object_set_new(o, "rule", json_string(RULE));
    json_object_set_new(o, "recommendation", recommendation_json(s));
    if (s->shadow)
        json_object_set_new(o, "shadow", shadow_summary(s));
    return o;
}

bool report_sweep_recommendation_text(const report_sweep *s, char *buf, size_t size)
{
    json_t *r = recommendation_json(s);
    size_t used = 0;
    const char *key;
    json_t *v;
    size_t i;
    char label[2048];
    const report_sweep_stat *st;

#define ADD(...) \
    (used += used < size ? (size_t)snprintf(buf + used, size - used, __VA_ARGS__) : 0)
    buf[0] = '\0';
    if (!json_is_object(r)) {
        json_decref(r);
        return false;
    }
    st = &s->stats[(size_t)s->recommended * REPORT_SWEEP_N_METRICS];
    report_sweep_point_label(s, (size_t)s->recommended, label, sizeof(label));
    ADD("recommended (point %ld): %s\n", s->recommended, label);
    ADD("  availability served %.4f %%, strict %.4f %%, time to recover %.1f s, "
        "false trips %.1f (means over %zu seeds)\n",
        st[REPORT_SWEEP_SERVED].mean * 100, st[REPORT_SWEEP_STRICT].mean * 100,
        st[REPORT_SWEEP_RECOVER].mean, st[REPORT_SWEEP_FALSE_TRIPS].mean, s->n_seeds);
    if (json_object_size(json_object_get(r, "profiles"))) {
        ADD("\nbreaker profile (paste into the scenario's \"profiles\"):\n");
        json_object_foreach(json_object_get(r, "profiles"), key, v) {
            char *t = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

            ADD("  \"%s\": %s\n", key, t ? t : "");
            free(t);
        }
        ADD("\nResilience4j (application.properties):\n");
        json_array_foreach(json_object_get(r, "resilience4j"), i, v)
            ADD("  %s\n", json_string_value(v));
    }
#undef ADD
    json_decref(r);
    return true;
}

/* ---- the files -------------------------------------------------------------- */

static void value_text(json_t *v, char *buf, size_t size)
{
    char *t;

    if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
        return;
    }
    t = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
    snprintf(buf, size, "%s", t ? t : "");
    free(t);
}

static json_t *value_at(const report_sweep *s, size_t p, size_t i)
{
    return json_array_get(s->params[i].values, s->value_idx[p * s->n_params + i]);
}

static bool write_csv(const report_sweep *s, const char *dir, report_error *err)
{
    report_file rf;
    char v[256];

    if (!report_file_open(&rf, dir, "sweep.csv", err))
        return false;
    fputs("point", rf.f);
    for (size_t i = 0; i < s->n_params; i++)
        fprintf(rf.f, ",%s", s->params[i].key);
    fputs(",seed", rf.f);
    for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++)
        fprintf(rf.f, ",%s", report_sweep_metric_names[m]);
    fputc('\n', rf.f);
    for (size_t p = 0; p < s->n_points; p++)
        for (size_t k = 0; k < s->n_seeds && !(s->pruned && s->pruned[p]); k++) {
            const report_sweep_result *r = &s->results[p * s->n_seeds + k];

            fprintf(rf.f, "%zu", p);
            for (size_t i = 0; i < s->n_params; i++) {
                value_text(value_at(s, p, i), v, sizeof(v));
                fprintf(rf.f, ",%s", v);
            }
            fprintf(rf.f, ",%" PRIu64, s->seeds[k]);
            for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++)
                if (isnan(r->v[m]))
                    fputs(",", rf.f);
                else
                    fprintf(rf.f, ",%.10g", r->v[m]);
            fputc('\n', rf.f);
        }
    return report_file_commit(&rf, err);
}

/* shadow.csv: one row per point x seed, every point (pruned or not). */
static bool write_shadow_csv(const report_sweep *s, const char *dir, report_error *err)
{
    report_file rf;
    char v[256];

    if (!report_file_open(&rf, dir, "shadow.csv", err))
        return false;
    fputs("point", rf.f);
    for (size_t i = 0; i < s->n_params; i++)
        fprintf(rf.f, ",%s", s->params[i].key);
    fputs(",seed,would_trips,false_would_trips,time_to_detect_s,undetected_faults,pruned", rf.f);
    for (size_t f = 0; f < s->n_faults; f++)
        fprintf(rf.f, ",time_to_detect_s[%zu]", f);
    fputc('\n', rf.f);
    for (size_t p = 0; p < s->n_points; p++)
        for (size_t k = 0; k < s->n_seeds; k++) {
            size_t c = p * s->n_seeds + k;
            const report_sweep_shadow *h = &s->shadow[c];

            fprintf(rf.f, "%zu", p);
            for (size_t i = 0; i < s->n_params; i++) {
                value_text(value_at(s, p, i), v, sizeof(v));
                fprintf(rf.f, ",%s", v);
            }
            fprintf(rf.f, ",%" PRIu64 ",%.10g,%.10g,", s->seeds[k], h->would_trips,
                    h->false_would_trips);
            if (!isnan(h->detect_s))
                fprintf(rf.f, "%.10g", h->detect_s);
            fprintf(rf.f, ",%.10g,%d", h->undetected, s->pruned[p] ? 1 : 0);
            for (size_t f = 0; f < s->n_faults; f++) {
                double d = s->shadow_detect[c * s->n_faults + f];

                if (isnan(d))
                    fputs(",", rf.f);
                else
                    fprintf(rf.f, ",%.10g", d);
            }
            fputc('\n', rf.f);
        }
    return report_file_commit(&rf, err);
}

static bool write_json(const report_sweep *s, const char *dir, report_error *err)
{
    json_t *j = report_sweep_build_json(s);
    report_file rf;
    bool ok;

    if (!j) {
        snprintf(err->text, sizeof(err->text), "%s/sweep.json: out of memory", dir);
        return false;
    }
    if (!report_file_open(&rf, dir, "sweep.json", err)) {
        json_decref(j);
        return false;
    }
    ok = json_dumpf(j, rf.f, JSON_FLAGS) == 0;
    fputc('\n', rf.f);
    json_decref(j);
    if (!ok) {
        report_file_abort(&rf);
        snprintf(err->text, sizeof(err->text), "%s/sweep.json: cannot write", dir);
        return false;
    }
    return report_file_commit(&rf, err);
}

/* A gnuplot single-quoted string: ' doubled. */
static void gp_quote(FILE *f, const char *t)
{
    fputc('\'', f);
    for (; *t; t++) {
        if (*t == '\'')
            fputc('\'', f);
        fputc(*t, f);
    }
    fputc('\'', f);
}

static void gp_head(FILE *f, const char *name, const char *what)
{
    fprintf(f, "# %s.gp — %s\n# Written by firebreak %s; re-render in this directory with: "
               "gnuplot %s.gp\n",
            name, what, FB_VERSION, name);
    fprintf(f, "if (!exists(\"out\")) out = '%s'\nset encoding utf8\n"
               "set border 3 lc rgb '#8C8C8C'\nset tics nomirror out scale 0.5\n"
               "set grid back lc rgb '#E8E8E8'\n",
            name);
}

static void gp_loop(FILE *f)
{
    fputs("do for [fmt in 'png svg'] {\n"
          "if (fmt eq 'png') {\n"
          "    set terminal pngcairo size 900,600 font 'DejaVu Sans,10' noenhanced "
          "background '#FFFFFF'\n"
          "} else {\n"
          "    set terminal svg size 900,600 font 'DejaVu Sans,10' noenhanced "
          "background '#FFFFFF'\n"
          "}\n"
          "set output out.'.'.fmt\n",
          f);
}

/* The Pareto front: recovery (x) against availability served (y). Block 0:
 * every point; 1: the front by recovery; 2: the recommendation. */
static bool write_pareto(const report_sweep *s, const char *plots, report_error *err)
{
    report_file rf;
    size_t *order = malloc((s->n_points + 1) * sizeof(size_t)), n = 0;

    if (!order || !report_file_open(&rf, plots, "pareto.dat", err)) {
        free(order);
        if (!order)
            snprintf(err->text, sizeof(err->text), "out of memory");
        return false;
    }
    fputs("# point time_to_recover_s availability_served false_trips\n", rf.f);
    for (int block = 0; block < 3; block++) {
        n = 0;
        for (size_t p = 0; p < s->n_points; p++)
            if ((block == 0 && !(s->pruned && s->pruned[p])) || (block == 1 && s->front[p]) ||
                (block == 2 && (long)p == s->recommended))
                order[n++] = p;
        /* The front in recovery order, so its line reads left to right. */
        for (size_t i = 1; block == 1 && i < n; i++)
            for (size_t j = i; j > 0; j--) {
                double a = s->stats[order[j - 1] * REPORT_SWEEP_N_METRICS + REPORT_SWEEP_RECOVER].mean,
                       b = s->stats[order[j] * REPORT_SWEEP_N_METRICS + REPORT_SWEEP_RECOVER].mean;
                size_t t;

                if (a <= b)
                    break;
                t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        for (size_t i = 0; i < n; i++) {
            const report_sweep_stat *st = &s->stats[order[i] * REPORT_SWEEP_N_METRICS];

            fprintf(rf.f, "%zu %.10g %.10g %.10g\n", order[i], st[REPORT_SWEEP_RECOVER].mean,
                    st[REPORT_SWEEP_SERVED].mean, st[REPORT_SWEEP_FALSE_TRIPS].mean);
        }
        if (n == 0)
            fputs("nan nan nan nan\n", rf.f);
        fputs("\n\n", rf.f);
    }
    free(order);
    if (!report_file_commit(&rf, err) || !report_file_open(&rf, plots, "pareto.gp", err))
        return false;
    gp_head(rf.f, "pareto", "every setting of the sweep, its Pareto front and the "
                            "recommendation (means over seeds)");
    fputs("set xlabel 'time to recover (s, mean)'\nset ylabel 'availability served (mean)'\n"
          "set key bottom right\n",
          rf.f);
    gp_loop(rf.f);
    fputs("plot 'pareto.dat' index 0 using 2:3 with points pt 7 ps 0.8 lc rgb '#BBBBBB' "
          "title 'settings', \\\n"
          "     '' index 1 using 2:3 with linespoints pt 7 ps 1.2 lc rgb '#1F77B4' "
          "title 'Pareto front', \\\n"
          "     '' index 2 using 2:3 with points pt 3 ps 3 lw 2 lc rgb '#D62728' "
          "title 'recommended'\n}\n",
          rf.f);
    return report_file_commit(&rf, err);
}

/* Heatmap of the mean availability served over the first two params (the
 * best over the others); one row when there is one param. */
static bool write_heatmap(const report_sweep *s, const char *plots, report_error *err)
{
    size_t nx = json_array_size(s->params[0].values),
           ny = s->n_params > 1 ? json_array_size(s->params[1].values) : 1;
    double *cell = malloc(nx * ny * sizeof(double));
    report_file rf;
    char v[256];

    if (!cell) {
        snprintf(err->text, sizeof(err->text), "out of memory");
        return false;
    }
    for (size_t i = 0; i < nx * ny; i++)
        cell[i] = NAN;
    for (size_t p = 0; p < s->n_points; p++) {
        size_t x = s->value_idx[p * s->n_params],
               y = s->n_params > 1 ? s->value_idx[p * s->n_params + 1] : 0;
        double m = s->stats[p * REPORT_SWEEP_N_METRICS + REPORT_SWEEP_SERVED].mean;

        if (!isnan(m) && (isnan(cell[x * ny + y]) || m > cell[x * ny + y]))
            cell[x * ny + y] = m;
    }
    if (!report_file_open(&rf, plots, "heatmap.dat", err)) {
        free(cell);
        return false;
    }
    fputs("# x_index y_index availability_served (mean; the best over other params)\n", rf.f);
    for (size_t x = 0; x < nx; x++)
        for (size_t y = 0; y < ny; y++)
            if (!isnan(cell[x * ny + y]))
                fprintf(rf.f, "%zu %zu %.10g\n", x, y, cell[x * ny + y]);
    free(cell);
    if (!report_file_commit(&rf, err) || !report_file_open(&rf, plots, "heatmap.gp", err))
        return false;
    gp_head(rf.f, "heatmap", "mean availability served over the first two parameters");
    fputs("set xlabel ", rf.f);
    gp_quote(rf.f, s->params[0].key);
    fputs("\nset ylabel ", rf.f);
    gp_quote(rf.f, s->n_params > 1 ? s->params[1].key : "");
    fputs("\nset xtics (", rf.f);
    for (size_t x = 0; x < nx; x++) {
        value_text(json_array_get(s->params[0].values, x), v, sizeof(v));
        fprintf(rf.f, "%s", x ? ", " : "");
        gp_quote(rf.f, v);
        fprintf(rf.f, " %zu", x);
    }
    fputs(")\nset ytics (", rf.f);
    for (size_t y = 0; y < ny && s->n_params > 1; y++) {
        value_text(json_array_get(s->params[1].values, y), v, sizeof(v));
        fprintf(rf.f, "%s", y ? ", " : "");
        gp_quote(rf.f, v);
        fprintf(rf.f, " %zu", y);
    }
    fprintf(rf.f, ")\nset xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n"
                  "set cblabel 'availability served (mean)'\n"
                  "set palette defined (0 '#D62728', 0.5 '#FFDD71', 1 '#2CA02C')\n",
            nx - 1, ny - 1);
    gp_loop(rf.f);
    fputs("plot 'heatmap.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder "
          "lc palette notitle, \\\n"
          "     '' using 1:2:(sprintf('%.4f', $3)) with labels font ',8' notitle\n}\n",
          rf.f);
    return report_file_commit(&rf, err);
}

static bool render(const char *plots, const char *name, report_error *err)
{
    char def[128], script[64], tmp[4200], final[4200];
    char *argv[] = { "gnuplot", "-e", def, script, NULL };
    static const char *const ext[] = { "png", "svg" };
    bool ok;

    snprintf(def, sizeof(def), "out='.%s.%ld'", name, (long)getpid());
    snprintf(script, sizeof(script), "%s.gp", name);
    ok = report_tool_run(plots, argv, NULL, err);
    for (int x = 0; x < 2; x++) {
        snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.%s", plots, name, (long)getpid(), ext[x]);
        snprintf(final, sizeof(final), "%s/%s.%s", plots, name, ext[x]);
        if (ok && rename(tmp, final) != 0) {
            snprintf(err->text, sizeof(err->text), "%s: %s", final, strerror(errno));
            ok = false;
        }
        unlink(tmp);
    }
    return ok;
}

/* ---- sweep.html --------------------------------------------------------------- */

static void html_text(FILE *f, const char *t)
{
    for (; *t; t++)
        switch (*t) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*t, f);
        }
}

/* Copy an SVG file into the page, without its XML prolog. */
static void html_svg(FILE *f, const char *plots, const char *name)
{
    char path[4200], line[4096];
    FILE *in;
    bool started = false;

    snprintf(path, sizeof(path), "%s/%s.svg", plots, name);
    if (!(in = fopen(path, "r")))
        return;
    fputs("<figure>", f);
    while (fgets(line, sizeof(line), in)) {
        if (!started && !(started = strstr(line, "<svg") != NULL))
            continue;
        fputs(line, f);
    }
    fclose(in);
    fputs("</figure>\n", f);
}

static bool write_html(const report_sweep *s, const char *dir, const char *plots, bool rendered,
                       report_error *err)
{
    report_file rf;
    char v[256], *rec = malloc(65536);

    if (!rec) {
        snprintf(err->text, sizeof(err->text), "out of memory");
        return false;
    }
    report_sweep_recommendation_text(s, rec, 65536);
    if (!report_file_open(&rf, dir, "sweep.html", err)) {
        free(rec);
        return false;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>sweep: ",
          rf.f);
    html_text(rf.f, s->name);
    fputs("</title>\n<style>body{font:14px/1.4 sans-serif;margin:2em;max-width:72em}"
          "table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;"
          "text-align:right}tr.front{background:#EAF2FB}tr.rec{background:#FDE2E2}"
          "pre{background:#F6F6F6;padding:1em;overflow-x:auto}figure{margin:1em 0}"
          "svg{max-width:100%;height:auto}</style></head><body>\n<h1>Sweep: ",
          rf.f);
    html_text(rf.f, s->name);
    fprintf(rf.f, "</h1>\n<p>%zu settings × %zu seeds. Means over seeds with 95 %% "
                  "intervals (Student's t). Rule: ",
            s->n_points, s->n_seeds);
    html_text(rf.f, RULE);
    fputs(".</p>\n<h2>Recommendation</h2>\n<pre>", rf.f);
    html_text(rf.f, *rec ? rec : "none: no point has defined figures\n");
    fputs("</pre>\n", rf.f);
    free(rec);
    if (s->shadow) {
        fprintf(rf.f, "<h2>Shadow pass</h2>\n<p>One run per seed without breakers, every "
                      "setting's breakers in METRICS_ONLY (shadow.csv). Rule: ");
        html_text(rf.f, SHADOW_RULE);
        fprintf(rf.f, ". %zu of %zu settings pruned%s, %zu run in full. Limit: ", s->n_pruned,
                s->n_points,
                s->pruned_none_kept_all ? " (every setting had false would-trips: all kept)" : "",
                s->n_points - s->n_pruned);
        html_text(rf.f, SHADOW_LIMIT);
        fputs(".</p>\n", rf.f);
    }
    if (rendered) {
        html_svg(rf.f, plots, "pareto");
        html_svg(rf.f, plots, "heatmap");
    }
    fputs("<h2>Settings</h2>\n<table><tr><th>point</th>", rf.f);
    for (size_t i = 0; i < s->n_params; i++) {
        fputs("<th>", rf.f);
        html_text(rf.f, s->params[i].key);
        fputs("</th>", rf.f);
    }
    fputs("<th>availability served</th><th>strict</th><th>detect (s)</th>"
          "<th>recover (s)</th><th>false trips</th><th>blast</th><th>front</th>",
          rf.f);
    if (s->shadow)
        fputs("<th>would-trips</th><th>false would-trips</th><th>shadow detect (s)</th>", rf.f);
    fputs("</tr>\n", rf.f);
    for (size_t p = 0; p < s->n_points; p++) {
        const report_sweep_stat *st = &s->stats[p * REPORT_SWEEP_N_METRICS];
        bool pruned = s->pruned && s->pruned[p];

        fprintf(rf.f, "<tr%s><td>%zu</td>",
                (long)p == s->recommended ? " class=\"rec\"" : s->front[p] ? " class=\"front\"" : "",
                p);
        for (size_t i = 0; i < s->n_params; i++) {
            value_text(value_at(s, p, i), v, sizeof(v));
            fputs("<td>", rf.f);
            html_text(rf.f, v);
            fputs("</td>", rf.f);
        }
        if (pruned) {
            fputs("<td colspan=\"7\">pruned by the shadow pass: not run</td>", rf.f);
        } else {
            fprintf(rf.f, "<td>%.4f ± %.4f</td><td>%.4f</td><td>%.2f</td><td>%.2f</td>"
                          "<td>%.1f</td><td>%.1f</td><td>%s</td>",
                    st[REPORT_SWEEP_SERVED].mean,
                    isnan(st[REPORT_SWEEP_SERVED].hi) ? 0
                                                      : st[REPORT_SWEEP_SERVED].hi -
                                                            st[REPORT_SWEEP_SERVED].mean,
                    st[REPORT_SWEEP_STRICT].mean, st[REPORT_SWEEP_DETECT].mean,
                    st[REPORT_SWEEP_RECOVER].mean, st[REPORT_SWEEP_FALSE_TRIPS].mean,
                    st[REPORT_SWEEP_BLAST].mean, s->front[p] ? "yes" : "");
        }
        if (s->shadow)
            fprintf(rf.f, "<td>%.1f</td><td>%.1f</td><td>%.2f</td>",
                    report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_WOULD),
                    report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_FALSE),
                    report_sweep_shadow_mean(s, p, REPORT_SWEEP_SHADOW_DETECT));
        fputs("</tr>\n", rf.f);
    }
    fputs("</table>\n</body></html>\n", rf.f);
    return report_file_commit(&rf, err);
}

bool report_sweep_write(const report_sweep *s, const char *dir, bool *rendered,
                        report_error *err)
{
    char plots[4096];

    *rendered = false;
    snprintf(plots, sizeof(plots), "%s/plots", dir);
    if (!report_make_dir(plots, err) || !write_csv(s, dir, err) || !write_json(s, dir, err) ||
        (s->shadow && !write_shadow_csv(s, dir, err)) ||
        !write_pareto(s, plots, err) || !write_heatmap(s, plots, err))
        return false;
    if (report_tool_found("gnuplot")) {
        if (!render(plots, "pareto", err) || !render(plots, "heatmap", err))
            return false;
        *rendered = true;
    }
    return write_html(s, dir, plots, *rendered, err);
}

/* ---- partial results ------------------------------------------------------- */

static json_t *definition(const report_sweep *s)
{
    json_t *params = json_array(), *points = json_array(), *seeds = json_array();

    for (size_t i = 0; i < s->n_params; i++)
        json_array_append_new(params, json_pack("{s:s, s:O}", "key", s->params[i].key,
                                                "values", s->params[i].values));
    for (size_t p = 0; p < s->n_points; p++) {
        json_t *row = json_array();

        for (size_t i = 0; i < s->n_params; i++)
            json_array_append_new(row, json_integer(s->value_idx[p * s->n_params + i]));
        json_array_append_new(points, row);
    }
    for (size_t k = 0; k < s->n_seeds; k++)
        json_array_append_new(seeds, json_integer((json_int_t)s->seeds[k]));
    return json_pack("{s:s, s:s, s:O, s:o, s:o, s:o}", "name", s->name, "source", s->source,
                     "scenario", s->scenario, "params", params, "points", points, "seeds",
                     seeds);
}

bool report_sweep_write_partial(const report_sweep *s, unsigned shard, unsigned n_shards,
                                const char *dir, report_error *err)
{
    json_t *o = json_object(), *runs = json_array();
    char name[128];
    report_file rf;
    bool ok;

    for (size_t c = 0; c < s->n_points * s->n_seeds; c++) {
        json_t *v = json_array();

        if (!s->done[c])
            continue;
        for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++)
            json_array_append_new(v, num(s->results[c].v[m]));
        json_array_append_new(runs, json_pack("{s:I, s:I, s:o}", "point",
                                              (json_int_t)(c / s->n_seeds), "seed",
                                              (json_int_t)(c % s->n_seeds), "v", v));
    }
    json_object_set_new(o, "firebreak_sweep_partial", json_integer(1));
    json_object_set_new(o, "shard", json_pack("[I, I]", (json_int_t)shard, (json_int_t)n_shards));
    json_object_set_new(o, "sweep", definition(s));
    json_object_set_new(o, "runs", runs);
    snprintf(name, sizeof(name), "part-%u-of-%u.json", shard, n_shards);
    if (!report_make_dir(dir, err) || !report_file_open(&rf, dir, name, err)) {
        json_decref(o);
        return false;
    }
    ok = json_dumpf(o, rf.f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) == 0;
    json_decref(o);
    if (!ok) {
        report_file_abort(&rf);
        snprintf(err->text, sizeof(err->text), "%s/%s: cannot write", dir, name);
        return false;
    }
    return report_file_commit(&rf, err);
}

static bool bad(report_error *err, const char *path, const char *what)
{
    snprintf(err->text, sizeof(err->text), "%s: %s", path, what);
    return false;
}

/* Fill an empty *s from a partial's definition. */
static bool define_from(report_sweep *s, json_t *def, const char *path, report_error *err)
{
    json_t *params = json_object_get(def, "params"), *points = json_object_get(def, "points"),
           *seeds = json_object_get(def, "seeds"), *v;
    size_t i;

    if (!json_is_string(json_object_get(def, "name")) ||
        !json_is_string(json_object_get(def, "source")) ||
        !json_is_object(json_object_get(def, "scenario")) || !json_is_array(params) ||
        !json_is_array(points) || !json_is_array(seeds) ||
        json_array_size(params) > REPORT_SWEEP_MAX_PARAMS || json_array_size(params) == 0 ||
        json_array_size(seeds) == 0 || json_array_size(seeds) > REPORT_SWEEP_MAX_SEEDS ||
        json_array_size(points) > REPORT_SWEEP_MAX_POINTS)
        return bad(err, path, "not a firebreak sweep partial result");
    snprintf(s->name, sizeof(s->name), "%s", json_string_value(json_object_get(def, "name")));
    snprintf(s->source, sizeof(s->source), "%s",
             json_string_value(json_object_get(def, "source")));
    s->scenario = json_incref(json_object_get(def, "scenario"));
    json_array_foreach(params, i, v) {
        json_t *key = json_object_get(v, "key"), *values = json_object_get(v, "values");

        if (!json_is_string(key) || !json_is_array(values) || json_array_size(values) == 0)
            return bad(err, path, "bad params");
        snprintf(s->params[i].key, sizeof(s->params[i].key), "%s", json_string_value(key));
        s->params[i].values = json_incref(values);
        s->n_params = i + 1;
    }
    s->n_seeds = json_array_size(seeds);
    if (!(s->seeds = calloc(s->n_seeds, sizeof(uint64_t))))
        return bad(err, path, "out of memory");
    json_array_foreach(seeds, i, v) s->seeds[i] = (uint64_t)json_integer_value(v);
    /* The grid's own order, rebuilt from the stored indices. */
    s->n_points = json_array_size(points);
    s->value_idx = calloc(s->n_points * s->n_params + 1, sizeof(uint32_t));
    s->results = calloc(s->n_points * s->n_seeds + 1, sizeof(*s->results));
    s->done = calloc(s->n_points * s->n_seeds + 1, 1);
    if (!s->value_idx || !s->results || !s->done)
        return bad(err, path, "out of memory");
    json_array_foreach(points, i, v) {
        for (size_t k = 0; k < s->n_params; k++) {
            json_t *x = json_array_get(v, k);

            if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                (size_t)json_integer_value(x) >= json_array_size(s->params[k].values))
                return bad(err, path, "bad point");
            s->value_idx[i * s->n_params + k] = (uint32_t)json_integer_value(x);
        }
    }
    return true;
}

bool report_sweep_read_partial(report_sweep *s, const char *path, report_error *err)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je), *def, *runs, *run;
    size_t i;
    bool ok = false;

    if (!o)
        return bad(err, path, je.text);
    def = json_object_get(o, "sweep");
    runs = json_object_get(o, "runs");
    if (json_integer_value(json_object_get(o, "firebreak_sweep_partial")) != 1 ||
        !json_is_object(def) || !json_is_array(runs)) {
        bad(err, path, "not a firebreak sweep partial result");
        goto done;
    }
    if (!s->scenario) {
        if (!define_from(s, def, path, err))
            goto done;
    } else {
        json_t *mine = definition(s);
        bool same = mine && json_equal(mine, def);

        json_decref(mine);
        if (!same) {
            bad(err, path, "a different sweep (scenario, params, points or seeds differ)");
            goto done;
        }
    }
    json_array_foreach(runs, i, run) {
        json_int_t p = json_integer_value(json_object_get(run, "point")),
                   k = json_integer_value(json_object_get(run, "seed"));
        json_t *v = json_object_get(run, "v");
        size_t c;

        if (p < 0 || (size_t)p >= s->n_points || k < 0 || (size_t)k >= s->n_seeds ||
            json_array_size(v) != REPORT_SWEEP_N_METRICS) {
            bad(err, path, "bad run");
            goto done;
        }
        c = (size_t)p * s->n_seeds + (size_t)k;
        for (int m = 0; m < REPORT_SWEEP_N_METRICS; m++) {
            json_t *x = json_array_get(v, (size_t)m);

            s->results[c].v[m] = json_is_null(x) ? NAN : json_number_value(x);
        }
        s->done[c] = 1;
    }
    ok = true;
done:
    json_decref(o);
    return ok;
}
