/*
 * jsonx.h: the two JSON values every output of rotwatch writes: a string
 * that may be missing, and a time that may be missing.
 */
#ifndef JSONX_H
#define JSONX_H

#include <stdint.h>

#include <jansson.h>

/* The string, or null. */
json_t	*jx_str(const char *);
/* RFC 3339 UTC with milliseconds, or null for ms <= 0. */
json_t	*jx_time(int64_t ms);

#endif
