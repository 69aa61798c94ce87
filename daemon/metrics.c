/*
 * metrics.c: the health and metrics endpoint, a libuv TCP server.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "classify.h"
#include "log.h"
#include "metrics.h"
#include "timefmt.h"
#include "verdict.h"
#include "version.h"
#include "xmalloc.h"

#define CONN_MAX	16	/* connections open at once */
#define BACKLOG		64	/* the kernel's queue behind them */
#define HEAD_MS		10000	/* to send a whole request head */
#define LINGER_MS	2000	/* after the answer, for the client's close */
#define WARN_EVERY_MS	60000	/* one warning a minute at most */

/* ---- counters ---------------------------------------------------- */

/* Upper bounds of the duration buckets, in microseconds and as written. */
static const uint64_t bucket_us[] = { 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000, 30000000 };
static const char *const bucket_le[] = { "0.05", "0.1", "0.25", "0.5", "1",
    "2.5", "5", "10", "30" };
#define NBUCKETS	(sizeof(bucket_us) / sizeof(bucket_us[0]))

static struct {
	uint64_t	 checks[CC_COUNT];
	uint64_t	 bucket[NBUCKETS + 1];	/* not cumulative; last: +Inf */
	uint64_t	 dur_count;
	uint64_t	 dur_sum_us;
	uint64_t	 archive[2];		/* enum mx_outcome */
	uint64_t	 alerts[2];		/* failed, ok */
	int64_t		 start_ms;
	const char	*down;			/* /healthz: why not ok */
} mx;

void
metrics_check(enum check_class cls, double seconds)
{
	uint64_t	us = seconds > 0 ? (uint64_t)(seconds * 1e6 + 0.5) : 0;
	size_t		i;

	if ((int)cls >= 0 && cls < CC_COUNT)
		mx.checks[cls]++;
	for (i = 0; i < NBUCKETS && us > bucket_us[i]; i++)
		;
	mx.bucket[i]++;
	mx.dur_count++;
	mx.dur_sum_us += us;
}

void
metrics_archive(enum mx_outcome o)
{
	mx.archive[o == MX_DONE ? MX_DONE : MX_FAILED]++;
}

void
metrics_alert(int ok)
{
	mx.alerts[ok ? 1 : 0]++;
}

void
metrics_down(const char *reason)
{
	mx.down = reason;
}

void
metrics_reset(void)
{
	memset(&mx, 0, sizeof(mx));
}

/* ---- the exposition text ----------------------------------------- */

struct buf {
	char	*s;
	size_t	 len, cap;
};

