/*
 * sched.h: admission of due checks under a global limit, a per-host limit
 * and a least delay between two requests to one host; and the time of a
 * source's next check.  Pure: no I/O, time is passed in (monotonic ms).
 */
#ifndef SCHED_H
#define SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct sched;
struct sched_host;

/* A due check.  The caller allocates it; the scheduler links it. */
struct sched_job {
	int64_t			 id;
	char			*url;
	char			*host;
	int			 fails;
	int64_t			 interval_s;	/* 0: the default */
	char			 state[8];
	void			*user;		/* the caller's */
	struct sched_job	*next;		/* private to the scheduler */
	struct sched_host	*h;		/* private to the scheduler */
};

/*
 * start is called for each job admitted; the job then belongs to the
 * caller until it hands it back with sched_done().
 */
typedef void (*sched_start_cb)(void *arg, struct sched_job *);

struct sched	*sched_new(int max_active, int per_host, int64_t host_delay_ms,
		    sched_start_cb start, void *arg);
/* New limits; jobs running now are not stopped. */
void		 sched_limits(struct sched *, int max_active, int per_host,
		    int64_t host_delay_ms);
/* Frees the scheduler and every job still queued (with free_job). */
void		 sched_free(struct sched *, void (*free_job)(struct sched_job *));
/* Frees every job not yet started (with free_job). */
void		 sched_drop_queued(struct sched *,
		    void (*free_job)(struct sched_job *));
/* Queues a job (FIFO). */
void		 sched_push(struct sched *, struct sched_job *);
/* A started job is over: frees its host slot. */
void		 sched_done(struct sched *, struct sched_job *, int64_t now);
/*
 * Starts every queued job that may start now.  Returns the number of ms
 * until a waiting job's host allows another request, or -1 if none waits
 * for that.
 */
int64_t		 sched_pump(struct sched *, int64_t now);
size_t		 sched_queued(const struct sched *);	/* not yet started */
size_t		 sched_active(const struct sched *);	/* started, not done */

struct next_in {
	int64_t			 now;		/* wall ms */
	int64_t			 interval_s;	/* the source's, or default */
	int64_t			 jitter_pct;
	int64_t			 retry_s;	/* first retry after a failure */
	int64_t			 backoff_max_s;
	int			 fails;		/* consecutive, this one included */
	enum check_class	 cls;
	int64_t			 retry_after_s;	/* server's, or 0 */
	double			 rnd;		/* uniform in [0, 1) */
};
/*
 * When a source is next due, in wall ms.  A source that is up waits its
 * interval; a failing one is retried after retry_s, doubling with each
 * consecutive failure up to backoff_max_s (and never before a server's
 * Retry-After, capped at one day); a local error is retried after retry_s
 * without counting as a failure.  Every delay is spread by +-jitter_pct.
 */
int64_t		 sched_next_due(const struct next_in *);

#endif
