/*
 * test_verdict.c: the observation rules and the state machine.
 */
#include <stdlib.h>
#include <string.h>

#include "signs.h"
#include "text.h"
#include "t.h"
#include "verdict.h"

#define H	3600000LL	/* an hour in ms */

static const struct vparams P = { 3, 72 * H };

/* Applies observations at the given hours; returns the final state and
 * the number of state changes. */
static enum vstate
run(struct vrec *r, const enum obs *o, const double *hours, int n,
    int *changes, int *confirmed)
{
	*changes = *confirmed = 0;
	for (int i = 0; i < n; i++) {
		enum vchange c = verdict_apply(r, o[i], (int64_t)(hours[i] *
		    H), 100 + i, &P);

		*changes += c != VC_NONE;
		*confirmed += c == VC_CONFIRMED;
	}
	return r->state;
}

TEST(dead_needs_checks_and_time)
{
	struct vrec	 r = { VS_ALIVE, 0, 0, 0, 0, 0 };
	enum obs	 o[] = { OBS_FAIL, OBS_FAIL, OBS_FAIL, OBS_FAIL };
	double		 h[] = { 1, 2, 3, 71 };
	int		 ch, cf;

	/* Four failures, but only 70 h apart: suspect, not dead. */
	T_EQ_INT(run(&r, o, h, 4, &ch, &cf), VS_SUSPECT);
	T_EQ_INT(ch, 1);
	T_EQ_INT(cf, 0);
	T_EQ_INT(r.run_n, 4);
	T_EQ_INT(r.run_first, 100);
	/* The fifth, 72 h after the first: confirmed, proof from check 100. */
	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 73 * H, 200, &P), VC_CONFIRMED);
	T_EQ_INT(r.state, VS_DEAD);
	T_EQ_INT(r.confirmed_at, 73 * H);
	T_EQ_INT(r.run_first, 100);
	/* Still failing: nothing new. */
	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 80 * H, 201, &P), VC_NONE);
	/* Back: alive at once, the run is over. */
	T_EQ_INT(verdict_apply(&r, OBS_ALIVE, 90 * H, 202, &P), VC_STATE);
	T_EQ_INT(r.state, VS_ALIVE);
	T_EQ_INT(r.run_n, 0);
	T_EQ_INT(r.confirmed_at, 0);
}

TEST(two_failures_over_a_week_are_not_enough)
{
	struct vrec	 r = { VS_ALIVE, 0, 0, 0, 0, 0 };
	enum obs	 o[] = { OBS_FAIL, OBS_FAIL };
	double		 h[] = { 0, 200 };
	int		 ch, cf;

	T_EQ_INT(run(&r, o, h, 2, &ch, &cf), VS_SUSPECT);
	T_EQ_INT(cf, 0);
}

TEST(flapping_never_dies)
{
	struct vrec	 r = { VS_NEW, 0, 0, 0, 0, 0 };
	enum obs	 o[40];
	double		 h[40];
	int		 ch, cf;

	for (int i = 0; i < 40; i++) {
		o[i] = i % 2 ? OBS_FAIL : OBS_ALIVE;
		h[i] = i * 24.0;
	}
	T_EQ_INT(run(&r, o, h, 40, &ch, &cf), VS_SUSPECT);
	T_EQ_INT(cf, 0);
	T_EQ_INT(ch, 40);	/* one per real change, new -> alive included */
}

TEST(blocked_is_never_dead)
{
	struct vrec	 r = { VS_ALIVE, 0, 0, 0, 0, 0 };
	int		 ch, cf;
	enum obs	 o[] = { OBS_BLOCKED, OBS_BLOCKED, OBS_BLOCKED,
			    OBS_BLOCKED };
	double		 h[] = { 0, 48, 96, 200 };

	T_EQ_INT(run(&r, o, h, 4, &ch, &cf), VS_BLOCKED);
	T_EQ_INT(ch, 1);
	T_EQ_INT(cf, 0);
	/* A block in the middle of a failing run ends the run. */
	r.state = VS_ALIVE;
	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 300 * H, 1, &P), VC_STATE);
	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 340 * H, 2, &P), VC_NONE);
	T_EQ_INT(verdict_apply(&r, OBS_BLOCKED, 360 * H, 3, &P), VC_STATE);
	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 380 * H, 4, &P), VC_STATE);
	T_EQ_INT(r.run_n, 1);
	T_EQ_INT(r.run_first, 4);
}

TEST(local_and_offline_change_nothing)
{
	struct vrec	 r = { VS_SUSPECT, 5, 0, 7, 5, 2 };
	struct vrec	 before = r;

	T_EQ_INT(verdict_apply(&r, OBS_LOCAL, 100 * H, 9, &P), VC_NONE);
	T_EQ_INT(verdict_apply(&r, OBS_OFFLINE, 200 * H, 10, &P), VC_NONE);
	T_ASSERT(r.state == before.state && r.since == before.since &&
	    r.confirmed_at == before.confirmed_at &&
	    r.run_first == before.run_first &&
	    r.run_since == before.run_since && r.run_n == before.run_n);
}

