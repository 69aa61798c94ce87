/*
 * daemon.c: the pipeline.  Data flows one way:
 *
 *   store (due sources) -> sched (limits) -> check (curl on uv) -> results
 *   -> store (one transaction per batch)
 *
 * A source is "held" from the moment it is read as due until its result is
 * committed, so it is never queued twice; a kill -9 at any moment loses at
 * most the uncommitted results, whose sources are still due and are
 * checked again after a restart.
 */
#include <sys/resource.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <uv.h>

#include "archive.h"
#include "capture.h"
#include "stamper.h"
#include "check.h"
#include "classify.h"
#include "daemon.h"
#include "http.h"
#include "judge.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "sched.h"
#include "sdnotify.h"
#include "secrets.h"
#include "signs.h"
#include "text.h"
#include "timefmt.h"
#include "version.h"
#include "warc.h"
#include "xmalloc.h"

#define TICK_MS		1000	/* look for due sources this often */
#define FLUSH_MS	500	/* commit results at least this often */
#define FLUSH_BATCH	2048	/* ... or when this many wait */
#define PENDING_MAX	20000	/* stop admitting while this many wait */
#define GRACE_MS	5000	/* in-flight checks get this long at stop */
#define LOCK_WAIT_MS	200	/* the loop waits at most this for a lock */
#define RETRY_MS	1000	/* a failed commit is retried after this */
#define DEFER_MS	60000	/* longest wait for the monitor's health */
#define STATUS_MS	10000	/* tell the service manager how it goes */

/* A set of source ids: linear probing, backward-shift deletion. */
struct idset {
	int64_t		*v;	/* 0 marks an empty slot; ids are > 0 */
	size_t		 cap, n;
};

struct daemon {
	uv_loop_t		 loop;
	const struct config	*cfg;
	struct store		*st;
	struct http		*http;
	struct checker		*ck;
	struct archiver		*ar;		/* NULL: not archiving */
	struct notifier		*nt;		/* NULL: no channels */
	struct metrics		*mx;		/* NULL: no endpoint */
	struct sched		*sched;
	struct judge		*jg;
	struct signs		*signs;
	struct text_rules	*rules;
	struct warc		*warc;		/* NULL: no local capture */
	struct stamper		*sm;		/* NULL: no timestamps */
	int			 stamps_queued;
	uv_mutex_t		 warc_mu;	/* the writer, for the pool */
	int			 building;	/* captures being written */
	int			 stop_wait;	/* shutdown waits for them */
	struct build		*bwait, *blast;	/* captures for the next batch */
	struct build		*brun;		/* ... and in the one running */
	int			 bbusy;
	uv_work_t		 bw;
	int			 warc_written;	/* records since the last sync */
	int64_t			 warc_fail_at;	/* last logged failure */
	int			 offline;	/* the monitor's network */
	enum daemon_mode	 mode;
	uv_timer_t		 tick, flush, wake, grace, watchdog, status;
	uv_signal_t		 sigint, sigterm, sighup;
	struct idset		 held;
	struct judged		*pend;		/* results to commit */
	size_t			 npend, pendcap;
	int64_t			 cur_due, cur_id;	/* store cursor */
	int			 at_end;	/* cursor reached the end */
	int64_t			 data_version;	/* others' commits seen */
	int64_t			 once_now;	/* DAEMON_ONCE: due before */
	int			 stopping, closing, failed;
	int64_t			 flush_fail_at;	/* last logged failure */
	int64_t			 flush_retry_at;	/* no commit before */
	uint64_t		 checks_done;
	unsigned int		 seed;
	int64_t			 last_tick;	/* mono ms: the loop moves */
	/* Loaded by reloads, kept until exit: work started under one
	 * may still read it. */
	struct config		**configs;
	struct signs		**old_signs;
	struct text_rules	**old_rules;
	size_t			 nconfigs;
	char			 reloaded[256];	/* "" or why it failed */
};

static void	pump(struct daemon *);
static void	reload(struct daemon *);
static void	maybe_finish(struct daemon *);

static uint64_t
id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 29);
}

static void
idset_add(struct idset *s, int64_t id)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct idset t = { xcalloc(s->cap ? s->cap * 2 : 1024,
		    sizeof(int64_t)), s->cap ? s->cap * 2 : 1024, 0 };

		for (i = 0; i < s->cap; i++)
			if (s->v[i])
				idset_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	for (i = id_hash(id) & (s->cap - 1); s->v[i]; i = (i + 1) &
	    (s->cap - 1))
		if (s->v[i] == id)
			return;
	s->v[i] = id;
	s->n++;
}

static int
idset_has(const struct idset *s, int64_t id)
{
	if (s->cap == 0)
		return 0;
	for (size_t i = id_hash(id) & (s->cap - 1); s->v[i]; i = (i + 1) &
	    (s->cap - 1))
		if (s->v[i] == id)
			return 1;
	return 0;
}

