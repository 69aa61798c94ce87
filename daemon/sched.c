/*
 * sched.c: admission control and next-check times.
 */
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "xmalloc.h"

struct sched_host {
	char			*name;
	int			 active;
	int64_t			 next_ok;	/* earliest next start */
	struct sched_job	*wait_head, *wait_tail;
	int			 on_ready;	/* in the ready list */
	struct sched_host	*hnext;		/* hash chain */
	struct sched_host	*rnext;		/* ready or delayed list */
};

struct sched {
	int			 max_active, per_host;
	int64_t			 delay;
	sched_start_cb		 start;
	void			*arg;
	struct sched_job	*q_head, *q_tail;	/* new jobs */
	struct sched_host	*ready_head, *ready_tail; /* hosts with
							 * waiting jobs */
	struct sched_host	**tab;
	size_t			 tabsize, nhosts;
	size_t			 queued, active;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void
grow(struct sched *s)
{
	size_t			 n = s->tabsize ? s->tabsize * 2 : 256;
	struct sched_host	**t = xcalloc(n, sizeof(*t)), *h, *nx;

	for (size_t i = 0; i < s->tabsize; i++)
		for (h = s->tab[i]; h; h = nx) {
			nx = h->hnext;
			h->hnext = t[hash_str(h->name) & (n - 1)];
			t[hash_str(h->name) & (n - 1)] = h;
		}
	free(s->tab);
	s->tab = t;
	s->tabsize = n;
}

static struct sched_host *
host_get(struct sched *s, const char *name)
{
	struct sched_host	*h;
	size_t			 i;

	if (s->tabsize) {
		i = hash_str(name) & (s->tabsize - 1);
		for (h = s->tab[i]; h; h = h->hnext)
			if (strcmp(h->name, name) == 0)
				return h;
	}
	if (s->nhosts + 1 > s->tabsize / 2)
		grow(s);
	h = xcalloc(1, sizeof(*h));
	h->name = xstrdup(name);
	i = hash_str(name) & (s->tabsize - 1);
	h->hnext = s->tab[i];
	s->tab[i] = h;
	s->nhosts++;
	return h;
}

/* Drops a host that has nothing running, waiting or to wait for. */
static void
host_maybe_free(struct sched *s, struct sched_host *h, int64_t now)
{
	struct sched_host **pp;

	if (h->active || h->wait_head || h->on_ready || h->next_ok > now)
		return;
	for (pp = &s->tab[hash_str(h->name) & (s->tabsize - 1)]; *pp;
	    pp = &(*pp)->hnext)
		if (*pp == h) {
			*pp = h->hnext;
			break;
		}
	s->nhosts--;
	free(h->name);
	free(h);
}

void
sched_limits(struct sched *s, int max_active, int per_host,
    int64_t host_delay_ms)
{
	s->max_active = max_active;
	s->per_host = per_host;
	s->delay = host_delay_ms;
}

struct sched *
sched_new(int max_active, int per_host, int64_t host_delay_ms,
    sched_start_cb start, void *arg)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->max_active = max_active;
	s->per_host = per_host;
	s->delay = host_delay_ms;
	s->start = start;
	s->arg = arg;
	grow(s);
	return s;
}

void
sched_free(struct sched *s, void (*free_job)(struct sched_job *))
{
	struct sched_job	*j, *nj;
	struct sched_host	*h, *nh;

	for (j = s->q_head; j; j = nj) {
		nj = j->next;
		free_job(j);
	}
	for (size_t i = 0; i < s->tabsize; i++)
		for (h = s->tab[i]; h; h = nh) {
			nh = h->hnext;
			for (j = h->wait_head; j; j = nj) {
				nj = j->next;
				free_job(j);
			}
			free(h->name);
			free(h);
		}
	free(s->tab);
	free(s);
}

void
sched_drop_queued(struct sched *s, void (*free_job)(struct sched_job *))
{
	struct sched_job	*j, *nj;
	struct sched_host	*h;

	for (j = s->q_head; j; j = nj) {
		nj = j->next;
		free_job(j);
	}
	s->q_head = s->q_tail = NULL;
	for (h = s->ready_head; h; h = h->rnext)
		h->on_ready = 0;
	s->ready_head = s->ready_tail = NULL;
	for (size_t i = 0; i < s->tabsize; i++)
		for (h = s->tab[i]; h; h = h->hnext) {
			for (j = h->wait_head; j; j = nj) {
				nj = j->next;
				free_job(j);
			}
			h->wait_head = h->wait_tail = NULL;
		}
	s->queued = 0;
}

