/*
 * capture.h: what one check sent and received, kept for its WARC records:
 * the request head as sent, the final response's head as received, and
 * the body (in memory up to CAPTURE_MEM, then in an unlinked temporary
 * file), then written as request and response records, or as a revisit
 * record when the body is one already kept.
 */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "warc.h"

#define CAPTURE_MEM	(1 << 20)	/* body bytes kept in memory */

struct capture;

struct capture	*capture_new(void);
void		 capture_free(struct capture *);
/* A request head as curl sent it: one per request, redirects included. */
void		 capture_request(struct capture *, const char *, size_t);
/*
 * A line of a response head; a status line starts a new head, the answer
 * to the request for url (an interim 1xx head is dropped).
 */
void		 capture_header(struct capture *, const char *, size_t,
		    const char *url);
/* Body bytes (decoded); 0, or -1 if they cannot be kept. */
int		 capture_body(struct capture *, const char *, size_t);
int64_t		 capture_body_len(const struct capture *);

/* The 32 bytes of a hex SHA-256 (a check's sha256). */
void		 capture_md(const char *sha256_hex, unsigned char md[32]);
/* The WARC payload digest ("sha256:BASE32") of a hex SHA-256. */
void		 capture_digest(const char *sha256_hex, char out[64]);

/* A record kept earlier with the same payload: what a revisit refers to. */
struct capture_ref {
	const char	*uri;		/* its WARC-Target-URI */
	int64_t		 at_ms;		/* its WARC-Date */
	const char	*record_id;	/* its WARC-Record-ID */
};

struct capture_out {
	struct warc_loc	 request, response;	/* response: or the revisit */
	/*
	 * The redirects before the final response: a request and a response
	 * record (its head only) per hop, from hops.offset for hops.length
	 * bytes in the response's file; length 0: none.
	 */
	struct warc_loc	 hops;
	char		 payload_digest[64];
};

/*
 * Writes the check's records: for each redirect, its request and response
 * (head only); then the final request and response; or, when ref is not
 * NULL (the payload is one already kept), a revisit record of ref alone,
 * since the request adds nothing a revisit needs and its 400 bytes would
 * double what an unchanged check costs (out->request is then zero).  sha256 is the body's digest in
 * hex.  The response head is kept as received but for what the body no
 * longer has: it is stored decoded and whole, so Content-Encoding and
 * Transfer-Encoding become X-Rotwatch-Original-* and Content-Length gives
 * the stored length.  0, or -1 with the reason in err.
 */
int		 capture_write(struct warc *, const struct capture *,
		    const char *uri, const char *ip, int64_t at_ms,
		    const char *sha256, const struct capture_ref *ref,
		    struct capture_out *, char *err, size_t errlen);

#endif
