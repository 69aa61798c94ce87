/*
 * stamper.c: see stamper.h.  A few requests at a time; a failed one is
 * retried after 10, 20, 40 ... seconds, at most 6 hours apart.  Every answer
 * is checked by stamp_reply() (status, imprint, nonce, signature) before
 * its token is stored.
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "log.h"
#include "stamp.h"
#include "stamper.h"
#include "timefmt.h"
#include "xmalloc.h"

#define INFLIGHT	2
#define REPLY_MAX	(256 * 1024)
#define RETRY_MIN_MS	10000
#define RETRY_MAX_MS	(6 * 3600 * 1000LL)
#define LEASE_MS	120000	/* longer than a request may take */

struct sreq {
	struct http_req		 req;
	struct stamper		*s;
	struct sreq		*next;
	int64_t			 check_id;
	int			 attempts;
	struct stamp_req	 q;
	struct curl_slist	*hdrs;
	unsigned char		*body;
	size_t			 len;
	int			 too_big;
	char			*tsa;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct stamper {
	uv_loop_t		*loop;
	struct http		*http;
	struct store		*st;
	const struct config	*cfg;
	uv_timer_t		 timer;
	struct sreq		*inflight;
	int			 n, stopping;
	int64_t			 said;		/* last failure logged */
};

static void	arm(struct stamper *);

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sreq *r = arg;

	if (r->len + size * n > REPLY_MAX) {
		r->too_big = 1;
		return 0;
	}
	r->body = xrealloc(r->body, r->len + size * n);
	memcpy(r->body + r->len, p, size * n);
	r->len += size * n;
	return size * n;
}

static void
sreq_free(struct sreq *r)
{
	if (r->req.easy)
		curl_easy_cleanup(r->req.easy);
	curl_slist_free_all(r->hdrs);
	stamp_req_free(&r->q);
	free(r->body);
	free(r->tsa);
	free(r);
}

static void
unlink_req(struct stamper *s, struct sreq *r)
{
	for (struct sreq **p = &s->inflight; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			s->n--;
			return;
		}
}

static int64_t
backoff(int attempts)
{
	int64_t ms = RETRY_MIN_MS;

	for (int i = 0; i < attempts && ms < RETRY_MAX_MS; i++)
		ms *= 2;
	return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

static void
done_cb(struct http_req *req, CURLcode rc)
{
	struct sreq		*r = (struct sreq *)req;
	struct stamper		*s = r->s;
	struct stamp_token	 tok;
	char			 why[600];
	long			 status = 0;

	unlink_req(s, r);
	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", r->too_big ? "the answer is "
		    "over 256 KiB" : http_error(req, rc, r->errbuf));
	else if (status != 200)
		snprintf(why, sizeof(why), "HTTP %ld", status);
	else if (stamp_reply(r->body, r->len, &r->q, &tok, why,
	    sizeof(why)) == 0) {
		if (store_stamp_done(s->st, r->check_id, r->tsa,
		    tok.info.gen_ms, tok.der, tok.len) == -1)
			log_error("timestamp of check %lld: %s",
			    (long long)r->check_id, store_errmsg(s->st));
		stamp_token_free(&tok);
		why[0] = '\0';
	}
	if (why[0]) {
		int64_t next = wall_ms() + backoff(r->attempts);
		char	*msg = xasprintf("%s: %s", r->tsa, why);

		if (s->said == 0 || wall_ms() - s->said >= 60000) {
			log_warn("timestamp of check %lld: %s (retried)",
			    (long long)r->check_id, msg);
			s->said = wall_ms();
		}
		if (store_stamp_retry(s->st, r->check_id, next, msg) == -1)
			log_error("timestamp of check %lld: %s",
			    (long long)r->check_id, store_errmsg(s->st));
		free(msg);
	}
	sreq_free(r);
	if (!s->stopping)
		arm(s);
}

