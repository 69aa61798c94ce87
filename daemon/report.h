/*
 * report.h: what to cite now, for every source: as CSV, JSON, Robust
 * Links (HTML anchors with data-originalurl, data-versionurl and
 * data-versiondate), the imported endnotes written back with each URL's
 * archived copy, or one self-contained HTML page with a summary and each
 * source's availability over time drawn as inline SVG.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>

#include "store.h"

enum report_format { REPORT_CSV, REPORT_JSON, REPORT_ROBUSTLINKS,
    REPORT_ENDNOTES, REPORT_HTML };

/* Writes one CSV field: always quoted, quotes doubled (RFC 4180). */
void	report_csv_field(FILE *, const char *);
/* Returns the format with that name, or -1. */
int	report_format_parse(const char *);
/* Writes the report of the sources (with tag, if not NULL); 0 or -1. */
int	report_write(struct store *, enum report_format, const char *tag,
	    FILE *);

#endif
