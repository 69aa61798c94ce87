/*
 * test_text.c: page text from HTML and plain text fed in chunks, the
 * stable form and hash, sketches and similarity, text_without, the line
 * diff; and what a typical page costs (printed, not asserted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "../../daemon/text.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

/* A deterministic PRNG for splits and random texts. */
static uint64_t	rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct text_doc *
parse_n(enum text_kind k, const char *s, size_t n, size_t max)
{
	struct text_parser	*p = text_parser_new(k, max);

	text_parser_feed(p, s, n);
	return text_parser_finish(p);
}

static struct text_doc *
parse(const char *s)
{
	return parse_n(TEXT_HTML, s, strlen(s), 0);
}

/* Feed s in pieces: 1 byte each (step 1) or random sizes (step 0). */
static struct text_doc *
parse_split(enum text_kind k, const char *s, size_t n, int step, size_t max)
{
	struct text_parser	*p = text_parser_new(k, max);
	size_t			 i = 0, c;

	while (i < n) {
		c = step > 0 ? (size_t)step : 1 + rng() % 97;
		if (c > n - i)
			c = n - i;
		text_parser_feed(p, s + i, c);
		i += c;
	}
	return text_parser_finish(p);
}

/* Whether two documents are the same, field by field. */
static int
doc_same(const struct text_doc *a, const struct text_doc *b)
{
	size_t	i;

	if (strcmp(a->title, b->title) != 0 || strcmp(a->h1, b->h1) != 0 ||
	    strcmp(a->text, b->text) != 0 || a->len != b->len ||
	    a->words != b->words || a->truncated != b->truncated ||
	    a->noindex != b->noindex || a->password != b->password ||
	    a->search != b->search || a->nhosts != b->nhosts ||
	    a->nres != b->nres ||
	    (a->refresh == NULL) != (b->refresh == NULL) ||
	    (a->refresh != NULL && strcmp(a->refresh, b->refresh) != 0))
		return 0;
	for (i = 0; i < a->nhosts; i++)
		if (strcmp(a->hosts[i], b->hosts[i]) != 0)
			return 0;
	return 1;
}

/* Whether s[0..n) is valid UTF-8. */
static int
valid_utf8(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, k, l;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			l = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			l = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			l = 4;
		else
			return 0;
		if (i + l > n)
			return 0;
		for (k = 1; k < l; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if ((s[i] == 0xe0 && s[i + 1] < 0xa0) ||
		    (s[i] == 0xed && s[i + 1] > 0x9f) ||
		    (s[i] == 0xf0 && s[i + 1] < 0x90) ||
		    (s[i] == 0xf4 && s[i + 1] > 0x8f))
			return 0;
		i += l;
	}
	return 1;
}

static int
has_host(const struct text_doc *d, const char *h)
{
	size_t	i;

	for (i = 0; i < d->nhosts; i++)
		if (strcmp(d->hosts[i], h) == 0)
			return 1;
	return 0;
}

