/*
 * store.c: SQLite behind one small API, with cached statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "classify.h"
#include "schema.h"
#include "timefmt.h"
#include "store.h"
#include "xmalloc.h"

#define APP_ID	0x726f7477	/* "rotw" */

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
	S_ADD_SOURCE, S_ADD_TAG, S_ADD_NOTE, S_FIND_URL,
	S_FIND_ID, S_DUE, S_DUE_ID, S_EARLIEST, S_COUNT_DUE, S_PUT_CHECK, S_UPDATE_SOURCE,
	S_PUT_EVENT, S_SOURCES, S_NOTES, S_TAGS, S_AR_FACTS, S_AR_INSERT,
	S_AR_EVER, S_AR_DUE, S_AR_NEXT, S_AR_COUNT, S_AR_UPDATE, S_SNAP_INSERT,
	S_AR_DONE, S_AR_RELEASE, S_AR_INFLIGHT, S_SRC_ARCHIVED, S_SNAPSHOTS, S_AR_QUEUE, S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_DATA_VERSION] = "PRAGMA data_version",
	[S_ADD_SOURCE] = "INSERT INTO sources (url, host, added_at, "
	    "interval_s, note, next_due) VALUES (?1, ?2, ?3, ?4, ?5, ?3) "
	    "ON CONFLICT (url) DO NOTHING",
	[S_ADD_TAG] = "INSERT OR IGNORE INTO source_tags (source_id, tag) "
	    "VALUES (?1, ?2)",
	[S_ADD_NOTE] = "INSERT OR IGNORE INTO source_notes (source_id, note, "
	    "citation) VALUES (?1, ?2, ?3)",
	[S_FIND_URL] = "SELECT id FROM sources WHERE url = ?1",
	[S_FIND_ID] = "SELECT id FROM sources WHERE id = ?1",
	[S_DUE] = "SELECT id, next_due, coalesce(interval_s, 0), fails, url, "
	    "host, state FROM sources WHERE next_due <= ?1 AND "
	    "(next_due, id) > (?2, ?3) ORDER BY next_due, id LIMIT ?4",
	[S_DUE_ID] = "SELECT id, next_due, coalesce(interval_s, 0), fails, "
	    "url, host, state FROM sources WHERE id = ?1",
	[S_EARLIEST] = "SELECT min(next_due) FROM sources WHERE next_due > ?1",
	[S_COUNT_DUE] = "SELECT count(*) FROM sources WHERE next_due <= ?1",
	[S_PUT_CHECK] = "INSERT INTO checks (source_id, started_at, "
	    "duration_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, class, "
	    "curl_code, error, http_status, final_url, redirects, hops, "
	    "content_type, body_bytes, sha256, etag, last_modified, "
	    "content_length, retry_after, ip) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	    "?19, ?20, ?21, ?22)",
	[S_UPDATE_SOURCE] = "UPDATE sources SET state = ?2, fails = ?3, "
	    "next_due = ?4, last_check = ?5 WHERE id = ?1",
	[S_PUT_EVENT] = "INSERT INTO events (source_id, at, from_state, "
	    "to_state, class, check_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_SOURCES] = "SELECT s.id, s.url, coalesce((SELECT group_concat(tag, "
	    "',') FROM (SELECT tag FROM source_tags WHERE source_id = s.id "
	    "ORDER BY tag)), ''), s.state, s.note, s.added_at, s.next_due, "
	    "s.fails, c.id, c.started_at, c.duration_ms, c.class, "
	    "c.http_status, c.final_url, c.redirects, c.sha256, c.error, "
	    "n.url, n.timestamp "
	    "FROM sources s LEFT JOIN checks c ON c.id = s.last_check "
	    "LEFT JOIN snapshots n ON n.id = (SELECT id FROM snapshots WHERE "
	    "source_id = s.id ORDER BY timestamp DESC, id DESC LIMIT 1) "
	    "WHERE (?1 IS NULL OR s.id IN (SELECT source_id FROM source_tags "
	    "WHERE tag = ?1)) AND (?2 = 0 OR s.id = ?2) ORDER BY s.id",
	[S_NOTES] = "SELECT note, citation FROM source_notes WHERE "
	    "source_id = ?1 ORDER BY length(note), note",
	[S_TAGS] = "SELECT coalesce(group_concat(tag, ','), '') FROM (SELECT "
	    "tag FROM source_tags WHERE source_id = ?1 ORDER BY tag)",
	[S_AR_FACTS] = "SELECT (SELECT count(*) FROM archive_jobs WHERE "
	    "source_id = ?1), (SELECT max(timestamp) FROM snapshots WHERE "
	    "source_id = ?1), (SELECT archived_sha256 FROM sources WHERE "
	    "id = ?1)",
	[S_AR_INSERT] = "INSERT OR IGNORE INTO archive_jobs (source_id, url, "
	    "reason, sha256, lookup_from, queued_at, next_at) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?6)",
	[S_AR_EVER] = "SELECT count(*) FROM archive_jobs WHERE url = ?1",
	[S_AR_DUE] = "SELECT id, source_id, url, reason, state, sha256, "
	    "coalesce(lookup_from, 0), queued_at, next_at, attempts, job_id, "
	    "coalesce(submitted_at, 0), coalesce(status_ext, ''), verified FROM "
	    "archive_jobs WHERE state = ?1 AND "
	    "next_at <= ?2 ORDER BY next_at, id LIMIT ?3",
	[S_AR_NEXT] = "SELECT min(next_at) FROM archive_jobs WHERE state = ?1",
	[S_AR_COUNT] = "SELECT count(*) FROM archive_jobs WHERE (?1 IS NULL "
	    "AND state IN ('queued', 'submitting', 'submitted')) OR state = ?1",
	[S_AR_UPDATE] = "UPDATE archive_jobs SET state = ?2, next_at = ?3, "
	    "attempts = ?4, job_id = ?5, submitted_at = ?6, lookup_from = ?7, "
	    "status_ext = coalesce(?8, status_ext), error = ?9, settled_at = "
	    "CASE WHEN ?2 IN ('done', 'failed') THEN ?10 END, leased = ?11, "
	    "verified = ?12 WHERE id = ?1",
	[S_AR_INFLIGHT] = "SELECT count(*) FROM archive_jobs WHERE state = "
	    "'submitted' OR (state = 'submitting' AND verified = 0)",
	[S_AR_RELEASE] = "UPDATE archive_jobs SET next_at = ?1, leased = 0 "
	    "WHERE leased = 1",
	[S_SNAP_INSERT] = "INSERT INTO snapshots (source_id, url, timestamp, "
	    "original_url, origin, job_id, found_at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)",
	[S_AR_DONE] = "UPDATE archive_jobs SET state = 'done', snapshot_id = "
	    "?2, settled_at = ?3, error = NULL, leased = 0 WHERE id = ?1",
	[S_SRC_ARCHIVED] = "UPDATE sources SET archived_sha256 = "
	    "coalesce(?2, archived_sha256) WHERE id = ?1",
	[S_SNAPSHOTS] = "SELECT url, timestamp, original_url, origin, job_id, "
	    "found_at FROM snapshots WHERE source_id = ?1 ORDER BY timestamp "
	    "DESC, id DESC",
	[S_AR_QUEUE] = "INSERT OR IGNORE INTO archive_jobs (source_id, url, "
	    "reason, sha256, queued_at, next_at) SELECT s.id, s.url, 'manual', "
	    "c.sha256, ?3, ?3 FROM sources s LEFT JOIN checks c ON c.id = "
	    "s.last_check WHERE (?1 = 0 OR s.id = ?1) AND (?2 IS NULL OR s.id "
	    "IN (SELECT source_id FROM source_tags WHERE tag = ?2)) ORDER BY "
	    "s.id",
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
	char		 err[512];
	int		 busy;
};

static int
fail(struct store *st, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);

	st->busy = (code & 0xff) == SQLITE_BUSY || (code & 0xff) ==
	    SQLITE_LOCKED;
	snprintf(st->err, sizeof(st->err), "%s: %s", what,
	    sqlite3_errmsg(st->db));
	return -1;
}

const char *
store_errmsg(struct store *st)
{
	return st->err;
}

void
store_set_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

int
store_busy(struct store *st)
{
	return st->busy;
}

/* Returns the cached, reset statement, or NULL on error. */
static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[id], NULL) !=
		    SQLITE_OK) {
			fail(st, "prepare");
			return NULL;
		}
		s = st->stmt[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Runs a statement that returns no rows. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(st, what);
	return 0;
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static void
bind_ms(sqlite3_stmt *s, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Runs a bound one-value query: its integer, or dflt if there is no row
 * or the value is NULL. */
static int64_t
scalar(sqlite3_stmt *s, int64_t dflt)
{
	int64_t v = dflt;

	if (s == NULL)
		return dflt;
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

static int
exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(st->err, sizeof(st->err), "%s", msg ? msg :
		    sqlite3_errmsg(st->db));
		st->busy = (sqlite3_errcode(st->db) & 0xff) == SQLITE_BUSY;
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int64_t
pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * Applies every "-- migration N" block of schema.sql newer than the
 * database's user_version, each in its own IMMEDIATE transaction.
 */
static int
migrate(struct store *st)
{
	const char	*p = schema_sql, *next;
	const char	*mark = "\n-- migration ";
	int64_t		 have;
	long		 n;
	char		 sql[64];

	for (;;) {
		if ((p = strstr(p, mark)) == NULL)
			return 0;
		p += strlen(mark);
		n = strtol(p, NULL, 10);
		next = strstr(p, mark);
		if (exec(st, "BEGIN IMMEDIATE") == -1)
			return -1;
		if ((have = pragma_int(st, "PRAGMA user_version")) < 0) {
			exec(st, "ROLLBACK");
			return fail(st, "read schema version");
		}
		if (n > have) {
			const char *body = strchr(p, '\n');
			size_t	 len;
			char	*block;
			int	 rc;

			/* Skip the rest of the "-- migration N: ..." line. */
			body = body ? body : p + strlen(p);
			len = next ? (size_t)(next - body) : strlen(body);
			block = xstrndup(body, len);
			rc = exec(st, block);

			free(block);
			snprintf(sql, sizeof(sql), "PRAGMA user_version = %ld",
			    n);
			if (rc == -1 || exec(st, sql) == -1) {
				char why[400];

				snprintf(why, sizeof(why), "%.399s", st->err);
				exec(st, "ROLLBACK");
				snprintf(st->err, sizeof(st->err),
				    "migration %ld: %.399s", n, why);
				return -1;
			}
		}
		if (exec(st, "COMMIT") == -1)
			return -1;
		if (next == NULL)
			return 0;
		p = next;
	}
}

struct store *
store_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	struct store	*st = xcalloc(1, sizeof(*st));
	int64_t		 app, ver;
	int		 rc;

	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto bad;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, busy_ms);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	app = pragma_int(st, "PRAGMA application_id");
	ver = pragma_int(st, "PRAGMA user_version");
	if (app < 0) {
		snprintf(err, errlen, "cannot read database %s: %s", path,
		    sqlite3_errmsg(st->db));
		goto bad;
	}
	if (app != 0 && app != APP_ID) {
		snprintf(err, errlen, "%s is not a rotwatch database "
		    "(application_id %lld)", path, (long long)app);
		goto bad;
	}
	if (app == 0 && ver == 0 && pragma_int(st,
	    "SELECT count(*) FROM sqlite_schema") > 0) {
		snprintf(err, errlen, "%s is not a rotwatch database "
		    "(it has tables of another program)", path);
		goto bad;
	}
	if (exec(st, "PRAGMA journal_mode = WAL") == -1 ||
	    exec(st, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
	    "PRAGMA trusted_schema = OFF; "
	    "PRAGMA journal_size_limit = 67108864") == -1) {
		snprintf(err, errlen, "cannot set up database %s: %s", path,
		    st->err);
		goto bad;
	}
	if (app == 0) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
		    APP_ID);
		if (exec(st, sql) == -1) {
			snprintf(err, errlen, "cannot set up database %s: %s",
			    path, st->err);
			goto bad;
		}
	}
	if (migrate(st) == -1) {
		snprintf(err, errlen, "cannot migrate database %s: %s", path,
		    st->err);
		goto bad;
	}
	return st;
