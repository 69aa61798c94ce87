/*
 * verdict.h: what a check shows about a source (an observation), and how
 * observations over time move the source between states.  Pure functions:
 * no I/O, no clock; the daemon supplies times and stores the results.
 *
 * States (rotwatch(1), "States"):
 *   new      never judged
 *   alive    answers with its content
 *   moved    permanently redirected to a different resource that answers
 *   suspect  failing, not yet confirmed
 *   dead     confirmed: failing for confirm_checks checks over confirm_span
 *   blocked  refuses us (401, 403, 407, 429, 451, a bot challenge): it may
 *            well exist, so it is never called dead
 *   soft404  confirmed: answers, but with a "not found" page in disguise
 *   parked   confirmed: the domain is parked or for sale
 * An alive, moved or blocked observation takes effect at once; the others
 * open (or extend) a failing run, which makes the source suspect and, once
 * it holds at least confirm_checks checks spanning at least confirm_span,
 * confirms the kind of its latest observation.  Local errors and checks
 * made while the monitor itself is offline change nothing.
 */
#ifndef VERDICT_H
#define VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct signs;
struct text_doc;

enum obs {
	OBS_ALIVE,
	OBS_MOVED,
	OBS_BLOCKED,
	OBS_FAIL,	/* no usable answer: 4xx, 5xx, DNS, connect, TLS ... */
	OBS_SOFT404,
	OBS_PARKED,
	OBS_LOCAL,	/* our own side failed */
	OBS_OFFLINE,	/* the monitor's network was down */
	OBS_COUNT
};

enum vstate {
	VS_NEW,
	VS_ALIVE,
	VS_MOVED,
	VS_SUSPECT,
	VS_DEAD,
	VS_BLOCKED,
	VS_SOFT404,
	VS_PARKED,
	VS_COUNT
};

extern const char *const obs_names[OBS_COUNT];
extern const char *const vstate_names[VS_COUNT];

/* Returns the value with that name, or -1. */
int	obs_parse(const char *);
int	vstate_parse(const char *);

struct obs_in {
	enum check_class	 cls;
	long			 status;	/* of the last response */
	long			 first_status;	/* of the first; 0: none */
	int			 permanent;	/* a 301 or 308 in the chain */
	long			 redirects;
	const char		*url;		/* the source's */
	const char		*final_url;	/* may be NULL */
	const char *const	*hop_hosts;	/* every host of the chain */
	size_t			 nhops;
	const struct text_doc	*doc;		/* NULL: no text */
	const struct signs	*signs;
	double			 probe_sim;	/* to the site's random-URL
						   answer; < 0: not known */
	enum obs		 prev;		/* for 304: the last one */
	const char		*error;		/* the check's; may be NULL */
};

/* Pages at least this similar to the probe are the site's not-found page. */
#define PROBE_SIMILAR	0.85

/* Judges one check; writes a one-line reason into why. */
enum obs	verdict_observe(const struct obs_in *, char *why, size_t);

/*
 * 1 if a page at url may be judged by its likeness to a random URL of its
 * site, or by a redirect to the site's root: its path is specific (not the
 * root, a language root or an index page).
 */
int		verdict_specific(const char *url);

/* 1 if a and b name different resources (not just http/https, "www.", a
 * default port, a trailing slash or an index page apart). */
int		verdict_different(const char *a, const char *b);

/* A source's judgement record, as stored. */
struct vrec {
	enum vstate	 state;
	int64_t		 since;		/* when it entered state */
	int64_t		 confirmed_at;	/* 0 unless dead, soft404, parked */
	int64_t		 run_first;	/* check id opening the failing run */
	int64_t		 run_since;	/* its time; 0: no run */
	int		 run_n;		/* checks in the run */
};

struct vparams {
	int		 confirm_checks;
	int64_t		 confirm_span_ms;
};

enum vchange {
	VC_NONE,
	VC_STATE,	/* the state changed; proof: this check */
	VC_CONFIRMED	/* confirmed; proof: the checks of the run */
};

/* Applies the observation of check check_id, made at time at. */
enum vchange	verdict_apply(struct vrec *, enum obs, int64_t at,
		    int64_t check_id, const struct vparams *);

#endif
