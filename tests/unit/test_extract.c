/*
 * test_extract.c: URLs found in citation lists, with their lines, notes
 * and citations, and the candidates refused.
 *
 * The acceptance test reads everywhere-border-endnotes.txt from
 * $ROTWATCH_TEST_DATA (the file, or a directory holding it), else from
 * tests/data/ or ../shared/data/, relative to the repository root.
 */
#include <sys/stat.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../../daemon/extract.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

#define ENDNOTES	"everywhere-border-endnotes.txt"

/* The result of extracting the NUL-terminated s. */
static struct extract_result
run(const char *s, enum extract_format fmt)
{
	struct extract_result	r;

	if (extract_buffer(s, strlen(s), fmt, &r) != 0)
		printf("  extract_buffer failed\n");
	return r;
}

/* Index of the first item with url, or -1. */
static long
item_of(const struct extract_result *r, const char *url)
{
	size_t	i;

	for (i = 0; i < r->nitems; i++)
		if (strcmp(r->items[i].url, url) == 0)
			return (long)i;
	return -1;
}

/* "5,13": the notes of every item with url, in order ("-" for none). */
static const char *
notes_of(const struct extract_result *r, const char *url)
{
	static char	buf[256];
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < r->nitems; i++) {
		if (strcmp(r->items[i].url, url) != 0)
			continue;
		if (buf[0] != '\0')
			strcat(buf, ",");
		strncat(buf, r->items[i].note ? r->items[i].note : "-", 16);
	}
	return buf;
}

static void
dump(const struct extract_result *r)
{
	size_t	i;

	for (i = 0; i < r->nitems; i++)
		printf("  item %u [%s] note %s: %s\n", r->items[i].line,
		    r->items[i].url, r->items[i].note ? r->items[i].note : "-",
		    r->items[i].citation);
	for (i = 0; i < r->nrejects; i++)
		printf("  reject %u %s: [%s]\n", r->rejects[i].line,
		    url_strerror(r->rejects[i].why), r->rejects[i].text);
}

/* Assert item i: url, line and note (NULL for none). */
#define ITEM(r, i, u, l, n) do {					\
	if ((size_t)(i) >= (r).nitems) {				\
		dump(&(r));						\
		T_FAIL("no item %d", (int)(i));				\
	}								\
	T_EQ_STR((r).items[i].url, (u));				\
	T_EQ_INT((r).items[i].line, (l));				\
	T_EQ_STR((r).items[i].note, (n));				\
	T_ASSERT((r).items[i].citation != NULL);			\
} while (0)

/* Assert reject i: line, reason and text. */
#define REJECT(r, i, l, w, t) do {					\
	if ((size_t)(i) >= (r).nrejects) {				\
		dump(&(r));						\
		T_FAIL("no reject %d", (int)(i));			\
	}								\
	T_EQ_INT((r).rejects[i].line, (l));				\
	T_EQ_STR(url_strerror((r).rejects[i].why), url_strerror(w));	\
	T_EQ_STR((r).rejects[i].text, (t));				\
} while (0)

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = xmalloc((size_t)n + 1);
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

static char *
endnotes(size_t *len)
{
	const char	*env = getenv("ROTWATCH_TEST_DATA");
	struct stat	 st;
	char		*path, *buf;

	if (env != NULL && *env != '\0') {
		if (stat(env, &st) == 0 && S_ISDIR(st.st_mode))
			path = xasprintf("%s/%s", env, ENDNOTES);
		else
			path = xstrdup(env);
		buf = slurp(path, len);
		free(path);
		return buf;
	}
	if ((buf = slurp("tests/data/" ENDNOTES, len)) == NULL)
		buf = slurp("../shared/data/" ENDNOTES, len);
	return buf;
}

