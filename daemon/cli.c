/*
 * cli.c: add, import, list, status, check and daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "cli.h"
#include "daemon.h"
#include "extract.h"
#include "log.h"
#include "secrets.h"
#include "store.h"
#include "url.h"
#include "xmalloc.h"

#define IMPORT_MAX	(256 * 1024 * 1024)	/* bytes read by import */
#define BUSY_MS		10000

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV };

static int	usage_of(const char *, const char *);

static int
usage_of(const char *cmd, const char *msg)
{
	const struct cli_cmd *c = cli_find(cmd);

	if (msg)
		fprintf(stderr, "rotwatch %s: %s\n", cmd, msg);
	fprintf(stderr, "usage: rotwatch [-c FILE] %s\n", c ? c->synopsis :
	    cmd);
	fprintf(stderr, "Try 'rotwatch %s --help'.\n", cmd);
	return EXIT_USAGE;
}

static void
help_of(const char *cmd)
{
	const struct cli_cmd *c = cli_find(cmd);

	printf("usage: rotwatch [-c FILE] %s\n\n%s", c->synopsis, c->help);
}

/*
 * getopt_long with the command's name in messages.  Returns the option,
 * -1 at the end, or '?' after printing what was wrong.
 */
static int
opt_next(int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	opterr = 0;
	int ch = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (ch == '?') {
		char msg[128];

		if (optopt)
			snprintf(msg, sizeof(msg), "unknown option '-%c'",
			    optopt);
		else
			snprintf(msg, sizeof(msg), "unknown option '%s'",
			    argv[optind - 1]);
		usage_of(argv[0], msg);
	} else if (ch == ':') {
		char msg[128];

		snprintf(msg, sizeof(msg), "option '%s' needs a value",
		    argv[optind - 1]);
		usage_of(argv[0], msg);
		ch = '?';
	}
	return ch;
}

static int
parse_format(const char *cmd, const char *s, enum fmt *f, int csv_ok)
{
	if (strcmp(s, "table") == 0)
		*f = FMT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = FMT_JSON;
	else if (csv_ok && strcmp(s, "csv") == 0)
		*f = FMT_CSV;
	else {
		fprintf(stderr, "rotwatch %s: --format: unknown format '%s' "
		    "(use table, json%s)\n", cmd, s, csv_ok ? " or csv" : "");
		return -1;
	}
	return 0;
}

static struct store *
open_store(const struct config *cfg)
{
	char		 err[1024];
	struct store	*st = store_open(cfg->database, BUSY_MS, err,
			    sizeof(err));

	if (st == NULL)
		fprintf(stderr, "rotwatch: %s\n", err);
	return st;
}

/* A tag is a short word: letters, digits, '-', '_', '.', ':' and '/'. */
static int
tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 64)
		return 0;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		    (*t >= '0' && *t <= '9') || strchr("-_.:/", *t)))
			return 0;
	return 1;
}

static int
check_tags(const char *cmd, char **tags, int ntags)
{
	for (int i = 0; i < ntags; i++)
		if (!tag_ok(tags[i])) {
			fprintf(stderr, "rotwatch %s: --tag '%s': a tag is 1 to "
			    "64 letters, digits or - _ . : /\n", cmd, tags[i]);
			return -1;
		}
	return 0;
}

/* ---- add ---------------------------------------------------------- */

