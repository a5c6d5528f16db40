/* check.c — `firebreak check`: play each scenario on several seeds, evaluate
 * its expectations on every seed, optionally compare with a baseline, print a
 * pass/fail table, write JUnit XML, and exit 1 when anything failed. */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "expect.h"
#include "junit.h"

static void check_usage(FILE *out)
{
    fprintf(out,
            "usage: firebreak check SCENARIO... [options]\n\n"
            "Play each scenario on N seeds (the scenario's seed and the next N - 1) and\n"
            "evaluate its \"expect\" bounds (docs/scenario.md) on every seed. A bound\n"
            "that fails on any seed fails the check. Prints one line per expectation\n"
            "with the value on each seed.\n\n"
            "options:\n"
            "  --seeds N         seeds per scenario (default 3)\n"
            "  --junit FILE      write JUnit XML: one testcase per expectation (per fault\n"
            "                    for an every-fault one) and per baseline comparison\n"
            "  --baseline DIR    also compare the first seed's run with DIR/NAME/report.json\n"
            "                    (NAME: the scenario file's name without .json, as written\n"
            "                    by 'firebreak run --out DIR/NAME' or 'check --out DIR'):\n"
            "                    availability may not drop by more than the tolerance,\n"
            "                    false trips and blast radius may not grow, recovery may\n"
            "                    not slow by more than a tick and 10 %%\n"
            "  --tolerance X     for availability against the baseline (default 0.001)\n"
            "  --out DIR         write the first seed's outputs to DIR/NAME (a baseline)\n"
            "  --json            print the results as JSON on stdout instead of the table\n"
            "  -q, --quiet       print failures and the summary only; no progress bar\n"
            "  -h, --help        this help\n\n"
            "exit codes: 0 every expectation held, 1 one failed or regressed,\n"
            "            2 usage, or a scenario that does not load or run\n\n"
            "example:\n"
            "  firebreak check scenarios/*.json --seeds 5 --junit out/junit.xml\n");
}

typedef struct check_options {
    unsigned seeds;
    const char *junit, *baseline, *out;
    double tolerance;
    bool quiet, json, color;
    cmd_progress bar;
    size_t runs_done, runs_total; /* for the bar */
} check_options;

static void on_progress(void *ctx, int64_t now_ns, int64_t end_ns)
{
    check_options *o = ctx;

    cmd_progress_update(&o->bar, ((double)o->runs_done + (double)now_ns / (double)end_ns) /
                                     (double)o->runs_total);
}

static const char *verdict(const check_options *o, bool pass)
{
    if (!o->color)
        return pass ? "PASS" : "FAIL";
    return pass ? "\033[32mPASS\033[0m" : "\033[1;31mFAIL\033[0m";
}

/* One scenario: its suite of results (owned here). */
typedef struct scenario_run {
    sim_scenario *sc;
    uint64_t *seeds;
    report_check *checks;
    report_regression baseline[REPORT_BASELINE_MAX];
    char error[8400];
    report_suite suite;
} scenario_run;

static void print_suite(const scenario_run *s, const check_options *o)
{
    const report_suite *u = &s->suite;
    char name[600], value[64];

    if (!u->sc) {
        printf("%s: ERROR %s\n", u->file, u->error);
        return;
    }
    printf("%s (%s): %zu expectation result%s on %zu seed%s\n", u->file, u->sc->name,
           u->n_checks, u->n_checks == 1 ? "" : "s", u->n_seeds, u->n_seeds == 1 ? "" : "s");
    if (u->n_checks == 0)
        printf("  (no \"expect\" in this scenario: nothing to check)\n");
    for (size_t i = 0; i < u->n_checks; i++) {
        bool pass = true;

        for (size_t k = 0; k < u->n_seeds; k++)
            pass &= u->checks[k * u->n_checks + i].pass;
        if (o->quiet && pass)
            continue;
        report_check_name(u->sc, &u->checks[i], name, sizeof name);
        printf("  %s  %-56s", verdict(o, pass), name);
        for (size_t k = 0; k < u->n_seeds; k++) {
            const report_check *c = &u->checks[k * u->n_checks + i];

            report_check_value(c, value, sizeof value);
            printf("  %s%s", value, c->pass ? "" : "!");
        }
        printf("\n");
    }
    for (size_t i = 0; i < u->n_baseline; i++)
        if (!o->quiet || !u->baseline[i].pass)
            printf("  %s  %s\n", verdict(o, u->baseline[i].pass), u->baseline[i].message);
}