/* A news article page with all the usual furniture. */
static const char article_page[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\"><head>\n"
	"<meta charset=\"utf-8\">\n"
	"<title>  Protesters   detained in\n the capital | Daily News</title>\n"
	"<meta name=\"viewport\" content=\"width=device-width\">\n"
	"<script src=\"https://cdn.Example.com:8443/app.js\"></script>\n"
	"<style>body { color: red; }</style>\n"
	"</head>\n"
	"<body class=\"post has-sidebar\">\n"
	"<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
	"<header class=\"site-header\"><h1 class=\"logo\">Daily News</h1>\n"
	"<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/world\">World"
	"</a></li></ul></nav>\n"
	"<form action=\"https://search.example.com/find\">"
	"<input type=\"search\" name=\"q\"><button>Go</button></form>"
	"</header>\n"
	"<div id=\"cookie-banner\">We use cookies. <button>Accept</button>"
	"</div>\n<main id=\"main\">\n"
	"<article class=\"post tag-social-justice\">\n"
	"<h1>Protesters detained in the capital</h1>\n"
	"<p class=\"byline\">By A.&nbsp;Reporter, <time>1 December 2026 10:32"
	"</time></p>\n"
	"<p>Police detained <b>34</b> protesters&nbsp;on Monday, witnesses"
	" told <a href=\"https://www.HRW.org/report\">Human Rights Watch</a>"
	" &amp; others.</p>\n"
	"<p>The   ministry\n\tdenied the reports.<br>It said caf&eacute;s"
	" stayed open.</p>\n"
	"<ul class=\"share-buttons\"><li>Share on X</li></ul>\n"
	"<ul><li>First point</li><li>Second point</li></ul>\n"
	"<div class=\"related-posts\"><h2>Related</h2><p>Other story</p>"
	"</div>\n"
	"<script>var x = \"<p>not text</p>\";</script>\n"
	"<noscript>Enable JavaScript</noscript>\n"
	"<svg><title>icon</title><text>svg text</text></svg>\n"
	"<select><option>One</option></select>\n"
	"<footer class=\"entry-footer\">Tags: protest</footer>\n"
	"</article>\n"
	"<section id=\"comments\"><p>A comment</p></section>\n"
	"</main>\n"
	"<aside class=\"sidebar\"><p>Most read</p></aside>\n"
	"<footer class=\"site-footer\"><p>&copy; 2026 Daily News</p>"
	"<a href=\"https://twitter.com/dailynews\">Twitter</a></footer>\n"
	"<script>window.track();</script>\n"
	"</body></html>\n";

static const char article_text[] =
	"Protesters detained in the capital\n"
	"By A. Reporter, 1 December 2026 10:32\n"
	"Police detained 34 protesters on Monday, witnesses told Human Rights"
	" Watch & others.\n"
	"The ministry denied the reports.\n"
	"It said cafés stayed open.\n"
	"First point\n"
	"Second point";

TEST(test_article)
{
	struct text_doc	*d = parse(article_page);

	T_EQ_STR(d->title, "Protesters detained in the capital | Daily News");
	T_EQ_STR(d->h1, "Protesters detained in the capital");
	T_EQ_STR(d->text, article_text);
	T_EQ_INT(d->len, strlen(article_text));
	T_EQ_INT(d->words, 39);
	T_EQ_INT(d->truncated, 0);
	T_EQ_INT(d->search, 1);
	T_EQ_INT(d->password, 0);
	T_EQ_INT(d->noindex, 0);
	T_ASSERT(d->refresh == NULL);
	T_EQ_INT(d->nhosts, 4);
	T_EQ_INT(d->nres, 2);
	T_EQ_STR(d->hosts[0], "cdn.example.com");
	T_EQ_STR(d->hosts[1], "search.example.com");
	T_EQ_STR(d->hosts[2], "www.hrw.org");
	T_EQ_STR(d->hosts[3], "twitter.com");
	T_ASSERT(valid_utf8(d->text, d->len));
	text_doc_free(d);
}

TEST(test_chunked)
{
	struct text_doc	*whole, *d;
	size_t		 n = strlen(article_page);
	int		 round;

	whole = parse(article_page);
	d = parse_split(TEXT_HTML, article_page, n, 1, 0);
	if (!doc_same(whole, d)) {
		printf("  one byte at a time:\n%s\n", d->text);
		text_doc_free(d);
		text_doc_free(whole);
		T_FAIL("byte-by-byte feeding differs");
	}
	text_doc_free(d);
	for (round = 0; round < 50; round++) {
		d = parse_split(TEXT_HTML, article_page, n, 0, 0);
		if (!doc_same(whole, d)) {
			text_doc_free(d);
			text_doc_free(whole);
			T_FAIL("random split %d differs", round);
		}
		text_doc_free(d);
	}
	/* A UTF-8 text and entities split everywhere. */
	text_doc_free(whole);
	{
		static const char page[] = "<p>Caf\xc3\xa9 \xe2\x80\x94 "
		    "na\xc3\xafve &eacute;l&egrave;ve\xc2\xa0\xe2\x80\x89x "
		    "&#x1F600; fin</p>";

		whole = parse(page);
		T_EQ_STR(whole->text, "Caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve "
		    "\xc3\xa9l\xc3\xa8ve x \xf0\x9f\x98\x80 fin");
		d = parse_split(TEXT_HTML, page, strlen(page), 1, 0);
		T_ASSERT(doc_same(whole, d));
		text_doc_free(d);
		text_doc_free(whole);
	}
}

/*
 * Every split point and step size through scripts, styles, comments and
 * attributes holding '>' and quotes.  libxml2 2.9.14 alone gets a chunk
 * ending inside "</script>" wrong: the text after it was lost.
 */
TEST(test_split_everywhere)
{
	static const char page[] =
	    "<!DOCTYPE html><html><head><title>T&eacute;st</title>\n"
	    "<!-- a comment with <p>tags</p> and -- dashes > -->\n"
	    "<script src=\"https://cdn.example.com/a.js\"></script>\n"
	    "<SCRIPT><!--\nvar s = \"</div>\" + '<p>'; if (a < b && c > d)"
	    " { x = 1; } // </scrip\n//--></SCRIPT>\n"
	    "<style>p > a { content: \"</p>\" }</style></head>\n"
	    "<body onload=\"if (a > b) go('x>y')\" data-x='a\"b>c'>\n"
	    "<p>First&nbsp;para &#169; &hellip; &amp; &lt;tag&gt;</p>\n"
	    "<p title=\"x > y\">Second <!-- c --> para</p>\n"
	    "<style></style><p>after style</p><script></script>"
	    "<p>after script</p><p>Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac</p>"
	    "</body></html>\n";
	struct text_doc	*whole, *d;
	struct text_parser *p;
	size_t		 n = sizeof(page) - 1, a, i, step;

	whole = parse(page);
	T_EQ_STR(whole->text, "First para \xc2\xa9 \xe2\x80\xa6 & <tag>\n"
	    "Second para\nafter style\nafter script\n"
	    "Caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
	for (a = 1; a < n; a++) {
		p = text_parser_new(TEXT_HTML, 0);
		text_parser_feed(p, page, a);
		text_parser_feed(p, page + a, n - a);
		d = text_parser_finish(p);
		if (!doc_same(whole, d)) {
			printf("  split at %zu: \"%s\"\n", a, d->text);
			text_doc_free(d);
			text_doc_free(whole);
			T_FAIL("a split at %zu changes the document", a);
		}
		text_doc_free(d);
	}
	for (step = 2; step < 40; step++) {
		p = text_parser_new(TEXT_HTML, 0);
		for (i = 0; i < n; i += step)
			text_parser_feed(p, page + i, i + step <= n ? step :
			    n - i);
		d = text_parser_finish(p);
		if (!doc_same(whole, d)) {
			text_doc_free(d);
			text_doc_free(whole);
			T_FAIL("feeding %zu bytes at a time differs", step);
		}
		text_doc_free(d);
	}
	text_doc_free(whole);
}

TEST(test_boilerplate)
{
	static const struct {
		const char	*html;
		const char	*text;
	} cases[] = {
		{ "<div class=\"nav\">x</div><p>y</p>", "y" },
		{ "<div class=\"Main-Nav\">x</div><p>y</p>", "y" },
		{ "<div class=\"site-footer\">x</div><p>y</p>", "y" },
		{ "<div class=\"navbar-collapse\">x</div><p>y</p>", "y" },
		{ "<div id=\"breadcrumbs\">x</div><p>y</p>", "y" },
		{ "<div class=\"a cookie-notice b\">x</div><p>y</p>", "y" },
		{ "<div class=\"social_links\">x</div><p>y</p>", "y" },
		{ "<div class=\"advert\">x</div><p>y</p>", "y" },
		{ "<div class=\"ads\">x</div><p>y</p>", "y" },
		{ "<div class=\"advertisement\">x</div><p>y</p>", "y" },
		{ "<div role=\"navigation\">x</div><p>y</p>", "y" },
		{ "<div role=\"banner\">x</div><p>y</p>", "y" },
		{ "<div role=\"contentinfo\">x</div><p>y</p>", "y" },
		{ "<nav>x</nav><header>x</header><footer>x</footer>"
		    "<aside>x</aside><p>y</p>", "y" },
		{ "<template><p>x</p></template><p>y</p>", "y" },
		{ "<p>a<button>x</button>b</p>", "a b" },
		/* whole tokens only */
		{ "<div class=\"tag-social-justice\">x</div>", "x" },
		{ "<div class=\"has-sidebar\">x</div>", "x" },
		{ "<div class=\"navigation-free menus\">x</div>", "x" },
		{ "<div id=\"shared\">x</div>", "x" },
		{ "<div class=\"unrelated\">x</div>", "x" },
		/* never on body, main, article */
		{ "<body class=\"header\"><p>x</p></body>", "x" },
		{ "<main class=\"nav\"><p>x</p></main>", "x" },
		/* inline elements do not break words; blocks break lines */
		{ "<p>a<b>b</b>c <i>d</i></p><p>e</p>", "abc d\ne" },
		{ "<td>a</td><td>b</td>", "a\nb" },
		{ "<p>   </p><p>\t</p><p> x </p>", "x" },
		{ "no body at all", "no body at all" },
		{ "", "" }
	};
	struct text_doc	*d;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = parse(cases[i].html);
		if (strcmp(d->text, cases[i].text) != 0) {
			printf("  %s\n  -> \"%s\"\n", cases[i].html, d->text);
			text_doc_free(d);
			T_FAIL("case %zu: expected \"%s\"", i, cases[i].text);
		}
		text_doc_free(d);
	}
}

TEST(test_main_article)
{
	struct text_doc	*d;

	/* The first main only. */
	d = parse("<p>intro</p><main><p>one</p></main><main><p>two</p>"
	    "</main><p>outro</p>");
	T_EQ_STR(d->text, "one");
	text_doc_free(d);
	/* Every article when there is no main. */
	d = parse("<p>intro</p><article><p>a</p></article><div>x</div>"
	    "<article><p>b</p></article><p>outro</p>");
	T_EQ_STR(d->text, "a\nb");
	text_doc_free(d);
	/* A main after articles wins. */
	d = parse("<article><p>a</p></article><main><p>m</p></main>"
	    "<article><p>b</p></article>");
	T_EQ_STR(d->text, "m");
	text_doc_free(d);
	/* Articles inside boilerplate do not count. */
	d = parse("<p>body text</p><aside><article>teaser</article></aside>"
	    "<div class=\"related\"><article>teaser 2</article></div>");
	T_EQ_STR(d->text, "body text");
	text_doc_free(d);
	/* role=main is a main. */
	d = parse("<div>menu</div><div role=\"main\"><p>content</p></div>"
	    "<div>after</div>");
	T_EQ_STR(d->text, "content");
	text_doc_free(d);
	/* The h1: the first outside boilerplate, else the first. */
	d = parse("<header><h1>Site</h1></header><main><h1>Page <i>not</i>"
	    " found</h1></main>");
	T_EQ_STR(d->h1, "Page not found");
	text_doc_free(d);
	d = parse("<header><h1>  Only\n site  </h1></header><p>x</p>");
	T_EQ_STR(d->h1, "Only site");
	text_doc_free(d);
}

TEST(test_broken_html)
{
	static const char *const pages[] = {
		"<html><body><p>unclosed <b>bold <i>both</p><p>next",
		"</div></div><p>stray ends</span></p></body></html></html>",
		"<<<>>>< p>x</ p><!-- unterminated comment",
		"<table><tr><td>a<td>b<tr><td>c</table>",
		"<p attr=\"unterminated>text</p>",
		"<script>never closed <p>x</p>",
		"\x00\x01<p>\x00nul\x00</p>",
		"<div><div><div><div><div><div><div><div>deep",
	};
	struct text_doc	*d;
	size_t		 i;
	char		 deep[40000];

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		/* pages[6] holds NULs: 14 bytes */
		d = parse_n(TEXT_HTML, pages[i], i == 6 ? 14 : strlen(pages[i]),
		    0);
		T_ASSERT(d->text != NULL && strlen(d->text) == d->len);
		T_ASSERT(valid_utf8(d->text, d->len));
		text_doc_free(d);
	}
	d = parse("<table><tr><td>a<td>b<tr><td>c</table>");
	T_EQ_STR(d->text, "a\nb\nc");
	text_doc_free(d);
	d = parse("<html><body><p>unclosed <b>bold <i>both</p><p>next");
	T_EQ_STR(d->text, "unclosed bold both\nnext");
	text_doc_free(d);
	/* Nesting far deeper than libxml2 keeps. */
	for (i = 0; i + 5 < sizeof(deep) - 20; i += 5)
		memcpy(deep + i, "<div>", 5);
	strcpy(deep + i, "deep text");
	d = parse(deep);
	T_ASSERT(valid_utf8(d->text, d->len));
	text_doc_free(d);
}

