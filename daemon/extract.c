/*
 * extract.c: find the http(s) URLs in a citation list (text, Markdown,
 * HTML).  See extract.h for the rules.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>

#include "extract.h"
#include "url.h"
#include "xmalloc.h"

#define CITATION_MAX	1000
#define REJECT_MAX	200
#define SCHEME_MAX	32		/* longest scheme looked back for */
#define NOTE_JUMP	10		/* see note_starts() */
#define GUESS_WINDOW	65536

/* Where results go. */
struct scan {
	struct extract_result	*res;
	size_t			 icap;
	size_t			 rcap;
};

/* Whitespace-folded text, kept to a little over CITATION_MAX bytes. */
struct fold {
	char	 buf[CITATION_MAX + 4];
	size_t	 len;
	int	 space;		/* a space is owed before the next */
	int	 full;
};

/* The endnote being read, in text. */
struct note {
	char		 num[8];	/* "" when none is open */
	struct fold	 text;
	size_t		 first;		/* its first item */
};

/* The HTML block whose note and citation were computed last, and the
 * last <ol><li> numbered. */
struct html_cite {
	xmlNodePtr	 block;
	char		*note;
	char		*citation;
	xmlNodePtr	 li;
	long		 ordinal;
};

/* ASCII classes: <ctype.h> would depend on the locale. */
static int
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_scheme_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

/* Bytes of the URL delimiter at s[0..n), or 0: whitespace, < > " `, and
 * the UTF-8 no-break and wide spaces, guillemets and curly double quotes. */
static size_t
delim_len(const unsigned char *s, size_t n)
{
	if (is_space(s[0]) || s[0] == '<' || s[0] == '>' || s[0] == '"' ||
	    s[0] == '`')
		return 1;
	if (n >= 2 && s[0] == 0xc2 &&
	    (s[1] == 0xa0 || s[1] == 0xab || s[1] == 0xbb))
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] <= 0x8b || s[2] == 0x9c || s[2] == 0x9d || s[2] == 0xa8 ||
	    s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Bytes of the trailing punctuation ending at s[e - 1], not before s[b]:
 * . , ; : ! ? ' " * _ and the UTF-8 right single quote and ellipsis. */
static size_t
trail_len(const unsigned char *s, size_t e, size_t b)
{
	if (e > b && s[e - 1] != '\0' && strchr(".,;:!?'\"*_", s[e - 1]))
		return 1;
	if (e >= b + 3 && s[e - 3] == 0xe2 && s[e - 2] == 0x80 &&
	    (s[e - 1] == 0x99 || s[e - 1] == 0xa6))
		return 3;
	return 0;
}

/* Append s[0..n) to f, folding whitespace and masking control bytes. */
static void
fold_add(struct fold *f, const char *s, size_t n)
{
	unsigned char	c;
	size_t		i;

	for (i = 0; i < n && !f->full; i++) {
		c = (unsigned char)s[i];
		if (is_space(c)) {
			f->space = f->len > 0;
			continue;
		}
		if (f->space && f->len < sizeof(f->buf))
			f->buf[f->len++] = ' ';
		f->space = 0;
		if (c < 0x20 || c == 0x7f)
			c = '?';
		if (f->len < sizeof(f->buf))
			f->buf[f->len++] = (char)c;
		f->full = f->len == sizeof(f->buf);
	}
}

/* The folded text as a malloc'd string of at most CITATION_MAX bytes,
 * cut before a UTF-8 continuation byte. */
static char *
fold_str(const struct fold *f)
{
	size_t	n = f->len;

	if (n > CITATION_MAX) {
		n = CITATION_MAX;
		while (n > 0 && ((unsigned char)f->buf[n] & 0xc0) == 0x80)
			n--;
	}
	while (n > 0 && f->buf[n - 1] == ' ')
		n--;
	return xstrndup(f->buf, n);
}

static void
add_item(struct scan *sc, char *url, char *host, unsigned line)
{
	struct extract_result	*r = sc->res;
	struct extract_item	*it;

	if (r->nitems == sc->icap) {
		sc->icap = sc->icap ? 2 * sc->icap : 16;
		r->items = xrealloc(r->items, sc->icap * sizeof(*r->items));
	}
	it = &r->items[r->nitems++];
	it->url = url;
	it->host = host;
	it->line = line;
	it->note = NULL;
	it->citation = NULL;
}