static int
cmd_add(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "every", required_argument, NULL, 'e' },
		{ "note", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char		*tags[64], **urls, **hosts;
	int		 ntags = 0, ch, nurls, bad = 0, rc = EXIT_FAIL;
	int64_t		 every = 0, id;
	const char	*note = NULL;
	struct store	*st;

	while ((ch = opt_next(argc, argv, ":t:e:n:h", lo)) != -1) {
		switch (ch) {
		case 't':
			if (ntags == 64)
				return usage_of("add", "too many --tag");
			tags[ntags++] = optarg;
			break;
		case 'e':
			if (config_parse_duration_ms(optarg, &every) == -1 ||
			    every < 1000 || every % 1000) {
				fprintf(stderr, "rotwatch add: --every '%s': "
				    "expected whole seconds of at least 1s, "
				    "such as 30m, 6h or 1d\n", optarg);
				return EXIT_USAGE;
			}
			every /= 1000;
			break;
		case 'n':
			note = optarg;
			break;
		case 'h':
			help_of("add");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind == argc)
		return usage_of("add", "no URL given");
	if (check_tags("add", tags, ntags) == -1)
		return EXIT_USAGE;
	nurls = argc - optind;
	urls = xcalloc((size_t)nurls, sizeof(*urls));
	hosts = xcalloc((size_t)nurls, sizeof(*hosts));
	for (int i = 0; i < nurls; i++) {
		const char *u = argv[optind + i];
		enum url_err e = url_normalize(u, strlen(u), &urls[i],
		    &hosts[i]);

		if (e != URL_OK) {
			fprintf(stderr, "rotwatch add: '%.200s': %s\n", u,
			    url_strerror(e));
			bad++;
		}
	}
	if (bad) {
		fprintf(stderr, "rotwatch add: nothing added (%d bad URL%s)\n",
		    bad, bad > 1 ? "s" : "");
		goto out;
	}
	if ((st = open_store(cfg)) == NULL)
		goto out;
	if (store_begin(st) == -1)
		goto fail;
	for (int i = 0; i < nurls; i++) {
		int added = store_add_source(st, urls[i], hosts[i], note,
		    every, wall_ms(), &id);

		if (added == -1)
			goto fail;
		for (int k = 0; k < ntags; k++)
			if (store_add_tag(st, id, tags[k]) == -1)
				goto fail;
		printf("%s %lld %s\n", added ? "added" : "present",
		    (long long)id, urls[i]);
	}
	if (store_commit(st) == -1)
		goto fail;
	rc = 0;
	store_close(st);
	goto out;
fail:
	fprintf(stderr, "rotwatch add: %s; nothing added\n", store_errmsg(st));
	store_rollback(st);
	store_close(st);
out:
	for (int i = 0; i < nurls; i++) {
		free(urls[i]);
		free(hosts[i]);
	}
	free(urls);
	free(hosts);
	return rc;
}

/* ---- import ------------------------------------------------------- */

static char *
read_all(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char	*buf = NULL;
	size_t	 cap = 0, n = 0, r;

	if (f == NULL) {
		fprintf(stderr, "rotwatch import: %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	do {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n > IMPORT_MAX) {
			fprintf(stderr, "rotwatch import: %s: larger than "
			    "%d MiB\n", path, IMPORT_MAX >> 20);
			goto bad;
		}
	} while (r > 0);
	if (ferror(f)) {
		fprintf(stderr, "rotwatch import: %s: %s\n", path,
		    strerror(errno));
		goto bad;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
bad:
	if (f != stdin)
		fclose(f);
	free(buf);
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The number of distinct URLs among the items (a URL may be cited in
 * several notes). */
static size_t
distinct_urls(const struct extract_result *res)
{
	char	**v = xcalloc(res->nitems + 1, sizeof(*v));
	size_t	  n = 0;

	for (size_t i = 0; i < res->nitems; i++)
		v[i] = res->items[i].url;
	qsort(v, res->nitems, sizeof(*v), cmp_str);
	for (size_t i = 0; i < res->nitems; i++)
		n += i == 0 || strcmp(v[i], v[i - 1]) != 0;
	free(v);
	return n;
}

static int
cmd_import(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char			*tags[64], *buf;
	int			 ntags = 0, ch, rc = EXIT_FAIL;
	size_t			 len, added = 0, present = 0;
	struct extract_result	 res;
	struct store		*st;
	const char		*path, *name;
	int64_t			 now = wall_ms(), id;

	while ((ch = opt_next(argc, argv, ":t:h", lo)) != -1) {
		switch (ch) {
		case 't':
			if (ntags == 64)
				return usage_of("import", "too many --tag");
			tags[ntags++] = optarg;
			break;
		case 'h':
			help_of("import");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("import", optind == argc ? "no file given" :
		    "one file at a time");
	if (check_tags("import", tags, ntags) == -1)
		return EXIT_USAGE;
	path = argv[optind];
	name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	if ((buf = read_all(path, &len)) == NULL)
		return EXIT_FAIL;
	if (extract_buffer(buf, len, EXTRACT_AUTO, &res) == -1) {
		fprintf(stderr, "rotwatch import: %s: cannot read as text, "
		    "Markdown or HTML\n", name);
		free(buf);
		return EXIT_FAIL;
	}
	free(buf);
	if ((st = open_store(cfg)) == NULL) {
		extract_result_free(&res);
		return EXIT_FAIL;
	}
	if (store_begin(st) == -1)
		goto fail;
	for (size_t i = 0; i < res.nitems; i++) {
		struct extract_item *it = &res.items[i];
		int a = store_add_source(st, it->url, it->host, NULL, 0, now,
		    &id);

		if (a == -1)
			goto fail;
		added += a;	/* each URL is added at most once */
		for (int k = 0; k < ntags; k++)
			if (store_add_tag(st, id, tags[k]) == -1)
				goto fail;
		/* A line that is only the URL says nothing more. */
		if ((it->note != NULL || strpbrk(it->citation, " \t") != NULL)
		    && store_add_note(st, id, it->note, it->citation) == -1)
			goto fail;
	}
	if (store_commit(st) == -1)
		goto fail;
	present = distinct_urls(&res) - added;
	for (size_t i = 0; i < res.nrejects; i++)
		fprintf(stderr, "%s:%u: rejected: %s: %s\n", name,
		    res.rejects[i].line, url_strerror(res.rejects[i].why),
		    res.rejects[i].text);
	printf("%zu added, %zu already present, %zu rejected\n", added,
	    present, res.nrejects);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "rotwatch import: %s: %s; nothing imported\n", name,
	    store_errmsg(st));
	store_rollback(st);
out:
	store_close(st);
	extract_result_free(&res);
	return rc;
}

/* ---- list and status ---------------------------------------------- */

struct out_ctx {
	struct store	*st;
	enum fmt	 fmt;
	int		 full;		/* status: notes and last check */
	json_t		*arr;
	int		 n;
};

static json_t *
tags_json(const char *tags)
{
	json_t		*a = json_array();
	const char	*p = tags, *c;

	while (p && *p) {
		c = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, c ? (size_t)(c - p) :
		    strlen(p)));
		p = c ? c + 1 : NULL;
	}
	return a;
}

static void
note_json(void *arg, const char *note, const char *citation)
{
	json_array_append_new(arg, json_pack("{s:s, s:s}", "note", note,
	    "citation", citation));
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void
csv_field(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
out_row(void *arg, const struct source_row *r)
{
	struct out_ctx	*o = arg;
	char		 when[40];
	json_t		*obj, *lc;

	o->n++;
	if (o->fmt == FMT_JSON) {
		obj = json_pack("{s:I, s:s, s:o, s:s}", "id", (json_int_t)r->id,
		    "url", r->url, "tags", tags_json(r->tags), "state",
		    r->state);
		if (o->full) {
			json_t *notes = json_array();

			store_notes(o->st, r->id, note_json, notes);
			json_object_set_new(obj, "notes", notes);
			if (r->has_check) {
				rfc3339_ms(r->checked_at, when, sizeof(when));
				lc = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, "
				    "s:o, s:o}", "checked_at", when, "class",
				    r->cls, "http_status", r->http_status ?
				    json_integer(r->http_status) : json_null(),
				    "final_url", str_or_null(r->final_url),
				    "redirects", (json_int_t)r->redirects,
				    "duration_ms", (json_int_t)r->duration_ms,
				    "sha256", str_or_null(r->sha256), "error",
				    str_or_null(r->error));
			} else
				lc = json_null();
			json_object_set_new(obj, "last_check", lc);
			json_object_set_new(obj, "snapshot", r->snap_url ?
			    json_pack("{s:s, s:s}", "url", r->snap_url,
			    "timestamp", r->snap_ts) : json_null());
		}
		json_array_append_new(o->arr, obj);
		return;
	}
	if (o->fmt == FMT_CSV) {
		printf("%lld,", (long long)r->id);
		csv_field(r->url);
		putchar(',');
		csv_field(r->tags);
		printf(",%s\n", r->state);
		return;
	}
	if (!o->full) {
		printf("%-6lld %-6s %s%s%s%s\n", (long long)r->id, r->state,
		    r->url, *r->tags ? "  [" : "", r->tags, *r->tags ? "]" :
		    "");
		return;
	}
	if (r->has_check) {
		rfc3339_ms(r->checked_at, when, sizeof(when));
		when[19] = 'Z';
		when[20] = '\0';
		printf("%-6lld %-6s %-18s %4ld %-20s %s\n", (long long)r->id,
		    r->state, r->cls, r->http_status, when, r->url);
	} else
		printf("%-6lld %-6s %-18s %4s %-20s %s\n", (long long)r->id,
		    r->state, "-", "-", "never", r->url);
}

static int
list_or_status(const struct config *cfg, int argc, char **argv, int full)
{
	static const struct option lo[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*cmd = argv[0], *tag = NULL;
	struct out_ctx	 o;
	int		 ch, n;
	int64_t		 id = 0;

	memset(&o, 0, sizeof(o));
	o.full = full;
	while ((ch = opt_next(argc, argv, ":t:f:h", lo)) != -1) {
		switch (ch) {
		case 't':
			tag = optarg;
			break;
		case 'f':
			if (parse_format(cmd, optarg, &o.fmt, !full) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			help_of(cmd);
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc - (full ? 1 : 0))
		return usage_of(cmd, "too many arguments");
	if ((o.st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if (optind < argc) {
		char *canon = NULL;
		const char *key = argv[optind];

		if (url_normalize(key, strlen(key), &canon, NULL) == URL_OK)
			key = canon;
		id = store_find_source(o.st, key);
		free(canon);
		if (id <= 0) {
			fprintf(stderr, "rotwatch %s: no source '%s'\n", cmd,
			    argv[optind]);
			store_close(o.st);
			return EXIT_FAIL;
		}
	}
	if (o.fmt == FMT_JSON)
		o.arr = json_array();
	else if (o.fmt == FMT_CSV)
		printf("id,url,tags,state\n");
	else if (full)
		printf("%-6s %-6s %-18s %4s %-20s %s\n", "ID", "STATE",
		    "CLASS", "HTTP", "CHECKED", "URL");
	else
		printf("%-6s %-6s %s\n", "ID", "STATE", "URL");
	n = store_sources(o.st, tag, id, out_row, &o);
	if (n < 0) {
		fprintf(stderr, "rotwatch %s: %s\n", cmd,
		    store_errmsg(o.st));
		json_decref(o.arr);
		store_close(o.st);
		return EXIT_FAIL;
	}
	if (o.fmt == FMT_JSON) {
		json_dumpf(o.arr, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(o.arr);
	} else if (full && id == 0)
		printf("\narchive queue: %lld open jobs, %lld failed\n",
		    (long long)store_archive_count(o.st, NULL),
		    (long long)store_archive_count(o.st, "failed"));
	store_close(o.st);
	return 0;
}

static int
cmd_list(const struct config *cfg, int argc, char **argv)
{
	return list_or_status(cfg, argc, argv, 0);
}

static int
cmd_status(const struct config *cfg, int argc, char **argv)
{
	return list_or_status(cfg, argc, argv, 1);
}

/* ---- check and daemon --------------------------------------------- */

static int
cmd_check(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum fmt	 fmt = FMT_TABLE;
	char		*url = NULL, *host = NULL, *sargv[5], idbuf[32];
	char		 a0[] = "status", a1[] = "--format", a2[] = "table";
	char		 a2j[] = "json";
	enum url_err	 e;
	struct store	*st;
	int64_t		 id;
	int		 ch, rc;

	while ((ch = opt_next(argc, argv, ":f:h", lo)) != -1) {
		switch (ch) {
		case 'f':
			if (parse_format("check", optarg, &fmt, 0) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			help_of("check");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("check", optind == argc ? "no URL given" :
		    "one URL at a time");
	e = url_normalize(argv[optind], strlen(argv[optind]), &url, &host);
	if (e != URL_OK) {
		fprintf(stderr, "rotwatch check: '%.200s': %s\n", argv[optind],
		    url_strerror(e));
		return EXIT_FAIL;
	}
	if ((st = open_store(cfg)) == NULL) {
		free(url);
		free(host);
		return EXIT_FAIL;
	}
	if (store_begin(st) == -1 || store_add_source(st, url, host, NULL, 0,
	    wall_ms(), &id) == -1 || store_commit(st) == -1) {
		fprintf(stderr, "rotwatch check: %s\n", store_errmsg(st));
		store_rollback(st);
		store_close(st);
		free(url);
		free(host);
		return EXIT_FAIL;
	}
	free(url);
	free(host);
	rc = daemon_run(cfg, st, DAEMON_LIST, &id, 1, NULL);
	store_close(st);
	if (rc != 0)
		return EXIT_FAIL;
	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
	sargv[0] = a0;
	sargv[1] = a1;
	sargv[2] = fmt == FMT_JSON ? a2j : a2;
	sargv[3] = idbuf;
	sargv[4] = NULL;
	optind = 0;
	return list_or_status(cfg, 4, sargv, 1);
}

static int
cmd_daemon(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int		 ch, once = 0, rc;
	struct store	*st;
	char		*keys = NULL;

	while ((ch = opt_next(argc, argv, ":oh", lo)) != -1) {
		switch (ch) {
		case 'o':
			once = 1;
			break;
		case 'h':
			help_of("daemon");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_of("daemon", "unexpected argument");
	if (cfg->archive_enabled && !once) {
		char err[1024];
		int k = secrets_load(cfg, &keys, err, sizeof(err));

		if (k == -1) {
			fprintf(stderr, "rotwatch: %s\n", err);
			return EX_CONFIG_ERR;
		}
		if (k == 0)
			log_warn("archive: no keys (set [archive] keys_file, or "
			    "give systemd credential ia-keys): sources are "
			    "checked but not archived");
	}
	if ((st = open_store(cfg)) == NULL) {
		secrets_free(keys);
		return EXIT_FAIL;
	}
	rc = daemon_run(cfg, st, once ? DAEMON_ONCE : DAEMON_FOREVER, NULL, 0,
	    keys);
	store_close(st);
	return rc ? EXIT_FAIL : 0;
}

/* ---- archive and snapshots -------------------------------------------- */

static int64_t
find_by_arg(struct store *st, const char *cmd, const char *arg)
{
	char		*canon = NULL;
	const char	*key = arg;
	int64_t		 id;

	if (url_normalize(arg, strlen(arg), &canon, NULL) == URL_OK)
		key = canon;
	id = store_find_source(st, key);
	free(canon);
	if (id <= 0)
		fprintf(stderr, "rotwatch %s: no source '%s' (add it first)\n",
		    cmd, arg);
	return id;
}

static int
cmd_archive(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*tag = NULL;
	int		 ch, all = 0, n;
	int64_t		 id = 0;
	struct store	*st;

	while ((ch = opt_next(argc, argv, ":t:ah", lo)) != -1) {
		switch (ch) {
		case 't':
			tag = optarg;
			break;
		case 'a':
			all = 1;
			break;
		case 'h':
			help_of("archive");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if ((optind < argc) + (tag != NULL) + all != 1)
		return usage_of("archive", "give one URL, --tag T or --all");
	if (optind < argc - 1)
		return usage_of("archive", "one URL at a time");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if (optind < argc && (id = find_by_arg(st, "archive", argv[optind])) <=
	    0) {
		store_close(st);
		return EXIT_FAIL;
	}
	if (store_begin(st) == -1 ||
	    (n = store_archive_queue(st, id, tag, wall_ms())) < 0 ||
	    store_commit(st) == -1) {
		fprintf(stderr, "rotwatch archive: %s\n", store_errmsg(st));
		store_rollback(st);
		store_close(st);
		return EXIT_FAIL;
	}
	printf("%d queued\n", n);
	store_close(st);
	return 0;
}

static void
snap_row(void *arg, const struct snapshot_row *r)
{
	json_t *a = arg;

	if (a)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
		    "url", r->url, "timestamp", r->timestamp, "original_url",
		    r->original_url, "origin", r->origin));
	else
		printf("%s  %-4s %s\n", r->timestamp, r->origin, r->url);
}

static int
cmd_snapshots(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum fmt	 fmt = FMT_TABLE;
	int		 ch, n;
	int64_t		 id;
	struct store	*st;
	json_t		*arr = NULL;

	while ((ch = opt_next(argc, argv, ":f:h", lo)) != -1) {
		switch (ch) {
		case 'f':
			if (parse_format("snapshots", optarg, &fmt, 0) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			help_of("snapshots");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("snapshots", "give one URL or id");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if ((id = find_by_arg(st, "snapshots", argv[optind])) <= 0) {
		store_close(st);
		return EXIT_FAIL;
	}
	if (fmt == FMT_JSON)
		arr = json_array();
	n = store_snapshots(st, id, snap_row, arr);
	if (n < 0)
		fprintf(stderr, "rotwatch snapshots: %s\n", store_errmsg(st));
	else if (arr) {
		json_dumpf(arr, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		putchar('\n');
	} else if (n == 0)
		printf("no snapshot known yet\n");
	json_decref(arr);
	store_close(st);
	return n < 0 ? EXIT_FAIL : 0;
}

static int
cmd_config_check(const struct config *cfg, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		help_of("config-check");
		return 0;
	}
	if (argc > 1)
		return usage_of("config-check", "unexpected argument");
	if (cfg->archive_enabled) {
		char	 err[1024], *keys = NULL;
		int	 k = secrets_load(cfg, &keys, err, sizeof(err));

		secrets_free(keys);
		if (k == -1) {
			fprintf(stderr, "rotwatch: %s\n", err);
			return EX_CONFIG_ERR;
		}
		if (k == 0)
			fprintf(stderr, "rotwatch: note: no archive keys: "
			    "sources will be checked but not archived\n");
	}
	config_dump(cfg, stdout);
	return 0;
}

const struct cli_cmd cli_cmds[] = {
	{ "add", cmd_add, "add URL... [--tag T]... [--every DURATION] "
	    "[--note TEXT]",
	    "Adds sources.  Each URL is put in canonical form first; if any\n"
	    "URL is not a valid http(s) URL, nothing is added.\n\n"
	    "  --tag T        tag the sources (repeatable)\n"
	    "  --every D      check them every D (e.g. 6h) instead of\n"
	    "                 [schedule] interval\n"
	    "  --note TEXT    a note kept with the sources\n", 1 },
	{ "import", cmd_import, "import FILE|- [--tag T]...",
	    "Adds every http(s) URL found in a plain-text, Markdown or HTML\n"
	    "file (- reads standard input), with the endnote number and the\n"
	    "citation text around it.  Prints \"N added, N already present,\n"
	    "N rejected\", and FILE:LINE and the reason for each rejected\n"
	    "candidate on standard error.\n\n"
	    "  --tag T        tag the sources (repeatable)\n", 1 },
	{ "list", cmd_list, "list [--tag T] [--format table|json|csv]",
	    "Lists the sources.\n\n"
	    "  --tag T        only sources with this tag\n"
	    "  --format F     table (default), json or csv\n", 1 },
	{ "status", cmd_status, "status [URL|ID] [--tag T] "
	    "[--format table|json]",
	    "Shows each source's state and its latest check.\n\n"
	    "  --tag T        only sources with this tag\n"
	    "  --format F     table (default) or json\n", 1 },
	{ "check", cmd_check, "check URL [--format table|json]",
	    "Checks one URL now, stores the result and prints it.  A URL\n"
	    "that is not yet a source is added.\n", 1 },
	{ "daemon", cmd_daemon, "daemon [--once]",
	    "Checks the sources on their schedule until SIGTERM or SIGINT.\n\n"
	    "  --once         check every source due now, wait for them, "
	    "exit\n", 1 },
	{ "archive", cmd_archive, "archive URL|--tag T|--all",
	    "Queues sources for the web archive now, whatever the policy says;\n"
	    "the running daemon submits them as its limits allow.\n", 1 },
	{ "snapshots", cmd_snapshots, "snapshots URL|ID [--format table|json]",
	    "Lists the known snapshots of a source, newest first: ours (spn)\n"
	    "and those found in the archive's index (cdx).\n", 1 },
	{ "config-check", cmd_config_check, "config-check",
	    "Prints the effective configuration, or every error in it with\n"
	    "FILE:LINE, and exits 78.\n", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

const struct cli_cmd *
cli_find(const char *name)
{
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}
