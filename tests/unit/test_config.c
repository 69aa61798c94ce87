/*
 * Config parsing: values, defaults, and errors a person can act on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

static char	path[64] = "/tmp/rotwatch-test.conf";	/* names the config in errors */
static char	errs[4096];

/* Writes text to a temp file and loads it; errors land in errs. */
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

TEST(defaults_and_values)
{
	struct config *cf = load("; comment\n[storage]\ndatabase = x.db\n"
	    "[check]\nconcurrency = 7\ntimeout = 1m\nmax_body = 2MiB\n"
	    "host_delay = 250ms\n[schedule]\ninterval = 6h\njitter = 5%\n"
	    "[log]\nlevel = debug\n");

	T_ASSERT(cf != NULL);
	T_EQ_INT(cf->concurrency, 7);
	T_EQ_INT(cf->timeout_ms, 60000);
	T_EQ_INT(cf->max_body, 2 * 1024 * 1024);
	T_EQ_INT(cf->host_delay_ms, 250);
	T_EQ_INT(cf->interval_s, 6 * 3600);
	T_EQ_INT(cf->jitter_pct, 5);
	T_EQ_INT(cf->per_host, 4);		/* default */
	T_EQ_INT(cf->connect_timeout_ms, 10000);	/* default */
	T_EQ_INT(cf->log_level, LOG_LVL_DEBUG);
	T_EQ_STR(cf->database, "/tmp/x.db");	/* relative to the file */
	config_free(cf);
}

TEST(every_error_with_file_and_line)
{
	char		 want[256];
	struct config	*cf = load("[check]\nconcurency = 7\ntimeout = soon\n"
	    "[chek]\nx = 1\n[check]\nconcurrency = 0\nmax_body = 10 parsecs\n"
	    "this line is wrong\n");

	T_ASSERT(cf == NULL);
	snprintf(want, sizeof(want), "%s:2: unknown key \"concurency\"", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:3: check.timeout = \"soon\"", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:4: unknown section [chek]", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:7: check.concurrency = \"0\": value "
	    "out of range (allowed: 1 to 10000)", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:8: check.max_body", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:9: syntax error", path);
	T_ASSERT(strstr(errs, want) != NULL);
	/* The key inside the unknown section is not reported again. */
	snprintf(want, sizeof(want), "%s:5:", path);
	T_ASSERT(strstr(errs, want) == NULL);
}

TEST(duplicate_and_sectionless_keys)
{
	char		 want[256];
	struct config	*cf = load("timeout = 1s\n[check]\ntimeout = 1s\n"
	    "timeout = 2s\n");

	T_ASSERT(cf == NULL);
	snprintf(want, sizeof(want), "%s:1: key \"timeout\" is outside any "
	    "[section]", path);
	T_ASSERT(strstr(errs, want) != NULL);
	snprintf(want, sizeof(want), "%s:4: key \"timeout\" given twice", path);
	T_ASSERT(strstr(errs, want) != NULL);
}

TEST(missing_file)
{
	FILE	*e;
	char	 buf[512] = "";

	e = fmemopen(buf, sizeof(buf) - 1, "w");
	T_ASSERT(config_load("/nonexistent/rotwatch.conf", e) == NULL);
	fclose(e);
	T_ASSERT(strstr(buf, "/nonexistent/rotwatch.conf: cannot open config "
	    "file: No such file or directory") != NULL);
}

TEST(duration_and_size_parsers)
{
	int64_t v;

	T_EQ_INT(config_parse_duration_ms("500ms", &v), 0);
	T_EQ_INT(v, 500);
	T_EQ_INT(config_parse_duration_ms("1.5s", &v), 0);
	T_EQ_INT(v, 1500);
	T_EQ_INT(config_parse_duration_ms("2w", &v), 0);
	T_EQ_INT(v, 14LL * 86400 * 1000);
	T_EQ_INT(config_parse_duration_ms("-1s", &v), -1);
	T_EQ_INT(config_parse_duration_ms("5 years", &v), -1);
	T_EQ_INT(config_parse_size("10MiB", &v), 0);
	T_EQ_INT(v, 10 * 1024 * 1024);
	T_EQ_INT(config_parse_size("99999999999999999999", &v), -1);
	T_EQ_INT(config_parse_size("1TiB", &v), -1);
}

