/* cmd.h — the firebreak subcommands; main.c dispatches to them. */
#ifndef FIREBREAK_CMD_H
#define FIREBREAK_CMD_H

/* Exit codes, documented in README.md and the man page. */
enum {
    CMD_OK = 0,      /* success */
    CMD_FAILED = 1,  /* an expectation failed or a regression was found */
    CMD_USAGE = 2    /* bad usage or bad input */
};

/* Each subcommand takes the arguments after its name (argv[0] is the name)
 * and returns an exit code. */
int cmd_demo(int argc, char **argv);

#endif /* FIREBREAK_CMD_H */
