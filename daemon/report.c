/*
 * report.c: the link to cite now, per source, in four formats.
 *
 * The link to cite: an alive source's own URL, unless its text changed
 * substantially since it was archived (then the snapshot from before the
 * change, the version a report cited); a moved source's new address; for
 * every other state the latest snapshot, if there is one.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonx.h"
#include "report.h"
#include "timefmt.h"
#include "xmalloc.h"

static const char *const formats[] = { "csv", "json", "robustlinks",
    "endnotes", "html" };

#define TL_BUCKETS	40	/* columns of a timeline */
#define TL_W		5	/* pixels per column */

/* Observations, in the order of the legend and their colours. */
static const struct { const char *name, *color; } obs_look[] = {
	{ "alive", "#2e7d32" }, { "moved", "#1565c0" },
	{ "blocked", "#ef6c00" }, { "fail", "#c62828" },
	{ "soft404", "#6a1b9a" }, { "parked", "#6d4c41" },
	{ "local", "#bdbdbd" }, { "offline", "#bdbdbd" },
};
#define NLOOK	(sizeof(obs_look) / sizeof(obs_look[0]))

struct tl {
	int64_t	 at;
	int	 look;
};

int
report_format_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i]) == 0)
			return (int)i;
	return -1;
}

/* One source, copied out of the store's row. */
struct src {
	int64_t	 id, state_since, confirmed_at, first_failed, last_alive;
	int64_t	 change_at;
	char	*url, *state, *moved_to, *reason, *snap_url, *snap_ts;
	char	*change, *cite, *cite_ts;	/* cite_ts: 14 digits or NULL */
	struct tl *tl;				/* its judged checks */
	size_t	 ntl;
};

struct rep {
	struct src	*v;
	size_t		 n, cap;
};

static char *
dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
row_cb(void *arg, const struct report_row *r)
{
	struct rep	*rp = arg;
	struct src	*s;
	const char	*cite = r->url, *ts = NULL;

	if (rp->n == rp->cap) {
		rp->cap = rp->cap ? rp->cap * 2 : 64;
		rp->v = xrealloc(rp->v, rp->cap * sizeof(*rp->v));
	}
	s = &rp->v[rp->n++];
	memset(s, 0, sizeof(*s));
	s->id = r->id;
	s->state_since = r->state_since;
	s->confirmed_at = r->confirmed_at;
	s->first_failed = r->first_failed;
	s->last_alive = r->last_alive;
	s->change_at = r->change_at;
	s->url = dup(r->url);
	s->state = dup(r->state);
	s->moved_to = dup(r->moved_to);
	s->reason = dup(r->reason);
	s->snap_url = dup(r->snap_url);
	s->snap_ts = dup(r->snap_ts);
	s->change = dup(r->change);
	if (strcmp(r->state, "alive") == 0 || strcmp(r->state, "new") == 0) {
		if (r->change && strcmp(r->change, "substantial") == 0 &&
		    (r->before_url || r->snap_url)) {
			cite = r->before_url ? r->before_url : r->snap_url;
			ts = r->before_url ? r->before_ts : r->snap_ts;
		}
	} else if (strcmp(r->state, "moved") == 0 && r->moved_to)
		cite = r->moved_to;
	else if (r->snap_url) {
		cite = r->snap_url;
		ts = r->snap_ts;
	}
	s->cite = xstrdup(cite);
	s->cite_ts = dup(ts);
}

static void
rep_free(struct rep *rp)
{
	for (size_t i = 0; i < rp->n; i++) {
		struct src *s = &rp->v[i];

		free(s->url);
		free(s->state);
		free(s->moved_to);
		free(s->reason);
		free(s->snap_url);
		free(s->snap_ts);
		free(s->change);
		free(s->cite);
		free(s->cite_ts);
		free(s->tl);
	}
	free(rp->v);
}

static void
when(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0)
		*buf = '\0';
	else
		rfc3339_ms(ms, buf, len);
}

void
report_csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A field and what follows it in a row (RFC 4180: CRLF ends a row). */
static void
csv(FILE *f, const char *s, int last)
{
	report_csv_field(f, s);
	fputs(last ? "\r\n" : ",", f);
}

