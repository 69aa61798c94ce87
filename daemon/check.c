/*
 * check.c: builds a transfer for one URL, watches it through, and turns
 * what libcurl saw into a check_result.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "capture.h"
#include "check.h"
#include "classify.h"
#include "log.h"
#include "text.h"
#include "tlsinfo.h"
#include "xmalloc.h"

struct check {
	struct http_req	 req;		/* first: the http layer's handle */
	struct checker	*ck;
	int64_t		 source_id;
	int64_t		 started_at;
	check_done_cb	 done;
	void		*arg;
	EVP_MD_CTX	*md;
	int64_t		 body_bytes;
	int		 too_large;
	long		 status;	/* of the response being read */
	json_t		*hops;
	char		*etag, *last_modified, *retry_after;
	long		 first_status;
	struct curl_slist *headers;	/* conditional request */
	int		 want_text;
	int		 text_decided;
	struct text_parser *tp;		/* the body's text, if it has one */
	struct capture	*cap;		/* for the WARC, if kept */
	char		 errbuf[CURL_ERROR_SIZE];
	struct check_result res;	/* filled when the transfer ends */
	uv_getaddrinfo_t gai;		/* second lookup after a DNS error */
	char		*dns_host;
	struct check	*next;		/* in the checker's list */
	struct check	*prev;
};

#define TLS_ORIGINS	64

struct checker {
	uv_loop_t		*loop;
	struct http		*http;
	const struct config	*cfg;
	struct check		*active;	/* doubly linked */
	int			 nactive;
	CURL			**pool;		/* idle easy handles */
	int			 npool, maxpool;
	uv_idle_t		 defer;		/* runs early failures */
	struct check		*deferred;
	/*
	 * The chain each origin presented last: curl gives a chain only for
	 * the transfer that made the connection, not for one reusing it.
	 */
	struct {
		char		*origin;	/* https://host:port */
		struct tls_chain *chain;
	}			 chains[TLS_ORIGINS];
	unsigned		 nextchain;
};

static void	finish(struct check *);

/*
 * Decides, at the first body bytes, whether the body has text worth
 * reading: HTML or plain text, of a success or of a refusal (which may be
 * a bot challenge).  Other error pages and binaries are only hashed.
 */
static void
start_text(struct check *c, const char *data, size_t len)
{
	char	*ct = NULL;
	int	 kind;
	long	 st = c->status;

	if (!((st >= 200 && st < 300) || st == 401 || st == 403 ||
	    st == 429 || st == 503))
		return;
	curl_easy_getinfo(c->req.easy, CURLINFO_CONTENT_TYPE, &ct);
	kind = text_kind_of(ct);
	if (kind < 0 && (ct == NULL || *ct == '\0') && text_sniff(data, len))
		kind = TEXT_HTML;
	if (kind >= 0)
		c->tp = text_parser_new((enum text_kind)kind,
		    (size_t)c->ck->cfg->max_text);
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct check	*c = arg;
	size_t		 len = size * n;

	if (c->body_bytes + (int64_t)len > c->ck->cfg->max_body) {
		c->too_large = 1;
		return 0;	/* CURLE_WRITE_ERROR */
	}
	c->body_bytes += (int64_t)len;
	EVP_DigestUpdate(c->md, data, len);
	if (c->want_text && !c->text_decided) {
		c->text_decided = 1;
		start_text(c, data, len);
	}
	if (c->tp)
		text_parser_feed(c->tp, data, len);
	if (c->cap && capture_body(c->cap, data, len) == -1) {
		log_warn("cannot keep the body of %s for the WARC file (no "
		    "space for a temporary file?)", c->res.final_url ?
		    c->res.final_url : "a check");
		capture_free(c->cap);
		c->cap = NULL;
	}
	return len;
}

/* The request heads curl sends, for the WARC request record. */
static int
debug_cb(CURL *e, curl_infotype type, char *data, size_t size, void *arg)
{
	struct check *c = arg;

	(void)e;
	if (type == CURLINFO_HEADER_OUT && c->cap)
		capture_request(c->cap, data, size);
	return 0;
}

/* Stores a copy of a header's value, trimmed, replacing *dst. */
static void
keep_value(char **dst, const char *v, size_t len)
{
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len > 1024)
		len = 1024;
	free(*dst);
	*dst = xstrndup(v, len);
}

