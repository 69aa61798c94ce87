/*
 * test_signs.c: parked domains (built-in and user signatures), "not
 * found" pages in six languages, bot challenges, and the login, search
 * and root URL tables, with the pages that must not match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "../../daemon/signs.h"
#include "../../daemon/text.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

static struct text_doc *
page(const char *html)
{
	struct text_parser	*p = text_parser_new(TEXT_HTML, 0);

	text_parser_feed(p, html, strlen(html));
	return text_parser_finish(p);
}

/* An HTML page of n filler words after the given head and body. */
static struct text_doc *
long_page(const char *title, const char *body, size_t n)
{
	struct text_doc	*d;
	char		*html;
	size_t		 len, i;

	html = xmalloc(strlen(title) + strlen(body) + 8 * n + 256);
	len = (size_t)sprintf(html, "<title>%s</title><body><p>%s</p><p>",
	    title, body);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(html + len, "word%zu ", i % 97);
	strcpy(html + len, "</p></body>");
	d = page(html);
	free(html);
	return d;
}

/* Whether reason r is want (NULL: no reason). */
static int
same(const char *r, const char *want)
{
	return want == NULL ? r == NULL : r != NULL && strcmp(r, want) == 0;
}

/* A temporary file holding s; its name in path (PATH_MAX). */
static int
temp_file(char *path, const char *s)
{
	FILE	*fp;
	int	 fd;

	strcpy(path, "/tmp/test_signs.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	fputs(s, fp);
	fclose(fp);
	return 0;
}

#define PARKED(sg, html, hops, want) do {				\
	struct text_doc	*p_d_ = page(html);				\
	const char	*p_r_ = signs_parked((sg), p_d_, (hops),	\
			    sizeof(hops) / sizeof((hops)[0]));		\
	int		 p_ok_ = same(p_r_, (want));			\
	text_doc_free(p_d_);						\
	if (!p_ok_)							\
		T_FAIL("parked: \"%s\", expected \"%s\"",		\
		    p_r_ ? p_r_ : "(null)", (want) ? (want) : "(null)"); \
} while (0)

TEST(test_parked_hosts)
{
	struct signs		*sg = signs_new();
	static const char	*self[] = { "www.example.org" };
	static const char	*sedo[] = { "www.example.org",
				    "ww25.sedoparking.com" };
	static const char	*dan[] = { "example.org", "dan.com" };
	static const char	*not_dan[] = { "example.org", "notdan.com" };
	static const char	*mkt[] = { "sedo.com", "sedo.com" };
	static const char	*none[1] = { NULL };
	static const char	*upper[] = { "example.org",
				    "HugeDomains.COM." };

	PARKED(sg, "<p>hello</p>", sedo,
	    "redirects to parking host sedoparking.com");
	PARKED(sg, "<p>hello</p>", dan, "redirects to parking host dan.com");
	PARKED(sg, "<p>hello</p>", upper,
	    "redirects to parking host hugedomains.com");
	PARKED(sg, "<p>hello</p>", not_dan, NULL);
	/* A listing on the marketplace itself, cited as such. */
	PARKED(sg, "<title>example.org is for sale</title>", mkt, NULL);
	/* Scripts and frames from a parking service. */
	PARKED(sg, "<script src=\"https://www.parkingcrew.net/js/p.js\">"
	    "</script><p>x</p>", self,
	    "page loads content from parking host parkingcrew.net");
	PARKED(sg, "<iframe src=\"//sedoparking.com/frame\"></iframe>", self,
	    "page loads content from parking host sedoparking.com");
	PARKED(sg, "<meta http-equiv=refresh content=\"0;url=http://"
	    "parked-content.godaddy.com/park/x\">", self,
	    "page loads content from parking host parked-content.godaddy.com");
	/* A link: on a short page only. */
	PARKED(sg, "<p>Buy it: <a href=\"https://afternic.com/domain/x\">"
	    "here</a></p>", self, "page links to parking host afternic.com");
	{
		struct text_doc	*d = long_page("Domain marketplaces",
		    "An essay that links <a href=\"https://dan.com/\">dan.com"
		    "</a>.", 600);
		T_ASSERT(signs_parked(sg, d, self, 1) == NULL);
		text_doc_free(d);
	}
	/* Nothing at all. */
	PARKED(sg, "<p>hello</p>", self, NULL);
	T_ASSERT(signs_parked(sg, NULL, sedo, 2) != NULL);
	{
		struct text_doc	*d = page("<p>x</p>");
		T_ASSERT(signs_parked(sg, d, NULL, 0) == NULL);
		T_ASSERT(signs_parked(sg, d, none, 1) == NULL);
		text_doc_free(d);
	}
	signs_free(sg);
}

