/*
 * store.c: SQLite behind one small API, with cached statements.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <zlib.h>

#include "classify.h"
#include "schema.h"
#include "timefmt.h"
#include "store.h"
#include "tlsinfo.h"
#include "xmalloc.h"

#define APP_ID	0x726f7477	/* "rotw" */

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
	S_ADD_SOURCE, S_ADD_TAG, S_ADD_NOTE, S_FIND_URL,
	S_FIND_ID, S_DUE, S_DUE_ID, S_EARLIEST, S_COUNT_DUE, S_PUT_CHECK,
	S_PUT_EVENT, S_SOURCES, S_NOTES, S_TAGS, S_AR_FACTS, S_AR_INSERT,
	S_AR_EVER, S_AR_DUE, S_AR_NEXT, S_AR_COUNT, S_AR_UPDATE, S_SNAP_INSERT,
	S_AR_DONE, S_AR_RELEASE, S_AR_INFLIGHT, S_SRC_ARCHIVED, S_SNAPSHOTS, S_AR_QUEUE,
	S_SRC_JUDGED, S_PROOF, S_HAS_VERSION, S_PUT_VERSION, S_GET_VERSION,
	S_GET_PROBE, S_PUT_PROBE, S_MONITOR, S_SET_MONITOR, S_EVENTS, S_CHECKS,
	S_ALL_IDS, S_AL_INSERT, S_AL_DUE, S_AL_SENT, S_AL_RETRY, S_AL_COUNT,
	S_AL_NEXT, S_REPORT, S_ALL_NOTES, S_AL_RECENT, S_AL_TAGS, S_AL_UPTO,
	S_AL_OLDEST, S_TIMELINE,
	S_MX_SOURCES, S_MX_ARCHIVE, S_MX_ALERTS, S_PING,
	S_CAP_PUT, S_CAP_FIND, S_CERT_PUT, S_CHAIN_PUT, S_CAP_EACH,
	S_MANIFEST, S_STAMP_GET, S_STAMP_ADD, S_STAMP_DUE, S_STAMP_DONE,
	S_STAMP_RETRY, S_STAMP_NEXT, S_STAMP_COUNT, S_STAMP_LEASE,
	S_COUNT
};

/* What an alert says: its row, its event, the source, the deciding check
 * and the latest snapshot (read by alert_rows()). */