static void
idset_del(struct idset *s, int64_t id)
{
	size_t i, j, k, m;

	if (s->cap == 0)
		return;
	m = s->cap - 1;
	for (i = id_hash(id) & m; s->v[i] != id; i = (i + 1) & m)
		if (s->v[i] == 0)
			return;
	s->v[i] = 0;
	s->n--;
	/* Move later members of the run back into the hole. */
	for (j = (i + 1) & m; s->v[j]; j = (j + 1) & m) {
		k = id_hash(s->v[j]) & m;
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			s->v[i] = s->v[j];
			s->v[j] = 0;
			i = j;
		}
	}
}

static int64_t
mono_ms(struct daemon *d)
{
	return (int64_t)uv_now(&d->loop);
}

static void
job_free(struct sched_job *j)
{
	if (j->user) {
		judge_prev_clear(j->user);
		free(j->user);
	}
	free(j->url);
	free(j->host);
	free(j);
}

/* Parses Retry-After (seconds or an HTTP date) into seconds from now. */
static int64_t
retry_after_s(const char *v, int64_t now_ms)
{
	char	*end;
	long	 n;
	time_t	 t;

	if (v == NULL || *v == '\0')
		return 0;
	n = strtol(v, &end, 10);
	if (end != v && *end == '\0')
		return n > 0 ? n : 0;
	if ((t = curl_getdate(v, NULL)) == -1)
		return 0;
	return (int64_t)t - now_ms / 1000 > 0 ? (int64_t)t - now_ms / 1000 : 0;
}

/* Queues what the archive policy asks for after a source was found up. */
static int
archive_policy(struct daemon *d, const struct judged *p)
{
	char	*tags = store_source_tags(d->st, p->res.source_id);
	int	 on, n;
	int64_t	 older, every;

	config_tag_policy(d->cfg, tags, &on, &older, &every);
	free(tags);
	if (!on)
		return 0;
	n = store_archive_consider(d->st, p->res.source_id, p->url,
	    p->res.cls == CC_REDIRECT ? p->res.final_url : NULL,
	    p->res.sha256[0] ? p->res.sha256 : NULL, wall_ms(), older, every);
	return n;
}

/*
 * Whether the monitor itself can reach the network, from the hosts checked
 * lately.  Returns 1 if results that failed at the network level must wait:
 * too few hosts were seen to tell, and more results are on their way.
 */
static int
health(struct daemon *d, int *decided, int *hosts, int *failing)
{
	enum health	 h;
	int64_t		 now = mono_ms(d);
	int		 more;

	for (size_t i = 0; i < d->npend; i++)
		if (!d->pend[i].noted) {
			d->pend[i].noted = 1;
			judge_health_add(d->jg, d->pend[i].host,
			    class_network(d->pend[i].res.cls), now);
		}
	h = judge_health(d->jg, now, hosts, failing);
	*decided = h != HEALTH_UNSURE;
	if (h == HEALTH_OFFLINE)
		d->offline = 1;
	else if (h == HEALTH_ONLINE)
		d->offline = 0;
	more = sched_queued(d->sched) > 0 || checker_active(d->ck) > 0 ||
	    judge_waiting(d->jg) > 0 || (!d->at_end &&
	    d->mode == DAEMON_FOREVER);
	return h == HEALTH_UNSURE && *hosts < d->cfg->offline_min_hosts &&
	    more && !d->closing;
}

/*
 * A check's WARC records are written off the loop, on libuv's thread pool
 * (a batch at a time: the writer is one file), so that compressing a page
 * never holds up the transfers in flight; the result joins the batch to
 * commit once they are on disk, and keep() links them in the transaction.
 * "changes" keeps a body the source never had before, "all" every body,
 * one seen before as a revisit.  A failure to write is logged, and the
 * check is stored all the same.
 */
struct build {
	struct build		*next;
	struct judged		*j;
	struct capture_ref	 ref;
	char			*uri, *rid;
	int			 seen, rc;
	struct kept		 kept;
	char			 err[512];
};

static void	pend_add(struct daemon *, struct judged *);
static void	shutdown_now(struct daemon *);
static void	batch_start(struct daemon *);

/* On a pool thread: the batch's records, in order, into the file. */
static void
batch_work(uv_work_t *w)
{
	struct daemon	*d = w->data;

	uv_mutex_lock(&d->warc_mu);
	for (struct build *b = d->brun; b; b = b->next) {
		const struct check_result *r = &b->j->res;

		b->rc = capture_write(d->warc, r->cap, r->final_url ?
		    r->final_url : b->j->url, r->ip, r->started_at, r->sha256,
		    b->seen ? &b->ref : NULL, &b->kept.out, b->err,
		    sizeof(b->err));
	}
	uv_mutex_unlock(&d->warc_mu);
	/* OpenSSL keeps per-thread state (record ids use RAND_bytes); a pool
	 * thread lives to the end, so it is given back after each batch. */
	OPENSSL_thread_stop();
}