void
sched_push(struct sched *s, struct sched_job *j)
{
	j->next = NULL;
	j->h = NULL;
	if (s->q_tail)
		s->q_tail->next = j;
	else
		s->q_head = j;
	s->q_tail = j;
	s->queued++;
}

static int
host_can_start(const struct sched *s, const struct sched_host *h, int64_t now)
{
	return h->active < s->per_host && h->next_ok <= now;
}

static void
run(struct sched *s, struct sched_host *h, struct sched_job *j, int64_t now)
{
	j->h = h;
	h->active++;
	h->next_ok = now + s->delay;
	s->active++;
	s->queued--;
	s->start(s->arg, j);
}

static void
ready_add(struct sched *s, struct sched_host *h)
{
	if (h->on_ready)
		return;
	h->on_ready = 1;
	h->rnext = NULL;
	if (s->ready_tail)
		s->ready_tail->rnext = h;
	else
		s->ready_head = h;
	s->ready_tail = h;
}

void
sched_done(struct sched *s, struct sched_job *j, int64_t now)
{
	struct sched_host *h = j->h;

	s->active--;
	h->active--;
	j->h = NULL;
	if (h->wait_head)
		ready_add(s, h);
	else
		host_maybe_free(s, h, now);
}

int64_t
sched_pump(struct sched *s, int64_t now)
{
	struct sched_host	*h, *keep_head = NULL, *keep_tail = NULL;
	struct sched_job	*j;
	int64_t			 wait = -1;

	/* Hosts with waiting jobs go first: their jobs are older. */
	while ((h = s->ready_head) != NULL &&
	    s->active < (size_t)s->max_active) {
		s->ready_head = h->rnext;
		if (s->ready_head == NULL)
			s->ready_tail = NULL;
		h->rnext = NULL;
		while (h->wait_head && host_can_start(s, h, now) &&
		    s->active < (size_t)s->max_active) {
			j = h->wait_head;
			h->wait_head = j->next;
			if (h->wait_head == NULL)
				h->wait_tail = NULL;
			run(s, h, j, now);
		}
		if (h->wait_head && h->active < s->per_host &&
		    h->next_ok > now) {
			/* Held back by the per-host delay only. */
			if (wait < 0 || h->next_ok - now < wait)
				wait = h->next_ok - now;
			if (keep_tail)
				keep_tail->rnext = h;
			else
				keep_head = h;
			keep_tail = h;
		} else if (h->wait_head && s->active >= (size_t)s->max_active) {
			if (keep_tail)
				keep_tail->rnext = h;
			else
				keep_head = h;
			keep_tail = h;
		} else
			h->on_ready = 0;	/* sched_done re-adds it */
	}
	if (keep_head) {	/* put the held-back hosts in front */
		keep_tail->rnext = s->ready_head;
		s->ready_head = keep_head;
		if (s->ready_tail == NULL)
			s->ready_tail = keep_tail;
	}
	while ((j = s->q_head) != NULL && s->active < (size_t)s->max_active) {
		s->q_head = j->next;
		if (s->q_head == NULL)
			s->q_tail = NULL;
		j->next = NULL;
		h = host_get(s, j->host);
		if (h->wait_head == NULL && host_can_start(s, h, now)) {
			run(s, h, j, now);
			continue;
		}
		if (h->wait_tail)
			h->wait_tail->next = j;
		else
			h->wait_head = j;
		h->wait_tail = j;
		if (h->active < s->per_host) {
			/* Only the delay holds it: it must be woken. */
			ready_add(s, h);
			if (wait < 0 || h->next_ok - now < wait)
				wait = h->next_ok - now;
		}
	}
	return wait;
}

size_t
sched_queued(const struct sched *s)
{
	return s->queued;
}

size_t
sched_active(const struct sched *s)
{
	return s->active;
}

int64_t
sched_next_due(const struct next_in *in)
{
	int64_t	 d;
	double	 spread;

	if (in->cls == CC_OK || in->cls == CC_REDIRECT)
		d = in->interval_s;
	else if (in->cls == CC_LOCAL_ERROR)
		d = in->retry_s;
	else {
		int shift = in->fails > 1 ? in->fails - 1 : 0;

		d = in->retry_s;
		while (shift-- > 0 && d < in->backoff_max_s)
			d *= 2;
		if (d > in->backoff_max_s)
			d = in->backoff_max_s;
		if (in->retry_after_s > d)
			d = in->retry_after_s < 86400 ? in->retry_after_s :
			    86400;
	}
	spread = ((in->rnd * 2.0) - 1.0) * (double)in->jitter_pct / 100.0;
	return in->now + (int64_t)((double)d * 1000.0 * (1.0 + spread));
}
