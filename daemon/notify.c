/*
 * notify.c: alerts from events, and their delivery.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "feed.h"
#include "jsonx.h"
#include "log.h"
#include "metrics.h"
#include "text.h"
#include "notify.h"
#include "timefmt.h"
#include "utf8.h"
#include "xmalloc.h"

#define PER_CHANNEL	4		/* deliveries in flight per channel */
#define TICK_MS		1000		/* look for due alerts this often */
#define BODY_MAX	4096		/* of a receiver's answer, kept */

struct nreq {
	struct http_req		 req;		/* first */
	uv_work_t		 work;		/* mail: sent on a thread */
	int			 threaded;
	CURLcode		 rc;		/* ... its result */
	atomic_int		 abort;		/* ... stop it (the daemon stops) */
	int			 cut;		/* ... the notifier dropped it */
	struct notifier		*n;
	size_t			 ch;		/* index of the channel */
	int64_t			 id;		/* alerts.id */
	int64_t			 upto;		/* a digest: alerts up to this */
	int			 attempts;
	char			*body;
	size_t			 off;		/* email: bytes read so far */
	struct curl_slist	*hdrs;		/* or the recipients */
	char			 errbuf[CURL_ERROR_SIZE];
	struct nreq		*next;
};

struct chan_state {
	int		 inflight;
	int		 failing;	/* logged that it fails */
	int		 fails;		/* digests failed in a row */
	int64_t		 retry_at;	/* digest: not before (wall ms) */
};

struct notifier {
	uv_loop_t		*loop;
	struct http		*http;
	struct store		*st;
	const struct config	*cfg;
	uv_timer_t		 timer;
	struct chan_state	*cs;
	struct nreq		*inflight;
	const struct config	*next_cfg;	/* once nothing is in flight */
	int			 threads;	/* mails being sent */
	int			 closed;	/* freed once they are done */
	int			 stopping;
};

int
notify_kind(const struct event *e)
{
	static const struct { const char *to; int kind; } to_kind[] = {
		{ "dead", AK_DEAD }, { "moved", AK_MOVED },
		{ "blocked", AK_BLOCKED }, { "soft404", AK_SOFT404 },
		{ "parked", AK_PARKED },
	};

	if (strcmp(e->type, "changed") == 0)
		return e->change && strcmp(e->change, "minor") == 0 ?
		    AK_MINOR : AK_CHANGED;
	if (strncmp(e->type, "monitor_", 8) == 0)
		return AK_MONITOR;
	if (strcmp(e->type, "archive_failed") == 0)
		return AK_ARCHIVE_FAILED;
	/* A first verdict is no news; suspect is not confirmed. */
	if (strcmp(e->type, "state") != 0 || e->from == NULL || e->to == NULL ||
	    strcmp(e->from, "new") == 0)
		return -1;
	for (size_t i = 0; i < sizeof(to_kind) / sizeof(to_kind[0]); i++)
		if (strcmp(e->to, to_kind[i].to) == 0)
			return to_kind[i].kind;
	if (strcmp(e->to, "alive") == 0 && strcmp(e->from, "suspect") != 0)
		return AK_RECOVERED;
	return -1;
}

/* 1 if a source with these tags ("a,b") passes a channel's tag filter. */
static int
tags_match(const char *want, const char *have)
{
	char		*copy, *w, *save = NULL;
	int		 hit = 0;
	const char	*p;
	size_t		 n;

	if (want == NULL)
		return 1;
	copy = xstrdup(want);
	for (w = strtok_r(copy, " ,\t", &save); w && !hit; w = strtok_r(NULL,
	    " ,\t", &save)) {
		n = strlen(w);
		for (p = have; p && *p && !hit; p = strchr(p, ',') ?
		    strchr(p, ',') + 1 : NULL)
			hit = strncmp(p, w, n) == 0 && (p[n] == ',' ||
			    p[n] == '\0');
	}
	free(copy);
	return hit;
}

