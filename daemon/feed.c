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
#include "notify.h"
#include "timefmt.h"
#include "utf8.h"
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
	char	*o = utf8_clean(s);

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

static void
entry_cb(void *arg, const struct alert_row *a)
{
	struct feed_ctx	*c = arg;
	char		 at[40], *id, *title, *details;

	if (a->id > c->upto)
		c->upto = a->id;
	c->n++;
	rfc3339_ms(a->at, at, sizeof(at));
	id = xasprintf("urn:rotwatch:alert:%s", a->uid);
	if (a->source_id > 0)
		title = xasprintf("%s: %s", a->kind, a->url ? a->url : "");
	else
		title = xasprintf("monitor %s", a->to ? a->to : a->kind);
	details = notify_details(c->st, a);
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
		char *t = xml_clean(details);

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
	free(details);
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
