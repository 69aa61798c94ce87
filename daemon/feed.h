/*
 * feed.h: Atom feeds of a channel's alerts: one file for all of them and,
 * with per_tag, one per tag beside it (NAME-TAG.atom), each replaced whole
 * (written beside, synced, renamed) with the newest FEED_ENTRIES alerts.
 */
#ifndef FEED_H
#define FEED_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define FEED_ENTRIES	100

/*
 * Writes the channel's feeds; *upto receives the newest alert id written
 * (0 if none).  Returns 0, or -1 with the reason in err.
 */
int	feed_write(struct store *, const struct channel *, int64_t *upto,
	    char *err, size_t errlen);
/* The file of a tag's feed, malloc'd. */
char	*feed_tag_path(const struct channel *, const char *tag);

#endif
