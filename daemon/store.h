/*
 * store.h: the SQLite store, the only module that speaks SQL.
 *
 * One connection per process, in WAL mode with synchronous=FULL.  Every
 * write transaction is BEGIN IMMEDIATE, so a CLI and a running daemon can
 * share the file.  Functions return 0 (or a count) on success and -1 on
 * error, with the reason in store_errmsg().
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

struct store;

/*
 * Opens (creating if needed) and migrates the database at path, waiting at
 * most busy_ms for another process's lock.  On failure returns NULL and
 * writes the reason into err.
 */
struct store	*store_open(const char *path, int busy_ms, char *err,
		    size_t errlen);
void		 store_close(struct store *);
/* The last error, valid until the next call. */
const char	*store_errmsg(struct store *);
/* How long a statement waits for another connection's lock. */
void		 store_set_busy_timeout(struct store *, int ms);
/* 1 if the last error was a lock timeout (SQLITE_BUSY). */
int		 store_busy(struct store *);

int	store_begin(struct store *);	/* BEGIN IMMEDIATE */
int	store_commit(struct store *);
void	store_rollback(struct store *);

/* Changes whenever another connection commits. */
int64_t	store_data_version(struct store *);

/*
 * Adds a source (inside a transaction).  Returns 1 if added, 0 if the URL
 * was there already, -1 on error; *id is set in both good cases.
 */
int	store_add_source(struct store *, const char *url, const char *host,
	    const char *note, int64_t interval_s, int64_t now, int64_t *id);
int	store_add_tag(struct store *, int64_t id, const char *tag);
/* Adds where the source is cited; an existing (id, note) pair is kept. */
int	store_add_note(struct store *, int64_t id, const char *note,
	    const char *citation);
/* Returns the id of the source with this exact URL or id text, 0 if none. */
int64_t	store_find_source(struct store *, const char *url_or_id);

struct due_row {
	int64_t		 id;
	int64_t		 next_due;
	int64_t		 interval_s;	/* 0: the default */
	int		 fails;
	const char	*url;		/* borrowed for the callback */
	const char	*host;
	const char	*state;
};
/*
 * Calls cb for at most limit sources due at or before now whose
 * (next_due, id) is after (after_due, after_id), in that order.  Returns
 * the number of rows, or -1.
 */
int	store_due(struct store *, int64_t now, int64_t after_due,
	    int64_t after_id, int limit,
	    void (*cb)(void *, const struct due_row *), void *arg);
/* Calls cb for the source with this id, whether due or not. */
int	store_get_due(struct store *, int64_t id,
	    void (*cb)(void *, const struct due_row *), void *arg);
/* The earliest next_due later than after: INT64_MAX if there is none,
 * INT64_MIN if it cannot be read. */
int64_t	store_next_due_after(struct store *, int64_t after);
/* The number of sources due at or before now. */
int64_t	store_count_due(struct store *, int64_t now);

/*
 * Records one check (inside a transaction): inserts it, moves the source
 * to new_state with fails and next_due, and logs an event when the state
 * changed.  *check_id receives the new row's id.
 */
int	store_put_result(struct store *, const struct check_result *,
	    const char *old_state, const char *new_state, int fails,
	    int64_t next_due, int64_t *check_id);

struct source_row {
	int64_t		 id;
	const char	*url;
	const char	*tags;		/* comma-separated, sorted; "" if none */
	const char	*state;
	const char	*note;
	int64_t		 added_at, next_due;
	int		 fails;
	int		 has_check;	/* the fields below are valid */
	int64_t		 checked_at, duration_ms;
	const char	*cls;
	long		 http_status;	/* 0: none */
	const char	*final_url;	/* may be NULL */
	long		 redirects;
	const char	*sha256;	/* may be NULL */
	const char	*error;		/* may be NULL */
};
/*
 * Calls cb for every source (only those tagged tag, if not NULL; only id,
 * if not 0), in id order.  Returns the count or -1.
 */
int	store_sources(struct store *, const char *tag, int64_t id,
	    void (*cb)(void *, const struct source_row *), void *arg);
/* Calls cb for each (note, citation) of a source, in note order. */
int	store_notes(struct store *, int64_t id,
	    void (*cb)(void *, const char *note, const char *citation),
	    void *arg);

#endif
