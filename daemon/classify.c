/*
 * classify.c: the outcome classes of a check.
 */
#include <errno.h>
#include <string.h>

#include <curl/curl.h>

#include "classify.h"

const char *const check_class_names[CC_COUNT] = {
	[CC_OK] = "ok",
	[CC_REDIRECT] = "redirect",
	[CC_NOT_FOUND] = "not_found",
	[CC_BLOCKED] = "blocked",
	[CC_CLIENT_ERROR] = "client_error",
	[CC_SERVER_ERROR] = "server_error",
	[CC_BAD_RESPONSE] = "bad_response",
	[CC_DNS_NXDOMAIN] = "dns_nxdomain",
	[CC_DNS_FAILURE] = "dns_failure",
	[CC_CONNECT_REFUSED] = "connect_refused",
	[CC_CONNECT_TIMEOUT] = "connect_timeout",
	[CC_TLS_ERROR] = "tls_error",
	[CC_TIMEOUT] = "timeout",
	[CC_RESET] = "reset",
	[CC_TOO_MANY_REDIRECTS] = "too_many_redirects",
	[CC_TOO_LARGE] = "too_large",
	[CC_BAD_SCHEME] = "bad_scheme",
	[CC_INVALID_URL] = "invalid_url",
	[CC_LOCAL_ERROR] = "local_error",
	[CC_NOT_MODIFIED] = "not_modified",
	[CC_BLOCKED_POLICY] = "blocked_policy",
};

static enum check_class
by_status(long st, long redirects)
{
	if (st >= 200 && st < 300)
		return redirects > 0 ? CC_REDIRECT : CC_OK;
	if (st == 304)
		return CC_NOT_MODIFIED;
	if (st == 404 || st == 410)
		return CC_NOT_FOUND;
	if (st == 401 || st == 403 || st == 407 || st == 429 || st == 451)
		return CC_BLOCKED;
	if (st >= 400 && st < 500)
		return CC_CLIENT_ERROR;
	if (st >= 500 && st < 600)
		return CC_SERVER_ERROR;
	return CC_BAD_RESPONSE;	/* 1xx or 3xx as the final answer */
}

static enum check_class
by_errno(long e)
{
	switch (e) {
	case ECONNREFUSED:
		return CC_CONNECT_REFUSED;
	case ETIMEDOUT:
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return CC_CONNECT_TIMEOUT;
	case ECONNRESET:
		return CC_RESET;
	default:
		/* ENETUNREACH, EADDRNOTAVAIL, EMFILE, EACCES, ...: the
		 * problem is on this machine or its network. */
		return CC_LOCAL_ERROR;
	}
}

enum check_class
classify(const struct classify_in *in)
{
	/* Our own policy stopped it: neither a refusal nor rot. */
	if (in->policy && (in->curl_code == CURLE_COULDNT_CONNECT ||
	    in->curl_code == CURLE_ABORTED_BY_CALLBACK))
		return CC_BLOCKED_POLICY;
	switch (in->curl_code) {
	case CURLE_OK:
		return by_status(in->http_status, in->redirects);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return in->http09 ? CC_BAD_RESPONSE : CC_BAD_SCHEME;
	case CURLE_URL_MALFORMAT:
		return CC_INVALID_URL;
	case CURLE_COULDNT_RESOLVE_HOST:
		return CC_DNS_FAILURE;	/* refined by classify_dns() */
	case CURLE_COULDNT_CONNECT:
		return by_errno(in->os_errno);
	case CURLE_OPERATION_TIMEDOUT:
		return in->connected ? CC_TIMEOUT : CC_CONNECT_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return CC_TLS_ERROR;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return CC_RESET;
	case CURLE_TOO_MANY_REDIRECTS:
		return CC_TOO_MANY_REDIRECTS;
	case CURLE_FILESIZE_EXCEEDED:
		return CC_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return in->too_large ? CC_TOO_LARGE : CC_LOCAL_ERROR;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_RANGE_ERROR:
		return CC_BAD_RESPONSE;
	default:
		/* Out of memory, failed init, bad CA file, ...: ours. */
		return CC_LOCAL_ERROR;
	}
}

enum check_class
classify_dns(int eai_nxdomain)
{
	return eai_nxdomain ? CC_DNS_NXDOMAIN : CC_DNS_FAILURE;
}

int
class_network(enum check_class c)
{
	switch (c) {
	case CC_DNS_NXDOMAIN:
	case CC_DNS_FAILURE:
	case CC_CONNECT_REFUSED:
	case CC_CONNECT_TIMEOUT:
	case CC_LOCAL_ERROR:
		return 1;
	default:
		return 0;
	}
}

int
class_parse(const char *s)
{
	for (int i = 0; i < CC_COUNT; i++)
		if (strcmp(s, check_class_names[i]) == 0)
			return i;
	return -1;
}