static void
batch_done(uv_work_t *w, int status)
{
	struct daemon	*d = w->data;
	struct build	*b, *next;

	for (b = d->brun; b; b = next) {
		next = b->next;
		d->building--;
		if (status == 0 && b->rc == 0) {
			b->kept.revisit = b->seen;
			b->j->kept = xmalloc(sizeof(*b->j->kept));
			*b->j->kept = b->kept;
			d->warc_written++;
		} else if (d->warc_fail_at == 0 || wall_ms() -
		    d->warc_fail_at >= 60000) {
			log_error("WARC: cannot keep the check of %s: %s",
			    b->j->url, status ? uv_strerror(status) : b->err);
			d->warc_fail_at = wall_ms();
		}
		free(b->uri);
		free(b->rid);
		pend_add(d, b->j);
		free(b);
	}
	d->brun = NULL;
	d->bbusy = 0;
	if (d->bwait)
		batch_start(d);
	else if (d->stop_wait && d->building == 0)
		shutdown_now(d);
}

/* The captures waiting go to the pool as one batch. */
static void
batch_start(struct daemon *d)
{
	d->brun = d->bwait;
	d->bwait = d->blast = NULL;
	d->bbusy = 1;
	d->bw.data = d;
	if (uv_queue_work(&d->loop, &d->bw, batch_work, batch_done) != 0)
		batch_done(&d->bw, UV_ENOMEM);
}

/* 1 if j's records are to be written (it joins the batch later). */
static int
capture(struct daemon *d, struct judged *j)
{
	const struct check_result	*r = &j->res;
	struct build			*b;
	char				 digest[64];

	if (d->warc == NULL || r->cap == NULL || r->sha256[0] == '\0' ||
	    r->http_status == 304)
		return 0;
	b = xcalloc(1, sizeof(*b));
	/* A source never checked before has no capture to refer to. */
	if (j->prev.observed != OBS_COUNT) {
		capture_digest(r->sha256, digest);
		if ((b->seen = store_find_capture(d->st, r->source_id, digest,
		    &b->uri, &b->ref.at_ms, &b->rid)) == -1 || (b->seen &&
		    d->cfg->warc_capture == WARC_CHANGES)) {
			free(b->uri);
			free(b->rid);
			free(b);
			return 0;
		}
	}
	b->ref.uri = b->uri;
	b->ref.record_id = b->rid;
	b->j = j;
	if (d->blast)
		d->blast->next = b;
	else
		d->bwait = b;
	d->blast = b;
	d->building++;
	if (!d->bbusy)
		batch_start(d);
	return 1;
}

/* Links a result's WARC records to its check, in the caller's transaction. */
static int
keep(struct daemon *d, const struct judged *p, int64_t check_id)
{
	const struct check_result	*r = &p->res;
	const struct kept		*k = p->kept;

	if (k == NULL)
		return 0;
	if (store_put_capture(d->st, &(struct capture_row){
	    .check_id = check_id, .source_id = r->source_id,
	    .at = r->started_at, .kind = k->revisit ? "revisit" : "response",
	    .file = k->out.response.file, .offset = k->out.response.offset,
	    .length = k->out.response.length, .record_id = k->out.response.id,
	    .req_file = k->revisit ? NULL : k->out.request.file,
	    .req_offset = k->out.request.offset,
	    .req_length = k->out.request.length,
	    .hops_offset = k->out.hops.offset,
	    .hops_length = k->out.hops.length,
	    .payload_digest = k->out.payload_digest,
	    .uri = r->final_url ? r->final_url : p->url }) == -1)
		return -1;
	/* New content gets its trusted timestamp, asked for after commit. */
	if (!k->revisit && d->cfg->warc_tsa && *d->cfg->warc_tsa) {
		if (store_stamp_add(d->st, check_id, r->sha256, wall_ms()) ==
		    -1)
			return -1;
		d->stamps_queued++;
	}
	return 0;
}