TEST(test_parked_phrases)
{
	struct signs		*sg = signs_new();
	static const char	*self[] = { "example.org" };

	PARKED(sg, "<title>example.org</title><h1>This domain may be for "
	    "sale!</h1><p>Related searches</p>", self,
	    "page says 'this domain may be for sale'");
	PARKED(sg, "<title>EXAMPLE.ORG IS FOR SALE</title><p>Make an offer"
	    "</p>", self, "title says 'is for sale'");
	PARKED(sg, "<p>Buy this domain.</p>", self,
	    "page says 'buy this domain'");
	PARKED(sg, "<p>This domain is parked free, courtesy of GoDaddy.com"
	    "</p>", self, "page says 'this domain is parked'");
	PARKED(sg, "<p>\xc2\xa1" "Este dominio est\xc3\xa1 a la venta!</p>",
	    self, "page says 'este dominio esta a la venta'");
	PARKED(sg, "<p>ESTE DOM\xc3\x8dNIO EST\xc3\x81 \xc3\x80 VENDA</p>",
	    self, "page says 'este dominio esta a venda'");
	PARKED(sg, "<p>Ce nom de domaine est \xc3\xa0 vendre.</p>", self,
	    "page says 'ce nom de domaine est a vendre'");
	PARKED(sg, "<p>Diese Domain kaufen</p>", self,
	    "page says 'diese domain kaufen'");
	PARKED(sg, "<p>Die Domain steht zum Verkauf.</p>", self,
	    "page says 'domain steht zum verkauf'");
	/* Whole words: a condo for sale is no domain for sale. */
	PARKED(sg, "<p>Condominio en venta en la costa</p>", self, NULL);
	/* Generic parking-page furniture is not enough. */
	PARKED(sg, "<title>example.org</title><h2>Related searches</h2><ul>"
	    "<li>Cheap flights</li></ul><p>Privacy policy</p>", self, NULL);
	/* An article quoting a parking page is long. */
	{
		struct text_doc	*d = long_page("When a domain expires",
		    "The old site now says: this domain is for sale.", 700);
		T_ASSERT(signs_parked(sg, d, self, 1) == NULL);
		text_doc_free(d);
	}
	signs_free(sg);
}

