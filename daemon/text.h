/*
 * text.h: the text of a fetched page, its "stable" form and hash, shingle
 * sketches for similarity, and a line diff.
 *
 * A page is fed in chunks as libcurl delivers them (split anywhere, even
 * inside a tag or a UTF-8 sequence) to a text_parser, which keeps no tree:
 * HTML goes through libxml2's push parser with SAX callbacks.  The parser
 * is created as UTF-8; a <meta charset> or http-equiv Content-Type is
 * still honoured, and on the first byte that is not UTF-8 libxml2 reads
 * the rest as Latin-1.  A leading UTF-8 BOM is dropped.
 *
 * Text rules (HTML): the text of the document outside <head>, without
 * script, style, noscript, template, svg, canvas, iframe, nav, header,
 * footer, aside, select, option, button and textarea, nor elements whose
 * role is navigation, banner or contentinfo, nor elements with a
 * boilerplate id or class (see text.c: a token that is, starts with or,
 * after a site-, main-, page-, global-, primary- or top- prefix, ends
 * with nav, navbar, menu, breadcrumb(s), footer, header, sidebar,
 * cookie(s), banner, share, social, related, comments, advert(isement),
 * ads or skip-link; never on html, body, main or article).  If a <main>
 * or an <article> is seen outside those parts, the text is that of the
 * first <main>, else of every such <article>.  Block elements end a line;
 * whitespace (ASCII, NBSP and the other Unicode spaces) collapses to one
 * space, lines are trimmed and empty lines dropped; U+200B, U+2060,
 * U+FEFF and U+00AD are removed.  Lines are joined with '\n', without a
 * trailing newline.  PLAIN text: the same per line, invalid UTF-8 as
 * U+FFFD.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum text_kind {
	TEXT_HTML,
	TEXT_PLAIN
};

/*
 * The kind of a Content-Type value: text/html and application/xhtml+xml
 * are TEXT_HTML, text/plain is TEXT_PLAIN (parameters and case ignored);
 * anything else, NULL and "" give -1 (see text_sniff()).
 */
int		 text_kind_of(const char *content_type);

/*
 * 1 if data starts (after a UTF-8 BOM, whitespace and <!-- comments -->)
 * with "<!doctype html", "<html", "<head", "<body" or "<title", any
 * case, else 0.
 */
int		 text_sniff(const char *data, size_t len);

struct text_doc {
	char	 *title;	/* first <title> outside <svg>, folded
				 * whitespace, <= 1000 bytes, "" if none */
	char	 *h1;		/* first <h1> outside boilerplate, else the
				 * first at all, same form, "" if none */
	char	 *text;		/* never NULL */
	size_t	  len;		/* strlen(text) */
	size_t	  words;	/* runs of letters and digits (bytes >= 0x80
				 * count as letters) in text */
	int	  truncated;	/* text reached max_text, the rest dropped */
	int	  noindex;	/* <meta name=robots|googlebot> says noindex
				 * or none */
	int	  password;	/* an <input type=password> */
	int	  search;	/* an <input type=search>, or a text input in
				 * a form named q, s, query, search, k,
				 * keywords, buscar or busca */
	char	 *refresh;	/* target of the first <meta http-equiv=
				 * refresh> not in <noscript>, as written;
				 * NULL if none or it has no URL */
	char	**hosts;	/* lowercase hosts, no port, of the absolute
				 * (or scheme-relative "//") http(s) URLs in
				 * script, iframe and frame src, form action,
				 * meta refresh, then a href; deduplicated,
				 * at most 32 */
	size_t	  nhosts;
	size_t	  nres;		/* hosts[0..nres) are from script, iframe,
				 * frame, form and refresh, the rest from
				 * <a href> only */
};

struct text_parser;

/* A parser for one document; max_text bounds doc->text (0: no bound). */
struct text_parser	*text_parser_new(enum text_kind kind, size_t max_text);
void			 text_parser_feed(struct text_parser *p,
			    const char *data, size_t len);
