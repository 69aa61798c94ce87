/*
 * test_url.c: canonical URLs and the reasons for refusing one.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/url.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

/*
 * Assert that in canonicalises to want (and to want_host, if not NULL),
 * and that want is its own canonical form.
 */
#define CANON(in, want, want_host) do {					\
	char *c_out_, *c_host_, *c_again_;				\
	T_EQ_INT(url_normalize((in), strlen(in), &c_out_, &c_host_), URL_OK); \
	c_again_ = canon_again(c_out_);					\
	if (strcmp(c_out_, (want)) != 0 || c_again_ == NULL ||		\
	    strcmp(c_again_, c_out_) != 0 || ((want_host) != NULL &&	\
	    strcmp(c_host_, (want_host) ? (want_host) : "") != 0)) {	\
		printf("  in   \"%s\"\n  out  \"%s\" host \"%s\"\n"	\
		    "  again \"%s\"\n", (in), c_out_, c_host_,		\
		    c_again_ ? c_again_ : "(error)");			\
		free(c_out_); free(c_host_); free(c_again_);		\
		T_FAIL("expected \"%s\"", (want));			\
	}								\
	free(c_out_); free(c_host_); free(c_again_);			\
} while (0)

#define REFUSE(in, len, want) do {					\
	char *r_out_ = (char *)1, *r_host_ = (char *)1;			\
	T_EQ_INT(url_normalize((in), (len), &r_out_, &r_host_), (want)); \
	T_ASSERT(r_out_ == NULL && r_host_ == NULL);			\
} while (0)

static char *
canon_again(const char *s)
{
	char	*out;

	if (url_normalize(s, strlen(s), &out, NULL) != URL_OK)
		return NULL;
	return out;
}

TEST(test_case_port_dots_fragment)
{
	CANON("HTTP://Example.COM:80/a/../b/./c#frag",
	    "http://example.com/b/c", "example.com");
	CANON("HTTP://Example.COM:80/a/../b#x", "http://example.com/b",
	    "example.com");
	CANON("http://example.com/b", "http://example.com/b", "example.com");
	CANON("HTTPS://Example.com:443/", "https://example.com/",
	    "example.com");
	CANON("https://example.com:80/", "https://example.com:80/", NULL);
	CANON("http://example.com:443/", "http://example.com:443/", NULL);
	CANON("http://example.com:080/x", "http://example.com/x", NULL);
	CANON("http://example.com:8080/x", "http://example.com:8080/x",
	    "example.com");
	CANON("http://example.com:/x", "http://example.com/x", NULL);
	CANON("hTtPs://EXAMPLE.com", "https://example.com/", NULL);
}

TEST(test_empty_path_and_query)
{
	CANON("http://example.com", "http://example.com/", NULL);
	CANON("http://example.com?b=2&a=1", "http://example.com/?b=2&a=1",
	    NULL);
	CANON("http://example.com/x?", "http://example.com/x", NULL);
	CANON("http://example.com/x?Q=%7e%c3%9f",
	    "http://example.com/x?Q=%7e%c3%9f", NULL);
	CANON("http://example.com/x?utm_source=a#top",
	    "http://example.com/x?utm_source=a", NULL);
}

TEST(test_dot_segments)
{
	CANON("http://a.example/..", "http://a.example/", NULL);
	CANON("http://a.example/a/b/../../..", "http://a.example/", NULL);
	CANON("http://a.example/a/./b/.", "http://a.example/a/b/", NULL);
	CANON("http://a.example/a/%2e%2E/b", "http://a.example/b", NULL);
	CANON("http://a.example/a/%2e/b/%2E%2e", "http://a.example/a/", NULL);
	CANON("http://a.example/a//b/", "http://a.example/a//b/", NULL);
	CANON("http://a.example/.../x", "http://a.example/.../x", NULL);
}