int
notify_event(const struct config *cfg, struct store *st, int64_t event_id,
    const struct event *e, int64_t now)
{
	int	 kind = notify_kind(e), n = 0;
	char	*tags = NULL, uid[96];

	if (kind < 0 || cfg->nchannels == 0)
		return 0;
	for (size_t i = 0; i < cfg->nchannels; i++) {
		const struct channel *ch = &cfg->channels[i];

		if (!(ch->kinds & (1u << kind)))
			continue;
		if (kind != AK_MONITOR && ch->tags) {
			if (tags == NULL)
				tags = store_source_tags(st, e->source_id);
			if (!tags_match(ch->tags, tags))
				continue;
		}
		snprintf(uid, sizeof(uid), "rotwatch-%lld-%s",
		    (long long)event_id, ch->name);
		if (store_alert_add(st, uid, event_id, ch->name,
		    alert_kind_names[kind], now) == -1) {
			free(tags);
			return -1;
		}
		n++;
	}
	free(tags);
	return n;
}

static char	*diff_excerpt(struct store *, const struct alert_row *);
static void	 arm(struct notifier *, int64_t);

/* ---- the message -------------------------------------------------- */

static char	*text_line_of(const struct alert_row *);

/*
 * The line a person reads first: one line (what a server said may hold
 * CR/LF; chat receivers and mail subjects show one line).
 */
static char *
text_line(const struct alert_row *a)
{
	char *s = text_line_of(a);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

static char *
text_line_of(const struct alert_row *a)
{
	char when[40], conf[40] = "";

	rfc3339_ms(a->at, when, sizeof(when));
	if (a->source_id == 0)
		return xasprintf("rotwatch: %s at %s: %s", a->to ? a->to :
		    a->kind, when, a->detail ? a->detail : "");
	if (a->confirmed_at > 0) {
		rfc3339_ms(a->confirmed_at, when, sizeof(when));
		snprintf(conf, sizeof(conf), "; confirmed %.19sZ", when);
	}
	return xasprintf("rotwatch: %s: %s (%s%s)%s%s", a->kind,
	    a->url ? a->url : "", a->detail ? a->detail : "", conf,
	    a->snapshot ? "; archived copy: " : "",
	    a->snapshot ? a->snapshot : "");
}

static char *
message(struct notifier *n, const struct alert_row *a)
{
	json_t	*o, *src = json_null(), *proof, *notes;
	char	*tags, *line, *body, *excerpt;

	if (a->source_id > 0) {
		notes = json_array();
		store_notes(n->st, a->source_id, jx_note, notes);
		tags = store_source_tags(n->st, a->source_id);
		src = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
		    (json_int_t)a->source_id, "url", jx_str(a->url),
		    "tags", jx_tags(tags), "notes", notes, "state",
		    jx_str(a->state), "state_since",
		    jx_time(a->state_since), "confirmed_at",
		    jx_time(a->confirmed_at));
		free(tags);
	}
	proof = a->proof ? json_loads(a->proof, 0, NULL) : NULL;
	line = text_line(a);
	excerpt = diff_excerpt(n->st, a);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:I, s:o, s:o, s:o, s:o, "
	    "s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o}, s:o, s:o}",
	    "id", a->uid, "kind", a->kind, "text", line,
	    "at", jx_time(a->at), "source", src,
	    "event", "id", (json_int_t)a->event_id, "from", jx_str(a->from),
	    "to", jx_str(a->to), "detail", jx_str(a->detail),
	    "proof", proof ? proof : json_array(), "change",
	    jx_str(a->change), "similarity", a->similarity >= 0 ?
	    json_real(a->similarity) : json_null(),
	    "evidence", "check_id", a->check_id ? json_integer(a->check_id) :
	    json_null(), "class", jx_str(a->cls), "http_status",
	    a->http_status ? json_integer(a->http_status) : json_null(),
	    "final_url", jx_str(a->final_url), "sha256",
	    jx_str(a->sha256),
	    "first_failed", jx_time(a->first_failed),
	    "archive", jx_str(a->snapshot));
	free(line);
	if (o == NULL) {
		free(excerpt);
		return NULL;
	}
	json_object_set_new(json_object_get(o, "evidence"), "text_before",
	    jx_str(a->from_version));
	json_object_set_new(json_object_get(o, "evidence"), "text_after",
	    jx_str(a->to_version));
	json_object_set_new(json_object_get(o, "evidence"), "diff",
	    jx_str(excerpt));
	free(excerpt);
	body = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return body;
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
add_raw(struct lines *l, const char *v)
{
	size_t k = strlen(v);

	l->s = xrealloc(l->s, l->len + k + 1);
	memcpy(l->s + l->len, v, k + 1);
	l->len += k;
}

