/*
 * verdict.c: observations and the state machine of verdict.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "classify.h"
#include "signs.h"
#include "text.h"
#include "verdict.h"

const char *const obs_names[OBS_COUNT] = {
	[OBS_ALIVE] = "alive",
	[OBS_MOVED] = "moved",
	[OBS_BLOCKED] = "blocked",
	[OBS_FAIL] = "fail",
	[OBS_SOFT404] = "soft404",
	[OBS_PARKED] = "parked",
	[OBS_LOCAL] = "local",
	[OBS_OFFLINE] = "offline",
};

const char *const vstate_names[VS_COUNT] = {
	[VS_NEW] = "new",
	[VS_ALIVE] = "alive",
	[VS_MOVED] = "moved",
	[VS_SUSPECT] = "suspect",
	[VS_DEAD] = "dead",
	[VS_BLOCKED] = "blocked",
	[VS_SOFT404] = "soft404",
	[VS_PARKED] = "parked",
};

int
obs_parse(const char *s)
{
	for (int i = 0; s && i < OBS_COUNT; i++)
		if (strcmp(s, obs_names[i]) == 0)
			return i;
	return -1;
}

int
vstate_parse(const char *s)
{
	for (int i = 0; s && i < VS_COUNT; i++)
		if (strcmp(s, vstate_names[i]) == 0)
			return i;
	return -1;
}

int
verdict_specific(const char *url)
{
	return url != NULL && !signs_root_url(url);
}

/* Drops index pages and trailing slashes from the end of a path. */
static void
trim_path(char *path)
{
	static const char *const idx[] = { "/index.html", "/index.htm",
	    "/index.php", "/index.asp", "/index.jsp", "/default.aspx",
	    "/default.asp" };
	size_t	n = strlen(path), k, il;
	int	again = 1;

	while (again) {
		again = 0;
		for (k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
			il = strlen(idx[k]);
			if (n >= il && strcasecmp(path + n - il, idx[k]) == 0) {
				n -= il;
				path[n] = '\0';
				again = 1;
			}
		}
		while (n > 0 && path[n - 1] == '/') {
			path[--n] = '\0';
			again = 1;
		}
	}
}

/*
 * Writes the identity of a resource: the host without "www." and port,
 * the path without a trailing slash or index page, and the query.
 */
static void
resource_key(const char *url, char *out, size_t len)
{
	const char	*p = strstr(url, "://"), *host, *path;
	char		 h[256], pth[1536];
	size_t		 hl, i;

	p = p ? p + 3 : url;
	host = p;
	path = host + strcspn(host, "/?#");
	hl = (size_t)(path - host);
	if (hl > 4 && strncasecmp(host, "www.", 4) == 0) {
		host += 4;
		hl -= 4;
	}
	/* A port change is not a move. */
	for (i = hl; i > 0 && isdigit((unsigned char)host[i - 1]); i--)
		;
	if (i > 0 && i < hl && host[i - 1] == ':')
		hl = i - 1;
	if (hl >= sizeof(h))
		hl = sizeof(h) - 1;
	for (i = 0; i < hl; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	h[hl] = '\0';
	snprintf(pth, sizeof(pth), "%.*s", (int)strcspn(path, "?#"), path);
	trim_path(pth);
	snprintf(out, len, "%s%s%.*s", h, pth, (int)strcspn(path +
	    strcspn(path, "?#"), "#"), path + strcspn(path, "?#"));
}

int
verdict_different(const char *a, const char *b)
{
	char ka[2048], kb[2048];

	if (a == NULL || b == NULL)
		return 0;
	resource_key(a, ka, sizeof(ka));
	resource_key(b, kb, sizeof(kb));
	return strcmp(ka, kb) != 0;
}

/* The path of a URL contains a not-found marker (DeadlinkChecker's rule). */
static int
notfound_path(const char *url)
{
	const char	*p = strstr(url, "://");
	char		 path[512];
	size_t		 i;

	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, "?#"), p);
	for (i = 0; path[i]; i++)
		path[i] = (char)tolower((unsigned char)path[i]);
	return strstr(path, "/404") != NULL || strstr(path, "notfound") ||
	    strstr(path, "not-found") || strstr(path, "not_found") ||
	    strstr(path, "error404") || strstr(path, "pagenotfound");
}

