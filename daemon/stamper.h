/*
 * stamper.h: asks the configured time-stamping authority ([warc] tsa) for
 * an RFC 3161 timestamp of each new content kept in a WARC file, and
 * keeps the token with its capture.  Asks are stored first (the stamps
 * table), so a TSA that is down, slow or refusing loses nothing: each is
 * retried, later and later, until it is granted.
 */
#ifndef STAMPER_H
#define STAMPER_H

#include <uv.h>

#include "config.h"
#include "http.h"
#include "store.h"

struct stamper;

/* cfg must outlive the stamper or be replaced by stamper_reload(). */
struct stamper	*stamper_new(uv_loop_t *, struct http *, struct store *,
		    const struct config *);
/* New stamps may be due now. */
void		 stamper_kick(struct stamper *);
void		 stamper_reload(struct stamper *, const struct config *);
/* Cancels the requests in flight: their stamps stay pending. */
void		 stamper_stop(struct stamper *);
/* After stamper_stop(); freed once the loop runs again. */
void		 stamper_free(struct stamper *);

#endif
