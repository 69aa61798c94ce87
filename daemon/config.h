/*
 * config.h: the effective configuration, parsed from an INI file by inih.
 *
 * Every key is described once, in the table of config.c, with its type,
 * default and bounds.  Errors carry "FILE:LINE:" and parsing goes on to
 * report all of them; a config with any error is refused as a whole.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "guard.h"
#include "log.h"

#define EX_CONFIG_ERR	78	/* sysexits.h EX_CONFIG */

/* Alert kinds, a bit each. */
enum alert_kind {
	AK_DEAD, AK_MOVED, AK_BLOCKED, AK_SOFT404, AK_PARKED, AK_CHANGED,
	AK_MINOR, AK_RECOVERED, AK_MONITOR, AK_ARCHIVE_FAILED, AK_COUNT
};
extern const char *const alert_kind_names[AK_COUNT];

enum channel_type { CHAN_WEBHOOK, CHAN_ATOM, CHAN_EMAIL };

/* What goes into the local WARC files. */
enum warc_capture { WARC_OFF, WARC_CHANGES, WARC_ALL, WARC_CAPTURE_COUNT };
extern const char *const warc_capture_names[WARC_CAPTURE_COUNT];

/* A place alerts go to ([channel NAME]). */
struct channel {
	char		*name;
	enum channel_type type;
	char		*path;		/* atom: the feed file */
	int		 per_tag;	/* atom: also a feed per tag */
	char		*url;		/* webhook: where to POST; email:
					   smtp:// or smtps:// server */
	char		*from, *to;	/* email: sender, recipients */
	char		*user, *password;	/* email: SMTP login */
	int		 starttls;	/* email on smtp://: require it */
	int64_t		 digest_ms;	/* email: one mail per period; 0:
					   one per alert */
	char		*secret;	/* HMAC-SHA256 key */
	unsigned	 kinds;		/* 1 << enum alert_kind */
	char		*tags;		/* space-separated; NULL: all sources */
	int		 line;		/* of its [channel NAME] line */
	int		 has_type;
	char		 url_key;	/* 'u': url set it, 's': smtp */
	unsigned	 seen;		/* keys given, a bit each */
	int		 url_line;
};

/* Archive policy overrides of one tag ([tag NAME]); -1: not set. */
struct tag_policy {
	char		*tag;
	int		 archive;		/* 0 or 1 */
	int64_t		 if_older_than_s;
	int64_t		 every_s;
};

struct config {
	char		*path;		/* the file it came from */
	/* [storage] */
	char		*database;	/* absolute, or relative to cwd */
	/* [check] */
	int64_t		 concurrency;
	int64_t		 per_host;
	int64_t		 host_delay_ms;
	int64_t		 connect_timeout_ms;
	int64_t		 timeout_ms;
	int64_t		 low_speed_limit;	/* bytes per second */
	int64_t		 low_speed_time_ms;
	int64_t		 max_body;		/* bytes */
	int64_t		 max_redirects;
	char		*user_agent;
	char		*ca_file;		/* NULL: the system store */
	/* [network] */
	int64_t		 net_guard;		/* the SSRF guard is on */
	struct guard_list net_allow;		/* always allowed */
	/* [schedule] */
	int64_t		 interval_s;
	int64_t		 jitter_pct;
	int64_t		 retry_s;
	int64_t		 backoff_max_s;
	/* [log] */
	enum log_level	 log_level;
	/* [archive] */
	int64_t		 archive_enabled;
	char		*archive_endpoint;
	char		*archive_keys_file;
	int64_t		 archive_concurrency;
	int64_t		 archive_per_minute;
	int64_t		 archive_if_older_than_s;
	int64_t		 archive_every_s;	/* 0: off */
	int64_t		 archive_poll_ms;
	int64_t		 archive_pending_timeout_ms;
	int64_t		 archive_backoff_429_ms;
	int64_t		 archive_max_attempts;
	int64_t		 archive_capture_all;
	int64_t		 archive_skip_first;
	char		*archive_if_not_archived_within;
	/* [verdict] */
	int64_t		 confirm_checks;
	int64_t		 confirm_span_ms;
	int64_t		 offline_min_hosts;
	int64_t		 offline_ratio_pct;
	int64_t		 probe_every_s;
	char		*parked_file;
	/* [content] */
	int64_t		 content_track;
	int64_t		 minor_similarity_pct;
	int64_t		 max_text;
	char		**ignore;		/* ignore = REGEX, in order */
	size_t		 nignore;
	/* [alerts] */
	int64_t		 alert_retry_ms;
	int64_t		 alert_retry_max_ms;
	/* [metrics] */
	char		*metrics_listen;	/* ADDR:PORT; "" or NULL: off */
	enum warc_capture warc_capture;
	char		*warc_dir;		/* NULL: warc/ beside the db */
	int64_t		 warc_max_file;
	char		*warc_tsa;		/* "": no timestamps */
	char		*warc_tsa_ca;		/* NULL: none */
	/* [channel NAME] */
	struct channel	*channels;
	size_t		 nchannels;
	/* [tag NAME] */
	struct tag_policy *tags;
	size_t		 ntags;
};

/* The policy of a source with these tags (comma-separated, may be ""):
 * the first tag with an override wins, field by field. */
void	config_tag_policy(const struct config *, const char *tags,
	    int *archive, int64_t *if_older_than_s, int64_t *every_s);

/*
 * Parses the file at path into a new config.  On any error, writes every
 * message ("path:line: ...") to err and returns NULL.  The caller frees the
 * result with config_free().
 */
struct config	*config_load(const char *path, FILE *err);
/* The same from an open stream; path names it in errors. */
struct config	*config_read(FILE *f, const char *path, FILE *err);
/* A config with every default, for tests and tools; database is NULL. */
struct config	*config_defaults(void);
void		 config_free(struct config *);
/* Writes the effective configuration in the file's own syntax. */
void		 config_dump(const struct config *, FILE *);

/*
 * Value parsers shared with the command line.  Each returns 0, or -1 if the
 * text is not a value of that kind.
 *   duration: "500ms", "10s", "5m", "6h", "1d", "2w" (bare number: seconds)
 *   size: "1024", "512KiB", "10MiB", "1GiB" (also K/M/G, KB/MB/GB as 1024s)
 */
int	config_parse_duration_ms(const char *, int64_t *);
int	config_parse_size(const char *, int64_t *);
/*
 * Parses "ADDR:PORT" or "[ADDR6]:PORT" where ADDR is a loopback address
 * (127.0.0.0/8 or ::1).  Returns NULL and fills addr (without brackets)
 * and port when they are not NULL, or a static message saying what is
 * wrong.
 */
const char *config_parse_listen(const char *, char *addr, size_t addrlen,
	    int *port);
/* Formats a duration in the largest exact unit ("6h", "1500ms"). */
void	config_format_duration_ms(int64_t, char *, size_t);

/* The WARC folder: [warc] dir, or warc/ beside the database. */
char	*config_warc_dir(const struct config *);

#endif
