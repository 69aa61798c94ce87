/*
 * The store: schema, de-duplication, the due cursor, results and events,
 * and two connections sharing one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"
#include "store.h"
#include "t.h"

static char dir[64], db[128];

static struct store *
open_db(void)
{
	char err[512];
	struct store *st = store_open(db, 2000, err, sizeof(err));

	if (st == NULL)
		printf("  open: %s\n", err);
	return st;
}

static void
fresh(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rw-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(db, sizeof(db), "%s/t.db", dir);
}

static void
cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("  cleanup failed\n");
}

static int64_t
scalar(const char *sql)
{
	sqlite3		*h;
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	sqlite3_open(db, &h);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

TEST(schema_pragmas_and_reopen)
{
	struct store *st;

	fresh();
	T_ASSERT((st = open_db()) != NULL);
	store_close(st);
	T_ASSERT((st = open_db()) != NULL);	/* migrations run once */
	store_close(st);
	T_EQ_INT(scalar("PRAGMA user_version"), 7);
	T_EQ_INT(scalar("PRAGMA application_id"), 0x726f7477);
	T_EQ_INT(scalar("SELECT count(*) FROM pragma_journal_mode WHERE "
	    "journal_mode = 'wal'"), 1);
	cleanup();
}

TEST(refuses_a_foreign_database)
{
	sqlite3	*h;
	char	 err[512];

	fresh();
	sqlite3_open(db, &h);
	sqlite3_exec(h, "CREATE TABLE mine (x); INSERT INTO mine VALUES (1)",
	    NULL, NULL, NULL);
	sqlite3_close(h);
	T_ASSERT(store_open(db, 100, err, sizeof(err)) == NULL);
	T_ASSERT(strstr(err, "is not a rotwatch database") != NULL);
	T_EQ_INT(scalar("SELECT count(*) FROM mine"), 1);	/* untouched */
	cleanup();
}

static int	seen;
static int64_t	seen_ids[16];

static void
count_due(void *arg, const struct due_row *r)
{
	seen_ids[seen++] = r->id;
}

TEST(add_dedup_and_due_cursor)
{
	struct store	*st;
	int64_t		 id, id2;

	fresh();
	T_ASSERT((st = open_db()) != NULL);
	T_EQ_INT(store_begin(st), 0);
	T_EQ_INT(store_add_source(st, "http://a.example/", "a.example", NULL,
	    0, 100, &id), 1);
	T_EQ_INT(store_add_source(st, "http://a.example/", "a.example", NULL,
	    0, 200, &id2), 0);
	T_EQ_INT(id, id2);
	T_EQ_INT(store_add_source(st, "http://b.example/", "b.example", NULL,
	    60, 300, &id2), 1);
	T_EQ_INT(store_add_tag(st, id, "report"), 0);
	T_EQ_INT(store_add_tag(st, id, "report"), 0);
	T_EQ_INT(store_add_note(st, id, "5", "cited in note five"), 0);
	T_EQ_INT(store_add_note(st, id, "5", "other text"), 0);	/* kept */
	T_EQ_INT(store_commit(st), 0);
	T_EQ_INT(scalar("SELECT count(*) FROM source_notes"), 1);
	T_EQ_INT(scalar("SELECT count(*) FROM source_tags"), 1);

	seen = 0;
	T_EQ_INT(store_due(st, 150, INT64_MIN, 0, 10, count_due, NULL), 1);
	T_EQ_INT(seen_ids[0], id);
	seen = 0;
	T_EQ_INT(store_due(st, 1000, INT64_MIN, 0, 1, count_due, NULL), 1);
	/* The cursor moves past what was read. */
	T_EQ_INT(store_due(st, 1000, 100, id, 10, count_due, NULL), 1);
	T_EQ_INT(seen_ids[1], id2);
	T_EQ_INT(store_count_due(st, 1000), 2);
	T_EQ_INT(store_find_source(st, "http://b.example/"), id2);
	T_EQ_INT(store_find_source(st, "2"), 2);
	T_EQ_INT(store_find_source(st, "http://c.example/"), 0);
	store_close(st);
	cleanup();
}

