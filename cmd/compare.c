/* compare.c — `firebreak compare A B`: two runs side by side. A and B are
 * each a run's output directory (its report.json) or a scenario file, played
 * here with its own seed. */
#define _GNU_SOURCE
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

static void compare_usage(FILE *out)
{
    fprintf(out, "usage: firebreak compare A B\n\n"
                 "Show two runs side by side with the difference B - A: the entry's\n"
                 "availability, goodput, false trips, breaker openings, each fault's\n"
                 "detection, recovery, blast radius and containment, and each service's\n"
                 "availability and p99. A and B are each a run's output directory (with\n"
                 "report.json, as 'firebreak run --out DIR' writes) or a scenario file,\n"
                 "played here with its own seed and no counterfactual.\n\n"
                 "options:\n"
                 "  -h, --help   this help\n\n"
                 "exit codes: 0 shown, 2 usage or an input that cannot be read\n\n"
                 "example:\n"
                 "  firebreak run scenarios/checkout.json --out out/a\n"
                 "  firebreak run scenarios/checkout.json --no-breakers --out out/b\n"
                 "  firebreak compare out/a out/b\n");
}

/* The report of a directory or a scenario file; NULL after printing why. */
static json_t *load_report(const char *arg)
{
    struct stat st;
    char path[4096];
    json_error_t jerr;
    json_t *root;

    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(path, sizeof path, "%s/report.json", arg);
        if (!(root = json_load_file(path, 0, &jerr))) {
            fprintf(stderr, "firebreak: compare: %s: %s\n", path, jerr.text);
            return NULL;
        }
        if (!json_is_object(json_object_get(root, "analysis"))) {
            fprintf(stderr, "firebreak: compare: %s: not a firebreak report with an analysis\n",
                    path);
            json_decref(root);
            return NULL;
        }
        return root;
    }
    {
        sim_scenario *sc = cmd_load_scenario(arg);
        cmd_play p;

        if (!sc)
            return NULL;
        root = cmd_play_run(sc, NULL, arg, &p) ? report_build_json(&p.run) : NULL;
        cmd_play_free(&p);
        sim_scenario_free(sc);
        return root;
    }
}

static double num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void cell(double v, const char *unit)
{
    char buf[48];

    if (isnan(v))
        snprintf(buf, sizeof buf, "-");
    else
        snprintf(buf, sizeof buf, "%.6g%s", v, unit);
    printf(" %16s", buf);
}

static void row(const char *label, double a, double b, const char *unit)
{
    printf("  %-34s", label);
    cell(a, unit);
    cell(b, unit);
    if (isnan(a) || isnan(b))
        printf(" %16s\n", "");
    else
        printf(" %+16.6g\n", b - a);
}

static void bool_row(const char *label, json_t *a, json_t *b, const char *key)
{
    json_t *x = json_object_get(a, key), *y = json_object_get(b, key);

    printf("  %-34s %16s %16s\n", label, json_is_boolean(x) ? (json_is_true(x) ? "yes" : "no") : "-",
           json_is_boolean(y) ? (json_is_true(y) ? "yes" : "no") : "-");
}

/* The element of 'array' whose 'key' is the string 'value'. */
static json_t *find(json_t *array, const char *key, const char *value)
{
    size_t i;
    json_t *v;

    json_array_foreach(array, i, v) {
        json_t *k = json_object_get(v, key);

        if (json_is_string(k) && strcmp(json_string_value(k), value) == 0)
            return v;
    }
    return NULL;
}

static void show(json_t *a, json_t *b, const char *name_a, const char *name_b)
{
    json_t *x = json_object_get(a, "analysis"), *y = json_object_get(b, "analysis");
    json_t *v, *lat_a, *lat_b;
    char label[200];
    size_t i;

    printf("  %-34s %16.16s %16.16s %16s\n", "", name_a, name_b, "B - A");
    row("availability", num(x, "availability"), num(y, "availability"), "");
    row("availability served", num(x, "availability_served"), num(y, "availability_served"), "");
    row("goodput (req/s)", num(x, "goodput_rps"), num(y, "goodput_rps"), "");
    row("retry amplification", num(x, "retry_amplification"), num(y, "retry_amplification"), "");
    row("breaker openings", num(x, "breaker_opens"), num(y, "breaker_opens"), "");
    row("false trips", num(x, "false_trips"), num(y, "false_trips"), "");
    json_array_foreach(json_object_get(x, "faults"), i, v) {
        json_t *f = json_object_get(v, "fault"), *g;

        if (!json_is_string(f))
            continue;
        g = find(json_object_get(y, "faults"), "fault", json_string_value(f));
        printf("fault \"%s\"\n", json_string_value(f));
        row("time to detect", num(v, "time_to_detect_s"), num(g, "time_to_detect_s"), " s");
        row("time to recover", num(v, "time_to_recover_s"), num(g, "time_to_recover_s"), " s");
        row("blast radius", num(v, "blast_radius"), num(g, "blast_radius"), "");
        row("entry requests failed", num(v, "entry_failed"), num(g, "entry_failed"), "");
        bool_row("contained", v, g, "contained");
    }
    printf("services\n");
    json_array_foreach(json_object_get(a, "services"), i, v) {
        json_t *n = json_object_get(v, "name"), *g;

        if (!json_is_string(n))
            continue;
        g = find(json_object_get(b, "services"), "name", json_string_value(n));
        lat_a = json_object_get(v, "latency_ms");
        lat_b = json_object_get(g, "latency_ms");
        snprintf(label, sizeof label, "%s availability", json_string_value(n));
        row(label, num(v, "availability"), num(g, "availability"), "");
        snprintf(label, sizeof label, "%s p99", json_string_value(n));
        row(label, num(lat_a, "p99"), num(lat_b, "p99"), " ms");
    }
}

int cmd_compare(int argc, char **argv)
{
    static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
    json_t *a, *b = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            compare_usage(stdout);
            return CMD_OK;
        }
        fprintf(stderr, "try 'firebreak compare --help'\n");
        return CMD_USAGE;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "firebreak: compare: two runs or scenarios, A and B\n"
                        "try 'firebreak compare --help'\n");
        return CMD_USAGE;
    }
    if (!(a = load_report(argv[optind])) || !(b = load_report(argv[optind + 1]))) {
        json_decref(a);
        return CMD_USAGE;
    }
    printf("A: %s\nB: %s\n\n", argv[optind], argv[optind + 1]);
    show(a, b, "A", "B");
    json_decref(a);
    json_decref(b);
    return CMD_OK;
}