/* Play one seed; evaluate; on the first seed also baseline and --out. */
static bool play_seed(scenario_run *s, const char *path, size_t k, check_options *o)
{
    sim_run_options ro = { .seed = s->seeds[k], .seed_set = true, .progress = on_progress,
                           .progress_ctx = o };
    report_error err;
    char name[256], dir[4096];
    cmd_play p;
    bool ok = cmd_play_run(s->sc, &ro, path, &p);

    if (!ok) {
        snprintf(s->error, sizeof s->error, "the simulation of seed %" PRIu64 " failed",
                 s->seeds[k]);
        cmd_play_free(&p);
        return false;
    }
    report_check_run(&p.run, &s->checks[k * s->suite.n_checks]);
    cmd_scenario_name(path, name, sizeof name);
    if (k == 0 && o->baseline) {
        int n;

        snprintf(dir, sizeof dir, "%s/%s/report.json", o->baseline, name);
        n = report_baseline(&p.run, dir, o->tolerance, s->baseline, &err);
        if (n < 0) {
            snprintf(s->error, sizeof s->error, "baseline: %s", err.text);
            ok = false;
        } else {
            s->suite.n_baseline = (size_t)n;
        }
    }
    if (ok && k == 0 && o->out) {
        snprintf(dir, sizeof dir, "%s/%s", o->out, name);
        if (!report_write_all(&p.run, dir, &err)) {
            snprintf(s->error, sizeof s->error, "cannot write the outputs: %s", err.text);
            ok = false;
        }
    }
    cmd_play_free(&p);
    o->runs_done++;
    return ok;
}

static bool run_scenario(scenario_run *s, const char *path, check_options *o)
{
    s->suite.file = path;
    s->suite.error = s->error;
    if (!(s->sc = cmd_load_scenario(path))) {
        snprintf(s->error, sizeof s->error, "the scenario does not load (see above)");
        return false;
    }
    s->suite.n_checks = report_check_count(s->sc);
    s->seeds = calloc(o->seeds, sizeof *s->seeds);
    s->checks = calloc(o->seeds * s->suite.n_checks + 1, sizeof *s->checks);
    if (!s->seeds || !s->checks) {
        snprintf(s->error, sizeof s->error, "out of memory");
        return false;
    }
    for (unsigned k = 0; k < o->seeds; k++)
        s->seeds[k] = s->sc->seed + k;
    s->suite.n_seeds = o->seeds;
    s->suite.seeds = s->seeds;
    s->suite.checks = s->checks;
    s->suite.baseline = s->baseline;
    for (size_t k = 0; k < o->seeds; k++)
        if (!play_seed(s, path, k, o))
            return false;
    s->suite.sc = s->sc;
    return true;
}

/* --json: every scenario's results on stdout. */
static bool print_json(const report_suite *suites, size_t n, size_t results, size_t failures)
{
    json_t *root = json_object(), *list = json_array();
    bool ok = root && list && json_object_set_new(root, "scenarios", list) == 0;
    char name[600], value[64];

    for (size_t i = 0; ok && i < n; i++) {
        const report_suite *u = &suites[i];
        json_t *o = json_object(), *seeds = json_array(), *res = json_array(), *base = json_array();

        ok = o && seeds && res && base && json_array_append_new(list, o) == 0;
        if (!ok) {
            json_decref(o);
            json_decref(seeds);
            json_decref(res);
            json_decref(base);
            break;
        }
        json_object_set_new(o, "file", json_string(u->file));
        json_object_set_new(o, "name", u->sc ? json_string(u->sc->name) : json_null());
        json_object_set_new(o, "error", u->sc ? json_null() : json_string(u->error));
        json_object_set_new(o, "seeds", seeds);
        json_object_set_new(o, "results", res);
        json_object_set_new(o, "baseline", base);
        for (size_t k = 0; u->sc && k < u->n_seeds; k++)
            json_array_append_new(seeds, json_integer((json_int_t)u->seeds[k]));
        for (size_t j = 0; u->sc && j < u->n_checks; j++) {
            json_t *r = json_object(), *values = json_array(), *shown = json_array();
            bool pass = true;

            report_check_name(u->sc, &u->checks[j], name, sizeof name);
            for (size_t k = 0; k < u->n_seeds; k++) {
                const report_check *c = &u->checks[k * u->n_checks + j];

                pass &= c->pass;
                json_array_append_new(values, isnan(c->value) ? json_null() : json_real(c->value));
                report_check_value(c, value, sizeof value);
                json_array_append_new(shown, json_string(value));
            }
            json_object_set_new(r, "name", json_string(name));
            json_object_set_new(r, "pass", json_boolean(pass));
            json_object_set_new(r, "values", values);
            json_object_set_new(r, "shown", shown);
            json_array_append_new(res, r);
        }
        for (size_t j = 0; u->sc && j < u->n_baseline; j++) {
            json_t *r = json_object();

            json_object_set_new(r, "name", json_string(u->baseline[j].name));
            json_object_set_new(r, "pass", json_boolean(u->baseline[j].pass));
            json_object_set_new(r, "message", json_string(u->baseline[j].message));
            json_array_append_new(base, r);
        }
    }
    ok = ok && json_object_set_new(root, "results", json_integer((json_int_t)results)) == 0 &&
         json_object_set_new(root, "failed", json_integer((json_int_t)failures)) == 0 &&
         json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) == 0;
    printf("\n");
    json_decref(root);
    return ok;
}