/* HTML text or attribute value. */
static void
html(FILE *f, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

/* "2026-11-01" from a 14-digit timestamp. */
static void
ts_date(const char *ts, char out[11])
{
	if (ts == NULL || strlen(ts) < 8) {
		*out = '\0';
		return;
	}
	snprintf(out, 11, "%.4s-%.2s-%.2s", ts, ts + 4, ts + 6);
}

static void
write_csv(const struct rep *rp, FILE *f)
{
	char a[40], b[40], c[40], d[40], e[40];

	fputs("id,url,state,state_since,confirmed_at,last_alive,first_failed,"
	    "moved_to,last_change,change,snapshot,snapshot_time,cite,reason\r\n",
	    f);
	for (size_t i = 0; i < rp->n; i++) {
		const struct src *s = &rp->v[i];
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)s->id);
		when(s->state_since, a, sizeof(a));
		when(s->confirmed_at, b, sizeof(b));
		when(s->last_alive, c, sizeof(c));
		when(s->first_failed, d, sizeof(d));
		when(s->change_at, e, sizeof(e));
		csv(f, id, 0);
		csv(f, s->url, 0);
		csv(f, s->state, 0);
		csv(f, a, 0);
		csv(f, b, 0);
		csv(f, c, 0);
		csv(f, d, 0);
		csv(f, s->moved_to, 0);
		csv(f, e, 0);
		csv(f, s->change, 0);
		csv(f, s->snap_url, 0);
		csv(f, s->snap_ts, 0);
		csv(f, s->cite, 0);
		csv(f, s->reason, 1);
	}
}

static int
write_json(const struct rep *rp, FILE *f)
{
	json_t	*a = json_array();
	int	 rc;

	for (size_t i = 0; i < rp->n; i++) {
		const struct src *s = &rp->v[i];

		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
		    (json_int_t)s->id, "url", jx_str(s->url), "state",
		    jx_str(s->state), "state_since", jx_time(s->state_since),
		    "confirmed_at", jx_time(s->confirmed_at), "last_alive",
		    jx_time(s->last_alive), "first_failed",
		    jx_time(s->first_failed), "moved_to", jx_str(s->moved_to),
		    "last_change", s->change_at ? json_pack("{s:o, s:o}", "at",
		    jx_time(s->change_at), "kind", jx_str(s->change)) : json_null(),
		    "snapshot", s->snap_url ? json_pack("{s:s, s:o}", "url",
		    s->snap_url, "timestamp", jx_str(s->snap_ts)) : json_null(),
		    "cite", jx_str(s->cite), "reason", jx_str(s->reason),
		    "cite_is_archived", json_boolean(s->cite_ts != NULL)));
	}
	rc = json_dumpf(a, f, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	fputc('\n', f);
	json_decref(a);
	return rc;
}

static void
write_robustlinks(const struct rep *rp, FILE *f)
{
	char d[11];

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Sources, with Robust Links</title></head>\n<body>\n<ul>\n",
	    f);
	for (size_t i = 0; i < rp->n; i++) {
		const struct src *s = &rp->v[i];

		fputs("<li><a href=\"", f);
		html(f, s->cite);
		fputs("\" data-originalurl=\"", f);
		html(f, s->url);
		fputc('"', f);
		if (s->snap_url) {
			const char *u = s->cite_ts ? s->cite : s->snap_url;
			const char *t = s->cite_ts ? s->cite_ts : s->snap_ts;

			ts_date(t, d);
			fputs(" data-versionurl=\"", f);
			html(f, u);
			fputs("\" data-versiondate=\"", f);
			html(f, d);
			fputc('"', f);
		}
		fputc('>', f);
		html(f, s->url);
		fputs("</a> (", f);
		html(f, s->state);
		fputs(")</li>\n", f);
	}
	fputs("</ul>\n</body></html>\n", f);
}

struct notes_ctx {
	const struct rep	*rp;
	FILE			*f;
	char			*last;		/* the note being written */
};