bad:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

static int
simple(struct store *st, enum stmt_id id, const char *what)
{
	sqlite3_stmt *s = stmt(st, id);

	return s ? step_done(st, s, what) : -1;
}

int
store_begin(struct store *st)
{
	return simple(st, S_BEGIN, "begin");
}

int
store_commit(struct store *st)
{
	return simple(st, S_COMMIT, "commit");
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		simple(st, S_ROLLBACK, "rollback");
}

int64_t
store_data_version(struct store *st)
{
	return scalar(stmt(st, S_DATA_VERSION), -1);
}

int
store_add_source(struct store *st, const char *url, const char *host,
    const char *note, int64_t interval_s, int64_t now, int64_t *id)
{
	sqlite3_stmt	*s;
	int		 added;

	if ((s = stmt(st, S_ADD_SOURCE)) == NULL)
		return -1;
	bind_text(s, 1, url);
	bind_text(s, 2, host);
	sqlite3_bind_int64(s, 3, now);
	if (interval_s > 0)
		sqlite3_bind_int64(s, 4, interval_s);
	bind_text(s, 5, note);
	if (step_done(st, s, "add source") == -1)
		return -1;
	added = sqlite3_changes(st->db) > 0;
	if (added) {
		*id = sqlite3_last_insert_rowid(st->db);
		return 1;
	}
	if ((s = stmt(st, S_FIND_URL)) == NULL)
		return -1;
	bind_text(s, 1, url);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return fail(st, "find source");
	}
	*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

