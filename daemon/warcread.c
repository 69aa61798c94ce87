/*
 * warcread.c: see warcread.h.  A member is inflated whole into memory:
 * records are what rotwatch wrote, bounded by [check] max_body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "warc.h"
#include "warcread.h"
#include "xmalloc.h"

/* The first CR LF CR LF in p, or NULL. */
static const unsigned char *
head_end(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0)
			return p + i;
	return NULL;
}

struct grow {
	unsigned char	*b;
	size_t		 len, cap;
};

static int
grow_add(struct grow *g, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (g->len + n > WARCREAD_MAX)
		return -1;
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2 + 4096;
		g->b = xrealloc(g->b, g->cap);
	}
	memcpy(g->b + g->len, p, n);
	g->len += n;
	return 0;
}

/* Splits an inflated record into head and block. */
static int
split(struct warc_rec *r, struct grow *rec, char *err, size_t errlen)
{
	const unsigned char *end;
	char		 cl[32];
	long long	 n;
	size_t		 hlen;

	if (rec->len < 9 || memcmp(rec->b, "WARC/1.", 7) != 0) {
		snprintf(err, errlen, "not a WARC record (no WARC/1.x line)");
		return -1;
	}
	end = head_end(rec->b, rec->len);
	if (end == NULL) {
		snprintf(err, errlen, "a WARC header without its end");
		return -1;
	}
	hlen = (size_t)(end - rec->b) + 2;
	r->head = xmalloc(hlen + 1);
	memcpy(r->head, rec->b, hlen);
	r->head[hlen] = '\0';
	if (warc_rec_field(r, "Content-Length", cl, sizeof(cl)) == NULL ||
	    sscanf(cl, "%lld", &n) != 1 || n < 0) {
		snprintf(err, errlen, "a WARC header without Content-Length");
		return -1;
	}
	if ((size_t)n > rec->len - hlen - 2) {
		snprintf(err, errlen, "the block is shorter than its "
		    "Content-Length (%lld)", n);
		return -1;
	}
	r->blen = (size_t)n;
	r->block = xmalloc(r->blen + 1);
	memcpy(r->block, end + 4, r->blen);
	r->block[r->blen] = '\0';
	return 0;
}

int
warcread_next(FILE *f, struct warc_rec *r, char *err, size_t errlen)
{
	struct grow	 rec = { NULL, 0, 0 }, raw = { NULL, 0, 0 };
	unsigned char	 in[16384], out[65536];
	z_stream	 z;
	int		 rc = Z_OK, c;
	off_t		 start = ftello(f);

	memset(r, 0, sizeof(*r));
	if ((c = getc(f)) == EOF)
		return ferror(f) ? (snprintf(err, errlen, "%s",
		    strerror(errno)), -1) : 0;
	ungetc(c, f);
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		snprintf(err, errlen, "zlib: cannot start");
		return -1;
	}
	/* One byte at a time would be slow; a read past the member's end
	 * is given back with fseeko below. */
	while (rc != Z_STREAM_END) {
		size_t n = fread(in, 1, sizeof(in), f);

		if (n == 0) {
			snprintf(err, errlen, "a gzip member cut short");
			goto fail;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			rc = inflate(&z, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
				snprintf(err, errlen, "not gzip, or damaged "
				    "(%s)", z.msg ? z.msg : "zlib error");
				goto fail;
			}
			if (grow_add(&rec, out, sizeof(out) - z.avail_out) ==
			    -1) {
				snprintf(err, errlen, "a record over 2 GiB");
				goto fail;
			}
		} while (rc != Z_STREAM_END && z.avail_out == 0);
		grow_add(&raw, in, n - z.avail_in);
		if (rc == Z_STREAM_END && fseeko(f, -(off_t)z.avail_in,
		    SEEK_CUR) == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
	}
	inflateEnd(&z);
	r->offset = (int64_t)start;
	r->length = (int64_t)raw.len;
	r->raw = raw.b;
	if (split(r, &rec, err, errlen) == -1) {
		free(rec.b);
		warc_rec_free(r);
		r->offset = (int64_t)start;
		return -1;
	}
	free(rec.b);
	return 1;
fail:
	inflateEnd(&z);
	free(rec.b);
	free(raw.b);
	r->offset = (int64_t)start;
	return -1;
}

