/*
 * The class table: every curl outcome a user can meet maps to one class.
 */
#include <errno.h>

#include <curl/curl.h>

#include "classify.h"
#include "t.h"

static enum check_class
cl(int code, long status, long err, long redirects, int large, int conn)
{
	struct classify_in in = { code, status, err, redirects, large, conn,
	    0, 0 };

	return classify(&in);
}

TEST(http_statuses)
{
	T_EQ_STR(check_class_names[cl(CURLE_OK, 200, 0, 0, 0, 1)], "ok");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 204, 0, 0, 0, 1)], "ok");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 200, 0, 3, 0, 1)], "redirect");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 404, 0, 0, 0, 1)], "not_found");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 410, 0, 1, 0, 1)], "not_found");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 401, 0, 0, 0, 1)], "blocked");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 403, 0, 0, 0, 1)], "blocked");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 429, 0, 0, 0, 1)], "blocked");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 451, 0, 0, 0, 1)], "blocked");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 407, 0, 0, 0, 1)], "blocked");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 418, 0, 0, 0, 1)],
	    "client_error");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 500, 0, 0, 0, 1)],
	    "server_error");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 503, 0, 0, 0, 1)],
	    "server_error");
	T_EQ_STR(check_class_names[cl(CURLE_OK, 302, 0, 0, 0, 1)],
	    "bad_response");
}

TEST(transport_failures)
{
	T_EQ_STR(check_class_names[cl(CURLE_COULDNT_CONNECT, 0, ECONNREFUSED,
	    0, 0, 0)], "connect_refused");
	T_EQ_STR(check_class_names[cl(CURLE_COULDNT_CONNECT, 0, ETIMEDOUT, 0,
	    0, 0)], "connect_timeout");
	T_EQ_STR(check_class_names[cl(CURLE_COULDNT_CONNECT, 0, ENETUNREACH,
	    0, 0, 0)], "local_error");
	T_EQ_STR(check_class_names[cl(CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0,
	    0)], "connect_timeout");
	T_EQ_STR(check_class_names[cl(CURLE_OPERATION_TIMEDOUT, 200, 0, 0, 0,
	    1)], "timeout");
	T_EQ_STR(check_class_names[cl(CURLE_RECV_ERROR, 200, ECONNRESET, 0, 0,
	    1)], "reset");
	T_EQ_STR(check_class_names[cl(CURLE_GOT_NOTHING, 0, 0, 0, 0, 1)],
	    "reset");
	T_EQ_STR(check_class_names[cl(CURLE_PARTIAL_FILE, 200, 0, 0, 0, 1)],
	    "reset");
	T_EQ_STR(check_class_names[cl(CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0,
	    0, 1)], "tls_error");
	T_EQ_STR(check_class_names[cl(CURLE_SSL_CONNECT_ERROR, 0, 0, 0, 0, 1)],
	    "tls_error");
	T_EQ_STR(check_class_names[cl(CURLE_SSL_CACERT_BADFILE, 0, 0, 0, 0,
	    0)], "local_error");
	T_EQ_STR(check_class_names[cl(CURLE_OUT_OF_MEMORY, 0, 0, 0, 0, 0)],
	    "local_error");
}

TEST(limits_and_schemes)
{
	T_EQ_STR(check_class_names[cl(CURLE_TOO_MANY_REDIRECTS, 302, 0, 5, 0,
	    1)], "too_many_redirects");
	T_EQ_STR(check_class_names[cl(CURLE_FILESIZE_EXCEEDED, 200, 0, 0, 0,
	    1)], "too_large");
	T_EQ_STR(check_class_names[cl(CURLE_WRITE_ERROR, 200, 0, 0, 1, 1)],
	    "too_large");
	T_EQ_STR(check_class_names[cl(CURLE_WRITE_ERROR, 200, 0, 0, 0, 1)],
	    "local_error");
	T_EQ_STR(check_class_names[cl(CURLE_UNSUPPORTED_PROTOCOL, 302, 0, 0, 0,
	    1)], "bad_scheme");
	{
		struct classify_in in = { CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 0,
		    0, 1, 1, 0 };

		T_EQ_STR(check_class_names[classify(&in)], "bad_response");
	}
	T_EQ_STR(check_class_names[cl(CURLE_URL_MALFORMAT, 0, 0, 0, 0, 0)],
	    "invalid_url");
	T_EQ_STR(check_class_names[cl(CURLE_WEIRD_SERVER_REPLY, 0, 0, 0, 0,
	    1)], "bad_response");
	T_EQ_STR(check_class_names[cl(CURLE_BAD_CONTENT_ENCODING, 200, 0, 0, 0,
	    1)], "bad_response");
}

TEST(blocked_by_policy)
{
	/* The guard refused every connect: never "refused", never rot. */
	struct classify_in in = { CURLE_COULDNT_CONNECT, 0, ECONNREFUSED, 0,
	    0, 0, 0, 1 };

	T_EQ_STR(check_class_names[classify(&in)], "blocked_policy");
	in.os_errno = 0;
	T_EQ_STR(check_class_names[classify(&in)], "blocked_policy");
	/* At a redirect hop, and by the second look at a reused
	 * connection. */
	in.http_status = 302;
	in.redirects = 1;
	T_EQ_STR(check_class_names[classify(&in)], "blocked_policy");
	in.curl_code = CURLE_ABORTED_BY_CALLBACK;
	T_EQ_STR(check_class_names[classify(&in)], "blocked_policy");
	/* Without the guard's word, a refused connection is what it is. */
	in.curl_code = CURLE_COULDNT_CONNECT;
	in.os_errno = ECONNREFUSED;
	in.policy = 0;
	T_EQ_STR(check_class_names[classify(&in)], "connect_refused");
	T_EQ_INT(class_network(CC_BLOCKED_POLICY), 0);
	T_EQ_INT(class_parse("blocked_policy"), CC_BLOCKED_POLICY);
}

TEST(dns_and_states)
{
	T_EQ_STR(check_class_names[classify_dns(1)], "dns_nxdomain");
	T_EQ_STR(check_class_names[classify_dns(0)], "dns_failure");
	T_EQ_INT(class_network(CC_OK), 0);
	T_EQ_INT(class_network(CC_NOT_FOUND), 0);
	T_EQ_INT(class_network(CC_TIMEOUT), 0);
	T_EQ_INT(class_network(CC_DNS_FAILURE), 1);
	T_EQ_INT(class_network(CC_DNS_NXDOMAIN), 1);
	T_EQ_INT(class_network(CC_CONNECT_REFUSED), 1);
	T_EQ_INT(class_network(CC_LOCAL_ERROR), 1);
	T_EQ_STR(check_class_names[cl(CURLE_OK, 304, 0, 0, 0, 1)],
	    "not_modified");
	for (int i = 0; i < CC_COUNT; i++) {
		T_ASSERT(check_class_names[i] != NULL);
		T_EQ_INT(class_parse(check_class_names[i]), i);
	}
	T_EQ_INT(class_parse("nonsense"), -1);
}

int
main(void)
{
	RUN(http_statuses);
	RUN(transport_failures);
	RUN(limits_and_schemes);
	RUN(blocked_by_policy);
	RUN(dns_and_states);
	return t_done();
}
