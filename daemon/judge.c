/*
 * judge.c: observations, probes, text versions, events and health.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classify.h"
#include "judge.h"
#include "log.h"
#include "notify.h"
#include "signs.h"
#include "text.h"
#include "timefmt.h"
#include "xmalloc.h"

#define HEALTH_WINDOW_MS 120000	/* hosts checked this recently count */
#define HEALTH_RECOVER	50	/* % failing below which we are back */
#define PROBE_RETRY_S	3600	/* a probe that failed is retried after */
#define MAX_HOPS	16
/*
 * A page with less text than this cannot be told apart from its site's
 * answer to a random URL by its text: it may be an application shell whose
 * content comes from scripts.  It is not probed.
 */
#define PROBE_MIN_WORDS	10

/* A site's answer to a random URL (one per origin). */
struct probe {
	char		*origin;
	int		 pending;	/* a request is in flight */
	int		 dirty;		/* not yet written to the store */
	int64_t		 probed_at;	/* wall ms */
	int		 has_text;	/* a 2xx page: compare with it */
	struct text_sketch *sketch;	/* when has_text */
	/* for the store */
	char		*url, *final_url, *text_hash, *title, *text;
	size_t		 text_len;
	enum check_class cls;
	long		 status;
	struct judged	*waiters;
	struct probe	*next;		/* in the hash chain */
	struct probe	*dnext;		/* in the dirty list */
	struct judge	*jg;
};

struct hslot {
	uint64_t	 key;		/* 0: empty */
	int64_t		 at;
	int		 fail;
};

struct judge {
	uv_loop_t		*loop;
	struct checker		*ck;
	const struct config	*cfg;
	struct store		*st;
	const struct signs	*signs;
	const struct text_rules	*rules;
	struct probe		**tab;		/* origin -> probe */
	size_t			 tabcap, nprobes;
	struct probe		*dirty;
	int			 waiting;
	judge_done_cb		 done;
	void			*done_arg;
	int			 alerts;	/* queued since last asked */
	struct hslot		*win;		/* the health window */
	size_t			 wincap, winn;
	unsigned int		 seed;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

int
judge_load(const struct config *cfg, struct signs **sg,
    struct text_rules **tr, FILE *err)
{
	char why[256];

	*sg = signs_new();
	*tr = text_rules_new();
	if (cfg->parked_file && signs_load(*sg, cfg->parked_file, err) == -1)
		goto bad;
	for (size_t i = 0; i < cfg->nignore; i++)
		if (text_rules_add(*tr, cfg->ignore[i], why, sizeof(why)) ==
		    -1) {
			fprintf(err, "%s: content.ignore = \"%s\": %s\n",
			    cfg->path ? cfg->path : "config", cfg->ignore[i],
			    why);
			goto bad;
		}
	return 0;
bad:
	signs_free(*sg);
	text_rules_free(*tr);
	*sg = NULL;
	*tr = NULL;
	return -1;
}

struct judge *
judge_new(uv_loop_t *loop, struct checker *ck, const struct config *cfg,
    struct store *st, const struct signs *sg, const struct text_rules *tr)
{
	struct judge *jg = xcalloc(1, sizeof(*jg));