TEST(test_parked_load)
{
	struct signs		*sg = signs_new();
	static const char	*hops[] = { "example.org",
				    "ww1.my-parker.test" };
	static const char	*ip[] = { "example.org", "192.0.2.7" };
	static const char	*ip_sub[] = { "example.org", "1.192.0.2.7" };
	char			 path[64], *out = NULL;
	size_t			 len = 0;
	FILE			*err;
	int			 rc;
	char			 longv[300];

	/* Unknown before, known after loading. */
	PARKED(sg, "<p>x</p>", hops, NULL);
	T_EQ_INT(temp_file(path, "# my signatures\n\n  host  *.My-Parker.TEST."
	    "\r\nhost 192.0.2.7\ntext  Se vende este sitio\n\ttitle\tgone "
	    "fishing\n"), 0);
	err = open_memstream(&out, &len);
	rc = signs_load(sg, path, err);
	fclose(err);
	unlink(path);
	T_EQ_INT(rc, 0);
	T_EQ_STR(out, "");
	free(out);
	PARKED(sg, "<p>x</p>", hops,
	    "redirects to parking host my-parker.test");
	PARKED(sg, "<p>x</p>", ip, "redirects to parking host 192.0.2.7");
	PARKED(sg, "<p>x</p>", ip_sub, NULL);
	{
		static const char *self[] = { "example.org" };

		PARKED(sg, "<p>Se vende este sitio.</p>", self,
		    "page says 'se vende este sitio'");
		PARKED(sg, "<title>Gone Fishing</title>", self,
		    "title says 'gone fishing'");
		/* The built-in ones still count. */
		PARKED(sg, "<p>Buy this domain</p>", self,
		    "page says 'buy this domain'");
	}

	/* Errors: every one reported, nothing kept. */
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	{
		char	text[512];

		snprintf(text, sizeof(text), "text  keep me out\nhostname x.com"
		    "\ntext\nhost bad/host\ntitle %s\ntext !!!\n", longv);
		T_EQ_INT(temp_file(path, text), 0);
	}
	out = NULL;
	err = open_memstream(&out, &len);
	rc = signs_load(sg, path, err);
	fclose(err);
	T_EQ_INT(rc, -1);
	{
		char	want[1024];

		snprintf(want, sizeof(want),
		    "%s:2: unknown kind 'hostname'\n"
		    "%s:3: missing value\n"
		    "%s:4: bad host 'bad/host'\n"
		    "%s:5: value over 200 bytes\n"
		    "%s:6: value has no letters or digits '!!!'\n",
		    path, path, path, path, path);
		T_EQ_STR(out, want);
	}
	free(out);
	unlink(path);
	{
		static const char *self[] = { "example.org" };

		PARKED(sg, "<p>Keep me out</p>", self, NULL);
	}
	/* A missing file. */
	out = NULL;
	err = open_memstream(&out, &len);
	T_EQ_INT(signs_load(sg, "/nonexistent/parked.txt", err), -1);
	fclose(err);
	T_EQ_STR(out, "/nonexistent/parked.txt: No such file or directory\n");
	free(out);
	T_EQ_INT(signs_load(sg, "/nonexistent/parked.txt", NULL), -1);
	signs_free(sg);
	signs_free(NULL);
}

#define NOTFOUND(html, want) do {					\
	struct text_doc	*n_d_ = page(html);				\
	const char	*n_r_ = signs_notfound(n_d_);			\
	int		 n_ok_ = same(n_r_, (want));			\
	text_doc_free(n_d_);						\
	if (!n_ok_)							\
		T_FAIL("%s: \"%s\", expected \"%s\"", (html),		\
		    n_r_ ? n_r_ : "(null)", (want) ? (want) : "(null)"); \
} while (0)