TEST(test_percent_encoding)
{
	CANON("http://a.example/%c3%9f", "http://a.example/%C3%9F", NULL);
	CANON("http://a.example/%7e%41%2d%5F%2e%30", "http://a.example/~A-_.0",
	    NULL);
	CANON("http://a.example/a%2fb%20c%25", "http://a.example/a%2Fb%20c%25",
	    NULL);
	CANON("http://a.example/stra\xc3\x9f" "e",
	    "http://a.example/stra%C3%9Fe", NULL);
	CANON("http://a.example/100%", "http://a.example/100%", NULL);
	CANON("http://a.example/%zz", "http://a.example/%zz", NULL);
	CANON("http://ex%41mple.com/", "http://example.com/", "example.com");
	/* Decoding must not make a new escape out of a stray '%'. */
	CANON("http://a.example/%a%41", "http://a.example/%a%41", NULL);
	CANON("http://a.example/%%61b", "http://a.example/%%61b", NULL);
	CANON("http://a.example/%z%41", "http://a.example/%zA", NULL);
}

TEST(test_fragment)
{
	CANON("https://www.animalpolitico.com/x/#:~:text=Mientras%20que",
	    "https://www.animalpolitico.com/x/", NULL);
	CANON("http://a.example/#", "http://a.example/", NULL);
	CANON("http://a.example/p#a#b", "http://a.example/p", NULL);
}

TEST(test_userinfo)
{
	CANON("http://User:Pw@Example.com/", "http://User:Pw@example.com/",
	    "example.com");
}

TEST(test_idn)
{
	CANON("http://b\xc3\xbc" "cher.example/",
	    "http://xn--bcher-kva.example/", "xn--bcher-kva.example");
	CANON("http://B\xc3\x9c" "CHER.Example/",
	    "http://xn--bcher-kva.example/", "xn--bcher-kva.example");
	CANON("http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/",
	    "xn--bcher-kva.example");
}

TEST(test_ip_hosts)
{
	CANON("http://[::1]:8080/", "http://[::1]:8080/", "[::1]");
	CANON("http://[2001:DB8::1]/", "http://[2001:db8::1]/",
	    "[2001:db8::1]");
	CANON("http://[FE80::1%25eth0]:80/x", "http://[fe80::1%25eth0]/x",
	    "[fe80::1]");
	CANON("http://0x7f.1/", "http://127.0.0.1/", "127.0.0.1");
	CANON("http://2130706433/", "http://127.0.0.1/", "127.0.0.1");
	/* An escaped host is decoded, then read as IPv4. */
	CANON("http://0x7f%2E1/", "http://127.0.0.1/", "127.0.0.1");
}

TEST(test_duplicates_agree)
{
	static const char *const spellings[] = {
		"http://example.com/b",
		"HTTP://Example.COM:80/a/../b#x",
		"http://EXAMPLE.com/./b",
		"http://example.com:80/%62",
		"http://example.com/a/%2e%2e/b#:~:text=b",
	};
	char	*first, *s;
	size_t	 i;

	T_EQ_INT(url_normalize(spellings[0], strlen(spellings[0]), &first,
	    NULL), URL_OK);
	for (i = 1; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		T_EQ_INT(url_normalize(spellings[i], strlen(spellings[i]), &s,
		    NULL), URL_OK);
		if (strcmp(s, first) != 0) {
			printf("  \"%s\" -> \"%s\"\n", spellings[i], s);
			free(s);
			free(first);
			T_FAIL("spellings differ");
		}
		free(s);
	}
	free(first);
}

TEST(test_no_scheme)
{
	REFUSE("www.r3d.mx/publicaciones", 24, URL_NO_SCHEME);
	REFUSE("example.org/page", 16, URL_NO_SCHEME);
	REFUSE("example.org:8080/page", 21, URL_NO_SCHEME);
	REFUSE("localhost:8080", 14, URL_NO_SCHEME);
	REFUSE("//example.org/", 14, URL_NO_SCHEME);
	REFUSE("", 0, URL_NO_SCHEME);
}