/* Commits every waiting result in one transaction. */
static int
flush(struct daemon *d)
{
	struct judge_out out;
	size_t		 i, kept = 0;
	int		 n, queued = 0, decided, hosts, failing, wait;
	int64_t		 now = mono_ms(d);

	if (d->npend == 0)
		return 0;
	if (!d->closing && mono_ms(d) < d->flush_retry_at)
		return -1;
	wait = health(d, &decided, &hosts, &failing);
	if (store_begin(d->st) == -1 || judge_save_probes(d->jg) == -1)
		goto bad;
	if (decided && judge_commit_health(d->jg, d->offline, hosts, failing,
	    wall_ms()) == -1)
		goto bad;
	for (i = 0; i < d->npend; i++) {
		struct judged *p = &d->pend[i];

		p->noted = 2;	/* 2: committed in this transaction */
		if (wait && class_network(p->res.cls) &&
		    now - p->arrived < DEFER_MS) {
			p->noted = 1;
			continue;
		}
		if (judge_commit(d->jg, p, d->offline, &out) == -1 ||
		    keep(d, p, out.check_id) == -1)
			goto bad;
		if (d->ar && (strcmp(out.to, "alive") == 0 ||
		    strcmp(out.to, "moved") == 0) && (p->obs == OBS_ALIVE ||
		    p->obs == OBS_MOVED)) {
			if ((n = archive_policy(d, p)) < 0)
				goto bad;
			queued += n;
		}
		if (strcmp(out.from, out.to) != 0 &&
		    strcmp(out.from, "new") != 0)
			log_info("source %lld %s: %s -> %s (%s)",
			    (long long)p->res.source_id, p->url, out.from,
			    out.to, p->why);
	}
	/* The records a commit points to are on disk first. */
	if (d->warc_written > 0) {
		uv_mutex_lock(&d->warc_mu);
		if (warc_sync(d->warc) == -1)
			log_error("WARC: cannot sync the file: %s",
			    strerror(errno));
		uv_mutex_unlock(&d->warc_mu);
		d->warc_written = 0;
	}
	if (store_commit(d->st) == -1)
		goto bad;
	if (queued > 0)
		archiver_kick(d->ar);
	if (d->stamps_queued > 0 && d->sm)
		stamper_kick(d->sm);
	d->stamps_queued = 0;
	if (judge_alerts_queued(d->jg) > 0 && d->nt)
		notifier_kick(d->nt);
	for (i = 0; i < d->npend; i++) {
		struct judged *p = &d->pend[i];

		if (p->noted != 2) {
			d->pend[kept++] = *p;	/* waits for the health */
			continue;
		}
		metrics_check(p->res.cls, (double)p->res.duration_ms / 1000.0);
		idset_del(&d->held, p->res.source_id);
		judge_clear(p);
	}
	d->npend = kept;
	if (d->flush_fail_at) {
		log_info("database writable again; results committed");
		d->flush_fail_at = 0;
	}
	return 0;
bad:
	store_rollback(d->st);
	for (i = 0; i < d->npend; i++)
		if (d->pend[i].noted == 2)
			d->pend[i].noted = 1;
	d->flush_retry_at = mono_ms(d) + RETRY_MS;
	if (d->flush_fail_at == 0 || mono_ms(d) - d->flush_fail_at >= 60000) {
		/* One line a minute at most, and the results wait. */
		log_error("cannot store %zu results (they are kept and "
		    "retried): %s", d->npend, store_errmsg(d->st));
		d->flush_fail_at = mono_ms(d);
	}
	return -1;
}

/* A result is judged: schedule the source's next check, queue it. */
static void
judged_cb(void *arg, struct judged *j)
{
	struct daemon	*d = arg;
	struct next_in	 in;
	enum obs	 o = j->obs;

	if (o == OBS_ALIVE || o == OBS_MOVED)
		j->fails = 0;
	else if (o == OBS_LOCAL)
		j->fails = j->prev_fails;
	else
		j->fails = j->prev_fails + 1;
	memset(&in, 0, sizeof(in));
	in.now = j->res.started_at + j->res.duration_ms;
	in.interval_s = j->interval_s > 0 ? j->interval_s :
	    d->cfg->interval_s;
	in.jitter_pct = d->cfg->jitter_pct;
	in.retry_s = d->cfg->retry_s < in.interval_s ? d->cfg->retry_s :
	    in.interval_s;
	in.backoff_max_s = d->cfg->backoff_max_s;
	in.fails = j->fails;
	/* The schedule follows the observation: a soft 404 is retried
	 * like any failure, a 304 waits like any healthy page. */
	in.cls = o == OBS_ALIVE || o == OBS_MOVED ? CC_OK :
	    o == OBS_LOCAL ? CC_LOCAL_ERROR :
	    (j->res.cls == CC_OK || j->res.cls == CC_REDIRECT) ?
	    CC_NOT_FOUND : j->res.cls;
	in.retry_after_s = retry_after_s(j->res.retry_after, in.now);
	in.rnd = (double)rand_r(&d->seed) / ((double)RAND_MAX + 1.0);
	j->next_due = sched_next_due(&in);
	if (!d->closing && capture(d, j)) {
		pump(d);	/* it joins the batch once written */
		return;
	}
	pend_add(d, j);
}

/* A judged result joins the batch to commit. */
static void
pend_add(struct daemon *d, struct judged *j)
{
	j->arrived = mono_ms(d);
	if (d->npend == d->pendcap) {
		d->pendcap = d->pendcap ? d->pendcap * 2 : 1024;
		d->pend = xrealloc(d->pend, d->pendcap * sizeof(*d->pend));
	}
	d->pend[d->npend++] = *j;
	free(j);
	if (d->npend >= FLUSH_BATCH)
		flush(d);
	pump(d);
}

/* Holds the daemon for the check callback; set before the loop runs. */
static struct daemon *the_daemon;

static void
on_result(void *arg, struct check_result *r)
{
	struct daemon		*d = the_daemon;
	struct sched_job	*job = arg;
	struct judged		*j = xcalloc(1, sizeof(*j));

	check_result_move(&j->res, r);
	j->url = xstrdup(job->url);
	j->host = xstrdup(job->host);
	j->interval_s = job->interval_s;
	j->prev_fails = job->fails;
	if (job->user) {
		j->prev = *(struct src_prev *)job->user;
		free(job->user);
		job->user = NULL;
	} else
		j->prev.observed = OBS_COUNT;
	if (log_enabled(LOG_LVL_DEBUG))
		log_debug("checked %s: %s %ld in %lld ms", job->url,
		    check_class_names[j->res.cls], j->res.http_status,
		    (long long)j->res.duration_ms);
	d->checks_done++;
	sched_done(d->sched, job, mono_ms(d));
	job_free(job);
	judge_result(d->jg, j, judged_cb, d);
}