static void
add_reject(struct scan *sc, const char *s, size_t n, unsigned line,
    enum url_err why)
{
	struct extract_result	*r = sc->res;
	struct extract_reject	*rj;
	char			*t;
	size_t			 i;

	if (n > REJECT_MAX) {
		n = REJECT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	t = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		t[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	t[n] = '\0';
	if (r->nrejects == sc->rcap) {
		sc->rcap = sc->rcap ? 2 * sc->rcap : 16;
		r->rejects = xrealloc(r->rejects,
		    sc->rcap * sizeof(*r->rejects));
	}
	rj = &r->rejects[r->nrejects++];
	rj->line = line;
	rj->text = t;
	rj->why = why;
}

/* Canonicalise s[0..n) into an item (note and citation still NULL), or
 * a reject. */
static void
candidate(struct scan *sc, const char *s, size_t n, unsigned line)
{
	enum url_err	 e;
	char		*url, *host;

	if ((e = url_normalize(s, n, &url, &host)) == URL_OK)
		add_item(sc, url, host, line);
	else
		add_reject(sc, s, n, line, e);
}

/*
 * End of the token that starts at s[b], scanning from s[p] (past its
 * "://" or "www."); n is the length of the line.  The byte before s[b]
 * decides the closer: '<' ends at '>', '(' and '[' at the unmatched ')'
 * or ']'.  Trailing punctuation is dropped, but not inside <...>.
 */
static size_t
token_end(const unsigned char *s, size_t n, size_t b, size_t p)
{
	int	 open = b > 0 ? s[b - 1] : 0;
	long	 paren = 0, bracket = 0;
	size_t	 e, k;

	for (e = p; e < n; e++) {
		if (s[e] == '>' && open == '<')
			return e;
		if (delim_len(s + e, n - e) > 0)
			break;
		if (s[e] == '(')
			paren++;
		else if (s[e] == ')') {
			if (paren == 0 && open == '(')
				break;
			paren--;
		} else if (s[e] == '[')
			bracket++;
		else if (s[e] == ']') {
			if (bracket == 0 && open == '[')
				break;
			bracket--;
		}
	}
	for (;;) {
		if ((k = trail_len(s, e, p)) > 0)
			e -= k;
		else if (e > p && s[e - 1] == ')' && paren < 0) {
			e--;
			paren++;
		} else if (e > p && s[e - 1] == ']' && bracket < 0) {
			e--;
			bracket++;
		} else
			return e;
	}
}

/* s[0..n) starts "www.label.x": a host written without a scheme. */
static int
is_www(const unsigned char *s, size_t n)
{
	size_t	i;

	if (n < 4 || strncasecmp((const char *)s, "www.", 4) != 0)
		return 0;
	for (i = 4; i < n && (is_alpha(s[i]) || is_digit(s[i]) ||
	    s[i] == '-'); i++)
		;
	return i > 4 && i + 1 < n && s[i] == '.' && is_alpha(s[i + 1]);
}

/* A "www." token may follow these bytes (and any UTF-8 byte). */
static int
is_opener(int c)
{
	return is_space(c) || c >= 0x80 || (c != '\0' &&
	    strchr("(<[\"'*_`", c) != NULL);
}

/*
 * Report every candidate in the line s[0..n): "scheme://..." tokens
 * (http and https start at the "http", whatever precedes them) and
 * "www.host.tld" tokens.  Linear: look-back is bounded by SCHEME_MAX and
 * never crosses the previous token.
 */
static void
scan_line(struct scan *sc, const char *str, size_t n, unsigned line)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, b, e, from = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ':' && i + 2 < n && s[i + 1] == '/' &&
		    s[i + 2] == '/') {
			for (b = i; b > from && i - b < SCHEME_MAX &&
			    is_scheme_char(s[b - 1]); b--)
				;
			if (b > from && is_scheme_char(s[b - 1]))
				continue;
			while (b < i && !is_alpha(s[b]))
				b++;
			if (b == i)
				continue;
			if (i - b >= 5 &&
			    strncasecmp(str + i - 5, "https", 5) == 0)
				b = i - 5;
			else if (i - b >= 4 &&
			    strncasecmp(str + i - 4, "http", 4) == 0)
				b = i - 4;
			e = token_end(s, n, b, i + 3);
		} else if ((s[i] | 0x20) == 'w' && (i == 0 ||
		    is_opener(s[i - 1])) && is_www(s + i, n - i)) {
			b = i;
			e = token_end(s, n, b, i + 4);
		} else
			continue;
		candidate(sc, str + b, e - b, line);
		from = e;
		i = e - 1;
	}
}

