/*
 * test_notify.c: which events become which alerts, and the outbox rows
 * written with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "notify.h"
#include "store.h"
#include "t.h"

static int
kind(const char *type, const char *from, const char *to, const char *change)
{
	struct event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.from = from;
	e.to = to;
	e.change = change;
	e.similarity = -1;
	return notify_kind(&e);
}

TEST(kinds_of_events)
{
	T_EQ_INT(kind("state", "suspect", "dead", NULL), AK_DEAD);
	T_EQ_INT(kind("state", "suspect", "soft404", NULL), AK_SOFT404);
	T_EQ_INT(kind("state", "dead", "parked", NULL), AK_PARKED);
	T_EQ_INT(kind("state", "alive", "moved", NULL), AK_MOVED);
	T_EQ_INT(kind("state", "alive", "blocked", NULL), AK_BLOCKED);
	T_EQ_INT(kind("state", "dead", "alive", NULL), AK_RECOVERED);
	T_EQ_INT(kind("state", "blocked", "alive", NULL), AK_RECOVERED);
	T_EQ_INT(kind("changed", NULL, NULL, "substantial"), AK_CHANGED);
	T_EQ_INT(kind("changed", NULL, NULL, "minor"), AK_MINOR);
	T_EQ_INT(kind("monitor_offline", NULL, NULL, NULL), AK_MONITOR);
	T_EQ_INT(kind("monitor_online", NULL, NULL, NULL), AK_MONITOR);
	/* Not news: a first verdict, unconfirmed failure, its end. */
	T_EQ_INT(kind("state", "new", "blocked", NULL), -1);
	T_EQ_INT(kind("state", "new", "alive", NULL), -1);
	T_EQ_INT(kind("state", "alive", "suspect", NULL), -1);
	T_EQ_INT(kind("state", "suspect", "alive", NULL), -1);
}

TEST(outbox_rows_follow_channels_and_tags)
{
	char		 dir[] = "/tmp/rw-notify-XXXXXX", db[64], err[256];
	char		 cf_path[80], cmd[128];
	struct config	*cf;
	struct store	*st;
	struct event	 e;
	FILE		*f;
	int64_t		 a, b, id;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(db, sizeof(db), "%s/t.db", dir);
	snprintf(cf_path, sizeof(cf_path), "%s/c.conf", dir);
	T_ASSERT((f = fopen(cf_path, "w")) != NULL);
	fprintf(f, "[storage]\ndatabase = t.db\n"
	    "[channel all]\ntype = webhook\nurl = http://127.0.0.1:9/\n"
	    "secret = k\n"
	    "[channel foia]\ntype = webhook\nurl = http://127.0.0.1:9/\n"
	    "secret = k\nevents = dead monitor\ntags = foia\n");
	fclose(f);
	T_ASSERT((cf = config_load(cf_path, stderr)) != NULL);
	T_EQ_INT(cf->nchannels, 2);
	T_ASSERT((st = store_open(db, 1000, err, sizeof(err))) != NULL);
	T_EQ_INT(store_begin(st), 0);
	T_EQ_INT(store_add_source(st, "http://a.example/", "a.example", NULL,
	    0, 1, &a), 1);
	T_EQ_INT(store_add_source(st, "http://b.example/", "b.example", NULL,
	    0, 1, &b), 1);
	T_EQ_INT(store_add_tag(st, b, "foia"), 0);
	memset(&e, 0, sizeof(e));
	e.type = "state";
	e.from = "suspect";
	e.to = "dead";
	e.similarity = -1;
	e.source_id = a;		/* untagged: only "all" */
	T_EQ_INT((store_put_event(st, &e, &id), notify_event(cf, st, id, &e, 5)), 1);
	e.source_id = b;		/* tagged foia: both */
	T_EQ_INT((store_put_event(st, &e, &id), notify_event(cf, st, id, &e, 5)), 2);
	e.to = "moved";			/* foia does not want moves */
	T_EQ_INT((store_put_event(st, &e, &id), notify_event(cf, st, id, &e, 5)), 1);
	e.type = "monitor_offline";	/* no source; tags do not filter */
	e.source_id = 0;
	e.from = e.to = NULL;
	T_EQ_INT((store_put_event(st, &e, &id), notify_event(cf, st, id, &e, 5)), 2);
	e.type = "state";
	e.from = "new";
	e.to = "dead";
	T_EQ_INT((store_put_event(st, &e, &id), notify_event(cf, st, id, &e, 5)), 0);
	T_EQ_INT(store_commit(st), 0);
	T_EQ_INT(store_alerts_count(st, "pending"), 6);
	store_close(st);
	config_free(cf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	T_ASSERT(system(cmd) == 0);
}

int
main(void)
{
	RUN(kinds_of_events);
	RUN(outbox_rows_follow_channels_and_tags);
	return t_done();
}