static void
start_job(void *arg, struct sched_job *j)
{
	struct daemon		*d = arg;
	struct src_prev		*pv = j->user;
	struct check_req	 rq;

	memset(&rq, 0, sizeof(rq));
	rq.want_text = 1;
	/* Ask "changed since?" only when we hold what it would repeat. */
	if (pv && d->cfg->content_track && (pv->text_hash ||
	    pv->body_sha256) && (pv->observed == OBS_ALIVE ||
	    pv->observed == OBS_MOVED)) {
		rq.etag = pv->etag;
		rq.last_modified = pv->last_modified;
	}
	if (checker_start(d->ck, j->id, j->url, &rq, on_result, j) == -1) {
		/* Out of resources now: give it back; the next tick
		 * finds it again. */
		log_warn("cannot start a check of %s now; will retry", j->url);
		sched_done(d->sched, j, mono_ms(d));
		idset_del(&d->held, j->id);
		job_free(j);
	}
}

static void
queue_row(void *arg, const struct due_row *r)
{
	struct daemon		*d = arg;
	struct sched_job	*j;

	d->cur_due = r->next_due;
	d->cur_id = r->id;
	if (idset_has(&d->held, r->id))
		return;
	j = xcalloc(1, sizeof(*j));
	j->id = r->id;
	j->url = xstrdup(r->url);
	j->host = xstrdup(r->host);
	j->fails = r->fails;
	j->interval_s = r->interval_s;
	snprintf(j->state, sizeof(j->state), "%s", r->state);
	j->user = xcalloc(1, sizeof(struct src_prev));
	judge_prev_from_row(j->user, r);
	idset_add(&d->held, r->id);
	sched_push(d->sched, j);
}

/* Reads more due sources while the queue is short. */
static void
refill(struct daemon *d)
{
	size_t	 low = (size_t)d->cfg->concurrency * 2, want;
	int	 n;
	int64_t	 now;

	if (d->stopping || d->mode == DAEMON_LIST || d->at_end ||
	    d->npend + (size_t)d->building >= PENDING_MAX)
		return;
	while (sched_queued(d->sched) < low) {
		want = low * 2 - sched_queued(d->sched);
		now = d->mode == DAEMON_ONCE ? d->once_now : wall_ms();
		n = store_due(d->st, now, d->cur_due, d->cur_id, (int)want,
		    queue_row, d);
		if (n < 0) {
			log_error("cannot read due sources: %s",
			    store_errmsg(d->st));
			return;
		}
		if ((size_t)n < want) {
			d->at_end = 1;
			return;
		}
	}
}

static void
wake_cb(uv_timer_t *t)
{
	pump(t->data);
}

static void
pump(struct daemon *d)
{
	int64_t wait;

	if (d->closing)
		return;
	refill(d);
	wait = sched_pump(d->sched, mono_ms(d));
	if (wait >= 0)
		uv_timer_start(&d->wake, wake_cb, (uint64_t)wait + 1, 0);
	maybe_finish(d);
}

static void	shutdown_now(struct daemon *);

/* A check aborted at shutdown: its source stays due for the next run. */
static void
drop_running(check_done_cb done, void *arg)
{
	struct sched_job *j = arg;

	if (judge_check_aborted(done, arg))
		return;		/* a probe */
	idset_del(&the_daemon->held, j->id);
	job_free(j);
}

/* A result that waited for its site's probe, dropped at shutdown. */
static void
drop_judged(struct judged *j)
{
	idset_del(&the_daemon->held, j->res.source_id);
	judge_clear(j);
	free(j);
}

/* Exits the run modes once everything is checked and stored. */
static void
maybe_finish(struct daemon *d)
{
	if (d->closing)
		return;
	if (sched_queued(d->sched) || checker_active(d->ck) ||
	    judge_waiting(d->jg) || d->building > 0)
		return;
	if (d->stopping) {
		shutdown_now(d);
		return;
	}
	if (d->mode == DAEMON_FOREVER)
		return;
	if (flush(d) == -1)
		return;		/* the flush timer retries */
	if (d->mode == DAEMON_ONCE) {
		/* Anything due that was skipped (e.g. held at the time)? */
		d->at_end = 0;
		d->cur_due = INT64_MIN;
		d->cur_id = 0;
		refill(d);
		if (sched_queued(d->sched)) {
			sched_pump(d->sched, mono_ms(d));
			return;
		}
	}
	shutdown_now(d);
}

/*
 * Looks for due sources, then sleeps until the next one falls due, but at
 * most TICK_MS: another process (the CLI) may add sources meanwhile.
 */
static void
tick_cb(uv_timer_t *t)
{
	struct daemon	*d = t->data;
	int64_t		 v = store_data_version(d->st), now = wall_ms(), next;
	uint64_t	 sleep_ms = TICK_MS;

	d->last_tick = mono_ms(d);
	if (d->stopping)
		return;
	if (d->at_end || v != d->data_version) {
		/* Start again from the earliest due source. */
		d->data_version = v;
		d->at_end = 0;
		d->cur_due = INT64_MIN;
		d->cur_id = 0;
	}
	pump(d);
	next = store_next_due_after(d->st, now);
	if (next != INT64_MIN && next - now < TICK_MS)
		sleep_ms = (uint64_t)(next - now) + 1;
	uv_timer_start(&d->tick, tick_cb, sleep_ms, 0);
}

