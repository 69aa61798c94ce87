/*
 * feed.c: Atom (RFC 4287) feeds, written with libxml2's text writer so
 * every title, URL and citation is escaped as XML requires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "feed.h"
#include "timefmt.h"
#include "xmalloc.h"

#define X(s)	((const xmlChar *)(s))

struct feed_ctx {
	struct store		*st;
	xmlTextWriterPtr	 w;
	int64_t			 upto;
	int			 n;
	int			 bad;
};

/* A copy without the bytes XML 1.0 cannot hold (C0 controls but TAB, LF,
 * CR); a citation may carry anything. */
static char *
xml_clean(const char *s)
{
	char	*o = xstrdup(s ? s : "");

	for (char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' &&
		    *p != '\r')
			*p = ' ';
	return o;
}

static void
elem(struct feed_ctx *c, const char *name, const char *text)
{
	char *t = xml_clean(text);

	if (xmlTextWriterWriteElement(c->w, X(name), X(t)) < 0)
		c->bad = 1;
	free(t);
}

static void
add_link(struct feed_ctx *c, const char *rel, const char *href)
{
	char *h = xml_clean(href);

	if (xmlTextWriterStartElement(c->w, X("link")) < 0 ||
	    xmlTextWriterWriteAttribute(c->w, X("rel"), X(rel)) <
	    0 || xmlTextWriterWriteAttribute(c->w, X("href"),
	    X(h)) < 0 || xmlTextWriterEndElement(c->w) < 0)
		c->bad = 1;
	free(h);
}

struct lines {
	char	*s;
	size_t	 len;
};

static void
add(struct lines *l, const char *label, const char *v)
{
	char *line;

	if (v == NULL || *v == '\0')
		return;
	line = xasprintf("%s: %s\n", label, v);
	l->s = xrealloc(l->s, l->len + strlen(line) + 1);
	memcpy(l->s + l->len, line, strlen(line) + 1);
	l->len += strlen(line);
	free(line);
}

static void
note_line(void *arg, const char *note, const char *citation)
{
	char *v = xasprintf("%s%s%s", *note ? note : "", *note ? ". " : "",
	    citation);

	add(arg, "Cited in", v);
	free(v);
}

static void
entry_cb(void *arg, const struct alert_row *a)
{
	struct feed_ctx	*c = arg;
	struct lines	 l = { NULL, 0 };
	char		 at[40], buf[64], *id, *title;

	if (a->id > c->upto)
		c->upto = a->id;
	c->n++;
	rfc3339_ms(a->at, at, sizeof(at));
	id = xasprintf("urn:rotwatch:alert:%s", a->uid);
	if (a->source_id > 0)
		title = xasprintf("%s: %s", a->kind, a->url ? a->url : "");
	else
		title = xasprintf("monitor %s", a->to ? a->to : a->kind);
	add(&l, "Source", a->url);
	if (a->from && a->to) {
		char *v = xasprintf("%s -> %s", a->from, a->to);

		add(&l, "State", v);
		free(v);
	}
	add(&l, "Why", a->detail);
	if (a->first_failed > 0) {
		rfc3339_ms(a->first_failed, buf, sizeof(buf));
		add(&l, "First failed", buf);
	}
	if (a->confirmed_at > 0) {
		rfc3339_ms(a->confirmed_at, buf, sizeof(buf));
		add(&l, "Confirmed", buf);
	}
	if (a->http_status > 0) {
		snprintf(buf, sizeof(buf), "%ld", a->http_status);
		add(&l, "HTTP status", buf);
	}
	add(&l, "Final URL", a->final_url);
	add(&l, "Body SHA-256", a->sha256);
	add(&l, "Change", a->change);
	add(&l, "Archived copy", a->snapshot);
	if (a->source_id > 0)
		store_notes(c->st, a->source_id, note_line, &l);
	if (xmlTextWriterStartElement(c->w, X("entry")) < 0)
		c->bad = 1;
	elem(c, "id", id);
	elem(c, "title", title);
	elem(c, "updated", at);
	if (a->url)
		add_link(c, "alternate", a->url);
	if (a->snapshot)
		add_link(c, "related", a->snapshot);
	if (xmlTextWriterStartElement(c->w, X("category")) < 0 ||
	    xmlTextWriterWriteAttribute(c->w, X("term"),
	    X(a->kind)) < 0 || xmlTextWriterEndElement(c->w) < 0)
		c->bad = 1;
	{
		char *t = xml_clean(l.s ? l.s : "");

		if (xmlTextWriterStartElement(c->w, X("content")) < 0 ||
		    xmlTextWriterWriteAttribute(c->w, X("type"),
		    X("text")) < 0 ||
		    xmlTextWriterWriteString(c->w, X(t)) < 0 ||
		    xmlTextWriterEndElement(c->w) < 0)
			c->bad = 1;
		free(t);
	}
	if (xmlTextWriterEndElement(c->w) < 0)
		c->bad = 1;
	free(l.s);
	free(id);
	free(title);
}

