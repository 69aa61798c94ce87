/*
 * timefmt.c: wall-clock time and its formats.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ts14(int64_t ms, char buf[15])
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, 15, "%Y%m%d%H%M%S", &tm);
}

void
rfc3339_ms(int64_t ms, char *buf, size_t len)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;
	char		 s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
}

int
parse_time(const char *s, int64_t now, int64_t *out)
{
	struct tm	 tm;
	int		 y, mo, d, h = 0, mi = 0, sec = 0, n = 0, k;
	char		 unit = 0;
	long long	 v;

	/* "7d", "12h", "30m": that long ago. */
	if (sscanf(s, "%lld%c%n", &v, &unit, &n) == 2 && s[n] == '\0' &&
	    v >= 0 && (unit == 'd' || unit == 'h' || unit == 'm' ||
	    unit == 'w')) {
		int64_t mul = unit == 'w' ? 604800000LL : unit == 'd' ?
		    86400000LL : unit == 'h' ? 3600000LL : 60000LL;

		*out = now - (int64_t)v * mul;
		return 0;
	}
	n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		k = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
			return -1;
		s += 1 + k;
		if (*s == ':') {
			k = 0;
			if (sscanf(s + 1, "%2d%n", &sec, &k) != 1 || k != 2)
				return -1;
			s += 3;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) * 1000;
	return 0;
}