TEST(confirmed_kind_is_the_latest)
{
	struct vrec	 r = { VS_ALIVE, 0, 0, 0, 0, 0 };
	enum obs	 o[] = { OBS_FAIL, OBS_SOFT404, OBS_SOFT404 };
	double		 h[] = { 0, 40, 80 };
	int		 ch, cf;

	T_EQ_INT(run(&r, o, h, 3, &ch, &cf), VS_SOFT404);
	T_EQ_INT(cf, 1);
	/* Confirmed rot that turns parked changes kind at once. */
	T_EQ_INT(verdict_apply(&r, OBS_PARKED, 90 * H, 9, &P), VC_STATE);
	T_EQ_INT(r.state, VS_PARKED);
	T_ASSERT(r.confirmed_at == 90 * H);
}

TEST(one_check_rule_confirms_at_once)
{
	struct vparams	 p1 = { 1, 0 };
	struct vrec	 r = { VS_NEW, 0, 0, 0, 0, 0 };

	T_EQ_INT(verdict_apply(&r, OBS_FAIL, 1, 1, &p1), VC_CONFIRMED);
	T_EQ_INT(r.state, VS_DEAD);
}

TEST(names_round_trip)
{
	for (int i = 0; i < VS_COUNT; i++)
		T_EQ_INT(vstate_parse(vstate_names[i]), i);
	for (int i = 0; i < OBS_COUNT; i++)
		T_EQ_INT(obs_parse(obs_names[i]), i);
	T_EQ_INT(vstate_parse("up"), -1);
	T_EQ_INT(obs_parse(NULL), -1);
}

TEST(different_resource)
{
	T_EQ_INT(verdict_different("http://a.org/x", "https://a.org/x"), 0);
	T_EQ_INT(verdict_different("http://a.org/x", "https://www.a.org/x/"),
	    0);
	T_EQ_INT(verdict_different("http://a.org/d/", "http://a.org/d/"
	    "index.html"), 0);
	T_EQ_INT(verdict_different("http://A.org:80/x", "http://a.org/x"), 0);
	T_EQ_INT(verdict_different("http://a.org/x", "http://a.org/y"), 1);
	T_EQ_INT(verdict_different("http://a.org/x?id=1", "http://a.org/x?"
	    "id=2"), 1);
	T_EQ_INT(verdict_different("http://a.org/x", "http://b.org/x"), 1);
	T_EQ_INT(verdict_different("http://a.org/X", "http://a.org/x"), 1);
}

/* An observation from a status, a redirect and a page. */
static enum obs
see(struct signs *sg, enum check_class cls, long status, long first,
    const char *url, const char *final, const char *html, double sim,
    char *why)
{
	struct obs_in		 in;
	struct text_doc		*doc = NULL;
	enum obs		 o;
	const char		*hops[2];

	memset(&in, 0, sizeof(in));
	if (html) {
		struct text_parser *tp = text_parser_new(TEXT_HTML, 1 << 20);

		text_parser_feed(tp, html, strlen(html));
		doc = text_parser_finish(tp);
	}
	in.cls = cls;
	in.status = status;
	in.first_status = first;
	in.redirects = first != status ? 1 : 0;
	in.url = url;
	in.final_url = final;
	hops[0] = "a.org";
	hops[1] = "b.org";
	in.hop_hosts = hops;
	in.nhops = 2;
	in.doc = doc;
	in.signs = sg;
	in.probe_sim = sim;
	in.prev = OBS_COUNT;
	o = verdict_observe(&in, why, 300);
	if (doc)
		text_doc_free(doc);
	return o;
}

#define PAGE(t, b) "<html><head><title>" t "</title></head><body><main>" \
	b "</main></body></html>"