/* Ends the parse, frees p and returns the document (never NULL). */
struct text_doc		*text_parser_finish(struct text_parser *p);
/* Frees p without finishing (an aborted transfer); p may be NULL. */
void			 text_parser_free(struct text_parser *p);
/* doc may be NULL. */
void			 text_doc_free(struct text_doc *doc);

/*
 * Volatile parts of a text.  The built-in ones (see text.c) are found by
 * a hand-written scanner; user rules are POSIX extended regexes, matched
 * case-insensitively with REG_NEWLINE ('.' does not cross a line, ^ and $
 * match at line ends) against the text after the built-ins.
 */
struct text_rules;

struct text_rules	*text_rules_new(void);
/* Returns 0, or -1 with regerror()'s message in err. */
int			 text_rules_add(struct text_rules *r,
			    const char *regex, char *err, size_t errlen);
/* r may be NULL. */
void			 text_rules_free(struct text_rules *r);

/*
 * What replaces each volatile part in text_stable(): one byte that page
 * text never holds.  A run of volatile parts joined by spaces or , ; | -
 * / @ and the like (a date, then its time) becomes one placeholder.
 */
#define TEXT_VOLATILE		'\x01'
#define TEXT_VOLATILE_STR	"\x01"

/*
 * The stable form of text[0..len): volatile parts replaced, then the
 * user rules, then spaces collapsed, lines trimmed and empty lines
 * dropped.  rules may be NULL (built-ins only).  Returns a malloc'd
 * string.
 */
char		*text_stable(const struct text_rules *rules, const char *text,
		    size_t len);
/* SHA-256, in lowercase hex, of title (NULL: "") + "\n" + text_stable(). */
void		 text_hash(const struct text_rules *rules, const char *title,
		    const char *text, size_t len, char out[65]);

/*
 * Bottom-256 sketch of the 4-word shingles of a text.  Words are runs of
 * ASCII letters and digits and bytes >= 0x80, ASCII lowercased; a text of
 * 1 to 3 words is one shingle, one without words has none.  h[0..n) are
 * the n smallest distinct 64-bit shingle hashes, ascending.
 */
#define TEXT_SKETCH_K	256

struct text_sketch {
	uint64_t	h[TEXT_SKETCH_K];
	int		n;
};

void		 text_sketch(const char *text, size_t len,
		    struct text_sketch *out);
/*
 * Jaccard similarity of the two shingle sets, estimated from the
 * sketches; exact when both have fewer than K shingles.  1.0 if both are
 * empty, 0.0 if one is.
 */
double		 text_similarity(const struct text_sketch *a,
		    const struct text_sketch *b);
/*
 * A malloc'd copy of text[0..len) without any whole-word occurrence
 * (ASCII case-insensitive; not inside a longer run of letters and digits)
 * of the non-empty strings words[0..n).
 */
char		*text_without(const char *text, size_t len,
		    const char *const *words, size_t n);

/*
 * Unified diff (3 lines of context, as diff -u without timestamps) of the
 * lines of a and b, written to fp; nothing is written if they are equal.
 * Returns the number of lines removed plus added.  Beyond 1000 edits
 * after the common head and tail it gives up on a minimal diff and
 * reports the whole middle as replaced.
 */
int		 text_diff(FILE *fp, const char *label_a, const char *a,
		    const char *label_b, const char *b);

/*
 * ASCII lowercase of s[0..n) with the Latin-1 letters (U+00C0-U+00FF)
 * and oe ligatures folded to ASCII ("Página" -> "pagina", "ß" -> "ss");
 * other bytes are copied.  Returns a malloc'd string.
 */
/*
 * The lowercase host of an absolute http(s) or scheme-relative URL, without
 * userinfo, port or trailing dot, into out; returns 0 (out empty) if url is
 * no such URL.
 */
int		 text_url_host(const char *url, char *out, size_t len);
char		*text_fold(const char *s, size_t n);

#endif
