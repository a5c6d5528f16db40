/* common.c — what several subcommands share: loading a scenario with its
 * error printed, and parsing option values strictly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "scenario.h"

sim_scenario *cmd_load_scenario(const char *path)
{
    sim_error err;
    char msg[1200];
    sim_scenario *sc = sim_scenario_load(path, &err);

    if (!sc) {
        sim_error_format(&err, msg, sizeof(msg));
        fprintf(stderr, "%s\n", msg);
    }
    return sc;
}

bool cmd_parse_u64(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!text || text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}
