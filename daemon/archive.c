/*
 * archive.c: the Save Page Now 2 client and its job runner.
 *
 * A job moves through these steps, each one an HTTP request on the shared
 * curl multi:
 *
 *   queued --lookup--> (a recent capture in CDX: done)
 *   queued --submit--> submitted --poll...--> done | failed | queued again
 *   submitting (outcome unknown: 5xx, 520, timeout, garbage, a stop in the
 *   middle) --verify in CDX--> done | queued again
 *
 * Requests to the archive carry the keys and never follow redirects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "check.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "spnread.h"
#include "utf8.h"
#include "xmalloc.h"

#define BODY_MAX	(256 * 1024)	/* an API answer, at most */
#define LEASE_MS	70000		/* a step in flight holds its job */
#define USER_EVERY_MS	60000		/* read /save/status/user this often */
#define PAUSE_MS	600000		/* refused keys: try again after */
#define POLL_MAX_MS	60000
#define BACKOFF_MAX_MS	3600000
#define OUTAGE_STREAK	3		/* failures in a row that mean down */

enum step { ST_LOOKUP, ST_SUBMIT, ST_POLL, ST_VERIFY, ST_USER, ST_PROBE };

struct areq {
	struct http_req		 req;		/* first */
	struct archiver		*a;
	enum step		 step;
	struct archive_job	 job;
	char			*body;
	size_t			 len;
	int			 overflow;
	struct curl_slist	*hdrs;
	char			*post;
	char			 errbuf[CURL_ERROR_SIZE];
	struct areq		*next;
};

struct archiver {
	uv_loop_t		*loop;
	struct http		*http;
	struct store		*st;
	const struct config	*cfg;
	char			*keys;
	char			*auth;		/* "Authorization: LOW keys" */
	uv_timer_t		 timer;
	struct areq		*inflight;
	int			 ncdx, nuser;	/* requests in flight */
	int64_t			 next_submit;	/* pacing (monotonic ms) */
	int64_t			 next_cdx;
	int64_t			 backoff_until, backoff_ms;
	int64_t			 paused_until;	/* refused keys */
	int			 paused;
	int64_t			 quota_until;	/* wall ms */
	int64_t			 user_checked;	/* monotonic ms; 0: never */
	int64_t			 user_wait;	/* available == 0 */
	int			 fail_streak;	/* requests failed in a row */
	int			 outage;	/* the archive seems down */
	int			 stopping;
	int			 running;	/* inside run() */
};

static void	run(struct archiver *);

static const struct {
	const char	*code;
	enum spn_class	 cls;
} spn_codes[] = {
	{ "error:too-many-daily-captures", SPN_TODAY },
	{ "error:max-daily-bandwidth", SPN_QUOTA },
	{ "error:max-daily-bandwidth-from-ip", SPN_QUOTA },
	{ "error:max-daily-bandwidth-host", SPN_QUOTA },
	{ "error:user-session-limit", SPN_THROTTLE },
	{ "error:blocked-url", SPN_PERMANENT },
	{ "error:filesize-limit", SPN_PERMANENT },
	{ "error:invalid-url-syntax", SPN_PERMANENT },
	{ "error:bad-request", SPN_PERMANENT },
	{ "error:not-found", SPN_PERMANENT },
	{ "error:no-access", SPN_PERMANENT },
	{ "error:unauthorized", SPN_PERMANENT },
	{ "error:method-not-allowed", SPN_PERMANENT },
	{ "error:not-implemented", SPN_PERMANENT },
	{ "error:http-version-not-supported", SPN_PERMANENT },
	{ "error:network-authentication-required", SPN_PERMANENT },
	{ "error:blocked", SPN_PERMANENT },
	{ "error:blocked-client-ip", SPN_PERMANENT },
	{ "error:invalid-host-resolution", SPN_PERMANENT },
	{ "error:too-many-redirects", SPN_PERMANENT },
	{ "error:ftp-access-denied", SPN_PERMANENT },
};

enum spn_class
spn_classify(const char *code)
{
	for (size_t i = 0; i < sizeof(spn_codes) / sizeof(spn_codes[0]); i++)
		if (code && strcmp(code, spn_codes[i].code) == 0)
			return spn_codes[i].cls;
	/* The documented transient codes, and any code not known yet. */
	return SPN_RETRY;
}

