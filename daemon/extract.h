/*
 * extract.h: find the http(s) URLs cited in plain text, Markdown or HTML.
 *
 * Text and Markdown go through one line scanner.  A URL starts at
 * "http://" or "https://" (any case) and ends at whitespace, a line break,
 * '<', '>', '"', '`', or a Unicode space, guillemet or curly double quote;
 * after '<' it ends at '>', after '(' or '[' at the matching ')' or ']'.
 * Trailing . , ; : ! ? ' " * _, a right single quote, an ellipsis and an
 * unbalanced ')' or ']' are dropped (not inside <...>).  Tokens starting
 * "www.host.tld", other "scheme://" tokens, and a line that is a single
 * non-URL token such as "example.org/page" or "javascript:alert(1)" are
 * reported as rejects; other one-word lines ("Endnotes") are ignored.
 * Lines whose first non-blank byte is '#' are comments, and a line
 * holding a NUL byte is rejected as a whole.
 *
 * Endnotes: a line "- 14 text", "14 text", "14. text", "[14] text",
 * "[^14]: text" or "^14 text" (maybe indented) starts note 14, which runs
 * until the next note or two blank lines.  While a note is open, a marker
 * more than 10 above its number does not start a note (a year at the
 * start of a wrapped line).
 *
 * HTML is parsed with libxml2: href and src attributes, and URLs in text
 * outside <a href>, <script> and <style>.  An item's note is the position
 * of its enclosing <ol><li>, or the marker at the start of the enclosing
 * block (p, li, td, div, ...), whose text is the citation.  A page
 * without a charset is read as UTF-8.  Line numbers are those libxml2
 * records: the end of the start tag for attributes; beyond line 65535
 * they may be approximate.  libxml2 drops what is nested deeper than 256
 * elements.
 */
#ifndef EXTRACT_H
#define EXTRACT_H

#include <stddef.h>

#include "url.h"

enum extract_format {
	EXTRACT_AUTO,
	EXTRACT_TEXT,
	EXTRACT_MARKDOWN,
	EXTRACT_HTML
};

/*
 * One occurrence of an accepted URL.  citation is the text of the note,
 * or of the line if there is no note, whitespace folded, at most 1000
 * bytes cut at a UTF-8 boundary, never NULL.
 */
struct extract_item {
	char		*url;		/* canonical, see url.h */
	char		*host;		/* as url_normalize() gives it */
	unsigned	 line;		/* 1-based, where the URL starts */
	char		*note;		/* endnote number ("14"), or NULL */
	char		*citation;
};

/* One candidate that is not an acceptable URL. */
struct extract_reject {
	unsigned	 line;
	char		*text;		/* the candidate, control bytes as
					 * '?', at most 200 bytes */
	enum url_err	 why;
};

struct extract_result {
	struct extract_item	*items;
	size_t			 nitems;
	struct extract_reject	*rejects;
	size_t			 nrejects;
};

/*
 * Extract every occurrence from buf[0..len), in order of appearance,
 * duplicates included.  A leading UTF-8 BOM is skipped; EXTRACT_AUTO
 * means extract_guess().  Fills *res, which the caller releases with
 * extract_result_free() whatever the return value.  Returns 0, or -1
 * when the input cannot be read as the format at all (libxml2 refuses
 * it, or it is over 2 GiB).
 */
int			 extract_buffer(const char *buf, size_t len,
			    enum extract_format fmt,
			    struct extract_result *res);

/* Free everything *res holds and zero it. */
void			 extract_result_free(struct extract_result *res);

/*
 * EXTRACT_HTML if the first 64 KiB of buf hold "<html", "<!doctype html",
 * "<head", "<body" or "<a href" (any case); else EXTRACT_MARKDOWN if they
 * hold "](http" or "<http"; else EXTRACT_TEXT.
 */
enum extract_format	 extract_guess(const char *buf, size_t len);

#endif
