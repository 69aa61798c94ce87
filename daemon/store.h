/*
 * store.h: the SQLite store, the only module that speaks SQL.
 *
 * One connection per process, in WAL mode with synchronous=FULL.  Every
 * write transaction is BEGIN IMMEDIATE, so a CLI and a running daemon can
 * share the file.  Functions return 0 (or a count) on success and -1 on
 * error, with the reason in store_errmsg().
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct store;

/*
 * Opens (creating if needed) and migrates the database at path, waiting at
 * most busy_ms for another process's lock.  On failure returns NULL and
 * writes the reason into err.
 */
/*
 * 1 if the last store_open() failed for a reason that may pass: the disk
 * is full, an I/O error, another process's lock.
 */
int		 store_open_may_pass(void);
struct store	*store_open(const char *path, int busy_ms, char *err,
		    size_t errlen);
void		 store_close(struct store *);
/* The last error, valid until the next call. */
const char	*store_errmsg(struct store *);
/* How long a statement waits for another connection's lock. */
void		 store_set_busy_timeout(struct store *, int ms);
/* 1 if the last error was a lock timeout (SQLITE_BUSY). */
int		 store_busy(struct store *);

int	store_begin(struct store *);	/* BEGIN IMMEDIATE */
int	store_commit(struct store *);
void	store_rollback(struct store *);

/* Changes whenever another connection commits. */
int64_t	store_data_version(struct store *);

/*
 * Adds a source (inside a transaction).  Returns 1 if added, 0 if the URL
 * was there already, -1 on error; *id is set in both good cases.
 */
int	store_add_source(struct store *, const char *url, const char *host,
	    const char *note, int64_t interval_s, int64_t now, int64_t *id);
int	store_add_tag(struct store *, int64_t id, const char *tag);
/* Adds where the source is cited; an existing (id, note) pair is kept. */
int	store_add_note(struct store *, int64_t id, const char *note,
	    const char *citation);
/* Returns the id of the source with this exact URL or id text, 0 if none. */
int64_t	store_find_source(struct store *, const char *url_or_id);

struct due_row {
	int64_t		 id;
	int64_t		 next_due;
	int64_t		 interval_s;	/* 0: the default */
	int		 fails;
	const char	*url;		/* borrowed for the callback */
	const char	*host;
	const char	*state;
	/* the judgement record (verdict.h) and what the last check saw */
	int64_t		 since, confirmed_at, run_first, run_since;
	int		 run_n;
	const char	*observed;	/* the fields below may be NULL */
	const char	*text_hash;
	const char	*body_sha256;
	const char	*etag;
	const char	*last_modified;
	const char	*moved_to;
	const char	*reason;
};
/*
 * Calls cb for at most limit sources due at or before now whose
 * (next_due, id) is after (after_due, after_id), in that order.  Returns
 * the number of rows, or -1.
 */
int	store_due(struct store *, int64_t now, int64_t after_due,
	    int64_t after_id, int limit,
	    void (*cb)(void *, const struct due_row *), void *arg);
/* Calls cb for the source with this id, whether due or not. */
int	store_get_due(struct store *, int64_t id,
	    void (*cb)(void *, const struct due_row *), void *arg);
/* The earliest next_due later than after: INT64_MAX if there is none,
 * INT64_MIN if it cannot be read. */
int64_t	store_next_due_after(struct store *, int64_t after);
/* The number of sources due at or before now. */
int64_t	store_count_due(struct store *, int64_t now);

/*
 * Records one check (inside a transaction) with what it was judged to show
 * (observed, why) and its text version (may be NULL).  *check_id receives
 * the new row's id.
 */
int	store_put_check(struct store *, const struct check_result *,
	    const char *observed, const char *why, const char *text_hash,
	    int64_t *check_id);

/* A source's judgement after a check; 0 or NULL store NULL. */
struct source_judged {
	int64_t		 id;
	const char	*state;
	int64_t		 since, confirmed_at, run_first, run_since;
	int		 run_n;
	const char	*observed, *reason, *moved_to;
	const char	*text_hash, *body_sha256, *etag, *last_modified;
	int64_t		 last_change;	/* 0: keep */
	int		 fails;
	int64_t		 next_due, last_check;
};
int	store_judged(struct store *, const struct source_judged *);

/* An event; NULL or 0 fields are stored as NULL, similarity < 0 too. */
struct event {
	int64_t		 source_id;	/* 0: the monitor's own */
	int64_t		 at;
	const char	*type;		/* state, changed, monitor_offline,
					   monitor_online */
	const char	*from, *to, *cls;
	int64_t		 check_id;
	const char	*proof;		/* JSON array of check ids */
	const char	*change;	/* minor or substantial */
	double		 similarity;
	const char	*from_version, *to_version, *detail;
};
int	store_put_event(struct store *, const struct event *, int64_t *id);
/*
 * The ids of a source's checks from check first on that count toward rot,
 * as a JSON array (malloc'd), or NULL on error.
 */