int
store_add_tag(struct store *st, int64_t id, const char *tag)
{
	sqlite3_stmt *s = stmt(st, S_ADD_TAG);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, tag);
	return step_done(st, s, "add tag");
}

int
store_add_note(struct store *st, int64_t id, const char *note,
    const char *citation)
{
	sqlite3_stmt *s = stmt(st, S_ADD_NOTE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, note ? note : "");
	bind_text(s, 3, citation ? citation : "");
	return step_done(st, s, "add note");
}

int64_t
store_find_source(struct store *st, const char *key)
{
	sqlite3_stmt	*s;
	char		*end;
	long long	 n = strtoll(key, &end, 10);
	int64_t		 id = 0;

	if (*key != '\0' && *end == '\0') {
		if ((s = stmt(st, S_FIND_ID)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, n);
	} else {
		if ((s = stmt(st, S_FIND_URL)) == NULL)
			return -1;
		bind_text(s, 1, key);
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return id;
}

static int
due_rows(struct store *st, sqlite3_stmt *s,
    void (*cb)(void *, const struct due_row *), void *arg)
{
	struct due_row	 r;
	int		 n = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.next_due = sqlite3_column_int64(s, 1);
		r.interval_s = sqlite3_column_int64(s, 2);
		r.fails = sqlite3_column_int(s, 3);
		r.url = col_text(s, 4);
		r.host = col_text(s, 5);
		r.state = col_text(s, 6);
		cb(arg, &r);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read due sources");
	return n;
}

int
store_due(struct store *st, int64_t now, int64_t after_due, int64_t after_id,
    int limit, void (*cb)(void *, const struct due_row *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_DUE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, after_due);
	sqlite3_bind_int64(s, 3, after_id);
	sqlite3_bind_int(s, 4, limit);
	return due_rows(st, s, cb, arg);
}

int
store_get_due(struct store *st, int64_t id,
    void (*cb)(void *, const struct due_row *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_DUE_ID);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return due_rows(st, s, cb, arg);
}

int64_t
store_next_due_after(struct store *st, int64_t after)
{
	sqlite3_stmt *s = stmt(st, S_EARLIEST);

	if (s == NULL)
		return INT64_MIN;
	sqlite3_bind_int64(s, 1, after);
	return scalar(s, INT64_MAX);
}

int64_t
store_count_due(struct store *st, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_COUNT_DUE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return scalar(s, -1);
}

int
store_put_result(struct store *st, const struct check_result *r,
    const char *old_state, const char *new_state, int fails, int64_t next_due,
    int64_t *check_id)
{
	sqlite3_stmt	*s;
	const char	*cls = check_class_names[r->cls];

	if ((s = stmt(st, S_PUT_CHECK)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->source_id);
	sqlite3_bind_int64(s, 2, r->started_at);
	sqlite3_bind_int64(s, 3, r->duration_ms);
	bind_ms(s, 4, r->dns_ms);
	bind_ms(s, 5, r->connect_ms);
	bind_ms(s, 6, r->tls_ms);
	bind_ms(s, 7, r->ttfb_ms);
	bind_text(s, 8, cls);
	sqlite3_bind_int(s, 9, r->curl_code);
	bind_text(s, 10, r->error);
	if (r->http_status > 0)
		sqlite3_bind_int64(s, 11, r->http_status);
	bind_text(s, 12, r->final_url);
	sqlite3_bind_int64(s, 13, r->redirects);
	bind_text(s, 14, r->hops);
	bind_text(s, 15, r->content_type);
	sqlite3_bind_int64(s, 16, r->body_bytes);
	bind_text(s, 17, r->sha256[0] ? r->sha256 : NULL);
	bind_text(s, 18, r->etag);
	bind_text(s, 19, r->last_modified);
	bind_ms(s, 20, r->content_length);
	bind_text(s, 21, r->retry_after);
	bind_text(s, 22, r->ip[0] ? r->ip : NULL);
	if (step_done(st, s, "store check") == -1)
		return -1;
	*check_id = sqlite3_last_insert_rowid(st->db);

	if ((s = stmt(st, S_UPDATE_SOURCE)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->source_id);
	bind_text(s, 2, new_state);
	sqlite3_bind_int(s, 3, fails);
	sqlite3_bind_int64(s, 4, next_due);
	sqlite3_bind_int64(s, 5, *check_id);
	if (step_done(st, s, "update source") == -1)
		return -1;

	if (strcmp(old_state, new_state) == 0)
		return 0;
	if ((s = stmt(st, S_PUT_EVENT)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->source_id);
	sqlite3_bind_int64(s, 2, r->started_at + r->duration_ms);
	bind_text(s, 3, old_state);
	bind_text(s, 4, new_state);
	bind_text(s, 5, cls);
	sqlite3_bind_int64(s, 6, *check_id);
	return step_done(st, s, "store event");
}

int
store_sources(struct store *st, const char *tag, int64_t id,
    void (*cb)(void *, const struct source_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_SOURCES);
	struct source_row	 r;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, tag);
	sqlite3_bind_int64(s, 2, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.url = col_text(s, 1);
		r.tags = col_text(s, 2);
		r.state = col_text(s, 3);
		r.note = col_text(s, 4);
		r.added_at = sqlite3_column_int64(s, 5);
		r.next_due = sqlite3_column_int64(s, 6);
		r.fails = sqlite3_column_int(s, 7);
		r.has_check = sqlite3_column_type(s, 8) != SQLITE_NULL;
		if (r.has_check) {
			r.checked_at = sqlite3_column_int64(s, 9);
			r.duration_ms = sqlite3_column_int64(s, 10);
			r.cls = col_text(s, 11);
			r.http_status = sqlite3_column_int(s, 12);
			r.final_url = col_text(s, 13);
			r.redirects = sqlite3_column_int(s, 14);
			r.sha256 = col_text(s, 15);
			r.error = col_text(s, 16);
		}
		r.snap_url = col_text(s, 17);
		r.snap_ts = col_text(s, 18);
		cb(arg, &r);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "list sources");
	return n;
}

int
store_notes(struct store *st, int64_t id,
    void (*cb)(void *, const char *, const char *), void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_NOTES);
	int		 n = 0, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cb(arg, col_text(s, 0), col_text(s, 1));
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "list notes");
	return n;
}

/* ---- the web archive ---------------------------------------------- */

void
store_archive_job_clear(struct archive_job *j)
{
	free(j->url);
	free(j->sha256);
	free(j->job_id);
	memset(j, 0, sizeof(*j));
}

char *
store_source_tags(struct store *st, int64_t id)
{
	sqlite3_stmt	*s = stmt(st, S_TAGS);
	char		*v = NULL;

	if (s == NULL)
		return xstrdup("");
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = xstrdup(col_text(s, 0) ? col_text(s, 0) : "");
	sqlite3_reset(s);
	return v ? v : xstrdup("");
}

static int
ar_insert(struct store *st, int64_t source_id, const char *url,
    const char *reason, const char *sha256, int64_t lookup_from, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AR_INSERT);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	bind_text(s, 2, url);
	bind_text(s, 3, reason);
	bind_text(s, 4, sha256);
	if (lookup_from > 0)
		sqlite3_bind_int64(s, 5, lookup_from);
	sqlite3_bind_int64(s, 6, now);
	if (step_done(st, s, "queue archive job") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_archive_consider(struct store *st, int64_t source_id, const char *url,
    const char *final_url, const char *sha256, int64_t now,
    int64_t if_older_than_s, int64_t every_s)
{
	sqlite3_stmt	*s = stmt(st, S_AR_FACTS);
	int64_t		 jobs;
	char		*last = NULL, *archived = NULL, since[15];
	const char	*reason = NULL;
	int		 n = 0, rc;
	int64_t		 lookup_from = now - if_older_than_s * 1000;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return fail(st, "read archive state");
	}
	jobs = sqlite3_column_int64(s, 0);
	if (col_text(s, 1))
		last = xstrdup(col_text(s, 1));
	if (col_text(s, 2))
		archived = xstrdup(col_text(s, 2));
	sqlite3_reset(s);

	if (jobs == 0 && last == NULL)
		reason = "new";
	else if (sha256 && archived && strcmp(sha256, archived) != 0)
		reason = "changed";
	else if (every_s > 0 && last) {
		ts14(now - every_s * 1000, since);
		if (strcmp(last, since) < 0)
			reason = "every";
	}
	if (reason) {
		rc = ar_insert(st, source_id, url, reason, sha256,
		    strcmp(reason, "new") == 0 && if_older_than_s > 0 ?
		    lookup_from : 0, now);
		if (rc < 0)
			goto bad;
		n += rc;
	}
	if (final_url && strcmp(final_url, url) != 0) {
		if ((s = stmt(st, S_AR_EVER)) == NULL)
			goto bad;
		bind_text(s, 1, final_url);
		rc = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) :
		    -1;
		sqlite3_reset(s);
		if (rc < 0) {
			fail(st, "read archive jobs");
			goto bad;
		}
		if (rc == 0) {
			if ((rc = ar_insert(st, source_id, final_url, "moved",
			    NULL, if_older_than_s > 0 ? lookup_from : 0,
			    now)) < 0)
				goto bad;
			n += rc;
		}
	}
	free(last);
	free(archived);
	return n;
bad:
	free(last);
	free(archived);
	return -1;
}

int
store_archive_queue(struct store *st, int64_t id, const char *tag,
    int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AR_QUEUE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, tag);
	sqlite3_bind_int64(s, 3, now);
	if (step_done(st, s, "queue archive jobs") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int
store_archive_due(struct store *st, const char *state, int64_t now,
    int limit, void (*cb)(void *, struct archive_job *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_AR_DUE);
	struct archive_job	 j;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, state);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&j, 0, sizeof(j));
		j.id = sqlite3_column_int64(s, 0);
		j.source_id = sqlite3_column_int64(s, 1);
		j.url = xstrdup(col_text(s, 2));
		snprintf(j.reason, sizeof(j.reason), "%s", col_text(s, 3));
		snprintf(j.state, sizeof(j.state), "%s", col_text(s, 4));
		j.sha256 = col_text(s, 5) ? xstrdup(col_text(s, 5)) : NULL;
		j.lookup_from = sqlite3_column_int64(s, 6);
		j.queued_at = sqlite3_column_int64(s, 7);
		j.next_at = sqlite3_column_int64(s, 8);
		j.attempts = sqlite3_column_int(s, 9);
		j.job_id = col_text(s, 10) ? xstrdup(col_text(s, 10)) : NULL;
		j.submitted_at = sqlite3_column_int64(s, 11);
		snprintf(j.status_ext, sizeof(j.status_ext), "%s",
		    col_text(s, 12));
		j.verified = sqlite3_column_int(s, 13);
		cb(arg, &j);
		store_archive_job_clear(&j);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read archive jobs");
	return n;
}

