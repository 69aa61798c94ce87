/*
 * warc.c: see warc.h.  One gzip member per record is what readers and
 * replay tools expect of a .warc.gz: an index can point into the file,
 * and a damaged record spoils itself only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "warc.h"
#include "xmalloc.h"

#define WARC_GZIP_LEVEL	1

struct warc {
	char		*dir, *prefix, *software;
	int64_t		 max;
	int		 fd;
	char		 name[64];
	int64_t		 size;		/* bytes in the current file */
	char		 info_id[64];	/* its warcinfo record */
	unsigned	 serial;
	z_stream	 z;		/* reused for every record */
	int		 z_ready;
	int		 hold;		/* no rotation: warc_hold() */
};

struct out {
	unsigned char	*b;
	size_t		 len, cap;
};

static void
out_add(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 4096;
		o->b = xrealloc(o->b, o->cap);
	}
	memcpy(o->b + o->len, p, n);
	o->len += n;
}

void
warc_digest(const unsigned char md[32], char out[64])
{
	static const char	 a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t			 o = 0, bits = 0;
	unsigned		 acc = 0;

	memcpy(out, "sha256:", 7);
	o = 7;
	for (size_t i = 0; i < 32; i++) {
		acc = (acc << 8) | md[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = a[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (5 - bits)) & 31];
	while ((o - 7) % 8 != 0)
		out[o++] = '=';		/* RFC 4648 padding: 56 characters */
	out[o] = '\0';
}

void
warc_record_id(char out[64])
{
	unsigned char u[16];

	if (RAND_bytes(u, sizeof(u)) != 1) {
		fputs("rotwatch: no random bytes for a record id\n", stderr);
		abort();
	}
	u[6] = (u[6] & 0x0f) | 0x40;	/* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, 64, "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x>", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

void
warc_date(int64_t ms, char out[40])
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%03dZ", s, (int)(ms % 1000));
}

/*
 * The record, gzipped as one member, appended to o.  One deflate state
 * serves every record (deflateReset): setting one up costs more than
 * compressing a small record.
 */
static int
gzip_record(struct warc *w, struct out *o, const struct out *rec)
{
	z_stream	*z = &w->z;
	unsigned char	 buf[16384];
	int		 rc;

	if (!w->z_ready) {
		memset(z, 0, sizeof(*z));
		if (deflateInit2(z, WARC_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		w->z_ready = 1;
	} else if (deflateReset(z) != Z_OK)
		return -1;
	z->next_in = rec->b;
	z->avail_in = (uInt)rec->len;
	do {
		z->next_out = buf;
		z->avail_out = sizeof(buf);
		rc = deflate(z, Z_FINISH);
		out_add(o, buf, sizeof(buf) - z->avail_out);
	} while (rc == Z_OK);
	return rc == Z_STREAM_END ? 0 : -1;
}

static int	new_file(struct warc *, int64_t, char *, size_t);

/* Calls fn with each chunk of a part; 0, or -1 if its file is short. */
static int
part_each(const struct warc_part *p, void (*fn)(void *, const void *,
    size_t), void *arg)
{
	char	buf[65536];
	size_t	left = p->len, n;

	if (p->file == NULL) {
		fn(arg, p->data, p->len);
		return 0;
	}
	if (fseeko(p->file, 0, SEEK_SET) != 0)
		return -1;
	while (left > 0) {
		n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf),
		    p->file);
		if (n == 0)
			return -1;
		fn(arg, buf, n);
		left -= n;
	}
	return 0;
}

static void
md_add(void *ctx, const void *p, size_t n)
{
	EVP_DigestUpdate(ctx, p, n);
}

static void
rec_add(void *o, const void *p, size_t n)
{
	out_add(o, p, n);
}

/*
 * Appends a gzip member of len bytes to the current file, and says in loc
 * (may be NULL) where it went.  A failed write is cut off again, so no
 * half record is left behind; if that fails too, the next record starts
 * a new file.
 */
static int
append(struct warc *w, const void *member, size_t len, const char *id,
    struct warc_loc *loc, char *err, size_t errlen)
{
	const unsigned char	*p = member;
	int64_t			 at = w->size;
	ssize_t			 n;

	for (size_t o = 0; o < len; o += (size_t)n)
		if ((n = write(w->fd, p + o, len - o)) <= 0) {
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			snprintf(err, errlen, "WARC file %s/%s: %s", w->dir,
			    w->name, n < 0 ? strerror(errno) : "short write");
			if (ftruncate(w->fd, (off_t)at) == -1) {
				close(w->fd);
				w->fd = -1;
				w->size = 0;
			}
			return -1;
		}
	w->size += (int64_t)len;
	if (loc) {
		snprintf(loc->file, sizeof(loc->file), "%s", w->name);
		loc->offset = at;
		loc->length = (int64_t)len;
		snprintf(loc->id, sizeof(loc->id), "%s", id);
	}
	return 0;
}

int
warc_write(struct warc *w, const char *type, int64_t at_ms,
    const struct warc_field *fields, size_t nfields,
    const struct warc_part *parts, size_t nparts, struct warc_loc *loc,
    char *err, size_t errlen)
{
	struct out	 rec = { NULL, 0, 0 }, gz = { NULL, 0, 0 };
	unsigned char	 md[32];
	unsigned int	 mdlen = 0;
	char		 id[64], date[40], digest[64], line[1024];
	EVP_MD_CTX	*ctx;
	size_t		 blen = 0;
	int		 rc;

	if (w->fd == -1 || (w->size >= w->max && !w->hold))
		if (new_file(w, at_ms, err, errlen) == -1)
			return -1;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < nparts; i++) {
		if (part_each(&parts[i], md_add, ctx) == -1) {
			snprintf(err, errlen, "WARC: a spooled body is short");
			EVP_MD_CTX_free(ctx);
			return -1;
		}
		blen += parts[i].len;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	/* Sized once: the head is under 4 KiB but for long URIs. */
	rec.cap = blen + 4096 + 4;
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].value)
			rec.cap += strlen(fields[i].name) +
			    strlen(fields[i].value) + 4;
	rec.b = xmalloc(rec.cap);
	gz.cap = compressBound((uLong)rec.cap) + 64;
	gz.b = xmalloc(gz.cap);
	warc_digest(md, digest);
	warc_record_id(id);
	warc_date(at_ms, date);
	snprintf(line, sizeof(line), "WARC/1.1\r\nWARC-Type: %s\r\n"
	    "WARC-Record-ID: %s\r\nWARC-Date: %s\r\n", type, id, date);
	out_add(&rec, line, strlen(line));
	if (strcmp(type, "warcinfo") != 0) {
		snprintf(line, sizeof(line), "WARC-Warcinfo-ID: %s\r\n",
		    w->info_id);
		out_add(&rec, line, strlen(line));
	}
	for (size_t i = 0; i < nfields; i++) {
		if (fields[i].value == NULL)
			continue;
		/* A header is one line: a value with CR/LF is refused. */
		if (strpbrk(fields[i].value, "\r\n") ||
		    strpbrk(fields[i].name, "\r\n: ")) {
			snprintf(err, errlen, "WARC header %s: a line break",
			    fields[i].name);
			free(rec.b);
			free(gz.b);
			return -1;
		}
		out_add(&rec, fields[i].name, strlen(fields[i].name));
		out_add(&rec, ": ", 2);
		out_add(&rec, fields[i].value, strlen(fields[i].value));
		out_add(&rec, "\r\n", 2);
	}
	snprintf(line, sizeof(line), "WARC-Block-Digest: %s\r\n"
	    "Content-Length: %zu\r\n\r\n", digest, blen);
	out_add(&rec, line, strlen(line));
	for (size_t i = 0; i < nparts; i++)
		if (part_each(&parts[i], rec_add, &rec) == -1) {
			snprintf(err, errlen, "WARC: a spooled body is short");
			free(rec.b);
			free(gz.b);
			return -1;
		}
	out_add(&rec, "\r\n\r\n", 4);
	if (gzip_record(w, &gz, &rec) == -1) {
		snprintf(err, errlen, "WARC: cannot compress a record");
		free(rec.b);
		free(gz.b);
		return -1;
	}
	free(rec.b);
	rc = append(w, gz.b, gz.len, id, loc, err, errlen);
	free(gz.b);
	return rc;
}