static void
flush_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;

	if (d->npend > 0 && flush(d) == 0 && d->mode == DAEMON_FOREVER &&
	    !d->stopping)
		/* New next_due times: the next one may be sooner than the
		 * tick. */
		uv_timer_start(&d->tick, tick_cb, 0, 0);
	pump(d);
}

static void
close_all(struct daemon *d)
{
	uv_close((uv_handle_t *)&d->tick, NULL);
	uv_close((uv_handle_t *)&d->flush, NULL);
	uv_close((uv_handle_t *)&d->wake, NULL);
	uv_close((uv_handle_t *)&d->grace, NULL);
	uv_close((uv_handle_t *)&d->watchdog, NULL);
	uv_close((uv_handle_t *)&d->status, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

/* Aborts what is left, stores what is done, and closes the loop. */
static void
shutdown_now(struct daemon *d)
{
	int aborted = checker_active(d->ck);

	if (d->closing)
		return;
	if (d->building > 0) {
		/* Records being written: their results are stored first. */
		d->stop_wait = 1;
		return;
	}
	d->closing = 1;
	if (aborted)
		log_info("stopping: %d checks aborted (not recorded)",
		    aborted);
	judge_abort(d->jg, drop_judged);
	checker_abort_all(d->ck, drop_running);
	if (d->ar)
		archiver_stop(d->ar);
	if (d->nt)
		notifier_stop(d->nt);
	if (d->sm)
		stamper_stop(d->sm);
	if (flush(d) == -1) {
		log_error("stopping with %zu results not stored", d->npend);
		d->failed = 1;
	}
	close_all(d);
	metrics_free(d->mx);
	d->mx = NULL;
}

static void
grace_cb(uv_timer_t *t)
{
	shutdown_now(t->data);
}

static void
drop_queued(struct sched_job *j)
{
	idset_del(&the_daemon->held, j->id);
	job_free(j);
}

/* What goes on, for `systemctl status`. */
static void
status_cb(uv_timer_t *t)
{
	struct daemon	*d = t->data;
	int64_t		 due = store_count_due(d->st, wall_ms());

	sdn_send("STATUS=%s%s%s%llu checks since start, %lld sources due, "
	    "%lld alerts pending, monitor %s", d->reloaded[0] ?
	    "reload failed (" : "", d->reloaded, d->reloaded[0] ? "); " : "",
	    (unsigned long long)d->checks_done, (long long)due,
	    (long long)store_alerts_count(d->st, "pending"),
	    d->offline ? "offline" : "online");
}

/* The service manager's watchdog: fed only while the scheduler ticks. */
static void
watchdog_cb(uv_timer_t *t)
{
	struct daemon *d = t->data;

	if (mono_ms(d) - d->last_tick <= sdn_watchdog_ms() / 2 + TICK_MS)
		sdn_send("WATCHDOG=1");
	else
		log_warn("the scheduler has not run for %lld ms; not feeding "
		    "the watchdog", (long long)(mono_ms(d) - d->last_tick));
}

/* Keys that only a restart applies: said once, the rest applies now. */
static void
restart_only(const struct config *old, const struct config *nw)
{
	if (strcmp(old->database ? old->database : "", nw->database ?
	    nw->database : "") != 0)
		log_warn("reload: [storage] database changed; the new file is "
		    "used after a restart");
	if (strcmp(old->metrics_listen ? old->metrics_listen : "",
	    nw->metrics_listen ? nw->metrics_listen : "") != 0)
		log_warn("reload: [metrics] listen changed; it applies after a "
		    "restart");
}

/*
 * SIGHUP: reads the configuration again.  A broken one changes nothing
 * (its errors are logged with FILE:LINE); a good one applies to work
 * started from now on: checks, archive requests and deliveries in flight
 * finish as they began.
 */
static void
reload(struct daemon *d)
{
	struct config		*nc;
	struct signs		*sg = NULL;
	struct text_rules	*tr = NULL;
	char			*errs = NULL, *keys = NULL, kerr[1024];
	char			*line, *save = NULL;
	size_t			 elen = 0;
	FILE			*ef;
	int			 k = 0;

	sdn_send("RELOADING=1\nSTATUS=reloading the configuration");
	log_info("SIGHUP: reading %s again", d->cfg->path);
	if ((ef = open_memstream(&errs, &elen)) == NULL)
		fatalx("open_memstream failed");
	nc = config_load(d->cfg->path, ef);
	if (nc && judge_load(nc, &sg, &tr, ef) == -1) {
		config_free(nc);
		nc = NULL;
	}
	if (nc && nc->archive_enabled && d->mode == DAEMON_FOREVER &&
	    (k = secrets_load(nc, &keys, kerr, sizeof(kerr))) == -1) {
		fprintf(ef, "%s\n", kerr);
		signs_free(sg);
		text_rules_free(tr);
		config_free(nc);
		nc = NULL;
	}
	fclose(ef);
	if (nc == NULL) {
		for (line = strtok_r(errs, "\n", &save); line; line =
		    strtok_r(NULL, "\n", &save)) {
			if (line == errs)	/* the first says where */
				snprintf(d->reloaded, sizeof(d->reloaded),
				    "%s", line);
			log_error("reload: %s", line);
		}
		log_error("reload: configuration refused; the previous one "
		    "stays in force");
		free(errs);
		sdn_send("READY=1\nSTATUS=reload failed (%s); running with "
		    "the previous configuration", d->reloaded);
		return;
	}
	free(errs);
	restart_only(d->cfg, nc);
	d->configs = xrealloc(d->configs, (d->nconfigs + 1) *
	    sizeof(*d->configs));
	d->old_signs = xrealloc(d->old_signs, (d->nconfigs + 1) *
	    sizeof(*d->old_signs));
	d->old_rules = xrealloc(d->old_rules, (d->nconfigs + 1) *
	    sizeof(*d->old_rules));
	/* The signatures and rules in use now are kept until exit. */
	d->old_signs[d->nconfigs] = d->signs;
	d->old_rules[d->nconfigs] = d->rules;
	d->configs[d->nconfigs++] = nc;
	d->cfg = nc;
	d->signs = sg;
	d->rules = tr;
	log_set_level(nc->log_level);
	{
		struct guard g = { (int)nc->net_guard, &nc->net_allow };

		http_set_guard(d->http, &g);
	}
	checker_reload(d->ck, nc);
	sched_limits(d->sched, (int)nc->concurrency, (int)nc->per_host,
	    nc->host_delay_ms);
	judge_reload(d->jg, nc, sg, tr);
	if (d->mode == DAEMON_FOREVER) {
		if (d->ar && (!nc->archive_enabled || k == 0)) {
			log_info("reload: archiving stops (jobs stay queued)");
			archiver_stop(d->ar);
			archiver_free(d->ar);
			d->ar = NULL;
			secrets_free(keys);
		} else if (d->ar)
			archiver_reload(d->ar, nc, keys);
		else if (keys)
			d->ar = archiver_new(&d->loop, d->http, d->st, nc, keys);
		if (d->nt)
			notifier_reload(d->nt, nc);
		else if (nc->nchannels > 0)
			d->nt = notifier_new(&d->loop, d->http, d->st, nc);
		if (d->sm)
			stamper_reload(d->sm, nc);
		else if (d->warc && nc->warc_tsa && *nc->warc_tsa)
			d->sm = stamper_new(&d->loop, d->http, d->st, nc);
	}
	d->reloaded[0] = '\0';
	log_info("reload: configuration applied");
	sdn_send("READY=1\nSTATUS=configuration reloaded");
	pump(d);
}

static void
signal_cb(uv_signal_t *sig, int signum)
{
	struct daemon *d = sig->data;

	if (signum == SIGHUP) {
		if (!d->stopping)
			reload(d);
		return;
	}
	if (d->stopping) {
		log_info("second signal: stopping now");
		shutdown_now(d);
		return;
	}
	log_info("%s: stopping (in-flight checks get %d s)",
	    signum == SIGTERM ? "SIGTERM" : "SIGINT", GRACE_MS / 1000);
	d->stopping = 1;
	sdn_send("STOPPING=1\nSTATUS=stopping");
	metrics_down("stopping");
	/* Unstarted work stays due in the database for the next run. */
	sched_drop_queued(d->sched, drop_queued);
	uv_timer_start(&d->grace, grace_cb, GRACE_MS, 0);
	maybe_finish(d);
}

/*
 * Raises the soft limit on open files to the hard one and returns how many
 * idle connections may be kept for reuse: enough to keep one to each of
 * many hosts, leaving room for the transfers and the database.
 */
static long
conn_cache_size(const struct config *cfg)
{
	struct rlimit	rl;
	long		budget = 1024, n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		budget = rl.rlim_cur == RLIM_INFINITY ? 65536 :
		    (long)rl.rlim_cur;
	}
	n = (budget - 64) / 2 - (long)cfg->concurrency;
	if (n > 4096)
		n = 4096;
	if (n < (long)cfg->concurrency)
		n = (long)cfg->concurrency;
	return n;
}

int
daemon_run(const struct config *cfg, struct store *st, enum daemon_mode mode,
    const int64_t *ids, size_t nids, char *archive_keys)
{
	struct daemon	 d;
	char		 mon[16];
	int64_t		 since;
	int		 rc;

	memset(&d, 0, sizeof(d));
	if (judge_load(cfg, &d.signs, &d.rules, stderr) == -1) {
		secrets_free(archive_keys);
		return 1;
	}
	the_daemon = &d;
	d.cfg = cfg;
	d.st = st;
	d.mode = mode;
	d.cur_due = INT64_MIN;
	d.seed = (unsigned int)(wall_ms() ^ (int64_t)getpid());
	d.once_now = wall_ms();
	d.data_version = store_data_version(st);
	/* Never block the loop for long on another process's lock: the
	 * results wait in memory and the commit is retried. */
	store_set_busy_timeout(st, LOCK_WAIT_MS);
	uv_mutex_init(&d.warc_mu);
	if (uv_loop_init(&d.loop) != 0)
		fatalx("cannot start the event loop");
	{
		struct guard g = { (int)cfg->net_guard, &cfg->net_allow };

		d.http = http_new(&d.loop, conn_cache_size(cfg), &g);
	}
	d.ck = checker_new(&d.loop, d.http, cfg);
	d.sched = sched_new((int)cfg->concurrency, (int)cfg->per_host,
	    cfg->host_delay_ms, start_job, &d);
	d.jg = judge_new(&d.loop, d.ck, cfg, st, d.signs, d.rules);
	if (cfg->warc_capture != WARC_OFF) {
		char		 err[512], *dir = config_warc_dir(cfg);

		if ((d.warc = warc_open(dir, "rotwatch", cfg->warc_max_file,
		    "rotwatch/" ROTWATCH_VERSION, err, sizeof(err))) == NULL)
			log_error("%s: checks go on without local WARC "
			    "capture", err);
		free(dir);
	}
	if (store_monitor(st, mon, sizeof(mon), &since) == 0)
		d.offline = strcmp(mon, "offline") == 0;
	uv_timer_init(&d.loop, &d.tick);
	uv_timer_init(&d.loop, &d.flush);
	uv_timer_init(&d.loop, &d.wake);
	uv_timer_init(&d.loop, &d.grace);
	uv_timer_init(&d.loop, &d.watchdog);
	uv_timer_init(&d.loop, &d.status);
	d.tick.data = d.flush.data = d.wake.data = d.grace.data = &d;
	d.watchdog.data = d.status.data = &d;
	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	uv_signal_init(&d.loop, &d.sighup);
	d.sigint.data = d.sigterm.data = d.sighup.data = &d;
	uv_signal_start(&d.sigint, signal_cb, SIGINT);
	uv_signal_start(&d.sigterm, signal_cb, SIGTERM);
	uv_signal_start(&d.sighup, signal_cb, SIGHUP);
	uv_timer_start(&d.flush, flush_cb, FLUSH_MS, FLUSH_MS);
	if (mode == DAEMON_FOREVER) {
		uv_timer_start(&d.tick, tick_cb, TICK_MS, 0);
		log_info("started: %lld sources due now, concurrency %lld, "
		    "%lld per host", (long long)store_count_due(st, wall_ms()),
		    (long long)cfg->concurrency, (long long)cfg->per_host);
	}
	if (mode == DAEMON_FOREVER && archive_keys)
		d.ar = archiver_new(&d.loop, d.http, st, cfg, archive_keys);
	else
		secrets_free(archive_keys);
	if (mode == DAEMON_FOREVER && cfg->nchannels > 0)
		d.nt = notifier_new(&d.loop, d.http, st, cfg);
	if (mode == DAEMON_FOREVER && d.warc && cfg->warc_tsa && *cfg->warc_tsa)
		d.sm = stamper_new(&d.loop, d.http, st, cfg);
	if (mode == DAEMON_FOREVER) {
		d.mx = metrics_new(&d.loop, cfg, st);
		sdn_init();
		d.last_tick = mono_ms(&d);
		if (sdn_watchdog_ms() > 0)
			uv_timer_start(&d.watchdog, watchdog_cb,
			    (uint64_t)sdn_watchdog_ms() / 2,
			    (uint64_t)sdn_watchdog_ms() / 2);
		uv_timer_start(&d.status, status_cb, STATUS_MS, STATUS_MS);
		sdn_send("READY=1\nMAINPID=%ld\nSTATUS=started", (long)getpid());
	}
	if (mode == DAEMON_LIST)
		for (size_t i = 0; i < nids; i++)
			if (store_get_due(st, ids[i], queue_row, &d) < 0)
				log_error("cannot read source %lld: %s",
				    (long long)ids[i], store_errmsg(st));
	pump(&d);
	uv_run(&d.loop, UV_RUN_DEFAULT);

	/* Shutdown order: the multi may still call back while cleaning up,
	 * then our handles close, then the loop runs their callbacks. */
	checker_free(d.ck);
	if (d.ar)
		archiver_free(d.ar);
	if (d.nt)
		notifier_free(d.nt);
	if (d.sm)
		stamper_free(d.sm);
	http_free(d.http);
	uv_run(&d.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(&d.loop)) != 0)
		log_error("event loop did not close cleanly: %s",
		    uv_strerror(rc));
	sched_free(d.sched, drop_queued);
	judge_free(d.jg);
	warc_close(d.warc);
	uv_mutex_destroy(&d.warc_mu);
	signs_free(d.signs);
	text_rules_free(d.rules);
	for (size_t i = 0; i < d.nconfigs; i++) {
		signs_free(d.old_signs[i]);
		text_rules_free(d.old_rules[i]);
		config_free(d.configs[i]);
	}
	free(d.configs);
	free(d.old_signs);
	free(d.old_rules);
	for (size_t i = 0; i < d.npend; i++)
		judge_clear(&d.pend[i]);
	free(d.held.v);
	free(d.pend);
	if (mode != DAEMON_LIST)
		log_info("stopped after %llu checks",
		    (unsigned long long)d.checks_done);
	the_daemon = NULL;
	return d.failed;
}