TEST(test_truncated)
{
	size_t		 n = 2 * 1024 * 1024, i, max = 100001;
	char		*page = xmalloc(n + 1);
	struct text_doc	*d;
	static const char head[] = "<html><body><p>";

	memcpy(page, head, sizeof(head) - 1);
	/* "é " repeated: the cut falls inside a character */
	for (i = sizeof(head) - 1; i + 3 <= n; i += 3)
		memcpy(page + i, "\xc3\xa9 ", 3);
	page[i] = '\0';
	d = parse_n(TEXT_HTML, page, strlen(page), max);
	T_EQ_INT(d->truncated, 1);
	T_ASSERT(d->len <= max && d->len > max - 4);
	T_EQ_INT(strlen(d->text), d->len);
	T_ASSERT(valid_utf8(d->text, d->len));
	T_ASSERT(d->text[d->len - 1] != ' ');
	text_doc_free(d);
	/* Not truncated when it fits exactly. */
	d = parse_n(TEXT_HTML, "<p>abcd</p>", 11, 4);
	T_EQ_STR(d->text, "abcd");
	T_EQ_INT(d->truncated, 0);
	text_doc_free(d);
	d = parse_n(TEXT_HTML, "<p>abcd e</p>", 13, 4);
	T_EQ_STR(d->text, "abcd");
	T_EQ_INT(d->truncated, 1);
	text_doc_free(d);
	/* Plain text too. */
	d = parse_n(TEXT_PLAIN, page, strlen(page), 1000);
	T_EQ_INT(d->truncated, 1);
	T_ASSERT(d->len <= 1000 && valid_utf8(d->text, d->len));
	text_doc_free(d);
	free(page);
}

TEST(test_plain)
{
	static const char in[] =
	    "  First   line\t\r\n"
	    "\r\n"
	    "bad \xff byte, cut \xe2\x82 seq, overlong \xc0\xaf, "
	    "ok \xe2\x82\xac\n"
	    "\xc2\xa0 nbsp\xc2\xa0 and\xe2\x80\x83" "em space\r"
	    "surrogate \xed\xa0\x80 end \xf0\x9f\x98";
	static const char want[] =
	    "First line\n"
	    "bad \xef\xbf\xbd byte, cut \xef\xbf\xbd seq, overlong "
	    "\xef\xbf\xbd\xef\xbf\xbd, ok \xe2\x82\xac\n"
	    "nbsp and em space\n"
	    "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd";
	struct text_doc	*d, *e;
	int		 round;

	d = parse_n(TEXT_PLAIN, in, sizeof(in) - 1, 0);
	T_EQ_STR(d->text, want);
	T_EQ_STR(d->title, "");
	T_EQ_STR(d->h1, "");
	T_ASSERT(valid_utf8(d->text, d->len));
	e = parse_split(TEXT_PLAIN, in, sizeof(in) - 1, 1, 0);
	T_ASSERT(doc_same(d, e));
	text_doc_free(e);
	for (round = 0; round < 30; round++) {
		e = parse_split(TEXT_PLAIN, in, sizeof(in) - 1, 0, 0);
		T_ASSERT(doc_same(d, e));
		text_doc_free(e);
	}
	text_doc_free(d);
	/* HTML markup in plain text is text. */
	d = parse_n(TEXT_PLAIN, "<p>x</p>", 8, 0);
	T_EQ_STR(d->text, "<p>x</p>");
	text_doc_free(d);
	/* A BOM is dropped, a NUL is a space. */
	d = parse_n(TEXT_PLAIN, "\xef\xbb\xbf" "a\0b", 6, 0);
	T_EQ_STR(d->text, "a b");
	text_doc_free(d);
}