static void bput(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
bput(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("metrics: cannot format");
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	b->len += (size_t)n;
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	bput(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the format wants it: \, " and newline escaped. */
static void
label_value(struct buf *b, const char *v)
{
	for (; *v; v++)
		if (*v == '\\')
			bput(b, "\\\\");
		else if (*v == '"')
			bput(b, "\\\"");
		else if (*v == '\n')
			bput(b, "\\n");
		else
			bput(b, "%c", *v);
}

/* The counts of a gauge by state: every known state, then any other the
 * database holds. */
struct tally {
	const char	*const *known;
	size_t		 nknown;
	int64_t		*count;		/* one per known state */
	char		**other;
	int64_t		*other_count;
	size_t		 nother;
};

static void
tally_cb(void *arg, const char *state, int64_t n)
{
	struct tally *t = arg;

	for (size_t i = 0; i < t->nknown; i++)
		if (strcmp(t->known[i], state) == 0) {
			t->count[i] += n;
			return;
		}
	t->other = xrealloc(t->other, (t->nother + 1) * sizeof(*t->other));
	t->other_count = xrealloc(t->other_count, (t->nother + 1) *
	    sizeof(*t->other_count));
	t->other[t->nother] = xstrdup(state);
	t->other_count[t->nother++] = n;
}

static int64_t	last_warn;

static void
db_warn(struct store *st)
{
	int64_t now = wall_ms();

	if (last_warn == 0 || now - last_warn >= WARN_EVERY_MS) {
		log_warn("metrics: cannot read the database (the gauges are "
		    "left out): %s", store_errmsg(st));
		last_warn = now;
	}
}

static void
gauge_by_state(struct buf *b, struct store *st, enum store_tally which,
    const char *name, const char *help, const char *const *known,
    size_t nknown)
{
	struct tally t;

	memset(&t, 0, sizeof(t));
	t.known = known;
	t.nknown = nknown;
	t.count = xcalloc(nknown, sizeof(*t.count));
	if (st == NULL || store_tally(st, which, tally_cb, &t) == -1) {
		if (st)
			db_warn(st);
		goto out;
	}
	family(b, name, "gauge", help);
	for (size_t i = 0; i < nknown; i++)
		bput(b, "%s{state=\"%s\"} %lld\n", name, known[i],
		    (long long)t.count[i]);
	for (size_t i = 0; i < t.nother; i++) {
		bput(b, "%s{state=\"", name);
		label_value(b, t.other[i]);
		bput(b, "\"} %lld\n", (long long)t.other_count[i]);
	}
out:
	for (size_t i = 0; i < t.nother; i++)
		free(t.other[i]);
	free(t.other);
	free(t.other_count);
	free(t.count);
}

static const char *const archive_states[] = { "queued", "submitting",
    "submitted", "done", "failed" };
static const char *const alert_states[] = { "pending", "sent" };

char *
metrics_render(struct store *st)
{
	struct buf	 b = { xmalloc(4096), 0, 4096 };
	uint64_t	 cum = 0;
	int64_t		 start = mx.start_ms ? mx.start_ms : wall_ms(), since;
	char		 mon[16];

	b.s[0] = '\0';
	family(&b, "rotwatch_build_info", "gauge",
	    "The running version of rotwatch (always 1).");
	bput(&b, "rotwatch_build_info{version=\"%s\"} 1\n", ROTWATCH_VERSION);
	family(&b, "rotwatch_start_time_seconds", "gauge",
	    "When the daemon started, in seconds since the Unix epoch.");
	bput(&b, "rotwatch_start_time_seconds %lld.%03lld\n",
	    (long long)(start / 1000), (long long)(start % 1000));

	family(&b, "rotwatch_checks_total", "counter",
	    "Checks whose result was committed since the daemon started, by "
	    "class.");
	for (int c = 0; c < CC_COUNT; c++)
		bput(&b, "rotwatch_checks_total{class=\"%s\"} %llu\n",
		    check_class_names[c], (unsigned long long)mx.checks[c]);
	family(&b, "rotwatch_check_duration_seconds", "histogram",
	    "How long the committed checks took, from start to end.");
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cum += mx.bucket[i];
		bput(&b, "rotwatch_check_duration_seconds_bucket{le=\"%s\"} "
		    "%llu\n", i < NBUCKETS ? bucket_le[i] : "+Inf",
		    (unsigned long long)cum);
	}
	bput(&b, "rotwatch_check_duration_seconds_sum %llu.%06llu\n",
	    (unsigned long long)(mx.dur_sum_us / 1000000),
	    (unsigned long long)(mx.dur_sum_us % 1000000));
	bput(&b, "rotwatch_check_duration_seconds_count %llu\n",
	    (unsigned long long)mx.dur_count);

	gauge_by_state(&b, st, TALLY_SOURCES, "rotwatch_sources",
	    "Sources by state, read from the database at scrape time.",
	    vstate_names, VS_COUNT);
	gauge_by_state(&b, st, TALLY_ARCHIVE_JOBS, "rotwatch_archive_jobs",
	    "Archive jobs by state (queued, submitting and submitted are "
	    "the queue), read from the database at scrape time.",
	    archive_states, sizeof(archive_states) /
	    sizeof(archive_states[0]));
	family(&b, "rotwatch_archive_outcomes_total", "counter",
	    "Archive jobs that ended since the daemon started, by outcome.");
	bput(&b, "rotwatch_archive_outcomes_total{outcome=\"done\"} %llu\n"
	    "rotwatch_archive_outcomes_total{outcome=\"failed\"} %llu\n",
	    (unsigned long long)mx.archive[MX_DONE],
	    (unsigned long long)mx.archive[MX_FAILED]);
	gauge_by_state(&b, st, TALLY_ALERTS, "rotwatch_alerts",
	    "Alerts in the outbox by state, read from the database at scrape "
	    "time.", alert_states, 2);
	family(&b, "rotwatch_alert_deliveries_total", "counter",
	    "Alert deliveries (webhook posts, mails, digests, feed writes) "
	    "that ended since the daemon started, by result.");
	bput(&b, "rotwatch_alert_deliveries_total{result=\"ok\"} %llu\n"
	    "rotwatch_alert_deliveries_total{result=\"failed\"} %llu\n",
	    (unsigned long long)mx.alerts[1],
	    (unsigned long long)mx.alerts[0]);
	if (st && store_monitor(st, mon, sizeof(mon), &since) == 0) {
		family(&b, "rotwatch_monitor_offline", "gauge",
		    "1 while the monitor's own network is judged down (no "
		    "source is blamed meanwhile), else 0.");
		bput(&b, "rotwatch_monitor_offline %d\n",
		    strcmp(mon, "offline") == 0);
	} else if (st)
		db_warn(st);
	return b.s;
}

/* ---- HTTP ---------------------------------------------------------- */

static char *
response(int status, const char *ctype, const char *body, int head_only,
    size_t *outlen)
{
	static const struct { int code; const char *reason; } reasons[] = {
		{ 200, "OK" }, { 400, "Bad Request" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 431, "Request Header Fields Too Large" },
		{ 503, "Service Unavailable" },
	};
	const char	*reason = "Error";
	struct buf	 b = { xmalloc(256), 0, 256 };
	size_t		 blen = strlen(body);

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			reason = reasons[i].reason;
	bput(&b, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu"
	    "\r\nCache-Control: no-store\r\n%sConnection: close\r\n\r\n",
	    status, reason, ctype, blen, status == 405 ?
	    "Allow: GET, HEAD\r\n" : "");
	if (!head_only)
		bput(&b, "%s", body);
	*outlen = b.len;
	return b.s;
}

#define TEXT	"text/plain; charset=utf-8"
#define PROM	"text/plain; version=0.0.4; charset=utf-8"

/* The end of the request head in buf, or NULL. */
static const char *
head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' || (buf[i + 1] ==
		    '\r' && i + 2 < len && buf[i + 2] == '\n')))
			return buf + i;
	return NULL;
}