/*
 * A line that is one token but no URL, as in a plain URL list: report
 * it if it looks like "scheme:rest" or "host.tld[/...]" (after an
 * optional "- " bullet); ignore other words.
 */
static void
plain_line(struct scan *sc, const char *str, size_t n, unsigned line)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, k, label, last = 0, labels = 0;

	if (n > 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
	    is_space(s[1]))
		for (s++, n--; n > 0 && is_space(s[0]); s++, n--)
			;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	for (i = 0; i < n; i++)
		if (is_space(s[i]))
			return;
	while ((k = trail_len(s, n, 0)) > 0)
		n -= k;
	if (n == 0 || !(is_alpha(s[0]) || is_digit(s[0]) || s[0] >= 0x80))
		return;

	/* scheme:rest */
	for (i = 1; i < n && is_scheme_char(s[i]); i++)
		;
	if (is_alpha(s[0]) && i + 1 < n && s[i] == ':') {
		candidate(sc, (const char *)s, n, line);
		return;
	}

	/* label.label...tld, then the end or one of / : ? # */
	for (i = 0; i < n; i++) {
		label = i;
		while (i < n && (is_alpha(s[i]) || is_digit(s[i]) ||
		    s[i] == '-' || s[i] >= 0x80))
			i++;
		if (i == label)
			return;
		labels++;
		last = label;
		if (i == n || s[i] != '.')
			break;
	}
	if (labels < 2 || i - last < 2 ||
	    (i < n && strchr("/:?#", s[i]) == NULL))
		return;
	for (k = last; k < i; k++)
		if (!is_alpha(s[k]) && s[k] < 0x80)
			return;
	candidate(sc, (const char *)s, n, line);
}

/*
 * If s[0..n) starts with an endnote marker, store its number in num[]
 * and return the offset of the note's text; else return 0.
 */
static size_t
note_marker(const char *str, size_t n, char num[8])
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, d;
	int			 bracket = 0;

	if (n > 1 && s[0] == '-' && is_space(s[1])) {
		for (i = 1; i < n && is_space(s[i]); i++)
			;
	} else if (n > 0 && s[0] == '[') {
		bracket = 1;
		i = n > 1 && s[1] == '^' ? 2 : 1;
	} else if (n > 0 && s[0] == '^')
		i = 1;
	for (d = i; i < n && is_digit(s[i]) && i - d < 5; i++)
		;
	if (i == d || i - d > 4 || s[d] == '0')
		return 0;
	memcpy(num, s + d, i - d);
	num[i - d] = '\0';
	if (bracket) {
		if (i >= n || s[i] != ']')
			return 0;
		if (++i < n && s[i] == ':')
			i++;
	} else if (i < n && s[i] == '.')
		i++;
	if (i >= n || !is_space(s[i]))
		return 0;
	while (i < n && is_space(s[i]))
		i++;
	return i < n ? i : 0;
}

/* Whether note num starts a new note while nt is open. */
static int
note_starts(const struct note *nt, const char *num)
{
	return nt->num[0] == '\0' || atoi(num) <= atoi(nt->num) + NOTE_JUMP;
}

/* Give the open note's number and text to its items, and close it. */
static void
note_close(struct scan *sc, struct note *nt)
{
	struct extract_item	*it;
	char			*cit;
	size_t			 i;

	if (nt->num[0] == '\0')
		return;
	cit = fold_str(&nt->text);
	for (i = nt->first; i < sc->res->nitems; i++) {
		it = &sc->res->items[i];
		it->note = xstrdup(nt->num);
		it->citation = xstrdup(cit);
	}
	free(cit);
	memset(nt, 0, sizeof(*nt));
}