TEST(test_endnotes_file)
{
	static const char *const want[] = {
		"https://elfaro.net/en/202105/el_salvador/25479/Sting-Operation-against-Migrant-Caravan-Arrests-Working",
		"https://twitter.com/FGR_SV/status/1350133335549501443",
		"http://dx.doi.org/10.1093/isq/sqac033",
		"https://mijente.net/wp-content/uploads/2023/02/Who-is-Behind-ICE-The-Tech-and-Data-Companies-Fueling-Deportations_v4.pdf",
		"https://doi.org/10.1057/palgrave.lst.8600221",
		"https://www.weforum.org/agenda/2021/08/4-reasons-you-should-care-about-digital-public-infrastructure/",
		"https://doi.org/10.1111/isj.12351",
		"https://www.weforum.org/agenda/2022/08/digital-public-infrastructure/",
		"https://www.tni.org/en/publication/smart-borders-or-a-humane-world",
		"https://r3d.mx/wp-content/uploads/Oficios-y-anexos-471.pdf",
		"https://r3d.mx/wp-content/uploads/Central-American-Caravans-and-Migration-Crisis-Flow-Update-32.pdf",
		"https://www.migrationpolicy.org/pubs/enforcementpillars.pdf",
		"https://www.animalpolitico.com/2020/12/poblacion-carceles-crece-record-2020/",
		"http://centroprodh.org.mx/sidih_2_0_alfa?p=31418",
		"https://www.rand.org/pubs/reprints/RP1194.html",
		"https://longreads.tni.org/digital-colonialism-the-evolution-of-us-empire",
		"https://www.oig.dhs.gov/sites/default/files/assets/2021-09/OIG-21-62-Sep21.pdf",
		"https://www.justiceinitiative.org/uploads/e05c542e-0db4-40cc-a3ed-2d73abcf37f/unmaking-americans-insecure-citizenship-in-the-united-states-report-20190916.pdf",
		"https://doi.org/10.1080/08865655.2019.157086",
	};
	const size_t		 nwant = sizeof(want) / sizeof(want[0]);
	struct extract_result	 r;
	char			*buf;
	size_t			 len, i, j, distinct = 0;
	long			 k;

	if ((buf = endnotes(&len)) == NULL)
		T_FAIL("cannot read %s (set ROTWATCH_TEST_DATA)", ENDNOTES);
	T_EQ_INT(extract_guess(buf, len), EXTRACT_MARKDOWN);
	T_EQ_INT(extract_buffer(buf, len, EXTRACT_AUTO, &r), 0);
	free(buf);

	/* Exactly the 19 expected URLs, in 20 occurrences. */
	T_EQ_INT(nwant, 19);
	for (i = 0; i < r.nitems; i++) {
		for (j = 0; j < nwant && strcmp(r.items[i].url, want[j]); j++)
			;
		if (j == nwant) {
			dump(&r);
			T_FAIL("unexpected URL %s", r.items[i].url);
		}
		if (item_of(&r, r.items[i].url) == (long)i)
			distinct++;
	}
	for (j = 0; j < nwant; j++)
		if (item_of(&r, want[j]) < 0)
			T_FAIL("missing URL %s", want[j]);
	T_EQ_INT(distinct, 19);
	T_EQ_INT(r.nitems, 20);

	T_EQ_STR(notes_of(&r, want[3]), "5,13");
	T_EQ_STR(notes_of(&r, want[5]), "7");
	T_EQ_STR(notes_of(&r, want[12]), "18");
	T_EQ_STR(notes_of(&r, want[2]), "4");
	T_EQ_STR(notes_of(&r, want[9]), "14");
	T_ASSERT((k = item_of(&r, want[9])) >= 0);
	T_ASSERT(strstr(r.items[k].citation,
	    "FOIA request 330020322000471") != NULL);
	T_ASSERT(strncmp(r.items[k].citation, "FOIA request", 12) == 0);
	T_EQ_INT(r.items[k].line, 16);
	T_EQ_STR(r.items[k].host, "r3d.mx");
	for (i = 0; i < r.nitems; i++)
		T_ASSERT(r.items[i].note != NULL &&
		    r.items[i].citation != NULL);

	T_EQ_INT(r.nrejects, 1);
	REJECT(r, 0, 27, URL_NO_SCHEME, "www.r3d.mx/publicaciones");
	extract_result_free(&r);
}

