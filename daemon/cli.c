/*
 * cli.c: add, import, list, status, check and daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "cli.h"
#include "daemon.h"
#include "evidence.h"
#include "extract.h"
#include "jsonx.h"
#include "log.h"
#include "report.h"
#include "sdnotify.h"
#include "secrets.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"
#include "url.h"
#include "xmalloc.h"

#define IMPORT_MAX	(256 * 1024 * 1024)	/* bytes read by import */
#define BUSY_MS		10000

enum fmt { FMT_TABLE, FMT_JSON, FMT_CSV };

int
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

void
help_of(const char *cmd)
{
	const struct cli_cmd *c = cli_find(cmd);

	printf("usage: rotwatch [-c FILE] %s\n\n%s", c->synopsis, c->help);
}

/*
 * getopt_long with the command's name in messages.  Returns the option,
 * -1 at the end, or '?' after printing what was wrong.
 */
int
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

struct store *
open_store(const struct config *cfg)
{
	char		 err[1024];
	struct store	*st = store_open(cfg->database, BUSY_MS, err,
			    sizeof(err));

	if (st == NULL)
		fprintf(stderr, "rotwatch: %s\n", err);
	return st;
}

/*
 * The daemon's database.  A full disk, an I/O error or a lock held long
 * may pass: the daemon waits for it (saying so once a minute, and to the
 * service manager, whose watchdog it feeds) rather than exit into a
 * restart loop that systemd gives up after a few tries.  Anything else
 * (not a rotwatch database, no such folder) ends it.
 */