TEST(test_bad_scheme)
{
	REFUSE("ftp://example.org/f", 19, URL_BAD_SCHEME);
	REFUSE("javascript:alert(1)", 19, URL_BAD_SCHEME);
	REFUSE("mailto:a@example.org", 20, URL_BAD_SCHEME);
	REFUSE("file:///etc/passwd", 18, URL_BAD_SCHEME);
	REFUSE("httpx://example.org/", 20, URL_BAD_SCHEME);
}

TEST(test_bad_port)
{
	REFUSE("http://example.org:65536/", 25, URL_BAD_PORT);
	REFUSE("http://example.org:99999999999999999999/", 40, URL_BAD_PORT);
	REFUSE("http://example.org:8x/", 22, URL_BAD_PORT);
}

TEST(test_control)
{
	REFUSE("http://example.org/\x01", 20, URL_CONTROL);
	REFUSE("http://example.org/\x7f", 20, URL_CONTROL);
	REFUSE("http://exa\tmple.org/", 20, URL_CONTROL);
	REFUSE("http://example.org/\n", 20, URL_CONTROL);
	REFUSE("http://example.org/\0x", 21, URL_CONTROL);
	/* Control bytes win over every other reason. */
	REFUSE("ftp://\x02", 7, URL_CONTROL);
}

TEST(test_too_long)
{
	char	*s, *out;
	size_t	 n = 9 * 1024 * 1024;

	s = xmalloc(n);
	memcpy(s, "http://example.org/", 19);
	memset(s + 19, 'a', n - 19);
	REFUSE(s, n, URL_TOO_LONG);
	REFUSE(s, URL_MAX_LEN + 1, URL_TOO_LONG);
	T_EQ_INT(url_normalize(s, URL_MAX_LEN, &out, NULL), URL_OK);
	T_EQ_INT(strlen(out), URL_MAX_LEN);
	free(out);
	/* Fits as input, but not once its bytes are %-encoded. */
	memset(s + 19, 0xff, URL_MAX_LEN - 19);
	REFUSE(s, URL_MAX_LEN, URL_TOO_LONG);
	free(s);
}

TEST(test_invalid)
{
	REFUSE("http://exa mple.org/", 20, URL_INVALID);
	REFUSE("http://example.org/a b", 22, URL_INVALID);
	REFUSE(" http://example.org/", 20, URL_INVALID);
	REFUSE("http://", 7, URL_INVALID);
	REFUSE("http:example.org", 16, URL_INVALID);
	REFUSE("http://[::1/", 12, URL_INVALID);
}

TEST(test_not_nul_terminated)
{
	char	*out;

	T_EQ_INT(url_normalize("http://a.example/xyz", 18, &out, NULL),
	    URL_OK);
	T_EQ_STR(out, "http://a.example/x");
	free(out);
}

TEST(test_strerror)
{
	T_EQ_STR(url_strerror(URL_NO_SCHEME), "no scheme");
	T_EQ_STR(url_strerror(URL_BAD_SCHEME), "not http(s)");
	T_EQ_STR(url_strerror(URL_BAD_PORT), "bad port");
	T_EQ_STR(url_strerror(URL_CONTROL), "control characters");
	T_EQ_STR(url_strerror(URL_TOO_LONG), "over-long");
	T_EQ_STR(url_strerror(URL_INVALID), "invalid URL");
}

int
main(void)
{
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		printf("no C.UTF-8 locale\n");
		return 1;
	}
	RUN(test_case_port_dots_fragment);
	RUN(test_empty_path_and_query);
	RUN(test_dot_segments);
	RUN(test_percent_encoding);
	RUN(test_fragment);
	RUN(test_userinfo);
	RUN(test_idn);
	RUN(test_ip_hosts);
	RUN(test_duplicates_agree);
	RUN(test_no_scheme);
	RUN(test_bad_scheme);
	RUN(test_bad_port);
	RUN(test_control);
	RUN(test_too_long);
	RUN(test_invalid);
	RUN(test_not_nul_terminated);
	RUN(test_strerror);
	return t_done();
}