TEST(test_meta_forms_hosts)
{
	struct text_doc	*d;
	char		 page[8192];
	size_t		 n = 0;
	int		 i;

	d = parse("<head><meta name=\"ROBOTS\" content=\"index, NoIndex\">"
	    "<meta http-equiv=\"Refresh\" content=\"5; URL='https://Parked."
	    "example.net/lander?x=1'\"></head><body><form><input name=\"user\">"
	    "<input type=\"PASSWORD\" name=\"pw\"></form></body>");
	T_EQ_INT(d->noindex, 1);
	T_EQ_INT(d->password, 1);
	T_EQ_INT(d->search, 0);
	T_EQ_STR(d->refresh, "https://Parked.example.net/lander?x=1");
	T_EQ_INT(d->nres, 1);
	T_EQ_STR(d->hosts[0], "parked.example.net");
	text_doc_free(d);

	d = parse("<meta name=robots content=none><meta http-equiv=refresh "
	    "content=\"0;url=/next\"><form action=\"/s\"><input name=Q>"
	    "</form>");
	T_EQ_INT(d->noindex, 1);
	T_EQ_STR(d->refresh, "/next");
	T_EQ_INT(d->search, 1);
	T_EQ_INT(d->nhosts, 0);
	text_doc_free(d);

	/* No URL: no refresh; in noscript: ignored; q outside a form. */
	d = parse("<meta http-equiv=refresh content=\"30\"><noscript><meta "
	    "http-equiv=refresh content=\"0; url=https://nojs.example/\">"
	    "</noscript><input name=q><form><input type=checkbox name=s>"
	    "</form>");
	T_ASSERT(d->refresh == NULL);
	T_EQ_INT(d->search, 0);
	T_EQ_INT(d->nhosts, 0);
	text_doc_free(d);

	d = parse("<form><input type=\"text\" name=\"keywords\"></form>"
	    "<script src=\"//static.Example.org./x.js\"></script>"
	    "<iframe src=\"HTTPS://user:pw@frame.example.com:8080/f\"></iframe>"
	    "<frame src=\"http://[2001:DB8::1]:80/x\">"
	    "<a href=\"https://static.example.org/dup\">d</a>"
	    "<a href=\"mailto:x@example.com\">m</a>"
	    "<a href=\"ftp://ftp.example.com/\">f</a>"
	    "<a href=\"/relative\">r</a>"
	    "<a href=\" https://Links.Example.com?q=1 \">l</a>"
	    "<a href=\"https://links.example.com#x\">l2</a>"
	    "<a href=\"https:///nohost\">n</a>");
	T_EQ_INT(d->search, 1);
	T_EQ_INT(d->nres, 3);
	T_EQ_STR(d->hosts[0], "static.example.org");
	T_EQ_STR(d->hosts[1], "frame.example.com");
	T_EQ_STR(d->hosts[2], "[2001:db8::1]");
	T_EQ_INT(d->nhosts, 4);
	T_EQ_STR(d->hosts[3], "links.example.com");
	text_doc_free(d);

	/* At most 32 hosts; scripts keep their place over links. */
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(page + n, sizeof(page) - n,
		    "<a href=\"http://h%d.example/\">x</a>", i);
	snprintf(page + n, sizeof(page) - n,
	    "<script src=\"https://sedoparking.com/p.js\"></script>");
	d = parse(page);
	T_EQ_INT(d->nhosts, 32);
	T_EQ_INT(d->nres, 1);
	T_EQ_STR(d->hosts[0], "sedoparking.com");
	T_EQ_STR(d->hosts[1], "h0.example");
	T_EQ_STR(d->hosts[31], "h30.example");
	T_ASSERT(!has_host(d, "h31.example"));
	text_doc_free(d);
}

TEST(test_title)
{
	struct text_doc	*d;
	char		 page[4096];
	size_t		 i;

	d = parse("<svg><title>icon</title></svg><title>\n Real &amp;"
	    " title\n</title><title>second</title><p>x</p>");
	T_EQ_STR(d->title, "Real & title");
	text_doc_free(d);
	/* 1000 bytes at most, cut at a character. */
	strcpy(page, "<title>");
	for (i = 7; i < 7 + 3 * 400; i += 3)
		memcpy(page + i, "\xe2\x82\xac", 3);
	strcpy(page + i, "</title>");
	d = parse(page);
	T_EQ_INT(strlen(d->title), 999);
	T_ASSERT(valid_utf8(d->title, strlen(d->title)));
	text_doc_free(d);
	d = parse("<p>no title</p>");
	T_EQ_STR(d->title, "");
	T_EQ_STR(d->h1, "");
	text_doc_free(d);
}

TEST(test_encoding)
{
	struct text_doc	*d;

	/* A declared Latin-1 page. */
	d = parse("<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9"
	    "</title></head><body><p>na\xefve \x93quoted\x94</p></body>"
	    "</html>");
	T_EQ_STR(d->title, "Caf\xc3\xa9");
	T_ASSERT(valid_utf8(d->text, d->len));
	T_ASSERT(strncmp(d->text, "na\xc3\xafve", 6) == 0);
	text_doc_free(d);
	/* windows-1252 via http-equiv. */
	d = parse("<meta http-equiv=\"Content-Type\" content=\"text/html; "
	    "charset=windows-1252\"><p>\x93" "Caf\xe9\x94</p>");
	T_EQ_STR(d->text, "\xe2\x80\x9c" "Caf\xc3\xa9\xe2\x80\x9d");
	text_doc_free(d);
	/* Undeclared: UTF-8, and Latin-1 after a byte that is not. */
	d = parse("<p>caf\xc3\xa9 na\xefve</p>");
	T_ASSERT(strncmp(d->text, "caf\xc3\xa9 ", 6) == 0);
	T_ASSERT(valid_utf8(d->text, d->len));
	text_doc_free(d);
	/* A BOM is not text and does not move the title into the body. */
	d = parse("\xef\xbb\xbf<html><head><title>T\xc3\xa9</title></head>"
	    "<body><p>x</p></body></html>");
	T_EQ_STR(d->title, "T\xc3\xa9");
	T_EQ_STR(d->text, "x");
	text_doc_free(d);
	d = parse_split(TEXT_HTML, "\xef\xbb\xbf<p>y</p>", 11, 1, 0);
	T_EQ_STR(d->text, "y");
	text_doc_free(d);
}