static struct store *
wait_store(const struct config *cfg)
{
	char		 err[1024];
	struct store	*st;
	int64_t		 said = 0, wait_ms = 1000;

	sdn_init();
	while ((st = store_open(cfg->database, BUSY_MS, err,
	    sizeof(err))) == NULL) {
		if (!store_open_may_pass()) {
			fprintf(stderr, "rotwatch: %s\n", err);
			return NULL;
		}
		if (said == 0 || wall_ms() - said >= 60000) {
			log_error("%s; waiting for it (retrying every %lld s)",
			    err, (long long)(wait_ms / 1000));
			said = wall_ms();
		}
		sdn_send("READY=1\nSTATUS=waiting for the database: %s", err);
		for (int64_t t = 0; t < wait_ms; t += 1000) {
			sdn_send("WATCHDOG=1");
			sleep(1);
		}
		if (wait_ms < 30000)
			wait_ms *= 2;
	}
	if (said != 0)
		log_info("database open again");
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

/* The judgement fields of a source: since when, why, the last change. */
static void
verdict_json(json_t *obj, const struct source_row *r)
{
	json_object_set_new(obj, "state_since", jx_time(r->state_since));
	json_object_set_new(obj, "confirmed_at",
	    jx_time(r->confirmed_at));
	json_object_set_new(obj, "reason", jx_str(r->reason));
	json_object_set_new(obj, "moved_to", jx_str(r->moved_to));
	if (r->change_at > 0)
		json_object_set_new(obj, "last_change", json_pack("{s:o, s:s, "
		    "s:o}", "at", jx_time(r->change_at), "kind",
		    r->change ? r->change : "substantial", "similarity",
		    r->similarity >= 0 ? json_real(r->similarity) :
		    json_null()));
	else
		json_object_set_new(obj, "last_change", json_null());
}

static void
out_row(void *arg, const struct source_row *r)
{
	struct out_ctx	*o = arg;
	char		 when[40];
	const char	*policy;
	json_t		*obj, *lc;

	o->n++;
	if (o->fmt == FMT_JSON) {
		obj = json_pack("{s:I, s:s, s:o, s:s}", "id", (json_int_t)r->id,
		    "url", r->url, "tags", jx_tags(r->tags), "state",
		    r->state);
		if (o->full) {
			json_t *notes = json_array();

			store_notes(o->st, r->id, jx_note, notes);
			json_object_set_new(obj, "notes", notes);
			if (r->has_check) {
				rfc3339_ms(r->checked_at, when, sizeof(when));
				lc = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, "
				    "s:o, s:o}", "checked_at", when, "class",
				    r->cls, "http_status", r->http_status ?
				    json_integer(r->http_status) : json_null(),
				    "final_url", jx_str(r->final_url),
				    "redirects", (json_int_t)r->redirects,
				    "duration_ms", (json_int_t)r->duration_ms,
				    "sha256", jx_str(r->sha256), "error",
				    jx_str(r->error));
			} else
				lc = json_null();
			json_object_set_new(obj, "last_check", lc);
			json_object_set_new(obj, "snapshot", r->snap_url ?
			    json_pack("{s:s, s:s}", "url", r->snap_url,
			    "timestamp", r->snap_ts) : json_null());
			verdict_json(obj, r);
		}
		json_array_append_new(o->arr, obj);
		return;
	}
	if (o->fmt == FMT_CSV) {
		printf("%lld,", (long long)r->id);
		report_csv_field(stdout, r->url);
		putchar(',');
		report_csv_field(stdout, r->tags);
		printf(",%s\n", r->state);
		return;
	}
	/* Our own policy refused it: say so, it is not the source. */
	policy = r->has_check && r->cls && strcmp(r->cls, "blocked_policy") ==
	    0 ? r->error ? r->error : "refused by the SSRF guard" : NULL;
	if (!o->full) {
		printf("%-6lld %-8s %s%s%s%s", (long long)r->id, r->state,
		    r->url, *r->tags ? "  [" : "", r->tags, *r->tags ? "]" :
		    "");
		if (policy)
			printf("  (blocked_policy: %s)", policy);
		putchar('\n');
		return;
	}
	if (r->has_check) {
		rfc3339_ms(r->checked_at, when, sizeof(when));
		when[19] = 'Z';
		when[20] = '\0';
		printf("%-6lld %-8s %-18s %4ld %-20s %s\n", (long long)r->id,
		    r->state, r->cls, r->http_status, when, r->url);
		if (policy)
			printf("%-6s %s\n", "", policy);
	} else
		printf("%-6lld %-8s %-18s %4s %-20s %s\n", (long long)r->id,
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
		printf("%-6s %-8s %-18s %4s %-20s %s\n", "ID", "STATE",
		    "CLASS", "HTTP", "CHECKED", "URL");
	else
		printf("%-6s %-8s %s\n", "ID", "STATE", "URL");
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
		{ "all", no_argument, NULL, 'a' },
		{ "tag", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum fmt	 fmt = FMT_TABLE;
	char		*url = NULL, *host = NULL, *sargv[6], idbuf[32];
	char		 a0[] = "status", a1[] = "--format", a2[] = "table";
	char		 a2j[] = "json", a3[] = "--tag";
	char		*tag = NULL;
	enum url_err	 e;
	struct store	*st;
	int64_t		*ids = NULL;
	size_t		 nids = 0;
	int		 ch, rc, all = 0, sargc;

	while ((ch = opt_next(argc, argv, ":at:f:h", lo)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 't':
			tag = optarg;
			break;
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
	if ((optind < argc) + all + (tag != NULL) != 1)
		return usage_of("check", "give URLs, --all or --tag T");
	/* Every URL must be valid before anything is stored. */
	for (int i = optind; i < argc; i++) {
		e = url_normalize(argv[i], strlen(argv[i]), &url, &host);
		free(url);
		free(host);
		url = host = NULL;
		if (e != URL_OK) {
			fprintf(stderr, "rotwatch check: '%.200s': %s\n",
			    argv[i], url_strerror(e));
			return EXIT_FAIL;
		}
	}
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if (optind < argc) {
		ids = xcalloc((size_t)(argc - optind), sizeof(*ids));
		if (store_begin(st) == -1)
			goto bad;
		for (int i = optind; i < argc; i++) {
			url_normalize(argv[i], strlen(argv[i]), &url, &host);
			rc = store_add_source(st, url, host, NULL, 0,
			    wall_ms(), &ids[nids++]);
			free(url);
			free(host);
			if (rc == -1)
				goto bad;
		}
		if (store_commit(st) == -1)
			goto bad;
	} else if (store_source_ids(st, tag, &ids, &nids) == -1)
		goto bad;
	rc = daemon_run(cfg, st, DAEMON_LIST, ids, nids, NULL);
	store_close(st);
	if (rc != 0) {
		free(ids);
		return EXIT_FAIL;
	}
	sargv[0] = a0;
	sargv[1] = a1;
	sargv[2] = fmt == FMT_JSON ? a2j : a2;
	sargc = 3;
	if (nids == 1 && !all && tag == NULL) {
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)ids[0]);
		sargv[sargc++] = idbuf;
	} else if (tag) {
		sargv[sargc++] = a3;
		sargv[sargc++] = tag;
	}
	sargv[sargc] = NULL;
	free(ids);
	optind = 0;
	return list_or_status(cfg, sargc, sargv, 1);
bad:
	fprintf(stderr, "rotwatch check: %s\n", store_errmsg(st));
	store_rollback(st);
	store_close(st);
	free(ids);
	return EXIT_FAIL;
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
	if ((st = once ? open_store(cfg) : wait_store(cfg)) == NULL) {
		secrets_free(keys);
		return EXIT_FAIL;
	}
	rc = daemon_run(cfg, st, once ? DAEMON_ONCE : DAEMON_FOREVER, NULL, 0,
	    keys);
	store_close(st);
	return rc ? EXIT_FAIL : 0;
}

/* ---- archive and snapshots -------------------------------------------- */

int64_t
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

/* ---- history and diff -------------------------------------------- */

struct hist_ctx {
	json_t	*events, *checks;	/* NULL: print a table */
};

static void
hist_event(void *arg, const struct event_row *e)
{
	struct hist_ctx	*h = arg;
	char		 when[40];
	json_t		*proof;

	rfc3339_ms(e->at, when, sizeof(when));
	if (h->events) {
		proof = e->proof ? json_loads(e->proof, 0, NULL) : NULL;
		json_array_append_new(h->events, json_pack("{s:I, s:s, s:s, "
		    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)e->id, "at", when, "type", e->type,
		    "from", jx_str(e->from), "to", jx_str(e->to),
		    "class", jx_str(e->cls), "check_id", e->check_id ?
		    json_integer(e->check_id) : json_null(),
		    "proof", proof ? proof : json_array(),
		    "change", jx_str(e->change), "similarity",
		    e->similarity >= 0 ? json_real(e->similarity) : json_null(),
		    "detail", jx_str(e->detail)));
		return;
	}
	if (strcmp(e->type, "changed") == 0)
		printf("%s  changed   %-11s %s  checks %s\n", when,
		    e->change ? e->change : "", e->detail ? e->detail : "",
		    e->proof ? e->proof : "[]");
	else if (strcmp(e->type, "archive_failed") == 0)
		printf("%s  archive   failed      %s\n", when,
		    e->detail ? e->detail : "");
	else
		printf("%s  %-9s %s -> %s  %s  checks %s\n", when, "state",
		    e->from ? e->from : "?", e->to ? e->to : "?",
		    e->detail ? e->detail : "", e->proof ? e->proof : "[]");
}

static void
hist_check(void *arg, const struct check_row *c)
{
	struct hist_ctx	*h = arg;
	char		 when[40];

	rfc3339_ms(c->at, when, sizeof(when));
	if (h->checks) {
		json_array_append_new(h->checks, json_pack("{s:I, s:s, s:s, "
		    "s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
		    (json_int_t)c->id, "at", when, "class", c->cls,
		    "http_status", c->http_status ? json_integer(c->http_status)
		    : json_null(), "observed", jx_str(c->observed), "why",
		    jx_str(c->why), "text_version",
		    jx_str(c->text_hash), "final_url",
		    jx_str(c->final_url), "sha256", jx_str(c->sha256),
		    "body_bytes", (json_int_t)c->body_bytes));
		return;
	}
	printf("%-8lld %s  %-18s %4ld  %-8s %s\n", (long long)c->id, when,
	    c->cls, c->http_status, c->observed ? c->observed : "-",
	    c->why ? c->why : c->error ? c->error : "");
}

struct one_src {
	char	*url, *state;
};

static void
one_src_cb(void *arg, const struct source_row *r)
{
	struct one_src *o = arg;

	o->url = xstrdup(r->url);
	o->state = xstrdup(r->state);
}

static int
cmd_history(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "checks", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum fmt	 fmt = FMT_TABLE;
	struct hist_ctx	 h;
	struct one_src	 src = { NULL, NULL };
	struct store	*st;
	int64_t		 id;
	long		 nchecks = 20;
	char		*end;
	int		 ch, rc = EXIT_FAIL;

	while ((ch = opt_next(argc, argv, ":n:f:h", lo)) != -1) {
		switch (ch) {
		case 'n':
			nchecks = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || nchecks < 0 ||
			    nchecks > 1000000)
				return usage_of("history", "--checks: expected "
				    "a number from 0 to 1000000");
			break;
		case 'f':
			if (parse_format("history", optarg, &fmt, 0) == -1)
				return EXIT_USAGE;
			break;
		case 'h':
			help_of("history");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("history", "give one URL or id");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if ((id = find_by_arg(st, "history", argv[optind])) <= 0) {
		store_close(st);
		return EXIT_FAIL;
	}
	memset(&h, 0, sizeof(h));
	if (fmt == FMT_JSON) {
		h.events = json_array();
		h.checks = json_array();
	}
	if (store_sources(st, NULL, id, one_src_cb, &src) < 0)
		goto out;
	if (!h.events)
		printf("%s  (%s)\n\nEVENTS\n", src.url, src.state);
	if (store_events(st, id, hist_event, &h) < 0)
		goto out;
	if (!h.events)
		printf("\nLATEST CHECKS\n%-8s %-24s  %-18s %4s  %-8s %s\n",
		    "ID", "AT", "CLASS", "HTTP", "SHOWS", "WHY");
	if (store_checks(st, id, (int)nchecks, hist_check, &h) < 0)
		goto out;
	if (h.events) {
		json_t *o = json_pack("{s:I, s:s, s:s, s:O, s:O}", "id",
		    (json_int_t)id, "url", src.url, "state", src.state,
		    "events", h.events, "checks", h.checks);

		json_dumpf(o, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(o);
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "rotwatch history: %s\n", store_errmsg(st));
	json_decref(h.events);
	json_decref(h.checks);
	free(src.url);
	free(src.state);
	store_close(st);
	return rc;
}

/* The text versions a source had, oldest first: (first seen, hash). */
struct versions {
	struct { int64_t at; char hash[65]; } *v;
	size_t	 n, cap;
};

static void
version_cb(void *arg, const struct check_row *c)
{
	struct versions *vs = arg;

	/* Checks arrive newest first; keep each run of one version once,
	 * with the time of its oldest check. */
	if (c->text_hash == NULL || (c->observed && strcmp(c->observed,
	    "alive") != 0 && strcmp(c->observed, "moved") != 0))
		return;
	if (vs->n > 0 && strcmp(vs->v[vs->n - 1].hash, c->text_hash) == 0) {
		vs->v[vs->n - 1].at = c->at;
		return;
	}
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 16;
		vs->v = xrealloc(vs->v, vs->cap * sizeof(*vs->v));
	}
	vs->v[vs->n].at = c->at;
	snprintf(vs->v[vs->n].hash, sizeof(vs->v[vs->n].hash), "%s",
	    c->text_hash);
	vs->n++;
}

/* Index of the version current at time t (newest first list), or -1. */
static long
version_at(const struct versions *vs, int64_t t)
{
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].at <= t)
			return (long)i;
	return -1;
}

