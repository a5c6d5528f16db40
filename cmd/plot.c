/* plot.c — `firebreak plot`: re-render a run's plots from the gnuplot
 * scripts and data it wrote, and put the new SVGs into its report.html.
 * Nothing is simulated: restyle a script, then see it in the page. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "html.h"
#include "plot.h"

static void plot_usage(FILE *out)
{
    fprintf(out,
            "usage: firebreak plot DIR [options]\n\n"
            "Re-render the plots of the run whose outputs are in DIR (what 'firebreak run\n"
            "--out DIR' wrote), without simulating anything again:\n"
            "  1. run gnuplot on each script DIR/plots/NAME.gp (NAME: availability,\n"
            "     breakers, errors, load), in DIR/plots, where it reads NAME.dat;\n"
            "  2. replace DIR/plots/NAME.png and NAME.svg by what it drew (each pair\n"
            "     only once both are complete: a failing script leaves the old ones);\n"
            "  3. replace the plots inlined in DIR/report.html by the new SVGs, when\n"
            "     the page is there.\n"
            "Edit a script (sizes, colours, titles, ranges) or its data first to restyle a\n"
            "plot; 'cd DIR/plots && gnuplot NAME.gp' renders one script by hand.\n\n"
            "options:\n"
            "  -q, --quiet   print nothing on success\n"
            "  -h, --help    this help\n\n"
            "exit codes: 0 ok; 2 usage, DIR is not a run's output (no report.json or no\n"
            "plots/*.gp), gnuplot is not installed, or a script fails\n\n"
            "example:\n"
            "  firebreak run scenarios/checkout.json --out out/checkout\n"
            "  sed -i 's/size 1400,900/size 1800,1000/' out/checkout/plots/load.gp\n"
            "  firebreak plot out/checkout\n");
}

static bool exists(const char *dir, const char *name)
{
    char path[4200];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

int cmd_plot(int argc, char **argv)
{
    static const struct option options[] = { { "quiet", no_argument, NULL, 'q' },
                                             { "help", no_argument, NULL, 'h' },
                                             { 0 } };
    bool quiet = false, rendered = false;
    report_error err;
    const char *dir;
    int c;

    while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
        if (c == 'q') {
            quiet = true;
        } else if (c == 'h') {
            plot_usage(stdout);
            return CMD_OK;
        } else {
            fprintf(stderr, "try 'firebreak plot --help'\n");
            return CMD_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind == argc ? "firebreak: plot: which run? (its output directory)\n"
                                       : "firebreak: plot: one directory at a time\n");
        fprintf(stderr, "try 'firebreak plot --help'\n");
        return CMD_USAGE;
    }
    dir = argv[optind];
    if (!exists(dir, "report.json")) {
        fprintf(stderr, "firebreak: plot: %s is not the output of a run (no %s/report.json: %s)\n",
                dir, dir, strerror(errno));
        return CMD_USAGE;
    }
    if (!report_tool_found("gnuplot")) {
        fprintf(stderr, "firebreak: plot: gnuplot not found: install gnuplot to render the "
                        "plots\n");
        return CMD_USAGE;
    }
    if (!report_plot_render(dir, &rendered, &err)) {
        fprintf(stderr, "firebreak: plot: %s\n", err.text);
        if (!exists(dir, "plots"))
            fprintf(stderr, "firebreak: plot: %s has no plots/: write them with 'firebreak run "
                            "SCENARIO --out %s'\n",
                    dir, dir);
        return CMD_USAGE;
    }
    if (exists(dir, "report.html") && !report_html_refresh_plots(dir, &err)) {
        fprintf(stderr, "firebreak: plot: %s\n", err.text);
        return CMD_USAGE;
    }
    if (!quiet)
        printf("plots: %s/plots/{availability,breakers,errors,load}.{png,svg}%s\n", dir,
               exists(dir, "report.html") ? "; report.html updated" : "");
    return CMD_OK;
}
