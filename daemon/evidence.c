/*
 * evidence.c: "export" and "verify".
 *
 * An evidence bundle is itself a WARC file, so that any WARC tool opens
 * it: its own warcinfo, then the capture's records copied byte for byte
 * (their gzip members as stored, so ids and digests are the originals),
 * the warcinfo records those point to, the RFC 3161 token of the content
 * (a metadata record referring to the response), and a manifest of every
 * observation of the source (a metadata record, JSON).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "evidence.h"
#include "stamp.h"
#include "store.h"
#include "timefmt.h"
#include "version.h"
#include "warc.h"
#include "warcread.h"
#include "xmalloc.h"

#define TOKEN_TYPE	"application/timestamp-token"
#define MANIFEST_TYPE	"application/json"

/* ---- verify -------------------------------------------------------- */

/* A record met while walking the files, for the database's rows. */
struct seen {
	char		*file;
	int64_t		 offset, length;
	char		 id[64], type[16], payload[64];
	unsigned char	 md[32];	/* payload SHA-256 */
	int		 has_md;
	char		*damaged;	/* why it cannot be read, or NULL */
};

struct verify {
	const char	*dir;		/* NULL: files given by path */
	const char	*ca;
	struct seen	*seen;
	size_t		 nseen, cap;
	long		 records, files, rows, tokens, bad;
};

static void
bad_record(struct verify *v, const char *file, const struct warc_rec *r,
    const char *why)
{
	char	id[80] = "?", type[32] = "?", uri[512] = "", date[48] = "";

	if (r && r->head) {
		warc_rec_field(r, "WARC-Record-ID", id, sizeof(id));
		warc_rec_field(r, "WARC-Type", type, sizeof(type));
		warc_rec_field(r, "WARC-Target-URI", uri, sizeof(uri));
		warc_rec_field(r, "WARC-Date", date, sizeof(date));
	}
	if (r && r->head == NULL)
		fprintf(stderr, "rotwatch verify: %s at offset %lld: %s\n",
		    file, (long long)r->offset, why);
	else if (r)
		fprintf(stderr, "rotwatch verify: %s at offset %lld: record %s "
		    "(%s%s%s%s%s): %s\n", file, (long long)r->offset, id, type,
		    *uri ? " " : "", uri, *date ? " " : "", date, why);
	else
		fprintf(stderr, "rotwatch verify: %s: %s\n", file, why);
	v->bad++;
}

/*
 * The record at file/off.  Records are met in file name order, then
 * offset order (verify_dir sorts the names), so the list is sorted.
 */
