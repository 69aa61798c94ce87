/*
 * cli.h: the subcommands.  Each takes its own argc/argv (argv[0] is the
 * command name) and returns the process exit status.
 */
#ifndef CLI_H
#define CLI_H

#include "config.h"

#define EXIT_FAIL	1	/* exit statuses (78 is EX_CONFIG_ERR) */
#define EXIT_USAGE	2

struct cli_cmd {
	const char	*name;
	int		 (*run)(const struct config *, int, char **);
	const char	*synopsis;
	const char	*help;
	int		 needs_store;
};

extern const struct cli_cmd cli_cmds[];

/* Returns the command with this name, or NULL. */
const struct cli_cmd *cli_find(const char *);

#endif