char	*store_run_proof(struct store *, int64_t source_id, int64_t first);

/* Text versions (zlib-compressed in the database). */
int	store_has_version(struct store *, const char *hash);	/* 1, 0, -1 */
int	store_put_version(struct store *, const char *hash, const char *title,
	    const char *text, size_t len, int64_t now);
/* 1 with malloc'd *title and *text, 0 if there is none, -1 on error. */
int	store_get_version(struct store *, const char *hash, char **title,
	    char **text, size_t *len);

/* A site's answer to a random URL that cannot exist. */
struct probe_row {
	const char	*origin;	/* scheme://host:port */
	const char	*url;
	int64_t		 probed_at;
	const char	*cls;
	long		 http_status;
	const char	*final_url;
	const char	*text_hash;	/* may be NULL */
};
/* Calls cb with the origin's probe if there is one: returns 1, 0 or -1. */
int	store_get_probe(struct store *, const char *origin,
	    void (*cb)(void *, const struct probe_row *), void *arg);
int	store_put_probe(struct store *, const struct probe_row *);

/* The monitor's health: "online" (also when never recorded) or "offline". */
int	store_monitor(struct store *, char *state, size_t len, int64_t *since);
int	store_set_monitor(struct store *, const char *state, int64_t since,
	    int64_t event_id);

struct event_row {
	int64_t		 id, source_id, at, check_id;
	const char	*type, *from, *to, *cls, *proof, *change;
	double		 similarity;	/* < 0: none */
	const char	*from_version, *to_version, *detail;
};
/* Calls cb for each event of a source (0: the monitor's, -1: all), oldest
 * first. */
int	store_events(struct store *, int64_t source_id,
	    void (*cb)(void *, const struct event_row *), void *arg);

struct check_row {
	int64_t		 id, at, body_bytes;
	const char	*cls;
	long		 http_status;
	const char	*observed, *why, *text_hash, *final_url, *sha256;
	const char	*error;
};
/* Calls cb for the newest limit checks of a source, newest first. */
int	store_checks(struct store *, int64_t source_id, int limit,
	    void (*cb)(void *, const struct check_row *), void *arg);
/* The ids of every source (with tag, if not NULL), malloc'd. */
int	store_source_ids(struct store *, const char *tag, int64_t **ids,
	    size_t *n);

struct source_row {
	int64_t		 id;
	const char	*url;
	const char	*tags;		/* comma-separated, sorted; "" if none */
	const char	*state;
	const char	*note;
	int64_t		 added_at, next_due;
	int		 fails;
	int		 has_check;	/* the fields below are valid */
	int64_t		 checked_at, duration_ms;
	const char	*cls;
	long		 http_status;	/* 0: none */
	const char	*final_url;	/* may be NULL */
	long		 redirects;
	const char	*sha256;	/* may be NULL */
	const char	*error;		/* may be NULL */
	const char	*snap_url;	/* latest snapshot, may be NULL */
	const char	*snap_ts;
	int64_t		 state_since;	/* 0: unknown */
	int64_t		 confirmed_at;	/* 0: not confirmed */
	const char	*reason;	/* may be NULL */
	const char	*moved_to;	/* may be NULL */
	int64_t		 change_at;	/* latest content change; 0: none */
	const char	*change;
	double		 similarity;	/* < 0: none */
};
/*
 * Calls cb for every source (only those tagged tag, if not NULL; only id,
 * if not 0), in id order.  Returns the count or -1.
 */
int	store_sources(struct store *, const char *tag, int64_t id,
	    void (*cb)(void *, const struct source_row *), void *arg);
/* Calls cb for each (note, citation) of a source, in note order. */
int	store_notes(struct store *, int64_t id,
	    void (*cb)(void *, const char *note, const char *citation),
	    void *arg);

/* ---- the web archive ---------------------------------------------- */

struct archive_job {
	int64_t		 id;
	int64_t		 source_id;
	char		*url;
	char		 reason[16];
	char		 state[16];	/* queued, submitting, submitted, ... */
	char		*sha256;	/* may be NULL */
	int64_t		 lookup_from;	/* 0: no lookup before submitting */
	int64_t		 queued_at, next_at;
	int		 attempts;
	char		*job_id;	/* may be NULL */
	int64_t		 submitted_at;
	char		 status_ext[64];	/* the archive's last error */
	int		 leased;	/* a request for it is in flight */
	int		 verified;	/* asked the index since sent */
};