static void
extract_text(struct scan *sc, const char *buf, size_t len)
{
	struct note	 nt;
	struct fold	 lf;
	const char	*p, *eol, *end = buf + len, *t;
	char		 num[8], *cit;
	size_t		 n, tn, k, items, rejects, i;
	unsigned	 line = 0;
	int		 blanks = 0;

	memset(&nt, 0, sizeof(nt));
	for (p = buf; p < end; p = eol != NULL ? eol + 1 : end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((eol != NULL ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL) {
			add_reject(sc, p, n, line, URL_CONTROL);
			continue;
		}
		for (t = p, tn = n; tn > 0 && is_space((unsigned char)*t);
		    t++, tn--)
			;
		if (tn == 0) {
			if (++blanks == 2)
				note_close(sc, &nt);
			continue;
		}
		blanks = 0;
		if (*t == '#')
			continue;

		if ((k = note_marker(t, tn, num)) > 0 &&
		    note_starts(&nt, num)) {
			note_close(sc, &nt);
			memcpy(nt.num, num, strlen(num) + 1);
			nt.first = sc->res->nitems;
			fold_add(&nt.text, t + k, tn - k);
		} else if (nt.num[0] != '\0') {
			fold_add(&nt.text, " ", 1);
			fold_add(&nt.text, t, tn);
		}

		items = sc->res->nitems;
		rejects = sc->res->nrejects;
		scan_line(sc, p, n, line);
		if (sc->res->nitems == items && sc->res->nrejects == rejects)
			plain_line(sc, t, tn, line);
		if (nt.num[0] == '\0' && sc->res->nitems > items) {
			memset(&lf, 0, sizeof(lf));
			fold_add(&lf, t, tn);
			cit = fold_str(&lf);
			for (i = items; i < sc->res->nitems; i++)
				sc->res->items[i].citation = xstrdup(cit);
			free(cit);
		}
	}
	note_close(sc, &nt);
}

/*
 * HTML.  libxml2 gives a text node the line where its first chunk of
 * characters ended; this SAX hook moves it to where the text starts,
 * keeping lines past 65535 the way xmlGetLineNo() reads them.
 */
static void
html_characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr	 ctxt = ctx;
	xmlNodePtr		 last, t;
	long			 line;
	int			 i;

	last = ctxt->node != NULL ? ctxt->node->last : NULL;
	xmlSAX2Characters(ctx, ch, len);
	if (ctxt->node == NULL || ctxt->input == NULL ||
	    (t = ctxt->node->last) == last || t->type != XML_TEXT_NODE)
		return;
	line = ctxt->input->line;
	for (i = 0; i < len; i++)
		if (ch[i] == '\n')
			line--;
	if (line < 1)
		line = 1;
	if (line < 65535)
		t->line = (unsigned short)line;
	else {
		t->line = 65535;
		t->psvi = (void *)(intptr_t)line;
	}
}

static void
html_silent(void *ctx, xmlErrorPtr err)
{
}

