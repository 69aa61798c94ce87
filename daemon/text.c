/*
 * text.c: page text for the judgement layer: streaming HTML and plain
 * text extraction, the stable form and its hash, shingle sketches, and a
 * line diff.  See text.h.
 *
 * Everything on the check path (the SAX callbacks, the volatile scanner)
 * is written to touch each byte a small constant number of times: most of
 * the cost of a page is libxml2's own tokenizer.
 */
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <openssl/evp.h>

#include "text.h"
#include "utf8.h"
#include "xmalloc.h"

#define LINE_MAX_BYTES	1000	/* title and h1 */
#define DEPTH_MAX	512	/* elements tracked; libxml2 stops at 256 */
#define HOSTS_MAX	32
#define HOST_MAX	253
#define CHUNK_MAX	(1 << 30)	/* htmlParseChunk() takes an int */
#define HOLD_MAX	10		/* see html_block() */
#define HTML_BLOCK	4096		/* see html_feed() */

/* ASCII classes: <ctype.h> would depend on the locale. */
static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether c is one of the bytes of set (never NUL). */
static int
in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/*
 * Byte classes for the loops that see every byte, and the other tables
 * built once (tables_init()).
 */
enum {
	B_ALNUM	= 1 << 0,	/* ASCII letter or digit */
	B_TOK	= 1 << 1,	/* in a token: alnum _ - + / = */
	B_WORD	= 1 << 2,	/* in a word: alnum, or >= 0x80 */
	B_SINK	= 1 << 3,	/* sink_text() must look: space, control,
				 * a lead byte of a Unicode space */
	B_COLL	= 1 << 4,	/* collapse() must look */
	B_SEP	= 1 << 5,	/* joins two placeholders */
	B_ALPHA	= 1 << 6	/* ASCII letter */
};

static unsigned char	bcls[256];
static pthread_once_t	tables_once = PTHREAD_ONCE_INIT;

/*
 * SHA-256, fetched once: OpenSSL 3 looks the algorithm up again in every
 * one-shot SHA256() call, which cost more than hashing a page.
 */
static EVP_MD		*sha256;

static void	wtab_init(void);
static void	ttab_init(void);
static int	is_special_lead(int);

static void
tables_init(void)
{
	int	c;

	for (c = 0; c < 256; c++) {
		if (is_alnum(c))
			bcls[c] |= B_ALNUM | B_TOK | B_WORD;
		if (is_alpha(c))
			bcls[c] |= B_ALPHA;
		if (in_set(c, "_-+/="))
			bcls[c] |= B_TOK;
		if (c >= 0x80)
			bcls[c] |= B_WORD;
		if (c <= ' ' || c == 0x7f || is_special_lead(c))
			bcls[c] |= B_SINK;
		if (in_set(c, ",;|-/@():"))
			bcls[c] |= B_SEP | B_COLL;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == TEXT_VOLATILE || c == 0xc2 || c == 0xe2)
			bcls[c] |= B_COLL;
	}
	wtab_init();
	ttab_init();
	if ((sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		fputs("rotwatch: no SHA-256 in libcrypto\n", stderr);
		abort();
	}
}

static void
tables(void)
{
	pthread_once(&tables_once, tables_init);
}

/* A growing byte string, always NUL-terminated once non-empty. */
struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_grow(struct buf *b, size_t need)
{
	if (need + 1 <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need + 1)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, b->len + n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_byte(struct buf *b, int c)
{
	buf_grow(b, b->len + 1);
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
}

/* The string, "" if nothing was added; b is left empty. */
static char *
buf_take(struct buf *b)
{
	char	*s = b->s != NULL ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

#define REPLACEMENT	UTF8_REPLACEMENT

/*
 * A sink folds text into lines: runs of whitespace become one space,
 * a break between blocks becomes one '\n' (or a space in a one-line
 * sink), nothing leads or trails.  It holds at most max bytes, cut at a
 * character boundary; full records that something was dropped.
 */
struct sink {
	struct buf	 b;
	size_t		 max;
	int		 space;		/* a space is owed */
	int		 nl;		/* a line break is owed */
	int		 full;
	int		 oneline;
};

static void
sink_reset(struct sink *k)
{
	k->b.len = 0;
	if (k->b.s != NULL)
		k->b.s[0] = '\0';
	k->space = k->nl = k->full = 0;
}

/* Append s[0..n), which holds no whitespace but single inner spaces. */
static void
sink_run(struct sink *k, const char *s, size_t n)
{
	size_t	sep, room;

	if (k->full || n == 0)
		return;
	sep = k->b.len > 0 && (k->nl || k->space);
	if (k->b.len + sep + n > k->max) {
		room = k->max - k->b.len;
		k->full = 1;
		if (room <= sep)
			return;
		n = room - sep;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == 0)
			return;
	}
	buf_grow(&k->b, k->b.len + sep + n);
	if (sep)
		k->b.s[k->b.len++] = k->nl && !k->oneline ? '\n' : ' ';
	memcpy(k->b.s + k->b.len, s, n);
	k->b.len += n;
	k->b.s[k->b.len] = '\0';
	k->space = k->nl = 0;
}

/*
 * At s[0..n), whose first byte leads a multibyte character: 1 for a
 * Unicode space, 2 for a character to drop (zero width, soft hyphen,
 * BOM), else 0; *len is its length.
 */
static int
uspecial(const unsigned char *s, size_t n, size_t *len)
{
	if (s[0] == 0xc2) {
		*len = 2;
		if (n < 2)
			return 0;
		return s[1] == 0xa0 ? 1 : s[1] == 0xad ? 2 : 0;
	}
	*len = 3;
	if (n < 3)
		return 0;
	switch (s[0]) {
	case 0xe1:
		return s[1] == 0x9a && s[2] == 0x80;
	case 0xe2:
		if (s[1] == 0x80) {
			if (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 ||
			    s[2] == 0xaf)
				return 1;
			return s[2] == 0x8b ? 2 : 0;
		}
		if (s[1] == 0x81)
			return s[2] == 0x9f ? 1 : s[2] == 0xa0 ? 2 : 0;
		return 0;
	case 0xe3:
		return s[1] == 0x80 && s[2] == 0x80;
	case 0xef:
		return s[1] == 0xbb && s[2] == 0xbf ? 2 : 0;
	}
	return 0;
}

/* A byte that may start a Unicode space or dropped character. */
static int
is_special_lead(int c)
{
	return c == 0xc2 || c == 0xe1 || c == 0xe2 || c == 0xe3 || c == 0xef;
}

/*
 * Append the valid UTF-8 text s[0..n).  With lines, '\n' and '\r' end a
 * line (plain text); otherwise they are spaces (HTML).  Control bytes
 * count as spaces.
 */
static void
sink_text(struct sink *k, const char *str, size_t n, int lines)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, b, l = 1;
	int			 u;

	while (i < n) {
		b = i;
		u = 0;
		for (;;) {
			/* a single space between two words stays in the run */
			while (i < n && (!(bcls[s[i]] & B_SINK) ||
			    (s[i] == ' ' && i > b && i + 1 < n &&
			    !(bcls[s[i + 1]] & B_SINK))))
				i++;
			if (i == n || s[i] < 0x80 ||
			    (u = uspecial(s + i, n - i, &l)) != 0)
				break;
			i++;		/* an ordinary multibyte character */
		}
		if (i > b)
			sink_run(k, str + b, i - b);
		if (i == n)
			break;
		if (s[i] >= 0x80) {
			if (u == 1)
				k->space = 1;
			i += l;
		} else {
			if (lines && (s[i] == '\n' || s[i] == '\r'))
				k->nl = 1;
			else
				k->space = 1;
			i++;
		}
	}
}

/* Runs of letters and digits; bytes >= 0x80 count as letters. */
static size_t
count_words(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i, w = 0;
	int			 in = 0, a;

	for (i = 0; i < n; i++) {
		a = (bcls[s[i]] & B_WORD) != 0;
		w += a & !in;
		in = a;
	}
	return w;
}

/*
 * Hosts seen in the page, kept as the first HOSTS_MAX distinct ones.
 */
struct hostset {
	char	*h[HOSTS_MAX];
	size_t	 n;
};

static void
hostset_add(struct hostset *hs, const char *host)
{
	size_t	i;

	if (hs->n == HOSTS_MAX)
		return;
	for (i = 0; i < hs->n; i++)
		if (strcmp(hs->h[i], host) == 0)
			return;
	hs->h[hs->n++] = xstrdup(host);
}

static void
hostset_free(struct hostset *hs)
{
	size_t	i;

	for (i = 0; i < hs->n; i++)
		free(hs->h[i]);
	hs->n = 0;
}

/*
 * The lowercase host of the absolute http(s) or scheme-relative URL v,
 * without userinfo, port or trailing dot, into out; 0 if v is no such
 * URL or its host is empty, too long or holds odd bytes.
 */
static int
url_host(const char *v, char out[HOST_MAX + 1])
{
	const char	*s = v, *e, *h, *he;
	size_t		 n, i;
	int		 c;

	while (is_space((unsigned char)*s))
		s++;
	if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (s[0] == '/' && s[1] == '/')
		s += 2;
	else
		return 0;
	for (e = s; *e != '\0' && *e != '/' && *e != '?' && *e != '#' &&
	    *e != '\\' && !is_space((unsigned char)*e); e++)
		;
	for (h = e; h > s && h[-1] != '@'; h--)
		;
	if (*h == '[') {
		for (he = h; he < e && *he != ']'; he++)
			;
		if (he == e)
			return 0;
		he++;
	} else
		for (he = h; he < e && *he != ':'; he++)
			;
	while (he > h && he[-1] == '.')
		he--;
	n = (size_t)(he - h);
	if (n == 0 || n > HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)h[i];
		if (!is_alnum(c) && c < 0x80 && !in_set(c, ".-_[]:"))
			return 0;
		out[i] = (char)lower(c);
	}
	out[n] = '\0';
	return 1;
}

int
text_url_host(const char *url, char *out, size_t len)
{
	char h[HOST_MAX + 1];

	if (len == 0 || !url_host(url, h)) {
		if (len > 0)
			*out = '\0';
		return 0;
	}
	snprintf(out, len, "%s", h);
	return 1;
}

/*
 * HTML.  Each open element records in a flag word what it changed, so
 * its end can undo exactly that; libxml2 balances start and end events
 * (it closes what the page left open).
 */
enum {
	F_HEAD		= 1 << 0,
	F_HARD		= 1 << 1,	/* no text: script, style, ... */
	F_BOILER	= 1 << 2,	/* no text: nav, header, class=menu */
	F_NOSCRIPT	= 1 << 3,
	F_FORM		= 1 << 4,
	F_MAIN		= 1 << 5,	/* the first <main> */
	F_ARTICLE	= 1 << 6,	/* an <article> whose text counts */
	F_TITLE		= 1 << 7,
	F_H1		= 1 << 8,
	F_H1ANY		= 1 << 9,
	F_BLOCK		= 1 << 10
};

/* Which text the document keeps (see text.h). */
enum sel {
	SEL_ALL,	/* no main or article yet: everything */
	SEL_ARTICLES,	/* articles only */
	SEL_MAIN,	/* inside the first main */
	SEL_DONE	/* after it: nothing more */
};

struct text_parser {
	enum text_kind		 kind;
	htmlParserCtxtPtr	 ctxt;
	unsigned char		 pre[3];	/* the first bytes, for a BOM */
	size_t			 npre;
	int			 started;

	struct sink		 text, title, h1, h1any;
	uint16_t		 stack[DEPTH_MAX];
	int			 depth;
	int			 head, hard, boiler, noscript, form, articles;
	enum sel		 sel;
	int			 title_st, h1_st, h1any_st;	/* 0, 1, 2 */
	int			 noindex, password, search;
	char			*refresh;
	struct hostset		 res, links;

	unsigned char		 carry[4];	/* plain: an unfinished char */
	size_t			 ncarry;
	char			 hold[HOLD_MAX];	/* see html_block() */
	size_t			 nhold;
	struct buf		 stage;
	struct buf		 blk;		/* see html_feed() */
};

enum tag_id {
	TAG_OTHER, TAG_A, TAG_ARTICLE, TAG_FORM, TAG_H1, TAG_HEAD,
	TAG_INPUT, TAG_MAIN, TAG_META, TAG_NOSCRIPT, TAG_SRC, TAG_TITLE
};

enum {
	T_BLOCK		= 1 << 0,	/* ends a line */
	T_HARD		= 1 << 1,
	T_BOILER	= 1 << 2,
	T_KEEP		= 1 << 3	/* never boilerplate by attributes */
};

struct tag {
	const char	*name;
	unsigned char	 id;
	unsigned char	 flags;
};

