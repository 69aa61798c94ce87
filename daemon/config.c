/*
 * config.c: the option table and the inih glue.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ini.h>
#include <regex.h>

#include "config.h"
#include "xmalloc.h"

enum opt_type { OPT_INT, OPT_DURATION_MS, OPT_DURATION_S, OPT_SIZE,
    OPT_PERCENT, OPT_STRING, OPT_PATH, OPT_LEVEL, OPT_BOOL, OPT_NETS,
    OPT_CAPTURE };

struct opt {
	const char	*section;
	const char	*name;
	enum opt_type	 type;
	size_t		 off;
	const char	*def;
	int64_t		 min, max;	/* in the type's stored unit */
	const char	*help;
};

#define O(f)	offsetof(struct config, f)
#define DAY	86400LL
/* Sorted by section, then name: config_dump() prints in this order. */
static const struct opt opts[] = {
	{ "storage", "database", OPT_PATH, O(database),
	    "/var/lib/rotwatch/rotwatch.db", 0, 0,
	    "SQLite database; relative to the config file's folder" },
	{ "check", "concurrency", OPT_INT, O(concurrency), "100", 1, 10000,
	    "transfers at once" },
	{ "check", "per_host", OPT_INT, O(per_host), "4", 1, 1000,
	    "transfers at once to one host" },
	{ "check", "host_delay", OPT_DURATION_MS, O(host_delay_ms), "0ms",
	    0, 3600000, "least time between two requests to one host" },
	{ "check", "connect_timeout", OPT_DURATION_MS, O(connect_timeout_ms),
	    "10s", 100, 600000, "time allowed to connect (DNS included)" },
	{ "check", "timeout", OPT_DURATION_MS, O(timeout_ms), "30s", 100,
	    3600000, "time allowed for a whole check" },
	{ "check", "low_speed_limit", OPT_INT, O(low_speed_limit), "100", 0,
	    INT32_MAX, "bytes per second below which a transfer is stalled" },
	{ "check", "low_speed_time", OPT_DURATION_MS, O(low_speed_time_ms),
	    "20s", 1000, 3600000, "how long a stall is allowed" },
	{ "check", "max_body", OPT_SIZE, O(max_body), "10MiB", 1024,
	    INT64_C(1) << 34, "largest body read (after decompression)" },
	{ "check", "max_redirects", OPT_INT, O(max_redirects), "10", 0, 50,
	    "redirects followed" },
	{ "check", "user_agent", OPT_STRING, O(user_agent),
	    "rotwatch/0.1 (source monitor)", 0, 0, "User-Agent header" },
	{ "check", "ca_file", OPT_PATH, O(ca_file), "", 0, 0,
	    "extra CA bundle in PEM (empty: the system store)" },
	{ "network", "guard", OPT_BOOL, O(net_guard), "yes", 0, 1,
	    "refuse loopback, private, link-local, metadata ... addresses" },
	{ "network", "allow", OPT_NETS, O(net_allow), "", 0, 0,
	    "networks always allowed (CIDRs; lines add up)" },
	{ "schedule", "interval", OPT_DURATION_S, O(interval_s), "24h", 1,
	    365 * DAY, "default time between two checks of a source" },
	{ "schedule", "jitter", OPT_PERCENT, O(jitter_pct), "10%", 0, 50,
	    "random spread of each interval" },
	{ "schedule", "retry", OPT_DURATION_S, O(retry_s), "1h", 1,
	    30 * DAY, "first re-check after a failure (doubles each time)" },
	{ "schedule", "backoff_max", OPT_DURATION_S, O(backoff_max_s), "7d",
	    1, 365 * DAY, "longest interval after repeated failures" },
	{ "log", "level", OPT_LEVEL, O(log_level), "info", 0, 0,
	    "error, warn, info or debug" },
	{ "archive", "enabled", OPT_BOOL, O(archive_enabled), "yes", 0, 1,
	    "keep a snapshot of every source in the web archive" },
	{ "archive", "endpoint", OPT_STRING, O(archive_endpoint),
	    "https://web.archive.org", 0, 0,
	    "base URL of the Save Page Now 2 and CDX APIs" },
	{ "archive", "keys_file", OPT_PATH, O(archive_keys_file), "", 0, 0,
	    "ACCESS:SECRET, mode 0600 (empty: $CREDENTIALS_DIRECTORY/ia-keys)" },
	{ "archive", "concurrency", OPT_INT, O(archive_concurrency), "2", 1,
	    100, "captures in flight at once" },
	{ "archive", "per_minute", OPT_INT, O(archive_per_minute), "5", 1,
	    6000, "submissions per minute, evenly paced" },
	{ "archive", "archive_if_older_than", OPT_DURATION_S,
	    O(archive_if_older_than_s), "30d", 0, 3650 * DAY,
	    "a new source with a newer capture is not submitted" },
	{ "archive", "archive_every", OPT_DURATION_S, O(archive_every_s), "0",
	    0, 3650 * DAY, "archive again this often (0: only on change)" },
	{ "archive", "poll_interval", OPT_DURATION_MS, O(archive_poll_ms),
	    "5s", 50, 600000, "first status poll; then 1.5 times longer" },
	{ "archive", "pending_timeout", OPT_DURATION_MS,
	    O(archive_pending_timeout_ms), "45m", 1000, 86400000,
	    "a capture pending this long is settled through CDX" },
	{ "archive", "backoff_429", OPT_DURATION_MS, O(archive_backoff_429_ms),
	    "60s", 100, 86400000, "first wait after HTTP 429; doubles" },
	{ "archive", "max_attempts", OPT_INT, O(archive_max_attempts), "5", 1,
	    100, "submissions per decision before giving up" },
	{ "archive", "capture_all", OPT_BOOL, O(archive_capture_all), "no", 0,
	    1, "also keep error pages (4xx/5xx)" },
	{ "archive", "skip_first_archive", OPT_BOOL, O(archive_skip_first),
	    "yes", 0, 1, "faster captures" },
	{ "archive", "if_not_archived_within", OPT_STRING,
	    O(archive_if_not_archived_within), "", 0, 0,
	    "sent to the archive when set (e.g. 1h)" },
	{ "verdict", "confirm_checks", OPT_INT, O(confirm_checks), "3", 1,
	    100, "failing checks in a row before rot is confirmed" },
	{ "verdict", "confirm_span", OPT_DURATION_MS, O(confirm_span_ms),
	    "72h", 0, 365 * DAY * 1000, "... spanning at least this long" },
	{ "verdict", "offline_min_hosts", OPT_INT, O(offline_min_hosts), "5",
	    1, 100000, "hosts that must fail at once to call us offline" },
	{ "verdict", "offline_ratio", OPT_PERCENT, O(offline_ratio_pct), "80%",
	    50, 100, "... and the share of recently checked hosts they are" },
	{ "verdict", "probe_every", OPT_DURATION_S, O(probe_every_s), "30d",
	    60, 3650 * DAY, "how long a site's random-URL answer is trusted" },
	{ "verdict", "parked_file", OPT_PATH, O(parked_file), "", 0, 0,
	    "more parked-domain signatures (see parked.txt)" },
	{ "alerts", "retry", OPT_DURATION_MS, O(alert_retry_ms), "30s", 100,
	    86400000, "first retry after a failed delivery; doubles" },
	{ "alerts", "retry_max", OPT_DURATION_MS, O(alert_retry_max_ms), "1h",
	    100, 7 * 86400000LL, "longest wait between two tries" },
	{ "content", "track", OPT_BOOL, O(content_track), "yes", 0, 1,
	    "keep the text of each version of a page" },
	{ "content", "minor_similarity", OPT_PERCENT, O(minor_similarity_pct),
	    "90%", 0, 100, "a change this similar or more is minor" },
	{ "content", "max_text", OPT_SIZE, O(max_text), "1MiB", 1024,
	    INT64_C(64) << 20, "text kept per version" },
	{ "metrics", "listen", OPT_STRING, O(metrics_listen), "", 0, 0,
	    "ADDR:PORT of the HTTP health and metrics endpoint, loopback "
	    "only (empty: off)" },
	{ "warc", "capture", OPT_CAPTURE, O(warc_capture), "changes", 0, 0,
	    "off, changes (each new version of a page) or all (every check "
	    "with content; unchanged bodies as revisit records)" },
	{ "warc", "dir", OPT_PATH, O(warc_dir), "", 0, 0,
	    "folder of the WARC files (empty: warc/ beside the database)" },
	{ "warc", "max_file", OPT_SIZE, O(warc_max_file), "1GiB",
	    INT64_C(1) << 20, INT64_C(1) << 40,
	    "a WARC file is closed and the next begun at this size" },
	{ "warc", "tsa", OPT_STRING, O(warc_tsa), "", 0, 0,
	    "URL of an RFC 3161 time-stamping authority that stamps each new "
	    "content's SHA-256 (empty: none)" },
	{ "warc", "tsa_ca", OPT_PATH, O(warc_tsa_ca), "", 0, 0,
	    "PEM file of the authority's root, for verify (empty: the "
	    "signature is checked, not who made it)" },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

static const char *const sections[] = { "storage", "check", "network",
    "schedule", "log", "archive", "verdict", "alerts", "content", "metrics",
    "warc" };

const char *const warc_capture_names[WARC_CAPTURE_COUNT] = { "off",
    "changes", "all" };

const char *const alert_kind_names[AK_COUNT] = { "dead", "moved", "blocked",
    "soft404", "parked", "changed", "minor", "recovered", "monitor",
    "archive_failed" };

/* Every kind but minor changes. */
#define AK_DEFAULT	(((1u << AK_COUNT) - 1) & ~(1u << AK_MINOR))

struct parse_ctx {
	struct config	*cf;
	FILE		*file;
	FILE		*err;
	const char	*path;
	char		*dir;		/* folder of the file, for relative paths */
	int		 line;
	int		 nerr;
	int		 bad_line;	/* last line we reported */
	char		 section[64];
	unsigned char	 seen[NOPTS];
};

int
config_parse_duration_ms(const char *s, int64_t *out)
{
	char	*end;
	double	 v;
	int64_t	 mul;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mul = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mul = DAY * 1000;
	else if (strcmp(end, "w") == 0)
		mul = 7 * DAY * 1000;
	else
		return -1;
	if (v * (double)mul > 9e15)
		return -1;
	*out = (int64_t)(v * (double)mul + 0.5);
	return 0;
}

int
config_parse_size(const char *s, int64_t *out)
{
	char		*end;
	unsigned long long v;
	int64_t		 mul;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0' || strcmp(end, "B") == 0)
		mul = 1;
	else if (strcmp(end, "KiB") == 0 || strcmp(end, "K") == 0 ||
	    strcmp(end, "KB") == 0 || strcmp(end, "k") == 0)
		mul = 1024;
	else if (strcmp(end, "MiB") == 0 || strcmp(end, "M") == 0 ||
	    strcmp(end, "MB") == 0)
		mul = 1024 * 1024;
	else if (strcmp(end, "GiB") == 0 || strcmp(end, "G") == 0 ||
	    strcmp(end, "GB") == 0)
		mul = 1024 * 1024 * 1024;
	else
		return -1;
	if (v > (unsigned long long)(INT64_MAX / mul))
		return -1;
	*out = (int64_t)v * mul;
	return 0;
}

void
config_format_duration_ms(int64_t ms, char *buf, size_t len)
{
	static const struct { int64_t ms; const char *unit; } u[] = {
		{ 7 * DAY * 1000, "w" }, { DAY * 1000, "d" },
		{ 3600 * 1000, "h" }, { 60 * 1000, "m" }, { 1000, "s" },
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (ms != 0 && ms % u[i].ms == 0) {
			snprintf(buf, len, "%" PRId64 "%s", ms / u[i].ms,
			    u[i].unit);
			return;
		}
	snprintf(buf, len, "%" PRId64 "ms", ms);
}

const char *
config_parse_listen(const char *s, char *addr, size_t addrlen, int *port)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*colon, *h = s;
	size_t		 hl;
	char		*end;
	long		 p;
	int		 v6 = 0;

	if (*s == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return "expected ADDR:PORT, such as 127.0.0.1:9464 or "
			    "[::1]:9464";
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
		v6 = 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL || strchr(s, ':') !=
		    colon)
			return "expected ADDR:PORT, such as 127.0.0.1:9464 or "
			    "[::1]:9464";
		hl = (size_t)(colon - s);
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno ||
	    p < 1 || p > 65535)
		return "the port must be a number from 1 to 65535";
	if (hl == 0 || hl >= sizeof(host))
		return "expected an IP address before the port";
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (v6 ? inet_pton(AF_INET6, host, &a6) != 1 :
	    inet_pton(AF_INET, host, &a4) != 1)
		return "not an IP address (write 127.0.0.1 or [::1], not a "
		    "name)";
	if (v6 ? !IN6_IS_ADDR_LOOPBACK(&a6) :
	    (ntohl(a4.s_addr) >> 24) != 127)
		return "not a loopback address (127.0.0.0/8 or ::1): the "
		    "endpoint has no authentication";
	if (addr)
		snprintf(addr, addrlen, "%s", host);
	if (port)
		*port = (int)p;
	return NULL;
}