char *
metrics_http(struct store *st, const char *buf, size_t len, size_t *outlen)
{
	const char	*p = buf, *end = buf + len, *sp1, *sp2, *eol;
	char		 path[256], *body, why[600];
	size_t		 plen;
	int		 head;

	/* Empty lines before the request line are allowed (RFC 9112). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (head_end(p, (size_t)(end - p)) == NULL) {
		if (len < MX_HEAD_MAX)
			return NULL;
		return response(431, TEXT, "request head larger than 8 KiB\n",
		    0, outlen);
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol > p && eol[-1] == '\r')
		eol--;
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || sp1 == p || sp2 == sp1 + 1 ||
	    (size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) !=
	    0 || memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)))
		return response(400, TEXT, "bad request\n", 0, outlen);
	head = sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0;
	if (!head && !(sp1 - p == 3 && memcmp(p, "GET", 3) == 0))
		return response(405, TEXT, "only GET and HEAD\n", 0, outlen);
	plen = strcspn(sp1 + 1, "? ");
	if (plen >= sizeof(path))
		return response(404, TEXT, "not found\n", head, outlen);
	memcpy(path, sp1 + 1, plen);
	path[plen] = '\0';
	if (strcmp(path, "/healthz") == 0) {
		if (mx.down) {
			snprintf(why, sizeof(why), "%s\n", mx.down);
			return response(503, TEXT, why, head, outlen);
		}
		if (st == NULL || store_ping(st) == -1) {
			snprintf(why, sizeof(why), "the database does not "
			    "answer: %s\n", st ? store_errmsg(st) : "none");
			return response(503, TEXT, why, head, outlen);
		}
		return response(200, TEXT, "ok\n", head, outlen);
	}
	if (strcmp(path, "/metrics") == 0) {
		char *r;

		body = metrics_render(st);
		r = response(200, PROM, body, head, outlen);
		free(body);
		return r;
	}
	return response(404, TEXT, "not found (try /healthz or /metrics)\n",
	    head, outlen);
}

/* ---- the server -------------------------------------------------- */

struct conn {
	uv_tcp_t	 tcp;
	uv_timer_t	 timer;
	uv_write_t	 wr;
	uv_shutdown_t	 sd;
	struct metrics	*m;
	struct conn	*next, **prevp;
	char		*out;
	size_t		 len;		/* of buf */
	int		 answered;	/* the answer is on its way */
	int		 written;	/* ... and was sent */
	int		 eof;		/* the client sends no more */
	int		 closing;
	int		 open;		/* handles not yet closed */
	char		 buf[MX_HEAD_MAX];
};

struct metrics {
	uv_loop_t	*loop;
	struct store	*st;
	uv_tcp_t	 srv;
	struct conn	*conns;
	int		 nconn;
	int		 waiting;	/* libuv holds one we did not accept */
	int		 closing;
	int		 srv_open;
	int64_t		 last_warn;
	char		 where[80];
};

static void	accept_one(struct metrics *);

static void
maybe_free(struct metrics *m)
{
	if (m->closing && !m->srv_open && m->nconn == 0)
		free(m);
}

static void
conn_closed(uv_handle_t *h)
{
	struct conn	*c = h->data;
	struct metrics	*m = c->m;

	if (--c->open > 0)
		return;
	if ((*c->prevp = c->next) != NULL)
		c->next->prevp = c->prevp;
	free(c->out);
	free(c);
	m->nconn--;
	if (m->waiting && !m->closing) {
		m->waiting = 0;
		accept_one(m);
	}
	maybe_free(m);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->timer, conn_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void
timer_cb(uv_timer_t *t)
{
	conn_close(t->data);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char	 discard[4096];
	struct conn	*c = h->data;

	(void)hint;
	if (c->answered || c->len >= sizeof(c->buf))
		*b = uv_buf_init(discard, sizeof(discard));
	else
		*b = uv_buf_init(c->buf + c->len,
		    (unsigned int)(sizeof(c->buf) - c->len));
}

static void
shutdown_cb(uv_shutdown_t *sd, int status)
{
	struct conn *c = sd->data;

	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	/* Read what the client still sends until it closes, so that our
	 * close does not reset the connection under the answer. */
	uv_timer_start(&c->timer, timer_cb, LINGER_MS, 0);
}

static void
write_cb(uv_write_t *w, int status)
{
	struct conn *c = w->data;

	if (c->closing)
		return;
	c->written = 1;
	if (status < 0 || c->eof || uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp,
	    shutdown_cb) != 0)
		conn_close(c);
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn	*c = s->data;
	size_t		 outlen;
	uv_buf_t	 wb;

	(void)b;
	if (c->closing)
		return;
	if (nread == UV_EOF && c->answered && !c->written) {
		/* It has sent all: the answer still goes out, then we close. */
		c->eof = 1;
		uv_read_stop(s);
		return;
	}
	if (nread < 0) {
		/* The client closed (or broke) the connection. */
		conn_close(c);
		return;
	}
	if (nread == 0 || c->answered)
		return;
	c->len += (size_t)nread;
	if ((c->out = metrics_http(c->m->st, c->buf, c->len, &outlen)) ==
	    NULL)
		return;
	c->answered = 1;
	wb = uv_buf_init(c->out, (unsigned int)outlen);
	if (uv_write(&c->wr, s, &wb, 1, write_cb) != 0) {
		conn_close(c);
		return;
	}
	/* A client that does not read its answer is not kept long. */
	uv_timer_start(&c->timer, timer_cb, HEAD_MS, 0);
}

static void
accept_one(struct metrics *m)
{
	struct conn	*c = xcalloc(1, sizeof(*c));
	int		 rc;

	c->m = m;
	c->tcp.data = c->timer.data = c->wr.data = c->sd.data = c;
	uv_tcp_init(m->loop, &c->tcp);
	uv_timer_init(m->loop, &c->timer);
	c->open = 2;
	c->next = m->conns;
	if (m->conns)
		m->conns->prevp = &c->next;
	c->prevp = &m->conns;
	m->conns = c;
	m->nconn++;
	if ((rc = uv_accept((uv_stream_t *)&m->srv, (uv_stream_t *)&c->tcp))
	    != 0 || (rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb,
	    read_cb)) != 0) {
		log_debug("metrics: cannot accept a connection: %s",
		    uv_strerror(rc));
		conn_close(c);
		return;
	}
	uv_timer_start(&c->timer, timer_cb, HEAD_MS, 0);
}

