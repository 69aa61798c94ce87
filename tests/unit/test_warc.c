/*
 * test_warc.c: WARC records written as gzip members of their own, each
 * readable alone from its offset and length, with the headers and digests
 * a reader checks; warcinfo first in every file; rotation; a header with
 * a line break refused without leaving anything in the file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "../../daemon/warc.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

static char	dir[64];

/* The member at loc, inflated (malloc'd, NUL-terminated), or NULL. */
static char *
member(const struct warc_loc *loc, size_t *len)
{
	char		*path = xasprintf("%s/%s", dir, loc->file);
	FILE		*f = fopen(path, "rb");
	unsigned char	*gz = xmalloc((size_t)loc->length);
	char		*out = xmalloc(1 << 20);
	z_stream	 z;
	int		 rc;

	free(path);
	if (f == NULL || fseek(f, (long)loc->offset, SEEK_SET) != 0 ||
	    fread(gz, 1, (size_t)loc->length, f) != (size_t)loc->length) {
		if (f)
			fclose(f);
		free(gz);
		free(out);
		return NULL;
	}
	fclose(f);
	memset(&z, 0, sizeof(z));
	inflateInit2(&z, 15 + 16);
	z.next_in = gz;
	z.avail_in = (uInt)loc->length;
	z.next_out = (unsigned char *)out;
	z.avail_out = (1 << 20) - 1;
	rc = inflate(&z, Z_FINISH);
	*len = (1 << 20) - 1 - z.avail_out;
	out[*len] = '\0';
	/* exactly one member: it ends where the length says */
	if (rc != Z_STREAM_END || z.avail_in != 0) {
		free(out);
		out = NULL;
	}
	inflateEnd(&z);
	free(gz);
	return out;
}

static const char *
header(const char *rec, const char *name, char *val, size_t n)
{
	char		 key[128];
	const char	*p, *e;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	if ((p = strstr(rec, key)) == NULL || p > strstr(rec, "\r\n\r\n"))
		return NULL;
	p += strlen(key);
	e = strstr(p, "\r\n");
	snprintf(val, n, "%.*s", (int)(e - p), p);
	return val;
}

TEST(digest_base32)
{
	unsigned char	md[32];
	char		out[64];

	EVP_Digest("", 0, md, NULL, EVP_sha256(), NULL);
	warc_digest(md, out);
	T_EQ_STR(out,
	    "sha256:4OYMIQUY7QOBJGX36TEJS35ZEQT24QPEMSNZGTFESWMRW6CSXBKQ====");
	EVP_Digest("abc", 3, md, NULL, EVP_sha256(), NULL);
	warc_digest(md, out);
	T_EQ_STR(out,
	    "sha256:XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ====");
}