static int
html_is(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static int
html_is_block(xmlNodePtr n)
{
	static const char *const blocks[] = {
		"p", "li", "dd", "dt", "td", "th", "blockquote", "figcaption",
		"caption", "pre", "address", "h1", "h2", "h3", "h4", "h5",
		"h6", "div", "section", "article", "aside", "header", "footer",
		"nav", "main", "body"
	};
	size_t	i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (html_is(n, blocks[i]))
			return 1;
	return 0;
}

/* Next node of a depth-first walk of the subtree at root, skipping the
 * children of n unless descend. */
static xmlNodePtr
html_next(xmlNodePtr n, xmlNodePtr root, int descend)
{
	if (descend && n->children != NULL)
		return n->children;
	while (n != root && n->next == NULL)
		n = n->parent;
	return n == root ? NULL : n->next;
}

/* The folded text of the subtree at root, without script and style. */
static void
html_fold(struct fold *f, xmlNodePtr root)
{
	xmlNodePtr	n;
	int		skip = 0;

	for (n = root; n != NULL && !f->full; n = html_next(n, root, !skip)) {
		skip = html_is(n, "script") || html_is(n, "style");
		if (n->type == XML_TEXT_NODE && n->content != NULL)
			fold_add(f, (const char *)n->content,
			    strlen((const char *)n->content));
		else if (html_is_block(n) || html_is(n, "br"))
			fold_add(f, " ", 1);
	}
}

/*
 * The block that cites node n: the nearest <li> of an <ol> (its position
 * in *ordinal), else the nearest block element (*ordinal = 0).  The
 * position is counted from the last <li> numbered, if that is earlier in
 * the same list.
 */
static xmlNodePtr
html_block(xmlNodePtr n, struct html_cite *c, long *ordinal)
{
	xmlNodePtr	 p, q, blk = NULL;
	xmlChar		*start;
	long		 k = 0;

	for (p = n; p != NULL && (p->type == XML_ELEMENT_NODE ||
	    p->type == XML_TEXT_NODE); p = p->parent) {
		if (html_is(p, "li") && html_is(p->parent, "ol")) {
			if (p == c->li) {
				*ordinal = c->ordinal;
				return p;
			}
			for (q = p->prev; q != NULL; q = q->prev) {
				if (q == c->li)
					break;
				if (html_is(q, "li"))
					k++;
			}
			if (q != NULL)
				*ordinal = c->ordinal + k + 1;
			else if ((start = xmlGetProp(p->parent,
			    (const xmlChar *)"start")) != NULL) {
				*ordinal = strtol((char *)start, NULL, 10) + k;
				xmlFree(start);
			} else
				*ordinal = 1 + k;
			c->li = p;
			c->ordinal = *ordinal;
			return p;
		}
		if (blk == NULL && html_is_block(p))
			blk = p;
	}
	*ordinal = 0;
	if (blk == NULL)
		blk = n->type == XML_ELEMENT_NODE ? n : n->parent;
	return blk;
}

/* Give the items from first on the note and citation of node n. */
static void
html_cite(struct scan *sc, xmlNodePtr n, size_t first, struct html_cite *c)
{
	struct extract_item	*it;
	struct fold		 f;
	xmlNodePtr		 blk;
	long			 ordinal;
	char			 num[8];
	size_t			 k;

	if (first == sc->res->nitems)
		return;
	blk = html_block(n, c, &ordinal);
	if (blk != c->block || c->citation == NULL) {
		free(c->note);
		free(c->citation);
		memset(&f, 0, sizeof(f));
		if (blk != NULL)
			html_fold(&f, blk);
		c->block = blk;
		c->note = NULL;
		c->citation = fold_str(&f);
		if (ordinal > 0 && ordinal < 100000)
			c->note = xasprintf("%ld", ordinal);
		else if ((k = note_marker(c->citation, strlen(c->citation),
		    num)) > 0) {
			c->note = xstrdup(num);
			memmove(c->citation, c->citation + k,
			    strlen(c->citation + k) + 1);
		}
	}
	for (; first < sc->res->nitems; first++) {
		it = &sc->res->items[first];
		it->note = c->note != NULL ? xstrdup(c->note) : NULL;
		it->citation = xstrdup(c->citation);
	}
}

/* An href or src value: report it if it is "scheme://...". */
static void
html_attr(struct scan *sc, xmlNodePtr el, xmlAttrPtr a, struct html_cite *c)
{
	xmlChar		*v;
	const char	*s;
	size_t		 n, i, items = sc->res->nitems;
	long		 line = xmlGetLineNo(el);

	if ((v = xmlNodeGetContent((xmlNodePtr)a)) == NULL)
		return;
	for (s = (const char *)v; is_space((unsigned char)*s); s++)
		;
	for (n = strlen(s); n > 0 && is_space((unsigned char)s[n - 1]); n--)
		;
	for (i = 0; i < n && is_scheme_char((unsigned char)s[i]); i++)
		;
	if (i > 0 && is_alpha((unsigned char)s[0]) && i + 3 <= n &&
	    memcmp(s + i, "://", 3) == 0)
		candidate(sc, s, n, line > 0 ? (unsigned)line : 0);
	xmlFree(v);
	html_cite(sc, el, items, c);
}

/* A text node: scan it line by line. */
static void
html_text(struct scan *sc, xmlNodePtr t, struct html_cite *c)
{
	const char	*s = (const char *)t->content, *eol;
	size_t		 items = sc->res->nitems;
	long		 line = xmlGetLineNo(t);

	for (; s != NULL; s = eol != NULL ? eol + 1 : NULL, line++) {
		eol = strchr(s, '\n');
		scan_line(sc, s, eol != NULL ? (size_t)(eol - s) : strlen(s),
		    line > 0 ? (unsigned)line : 0);
	}
	html_cite(sc, t, items, c);
}

/* Whether n is inside <a href>, whose text would repeat the link. */
static int
html_in_link(xmlNodePtr n)
{
	for (n = n->parent; n != NULL && n->type == XML_ELEMENT_NODE;
	    n = n->parent)
		if (html_is(n, "a") && xmlHasProp(n, (const xmlChar *)"href"))
			return 1;
	return 0;
}

/* Case-insensitive: does s[0..n) contain the NUL-terminated word w? */
static int
has_word(const char *s, size_t n, const char *w)
{
	size_t	i, k = strlen(w);

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, w, k) == 0)
			return 1;
	return 0;
}