int64_t
store_archive_next_at(struct store *st, const char *state)
{
	sqlite3_stmt *s = stmt(st, S_AR_NEXT);

	if (s == NULL)
		return INT64_MAX;
	bind_text(s, 1, state);
	return scalar(s, INT64_MAX);
}

int64_t
store_archive_count(struct store *st, const char *state)
{
	sqlite3_stmt *s = stmt(st, S_AR_COUNT);

	if (s == NULL)
		return -1;
	bind_text(s, 1, state);
	return scalar(s, -1);
}

int
store_archive_update(struct store *st, const struct archive_job *j,
    const char *status_ext, const char *error)
{
	sqlite3_stmt *s = stmt(st, S_AR_UPDATE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, j->id);
	bind_text(s, 2, j->state);
	sqlite3_bind_int64(s, 3, j->next_at);
	sqlite3_bind_int(s, 4, j->attempts);
	bind_text(s, 5, j->job_id);
	if (j->submitted_at > 0)
		sqlite3_bind_int64(s, 6, j->submitted_at);
	if (j->lookup_from > 0)
		sqlite3_bind_int64(s, 7, j->lookup_from);
	bind_text(s, 8, status_ext);
	bind_text(s, 9, error);
	sqlite3_bind_int64(s, 10, j->next_at);
	sqlite3_bind_int(s, 11, j->leased);
	sqlite3_bind_int(s, 12, j->verified);
	return step_done(st, s, "update archive job");
}