/* Frees the strings of a job read by store_archive_due(). */
void	store_archive_job_clear(struct archive_job *);
/* The source's tags, comma-separated ("" if none), malloc'd. */
char	*store_source_tags(struct store *, int64_t id);
/*
 * Applies the archive policy to a check that found the source up (inside
 * the transaction that stores the check): queues the source's URL if it was
 * never archived (asking the index for a capture newer than
 * if_older_than_s first), if its body changed since the last snapshot, or
 * if every_s > 0 and the last snapshot is older; and queues final_url
 * (moved) if it differs and was never archived.  At most one open job per
 * URL.  Returns the number of jobs queued, or -1.
 */
int	store_archive_consider(struct store *, int64_t source_id,
	    const char *url, const char *final_url, const char *sha256,
	    int64_t now, int64_t if_older_than_s, int64_t every_s);
/*
 * Queues a manual job for one source (id > 0), the sources with a tag, or
 * all.  Returns the number queued (URLs with an open job are skipped).
 */
int	store_archive_queue(struct store *, int64_t id, const char *tag,
	    int64_t now);
/*
 * Calls cb for at most limit jobs in state whose next_at <= now, oldest
 * first (next_at, then id).  The job is borrowed for the call.
 */
int	store_archive_due(struct store *, const char *state, int64_t now,
	    int limit, void (*cb)(void *, struct archive_job *), void *arg);
/* The earliest next_at of the jobs in state; INT64_MAX if none. */
int64_t	store_archive_next_at(struct store *, const char *state);
/*
 * Captures the archive may be working on: jobs with a job id, and jobs
 * sent with an unknown outcome that the index was not asked about yet.
 */
int64_t	store_archive_in_flight(struct store *);
/* Makes the jobs held by requests of a previous run due now. */
int	store_archive_release(struct store *, int64_t now);
/* Open jobs in a state (NULL: all open states). */
int64_t	store_archive_count(struct store *, const char *state);
/*
 * Writes a job's state, next_at, attempts, job_id and submitted_at, with
 * the archive's status_ext and an error text (both may be NULL).
 */
int	store_archive_update(struct store *, const struct archive_job *,
	    const char *status_ext, const char *error);
/*
 * Records a snapshot found for a job and marks the job done; the source's
 * archived body hash becomes the job's.
 */
int	store_archive_done(struct store *, const struct archive_job *,
	    const char *memento, const char *timestamp, const char *original,
	    const char *origin, int64_t now);

struct snapshot_row {
	const char	*url, *timestamp, *original_url, *origin, *job_id;
	int64_t		 found_at;
};
/* Calls cb for each snapshot of a source, newest first. */
int	store_snapshots(struct store *, int64_t id,
	    void (*cb)(void *, const struct snapshot_row *), void *arg);

/* What a report says of a source (strings may be NULL). */
struct report_row {
	int64_t		 id, state_since, confirmed_at, first_failed;
	int64_t		 last_alive, change_at;
	const char	*url, *state, *moved_to, *reason;
	const char	*snap_url, *snap_ts;		/* the latest snapshot */
	const char	*change;			/* of the last change */
	const char	*before_url, *before_ts;	/* snapshot before it */
};
/* Calls cb for every source (with tag, if not NULL), in id order. */
int	store_report(struct store *, const char *tag,
	    void (*cb)(void *, const struct report_row *), void *arg);

/* Calls cb(source id, time, observed) for every judged check (of sources
 * with tag, if not NULL), by source, oldest first. */
int	store_timeline(struct store *, const char *tag,
	    void (*cb)(void *, int64_t, int64_t, const char *), void *arg);
/* Calls cb(note, citation, source id) for every endnote, in note order
 * (numbers as numbers; URLs outside numbered notes last). */
int	store_all_notes(struct store *, const char *tag,
	    void (*cb)(void *, const char *, const char *, int64_t),
	    void *arg);

/* ---- the alert outbox --------------------------------------------- */

/* Queues an alert (inside the transaction of its event). */
int	store_alert_add(struct store *, const char *uid, int64_t event_id,
	    const char *channel, const char *kind, int64_t now);

/* A pending alert with what its message says (strings may be NULL). */
struct alert_row {
	int64_t		 id, event_id, at, check_id, source_id;
	const char	*uid, *kind;
	int		 attempts;
	const char	*from, *to, *detail, *proof, *change;
	double		 similarity;		/* < 0: none */
	const char	*url, *state;
	int64_t		 state_since, confirmed_at, first_failed;
	const char	*cls, *final_url, *sha256, *snapshot;
	const char	*from_version, *to_version;	/* changed */
	long		 http_status;
};
/* Calls cb for at most limit pending alerts of a channel due by now, with
 * ids above after_id, oldest first. */