TEST(test_markdown_links)
{
	struct extract_result	r;

	r = run("# Sources https://heading.example/\n"
	    "See [Foo](https://en.wikipedia.org/wiki/Foo_(bar)) and "
	    "(https://example.org/a).\n"
	    "Bare: https://en.wikipedia.org/wiki/Foo_(bar). "
	    "And https://example.org/b), too.\n"
	    "[https://x.example/](https://x.example/y) "
	    "<https://y.example/a.> `https://code.example/` "
	    "**https://bold.example/**\n"
	    "[ref]: https://ref.example/p \"Title\"\n"
	    "(see https://a.example/x) and https://a.example/y]. "
	    "[a](https://a.example/z \"t\")\n", EXTRACT_MARKDOWN);
	T_EQ_INT(r.nrejects, 0);
	ITEM(r, 0, "https://en.wikipedia.org/wiki/Foo_(bar)", 2, NULL);
	ITEM(r, 1, "https://example.org/a", 2, NULL);
	ITEM(r, 2, "https://en.wikipedia.org/wiki/Foo_(bar)", 3, NULL);
	ITEM(r, 3, "https://example.org/b", 3, NULL);
	ITEM(r, 4, "https://x.example/", 4, NULL);
	ITEM(r, 5, "https://x.example/y", 4, NULL);
	ITEM(r, 6, "https://y.example/a.", 4, NULL);
	ITEM(r, 7, "https://code.example/", 4, NULL);
	ITEM(r, 8, "https://bold.example/", 4, NULL);
	ITEM(r, 9, "https://ref.example/p", 5, NULL);
	ITEM(r, 10, "https://a.example/x", 6, NULL);
	ITEM(r, 11, "https://a.example/y", 6, NULL);
	ITEM(r, 12, "https://a.example/z", 6, NULL);
	T_EQ_INT(r.nitems, 13);
	T_EQ_STR(r.items[9].citation, "[ref]: https://ref.example/p \"Title\"");
	extract_result_free(&r);
}

TEST(test_trailing_punctuation)
{
	static const char *const want[] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
		"m", "n", "o", "p"
	};
	struct extract_result	r;
	char			u[64];
	size_t			i;

	r = run("https://p.example/a. https://p.example/b, "
	    "https://p.example/c; https://p.example/d: https://p.example/e! "
	    "https://p.example/f? 'https://p.example/g' "
	    "\"https://p.example/h\" *https://p.example/i* "
	    "_https://p.example/j_ [https://p.example/k] "
	    "\xe2\x80\x9chttps://p.example/l\xe2\x80\x9d "
	    "\xe2\x80\x98https://p.example/m\xe2\x80\x99 "
	    "\xc2\xabhttps://p.example/n\xc2\xbb "
	    "https://p.example/o\xe2\x80\xa6\xc2\xa0https://p.example/p...\n",
	    EXTRACT_TEXT);
	T_EQ_INT(r.nrejects, 0);
	T_EQ_INT(r.nitems, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < r.nitems; i++) {
		snprintf(u, sizeof(u), "https://p.example/%s", want[i]);
		ITEM(r, i, u, 1, NULL);
	}
	extract_result_free(&r);
}

TEST(test_html)
{
	struct extract_result	r;
	/* One string per line of HTML. */
	const char		*html =
	    "<!DOCTYPE html>\n"
	    "<html><head><title>Report</title>\n"
	    "<link rel=\"stylesheet\" href=\"https://cdn.example/s.css\">\n"
	    "</head><body>\n"
	    "<p>Intro, see <a href=\"https://Example.org/a/../b#top\">the\n"
	    "report</a>, and https://text.example/page.</p>\n"
	    "<section class=\"footnotes\"><ol start=\"3\">\n"
	    "<li id=\"fn3\"><p>Smith (2020) <i>Title</i>.\n"
	    "<a href=\"https://doi.org/10.1/x\">" "https://doi.org/10.1/x"
	        "</a></p></li>\n"
	    "<li id=\"fn4\">Jones, <a\n"
	    "href=\"ftp://files.example/x\">files</a> and "
	        "<img src=\" http://img.example/i.png \"></li>\n"
	    "</ol></section>\n"
	    "<p>[7] Seventh, <a href=\"mailto:a@b.example\">mail</a> "
	        "<a href=\"/rel\">rel</a>\n"
	    "<a href=\"#x\">x</a> "
	        "<a href=\"https://seven.example/?a=1&amp;b=2\">s</a></p>\n"
	    "<script>var u = \"https://script.example/\";</script>\n"
	    "<p>www.nohost.example/x and "
	        "<a href=\"http://b\xc3\xbc" "cher.example/\">b</a></p>\n"
	    "</body></html>\n";

	T_EQ_INT(extract_guess(html, strlen(html)), EXTRACT_HTML);
	r = run(html, EXTRACT_AUTO);
	ITEM(r, 0, "https://cdn.example/s.css", 3, NULL);
	T_EQ_STR(r.items[0].host, "cdn.example");
	ITEM(r, 1, "https://example.org/b", 5, NULL);
	T_EQ_STR(r.items[1].citation,
	    "Intro, see the report, and https://text.example/page.");
	ITEM(r, 2, "https://text.example/page", 6, NULL);
	ITEM(r, 3, "https://doi.org/10.1/x", 9, "3");
	T_EQ_STR(r.items[3].citation,
	    "Smith (2020) Title. https://doi.org/10.1/x");
	ITEM(r, 4, "http://img.example/i.png", 11, "4");
	T_EQ_STR(r.items[4].citation, "Jones, files and");
	ITEM(r, 5, "https://seven.example/?a=1&b=2", 14, "7");
	T_EQ_STR(r.items[5].citation, "Seventh, mail rel x s");
	ITEM(r, 6, "http://xn--bcher-kva.example/", 16, NULL);
	T_EQ_INT(r.nitems, 7);
	T_EQ_INT(r.nrejects, 2);
	REJECT(r, 0, 11, URL_BAD_SCHEME, "ftp://files.example/x");
	REJECT(r, 1, 16, URL_NO_SCHEME, "www.nohost.example/x");
	extract_result_free(&r);
}