/* Starts one request; 0 to go on with the next row. */
static int
start_one(void *arg, int64_t check_id, const char *hex, int attempts)
{
	struct stamper	*s = arg;
	struct sreq	*r;
	unsigned char	 md[32];
	char		 err[256];

	for (struct sreq *q = s->inflight; q; q = q->next)
		if (q->check_id == check_id)
			return 0;
	if (s->n >= INFLIGHT)
		return 1;
	capture_md(hex, md);
	r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->check_id = check_id;
	r->attempts = attempts;
	r->tsa = xstrdup(s->cfg->warc_tsa);
	if (stamp_request(md, &r->q, err, sizeof(err)) == -1) {
		log_error("timestamp of check %lld: %s", (long long)check_id,
		    err);
		store_stamp_retry(s->st, check_id, wall_ms() +
		    backoff(attempts), err);
		sreq_free(r);
		return 0;
	}
	r->req.easy = curl_easy_init();
	r->req.done = done_cb;
	r->req.arg = r;
	r->hdrs = curl_slist_append(NULL,
	    "Content-Type: application/timestamp-query");
	r->hdrs = curl_slist_append(r->hdrs,
	    "Accept: application/timestamp-reply");
	curl_easy_setopt(r->req.easy, CURLOPT_URL, r->tsa);
	curl_easy_setopt(r->req.easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->req.easy, CURLOPT_POSTFIELDS, r->q.der);
	curl_easy_setopt(r->req.easy, CURLOPT_POSTFIELDSIZE, (long)r->q.len);
	curl_easy_setopt(r->req.easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->req.easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->req.easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->req.easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(r->req.easy, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(r->req.easy, CURLOPT_USERAGENT, s->cfg->user_agent);
	curl_easy_setopt(r->req.easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->req.easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->req.easy, CURLOPT_ERRORBUFFER, r->errbuf);
	if (s->cfg->ca_file)
		curl_easy_setopt(r->req.easy, CURLOPT_CAINFO, s->cfg->ca_file);
	/* Not due again while in flight (nor, after a crash, for a while). */
	if (store_stamp_lease(s->st, check_id, wall_ms() + LEASE_MS) == -1 ||
	    http_add(s->http, &r->req) == -1) {
		sreq_free(r);
		return 1;
	}
	r->next = s->inflight;
	s->inflight = r;
	s->n++;
	return 0;
}

static void
timer_cb(uv_timer_t *t)
{
	struct stamper *s = t->data;

	if (s->stopping || s->cfg->warc_tsa == NULL ||
	    *s->cfg->warc_tsa == '\0')
		return;
	if (store_stamps_due(s->st, wall_ms(), INFLIGHT * 2, start_one, s) <
	    0)
		log_error("timestamps: %s", store_errmsg(s->st));
	arm(s);
}

/* Wakes up when the next stamp is due (at most a minute from now). */
static void
arm(struct stamper *s)
{
	int64_t next = store_stamps_next_at(s->st), now = wall_ms(), ms;

	if (s->stopping || s->n >= INFLIGHT)
		return;
	/*
	 * At least 1 ms: libuv 1.44 runs a timer restarted with 0 from its
	 * own callback again at once, never reaching the poll phase.
	 */
	ms = next < 0 ? 60000 : next <= now ? 1 : next - now;
	if (ms > 60000)
		ms = 60000;
	uv_timer_start(&s->timer, timer_cb, (uint64_t)ms, 0);
}

struct stamper *
stamper_new(uv_loop_t *loop, struct http *h, struct store *st,
    const struct config *cfg)
{
	struct stamper *s = xcalloc(1, sizeof(*s));

	s->loop = loop;
	s->http = h;
	s->st = st;
	s->cfg = cfg;
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;
	uv_timer_start(&s->timer, timer_cb, 0, 0);
	return s;
}

void
stamper_kick(struct stamper *s)
{
	if (!s->stopping && s->n < INFLIGHT)
		uv_timer_start(&s->timer, timer_cb, 1, 0);
}

void
stamper_reload(struct stamper *s, const struct config *cfg)
{
	s->cfg = cfg;
	stamper_kick(s);
}

void
stamper_stop(struct stamper *s)
{
	struct sreq *r;

	s->stopping = 1;
	uv_timer_stop(&s->timer);
	while ((r = s->inflight) != NULL) {
		/* Due again at once when the daemon next runs. */
		store_stamp_lease(s->st, r->check_id, wall_ms());
		http_cancel(s->http, &r->req);
		unlink_req(s, r);
		sreq_free(r);
	}
}

static void
stamper_closed(uv_handle_t *h)
{
	free(h->data);
}

void
stamper_free(struct stamper *s)
{
	uv_close((uv_handle_t *)&s->timer, stamper_closed);
}