#define ALERT_COLS \
	"SELECT a.id, a.uid, a.kind, a.attempts, e.id, e.at, " \
	"e.from_state, e.to_state, e.detail, e.proof, e.change, " \
	"e.similarity, coalesce(e.check_id, 0), coalesce(s.id, 0), s.url, " \
	"s.state, coalesce(s.state_since, 0), coalesce(s.confirmed_at, 0), " \
	"c.class, coalesce(c.http_status, 0), c.final_url, c.sha256, " \
	"(SELECT url FROM snapshots n WHERE n.source_id = s.id ORDER BY " \
	"timestamp DESC, id DESC LIMIT 1), coalesce(s.run_since, 0), " \
	"e.from_version, e.to_version " \
	"FROM alerts a JOIN events e ON e.id = a.event_id " \
	"LEFT JOIN sources s ON s.id = e.source_id " \
	"LEFT JOIN checks c ON c.id = e.check_id "

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
	    "host, state, coalesce(state_since, 0), coalesce(confirmed_at, 0), "
	    "coalesce(run_first, 0), coalesce(run_since, 0), run_n, observed, "
	    "text_hash, body_sha256, etag, last_modified, moved_to, reason "
	    "FROM sources WHERE next_due <= ?1 AND "
	    "(next_due, id) > (?2, ?3) ORDER BY next_due, id LIMIT ?4",
	[S_DUE_ID] = "SELECT id, next_due, coalesce(interval_s, 0), fails, url, "
	    "host, state, coalesce(state_since, 0), coalesce(confirmed_at, 0), "
	    "coalesce(run_first, 0), coalesce(run_since, 0), run_n, observed, "
	    "text_hash, body_sha256, etag, last_modified, moved_to, reason "
	    "FROM sources WHERE id = ?1",
	[S_EARLIEST] = "SELECT min(next_due) FROM sources WHERE next_due > ?1",
	[S_COUNT_DUE] = "SELECT count(*) FROM sources WHERE next_due <= ?1",
	[S_PUT_CHECK] = "INSERT INTO checks (source_id, started_at, "
	    "duration_ms, dns_ms, connect_ms, tls_ms, ttfb_ms, class, "
	    "curl_code, error, http_status, final_url, redirects, hops, "
	    "content_type, body_bytes, sha256, etag, last_modified, "
	    "content_length, retry_after, ip, observed, why, text_hash, "
	    "tls_chain) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "
	    "?25, ?26)",
	[S_CAP_EACH] = "SELECT c.check_id, c.source_id, c.at, c.kind, c.file, "
	    "c.offset, c.length, c.record_id, c.req_file, c.req_offset, "
	    "c.req_length, c.payload_digest, c.uri, k.sha256, c.hops_offset, "
	    "c.hops_length FROM captures c "
	    "JOIN checks k ON k.id = c.check_id WHERE (?1 = 0 OR c.source_id "
	    "= ?1) AND c.at <= ?2 ORDER BY c.file, c.offset",
	[S_STAMP_ADD] = "INSERT OR IGNORE INTO stamps (check_id, digest, "
	    "next_at) VALUES (?1, ?2, ?3)",
	[S_STAMP_DUE] = "SELECT check_id, digest, attempts FROM stamps WHERE "
	    "state = 'pending' AND next_at <= ?1 ORDER BY next_at, check_id "
	    "LIMIT ?2",
	[S_STAMP_DONE] = "UPDATE stamps SET state = 'done', attempts = "
	    "attempts + 1, tsa = ?2, gen_time = ?3, token = ?4, error = NULL "
	    "WHERE check_id = ?1",
	[S_STAMP_RETRY] = "UPDATE stamps SET attempts = attempts + 1, next_at "
	    "= ?2, error = ?3 WHERE check_id = ?1",
	[S_STAMP_LEASE] = "UPDATE stamps SET next_at = ?2 WHERE check_id = ?1",
	[S_STAMP_NEXT] = "SELECT min(next_at) FROM stamps WHERE state = "
	    "'pending'",
	[S_STAMP_COUNT] = "SELECT count(*) FROM stamps WHERE state = ?1",
	[S_STAMP_GET] = "SELECT digest, tsa, gen_time, token FROM stamps "
	    "WHERE check_id = ?1 AND state = 'done'",
	/*
	 * Everything known of one source, as JSON: what "export" puts in a
	 * bundle.  Times are ms since the epoch and, for people, RFC 3339.
	 */
	[S_MANIFEST] = "WITH t(ms) AS (SELECT 0) SELECT json_object("
	    "'format', 'rotwatch evidence manifest 1', "
	    "'source', (SELECT json_object('id', s.id, 'url', s.url, "
	    "'added_at_ms', s.added_at, 'state', s.state, 'state_since_ms', "
	    "s.state_since, 'reason', s.reason, 'moved_to', s.moved_to, 'note', "
	    "s.note, 'tags', (SELECT json_group_array(tag) FROM source_tags "
	    "WHERE source_id = s.id), 'citations', (SELECT json_group_array("
	    "json_object('note', note, 'citation', citation)) FROM source_notes "
	    "WHERE source_id = s.id)) FROM sources s WHERE s.id = ?1), "
	    "'checks', (SELECT json_group_array(json(j)) FROM (SELECT "
	    "json_object('id', k.id, 'at_ms', k.started_at, 'at', strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', k.started_at / 1000, 'unixepoch'), "
	    "'duration_ms', k.duration_ms, 'class', k.class, 'observed', "
	    "k.observed, 'why', k.why, 'curl_code', k.curl_code, 'error', "
	    "k.error, 'http_status', k.http_status, 'final_url', k.final_url, "
	    "'redirects', k.redirects, 'hops', json(k.hops), 'ip', k.ip, "
	    "'content_type', k.content_type, 'body_bytes', k.body_bytes, "
	    "'sha256', k.sha256, 'text_version', k.text_hash, 'etag', k.etag, "
	    "'last_modified', k.last_modified, 'tls_chain', (SELECT "
	    "json_group_array(sha) FROM (SELECT c.sha256 AS sha FROM json_each("
	    "'[' || t.certs || ']') e JOIN certs c ON c.id = e.value ORDER BY "
	    "e.key)), 'warc', (SELECT "
	    "json_object('kind', w.kind, 'record_id', w.record_id, 'file', "
	    "w.file, 'offset', w.offset, 'length', w.length, 'payload_digest', "
	    "w.payload_digest) FROM captures w WHERE w.check_id = k.id), "
	    "'timestamp', (SELECT json_object('tsa', m.tsa, 'gen_time_ms', "
	    "m.gen_time, 'digest', m.digest) FROM stamps m WHERE m.check_id = "
	    "k.id AND m.state = 'done')) AS j FROM checks k LEFT JOIN tls_chains "
	    "t ON t.id = k.tls_chain WHERE k.source_id = ?1 ORDER BY k.id)), "
	    "'certificates', (SELECT json_group_array(json_object('sha256', "
	    "c.sha256, 'subject', c.subject, 'issuer', c.issuer, "
	    "'not_before_ms', c.not_before, 'not_after_ms', c.not_after, "
	    "'der_hex', hex(c.der))) FROM certs c WHERE c.id IN (SELECT e.value "
	    "FROM checks k JOIN tls_chains t ON t.id = k.tls_chain, json_each("
	    "'[' || t.certs || ']') e WHERE k.source_id = ?1)), "
	    "'events', (SELECT json_group_array(json(j)) FROM (SELECT "
	    "json_object('id', id, 'at_ms', at, 'type', type, 'from', "
	    "from_state, 'to', to_state, 'class', class, 'check_id', check_id, "
	    "'proof', json(proof), 'change', change, 'similarity', similarity, "
	    "'from_version', from_version, 'to_version', to_version, 'detail', "
	    "detail) AS j FROM events WHERE source_id = ?1 ORDER BY id)), "
	    "'snapshots', (SELECT json_group_array(json(j)) FROM (SELECT "
	    "json_object('url', url, 'timestamp', timestamp, 'origin', origin, "
	    "'found_at_ms', found_at) AS j FROM snapshots WHERE source_id = ?1 "
	    "ORDER BY timestamp))) FROM t",
	[S_CERT_PUT] = "INSERT INTO certs (sha256, subject, issuer, "
	    "not_before, not_after, der) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT (sha256) DO UPDATE SET sha256 = sha256 RETURNING id",
	[S_CHAIN_PUT] = "INSERT INTO tls_chains (certs) VALUES (?1) "
	    "ON CONFLICT (certs) DO UPDATE SET certs = certs RETURNING id",
	[S_SRC_JUDGED] = "UPDATE sources SET state = ?2, state_since = ?3, "
	    "confirmed_at = ?4, run_first = ?5, run_since = ?6, run_n = ?7, "
	    "observed = ?8, reason = ?9, moved_to = ?10, text_hash = ?11, "
	    "body_sha256 = ?12, etag = ?13, last_modified = ?14, "
	    "last_change = coalesce(?15, last_change), fails = ?16, "
	    "next_due = ?17, last_check = ?18 WHERE id = ?1",
	[S_PUT_EVENT] = "INSERT INTO events (source_id, at, type, from_state, "
	    "to_state, class, check_id, proof, change, similarity, "
	    "from_version, to_version, detail) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[S_PROOF] = "SELECT json_group_array(id) FROM (SELECT id FROM checks "
	    "WHERE source_id = ?1 AND id >= ?2 AND observed IN ('fail', "
	    "'soft404', 'parked') ORDER BY id)",
	[S_HAS_VERSION] = "SELECT count(*) FROM versions WHERE hash = ?1",
	[S_PUT_VERSION] = "INSERT OR IGNORE INTO versions (hash, title, text, "
	    "size, first_seen) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_GET_VERSION] = "SELECT title, text, size FROM versions WHERE "
	    "hash = ?1",
	[S_GET_PROBE] = "SELECT origin, url, probed_at, class, http_status, "
	    "final_url, text_hash FROM probes WHERE origin = ?1",
	[S_PUT_PROBE] = "INSERT OR REPLACE INTO probes (origin, url, probed_at, "
	    "class, http_status, final_url, text_hash) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7)",
	[S_MONITOR] = "SELECT state, since FROM monitor WHERE id = 1",
	[S_SET_MONITOR] = "INSERT OR REPLACE INTO monitor (id, state, since, "
	    "event_id) VALUES (1, ?1, ?2, ?3)",
	[S_EVENTS] = "SELECT id, coalesce(source_id, 0), at, type, from_state, "
	    "to_state, class, coalesce(check_id, 0), proof, change, similarity, "
	    "from_version, to_version, detail FROM events WHERE (?1 = 0 AND "
	    "source_id IS NULL) OR source_id = ?1 OR ?1 < 0 ORDER BY id",
	[S_CHECKS] = "SELECT id, started_at + duration_ms, class, "
	    "coalesce(http_status, 0), observed, why, text_hash, final_url, "
	    "sha256, coalesce(body_bytes, 0), error FROM checks WHERE "
	    "source_id = ?1 ORDER BY id DESC LIMIT ?2",
	[S_AL_INSERT] = "INSERT OR IGNORE INTO alerts (uid, event_id, channel, "
	    "kind, next_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[S_AL_DUE] = ALERT_COLS
	    "WHERE a.state = 'pending' AND a.channel = ?1 AND a.next_at <= ?2 "
	    "AND a.id > ?3 ORDER BY a.next_at, a.id LIMIT ?4",
	[S_AL_RECENT] = ALERT_COLS
	    "WHERE a.channel = ?1 AND (?2 IS NULL OR e.source_id IN (SELECT "
	    "source_id FROM source_tags WHERE tag = ?2)) AND a.id > ?3 "
	    "ORDER BY a.id DESC LIMIT ?4",
	[S_TIMELINE] = "SELECT c.source_id, c.started_at, c.observed FROM "
	    "checks c WHERE c.observed IS NOT NULL AND (?1 IS NULL OR "
	    "c.source_id IN (SELECT source_id FROM source_tags WHERE tag = ?1)) "
	    "ORDER BY c.source_id, c.id",
	[S_MX_SOURCES] = "SELECT state, count(*) FROM sources GROUP BY state",
	[S_MX_ARCHIVE] = "SELECT state, count(*) FROM archive_jobs GROUP BY "
	    "state",
	[S_MX_ALERTS] = "SELECT state, count(*) FROM alerts GROUP BY state",
	[S_PING] = "SELECT count(*) FROM monitor",
	[S_CAP_PUT] = "INSERT INTO captures (check_id, source_id, at, kind, "
	    "file, offset, length, record_id, req_file, req_offset, "
	    "req_length, payload_digest, uri, hops_offset, hops_length) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
	    "?15)",
	[S_CAP_FIND] = "SELECT uri, at, record_id FROM captures WHERE "
	    "source_id = ?1 AND payload_digest = ?2 AND kind = 'response' "
	    "ORDER BY check_id DESC LIMIT 1",
	[S_AL_OLDEST] = "SELECT min(created_at) FROM alerts WHERE state = "
	    "'pending' AND channel = ?1",
	[S_AL_TAGS] = "SELECT DISTINCT t.tag FROM alerts a JOIN events e ON "
	    "e.id = a.event_id JOIN source_tags t ON t.source_id = e.source_id "
	    "WHERE a.channel = ?1 ORDER BY t.tag",
	[S_AL_UPTO] = "UPDATE alerts SET state = 'sent', sent_at = ?3, "
	    "attempts = attempts + 1 WHERE channel = ?1 AND state = 'pending' "
	    "AND id <= ?2",
	[S_AL_SENT] = "UPDATE alerts SET state = 'sent', sent_at = ?2, "
	    "attempts = attempts + 1, error = NULL WHERE id = ?1",
	[S_AL_RETRY] = "UPDATE alerts SET attempts = attempts + 1, next_at = ?2, "
	    "error = ?3 WHERE id = ?1 AND state = 'pending'",
	[S_AL_COUNT] = "SELECT count(*) FROM alerts WHERE state = ?1",
	[S_AL_NEXT] = "SELECT min(next_at) FROM alerts WHERE state = 'pending' "
	    "AND channel = ?1",
	[S_REPORT] = "SELECT s.id, s.url, s.state, coalesce(s.state_since, 0), "
	    "coalesce(s.confirmed_at, 0), s.moved_to, coalesce(s.run_since, 0), "
	    "coalesce((SELECT max(started_at) FROM checks c WHERE c.source_id = "
	    "s.id AND c.observed IN ('alive', 'moved')), 0), n.url, n.timestamp, "
	    "coalesce(e.at, 0), e.change, (SELECT b.url FROM snapshots b WHERE "
	    "b.source_id = s.id AND b.timestamp <= strftime('%Y%m%d%H%M%S', "
	    "e.at / 1000, 'unixepoch') ORDER BY b.timestamp DESC LIMIT 1), "
	    "(SELECT b.timestamp FROM snapshots b WHERE b.source_id = s.id AND "
	    "b.timestamp <= strftime('%Y%m%d%H%M%S', e.at / 1000, 'unixepoch') "
	    "ORDER BY b.timestamp DESC LIMIT 1), s.reason "
	    "FROM sources s LEFT JOIN snapshots n ON n.id = (SELECT id FROM "
	    "snapshots WHERE source_id = s.id ORDER BY timestamp DESC, id DESC "
	    "LIMIT 1) LEFT JOIN events e ON e.id = s.last_change "
	    "WHERE ?1 IS NULL OR s.id IN (SELECT source_id FROM source_tags "
	    "WHERE tag = ?1) ORDER BY s.id",
	[S_ALL_NOTES] = "SELECT n.note, n.citation, n.source_id FROM "
	    "source_notes n WHERE ?1 IS NULL OR n.source_id IN (SELECT "
	    "source_id FROM source_tags WHERE tag = ?1) ORDER BY n.note = '', "
	    "CAST(n.note AS INTEGER), n.note, n.source_id",
	[S_ALL_IDS] = "SELECT id FROM sources WHERE ?1 IS NULL OR id IN "
	    "(SELECT source_id FROM source_tags WHERE tag = ?1) ORDER BY id",
	[S_SOURCES] = "SELECT s.id, s.url, coalesce((SELECT group_concat(tag, "
	    "',') FROM (SELECT tag FROM source_tags WHERE source_id = s.id "
	    "ORDER BY tag)), ''), s.state, s.note, s.added_at, s.next_due, "
	    "s.fails, c.id, c.started_at, c.duration_ms, c.class, "
	    "c.http_status, c.final_url, c.redirects, c.sha256, c.error, "
	    "n.url, n.timestamp, coalesce(s.state_since, 0), "
	    "coalesce(s.confirmed_at, 0), s.reason, s.moved_to, "
	    "coalesce(e.at, 0), e.change, e.similarity "
	    "FROM sources s LEFT JOIN checks c ON c.id = s.last_check "
	    "LEFT JOIN events e ON e.id = s.last_change "
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
	z_stream	 zs;		/* reused: deflateInit allocates 256 KiB */
	int		 zready;
	Bytef		*zbuf;
	size_t		 zcap;
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

/* Runs a one-value query with one text parameter: its integer, else dflt
 * (also when the statement cannot be prepared). */
static int64_t
text_scalar(struct store *st, enum stmt_id id, const char *text, int64_t dflt)
{
	sqlite3_stmt *s = stmt(st, id);

	if (s == NULL)
		return dflt;
	bind_text(s, 1, text);
	return scalar(s, dflt);
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

/* Why the last store_open() failed: something that may pass. */
static int	open_may_pass;

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
	rc = st->db ? sqlite3_extended_errcode(st->db) & 0xff : rc & 0xff;
	open_may_pass = rc == SQLITE_FULL || rc == SQLITE_IOERR ||
	    rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
	store_close(st);
	return NULL;
}

int
store_open_may_pass(void)
{
	return open_may_pass;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	if (st->zready)
		deflateEnd(&st->zs);
	free(st->zbuf);
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
		r.since = sqlite3_column_int64(s, 7);
		r.confirmed_at = sqlite3_column_int64(s, 8);
		r.run_first = sqlite3_column_int64(s, 9);
		r.run_since = sqlite3_column_int64(s, 10);
		r.run_n = sqlite3_column_int(s, 11);
		r.observed = col_text(s, 12);
		r.text_hash = col_text(s, 13);
		r.body_sha256 = col_text(s, 14);
		r.etag = col_text(s, 15);
		r.last_modified = col_text(s, 16);
		r.moved_to = col_text(s, 17);
		r.reason = col_text(s, 18);
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

static void
bind_nz(sqlite3_stmt *s, int i, int64_t v)
{
	if (v != 0)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

/*
 * The id of the chain ch in tls_chains, each certificate stored once: a
 * server presents the same few certificates at every check.  0 on error.
 */
static int64_t
chain_id(struct store *st, const struct tls_chain *ch)
{
	sqlite3_stmt	*s;
	char		*ids = xstrdup(""), *n;
	int64_t		 id = 0;

	for (size_t i = 0; i < ch->n; i++) {
		const struct tls_cert *c = &ch->certs[i];

		if ((s = stmt(st, S_CERT_PUT)) == NULL)
			goto out;
		bind_text(s, 1, c->sha256);
		bind_text(s, 2, c->subject);
		bind_text(s, 3, c->issuer);
		bind_nz(s, 4, c->not_before);
		bind_nz(s, 5, c->not_after);
		sqlite3_bind_blob(s, 6, c->der, (int)c->derlen, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW) {
			fail(st, "store a certificate");
			sqlite3_reset(s);
			goto out;
		}
		n = xasprintf("%s%s%lld", ids, i ? "," : "",
		    (long long)sqlite3_column_int64(s, 0));
		sqlite3_reset(s);
		free(ids);
		ids = n;
	}
	if ((s = stmt(st, S_CHAIN_PUT)) == NULL)
		goto out;
	bind_text(s, 1, ids);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else
		fail(st, "store a certificate chain");
	sqlite3_reset(s);
out:
	free(ids);
	return id;
}

int
store_put_check(struct store *st, const struct check_result *r,
    const char *observed, const char *why, const char *text_hash,
    int64_t *check_id)
{
	sqlite3_stmt	*s;
	const char	*cls = check_class_names[r->cls];
	int64_t		 chain = 0;

	if (r->tls && (chain = chain_id(st, r->tls)) == 0)
		return -1;
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
	bind_text(s, 23, observed);
	bind_text(s, 24, why && *why ? why : NULL);
	bind_text(s, 25, text_hash && *text_hash ? text_hash : NULL);
	bind_nz(s, 26, chain);
	if (step_done(st, s, "store check") == -1)
		return -1;
	*check_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static void
bind_str(sqlite3_stmt *s, int i, const char *v)
{
	bind_text(s, i, v && *v ? v : NULL);
}

int
store_judged(struct store *st, const struct source_judged *u)
{
	sqlite3_stmt *s = stmt(st, S_SRC_JUDGED);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, u->id);
	bind_text(s, 2, u->state);
	bind_nz(s, 3, u->since);
	bind_nz(s, 4, u->confirmed_at);
	bind_nz(s, 5, u->run_first);
	bind_nz(s, 6, u->run_since);
	sqlite3_bind_int(s, 7, u->run_n);
	bind_str(s, 8, u->observed);
	bind_str(s, 9, u->reason);
	bind_str(s, 10, u->moved_to);
	bind_str(s, 11, u->text_hash);
	bind_str(s, 12, u->body_sha256);
	bind_str(s, 13, u->etag);
	bind_str(s, 14, u->last_modified);
	bind_nz(s, 15, u->last_change);
	sqlite3_bind_int(s, 16, u->fails);
	sqlite3_bind_int64(s, 17, u->next_due);
	sqlite3_bind_int64(s, 18, u->last_check);
	return step_done(st, s, "update source");
}

int
store_put_event(struct store *st, const struct event *e, int64_t *id)
{
	sqlite3_stmt *s = stmt(st, S_PUT_EVENT);

	if (s == NULL)
		return -1;
	bind_nz(s, 1, e->source_id);
	sqlite3_bind_int64(s, 2, e->at);
	bind_text(s, 3, e->type);
	bind_text(s, 4, e->from);
	bind_text(s, 5, e->to);
	bind_text(s, 6, e->cls);
	bind_nz(s, 7, e->check_id);
	bind_text(s, 8, e->proof);
	bind_text(s, 9, e->change);
	if (e->similarity >= 0)
		sqlite3_bind_double(s, 10, e->similarity);
	bind_text(s, 11, e->from_version);
	bind_text(s, 12, e->to_version);
	bind_text(s, 13, e->detail);
	if (step_done(st, s, "store event") == -1)
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

char *
store_run_proof(struct store *st, int64_t source_id, int64_t first)
{
	sqlite3_stmt	*s = stmt(st, S_PROOF);
	char		*v = NULL;

	if (s == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int64(s, 2, first);
	if (sqlite3_step(s) == SQLITE_ROW && col_text(s, 0))
		v = xstrdup(col_text(s, 0));
	sqlite3_reset(s);
	if (v == NULL)
		fail(st, "read proof");
	return v;
}

int
store_has_version(struct store *st, const char *hash)
{
	int64_t n = text_scalar(st, S_HAS_VERSION, hash, -1);

	return n < 0 ? -1 : n > 0;
}

/*
 * Compresses len bytes of text into st->zbuf (zlib format, fastest level:
 * most of the gain on text, at a fraction of the time).  Returns the
 * compressed size, or 0 on error.
 */
static size_t
deflate_text(struct store *st, const char *text, size_t len)
{
	size_t bound;

	if (!st->zready) {
		memset(&st->zs, 0, sizeof(st->zs));
		if (deflateInit(&st->zs, Z_BEST_SPEED) != Z_OK)
			return 0;
		st->zready = 1;
	} else if (deflateReset(&st->zs) != Z_OK)
		return 0;
	bound = deflateBound(&st->zs, (uLong)len);
	if (bound > st->zcap) {
		st->zcap = bound;
		st->zbuf = xrealloc(st->zbuf, st->zcap);
	}
	st->zs.next_in = (Bytef *)(uintptr_t)text;
	st->zs.avail_in = (uInt)len;
	st->zs.next_out = st->zbuf;
	st->zs.avail_out = (uInt)st->zcap;
	if (deflate(&st->zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	return st->zcap - st->zs.avail_out;
}

int
store_put_version(struct store *st, const char *hash, const char *title,
    const char *text, size_t len, int64_t now)
{
	sqlite3_stmt	*s = stmt(st, S_PUT_VERSION);
	size_t		 zlen;

	if (s == NULL)
		return -1;
	if ((zlen = deflate_text(st, text, len)) == 0) {
		snprintf(st->err, sizeof(st->err), "cannot compress text");
		return -1;
	}
	bind_text(s, 1, hash);
	bind_text(s, 2, title ? title : "");
	sqlite3_bind_blob(s, 3, st->zbuf, (int)zlen, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (int64_t)len);
	sqlite3_bind_int64(s, 5, now);
	return step_done(st, s, "store text version");
}

int
store_get_version(struct store *st, const char *hash, char **title,
    char **text, size_t *len)
{
	sqlite3_stmt	*s = stmt(st, S_GET_VERSION);
	const void	*z;
	uLongf		 n;
	int		 zlen, rc;

	*title = *text = NULL;
	*len = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, hash);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return rc == SQLITE_DONE ? 0 : fail(st, "read text version");
	}
	n = (uLongf)sqlite3_column_int64(s, 2);
	z = sqlite3_column_blob(s, 1);
	zlen = sqlite3_column_bytes(s, 1);
	*text = xmalloc(n + 1);
	if (uncompress((Bytef *)*text, &n, z, (uLong)zlen) != Z_OK) {
		sqlite3_reset(s);
		free(*text);
		*text = NULL;
		snprintf(st->err, sizeof(st->err), "text version %.16s is "
		    "damaged", hash);
		return -1;
	}
	(*text)[n] = '\0';
	*len = n;
	*title = xstrdup(col_text(s, 0) ? col_text(s, 0) : "");
	sqlite3_reset(s);
	return 1;
}

int
store_get_probe(struct store *st, const char *origin,
    void (*cb)(void *, const struct probe_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_GET_PROBE);
	struct probe_row	 r;
	int			 rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, origin);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.origin = col_text(s, 0);
		r.url = col_text(s, 1);
		r.probed_at = sqlite3_column_int64(s, 2);
		r.cls = col_text(s, 3);
		r.http_status = sqlite3_column_int(s, 4);
		r.final_url = col_text(s, 5);
		r.text_hash = col_text(s, 6);
		cb(arg, &r);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read probe");
	return rc == SQLITE_ROW;
}

int
store_put_probe(struct store *st, const struct probe_row *r)
{
	sqlite3_stmt *s = stmt(st, S_PUT_PROBE);

	if (s == NULL)
		return -1;
	bind_text(s, 1, r->origin);
	bind_text(s, 2, r->url);
	sqlite3_bind_int64(s, 3, r->probed_at);
	bind_text(s, 4, r->cls);
	if (r->http_status > 0)
		sqlite3_bind_int64(s, 5, r->http_status);
	bind_text(s, 6, r->final_url);
	bind_str(s, 7, r->text_hash);
	return step_done(st, s, "store probe");
}

int
store_monitor(struct store *st, char *state, size_t len, int64_t *since)
{
	sqlite3_stmt	*s = stmt(st, S_MONITOR);
	int		 rc;

	snprintf(state, len, "online");
	*since = 0;
	if (s == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(state, len, "%s", col_text(s, 0));
		*since = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read monitor state");
	return 0;
}

int
store_set_monitor(struct store *st, const char *state, int64_t since,
    int64_t event_id)
{
	sqlite3_stmt *s = stmt(st, S_SET_MONITOR);

	if (s == NULL)
		return -1;
	bind_text(s, 1, state);
	sqlite3_bind_int64(s, 2, since);
	bind_nz(s, 3, event_id);
	return step_done(st, s, "store monitor state");
}

int
store_events(struct store *st, int64_t source_id,
    void (*cb)(void *, const struct event_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_EVENTS);
	struct event_row	 e;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		e.id = sqlite3_column_int64(s, 0);
		e.source_id = sqlite3_column_int64(s, 1);
		e.at = sqlite3_column_int64(s, 2);
		e.type = col_text(s, 3);
		e.from = col_text(s, 4);
		e.to = col_text(s, 5);
		e.cls = col_text(s, 6);
		e.check_id = sqlite3_column_int64(s, 7);
		e.proof = col_text(s, 8);
		e.change = col_text(s, 9);
		e.similarity = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 :
		    sqlite3_column_double(s, 10);
		e.from_version = col_text(s, 11);
		e.to_version = col_text(s, 12);
		e.detail = col_text(s, 13);
		cb(arg, &e);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read events");
	return n;
}

int
store_checks(struct store *st, int64_t source_id, int limit,
    void (*cb)(void *, const struct check_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_CHECKS);
	struct check_row	 c;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		c.id = sqlite3_column_int64(s, 0);
		c.at = sqlite3_column_int64(s, 1);
		c.cls = col_text(s, 2);
		c.http_status = sqlite3_column_int(s, 3);
		c.observed = col_text(s, 4);
		c.why = col_text(s, 5);
		c.text_hash = col_text(s, 6);
		c.final_url = col_text(s, 7);
		c.sha256 = col_text(s, 8);
		c.body_bytes = sqlite3_column_int64(s, 9);
		c.error = col_text(s, 10);
		cb(arg, &c);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read checks");
	return n;
}

int
store_source_ids(struct store *st, const char *tag, int64_t **ids,
    size_t *n)
{
	sqlite3_stmt	*s = stmt(st, S_ALL_IDS);
	size_t		 cap = 0;
	int		 rc;

	*ids = NULL;
	*n = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, tag);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*ids = xrealloc(*ids, cap * sizeof(**ids));
		}
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return fail(st, "list sources");
	}
	return 0;
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
		r.state_since = sqlite3_column_int64(s, 19);
		r.confirmed_at = sqlite3_column_int64(s, 20);
		r.reason = col_text(s, 21);
		r.moved_to = col_text(s, 22);
		r.change_at = sqlite3_column_int64(s, 23);
		r.change = col_text(s, 24);
		r.similarity = sqlite3_column_type(s, 25) == SQLITE_NULL ? -1 :
		    sqlite3_column_double(s, 25);
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
	return text_scalar(st, S_AR_NEXT, state, INT64_MAX);
}

int64_t
store_archive_count(struct store *st, const char *state)
{
	return text_scalar(st, S_AR_COUNT, state, -1);
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

/* ---- the alert outbox --------------------------------------------- */

int
store_alert_add(struct store *st, const char *uid, int64_t event_id,
    const char *channel, const char *kind, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AL_INSERT);

	if (s == NULL)
		return -1;
	bind_text(s, 1, uid);
	sqlite3_bind_int64(s, 2, event_id);
	bind_text(s, 3, channel);
	bind_text(s, 4, kind);
	sqlite3_bind_int64(s, 5, now);
	return step_done(st, s, "queue alert");
}

static int	alert_rows(struct store *, sqlite3_stmt *,
		    void (*)(void *, const struct alert_row *), void *);

int
store_alerts_due(struct store *st, const char *channel, int64_t now,
    int64_t after_id, int limit, void (*cb)(void *, const struct alert_row *),
    void *arg)
{
	sqlite3_stmt *s = stmt(st, S_AL_DUE);

	if (s == NULL)
		return -1;
	bind_text(s, 1, channel);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, after_id);
	sqlite3_bind_int(s, 4, limit);
	return alert_rows(st, s, cb, arg);
}

int
store_alerts_recent(struct store *st, const char *channel, const char *tag,
    int limit, void (*cb)(void *, const struct alert_row *), void *arg)
{
	sqlite3_stmt *s = stmt(st, S_AL_RECENT);

	if (s == NULL)
		return -1;
	bind_text(s, 1, channel);
	bind_text(s, 2, tag);
	sqlite3_bind_int64(s, 3, 0);
	sqlite3_bind_int(s, 4, limit);
	return alert_rows(st, s, cb, arg);
}

int
store_alert_tags(struct store *st, const char *channel,
    void (*cb)(void *, const char *), void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_AL_TAGS);
	int		 rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, channel);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(arg, col_text(s, 0));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "read alert tags");
}