TEST(test_kind_sniff)
{
	T_EQ_INT(text_kind_of("text/html"), TEXT_HTML);
	T_EQ_INT(text_kind_of(" Text/HTML; charset=utf-8"), TEXT_HTML);
	T_EQ_INT(text_kind_of("application/xhtml+xml"), TEXT_HTML);
	T_EQ_INT(text_kind_of("text/plain;charset=ISO-8859-1"), TEXT_PLAIN);
	T_EQ_INT(text_kind_of("application/pdf"), -1);
	T_EQ_INT(text_kind_of("text/htmlx"), -1);
	T_EQ_INT(text_kind_of("image/png"), -1);
	T_EQ_INT(text_kind_of(""), -1);
	T_EQ_INT(text_kind_of(NULL), -1);

	T_EQ_INT(text_sniff("<!DOCTYPE html>", 15), 1);
	T_EQ_INT(text_sniff("\xef\xbb\xbf \n\t<HTML lang=en>", 20), 1);
	T_EQ_INT(text_sniff("<head>", 6), 1);
	T_EQ_INT(text_sniff("  <body>", 8), 1);
	T_EQ_INT(text_sniff("<title>x", 8), 1);
	T_EQ_INT(text_sniff("<!-- c --><html>", 16), 1);
	T_EQ_INT(text_sniff("<html", 5), 1);
	T_EQ_INT(text_sniff("<htmlx>", 7), 0);
	T_EQ_INT(text_sniff("%PDF-1.7", 8), 0);
	T_EQ_INT(text_sniff("<?xml version=\"1.0\"?><rss>", 26), 0);
	T_EQ_INT(text_sniff("hello <html>", 12), 0);
	T_EQ_INT(text_sniff("", 0), 0);
	T_EQ_INT(text_sniff("<!-- unterminated", 17), 0);
}

/* The stable form with the placeholder shown as '#'. */
static char *
stable_shown(const struct text_rules *r, const char *s)
{
	char	*st = text_stable(r, s, strlen(s)), *c;

	for (c = st; *c != '\0'; c++)
		if (*c == TEXT_VOLATILE)
			*c = '#';
	return st;
}

TEST(test_stable_table)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		/* times */
		{ "Updated 10:32 UTC", "Updated #" },
		{ "at 9:05 and 23:59:59.123 and 10:00:00Z",
		    "at # and # and #" },
		{ "10:30 a.m. EST; 3 pm. 11 P.M. and 17:00 Uhr or 14h30",
		    "#. # and # or #" },
		{ "10:30 +01:00 x", "# x" },
		{ "10:30-12:00 GMT+2", "#" },
		/* dates */
		{ "2026-12-01", "#" },
		{ "2026-12-01T10:00:00+01:00 x", "# x" },
		{ "on 01/12/2026, 12/1/26 and 01.12.2026", "on # and #" },
		{ "1 December 2026", "#" },
		{ "December 1, 2026", "#" },
		{ "Dec 1 2026", "#" },
		{ "Dec. 1st, 2026", "#" },
		{ "1 de diciembre de 2026", "#" },
		{ "1\xc2\xba de dezembro de 2026", "#" },
		{ "1 dez. 2026", "#" },
		{ "1er d\xc3\xa9" "cembre 2026", "#" },
		{ "1. Dezember 2026", "#" },
		{ "01-Dec-2026", "#" },
		{ "Monday, 1 December 2026 at 10:30 UTC", "#" },
		{ "s\xc3\xa1" "bado, 5 de julio de 2025", "#" },
		{ "segunda-feira, 1 de dezembro de 2026 \xc3\xa0s 14h30", "#" },
		{ "Posted: Mon, 01 Dec 2026 10:32:01 GMT by staff",
		    "Posted: # by staff" },
		{ "Dec 1, 10:30", "#" },
		/* day words only next to a time */
		{ "today 10:30", "#" },
		{ "hoy a las 10:30", "#" },
		{ "ayer, 09:15", "#" },
		{ "ontem \xc3\xa0s 9:15", "#" },
		{ "gestern um 10:30 Uhr", "#" },
		{ "aujourd'hui \xc3\xa0 10:30", "#" },
		{ "today the army said", "today the army said" },
		/* relative ages */
		{ "3 minutes ago", "#" },
		{ "an hour ago", "#" },
		{ "5 min ago", "#" },
		{ "5m ago", "#" },
		{ "hace 5 minutos", "#" },
		{ "hace un d\xc3\xad" "a", "#" },
		{ "h\xc3\xa1 2 horas", "#" },
		{ "2 horas atr\xc3\xa1s", "#" },
		{ "il y a 3 jours", "#" },
		{ "vor 2 Stunden", "#" },
		/* tokens */
		{ "csrf a8F3kd92Jd83kdL0s9dK3 end", "csrf # end" },
		{ "id 123e4567-e89b-12d3-a456-426614174000.", "id #." },
		{ "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "sha #" },
		{ "b64 dGhpcyBpcyBhIHRlc3Q5PQ== x", "b64 # x" },
		{ "covid-19-related-restrictions-2026-report",
		    "covid-19-related-restrictions-2026-report" },
		{ "abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz" },
		{ "12345678901234567890123", "12345678901234567890123" },
		/* counters */
		{ "1,234 views", "#" },
		{ "1 234 views", "#" },
		{ "Views: 1,234", "#" },
		{ "1.2K likes", "#" },
		{ "comentarios (12)", "#" },
		{ "12 people are reading this", "# this" },
		{ "3.456 visualiza\xc3\xa7\xc3\xb5" "es", "#" },
		{ "comments 3 killed", "comments 3 killed" },
		/* plain numbers stay */
		{ "3 killed", "3 killed" },
		{ "30 killed in 2026", "30 killed in 2026" },
		{ "Article 12, paragraph 3.5", "Article 12, paragraph 3.5" },
		{ "May 5 was", "May 5 was" },
		{ "Monday", "Monday" },
		{ "December 2026", "December 2026" },
		{ "192.168.1.20", "192.168.1.20" },
		{ "A320 and 4x4", "A320 and 4x4" },
		/* whitespace re-collapsed, placeholders merged on a line */
		{ "  a  \t b \n\n  c  ", "a b\nc" },
		{ "x 10:00 \xe2\x80\x93 12:00 y", "x # y" },
		{ "10:00\n12:00", "#\n#" },
		{ "", "" }
	};
	char	*st;
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = stable_shown(NULL, cases[i].in);
		if (strcmp(st, cases[i].want) != 0) {
			printf("  \"%s\" -> \"%s\"\n", cases[i].in, st);
			free(st);
			T_FAIL("case %zu: expected \"%s\"", i, cases[i].want);
		}
		free(st);
	}
}

