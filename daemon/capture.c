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

struct capture {
	struct buf	 req, resp, body;
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
	free(c->req.s);
	free(c->resp.s);
	free(c->body.s);
	if (c->spill)
		fclose(c->spill);
	free(c);
}

void
capture_request(struct capture *c, const char *p, size_t n)
{
	c->req.len = 0;
	buf_add(&c->req, p, n);
}

void
capture_header(struct capture *c, const char *p, size_t n)
{
	if (n > 5 && strncmp(p, "HTTP/", 5) == 0)
		c->resp.len = 0;
	buf_add(&c->resp, p, n);
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

/* The response head as stored: see capture_write(). */
static void
stored_head(const struct capture *c, struct buf *out)
{
	const char	*p = c->resp.s ? c->resp.s : "", *e;
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
	    (long long)c->body_len);
	buf_add(out, cl, strlen(cl));
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0;
}

void
capture_digest(const char *hex, char out[64])
{
	unsigned char	md[32];

	for (int i = 0; i < 32; i++)
		md[i] = (unsigned char)(hexval(hex[2 * i]) << 4 |
		    hexval(hex[2 * i + 1]));
	warc_digest(md, out);
}

int
capture_write(struct warc *w, const struct capture *c, const char *uri,
    const char *ip, int64_t at_ms, const char *sha256,
    const struct capture_ref *ref, struct capture_out *out, char *err,
    size_t errlen)
{
	struct buf	 head = { NULL, 0, 0 };
	char		 refdate[40];
	int		 rc;

	if (c->failed) {
		snprintf(err, errlen, "the body could not be kept");
		return -1;
	}
	capture_digest(sha256, out->payload_digest);
	memset(&out->request, 0, sizeof(out->request));
	if (ref == NULL) {
		struct warc_field f[] = {
			{ "WARC-Target-URI", uri },
			{ "Content-Type", "application/http;msgtype=request" },
		};
		struct warc_part p = { c->req.s ? c->req.s : "", c->req.len,
		    NULL };

		if (warc_write(w, "request", at_ms, f, 2, &p, 1,
		    &out->request, err, errlen) == -1)
			return -1;
	}
	stored_head(c, &head);
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
	free(head.s);
	return rc;
}