int
warc_copy(struct warc *w, const void *member, size_t len, int64_t at_ms,
    struct warc_loc *loc, char *err, size_t errlen)
{
	if (w->fd == -1 || (w->size >= w->max && !w->hold))
		if (new_file(w, at_ms, err, errlen) == -1)
			return -1;
	return append(w, member, len, "", loc, err, errlen);
}

/* Closes the current file and starts the next, with its warcinfo. */
static int
new_file(struct warc *w, int64_t at_ms, char *err, size_t errlen)
{
	time_t		 t = (time_t)(at_ms / 1000);
	struct tm	 tm;
	char		 stamp[32], *path, *info;
	struct warc_field f[2];
	struct warc_part p;

	if (w->fd != -1) {
		fdatasync(w->fd);
		close(w->fd);
		w->fd = -1;
	}
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	for (int tries = 0; tries < 1000; tries++) {
		snprintf(w->name, sizeof(w->name), "%.30s-%.14s-%05u.warc.gz",
		    w->prefix, stamp, w->serial++ % 100000);
		path = xasprintf("%s/%s", w->dir, w->name);
		w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
		    O_CLOEXEC, 0600);
		free(path);
		if (w->fd != -1 || errno != EEXIST)
			break;
	}
	if (w->fd == -1) {
		snprintf(err, errlen, "WARC file %s/%s: %s", w->dir, w->name,
		    strerror(errno));
		return -1;
	}
	w->size = 0;
	info = xasprintf("software: %s\r\nformat: WARC File Format 1.1\r\n"
	    "conformsTo: http://iipc.github.io/warc-specifications/"
	    "specifications/warc-format/warc-1.1/\r\n", w->software);
	f[0] = (struct warc_field){ "WARC-Filename", w->name };
	f[1] = (struct warc_field){ "Content-Type", "application/warc-fields" };
	p = (struct warc_part){ info, strlen(info), NULL };
	{
		struct warc_loc l;

		if (warc_write(w, "warcinfo", at_ms, f, 2, &p, 1, &l, err,
		    errlen) == -1) {
			free(info);
			return -1;
		}
		/* The id the file's other records point to. */
		memcpy(w->info_id, l.id, sizeof(w->info_id));
	}
	free(info);
	return 0;
}

struct warc *
warc_open(const char *dir, const char *prefix, int64_t max_bytes,
    const char *software, char *err, size_t errlen)
{
	struct warc *w;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "WARC folder %s: %s", dir,
		    strerror(errno));
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->dir = xstrdup(dir);
	w->prefix = xstrdup(prefix);
	w->software = xstrdup(software);
	w->max = max_bytes > 0 ? max_bytes : INT64_MAX;
	w->fd = -1;
	return w;
}

void
warc_hold(struct warc *w, int how)
{
	w->hold = how > 0;
}

const char *
warc_current(const struct warc *w)
{
	return w->fd == -1 ? "" : w->name;
}

int
warc_sync(struct warc *w)
{
	return w->fd == -1 || fdatasync(w->fd) == 0 ? 0 : -1;
}

void
warc_close(struct warc *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1) {
		fdatasync(w->fd);
		close(w->fd);
	}
	if (w->z_ready)
		deflateEnd(&w->z);
	free(w->dir);
	free(w->prefix);
	free(w->software);
	free(w);
}