TEST(test_html_text_lines)
{
	struct extract_result	r;
	char			*html, *p;
	int			 i;

	/* Text nodes longer than libxml2's chunks, and an entity. */
	p = html = xmalloc(64 * 100 + 200);
	p += sprintf(p, "<html><body><p>start\n");
	for (i = 2; i <= 60; i++)
		p += sprintf(p, "filler line %02d of text, long enough to "
		    "make several chunks\n", i);
	p += sprintf(p, "&amp; https://late.example/ here\n</p>\n"
	    "<pre>\n\nhttps://pre.example/</pre></body></html>\n");
	r = run(html, EXTRACT_HTML);
	free(html);
	ITEM(r, 0, "https://late.example/", 61, NULL);
	ITEM(r, 1, "https://pre.example/", 65, NULL);
	T_EQ_INT(r.nitems, 2);
	extract_result_free(&r);
}

TEST(test_reject_reasons)
{
	struct extract_result	 r;
	char			*s, *p;
	size_t			 i;

	p = s = xmalloc(20000);
	p += sprintf(p, "intro www.r3d.mx/publicaciones.\n"
	    "example.org/page\n"
	    "javascript:alert(1)\n"
	    "get ftp://files.example/x now\n"
	    "http://example.org:99999/\n"
	    "see http://example.org/\x01x here\n"
	    "http://example.org/");
	for (i = 0; i < 9000; i++)
		*p++ = 'a';
	sprintf(p, "\nhttp://[::1/x\n"
	    "Endnotes\n"
	    "# ftp://comment.example/\n"
	    "\n"
	    "- example.net\n"
	    "e.g.\n"
	    "localhost:8080\n"
	    "  https://fine.example/  \n");
	r = run(s, EXTRACT_TEXT);
	free(s);
	REJECT(r, 0, 1, URL_NO_SCHEME, "www.r3d.mx/publicaciones");
	REJECT(r, 1, 2, URL_NO_SCHEME, "example.org/page");
	REJECT(r, 2, 3, URL_BAD_SCHEME, "javascript:alert(1)");
	REJECT(r, 3, 4, URL_BAD_SCHEME, "ftp://files.example/x");
	REJECT(r, 4, 5, URL_BAD_PORT, "http://example.org:99999/");
	REJECT(r, 5, 6, URL_CONTROL, "http://example.org/?x");
	T_EQ_INT(r.rejects[6].line, 7);
	T_EQ_INT(r.rejects[6].why, URL_TOO_LONG);
	T_EQ_INT(strlen(r.rejects[6].text), 200);
	REJECT(r, 7, 8, URL_INVALID, "http://[::1/x");
	REJECT(r, 8, 12, URL_NO_SCHEME, "example.net");
	REJECT(r, 9, 14, URL_NO_SCHEME, "localhost:8080");
	T_EQ_INT(r.nrejects, 10);
	ITEM(r, 0, "https://fine.example/", 15, NULL);
	T_EQ_STR(r.items[0].citation, "https://fine.example/");
	T_EQ_INT(r.nitems, 1);
	extract_result_free(&r);
}

TEST(test_bom_crlf)
{
	struct extract_result	r;

	r = run("\xef\xbb\xbfhttps://a.example/x\r\n\r\n"
	    "- 1 Note https://b.example/\r\ncontinued\r\n", EXTRACT_AUTO);
	T_EQ_INT(r.nrejects, 0);
	ITEM(r, 0, "https://a.example/x", 1, NULL);
	T_EQ_STR(r.items[0].citation, "https://a.example/x");
	ITEM(r, 1, "https://b.example/", 3, "1");
	T_EQ_STR(r.items[1].citation, "Note https://b.example/ continued");
	T_EQ_INT(r.nitems, 2);
	extract_result_free(&r);
}