TEST(dump_round_trips)
{
	struct config	*a = load("[storage]\ndatabase = /var/x.db\n[check]\n"
	    "timeout = 90s\nmax_body = 1536KiB\nuser_agent = test/1\n"), *b;
	char		 text[8192] = "";
	FILE		*f = fmemopen(text, sizeof(text) - 1, "w");

	T_ASSERT(a != NULL);
	config_dump(a, f);
	fclose(f);
	b = load(text);
	T_ASSERT(b != NULL);
	T_EQ_INT(b->timeout_ms, 90000);
	T_EQ_INT(b->max_body, 1536 * 1024);
	T_EQ_STR(b->user_agent, "test/1");
	T_EQ_STR(b->database, "/var/x.db");
	config_free(a);
	config_free(b);
}

TEST(tag_policy_overrides)
{
	struct config	*cf = load("[archive]\narchive_if_older_than = 30d\n"
	    "[tag foia]\narchive_every = 7d\n[tag press]\narchive = no\n"
	    "archive_if_older_than = 1d\n");
	int		 on;
	int64_t		 older, every;

	T_ASSERT(cf != NULL);
	config_tag_policy(cf, "", &on, &older, &every);
	T_EQ_INT(on, 1);
	T_EQ_INT(older, 30 * 86400);
	T_EQ_INT(every, 0);
	config_tag_policy(cf, "foia", &on, &older, &every);
	T_EQ_INT(on, 1);
	T_EQ_INT(every, 7 * 86400);
	config_tag_policy(cf, "foia,press", &on, &older, &every);
	T_EQ_INT(on, 0);
	T_EQ_INT(older, 86400);
	T_EQ_INT(every, 7 * 86400);
	config_tag_policy(cf, "foiaX", &on, &older, &every);	/* no prefix */
	T_EQ_INT(every, 0);
	config_free(cf);
	cf = load("[tag x]\narchive = maybe\nfrequency = 1\n");
	T_ASSERT(cf == NULL);
	T_ASSERT(strstr(errs, ":2: tag x: archive = \"maybe\"") != NULL);
	T_ASSERT(strstr(errs, ":3: unknown key \"frequency\" in section "
	    "[tag x]") != NULL);
}

TEST(network_section)
{
	struct config	*cf = load("[network]\nallow = 127.0.0.0/8 ::1/128\n"
	    "allow = 10.1.0.0/16\n"), *b;
	char		 text[8192] = "", net[64];
	FILE		*f;

	T_ASSERT(cf != NULL);
	T_EQ_INT(cf->net_guard, 1);		/* default */
	T_EQ_INT(cf->net_allow.n, 3);		/* lines add up */
	guard_net_str(&cf->net_allow.v[2], net, sizeof(net));
	T_EQ_STR(net, "10.1.0.0/16");
	f = fmemopen(text, sizeof(text) - 1, "w");
	config_dump(cf, f);
	fclose(f);
	T_ASSERT(strstr(text, "\n[network]\n; ") != NULL);
	T_ASSERT(strstr(text, "\nguard = yes\n") != NULL);
	T_ASSERT(strstr(text, "\nallow = 127.0.0.0/8 ::1/128 10.1.0.0/16\n") !=
	    NULL);
	b = load(text);
	T_ASSERT(b != NULL);
	T_EQ_INT(b->net_allow.n, 3);
	config_free(b);
	config_free(cf);

	cf = load("[network]\nguard = no\nallow =\n");
	T_ASSERT(cf != NULL);
	T_EQ_INT(cf->net_guard, 0);
	T_EQ_INT(cf->net_allow.n, 0);
	config_free(cf);

	cf = load("[network]\nallow = 10.0.0.0/8\nallow = 192.168.0.0/33\n"
	    "allow = localhost\nguard = maybe\n");
	T_ASSERT(cf == NULL);
	T_ASSERT(strstr(errs, ":3: network: allow: \"192.168.0.0/33\": "
	    "prefix length must be 0 to 32 for IPv4") != NULL);
	T_ASSERT(strstr(errs, ":4: network: allow: \"localhost\": not an "
	    "IPv4 or IPv6 address") != NULL);
	T_ASSERT(strstr(errs, ":5: network.guard = \"maybe\"") != NULL);
}

int
main(void)
{
	RUN(defaults_and_values);
	RUN(every_error_with_file_and_line);
	RUN(duplicate_and_sectionless_keys);
	RUN(missing_file);
	RUN(duration_and_size_parsers);
	RUN(dump_round_trips);
	RUN(tag_policy_overrides);
	RUN(network_section);
	return t_done();
}