TEST(test_notfound)
{
	struct text_doc	*d;

	/* en */
	NOTFOUND("<title>Page not found</title><h1>Page not found</h1><p>"
	    "Sorry, the page you requested could not be found.</p>",
	    "title says 'page not found'");
	NOTFOUND("<title>404 - Not Found | Example</title><h1>Oops! That "
	    "page can&rsquo;t be found.</h1><p>Nothing was found at this "
	    "location. Maybe try a search?</p>",
	    "title says '404 not found'");
	NOTFOUND("<title>Example News</title><h1>Oops! That page "
	    "can\xe2\x80\x99t be found.</h1>",
	    "heading says 'page can t be found'");
	NOTFOUND("<title>404 | Example</title>", "title says '404'");
	NOTFOUND("<title>Not Found</title>", "title says 'not found'");
	NOTFOUND("<title>Example :: Nothing was found</title>",
	    "title says 'nothing was found'");
	NOTFOUND("<title>Error 404 (Not Found)!!1</title>",
	    "title says 'error 404'");
	NOTFOUND("<title>Site</title><h1>The page you requested could not "
	    "be found</h1>", "heading says 'page you requested could not be "
	    "found'");
	/* es, pt, fr, de, it */
	NOTFOUND("<title>P\xc3\xa1gina no encontrada \xe2\x80\x93 Diario"
	    "</title>", "title says 'pagina no encontrada'");
	NOTFOUND("<title>Diario</title><h1>No se ha encontrado la p\xc3\xa1"
	    "gina</h1>", "heading says 'no se ha encontrado la pagina'");
	NOTFOUND("<title>No existe | Diario</title>",
	    "title says 'no existe'");
	NOTFOUND("<title>P\xc3\x81GINA N\xc3\x83O ENCONTRADA</title>",
	    "title says 'pagina nao encontrada'");
	NOTFOUND("<title>Jornal \xc2\xbb N\xc3\xa3o encontrada</title>",
	    "title says 'nao encontrada'");
	NOTFOUND("<title>Page introuvable</title>",
	    "title says 'page introuvable'");
	NOTFOUND("<title>Page non trouv\xc3\xa9" "e - Le Journal</title>",
	    "title says 'page non trouvee'");
	NOTFOUND("<title>Seite nicht gefunden</title>",
	    "title says 'seite nicht gefunden'");
	NOTFOUND("<title>Fehler 404: Die Zeitung</title>",
	    "title says 'fehler 404'");
	NOTFOUND("<title>Pagina non trovata</title>",
	    "title says 'pagina non trovata'");
	/* 404 only as a token, bare phrases only as a whole part */
	NOTFOUND("<title>Flight 4041 delayed</title>", NULL);
	NOTFOUND("<title>Route 404 reopened | News</title>", NULL);
	NOTFOUND("<title>404 Media</title>", NULL);
	NOTFOUND("<title>Bodies not found in river | News</title>", NULL);
	NOTFOUND("<title>Inquiry: evidence no existe, says judge</title>",
	    NULL);
	NOTFOUND("<title>Home</title><h1>Welcome</h1>", NULL);
	NOTFOUND("", NULL);
	/* A long article about link rot is no not-found page. */
	d = long_page("Page not found: how link rot eats the record",
	    "Researchers followed thousands of citations.", 800);
	T_ASSERT(d->words >= 400);
	T_ASSERT(signs_notfound(d) == NULL);
	text_doc_free(d);
	/* The same title on a short page is. */
	d = long_page("Page not found: how link rot eats the record",
	    "Short.", 100);
	T_ASSERT(signs_notfound(d) != NULL);
	text_doc_free(d);
	T_ASSERT(signs_notfound(NULL) == NULL);
}

#define CHALLENGE(html, status, want) do {				\
	struct text_doc	*c_d_ = page(html);				\
	const char	*c_r_ = signs_challenge(c_d_, (status));	\
	int		 c_ok_ = same(c_r_, (want));			\
	text_doc_free(c_d_);						\
	if (!c_ok_)							\
		T_FAIL("%.60s: \"%s\", expected \"%s\"", (html),	\
		    c_r_ ? c_r_ : "(null)", (want) ? (want) : "(null)"); \
} while (0)

