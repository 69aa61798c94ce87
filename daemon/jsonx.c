/*
 * jsonx.c: see jsonx.h.
 */
#include <string.h>

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

json_t *
jx_tags(const char *tags)
{
	json_t		*a = json_array();
	const char	*p = tags, *c;

	while (p && *p) {
		c = strchr(p, ',');
		json_array_append_new(a, json_stringn(p, c ? (size_t)(c - p) :
		    strlen(p)));
		p = c ? c + 1 : NULL;
	}
	return a;
}

void
jx_note(void *arg, const char *note, const char *citation)
{
	json_array_append_new(arg, json_pack("{s:s, s:s}", "note", note,
	    "citation", citation));
}
