/*
 * classify.h: from what libcurl reports about a transfer to one outcome
 * class, and from a class to a source state.  Pure functions.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include "types.h"

extern const char *const check_class_names[CC_COUNT];

struct classify_in {
	int	curl_code;	/* CURLcode of the transfer */
	long	http_status;	/* of the last response; 0 if none */
	long	os_errno;	/* CURLINFO_OS_ERRNO */
	long	redirects;	/* redirects followed */
	int	too_large;	/* our body cap stopped the transfer */
	int	connected;	/* a connection was made */
	int	http09;		/* the reply was not HTTP (curl saw HTTP/0.9) */
	int	policy;		/* the SSRF guard refused every connect of
				   the last request (http_req.blocked) */
};

enum check_class classify(const struct classify_in *);
/*
 * Returns the class of a name resolution failure, given the answer of a
 * second lookup made with getaddrinfo(): NXDOMAIN only when the resolver
 * said the name does not exist (EAI_NONAME), else dns_failure.
 */
enum check_class classify_dns(int eai_nxdomain);
/*
 * 1 if a class means the host could not be reached at all (DNS, connect,
 * our own network): what every check shows when the monitor is offline.
 */
int		 class_network(enum check_class);
/* Returns the class with that name, or -1. */
int		 class_parse(const char *);

#endif
