/* run.c — `firebreak run`: play a scenario in virtual time, print a summary
 * and write report.json, series.csv and events.jsonl into the output
 * directory. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "html.h"
#include "plot.h"
#include "report.h"
#include "scenario.h"

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: firebreak run SCENARIO [options]\n\n"
            "Play SCENARIO in virtual time with the breaker engine deciding every call,\n"
            "print a table per service and per edge, and write report.json, series.csv,\n"
            "events.jsonl, the plots (plots/: gnuplot scripts, data, PNG and SVG; without\n"
            "gnuplot, the scripts and data only) and report.html, one self-contained page,\n"
            "into the output directory. The same scenario and seed give byte-identical\n"
            "files.\n\n"
            "options:\n"
            "  --seed N          use seed N instead of the scenario's\n"
            "  --duration D      play D (e.g. 90s, 5m) instead of the scenario's duration\n"
            "  --out DIR         write the outputs into DIR (default: out/NAME, NAME the\n"
            "                    scenario file's name without .json)\n"
            "  --no-breakers     disable every breaker (what would happen without them)\n"
            "  --counterfactual M  also play the same seed with M: 'no-breakers' (the\n"
            "                    default) or 'no-policies' (no breaker, retry, bulkhead,\n"
            "                    fallback, alternate or ejection), and report both\n"
            "  --no-counterfactual  play the scenario once\n"
            "  --log-level L     what events.jsonl keeps: 'events' (default: faults,\n"
            "                    transitions, ejections, retry budgets running out,\n"
            "                    fallbacks starting) or 'calls' (also every retry,\n"
            "                    reroute and fallback: grows with the traffic)\n"
            "  --json            print the summary (entry, analysis, counterfactual)\n"
            "                    as JSON on stdout instead of the tables\n"
            "  -q, --quiet       print only where the report is; no progress bar\n"
            "  -h, --help        this help\n\n"
            "exit codes: 0 ok, 2 usage, bad scenario or outputs that cannot be written\n\n"
            "example:\n  firebreak run scenarios/checkout.json --seed 7 --out out/checkout-7\n");
}

/* One run's part of the progress bar: the run, then the counterfactual. */
struct progress_part {
    cmd_progress *bar;
    double base, share;
};

static void on_progress(void *ctx, int64_t now_ns, int64_t end_ns)
{
    struct progress_part *p = ctx;

    cmd_progress_update(p->bar, p->base + p->share * (double)now_ns / (double)end_ns);
}

/* --json: the summary on stdout, as JSON: where the outputs are, the entry,
 * the analysis and the counterfactual, as report.json has them. */
static bool print_json(const report_run *r, const char *out)
{
    json_t *all = report_build_json(r), *o = json_object();
    char path[4200];
    bool ok;

    snprintf(path, sizeof(path), "%s/report.json", out);
    ok = all && o && json_object_set_new(o, "report", json_string(path)) == 0;
    for (const char *const *k = (const char *const[]){ "scenario", "entry", "analysis",
                                                       "counterfactual", NULL };
         ok && *k; k++)
        if (json_object_get(all, *k))
            ok = json_object_set(o, *k, json_object_get(all, *k)) == 0;
    ok = ok && json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                         JSON_REAL_PRECISION(15)) == 0;
    printf("\n");
    json_decref(all);
    json_decref(o);
    return ok;
}