int64_t
store_archive_in_flight(struct store *st)
{
	return scalar(stmt(st, S_AR_INFLIGHT), 0);
}

int
store_archive_release(struct store *st, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AR_RELEASE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return step_done(st, s, "release archive jobs");
}

int
store_archive_done(struct store *st, const struct archive_job *j,
    const char *memento, const char *timestamp, const char *original,
    const char *origin, int64_t now)
{
	sqlite3_stmt	*s;
	int64_t		 snap;

	if (store_begin(st) == -1)
		return -1;
	if ((s = stmt(st, S_SNAP_INSERT)) == NULL)
		goto bad;
	sqlite3_bind_int64(s, 1, j->source_id);
	bind_text(s, 2, memento);
	bind_text(s, 3, timestamp);
	bind_text(s, 4, original);
	bind_text(s, 5, origin);
	bind_text(s, 6, j->job_id);
	sqlite3_bind_int64(s, 7, now);
	if (step_done(st, s, "store snapshot") == -1)
		goto bad;
	snap = sqlite3_last_insert_rowid(st->db);
	if ((s = stmt(st, S_AR_DONE)) == NULL)
		goto bad;
	sqlite3_bind_int64(s, 1, j->id);
	sqlite3_bind_int64(s, 2, snap);
	sqlite3_bind_int64(s, 3, now);
	if (step_done(st, s, "settle archive job") == -1)
		goto bad;
	if ((s = stmt(st, S_SRC_ARCHIVED)) == NULL)
		goto bad;
	sqlite3_bind_int64(s, 1, j->source_id);
	bind_text(s, 2, j->sha256);
	if (step_done(st, s, "update source") == -1)
		goto bad;
	return store_commit(st);
bad:
	store_rollback(st);
	return -1;
}

int
store_snapshots(struct store *st, int64_t id,
    void (*cb)(void *, const struct snapshot_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_SNAPSHOTS);
	struct snapshot_row	 r;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.url = col_text(s, 0);
		r.timestamp = col_text(s, 1);
		r.original_url = col_text(s, 2);
		r.origin = col_text(s, 3);
		r.job_id = col_text(s, 4);
		r.found_at = sqlite3_column_int64(s, 5);
		cb(arg, &r);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "list snapshots");
	return n;
}
