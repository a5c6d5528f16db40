/* validate.c — `firebreak validate`: load scenario files and report the first
 * error of each, without running anything. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"

static void validate_usage(FILE *out)
{
    fprintf(out, "usage: firebreak validate SCENARIO...\n\n"
                 "Check each scenario file against the format (docs/scenario.md) and print\n"
                 "'file: ok' with its size, or the first error as file:line:col: key path:\n"
                 "what is wrong.\n\n"
                 "options:\n"
                 "  -q, --quiet   print errors only\n"
                 "  -h, --help    this help\n\n"
                 "exit codes: 0 every file is valid, 2 one is not (or bad usage)\n\n"
                 "example:\n  firebreak validate scenarios/*.json\n");
}

int cmd_validate(int argc, char **argv)
{
    static const struct option options[] = { { "quiet", no_argument, NULL, 'q' },
                                             { "help", no_argument, NULL, 'h' },
                                             { 0 } };
    bool quiet = false;
    int c, rc = CMD_OK;

    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        if (c == 'q') {
            quiet = true;
        } else if (c == 'h') {
            validate_usage(stdout);
            return CMD_OK;
        } else {
            fprintf(stderr, "try 'firebreak validate --help'\n");
            return CMD_USAGE;
        }
    }
    if (optind == argc) {
        fprintf(stderr, "firebreak: validate: which scenarios? (one file or more)\n"
                        "try 'firebreak validate --help'\n");
        return CMD_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        sim_scenario *sc = cmd_load_scenario(argv[i]);

        if (!sc) {
            rc = CMD_USAGE;
            continue;
        }
        if (!quiet)
            printf("%s: ok (%zu services, %zu calls, %zu loads, %zu faults, %.3g s)\n", argv[i],
                   sc->n_services, sc->n_calls, sc->n_loads, sc->n_faults,
                   (double)sc->duration_ns / 1e9);
        sim_scenario_free(sc);
    }
    return rc;
}
