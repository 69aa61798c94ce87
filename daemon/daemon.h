/*
 * daemon.h: the pipeline.  The one module that knows the others: it takes
 * due sources from the store, admits them through the scheduler, runs them
 * through the check engine, and writes each result back in batches.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

enum daemon_mode {
	DAEMON_FOREVER,		/* until SIGTERM or SIGINT */
	DAEMON_ONCE,		/* every source due at start, then exit */
	DAEMON_LIST		/* only the given sources, then exit */
};

/*
 * Runs the loop.  For DAEMON_LIST, ids[0..nids) are checked now whatever
 * their schedule.  archive_keys (taken over; may be NULL) turns the web
 * archive on in DAEMON_FOREVER.  Returns 0 on a clean stop, 1 on a fatal
 * error.
 */
int	daemon_run(const struct config *, struct store *, enum daemon_mode,
	    const int64_t *ids, size_t nids, char *archive_keys);

#endif
