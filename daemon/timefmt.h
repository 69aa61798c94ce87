/*
 * timefmt.h: wall-clock time and the two ways rotwatch writes it.
 * (Intervals use the loop's monotonic clock, never these.)
 */
#ifndef TIMEFMT_H
#define TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the epoch, wall clock. */
int64_t	wall_ms(void);
/* "YYYYMMDDhhmmss" (UTC), as the Wayback Machine writes times. */
void	ts14(int64_t ms, char buf[15]);
/* RFC 3339 UTC with milliseconds: "2026-12-01T10:00:00.123Z". */
void	rfc3339_ms(int64_t ms, char *buf, size_t len);
/*
 * Parses a time given on the command line: "2026-11-01",
 * "2026-11-01T10:30[:00][Z]" (UTC), or an age such as "7d", "12h", "30m",
 * "2w" (that long before now).  Returns 0, or -1 if it is none of these.
 */
int	parse_time(const char *, int64_t now, int64_t *out);

#endif
