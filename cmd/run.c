/* run.c — `firebreak run`: play a scenario in virtual time, print a summary
 * and write report.json, series.csv and events.jsonl into the output
 * directory. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "city.h"
#include "cmd.h"
#include "report.h"
#include "scenario.h"

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: firebreak run SCENARIO [options]\n\n"
            "Play SCENARIO in virtual time with the breaker engine deciding every call,\n"
            "print a table per service and per edge, and write report.json, series.csv\n"
            "and events.jsonl into the output directory. The same scenario and seed\n"
            "give byte-identical files.\n\n"
            "options:\n"
            "  --seed N          use seed N instead of the scenario's\n"
            "  --duration D      play D (e.g. 90s, 5m) instead of the scenario's duration\n"
            "  --out DIR         write the outputs into DIR (default: out/NAME, NAME the\n"
            "                    scenario file's name without .json)\n"
            "  --no-breakers     disable every breaker (what would happen without them)\n"
            "  -q, --quiet       print only where the report is\n"
            "  -h, --help        this help\n\n"
            "exit codes: 0 ok, 2 usage, bad scenario or outputs that cannot be written\n\n"
            "example:\n  firebreak run scenarios/checkout.json --seed 7 --out out/checkout-7\n");
}

/* out/NAME for scenarios/NAME.json */
static void default_out(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    size_t n;

    base = base ? base + 1 : path;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    snprintf(buf, size, "out/%.*s", (int)n, base);
}

int cmd_run(int argc, char **argv)
{
    enum { OPT_SEED = 256, OPT_DURATION, OPT_OUT, OPT_NO_BREAKERS };
    static const struct option options[] = {
        { "seed", required_argument, NULL, OPT_SEED },
        { "duration", required_argument, NULL, OPT_DURATION },
        { "out", required_argument, NULL, OPT_OUT },
        { "no-breakers", no_argument, NULL, OPT_NO_BREAKERS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0 }
    };
    sim_run_options opts = { 0 };
    const char *out = NULL;
    char out_buf[4096];
    bool quiet = false;
    sim_scenario *sc;
    sim_city *city;
    report_error err;
    int c, rc = CMD_OK;

    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        switch (c) {
        case OPT_SEED:
            if (!cmd_parse_u64(optarg, &opts.seed)) {
                fprintf(stderr, "firebreak: run: --seed wants a whole number >= 0, not '%s'\n",
                        optarg);
                return CMD_USAGE;
            }
            opts.seed_set = true;
            break;
        case OPT_DURATION:
            if (!sim_duration_parse(optarg, &opts.duration_ns) || opts.duration_ns <= 0) {
                fprintf(stderr,
                        "firebreak: run: --duration wants a positive duration such as 90s or "
                        "5m, not '%s'\n",
                        optarg);
                return CMD_USAGE;
            }
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_NO_BREAKERS:
            opts.no_breakers = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            run_usage(stdout);
            return CMD_OK;
        default:
            fprintf(stderr, "try 'firebreak run --help'\n");
            return CMD_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind == argc ? "firebreak: run: which scenario? (one file)\n"
                                       : "firebreak: run: one scenario at a time\n");
        fprintf(stderr, "try 'firebreak run --help'\n");
        return CMD_USAGE;
    }
    if (!out) {
        default_out(argv[optind], out_buf, sizeof(out_buf));
        out = out_buf;
    }
    if (!(sc = cmd_load_scenario(argv[optind])))
        return CMD_USAGE;
    city = sim_city_new(sc, &opts);
    if (!city) {
        fprintf(stderr, "firebreak: run: out of memory building the city\n");
        sim_scenario_free(sc);
        return CMD_USAGE;
    }
    if (!sim_city_run(city)) {
        fprintf(stderr, "firebreak: run: %s: the simulation ran out of room (more than 67 "
                        "million pending events, or out of memory); lower the load or the "
                        "duration\n",
                argv[optind]);
        rc = CMD_USAGE;
    } else {
        report_run r = { .sc = sc, .m = sim_city_metrics(city),
                         .seed = opts.seed_set ? opts.seed : sc->seed,
                         .duration_ns = sim_city_now(city), .events = sim_city_events(city) };

        if (!quiet) {
            report_print_table(&r, stdout);
            printf("\n");
        }
        if (!report_write_all(&r, out, &err)) {
            fprintf(stderr, "firebreak: run: cannot write the outputs: %s\n", err.text);
            rc = CMD_USAGE;
        } else {
            printf("report: %s/report.json (with series.csv and events.jsonl)\n", out);
        }
    }
    sim_city_free(city);
    sim_scenario_free(sc);
    return rc;
}
