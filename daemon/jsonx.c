/*
 * jsonx.c: see jsonx.h.
 */
#include "jsonx.h"
#include "timefmt.h"

json_t *
jx_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
jx_time(int64_t ms)
{
	char buf[40];

	if (ms <= 0)
		return json_null();
	rfc3339_ms(ms, buf, sizeof(buf));
	return json_string(buf);
}