static const struct tag tags[] = {
	{ "a",		TAG_A,		0 },
	{ "address",	TAG_OTHER,	T_BLOCK },
	{ "article",	TAG_ARTICLE,	T_BLOCK | T_KEEP },
	{ "aside",	TAG_OTHER,	T_BLOCK | T_BOILER },
	{ "blockquote",	TAG_OTHER,	T_BLOCK },
	{ "body",	TAG_OTHER,	T_BLOCK | T_KEEP },
	{ "br",		TAG_OTHER,	T_BLOCK },
	{ "button",	TAG_OTHER,	T_HARD },
	{ "canvas",	TAG_OTHER,	T_HARD },
	{ "caption",	TAG_OTHER,	T_BLOCK },
	{ "center",	TAG_OTHER,	T_BLOCK },
	{ "dd",		TAG_OTHER,	T_BLOCK },
	{ "details",	TAG_OTHER,	T_BLOCK },
	{ "div",	TAG_OTHER,	T_BLOCK },
	{ "dl",		TAG_OTHER,	T_BLOCK },
	{ "dt",		TAG_OTHER,	T_BLOCK },
	{ "fieldset",	TAG_OTHER,	T_BLOCK },
	{ "figcaption",	TAG_OTHER,	T_BLOCK },
	{ "figure",	TAG_OTHER,	T_BLOCK },
	{ "footer",	TAG_OTHER,	T_BLOCK | T_BOILER },
	{ "form",	TAG_FORM,	T_BLOCK },
	{ "frame",	TAG_SRC,	0 },
	{ "h1",		TAG_H1,		T_BLOCK },
	{ "h2",		TAG_OTHER,	T_BLOCK },
	{ "h3",		TAG_OTHER,	T_BLOCK },
	{ "h4",		TAG_OTHER,	T_BLOCK },
	{ "h5",		TAG_OTHER,	T_BLOCK },
	{ "h6",		TAG_OTHER,	T_BLOCK },
	{ "head",	TAG_HEAD,	0 },
	{ "header",	TAG_OTHER,	T_BLOCK | T_BOILER },
	{ "hr",		TAG_OTHER,	T_BLOCK },
	{ "html",	TAG_OTHER,	T_BLOCK | T_KEEP },
	{ "iframe",	TAG_SRC,	T_HARD },
	{ "input",	TAG_INPUT,	0 },
	{ "legend",	TAG_OTHER,	T_BLOCK },
	{ "li",		TAG_OTHER,	T_BLOCK },
	{ "main",	TAG_MAIN,	T_BLOCK | T_KEEP },
	{ "menu",	TAG_OTHER,	T_BLOCK },
	{ "meta",	TAG_META,	0 },
	{ "nav",	TAG_OTHER,	T_BLOCK | T_BOILER },
	{ "noscript",	TAG_NOSCRIPT,	T_HARD },
	{ "ol",		TAG_OTHER,	T_BLOCK },
	{ "option",	TAG_OTHER,	T_HARD },
	{ "p",		TAG_OTHER,	T_BLOCK },
	{ "pre",	TAG_OTHER,	T_BLOCK },
	{ "script",	TAG_SRC,	T_HARD },
	{ "section",	TAG_OTHER,	T_BLOCK },
	{ "select",	TAG_OTHER,	T_HARD },
	{ "style",	TAG_OTHER,	T_HARD },
	{ "summary",	TAG_OTHER,	T_BLOCK },
	{ "svg",	TAG_OTHER,	T_HARD },
	{ "table",	TAG_OTHER,	T_BLOCK },
	{ "td",		TAG_OTHER,	T_BLOCK },
	{ "template",	TAG_OTHER,	T_HARD },
	{ "textarea",	TAG_OTHER,	T_HARD },
	{ "th",		TAG_OTHER,	T_BLOCK },
	{ "title",	TAG_TITLE,	T_HARD },
	{ "tr",		TAG_OTHER,	T_BLOCK },
	{ "ul",		TAG_OTHER,	T_BLOCK }
};

#define TTAB_SIZE	128	/* power of two, > 2 * tags */

static const struct tag	*ttab[TTAB_SIZE];

static uint32_t
fnv32(const char *s, size_t n)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void
ttab_init(void)
{
	uint32_t	h;
	size_t		i;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		h = fnv32(tags[i].name, strlen(tags[i].name));
		while (ttab[h & (TTAB_SIZE - 1)] != NULL)
			h++;
		ttab[h & (TTAB_SIZE - 1)] = &tags[i];
	}
}

/* libxml2 gives element and attribute names in lowercase. */
static const struct tag *
tag_lookup(const char *name)
{
	const struct tag	*t;
	uint32_t		 h = fnv32(name, strlen(name));

	while ((t = ttab[h & (TTAB_SIZE - 1)]) != NULL) {
		if (strcmp(t->name, name) == 0)
			return t;
		h++;
	}
	return NULL;
}

/* The attributes the parser reads, NULL when absent, "" when empty. */
struct attrs {
	const char	*cls, *id, *role, *href, *src, *action, *content;
	const char	*name, *equiv, *type;
};

static void
attrs_get(const xmlChar **atts, struct attrs *a)
{
	const char	*k, *v, **slot;

	memset(a, 0, sizeof(*a));
	if (atts == NULL)
		return;
	for (; atts[0] != NULL; atts += 2) {
		k = (const char *)atts[0];
		v = atts[1] != NULL ? (const char *)atts[1] : "";
		slot = NULL;
		switch (k[0]) {
		case 'a':
			if (strcmp(k, "action") == 0)
				slot = &a->action;
			break;
		case 'c':
			if (strcmp(k, "class") == 0)
				slot = &a->cls;
			else if (strcmp(k, "content") == 0)
				slot = &a->content;
			break;
		case 'h':
			if (strcmp(k, "href") == 0)
				slot = &a->href;
			else if (strcmp(k, "http-equiv") == 0)
				slot = &a->equiv;
			break;
		case 'i':
			if (strcmp(k, "id") == 0)
				slot = &a->id;
			break;
		case 'n':
			if (strcmp(k, "name") == 0)
				slot = &a->name;
			break;
		case 'r':
			if (strcmp(k, "role") == 0)
				slot = &a->role;
			break;
		case 's':
			if (strcmp(k, "src") == 0)
				slot = &a->src;
			break;
		case 't':
			if (strcmp(k, "type") == 0)
				slot = &a->type;
			break;
		}
		/* the first of duplicate attributes counts */
		if (slot != NULL && *slot == NULL)
			*slot = v;
	}
}

/* Whether t[0..n) is w, any case. */
static int
word_is(const char *t, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(t, w, n) == 0;
}

/*
 * A boilerplate class or id token: one of these words, alone or first
 * ("nav-menu", "share_buttons"), or last after a site-wide prefix
 * ("site-header", "main-nav").  Only whole tokens: "tag-social-justice"
 * on a post or "has-sidebar" on a wrapper stays text.
 */
static int
boiler_token(const char *t, size_t n)
{
	static const char *const words[] = {
		"nav", "navbar", "menu", "breadcrumb", "breadcrumbs", "footer",
		"header", "sidebar", "cookie", "cookies", "banner", "share",
		"social", "related", "comments", "advert", "advertisement",
		"ads", "skip-link"
	};
	static const char *const prefixes[] = {
		"site", "main", "page", "global", "primary", "top"
	};
	size_t	i, k, p;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		k = strlen(words[i]);
		if (n >= k && strncasecmp(t, words[i], k) == 0 &&
		    (n == k || t[k] == '-' || t[k] == '_'))
			return 1;
	}
	for (p = 0; p < n && t[p] != '-' && t[p] != '_'; p++)
		;
	if (p == n)
		return 0;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (word_is(t, p, prefixes[i]))
			break;
	if (i == sizeof(prefixes) / sizeof(prefixes[0]))
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (word_is(t + p + 1, n - p - 1, words[i]))
			return 1;
	return 0;
}

/* Whether a whitespace-separated token of v satisfies f. */
static int
any_token(const char *v, int (*f)(const char *, size_t))
{
	const char	*t;

	for (;;) {
		while (is_space((unsigned char)*v))
			v++;
		if (*v == '\0')
			return 0;
		for (t = v; *v != '\0' && !is_space((unsigned char)*v); v++)
			;
		if (f(t, (size_t)(v - t)))
			return 1;
	}
}

static int
boiler_role(const char *t, size_t n)
{
	return word_is(t, n, "navigation") || word_is(t, n, "banner") ||
	    word_is(t, n, "contentinfo");
}

static int
main_role(const char *t, size_t n)
{
	return word_is(t, n, "main");
}

static int
boiler_attrs(const struct attrs *a)
{
	return (a->cls != NULL && any_token(a->cls, boiler_token)) ||
	    (a->id != NULL && any_token(a->id, boiler_token)) ||
	    (a->role != NULL && any_token(a->role, boiler_role));
}

/* Case-insensitive: does s contain w? */
static int
has_ci(const char *s, const char *w)
{
	size_t	k = strlen(w);

	for (; *s != '\0'; s++)
		if (lower((unsigned char)*s) == w[0] &&
		    strncasecmp(s, w, k) == 0)
			return 1;
	return 0;
}

static int
robots_none(const char *t, size_t n)
{
	for (; n > 0 && (t[n - 1] == ',' || t[n - 1] == ';'); n--)
		;
	return word_is(t, n, "none");
}

/*
 * The URL of a refresh content value, "5; url='/x'" or "0;/x": a
 * malloc'd copy, or NULL if it names none.
 */
static char *
refresh_url(const char *s)
{
	const char	*t, *e;
	char		 q;

	while (is_space((unsigned char)*s))
		s++;
	while (is_digit((unsigned char)*s) || *s == '.')
		s++;
	while (is_space((unsigned char)*s) || *s == ';' || *s == ',')
		s++;
	if (strncasecmp(s, "url", 3) == 0) {
		for (t = s + 3; is_space((unsigned char)*t); t++)
			;
		if (*t == '=')
			for (s = t + 1; is_space((unsigned char)*s); s++)
				;
	}
	if (*s == '\'' || *s == '"') {
		q = *s++;
		if ((e = strchr(s, q)) == NULL)
			e = s + strlen(s);
	} else
		e = s + strlen(s);
	while (e > s && is_space((unsigned char)e[-1]))
		e--;
	return e > s ? xstrndup(s, (size_t)(e - s)) : NULL;
}

static void
add_host(struct hostset *hs, const char *url)
{
	char	host[HOST_MAX + 1];

	if (url != NULL && url_host(url, host))
		hostset_add(hs, host);
}

static void
html_meta(struct text_parser *p, const struct attrs *a)
{
	const char	*name = a->name, *equiv = a->equiv;
	const char	*content = a->content;

	if (content == NULL)
		return;
	if (name != NULL && (strcasecmp(name, "robots") == 0 ||
	    strcasecmp(name, "googlebot") == 0) &&
	    (has_ci(content, "noindex") || any_token(content, robots_none)))
		p->noindex = 1;
	/* Inside <noscript> it is a fallback for browsers without JS. */
	if (equiv != NULL && strcasecmp(equiv, "refresh") == 0 &&
	    p->refresh == NULL && p->noscript == 0 &&
	    (p->refresh = refresh_url(content)) != NULL)
		add_host(&p->res, p->refresh);
}

static void
html_input(struct text_parser *p, const struct attrs *a)
{
	static const char *const names[] = {
		"q", "s", "query", "search", "k", "keywords", "buscar", "busca"
	};
	const char	*type = a->type, *name = a->name;
	size_t		 i;

	if (type != NULL && strcasecmp(type, "password") == 0) {
		p->password = 1;
		return;
	}
	if (type != NULL && strcasecmp(type, "search") == 0) {
		p->search = 1;
		return;
	}
	if (p->form == 0 || (type != NULL && *type != '\0' &&
	    strcasecmp(type, "text") != 0) || name == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			p->search = 1;
}

/* Start a new selection of text: what was kept so far no longer counts. */
static void
select_text(struct text_parser *p, enum sel sel)
{
	sink_reset(&p->text);
	p->sel = sel;
}

static void
sax_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct text_parser	*p = ctx;
	const struct tag	*t;
	struct attrs		 a;
	unsigned		 f = 0;
	int			 id, tf, excluded;

	if (p->depth++ >= DEPTH_MAX)
		return;
	t = tag_lookup((const char *)xname);
	id = t != NULL ? t->id : TAG_OTHER;
	tf = t != NULL ? t->flags : 0;
	if (tf & T_HARD)
		f |= F_HARD;
	if (tf & T_BOILER)
		f |= F_BOILER;
	if (tf & T_BLOCK)
		f |= F_BLOCK;
	attrs_get(atts, &a);
	if (!(tf & T_KEEP) && boiler_attrs(&a))
		f |= F_BOILER;
	excluded = p->hard > 0 || p->boiler > 0 || p->head > 0;

	switch (id) {
	case TAG_A:
		add_host(&p->links, a.href);
		break;
	case TAG_SRC:
		add_host(&p->res, a.src);
		break;
	case TAG_FORM:
		f |= F_FORM;
		add_host(&p->res, a.action);
		break;
	case TAG_META:
		html_meta(p, &a);
		break;
	case TAG_INPUT:
		html_input(p, &a);
		break;
	case TAG_HEAD:
		f |= F_HEAD;
		break;
	case TAG_NOSCRIPT:
		f |= F_NOSCRIPT;
		break;
	case TAG_TITLE:
		if (p->title_st == 0 && p->hard == 0) {
			p->title_st = 1;
			f |= F_TITLE;
		}
		break;
	case TAG_H1:
		if (p->h1any_st == 0 && p->hard == 0) {
			p->h1any_st = 1;
			f |= F_H1ANY;
		}
		if (p->h1_st == 0 && !excluded && !(f & F_BOILER)) {
			p->h1_st = 1;
			f |= F_H1;
		}
		break;
	case TAG_ARTICLE:
		if (excluded)
			break;
		if (p->sel == SEL_ALL)
			select_text(p, SEL_ARTICLES);
		if (p->sel == SEL_ARTICLES)
			f |= F_ARTICLE;
		break;
	default:
		break;
	}
	if ((id == TAG_MAIN || (!(f & F_BOILER) && a.role != NULL &&
	    any_token(a.role, main_role))) &&
	    !excluded && (p->sel == SEL_ALL || p->sel == SEL_ARTICLES)) {
		select_text(p, SEL_MAIN);
		f |= F_MAIN;
	}

	if (f & F_BLOCK)
		p->text.nl = 1;
	else if (f & (F_HARD | F_BOILER))
		p->text.space = 1;
	if (f & (F_BLOCK | F_HARD | F_BOILER))
		p->h1.space = p->h1any.space = 1;

	p->stack[p->depth - 1] = (uint16_t)f;
	p->head += (f & F_HEAD) != 0;
	p->hard += (f & F_HARD) != 0;
	p->boiler += (f & F_BOILER) != 0;
	p->noscript += (f & F_NOSCRIPT) != 0;
	p->form += (f & F_FORM) != 0;
	p->articles += (f & F_ARTICLE) != 0;
}

