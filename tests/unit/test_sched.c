/*
 * Admission limits and next-check times, on a fake clock.
 */
#include <stdlib.h>

#include "sched.h"
#include "xmalloc.h"
#include "t.h"

struct rec {
	struct sched_job	*started[64];
	int			 n;
};

static void
on_start(void *arg, struct sched_job *j)
{
	struct rec *r = arg;

	r->started[r->n++] = j;
}

static struct sched_job *
job(int64_t id, const char *host)
{
	struct sched_job *j = xcalloc(1, sizeof(*j));

	j->id = id;
	j->host = xstrdup(host);
	j->url = xasprintf("http://%s/%lld", host, (long long)id);
	return j;
}

static void
job_free(struct sched_job *j)
{
	free(j->url);
	free(j->host);
	free(j);
}

TEST(global_limit_admits_as_capacity_frees)
{
	struct rec	 r = { .n = 0 };
	struct sched	*s = sched_new(3, 10, 0, on_start, &r);

	for (int i = 1; i <= 10; i++)
		sched_push(s, job(i, i % 2 ? "a.example" : "b.example"));
	sched_pump(s, 0);
	T_EQ_INT(r.n, 3);
	T_EQ_INT(sched_active(s), 3);
	T_EQ_INT(sched_queued(s), 7);
	sched_done(s, r.started[0], 1);
	sched_pump(s, 1);
	T_EQ_INT(r.n, 4);
	T_EQ_INT(r.started[3]->id, 4);	/* FIFO */
	for (int i = 0; i < r.n; i++)
		if (r.started[i]->h)
			sched_done(s, r.started[i], 2);
	sched_pump(s, 2);
	T_EQ_INT(r.n, 7);
	for (int i = 0; i < r.n; i++)
		if (r.started[i]->h)
			sched_done(s, r.started[i], 3);
	sched_pump(s, 3);
	T_EQ_INT(r.n, 10);
	T_EQ_INT(sched_queued(s), 0);
	for (int i = 0; i < r.n; i++) {
		if (r.started[i]->h)
			sched_done(s, r.started[i], 4);
		job_free(r.started[i]);
	}
	T_EQ_INT(sched_active(s), 0);
	sched_free(s, job_free);
}

TEST(per_host_limit_lets_other_hosts_pass)
{
	struct rec	 r = { .n = 0 };
	struct sched	*s = sched_new(10, 2, 0, on_start, &r);

	for (int i = 1; i <= 6; i++)
		sched_push(s, job(i, "slow.example"));
	sched_push(s, job(7, "other.example"));
	sched_pump(s, 0);
	/* Two to the busy host, and the other host is not held up. */
	T_EQ_INT(r.n, 3);
	T_EQ_INT(r.started[0]->id, 1);
	T_EQ_INT(r.started[1]->id, 2);
	T_EQ_INT(r.started[2]->id, 7);
	sched_done(s, r.started[0], 5);
	sched_pump(s, 5);
	T_EQ_INT(r.n, 4);
	T_EQ_INT(r.started[3]->id, 3);
	for (int i = 0; i < r.n; i++) {
		if (r.started[i]->h)
			sched_done(s, r.started[i], 6);
		job_free(r.started[i]);
	}
	sched_free(s, job_free);
}

TEST(host_delay_spaces_requests_to_one_host)
{
	struct rec	 r = { .n = 0 };
	struct sched	*s = sched_new(10, 4, 500, on_start, &r);
	int64_t		 wait;

	sched_push(s, job(1, "h.example"));
	sched_push(s, job(2, "h.example"));
	sched_push(s, job(3, "g.example"));
	wait = sched_pump(s, 1000);
	T_EQ_INT(r.n, 2);		/* 1 and 3 */
	T_EQ_INT(wait, 500);		/* 2 waits for the delay */
	T_EQ_INT(sched_pump(s, 1400), 100);
	T_EQ_INT(r.n, 2);
	sched_pump(s, 1500);
	T_EQ_INT(r.n, 3);
	T_EQ_INT(r.started[2]->id, 2);
	for (int i = 0; i < r.n; i++) {
		sched_done(s, r.started[i], 2000);
		job_free(r.started[i]);
	}
	sched_free(s, job_free);
}

