/*
 * The store: schema, de-duplication, the due cursor, results and events,
 * and two connections sharing one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

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
	T_EQ_INT(scalar("PRAGMA user_version"), 2);
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

TEST(results_move_state_and_log_events)
{
	struct store		*st;
	struct check_result	 r;
	int64_t			 id, cid;

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
	T_EQ_INT(store_put_result(st, &r, "new", "up", 0, 5000, &cid), 0);
	r.cls = CC_NOT_FOUND;
	r.http_status = 404;
	r.sha256[0] = '\0';
	T_EQ_INT(store_put_result(st, &r, "up", "down", 1, 6000, &cid), 0);
	T_EQ_INT(store_put_result(st, &r, "down", "down", 2, 7000, &cid), 0);
	T_EQ_INT(store_commit(st), 0);
	T_EQ_INT(scalar("SELECT count(*) FROM checks"), 3);
	T_EQ_INT(scalar("SELECT count(*) FROM events"), 2);
	T_EQ_INT(scalar("SELECT count(*) FROM events WHERE from_state = 'up' "
	    "AND to_state = 'down' AND class = 'not_found'"), 1);
	T_EQ_INT(scalar("SELECT fails FROM sources"), 2);
	T_EQ_INT(scalar("SELECT next_due FROM sources"), 7000);
	T_EQ_INT(scalar("SELECT last_check FROM sources"), cid);
	T_EQ_INT(scalar("SELECT count(*) FROM checks WHERE sha256 IS NULL"), 2);
	store_close(st);
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
	RUN(results_move_state_and_log_events);
	RUN(writer_waits_for_another_connections_lock);
	return t_done();
}