int
store_alerts_sent_upto(struct store *st, const char *channel, int64_t id,
    int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AL_UPTO);

	if (s == NULL)
		return -1;
	bind_text(s, 1, channel);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, now);
	return step_done(st, s, "mark alerts written");
}

static int
alert_rows(struct store *st, sqlite3_stmt *s,
    void (*cb)(void *, const struct alert_row *), void *arg)
{
	struct alert_row	 a;
	int			 n = 0, rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.id = sqlite3_column_int64(s, 0);
		a.uid = col_text(s, 1);
		a.kind = col_text(s, 2);
		a.attempts = sqlite3_column_int(s, 3);
		a.event_id = sqlite3_column_int64(s, 4);
		a.at = sqlite3_column_int64(s, 5);
		a.from = col_text(s, 6);
		a.to = col_text(s, 7);
		a.detail = col_text(s, 8);
		a.proof = col_text(s, 9);
		a.change = col_text(s, 10);
		a.similarity = sqlite3_column_type(s, 11) == SQLITE_NULL ? -1 :
		    sqlite3_column_double(s, 11);
		a.check_id = sqlite3_column_int64(s, 12);
		a.source_id = sqlite3_column_int64(s, 13);
		a.url = col_text(s, 14);
		a.state = col_text(s, 15);
		a.state_since = sqlite3_column_int64(s, 16);
		a.confirmed_at = sqlite3_column_int64(s, 17);
		a.cls = col_text(s, 18);
		a.http_status = sqlite3_column_int(s, 19);
		a.final_url = col_text(s, 20);
		a.sha256 = col_text(s, 21);
		a.snapshot = col_text(s, 22);
		a.first_failed = sqlite3_column_int64(s, 23);
		a.from_version = col_text(s, 24);
		a.to_version = col_text(s, 25);
		cb(arg, &a);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read due alerts");
	return n;
}