static void
sax_end(void *ctx, const xmlChar *name)
{
	struct text_parser	*p = ctx;
	unsigned		 f;

	if (p->depth == 0 || --p->depth >= DEPTH_MAX)
		return;
	f = p->stack[p->depth];
	p->head -= (f & F_HEAD) != 0;
	p->hard -= (f & F_HARD) != 0;
	p->boiler -= (f & F_BOILER) != 0;
	p->noscript -= (f & F_NOSCRIPT) != 0;
	p->form -= (f & F_FORM) != 0;
	p->articles -= (f & F_ARTICLE) != 0;
	if (f & F_MAIN)
		p->sel = SEL_DONE;
	if (f & F_TITLE)
		p->title_st = 2;
	if (f & F_H1)
		p->h1_st = 2;
	if (f & F_H1ANY)
		p->h1any_st = 2;
	if (f & F_BLOCK)
		p->text.nl = 1;
	else if (f & (F_HARD | F_BOILER))
		p->text.space = 1;
	if (f & (F_BLOCK | F_HARD | F_BOILER))
		p->h1.space = p->h1any.space = 1;
}

static void
sax_chars(void *ctx, const xmlChar *ch, int len)
{
	struct text_parser	*p = ctx;
	const char		*s = (const char *)ch;
	size_t			 n = len > 0 ? (size_t)len : 0;

	if (p->title_st == 1)
		sink_text(&p->title, s, n, 0);
	if (p->hard > 0)
		return;
	if (p->h1any_st == 1)
		sink_text(&p->h1any, s, n, 0);
	if (p->boiler > 0 || p->head > 0)
		return;
	if (p->h1_st == 1)
		sink_text(&p->h1, s, n, 0);
	if (p->sel == SEL_ALL || p->sel == SEL_MAIN ||
	    (p->sel == SEL_ARTICLES && p->articles > 0))
		sink_text(&p->text, s, n, 0);
}

/* Script and style bodies: nothing to keep. */
static void
sax_cdata(void *ctx, const xmlChar *ch, int len)
{
}

/* Plain text: valid UTF-8 to the sink, U+FFFD for the rest. */
static void
plain_feed(struct text_parser *p, const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, b;
	int			 r;

	while (p->ncarry > 0 && i < n) {
		p->carry[p->ncarry++] = s[i++];
		if ((r = utf8_char(p->carry, p->ncarry)) == 0)
			continue;
		if (r > 0)
			sink_text(&p->text, (const char *)p->carry,
			    (size_t)r, 1);
		else {
			sink_text(&p->text, REPLACEMENT, 3, 1);
			/* Only the byte just taken can be the bad one. */
			i -= p->ncarry - (size_t)-r;
		}
		p->ncarry = 0;
	}
	for (b = i; i < n; ) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((r = utf8_char(s + i, n - i)) > 0) {
			i += (size_t)r;
			continue;
		}
		sink_text(&p->text, str + b, i - b, 1);
		if (r == 0) {
			memcpy(p->carry, s + i, n - i);
			p->ncarry = n - i;
			return;
		}
		sink_text(&p->text, REPLACEMENT, 3, 1);
		i += (size_t)-r;
		b = i;
	}
	sink_text(&p->text, str + b, i - b, 1);
}

static void
html_chunk(struct text_parser *p, const char *data, size_t len)
{
	size_t	n;

	while (len > 0) {
		n = len < CHUNK_MAX ? len : CHUNK_MAX;
		htmlParseChunk(p->ctxt, data, (int)n, 0);
		data += n;
		len -= n;
	}
}

/*
 * libxml2 2.9.14's push parser loses the end of a script or style when
 * a chunk ends inside its end tag ("</scr" | "ipt>"): it takes the
 * "</scr" for text and reads on to a later end tag.  So a chunk never
 * ends within HOLD_MAX bytes after a '<' with no '>' after it: that tail
 * waits for the next data (copied in front of it) or the end.
 */
static void
html_block(struct text_parser *p, const char *data, size_t len)
{
	size_t	i, cut = len;

	if (p->nhold > 0) {
		p->stage.len = 0;
		buf_add(&p->stage, p->hold, p->nhold);
		buf_add(&p->stage, data, len);
		data = p->stage.s;
		len = p->stage.len;
		cut = len;
		p->nhold = 0;
	}
	for (i = len; i > 0 && len - (i - 1) <= HOLD_MAX; i--) {
		if (data[i - 1] == '>')
			break;
		if (data[i - 1] == '<') {
			cut = i - 1;
			break;
		}
	}
	html_chunk(p, data, cut);
	memcpy(p->hold, data + cut, len - cut);
	p->nhold = len - cut;
}

/*
 * libxml2's push parser does not give the same document for every way of
 * cutting the same bytes (text before an unfinished tag at the end, for
 * one).  The network cuts a body anywhere, so the parser gets it in
 * blocks of HTML_BLOCK bytes whatever the transfer delivered: a page's
 * text, and so its hash, depends on its bytes alone.
 */
static void
html_feed(struct text_parser *p, const char *data, size_t len)
{
	size_t off = 0;

	buf_add(&p->blk, data, len);
	while (p->blk.len - off >= HTML_BLOCK) {
		html_block(p, p->blk.s + off, HTML_BLOCK);
		off += HTML_BLOCK;
	}
	if (off > 0) {
		memmove(p->blk.s, p->blk.s + off, p->blk.len - off);
		p->blk.len -= off;
	}
}

static void
feed_raw(struct text_parser *p, const char *data, size_t len)
{
	if (p->kind == TEXT_PLAIN)
		plain_feed(p, data, len);
	else
		html_feed(p, data, len);
}

static void
sink_init(struct sink *k, size_t max, int oneline)
{
	memset(k, 0, sizeof(*k));
	k->max = max;
	k->oneline = oneline;
}

struct text_parser *
text_parser_new(enum text_kind kind, size_t max_text)
{
	struct text_parser	*p;
	htmlSAXHandler		 sax;

	tables();
	p = xcalloc(1, sizeof(*p));
	p->kind = kind;
	sink_init(&p->text, max_text > 0 ? max_text : SIZE_MAX - 2, 0);
	sink_init(&p->title, LINE_MAX_BYTES, 1);
	sink_init(&p->h1, LINE_MAX_BYTES, 1);
	sink_init(&p->h1any, LINE_MAX_BYTES, 1);
	if (kind != TEXT_HTML)
		return p;

	memset(&sax, 0, sizeof(sax));
	sax.startElement = sax_start;
	sax.endElement = sax_end;
	sax.characters = sax_chars;
	sax.ignorableWhitespace = sax_chars;
	sax.cdataBlock = sax_cdata;
	xmlInitParser();
	/*
	 * UTF-8 unless the page says otherwise: libxml2 still follows a
	 * <meta charset>, and reads Latin-1 after a byte that is not UTF-8.
	 */
	p->ctxt = htmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL,
	    XML_CHAR_ENCODING_UTF8);
	if (p->ctxt == NULL) {
		fputs("rotwatch: out of memory\n", stderr);
		abort();
	}
	htmlCtxtUseOptions(p->ctxt, HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	    HTML_PARSE_NONET | HTML_PARSE_RECOVER | HTML_PARSE_COMPACT);
	return p;
}

void
text_parser_feed(struct text_parser *p, const char *data, size_t len)
{
	if (!p->started) {
		while (len > 0 && p->npre < sizeof(p->pre)) {
			p->pre[p->npre++] = (unsigned char)*data++;
			len--;
		}
		if (p->npre < sizeof(p->pre))
			return;
		p->started = 1;
		if (memcmp(p->pre, "\xef\xbb\xbf", 3) != 0)
			feed_raw(p, (const char *)p->pre, p->npre);
	}
	if (len > 0)
		feed_raw(p, data, len);
}

/* The sink's text, valid UTF-8. */
static char *
sink_take(struct sink *k)
{
	char	*s = buf_take(&k->b), *r;

	if ((r = utf8_repair(s, strlen(s))) != NULL) {
		free(s);
		s = r;
	}
	return s;
}

struct text_doc *
text_parser_finish(struct text_parser *p)
{
	struct text_doc	*d;
	size_t		 i, j;

	if (!p->started) {
		p->started = 1;
		if (p->npre > 0)
			feed_raw(p, (const char *)p->pre, p->npre);
	}
	if (p->ctxt != NULL) {
		if (p->blk.len > 0)
			html_block(p, p->blk.s, p->blk.len);
		p->blk.len = 0;
		html_chunk(p, p->hold, p->nhold);
		p->nhold = 0;
		htmlParseChunk(p->ctxt, NULL, 0, 1);
		htmlFreeParserCtxt(p->ctxt);
		p->ctxt = NULL;
	}
	if (p->ncarry > 0)
		sink_text(&p->text, REPLACEMENT, 3, 1);

	d = xcalloc(1, sizeof(*d));
	d->truncated = p->text.full;
	d->text = sink_take(&p->text);
	d->len = strlen(d->text);
	d->words = count_words(d->text, d->len);
	d->title = sink_take(&p->title);
	if (p->h1.b.len > 0)
		d->h1 = sink_take(&p->h1);
	else
		d->h1 = sink_take(&p->h1any);
	d->noindex = p->noindex;
	d->password = p->password;
	d->search = p->search;
	d->refresh = p->refresh;
	p->refresh = NULL;
	d->hosts = xcalloc(HOSTS_MAX, sizeof(*d->hosts));
	for (i = 0; i < p->res.n; i++) {
		d->hosts[d->nhosts++] = p->res.h[i];
		p->res.h[i] = NULL;
	}
	d->nres = d->nhosts;
	p->res.n = 0;
	for (i = 0; i < p->links.n && d->nhosts < HOSTS_MAX; i++) {
		for (j = 0; j < d->nres; j++)
			if (strcmp(d->hosts[j], p->links.h[i]) == 0)
				break;
		if (j == d->nres) {
			d->hosts[d->nhosts++] = p->links.h[i];
			p->links.h[i] = NULL;
		}
	}
	text_parser_free(p);
	return d;
}

void
text_parser_free(struct text_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt != NULL)
		htmlFreeParserCtxt(p->ctxt);
	free(p->stage.s);
	free(p->blk.s);
	free(p->text.b.s);
	free(p->title.b.s);
	free(p->h1.b.s);
	free(p->h1any.b.s);
	free(p->refresh);
	hostset_free(&p->res);
	hostset_free(&p->links);
	free(p);
}

void
text_doc_free(struct text_doc *d)
{
	size_t	i;

	if (d == NULL)
		return;
	free(d->title);
	free(d->h1);
	free(d->text);
	free(d->refresh);
	for (i = 0; i < d->nhosts; i++)
		free(d->hosts[i]);
	free(d->hosts);
	free(d);
}

int
text_kind_of(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return -1;
	while (is_space((unsigned char)*ct))
		ct++;
	for (n = 0; ct[n] != '\0' && ct[n] != ';' &&
	    !is_space((unsigned char)ct[n]); n++)
		;
	if (word_is(ct, n, "text/html") ||
	    word_is(ct, n, "application/xhtml+xml"))
		return TEXT_HTML;
	if (word_is(ct, n, "text/plain"))
		return TEXT_PLAIN;
	return -1;
}

int
text_sniff(const char *data, size_t len)
{
	static const char *const starts[] = {
		"<!doctype html", "<html", "<head", "<body", "<title"
	};
	const char	*s = data, *end = data + len, *c;
	size_t		 i, k;
	int		 comments = 0;

	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	for (;;) {
		while (s < end && is_space((unsigned char)*s))
			s++;
		if (end - s < 4 || memcmp(s, "<!--", 4) != 0 || comments++ > 8)
			break;
		for (c = s + 4; c + 3 <= end && memcmp(c, "-->", 3) != 0; c++)
			;
		if (c + 3 > end)
			return 0;
		s = c + 3;
	}
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		k = strlen(starts[i]);
		if ((size_t)(end - s) >= k &&
		    strncasecmp(s, starts[i], k) == 0 &&
		    ((size_t)(end - s) == k || is_space((unsigned char)s[k]) ||
		    s[k] == '>' || s[k] == '/'))
			return 1;
	}
	return 0;
}

/*
 * Folding: ASCII lowercase, Latin-1 letters to their base letter.  One
 * entry per second byte of a C3 sequence (U+00C0-U+00FF); NULL keeps it.
 */
static const char *const latin1_fold[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* C0-C7 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* C8-CF */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* D0-D7 */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* D8-DF */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* E0-E7 */
	"e", "e", "e", "e", "i", "i", "i", "i",		/* E8-EF */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* F0-F7 */
	"o", "u", "u", "u", "u", "y", "th", "y"		/* F8-FF */
};

/*
 * Fold the character at s[i] (of n) into out: returns its length in s,
 * or 0 if it is not a letter that folds (ASCII letters and digits are
 * lowercased and count).  *olen is what went to out (<= 2 bytes).
 */
