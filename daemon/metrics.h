/*
 * metrics.h: the HTTP health and metrics endpoint.
 *
 * A small HTTP/1.1 server on the daemon's loop ([metrics] listen, loopback
 * only): GET or HEAD of /healthz (200 "ok" while the loop runs and the
 * database answers, else 503 with the reason) and /metrics (Prometheus text
 * format 0.0.4).  Every answer carries Content-Length and is followed by a
 * close.  A request head is read up to 8 KiB (else 431); a client that has
 * not sent a whole head within 10 s is dropped; at most 16 connections are
 * open at once, and further ones wait in the kernel's queue until one
 * closes.
 *
 * The counters are process-wide and live in memory (they start at 0 with
 * the process); they count whether or not the endpoint listens.  The
 * gauges (sources, archive jobs, alerts, the monitor) are read from the
 * database at each scrape.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>

#include <uv.h>

#include "config.h"
#include "store.h"
#include "types.h"

struct metrics;

/*
 * Starts the endpoint on cfg's [metrics] listen.  Returns NULL when it is
 * off, or when it cannot listen: that is logged and the daemon goes on
 * without it.  cfg and the store are borrowed and must outlive it.
 */
struct metrics	*metrics_new(uv_loop_t *, const struct config *,
		    struct store *);
/* Closes the listener and every connection; the memory goes when the loop
 * runs their close callbacks.  NULL is fine. */
void		 metrics_free(struct metrics *);

/* A check's result was committed: its class and how long it took. */
void		 metrics_check(enum check_class, double seconds);
/* An archive job ended. */
enum mx_outcome { MX_DONE, MX_FAILED };
void		 metrics_archive(enum mx_outcome);
/* An alert delivery (a webhook POST, a mail, a digest or a feed write)
 * ended: ok is 1 if it was delivered. */
void		 metrics_alert(int ok);
/* From now on /healthz answers 503 with this reason (a static string). */
void		 metrics_down(const char *reason);

/* ---- for tests ---------------------------------------------------- */

#define MX_HEAD_MAX	8192	/* bytes of a request head */

/*
 * The answer to what a client sent so far (buf[0..len), len <=
 * MX_HEAD_MAX): NULL while the head is incomplete and may still fit, else
 * the whole response (malloc'd, *outlen bytes).
 */
char		*metrics_http(struct store *, const char *buf, size_t len,
		    size_t *outlen);
/* The /metrics body (malloc'd, NUL-terminated). */
char		*metrics_render(struct store *);
/* Sets every counter back to 0 (tests). */
void		 metrics_reset(void);

#endif
