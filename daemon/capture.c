/*
 * capture.c: see capture.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture.h"
#include "xmalloc.h"

struct buf {
	char	*s;
	size_t	 len, cap;
};

#define HOPS_MAX	32	/* heads kept: a redirect chain and the last */

/* One request and the response to it. */
struct hop {
	struct buf	 req, resp;
	char		*url;
	int		 status;
};

struct capture {
	struct hop	 hop[HOPS_MAX];
	int		 nreq, nresp;	/* heads seen */
	struct buf	 body;
	FILE		*spill;		/* the body, once over CAPTURE_MEM */
	int64_t		 body_len;
	int		 failed;
};

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

struct capture *
capture_new(void)
{
	return xcalloc(1, sizeof(struct capture));
}

void
capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < HOPS_MAX; i++) {
		free(c->hop[i].req.s);
		free(c->hop[i].resp.s);
		free(c->hop[i].url);
	}
	free(c->body.s);
	if (c->spill)
		fclose(c->spill);
	free(c);
}

/*
 * The slot of request i: past HOPS_MAX, the chain's middle is given up and
 * the last slot reused, so that the final request and response are kept.
 */
static struct hop *
slot(struct capture *c, int i)
{
	return &c->hop[i < HOPS_MAX ? i : HOPS_MAX - 1];
}

void
capture_request(struct capture *c, const char *p, size_t n)
{
	struct hop *h = slot(c, c->nreq++);

	h->req.len = 0;
	buf_add(&h->req, p, n);
}

void
capture_header(struct capture *c, const char *p, size_t n, const char *url)
{
	struct hop	*h;

	if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		const char	*sp = memchr(p, ' ', n);
		int		 st = sp ? atoi(sp + 1) : 0;

		/* An interim 1xx head is replaced by the one that follows. */
		if (c->nresp > 0 && slot(c, c->nresp - 1)->status >= 100 &&
		    slot(c, c->nresp - 1)->status < 200)
			c->nresp--;
		h = slot(c, c->nresp++);
		h->resp.len = 0;
		h->status = st;
		free(h->url);
		h->url = xstrdup(url ? url : "");
	} else if (c->nresp == 0)
		return;
	h = slot(c, c->nresp - 1);
	buf_add(&h->resp, p, n);
}

int
capture_body(struct capture *c, const char *p, size_t n)
{
	if (c->failed)
		return -1;
	if (c->spill == NULL && c->body.len + n > CAPTURE_MEM) {
		if ((c->spill = tmpfile()) == NULL || fwrite(c->body.s, 1,
		    c->body.len, c->spill) != c->body.len) {
			c->failed = 1;
			return -1;
		}
		free(c->body.s);
		memset(&c->body, 0, sizeof(c->body));
	}
	if (c->spill) {
		if (fwrite(p, 1, n, c->spill) != n) {
			c->failed = 1;
			return -1;
		}
	} else
		buf_add(&c->body, p, n);
	c->body_len += (int64_t)n;
	return 0;
}

int64_t
capture_body_len(const struct capture *c)
{
	return c->body_len;
}