static size_t
header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct check	*c = arg;
	size_t		 len = size * n;
	char		*url = NULL;
	long		 st;
	int		 status_line = len > 5 && strncmp(data, "HTTP/", 5) == 0;

	/* A status line answers the request for the URL curl is at now. */
	if (status_line)
		curl_easy_getinfo(c->req.easy, CURLINFO_EFFECTIVE_URL, &url);
	if (c->cap)
		capture_header(c->cap, data, len, url);
	if (status_line) {
		const char *sp = memchr(data, ' ', len);

		if (sp == NULL)
			return len;
		st = strtol(sp + 1, NULL, 10);
		if (st >= 100 && st < 200)	/* 100 Continue etc. */
			return len;
		c->status = st;
		if (c->first_status == 0)
			c->first_status = st;
		/* A new response: its headers replace the last one's. */
		free(c->etag);
		free(c->last_modified);
		free(c->retry_after);
		c->etag = c->last_modified = c->retry_after = NULL;
		json_array_append_new(c->hops, json_pack("{s:s, s:i}",
		    "url", url ? url : "", "status", (json_int_t)st));
	} else if (len > 5 && strncasecmp(data, "ETag:", 5) == 0)
		keep_value(&c->etag, data + 5, len - 5);
	else if (len > 14 && strncasecmp(data, "Last-Modified:", 14) == 0)
		keep_value(&c->last_modified, data + 14, len - 14);
	else if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
		keep_value(&c->retry_after, data + 12, len - 12);
	return len;
}

static CURL *
easy_get(struct checker *ck)
{
	CURL *e;

	if (ck->npool > 0) {
		e = ck->pool[--ck->npool];
		curl_easy_reset(e);
		return e;
	}
	return curl_easy_init();
}

static void
easy_put(struct checker *ck, CURL *e)
{
	if (ck->npool < ck->maxpool)
		ck->pool[ck->npool++] = e;
	else
		curl_easy_cleanup(e);
}