TEST(test_challenge)
{
	struct text_doc	*d;

	CHALLENGE("<title>Just a moment...</title><body><noscript>Enable "
	    "JavaScript and cookies to continue</noscript><script src=\""
	    "https://challenges.cloudflare.com/cdn-cgi/x.js\"></script>"
	    "</body>", 403, "challenge page 'Just a moment...'");
	CHALLENGE("<title>Attention Required! | Cloudflare</title><h1>Sorry, "
	    "you have been blocked</h1><p>Cloudflare Ray ID: 8a1b2c3d</p>",
	    403, "Cloudflare 'Attention Required!' page");
	CHALLENGE("<title>Access Denied</title><h1>Access Denied</h1>You don't"
	    " have permission to access \"http&#58;&#47;&#47;www&#46;example"
	    "&#46;org&#47;\" on this server.<p>Reference&#32;&#35;18&#46;"
	    "7f3e1b17&#46;1700000000&#46;1a2b3c4d<p>https&#58;&#47;&#47;"
	    "errors&#46;edgesuite&#46;net&#47;18&#46;7f3e1b17</p>", 403,
	    "'Access denied' from bot protection");
	CHALLENGE("<title>example.org</title><p>Checking your browser before "
	    "accessing example.org.</p><p>DDoS protection by Cloudflare</p>",
	    503, "page says 'Checking your browser'");
	CHALLENGE("<title>DDoS-Guard</title><p>Checking</p>", 403,
	    "DDoS-Guard challenge page");
	CHALLENGE("<title>Access to this page has been denied</title><p>"
	    "Press &amp; Hold to confirm you are a human (and not a bot).</p>",
	    403, "page says 'confirm you are a human'");
	CHALLENGE("<title>Human Verification</title>", 200,
	    "human verification page");
	CHALLENGE("<title>Security check</title><h1>Please complete the "
	    "CAPTCHA</h1>", 200, "captcha page");
	CHALLENGE("<title>x</title><p>Please enable JavaScript and cookies "
	    "to continue.</p>", 200,
	    "page says 'Enable JavaScript and cookies to continue'");
	CHALLENGE("<title>Bloomberg - Are you a robot?</title>", 200,
	    "page asks 'Are you a robot?'");
	CHALLENGE("<p>Request unsuccessful. Incapsula incident ID: "
	    "123000010123</p>", 200, "Imperva (Incapsula) block page");
	/* Challenge hosts: with a blocking status, or almost no text. */
	CHALLENGE("<script src=\"https://www.hcaptcha.com/1/api.js\"></script>"
	    "<p>One moment.</p>", 429, "page loads a challenge from "
	    "hcaptcha.com");
	CHALLENGE("<script src=\"https://geo.captcha-delivery.com/c.js\">"
	    "</script>", 200,
	    "page loads a challenge from captcha-delivery.com");
	/* Negatives: a contact form with a captcha widget ... */
	CHALLENGE("<title>Contact us</title><form><script src=\"https://www."
	    "recaptcha.net/recaptcha/api.js\"></script><input name=email>"
	    "</form><p>Write to us.</p>", 200, NULL);
	/* ... a short page that mentions Cloudflare ... */
	CHALLENGE("<title>About our hosting</title><p>This site is served "
	    "through Cloudflare, which protects it from DDoS attacks. Access "
	    "denied errors are rare.</p>", 200, NULL);
	/* ... "access denied" without any vendor ... */
	CHALLENGE("<title>Access denied</title><p>You must log in.</p>", 403,
	    NULL);
	/* ... a normal article. */
	CHALLENGE("<title>Protesters detained</title><h1>Protesters detained"
	    "</h1><p>Police detained 34 protesters.</p>", 200, NULL);
	d = long_page("Just a moment: how Cloudflare's checks block archives",
	    "Checking your browser before accessing is what visitors see.",
	    600);
	T_ASSERT(signs_challenge(d, 200) == NULL);
	text_doc_free(d);
	T_ASSERT(signs_challenge(NULL, 403) == NULL);
}

TEST(test_login_urls)
{
	static const char *const yes[] = {
		"https://example.org/login",
		"https://example.org/login/",
		"https://example.org/Log-In?next=/x",
		"http://example.org/signin",
		"https://example.org/sign-in",
		"https://example.org/wp-login.php",
		"https://example.org/wp-login.php?redirect_to=https%3A%2F%2Fx",
		"https://example.org/user/login",
		"https://example.org/users/sign_in",
		"https://example.org/account/login.aspx",
		"https://example.org/auth",
		"https://sso.example.org/sso/",
		"https://example.org/session/new",
		"https://example.org/sessions/new",
		"https://example.org/acceder",
		"https://example.org/iniciar-sesion",
		"https://example.org/entrar",
		"https://example.org/fr/connexion",
		"https://example.org/anmelden.html",
		"https://example.org/index.php?action=login",
		"https://example.org/w/index.php?title=Special:UserLogin&x=1",
		"https://accounts.example.com/ServiceLogin?hl=en",
		"/login",
		"//example.org/login"
	};
	static const char *const no[] = {
		"https://example.org/loginsight-report.pdf",
		"https://example.org/author/login-smith",
		"https://example.org/authority",
		"https://example.org/",
		"https://example.org/news/session-newcomers",
		"https://example.org/sessions/2026",
		"https://login.example.org/",
		"https://example.org/blog?q=login",
		"https://example.org/a#login",
		"",
		"not a url"
	};
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!signs_login_url(yes[i]))
			T_FAIL("not a login URL: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (signs_login_url(no[i]))
			T_FAIL("taken for a login URL: %s", no[i]);
	T_EQ_INT(signs_login_url(NULL), 0);
}