/* The hash of a page's text and title. */
static void
page_hash(const struct text_rules *r, const char *html, char out[65])
{
	struct text_doc	*d = parse(html);

	text_hash(r, d->title, d->text, d->len, out);
	text_doc_free(d);
}

TEST(test_hash_volatile)
{
	static const char *const a[] = {
		"<title>Report</title><p>Updated 1 December 2026, 10:32 UTC."
		"</p><p>Witnesses said 3 people were killed.</p><p>1,234 views"
		"</p><p>token=Zm9vYmFyMTIzNDU2Nzg5MA2x</p>",
		"<title>Report</title><p>Posted 3 minutes ago</p><p>Witnesses "
		"said 3 people were killed.</p>"
	};
	static const char *const b[] = {
		"<title>Report</title><p>Updated 2 December 2026, 08:01 UTC."
		"</p><p>Witnesses said 3 people were killed.</p><p>5,678 views"
		"</p><p>token=Qm9vYmFyMTIzNDU2Nzg5MA9y</p>",
		"<title>Report</title><p>Posted 2 hours ago</p><p>Witnesses "
		"said 3 people were killed.</p>"
	};
	char	 h1[65], h2[65];
	size_t	 i;

	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		page_hash(NULL, a[i], h1);
		page_hash(NULL, b[i], h2);
		T_EQ_INT(strlen(h1), 64);
		T_EQ_STR(h1, h2);
	}
	/* 3 killed -> 30 killed is news. */
	page_hash(NULL, "<title>Report</title><p>Witnesses said 3 people were "
	    "killed.</p>", h1);
	page_hash(NULL, "<title>Report</title><p>Witnesses said 30 people "
	    "were killed.</p>", h2);
	T_ASSERT(strcmp(h1, h2) != 0);
	/* So is a new title. */
	page_hash(NULL, "<title>A</title><p>x</p>", h1);
	page_hash(NULL, "<title>B</title><p>x</p>", h2);
	T_ASSERT(strcmp(h1, h2) != 0);
	/* The documented input: sha256(title "\n" stable). */
	text_hash(NULL, NULL, "", 0, h1);
	T_EQ_STR(h1, "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805"
	    "daca546b");
	text_hash(NULL, "T", "x 10:30", 7, h1);
	/* sha256 of "T\nx \x01" */
	T_EQ_STR(h1, "d4bef44cd92b60995592472fba5d98c1334ad33b1cce1c270dc03a35"
	    "46f0bded");
}

TEST(test_rules)
{
	struct text_rules	*r = text_rules_new();
	char			 err[256], *st, h1[65], h2[65];

	T_EQ_INT(text_rules_add(r, "^Visitor number [0-9]+$", err,
	    sizeof(err)), 0);
	T_EQ_INT(text_rules_add(r, "weather: [a-z]+", err, sizeof(err)), 0);
	T_EQ_INT(text_rules_add(r, "x*", err, sizeof(err)), 0);
	err[0] = '\0';
	T_EQ_INT(text_rules_add(r, "(unclosed", err, sizeof(err)), -1);
	T_ASSERT(err[0] != '\0');
	T_EQ_INT(text_rules_add(r, "[z-a]", NULL, 0), -1);

	st = stable_shown(r, "Intro\nvisitor NUMBER 4711\nWeather: Sunny "
	    "today\nnot visitor number 5\nEnd");
	T_EQ_STR(st, "Intro\n#\n# today\nnot visitor number 5\nEnd");
	free(st);
	page_hash(r, "<p>News</p><p>Weather: rainy</p>", h1);
	page_hash(r, "<p>News</p><p>weather: SUNNY</p>", h2);
	T_EQ_STR(h1, h2);
	page_hash(NULL, "<p>News</p><p>Weather: rainy</p>", h1);
	page_hash(NULL, "<p>News</p><p>weather: SUNNY</p>", h2);
	T_ASSERT(strcmp(h1, h2) != 0);
	text_rules_free(r);
	text_rules_free(NULL);
}

/* n words of a fixed vocabulary, chosen by seed. */
static char *
words_text(size_t n, uint64_t seed)
{
	static const char *const vocab[] = {
		"the", "army", "detained", "protesters", "in", "capital",
		"witnesses", "said", "police", "report", "ministry", "denied",
		"village", "families", "court", "hearing", "journalists",
		"evidence",
		"satellite", "imagery", "border", "camp", "refugees",
		"children", "women", "men", "killed", "injured", "statement",
		"investigation", "rights", "law", "decree", "curfew", "river",
		"forest", "mining", "company", "workers", "strike", "union"
	};
	struct buf { char *s; size_t len; } b;
	size_t	 i, k;
	uint64_t saved = rng_state;

	rng_state = seed;
	b.s = xmalloc(n * 16 + 1);
	b.len = 0;
	for (i = 0; i < n; i++) {
		k = rng() % (sizeof(vocab) / sizeof(vocab[0]));
		b.len += (size_t)sprintf(b.s + b.len, "%s%s", i ? (i % 12 ?
		    " " : ".\n") : "", vocab[k]);
	}
	rng_state = saved;
	return b.s;
}