static void
note_line(void *arg, const char *note, const char *citation)
{
	char *v = xasprintf("%s%s%s", *note ? note : "", *note ? ". " : "",
	    citation);

	add(arg, "Cited in", v);
	free(v);
}

#define EXCERPT_LINES	24	/* of a change's diff, in an alert */

/*
 * The start of the diff between a change's two text versions, at most
 * EXCERPT_LINES lines; NULL if either text is not stored.
 */
static char *
diff_excerpt(struct store *st, const struct alert_row *a)
{
	char	*ta = NULL, *tb = NULL, *ti = NULL, *out = NULL, *p;
	size_t	 la, lb, len = 0;
	int	 lines = 0;
	FILE	*f;

	if (a->from_version == NULL || a->to_version == NULL)
		return NULL;
	if (store_get_version(st, a->from_version, &ti, &ta, &la) != 1) {
		free(ti);
		return NULL;
	}
	free(ti);
	if (store_get_version(st, a->to_version, &ti, &tb, &lb) != 1) {
		free(ti);
		free(ta);
		return NULL;
	}
	free(ti);
	if ((f = open_memstream(&out, &len)) != NULL) {
		text_diff(f, "before", ta, "after", tb);
		fclose(f);
	}
	free(ta);
	free(tb);
	/* Keep the first lines only. */
	for (p = out; p && *p; p++)
		if (*p == '\n' && ++lines == EXCERPT_LINES && p[1] != '\0') {
			char *cut = xasprintf("%.*s...\n", (int)(p + 1 - out),
			    out);

			free(out);
			return cut;
		}
	return out;
}

char *
notify_details(struct store *st, const struct alert_row *a)
{
	struct lines	 l = { NULL, 0 };
	char		 buf[64], *ex;

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
	add(&l, "Text before", a->from_version);
	add(&l, "Text after", a->to_version);
	add(&l, "Archived copy", a->snapshot);
	if (a->source_id > 0)
		store_notes(st, a->source_id, note_line, &l);
	if ((ex = diff_excerpt(st, a)) != NULL) {
		add(&l, "What changed (diff)", "\n");
		add_raw(&l, ex);
		free(ex);
	}
	return l.s ? l.s : xstrdup("");
}

/* ---- delivery ----------------------------------------------------- */

static void	run(struct notifier *);

static void
nreq_free(struct nreq *r)
{
	if (r->req.easy)
		curl_easy_cleanup(r->req.easy);
	http_req_release(&r->req);
	curl_slist_free_all(r->hdrs);
	free(r->body);
	free(r);
}