TEST(test_search_urls)
{
	static const char *const yes[] = {
		"https://example.org/search",
		"https://example.org/search?q=x",
		"https://example.org/Search/results",
		"https://example.org/buscar?texto=x",
		"https://example.org/busca",
		"https://example.org/pesquisa/",
		"https://example.org/recherche",
		"https://example.org/suche.html",
		"https://example.org/es/busqueda",
		"https://example.org/?s=missing+page",
		"https://example.org/?q=x",
		"https://example.org/index.php?query=x",
		"https://example.org/en/?s=x",
		"https://example.org/search.php?s=x"
	};
	static const char *const no[] = {
		"https://example.org/research",
		"https://example.org/research/search-and-rescue",
		"https://example.org/news?q=x",
		"https://example.org/",
		"https://example.org/?page=2",
		"https://example.org/?sq=x",
		"https://search.example.org/about",
		"/searching"
	};
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!signs_search_url(yes[i]))
			T_FAIL("not a search URL: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (signs_search_url(no[i]))
			T_FAIL("taken for a search URL: %s", no[i]);
	T_EQ_INT(signs_search_url(NULL), 0);
}

TEST(test_root_urls)
{
	static const char *const yes[] = {
		"https://example.org",
		"https://example.org/",
		"https://example.org/?utm_source=x",
		"https://example.org/#top",
		"https://example.org/index.html",
		"https://example.org/index.htm",
		"https://example.org/index.php",
		"https://example.org/INDEX.ASP",
		"https://example.org/index.aspx",
		"https://example.org/index.jsp",
		"https://example.org/default.aspx",
		"https://example.org/home",
		"https://example.org/home/",
		"https://example.org/en/",
		"https://example.org/es",
		"https://example.org/pt/",
		"https://example.org/pt-br/",
		"https://example.org/pt_BR/",
		"https://example.org/zh-hans/",
		"https://example.org/es-419/",
		"https://example.org/en/index.html",
		"https://example.org/fr/accueil",
		"https://example.org/es/inicio",
		"/",
		"",
		"https://example.org//",
		"https://user@example.org:8080/"
	};
	static const char *const no[] = {
		"https://example.org/news",
		"https://example.org/news/",
		"https://example.org/tv/",
		"https://example.org/xx/",
		"https://example.org/en/news",
		"https://example.org/index.html/x",
		"https://example.org/home/page",
		"https://example.org/default",
		"https://example.org/en/es/",
		"https://example.org/english/",
		"https://example.org/p/1.html",
		"https://example.org/index.html/"
	};
	size_t	i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!signs_root_url(yes[i]))
			T_FAIL("not a root URL: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (signs_root_url(no[i]))
			T_FAIL("taken for a root URL: %s", no[i]);
	T_EQ_INT(signs_root_url(NULL), 0);
}

int
main(void)
{
	RUN(test_parked_hosts);
	RUN(test_parked_phrases);
	RUN(test_parked_load);
	RUN(test_notfound);
	RUN(test_challenge);
	RUN(test_login_urls);
	RUN(test_search_urls);
	RUN(test_root_urls);
	xmlCleanupParser();
	return t_done();
}