static char *
version_text(struct store *st, const char *hash)
{
	char	*title = NULL, *text = NULL, *all;
	size_t	 len;

	if (store_get_version(st, hash, &title, &text, &len) != 1)
		return NULL;
	all = xasprintf("Title: %s\n\n%s\n", title, text);
	free(title);
	free(text);
	return all;
}

static int
cmd_diff(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct versions	 vs = { NULL, 0, 0 };
	struct store	*st;
	int64_t		 id, from = -1, to = -1, now = wall_ms();
	long		 a, b;
	char		*ta = NULL, *tb = NULL, la[300], lb[300], wa[40], wb[40];
	int		 ch, rc = EXIT_FAIL;

	while ((ch = opt_next(argc, argv, ":F:T:h", lo)) != -1) {
		switch (ch) {
		case 'F':
		case 'T':
			if (parse_time(optarg, now, ch == 'F' ? &from : &to) ==
			    -1) {
				fprintf(stderr, "rotwatch diff: --%s \"%s\": "
				    "expected a date (2026-11-01), a UTC time "
				    "(2026-11-01T10:30Z) or an age (7d)\n",
				    ch == 'F' ? "from" : "to", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			help_of("diff");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("diff", "give one URL or id");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if ((id = find_by_arg(st, "diff", argv[optind])) <= 0) {
		store_close(st);
		return EXIT_FAIL;
	}
	if (store_checks(st, id, INT32_MAX, version_cb, &vs) < 0) {
		fprintf(stderr, "rotwatch diff: %s\n", store_errmsg(st));
		goto out;
	}
	b = to < 0 ? (vs.n ? 0 : -1) : version_at(&vs, to);
	if (b < 0) {
		fprintf(stderr, "rotwatch diff: %s: no text version %s\n",
		    argv[optind], to < 0 ? "stored yet" : "at or before --to");
		goto out;
	}
	a = from < 0 ? b + 1 : version_at(&vs, from);
	if (a < 0 || (size_t)a >= vs.n) {
		if (from < 0)
			printf("no change: one text version since %s\n",
			    (rfc3339_ms(vs.v[b].at, wa, sizeof(wa)), wa));
		else
			fprintf(stderr, "rotwatch diff: %s: no text version "
			    "at or before --from\n", argv[optind]);
		rc = from < 0 ? 0 : EXIT_FAIL;
		goto out;
	}
	if (a == b) {
		printf("no change between the two times\n");
		rc = 0;
		goto out;
	}
	if ((ta = version_text(st, vs.v[a].hash)) == NULL ||
	    (tb = version_text(st, vs.v[b].hash)) == NULL) {
		fprintf(stderr, "rotwatch diff: cannot read a text version: "
		    "%s\n", store_errmsg(st));
		goto out;
	}
	rfc3339_ms(vs.v[a].at, wa, sizeof(wa));
	rfc3339_ms(vs.v[b].at, wb, sizeof(wb));
	snprintf(la, sizeof(la), "%s seen %s (version %.12s)", argv[optind],
	    wa, vs.v[a].hash);
	snprintf(lb, sizeof(lb), "%s seen %s (version %.12s)", argv[optind],
	    wb, vs.v[b].hash);
	text_diff(stdout, la, ta, lb, tb);
	rc = 0;
out:
	free(ta);
	free(tb);
	free(vs.v);
	store_close(st);
	return rc;
}

static int
cmd_report(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "tag", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int		 ch, fmt = REPORT_CSV, rc = 0;
	const char	*tag = NULL, *out = NULL;
	char		*tmp = NULL;
	struct store	*st;
	FILE		*f = stdout;

	while ((ch = opt_next(argc, argv, ":f:t:o:h", lo)) != -1) {
		switch (ch) {
		case 'f':
			if ((fmt = report_format_parse(optarg)) < 0) {
				fprintf(stderr, "rotwatch report: --format: "
				    "unknown format '%s' (use csv, json, "
				    "robustlinks, endnotes or html)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 't':
			tag = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			help_of("report");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return usage_of("report", "unexpected argument");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if (out) {
		/* Written beside the file, then renamed over it: readers
		 * see the old report or the new one, never half of one. */
		tmp = xasprintf("%s.tmp%ld", out, (long)getpid());
		if ((f = fopen(tmp, "w")) == NULL) {
			fprintf(stderr, "rotwatch report: %s: %s\n", tmp,
			    strerror(errno));
			free(tmp);
			store_close(st);
			return EXIT_FAIL;
		}
	}
	if (report_write(st, (enum report_format)fmt, tag, f) == -1) {
		fprintf(stderr, "rotwatch report: %s\n", store_errmsg(st));
		rc = EXIT_FAIL;
	}
	if (out) {
		if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
			fprintf(stderr, "rotwatch report: %s: %s\n", tmp,
			    strerror(errno));
			rc = EXIT_FAIL;
		}
		fclose(f);
		if (rc == 0 && rename(tmp, out) != 0) {
			fprintf(stderr, "rotwatch report: %s: %s\n", out,
			    strerror(errno));
			rc = EXIT_FAIL;
		}
		if (rc != 0)
			unlink(tmp);
		free(tmp);
	}
	store_close(st);
	return rc;
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
	{ "check", cmd_check, "check URL...|--all|--tag T "
	    "[--format table|json]",
	    "Checks sources now, whatever their schedule, stores the results\n"
	    "and prints their status.  A URL that is not yet a source is\n"
	    "added.\n\n"
	    "  --all          every source\n"
	    "  --tag T        every source with this tag\n"
	    "  --format F     table (default) or json\n", 1 },
	{ "history", cmd_history, "history URL|ID [--checks N] "
	    "[--format table|json]",
	    "Lists a source's state changes and content changes, each with the\n"
	    "checks that prove it, then its latest checks.\n\n"
	    "  --checks N     how many of the latest checks (default 20)\n"
	    "  --format F     table (default) or json\n", 1 },
	{ "diff", cmd_diff, "diff URL|ID [--from TIME] [--to TIME]",
	    "Prints a unified diff of two text versions of a source: by\n"
	    "default the latest change.  TIME is 2026-11-01, 2026-11-01T10:30Z\n"
	    "(UTC) or an age such as 7d or 12h; a side shows the version the\n"
	    "source had at that time.\n", 1 },
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
	{ "report", cmd_report, "report [--format csv|json|robustlinks|"
	    "endnotes|html] [--tag T] [-o FILE]",
	    "Writes, for every source, its state, when it was last alive, when\n"
	    "its failures began, its latest snapshot and the link to cite now:\n"
	    "its own URL if alive, its new address if moved, else its archived\n"
	    "copy (for a page whose text changed substantially, the copy from\n"
	    "before the change).\n\n"
	    "  --format F     csv (default), json, robustlinks (HTML anchors\n"
	    "                 with data-versionurl and data-versiondate) or\n"
	    "                 endnotes (the imported notes, each URL followed\n"
	    "                 by its archived copy) or html (one page, no\n"
	    "                 outside assets, a timeline of checks per source)\n"
	    "  --tag T        only sources with this tag\n"
	    "  -o FILE        write FILE (replaced whole, never half-written)\n", 1 },
	{ "export", cmd_export, "export URL|ID [--at TIME] -o FILE",
	    "Writes an evidence bundle of a source's latest WARC capture (at\n"
	    "or before TIME: 2026-11-01, 2026-11-01T10:30Z or an age such as\n"
	    "7d): one WARC file holding the capture's records as stored, the\n"
	    "content kept earlier if the capture is a revisit, the trusted\n"
	    "timestamp of that content, and a JSON manifest of every\n"
	    "observation of the source (checks, classes, statuses, hashes,\n"
	    "certificates, events, snapshots).  Check it with verify.\n\n"
	    "  --at TIME      the capture at or before TIME (default: now)\n"
	    "  -o FILE        write FILE (replaced whole, never half-written)\n",
	    1 },
	{ "verify", cmd_verify, "verify FILE...|--all [--ca FILE]",
	    "Recomputes every block and payload digest of WARC files and\n"
	    "checks every trusted timestamp, naming each record that fails\n"
	    "(file, offset, id, type, URL, date).  --all reads every file of\n"
	    "the WARC folder and also checks that each capture the database\n"
	    "lists is where it says, with the digest of its check.  Exits 1 if\n"
	    "anything fails.\n\n"
	    "  --all          the WARC folder and the database\n"
	    "  --ca FILE      the time-stamping authority's root certificate\n"
	    "                 (default [warc] tsa_ca; without it a token's\n"
	    "                 signature is checked, not who made it)\n",
	    CMD_NOCONF },
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