static void
unlink_req(struct notifier *n, struct nreq *r)
{
	struct nreq **pp;

	for (pp = &n->inflight; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	n->cs[r->ch].inflight--;
}

static size_t
discard_cb(char *data, size_t size, size_t nm, void *arg)
{
	(void)data;
	(void)arg;
	return size * nm;
}

static void
done_cb(struct http_req *req, CURLcode rc)
{
	struct nreq		*r = (struct nreq *)req;
	struct notifier		*n = r->n;
	const struct channel	*ch = &n->cfg->channels[r->ch];
	long			 status = 0;
	int64_t			 delay;
	int			 ok;
	char			 why[CURL_ERROR_SIZE + 32];

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	unlink_req(n, r);
	/* Mail: curl fails the transfer unless the server took it. */
	ok = rc == CURLE_OK && (ch->type == CHAN_EMAIL || (status >= 200 &&
	    status < 300));
	metrics_alert(ok);
	if (ok) {
		n->cs[r->ch].fails = 0;
		if (r->upto > 0 ? store_alerts_sent_upto(n->st, ch->name,
		    r->upto, wall_ms()) == -1 : store_alert_sent(n->st, r->id,
		    wall_ms()) == -1)
			log_warn("alert %lld delivered to %s, but cannot be "
			    "marked sent (it will be sent again): %s",
			    (long long)r->id, ch->name, store_errmsg(n->st));
		if (n->cs[r->ch].failing) {
			log_info("channel %s: delivering again", ch->name);
			n->cs[r->ch].failing = 0;
		}
	} else {
		if (rc != CURLE_OK)
			snprintf(why, sizeof(why), "%s", http_error(&r->req,
			    rc, r->errbuf));
		else
			snprintf(why, sizeof(why), "HTTP %ld", status);
		delay = n->cfg->alert_retry_ms;
		for (int i = 0; i < r->attempts && delay <
		    n->cfg->alert_retry_max_ms; i++)
			delay *= 2;
		if (delay > n->cfg->alert_retry_max_ms)
			delay = n->cfg->alert_retry_max_ms;
		if (r->upto > 0) {
			/* A digest waits as a whole. */
			delay = n->cfg->alert_retry_ms;
			for (int i = 0; i < n->cs[r->ch].fails && delay <
			    n->cfg->alert_retry_max_ms; i++)
				delay *= 2;
			if (delay > n->cfg->alert_retry_max_ms)
				delay = n->cfg->alert_retry_max_ms;
			n->cs[r->ch].fails++;
			n->cs[r->ch].retry_at = wall_ms() + delay;
		} else if (store_alert_retry(n->st, r->id, wall_ms() + delay,
		    why) == -1)
			log_warn("cannot reschedule alert %lld: %s",
			    (long long)r->id, store_errmsg(n->st));
		if (!n->cs[r->ch].failing) {
			log_warn("channel %s: delivery failed (%s); retrying "
			    "with backoff, nothing is lost", ch->name, why);
			n->cs[r->ch].failing = 1;
		}
	}
	nreq_free(r);
	if (!n->stopping) {
		run(n);
		arm(n, wall_ms());
	}
}

/* ---- mail -------------------------------------------------------- */

#define SUBJECT_MAX	160	/* bytes of a subject's text, at most */
#define WORD_BYTES	45	/* of text in one RFC 2047 encoded word */

/*
 * A header value: one line of printable text (no CR/LF: no header
 * injection), at most SUBJECT_MAX bytes of it ("..." if cut); not ASCII,
 * it is RFC 2047 encoded words of at most 75 characters, folded.
 */
static char *
header_value(const char *s)
{
	size_t		 n = utf8_cut(s, SUBJECT_MAX), i, k;
	int		 ascii = 1;
	char		*v = xmalloc(n + 4), *enc = NULL, *tmp;
	unsigned char	 b64[4 * ((WORD_BYTES + 2) / 3) + 1];

	for (i = 0; i < n; i++) {
		v[i] = s[i];
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			v[i] = ' ';
		ascii &= (unsigned char)v[i] < 0x80;
	}
	memcpy(v + n, s[n] ? "..." : "", s[n] ? 4 : 1);
	if (ascii)
		return v;
	n = strlen(v);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_cut(v + i, WORD_BYTES)) == 0)	/* not UTF-8 */
			k = n - i < WORD_BYTES ? n - i : WORD_BYTES;
		EVP_EncodeBlock(b64, (unsigned char *)v + i, (int)k);
		tmp = xasprintf("%s%s=?UTF-8?B?%s?=", enc ? enc : "",
		    enc ? "\r\n " : "", b64);
		free(enc);
		enc = tmp;
	}
	free(v);
	return enc;
}