static int
extract_html(struct scan *sc, const char *buf, size_t len)
{
	htmlParserCtxtPtr	 ctxt;
	htmlDocPtr		 doc;
	xmlNodePtr		 n;
	xmlAttrPtr		 a;
	struct html_cite	 c = { NULL, NULL, NULL, NULL, 0 };
	const char		*enc, *name;
	int			 skip = 0;

	if (len > INT_MAX)
		return -1;
	xmlInitParser();
	if ((ctxt = htmlNewParserCtxt()) == NULL)
		return -1;
	ctxt->sax->characters = html_characters;
	ctxt->sax->serror = html_silent;
	/* UTF-8, unless the page names its charset. */
	enc = has_word(buf, len < GUESS_WINDOW ? len : GUESS_WINDOW,
	    "charset") ? NULL : "UTF-8";
	doc = htmlCtxtReadMemory(ctxt, buf, (int)len, NULL, enc,
	    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET);
	htmlFreeParserCtxt(ctxt);
	if (doc == NULL)
		return -1;

	for (n = doc->children; n != NULL;
	    n = html_next(n, (xmlNodePtr)doc, !skip)) {
		skip = n->type != XML_ELEMENT_NODE || html_is(n, "script") ||
		    html_is(n, "style");
		if (n->type == XML_ELEMENT_NODE) {
			for (a = n->properties; a != NULL; a = a->next) {
				name = (const char *)a->name;
				if (strcmp(name, "href") == 0 ||
				    strcmp(name, "src") == 0)
					html_attr(sc, n, a, &c);
			}
		} else if (n->type == XML_TEXT_NODE && n->content != NULL &&
		    !html_in_link(n))
			html_text(sc, n, &c);
	}
	free(c.note);
	free(c.citation);
	xmlFreeDoc(doc);
	return 0;
}

enum extract_format
extract_guess(const char *buf, size_t len)
{
	static const char *const html[] = {
		"<html", "<!doctype html", "<head", "<body", "<a href"
	};
	size_t	i;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (len > GUESS_WINDOW)
		len = GUESS_WINDOW;
	for (i = 0; i < sizeof(html) / sizeof(html[0]); i++)
		if (has_word(buf, len, html[i]))
			return EXTRACT_HTML;
	if (has_word(buf, len, "](http") || has_word(buf, len, "<http"))
		return EXTRACT_MARKDOWN;
	return EXTRACT_TEXT;
}

int
extract_buffer(const char *buf, size_t len, enum extract_format fmt,
    struct extract_result *res)
{
	struct scan	sc = { res, 0, 0 };

	memset(res, 0, sizeof(*res));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (fmt == EXTRACT_AUTO)
		fmt = extract_guess(buf, len);
	if (len == 0)
		return 0;
	if (fmt == EXTRACT_HTML)
		return extract_html(&sc, buf, len);
	extract_text(&sc, buf, len);
	return 0;
}

void
extract_result_free(struct extract_result *res)
{
	size_t	i;

	for (i = 0; i < res->nitems; i++) {
		free(res->items[i].url);
		free(res->items[i].host);
		free(res->items[i].note);
		free(res->items[i].citation);
	}
	for (i = 0; i < res->nrejects; i++)
		free(res->rejects[i].text);
	free(res->items);
	free(res->rejects);
	memset(res, 0, sizeof(*res));
}