int cmd_run(int argc, char **argv)
{
    enum {
        OPT_SEED = 256,
        OPT_DURATION,
        OPT_OUT,
        OPT_NO_BREAKERS,
        OPT_LOG_LEVEL,
        OPT_COUNTERFACTUAL,
        OPT_NO_COUNTERFACTUAL,
        OPT_JSON
    };
    static const struct option options[] = {
        { "seed", required_argument, NULL, OPT_SEED },
        { "duration", required_argument, NULL, OPT_DURATION },
        { "out", required_argument, NULL, OPT_OUT },
        { "no-breakers", no_argument, NULL, OPT_NO_BREAKERS },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "counterfactual", required_argument, NULL, OPT_COUNTERFACTUAL },
        { "no-counterfactual", no_argument, NULL, OPT_NO_COUNTERFACTUAL },
        { "json", no_argument, NULL, OPT_JSON },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { 0 }
    };
    sim_run_options opts = { 0 };
    const char *out = NULL;
    char out_buf[4096];
    bool quiet = false, json = false;
    cmd_progress bar;
    struct progress_part first = { &bar, 0, 1 }, second = { &bar, 0.5, 0.5 };
    const char *cf_mode = "no-breakers";
    sim_run_options cf_opts;
    cmd_play run = { 0 }, cf = { 0 };
    sim_scenario *sc;
    report_error err;
    bool rendered = false, drawn = false;
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
        case OPT_LOG_LEVEL:
            if (strcmp(optarg, "events") != 0 && strcmp(optarg, "calls") != 0) {
                fprintf(stderr, "firebreak: run: --log-level is 'events' or 'calls', not '%s'\n",
                        optarg);
                return CMD_USAGE;
            }
            opts.log_calls = strcmp(optarg, "calls") == 0;
            break;
        case OPT_COUNTERFACTUAL:
            if (strcmp(optarg, "no-breakers") != 0 && strcmp(optarg, "no-policies") != 0) {
                fprintf(stderr,
                        "firebreak: run: --counterfactual is 'no-breakers' or 'no-policies', "
                        "not '%s'\n",
                        optarg);
                return CMD_USAGE;
            }
            cf_mode = strcmp(optarg, "no-breakers") == 0 ? "no-breakers" : "no-policies";
            break;
        case OPT_NO_COUNTERFACTUAL:
            cf_mode = NULL;
            break;
        case OPT_JSON:
            json = true;
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
        char name[256];

        cmd_scenario_name(argv[optind], name, sizeof(name));
        snprintf(out_buf, sizeof(out_buf), "out/%s", name);
        out = out_buf;
    }
    cf_opts = opts;
    cf_opts.no_breakers = true;
    cf_opts.no_policies = cf_mode && strcmp(cf_mode, "no-policies") == 0;
    if (opts.no_breakers && cf_mode && !cf_opts.no_policies)
        cf_mode = NULL; /* already without breakers: nothing to compare */
    if (!(sc = cmd_load_scenario(argv[optind])))
        return CMD_USAGE;
    cmd_progress_init(&bar, "simulating", quiet || json);
    first.share = cf_mode ? 0.5 : 1;
    opts.progress = cf_opts.progress = on_progress;
    opts.progress_ctx = &first;
    cf_opts.progress_ctx = &second;
    if (!cmd_play_run(sc, &opts, argv[optind], &run)) {
        rc = CMD_USAGE;
    } else if (cf_mode && !cmd_play_run(sc, &cf_opts, argv[optind], &cf)) {
        rc = CMD_USAGE;
    } else {
        cmd_progress_done(&bar);
        if (cf_mode) {
            run.run.counterfactual = &cf.run;
            run.run.counterfactual_mode = cf_mode;
        }
        if (!quiet && !json) {
            report_print_table(&run.run, stdout);
            printf("\n");
        }
        if (!report_write_all(&run.run, out, &err) ||
            !report_plot_write(&run.run, out, &rendered, &err) ||
            !report_html_write(&run.run, out, rendered, &drawn, &err)) {
            fprintf(stderr, "firebreak: run: cannot write the outputs: %s\n", err.text);
            rc = CMD_USAGE;
        } else {
            if (!rendered)
                fprintf(stderr, "gnuplot not found: wrote the plot scripts and data; install "
                                "gnuplot to render them\n");
            if (json && !print_json(&run.run, out)) {
                fprintf(stderr, "firebreak: run: out of memory printing the summary\n");
                rc = CMD_USAGE;
            } else if (!json) {
                printf("report: %s/report.json (with series.csv, events.jsonl, plots/); "
                       "open %s/report.html\n", out, out);
            }
        }
    }
    cmd_progress_done(&bar);
    cmd_play_free(&cf);
    cmd_play_free(&run);
    sim_scenario_free(sc);
    return rc;
}