static void
setup(struct check *c, const char *url, const struct check_req *rq)
{
	const struct config	*cfg = c->ck->cfg;
	CURL			*e = c->req.easy;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)cfg->max_redirects);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
	    (long)cfg->low_speed_limit);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
	    (long)((cfg->low_speed_time_ms + 999) / 1000));
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)cfg->max_body);
	/* Every encoding curl knows; the write callback caps what the
	 * decoders produce, so a compression bomb stops at max_body. */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
	if (cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	/* The chain the server presents is evidence (tlsinfo.h). */
	curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	/* The validators are header values we stored, trimmed of CR/LF. */
	if (rq && rq->etag && *rq->etag) {
		char *h = xasprintf("If-None-Match: %s", rq->etag);

		c->headers = curl_slist_append(c->headers, h);
		free(h);
	}
	if (rq && rq->last_modified && *rq->last_modified) {
		char *h = xasprintf("If-Modified-Since: %s", rq->last_modified);

		c->headers = curl_slist_append(c->headers, h);
		free(h);
	}
	if (c->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	if (rq && rq->want_text && cfg->warc_capture != WARC_OFF) {
		c->cap = capture_new();
		curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
		curl_easy_setopt(e, CURLOPT_DEBUGDATA, c);
		curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	}
}

static void
unlink_check(struct check *c)
{
	struct checker *ck = c->ck;

	if (c->prev)
		c->prev->next = c->next;
	else
		ck->active = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ck->nactive--;
}

static void
check_free(struct check *c)
{
	if (c->req.easy)
		easy_put(c->ck, c->req.easy);
	EVP_MD_CTX_free(c->md);
	json_decref(c->hops);
	free(c->etag);
	free(c->last_modified);
	free(c->retry_after);
	free(c->dns_host);
	curl_slist_free_all(c->headers);
	if (c->tp)
		text_parser_free(c->tp);
	capture_free(c->cap);
	check_result_clear(&c->res);
	free(c);
}

/*
 * The chain of this transfer: its own if it made a TLS connection (kept
 * for its origin), else, over a connection reused, its origin's last.
 * url is NULL after redirects: the chain curl gives may then be another
 * hop's, so it is neither kept nor filled in.
 */
static struct tls_chain *
tls_evidence(struct checker *ck, CURL *e, const char *url)
{
	struct tls_chain	*ch = tlsinfo_get(e);
	char			 origin[512];
	const char		*p;
	unsigned		 i, slot;
	long			 conns = 1;

	if (url == NULL || strncasecmp(url, "https://", 8) != 0)
		return ch;
	p = strchr(url + 8, '/');
	snprintf(origin, sizeof(origin), "%.*s", p ? (int)(p - url) :
	    (int)strlen(url), url);
	for (i = 0; i < TLS_ORIGINS; i++)
		if (ck->chains[i].origin &&
		    strcmp(ck->chains[i].origin, origin) == 0)
			break;
	if (ch == NULL) {
		curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
		return conns == 0 && i < TLS_ORIGINS ?
		    tls_chain_dup(ck->chains[i].chain) : NULL;
	}
	slot = i < TLS_ORIGINS ? i : ck->nextchain++ % TLS_ORIGINS;
	free(ck->chains[slot].origin);
	tls_chain_free(ck->chains[slot].chain);
	ck->chains[slot].origin = xstrdup(origin);
	ck->chains[slot].chain = tls_chain_dup(ch);
	return ch;
}

static int64_t
us_to_ms(curl_off_t us)
{
	return us > 0 ? (int64_t)((us + 500) / 1000) : -1;
}

/* Fills c->res from the finished transfer. */
static void
collect(struct check *c, CURLcode rc)
{
	struct check_result	*r = &c->res;
	CURL			*e = c->req.easy;
	struct classify_in	 in;
	curl_off_t		 t, cl;
	char			*s = NULL;
	long			 v = 0;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	memset(&in, 0, sizeof(in));
	r->source_id = c->source_id;
	r->started_at = c->started_at;
	r->curl_code = (int)rc;
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t);
	r->duration_ms = us_to_ms(t) < 0 ? 0 : us_to_ms(t);
	curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &t);
	r->dns_ms = us_to_ms(t);
	curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t);
	r->connect_ms = us_to_ms(t);
	curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &t);
	r->tls_ms = us_to_ms(t);
	curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t);
	r->ttfb_ms = us_to_ms(t);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &v);
	r->http_status = v;
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &v);
	r->redirects = v;
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s);
	r->final_url = s ? xstrdup(s) : NULL;
	s = NULL;
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &s);
	r->content_type = s ? xstrndup(s, 256) : NULL;
	s = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s);
	snprintf(r->ip, sizeof(r->ip), "%s", s ? s : "");
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &v);
	in.os_errno = v;
	curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	r->content_length = cl >= 0 ? (int64_t)cl : -1;
	r->body_bytes = c->body_bytes;
	r->etag = c->etag;
	r->last_modified = c->last_modified;
	r->retry_after = c->retry_after;
	c->etag = c->last_modified = c->retry_after = NULL;
	r->hops = json_dumps(c->hops, JSON_COMPACT);
	r->tls = tls_evidence(c->ck, e, r->redirects ? NULL : r->final_url);
	r->first_status = c->first_status;

	in.curl_code = (int)rc;
	in.http_status = r->http_status;
	in.redirects = r->redirects;
	in.too_large = c->too_large;
	/* curl's own words tell the phase a timeout hit and an HTTP/0.9
	 * (non-HTTP) reply from an unsupported scheme. */
	in.connected = strncmp(c->errbuf, "Connection timed out", 20) != 0 &&
	    strncmp(c->errbuf, "Resolving timed out", 19) != 0;
	in.http09 = strstr(c->errbuf, "HTTP/0.9") != NULL;
	in.policy = c->req.blocked;
	r->cls = classify(&in);
	if (rc == CURLE_OPERATION_TIMEDOUT &&
	    strstr(c->errbuf, "Resolving timed out") != NULL)
		r->cls = CC_DNS_FAILURE;
	if (rc == CURLE_OK) {
		EVP_DigestFinal_ex(c->md, md, &mdlen);
		for (unsigned int i = 0; i < mdlen && i < 32; i++)
			snprintf(r->sha256 + 2 * i, 3, "%02x", md[i]);
		if (c->tp) {
			r->doc = text_parser_finish(c->tp);
			c->tp = NULL;
		}
		/* Kept only whole. */
		r->cap = c->cap;
		c->cap = NULL;
	} else if (c->too_large)
		r->error = xasprintf("body larger than %lld bytes",
		    (long long)c->ck->cfg->max_body);
	else
		r->error = xstrdup(http_error(&c->req, rc, c->errbuf));
}

static void
gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct check *c = req->data;

	uv_freeaddrinfo(res);
	if (c->done == NULL) {		/* aborted while resolving */
		check_free(c);
		return;
	}
	if (status == 0) {
		/* The name resolves now: the first failure was transient. */
		c->res.cls = CC_DNS_FAILURE;
	} else
		c->res.cls = classify_dns(status == UV_EAI_NONAME ||
		    status == UV_EAI_NODATA);
	if (status != 0) {
		free(c->res.error);
		c->res.error = xasprintf("%s: %s", c->dns_host,
		    uv_strerror(status));
	}
	finish(c);
}

/*
 * The name did not resolve.  libcurl does not say whether the resolver
 * answered "no such name" or did not answer at all, so ask once more.
 */
static int
confirm_dns(struct check *c)
{
	CURLU		*u = curl_url();
	char		*host = NULL;
	struct addrinfo	 hints;

	if (u == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, c->res.final_url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return -1;
	}
	c->dns_host = xstrdup(host);
	curl_free(host);
	curl_url_cleanup(u);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	c->gai.data = c;
	return uv_getaddrinfo(c->ck->loop, &c->gai, gai_cb, c->dns_host, NULL,
	    &hints) == 0 ? 0 : -1;
}

/* Delivers the result and frees the check. */
static void
finish(struct check *c)
{
	unlink_check(c);
	c->done(c->arg, &c->res);
	check_free(c);
}