static size_t
fold_char(const unsigned char *s, size_t n, size_t i, char out[2],
    size_t *olen)
{
	const char	*f;

	if (s[i] < 0x80) {
		out[0] = (char)lower(s[i]);
		*olen = 1;
		return 1;
	}
	if (i + 1 < n && s[i] == 0xc3 && s[i + 1] >= 0x80 &&
	    s[i + 1] <= 0xbf && (f = latin1_fold[s[i + 1] - 0x80]) != NULL) {
		*olen = strlen(f);
		memcpy(out, f, *olen);
		return 2;
	}
	if (i + 1 < n && s[i] == 0xc5 && (s[i + 1] == 0x92 ||
	    s[i + 1] == 0x93)) {
		memcpy(out, "oe", 2);
		*olen = 2;
		return 2;
	}
	return 0;
}

char *
text_fold(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	char			*o = xmalloc(2 * n + 1), f[2];
	size_t			 i = 0, k = 0, l, fl;

	while (i < n) {
		if (s[i] < 0x80) {
			o[k++] = (char)lower(s[i++]);
			continue;
		}
		if ((l = fold_char(s, n, i, f, &fl)) > 0) {
			memcpy(o + k, f, fl);
			k += fl;
			i += l;
		} else
			o[k++] = (char)s[i++];
	}
	o[k] = '\0';
	return o;
}

/*
 * The volatile scanner.  Words that matter (month and weekday names,
 * "today", units of "3 minutes ago", counter words...) are looked up in
 * a hash table built once, keyed by the folded word.
 */
enum {
	W_MONTH		= 1 << 0,
	W_WEEKDAY	= 1 << 1,
	W_DAYWORD	= 1 << 2,	/* today, ayer: only next to a time */
	W_UNIT		= 1 << 3,	/* minutes, horas */
	W_AGO		= 1 << 4,	/* after the unit: ago, atras */
	W_AGO_PRE	= 1 << 5,	/* before the number: hace, ha, vor */
	W_ARTICLE	= 1 << 6,	/* "a minute ago", "hace un minuto" */
	W_JOINER	= 1 << 7,	/* between a date and a time: at */
	W_COUNTER	= 1 << 8,	/* views, comentarios */
	W_TZ		= 1 << 9,	/* UTC, CET: only written in capitals */
	W_TIMESUF	= 1 << 10,	/* 10:30 Uhr, 10:30 h */
	W_PEOPLE	= 1 << 11	/* "12 people are reading" */
};

struct word {
	const char	*w;
	unsigned short	 roles;
	unsigned char	 month;
};

static const struct word wordlist[] = {
	/* months: en, es, pt, fr, de; full and short */
	{ "january", W_MONTH, 1 }, { "jan", W_MONTH, 1 },
	{ "enero", W_MONTH, 1 }, { "ene", W_MONTH, 1 },
	{ "janeiro", W_MONTH, 1 }, { "janvier", W_MONTH, 1 },
	{ "janv", W_MONTH, 1 }, { "januar", W_MONTH, 1 },
	{ "february", W_MONTH, 2 }, { "feb", W_MONTH, 2 },
	{ "febrero", W_MONTH, 2 }, { "fevereiro", W_MONTH, 2 },
	{ "fev", W_MONTH, 2 }, { "fevrier", W_MONTH, 2 },
	{ "fevr", W_MONTH, 2 }, { "februar", W_MONTH, 2 },
	{ "march", W_MONTH, 3 }, { "mar", W_MONTH, 3 },
	{ "marzo", W_MONTH, 3 }, { "marco", W_MONTH, 3 },
	{ "mars", W_MONTH, 3 }, { "marz", W_MONTH, 3 },
	{ "april", W_MONTH, 4 }, { "apr", W_MONTH, 4 },
	{ "abril", W_MONTH, 4 }, { "abr", W_MONTH, 4 },
	{ "avril", W_MONTH, 4 }, { "avr", W_MONTH, 4 },
	{ "may", W_MONTH, 5 }, { "mayo", W_MONTH, 5 },
	{ "maio", W_MONTH, 5 }, { "mai", W_MONTH, 5 },
	{ "june", W_MONTH, 6 }, { "jun", W_MONTH, 6 },
	{ "junio", W_MONTH, 6 }, { "junho", W_MONTH, 6 },
	{ "juin", W_MONTH, 6 }, { "juni", W_MONTH, 6 },
	{ "july", W_MONTH, 7 }, { "jul", W_MONTH, 7 },
	{ "julio", W_MONTH, 7 }, { "julho", W_MONTH, 7 },
	{ "juillet", W_MONTH, 7 }, { "juil", W_MONTH, 7 },
	{ "juli", W_MONTH, 7 },
	{ "august", W_MONTH, 8 }, { "aug", W_MONTH, 8 },
	{ "agosto", W_MONTH, 8 }, { "ago", W_MONTH | W_AGO, 8 },
	{ "aout", W_MONTH, 8 },
	{ "september", W_MONTH, 9 }, { "sep", W_MONTH, 9 },
	{ "sept", W_MONTH, 9 }, { "septiembre", W_MONTH, 9 },
	{ "setiembre", W_MONTH, 9 }, { "set", W_MONTH, 9 },
	{ "setembro", W_MONTH, 9 }, { "septembre", W_MONTH, 9 },
	{ "october", W_MONTH, 10 }, { "oct", W_MONTH, 10 },
	{ "octubre", W_MONTH, 10 }, { "outubro", W_MONTH, 10 },
	{ "out", W_MONTH, 10 }, { "octobre", W_MONTH, 10 },
	{ "oktober", W_MONTH, 10 }, { "okt", W_MONTH, 10 },
	{ "november", W_MONTH, 11 }, { "nov", W_MONTH, 11 },
	{ "noviembre", W_MONTH, 11 }, { "novembro", W_MONTH, 11 },
	{ "novembre", W_MONTH, 11 },
	{ "december", W_MONTH, 12 }, { "dec", W_MONTH, 12 },
	{ "diciembre", W_MONTH, 12 }, { "dic", W_MONTH, 12 },
	{ "dezembro", W_MONTH, 12 }, { "dez", W_MONTH, 12 },
	{ "decembre", W_MONTH, 12 }, { "dezember", W_MONTH, 12 },

	/* weekdays */
	{ "monday", W_WEEKDAY, 0 }, { "mon", W_WEEKDAY, 0 },
	{ "tuesday", W_WEEKDAY, 0 }, { "tue", W_WEEKDAY, 0 },
	{ "tues", W_WEEKDAY, 0 }, { "wednesday", W_WEEKDAY, 0 },
	{ "wed", W_WEEKDAY, 0 }, { "thursday", W_WEEKDAY, 0 },
	{ "thu", W_WEEKDAY, 0 }, { "thur", W_WEEKDAY, 0 },
	{ "thurs", W_WEEKDAY, 0 }, { "friday", W_WEEKDAY, 0 },
	{ "fri", W_WEEKDAY, 0 }, { "saturday", W_WEEKDAY, 0 },
	{ "sat", W_WEEKDAY, 0 }, { "sunday", W_WEEKDAY, 0 },
	{ "sun", W_WEEKDAY, 0 },
	{ "lunes", W_WEEKDAY, 0 }, { "lun", W_WEEKDAY, 0 },
	{ "martes", W_WEEKDAY, 0 }, { "mar", W_WEEKDAY, 0 },
	{ "miercoles", W_WEEKDAY, 0 }, { "mie", W_WEEKDAY, 0 },
	{ "jueves", W_WEEKDAY, 0 }, { "jue", W_WEEKDAY, 0 },
	{ "viernes", W_WEEKDAY, 0 }, { "vie", W_WEEKDAY, 0 },
	{ "sabado", W_WEEKDAY, 0 }, { "sab", W_WEEKDAY, 0 },
	{ "domingo", W_WEEKDAY, 0 }, { "dom", W_WEEKDAY, 0 },
	{ "segunda", W_WEEKDAY, 0 }, { "terca", W_WEEKDAY, 0 },
	{ "quarta", W_WEEKDAY, 0 }, { "quinta", W_WEEKDAY, 0 },
	{ "sexta", W_WEEKDAY, 0 }, { "seg", W_WEEKDAY, 0 },
	{ "ter", W_WEEKDAY, 0 }, { "qua", W_WEEKDAY, 0 },
	{ "qui", W_WEEKDAY, 0 }, { "sex", W_WEEKDAY, 0 },
	{ "lundi", W_WEEKDAY, 0 }, { "mardi", W_WEEKDAY, 0 },
	{ "mercredi", W_WEEKDAY, 0 }, { "mer", W_WEEKDAY, 0 },
	{ "jeudi", W_WEEKDAY, 0 }, { "jeu", W_WEEKDAY, 0 },
	{ "vendredi", W_WEEKDAY, 0 }, { "ven", W_WEEKDAY, 0 },
	{ "samedi", W_WEEKDAY, 0 }, { "sam", W_WEEKDAY, 0 },
	{ "dimanche", W_WEEKDAY, 0 }, { "dim", W_WEEKDAY, 0 },
	{ "montag", W_WEEKDAY, 0 }, { "dienstag", W_WEEKDAY, 0 },
	{ "mittwoch", W_WEEKDAY, 0 }, { "donnerstag", W_WEEKDAY, 0 },
	{ "freitag", W_WEEKDAY, 0 }, { "samstag", W_WEEKDAY, 0 },
	{ "sonnabend", W_WEEKDAY, 0 }, { "sonntag", W_WEEKDAY, 0 },

	/* words for a day, which count only next to a time */
	{ "today", W_DAYWORD, 0 }, { "yesterday", W_DAYWORD, 0 },
	{ "hoy", W_DAYWORD, 0 }, { "ayer", W_DAYWORD, 0 },
	{ "hoje", W_DAYWORD, 0 }, { "ontem", W_DAYWORD, 0 },
	{ "hier", W_DAYWORD, 0 }, { "heute", W_DAYWORD, 0 },
	{ "gestern", W_DAYWORD, 0 }, { "aujourd", W_DAYWORD, 0 },

	/* relative ages */
	{ "second", W_UNIT, 0 }, { "seconds", W_UNIT, 0 },
	{ "sec", W_UNIT, 0 }, { "secs", W_UNIT, 0 }, { "s", W_UNIT, 0 },
	{ "minute", W_UNIT, 0 }, { "minutes", W_UNIT, 0 },
	{ "min", W_UNIT, 0 }, { "mins", W_UNIT, 0 }, { "m", W_UNIT, 0 },
	{ "hour", W_UNIT, 0 }, { "hours", W_UNIT, 0 },
	{ "hr", W_UNIT, 0 }, { "hrs", W_UNIT | W_TIMESUF, 0 },
	{ "h", W_UNIT | W_TIMESUF, 0 },
	{ "day", W_UNIT, 0 }, { "days", W_UNIT, 0 }, { "d", W_UNIT, 0 },
	{ "week", W_UNIT, 0 }, { "weeks", W_UNIT, 0 },
	{ "wk", W_UNIT, 0 }, { "wks", W_UNIT, 0 }, { "w", W_UNIT, 0 },
	{ "month", W_UNIT, 0 }, { "months", W_UNIT, 0 },
	{ "mo", W_UNIT, 0 }, { "mos", W_UNIT, 0 },
	{ "year", W_UNIT, 0 }, { "years", W_UNIT, 0 },
	{ "yr", W_UNIT, 0 }, { "yrs", W_UNIT, 0 }, { "y", W_UNIT, 0 },
	{ "segundo", W_UNIT, 0 }, { "segundos", W_UNIT, 0 },
	{ "minuto", W_UNIT, 0 }, { "minutos", W_UNIT, 0 },
	{ "hora", W_UNIT, 0 }, { "horas", W_UNIT | W_TIMESUF, 0 },
	{ "dia", W_UNIT, 0 }, { "dias", W_UNIT, 0 },
	{ "semana", W_UNIT, 0 }, { "semanas", W_UNIT, 0 },
	{ "mes", W_UNIT, 0 }, { "meses", W_UNIT, 0 },
	{ "ano", W_UNIT, 0 }, { "anos", W_UNIT, 0 },
	{ "seconde", W_UNIT, 0 }, { "secondes", W_UNIT, 0 },
	{ "heure", W_UNIT, 0 }, { "heures", W_UNIT, 0 },
	{ "jour", W_UNIT, 0 }, { "jours", W_UNIT, 0 },
	{ "semaine", W_UNIT, 0 }, { "semaines", W_UNIT, 0 },
	{ "mois", W_UNIT, 0 }, { "an", W_UNIT | W_ARTICLE, 0 },
	{ "ans", W_UNIT, 0 },
	{ "sekunde", W_UNIT, 0 }, { "sekunden", W_UNIT, 0 },
	{ "minuten", W_UNIT, 0 }, { "stunde", W_UNIT, 0 },
	{ "stunden", W_UNIT, 0 }, { "std", W_UNIT, 0 },
	{ "tag", W_UNIT, 0 }, { "tagen", W_UNIT, 0 },
	{ "woche", W_UNIT, 0 }, { "wochen", W_UNIT, 0 },
	{ "monat", W_UNIT, 0 }, { "monaten", W_UNIT, 0 },
	{ "jahr", W_UNIT, 0 }, { "jahren", W_UNIT, 0 },
	{ "ago", W_AGO, 0 }, { "atras", W_AGO, 0 },
	{ "hace", W_AGO_PRE, 0 }, { "ha", W_AGO_PRE, 0 },
	{ "faz", W_AGO_PRE, 0 }, { "vor", W_AGO_PRE, 0 },
	{ "il", W_AGO_PRE, 0 },
	{ "a", W_ARTICLE | W_JOINER, 0 }, { "one", W_ARTICLE, 0 },
	{ "un", W_ARTICLE, 0 }, { "una", W_ARTICLE, 0 },
	{ "um", W_ARTICLE | W_JOINER, 0 }, { "uma", W_ARTICLE, 0 },
	{ "une", W_ARTICLE, 0 }, { "einer", W_ARTICLE, 0 },
	{ "einem", W_ARTICLE, 0 }, { "einen", W_ARTICLE, 0 },

	/* between the parts of a date and time */
	{ "at", W_JOINER, 0 }, { "on", W_JOINER, 0 },
	{ "as", W_JOINER, 0 }, { "las", W_JOINER, 0 },
	{ "la", W_JOINER, 0 }, { "le", W_JOINER, 0 },
	{ "am", W_JOINER, 0 }, { "de", W_JOINER, 0 },
	{ "el", W_JOINER, 0 }, { "the", W_JOINER, 0 },
	{ "en", W_JOINER, 0 },

	/* counters */
	{ "views", W_COUNTER, 0 }, { "view", W_COUNTER, 0 },
	{ "visits", W_COUNTER, 0 }, { "reads", W_COUNTER, 0 },
	{ "comments", W_COUNTER, 0 }, { "comment", W_COUNTER, 0 },
	{ "shares", W_COUNTER, 0 }, { "likes", W_COUNTER, 0 },
	{ "followers", W_COUNTER, 0 }, { "vistas", W_COUNTER, 0 },
	{ "visitas", W_COUNTER, 0 }, { "lecturas", W_COUNTER, 0 },
	{ "comentarios", W_COUNTER, 0 }, { "compartidos", W_COUNTER, 0 },
	{ "visualizacoes", W_COUNTER, 0 }, { "leituras", W_COUNTER, 0 },
	{ "curtidas", W_COUNTER, 0 }, { "seguidores", W_COUNTER, 0 },
	{ "vues", W_COUNTER, 0 }, { "commentaires", W_COUNTER, 0 },
	{ "partages", W_COUNTER, 0 }, { "aufrufe", W_COUNTER, 0 },
	{ "kommentare", W_COUNTER, 0 }, { "people", W_PEOPLE, 0 },

	/* time zones and suffixes */
	{ "utc", W_TZ, 0 }, { "gmt", W_TZ, 0 }, { "cet", W_TZ, 0 },
	{ "cest", W_TZ, 0 }, { "eet", W_TZ, 0 }, { "eest", W_TZ, 0 },
	{ "wet", W_TZ, 0 }, { "west", W_TZ, 0 }, { "bst", W_TZ, 0 },
	{ "ist", W_TZ, 0 }, { "est", W_TZ, 0 }, { "edt", W_TZ, 0 },
	{ "cst", W_TZ, 0 }, { "cdt", W_TZ, 0 }, { "mst", W_TZ, 0 },
	{ "mdt", W_TZ, 0 }, { "pst", W_TZ, 0 }, { "pdt", W_TZ, 0 },
	{ "akst", W_TZ, 0 }, { "akdt", W_TZ, 0 }, { "hst", W_TZ, 0 },
	{ "aest", W_TZ, 0 }, { "aedt", W_TZ, 0 }, { "acst", W_TZ, 0 },
	{ "awst", W_TZ, 0 }, { "jst", W_TZ, 0 }, { "kst", W_TZ, 0 },
	{ "hkt", W_TZ, 0 }, { "sgt", W_TZ, 0 }, { "msk", W_TZ, 0 },
	{ "art", W_TZ, 0 }, { "brt", W_TZ, 0 }, { "clt", W_TZ, 0 },
	{ "cot", W_TZ, 0 }, { "pet", W_TZ, 0 }, { "vet", W_TZ, 0 },
	{ "eat", W_TZ, 0 }, { "wat", W_TZ, 0 }, { "cat", W_TZ, 0 },
	{ "sast", W_TZ, 0 }, { "pkt", W_TZ, 0 }, { "ict", W_TZ, 0 },
	{ "wib", W_TZ, 0 }, { "uhr", W_TIMESUF, 0 }, { "hs", W_TIMESUF, 0 }
};