static struct seen *
seen_find(struct verify *v, const char *file, int64_t off)
{
	size_t	lo = 0, hi = v->nseen;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;
		int	c = strcmp(v->seen[mid].file, file);

		if (c == 0)
			c = v->seen[mid].offset < off ? -1 :
			    v->seen[mid].offset > off;
		if (c == 0)
			return &v->seen[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct seen *
seen_by_id(struct verify *v, const char *id)
{
	for (size_t i = 0; i < v->nseen; i++)
		if (strcmp(v->seen[i].id, id) == 0)
			return &v->seen[i];
	return NULL;
}

static void
seen_add(struct verify *v, const struct seen *s)
{
	if (v->nseen == v->cap) {
		v->cap = v->cap * 2 + 64;
		v->seen = xrealloc(v->seen, v->cap * sizeof(*v->seen));
	}
	v->seen[v->nseen++] = *s;
}

/* A token record: it must stamp the payload of the record it refers to. */
static void
verify_token(struct verify *v, const char *file, const struct warc_rec *r)
{
	char		 ref[80], why[512];
	struct seen	*s;
	int64_t		 gen;

	if (warc_rec_field(r, "WARC-Refers-To", ref, sizeof(ref)) == NULL ||
	    (s = seen_by_id(v, ref)) == NULL || !s->has_md) {
		bad_record(v, file, r, "a timestamp token that refers to no "
		    "response before it");
		return;
	}
	if (stamp_verify(r->block, r->blen, s->md, v->ca, &gen, why,
	    sizeof(why)) == -1) {
		char msg[700];

		snprintf(msg, sizeof(msg), "timestamp token of %s: %s", ref,
		    why);
		bad_record(v, file, r, msg);
		return;
	}
	v->tokens++;
}

/* Every record of one file: its digests, and tokens. */
static void
verify_file(struct verify *v, const char *path, const char *name)
{
	FILE		*f = fopen(path, "rb");
	struct warc_rec	 r;
	char		 err[512], ct[128];
	int		 rc, met = 0;

	if (f == NULL) {
		fprintf(stderr, "rotwatch verify: %s: %s\n", path,
		    strerror(errno));
		v->bad++;
		return;
	}
	v->files++;
	for (;;) {
		struct seen s;

		memset(&s, 0, sizeof(s));
		if ((rc = warcread_next(f, &r, err, sizeof(err))) == 0)
			break;
		met++;
		if (rc == -1) {
			/*
			 * A damaged member: said here, named from the
			 * database's rows if --all, then the next member.
			 */
			bad_record(v, path, &r, err);
			s.file = xstrdup(name);
			s.offset = r.offset;
			s.damaged = xstrdup(err);
			seen_add(v, &s);
			if (warcread_resync(f, r.offset + 1) != 1)
				break;
			continue;
		}
		v->records++;
		s.file = xstrdup(name);
		s.offset = r.offset;
		s.length = r.length;
		warc_rec_field(&r, "WARC-Record-ID", s.id, sizeof(s.id));
		warc_rec_field(&r, "WARC-Type", s.type, sizeof(s.type));
		warc_rec_field(&r, "WARC-Payload-Digest", s.payload,
		    sizeof(s.payload));
		s.has_md = warc_rec_payload(&r, s.md) == 0;
		if (warc_rec_verify(&r, err, sizeof(err)) == -1)
			bad_record(v, path, &r, err);
		else if (strcmp(s.type, "metadata") == 0 &&
		    warc_rec_field(&r, "Content-Type", ct, sizeof(ct)) &&
		    strcmp(ct, TOKEN_TYPE) == 0)
			verify_token(v, path, &r);
		seen_add(v, &s);
		warc_rec_free(&r);
	}
	if (met == 0)
		bad_record(v, path, NULL, "no WARC record in it (an empty "
		    "file, or not a WARC file)");
	fclose(f);
}

struct dbctx {
	struct verify	*v;
	struct store	*st;
};

/* A record the database points to: there, and what it says it is. */
static void
verify_link(struct verify *v, const char *file, int64_t off, int64_t len,
    const char *id, const char *type, const char *payload, const char *what,
    const char *uri)
{
	struct seen	*s = seen_find(v, file, off);
	char		 path[1024], msg[512];

	snprintf(path, sizeof(path), "%s/%s", v->dir, file);
	if (s && s->damaged) {
		snprintf(msg, sizeof(msg), "at offset %lld: the %s record %s "
		    "of %s is damaged (%s)", (long long)off, what, *id ? id :
		    "(its id is in the record)", uri, s->damaged);
		bad_record(v, path, NULL, msg);
	} else if (s == NULL || s->length != len) {
		snprintf(msg, sizeof(msg), "the %s record %s of %s is not at "
		    "offset %lld, %lld bytes long, as the database says", what,
		    *id ? id : "", uri, (long long)off, (long long)len);
		bad_record(v, path, NULL, msg);
	} else if ((*id && strcmp(s->id, id) != 0) || strcmp(s->type,
	    type) != 0) {
		snprintf(msg, sizeof(msg), "at offset %lld: the %s record %s "
		    "of %s, as the database says, is %s %s here", (long long)off,
		    what, id, uri, s->type, s->id);
		bad_record(v, path, NULL, msg);
	} else if (payload && strcmp(s->payload, payload) != 0) {
		snprintf(msg, sizeof(msg), "at offset %lld: record %s: payload "
		    "digest %s, not the check's %s", (long long)off, id,
		    s->payload, payload);
		bad_record(v, path, NULL, msg);
	}
}

static int
verify_row(void *arg, const struct capture_row *c, const char *sha256)
{
	struct dbctx	*x = arg;
	struct verify	*v = x->v;
	struct stamp_row t;
	char		 digest[64], why[512];
	unsigned char	 md[32];
	int		 got;

	v->rows++;
	digest[0] = '\0';
	if (sha256)
		capture_digest(sha256, digest);
	verify_link(v, c->file, c->offset, c->length, c->record_id, c->kind,
	    digest, c->kind, c->uri);
	if (c->req_file)
		verify_link(v, c->req_file, c->req_offset, c->req_length,
		    "", "request", NULL, "request", c->uri);
	if (sha256 == NULL || (got = store_stamp_get(x->st, c->check_id,
	    &t)) == 0)
		return 0;
	if (got == -1) {
		bad_record(v, "database", NULL, store_errmsg(x->st));
		return 0;
	}
	capture_md(sha256, md);
	if (strcmp(t.digest, sha256) != 0 || stamp_verify(t.token, t.len, md,
	    v->ca, NULL, why, sizeof(why)) == -1) {
		char msg[700];

		snprintf(msg, sizeof(msg), "the timestamp of check %lld "
		    "(record %s): %s", (long long)c->check_id, c->record_id,
		    strcmp(t.digest, sha256) != 0 ? "stamps another digest" :
		    why);
		bad_record(v, "database", NULL, msg);
	} else
		v->tokens++;
	store_stamp_row_clear(&t);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .warc.gz of the WARC folder, in name (so time) order. */
static int
verify_dir(struct verify *v)
{
	DIR		*d = opendir(v->dir);
	struct dirent	*e;
	char		**names = NULL, *path;
	size_t		 n = 0, l;

	if (d == NULL) {
		if (errno == ENOENT)
			return 0;	/* nothing captured yet */
		fprintf(stderr, "rotwatch verify: %s: %s\n", v->dir,
		    strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l < 8 || strcmp(e->d_name + l - 8,
		    ".warc.gz") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		path = xasprintf("%s/%s", v->dir, names[i]);
		verify_file(v, path, names[i]);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}

int
cmd_verify(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "ca", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify	 v;
	struct store	*st = NULL;
	char		*dir = NULL;
	int		 ch, all = 0;

	memset(&v, 0, sizeof(v));
	v.ca = cfg->warc_tsa_ca;
	while ((ch = opt_next(argc, argv, ":aC:h", lo)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'C':
			v.ca = optarg;
			break;
		case 'h':
			help_of("verify");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (all == (optind < argc))
		return usage_of("verify", "give WARC files or --all");
	if (v.ca && access(v.ca, R_OK) == -1) {
		fprintf(stderr, "rotwatch verify: --ca %s: %s\n", v.ca,
		    strerror(errno));
		return EXIT_USAGE;
	}
	if (all) {
		if ((st = open_store(cfg)) == NULL)
			return EXIT_FAIL;
		v.dir = dir = config_warc_dir(cfg);
		if (verify_dir(&v) == 0) {
			struct dbctx x = { &v, st };

			if (store_captures_each(st, 0, INT64_MAX, verify_row,
			    &x) < 0) {
				fprintf(stderr, "rotwatch verify: %s\n",
				    store_errmsg(st));
				v.bad++;
			}
		} else
			v.bad++;
	} else
		for (int i = optind; i < argc; i++)
			verify_file(&v, argv[i], argv[i]);
	if (v.bad == 0 && all)
		printf("verified: %ld records in %ld files, %ld captures in "
		    "the database, %ld timestamps; every digest matches\n",
		    v.records, v.files, v.rows, v.tokens);
	else if (v.bad == 0)
		printf("verified: %ld records in %ld files, %ld timestamps; "
		    "every digest matches\n", v.records, v.files, v.tokens);
	else
		printf("FAILED: %ld problems in %ld records of %ld files (see "
		    "above)\n", v.bad, v.records, v.files);
	for (size_t i = 0; i < v.nseen; i++) {
		free(v.seen[i].file);
		free(v.seen[i].damaged);
	}
	free(v.seen);
	free(dir);
	if (st)
		store_close(st);
	return v.bad ? EXIT_FAIL : 0;
}

/* ---- export -------------------------------------------------------- */

struct pick {
	struct capture_row	 row;		/* strings owned */
	int			 found;
	const char		*want_id;	/* find this record instead */
};

static void
pick_clear(struct pick *p)
{
	free((char *)(uintptr_t)p->row.kind);
	free((char *)(uintptr_t)p->row.file);
	free((char *)(uintptr_t)p->row.record_id);
	free((char *)(uintptr_t)p->row.req_file);
	free((char *)(uintptr_t)p->row.payload_digest);
	free((char *)(uintptr_t)p->row.uri);
	memset(&p->row, 0, sizeof(p->row));
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* The latest capture (rows come in file order: compare times). */
static int
pick_row(void *arg, const struct capture_row *c, const char *sha256)
{
	struct pick *p = arg;

	if (p->want_id ? strcmp(c->record_id, p->want_id) != 0 :
	    p->found && (c->at < p->row.at || (c->at == p->row.at &&
	    c->check_id < p->row.check_id)))
		return 0;
	pick_clear(p);
	p->row = *c;
	p->row.kind = xstrdup(c->kind);
	p->row.file = xstrdup(c->file);
	p->row.record_id = xstrdup(c->record_id);
	p->row.req_file = dup_or_null(c->req_file);
	p->row.payload_digest = xstrdup(c->payload_digest);
	p->row.uri = xstrdup(c->uri);
	p->found = 1;
	return 0;
}

struct bundle {
	struct warc	*w;
	const char	*dir;
	char		**infos;	/* warcinfo ids copied already */
	size_t		 ninfos;
	int		 records;
	char		 err[512];
};

/*
 * Copies the record at file/off/len (len < 0: whatever its length), after
 * its file's warcinfo; its length, or -1.
 */
static int64_t
copy_record(struct bundle *b, const char *file, int64_t off, int64_t len)
{
	struct warc_rec	 r, info;
	char		*path = xasprintf("%s/%s", b->dir, file), id[80];
	int64_t		 rc = -1;
	int		 have = 0;

	if (warcread_at(path, off, len, &r, b->err, sizeof(b->err)) == -1) {
		char *e = xasprintf("%s at offset %lld: %s", path,
		    (long long)off, b->err);

		snprintf(b->err, sizeof(b->err), "%s", e);
		free(e);
		free(path);
		return -1;
	}
	if (warc_rec_field(&r, "WARC-Warcinfo-ID", id, sizeof(id))) {
		for (size_t i = 0; i < b->ninfos; i++)
			have |= strcmp(b->infos[i], id) == 0;
		if (!have) {
			FILE *f = fopen(path, "rb");

			if (f && warcread_next(f, &info, b->err,
			    sizeof(b->err)) == 1) {
				if (warc_copy(b->w, info.raw, (size_t)
				    info.length, wall_ms(), NULL, b->err,
				    sizeof(b->err)) == 0)
					b->records++;
				warc_rec_free(&info);
			}
			if (f)
				fclose(f);
			b->infos = xrealloc(b->infos, (b->ninfos + 1) *
			    sizeof(*b->infos));
			b->infos[b->ninfos++] = xstrdup(id);
		}
	}
	if (warc_copy(b->w, r.raw, (size_t)r.length, wall_ms(), NULL, b->err,
	    sizeof(b->err)) == 0) {
		b->records++;
		rc = r.length;
	}
	warc_rec_free(&r);
	free(path);
	return rc;
}

/* The redirect records, request and response (or revisit) of a capture. */
static int
copy_capture(struct bundle *b, const struct capture_row *c)
{
	/* The redirects: whole records, one after the other. */
	for (int64_t off = c->hops_offset, n; c->hops_length > 0 && off <
	    c->hops_offset + c->hops_length; off += n)
		if ((n = copy_record(b, c->file, off, -1)) == -1)
			return -1;
	if (c->req_file && copy_record(b, c->req_file, c->req_offset,
	    c->req_length) == -1)
		return -1;
	return copy_record(b, c->file, c->offset, c->length);
}

int
cmd_export(const struct config *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "at", required_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pick	 p, orig;
	struct bundle	 b;
	struct stamp_row t;
	struct store	*st;
	struct warc_loc	 loc;
	const char	*out = NULL;
	char		*dir = NULL, *odir = NULL, *manifest = NULL, *tmp = NULL;
	char		 when[40], refdate[40];
	int64_t		 id, upto = INT64_MAX, now = wall_ms();
	int		 ch, rc = EXIT_FAIL, stamped = 0;

	memset(&p, 0, sizeof(p));
	memset(&orig, 0, sizeof(orig));
	memset(&b, 0, sizeof(b));
	memset(&t, 0, sizeof(t));
	while ((ch = opt_next(argc, argv, ":A:o:h", lo)) != -1) {
		switch (ch) {
		case 'A':
			if (parse_time(optarg, now, &upto) == -1) {
				fprintf(stderr, "rotwatch export: --at \"%s\": "
				    "expected a date (2026-11-01), a UTC time "
				    "(2026-11-01T10:30Z) or an age (7d)\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			help_of("export");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_of("export", "give one URL or id");
	if (out == NULL)
		return usage_of("export", "give the bundle's file with -o FILE");
	if ((st = open_store(cfg)) == NULL)
		return EXIT_FAIL;
	if ((id = find_by_arg(st, "export", argv[optind])) <= 0)
		goto out;
	if (store_captures_each(st, id, upto, pick_row, &p) < 0) {
		fprintf(stderr, "rotwatch export: %s\n", store_errmsg(st));
		goto out;
	}
	if (!p.found) {
		fprintf(stderr, "rotwatch export: %s: no WARC capture %s "
		    "([warc] capture keeps them)\n", argv[optind],
		    upto == INT64_MAX ? "yet" : "at or before --at");
		goto out;
	}
	/* A revisit stands for a response kept earlier: that one goes too. */
	if (strcmp(p.row.kind, "revisit") == 0) {
		struct warc_rec	 r;
		char		 ref[80], *path;

		dir = config_warc_dir(cfg);
		path = xasprintf("%s/%s", dir, p.row.file);
		if (warcread_at(path, p.row.offset, p.row.length, &r, b.err,
		    sizeof(b.err)) == 0) {
			if (warc_rec_field(&r, "WARC-Refers-To", ref,
			    sizeof(ref))) {
				orig.want_id = ref;
				store_captures_each(st, id, INT64_MAX,
				    pick_row, &orig);
				orig.want_id = NULL;
			}
			warc_rec_free(&r);
		}
		free(path);
		free(dir);
		dir = NULL;
		if (!orig.found) {
			fprintf(stderr, "rotwatch export: %s: the revisit "
			    "record %s refers to a response not found\n",
			    argv[optind], p.row.record_id);
			goto out;
		}
	}
	if ((manifest = store_manifest(st, id)) == NULL) {
		fprintf(stderr, "rotwatch export: %s\n", store_errmsg(st));
		goto out;
	}
	/* Written beside FILE under a hidden name, then renamed: never a
	 * half bundle under FILE's name. */
	{
		const char *slash = strrchr(out, '/');

		odir = slash ? xstrndup(out, (size_t)(slash - out + 1)) :
		    xstrdup(".");
	}
	dir = config_warc_dir(cfg);
	b.dir = dir;
	if ((b.w = warc_open(odir, ".rotwatch-export", INT64_MAX,
	    "rotwatch/" ROTWATCH_VERSION " export", b.err,
	    sizeof(b.err))) == NULL)
		goto fail;
	b.records = 1;		/* its own warcinfo, written with the first */
	if (orig.found && copy_capture(&b, &orig.row) == -1)
		goto fail;
	if (copy_capture(&b, &p.row) == -1)
		goto fail;
	tmp = xasprintf("%s/%s", odir, warc_current(b.w));
	/* The token stamps the content: it refers to the response. */
	{
		const struct pick *resp = orig.found ? &orig : &p;

		if (store_stamp_get(st, resp->row.check_id, &t) == 1) {
			char digest[80];
			struct warc_field f[] = {
				{ "WARC-Target-URI", resp->row.uri },
				{ "WARC-Refers-To", resp->row.record_id },
				{ "WARC-Rotwatch-Stamped-Digest", digest },
				{ "WARC-Rotwatch-TSA", t.tsa },
				{ "Content-Type", TOKEN_TYPE },
			};
			struct warc_part part = { t.token, t.len, NULL };

			snprintf(digest, sizeof(digest), "sha256:%s",
			    t.digest);
			if (warc_write(b.w, "metadata", t.gen_time, f, 5,
			    &part, 1, NULL, b.err, sizeof(b.err)) == -1)
				goto fail;
			b.records++;
			stamped = 1;
		}
	}
	{
		struct warc_field f[] = {
			{ "WARC-Target-URI", p.row.uri },
			{ "WARC-Refers-To", p.row.record_id },
			{ "Content-Type", MANIFEST_TYPE },
		};
		struct warc_part part = { manifest, strlen(manifest), NULL };

		if (warc_write(b.w, "metadata", now, f, 3, &part, 1, &loc,
		    b.err, sizeof(b.err)) == -1)
			goto fail;
		b.records++;
	}
	if (warc_sync(b.w) == -1) {
		snprintf(b.err, sizeof(b.err), "%s", strerror(errno));
		goto fail;
	}
	warc_close(b.w);
	b.w = NULL;
	if (rename(tmp, out) == -1) {
		snprintf(b.err, sizeof(b.err), "%s", strerror(errno));
		goto fail;
	}
	warc_date(p.row.at, when);
	if (orig.found)
		warc_date(orig.row.at, refdate);
	printf("wrote %s: %d records: the capture of %s at %s (%s %s%s%s), "
	    "%s, and the manifest of its observations\n", out, b.records,
	    p.row.uri, when, p.row.kind, p.row.record_id,
	    orig.found ? ", of the content kept at " : "",
	    orig.found ? refdate : "", stamped ? "its trusted timestamp" :
	    "no trusted timestamp");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "rotwatch export: %s: %s\n", out, b.err);
	if (b.w) {
		warc_close(b.w);
		b.w = NULL;
	}
	if (tmp)
		unlink(tmp);	/* no half bundle is left */
out:
	if (b.w)
		warc_close(b.w);
	for (size_t i = 0; i < b.ninfos; i++)
		free(b.infos[i]);
	free(b.infos);
	store_stamp_row_clear(&t);
	pick_clear(&p);
	pick_clear(&orig);
	free(manifest);
	free(tmp);
	free(dir);
	free(odir);
	store_close(st);
	return rc;
}