static size_t
read_cb(char *buf, size_t size, size_t nm, void *arg)
{
	struct nreq	*r = arg;
	size_t		 left = strlen(r->body) - r->off, k = size * nm;

	if (k > left)
		k = left;
	memcpy(buf, r->body + r->off, k);
	r->off += k;
	return k;
}

/*
 * The message: headers, then details in base64 (any byte is safe); a
 * digest is sent as one alert whose details are all of its alerts.
 */
static void
setup_mail_text(struct notifier *n, const struct channel *ch,
    const struct alert_row *a, struct nreq *r, const char *text)
{
	CURL		*e = r->req.easy;
	char		*details = xstrdup(text), *line = text_line(a);
	char		*subject, *b64, *copy, *w, *save = NULL, date[64], *from;
	size_t		 dl = strlen(details), bl, o = 0;
	time_t		 t = (time_t)(wall_ms() / 1000);
	struct tm	 tm;
	struct lines	 body = { NULL, 0 };

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	subject = header_value(line + strlen("rotwatch: "));
	b64 = xmalloc(4 * ((dl + 2) / 3) + 1);
	bl = (size_t)EVP_EncodeBlock((unsigned char *)b64,
	    (unsigned char *)details, (int)dl);
	/* Encoded words start on a line of their own: each line <= 76. */
	r->body = xasprintf("From: rotwatch <%s>\r\nTo: %s\r\n"
	    "Subject: [rotwatch]%s%s\r\nDate: %s\r\n"
	    "Message-ID: <%s@rotwatch>\r\nX-Rotwatch-Alert: %s\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", ch->from, ch->to,
	    strncmp(subject, "=?", 2) == 0 ? "\r\n " : " ", subject, date,
	    a->uid, a->uid);
	body.s = r->body;
	body.len = strlen(r->body);
	for (o = 0; o < bl; o += 76) {
		char chunk[80];

		snprintf(chunk, sizeof(chunk), "%.*s\r\n", (int)(bl - o < 76 ?
		    bl - o : 76), b64 + o);
		body.s = xrealloc(body.s, body.len + strlen(chunk) + 1);
		memcpy(body.s + body.len, chunk, strlen(chunk) + 1);
		body.len += strlen(chunk);
	}
	r->body = body.s;
	free(b64);
	free(subject);
	free(line);
	free(details);
	from = xasprintf("<%s>", ch->from);
	copy = xstrdup(ch->to);
	for (w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t",
	    &save)) {
		char *rc = xasprintf("<%s>", w);

		r->hdrs = curl_slist_append(r->hdrs, rc);
		free(rc);
	}
	free(copy);
	curl_easy_setopt(e, CURLOPT_URL, ch->url);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, r->hdrs);
	free(from);	/* curl copies string options */
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, r);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 60000L);
	if (strncmp(ch->url, "smtp://", 7) == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, ch->starttls ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (ch->user)
		curl_easy_setopt(e, CURLOPT_USERNAME, ch->user);
	if (ch->password)
		curl_easy_setopt(e, CURLOPT_PASSWORD, ch->password);
	if (n->cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, n->cfg->ca_file);
}

static void
setup_mail(struct notifier *n, const struct channel *ch,
    const struct alert_row *a, struct nreq *r)
{
	char *details = notify_details(n->st, a);

	setup_mail_text(n, ch, a, r, details);
	free(details);
}

/*
 * libcurl waits for the answer to the end of DATA blocking, even inside a
 * multi (curl issue 8555): a slow or silent mail server would stop every
 * check, archive request and signal for up to the transfer's timeout.  So
 * a mail goes out on a thread of libuv's pool, through the same address
 * policy; the loop only learns the result.
 */