#define WORD_MAX	15	/* longest folded word looked up */
#define WTAB_SIZE	1024	/* power of two, > 2 * entries */

struct wslot {
	char		 key[WORD_MAX + 1];
	unsigned short	 roles;
	unsigned char	 month;
};

static struct wslot	wtab[WTAB_SIZE];

/*
 * Which (first letter, second letter or none, length) keys exist: most
 * words of a page are turned away here without a probe.
 */
static uint16_t		wfilter[26][27];

static uint16_t *
wfilter_of(const char *key, size_t k)
{
	return &wfilter[key[0] - 'a'][k > 1 ? key[1] - 'a' : 26];
}

static void
wtab_init(void)
{
	struct wslot	*e;
	size_t		 i, n;
	uint32_t	 h;

	for (i = 0; i < sizeof(wordlist) / sizeof(wordlist[0]); i++) {
		n = strlen(wordlist[i].w);
		h = fnv32(wordlist[i].w, n);
		for (;;) {
			e = &wtab[h & (WTAB_SIZE - 1)];
			if (e->key[0] == '\0' ||
			    strcmp(e->key, wordlist[i].w) == 0)
				break;
			h++;
		}
		memcpy(e->key, wordlist[i].w, n + 1);
		*wfilter_of(wordlist[i].w, n) |= (uint16_t)(1u << n);
		e->roles |= wordlist[i].roles;
		if (wordlist[i].month != 0)
			e->month = wordlist[i].month;
	}
}

static const struct wslot *
wlookup(const char *w, size_t n, uint32_t h)
{
	const struct wslot	*e;

	for (;;) {
		e = &wtab[h & (WTAB_SIZE - 1)];
		if (e->key[0] == '\0')
			return NULL;
		if (memcmp(e->key, w, n) == 0 && e->key[n] == '\0')
			return e;
		h++;
	}
}

/*
 * Word boundaries.  A letter is an ASCII letter or digit, or a byte of a
 * multibyte character other than the Latin-1 punctuation (C2 xx) and
 * General Punctuation (E2 xx) blocks: a date after an em dash or
 * a guillemet still starts a word.
 */
static int
letter_at(const unsigned char *s, size_t i)
{
	return s[i] < 0x80 ? is_alnum(s[i]) :
	    s[i] >= 0xc0 && s[i] != 0xc2 && s[i] != 0xe2;
}

static int
letter_before(const unsigned char *s, size_t i)
{
	size_t	j;

	if (i == 0)
		return 0;
	if (s[i - 1] < 0x80)
		return is_alnum(s[i - 1]);
	for (j = i - 1; j > 0 && i - j < 4 && (s[j] & 0xc0) == 0x80; j--)
		;
	return s[j] != 0xc2 && s[j] != 0xe2;
}

/* A letter of a word to look up: ASCII, or Latin-1/Latin Extended-A. */
static size_t
word_letter(const unsigned char *s, size_t n, size_t i)
{
	if (i >= n)
		return 0;
	if (s[i] < 0x80)
		return is_alpha(s[i]) ? 1 : 0;
	if ((s[i] == 0xc3 || s[i] == 0xc5) && i + 1 < n &&
	    (s[i + 1] & 0xc0) == 0x80)
		return 2;
	return 0;
}

/*
 * The word at s[i]: its end in *end and its table entry (NULL if it is
 * not there).  "aujourd'hui" is read as one word.  The key is folded and
 * hashed as it is read: this runs for most words of a page.
 */
static const struct wslot *
word_at(const unsigned char *s, size_t n, size_t i, size_t *end)
{
	char		key[WORD_MAX + 2], f[2];
	size_t		k = 0, j = i, fl, x;
	uint32_t	h = 2166136261u;
	int		fits = 1, c;

	for (;;) {
		if (j < n && s[j] < 0x80) {
			if (!is_alpha(s[j]))
				break;
			c = s[j++] | 0x20;
			if (k == WORD_MAX)
				fits = 0;
			else {
				key[k++] = (char)c;
				h = (h ^ (unsigned)c) * 16777619u;
			}
			continue;
		}
		if (word_letter(s, n, j) != 2)
			break;
		if (fold_char(s, n, j, f, &fl) == 0 || k + fl > WORD_MAX)
			fits = 0;
		else
			for (x = 0; x < fl; x++) {
				key[k++] = f[x];
				h = (h ^ (unsigned char)f[x]) * 16777619u;
			}
		j += 2;
	}
	*end = j;
	if (!fits || k == 0 || key[0] < 'a' || key[0] > 'z' ||
	    (k > 1 && (key[1] < 'a' || key[1] > 'z')) ||
	    !(*wfilter_of(key, k) & (1u << k)))
		return NULL;
	if (k == 7 && memcmp(key, "aujourd", 7) == 0) {
		if (j + 4 <= n && s[j] == '\'' &&
		    strncasecmp((const char *)s + j + 1, "hui", 3) == 0)
			*end = j + 4;
		else if (j + 6 <= n && memcmp(s + j, "\xe2\x80\x99", 3) == 0 &&
		    strncasecmp((const char *)s + j + 3, "hui", 3) == 0)
			*end = j + 6;
		else
			return NULL;
	}
	return wlookup(key, k, h);
}

/* Roles of the word at s[i], its end in *end; 0 if none. */
static unsigned
roles_at(const unsigned char *s, size_t n, size_t i, size_t *end)
{
	const struct wslot	*w = word_at(s, n, i, end);

	return w != NULL && !(*end < n && is_digit(s[*end])) ? w->roles : 0;
}

/*
 * Digits at s[i], at most max of them: their count, or 0 if there are
 * more.  Their value in *v, held at 99999999 at most (only small values
 * are ever compared).
 */
static size_t
digits(const unsigned char *s, size_t n, size_t i, size_t max, int *v)
{
	size_t	k;

	*v = 0;
	for (k = 0; i + k < n && is_digit(s[i + k]); k++) {
		if (k == max)
			return 0;
		if (*v < 9999999)
			*v = *v * 10 + (s[i + k] - '0');
		else
			*v = 99999999;
	}
	return k;
}

/* Exactly want digits at s[i] (not followed by another). */
static int
digits_exact(const unsigned char *s, size_t n, size_t i, size_t want,
    int *v)
{
	return digits(s, n, i, want, v) == want;
}