int
warcread_at(const char *path, int64_t off, int64_t len, struct warc_rec *r,
    char *err, size_t errlen)
{
	FILE	*f = fopen(path, "rb");
	int	 rc;

	memset(r, 0, sizeof(*r));
	if (f == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fseeko(f, (off_t)off, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		fclose(f);
		return -1;
	}
	rc = warcread_next(f, r, err, errlen);
	fclose(f);
	if (rc == 0)
		snprintf(err, errlen, "no record at offset %lld",
		    (long long)off);
	else if (rc == 1 && len >= 0 && r->length != len) {
		snprintf(err, errlen, "the record is %lld bytes long, not the "
		    "%lld recorded", (long long)r->length, (long long)len);
		warc_rec_free(r);
		return -1;
	}
	return rc == 1 ? 0 : -1;
}

void
warc_rec_free(struct warc_rec *r)
{
	free(r->head);
	free(r->block);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

char *
warc_rec_field(const struct warc_rec *r, const char *name, char *buf,
    size_t len)
{
	size_t		 n = strlen(name);
	const char	*p, *e;

	for (p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2,
	    "\r\n")) {
		const char *l = p + 2;

		if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
			l += n + 1;
			while (*l == ' ' || *l == '\t')
				l++;
			e = strstr(l, "\r\n");
			snprintf(buf, len, "%.*s", (int)(e ? e - l :
			    (ptrdiff_t)strlen(l)), l);
			return buf;
		}
	}
	return NULL;
}

static void
digest_of(const void *p, size_t n, char out[64])
{
	unsigned char md[32];

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	warc_digest(md, out);
}

/* The payload of r: the body of an HTTP message, else the block. */
static int
payload_of(const struct warc_rec *r, const unsigned char **body,
    size_t *blen)
{
	char			 ct[128];
	const unsigned char	*e;

	*body = r->block;
	*blen = r->blen;
	if (warc_rec_field(r, "Content-Type", ct, sizeof(ct)) &&
	    strncasecmp(ct, "application/http", 16) == 0) {
		if ((e = head_end(r->block, r->blen)) == NULL)
			return -1;
		*body = e + 4;
		*blen = r->blen - (size_t)(*body - r->block);
	}
	return 0;
}

int
warc_rec_payload(const struct warc_rec *r, unsigned char md[32])
{
	char			 type[32];
	const unsigned char	*body;
	size_t			 blen;

	if (warc_rec_field(r, "WARC-Type", type, sizeof(type)) == NULL ||
	    (strcmp(type, "response") != 0 && strcmp(type, "resource") != 0) ||
	    payload_of(r, &body, &blen) == -1)
		return -1;
	EVP_Digest(body, blen, md, NULL, EVP_sha256(), NULL);
	return 0;
}

int
warc_rec_verify(const struct warc_rec *r, char *why, size_t whylen)
{
	char		 want[128], got[64], type[32];
	const unsigned char *body;
	size_t		 blen;

	if (warc_rec_field(r, "WARC-Block-Digest", want, sizeof(want)) ==
	    NULL) {
		snprintf(why, whylen, "no WARC-Block-Digest");
		return -1;
	}
	digest_of(r->block, r->blen, got);
	why[0] = '\0';
	if (strcmp(want, got) != 0)
		snprintf(why, whylen, "block digest does not match (recorded "
		    "%s, computed %s)", want, got);
	if (warc_rec_field(r, "WARC-Payload-Digest", want, sizeof(want)) ==
	    NULL || warc_rec_field(r, "WARC-Type", type, sizeof(type)) ==
	    NULL || strcmp(type, "revisit") == 0)
		return why[0] ? -1 : 0;
	if (payload_of(r, &body, &blen) == -1) {
		snprintf(why, whylen, "an HTTP message without the end of its "
		    "head");
		return -1;
	}
	digest_of(body, blen, got);
	if (strcmp(want, got) != 0) {
		size_t n = strlen(why);

		snprintf(why + n, whylen - n, "%spayload digest does not match "
		    "(recorded %s, computed %s)", n ? "; " : "", want, got);
	}
	return why[0] ? -1 : 0;
}

int
warcread_resync(FILE *f, int64_t from)
{
	int	c, m = 0;
	off_t	at = (off_t)from;

	if (fseeko(f, at, SEEK_SET) == -1)
		return -1;
	/* The gzip magic and deflate method: 1f 8b 08. */
	while ((c = getc(f)) != EOF) {
		at++;
		m = c == 0x1f ? 1 : (m == 1 && c == 0x8b) ? 2 : (m == 2 &&
		    c == 0x08) ? 3 : 0;
		if (m == 3)
			return fseeko(f, at - 3, SEEK_SET) == -1 ? -1 : 1;
	}
	return 0;
}
