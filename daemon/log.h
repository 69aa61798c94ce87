/*
 * log.h: one line per event on stderr, journald-friendly.
 *
 * Lines look like "<6>rotwatch: info: text" when stderr is the journal
 * (JOURNAL_STREAM is set) so journald keeps the priority, and
 * "2026-12-01T10:00:00Z info: text" on a terminal.  Untrusted bytes (URLs,
 * server strings) must go through the escaping of log_esc() or the "%s"
 * arguments are escaped anyway: every control byte and every byte that is
 * not valid UTF-8 is written as \xNN, so one event is always one line.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the level below which nothing is written. */
void	log_set_level(enum log_level);
/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int	log_level_parse(const char *, enum log_level *);
const char *log_level_name(enum log_level);
int	log_enabled(enum log_level);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Logs at error level and exits with status 1. */
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2),
	    noreturn));

#endif