/* 1 if line is the header name (case-insensitive). */
static int
is_header(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* A response head as stored, with a body of len bytes: capture_write(). */
static void
stored_head(const struct hop *hp, int64_t len, struct buf *out)
{
	const char	*p = hp->resp.s ? hp->resp.s : "", *e;
	char		 cl[64];
	size_t		 n;

	while (*p) {
		e = strchr(p, '\n');
		n = e ? (size_t)(e + 1 - p) : strlen(p);
		if (n <= 2 && (*p == '\r' || *p == '\n'))
			break;		/* the blank line: added below */
		if (is_header(p, n, "Content-Encoding") || is_header(p, n,
		    "Transfer-Encoding") || is_header(p, n,
		    "Content-Length"))
			buf_add(out, "X-Rotwatch-Original-", 20);
		buf_add(out, p, n);
		p += n;
	}
	snprintf(cl, sizeof(cl), "Content-Length: %lld\r\n\r\n",
	    (long long)len);
	buf_add(out, cl, strlen(cl));
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
}

void
capture_md(const char *hex, unsigned char md[32])
{
	for (int i = 0; i < 32; i++)
		md[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
}

void
capture_digest(const char *hex, char out[64])
{
	unsigned char	md[32];

	capture_md(hex, md);
	warc_digest(md, out);
}

/* The SHA-256 of no bytes, as a WARC digest: a redirect's payload. */
#define EMPTY_DIGEST	"sha256:4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ===="

/* The response record of a redirect hop: its head, no body. */
static int
write_hop(struct warc *w, const struct hop *h, const char *ip, int64_t at_ms,
    struct warc_loc *first, int64_t *span, char *err, size_t errlen)
{
	struct buf	 head = { NULL, 0, 0 };
	struct warc_loc	 rq, rs;
	int		 rc;

	{
		struct warc_field f[] = {
			{ "WARC-Target-URI", h->url },
			{ "Content-Type", "application/http;msgtype=request" },
		};
		struct warc_part p = { h->req.s ? h->req.s : "", h->req.len,
		    NULL };

		if (warc_write(w, "request", at_ms, f, 2, &p, 1, &rq, err,
		    errlen) == -1)
			return -1;
	}
	stored_head(h, 0, &head);
	{
		struct warc_field f[] = {
			{ "WARC-Target-URI", h->url },
			{ "WARC-IP-Address", ip && *ip ? ip : NULL },
			{ "WARC-Concurrent-To", rq.id },
			{ "WARC-Payload-Digest", EMPTY_DIGEST },
			{ "Content-Type", "application/http;msgtype=response" },
		};
		struct warc_part p = { head.s, head.len, NULL };

		rc = warc_write(w, "response", at_ms, f, 5, &p, 1, &rs, err,
		    errlen);
	}
	free(head.s);
	if (rc == -1)
		return -1;
	if (first->length == 0)
		*first = rq;
	*span = rs.offset + rs.length - first->offset;
	return 0;
}

int
capture_write(struct warc *w, const struct capture *c, const char *uri,
    const char *ip, int64_t at_ms, const char *sha256,
    const struct capture_ref *ref, struct capture_out *out, char *err,
    size_t errlen)
{
	struct buf		 head = { NULL, 0, 0 };
	const struct hop	*fin;
	char			 refdate[40];
	int			 rc, n;

	if (c->failed) {
		snprintf(err, errlen, "the body could not be kept");
		return -1;
	}
	if (c->nresp == 0) {
		snprintf(err, errlen, "no response head");
		return -1;
	}
	capture_digest(sha256, out->payload_digest);
	memset(&out->request, 0, sizeof(out->request));
	memset(&out->hops, 0, sizeof(out->hops));
	/* Every record of the check goes into one file. */
	warc_hold(w, 0);
	n = c->nresp < HOPS_MAX ? c->nresp : HOPS_MAX;
	fin = &c->hop[n - 1];
	for (int i = 0; i < n - 1; i++) {
		if (write_hop(w, &c->hop[i], ip, at_ms, &out->hops,
		    &out->hops.length, err, errlen) == -1) {
			warc_hold(w, -1);
			return -1;
		}
		warc_hold(w, 1);
	}
	if (ref == NULL) {
		struct warc_field f[] = {
			{ "WARC-Target-URI", uri },
			{ "Content-Type", "application/http;msgtype=request" },
		};
		struct warc_part p = { fin->req.s ? fin->req.s : "",
		    fin->req.len, NULL };

		if (warc_write(w, "request", at_ms, f, 2, &p, 1,
		    &out->request, err, errlen) == -1) {
			warc_hold(w, -1);
			return -1;
		}
		warc_hold(w, 1);
	}
	stored_head(fin, c->body_len, &head);
	if (ref) {
		struct warc_field f[] = {
			{ "WARC-Target-URI", uri },
			{ "WARC-IP-Address", ip && *ip ? ip : NULL },
			{ "WARC-Profile", "http://netpreserve.org/warc/1.1/"
			    "revisit/identical-payload-digest" },
			{ "WARC-Refers-To-Target-URI", ref->uri },
			{ "WARC-Refers-To-Date", refdate },
			{ "WARC-Refers-To", ref->record_id },
			{ "WARC-Payload-Digest", out->payload_digest },
			{ "Content-Type", "application/http;msgtype=response" },
		};
		struct warc_part p = { head.s, head.len, NULL };

		warc_date(ref->at_ms, refdate);
		rc = warc_write(w, "revisit", at_ms, f, 8, &p, 1,
		    &out->response, err, errlen);
	} else {
		struct warc_field f[] = {
			{ "WARC-Target-URI", uri },
			{ "WARC-IP-Address", ip && *ip ? ip : NULL },
			{ "WARC-Concurrent-To", out->request.id },
			{ "WARC-Payload-Digest", out->payload_digest },
			{ "Content-Type", "application/http;msgtype=response" },
		};
		struct warc_part p[] = {
			{ head.s, head.len, NULL },
			{ c->body.s ? c->body.s : "", c->spill ? (size_t)
			    c->body_len : c->body.len, c->spill },
		};

		rc = warc_write(w, "response", at_ms, f, 5, p, 2,
		    &out->response, err, errlen);
	}
	warc_hold(w, -1);
	free(head.s);
	return rc;
}
