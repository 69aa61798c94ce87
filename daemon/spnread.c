/*
 * spnread.c: the Wayback Machine's answers, read.  What each field means
 * is in the archive's API documentation; this file only decides what a
 * body says, archive.c what to do about it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spnread.h"
#include "xmalloc.h"

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int
spn_ts_ok(const char *ts)
{
	size_t i;

	for (i = 0; ts && ts[i]; i++)
		if (ts[i] < '0' || ts[i] > '9')
			return 0;
	return i == 14;
}

static json_t *
load(const char *body, struct spn_reply *r)
{
	json_t *o = json_loads(body ? body : "", 0, NULL);

	memset(r, 0, sizeof(*r));
	r->kind = SPN_R_NONE;
	r->json = o != NULL;
	return o;
}

static void
error_of(json_t *o, struct spn_reply *r)
{
	r->kind = SPN_R_ERROR;
	r->status_ext = dup_or_null(jstr(o, "status_ext"));
	r->message = dup_or_null(jstr(o, "message"));
}

void
spn_read_submit(const char *body, struct spn_reply *r)
{
	json_t		*o = load(body, r);
	const char	*id = jstr(o, "job_id"), *st = jstr(o, "status");
	int		 err = st && strcmp(st, "error") == 0;

	if (id && *id && !err) {
		r->kind = SPN_R_JOB;
		r->job_id = xstrdup(id);
	} else if (err || jstr(o, "status_ext"))
		error_of(o, r);
	json_decref(o);
}

void
spn_read_status(const char *body, struct spn_reply *r)
{
	json_t		*o = load(body, r);
	const char	*st = jstr(o, "status");

	if (st && strcmp(st, "success") == 0 &&
	    spn_ts_ok(jstr(o, "timestamp"))) {
		r->kind = SPN_R_SUCCESS;
		snprintf(r->timestamp, sizeof(r->timestamp), "%s",
		    jstr(o, "timestamp"));
		r->original_url = dup_or_null(jstr(o, "original_url"));
	} else if (st && strcmp(st, "error") == 0)
		error_of(o, r);
	json_decref(o);
}

void
spn_reply_clear(struct spn_reply *r)
{
	free(r->job_id);
	free(r->status_ext);
	free(r->message);
	free(r->original_url);
	memset(r, 0, sizeof(*r));
}

int
spn_read_user(const char *body, struct spn_user *u)
{
	json_t *o = json_loads(body ? body : "", 0, NULL);

	memset(u, 0, sizeof(*u));
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	u->has_available = json_object_get(o, "available") != NULL;
	u->available = json_integer_value(json_object_get(o, "available"));
	u->daily = json_integer_value(json_object_get(o, "daily_captures"));
	u->limit = json_integer_value(json_object_get(o,
	    "daily_captures_limit"));
	json_decref(o);
	return 0;
}

int
spn_read_cdx(const char *body, char *ts, size_t tslen, char **original)
{
	json_t		*root = json_loads(body ? body : "", 0, NULL), *row;
	size_t		 n;
	int		 found = -1;

	*original = NULL;
	if (json_is_array(root)) {
		found = 0;
		n = json_array_size(root);
		row = n >= 2 ? json_array_get(root, n - 1) : NULL;
		if (json_is_array(row) && json_array_size(row) >= 2 &&
		    spn_ts_ok(json_string_value(json_array_get(row, 0))) &&
		    json_string_value(json_array_get(row, 1))) {
			snprintf(ts, tslen, "%s", json_string_value(
			    json_array_get(row, 0)));
			*original = xstrdup(json_string_value(
			    json_array_get(row, 1)));
			found = 1;
		}
	}
	json_decref(root);
	return found;
}