	jg->loop = loop;
	jg->ck = ck;
	jg->cfg = cfg;
	jg->st = st;
	jg->signs = sg;
	jg->rules = tr;
	jg->tabcap = 256;
	jg->tab = xcalloc(jg->tabcap, sizeof(*jg->tab));
	jg->wincap = 256;
	jg->win = xcalloc(jg->wincap, sizeof(*jg->win));
	jg->seed = (unsigned int)wall_ms();
	return jg;
}

static void
probe_free(struct probe *p)
{
	free(p->origin);
	free(p->sketch);
	free(p->url);
	free(p->final_url);
	free(p->text_hash);
	free(p->title);
	free(p->text);
	free(p);
}

void
judge_reload(struct judge *jg, const struct config *cfg,
    const struct signs *sg, const struct text_rules *tr)
{
	jg->cfg = cfg;
	jg->signs = sg;
	jg->rules = tr;
}

void
judge_free(struct judge *jg)
{
	if (jg == NULL)
		return;
	for (size_t i = 0; i < jg->tabcap; i++) {
		struct probe *p, *n;

		for (p = jg->tab[i]; p; p = n) {
			n = p->next;
			if (p->pending)
				p->jg = NULL;	/* the check frees it */
			else
				probe_free(p);
		}
	}
	free(jg->tab);
	free(jg->win);
	free(jg);
}

static char *
dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

void
judge_prev_from_row(struct src_prev *p, const struct due_row *r)
{
	int v = vstate_parse(r->state), o = obs_parse(r->observed);

	memset(p, 0, sizeof(*p));
	p->v.state = v < 0 ? VS_NEW : (enum vstate)v;
	p->v.since = r->since;
	p->v.confirmed_at = r->confirmed_at;
	p->v.run_first = r->run_first;
	p->v.run_since = r->run_since;
	p->v.run_n = r->run_n;
	p->observed = o < 0 ? OBS_COUNT : (enum obs)o;
	p->text_hash = dup_or_null(r->text_hash);
	p->body_sha256 = dup_or_null(r->body_sha256);
	p->etag = dup_or_null(r->etag);
	p->last_modified = dup_or_null(r->last_modified);
	p->moved_to = dup_or_null(r->moved_to);
	p->reason = dup_or_null(r->reason);
}

void
judge_prev_clear(struct src_prev *p)
{
	free(p->text_hash);
	free(p->body_sha256);
	free(p->etag);
	free(p->last_modified);
	free(p->moved_to);
	free(p->reason);
	memset(p, 0, sizeof(*p));
}

void
judge_clear(struct judged *j)
{
	check_result_clear(&j->res);
	judge_prev_clear(&j->prev);
	free(j->url);
	free(j->host);
	free(j->title);
	free(j->text);
	free(j->kept);
	j->url = j->host = j->title = j->text = NULL;
	j->kept = NULL;
}

/* ---- URLs ---------------------------------------------------------- */

/* scheme://host[:port] of url, malloc'd. */
static char *
origin_of(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return xstrdup(url);
	p += 3;
	return xstrndup(url, (size_t)(p - url) + strcspn(p, "/?#"));
}

/*
 * A URL beside url that cannot exist: the same folder, a random name, the
 * same extension (sites often route by extension).
 */
static char *
probe_url(struct judge *jg, const char *url, char *name, size_t namelen)
{
	const char	*p = strstr(url, "://"), *path, *slash, *dot;
	static const char hex[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char		 ext[16] = "";
	size_t		 plen;

	p = p ? p + 3 : url;
	path = p + strcspn(p, "/?#");
	plen = strcspn(path, "?#");
	for (slash = path + plen; slash > path && slash[-1] != '/'; slash--)
		;
	dot = memchr(slash, '.', (size_t)(path + plen - slash));
	if (dot && path + plen - dot < (long)sizeof(ext))
		snprintf(ext, sizeof(ext), "%.*s", (int)(path + plen - dot),
		    dot);
	for (size_t i = 0; i + 1 < namelen && i < 20; i++) {
		name[i] = hex[rand_r(&jg->seed) % (sizeof(hex) - 1)];
		name[i + 1] = '\0';
	}
	if (slash == path)	/* no path at all */
		return xasprintf("%.*s/%s%s", (int)(path - url), url, name,
		    ext);
	return xasprintf("%.*s%s%s", (int)(slash - url), url, name, ext);
}

/* The words of a URL's last path segment, to drop from echoing pages. */
static size_t
path_words(const char *url, char *buf, size_t len, const char **w, size_t max)
{
	const char	*p = strstr(url, "://"), *path, *seg;
	size_t		 plen, n = 0, i;

	p = p ? p + 3 : url;
	path = p + strcspn(p, "/?#");
	plen = strcspn(path, "?#");
	for (seg = path + plen; seg > path && seg[-1] != '/'; seg--)
		;
	snprintf(buf, len, "%.*s", (int)(path + plen - seg), seg);
	for (i = 0; buf[i] && n < max; ) {
		size_t	start, digits = 0;

		while (buf[i] == '-' || buf[i] == '_' || buf[i] == '.' ||
		    buf[i] == '%' || buf[i] == '+')
			buf[i++] = '\0';
		if (buf[i] == '\0')
			break;
		start = i;
		while (buf[i] && buf[i] != '-' && buf[i] != '_' &&
		    buf[i] != '.' && buf[i] != '%' && buf[i] != '+')
			digits += buf[i] >= '0' && buf[i++] <= '9';
		/* Short words and numbers are in every page's text. */
		if (i - start >= 3 && digits < i - start)
			w[n++] = buf + start;
	}
	return n;
}

/* Sketch of a page's stable text, without the words of its own URL. */
static struct text_sketch *
page_sketch(struct judge *jg, const char *url, const char *text, size_t len)
{
	struct text_sketch	*sk = xcalloc(1, sizeof(*sk));
	char			 buf[512], *wo, *stable;
	const char		*w[16];
	size_t			 n = path_words(url, buf, sizeof(buf), w, 16);

	wo = text_without(text, len, w, n);
	stable = text_stable(jg->rules, wo, strlen(wo));
	text_sketch(stable, strlen(stable), sk);
	free(stable);
	free(wo);
	return sk;
}

/* ---- probes -------------------------------------------------------- */

static struct probe *
probe_find(struct judge *jg, const char *origin)
{
	struct probe *p;

	for (p = jg->tab[hash_str(origin) & (jg->tabcap - 1)]; p; p = p->next)
		if (strcmp(p->origin, origin) == 0)
			return p;
	return NULL;
}

static void
probe_insert(struct judge *jg, struct probe *p)
{
	size_t i;

	if (jg->nprobes + 1 > jg->tabcap) {
		size_t		 cap = jg->tabcap * 2;
		struct probe	**t = xcalloc(cap, sizeof(*t)), *q, *n;

		for (i = 0; i < jg->tabcap; i++)
			for (q = jg->tab[i]; q; q = n) {
				n = q->next;
				q->next = t[hash_str(q->origin) & (cap - 1)];
				t[hash_str(q->origin) & (cap - 1)] = q;
			}
		free(jg->tab);
		jg->tab = t;
		jg->tabcap = cap;
	}
	i = hash_str(p->origin) & (jg->tabcap - 1);
	p->next = jg->tab[i];
	jg->tab[i] = p;
	jg->nprobes++;
}

struct load_ctx {
	struct judge	*jg;
	struct probe	*p;
	int64_t		 now;
	int		 fresh;
};

static void
load_probe_cb(void *arg, const struct probe_row *r)
{
	struct load_ctx	*lc = arg;
	struct judge	*jg = lc->jg;
	struct probe	*p = lc->p;
	int		 cls = class_parse(r->cls ? r->cls : "");
	int64_t		 ttl = jg->cfg->probe_every_s;
	char		*title = NULL, *text = NULL;
	size_t		 len = 0;

	if (cls < 0)
		return;
	if (cls != CC_OK && cls != CC_REDIRECT && cls != CC_NOT_FOUND &&
	    cls != CC_CLIENT_ERROR)
		ttl = PROBE_RETRY_S;	/* no real answer: ask again soon */
	if (lc->now - r->probed_at > ttl * 1000)
		return;
	p->probed_at = r->probed_at;
	p->cls = (enum check_class)cls;
	p->status = r->http_status;
	if (r->text_hash && store_get_version(jg->st, r->text_hash, &title,
	    &text, &len) == 1) {
		p->sketch = page_sketch(jg, r->url, text, len);
		p->has_text = 1;
	}
	free(title);
	free(text);
	lc->fresh = 1;
}

static void	probe_done(void *, struct check_result *);

/* Returns the origin's probe, loading or starting it as needed. */
static struct probe *
probe_get(struct judge *jg, const char *final_url)
{
	char		*origin = origin_of(final_url), name[32];
	struct probe	*p = probe_find(jg, origin);
	struct load_ctx	 lc;
	struct check_req rq;
	int64_t		 now = wall_ms(), ttl;

	if (p != NULL) {
		free(origin);
		ttl = p->has_text || p->cls == CC_NOT_FOUND ||
		    p->cls == CC_CLIENT_ERROR ? jg->cfg->probe_every_s :
		    PROBE_RETRY_S;
		if (p->pending || now - p->probed_at <= ttl * 1000)
			return p;
	} else {
		p = xcalloc(1, sizeof(*p));
		p->origin = origin;
		p->jg = jg;
		probe_insert(jg, p);
		memset(&lc, 0, sizeof(lc));
		lc.jg = jg;
		lc.p = p;
		lc.now = now;
		if (store_get_probe(jg->st, origin, load_probe_cb, &lc) < 0)
			log_warn("cannot read the probe of %s: %s", origin,
			    store_errmsg(jg->st));
		if (lc.fresh)
			return p;
	}
	/* Ask the site now. */
	free(p->sketch);
	p->sketch = NULL;
	p->has_text = 0;
	free(p->url);
	p->url = probe_url(jg, final_url, name, sizeof(name));
	memset(&rq, 0, sizeof(rq));
	rq.want_text = 1;
	if (checker_start(jg->ck, 0, p->url, &rq, probe_done, p) == -1) {
		p->probed_at = now;	/* judged without it; retried later */
		p->cls = CC_LOCAL_ERROR;
		return p;
	}
	p->pending = 1;
	log_debug("probing %s with %s", p->origin, p->url);
	return p;
}

static void	finish(struct judge *, struct judged *, struct probe *);
static int	put_event(struct judge *, const struct event *, int64_t *);

static void
probe_done(void *arg, struct check_result *r)
{
	struct probe	*p = arg;
	struct judge	*jg = p->jg;
	struct judged	*j, *n;

	p->pending = 0;
	if (jg == NULL) {	/* the judge is gone */
		probe_free(p);
		return;
	}
	p->probed_at = r->started_at;
	p->cls = r->cls;
	p->status = r->http_status;
	free(p->final_url);
	p->final_url = r->final_url ? xstrdup(r->final_url) : NULL;
	free(p->text_hash);
	free(p->title);
	free(p->text);
	p->text_hash = p->title = p->text = NULL;
	if ((r->cls == CC_OK || r->cls == CC_REDIRECT) && r->doc) {
		char h[65];

		p->sketch = page_sketch(jg, p->url, r->doc->text, r->doc->len);
		p->has_text = 1;
		text_hash(jg->rules, r->doc->title, r->doc->text, r->doc->len,
		    h);
		p->text_hash = xstrdup(h);
		p->title = xstrdup(r->doc->title);
		p->text = xstrndup(r->doc->text, r->doc->len);
		p->text_len = r->doc->len;
	}
	if (!p->dirty) {
		p->dirty = 1;
		p->dnext = jg->dirty;
		jg->dirty = p;
	}
	log_debug("probe of %s: %s %ld", p->origin,
	    check_class_names[r->cls], r->http_status);
	j = p->waiters;
	p->waiters = NULL;
	for (; j; j = n) {
		n = j->next;
		j->next = NULL;
		jg->waiting--;
		finish(jg, j, p);
	}
}

int
judge_save_probes(struct judge *jg)
{
	struct probe		*p;
	struct probe_row	 r;

	while ((p = jg->dirty) != NULL) {
		if (p->text && p->text_hash &&
		    store_has_version(jg->st, p->text_hash) == 0 &&
		    store_put_version(jg->st, p->text_hash, p->title, p->text,
		    p->text_len, p->probed_at) == -1)
			return -1;
		memset(&r, 0, sizeof(r));
		r.origin = p->origin;
		r.url = p->url;
		r.probed_at = p->probed_at;
		r.cls = check_class_names[p->cls];
		r.http_status = p->status;
		r.final_url = p->final_url;
		r.text_hash = p->text_hash;
		if (store_put_probe(jg->st, &r) == -1)
			return -1;
		/* Saved: the text is no longer needed, only the sketch. */
		free(p->title);
		free(p->text);
		p->title = p->text = NULL;
		p->dirty = 0;
		jg->dirty = p->dnext;
		p->dnext = NULL;
	}
	return 0;
}

/* ---- judging ------------------------------------------------------- */

/*
 * The hosts of every URL in the redirect chain; *permanent is set if a
 * redirect of the chain was permanent (301 or 308).
 */
static size_t
hop_hosts(const struct check_result *r, char hosts[][256], size_t max,
    int *permanent)
{
	json_t	*a, *v;
	size_t	 i, n = 0, last;

	*permanent = 0;
	if (r->redirects == 0 || r->hops == NULL) {
		if (r->final_url && max > 0)
			text_url_host(r->final_url, hosts[n++], 256);
		return n;
	}
	if ((a = json_loads(r->hops, 0, NULL)) == NULL)
		return 0;
	last = json_array_size(a) - 1;
	json_array_foreach(a, i, v) {
		const char *u = json_string_value(json_object_get(v, "url"));
		json_int_t st = json_integer_value(json_object_get(v,
		    "status"));

		if (u && n < max)
			text_url_host(u, hosts[n++], 256);
		if (i < last && (st == 301 || st == 308))
			*permanent = 1;
	}
	json_decref(a);
	return n;
}

static enum obs
observe(struct judge *jg, struct judged *j, double probe_sim)
{
	struct check_result	*r = &j->res;
	struct obs_in		 in;
	char			 hosts[MAX_HOPS][256];
	const char		*hp[MAX_HOPS];
	int			 permanent;
	size_t			 n = hop_hosts(r, hosts, MAX_HOPS, &permanent);

	for (size_t i = 0; i < n; i++)
		hp[i] = hosts[i];
	memset(&in, 0, sizeof(in));
	in.cls = r->cls;
	in.status = r->http_status;
	in.first_status = r->first_status;
	in.permanent = permanent;
	in.redirects = r->redirects;
	in.url = j->url;
	in.final_url = r->final_url;
	in.hop_hosts = hp;
	in.nhops = n;
	in.doc = r->doc;
	in.signs = jg->signs;
	in.probe_sim = probe_sim;
	in.prev = j->prev.observed;
	in.error = r->error;
	return verdict_observe(&in, j->why, sizeof(j->why));
}

/* Keeps what the store needs of the page's text and drops the rest. */
static void
keep_text(struct judge *jg, struct judged *j)
{
	struct check_result	*r = &j->res;
	struct text_doc		*doc = r->doc;

	if (doc == NULL)
		return;
	if (jg->cfg->content_track && (r->cls == CC_OK ||
	    r->cls == CC_REDIRECT)) {
		text_hash(jg->rules, doc->title, doc->text, doc->len,
		    j->text_hash);
		if (j->prev.text_hash == NULL ||
		    strcmp(j->prev.text_hash, j->text_hash) != 0) {
			j->title = xstrdup(doc->title);
			j->text = xstrndup(doc->text, doc->len);
			j->text_len = doc->len;
		}
	}
	text_doc_free(doc);
	r->doc = NULL;
}

static void
finish(struct judge *jg, struct judged *j, struct probe *p)
{
	if (p && p->has_text && j->res.doc) {
		struct text_sketch *sk = page_sketch(jg, j->url,
		    j->res.doc->text, j->res.doc->len);
		double sim = text_similarity(sk, p->sketch);

		free(sk);
		j->obs = observe(jg, j, sim);
	}
	keep_text(jg, j);
	jg->done(jg->done_arg, j);
}

void
judge_result(struct judge *jg, struct judged *j, judge_done_cb done,
    void *arg)
{
	struct probe *p;

	jg->done = done;
	jg->done_arg = arg;
	j->obs = observe(jg, j, -1);
	if ((j->obs != OBS_ALIVE && j->obs != OBS_MOVED) ||
	    j->res.doc == NULL || j->res.doc->words < PROBE_MIN_WORDS ||
	    !verdict_specific(j->url) || j->res.final_url == NULL) {
		finish(jg, j, NULL);
		return;
	}
	p = probe_get(jg, j->res.final_url);
	if (p->pending) {
		j->next = p->waiters;
		p->waiters = j;
		jg->waiting++;
		return;
	}
	finish(jg, j, p);
}

int
judge_waiting(const struct judge *jg)
{
	return jg->waiting;
}

void
judge_abort(struct judge *jg, void (*drop)(struct judged *))
{
	for (size_t i = 0; i < jg->tabcap; i++)
		for (struct probe *p = jg->tab[i]; p; p = p->next) {
			struct judged *j, *n;

			for (j = p->waiters; j; j = n) {
				n = j->next;
				jg->waiting--;
				drop(j);
			}
			p->waiters = NULL;
		}
}

int
judge_check_aborted(check_done_cb done, void *arg)
{
	struct probe *p = arg;

	if (done != probe_done)
		return 0;
	p->pending = 0;
	if (p->jg == NULL)
		probe_free(p);
	return 1;
}

/* ---- the monitor's health ----------------------------------------- */

void
judge_health_add(struct judge *jg, const char *host, int fail, int64_t now)
{
	uint64_t	 k = hash_str(host);
	size_t		 i, m;

	if ((jg->winn + 1) * 2 > jg->wincap) {
		/* Grow, dropping hosts that left the window. */
		size_t		 cap = jg->wincap, n = 0;
		struct hslot	*old = jg->win;

		for (i = 0; i < cap; i++)
			n += old[i].key && now - old[i].at <= HEALTH_WINDOW_MS;
		while ((n + 1) * 4 > cap)
			cap *= 2;
		jg->win = xcalloc(cap, sizeof(*jg->win));
		jg->winn = 0;
		for (i = 0; i < jg->wincap; i++)
			if (old[i].key && now - old[i].at <= HEALTH_WINDOW_MS) {
				m = cap - 1;
				size_t j = old[i].key & m;

				while (jg->win[j].key)
					j = (j + 1) & m;
				jg->win[j] = old[i];
				jg->winn++;
			}
		free(old);
		jg->wincap = cap;
	}
	m = jg->wincap - 1;
	for (i = k & m; jg->win[i].key && jg->win[i].key != k; i = (i + 1) & m)
		;
	if (jg->win[i].key == 0)
		jg->winn++;
	jg->win[i].key = k;
	jg->win[i].at = now;
	jg->win[i].fail = fail;
}

enum health
judge_health(struct judge *jg, int64_t now, int *hosts, int *failing)
{
	int h = 0, f = 0;

	for (size_t i = 0; i < jg->wincap; i++)
		if (jg->win[i].key && now - jg->win[i].at <= HEALTH_WINDOW_MS) {
			h++;
			f += jg->win[i].fail;
		}
	*hosts = h;
	*failing = f;
	if (h < jg->cfg->offline_min_hosts)
		return HEALTH_UNSURE;
	if ((int64_t)f * 100 >= (int64_t)h * jg->cfg->offline_ratio_pct)
		return HEALTH_OFFLINE;
	if (f * 100 < h * HEALTH_RECOVER)
		return HEALTH_ONLINE;
	return HEALTH_UNSURE;	/* in between: keep what we had */
}

int
judge_commit_health(struct judge *jg, int offline, int hosts, int failing,
    int64_t now)
{
	char		 state[16], detail[160];
	int64_t		 since;
	struct event	 e;

	if (store_monitor(jg->st, state, sizeof(state), &since) == -1)
		return -1;
	if ((strcmp(state, "offline") == 0) == offline)
		return 0;
	memset(&e, 0, sizeof(e));
	e.at = now;
	e.similarity = -1;
	e.type = offline ? "monitor_offline" : "monitor_online";
	snprintf(detail, sizeof(detail), "%d of %d hosts checked in the last "
	    "%d s could not be reached", failing, hosts,
	    HEALTH_WINDOW_MS / 1000);
	e.detail = detail;
	if (put_event(jg, &e, NULL) == -1 || store_set_monitor(jg->st, offline ?
	    "offline" : "online", now, 0) == -1)
		return -1;
	if (offline)
		log_error("monitor offline: %s; no source is judged until "
		    "the network is back", detail);
	else
		log_info("monitor online again: %s", detail);
	return 0;
}

/* Stores an event and queues its alerts, in the caller's transaction. */
static int
put_event(struct judge *jg, const struct event *e, int64_t *idp)
{
	int64_t id;
	int	n;

	if (store_put_event(jg->st, e, &id) == -1 ||
	    (n = notify_event(jg->cfg, jg->st, id, e, e->at)) == -1)
		return -1;
	jg->alerts += n;
	if (idp)
		*idp = id;
	return 0;
}

int
judge_alerts_queued(struct judge *jg)
{
	int n = jg->alerts;

	jg->alerts = 0;
	return n;
}

/* Similarity of two texts' stable forms. */
static double
text_sim(struct judge *jg, const char *a, size_t alen, const char *b,
    size_t blen)
{
	struct text_sketch	*sa = xcalloc(1, sizeof(*sa));
	struct text_sketch	*sb = xcalloc(1, sizeof(*sb));
	char			*x = text_stable(jg->rules, a, alen);
	char			*y = text_stable(jg->rules, b, blen);
	double			 v;

	text_sketch(x, strlen(x), sa);
	text_sketch(y, strlen(y), sb);
	v = text_similarity(sa, sb);
	free(x);
	free(y);
	free(sa);
	free(sb);
	return v;
}

/* Records a content change of an alive source; *id gets the event's. */
static int
content_change(struct judge *jg, struct judged *j, int64_t check_id,
    int64_t at, int64_t *id)
{
	struct src_prev	*pv = &j->prev;
	struct event	 e;
	char		 detail[200], proof[32];
	char		*title = NULL, *text = NULL;
	size_t		 len = 0;
	int		 rc;

	memset(&e, 0, sizeof(e));
	e.source_id = j->res.source_id;
	e.at = at;
	e.type = "changed";
	e.cls = check_class_names[j->res.cls];
	e.check_id = check_id;
	e.similarity = -1;
	e.detail = detail;
	if (j->text_hash[0]) {
		if ((rc = store_get_version(jg->st, pv->text_hash, &title,
		    &text, &len)) == -1)
			return -1;
		if (rc == 1 && j->text)
			e.similarity = text_sim(jg, text, len, j->text,
			    j->text_len);
		free(title);
		free(text);
		e.from_version = pv->text_hash;
		e.to_version = j->text_hash;
		e.change = e.similarity >= 0 && e.similarity * 100.0 >=
		    (double)jg->cfg->minor_similarity_pct ? "minor" :
		    "substantial";
		if (e.similarity >= 0)
			snprintf(detail, sizeof(detail), "text changed "
			    "(similarity %.2f)", e.similarity);
		else
			snprintf(detail, sizeof(detail), "text changed");
	} else {
		e.from_version = pv->body_sha256;
		e.to_version = j->res.sha256;
		e.change = "substantial";
		snprintf(detail, sizeof(detail), "content changed (now %lld "
		    "bytes)", (long long)j->res.body_bytes);
	}
	snprintf(proof, sizeof(proof), "[%lld]", (long long)check_id);
	e.proof = proof;
	return put_event(jg, &e, id);
}

int
judge_commit(struct judge *jg, struct judged *j, int offline,
    struct judge_out *out)
{
	struct check_result	*r = &j->res;
	struct src_prev		*pv = &j->prev;
	struct vparams		 vp;
	struct vrec		 v = pv->v;
	struct source_judged	 u;
	struct event		 e;
	enum obs		 o = j->obs;
	enum vchange		 vc;
	int64_t			 at = r->started_at + r->duration_ms;
	int64_t			 check_id, change_id = 0;
	const char		*th = j->text_hash[0] ? j->text_hash : NULL;
	char			 proof1[32], *proof = NULL;
	int			 alive, rc = -1;

	if (offline && class_network(r->cls)) {
		/* Not the source's fault: no failure counted, and it is
		 * checked again soon. */
		o = OBS_OFFLINE;
		snprintf(j->why, sizeof(j->why), "%s while the monitor was "
		    "offline: not counted", check_class_names[r->cls]);
		j->fails = j->prev_fails;
		j->next_due = wall_ms() + jg->cfg->retry_s * 1000;
	}
	if (j->text && th && store_has_version(jg->st, th) == 0 &&
	    store_put_version(jg->st, th, j->title, j->text, j->text_len,
	    at) == -1)
		return -1;
	if (store_put_check(jg->st, r, obs_names[o], j->why, th,
	    &check_id) == -1)
		return -1;
	vp.confirm_checks = (int)jg->cfg->confirm_checks;
	vp.confirm_span_ms = jg->cfg->confirm_span_ms;
	vc = verdict_apply(&v, o, at, check_id, &vp);
	out->check_id = check_id;
	out->from = vstate_names[pv->v.state];
	out->to = vstate_names[v.state];

	memset(&e, 0, sizeof(e));
	e.source_id = r->source_id;
	e.at = at;
	e.type = "state";
	e.from = vstate_names[pv->v.state];
	e.to = vstate_names[v.state];
	e.cls = check_class_names[r->cls];
	e.check_id = check_id;
	e.similarity = -1;
	e.detail = j->why;
	snprintf(proof1, sizeof(proof1), "[%lld]", (long long)check_id);
	e.proof = proof1;
	if (vc == VC_CONFIRMED) {
		if ((proof = store_run_proof(jg->st, r->source_id,
		    v.run_first)) == NULL)
			return -1;
		e.proof = proof;
	}
	if (vc != VC_NONE && put_event(jg, &e, NULL) == -1)
		goto done;
	if (vc == VC_NONE && o == OBS_MOVED && pv->moved_to && r->final_url &&
	    strcmp(pv->moved_to, r->final_url) != 0) {
		/* Still moved, but somewhere else now. */
		if (put_event(jg, &e, NULL) == -1)
			goto done;
		out->from = "moved (elsewhere)";
	}

	alive = o == OBS_ALIVE || o == OBS_MOVED;
	memset(&u, 0, sizeof(u));
	u.id = r->source_id;
	u.state = vstate_names[v.state];
	u.since = v.since;
	u.confirmed_at = v.confirmed_at;
	u.run_first = v.run_first;
	u.run_since = v.run_since;
	u.run_n = v.run_n;
	u.observed = o == OBS_LOCAL || o == OBS_OFFLINE ?
	    (pv->observed < OBS_COUNT ? obs_names[pv->observed] : NULL) :
	    obs_names[o];
	u.reason = o == OBS_LOCAL || o == OBS_OFFLINE ? pv->reason : j->why;
	u.moved_to = v.state != VS_MOVED ? NULL : o == OBS_MOVED ?
	    r->final_url : pv->moved_to;
	u.text_hash = pv->text_hash;
	u.body_sha256 = pv->body_sha256;
	u.etag = pv->etag;
	u.last_modified = pv->last_modified;
	u.fails = j->fails;
	u.next_due = j->next_due;
	u.last_check = check_id;
	if (alive && r->cls != CC_NOT_MODIFIED && jg->cfg->content_track) {
		int differs = th ? pv->text_hash != NULL &&
		    strcmp(pv->text_hash, th) != 0 : r->sha256[0] &&
		    pv->text_hash == NULL && pv->body_sha256 != NULL &&
		    strcmp(pv->body_sha256, r->sha256) != 0;

		if (differs) {
			if (content_change(jg, j, check_id, at,
			    &change_id) == -1)
				goto done;
			u.last_change = change_id;
		}
		u.text_hash = th;
		u.body_sha256 = th ? NULL : r->sha256[0] ? r->sha256 : NULL;
		u.etag = r->etag;
		u.last_modified = r->last_modified;
	}
	rc = store_judged(jg->st, &u);
done:
	free(proof);
	return rc;
}
