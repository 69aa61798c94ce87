/*
 * jsonx.h: the JSON values several outputs of rotwatch write: a string or
 * a time that may be missing, a source's tags and its endnotes.
 */
#ifndef JSONX_H
#define JSONX_H

#include <stdint.h>

#include <jansson.h>

/* The string, or null. */
json_t	*jx_str(const char *);
/* RFC 3339 UTC with milliseconds, or null for ms <= 0. */
json_t	*jx_time(int64_t ms);
/* An array of the tags of a comma-separated list ("" gives []). */
json_t	*jx_tags(const char *);
/* store_notes() callback: appends {note, citation} to the array arg. */
void	 jx_note(void *arg, const char *note, const char *citation);

#endif