/* Monotonic ms, read now (the loop's cached time can lag). */
static int64_t
mono(struct archiver *a)
{
	return (int64_t)(uv_hrtime() / 1000000);
}

/* The next 00:00 UTC after now (wall ms). */
static int64_t
next_midnight(int64_t now)
{
	return (now / 86400000 + 1) * 86400000;
}

static size_t
body_cb(char *data, size_t size, size_t n, void *arg)
{
	struct areq	*r = arg;
	size_t		 len = size * n;

	if (r->len + len > BODY_MAX) {
		r->overflow = 1;
		return 0;
	}
	r->body = xrealloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

static void
areq_free(struct areq *r)
{
	if (r->req.easy)
		curl_easy_cleanup(r->req.easy);
	curl_slist_free_all(r->hdrs);
	free(r->post);
	free(r->body);
	store_archive_job_clear(&r->job);
	free(r);
}

static void
unlink_req(struct archiver *a, struct areq *r)
{
	struct areq **pp;

	for (pp = &a->inflight; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->step == ST_LOOKUP || r->step == ST_VERIFY)
		a->ncdx--;
	if (r->step == ST_USER || r->step == ST_PROBE)
		a->nuser--;
}

static int
held(struct archiver *a, int64_t job)
{
	for (struct areq *r = a->inflight; r; r = r->next)
		if (r->job.id == job)
			return 1;
	return 0;
}

static void	done_cb(struct http_req *, CURLcode);

/* Starts a request; url and post are copied. */
static struct areq *
start(struct archiver *a, enum step step, const struct archive_job *j,
    const char *url, const char *post)
{
	struct areq	*r = xcalloc(1, sizeof(*r));
	CURL		*e;

	r->a = a;
	r->step = step;
	if (j) {
		r->job = *j;
		r->job.url = xstrdup(j->url);
		r->job.sha256 = j->sha256 ? xstrdup(j->sha256) : NULL;
		r->job.job_id = j->job_id ? xstrdup(j->job_id) : NULL;
	}
	if ((e = r->req.easy = curl_easy_init()) == NULL) {
		areq_free(r);
		return NULL;
	}
	r->req.done = done_cb;
	r->hdrs = curl_slist_append(r->hdrs, a->auth);
	r->hdrs = curl_slist_append(r->hdrs, "Accept: application/json");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* The keys go to the endpoint and nowhere else. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, a->cfg->user_agent);
	if (a->cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, a->cfg->ca_file);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	if (post) {
		r->post = xstrdup(post);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
	}
	if (http_add(a->http, &r->req) == -1) {
		areq_free(r);
		return NULL;
	}
	r->next = a->inflight;
	a->inflight = r;
	if (step == ST_LOOKUP || step == ST_VERIFY)
		a->ncdx++;
	if (step == ST_USER || step == ST_PROBE)
		a->nuser++;
	return r;
}

/* Writes a job's new state; on failure the job waits for its lease. */
static void
save(struct archiver *a, struct archive_job *j, const char *state,
    int64_t next_at, const char *status_ext, const char *error)
{
	if (state != j->state)
		snprintf(j->state, sizeof(j->state), "%s", state);
	j->next_at = next_at;
	j->leased = 0;
	if (store_archive_update(a->st, j, status_ext, error) == -1)
		log_error("archive: cannot store job %lld of %s: %s",
		    (long long)j->id, j->url, store_errmsg(a->st));
}