static void
transfer_done(struct http_req *req, CURLcode rc)
{
	struct check *c = (struct check *)req;

	collect(c, rc);
	if (rc == CURLE_COULDNT_RESOLVE_HOST && confirm_dns(c) == 0)
		return;		/* gai_cb finishes */
	finish(c);
}

static void
defer_cb(uv_idle_t *idle)
{
	struct checker	*ck = idle->data;
	struct check	*c;

	uv_idle_stop(idle);
	while ((c = ck->deferred) != NULL) {
		ck->deferred = c->next;
		c->next = NULL;
		/* Put it on the active list so finish() can unlink it. */
		c->prev = NULL;
		c->next = ck->active;
		if (ck->active)
			ck->active->prev = c;
		ck->active = c;
		finish(c);
	}
}

struct checker *
checker_new(uv_loop_t *loop, struct http *h, const struct config *cfg)
{
	struct checker *ck = xcalloc(1, sizeof(*ck));

	ck->loop = loop;
	ck->http = h;
	ck->cfg = cfg;
	ck->maxpool = (int)cfg->concurrency;
	ck->pool = xcalloc((size_t)ck->maxpool, sizeof(*ck->pool));
	uv_idle_init(loop, &ck->defer);
	ck->defer.data = ck;
	return ck;
}

void
checker_reload(struct checker *ck, const struct config *cfg)
{
	ck->cfg = cfg;
}

int
checker_start(struct checker *ck, int64_t source_id, const char *url,
    const struct check_req *rq, check_done_cb done, void *arg)
{
	struct check *c = xcalloc(1, sizeof(*c));

	c->ck = ck;
	c->source_id = source_id;
	c->done = done;
	c->arg = arg;
	c->started_at = wall_ms();
	c->hops = json_array();
	c->md = EVP_MD_CTX_new();
	if (c->md == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1 ||
	    (c->req.easy = easy_get(ck)) == NULL) {
		check_free(c);
		return -1;
	}
	c->req.done = transfer_done;
	c->want_text = rq == NULL || rq->want_text;
	setup(c, url, rq);
	ck->nactive++;
	if (http_add(ck->http, &c->req) == -1) {
		/* Report it as a local error, from the loop. */
		c->res.source_id = source_id;
		c->res.started_at = c->started_at;
		c->res.cls = CC_LOCAL_ERROR;
		c->res.curl_code = CURLE_FAILED_INIT;
		c->res.content_length = -1;
		c->res.error = xstrdup("cannot start transfer");
		c->res.dns_ms = c->res.connect_ms = c->res.tls_ms =
		    c->res.ttfb_ms = -1;
		c->next = ck->deferred;
		ck->deferred = c;
		uv_idle_start(&ck->defer, defer_cb);
		return 0;
	}
	c->next = ck->active;
	if (ck->active)
		ck->active->prev = c;
	ck->active = c;
	return 0;
}

int
checker_active(const struct checker *ck)
{
	return ck->nactive;
}

void
checker_abort_all(struct checker *ck, void (*drop)(check_done_cb, void *))
{
	struct check *c;

	while ((c = ck->active) != NULL) {
		if (drop)
			drop(c->done, c->arg);
		if (c->dns_host != NULL)
			uv_cancel((uv_req_t *)&c->gai);
		else
			http_cancel(ck->http, &c->req);
		unlink_check(c);
		if (c->dns_host != NULL) {
			/* gai_cb still runs and frees it. */
			c->done = NULL;
			easy_put(ck, c->req.easy);
			c->req.easy = NULL;
			continue;
		}
		check_free(c);
	}
	while ((c = ck->deferred) != NULL) {
		ck->deferred = c->next;
		ck->nactive--;
		if (drop)
			drop(c->done, c->arg);
		check_free(c);
	}
}

static void
checker_closed(uv_handle_t *handle)
{
	free(handle->data);
}

void
checker_free(struct checker *ck)
{
	for (int i = 0; i < ck->npool; i++)
		curl_easy_cleanup(ck->pool[i]);
	free(ck->pool);
	for (int i = 0; i < TLS_ORIGINS; i++) {
		free(ck->chains[i].origin);
		tls_chain_free(ck->chains[i].chain);
	}
	/* The struct goes when the loop has closed its handle. */
	uv_close((uv_handle_t *)&ck->defer, checker_closed);
}

void
check_result_clear(struct check_result *r)
{
	free(r->error);
	free(r->final_url);
	free(r->hops);
	free(r->content_type);
	free(r->etag);
	free(r->last_modified);
	free(r->retry_after);
	if (r->doc)
		text_doc_free(r->doc);
	capture_free(r->cap);
	tls_chain_free(r->tls);
	memset(r, 0, sizeof(*r));
}

void
check_result_move(struct check_result *dst, struct check_result *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
}