static void
connection_cb(uv_stream_t *srv, int status)
{
	struct metrics	*m = srv->data;
	int64_t		 now;

	if (status < 0) {
		now = wall_ms();
		if (m->last_warn == 0 || now - m->last_warn >= WARN_EVERY_MS) {
			log_warn("metrics: cannot accept connections: %s",
			    uv_strerror(status));
			m->last_warn = now;
		}
		return;
	}
	if (m->closing)
		return;
	if (m->nconn >= CONN_MAX) {
		/* Not accepted: libuv stops listening until we take it, and
		 * the rest wait in the kernel's queue. */
		m->waiting = 1;
		return;
	}
	accept_one(m);
}

static void
srv_closed(uv_handle_t *h)
{
	struct metrics *m = h->data;

	m->srv_open = 0;
	maybe_free(m);
}

struct metrics *
metrics_new(uv_loop_t *loop, const struct config *cfg, struct store *st)
{
	struct metrics		*m;
	struct sockaddr_storage	 sa;
	char			 addr[64];
	const char		*why;
	int			 port, rc, v6;

	mx.start_ms = wall_ms();
	mx.down = NULL;
	if (cfg->metrics_listen == NULL || *cfg->metrics_listen == '\0')
		return NULL;
	if ((why = config_parse_listen(cfg->metrics_listen, addr, sizeof(addr),
	    &port)) != NULL) {
		log_error("metrics: listen: \"%s\": %s; going on without the "
		    "endpoint", cfg->metrics_listen, why);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->loop = loop;
	m->st = st;
	snprintf(m->where, sizeof(m->where), "%s", cfg->metrics_listen);
	uv_tcp_init(loop, &m->srv);
	m->srv.data = m;
	m->srv_open = 1;
	v6 = strchr(addr, ':') != NULL;
	rc = v6 ? uv_ip6_addr(addr, port, (struct sockaddr_in6 *)&sa) :
	    uv_ip4_addr(addr, port, (struct sockaddr_in *)&sa);
	if (rc == 0)
		rc = uv_tcp_bind(&m->srv, (const struct sockaddr *)&sa, v6 ?
		    UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&m->srv, BACKLOG, connection_cb);
	if (rc != 0) {
		log_error("metrics: cannot listen on %s: %s; checks go on "
		    "without the health and metrics endpoint", m->where,
		    uv_strerror(rc));
		m->closing = 1;
		uv_close((uv_handle_t *)&m->srv, srv_closed);
		return NULL;
	}
	log_info("metrics: /healthz and /metrics on http://%s/", m->where);
	return m;
}

void
metrics_free(struct metrics *m)
{
	struct conn *c, *next;

	if (m == NULL)
		return;
	m->closing = 1;
	for (c = m->conns; c; c = next) {
		next = c->next;
		conn_close(c);
	}
	uv_close((uv_handle_t *)&m->srv, srv_closed);
}