TEST(test_similarity)
{
	struct text_sketch	 a, b;
	char			*t1, *t2, *p;
	double			 s;
	int			 i;

	t1 = words_text(500, 1);
	t2 = xstrdup(t1);
	/* one word edited in the middle */
	p = strstr(t2 + strlen(t2) / 2, " ");
	memcpy(p + 1, "XYZ", 3);
	text_sketch(t1, strlen(t1), &a);
	text_sketch(t2, strlen(t2), &b);
	T_EQ_INT(a.n, TEXT_SKETCH_K);
	for (i = 1; i < a.n; i++)
		T_ASSERT(a.h[i - 1] < a.h[i]);
	s = text_similarity(&a, &b);
	printf("  one-word edit of 500 words: %.3f\n", s);
	T_ASSERT(s > 0.9 && s < 1.0);
	T_ASSERT(text_similarity(&a, &a) == 1.0);
	free(t2);
	/* a rewritten article: same vocabulary, other order */
	t2 = words_text(500, 2);
	text_sketch(t2, strlen(t2), &b);
	s = text_similarity(&a, &b);
	printf("  rewritten article: %.3f\n", s);
	T_ASSERT(s < 0.5);
	free(t2);
	free(t1);

	/* Case and punctuation do not matter; short texts are one shingle. */
	text_sketch("Page Not Found", 14, &a);
	text_sketch("page, not found!", 16, &b);
	T_EQ_INT(a.n, 1);
	T_ASSERT(text_similarity(&a, &b) == 1.0);
	text_sketch("page not here", 13, &b);
	T_ASSERT(text_similarity(&a, &b) == 0.0);
	/* Empty texts. */
	text_sketch("", 0, &a);
	text_sketch(" .,; ", 5, &b);
	T_EQ_INT(a.n, 0);
	T_EQ_INT(b.n, 0);
	T_ASSERT(text_similarity(&a, &b) == 1.0);
	text_sketch("x", 1, &b);
	T_ASSERT(text_similarity(&a, &b) == 0.0);
	T_ASSERT(text_similarity(&b, &a) == 0.0);
	/* Exact for small sets: 5 and 4 shingles, 3 shared -> 3/6. */
	text_sketch("a b c d e f g h", 15, &a);
	text_sketch("a b c d e f g", 13, &b);
	T_EQ_INT(a.n, 5);
	T_EQ_INT(b.n, 4);
	T_ASSERT(text_similarity(&a, &b) == 4.0 / 5.0);
	text_sketch("a b c d e f g x", 15, &b);
	T_ASSERT(text_similarity(&a, &b) == 4.0 / 6.0);
	/* Non-ASCII bytes are letters: "été" is one word. */
	text_sketch("\xc3\xa9t\xc3\xa9", 5, &a);
	T_EQ_INT(a.n, 1);
}

TEST(test_without)
{
	static const char *const w[] = { "abc123", "", "Random", "abc" };
	char	*s;

	s = text_without("The page /ABC123-random was not found (abc).", 44, w,
	    4);
	T_EQ_STR(s, "The page /- was not found ().");
	free(s);
	s = text_without("nothing here", 12, w, 0);
	T_EQ_STR(s, "nothing here");
	free(s);
	s = text_without("", 0, w, 4);
	T_EQ_STR(s, "");
	free(s);
}

/* The output of text_diff() as a string, and its return value. */
static char *
diff_str(const char *a, const char *b, int *changed)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&out, &len);

	*changed = text_diff(fp, "a/page", a, "b/page", b);
	fclose(fp);
	return out;
}

