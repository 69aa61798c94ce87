/*
 * main.c: process setup.  Global options, the config, then a subcommand.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "config.h"
#include "judge.h"
#include "signs.h"
#include "text.h"
#include "log.h"
#include "version.h"

#define VERSION		ROTWATCH_VERSION
#define DEFAULT_CONFIG	"/etc/rotwatch/rotwatch.conf"

static void
usage(FILE *f)
{
	fprintf(f, "usage: rotwatch [-c FILE] COMMAND [ARGS]\n\n"
	    "Watches the web sources a report cites: checks them on a "
	    "schedule and\nrecords every observation.\n\nCommands:\n");
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		fprintf(f, "  %s\n", c->synopsis);
	fprintf(f, "\nOptions:\n"
	    "  -c FILE    config file (default: $ROTWATCH_CONFIG, else "
	    DEFAULT_CONFIG ")\n"
	    "  -h, --help this text; 'rotwatch COMMAND --help' for one "
	    "command\n"
	    "  -V         version\n\n"
	    "Exit status: 0 ok, 1 failure, 2 usage error, 78 config error.\n"
	    "See rotwatch(1) and rotwatch.conf(5).\n");
}

int
main(int argc, char **argv)
{
	const char		*path = NULL;
	const struct cli_cmd	*cmd;
	struct config		*cfg;
	int			 i = 1, rc, want_help, defaults = 0;

	/* IDN conversion in libcurl needs a UTF-8 character type. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "rotwatch: -c needs a file\n");
				return EXIT_USAGE;
			}
			path = argv[i + 1];
			i += 2;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("rotwatch %s (%s)\n", VERSION, curl_version());
			return 0;
		} else {
			fprintf(stderr, "rotwatch: unknown option '%s'\n",
			    argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cli_find(argv[i])) == NULL) {
		fprintf(stderr, "rotwatch: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	want_help = argc > i + 1 && (strcmp(argv[i + 1], "--help") == 0 ||
	    strcmp(argv[i + 1], "-h") == 0);
	if (path == NULL)
		path = getenv("ROTWATCH_CONFIG");
	if (path == NULL || *path == '\0') {
		path = DEFAULT_CONFIG;
		/* verify FILE checks a bundle on any machine. */
		if ((cmd->flags & CMD_NOCONF) && access(path, F_OK) == -1 &&
		    errno == ENOENT)
			defaults = 1;
	}
	if (want_help || defaults)
		cfg = config_defaults();
	else if ((cfg = config_load(path, stderr)) == NULL) {
		fprintf(stderr, "rotwatch: %s: configuration refused\n", path);
		return EX_CONFIG_ERR;
	}
	if (!want_help && !defaults) {
		/* The signature file and the text rules are part of it. */
		struct signs		*sg;
		struct text_rules	*tr;

		if (judge_load(cfg, &sg, &tr, stderr) == -1) {
			fprintf(stderr, "rotwatch: %s: configuration refused\n",
			    path);
			config_free(cfg);
			return EX_CONFIG_ERR;
		}
		signs_free(sg);
		text_rules_free(tr);
	}
	log_set_level(cfg->log_level);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
	rc = cmd->run(cfg, argc - i, argv + i);
	curl_global_cleanup();
	config_free(cfg);
	return rc;
}
