/*
 * signs.h: what a fetched page says about itself: a parked or for-sale
 * domain, a "not found" page served with 200, a bot challenge, and URLs
 * of login, search and home pages.
 *
 * Parked signatures come from config/parked.txt, compiled in, and from
 * user files in the same format (see that file's header):
 *
 *	host  sedoparking.com		that host or a subdomain; an IP literal
 *					matches itself only
 *	text  this domain is for sale	in the title or the text
 *	title domain for sale		in the title only
 *
 * Values match whole words, ignoring case, Latin-1 accents and
 * punctuation.  Phrases count only on short pages, so an article quoting
 * a parking page is not parked: title and text values in the title under
 * 400 words of text, text values in the text under 300.
 *
 * Every verdict returns a reason owned by the signs or static, or NULL.
 */
#ifndef SIGNS_H
#define SIGNS_H

#include <stddef.h>
#include <stdio.h>

#include "text.h"

struct signs;

/* The built-in signatures; never fails. */
struct signs	*signs_new(void);
/*
 * Add the signatures of a user file.  On errors writes "path:line:
 * message" lines (or "path: strerror") to err (if not NULL), keeps
 * nothing from the file and returns -1; else 0.
 */
int		 signs_load(struct signs *s, const char *path, FILE *err);
/* s may be NULL. */
void		 signs_free(struct signs *s);

/*
 * A parked or for-sale domain: a redirect to a parking host (hops[1..]:
 * the hosts of the redirect chain after the first), a script, frame,
 * form or refresh on one, or on a short page a link to one, or a parking
 * phrase.  A page whose first host is itself a parking or marketplace
 * host is not judged.
 */
const char	*signs_parked(const struct signs *s, const struct text_doc *doc,
		    const char *const *hops, size_t nhops);

/*
 * A "not found" page: on a short page (under 400 words), the title or
 * h1 holds a not-found phrase (en, es, pt, fr, de, it), compared after
 * folding case and accents and turning punctuation into spaces.  Phrases
 * that name the page ("page not found", "página no encontrada", "error
 * 404") may appear anywhere; bare ones ("404", "not found", "no existe")
 * only as a whole part of a title split at | - – — : · » (so "Bodies not
 * found in river" is no match).
 */
const char	*signs_notfound(const struct text_doc *doc);

/*
 * A bot challenge or anti-bot block page (Cloudflare, Akamai, Imperva,
 * Sucuri, DDoS-Guard, PerimeterX, DataDome, captchas): a phrase in the
 * title or h1 of a page under 400 words or in the text of one under 150
 * ("Access denied" and the like only next to a vendor's name), or a
 * challenge host among its scripts and frames.  status: the HTTP status;
 * captcha widgets (hCaptcha, reCAPTCHA) count only with 403, 429 or 503,
 * Cloudflare's and DataDome's challenge hosts also on a page with
 * almost no text.
 */
const char	*signs_challenge(const struct text_doc *doc, long status);

/*
 * Whether the URL (absolute, scheme-relative or a path) is a login page:
 * a path segment login, log-in, signin, sign-in, sign_in, signon, logon,
 * wp-login, auth, sso, acceder, iniciar-sesion, entrar, connexion,
 * anmelden... (any case, with an optional .php/.html/... extension),
 * session(s)/new, or a query value such as action=login.
 */
int		 signs_login_url(const char *url);

/*
 * Whether the URL is a search page: a path segment search, buscar,
 * busca, busqueda, pesquisa, recherche, suche or ricerca, or a query
 * parameter s, q or query on the root or on such a path.
 */
int		 signs_search_url(const char *url);

/*
 * Whether the URL's path is the site root: "", "/", /index.html (.htm,
 * .php, .asp, .aspx, .jsp, .shtml) or /index, /default.aspx (.asp,
 * .htm), /home, /inicio, /accueil, /startseite, or any of these under a
 * language prefix such as /en/, /pt-br/ or /zh-hans/ (an ISO 639-1 code,
 * optional region); the query is ignored.
 */
int		 signs_root_url(const char *url);

#endif
