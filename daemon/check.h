/*
 * check.h: one check of one URL: the request, the streamed SHA-256 of the
 * body, the redirect hops and the outcome class.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "http.h"
#include "timefmt.h"
#include "types.h"

struct checker;

/*
 * Called once per check with its result.  The result is borrowed for the
 * call; use check_result_move() to keep it.
 */
typedef void (*check_done_cb)(void *arg, struct check_result *);

/* What a check asks for beyond the URL (all optional). */
struct check_req {
	const char	*etag;		/* sent as If-None-Match */
	const char	*last_modified;	/* sent as If-Modified-Since */
	int		 want_text;	/* read the text of HTML/plain bodies */
};

/* cfg and h are borrowed and must outlive the checker. */
struct checker	*checker_new(uv_loop_t *, struct http *,
		    const struct config *);
/*
 * Starts checking url for source_id; done runs later, from the loop, never
 * from inside this call.  Returns 0 or -1 (out of resources: the caller
 * may try again later).
 */
int		 checker_start(struct checker *, int64_t source_id,
		    const char *url, const struct check_req *,
		    check_done_cb done, void *arg);
/* Checks in flight. */
int		 checker_active(const struct checker *);
/*
 * Aborts every check in flight: their done callbacks never run; drop, if
 * not NULL, is called with each one's callback and arg instead.
 */
void		 checker_abort_all(struct checker *,
		    void (*drop)(check_done_cb, void *));
/* Frees the checker once the loop runs again; nothing may be in flight. */
/* Checks started from now on use this configuration. */
void		 checker_reload(struct checker *, const struct config *);
void		 checker_free(struct checker *);

/* Frees what a result owns and zeroes it. */
void		 check_result_clear(struct check_result *);
/* Moves src's contents into dst (src is left empty). */
void		 check_result_move(struct check_result *dst,
		    struct check_result *src);

#endif
