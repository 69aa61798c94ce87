/*
 * spnread.h: the Wayback Machine's answers (Save Page Now 2 submit and
 * status, the user's status, CDX), read into plain values.  Pure: no I/O,
 * any bytes in.
 */
#ifndef SPNREAD_H
#define SPNREAD_H

#include <stddef.h>

enum spn_reply_kind {
	SPN_R_NONE,		/* no usable answer (or still pending) */
	SPN_R_JOB,		/* a submit: a job id */
	SPN_R_SUCCESS,		/* a status: captured */
	SPN_R_ERROR		/* either: an error, status_ext saying which */
};

struct spn_reply {
	enum spn_reply_kind	 kind;
	int			 json;		/* the body was JSON */
	char			*job_id;	/* SPN_R_JOB */
	char			*status_ext;	/* SPN_R_ERROR, or NULL */
	char			*message;	/* SPN_R_ERROR, or NULL */
	char			 timestamp[15];	/* SPN_R_SUCCESS */
	char			*original_url;	/* SPN_R_SUCCESS, or NULL */
};

/* The answer to POST /save; body may be NULL.  Clear with spn_reply_clear. */
void	spn_read_submit(const char *body, struct spn_reply *);
/* The answer to GET /save/status/ID. */
void	spn_read_status(const char *body, struct spn_reply *);
void	spn_reply_clear(struct spn_reply *);

struct spn_user {
	int		has_available;
	long long	available, daily, limit;	/* 0 if absent */
};
/* The answer to /save/status/user: 0, or -1 if it is not JSON. */
int	spn_read_user(const char *body, struct spn_user *);

/*
 * The newest capture of a CDX answer (JSON rows, a header first): 1 with
 * ts (14 digits) and *original (malloc'd), 0 if there is none, -1 if the
 * body is not a CDX answer.
 */
int	spn_read_cdx(const char *body, char *ts, size_t tslen,
	    char **original);

/* 1 if ts is a Wayback timestamp: 14 digits, YYYYMMDDhhmmss. */
int	spn_ts_ok(const char *ts);

#endif