TEST(test_nul)
{
	static const char	s[] = "https://a.example/\n"
	    "bad https://b.\0example/ line\nhttps://c.example/\n";
	struct extract_result	r;

	T_EQ_INT(extract_buffer(s, sizeof(s) - 1, EXTRACT_AUTO, &r), 0);
	ITEM(r, 0, "https://a.example/", 1, NULL);
	ITEM(r, 1, "https://c.example/", 3, NULL);
	T_EQ_INT(r.nitems, 2);
	T_EQ_INT(r.nrejects, 1);
	REJECT(r, 0, 2, URL_CONTROL, "bad https://b.?example/ line");
	extract_result_free(&r);
}

TEST(test_long_line)
{
	struct extract_result	 r;
	size_t			 n = 9 * 1024 * 1024, len;
	char			*s;

	s = xmalloc(n + 100);
	len = (size_t)sprintf(s, "https://before.example/\nhttps://x.example/");
	memset(s + len, 'a', n);
	len += n;
	len += (size_t)sprintf(s + len, " https://same-line.example/\n"
	    "https://after.example/\n");
	T_EQ_INT(extract_buffer(s, len, EXTRACT_TEXT, &r), 0);
	free(s);
	T_EQ_INT(r.nrejects, 1);
	T_EQ_INT(r.rejects[0].line, 2);
	T_EQ_INT(r.rejects[0].why, URL_TOO_LONG);
	T_EQ_INT(strncmp(r.rejects[0].text, "https://x.example/aaa", 21), 0);
	T_EQ_INT(strlen(r.rejects[0].text), 200);
	ITEM(r, 0, "https://before.example/", 1, NULL);
	ITEM(r, 1, "https://same-line.example/", 2, NULL);
	T_EQ_INT(strlen(r.items[1].citation), 1000);
	ITEM(r, 2, "https://after.example/", 3, NULL);
	T_EQ_INT(r.nitems, 3);
	extract_result_free(&r);
}

TEST(test_duplicates)
{
	struct extract_result	r;
	size_t			i;

	r = run("HTTP://Example.COM:80/a/../b#x\n"
	    "http://example.com/b and http://EXAMPLE.com/./b?\n"
	    "<http://example.com:80/%62>\n", EXTRACT_AUTO);
	T_EQ_INT(r.nrejects, 0);
	T_EQ_INT(r.nitems, 4);
	for (i = 0; i < r.nitems; i++)
		T_EQ_STR(r.items[i].url, "http://example.com/b");
	T_EQ_INT(r.items[2].line, 2);
	T_EQ_INT(r.items[3].line, 3);
	extract_result_free(&r);
}

TEST(test_idn)
{
	struct extract_result	r;

	r = run("see http://b\xc3\xbc" "cher.example/ and "
	    "https://B\xc3\x9c" "CHER.example/x.\n", EXTRACT_TEXT);
	T_EQ_INT(r.nrejects, 0);
	ITEM(r, 0, "http://xn--bcher-kva.example/", 1, NULL);
	T_EQ_STR(r.items[0].host, "xn--bcher-kva.example");
	ITEM(r, 1, "https://xn--bcher-kva.example/x", 1, NULL);
	T_EQ_INT(r.nitems, 2);
	extract_result_free(&r);
}

