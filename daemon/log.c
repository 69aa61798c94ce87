/*
 * log.c: leveled, escaped, one-line-per-event logging to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level	 log_level = LOG_LVL_INFO;
static int		 log_journal = -1;

static const char *const log_names[] = { "error", "warn", "info", "debug" };
/* syslog priorities for the journal's "<N>" prefix. */
static const int log_prio[] = { 3, 4, 6, 7 };

void
log_set_level(enum log_level l)
{
	log_level = l;
}

int
log_level_parse(const char *s, enum log_level *l)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0) {
			*l = (enum log_level)i;
			return 0;
		}
	return -1;
}

const char *
log_level_name(enum log_level l)
{
	return log_names[l];
}

int
log_enabled(enum log_level l)
{
	return l <= log_level;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void	log_emit(enum log_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
log_emit(enum log_level l, const char *fmt, va_list ap)
{
	char		 msg[4096], out[4096 * 4 + 64];
	size_t		 i, n, o = 0, k;
	const unsigned char *m = (const unsigned char *)msg;
	int		 len;

	if (!log_enabled(l))
		return;
	if (log_journal == -1)
		log_journal = getenv("JOURNAL_STREAM") != NULL;
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (len < 0)
		return;
	n = (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1;

	if (log_journal)
		o += (size_t)snprintf(out, 64, "<%d>%s: ", log_prio[l],
		    log_names[l]);
	else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		o += strftime(out, 64, "%Y-%m-%dT%H:%M:%SZ ", &tm);
		o += (size_t)snprintf(out + o, 32, "%s: ", log_names[l]);
	}
	for (i = 0; i < n; ) {
		if (m[i] >= 0x20 && m[i] != 0x7f && m[i] != '\\' &&
		    (k = utf8_len(m + i, n - i)) > 0) {
			memcpy(out + o, m + i, k);
			o += k;
			i += k;
			continue;
		}
		if (m[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", m[i]);
		i++;
	}
	out[o++] = '\n';
	fwrite(out, 1, o, stderr);
	fflush(stderr);
}

#define LOG_FN(name, lvl)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	log_emit(lvl, fmt, ap);						\
	va_end(ap);							\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