TEST(observations)
{
	struct signs	*sg = signs_new();
	char		 why[300];
	const char	*u = "http://a.org/reports/2024/border.html";
	const char	*art = PAGE("Border report", "<p>Biometric data of "
			    "migrants is shared between agencies.</p>");

	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, art, -1, why), OBS_ALIVE);
	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, art, 0.2, why), OBS_ALIVE);
	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, art, 0.97, why), OBS_SOFT404);
	T_ASSERT(strstr(why, "random URL") != NULL);
	/* The root is never judged by its likeness to the probe. */
	T_EQ_INT(see(sg, CC_OK, 200, 200, "http://a.org/", "http://a.org/",
	    art, 0.99, why), OBS_ALIVE);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 301, u, "http://a.org/", art, -1,
	    why), OBS_SOFT404);
	T_ASSERT(strstr(why, "root") != NULL);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 302, u, "http://a.org/login?next="
	    "/reports", art, -1, why), OBS_SOFT404);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 301, u, "http://a.org/search?q="
	    "border", art, -1, why), OBS_SOFT404);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 301, u, "http://a.org/new/border",
	    art, -1, why), OBS_MOVED);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 308, u, "http://a.org/new/border",
	    art, -1, why), OBS_MOVED);
	/* A 302 to a page that moved for good: moved. */
	{
		struct obs_in	 in;
		const char	*h[1] = { "a.org" };

		memset(&in, 0, sizeof(in));
		in.cls = CC_REDIRECT;
		in.status = 200;
		in.first_status = 302;
		in.permanent = 1;
		in.redirects = 2;
		in.url = u;
		in.final_url = "http://a.org/2025/border.html";
		in.hop_hosts = h;
		in.nhops = 1;
		in.signs = sg;
		in.probe_sim = -1;
		in.prev = OBS_COUNT;
		T_EQ_INT(verdict_observe(&in, why, sizeof(why)), OBS_MOVED);
	}
	/* Temporary, or only to https: still alive. */
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 302, u, "http://a.org/new/border",
	    art, -1, why), OBS_ALIVE);
	T_EQ_INT(see(sg, CC_REDIRECT, 200, 301, u, "https://a.org/reports/"
	    "2024/border.html", art, -1, why), OBS_ALIVE);
	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, PAGE("Page not found",
	    "<h1>Page not found</h1><p>Sorry.</p>"), -1, why), OBS_SOFT404);
	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, PAGE("Página no encontrada",
	    "<p>Lo sentimos.</p>"), -1, why), OBS_SOFT404);
	T_EQ_INT(see(sg, CC_OK, 200, 200, u, u, PAGE("example.org",
	    "<p>This domain is for sale!</p>"), -1, why), OBS_PARKED);
	T_EQ_INT(see(sg, CC_BLOCKED, 403, 403, u, u, NULL, -1, why),
	    OBS_BLOCKED);
	T_EQ_INT(see(sg, CC_SERVER_ERROR, 503, 503, u, u, PAGE(
	    "Just a moment...", "<p>Checking your browser before accessing "
	    "a.org.</p>"), -1, why), OBS_BLOCKED);
	T_EQ_INT(see(sg, CC_SERVER_ERROR, 503, 503, u, u, NULL, -1, why),
	    OBS_FAIL);
	T_EQ_INT(see(sg, CC_NOT_FOUND, 404, 404, u, u, NULL, -1, why),
	    OBS_FAIL);
	T_EQ_INT(see(sg, CC_DNS_NXDOMAIN, 0, 0, u, NULL, NULL, -1, why),
	    OBS_FAIL);
	T_EQ_INT(see(sg, CC_LOCAL_ERROR, 0, 0, u, NULL, NULL, -1, why),
	    OBS_LOCAL);
	T_EQ_INT(see(sg, CC_NOT_MODIFIED, 304, 304, u, u, NULL, -1, why),
	    OBS_ALIVE);
	/* Refused by our SSRF guard: like a local error, with its reason;
	 * at a redirect hop too. */
	{
		struct obs_in	 in;
		struct vrec	 r = { VS_ALIVE, 1, 0, 0, 0, 0 };
		struct vparams	 p = { 1, 0 };

		memset(&in, 0, sizeof(in));
		in.cls = CC_BLOCKED_POLICY;
		in.status = 302;
		in.redirects = 1;
		in.url = u;
		in.prev = OBS_ALIVE;
		in.error = "refused by the SSRF guard: 127.0.0.1 is loopback";
		T_EQ_INT(verdict_observe(&in, why, sizeof(why)), OBS_LOCAL);
		T_EQ_STR(why, in.error);
		T_EQ_INT(verdict_apply(&r, OBS_LOCAL, 100, 9, &p), VC_NONE);
		T_EQ_INT(r.state, VS_ALIVE);
		T_EQ_INT(r.run_n, 0);
	}
	signs_free(sg);
}

TEST(hosts_of_redirect_hops)
{
	char h[256];

	T_EQ_INT(text_url_host("https://User@WWW.Sedo.COM.:8080/x?y", h,
	    sizeof(h)), 1);
	T_EQ_STR(h, "www.sedo.com");
	T_EQ_INT(text_url_host("http://127.0.5.9:41234/lander", h, sizeof(h)),
	    1);
	T_EQ_STR(h, "127.0.5.9");
	T_EQ_INT(text_url_host("ftp://a.org/", h, sizeof(h)), 0);
	T_EQ_STR(h, "");
}

int
main(void)
{
	RUN(dead_needs_checks_and_time);
	RUN(two_failures_over_a_week_are_not_enough);
	RUN(flapping_never_dies);
	RUN(blocked_is_never_dead);
	RUN(local_and_offline_change_nothing);
	RUN(confirmed_kind_is_the_latest);
	RUN(one_check_rule_confirms_at_once);
	RUN(names_round_trip);
	RUN(different_resource);
	RUN(observations);
	RUN(hosts_of_redirect_hops);
	return t_done();
}