TEST(checks_judgements_and_events)
{
	struct store		*st;
	struct check_result	 r;
	struct source_judged	 u;
	struct event		 e;
	int64_t			 id, c1, c2, c3, eid;
	char			*proof, *title, *text, big[100001], mon[16];
	size_t			 len;
	int64_t			 since;

	fresh();
	T_ASSERT((st = open_db()) != NULL);
	store_begin(st);
	store_add_source(st, "http://a.example/", "a.example", NULL, 0, 1,
	    &id);
	store_commit(st);
	memset(&r, 0, sizeof(r));
	r.source_id = id;
	r.started_at = 10;
	r.duration_ms = 5;
	r.dns_ms = r.connect_ms = r.tls_ms = r.ttfb_ms = -1;
	r.cls = CC_OK;
	r.http_status = 200;
	r.content_length = -1;
	snprintf(r.sha256, sizeof(r.sha256), "%064d", 0);
	T_EQ_INT(store_begin(st), 0);
	T_EQ_INT(store_put_check(st, &r, "alive", "HTTP 200", "h1", &c1), 0);
	r.cls = CC_NOT_FOUND;
	r.http_status = 404;
	r.sha256[0] = '\0';
	T_EQ_INT(store_put_check(st, &r, "fail", "not_found", NULL, &c2), 0);
	r.cls = CC_LOCAL_ERROR;
	T_EQ_INT(store_put_check(st, &r, "local", NULL, NULL, &c3), 0);
	r.cls = CC_NOT_FOUND;
	T_EQ_INT(store_put_check(st, &r, "fail", "not_found", NULL, &c3), 0);
	/* The proof of a run: its failing checks, not the local error. */
	proof = store_run_proof(st, id, c2);
	T_ASSERT(proof != NULL);
	{
		char want[64];

		snprintf(want, sizeof(want), "[%lld,%lld]", (long long)c2,
		    (long long)c3);
		T_EQ_STR(proof, want);
	}
	free(proof);
	memset(&u, 0, sizeof(u));
	u.id = id;
	u.state = "dead";
	u.since = u.confirmed_at = 15;
	u.run_first = c2;
	u.run_since = 12;
	u.run_n = 2;
	u.observed = "fail";
	u.reason = "not_found (HTTP 404)";
	u.fails = 2;
	u.next_due = 7000;
	u.last_check = c3;
	T_EQ_INT(store_judged(st, &u), 0);
	memset(&e, 0, sizeof(e));
	e.source_id = id;
	e.at = 15;
	e.type = "state";
	e.from = "suspect";
	e.to = "dead";
	e.check_id = c3;
	e.proof = "[2,4]";
	e.similarity = -1;
	T_EQ_INT(store_put_event(st, &e, &eid), 0);
	memset(&e, 0, sizeof(e));
	e.at = 20;
	e.type = "monitor_offline";
	e.similarity = -1;
	T_EQ_INT(store_put_event(st, &e, &eid), 0);
	T_EQ_INT(store_set_monitor(st, "offline", 20, eid), 0);
	T_EQ_INT(store_commit(st), 0);
	T_EQ_INT(scalar("SELECT count(*) FROM checks"), 4);
	T_EQ_INT(scalar("SELECT count(*) FROM checks WHERE observed = 'fail'"),
	    2);
	T_EQ_INT(scalar("SELECT count(*) FROM sources WHERE state = 'dead' "
	    "AND confirmed_at = 15 AND run_n = 2 AND fails = 2 AND "
	    "next_due = 7000 AND moved_to IS NULL"), 1);
	T_EQ_INT(scalar("SELECT count(*) FROM events WHERE source_id IS NULL "
	    "AND type = 'monitor_offline'"), 1);
	T_EQ_INT(scalar("SELECT count(*) FROM events WHERE to_state = 'dead' "
	    "AND proof = '[2,4]' AND similarity IS NULL"), 1);
	T_EQ_INT(store_monitor(st, mon, sizeof(mon), &since), 0);
	T_EQ_STR(mon, "offline");
	T_EQ_INT(since, 20);

	/* Text versions: stored once, compressed, read back whole. */
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = "abcdefgh \n"[i % 10];
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(store_has_version(st, "v1"), 0);
	T_EQ_INT(store_begin(st), 0);
	T_EQ_INT(store_put_version(st, "v1", "T", big, sizeof(big) - 1, 1), 0);
	T_EQ_INT(store_put_version(st, "v1", "T", big, sizeof(big) - 1, 2), 0);
	T_EQ_INT(store_commit(st), 0);
	T_EQ_INT(store_has_version(st, "v1"), 1);
	T_ASSERT(scalar("SELECT length(text) FROM versions") < 10000);
	T_EQ_INT(store_get_version(st, "v1", &title, &text, &len), 1);
	T_EQ_STR(title, "T");
	T_EQ_INT(len, sizeof(big) - 1);
	T_ASSERT(memcmp(text, big, len) == 0 && text[len] == '\0');
	free(title);
	free(text);
	T_EQ_INT(store_get_version(st, "nope", &title, &text, &len), 0);
	store_close(st);
	cleanup();
}