static void cerr(struct parse_ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
cerr(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%d: ", c->path, c->line);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->nerr++;
	c->bad_line = c->line;
}

static const struct opt *
opt_find(const char *section, const char *name, size_t *idx)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].section, section) == 0 &&
		    strcmp(opts[i].name, name) == 0) {
			*idx = i;
			return &opts[i];
		}
	return NULL;
}

/*
 * Stores text as the value of o in cf.  Returns NULL, or a static message
 * saying what is wrong with the value.
 */
static const char *
opt_set(struct config *cf, const struct opt *o, const char *text,
    const char *dir)
{
	char		*p = (char *)cf + o->off, *end;
	int64_t		 v = 0;
	long long	 ll;
	enum log_level	 lvl;

	switch (o->type) {
	case OPT_INT:
		errno = 0;
		ll = strtoll(text, &end, 10);
		if (errno || end == text || *end != '\0')
			return "expected a whole number";
		v = ll;
		break;
	case OPT_DURATION_MS:
	case OPT_DURATION_S:
		if (config_parse_duration_ms(text, &v) == -1)
			return "expected a duration such as 500ms, 10s, 5m, "
			    "6h or 1d";
		if (o->type == OPT_DURATION_S) {
			if (v % 1000 != 0)
				return "expected whole seconds";
			v /= 1000;
		}
		break;
	case OPT_SIZE:
		if (config_parse_size(text, &v) == -1)
			return "expected a size such as 65536, 512KiB or 10MiB";
		break;
	case OPT_PERCENT:
		errno = 0;
		ll = strtoll(text, &end, 10);
		if (errno || end == text || (*end != '\0' &&
		    strcmp(end, "%") != 0))
			return "expected a percentage such as 10%";
		v = ll;
		break;
	case OPT_STRING:
		if (strlen(text) > 512)
			return "value longer than 512 bytes";
		if (*text == ';' || *text == '#')
			return "a value may not begin with ; or # (they begin "
			    "comments)";
		if ((strcmp(o->name, "endpoint") == 0 || (strcmp(o->name,
		    "tsa") == 0 && *text != '\0')) && strncmp(text,
		    "https://", 8) != 0 && strncmp(text, "http://", 7) != 0)
			return "expected an http(s) URL";
		for (const char *q = text; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				return "control character in value";
		free(*(char **)(void *)p);
		*(char **)(void *)p = xstrdup(text);
		return NULL;
	case OPT_PATH:
		if (*text == ';' || *text == '#')
			return "a value may not begin with ; or # (they begin "
			    "comments)";
		free(*(char **)(void *)p);
		if (*text == '\0')
			*(char **)(void *)p = NULL;
		else if (*text == '/' || dir == NULL)
			*(char **)(void *)p = xstrdup(text);
		else
			*(char **)(void *)p = xasprintf("%s/%s", dir, text);
		return NULL;
	case OPT_BOOL:
		if (strcmp(text, "yes") == 0 || strcmp(text, "on") == 0 ||
		    strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
			v = 1;
		else if (strcmp(text, "no") == 0 || strcmp(text, "off") == 0 ||
		    strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
			v = 0;
		else
			return "expected yes or no";
		break;
	case OPT_LEVEL:
		if (log_level_parse(text, &lvl) == -1)
			return "expected error, warn, info or debug";
		*(enum log_level *)(void *)p = lvl;
		return NULL;
	case OPT_CAPTURE:
		for (int k = 0; k < WARC_CAPTURE_COUNT; k++)
			if (strcmp(text, warc_capture_names[k]) == 0) {
				*(enum warc_capture *)(void *)p =
				    (enum warc_capture)k;
				return NULL;
			}
		return "expected off, changes or all";
	case OPT_NETS: {
		static char why[160];

		/* Appends: the lines of a repeated key add up. */
		if (guard_parse_list(text, (struct guard_list *)(void *)p, why,
		    sizeof(why)) == -1)
			return why;
		return NULL;
	}
	}
	if (v < o->min || v > o->max)
		return "value out of range";
	*(int64_t *)(void *)p = v;
	return NULL;
}

/* Returns the override record of a tag, creating it. */
static struct tag_policy *
tag_get(struct config *cf, const char *tag)
{
	struct tag_policy *t;

	for (size_t i = 0; i < cf->ntags; i++)
		if (strcmp(cf->tags[i].tag, tag) == 0)
			return &cf->tags[i];
	cf->tags = xrealloc(cf->tags, (cf->ntags + 1) * sizeof(*cf->tags));
	t = &cf->tags[cf->ntags++];
	t->tag = xstrdup(tag);
	t->archive = -1;
	t->if_older_than_s = t->every_s = -1;
	return t;
}

/* A key of a [tag NAME] section. */
static int
tag_key(struct parse_ctx *c, const char *tag, const char *name,
    const char *value)
{
	struct tag_policy	*t = tag_get(c->cf, tag);
	int64_t			 ms;

	if (strcmp(name, "archive") == 0) {
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
			t->archive = strcmp(value, "yes") == 0;
			return 1;
		}
		cerr(c, "tag %s: archive = \"%s\": expected yes or no", tag,
		    value);
	} else if (strcmp(name, "archive_if_older_than") == 0 ||
	    strcmp(name, "archive_every") == 0) {
		if (config_parse_duration_ms(value, &ms) == 0 &&
		    ms % 1000 == 0) {
			if (name[8] == 'i')
				t->if_older_than_s = ms / 1000;
			else
				t->every_s = ms / 1000;
			return 1;
		}
		cerr(c, "tag %s: %s = \"%s\": expected a duration such as "
		    "30d", tag, name, value);
	} else
		cerr(c, "unknown key \"%s\" in section [tag %s] (known: "
		    "archive, archive_if_older_than, archive_every)", name, tag);
	return 1;
}

/* Returns the record of a channel, creating it at this line. */
static struct channel *
channel_get(struct parse_ctx *c, const char *name)
{
	struct config	*cf = c->cf;
	struct channel	*ch;

	for (size_t i = 0; i < cf->nchannels; i++)
		if (strcmp(cf->channels[i].name, name) == 0)
			return &cf->channels[i];
	cf->channels = xrealloc(cf->channels, (cf->nchannels + 1) *
	    sizeof(*cf->channels));
	ch = &cf->channels[cf->nchannels++];
	memset(ch, 0, sizeof(*ch));
	ch->name = xstrdup(name);
	ch->kinds = AK_DEFAULT;
	ch->line = c->line;
	return ch;
}

/*
 * Reads the secret of key from a file only its owner can read, or from
 * the service manager's credential NAME when the value is
 * "credential:NAME"; NULL on error.
 */
static char *
read_secret(struct parse_ctx *c, const char *key, const char *value)
{
	FILE		*f;
	struct stat	 sb;
	char		 buf[512], *path;
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	size_t		 n;

	if (strncmp(value, "credential:", 11) == 0) {
		const char *id = value + 11;

		if (*id == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 ||
		    strcmp(id, "..") == 0) {
			cerr(c, "%s = %s: expected credential:NAME", key,
			    value);
			return NULL;
		}
		if (dir == NULL || *dir == '\0') {
			cerr(c, "%s = %s: $CREDENTIALS_DIRECTORY is not set "
			    "(run under systemd with LoadCredential=%s:FILE, "
			    "or give a file)", key, value, id);
			return NULL;
		}
		path = xasprintf("%s/%s", dir, id);
	} else
		path = xstrdup(value);
	if ((f = fopen(path, "r")) == NULL) {
		cerr(c, "%s %s: %s", key, path, strerror(errno));
		free(path);
		return NULL;
	}
	/* A credential's directory is the unit's alone. */
	if (fstat(fileno(f), &sb) == -1 || ((sb.st_mode & 077) != 0 &&
	    strncmp(value, "credential:", 11) != 0)) {
		cerr(c, "%s %s: readable by others (chmod 600 it)", key, path);
		fclose(f);
		free(path);
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(value, "credential:", 11) == 0 && strcmp(buf, "none") ==
	    0) {
		/* The unit's SetCredential= fallback. */
		cerr(c, "%s = %s: the service was given no such credential "
		    "(install /etc/credstore/rotwatch.%s, mode 0600)", key,
		    value, value + 11);
		free(path);
		return NULL;
	}
	if (*buf == '\0') {
		cerr(c, "%s %s: empty", key, path);
		free(path);
		return NULL;
	}
	free(path);
	return xstrdup(buf);
}

/* A key of a [channel NAME] section. */
static int
channel_key(struct parse_ctx *c, const char *name, const char *key,
    const char *value)
{
	static const char *const keys[] = { "type", "url", "smtp", "secret",
	    "secret_file", "from", "to", "user", "password_file", "starttls",
	    "digest", "path", "per_tag", "events", "tags" };
	struct channel	*ch = channel_get(c, name);
	char		*copy, *w, *save = NULL;

	/* As in every section: a key once, no value that reads back as a
	 * comment. */
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(key, keys[k]) == 0) {
			if (ch->seen & (1u << k)) {
				cerr(c, "key \"%s\" given twice in [channel %s]",
				    key, name);
				return 1;
			}
			ch->seen |= 1u << k;
		}
	if (*value == ';' || *value == '#') {
		cerr(c, "channel %s: %s = \"%s\": a value may not begin with ; "
		    "or # (they begin comments)", name, key, value);
		return 1;
	}
	if (strcmp(key, "type") == 0) {
		if (strcmp(value, "webhook") == 0)
			ch->type = CHAN_WEBHOOK;
		else if (strcmp(value, "atom") == 0)
			ch->type = CHAN_ATOM;
		else if (strcmp(value, "email") == 0) {
			ch->type = CHAN_EMAIL;
			ch->starttls = 1;
		} else
			cerr(c, "channel %s: type = \"%s\": expected webhook, "
			    "email or atom", name, value);
		ch->has_type = 1;
	} else if (strcmp(key, "path") == 0) {
		free(ch->path);
		ch->path = *value == '/' ? xstrdup(value) : xasprintf("%s/%s",
		    c->dir, value);
	} else if (strcmp(key, "per_tag") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			cerr(c, "channel %s: per_tag = \"%s\": expected yes or "
			    "no", name, value);
		ch->per_tag = strcmp(value, "yes") == 0;
	} else if (strcmp(key, "url") == 0) {
		if (strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0)
			cerr(c, "channel %s: url = \"%s\": expected an http(s) "
			    "URL", name, value);
		else {
			free(ch->url);
			ch->url = xstrdup(value);
			ch->url_key = 'u';
			ch->url_line = c->line;
		}
	} else if (strcmp(key, "smtp") == 0) {
		if (strncmp(value, "smtp://", 7) != 0 &&
		    strncmp(value, "smtps://", 8) != 0)
			cerr(c, "channel %s: smtp = \"%s\": expected smtp://HOST"
			    "[:PORT] or smtps://HOST[:PORT]", name, value);
		else {
			free(ch->url);
			ch->url = xstrdup(value);
			ch->url_key = 's';
			ch->url_line = c->line;
		}
	} else if (strcmp(key, "from") == 0 || strcmp(key, "to") == 0) {
		char **dst = key[0] == 'f' ? &ch->from : &ch->to;

		if (strpbrk(value, "\r\n<>\"") != NULL || strchr(value, '@') ==
		    NULL)
			cerr(c, "channel %s: %s = \"%s\": expected mail "
			    "addresses (name@host, comma-separated)", name, key,
			    value);
		else {
			free(*dst);
			*dst = xstrdup(value);
		}
	} else if (strcmp(key, "user") == 0) {
		free(ch->user);
		ch->user = xstrdup(value);
	} else if (strcmp(key, "password_file") == 0) {
		char *pw = read_secret(c, key, value);

		if (pw) {
			free(ch->password);
			ch->password = pw;
		}
	} else if (strcmp(key, "digest") == 0) {
		int64_t ms;

		if (config_parse_duration_ms(value, &ms) == -1 || ms < 0)
			cerr(c, "channel %s: digest = \"%s\": expected 0 (a "
			    "mail per alert) or a duration such as 1d", name,
			    value);
		else
			ch->digest_ms = ms;
	} else if (strcmp(key, "starttls") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			cerr(c, "channel %s: starttls = \"%s\": expected yes or "
			    "no", name, value);
		ch->starttls = strcmp(value, "yes") == 0;
	} else if (strcmp(key, "secret") == 0 ||
	    strcmp(key, "secret_file") == 0) {
		char *sec = key[6] == '\0' ? xstrdup(value) : read_secret(c,
		    key, value);

		if (sec != NULL) {
			free(ch->secret);
			ch->secret = sec;
		}
	} else if (strcmp(key, "events") == 0) {
		ch->kinds = 0;
		copy = xstrdup(value);
		for (w = strtok_r(copy, " ,\t", &save); w; w = strtok_r(NULL,
		    " ,\t", &save)) {
			int k;

			for (k = 0; k < AK_COUNT; k++)
				if (strcmp(w, alert_kind_names[k]) == 0)
					break;
			if (strcmp(w, "all") == 0)
				ch->kinds |= (1u << AK_COUNT) - 1;
			else if (k == AK_COUNT)
				cerr(c, "channel %s: events: unknown event "
				    "\"%s\" (known: dead moved blocked soft404 "
				    "parked changed minor recovered monitor "
				    "archive_failed all)", name, w);
			else
				ch->kinds |= 1u << k;
		}
		free(copy);
	} else if (strcmp(key, "tags") == 0) {
		free(ch->tags);
		ch->tags = *value ? xstrdup(value) : NULL;
	} else
		cerr(c, "unknown key \"%s\" in section [channel %s] (known: "
		    "type, url, secret, secret_file, path, per_tag, smtp, from, "
		    "to, user, password_file, starttls, digest, events, tags)", key,
		    name);
	return 1;
}

/* What a channel cannot do without. */
static void
channels_check(struct parse_ctx *c)
{
	for (size_t i = 0; i < c->cf->nchannels; i++) {
		struct channel *ch = &c->cf->channels[i];

		/* url is a webhook's key, smtp an email channel's. */
		c->line = ch->url_line;
		if (ch->url_key == 's' && ch->has_type && ch->type !=
		    CHAN_EMAIL)
			cerr(c, "channel %s: smtp is for email channels (a %s "
			    "channel takes %s)", ch->name, ch->type ==
			    CHAN_ATOM ? "atom" : "webhook", ch->type ==
			    CHAN_ATOM ? "path" : "url");
		else if (ch->url_key == 'u' && ch->has_type && ch->type !=
		    CHAN_WEBHOOK)
			cerr(c, "channel %s: url is for webhooks (an %s channel "
			    "takes %s)", ch->name, ch->type == CHAN_ATOM ?
			    "atom" : "email", ch->type == CHAN_ATOM ? "path" :
			    "smtp");
		c->line = ch->line;
		if (!ch->has_type)
			cerr(c, "channel %s: no type (webhook, email or atom)",
			    ch->name);
		else if (ch->type == CHAN_ATOM) {
			if (ch->path == NULL)
				cerr(c, "channel %s: no path (the feed file)",
				    ch->name);
		} else if (ch->type == CHAN_EMAIL) {
			if (ch->url == NULL || ch->from == NULL || ch->to ==
			    NULL)
				cerr(c, "channel %s: email needs smtp, from and "
				    "to", ch->name);
		} else if (ch->url == NULL)
			cerr(c, "channel %s: no url", ch->name);
		else if (ch->secret == NULL)
			cerr(c, "channel %s: no secret or secret_file (the "
			    "HMAC-SHA256 key receivers check)", ch->name);
	}
}

void
config_tag_policy(const struct config *cf, const char *tags, int *archive,
    int64_t *if_older_than_s, int64_t *every_s)
{
	*archive = (int)cf->archive_enabled;
	*if_older_than_s = cf->archive_if_older_than_s;
	*every_s = cf->archive_every_s;
	int a = -1;
	int64_t o = -1, e = -1;

	for (size_t i = 0; i < cf->ntags; i++) {
		const struct tag_policy *t = &cf->tags[i];
		const char *p = tags;
		size_t n = strlen(t->tag);
		int has = 0;

		while (p && *p && !has) {
			has = strncmp(p, t->tag, n) == 0 &&
			    (p[n] == ',' || p[n] == '\0');
			p = strchr(p, ',');
			p = p ? p + 1 : NULL;
		}
		if (!has)
			continue;
		if (a < 0)
			a = t->archive;
		if (o < 0)
			o = t->if_older_than_s;
		if (e < 0)
			e = t->every_s;
	}
	if (a >= 0)
		*archive = a;
	if (o >= 0)
		*if_older_than_s = o;
	if (e >= 0)
		*every_s = e;
}

/* [content] ignore = REGEX: any number of them, each checked now. */
/*
 * NULL if regcomp() can be given re, else why not.  glibc compiles a
 * stacked repetition ("a++", "(a{200}){200}{200}") by unrolling it, and
 * one such line took minutes and 24 GB; a repetition of a group that
 * holds a repetition doubles the work at each level ("((((a+)+)+)+)+":
 * 20 levels took 20 s and 4.6 GB).  So: no quantifier directly after
 * another, repetitions nested at most RE_NEST deep, bounds of at most
 * 255 and at most two of them, 512 bytes, and at most RE_COPIES copies
 * of any one atom once unrolled (a bound counts its upper limit, any
 * other repetition 2): "(a{1,255}){0,255}" took 0.7 s and 260 MB, and
 * the worst shapes allowed, such as "((((a{1,64}){0,16})+)+)", take
 * 0.03 s and 20 MB.
 */
#define RE_NEST		4
#define RE_GROUPS	32
#define RE_COPIES	4096L
static const char *
regex_sane(const char *re)
{
	int	 bounds = 0, prev_q = 0, top = 0;
	/* Per open group, its deepest repetition and most copies inside. */
	int	 inner[RE_GROUPS + 1] = { 0 };
	long	 copies[RE_GROUPS + 1] = { 1 };
	int	 atom = 0;	/* nesting of the atom just read, -1: none */
	long	 acopies = 1;	/* its copies */

	if (strlen(re) > 512)
		return "longer than 512 bytes";
	for (const char *p = re; *p; p++) {
		if (*p == '[') {
			/*
			 * A bracket expression: a ] first (after [ or [^) is a
			 * member, and [:class:], [=x=] and [.x.] hold their
			 * own ]. Anything else ends at the first ].
			 */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			for (; *p && *p != ']'; p++) {
				if (*p == '[' && (p[1] == ':' || p[1] == '=' ||
				    p[1] == '.')) {
					char		 kind = p[1];
					const char	*q = p + 2;

					while (*q && !(q[0] == kind && q[1] == ']'))
						q++;
					if (*q == '\0')
						return NULL;	/* regcomp says */
					p = q + 1;
				}
			}
			if (*p == '\0')
				return NULL;		/* regcomp says */
			prev_q = 0;
			atom = 0;
			acopies = 1;
			continue;
		}
		if (*p == '\\' && p[1] != '\0') {
			p++;
			prev_q = 0;
			atom = 0;
			acopies = 1;
			continue;
		}
		if (*p == '(') {
			if (++top > RE_GROUPS)
				return "groups nested more than 32 deep";
			inner[top] = 0;
			copies[top] = 1;
			prev_q = 0;
			atom = -1;
			continue;
		}
		if (*p == ')' && top > 0) {
			atom = inner[top];
			acopies = copies[top--];
			if (atom > inner[top])
				inner[top] = atom;
			if (acopies > copies[top])
				copies[top] = acopies;
			prev_q = 0;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			if (prev_q)
				return "a repetition of a repetition (such as ++ "
				    "or }{)";
			long times = 2;

			if (*p == '{') {
				char *end;
				long lo = strtol(p + 1, &end, 10), hi = lo;

				if (*end == ',')
					hi = end[1] == '}' ? 0 : strtol(end + 1,
					    &end, 10);
				if (lo > 255 || hi > 255)
					return "a bound over 255";
				times = (hi > lo ? hi : lo + 1);
				if (++bounds > 2)
					return "more than two bounds {m,n}";
				if ((p = strchr(p, '}')) == NULL)
					return NULL;	/* regcomp says */
			}
			if (atom >= 0) {
				if (atom + 1 > RE_NEST)
					return "repetitions nested more than 4 "
					    "deep (such as ((((a+)+)+)+)+)";
				if (atom + 1 > inner[top])
					inner[top] = atom + 1;
				if ((acopies *= times) > RE_COPIES)
					return "a repetition unrolls to more than "
					    "4096 copies (such as "
					    "(a{100}){100})";
				if (acopies > copies[top])
					copies[top] = acopies;
			}
			prev_q = 1;
			atom = -1;
			continue;
		}
		if (*p == '|' || *p == '^' || *p == '$')
			atom = -1;
		else
			atom = 0;
		acopies = 1;
		prev_q = 0;
	}
	return NULL;
}

static int
ignore_key(struct parse_ctx *c, const char *value)
{
	struct config	*cf = c->cf;
	regex_t		 re;
	char		 why[256];
	const char	*bad;
	int		 rc;

	if (*value == '\0') {
		cerr(c, "content.ignore: empty regular expression");
		return 1;
	}
	if (*value == ';' || *value == '#') {
		cerr(c, "content.ignore = \"%s\": a value may not begin with ; "
		    "or # (they begin comments; write [;] or [#])", value);
		return 1;
	}
	if ((bad = regex_sane(value)) != NULL) {
		cerr(c, "content.ignore = \"%.80s\": %s", value, bad);
		return 1;
	}
	if ((rc = regcomp(&re, value, REG_EXTENDED | REG_ICASE)) != 0) {
		regerror(rc, &re, why, sizeof(why));
		cerr(c, "content.ignore = \"%s\": not a regular expression: "
		    "%s", value, why);
		return 1;
	}
	regfree(&re);
	cf->ignore = xrealloc(cf->ignore, (cf->nignore + 1) *
	    sizeof(*cf->ignore));
	cf->ignore[cf->nignore++] = xstrdup(value);
	return 1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx	*c = user;
	const struct opt	*o;
	const char		*why;
	size_t			 i;

	int			 known = 0;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		known |= strcmp(section, sections[i]) == 0;
	if (strncmp(section, "tag ", 4) == 0 && c->bad_line != c->line)
		return tag_key(c, section + 4, name, value);
	if (strncmp(section, "channel ", 8) == 0 && c->bad_line != c->line)
		return channel_key(c, section + 8, name, value);
	if (*section == '\0' && c->bad_line != c->line) {
		cerr(c, "key \"%s\" is outside any [section]", name);
		return 1;
	}
	if (!known || c->bad_line == c->line)	/* reported already */
		return 1;
	if (strcmp(section, "content") == 0 && strcmp(name, "ignore") == 0)
		return ignore_key(c, value);
	if ((o = opt_find(section, name, &i)) == NULL) {
		cerr(c, "unknown key \"%s\" in section [%s]", name, section);
		return 1;
	}
	if (o->type == OPT_NETS) {
		/* May be repeated; each line adds its networks. */
		if ((why = opt_set(c->cf, o, value, c->dir)) != NULL)
			cerr(c, "%s: %s: %s", section, name, why);
		return 1;
	}
	if (c->seen[i]) {
		cerr(c, "key \"%s\" given twice in section [%s]", name,
		    section);
		return 1;
	}
	c->seen[i] = 1;
	if (o->off == O(metrics_listen) && *value != '\0' &&
	    (why = config_parse_listen(value, NULL, 0, NULL)) != NULL) {
		cerr(c, "metrics: listen: \"%s\": %s", value, why);
		return 1;
	}
	if ((why = opt_set(c->cf, o, value, c->dir)) != NULL) {
		fprintf(c->err, "%s:%d: %s.%s = \"%s\": %s (allowed: ",
		    c->path, c->line, section, name, value, why);
		if (o->type == OPT_INT || o->type == OPT_PERCENT)
			fprintf(c->err, "%" PRId64 " to %" PRId64 ")\n",
			    o->min, o->max);
		else
			fprintf(c->err, "see rotwatch.conf(5))\n");
		c->nerr++;
		c->bad_line = c->line;
	}
	return 1;
}

/* inih's reader: counts lines and checks section names as they pass. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse_ctx	*c = stream;
	char			*s, *e;
	size_t			 len;
	int			 ch;

	if (fgets(str, num, c->file) == NULL)
		return NULL;
	c->line++;
	len = strlen(str);
	if (len > 0 && str[len - 1] != '\n' && !feof(c->file)) {
		cerr(c, "line too long (at most %d characters)", num - 2);
		while ((ch = fgetc(c->file)) != EOF && ch != '\n')
			;
		str[0] = '\0';
		return str;
	}
	for (s = str; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '[' && (e = strchr(s, ']')) != NULL) {
		char name[64];
		size_t n = (size_t)(e - s - 1);
		int known = 0;

		snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63),
		    s + 1);
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]);
		    i++)
			known |= strcmp(name, sections[i]) == 0;
		if (strncmp(name, "tag ", 4) == 0 && name[4] != '\0')
			known = 1;
		if (strncmp(name, "channel ", 8) == 0 && name[8] != '\0') {
			known = 1;
			channel_get(c, name + 8);	/* remembers the line */
		}
		if (!known) {
			cerr(c, "unknown section [%s] (known: storage, check, "
			    "network, schedule, log, archive, verdict, alerts, "
			    "content, metrics, warc, tag NAME, channel NAME)",
			    name);
		}
	}
	return str;
}