static int64_t
retry_delay(const struct archiver *a, int attempts)
{
	int64_t d = a->cfg->archive_backoff_429_ms;

	for (int i = 1; i < attempts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

static void
record(struct archiver *a, struct archive_job *j, const char *ts,
    const char *original, const char *origin)
{
	char *memento = xasprintf("%s/web/%s/%s", a->cfg->archive_endpoint,
	    ts, original);

	if (store_archive_done(a->st, j, memento, ts, original, origin,
	    wall_ms()) == -1)
		log_error("archive: cannot store the snapshot of %s: %s",
		    j->url, store_errmsg(a->st));
	else {
		metrics_archive(MX_DONE);
		log_info("archived %s: %s (%s)", j->url, memento,
		    strcmp(origin, "spn") == 0 ? "new capture" :
		    "capture found in the index");
	}
	free(memento);
}

/*
 * The archive will not get this one: the job fails for good, with an
 * archive_failed event of its source and that event's alerts, in one
 * transaction (the job alone if that cannot be had).
 */
static void
give_up(struct archiver *a, struct archive_job *j, const char *status_ext,
    const char *msg)
{
	int64_t		now = wall_ms();
	struct event	e = { .source_id = j->source_id, .at = now,
			    .type = "archive_failed", .detail = msg,
			    .similarity = -1 };
	int64_t		id;

	log_warn("archive: %s: %s", j->url, msg);
	metrics_archive(MX_FAILED);
	if (store_begin(a->st) == -1) {
		save(a, j, "failed", now, status_ext, msg);
		return;
	}
	save(a, j, "failed", now, status_ext, msg);
	if (store_put_event(a->st, &e, &id) == -1 ||
	    notify_event(a->cfg, a->st, id, &e, now) == -1) {
		log_error("archive: cannot store the failure of %s: %s",
		    j->url, store_errmsg(a->st));
		store_rollback(a->st);
		save(a, j, "failed", now, status_ext, msg);
		return;
	}
	if (store_commit(a->st) == -1)
		log_error("archive: cannot store the failure of %s: %s",
		    j->url, store_errmsg(a->st));
}

/* A submission that will not be retried, or one more try. */
static void
retry_or_fail(struct archiver *a, struct archive_job *j, const char *state,
    const char *status_ext, const char *why)
{
	int64_t now = wall_ms();

	if (j->attempts >= a->cfg->archive_max_attempts) {
		char *msg = xasprintf("gave up after %d attempts: %s",
		    j->attempts, why);

		give_up(a, j, status_ext, msg);
		free(msg);
		return;
	}
	save(a, j, state, now + retry_delay(a, j->attempts), status_ext, why);
}

static void
keys_refused(struct archiver *a, long status)
{
	if (!a->paused)
		log_error("archive: the archive refused our keys (HTTP %ld); "
		    "archiving paused, checks go on; fix [archive] keys_file "
		    "and reload", status);
	a->paused = 1;
	a->paused_until = mono(a) + PAUSE_MS;
}

static void
too_many(struct archiver *a)
{
	a->backoff_until = mono(a) + a->backoff_ms;
	log_warn("archive: HTTP 429 from the archive; waiting %lld s",
	    (long long)(a->backoff_ms / 1000));
	a->backoff_ms = a->backoff_ms * 2 < BACKOFF_MAX_MS ? a->backoff_ms * 2 :
	    BACKOFF_MAX_MS;
}

static void
lookup_done(struct archiver *a, struct areq *r, long status, CURLcode rc)
{
	struct archive_job	*j = &r->job;
	char			 ts[32], *orig = NULL;
	int			 found = -1;
	int64_t			 now = wall_ms();

	if (rc == CURLE_OK && status == 200)
		found = spn_read_cdx(r->body, ts, sizeof(ts), &orig);
	if (rc == CURLE_OK && (status == 401 || status == 403))
		keys_refused(a, status);
	else if (rc == CURLE_OK && status == 429)
		too_many(a);
	if (found == 1) {
		record(a, j, ts, orig, "cdx");
		free(orig);
		return;
	}
	if (found == -1) {
		/* The index did not answer: ask again later. */
		save(a, j, j->state, now + retry_delay(a, 1), NULL, NULL);
		return;
	}
	if (r->step == ST_LOOKUP && strcmp(j->status_ext,
	    "error:too-many-daily-captures") == 0) {
		/* Captured too often today, yet not indexed: tomorrow. */
		j->lookup_from = 0;
		save(a, j, "queued", next_midnight(now), NULL, NULL);
		return;
	}
	j->lookup_from = 0;
	if (r->step == ST_VERIFY)
		j->verified = 1;
	if (r->step == ST_VERIFY && j->submitted_at > 0 &&
	    now - j->submitted_at < a->cfg->archive_pending_timeout_ms) {
		/* The capture may still be running: look again, as a poll
		 * would, until it has had as long as a pending one. */
		int64_t next = a->cfg->archive_poll_ms +
		    (now - j->submitted_at) / 2;
		int64_t end = j->submitted_at +
		    a->cfg->archive_pending_timeout_ms;

		save(a, j, "submitting", now + next < end ? now + next : end,
		    NULL, NULL);
	} else if (r->step == ST_VERIFY &&
	    j->attempts >= a->cfg->archive_max_attempts)
		retry_or_fail(a, j, "queued", NULL, "no capture after the "
		    "last submission");
	else
		save(a, j, "queued", now, NULL, NULL);
}

/* A status_ext from a submit or a poll. */
static void
spn_error(struct archiver *a, struct archive_job *j, const char *ext,
    const char *message)
{
	int64_t	 now = wall_ms();
	char	*why = xasprintf("%s%s%.*s", ext ? ext : "error",
		    message ? ": " : "", message ? (int)utf8_cut(message, 200) :
		    0, message ? message : "");

	switch (spn_classify(ext)) {
	case SPN_PERMANENT: {
		char *msg = xasprintf("the archive cannot capture it: %s", why);

		give_up(a, j, ext, msg);
		free(msg);
		break;
	}
	case SPN_TODAY:
		/* Captured often enough today: find that capture. */
		j->lookup_from = now / 86400000 * 86400000;
		snprintf(j->status_ext, sizeof(j->status_ext), "%s", ext);
		save(a, j, "queued", now, ext, why);
		break;
	case SPN_QUOTA:
		a->quota_until = next_midnight(now);
		log_warn("archive: daily allowance used up (%s); submissions "
		    "resume at 00:00 UTC", ext);
		j->attempts--;
		save(a, j, "queued", a->quota_until, ext, why);
		break;
	case SPN_THROTTLE:
		a->user_wait = mono(a) + a->cfg->archive_backoff_429_ms;
		j->attempts--;
		save(a, j, "queued", now + a->cfg->archive_backoff_429_ms, ext,
		    why);
		break;
	case SPN_RETRY:
		/* Captures reported failed sometimes succeeded: the index
		 * is asked before the next submission. */
		retry_or_fail(a, j, "submitting", ext, why);
		break;
	}
	free(why);
}

static void
submit_done(struct archiver *a, struct areq *r, long status, CURLcode rc)
{
	struct archive_job	*j = &r->job;
	struct spn_reply	 sr;
	char			*why;
	int64_t			 now = wall_ms();

	if (rc == CURLE_OK && (status == 401 || status == 403)) {
		keys_refused(a, status);
		j->attempts--;
		save(a, j, "queued", now + PAUSE_MS, NULL, "archive refused "
		    "the keys");
		return;
	}
	if (rc == CURLE_OK && status == 429) {
		too_many(a);
		j->attempts--;
		save(a, j, "queued", now + a->backoff_ms / 2, NULL, "HTTP 429");
		return;
	}
	spn_read_submit(rc == CURLE_OK && status == 200 ? r->body : NULL,
	    &sr);
	if (sr.kind == SPN_R_JOB) {
		free(j->job_id);
		j->job_id = sr.job_id;
		sr.job_id = NULL;
		save(a, j, "submitted", now + a->cfg->archive_poll_ms, NULL,
		    NULL);
		a->backoff_ms = a->cfg->archive_backoff_429_ms;
		spn_reply_clear(&sr);
		return;
	}
	if (sr.kind == SPN_R_ERROR) {
		spn_error(a, j, sr.status_ext, sr.message);
		spn_reply_clear(&sr);
		return;
	}
	/* 5xx, 520, 3xx, a timeout, HTML, truncated JSON, no job id: the
	 * capture may have happened; the index is asked first. */
	if (rc != CURLE_OK)
		why = xasprintf("no answer from the archive: %s",
		    http_error(&r->req, rc, r->errbuf));
	else if (status != 200)
		why = xasprintf("the archive answered HTTP %ld", status);
	else
		why = xstrdup(sr.json ? "the archive's answer has no job id" :
		    "the archive's answer is not JSON");
	spn_reply_clear(&sr);
	j->lookup_from = 0;
	if (a->outage) {
		/* The archive is down, not this URL: the try does not
		 * count, and the index is asked once it is back. */
		j->attempts--;
		save(a, j, "submitting", now + a->backoff_ms, NULL, why);
	} else
		retry_or_fail(a, j, "submitting", NULL, why);
	free(why);
}

static void
poll_done(struct archiver *a, struct areq *r, long status, CURLcode rc)
{
	struct archive_job	*j = &r->job;
	struct spn_reply	 sr;
	int64_t			 now = wall_ms(), next;

	if (rc == CURLE_OK && (status == 401 || status == 403))
		keys_refused(a, status);
	else if (rc == CURLE_OK && status == 429)
		too_many(a);
	spn_read_status(rc == CURLE_OK && status == 200 ? r->body : NULL,
	    &sr);
	if (sr.kind == SPN_R_SUCCESS) {
		record(a, j, sr.timestamp, sr.original_url ? sr.original_url :
		    j->url, "spn");
		spn_reply_clear(&sr);
		return;
	}
	if (sr.kind == SPN_R_ERROR) {
		spn_error(a, j, sr.status_ext, sr.message);
		spn_reply_clear(&sr);
		return;
	}
	spn_reply_clear(&sr);
	/* Pending, or no usable answer. */
	if (now - j->submitted_at > a->cfg->archive_pending_timeout_ms) {
		/* Status results expire and then read "pending" forever:
		 * the index settles it. */
		log_info("archive: %s still pending after %lld s; asking the "
		    "index", j->url, (long long)((now - j->submitted_at) /
		    1000));
		save(a, j, "submitting", now, NULL, "pending too long");
		return;
	}
	/* Each wait half as long again as the last: after waits of p,
	 * 1.5p, ... the next one is p + age / 2, which needs no counter
	 * and holds across restarts. */
	next = a->cfg->archive_poll_ms + (now - j->submitted_at) / 2;
	save(a, j, "submitted", now + (next < POLL_MAX_MS ? next :
	    POLL_MAX_MS), NULL, NULL);
}

static void
user_done(struct archiver *a, struct areq *r, long status, CURLcode rc)
{
	struct spn_user	 u;

	a->user_checked = mono(a);
	if (rc == CURLE_OK && (status == 401 || status == 403)) {
		keys_refused(a, status);
		return;
	}
	if (rc == CURLE_OK && status == 429) {
		too_many(a);
		return;
	}
	if (a->paused && rc == CURLE_OK && status == 200) {
		log_info("archive: the archive accepts our keys again; "
		    "archiving resumes");
		a->paused = 0;
	}
	if (rc != CURLE_OK || status != 200 || spn_read_user(r->body, &u) ==
	    -1)
		return;		/* not offered: no limit known */
	/* No free slot: ask again in 10 s, and submit only once one is. */
	if (u.has_available && u.available <= 0) {
		a->user_wait = mono(a) + 10000;
		a->user_checked = 0;
	}
	if (u.limit > 0 && u.daily >= u.limit) {
		a->quota_until = next_midnight(wall_ms());
		log_warn("archive: daily allowance used up (%lld of %lld); "
		    "submissions resume at 00:00 UTC", u.daily, u.limit);
	}
}

/*
 * Tells an outage of the archive (no answer or 5xx, several times in a
 * row, whatever the URL) from one URL's trouble.  While it lasts, nothing
 * is sent but the next step after a growing wait, which serves as a probe.
 */
static void
health(struct archiver *a, CURLcode rc, long status, const char *err)
{
	if (rc == CURLE_OK && status < 500) {
		if (a->outage)
			log_info("archive: the archive answers again; archiving "
			    "resumes");
		a->outage = 0;
		a->fail_streak = 0;
		if (status != 429)
			a->backoff_ms = a->cfg->archive_backoff_429_ms;
		return;
	}
	if (++a->fail_streak < OUTAGE_STREAK)
		return;
	if (!a->outage)
		log_warn("archive: the archive is not answering (%s); "
		    "archiving waits and tries again", rc != CURLE_OK ?
		    err : "HTTP 5xx");
	a->outage = 1;
	a->backoff_until = mono(a) + a->backoff_ms;
	a->backoff_ms = a->backoff_ms * 2 < BACKOFF_MAX_MS ? a->backoff_ms * 2 :
	    BACKOFF_MAX_MS;
}

static void
done_cb(struct http_req *req, CURLcode rc)
{
	struct areq	*r = (struct areq *)req;
	struct archiver	*a = r->a;
	long		 status = 0;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	unlink_req(a, r);
	health(a, rc, status, http_error(&r->req, rc, r->errbuf));
	switch (r->step) {
	case ST_LOOKUP:
	case ST_VERIFY:
		lookup_done(a, r, status, rc);
		break;
	case ST_SUBMIT:
		submit_done(a, r, status, rc);
		break;
	case ST_POLL:
		poll_done(a, r, status, rc);
		break;
	case ST_USER:
		user_done(a, r, status, rc);
		break;
	case ST_PROBE:
		break;		/* health() has read the answer */
	}
	areq_free(r);
	run(a);
}

/* ---- starting steps ----------------------------------------------- */

static char *
cdx_url(struct archiver *a, const char *url, int64_t from)
{
	char	 ts[15];
	char	*enc = curl_easy_escape(NULL, url, 0), *u;

	ts14(from, ts);
	u = xasprintf("%s/cdx/search/cdx?url=%s&output=json&"
	    "fl=timestamp,original,statuscode&filter=statuscode:%%5B23%%5D.."
	    "&from=%s&limit=-1", a->cfg->archive_endpoint, enc, ts);
	curl_free(enc);
	return u;
}

/* Takes the job for a step: its lease keeps others from taking it. */
static int
lease(struct archiver *a, struct archive_job *j, const char *state)
{
	if (state != j->state)
		snprintf(j->state, sizeof(j->state), "%s", state);
	j->next_at = wall_ms() + LEASE_MS;
	j->leased = 1;
	if (store_archive_update(a->st, j, NULL, NULL) == -1) {
		log_error("archive: cannot store job %lld: %s",
		    (long long)j->id, store_errmsg(a->st));
		return -1;
	}
	return 0;
}

static void
start_cdx(struct archiver *a, struct archive_job *j, enum step step)
{
	/* A verify looks from a little before the submission. */
	int64_t	 from = step == ST_VERIFY ? (j->submitted_at ?
		    j->submitted_at : j->queued_at) - 120000 : j->lookup_from;
	char	*u = cdx_url(a, j->url, from);

	if (lease(a, j, j->state) == 0 && start(a, step, j, u, NULL) == NULL)
		log_error("archive: cannot start a request");
	free(u);
	a->next_cdx = mono(a) + 60000 / (a->cfg->archive_per_minute * 6);
}

static void
start_submit(struct archiver *a, struct archive_job *j)
{
	char	*enc = curl_easy_escape(NULL, j->url, 0), *post, *u;
	char	*wi = NULL;

	if (a->cfg->archive_if_not_archived_within &&
	    *a->cfg->archive_if_not_archived_within) {
		char *e = curl_easy_escape(NULL,
		    a->cfg->archive_if_not_archived_within, 0);

		wi = xasprintf("&if_not_archived_within=%s", e);
		curl_free(e);
	}
	post = xasprintf("url=%s%s%s%s", enc, a->cfg->archive_capture_all ?
	    "&capture_all=1" : "", a->cfg->archive_skip_first ?
	    "&skip_first_archive=1" : "", wi ? wi : "");
	curl_free(enc);
	free(wi);
	j->attempts++;
	j->submitted_at = wall_ms();
	j->verified = 0;
	u = xasprintf("%s/save", a->cfg->archive_endpoint);
	/* Written before it is sent: after a crash here, the index is
	 * asked before submitting again. */
	if (lease(a, j, "submitting") == 0 &&
	    start(a, ST_SUBMIT, j, u, post) == NULL)
		log_error("archive: cannot start a request");
	free(u);
	free(post);
	a->next_submit = mono(a) + 60000 / a->cfg->archive_per_minute;
}

static void
start_poll(struct archiver *a, struct archive_job *j)
{
	char *u = xasprintf("%s/save/status/%s", a->cfg->archive_endpoint,
	    j->job_id ? j->job_id : "");

	if (lease(a, j, "submitted") == 0 && start(a, ST_POLL, j, u, NULL) ==
	    NULL)
		log_error("archive: cannot start a request");
	free(u);
}

struct pick {
	struct archiver		*a;
	struct archive_job	*job;	/* copy of the first usable row */
};

static void
pick_cb(void *arg, struct archive_job *j)
{
	struct pick *p = arg;

	if (p->job || held(p->a, j->id))
		return;
	p->job = xcalloc(1, sizeof(*p->job));
	*p->job = *j;
	/* Take the strings; the store clears the borrowed row. */
	j->url = j->sha256 = j->job_id = NULL;
}

/* Returns the first due job in state that is not in flight, or NULL. */
static struct archive_job *
pick(struct archiver *a, const char *state)
{
	struct pick p = { a, NULL };

	if (store_archive_due(a->st, state, wall_ms(), 8, pick_cb, &p) < 0)
		log_error("archive: cannot read jobs: %s", store_errmsg(a->st));
	return p.job;
}

static void
drop(struct archive_job *j)
{
	store_archive_job_clear(j);
	free(j);
}

/* Captures the archive may be working on (a submission on its way is a
 * job sent a moment ago). */
static int
captures_in_flight(struct archiver *a)
{
	return (int)store_archive_in_flight(a->st);
}

static void
timer_cb(uv_timer_t *t)
{
	run(t->data);
}

/* Takes every step the limits allow now, then sleeps until the next. */
static void
run(struct archiver *a)
{
	struct archive_job	*j;
	int64_t			 m, w, wake, next;
	int			 conc = (int)a->cfg->archive_concurrency;

	if (a->stopping || a->running)
		return;
	a->running = 1;
	m = mono(a);
	if (a->outage) {
		/* Only a light probe goes out until the archive answers;
		 * the queue keeps its order. */
		if (m >= a->backoff_until && a->nuser == 0) {
			char *u = xasprintf("%s/save/status/system",
			    a->cfg->archive_endpoint);

			start(a, ST_PROBE, NULL, u, NULL);
			free(u);
		}
	} else if (a->paused && m >= a->paused_until && a->nuser == 0) {
		char *u = xasprintf("%s/save/status/user",
		    a->cfg->archive_endpoint);

		start(a, ST_USER, NULL, u, NULL);
		free(u);
	}
	if (!a->paused && !a->outage && m >= a->backoff_until) {
		/* Polls first: they settle captures in flight. */
		while ((j = pick(a, "submitted")) != NULL) {
			start_poll(a, j);
			drop(j);
		}
		/* Unknown outcomes and lookups ask the index. */
		while (a->ncdx < conc && mono(a) >= a->next_cdx &&
		    (j = pick(a, "submitting")) != NULL) {
			start_cdx(a, j, ST_VERIFY);
			drop(j);
		}
		/* Queued jobs, in order. */
		while ((j = pick(a, "queued")) != NULL) {
			int go = 0;

			if (j->lookup_from > 0) {
				if (a->ncdx < conc && mono(a) >= a->next_cdx) {
					start_cdx(a, j, ST_LOOKUP);
					go = 1;
				}
			} else if (wall_ms() >= a->quota_until &&
			    mono(a) >= a->user_wait &&
			    mono(a) >= a->next_submit &&
			    captures_in_flight(a) < conc) {
				/* The allowance is read, and its answer
				 * awaited, before submitting. */
				if (a->nuser > 0) {
					/* its answer runs us again */
				} else if (a->user_checked == 0 ||
				    mono(a) - a->user_checked >= USER_EVERY_MS) {
					char *u = xasprintf(
					    "%s/save/status/user",
					    a->cfg->archive_endpoint);

					start(a, ST_USER, NULL, u, NULL);
					free(u);
				} else {
					start_submit(a, j);
					go = 1;
				}
			}
			drop(j);
			if (!go)
				break;
		}
	}

	/* Sleep until something can move. */
	m = mono(a);
	w = wall_ms();
	wake = 60000;
	next = store_archive_next_at(a->st, "submitted");
	if (next != INT64_MAX && next - w < wake)
		wake = next - w;
	next = store_archive_next_at(a->st, "submitting");
	if (next != INT64_MAX) {
		next -= w;
		if (a->next_cdx - m > next)
			next = a->next_cdx - m;
		if (next < wake)
			wake = next;
	}
	next = store_archive_next_at(a->st, "queued");
	if (next != INT64_MAX) {
		int64_t gate = next - w;

		if (a->next_submit - m > gate)
			gate = a->next_submit - m;
		if (a->next_cdx - m > gate)
			gate = a->next_cdx - m;
		if (a->user_wait - m > gate)
			gate = a->user_wait - m;
		if (a->quota_until - w > gate)
			gate = a->quota_until - w;
		if (gate < wake)
			wake = gate;
	}
	if (a->backoff_until - m > wake)
		wake = a->backoff_until - m;
	if (a->paused)
		wake = a->paused_until - m;
	if (wake < 10)
		wake = 10;
	uv_timer_start(&a->timer, timer_cb, (uint64_t)wake, 0);
	a->running = 0;
}

struct archiver *
archiver_new(uv_loop_t *loop, struct http *h, struct store *st,
    const struct config *cfg, char *keys)
{
	struct archiver *a = xcalloc(1, sizeof(*a));

	a->loop = loop;
	a->http = h;
	a->st = st;
	a->cfg = cfg;
	a->keys = keys;
	a->auth = xasprintf("Authorization: LOW %s", keys);
	a->backoff_ms = cfg->archive_backoff_429_ms;
	uv_timer_init(loop, &a->timer);
	a->timer.data = a;
	/* Nothing is in flight yet: what a previous run held is due. */
	if (store_archive_release(st, wall_ms()) == -1)
		log_error("archive: %s", store_errmsg(st));
	log_info("archive: %lld jobs open; endpoint %s, %lld captures at "
	    "once, %lld a minute", (long long)store_archive_count(st, NULL),
	    cfg->archive_endpoint, (long long)cfg->archive_concurrency,
	    (long long)cfg->archive_per_minute);
	uv_timer_start(&a->timer, timer_cb, 0, 0);
	return a;
}

void
archiver_reload(struct archiver *a, const struct config *cfg, char *keys)
{
	a->cfg = cfg;
	if (keys && strcmp(keys, a->keys) != 0) {
		explicit_bzero(a->auth, strlen(a->auth));
		free(a->auth);
		explicit_bzero(a->keys, strlen(a->keys));
		free(a->keys);
		a->keys = keys;
		a->auth = xasprintf("Authorization: LOW %s", keys);
		if (a->paused) {
			/* Refused keys were replaced: try the new ones. */
			a->paused = 0;
			a->paused_until = 0;
			log_info("archive: new keys; archiving again");
		}
	} else if (keys) {
		explicit_bzero(keys, strlen(keys));
		free(keys);
	}
	archiver_kick(a);
}

void
archiver_kick(struct archiver *a)
{
	if (!a->stopping)
		uv_timer_start(&a->timer, timer_cb, 0, 0);
}

int
archiver_active(const struct archiver *a)
{
	int n = 0;

	for (struct areq *r = a->inflight; r; r = r->next)
		n++;
	return n;
}

void
archiver_stop(struct archiver *a)
{
	struct areq *r;

	a->stopping = 1;
	uv_timer_stop(&a->timer);
	/* Their jobs keep their stored state and lease: a submission cut
	 * short is verified in the index before it is sent again. */
	while ((r = a->inflight) != NULL) {
		http_cancel(a->http, &r->req);
		unlink_req(a, r);
		areq_free(r);
	}
}

static void
archiver_closed(uv_handle_t *handle)
{
	struct archiver *a = handle->data;

	explicit_bzero(a->auth, strlen(a->auth));
	free(a->auth);
	explicit_bzero(a->keys, strlen(a->keys));
	free(a->keys);
	free(a);
}

void
archiver_free(struct archiver *a)
{
	uv_close((uv_handle_t *)&a->timer, archiver_closed);
}
