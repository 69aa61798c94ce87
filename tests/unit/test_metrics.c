/*
 * The metrics endpoint without a socket: requests and their answers, the
 * exposition text, and the [metrics] listen key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "metrics.h"
#include "store.h"
#include "t.h"

static char dir[64], db[128], errs[4096];
static const char path[] = "/tmp/rotwatch-test.conf";	/* names it in errors */

static struct store *
fresh(void)
{
	char err[512];
	struct store *st;

	snprintf(dir, sizeof(dir), "/tmp/rw-metrics-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(db, sizeof(db), "%s/t.db", dir);
	if ((st = store_open(db, 2000, err, sizeof(err))) == NULL)
		printf("  open: %s\n", err);
	return st;
}

static void
cleanup(struct store *st)
{
	char cmd[256];

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("  cleanup failed\n");
}

static void
sql(const char *q)
{
	sqlite3 *h;

	sqlite3_open(db, &h);
	if (sqlite3_exec(h, q, NULL, NULL, NULL) != SQLITE_OK)
		printf("  sql: %s\n", sqlite3_errmsg(h));
	sqlite3_close(h);
}

/* The answer to a request given as text, NUL-terminated (or NULL). */
static char *
ask(struct store *st, const char *req)
{
	size_t	 n;
	char	*r = metrics_http(st, req, strlen(req), &n), *s;

	if (r == NULL)
		return NULL;
	s = malloc(n + 1);
	memcpy(s, r, n);
	s[n] = '\0';
	free(r);
	return s;
}

/* The body of a response: after the blank line. */
static const char *
body(const char *r)
{
	const char *p = strstr(r, "\r\n\r\n");

	return p ? p + 4 : "";
}

static struct config *
load(const char *text)
{
	FILE		*f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FILE		*e;
	struct config	*cf;

	memset(errs, 0, sizeof(errs));
	e = fmemopen(errs, sizeof(errs) - 1, "w");
	cf = config_read(f, path, e);
	fclose(e);
	fclose(f);
	return cf;
}

TEST(healthz_and_methods)
{
	struct store	*st = fresh();
	char		*r;

	T_ASSERT(st != NULL);
	metrics_reset();
	T_ASSERT(ask(st, "GET /healthz HTTP/1.1\r\nHost: x\r\n") == NULL);
	T_ASSERT((r = ask(st, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	T_ASSERT(strstr(r, "\r\nContent-Length: 3\r\n") != NULL);
	T_ASSERT(strstr(r, "\r\nConnection: close\r\n") != NULL);
	T_EQ_STR(body(r), "ok\n");
	free(r);
	/* HEAD: the same length, no body; bare LFs and a query are fine */
	T_ASSERT((r = ask(st, "\r\nHEAD /healthz?x=1 HTTP/1.0\n\n")));
	T_ASSERT(strstr(r, "200 OK") && strstr(r, "Content-Length: 3\r\n"));
	T_EQ_STR(body(r), "");
	free(r);
	T_ASSERT((r = ask(st, "POST /metrics HTTP/1.1\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 405 ", 13) == 0);
	T_ASSERT(strstr(r, "\r\nAllow: GET, HEAD\r\n") != NULL);
	free(r);
	T_ASSERT((r = ask(st, "GET /metricsx HTTP/1.1\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 404 ", 13) == 0);
	free(r);
	T_ASSERT((r = ask(st, "GET / HTTP/1.1\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 404 ", 13) == 0);
	free(r);
	T_ASSERT((r = ask(st, "GET /healthz\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 400 ", 13) == 0);
	free(r);
	T_ASSERT((r = ask(st, "GET /healthz HTTP/2.0\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 400 ", 13) == 0);
	free(r);
	metrics_down("stopping");
	T_ASSERT((r = ask(st, "GET /healthz HTTP/1.1\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 503 ", 13) == 0);
	T_EQ_STR(body(r), "stopping\n");
	free(r);
	metrics_reset();
	cleanup(st);
	/* no database at all */
	T_ASSERT((r = ask(NULL, "GET /healthz HTTP/1.1\r\n\r\n")));
	T_ASSERT(strncmp(r, "HTTP/1.1 503 ", 13) == 0);
	free(r);
}

TEST(head_limit)
{
	char	*big = malloc(MX_HEAD_MAX + 1), *r;
	size_t	 n;

	memset(big, 'a', MX_HEAD_MAX);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	/* one byte short of the limit: still waiting */
	T_ASSERT(metrics_http(NULL, big, MX_HEAD_MAX - 1, &n) == NULL);
	T_ASSERT((r = metrics_http(NULL, big, MX_HEAD_MAX, &n)) != NULL);
	T_ASSERT(n > 13 && strncmp(r, "HTTP/1.1 431 ", 13) == 0);
	free(r);
	/* a head that ends right at the limit is answered */
	memcpy(big + MX_HEAD_MAX - 4, "\r\n\r\n", 4);
	T_ASSERT((r = metrics_http(NULL, big, MX_HEAD_MAX, &n)) != NULL);
	T_ASSERT(strncmp(r, "HTTP/1.1 200 ", 13) == 0);
	free(r);
	free(big);
}

/* The value of the sample line that starts with "name " in text, or -1. */
static long long
sample(const char *text, const char *name)
{
	size_t		 n = strlen(name);
	const char	*p;

	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 :
	    NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

TEST(exposition)
{
	struct store	*st = fresh();
	char		*m, *r;
	int64_t		 id;

	T_ASSERT(st != NULL);
	metrics_reset();
	metrics_check(CC_OK, 0.01);
	metrics_check(CC_OK, 0.05);	/* on the bound: in le="0.05" */
	metrics_check(CC_NOT_FOUND, 3.0);
	metrics_check(CC_TIMEOUT, 99.5);
	metrics_archive(MX_DONE);
	metrics_archive(MX_FAILED);
	metrics_archive(MX_FAILED);
	metrics_alert(1);
	metrics_alert(0);
	T_ASSERT(store_begin(st) == 0);
	T_ASSERT(store_add_source(st, "http://a.example/", "a.example", NULL,
	    0, 1, &id) == 1);
	T_ASSERT(store_add_source(st, "http://b.example/", "b.example", NULL,
	    0, 1, &id) == 1);
	T_ASSERT(store_add_source(st, "http://c.example/", "c.example", NULL,
	    0, 1, &id) == 1);
	T_ASSERT(store_commit(st) == 0);
	sql("UPDATE sources SET state = 'dead' WHERE url LIKE 'http://a%';"
	    "UPDATE sources SET state = 'we\"ird\\' WHERE url LIKE 'http://b%';"
	    "INSERT INTO monitor VALUES (1, 'offline', 5, NULL);");
	m = metrics_render(st);
	T_EQ_INT(sample(m, "rotwatch_checks_total{class=\"ok\"}"), 2);
	T_EQ_INT(sample(m, "rotwatch_checks_total{class=\"not_found\"}"), 1);
	T_EQ_INT(sample(m, "rotwatch_checks_total{class=\"not_modified\"}"),
	    0);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_bucket"
	    "{le=\"0.05\"}"), 2);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_bucket"
	    "{le=\"2.5\"}"), 2);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_bucket"
	    "{le=\"5\"}"), 3);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_bucket"
	    "{le=\"30\"}"), 3);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_bucket"
	    "{le=\"+Inf\"}"), 4);
	T_EQ_INT(sample(m, "rotwatch_check_duration_seconds_count"), 4);
	T_ASSERT(strstr(m, "\nrotwatch_check_duration_seconds_sum "
	    "102.560000\n") != NULL);
	T_EQ_INT(sample(m, "rotwatch_sources{state=\"new\"}"), 1);
	T_EQ_INT(sample(m, "rotwatch_sources{state=\"dead\"}"), 1);
	T_EQ_INT(sample(m, "rotwatch_sources{state=\"parked\"}"), 0);
	T_EQ_INT(sample(m, "rotwatch_sources{state=\"we\\\"ird\\\\\"}"), 1);
	T_EQ_INT(sample(m, "rotwatch_archive_jobs{state=\"queued\"}"), 0);
	T_EQ_INT(sample(m, "rotwatch_archive_outcomes_total"
	    "{outcome=\"failed\"}"), 2);
	T_EQ_INT(sample(m, "rotwatch_alerts{state=\"pending\"}"), 0);
	T_EQ_INT(sample(m, "rotwatch_alert_deliveries_total{result=\"ok\"}"),
	    1);
	T_EQ_INT(sample(m, "rotwatch_monitor_offline"), 1);
	T_EQ_INT(sample(m, "rotwatch_build_info{version=\"0.1.0\"}"), 1);
	T_ASSERT(strstr(m, "# TYPE rotwatch_check_duration_seconds "
	    "histogram\n") != NULL);
	free(m);
	T_ASSERT((r = ask(st, "GET /metrics HTTP/1.1\r\n\r\n")));
	T_ASSERT(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; "
	    "charset=utf-8\r\n") != NULL);
	T_ASSERT(strstr(body(r), "# HELP rotwatch_build_info ") == body(r));
	free(r);
	metrics_reset();
	cleanup(st);
}