/* Writes one feed file; *upto gets the newest alert id in it. */
static int
write_one(struct store *st, const struct channel *ch, const char *tag,
    const char *path, int64_t *upto, char *err, size_t errlen)
{
	struct feed_ctx	 c;
	xmlBufferPtr	 buf = xmlBufferCreate();
	char		 now[40], *tmp = NULL, *fid;
	FILE		*f = NULL;
	int		 rc = -1;

	memset(&c, 0, sizeof(c));
	c.st = st;
	if (buf == NULL || (c.w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	xmlTextWriterSetIndent(c.w, 1);
	rfc3339_ms(wall_ms(), now, sizeof(now));
	fid = tag ? xasprintf("urn:rotwatch:feed:%s:tag:%s", ch->name, tag) :
	    xasprintf("urn:rotwatch:feed:%s", ch->name);
	if (xmlTextWriterStartDocument(c.w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(c.w, NULL, X("feed"),
	    X("http://www.w3.org/2005/Atom")) < 0)
		c.bad = 1;
	elem(&c, "id", fid);
	free(fid);
	{
		char *title = tag ? xasprintf("rotwatch: %s, sources tagged "
		    "%s", ch->name, tag) : xasprintf("rotwatch: %s", ch->name);

		elem(&c, "title", title);
		free(title);
	}
	elem(&c, "updated", now);
	if (xmlTextWriterStartElement(c.w, X("author")) < 0)
		c.bad = 1;
	elem(&c, "name", "rotwatch");
	if (xmlTextWriterEndElement(c.w) < 0)
		c.bad = 1;
	if (store_alerts_recent(st, ch->name, tag, FEED_ENTRIES, entry_cb,
	    &c) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		goto out;
	}
	if (xmlTextWriterEndDocument(c.w) < 0 || c.bad) {
		snprintf(err, errlen, "cannot build the feed");
		goto out;
	}
	xmlFreeTextWriter(c.w);
	c.w = NULL;
	/* Beside the file, synced, renamed over it: never half a feed. */
	tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL ||
	    fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), f) !=
	    (size_t)xmlBufferLength(buf) || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fclose(f);
	f = NULL;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	*upto = c.upto;
	rc = 0;
out:
	if (f) {
		fclose(f);
		unlink(tmp);
	}
	free(tmp);
	if (c.w)
		xmlFreeTextWriter(c.w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

char *
feed_tag_path(const struct channel *ch, const char *tag)
{
	const char	*dot = strrchr(ch->path, '.');
	const char	*slash = strrchr(ch->path, '/');
	char		 safe[128];
	size_t		 i;

	/* Tags are words already; keep the file name plain regardless. */
	for (i = 0; tag[i] && i + 1 < sizeof(safe); i++)
		safe[i] = (tag[i] == '/' || tag[i] == ':') ? '_' : tag[i];
	safe[i] = '\0';
	if (dot && (!slash || dot > slash))
		return xasprintf("%.*s-%s%s", (int)(dot - ch->path), ch->path,
		    safe, dot);
	return xasprintf("%s-%s", ch->path, safe);
}

struct tag_list {
	char	**v;
	size_t	  n;
};

static void
tag_cb(void *arg, const char *tag)
{
	struct tag_list *t = arg;

	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = xstrdup(tag);
}

int
feed_write(struct store *st, const struct channel *ch, int64_t *upto,
    char *err, size_t errlen)
{
	struct tag_list	 tl = { NULL, 0 };
	int64_t		 ignore;
	int		 rc;

	*upto = 0;
	if ((rc = write_one(st, ch, NULL, ch->path, upto, err, errlen)) != 0 ||
	    !ch->per_tag)
		return rc;
	if (store_alert_tags(st, ch->name, tag_cb, &tl) < 0) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		rc = -1;
	}
	for (size_t i = 0; i < tl.n; i++) {
		char *p = feed_tag_path(ch, tl.v[i]);

		if (rc == 0 && write_one(st, ch, tl.v[i], p, &ignore, err,
		    errlen) != 0)
			rc = -1;
		free(p);
		free(tl.v[i]);
	}
	free(tl.v);
	return rc;
}
