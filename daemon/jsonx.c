/*
 * jsonx.c: see jsonx.h.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "timefmt.h"
#include "utf8.h"
#include "xmalloc.h"

/* Invalid UTF-8 (a server's message cut anywhere, say) is repaired, not
 * dropped: jansson refuses it, and would refuse the whole document. */
json_t *
jx_str(const char *s)
{
	json_t	*j;
	char	*r;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	r = utf8_clean(s);
	j = json_string(r);
	free(r);
	return j ? j : json_null();
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
		char *t = xstrndup(p, c ? (size_t)(c - p) : strlen(p));

		json_array_append_new(a, jx_str(t));
		free(t);
		p = c ? c + 1 : NULL;
	}
	return a;
}

void
jx_note(void *arg, const char *note, const char *citation)
{
	json_array_append_new(arg, json_pack("{s:o, s:o}", "note",
	    jx_str(note), "citation", jx_str(citation)));
}