static struct config *
config_new(const char *dir)
{
	struct config	*cf = xcalloc(1, sizeof(*cf));

	for (size_t i = 0; i < NOPTS; i++)
		if (opt_set(cf, &opts[i], opts[i].def, dir) != NULL)
			fatalx("bad default for %s.%s", opts[i].section,
			    opts[i].name);
	return cf;
}

struct config *
config_defaults(void)
{
	struct config *cf = config_new(NULL);

	free(cf->database);
	cf->database = NULL;
	return cf;
}

struct config *
config_load(const char *path, FILE *err)
{
	FILE		*f;
	struct config	*cf;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(err, "%s: cannot open config file: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	cf = config_read(f, path, err);
	fclose(f);
	return cf;
}

struct config *
config_read(FILE *f, const char *path, FILE *err)
{
	struct parse_ctx	 c;
	char			*slash;
	int			 rc;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.path = path;
	c.bad_line = -1;
	c.file = f;
	c.dir = xstrdup(path);
	if ((slash = strrchr(c.dir, '/')) != NULL)
		*slash = '\0';
	else {
		free(c.dir);
		c.dir = xstrdup(".");
	}
	c.cf = config_new(c.dir);
	rc = ini_parse_stream(reader, &c, handler, &c);
	if (rc > 0 && rc != c.bad_line) {
		/* inih's own complaint: a line that is neither a section, a
		 * key = value pair nor a comment. */
		fprintf(err, "%s:%d: syntax error: expected [section] or "
		    "key = value\n", path, rc);
		c.nerr++;
	} else if (rc < 0) {
		fprintf(err, "%s: cannot read config file\n", path);
		c.nerr++;
	}
	free(c.dir);
	channels_check(&c);
	if (c.nerr > 0) {
		config_free(c.cf);
		return NULL;
	}
	c.cf->path = xstrdup(path);
	return c.cf;
}

void
config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].type == OPT_STRING || opts[i].type == OPT_PATH)
			free(*(char **)(void *)((char *)cf + opts[i].off));
		else if (opts[i].type == OPT_NETS)
			guard_list_free((struct guard_list *)(void *)
			    ((char *)cf + opts[i].off));
	for (size_t i = 0; i < cf->ntags; i++)
		free(cf->tags[i].tag);
	free(cf->tags);
	for (size_t i = 0; i < cf->nignore; i++)
		free(cf->ignore[i]);
	free(cf->ignore);
	for (size_t i = 0; i < cf->nchannels; i++) {
		free(cf->channels[i].name);
		free(cf->channels[i].url);
		free(cf->channels[i].secret);
		free(cf->channels[i].tags);
		free(cf->channels[i].path);
		free(cf->channels[i].from);
		free(cf->channels[i].to);
		free(cf->channels[i].user);
		free(cf->channels[i].password);
	}
	free(cf->channels);
	free(cf->path);
	free(cf);
}

