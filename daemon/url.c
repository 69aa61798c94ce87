/*
 * url.c: URL canonicalisation on top of libcurl's URL API.
 *
 * curl parses and removes dot segments, but keeps the host's case, the
 * default port, the fragment and the case of %xx escapes; the rest of the
 * canonical form is applied here, part by part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "url.h"
#include "xmalloc.h"

const char *
url_strerror(enum url_err e)
{
	switch (e) {
	case URL_OK:
		return "ok";
	case URL_NO_SCHEME:
		return "no scheme";
	case URL_BAD_SCHEME:
		return "not http(s)";
	case URL_BAD_PORT:
		return "bad port";
	case URL_CONTROL:
		return "control characters";
	case URL_TOO_LONG:
		return "over-long";
	case URL_INVALID:
		break;
	}
	return "invalid URL";
}

/* ASCII classes: <ctype.h> would depend on the locale. */
static int
url_alpha(int c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
url_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
url_alnum(int c)
{
	return url_alpha(c) || url_digit(c);
}

static int
url_xdigit(int c)
{
	return url_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * Classify the scheme of in[0..len): URL_OK for http or https.  A
 * "name:digits" prefix (example.org:8080/x) is a host and port, hence
 * URL_NO_SCHEME rather than a strange scheme.
 */
static enum url_err
url_check_scheme(const char *in, size_t len)
{
	size_t	 n, i;

	if (len == 0 || !url_alpha((unsigned char)in[0]))
		return URL_NO_SCHEME;
	for (n = 1; n < len; n++)
		if (!url_alnum((unsigned char)in[n]) && in[n] != '+' &&
		    in[n] != '-' && in[n] != '.')
			break;
	if (n == len || in[n] != ':')
		return URL_NO_SCHEME;
	if ((n == 4 && strncasecmp(in, "http", 4) == 0) ||
	    (n == 5 && strncasecmp(in, "https", 5) == 0))
		return URL_OK;
	for (i = n + 1; i < len && url_digit((unsigned char)in[i]); i++)
		;
	if (i > n + 1 && (i == len || strchr("/?#", in[i]) != NULL))
		return URL_NO_SCHEME;
	return URL_BAD_SCHEME;
}

static int
url_hexval(int c)
{
	return url_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int
url_unreserved(int c)
{
	return url_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * RFC 3986 5.2.4 on an absolute path, in place.  Run after decoding, so
 * that "%2E%2E" counts as "..".
 */
static void
url_remove_dots(char *p)
{
	const char	*r = p, *seg;
	char		*w = p;
	size_t		 n;
	int		 last;

	while (*r == '/') {
		seg = r + 1;
		n = strcspn(seg, "/");
		last = seg[n] == '\0';
		if (n == 1 && seg[0] == '.') {
			if (last)
				*w++ = '/';
		} else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (w > p && *--w != '/')
				;
			if (last)
				*w++ = '/';
		} else {
			*w++ = '/';
			memmove(w, seg, n);
			w += n;
		}
		r = seg + n;
	}
	if (w == p)
		*w++ = '/';
	*w = '\0';
}

/*
 * Canonical path: %xx of unreserved characters decoded, other %xx in
 * uppercase, bytes >= 0x80 encoded, dot segments removed.  Malloc'd.
 * A hex digit stays encoded after a stray '%' ("%a%41"), where decoding
 * it would make a new escape.
 */
static char *
url_path(const char *in)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)in;
	char			*out, *w;
	int			 c;

	w = out = xmalloc(3 * strlen(in) + 2);
	if (*s != '/')
		*w++ = '/';
	for (; *s != '\0'; s++) {
		if (*s == '%' && url_xdigit(s[1]) && url_xdigit(s[2])) {
			c = url_hexval(s[1]) << 4 | url_hexval(s[2]);
			s += 2;
		} else if (*s >= 0x80)
			c = *s;
		else {
			*w++ = (char)*s;
			continue;
		}
		if (url_unreserved(c) && !(url_xdigit(c) && ((w - out >= 1 &&
		    w[-1] == '%') || (w - out >= 2 && w[-2] == '%' &&
		    url_xdigit(w[-1])))))
			*w++ = (char)c;
		else {
			*w++ = '%';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	*w = '\0';
	url_remove_dots(out);
	return out;
}

static enum url_err
url_curl_err(CURLUcode rc)
{
	switch (rc) {
	case CURLUE_OK:
		return URL_OK;
	case CURLUE_OUT_OF_MEMORY:
		fputs("rotwatch: out of memory\n", stderr);
		abort();
	case CURLUE_BAD_PORT_NUMBER:
		return URL_BAD_PORT;
	case CURLUE_BAD_SCHEME:
	case CURLUE_UNSUPPORTED_SCHEME:
		return URL_BAD_SCHEME;
	default:
		return URL_INVALID;
	}
}

/* One pass of url_normalize(), which see. */
static enum url_err
url_canon(const char *in, size_t len, char **out, char **host)
{
	CURLU		*u;
	CURLUcode	 rc;
	enum url_err	 e;
	char		*s, *h = NULL, *zone = NULL, *port = NULL;
	char		*cpath = NULL, *path = NULL, *p;
	const char	*a, *q;
	size_t		 i;

	*out = NULL;
	if (host != NULL)
		*host = NULL;
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x20 || in[i] == 0x7f)
			return URL_CONTROL;
	if (len > URL_MAX_LEN)
		return URL_TOO_LONG;
	if (memchr(in, ' ', len) != NULL)
		return URL_INVALID;
	if ((e = url_check_scheme(in, len)) != URL_OK)
		return e;

	if ((u = curl_url()) == NULL) {
		fputs("rotwatch: out of memory\n", stderr);
		abort();
	}
	s = xstrndup(in, len);
	rc = curl_url_set(u, CURLUPART_URL, s, 0);
	free(s);
	if ((e = url_curl_err(rc)) != URL_OK)
		goto done;

	/* Host: punycode (fails in a non-UTF-8 locale), then lowercase. */
	if (curl_url_get(u, CURLUPART_HOST, &h, CURLU_PUNYCODE) != CURLUE_OK) {
		e = URL_INVALID;
		goto done;
	}
	for (p = h; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p | 0x20);
	curl_url_get(u, CURLUPART_ZONEID, &zone, 0);
	if ((e = url_curl_err(curl_url_set(u, CURLUPART_HOST, h, 0))) !=
	    URL_OK ||
	    (e = url_curl_err(curl_url_set(u, CURLUPART_ZONEID, zone, 0))) !=
	    URL_OK)
		goto done;

	/* Default port. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_SCHEME, &s, 0);
		if (strcmp(port, strcmp(s, "http") == 0 ? "80" : "443") == 0)
			curl_url_set(u, CURLUPART_PORT, NULL, 0);
		curl_free(s);
	}

	/*
	 * No fragment; then the canonical path replaces curl's in the URL
	 * (curl_url_set() of a path would lowercase its %xx).  In curl's URL
	 * the path runs from the first '/' after "scheme://" to the '?'.
	 */
	if ((e = url_curl_err(curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0))) !=
	    URL_OK ||
	    (e = url_curl_err(curl_url_get(u, CURLUPART_PATH, &cpath, 0))) !=
	    URL_OK ||
	    (e = url_curl_err(curl_url_get(u, CURLUPART_URL, &s, 0))) != URL_OK)
		goto done;
	path = url_path(cpath);
	if ((a = strstr(s, "://")) != NULL)
		a = strchr(a + 3, '/');
	q = a != NULL ? a + strcspn(a, "?") : NULL;
	if (a == NULL || (size_t)(q - a) != strlen(cpath) ||
	    strncmp(a, cpath, (size_t)(q - a)) != 0)
		e = URL_INVALID;
	else if ((size_t)(a - s) + strlen(path) + strlen(q) > URL_MAX_LEN)
		e = URL_TOO_LONG;
	else {
		*out = xasprintf("%.*s%s%s", (int)(a - s), s, path, q);
		if (host != NULL)
			*host = xstrdup(h);
	}
	curl_free(s);
 done:
	free(path);
	curl_free(cpath);
	curl_free(port);
	curl_free(zone);
	curl_free(h);
	curl_url_cleanup(u);
	return e;
}

/* Whether the authority of in[0..len) (after "scheme:") has a '%'. */
static int
url_escaped_authority(const char *in, size_t len)
{
	const char	*p = memchr(in, ':', len), *end = in + len;

	for (p++; p < end && *p == '/'; p++)
		;
	for (; p < end && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '%')
			return 1;
	return 0;
}

/*
 * curl decodes %xx in the host after looking for the IPv4 forms, so
 * "0x7f%2E1" comes out as "0x7f.1", and only a second pass gives the
 * canonical 127.0.0.1.
 */
enum url_err
url_normalize(const char *in, size_t len, char **out, char **host)
{
	enum url_err	 e;
	char		*out2, *host2;

	e = url_canon(in, len, out, host);
	if (e != URL_OK || !url_escaped_authority(in, len))
		return e;
	e = url_canon(*out, strlen(*out), &out2, host != NULL ? &host2 : NULL);
	free(*out);
	*out = out2;
	if (host != NULL) {
		free(*host);
		*host = host2;
	}
	return e;
}