int
store_alert_sent(struct store *st, int64_t id, int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_AL_SENT);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, now);
	return step_done(st, s, "mark alert sent");
}

int
store_alert_retry(struct store *st, int64_t id, int64_t next_at,
    const char *error)
{
	sqlite3_stmt *s = stmt(st, S_AL_RETRY);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, next_at);
	bind_text(s, 3, error);
	return step_done(st, s, "reschedule alert");
}

int64_t
store_alerts_count(struct store *st, const char *state)
{
	return text_scalar(st, S_AL_COUNT, state, -1);
}

int64_t
store_alerts_next_at(struct store *st, const char *channel)
{
	return text_scalar(st, S_AL_NEXT, channel, INT64_MAX);
}

int
store_report(struct store *st, const char *tag,
    void (*cb)(void *, const struct report_row *), void *arg)
{
	sqlite3_stmt		*s = stmt(st, S_REPORT);
	struct report_row	 r;
	int			 n = 0, rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, tag);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(s, 0);
		r.url = col_text(s, 1);
		r.state = col_text(s, 2);
		r.state_since = sqlite3_column_int64(s, 3);
		r.confirmed_at = sqlite3_column_int64(s, 4);
		r.moved_to = col_text(s, 5);
		r.first_failed = sqlite3_column_int64(s, 6);
		r.last_alive = sqlite3_column_int64(s, 7);
		r.snap_url = col_text(s, 8);
		r.snap_ts = col_text(s, 9);
		r.change_at = sqlite3_column_int64(s, 10);
		r.change = col_text(s, 11);
		r.before_url = col_text(s, 12);
		r.before_ts = col_text(s, 13);
		r.reason = col_text(s, 14);
		cb(arg, &r);
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read report");
	return n;
}