static struct src *
find(const struct rep *rp, int64_t id)
{
	size_t lo = 0, hi = rp->n;

	while (lo < hi) {	/* rows are in id order */
		size_t mid = (lo + hi) / 2;

		if (rp->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rp->n && rp->v[lo].id == id ? &rp->v[lo] : NULL;
}

static void
note_cb(void *arg, const char *note, const char *citation, int64_t id)
{
	struct notes_ctx	*c = arg;
	const struct src	*s = find(c->rp, id);
	char			 d[11];

	if (s == NULL)
		return;
	if (c->last == NULL || strcmp(c->last, note) != 0) {
		free(c->last);
		c->last = xstrdup(note);
		if (*note)
			fprintf(c->f, "\n%s. %s\n", note, citation);
		else
			fprintf(c->f, "\n%s\n", citation);
	}
	fprintf(c->f, "    %s", s->url);
	if (strcmp(s->cite, s->url) != 0) {
		ts_date(s->cite_ts, d);
		if (s->cite_ts)
			fprintf(c->f, " (archived %s: %s)", d, s->cite);
		else
			fprintf(c->f, " (now at %s)", s->cite);
	} else if (s->snap_url) {
		ts_date(s->snap_ts, d);
		fprintf(c->f, " (archived %s: %s)", d, s->snap_url);
	}
	if (strcmp(s->state, "alive") != 0 && strcmp(s->state, "new") != 0)
		fprintf(c->f, " [%s]", s->state);
	fputc('\n', c->f);
}

struct tl_ctx {
	struct rep	*rp;
	struct src	*last;
	int64_t		 first;
};

static void
tl_cb(void *arg, int64_t id, int64_t at, const char *obs)
{
	struct tl_ctx	*c = arg;
	struct src	*s = c->last;
	size_t		 k;

	if (s == NULL || s->id != id)
		s = c->last = find(c->rp, id);
	if (s == NULL)
		return;
	for (k = 0; k < NLOOK && strcmp(obs, obs_look[k].name) != 0; k++)
		;
	if (k == NLOOK)
		return;
	if ((s->ntl & (s->ntl + 1)) == 0 || s->ntl == 0)
		s->tl = xrealloc(s->tl, (s->ntl + 1) * 2 * sizeof(*s->tl));
	s->tl[s->ntl].at = at;
	s->tl[s->ntl].look = (int)k;
	s->ntl++;
	if (c->first == 0 || at < c->first)
		c->first = at;
}

/* One source's checks from first to now, in TL_BUCKETS columns, each
 * coloured by its latest check; one path per colour keeps it small. */
static void
svg_timeline(FILE *f, const struct src *s, int64_t first, int64_t now)
{
	int	 col[TL_BUCKETS];
	int64_t	 span = now - first > 0 ? now - first : 1;

	for (int b = 0; b < TL_BUCKETS; b++)
		col[b] = -1;
	for (size_t i = 0; i < s->ntl; i++) {
		int b = (int)((s->tl[i].at - first) * TL_BUCKETS / span);

		col[b < 0 ? 0 : b >= TL_BUCKETS ? TL_BUCKETS - 1 : b] =
		    s->tl[i].look;
	}
	fprintf(f, "<svg class=\"tl\" width=\"%d\" height=\"12\" "
	    "viewBox=\"0 0 %d 12\" role=\"img\" aria-label=\"%zu checks\">",
	    TL_BUCKETS * TL_W, TL_BUCKETS * TL_W, s->ntl);
	for (size_t k = 0; k < NLOOK; k++) {
		int any = 0;

		for (int b = 0; b < TL_BUCKETS; b++) {
			if (col[b] != (int)k)
				continue;
			if (!any)
				fprintf(f, "<path fill=\"%s\" d=\"",
				    obs_look[k].color);
			fprintf(f, "M%d 0h%dv12h-%dz", b * TL_W, TL_W - 1,
			    TL_W - 1);
			any = 1;
		}
		if (any)
			fputs("\"/>", f);
	}
	fputs("</svg>", f);
}

static void
write_html(struct store *st, struct rep *rp, const char *tag, FILE *f)
{
	static const char *const states[] = { "alive", "moved", "new",
	    "suspect", "blocked", "dead", "soft404", "parked" };
	/* Row order; anything else goes with the last. */
	static const char *const order[] = { "dead", "soft404", "parked",
	    "suspect", "blocked", "moved", "new", "alive" };
	struct tl_ctx	 c = { rp, NULL, 0 };
	int64_t		 now = wall_ms();
	char		 when[40], d[11];
	int		 count[sizeof(states) / sizeof(states[0])] = { 0 };

	store_timeline(st, tag, tl_cb, &c);
	for (size_t i = 0; i < rp->n; i++)
		for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
			count[k] += strcmp(rp->v[i].state, states[k]) == 0;
	rfc3339_ms(now, when, sizeof(when));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>rotwatch: sources</title><style>"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
	    "table{border-collapse:collapse;width:100%}"
	    "td,th{padding:3px 6px;border-bottom:1px solid #ddd;text-align:left;"
	    "vertical-align:middle}td.u{word-break:break-all}"
	    ".s{font-weight:600;padding:1px 6px;border-radius:3px;color:#fff}"
	    ".alive{background:#2e7d32}.moved{background:#1565c0}"
	    ".new{background:#9e9e9e}.suspect{background:#f9a825}"
	    ".blocked{background:#ef6c00}.dead{background:#c62828}"
	    ".soft404{background:#6a1b9a}.parked{background:#6d4c41}"
	    ".summary span{margin-right:1em}.legend i{display:inline-block;"
	    "width:10px;height:10px;margin:0 4px 0 12px}"
	    "</style></head>\n<body>\n<h1>Sources", f);
	if (tag) {
		fputs(" tagged ", f);
		html(f, tag);
	}
	fprintf(f, "</h1>\n<p class=\"summary\" id=\"summary\">%zu sources "
	    "on %.19sZ: ", rp->n, when);
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
		if (count[k])
			fprintf(f, "<span class=\"s %s\" data-state=\"%s\" "
			    "data-count=\"%d\">%d %s</span>", states[k],
			    states[k], count[k], count[k], states[k]);
	fputs("</p>\n<p class=\"legend\">Checks over time:", f);
	for (size_t k = 0; k + 1 < NLOOK; k++)
		fprintf(f, "<i style=\"background:%s\"></i>%s", obs_look[k].color,
		    k + 2 == NLOOK ? "ours (local or offline)" :
		    obs_look[k].name);
	fputs("</p>\n<table id=\"sources\"><thead><tr><th>Source</th>"
	    "<th>State</th><th>Since</th><th>Cite</th><th>Checks</th></tr>"
	    "</thead><tbody>\n", f);
	/* What needs attention first. */
	for (size_t pass = 0; pass < sizeof(order) / sizeof(order[0]); pass++)
	for (size_t i = 0; i < rp->n; i++) {
		const struct src *s = &rp->v[i];
		size_t k;

		for (k = 0; k + 1 < sizeof(order) / sizeof(order[0]) &&
		    strcmp(s->state, order[k]) != 0; k++)
			;
		if (k != pass)
			continue;
		when[0] = '\0';
		if (s->state_since > 0)
			rfc3339_ms(s->state_since, when, sizeof(when));
		fputs("<tr data-state=\"", f);
		html(f, s->state);
		fputs("\"><td class=\"u\"><a href=\"", f);
		html(f, s->url);
		fputs("\">", f);
		html(f, s->url);
		fputs("</a></td><td><span class=\"s ", f);
		html(f, s->state);
		fputs("\">", f);
		html(f, s->state);
		fprintf(f, "</span></td><td>%.10s</td><td>", when);
		if (strcmp(s->cite, s->url) != 0) {
			fputs("<a href=\"", f);
			html(f, s->cite);
			fputs("\">", f);
			ts_date(s->cite_ts, d);
			if (s->cite_ts)
				fprintf(f, "archived %s", d);
			else
				fputs("new address", f);
			fputs("</a>", f);
		} else
			fputs("this URL", f);
		fputs("</td><td>", f);
		svg_timeline(f, s, c.first ? c.first : now, now);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n</body></html>\n", f);
}

int
report_write(struct store *st, enum report_format fmt, const char *tag,
    FILE *f)
{
	struct rep		 rp = { NULL, 0, 0 };
	struct notes_ctx	 nc;
	int			 rc = 0;

	if (store_report(st, tag, row_cb, &rp) < 0) {
		rep_free(&rp);
		return -1;
	}
	switch (fmt) {
	case REPORT_CSV:
		write_csv(&rp, f);
		break;
	case REPORT_JSON:
		rc = write_json(&rp, f);
		break;
	case REPORT_ROBUSTLINKS:
		write_robustlinks(&rp, f);
		break;
	case REPORT_HTML:
		write_html(st, &rp, tag, f);
		break;
	case REPORT_ENDNOTES:
		memset(&nc, 0, sizeof(nc));
		nc.rp = &rp;
		nc.f = f;
		if (store_all_notes(st, tag, note_cb, &nc) < 0)
			rc = -1;
		free(nc.last);
		break;
	}
	rep_free(&rp);
	return rc;
}