enum obs
verdict_observe(const struct obs_in *in, char *why, size_t len)
{
	static char		 nothing[1];
	static const struct text_doc empty = { .title = nothing,
	    .h1 = nothing, .text = nothing };
	const struct text_doc	*doc = in->doc ? in->doc : &empty;
	const char		*final = in->final_url ? in->final_url :
				    in->url;
	const char		*r;
	int			 specific = verdict_specific(in->url);

	*why = '\0';
	switch (in->cls) {
	case CC_LOCAL_ERROR:
		snprintf(why, len, "could not check it from here");
		return OBS_LOCAL;
	case CC_BLOCKED_POLICY:
		/* Our own rule: it says nothing about the source. */
		snprintf(why, len, "%s", in->error && *in->error ? in->error :
		    "refused by the SSRF guard");
		return OBS_LOCAL;
	case CC_NOT_MODIFIED:
		/* Asked only of alive or moved sources. */
		snprintf(why, len, "not modified since the last check");
		return in->prev == OBS_MOVED ? OBS_MOVED : OBS_ALIVE;
	default:
		break;
	}
	if (in->doc && (r = signs_challenge(in->doc, in->status)) != NULL) {
		snprintf(why, len, "%s", r);
		return OBS_BLOCKED;
	}
	if (in->cls == CC_BLOCKED) {
		snprintf(why, len, "HTTP %ld: refuses us", in->status);
		return OBS_BLOCKED;
	}
	if (in->cls != CC_OK && in->cls != CC_REDIRECT) {
		snprintf(why, len, "%s", check_class_names[in->cls]);
		if (in->status > 0)
			snprintf(why, len, "%s (HTTP %ld)",
			    check_class_names[in->cls], in->status);
		return OBS_FAIL;
	}
	if ((r = signs_parked(in->signs, doc, in->hop_hosts, in->nhops))) {
		snprintf(why, len, "%s", r);
		return OBS_PARKED;
	}
	if (specific && in->redirects > 0 && verdict_different(in->url,
	    final)) {
		if (signs_root_url(final)) {
			snprintf(why, len, "redirects to the site's root: %s",
			    final);
			return OBS_SOFT404;
		}
		if (signs_login_url(final) && !signs_login_url(in->url)) {
			snprintf(why, len, "redirects to a login page: %s",
			    final);
			return OBS_SOFT404;
		}
		if (signs_search_url(final) && !signs_search_url(in->url)) {
			snprintf(why, len, "redirects to a search page: %s",
			    final);
			return OBS_SOFT404;
		}
		if (notfound_path(final) && !notfound_path(in->url)) {
			snprintf(why, len, "redirects to a not-found page: %s",
			    final);
			return OBS_SOFT404;
		}
	}
	if (in->doc && (r = signs_notfound(in->doc)) != NULL) {
		snprintf(why, len, "%s", r);
		return OBS_SOFT404;
	}
	if (specific && in->probe_sim >= PROBE_SIMILAR) {
		snprintf(why, len, "answers like a random URL of its site "
		    "(similarity %.2f)", in->probe_sim);
		return OBS_SOFT404;
	}
	if (in->redirects > 0 && (in->permanent || in->first_status == 301 ||
	    in->first_status == 308) && verdict_different(in->url, final)) {
		snprintf(why, len, "moved permanently to %s", final);
		return OBS_MOVED;
	}
	snprintf(why, len, "HTTP %ld", in->status);
	return OBS_ALIVE;
}

static enum vstate
confirmed_state(enum obs o)
{
	return o == OBS_SOFT404 ? VS_SOFT404 : o == OBS_PARKED ? VS_PARKED :
	    VS_DEAD;
}

enum vchange
verdict_apply(struct vrec *r, enum obs o, int64_t at, int64_t check_id,
    const struct vparams *p)
{
	enum vstate to;

	switch (o) {
	case OBS_LOCAL:
	case OBS_OFFLINE:
	case OBS_COUNT:
		return VC_NONE;
	case OBS_ALIVE:
	case OBS_MOVED:
	case OBS_BLOCKED:
		r->run_n = 0;
		r->run_first = r->run_since = 0;
		to = o == OBS_ALIVE ? VS_ALIVE : o == OBS_MOVED ? VS_MOVED :
		    VS_BLOCKED;
		if (r->state == to)
			return VC_NONE;
		r->state = to;
		r->since = at;
		r->confirmed_at = 0;
		return VC_STATE;
	case OBS_FAIL:
	case OBS_SOFT404:
	case OBS_PARKED:
		break;
	}
	if (r->run_n == 0) {
		r->run_first = check_id;
		r->run_since = at;
	}
	r->run_n++;
	to = confirmed_state(o);
	if (r->state == VS_DEAD || r->state == VS_SOFT404 ||
	    r->state == VS_PARKED) {
		/* Confirmed already; only the kind of rot may change. */
		if (r->state == to)
			return VC_NONE;
		r->state = to;
		r->since = at;
		r->confirmed_at = at;
		return VC_STATE;
	}
	if (r->run_n >= p->confirm_checks &&
	    at - r->run_since >= p->confirm_span_ms) {
		r->state = to;
		r->since = at;
		r->confirmed_at = at;
		return VC_CONFIRMED;
	}
	if (r->state == VS_SUSPECT)
		return VC_NONE;
	r->state = VS_SUSPECT;
	r->since = at;
	r->confirmed_at = 0;
	return VC_STATE;
}