int
store_all_notes(struct store *st, const char *tag,
    void (*cb)(void *, const char *, const char *, int64_t), void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_ALL_NOTES);
	int		 n = 0, rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, tag);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cb(arg, col_text(s, 0), col_text(s, 1),
		    sqlite3_column_int64(s, 2));
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(st, "read notes");
	return n;
}

int64_t
store_alerts_oldest(struct store *st, const char *channel)
{
	return text_scalar(st, S_AL_OLDEST, channel, INT64_MAX);
}

int
store_timeline(struct store *st, const char *tag,
    void (*cb)(void *, int64_t, int64_t, const char *), void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_TIMELINE);
	int		 rc;

	if (s == NULL)
		return -1;
	bind_text(s, 1, tag);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cb(arg, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		    col_text(s, 2));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "read checks");
}

/* ---- metrics ------------------------------------------------------ */

int
store_tally(struct store *st, enum store_tally which,
    void (*cb)(void *, const char *, int64_t), void *arg)
{
	static const enum stmt_id ids[] = { S_MX_SOURCES, S_MX_ARCHIVE,
	    S_MX_ALERTS };
	sqlite3_stmt	*s = stmt(st, ids[which]);
	int		 rc;

	if (s == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (col_text(s, 0))
			cb(arg, col_text(s, 0), sqlite3_column_int64(s, 1));
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(st, "count by state");
}

int
store_ping(struct store *st)
{
	sqlite3_stmt	*s = stmt(st, S_PING);
	int		 rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : fail(st, "read");
}

int
store_put_capture(struct store *st, const struct capture_row *c)
{
	sqlite3_stmt *s = stmt(st, S_CAP_PUT);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, c->check_id);
	sqlite3_bind_int64(s, 2, c->source_id);
	sqlite3_bind_int64(s, 3, c->at);
	bind_text(s, 4, c->kind);
	bind_text(s, 5, c->file);
	sqlite3_bind_int64(s, 6, c->offset);
	sqlite3_bind_int64(s, 7, c->length);
	bind_text(s, 8, c->record_id);
	bind_text(s, 9, c->req_file);
	if (c->req_file) {
		sqlite3_bind_int64(s, 10, c->req_offset);
		sqlite3_bind_int64(s, 11, c->req_length);
	} else {
		sqlite3_bind_null(s, 10);
		sqlite3_bind_null(s, 11);
	}
	bind_text(s, 12, c->payload_digest);
	bind_text(s, 13, c->uri);
	if (c->hops_length > 0) {
		sqlite3_bind_int64(s, 14, c->hops_offset);
		sqlite3_bind_int64(s, 15, c->hops_length);
	} else {
		sqlite3_bind_null(s, 14);
		sqlite3_bind_null(s, 15);
	}
	return step_done(st, s, "store a capture");
}