TEST(test_notes)
{
	struct extract_result	r;

	r = run("Notes\n"
	    "\n"
	    "1 First note https://n1.example/\n"
	    "continues https://n1b.example/\n"
	    "\n"
	    "still note 1 https://n1c.example/\n"
	    "2. Second https://n2.example/\n"
	    "[3] Third https://n3.example/\n"
	    "^4 Fourth https://n4.example/\n"
	    "- 5 Fifth\n"
	    "2019 https://n5.example/\n"
	    "[^6]: Sixth https://n6.example/\n"
	    "    7 Seventh, indented https://n7.example/\n"
	    "\n"
	    "\n"
	    "After two blanks https://free.example/\n"
	    "08 not a note https://free2.example/\n", EXTRACT_TEXT);
	T_EQ_INT(r.nrejects, 0);
	ITEM(r, 0, "https://n1.example/", 3, "1");
	T_EQ_STR(r.items[0].citation, "First note https://n1.example/ "
	    "continues https://n1b.example/ still note 1 https://n1c.example/");
	ITEM(r, 1, "https://n1b.example/", 4, "1");
	T_EQ_STR(r.items[1].citation, r.items[0].citation);
	ITEM(r, 2, "https://n1c.example/", 6, "1");
	ITEM(r, 3, "https://n2.example/", 7, "2");
	T_EQ_STR(r.items[3].citation, "Second https://n2.example/");
	ITEM(r, 4, "https://n3.example/", 8, "3");
	ITEM(r, 5, "https://n4.example/", 9, "4");
	ITEM(r, 6, "https://n5.example/", 11, "5");
	T_EQ_STR(r.items[6].citation, "Fifth 2019 https://n5.example/");
	ITEM(r, 7, "https://n6.example/", 12, "6");
	T_EQ_STR(r.items[7].citation, "Sixth https://n6.example/");
	ITEM(r, 8, "https://n7.example/", 13, "7");
	ITEM(r, 9, "https://free.example/", 16, NULL);
	T_EQ_STR(r.items[9].citation, "After two blanks https://free.example/");
	ITEM(r, 10, "https://free2.example/", 17, NULL);
	T_EQ_INT(r.nitems, 11);
	extract_result_free(&r);
}

TEST(test_citation_cap)
{
	struct extract_result	 r;
	char			*s, *p;
	int			 i;

	/* "a" then 2-byte characters: byte 1000 is inside one. */
	p = s = xmalloc(2000);
	p += sprintf(p, "1 a");
	for (i = 0; i < 600; i++)
		p += sprintf(p, "\xc3\xa9");
	sprintf(p, " https://cap.example/\n");
	r = run(s, EXTRACT_TEXT);
	free(s);
	ITEM(r, 0, "https://cap.example/", 1, "1");
	T_EQ_INT(strlen(r.items[0].citation), 999);
	T_EQ_STR(r.items[0].citation + 995, "\xc3\xa9\xc3\xa9");
	extract_result_free(&r);

	r = run("x\t\t y   \r https://w.example/ \x01 z\n", EXTRACT_TEXT);
	ITEM(r, 0, "https://w.example/", 1, NULL);
	T_EQ_STR(r.items[0].citation, "x y https://w.example/ ? z");
	extract_result_free(&r);
}

TEST(test_guess)
{
	static const struct {
		const char		*s;
		enum extract_format	 want;
	} cases[] = {
		{ "<!DOCTYPE html><p>x</p>", EXTRACT_HTML },
		{ "\xef\xbb\xbf<html>", EXTRACT_HTML },
		{ "links: <A HREF=\"https://x.example/\">x</a>", EXTRACT_HTML },
		{ "<body>", EXTRACT_HTML },
		{ "see [x](https://x.example/)", EXTRACT_MARKDOWN },
		{ "<https://x.example/>", EXTRACT_MARKDOWN },
		{ "https://x.example/\nexample.org\n", EXTRACT_TEXT },
		{ "", EXTRACT_TEXT },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_EQ_INT(extract_guess(cases[i].s, strlen(cases[i].s)),
		    cases[i].want);
}

TEST(test_empty)
{
	struct extract_result	r;

	T_EQ_INT(extract_buffer("", 0, EXTRACT_HTML, &r), 0);
	T_EQ_INT(r.nitems + r.nrejects, 0);
	extract_result_free(&r);
	T_EQ_INT(extract_buffer("\xef\xbb\xbf", 3, EXTRACT_AUTO, &r), 0);
	T_EQ_INT(r.nitems + r.nrejects, 0);
	extract_result_free(&r);
	r = run("\n\n# only a comment\n\n", EXTRACT_TEXT);
	T_EQ_INT(r.nitems + r.nrejects, 0);
	extract_result_free(&r);
}

int
main(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		printf("no C.UTF-8 locale\n");
		return 1;
	}
	RUN(test_endnotes_file);
	RUN(test_markdown_links);
	RUN(test_trailing_punctuation);
	RUN(test_html);
	RUN(test_html_text_lines);
	RUN(test_reject_reasons);
	RUN(test_bom_crlf);
	RUN(test_nul);
	RUN(test_long_line);
	RUN(test_duplicates);
	RUN(test_idn);
	RUN(test_notes);
	RUN(test_citation_cap);
	RUN(test_guess);
	RUN(test_empty);
	xmlCleanupParser();
	return t_done();
}