static int
mail_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct nreq *r = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load(&r->abort);
}

static void
mail_work(uv_work_t *w)
{
	struct nreq *r = w->data;

	r->rc = http_perform(&r->req);
}

static void
mail_after(uv_work_t *w, int status)
{
	struct nreq	*r = w->data;
	struct notifier	*n = r->n;

	n->threads--;
	if (r->cut) {
		/* Dropped at stop: its alert stays as stored. */
		nreq_free(r);
		if (n->closed && n->threads == 0) {
			free(n->cs);
			free(n);
		}
		return;
	}
	done_cb(&r->req, status == UV_ECANCELED ? CURLE_ABORTED_BY_CALLBACK :
	    r->rc);
}

static int
mail_start(struct notifier *n, struct nreq *r)
{
	http_prepare_thread(n->http, &r->req);
	curl_easy_setopt(r->req.easy, CURLOPT_XFERINFOFUNCTION, mail_progress);
	curl_easy_setopt(r->req.easy, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(r->req.easy, CURLOPT_NOPROGRESS, 0L);
	r->threaded = 1;
	r->work.data = r;
	if (uv_queue_work(n->loop, &r->work, mail_work, mail_after) != 0)
		return -1;
	n->threads++;
	return 0;
}

struct digest {
	struct lines	 text;
	int64_t		 upto;
	int		 n;
	struct notifier	*nt;
};

static void
digest_cb(void *arg, const struct alert_row *a)
{
	struct digest	*d = arg;
	char		*line = text_line(a), *det = notify_details(d->nt->st, a);
	char		*part = xasprintf("%s%s\n%s", d->n ? "\n" : "", line +
			    strlen("rotwatch: "), det);
	size_t		 k = strlen(part);

	d->text.s = xrealloc(d->text.s, d->text.len + k + 1);
	memcpy(d->text.s + d->text.len, part, k + 1);
	d->text.len += k;
	if (a->id > d->upto)
		d->upto = a->id;
	d->n++;
	free(part);
	free(det);
	free(line);
}

/* An email channel with a digest period: one mail for all that waits. */
static void
run_digest(struct notifier *n, size_t i, int64_t now)
{
	const struct channel	*ch = &n->cfg->channels[i];
	struct digest		 d;
	struct alert_row	 a;
	struct nreq		*r;
	char			 subj[96];

	if (n->cs[i].inflight > 0 || now < n->cs[i].retry_at ||
	    store_alerts_oldest(n->st, ch->name) > now - ch->digest_ms)
		return;
	memset(&d, 0, sizeof(d));
	d.nt = n;
	if (store_alerts_due(n->st, ch->name, INT64_MAX, 0, 1000, digest_cb,
	    &d) <= 0) {
		free(d.text.s);
		return;
	}
	/* The mail is built like a single alert's, with the digest as its
	 * details. */
	memset(&a, 0, sizeof(a));
	snprintf(subj, sizeof(subj), "digest-%lld-%s", (long long)d.upto,
	    ch->name);
	a.uid = subj;
	a.kind = "digest";
	a.at = now;
	a.similarity = -1;
	r = xcalloc(1, sizeof(*r));
	r->n = n;
	r->ch = i;
	r->upto = d.upto;
	if ((r->req.easy = curl_easy_init()) == NULL) {
		free(d.text.s);
		free(r);
		return;
	}
	r->req.done = done_cb;
	{
		char what[64];

		snprintf(what, sizeof(what), "%d alerts", d.n);
		a.detail = what;
		setup_mail_text(n, ch, &a, r, d.text.s);
	}
	free(d.text.s);
	curl_easy_setopt(r->req.easy, CURLOPT_ERRORBUFFER, r->errbuf);
	if (mail_start(n, r) == -1) {
		nreq_free(r);
		return;
	}
	r->next = n->inflight;
	n->inflight = r;
	n->cs[i].inflight++;
}

struct pick {
	struct notifier	*n;
	size_t		 ch;
	int		 room;
};

static int
in_flight(struct notifier *n, int64_t id)
{
	for (struct nreq *r = n->inflight; r; r = r->next)
		if (r->id == id)
			return 1;
	return 0;
}

static void
start_cb(void *arg, const struct alert_row *a)
{
	struct pick		*p = arg;
	struct notifier		*n = p->n;
	const struct channel	*ch = &n->cfg->channels[p->ch];
	struct nreq		*r;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	char			 sig[2 * EVP_MAX_MD_SIZE + 32], *h;
	CURL			*e;

	if (p->room <= 0 || in_flight(n, a->id))
		return;
	r = xcalloc(1, sizeof(*r));
	r->n = n;
	r->ch = p->ch;
	r->id = a->id;
	r->attempts = a->attempts;
	if ((e = r->req.easy = curl_easy_init()) == NULL) {
		nreq_free(r);
		return;
	}
	r->req.done = done_cb;
	if (ch->type == CHAN_EMAIL) {
		setup_mail(n, ch, a, r);
		goto add;
	}
	if ((r->body = message(n, a)) == NULL) {
		/* Never silently stuck: it waits, and says why. */
		log_error("channel %s: cannot build alert %lld", ch->name,
		    (long long)a->id);
		store_alert_retry(n->st, a->id, wall_ms() +
		    n->cfg->alert_retry_max_ms, "cannot build the message");
		nreq_free(r);
		return;
	}
	HMAC(EVP_sha256(), ch->secret, (int)strlen(ch->secret),
	    (const unsigned char *)r->body, strlen(r->body), md, &mdlen);
	snprintf(sig, sizeof(sig), "X-Rotwatch-Signature: sha256=");
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(sig + strlen(sig), 3, "%02x", md[i]);
	h = xasprintf("X-Rotwatch-Alert: %s", a->uid);
	r->hdrs = curl_slist_append(r->hdrs, "Content-Type: application/json");
	r->hdrs = curl_slist_append(r->hdrs, sig);
	r->hdrs = curl_slist_append(r->hdrs, h);
	free(h);
	curl_easy_setopt(e, CURLOPT_URL, ch->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, n->cfg->user_agent);
	if (n->cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, n->cfg->ca_file);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
add:
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	if ((ch->type == CHAN_EMAIL ? mail_start(n, r) : http_add(n->http,
	    &r->req)) == -1) {
		nreq_free(r);
		return;
	}
	r->next = n->inflight;
	n->inflight = r;
	n->cs[p->ch].inflight++;
	p->room--;
}

/* An Atom channel: rewrite its feeds when it has new alerts. */
static void
run_feed(struct notifier *n, size_t i, int64_t now)
{
	const struct channel	*ch = &n->cfg->channels[i];
	int64_t			 upto;
	int			 ok;
	char			 err[512];

	if (store_alerts_next_at(n->st, ch->name) > now)
		return;
	ok = feed_write(n->st, ch, &upto, err, sizeof(err)) == 0;
	metrics_alert(ok);
	if (!ok) {
		if (!n->cs[i].failing)
			log_warn("channel %s: cannot write the feed (retrying "
			    "every second, nothing is lost): %s", ch->name,
			    err);
		n->cs[i].failing = 1;
		return;
	}
	if (n->cs[i].failing)
		log_info("channel %s: feed written again", ch->name);
	n->cs[i].failing = 0;
	if (upto > 0 && store_alerts_sent_upto(n->st, ch->name, upto, now) ==
	    -1)
		log_warn("channel %s: feed written, alerts not marked (they "
		    "are written again): %s", ch->name, store_errmsg(n->st));
}

static void
run(struct notifier *n)
{
	int64_t now = wall_ms();

	if (n->next_cfg) {
		/* Deliveries in flight finish with the channels they began
		 * with; then the new ones take over. */
		if (n->inflight)
			return;
		n->cfg = n->next_cfg;
		n->next_cfg = NULL;
		free(n->cs);
		n->cs = xcalloc(n->cfg->nchannels ? n->cfg->nchannels : 1,
		    sizeof(*n->cs));
		log_info("alerts: %zu channel(s) now", n->cfg->nchannels);
	}
	for (size_t i = 0; i < n->cfg->nchannels && !n->stopping; i++) {
		struct pick p = { n, i, PER_CHANNEL - n->cs[i].inflight };

		if (n->cfg->channels[i].type == CHAN_ATOM) {
			run_feed(n, i, now);
			continue;
		}
		if (n->cfg->channels[i].type == CHAN_EMAIL &&
		    n->cfg->channels[i].digest_ms > 0) {
			run_digest(n, i, now);
			continue;
		}
		if (p.room <= 0)
			continue;
		if (store_alerts_due(n->st, n->cfg->channels[i].name, now, 0,
		    PER_CHANNEL * 2, start_cb, &p) < 0)
			log_warn("cannot read due alerts: %s",
			    store_errmsg(n->st));
	}
}

static void	tick_cb(uv_timer_t *);

/* Wakes up when the next retry falls due, not at the next tick only. */
static void
arm(struct notifier *n, int64_t now)
{
	int64_t next = INT64_MAX, at;

	for (size_t i = 0; i < n->cfg->nchannels; i++)
		if (n->cfg->channels[i].type != CHAN_ATOM &&
		    n->cfg->channels[i].digest_ms == 0 &&
		    (at = store_alerts_next_at(n->st,
		    n->cfg->channels[i].name)) < next)
			next = at;
	if (next != INT64_MAX && next - now < TICK_MS)
		uv_timer_start(&n->timer, tick_cb, next > now ? (uint64_t)(next -
		    now) + 1 : 1, TICK_MS);
}

static void
tick_cb(uv_timer_t *t)
{
	run(t->data);
	arm(t->data, wall_ms());
}

struct notifier *
notifier_new(uv_loop_t *loop, struct http *h, struct store *st,
    const struct config *cfg)
{
	struct notifier *n = xcalloc(1, sizeof(*n));

	n->loop = loop;
	n->http = h;
	n->st = st;
	n->cfg = cfg;
	n->cs = xcalloc(cfg->nchannels ? cfg->nchannels : 1, sizeof(*n->cs));
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	uv_timer_start(&n->timer, tick_cb, 0, TICK_MS);
	log_info("alerts: %lld pending for %zu channel(s)",
	    (long long)store_alerts_count(st, "pending"), cfg->nchannels);
	return n;
}

void
notifier_kick(struct notifier *n)
{
	if (!n->stopping)
		uv_timer_start(&n->timer, tick_cb, 0, TICK_MS);
}

void
notifier_reload(struct notifier *n, const struct config *cfg)
{
	n->next_cfg = cfg;
	notifier_kick(n);
}

void
notifier_stop(struct notifier *n)
{
	struct nreq *r;

	n->stopping = 1;
	uv_timer_stop(&n->timer);
	while ((r = n->inflight) != NULL) {
		unlink_req(n, r);
		if (r->threaded) {
			/* Freed when its thread returns (within a second). */
			r->cut = 1;
			atomic_store(&r->abort, 1);
			http_interrupt(&r->req);
			uv_cancel((uv_req_t *)&r->work);
			continue;
		}
		http_cancel(n->http, &r->req);
		nreq_free(r);
	}
}

static void
closed_cb(uv_handle_t *h)
{
	struct notifier *n = h->data;

	if (n->threads > 0) {
		n->closed = 1;		/* the last mail_after() frees it */
		return;
	}
	free(n->cs);
	free(n);
}

void
notifier_free(struct notifier *n)
{
	if (!n->stopping)
		notifier_stop(n);
	uv_close((uv_handle_t *)&n->timer, closed_cb);
}