int
store_find_capture(struct store *st, int64_t source_id, const char *digest,
    char **uri, int64_t *at, char **record_id)
{
	sqlite3_stmt	*s = stmt(st, S_CAP_FIND);
	int		 rc;

	*uri = *record_id = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	bind_text(s, 2, digest);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*uri = xstrdup((const char *)sqlite3_column_text(s, 0));
		*at = sqlite3_column_int64(s, 1);
		*record_id = xstrdup((const char *)sqlite3_column_text(s, 2));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "find a capture");
	return rc == SQLITE_ROW;
}

int
store_captures_each(struct store *st, int64_t source_id, int64_t upto,
    int (*fn)(void *, const struct capture_row *, const char *sha256),
    void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_CAP_EACH);
	int		 rc, n = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int64(s, 2, upto);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct capture_row c = {
			.check_id = sqlite3_column_int64(s, 0),
			.source_id = sqlite3_column_int64(s, 1),
			.at = sqlite3_column_int64(s, 2),
			.kind = (const char *)sqlite3_column_text(s, 3),
			.file = (const char *)sqlite3_column_text(s, 4),
			.offset = sqlite3_column_int64(s, 5),
			.length = sqlite3_column_int64(s, 6),
			.record_id = (const char *)sqlite3_column_text(s, 7),
			.req_file = (const char *)sqlite3_column_text(s, 8),
			.req_offset = sqlite3_column_int64(s, 9),
			.req_length = sqlite3_column_int64(s, 10),
			.payload_digest = (const char *)sqlite3_column_text(s,
			    11),
			.uri = (const char *)sqlite3_column_text(s, 12),
			.hops_offset = sqlite3_column_int64(s, 14),
			.hops_length = sqlite3_column_int64(s, 15),
		};

		n++;
		if (fn(arg, &c, (const char *)sqlite3_column_text(s, 13)) !=
		    0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read the captures");
	return n;
}

