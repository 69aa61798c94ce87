/*
 * archive.h: keeps a snapshot of every source in a web archive that speaks
 * the Save Page Now 2 protocol (the Wayback Machine by default).
 *
 * Jobs live in the store (archive_jobs); the archiver takes them in order
 * as its limits allow: captures in flight, an even pace of submissions,
 * backoff after HTTP 429, a pause after refused keys, and the daily
 * allowance the archive reports.  Every step is written to the store before
 * the next one starts, so a restart resumes jobs instead of submitting them
 * again.
 */
#ifndef ARCHIVE_H
#define ARCHIVE_H

#include <uv.h>

#include "config.h"
#include "http.h"
#include "store.h"

struct archiver;

/*
 * keys ("ACCESS:SECRET") is taken over and wiped at archiver_free(); the
 * other arguments are borrowed and must outlive the archiver.
 */
struct archiver	*archiver_new(uv_loop_t *, struct http *, struct store *,
		    const struct config *, char *keys);
/*
 * A new configuration, and the keys read with it (taken over; NULL: keep
 * the old ones).  Requests in flight finish as they were started.
 */
void		 archiver_reload(struct archiver *, const struct config *,
		    char *keys);
/* New jobs may be due: look now. */
void		 archiver_kick(struct archiver *);
/* Requests in flight. */
int		 archiver_active(const struct archiver *);
/* Aborts requests in flight (their jobs stay as stored) and stops. */
void		 archiver_stop(struct archiver *);
/* Frees it once the loop runs again; call archiver_stop() first. */
void		 archiver_free(struct archiver *);

enum spn_class {
	SPN_RETRY,		/* try again later */
	SPN_TODAY,		/* the URL was captured too often today */
	SPN_QUOTA,		/* our daily allowance is used up */
	SPN_THROTTLE,		/* too many of our captures at once */
	SPN_PERMANENT		/* the archive cannot capture it */
};
/* The class of a status_ext code ("error:not-found"); unknown: retry. */
enum spn_class	 spn_classify(const char *status_ext);

#endif
