/*
 * url.h: canonical form of the http(s) URLs rotwatch watches.
 *
 * Two spellings of one URL canonicalise to the same string, so sources are
 * de-duplicated by comparing canonical strings.  The canonical form:
 * lowercase scheme (http or https only) and host, IDN hosts in punycode,
 * no default port (80, 443), no dot segments, "/" for an empty path,
 * uppercase %XX in the path with unreserved characters decoded and bytes
 * >= 0x80 encoded, no fragment; the userinfo and the query are kept as
 * written.  url_normalize(url_normalize(x)) == url_normalize(x).
 *
 * IDN conversion needs a UTF-8 LC_CTYPE: call setlocale(LC_CTYPE,
 * "C.UTF-8") once at startup.
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>

enum url_err {
	URL_OK = 0,
	URL_NO_SCHEME,		/* no "scheme:", or only "host:port" */
	URL_BAD_SCHEME,		/* a scheme other than http or https */
	URL_BAD_PORT,		/* port not a number in 0..65535 */
	URL_CONTROL,		/* a byte < 0x20 or 0x7f */
	URL_TOO_LONG,		/* input or result over URL_MAX_LEN */
	URL_INVALID		/* anything else curl refuses; spaces */
};

#define URL_MAX_LEN	8000

/* Short English reason for e, e.g. "not http(s)"; a static string. */
const char	*url_strerror(enum url_err e);

/*
 * Canonicalise the URL in[0..len); in need not be NUL-terminated.  The
 * checks run in this order: control bytes anywhere (a NUL included), then
 * length, spaces, scheme, then curl's parser.  On URL_OK, *out is the
 * canonical URL and, if host != NULL, *host is the host (lowercase,
 * punycode, IPv6 in brackets, no port); both are malloc'd and the caller
 * frees them.  On error *out (and *host) are set to NULL.
 */
enum url_err	 url_normalize(const char *in, size_t len, char **out,
		    char **host);

#endif