TEST(listen_key)
{
	struct config	*cf;
	char		 addr[64];
	int		 port;

	T_ASSERT(config_parse_listen("127.0.0.1:9464", addr, sizeof(addr),
	    &port) == NULL);
	T_EQ_STR(addr, "127.0.0.1");
	T_EQ_INT(port, 9464);
	T_ASSERT(config_parse_listen("127.3.2.1:1", NULL, 0, NULL) == NULL);
	T_ASSERT(config_parse_listen("[::1]:65535", addr, sizeof(addr),
	    &port) == NULL);
	T_EQ_STR(addr, "::1");
	T_EQ_INT(port, 65535);
	T_ASSERT(config_parse_listen("0.0.0.0:9464", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("10.0.0.1:9464", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("[::]:9464", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("[::ffff:127.0.0.1]:9464", NULL, 0,
	    NULL) != NULL);
	T_ASSERT(config_parse_listen("localhost:9464", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("127.0.0.1", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("127.0.0.1:0", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("127.0.0.1:65536", NULL, 0, NULL) !=
	    NULL);
	T_ASSERT(config_parse_listen("127.0.0.1:+80", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen("::1:9464", NULL, 0, NULL) != NULL);
	T_ASSERT(config_parse_listen(":9464", NULL, 0, NULL) != NULL);

	cf = load("[metrics]\nlisten = 127.0.0.1:9464\n");
	T_ASSERT(cf != NULL);
	T_EQ_STR(cf->metrics_listen, "127.0.0.1:9464");
	config_free(cf);
	cf = load("[storage]\ndatabase = x.db\n");
	T_ASSERT(cf != NULL && *cf->metrics_listen == '\0');
	config_free(cf);
	cf = load("[storage]\ndatabase = x.db\n\n[metrics]\nlisten = "
	    "0.0.0.0:9464\n");
	T_ASSERT(cf == NULL);
	T_ASSERT(strstr(errs, ":5: metrics: listen: \"0.0.0.0:9464\": not a "
	    "loopback address") != NULL);
	cf = load("[metrics]\nport = 1\n");
	T_ASSERT(cf == NULL);
	T_ASSERT(strstr(errs, ":2: unknown key \"port\" in section "
	    "[metrics]") != NULL);
}

TEST(dump_keeps_ignore_in_content)
{
	struct config	*a = load("[content]\nignore = ^Views: [0-9]+\n"
	    "[metrics]\nlisten = [::1]:9000\n"), *b;
	char		 text[8192] = "";
	FILE		*f = fmemopen(text, sizeof(text) - 1, "w");
	char		*ig, *mx;

	T_ASSERT(a != NULL);
	config_dump(a, f);
	fclose(f);
	ig = strstr(text, "ignore = ^Views");
	mx = strstr(text, "[metrics]");
	T_ASSERT(ig != NULL && mx != NULL && ig < mx);
	T_ASSERT((b = load(text)) != NULL);
	T_EQ_INT(b->nignore, 1);
	T_EQ_STR(b->metrics_listen, "[::1]:9000");
	config_free(a);
	config_free(b);
}

int
main(void)
{
	RUN(healthz_and_methods);
	RUN(head_limit);
	RUN(exposition);
	RUN(listen_key);
	RUN(dump_keeps_ignore_in_content);
	return t_done();
}