static bool parse_options(int argc, char **argv, check_options *o, int *rc)
{
    enum { OPT_SEEDS = 256, OPT_JUNIT, OPT_BASELINE, OPT_TOLERANCE, OPT_OUT, OPT_JSON };
    static const struct option options[] = {
        { "seeds", required_argument, NULL, OPT_SEEDS },
        { "junit", required_argument, NULL, OPT_JUNIT },
        { "baseline", required_argument, NULL, OPT_BASELINE },
        { "tolerance", required_argument, NULL, OPT_TOLERANCE },
        { "out", required_argument, NULL, OPT_OUT },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0 }
    };
    uint64_t n;
    char *end;
    int c;

    *rc = CMD_USAGE;
    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        switch (c) {
        case OPT_SEEDS:
            if (!cmd_parse_u64(optarg, &n) || n < 1 || n > 1000) {
                fprintf(stderr, "firebreak: check: --seeds wants 1 to 1000, not '%s'\n", optarg);
                return false;
            }
            o->seeds = (unsigned)n;
            break;
        case OPT_JUNIT:
            o->junit = optarg;
            break;
        case OPT_BASELINE:
            o->baseline = optarg;
            break;
        case OPT_TOLERANCE:
            o->tolerance = strtod(optarg, &end);
            if (*end || end == optarg || !(o->tolerance >= 0 && o->tolerance <= 1)) {
                fprintf(stderr, "firebreak: check: --tolerance wants a number in [0, 1], not '%s'\n",
                        optarg);
                return false;
            }
            break;
        case OPT_OUT:
            o->out = optarg;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            check_usage(stdout);
            *rc = CMD_OK;
            return false;
        default:
            fprintf(stderr, "try 'firebreak check --help'\n");
            return false;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "firebreak: check: which scenarios? (one file or more)\n"
                        "try 'firebreak check --help'\n");
        return false;
    }
    return true;
}

int cmd_check(int argc, char **argv)
{
    check_options o = { .seeds = 3, .tolerance = 0.001 };
    scenario_run *runs;
    report_suite *suites;
    size_t n, failures = 0, errors = 0, results = 0;
    report_error err;
    int rc;

    if (!parse_options(argc, argv, &o, &rc))
        return rc;
    n = (size_t)(argc - optind);
    runs = calloc(n, sizeof *runs);
    suites = calloc(n, sizeof *suites);
    if (!runs || !suites) {
        fprintf(stderr, "firebreak: check: out of memory\n");
        free(runs);
        free(suites);
        return CMD_USAGE;
    }
    o.color = cmd_color(stdout);
    o.runs_total = n * o.seeds;
    cmd_progress_init(&o.bar, "checking", o.quiet || o.json);
    for (size_t i = 0; i < n; i++) {
        errors += !run_scenario(&runs[i], argv[optind + i], &o);
        o.runs_done = (i + 1) * o.seeds;
        suites[i] = runs[i].suite;
        cmd_progress_done(&o.bar);
        if (!o.json)
            print_suite(&runs[i], &o);
        if (suites[i].sc) {
            failures += report_suite_failures(&suites[i]);
            results += suites[i].n_checks + suites[i].n_baseline;
        }
    }
    if (o.json && !print_json(suites, n, results, failures)) {
        fprintf(stderr, "firebreak: check: out of memory printing the results\n");
        errors++;
    } else if (!o.json) {
        printf("\n%zu scenario%s, %zu result%s: %zu failed%s\n", n, n == 1 ? "" : "s", results,
               results == 1 ? "" : "s", failures,
               errors ? ", and some scenarios did not run" : "");
    }
    rc = errors ? CMD_USAGE : failures ? CMD_FAILED : CMD_OK;
    if (o.junit && !report_write_junit(suites, n, o.junit, &err)) {
        fprintf(stderr, "firebreak: check: cannot write the JUnit file: %s\n", err.text);
        rc = CMD_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        sim_scenario_free(runs[i].sc);
        free(runs[i].seeds);
        free(runs[i].checks);
    }
    free(runs);
    free(suites);
    return rc;
}