static size_t
skip_space(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* "am", "pm", "a.m.", "p. m." at s[i], any case: its end, or 0. */
static size_t
ampm(const unsigned char *s, size_t n, size_t i)
{
	size_t	j;
	int	dotted = 0;

	if (i >= n || (lower(s[i]) != 'a' && lower(s[i]) != 'p'))
		return 0;
	j = i + 1;
	if (j < n && s[j] == '.') {
		dotted = 1;
		j = skip_space(s, n, j + 1);
	}
	if (j >= n || lower(s[j]) != 'm')
		return 0;
	j++;
	if (dotted && j < n && s[j] == '.')
		j++;
	if (j < n && is_alnum(s[j]))
		return 0;
	return j;
}

/* "+01:00", "-0300", "+1" at s[i]: its end, or 0. */
static size_t
offset(const unsigned char *s, size_t n, size_t i)
{
	size_t	k;
	int	v;

	if (i >= n || (s[i] != '+' && s[i] != '-'))
		return 0;
	k = digits(s, n, i + 1, 4, &v);
	if (k == 0 || k == 3)
		return 0;
	i += 1 + k;
	if (k <= 2 && i + 2 < n && s[i] == ':' && digits_exact(s, n, i + 1, 2,
	    &v))
		i += 3;
	return i;
}

/*
 * What may follow a time: am/pm, then a zone ("Z", "+01:00", "UTC",
 * "GMT+2", "CET") or a suffix ("Uhr", "h").
 */
static size_t
time_tail(const unsigned char *s, size_t n, size_t e)
{
	size_t		 j, k, w;
	unsigned	 r;

	if ((j = ampm(s, n, skip_space(s, n, e))) > 0)
		e = j;
	if (e < n && s[e] == 'Z' && (e + 1 == n || !is_alnum(s[e + 1])))
		return e + 1;
	/* "+01:00", or the end of a range "-12:00": a zone may follow */
	if ((j = offset(s, n, e)) > 0)
		e = j;
	if ((j = skip_space(s, n, e)) == e)
		return e;
	if ((k = offset(s, n, j)) > 0)
		return k;
	if (j < n && is_alpha(s[j]) && (r = roles_at(s, n, j, &w)) != 0) {
		if (r & W_TIMESUF)
			return w;
		if (r & W_TZ) {
			for (k = j; k < w && s[k] >= 'A' && s[k] <= 'Z'; k++)
				;
			if (k == w)
				return (k = offset(s, n, w)) > 0 ? k : w;
		}
	}
	return e;
}

/* H:MM[:SS[.frac]], 10h30, or 3 pm, at s[i]: its end, or 0. */
static size_t
parse_time(const unsigned char *s, size_t n, size_t i)
{
	size_t	k, e, j;
	int	h, m, sec;

	if ((k = digits(s, n, i, 2, &h)) == 0 || h > 24)
		return 0;
	e = i + k;
	if (e + 2 < n && (s[e] == ':' || s[e] == 'h') &&
	    digits_exact(s, n, e + 1, 2, &m) && m <= 59) {
		if (s[e] == 'h') {
			e += 3;
			return e < n && is_alnum(s[e]) ? 0 : e;
		}
		e += 3;
		if (e + 2 < n && s[e] == ':' && digits_exact(s, n, e + 1, 2,
		    &sec) && sec <= 60) {
			e += 3;
			if (e + 1 < n && (s[e] == '.' || s[e] == ',') &&
			    is_digit(s[e + 1]))
				for (e++; e < n && is_digit(s[e]); e++)
					;
		}
		if (e < n && (is_digit(s[e]) || (s[e] == ':' && e + 1 < n &&
		    is_digit(s[e + 1]))))
			return 0;
		return time_tail(s, n, e);
	}
	if (h >= 1 && h <= 12 && (j = ampm(s, n, skip_space(s, n, e))) > 0)
		return time_tail(s, n, j);
	return 0;
}

/* A day of the month at s[i] with its ordinal mark: its end, or 0. */
static size_t
day_num(const unsigned char *s, size_t n, size_t i)
{
	size_t	k, e;
	int	d;

	if ((k = digits(s, n, i, 2, &d)) == 0 || d < 1 || d > 31)
		return 0;
	e = i + k;
	if (e + 1 < n && s[e] == 0xc2 && (s[e + 1] == 0xba ||
	    s[e + 1] == 0xaa || s[e + 1] == 0xb0))
		return e + 2;
	if (e + 2 <= n && (strncasecmp((const char *)s + e, "st", 2) == 0 ||
	    strncasecmp((const char *)s + e, "nd", 2) == 0 ||
	    strncasecmp((const char *)s + e, "rd", 2) == 0 ||
	    strncasecmp((const char *)s + e, "th", 2) == 0 ||
	    strncasecmp((const char *)s + e, "er", 2) == 0) &&
	    (e + 2 == n || !is_alnum(s[e + 2])))
		return e + 2;
	if (e < n && s[e] == '.')
		return e + 1;
	return e < n && is_alnum(s[e]) ? 0 : e;
}

/* A 4-digit year at s[i] (not part of a longer number): end, or 0. */
static size_t
year4(const unsigned char *s, size_t n, size_t i)
{
	int	y;

	return digits_exact(s, n, i, 4, &y) && y >= 1000 && y <= 2999 ?
	    i + 4 : 0;
}

enum item {
	I_DATE, I_DATE_NOYEAR, I_TIME, I_DAYWORD, I_WEEKDAY, I_ALONE
};

/* ", 2026" or " de 2026" after a day and month: end, or 0. */
static size_t
year_after(const unsigned char *s, size_t n, size_t e)
{
	size_t	j = e, w;

	if (j < n && s[j] == ',')
		j++;
	j = skip_space(s, n, j);
	if (j > e && j + 2 < n && lower(s[j]) == 'd' &&
	    lower(s[j + 1]) == 'e' && s[j + 2] == ' ')
		j = skip_space(s, n, j + 2);
	if (j == e)
		return 0;
	return (w = year4(s, n, j)) > 0 ? w : 0;
}

/* Month name at s[i], with an abbreviation dot: end, or 0. */
static size_t
month_at(const unsigned char *s, size_t n, size_t i)
{
	size_t	w;

	if (!(roles_at(s, n, i, &w) & W_MONTH))
		return 0;
	return w < n && s[w] == '.' ? w + 1 : w;
}

/*
 * Dates starting with a digit: 2026-12-01[T10:00Z], 01/12/2026, 12/1/26,
 * 01.12.2026, 1 December 2026, 1º de dezembro de 2026, 1. Dezember
 * 2026, 01-Dec-2026; without a year ("1 December") as I_DATE_NOYEAR.
 */
static size_t
parse_date_num(const unsigned char *s, size_t n, size_t i, enum item *kind)
{
	size_t	k, e, j, w;
	int	a, b, c, sep;

	*kind = I_DATE;
	k = digits(s, n, i, 4, &a);
	if (k == 4 && i + 4 < n && in_set(s[i + 4], "-/.")) {
		sep = s[i + 4];
		e = i + 5;
		if ((k = digits(s, n, e, 2, &b)) == 0 || b < 1 || b > 12 ||
		    e + k >= n || s[e + k] != sep)
			return 0;
		e += k + 1;
		if ((k = digits(s, n, e, 2, &c)) == 0 || c < 1 || c > 31)
			return 0;
		e += k;
		if (e + 1 < n && s[e] == 'T' && is_digit(s[e + 1]) &&
		    (j = parse_time(s, n, e + 1)) > 0)
			return j;
		return e < n && is_alnum(s[e]) ? 0 : e;
	}
	if (k == 0 || k > 2)
		return 0;
	e = i + k;
	if (e < n && in_set(s[e], "/.-") && e + 1 < n &&
	    is_digit(s[e + 1])) {
		sep = s[e];
		if ((k = digits(s, n, e + 1, 2, &b)) == 0 || e + 1 + k >= n ||
		    s[e + 1 + k] != sep)
			return 0;
		e += 2 + k;
		k = digits(s, n, e, 4, &c);
		if (k != 4 && !(k == 2 && sep == '/'))
			return 0;
		e += k;
		if (e < n && (is_alnum(s[e]) || (s[e] == sep && e + 1 < n &&
		    is_digit(s[e + 1]))))
			return 0;
		if (a < 1 || b < 1 || !((a <= 31 && b <= 12) ||
		    (a <= 12 && b <= 31)))
			return 0;
		return e;
	}
	if ((e = day_num(s, n, i)) == 0)
		return 0;
	if (e + 1 < n && s[e] == '-' && (w = month_at(s, n, e + 1)) > 0) {
		if (w + 1 < n && s[w] == '-' && (k = digits(s, n, w + 1, 4,
		    &c)) >= 2 && k != 3)
			return w + 1 + k;
		return 0;
	}
	j = skip_space(s, n, e);
	if (j + 3 < n && ((lower(s[j]) == 'd' && lower(s[j + 1]) == 'e') ||
	    (lower(s[j]) == 'o' && lower(s[j + 1]) == 'f')) && s[j + 2] == ' ')
		j = skip_space(s, n, j + 3);
	if (j == e || (w = month_at(s, n, j)) == 0)
		return 0;
	if ((k = year_after(s, n, w)) > 0)
		return k;
	*kind = I_DATE_NOYEAR;
	return w;
}

/* "December 1, 2026", "Dec. 1 2026", "Dec 1" at s[i]: end, or 0. */
static size_t
parse_date_month(const unsigned char *s, size_t n, size_t i,
    enum item *kind)
{
	size_t	w, j, e, k;

	if ((w = month_at(s, n, i)) == 0)
		return 0;
	j = skip_space(s, n, w);
	if (j == w || (e = day_num(s, n, j)) == 0 || s[e - 1] == '.')
		return 0;
	*kind = I_DATE;
	if ((k = year_after(s, n, e)) > 0)
		return k;
	*kind = I_DATE_NOYEAR;
	return e;
}

/* A count: 1,234 / 1.234 / 1 234 / 1.2K / 12k / 1,2 mil: end, or 0. */
static size_t
parse_count(const unsigned char *s, size_t n, size_t i)
{
	size_t	k, e;
	int	v;

	if ((k = digits(s, n, i, 12, &v)) == 0)
		return 0;
	e = i + k;
	while (e + 3 < n && (s[e] == ',' || s[e] == '.' || s[e] == ' ') &&
	    digits_exact(s, n, e + 1, 3, &v))
		e += 4;
	if (e + 2 < n && (s[e] == '.' || s[e] == ',') && is_digit(s[e + 1])) {
		for (k = e + 1; k < n && is_digit(s[k]); k++)
			;
		if (k < n && in_set(s[k], "kKmM"))
			e = k;
	}
	if (e < n && in_set(s[e], "kKmM") &&
	    (e + 1 == n || !is_alnum(s[e + 1])))
		return e + 1;
	if (e + 4 <= n && s[e] == ' ' &&
	    strncasecmp((const char *)s + e + 1, "mil", 3) == 0 &&
	    (e + 4 == n || !is_alnum(s[e + 4])))
		return e + 4;
	return e < n && is_alnum(s[e]) ? 0 : e;
}

/* "people are reading" at s[i]: end, or 0. */
static size_t
people_reading(const unsigned char *s, size_t n, size_t i)
{
	static const char	phrase[] = "people are reading";

	if (i + sizeof(phrase) - 1 > n ||
	    strncasecmp((const char *)s + i, phrase, sizeof(phrase) - 1) != 0)
		return 0;
	return i + sizeof(phrase) - 1;
}

/* "1,234 views", "Views: 1,234", "comentarios (12)": end, or 0. */
static size_t
parse_counter(const unsigned char *s, size_t n, size_t i)
{
	size_t		 e, j, w;
	unsigned	 r;
	int		 colon;

	if (is_digit(s[i])) {
		if ((e = parse_count(s, n, i)) == 0)
			return 0;
		j = skip_space(s, n, e);
		if (j >= n || !is_alpha(s[j]))
			return 0;
		r = roles_at(s, n, j, &w);
		if (r & W_COUNTER)
			return w;
		return (r & W_PEOPLE) ? people_reading(s, n, j) : 0;
	}
	if (!(roles_at(s, n, i, &w) & W_COUNTER))
		return 0;
	j = w;
	if ((colon = j < n && s[j] == ':'))
		j++;
	j = skip_space(s, n, j);
	if (j < n && s[j] == '(') {
		if ((e = parse_count(s, n, j + 1)) == 0 || e >= n ||
		    s[e] != ')')
			return 0;
		return e + 1;
	}
	if (j == w || j >= n || !is_digit(s[j]) ||
	    (e = parse_count(s, n, j)) == 0)
		return 0;
	/* "comments 3 killed" is not a counter: "Comments: 3" is. */
	if (!colon && (j = skip_space(s, n, e)) < n && is_alpha(s[j]))
		return 0;
	return e;
}

/* A number ("3") or article ("an", "un") at s[i]: end, or 0. */
static size_t
age_amount(const unsigned char *s, size_t n, size_t i)
{
	size_t	k, w;
	int	v;

	if (i >= n)
		return 0;
	if (is_digit(s[i]))
		return (k = digits(s, n, i, 3, &v)) > 0 ? i + k : 0;
	return (roles_at(s, n, i, &w) & W_ARTICLE) ? w : 0;
}

/* A unit after an amount, " minutes" or "m" in "5m": end, or 0. */
static size_t
age_unit(const unsigned char *s, size_t n, size_t a)
{
	size_t	j = skip_space(s, n, a), w;

	if (j > a + 1)
		return 0;
	if (j == a && !is_digit(s[a - 1]))
		return 0;
	return j < n && is_alpha(s[j]) && (roles_at(s, n, j, &w) & W_UNIT) ?
	    w : 0;
}

/*
 * Relative ages: "3 minutes ago", "an hour ago", "5m ago", "2 horas
 * atrás", "hace 5 minutos", "há 2 horas", "il y a 3 jours", "vor 2
 * Stunden".
 */
static size_t
parse_age(const unsigned char *s, size_t n, size_t i)
{
	size_t		 a, u, j, w;
	unsigned	 r;

	if (is_alpha(s[i]) && (r = roles_at(s, n, i, &w)) & W_AGO_PRE) {
		j = w;
		if (w - i == 2 && lower(s[i]) == 'i') {
			/* "il y a" */
			if (j + 5 > n || strncasecmp((const char *)s + j,
			    " y a ", 5) != 0)
				return 0;
			j += 4;
		}
		if (j >= n || s[j] != ' ' ||
		    (a = age_amount(s, n, j + 1)) == 0 ||
		    (u = age_unit(s, n, a)) == 0)
			return 0;
		return u;
	}
	if ((a = age_amount(s, n, i)) == 0 || (u = age_unit(s, n, a)) == 0)
		return 0;
	j = skip_space(s, n, u);
	if (j == u || j >= n || !is_alpha(s[j]) ||
	    !(roles_at(s, n, j, &w) & W_AGO))
		return 0;
	return w;
}

/* Weekday at s[i] ("Monday", "sáb.", "segunda-feira,"): end, or 0. */
static size_t
parse_weekday(const unsigned char *s, size_t n, size_t i)
{
	size_t	w;

	if (!(roles_at(s, n, i, &w) & W_WEEKDAY))
		return 0;
	if (w + 6 <= n && strncasecmp((const char *)s + w, "-feira", 6) == 0)
		w += 6;
	if (w < n && s[w] == '.')
		w++;
	return w;
}

/* One part of a date or time at s[i]: its end and kind, or 0. */
static size_t
vol_item(const unsigned char *s, size_t n, size_t i, enum item *kind)
{
	size_t		 e, w;
	unsigned	 r;

	if (is_digit(s[i])) {
		if ((e = parse_date_num(s, n, i, kind)) > 0)
			return e;
		*kind = I_TIME;
		if ((e = parse_time(s, n, i)) > 0)
			return e;
		*kind = I_ALONE;
		if ((e = parse_age(s, n, i)) > 0)
			return e;
		return parse_counter(s, n, i);
	}
	if (!is_alpha(s[i]) || (r = roles_at(s, n, i, &w)) == 0)
		return 0;
	if ((r & W_MONTH) && (e = parse_date_month(s, n, i, kind)) > 0)
		return e;
	if ((r & W_WEEKDAY) && (e = parse_weekday(s, n, i)) > 0) {
		*kind = I_WEEKDAY;
		return e;
	}
	if (r & W_DAYWORD) {
		*kind = I_DAYWORD;
		return w;
	}
	*kind = I_ALONE;
	if ((r & (W_AGO_PRE | W_ARTICLE)) && (e = parse_age(s, n, i)) > 0)
		return e;
	if ((r & W_COUNTER) && (e = parse_counter(s, n, i)) > 0)
		return e;
	return 0;
}

/*
 * Between the parts of a date and time: spaces, , - | / @, dashes,
 * bullets and up to 3 joiner words ("at", "a las", "às").  The start of
 * the next part, or 0 if nothing was skipped.
 */
static size_t
vol_join(const unsigned char *s, size_t n, size_t e)
{
	size_t	j = e, w;
	int	words = 0;

	for (;;) {
		if (j < n && in_set(s[j], " ,-|/@"))
			j++;
		else if (j + 2 < n && s[j] == 0xe2 && s[j + 1] == 0x80 &&
		    (s[j + 2] == 0x93 || s[j + 2] == 0x94 || s[j + 2] == 0xa2))
			j += 3;
		else if (j + 1 < n && s[j] == 0xc2 && s[j + 1] == 0xb7)
			j += 2;
		else if (j > e && s[j - 1] == ' ' && words < 3 &&
		    word_letter(s, n, j) > 0 &&
		    (roles_at(s, n, j, &w) & W_JOINER) && w < n &&
		    s[w] == ' ') {
			j = w;
			words++;
		} else
			break;
	}
	return j > e ? j : 0;
}

#define CHAIN_MAX	8

/*
 * The matchers stay out of line: inlined into scan_volatile() they leave
 * its byte loop without registers (measured: 3x slower).
 */
#define COLD	__attribute__((__noinline__))

/*
 * A run of dates, times and the words around them at s[i] ("Monday, 1
 * December 2026 at 10:30 UTC", "hoy a las 10:30"), or a relative age or
 * a counter: its end, or 0.  Day words ("today") and dates without a
 * year count only next to a time, weekdays only next to something that
 * counts.
 */
static COLD size_t
vol_match(const unsigned char *s, size_t n, size_t i)
{
	enum item	 kind[CHAIN_MAX];
	size_t		 end[CHAIN_MAX], p = i, e;
	int		 ok[CHAIN_MAX], m = 0, j, last;

	while (m < CHAIN_MAX && p < n &&
	    (e = vol_item(s, n, p, &kind[m])) > 0) {
		if (kind[m] == I_ALONE) {
			/* ages and counters stand alone */
			if (m == 0)
				return e;
			break;
		}
		end[m++] = e;
		if ((p = vol_join(s, n, e)) == 0)
			break;
	}
	if (m == 0)
		return 0;
	for (j = 0; j < m; j++)
		ok[j] = kind[j] == I_DATE || kind[j] == I_TIME ||
		    ((kind[j] == I_DAYWORD || kind[j] == I_DATE_NOYEAR) &&
		    ((j > 0 && kind[j - 1] == I_TIME) ||
		    (j + 1 < m && kind[j + 1] == I_TIME)));
	for (j = 0; j < m; j++)
		if (kind[j] == I_WEEKDAY)
			ok[j] = (j > 0 && ok[j - 1] &&
			    kind[j - 1] != I_WEEKDAY) ||
			    (j + 1 < m && ok[j + 1] &&
			    kind[j + 1] != I_WEEKDAY);
	for (last = -1, j = 0; j < m && ok[j]; j++)
		last = j;
	return last >= 0 ? end[last] : 0;
}

/*
 * Session ids, CSRF tokens, hashes, UUIDs: a run of [A-Za-z0-9_-+/=] of
 * at least 20 bytes with a letter and a digit in one of its parts (split
 * at - _ + / =), so "covid-19-related-restrictions-2026" stays text.
 */
static COLD size_t
parse_token(const unsigned char *s, size_t n, size_t i)
{
	size_t	e;
	int	dig = 0, alp = 0, mixed = 0, cl;

	for (e = i; e < n && ((cl = bcls[s[e]]) & B_TOK); e++) {
		if (!(cl & B_ALNUM)) {
			mixed |= dig && alp;
			dig = alp = 0;
		} else if (cl & B_ALPHA)
			alp = 1;
		else
			dig = 1;
	}
	mixed |= dig && alp;
	if (e - i < 20 || !mixed || (e < n && letter_at(s, e)))
		return 0;
	return e;
}

/*
 * Whether the ASCII word s[i..e) may be in the word table, from its
 * first two letters and length alone.
 */
static int
word_maybe(const unsigned char *s, size_t i, size_t e)
{
	size_t	k = e - i;

	if (k > WORD_MAX)
		return 0;
	return (wfilter[(s[i] | 0x20) - 'a'][k > 1 ? (s[i + 1] | 0x20) - 'a' :
	    26] & (1u << k)) != 0;
}

/*
 * The built-in pass: copy s[0..n) to o with volatile parts replaced.
 * Tokens are tried where a run of 20 token bytes starts; dates, times,
 * ages and counters where a number starts, or a word that the table may
 * hold.  Everything else is skipped a word at a time: this pass runs on
 * every page.
 */
static void
scan_volatile(struct buf *o, const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, from = 0, e, te, we;
	int			 c, cl, ptok = 0, plet = 0;

	while (i < n) {
		c = s[i];
		cl = bcls[c];
		if (c >= 0x80) {
			/* a continuation byte keeps its lead's class */
			if (c >= 0xc0)
				plet = c != 0xc2 && c != 0xe2;
			ptok = 0;
			i++;
			continue;
		}
		if (!(cl & B_TOK) || (ptok && (plet || !(cl & B_ALNUM)))) {
			ptok = (cl & B_TOK) != 0;
			plet = (cl & B_ALNUM) != 0;
			i++;
			continue;
		}
		/* the letters of a word, then the rest of its token run */
		e = 0;
		we = i + 1;
		if (cl & B_ALPHA)
			while (we < n && (bcls[s[we]] & B_ALPHA))
				we++;
		if (!ptok) {
			for (te = we; te < n && (bcls[s[te]] & B_TOK); te++)
				;
			if (te - i >= 20)
				e = parse_token(s, n, i);
		}
		if (e == 0 && (cl & B_ALNUM) && !plet) {
			if ((!(cl & B_ALPHA) || (we < n && s[we] >= 0x80) ||
			    word_maybe(s, i, we)) &&
			    (e = vol_match(s, n, i)) > 0 && e < n &&
			    letter_at(s, e))
				e = 0;
		}
		if (e == 0 && !(cl & B_ALNUM)) {
			ptok = 1;
			plet = 0;
			i++;
			continue;
		}
		if (e == 0) {
			/* the rest of this word starts nothing */
			while (we < n && (bcls[s[we]] & B_ALNUM))
				we++;
			i = we;
			ptok = plet = 1;
			continue;
		}
		buf_add(o, str + from, i - from);
		buf_byte(o, TEXT_VOLATILE);
		i = from = e;
		ptok = s[e - 1] < 0x80 && (bcls[s[e - 1]] & B_TOK);
		plet = letter_before(s, e);
	}
	buf_add(o, str + from, n - from);
}

struct text_rules {
	regex_t	*re;
	size_t	 n, cap;
};

struct text_rules *
text_rules_new(void)
{
	return xcalloc(1, sizeof(struct text_rules));
}

int
text_rules_add(struct text_rules *r, const char *regex, char *err,
    size_t errlen)
{
	int	e;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 4;
		r->re = xrealloc(r->re, r->cap * sizeof(*r->re));
	}
	if ((e = regcomp(&r->re[r->n], regex,
	    REG_EXTENDED | REG_ICASE | REG_NEWLINE)) != 0) {
		if (err != NULL && errlen > 0)
			regerror(e, &r->re[r->n], err, errlen);
		regfree(&r->re[r->n]);
		return -1;
	}
	r->n++;
	return 0;
}