int	store_alerts_due(struct store *, const char *channel, int64_t now,
	    int64_t after_id, int limit,
	    void (*cb)(void *, const struct alert_row *), void *arg);
/* The newest limit alerts of a channel, any state (of sources with tag,
 * if not NULL), newest first. */
int	store_alerts_recent(struct store *, const char *channel,
	    const char *tag, int limit,
	    void (*cb)(void *, const struct alert_row *), void *arg);
/* Calls cb with each tag of the sources a channel has alerts for. */
int	store_alert_tags(struct store *, const char *channel,
	    void (*cb)(void *, const char *), void *arg);
/* Marks a channel's pending alerts up to id sent. */
int	store_alerts_sent_upto(struct store *, const char *channel,
	    int64_t id, int64_t now);
int	store_alert_sent(struct store *, int64_t id, int64_t now);
int	store_alert_retry(struct store *, int64_t id, int64_t next_at,
	    const char *error);
/* Alerts in a state (pending or sent). */
int64_t	store_alerts_count(struct store *, const char *state);
/* When a channel's oldest pending alert was queued; INT64_MAX if none. */
int64_t	store_alerts_oldest(struct store *, const char *channel);
/* The earliest next_at of a channel's pending alerts; INT64_MAX if none. */
int64_t	store_alerts_next_at(struct store *, const char *channel);

/* ---- metrics ------------------------------------------------------ */

enum store_tally { TALLY_SOURCES, TALLY_ARCHIVE_JOBS, TALLY_ALERTS };
/* Calls cb(state, count) for each state that sources, archive jobs or
 * alerts are in (only those with rows). */
int	store_tally(struct store *, enum store_tally,
	    void (*cb)(void *, const char *, int64_t), void *arg);
/* A trivial read: 0 if the database answers, else -1. */
int	store_ping(struct store *);

/* Where a check's WARC records are (captures table). */
struct capture_row {
	int64_t		 check_id, source_id, at;
	const char	*kind;			/* response or revisit */
	const char	*file, *record_id, *req_file, *payload_digest, *uri;
	int64_t		 offset, length, req_offset, req_length;
	int64_t		 hops_offset, hops_length;	/* redirects; 0: none */
};
int	store_put_capture(struct store *, const struct capture_row *);
/*
 * The latest response record of a source with this payload digest: 1 with
 * *uri, *at and *record_id (malloc'd), 0 if none, -1 on error.
 */
int	store_find_capture(struct store *, int64_t source_id,
	    const char *digest, char **uri, int64_t *at, char **record_id);
/*
 * Calls fn with each capture, of one source (0: all) and taken at or
 * before upto, in file and offset order, with the check's body SHA-256
 * (hex); fn returns non-zero to stop.  The number of rows, or -1.
 */
int	store_captures_each(struct store *, int64_t source_id, int64_t upto,
	    int (*fn)(void *, const struct capture_row *, const char *sha256),
	    void *arg);
/* Every observation of a source as one JSON object (malloc'd), or NULL. */
char	*store_manifest(struct store *, int64_t source_id);

/* An RFC 3161 token obtained for a check's new content. */
struct stamp_row {
	char		*digest;	/* hex SHA-256 stamped */
	char		*tsa;
	int64_t		 gen_time;	/* ms */
	unsigned char	*token;		/* DER TimeStampToken */
	size_t		 len;
};
/* 1 with r filled, 0 if the check has no token, -1 on error. */
int	store_stamp_get(struct store *, int64_t check_id, struct stamp_row *);
void	store_stamp_row_clear(struct stamp_row *);
/* Asks for a timestamp of a capture's content (hex SHA-256): 0 or -1. */
int	store_stamp_add(struct store *, int64_t check_id, const char *digest,
	    int64_t now);
/* Calls fn with up to limit pending stamps due at now; rows or -1. */
int	store_stamps_due(struct store *, int64_t now, int limit,
	    int (*fn)(void *, int64_t check_id, const char *digest,
	    int attempts), void *arg);
int	store_stamp_done(struct store *, int64_t check_id, const char *tsa,
	    int64_t gen_ms, const unsigned char *token, size_t len);
int	store_stamp_retry(struct store *, int64_t check_id, int64_t next_at,
	    const char *error);
/* A stamp asked for now is not due again before until (in flight). */
int	store_stamp_lease(struct store *, int64_t check_id, int64_t until);
/* When the next pending stamp is due, or -1 if none. */
int64_t	store_stamps_next_at(struct store *);
/* Stamps in a state (pending or done), or -1. */
int64_t	store_stamps_count(struct store *, const char *state);

#endif