/* A database written by the previous schema keeps everything it had. */
TEST(migrates_a_version_2_database)
{
	sqlite3		*h;
	const char	*m3 = strstr(schema_sql, "\n-- migration 3");
	char		*v2, *err = NULL;
	struct store	*st;

	fresh();
	T_ASSERT(m3 != NULL);
	v2 = strndup(schema_sql, (size_t)(m3 - schema_sql));
	T_ASSERT(sqlite3_open(db, &h) == SQLITE_OK);
	T_ASSERT(sqlite3_exec(h, v2, NULL, NULL, &err) == SQLITE_OK);
	free(v2);
	T_ASSERT(sqlite3_exec(h, "PRAGMA application_id = 1919906935; "
	    "PRAGMA user_version = 2; "
	    "INSERT INTO sources (id, url, host, added_at, state, next_due, "
	    "fails) VALUES (1, 'http://a/', 'a', 1, 'up', 5, 0), "
	    "(2, 'http://b/', 'b', 1, 'down', 5, 3), "
	    "(3, 'http://c/', 'c', 1, 'error', 5, 0); "
	    "INSERT INTO checks (id, source_id, started_at, duration_ms, "
	    "class, curl_code) VALUES (7, 2, 100, 1, 'not_found', 0); "
	    "INSERT INTO events (source_id, at, from_state, to_state, class, "
	    "check_id) VALUES (2, 101, 'up', 'down', 'not_found', 7);",
	    NULL, NULL, &err) == SQLITE_OK);
	sqlite3_close(h);
	T_ASSERT((st = open_db()) != NULL);
	store_close(st);
	T_EQ_INT(scalar("PRAGMA user_version"), 7);
	T_EQ_INT(scalar("SELECT count(*) FROM sources WHERE (id, state) IN "
	    "(VALUES (1, 'alive'), (2, 'suspect'), (3, 'new'))"), 3);
	T_EQ_INT(scalar("SELECT fails FROM sources WHERE id = 2"), 3);
	T_EQ_INT(scalar("SELECT state_since FROM sources WHERE id = 2"), 101);
	T_EQ_INT(scalar("SELECT count(*) FROM events WHERE type = 'state' AND "
	    "from_state = 'alive' AND to_state = 'suspect' AND check_id = 7 "
	    "AND proof = '[7]'"), 1);
	T_EQ_INT(scalar("SELECT count(*) FROM checks WHERE id = 7"), 1);
	cleanup();
}

/* Migration 6 rebuilds captures: every row of version 5 is kept. */
TEST(migrates_version_5_captures)
{
	sqlite3		*h;
	const char	*m6 = strstr(schema_sql, "\n-- migration 6");
	char		*v5, *err = NULL;
	struct store	*st;

	fresh();
	T_ASSERT(m6 != NULL);
	v5 = strndup(schema_sql, (size_t)(m6 - schema_sql));
	T_ASSERT(sqlite3_open(db, &h) == SQLITE_OK);
	T_ASSERT(sqlite3_exec(h, v5, NULL, NULL, &err) == SQLITE_OK);
	free(v5);
	T_ASSERT(sqlite3_exec(h, "PRAGMA application_id = 1919906935; "
	    "PRAGMA user_version = 5; "
	    "INSERT INTO sources (id, url, host, added_at, next_due) VALUES "
	    "(1, 'http://a/', 'a', 1, 5); "
	    "INSERT INTO checks (id, source_id, started_at, duration_ms, "
	    "class, curl_code) VALUES (7, 1, 100, 1, 'ok', 0); "
	    "INSERT INTO captures VALUES (7, 1, 100, 'response', 'f.warc.gz', "
	    "10, 20, '<urn:uuid:x>', 'f.warc.gz', 0, 10, 'sha256:AB', "
	    "'http://a/');", NULL, NULL, &err) == SQLITE_OK);
	sqlite3_close(h);
	T_ASSERT((st = open_db()) != NULL);
	store_close(st);
	T_EQ_INT(scalar("PRAGMA user_version"), 7);
	T_EQ_INT(scalar("SELECT count(*) FROM captures WHERE check_id = 7 AND "
	    "file = 'f.warc.gz' AND offset = 10 AND length = 20 AND req_length "
	    "= 10 AND payload_digest = 'sha256:AB'"), 1);
	T_EQ_INT(scalar("SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('captures_payload', 'captures_source', 'stamps', 'certs', "
	    "'tls_chains')"), 5);
	cleanup();
}

TEST(writer_waits_for_another_connections_lock)
{
	struct store	*a, *b;
	int64_t		 id, v;

	fresh();
	T_ASSERT((a = open_db()) != NULL);
	T_ASSERT((b = open_db()) != NULL);
	v = store_data_version(b);
	T_EQ_INT(store_begin(a), 0);
	/* b cannot write while a holds the write lock; it says so. */
	T_EQ_INT(store_begin(b), -1);
	T_ASSERT(store_busy(b));
	T_EQ_INT(store_add_source(a, "http://x.example/", "x.example", NULL,
	    0, 1, &id), 1);
	T_EQ_INT(store_commit(a), 0);
	T_ASSERT(store_data_version(b) != v);	/* b sees a's commit */
	T_EQ_INT(store_begin(b), 0);
	T_EQ_INT(store_commit(b), 0);
	store_close(a);
	store_close(b);
	cleanup();
}

int
main(void)
{
	RUN(schema_pragmas_and_reopen);
	RUN(refuses_a_foreign_database);
	RUN(add_dedup_and_due_cursor);
	RUN(checks_judgements_and_events);
	RUN(migrates_a_version_2_database);
	RUN(migrates_version_5_captures);
	RUN(writer_waits_for_another_connections_lock);
	return t_done();
}
