/*
 * cli.h: the subcommands.  Each takes its own argc/argv (argv[0] is the
 * command name) and returns the process exit status.
 */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>

#include "config.h"

#define EXIT_FAIL	1	/* exit statuses (78 is EX_CONFIG_ERR) */
#define EXIT_USAGE	2

struct cli_cmd {
	const char	*name;
	int		 (*run)(const struct config *, int, char **);
	const char	*synopsis;
	const char	*help;
	int		 flags;		/* CMD_* */
};
#define CMD_STORE	1	/* works on the database */
#define CMD_NOCONF	2	/* runs on defaults if the default file is absent */

extern const struct cli_cmd cli_cmds[];

/* Returns the command with this name, or NULL. */
const struct cli_cmd *cli_find(const char *);

/* For the commands in other files (evidence.c). */
struct option;
struct store;
/* Prints msg and the command's usage on stderr; returns EXIT_USAGE. */
int		 usage_of(const char *cmd, const char *msg);
void		 help_of(const char *cmd);
/* getopt_long, saying what was wrong; '?' then. */
int		 opt_next(int, char **, const char *, const struct option *);
/* The database, or NULL after saying why. */
struct store	*open_store(const struct config *);
/* The source a URL or id names, or <= 0 after saying so. */
int64_t		 find_by_arg(struct store *, const char *cmd, const char *);

#endif
