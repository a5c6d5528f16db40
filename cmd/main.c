/* main.c — the firebreak command: parses global options, dispatches to a subcommand. */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

#include "breaker.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "run", cmd_run, "play a scenario in virtual time and write its report" },
    { "check", cmd_check, "CI gate: play scenarios on several seeds, test their expectations" },
    { "compare", cmd_compare, "two runs (or scenarios) side by side, with the differences" },
    { "plot", cmd_plot, "re-render a run's plots (after restyling their gnuplot scripts)" },
    { "sweep", cmd_sweep, "tune breaker settings: a grid on several seeds, a Pareto front, a pick" },
    { "merge", cmd_merge, "join the partial results of sharded sweeps" },
    { "validate", cmd_validate, "check scenario files without running them" },
    { "demo", cmd_demo, "feed one breaker a failing, then recovering dependency" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: firebreak [--help | --version] <command> [options]\n\n"
                 "A circuit-breaker engine and a chaos simulator built around it.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'firebreak <command> --help' describes a command.\n"
                 "exit codes: 0 ok, 1 an expectation failed, 2 usage or bad input\n");
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : NULL;

    if (!name) {
        usage(stderr);
        return CMD_USAGE;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return CMD_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("firebreak %s (libfirebreak %s)\n", FB_VERSION, fb_version());
        return CMD_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (name[0] == '-')
        fprintf(stderr, "firebreak: unknown option '%s'\n", name);
    else
        fprintf(stderr, "firebreak: unknown command '%s'\n", name);
    fprintf(stderr, "try 'firebreak --help'\n");
    return CMD_USAGE;
}