TEST(drop_queued_keeps_running_jobs)
{
	struct rec	 r = { .n = 0 };
	struct sched	*s = sched_new(1, 1, 0, on_start, &r);

	sched_push(s, job(1, "a.example"));
	sched_push(s, job(2, "a.example"));
	sched_push(s, job(3, "b.example"));
	sched_pump(s, 0);
	T_EQ_INT(r.n, 1);
	sched_drop_queued(s, job_free);
	T_EQ_INT(sched_queued(s), 0);
	sched_done(s, r.started[0], 1);
	sched_pump(s, 1);
	T_EQ_INT(r.n, 1);
	job_free(r.started[0]);
	sched_free(s, job_free);
}

static struct next_in
base(enum check_class c, int fails)
{
	struct next_in in = {
		.now = 1000000, .interval_s = 86400, .jitter_pct = 0,
		.retry_s = 3600, .backoff_max_s = 7 * 86400, .fails = fails,
		.cls = c, .retry_after_s = 0, .rnd = 0.5,
	};
	return in;
}

TEST(next_due_up_waits_interval)
{
	struct next_in in = base(CC_OK, 0);

	T_EQ_INT(sched_next_due(&in), 1000000 + 86400 * 1000LL);
}

TEST(next_due_failures_back_off_exponentially)
{
	struct next_in in = base(CC_SERVER_ERROR, 1);

	T_EQ_INT(sched_next_due(&in) - in.now, 3600 * 1000LL);
	in.fails = 2;
	T_EQ_INT(sched_next_due(&in) - in.now, 7200 * 1000LL);
	in.fails = 4;
	T_EQ_INT(sched_next_due(&in) - in.now, 8 * 3600 * 1000LL);
	in.fails = 40;		/* capped */
	T_EQ_INT(sched_next_due(&in) - in.now, 7 * 86400 * 1000LL);
}

TEST(next_due_honours_retry_after_up_to_a_day)
{
	struct next_in in = base(CC_BLOCKED, 1);

	in.retry_after_s = 7200;
	T_EQ_INT(sched_next_due(&in) - in.now, 7200 * 1000LL);
	in.retry_after_s = 10 * 86400;
	T_EQ_INT(sched_next_due(&in) - in.now, 86400 * 1000LL);
}

TEST(next_due_local_error_retries_without_backoff)
{
	struct next_in in = base(CC_LOCAL_ERROR, 5);

	T_EQ_INT(sched_next_due(&in) - in.now, 3600 * 1000LL);
}

TEST(next_due_jitter_stays_in_bounds)
{
	struct next_in in = base(CC_OK, 0);

	in.jitter_pct = 10;
	in.rnd = 0.0;
	T_EQ_INT(sched_next_due(&in) - in.now, 86400 * 900LL);
	in.rnd = 0.999999;
	T_ASSERT(sched_next_due(&in) - in.now <= 86400 * 1100LL);
	T_ASSERT(sched_next_due(&in) - in.now > 86400 * 1099LL);
}

int
main(void)
{
	RUN(global_limit_admits_as_capacity_frees);
	RUN(per_host_limit_lets_other_hosts_pass);
	RUN(host_delay_spaces_requests_to_one_host);
	RUN(drop_queued_keeps_running_jobs);
	RUN(next_due_up_waits_interval);
	RUN(next_due_failures_back_off_exponentially);
	RUN(next_due_honours_retry_after_up_to_a_day);
	RUN(next_due_local_error_retries_without_backoff);
	RUN(next_due_jitter_stays_in_bounds);
	return t_done();
}
