/*
 * Logging: one line per event, whatever bytes a URL or a server sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static char out[8192];

/* Runs one log call with stderr sent to a file; leaves its text in out. */
#define CAPTURE(call) do {						\
	FILE *f_ = tmpfile();						\
	int saved_ = dup(2);						\
	size_t n_;							\
									\
	fflush(stderr);							\
	dup2(fileno(f_), 2);						\
	call;								\
	fflush(stderr);							\
	dup2(saved_, 2);						\
	close(saved_);							\
	rewind(f_);							\
	n_ = fread(out, 1, sizeof(out) - 1, f_);			\
	out[n_] = '\0';							\
	fclose(f_);							\
} while (0)

TEST(control_bytes_and_bad_utf8_are_escaped)
{
	char *nl;

	unsetenv("JOURNAL_STREAM");
	log_set_level(LOG_LVL_INFO);
	CAPTURE(log_info("server said %s", "a\r\nb\x1b[31m\xff\\ \xc3\xa9"));
	nl = strchr(out, '\n');
	T_ASSERT(nl != NULL && nl[1] == '\0');		/* one line */
	T_ASSERT(strstr(out, " info: server said "
	    "a\\x0d\\x0ab\\x1b[31m\\xff\\\\ \xc3\xa9\n") != NULL);
}

TEST(levels_filter)
{
	log_set_level(LOG_LVL_WARN);
	CAPTURE(log_info("hidden"));
	T_EQ_STR(out, "");
	CAPTURE(log_warn("shown"));
	T_ASSERT(strstr(out, "warn: shown") != NULL);
	log_set_level(LOG_LVL_INFO);
}

int
main(void)
{
	RUN(control_bytes_and_bad_utf8_are_escaped);
	RUN(levels_filter);
	return t_done();
}