TEST(records_read_alone)
{
	char			 err[256], val[256], digest[64];
	struct warc		*w = warc_open(dir, "t", 0, "rotwatch-test", err,
				    sizeof(err));
	struct warc_loc		 loc[3];
	const char		*hdr = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
	const char		*body = "<p>Ministerio del Interior</p>";
	struct warc_field	 f[] = {
		{ "WARC-Target-URI", "https://example.org/report" },
		{ "WARC-IP-Address", "192.0.2.7" },
		{ "Content-Type", "application/http;msgtype=response" },
	};
	struct warc_part	 p[] = { { hdr, strlen(hdr), NULL },
				    { body, strlen(body), NULL } };
	unsigned char		 md[32];
	size_t			 len;
	char			*r, *blk;

	T_ASSERT(w != NULL);
	for (int i = 0; i < 3; i++)
		T_ASSERT(warc_write(w, i == 1 ? "request" : "response",
		    1764612000123LL + i, f, 3, p, 2, &loc[i], err,
		    sizeof(err)) == 0);
	T_ASSERT(warc_sync(w) == 0);
	T_ASSERT(strcmp(loc[0].file, loc[2].file) == 0);
	T_ASSERT(loc[1].offset == loc[0].offset + loc[0].length);
	T_ASSERT(strcmp(loc[0].id, loc[1].id) != 0);
	/* the file starts with its warcinfo */
	{
		struct warc_loc first = loc[0];

		first.offset = 0;
		first.length = loc[0].offset;
		T_ASSERT((r = member(&first, &len)) != NULL);
		T_ASSERT(strncmp(r, "WARC/1.1\r\nWARC-Type: warcinfo\r\n",
		    31) == 0);
		T_EQ_STR(header(r, "WARC-Filename", val, sizeof(val)),
		    loc[0].file);
		free(r);
	}
	for (int i = 0; i < 3; i++) {
		T_ASSERT((r = member(&loc[i], &len)) != NULL);
		T_ASSERT(strncmp(r, "WARC/1.1\r\n", 10) == 0);
		T_EQ_STR(header(r, "WARC-Type", val, sizeof(val)),
		    i == 1 ? "request" : "response");
		T_EQ_STR(header(r, "WARC-Record-ID", val, sizeof(val)),
		    loc[i].id);
		T_ASSERT(header(r, "WARC-Warcinfo-ID", val, sizeof(val)));
		T_EQ_STR(header(r, "WARC-Date", val, sizeof(val)), i == 0 ?
		    "2025-12-01T18:00:00.123Z" : i == 1 ?
		    "2025-12-01T18:00:00.124Z" : "2025-12-01T18:00:00.125Z");
		T_EQ_STR(header(r, "WARC-Target-URI", val, sizeof(val)),
		    "https://example.org/report");
		T_EQ_STR(header(r, "WARC-IP-Address", val, sizeof(val)),
		    "192.0.2.7");
		T_ASSERT(atoi(header(r, "Content-Length", val, sizeof(val))) ==
		    (int)(strlen(hdr) + strlen(body)));
		blk = strstr(r, "\r\n\r\n") + 4;
		T_ASSERT(strncmp(blk, hdr, strlen(hdr)) == 0);
		T_ASSERT(len == (size_t)(blk - r) + strlen(hdr) +
		    strlen(body) + 4);
		T_ASSERT(strcmp(r + len - 4, "\r\n\r\n") == 0);
		EVP_Digest(blk, strlen(hdr) + strlen(body), md, NULL,
		    EVP_sha256(), NULL);
		warc_digest(md, digest);
		T_EQ_STR(header(r, "WARC-Block-Digest", val, sizeof(val)),
		    digest);
		free(r);
	}
	warc_close(w);
}

static int
count_files(void)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".warc.gz") != NULL;
	closedir(d);
	return n;
}

TEST(rotation)
{
	char			 err[256];
	int			 before = count_files();
	struct warc		*w = warc_open(dir, "rot", 1, "t", err,
				    sizeof(err));
	struct warc_part	 p = { "x", 1, NULL };
	struct warc_loc		 a, b;

	T_ASSERT(warc_write(w, "resource", 1764612000000LL, NULL, 0, &p, 1,
	    &a, err, sizeof(err)) == 0);
	T_ASSERT(warc_write(w, "resource", 1764612000000LL, NULL, 0, &p, 1,
	    &b, err, sizeof(err)) == 0);
	T_ASSERT(strcmp(a.file, b.file) != 0);
	T_ASSERT(count_files() == before + 2);
	warc_close(w);
}

TEST(line_break_refused)
{
	char			 err[256], *path;
	struct warc		*w = warc_open(dir, "crlf", 0, "t", err,
				    sizeof(err));
	struct warc_part	 p = { "x", 1, NULL };
	struct warc_field	 f = { "WARC-Target-URI",
				    "https://example.org/\r\nWARC-Type: x" };
	struct warc_loc		 a;
	struct stat		 sb, sb2;

	T_ASSERT(warc_write(w, "resource", 1764612000000LL, NULL, 0, &p, 1,
	    &a, err, sizeof(err)) == 0);
	path = xasprintf("%s/%s", dir, a.file);
	T_ASSERT(stat(path, &sb) == 0);
	T_ASSERT(warc_write(w, "resource", 1764612000000LL, &f, 1, &p, 1,
	    NULL, err, sizeof(err)) == -1);
	T_ASSERT(strstr(err, "WARC-Target-URI") != NULL);
	T_ASSERT(stat(path, &sb2) == 0 && sb2.st_size == sb.st_size);
	free(path);
	warc_close(w);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/rotwatch-test-warc.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(digest_base32);
	RUN(records_read_alone);
	RUN(rotation);
	RUN(line_break_refused);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
