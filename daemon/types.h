/*
 * types.h: the plain records that flow from the check engine to the store.
 * Header only; no behaviour beyond the name tables.
 */
#ifndef TYPES_H
#define TYPES_H

#include <stdint.h>

struct text_doc;
struct tls_chain;

/*
 * The outcome class of one check.  The names are stored in checks.class and
 * printed by the CLI; they never change once released.
 */
enum check_class {
	CC_OK,			/* 2xx with no redirect */
	CC_REDIRECT,		/* 2xx after redirects */
	CC_NOT_FOUND,		/* 404, 410 */
	CC_BLOCKED,		/* 401, 403, 407, 429, 451 */
	CC_CLIENT_ERROR,	/* other 4xx */
	CC_SERVER_ERROR,	/* 5xx */
	CC_BAD_RESPONSE,	/* not a usable HTTP reply */
	CC_DNS_NXDOMAIN,	/* the name does not exist */
	CC_DNS_FAILURE,		/* the resolver gave no answer */
	CC_CONNECT_REFUSED,
	CC_CONNECT_TIMEOUT,
	CC_TLS_ERROR,
	CC_TIMEOUT,		/* connected, but the reply did not complete */
	CC_RESET,		/* reset or closed mid-reply, or empty reply */
	CC_TOO_MANY_REDIRECTS,
	CC_TOO_LARGE,
	CC_BAD_SCHEME,
	CC_INVALID_URL,
	CC_LOCAL_ERROR,		/* our side; never evidence of rot */
	CC_NOT_MODIFIED,	/* 304 to a conditional request */
	CC_BLOCKED_POLICY,	/* every connect refused by our SSRF guard;
				   never evidence of rot */
	CC_COUNT
};

struct check_result {
	int64_t		 source_id;
	int64_t		 started_at;	/* wall clock, ms */
	int64_t		 duration_ms;
	int64_t		 dns_ms, connect_ms, tls_ms, ttfb_ms;	/* -1: none */
	enum check_class cls;
	int		 curl_code;
	char		*error;		/* NULL when none */
	long		 http_status;	/* 0: no response */
	char		*final_url;
	long		 redirects;
	char		*hops;		/* JSON array */
	char		*content_type;
	int64_t		 body_bytes;
	char		 sha256[65];	/* "" unless the whole body was read */
	char		*etag;
	char		*last_modified;
	int64_t		 content_length;	/* -1: not declared */
	char		*retry_after;
	char		 ip[64];
	long		 first_status;	/* of the first response; 0: none */
	struct text_doc	*doc;		/* the body's text; NULL: none */
	struct capture	*cap;		/* for the WARC file; NULL: none */
	struct tls_chain *tls;		/* certificates; NULL: none */
};

#endif