/* The [content] ignore lines, which the table does not hold. */
static void
dump_ignore(const struct config *cf, FILE *f)
{
	for (size_t i = 0; i < cf->nignore; i++)
		fprintf(f, "ignore = %s\n", cf->ignore[i]);
}

void
config_dump(const struct config *cf, FILE *f)
{
	const char	*sec = "";
	char		 buf[64];

	if (cf->path)
		fprintf(f, "; effective configuration of %s\n", cf->path);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &opts[i];
		const char *p = (const char *)cf + o->off;
		int64_t v = 0;

		if (strcmp(sec, o->section) != 0) {
			if (strcmp(sec, "content") == 0)
				dump_ignore(cf, f);
			fprintf(f, "%s[%s]\n", *sec ? "\n" : "", o->section);
			sec = o->section;
		}
		/* The help on a line of its own: a long value and its help
		 * on one line could pass the longest line a file may have. */
		fprintf(f, "; %s\n%s = ", o->help, o->name);
		if (o->type != OPT_STRING && o->type != OPT_PATH &&
		    o->type != OPT_LEVEL && o->type != OPT_NETS &&
		    o->type != OPT_CAPTURE)
			v = *(const int64_t *)(const void *)p;
		switch (o->type) {
		case OPT_INT:
			fprintf(f, "%" PRId64, v);
			break;
		case OPT_DURATION_MS:
			config_format_duration_ms(v, buf, sizeof(buf));
			fputs(buf, f);
			break;
		case OPT_DURATION_S:
			config_format_duration_ms(v * 1000, buf, sizeof(buf));
			fputs(buf, f);
			break;
		case OPT_SIZE:
			if (v % (1024 * 1024) == 0)
				fprintf(f, "%" PRId64 "MiB", v / (1024 * 1024));
			else if (v % 1024 == 0)
				fprintf(f, "%" PRId64 "KiB", v / 1024);
			else
				fprintf(f, "%" PRId64, v);
			break;
		case OPT_PERCENT:
			fprintf(f, "%" PRId64 "%%", v);
			break;
		case OPT_BOOL:
			fputs(v ? "yes" : "no", f);
			break;
		case OPT_STRING:
		case OPT_PATH: {
			const char *s = *(char *const *)(const void *)p;
			fputs(s ? s : "", f);
			break;
		}
		case OPT_LEVEL:
			fputs(log_level_name(*(const enum log_level *)
			    (const void *)p), f);
			break;
		case OPT_CAPTURE:
			fputs(warc_capture_names[*(const enum warc_capture *)
			    (const void *)p], f);
			break;
		case OPT_NETS: {
			const struct guard_list *l = (const void *)p;

			for (size_t k = 0; k < l->n; k++) {
				guard_net_str(&l->v[k], buf, sizeof(buf));
				fprintf(f, "%s%s", k ? " " : "", buf);
			}
			break;
		}
		}
		fputc('\n', f);
	}
	if (strcmp(sec, "content") == 0)
		dump_ignore(cf, f);
	for (size_t i = 0; i < cf->nchannels; i++) {
		const struct channel *ch = &cf->channels[i];

		if (ch->type == CHAN_ATOM)
			fprintf(f, "\n[channel %s]\ntype = atom\npath = %s\n"
			    "per_tag = %s\nevents =", ch->name, ch->path,
			    ch->per_tag ? "yes" : "no");
		else if (ch->type == CHAN_EMAIL) {
			fprintf(f, "\n[channel %s]\ntype = email\nsmtp = %s\n"
			    "from = %s\nto = %s\nstarttls = %s\n"
			    "digest = %lldms\n", ch->name, ch->url, ch->from,
			    ch->to, ch->starttls ? "yes" : "no",
			    (long long)ch->digest_ms);
			if (ch->user)
				fprintf(f, "user = %s\n", ch->user);
			/* Secrets are never printed. */
			if (ch->password)
				fprintf(f, "; password_file: read (not shown)\n");
			fputs("events =", f);
		} else
			fprintf(f, "\n[channel %s]\ntype = webhook\nurl = %s\n"
			    "; secret: set (not shown)\nevents =", ch->name,
			    ch->url);
		for (int k = 0; k < AK_COUNT; k++)
			if (ch->kinds & (1u << k))
				fprintf(f, " %s", alert_kind_names[k]);
		fputc('\n', f);
		if (ch->tags)
			fprintf(f, "tags = %s\n", ch->tags);
	}
	for (size_t i = 0; i < cf->ntags; i++) {
		const struct tag_policy *t = &cf->tags[i];

		fprintf(f, "\n[tag %s]\n", t->tag);
		if (t->archive >= 0)
			fprintf(f, "archive = %s\n", t->archive ? "yes" : "no");
		if (t->if_older_than_s >= 0) {
			config_format_duration_ms(t->if_older_than_s * 1000, buf,
			    sizeof(buf));
			fprintf(f, "archive_if_older_than = %s\n", buf);
		}
		if (t->every_s >= 0) {
			config_format_duration_ms(t->every_s * 1000, buf,
			    sizeof(buf));
			fprintf(f, "archive_every = %s\n", buf);
		}
	}
}

char *
config_warc_dir(const struct config *cf)
{
	const char	*db = cf->database ? cf->database : "";
	const char	*slash = strrchr(db, '/');

	if (cf->warc_dir)
		return xstrdup(cf->warc_dir);
	return slash ? xasprintf("%.*s/warc", (int)(slash - db), db) :
	    xstrdup("warc");
}