void
text_rules_free(struct text_rules *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		regfree(&r->re[i]);
	free(r->re);
	free(r);
}

/* Replace every match of re in b (NUL-terminated) with the placeholder. */
static void
apply_rule(struct buf *b, const regex_t *re)
{
	struct buf	 o = { NULL, 0, 0 };
	regmatch_t	 m;
	const char	*p = b->s, *end = b->s + b->len;
	int		 flags, r;

	while (p < end) {
		flags = p > b->s && p[-1] != '\n' ? REG_NOTBOL : 0;
		if (regexec(re, p, 1, &m, flags) != 0)
			break;
		buf_add(&o, p, (size_t)m.rm_so);
		if (m.rm_eo > m.rm_so) {
			buf_byte(&o, TEXT_VOLATILE);
			p += m.rm_eo;
			continue;
		}
		/* An empty match: keep one character and go on. */
		p += m.rm_so;
		if (p == end)
			break;
		r = utf8_char((const unsigned char *)p, (size_t)(end - p));
		r = r > 0 ? r : 1;
		buf_add(&o, p, (size_t)r);
		p += r;
	}
	buf_add(&o, p, (size_t)(end - p));
	free(b->s);
	*b = o;
}

/* The length of a separator between two placeholders at s[i], or 0. */
static size_t
vol_sep(const unsigned char *s, size_t n, size_t i)
{
	if (bcls[s[i]] & B_SEP)
		return 1;
	if (i + 2 < n && s[i] == 0xe2 && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0x93 || s[i + 2] == 0x94 || s[i + 2] == 0xa2))
		return 3;
	if (i + 1 < n && s[i] == 0xc2 && s[i + 1] == 0xb7)
		return 2;
	return 0;
}

/*
 * Collapse spaces and tabs, trim lines, drop empty ones, and merge
 * placeholders that only separators keep apart on a line.
 */
static char *
collapse(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	struct buf		 o = { NULL, 0, 0 };
	size_t			 i, b, k, mark = 0;
	int			 space = 0, nl = 0, open = 0;

	buf_grow(&o, n);
	for (i = 0; i < n; i += k) {
		k = 1;
		if (s[i] == '\n' || s[i] == '\r') {
			nl = 1;
			open = 0;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			space = 1;
			continue;
		}
		if (s[i] == TEXT_VOLATILE && open) {
			o.len = mark;
			space = 0;
			continue;
		}
		if (o.len > 0 && (nl || space))
			o.s[o.len++] = nl ? '\n' : ' ';
		nl = space = 0;
		if (s[i] == TEXT_VOLATILE) {
			o.s[o.len++] = (char)s[i];
			mark = o.len;
			open = 1;
			continue;
		}
		if ((k = vol_sep(s, n, i)) > 0) {
			for (b = 0; b < k; b++)
				o.s[o.len++] = str[i + b];
			continue;
		}
		/* ordinary bytes and single spaces between them */
		for (b = i++; i < n && (!(bcls[s[i]] & B_COLL) ||
		    (s[i] == ' ' && i + 1 < n && !(bcls[s[i + 1]] & B_COLL)));
		    i++)
			;
		k = i - b;
		i = b;
		open = 0;
		memcpy(o.s + o.len, str + i, k);
		o.len += k;
	}
	o.s[o.len] = '\0';
	return buf_take(&o);
}

char *
text_stable(const struct text_rules *rules, const char *text, size_t len)
{
	struct buf	 b = { NULL, 0, 0 };
	char		*s;
	size_t		 i;

	tables();
	buf_grow(&b, len);
	b.s[0] = '\0';
	scan_volatile(&b, text, len);
	for (i = 0; rules != NULL && i < rules->n; i++)
		apply_rule(&b, &rules->re[i]);
	s = collapse(b.s != NULL ? b.s : "", b.len);
	free(b.s);
	return s;
}

void
text_hash(const struct text_rules *rules, const char *title,
    const char *text, size_t len, char out[65])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	EVP_MD_CTX		*c;
	char			*st;

	if (title == NULL)
		title = "";
	st = text_stable(rules, text, len);	/* tables() too */
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex2(c, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(c, title, strlen(title)) != 1 ||
	    EVP_DigestUpdate(c, "\n", 1) != 1 ||
	    EVP_DigestUpdate(c, st, strlen(st)) != 1 ||
	    EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen != 32) {
		fputs("rotwatch: SHA-256 failed\n", stderr);
		abort();
	}
	EVP_MD_CTX_free(c);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	free(st);
}

/*
 * Sketches.  A word's hash is FNV-1a over its lowercased bytes; a
 * shingle's folds its words' hashes in order and mixes the result
 * (MurmurHash3's finaliser) so the low values are well spread.
 */
static uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#define SHINGLE		4
#define SHINGLE_MUL	0x9e3779b97f4a7c15ULL

static uint64_t
shingle_hash(const uint64_t *w, size_t n)
{
	uint64_t	h = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		h = h * SHINGLE_MUL + w[i];
	return mix64(h + n);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The k smallest distinct values of a[0..n) into out, ascending: a
 * bucket pass on the top byte, then only the lowest buckets are sorted.
 * The hashes are uniform, so that is about k values whatever n is.
 */
static int
smallest(const uint64_t *a, size_t n, uint64_t *out, int k)
{
	size_t		 start[257], pos[256], i, j, lo, hi;
	uint64_t	*t, v;
	int		 m = 0, b;

	memset(start, 0, sizeof(start));
	for (i = 0; i < n; i++)
		start[(a[i] >> 56) + 1]++;
	for (b = 1; b <= 256; b++)
		start[b] += start[b - 1];
	memcpy(pos, start, sizeof(pos));
	t = xmalloc(n * sizeof(*t));
	for (i = 0; i < n; i++)
		t[pos[a[i] >> 56]++] = a[i];
	for (b = 0; b < 256 && m < k; b++) {
		lo = start[b];
		hi = start[b + 1];
		if (hi - lo > 16)
			qsort(t + lo, hi - lo, sizeof(*t), u64_cmp);
		else
			for (i = lo + 1; i < hi; i++) {
				v = t[i];
				for (j = i; j > lo && t[j - 1] > v; j--)
					t[j] = t[j - 1];
				t[j] = v;
			}
		for (i = lo; i < hi && m < k; i++)
			if (m == 0 || t[i] != out[m - 1])
				out[m++] = t[i];
	}
	free(t);
	return m;
}

void
text_sketch(const char *str, size_t len, struct text_sketch *out)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint64_t		 w[SHINGLE], h, *all;
	size_t			 i = 0, nw = 0, nall = 0, cap = 0;

	tables();
	out->n = 0;
	all = NULL;
	while (i < len) {
		if (!(bcls[s[i]] & B_WORD)) {
			i++;
			continue;
		}
		h = 14695981039346656037ULL;
		for (; i < len && (bcls[s[i]] & B_WORD); i++)
			h = (h ^ (uint64_t)lower(s[i])) * 1099511628211ULL;
		if (nw >= SHINGLE)
			memmove(w, w + 1, (SHINGLE - 1) * sizeof(*w));
		w[nw >= SHINGLE ? SHINGLE - 1 : nw] = h;
		nw++;
		if (nw < SHINGLE)
			continue;
		if (nall == cap) {
			cap = cap ? 2 * cap : 256;
			all = xrealloc(all, cap * sizeof(*all));
		}
		all[nall++] = shingle_hash(w, SHINGLE);
	}
	if (nw > 0 && nw < SHINGLE) {
		all = xmalloc(sizeof(*all));
		all[nall++] = shingle_hash(w, nw);
	}
	if (nall > 0)
		out->n = smallest(all, nall, out->h, TEXT_SKETCH_K);
	free(all);
}