char *
store_manifest(struct store *st, int64_t source_id)
{
	sqlite3_stmt	*s = stmt(st, S_MANIFEST);
	char		*j = NULL;

	if (s == NULL)
		return NULL;
	sqlite3_bind_int64(s, 1, source_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		j = xstrdup((const char *)sqlite3_column_text(s, 0));
	else
		fail(st, "build the manifest");
	sqlite3_reset(s);
	return j;
}

int
store_stamp_get(struct store *st, int64_t check_id, struct stamp_row *r)
{
	sqlite3_stmt	*s = stmt(st, S_STAMP_GET);
	int		 rc;

	memset(r, 0, sizeof(*r));
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, check_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r->digest = xstrdup((const char *)sqlite3_column_text(s, 0));
		r->tsa = sqlite3_column_text(s, 1) ? xstrdup((const char *)
		    sqlite3_column_text(s, 1)) : NULL;
		r->gen_time = sqlite3_column_int64(s, 2);
		r->len = (size_t)sqlite3_column_bytes(s, 3);
		r->token = xmalloc(r->len + 1);
		memcpy(r->token, sqlite3_column_blob(s, 3), r->len);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read a timestamp");
	return rc == SQLITE_ROW;
}

void
store_stamp_row_clear(struct stamp_row *r)
{
	free(r->digest);
	free(r->tsa);
	free(r->token);
	memset(r, 0, sizeof(*r));
}

int
store_stamp_add(struct store *st, int64_t check_id, const char *digest,
    int64_t now)
{
	sqlite3_stmt *s = stmt(st, S_STAMP_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, check_id);
	bind_text(s, 2, digest);
	sqlite3_bind_int64(s, 3, now);
	return step_done(st, s, "queue a timestamp");
}

int
store_stamps_due(struct store *st, int64_t now, int limit,
    int (*fn)(void *, int64_t check_id, const char *digest, int attempts),
    void *arg)
{
	sqlite3_stmt	*s = stmt(st, S_STAMP_DUE);
	int		 rc, n = 0;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		n++;
		if (fn(arg, sqlite3_column_int64(s, 0), (const char *)
		    sqlite3_column_text(s, 1), sqlite3_column_int(s, 2)) != 0)
			break;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(st, "read the timestamps due");
	return n;
}

int
store_stamp_done(struct store *st, int64_t check_id, const char *tsa,
    int64_t gen_ms, const unsigned char *token, size_t len)
{
	sqlite3_stmt *s = stmt(st, S_STAMP_DONE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, check_id);
	bind_text(s, 2, tsa);
	sqlite3_bind_int64(s, 3, gen_ms);
	sqlite3_bind_blob(s, 4, token, (int)len, SQLITE_STATIC);
	return step_done(st, s, "store a timestamp");
}

int
store_stamp_retry(struct store *st, int64_t check_id, int64_t next_at,
    const char *error)
{
	sqlite3_stmt *s = stmt(st, S_STAMP_RETRY);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, check_id);
	sqlite3_bind_int64(s, 2, next_at);
	bind_text(s, 3, error);
	return step_done(st, s, "reschedule a timestamp");
}

int64_t
store_stamps_next_at(struct store *st)
{
	sqlite3_stmt	*s = stmt(st, S_STAMP_NEXT);
	int64_t		 v = -1;

	if (s == NULL)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) !=
	    SQLITE_NULL)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

int64_t
store_stamps_count(struct store *st, const char *state)
{
	sqlite3_stmt	*s = stmt(st, S_STAMP_COUNT);
	int64_t		 v = -1;

	if (s == NULL)
		return -1;
	bind_text(s, 1, state);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

int
store_stamp_lease(struct store *st, int64_t check_id, int64_t until)
{
	sqlite3_stmt *s = stmt(st, S_STAMP_LEASE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, check_id);
	sqlite3_bind_int64(s, 2, until);
	return step_done(st, s, "lease a timestamp");
}