TEST(test_diff_exact)
{
	char	*out;
	int	 n;

	out = diff_str("one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine"
	    "\nten\neleven\ntwelve",
	    "one\ntwo\nthree\nfour\nFIVE\nsix\nseven\neight\nnine\nten\n"
	    "eleven\ntwelve\nthirteen", &n);
	T_EQ_STR(out,
	    "--- a/page\n"
	    "+++ b/page\n"
	    "@@ -2,7 +2,7 @@\n"
	    " two\n"
	    " three\n"
	    " four\n"
	    "-five\n"
	    "+FIVE\n"
	    " six\n"
	    " seven\n"
	    " eight\n"
	    "@@ -10,3 +10,4 @@\n"
	    " ten\n"
	    " eleven\n"
	    " twelve\n"
	    "+thirteen\n");
	T_EQ_INT(n, 3);
	free(out);

	/* Changes 6 lines apart share a hunk. */
	out = diff_str("a\nb\nc\nd\ne\nf\ng\nh", "A\nb\nc\nd\ne\nf\ng\nH", &n);
	T_EQ_STR(out, "--- a/page\n+++ b/page\n@@ -1,8 +1,8 @@\n-a\n+A\n b\n"
	    " c\n d\n e\n f\n g\n-h\n+H\n");
	T_EQ_INT(n, 4);
	free(out);

	out = diff_str("same\ntext", "same\ntext", &n);
	T_EQ_STR(out, "");
	T_EQ_INT(n, 0);
	free(out);

	out = diff_str("", "x\ny", &n);
	T_EQ_STR(out, "--- a/page\n+++ b/page\n@@ -0,0 +1,2 @@\n+x\n+y\n");
	T_EQ_INT(n, 2);
	free(out);

	out = diff_str("x\n", "", &n);
	T_EQ_STR(out, "--- a/page\n+++ b/page\n@@ -1 +0,0 @@\n-x\n");
	T_EQ_INT(n, 1);
	free(out);

	out = diff_str("a\nb\nc", "a\nc", &n);
	T_EQ_STR(out, "--- a/page\n+++ b/page\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
	T_EQ_INT(n, 1);
	free(out);
}

/* Split s into lines (copies). */
static size_t
lines_of(const char *s, char ***out)
{
	size_t		 n = 0, cap = 16;
	const char	*e;
	char		**v = xmalloc(cap * sizeof(*v));

	while (*s != '\0') {
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		e = strchr(s, '\n');
		v[n++] = xstrndup(s, e ? (size_t)(e - s) : strlen(s));
		if (e == NULL)
			break;
		s = e + 1;
	}
	*out = v;
	return n;
}

static void
lines_free(char **v, size_t n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/*
 * Apply the unified diff to a and compare with b; checks the hunk
 * headers' counts and that context lines match.  Returns 1 if all good.
 */
static int
patch_ok(const char *a, const char *diff, const char *b)
{
	char	**la, **lb, **ld, **res;
	size_t	  na, nb, nd, nr = 0, i = 2, ai = 0, k;
	unsigned long as, ac, bs, bc;
	int	  ok = 1;

	na = lines_of(a, &la);
	nb = lines_of(b, &lb);
	nd = lines_of(diff, &ld);
	res = xmalloc((na + nb + 1) * sizeof(*res));
	if (nd == 0) {
		ok = na == nb;
		for (k = 0; ok && k < na; k++)
			ok = strcmp(la[k], lb[k]) == 0;
		goto done;
	}
	if (nd < 3 || strncmp(ld[0], "--- ", 4) != 0 ||
	    strncmp(ld[1], "+++ ", 4) != 0) {
		ok = 0;
		goto done;
	}
	while (ok && i < nd) {
		ac = bc = 1;
		if (sscanf(ld[i], "@@ -%lu,%lu +%lu,%lu @@", &as, &ac, &bs,
		    &bc) != 4 &&
		    sscanf(ld[i], "@@ -%lu +%lu,%lu @@", &as, &bs, &bc) != 3 &&
		    sscanf(ld[i], "@@ -%lu,%lu +%lu @@", &as, &ac, &bs) != 3 &&
		    sscanf(ld[i], "@@ -%lu +%lu @@", &as, &bs) != 2) {
			ok = 0;
			break;
		}
		if (ac == 0)
			as++;
		while (ai + 1 < as && ai < na)
			res[nr++] = la[ai++];
		for (i++; ok && i < nd && ld[i][0] != '@'; i++) {
			if (ld[i][0] == ' ' || ld[i][0] == '-') {
				ok = ai < na && strcmp(la[ai], ld[i] + 1) == 0;
				if (ld[i][0] == ' ')
					res[nr++] = la[ai];
				ai++;
				ac--;
			} else if (ld[i][0] == '+')
				res[nr++] = ld[i] + 1;
			else
				ok = 0;
			if (ld[i][0] != '-')
				bc--;
		}
		ok = ok && ac == 0 && bc == 0;
	}
	while (ai < na)
		res[nr++] = la[ai++];
	ok = ok && nr == nb;
	for (k = 0; ok && k < nb; k++)
		ok = strcmp(res[k], lb[k]) == 0;
done:
	free(res);
	lines_free(la, na);
	lines_free(lb, nb);
	lines_free(ld, nd);
	return ok;
}

/* n lines drawn from an alphabet of m. */
static char *
random_lines(size_t n, unsigned m)
{
	char	*s = xmalloc(n * 8 + 1);
	size_t	 i, len = 0;

	s[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%sl%u", i ? "\n" : "",
		    (unsigned)(rng() % m));
	return s;
}

TEST(test_diff_random)
{
	char	*a, *b, *out;
	int	 round, n, minus, plus;
	char	*p;

	for (round = 0; round < 300; round++) {
		a = random_lines(rng() % 40, 2 + round % 7);
		b = random_lines(rng() % 40, 2 + round % 7);
		out = diff_str(a, b, &n);
		if (!patch_ok(a, out, b)) {
			printf("  a:\n%s\n  b:\n%s\n  diff:\n%s", a, b, out);
			free(a);
			free(b);
			free(out);
			T_FAIL("round %d: the diff does not turn a into b",
			    round);
		}
		minus = plus = 0;
		for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n'),
		    p = p ? p + 1 : NULL)
			if (*p == '-' && p[1] != '-')
				minus++;
			else if (*p == '+' && p[1] != '+')
				plus++;
		T_EQ_INT(n, minus + plus);
		free(a);
		free(b);
		free(out);
	}
}

TEST(test_diff_large)
{
	char	*a, *b, *out;
	int	 n;
	size_t	 i;

	/* 20k lines, every line changed: the coarse fallback. */
	a = xmalloc(20000 * 16);
	b = xmalloc(20000 * 16);
	a[0] = b[0] = '\0';
	for (i = 0; i < 20000; i++) {
		sprintf(a + strlen(a), "a line %zu\n", i);
		sprintf(b + strlen(b), "b line %zu\n", i);
	}
	out = diff_str(a, b, &n);
	T_EQ_INT(n, 40000);
	T_ASSERT(patch_ok(a, out, b));
	T_ASSERT(strncmp(out, "--- a/page\n+++ b/page\n@@ -1,20000 +1,20000 "
	    "@@\n-a line 0\n", 50) == 0);
	free(out);
	/* 20k lines, a few changed: exact and quick. */
	strcpy(b, a);
	b[strlen(b) / 2] = 'X';
	memcpy(b + 100, "XX", 2);
	out = diff_str(a, b, &n);
	T_EQ_INT(n, 4);
	T_ASSERT(patch_ok(a, out, b));
	free(out);
	free(a);
	free(b);
}

TEST(test_fold)
{
	char	*f;
	static const char in[] = "P\xc3\xa1gina N\xc3\x83O Encontrada "
	    "\xc3\x9f \xc5\x92uvre \xc3\x97 \xe2\x82\xac";

	f = text_fold(in, sizeof(in) - 1);
	T_EQ_STR(f, "pagina nao encontrada ss oeuvre \xc3\x97 \xe2\x82\xac");
	free(f);
}

static double
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * What a ~4 KB article costs: parse+extract, text_hash, text_sketch.
 * Printed only: the machine may be busy.  The best of several rounds.
 */
TEST(test_timing)
{
	char		*body = words_text(560, 7), page[8192];
	struct text_doc	*d = NULL;
	struct text_sketch sk;
	char		 h[65];
	double		 t, best[3] = { 1e9, 1e9, 1e9 };
	int		 r, i, reps = 200;
	size_t		 n;

	n = (size_t)snprintf(page, sizeof(page), "<!DOCTYPE html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>Detentions at the border camp "
	    "(#42)</title></head>\n<body><h1>Detentions at the border camp"
	    "</h1>\n<p>%.1000s.</p>\n<p>%.1000s.</p>\n<p>%.1000s.</p>\n"
	    "<ul><li><a href=\"/p/1.html\">related 1</a></li></ul>\n</body>"
	    "</html>\n", body, body + 1000, body + 2000);
	for (r = 0; r < 5; r++) {
		t = now_us();
		for (i = 0; i < reps; i++) {
			text_doc_free(d);
			d = parse_n(TEXT_HTML, page, n, 1 << 20);
		}
		t = (now_us() - t) / reps;
		best[0] = t < best[0] ? t : best[0];
		t = now_us();
		for (i = 0; i < reps; i++)
			text_hash(NULL, d->title, d->text, d->len, h);
		t = (now_us() - t) / reps;
		best[1] = t < best[1] ? t : best[1];
		t = now_us();
		for (i = 0; i < reps; i++)
			text_sketch(d->text, d->len, &sk);
		t = (now_us() - t) / reps;
		best[2] = t < best[2] ? t : best[2];
	}
	printf("  %zu-byte page, %zu bytes of text: parse+extract %.1f us, "
	    "text_hash %.1f us, text_sketch %.1f us\n", n, d->len, best[0],
	    best[1], best[2]);
	T_ASSERT(d->len > 2900);
	text_doc_free(d);
	free(body);
}

int
main(void)
{
	RUN(test_article);
	RUN(test_chunked);
	RUN(test_split_everywhere);
	RUN(test_boilerplate);
	RUN(test_main_article);
	RUN(test_broken_html);
	RUN(test_truncated);
	RUN(test_plain);
	RUN(test_meta_forms_hosts);
	RUN(test_title);
	RUN(test_encoding);
	RUN(test_kind_sniff);
	RUN(test_stable_table);
	RUN(test_hash_volatile);
	RUN(test_rules);
	RUN(test_similarity);
	RUN(test_without);
	RUN(test_diff_exact);
	RUN(test_diff_random);
	RUN(test_diff_large);
	RUN(test_fold);
	RUN(test_timing);
	xmlCleanupParser();
	return t_done();
}