double
text_similarity(const struct text_sketch *a, const struct text_sketch *b)
{
	int	i = 0, j = 0, both = 0, seen = 0, full;

	if (a->n == 0 && b->n == 0)
		return 1.0;
	if (a->n == 0 || b->n == 0)
		return 0.0;
	/* Complete sets: exact Jaccard over the whole union. */
	full = a->n < TEXT_SKETCH_K && b->n < TEXT_SKETCH_K;
	while ((i < a->n || j < b->n) && (full || seen < TEXT_SKETCH_K)) {
		if (j == b->n || (i < a->n && a->h[i] < b->h[j]))
			i++;
		else if (i == a->n || b->h[j] < a->h[i])
			j++;
		else {
			both++;
			i++;
			j++;
		}
		seen++;
	}
	return (double)both / seen;
}

/* A byte that can be part of a word: ASCII letter or digit, or UTF-8. */
static int
wordish(int c)
{
	return is_alnum(c) || c >= 0x80;
}

char *
text_without(const char *text, size_t len, const char *const *words,
    size_t n)
{
	struct buf	 o = { NULL, 0, 0 };
	size_t		*wl, i, k, from = 0;
	size_t		*order, t;

	wl = xcalloc(n ? n : 1, sizeof(*wl));
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (k = 0; k < n; k++) {
		wl[k] = words[k] != NULL ? strlen(words[k]) : 0;
		order[k] = k;
	}
	/* Longest first, so "abcdef" goes whole before "abc" can match. */
	for (k = 1; k < n; k++)
		for (i = k; i > 0 && wl[order[i - 1]] < wl[order[i]]; i--) {
			t = order[i];
			order[i] = order[i - 1];
			order[i - 1] = t;
		}
	buf_grow(&o, len);
	o.s[0] = '\0';
	for (i = 0; i < len; ) {
		for (k = 0; k < n; k++) {
			t = order[k];
			/* Whole words only: "report" stays in "reports". */
			if (wl[t] > 0 && wl[t] <= len - i &&
			    lower((unsigned char)text[i]) ==
			    lower((unsigned char)words[t][0]) &&
			    strncasecmp(text + i, words[t], wl[t]) == 0 &&
			    (i == 0 || !wordish((unsigned char)text[i - 1])) &&
			    (i + wl[t] == len ||
			    !wordish((unsigned char)text[i + wl[t]])))
				break;
		}
		if (k == n) {
			i++;
			continue;
		}
		buf_add(&o, text + from, i - from);
		i = from = i + wl[order[k]];
	}
	buf_add(&o, text + from, len - from);
	free(wl);
	free(order);
	return buf_take(&o);
}

/*
 * Diff.  Lines are interned to integers, the common head and tail are
 * cut, and Myers' greedy O(ND) algorithm runs on the middle, keeping each
 * round's furthest-reaching paths to walk back the script.  Beyond
 * DIFF_DMAX edits the middle is reported as replaced whole: memory stays
 * about DIFF_DMAX^2 / 2 ints.
 */
#define DIFF_DMAX	1000
#define DIFF_CTX	3

enum { OP_EQ, OP_DEL, OP_INS };

struct lines {
	const char	**p;
	size_t		 *len;
	size_t		 *id;
	size_t		  n;
};

static void
split_lines(const char *s, struct lines *l)
{
	const char	*e;
	size_t		 cap = 16;

	l->n = 0;
	l->p = xmalloc(cap * sizeof(*l->p));
	l->len = xmalloc(cap * sizeof(*l->len));
	while (*s != '\0') {
		if (l->n == cap) {
			cap *= 2;
			l->p = xrealloc(l->p, cap * sizeof(*l->p));
			l->len = xrealloc(l->len, cap * sizeof(*l->len));
		}
		e = strchr(s, '\n');
		l->p[l->n] = s;
		l->len[l->n++] = e != NULL ? (size_t)(e - s) : strlen(s);
		if (e == NULL)
			break;
		s = e + 1;
	}
	l->id = xmalloc((l->n ? l->n : 1) * sizeof(*l->id));
}

static void
lines_free(struct lines *l)
{
	free(l->p);
	free(l->len);
	free(l->id);
}

/* Give equal lines of a and b equal ids. */
static void
intern_lines(struct lines *a, struct lines *b)
{
	struct lines	*ls[2] = { a, b };
	size_t		 cap = 16, mask, i, k, slot, next = 1;
	size_t		*tab;		/* (line index + 1) of a's or b's */
	int		*tside, t;
	const char	*p;
	size_t		 n;

	while (cap < 2 * (a->n + b->n))
		cap *= 2;
	mask = cap - 1;
	tab = xcalloc(cap, sizeof(*tab));
	tside = xcalloc(cap, sizeof(*tside));
	for (t = 0; t < 2; t++)
		for (i = 0; i < ls[t]->n; i++) {
			p = ls[t]->p[i];
			n = ls[t]->len[i];
			slot = fnv32(p, n) & mask;
			for (;;) {
				if ((k = tab[slot]) == 0) {
					tab[slot] = i + 1;
					tside[slot] = t;
					ls[t]->id[i] = next++;
					break;
				}
				k--;
				if (ls[tside[slot]]->len[k] == n &&
				    memcmp(ls[tside[slot]]->p[k], p, n) == 0) {
					ls[t]->id[i] = ls[tside[slot]]->id[k];
					break;
				}
				slot = (slot + 1) & mask;
			}
		}
	free(tab);
	free(tside);
}

/*
 * The edit script of a[0..na) into b[0..nb) (ids), written backwards
 * into ops from *nops on; -1 if it needs more than DIFF_DMAX edits.
 */
static int
myers(const size_t *a, size_t na, const size_t *b, size_t nb, char *ops,
    size_t *nops)
{
	long	 dmax, d, k, x, y, off, px, pk, mx, my, *v, *trace, *prev;
	size_t	*start, tn = 0;

	dmax = (long)(na + nb) < DIFF_DMAX ? (long)(na + nb) : DIFF_DMAX;
	v = xcalloc((size_t)(2 * dmax + 3), sizeof(*v));
	off = dmax + 1;
	start = xmalloc((size_t)(dmax + 1) * sizeof(*start));
	trace = xmalloc((size_t)((dmax + 1) * (dmax + 2) / 2 + 1) *
	    sizeof(*trace));
	v[off + 1] = 0;
	for (d = 0; d <= dmax; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] <
			    v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while ((size_t)x < na && (size_t)y < nb &&
			    a[x] == b[y]) {
				x++;
				y++;
			}
			v[off + k] = x;
			if ((size_t)x >= na && (size_t)y >= nb)
				goto found;
		}
		start[d] = tn;
		for (k = -d; k <= d; k += 2)
			trace[tn++] = v[off + k];
	}
	free(v);
	free(start);
	free(trace);
	return -1;

found:
	x = (long)na;
	y = (long)nb;
	for (; d > 0; d--) {
		/* Round d-1's furthest x on diagonals -(d-1)..d-1. */
		prev = trace + start[d - 1];
#define PREV(kk)	prev[((kk) + d - 1) / 2]
		k = x - y;
		if (k == -d || (k != d && PREV(k - 1) < PREV(k + 1)))
			pk = k + 1;		/* came down: an insertion */
		else
			pk = k - 1;		/* came right: a deletion */
		px = PREV(pk);
#undef PREV
		mx = pk == k + 1 ? px : px + 1;
		my = pk == k + 1 ? px - pk + 1 : px - pk;
		while (x > mx && y > my) {
			ops[(*nops)++] = OP_EQ;
			x--;
			y--;
		}
		ops[(*nops)++] = pk == k + 1 ? OP_INS : OP_DEL;
		x = px;
		y = px - pk;
	}
	while (x > 0 && y > 0) {
		ops[(*nops)++] = OP_EQ;
		x--;
		y--;
	}
	free(v);
	free(start);
	free(trace);
	return 0;
}

static void
diff_range(FILE *fp, size_t start, size_t count)
{
	if (count == 1)
		fprintf(fp, "%zu", start + 1);
	else if (count == 0)
		fprintf(fp, "%zu,0", start);
	else
		fprintf(fp, "%zu,%zu", start + 1, count);
}

static void
diff_line(FILE *fp, int c, const struct lines *l, size_t i)
{
	fputc(c, fp);
	fwrite(l->p[i], 1, l->len[i], fp);
	fputc('\n', fp);
}

/* Print ops[from..to) as one hunk; apos/bpos: line before each op. */
static void
diff_hunk(FILE *fp, const char *ops, const size_t *apos, const size_t *bpos,
    size_t from, size_t to, const struct lines *a, const struct lines *b)
{
	size_t	i, j, na = 0, nb = 0;

	for (i = from; i < to; i++) {
		na += ops[i] != OP_INS;
		nb += ops[i] != OP_DEL;
	}
	fputs("@@ -", fp);
	diff_range(fp, apos[from], na);
	fputs(" +", fp);
	diff_range(fp, bpos[from], nb);
	fputs(" @@\n", fp);
	for (i = from; i < to; ) {
		if (ops[i] == OP_EQ) {
			diff_line(fp, ' ', a, apos[i]);
			i++;
			continue;
		}
		for (j = i; j < to && ops[j] != OP_EQ; j++)
			if (ops[j] == OP_DEL)
				diff_line(fp, '-', a, apos[j]);
		for (j = i; j < to && ops[j] != OP_EQ; j++)
			if (ops[j] == OP_INS)
				diff_line(fp, '+', b, bpos[j]);
		i = j;
	}
}

int
text_diff(FILE *fp, const char *label_a, const char *a, const char *label_b,
    const char *b)
{
	struct lines	 la, lb;
	size_t		 pre = 0, suf = 0, n, i, j, k, from, to, *apos, *bpos;
	size_t		 changed = 0, x, y, mid;
	char		*ops, t;

	split_lines(a, &la);
	split_lines(b, &lb);
	intern_lines(&la, &lb);
	while (pre < la.n && pre < lb.n && la.id[pre] == lb.id[pre])
		pre++;
	while (suf < la.n - pre && suf < lb.n - pre &&
	    la.id[la.n - 1 - suf] == lb.id[lb.n - 1 - suf])
		suf++;

	ops = xmalloc(la.n + lb.n + 1);
	n = 0;
	for (i = 0; i < suf; i++)
		ops[n++] = OP_EQ;
	mid = n;
	if (myers(la.id + pre, la.n - pre - suf, lb.id + pre,
	    lb.n - pre - suf, ops, &n) != 0) {
		n = mid;
		for (i = 0; i < lb.n - pre - suf; i++)
			ops[n++] = OP_INS;
		for (i = 0; i < la.n - pre - suf; i++)
			ops[n++] = OP_DEL;
	}
	for (i = 0; i < pre; i++)
		ops[n++] = OP_EQ;
	for (i = 0, j = n - 1; i < j; i++, j--) {
		t = ops[i];
		ops[i] = ops[j];
		ops[j] = t;
	}

	apos = xmalloc((n + 1) * sizeof(*apos));
	bpos = xmalloc((n + 1) * sizeof(*bpos));
	for (x = y = i = 0; i < n; i++) {
		apos[i] = x;
		bpos[i] = y;
		x += ops[i] != OP_INS;
		y += ops[i] != OP_DEL;
		changed += ops[i] != OP_EQ;
	}
	apos[n] = x;
	bpos[n] = y;

	if (changed > 0) {
		fprintf(fp, "--- %s\n+++ %s\n", label_a, label_b);
		for (i = 0; i < n; ) {
			while (i < n && ops[i] == OP_EQ)
				i++;
			if (i == n)
				break;
			from = i > DIFF_CTX ? i - DIFF_CTX : 0;
			for (j = i; ; j = k) {
				while (j < n && ops[j] != OP_EQ)
					j++;
				for (k = j; k < n && ops[k] == OP_EQ; k++)
					;
				if (k == n) {
					to = j + DIFF_CTX < n ?
					    j + DIFF_CTX : n;
					break;
				}
				if (k - j > 2 * DIFF_CTX) {
					to = j + DIFF_CTX;
					break;
				}
			}
			diff_hunk(fp, ops, apos, bpos, from, to, &la, &lb);
			i = to;
		}
	}
	free(apos);
	free(bpos);
	free(ops);
	lines_free(&la);
	lines_free(&lb);
	return changed > INT32_MAX ? INT32_MAX : (int)changed;
}
