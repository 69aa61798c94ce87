/*
 * judge.h: from a finished check to what it shows.  For each result it
 * decides the observation (verdict.h), asking the site once what it
 * answers for a random URL that cannot exist when a page could be a
 * soft 404; it keeps the text version of the page, and, inside the
 * daemon's commit, applies the state machine and writes the check, the
 * text, the events and the source's new record.  It also keeps the
 * monitor's own health: a window of recently checked hosts.
 */
#ifndef JUDGE_H
#define JUDGE_H

#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "capture.h"
#include "check.h"
#include "config.h"
#include "store.h"
#include "types.h"
#include "verdict.h"

struct judge;
struct signs;
struct text_rules;

/* What the store knew of a source when its check started (owned). */
struct src_prev {
	struct vrec	 v;
	enum obs	 observed;	/* OBS_COUNT: none yet */
	char		*text_hash, *body_sha256, *etag, *last_modified;
	char		*moved_to, *reason;
};

/* One check result on its way to the store. */
struct judged {
	struct check_result	 res;
	struct src_prev		 prev;
	char			*url;		/* the source's */
	char			*host;
	enum obs		 obs;
	char			 why[300];
	char			 text_hash[65];	/* "" if no text */
	char			*title, *text;	/* to store as a version */
	size_t			 text_len;
	int64_t			 interval_s;	/* the source's; 0: default */
	int			 prev_fails;
	int			 fails;		/* set by the daemon */
	int64_t			 next_due;
	int64_t			 arrived;	/* loop time, ms */
	int			 noted;		/* in the health window */
	struct judged		*next;		/* waiting for a probe */
	struct kept		*kept;		/* its WARC records; NULL: none */
};

/* Where a result's WARC records went (the daemon's; plain memory). */
struct kept {
	struct capture_out	 out;
	int			 revisit;
};

/* What a commit did, for the daemon's log and archive policy. */
struct judge_out {
	const char	*from, *to;	/* state names; equal if unchanged */
	int64_t		 check_id;	/* the stored check */
};

/*
 * Signatures and volatile-text rules from the configuration; on errors
 * writes "file:line: ..." to err and returns -1.
 */
int		 judge_load(const struct config *, struct signs **,
		    struct text_rules **, FILE *err);

/* All arguments are borrowed and must outlive the judge. */
struct judge	*judge_new(uv_loop_t *, struct checker *,
		    const struct config *, struct store *,
		    const struct signs *, const struct text_rules *);
/*
 * A new configuration, signatures and text rules; the old ones must
 * outlive results being judged now.
 */
void		 judge_reload(struct judge *, const struct config *,
		    const struct signs *, const struct text_rules *);
void		 judge_free(struct judge *);

/* Fills prev from a due row (copies the strings). */
void		 judge_prev_from_row(struct src_prev *, const struct due_row *);
void		 judge_prev_clear(struct src_prev *);
/* Frees what a judged result owns (not the struct). */
void		 judge_clear(struct judged *);

typedef void	(*judge_done_cb)(void *arg, struct judged *);
/*
 * Judges j (its res, prev, url, host set), calling done with it now or,
 * when its site must first be probed, later from the loop.
 */
void		 judge_result(struct judge *, struct judged *,
		    judge_done_cb done, void *arg);
/* Results waiting for a probe. */
int		 judge_waiting(const struct judge *);
/* Drops every waiting result (at shutdown), calling drop on each. */
void		 judge_abort(struct judge *, void (*drop)(struct judged *));
/* If a check aborted at shutdown was a probe, forgets it and returns 1. */
int		 judge_check_aborted(check_done_cb, void *arg);

/* Notes a result of host for the monitor's health. */
void		 judge_health_add(struct judge *, const char *host,
		    int network_failure, int64_t now);
enum health { HEALTH_ONLINE, HEALTH_OFFLINE, HEALTH_UNSURE };
/* Judges the window: too few hosts checked lately is HEALTH_UNSURE. */
enum health	 judge_health(struct judge *, int64_t now, int *hosts,
		    int *failing);

/*
 * Inside the daemon's transaction: records the monitor's health if it
 * changed (one event per change); then each result with judge_commit().
 * offline: the network was down when j was checked; its network failures
 * then count nothing and the source is checked again after retry.
 */
/* Alerts queued with events since the last call. */
int		 judge_alerts_queued(struct judge *);
/* Inside a transaction: writes the probes learned since the last call. */
int		 judge_save_probes(struct judge *);
int		 judge_commit_health(struct judge *, int offline, int hosts,
		    int failing, int64_t now);
int		 judge_commit(struct judge *, struct judged *, int offline,
		    struct judge_out *);

#endif
