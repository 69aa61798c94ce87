/*
 * signs.c: parked domains, "not found" pages, bot challenges, and login,
 * search and home URLs.  See signs.h.
 *
 * Phrases are matched on a normalised form of the title, h1 or text:
 * text_fold() (lowercase, Latin-1 accents off), every other byte that is
 * not a letter or digit a space, runs of spaces one, and a space at both
 * ends, so " page not found " can be searched for with strstr() and only
 * whole words match ("condominio en venta" is no "dominio en venta").
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signs.h"
#include "text.h"
#include "xmalloc.h"

/* config/parked.txt, compiled in by the Makefile. */
extern const char parked_data[];

#define VALUE_MAX	200	/* bytes of a signature value */
#define SHORT_WORDS	400	/* title phrases count only below this */
#define PARKED_WORDS	300	/* parking phrases in the text: below this */
#define CHAL_WORDS	150	/* challenge phrases in the text: below this */
#define TINY_WORDS	50	/* "almost no text" */

enum kind { K_HOST, K_TEXT, K_TITLE, K_COUNT };

static const char *const kind_names[K_COUNT] = { "host", "text", "title" };

struct sign {
	char	*val;		/* host: lowercase; else normalised */
	char	*why[3];	/* the reasons given for it, see add_sign() */
};

/* A phrase set, see pset_find(); defined below. */
struct pset {
	const char	**p;		/* " w1 w2 " */
	size_t		 *len;
	uint32_t	 *h;		/* of w1 */
	const void	**data;
	size_t		  n, cap;
	uint64_t	  filter[16];
};

struct signs {
	struct sign	*v[K_COUNT];
	size_t		 n[K_COUNT], cap[K_COUNT];
	struct pset	 ps[K_COUNT];	/* text, title: data is why[0] */
};

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' &&
	    (c | 0x20) <= 'z');
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Latin-1 letters (the second byte of C3 xx) folded; NULL: a symbol. */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", "th", "y"
};

/*
 * The normal form of s[0..n) (see the top of this file), in one pass:
 * letters and digits lowercased, Latin-1 letters and oe folded, the
 * Latin-1 punctuation (C2 xx), General Punctuation (E2 80 xx, E2 81 xx)
 * and other ASCII bytes as spaces; bytes of other scripts kept.
 */
static char *
norm(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	const char		*f;
	char			*o = xmalloc(2 * n + 3);
	size_t			 i = 0, k = 0;
	int			 c;

	o[k++] = ' ';
	while (i < n) {
		c = s[i];
		f = NULL;
		if (c < 0x80) {
			i++;
			if (!is_alnum(c))
				goto space;
			o[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			continue;
		}
		if (c == 0xc3 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80 &&
		    (f = latin1[s[i + 1] - 0x80]) != NULL) {
			i += 2;
			while (*f != '\0')
				o[k++] = *f++;
			continue;
		}
		if (c == 0xc5 && i + 1 < n && (s[i + 1] == 0x92 ||
		    s[i + 1] == 0x93)) {
			i += 2;
			o[k++] = 'o';
			o[k++] = 'e';
			continue;
		}
		if ((c == 0xc2 || c == 0xc3) && i + 1 < n) {
			i += 2;
			goto space;
		}
		if (c == 0xe2 && i + 2 < n && (s[i + 1] == 0x80 ||
		    s[i + 1] == 0x81)) {
			i += 3;
			goto space;
		}
		o[k++] = (char)c;
		i++;
		continue;
space:
		if (o[k - 1] != ' ')
			o[k++] = ' ';
	}
	if (o[k - 1] != ' ')
		o[k++] = ' ';
	o[k] = '\0';
	return o;
}

static uint32_t
word_hash(const char *s, size_t n)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/*
 * A set of normalised phrases matched in one pass over a normalised
 * text: at each word, its hash is checked against a 1024-bit filter of
 * the phrases' first words, and only then against the phrases.
 */

static void
pset_add(struct pset *ps, const char *p, const void *data)
{
	size_t	w;

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 32;
		ps->p = xrealloc(ps->p, ps->cap * sizeof(*ps->p));
		ps->len = xrealloc(ps->len, ps->cap * sizeof(*ps->len));
		ps->h = xrealloc(ps->h, ps->cap * sizeof(*ps->h));
		ps->data = xrealloc(ps->data, ps->cap * sizeof(*ps->data));
	}
	w = strcspn(p + 1, " ");
	ps->p[ps->n] = p;
	ps->len[ps->n] = strlen(p);
	ps->h[ps->n] = word_hash(p + 1, w);
	ps->data[ps->n] = data;
	ps->filter[(ps->h[ps->n] >> 6) & 15] |= 1ULL << (ps->h[ps->n] & 63);
	ps->n++;
}

static void
pset_free(struct pset *ps)
{
	free(ps->p);
	free(ps->len);
	free(ps->h);
	free(ps->data);
	memset(ps, 0, sizeof(*ps));
}

/*
 * The data of the first phrase found in the normalised text t for which
 * ok(data, arg) holds (ok may be NULL), scanning t once; or NULL.
 */
static const void *
pset_find(const struct pset *ps, const char *t,
    int (*ok)(const void *, void *), void *arg)
{
	size_t		i, e, j, tl;
	uint32_t	h;

	if (t == NULL || ps->n == 0)
		return NULL;
	tl = strlen(t);
	for (i = 0; i + 1 < tl; i = e) {
		/* t[i] is the space before a word */
		for (e = i + 1; e < tl && t[e] != ' '; e++)
			;
		h = word_hash(t + i + 1, e - i - 1);
		if (!(ps->filter[(h >> 6) & 15] & (1ULL << (h & 63))))
			continue;
		for (j = 0; j < ps->n; j++)
			if (ps->h[j] == h && ps->len[j] <= tl - i &&
			    memcmp(t + i, ps->p[j], ps->len[j]) == 0 &&
			    (ok == NULL || ok(ps->data[j], arg)))
				return ps->data[j];
	}
	return NULL;
}

/* ---- signatures ------------------------------------------------------ */

static void
sign_free(struct sign *g)
{
	free(g->val);
	free(g->why[0]);
	free(g->why[1]);
	free(g->why[2]);
}

static void	pset_free(struct pset *);
static void	pset_add(struct pset *, const char *, const void *);

static void
signs_clear(struct signs *s)
{
	size_t	k, i;

	for (k = 0; k < K_COUNT; k++) {
		pset_free(&s->ps[k]);
		for (i = 0; i < s->n[k]; i++)
			sign_free(&s->v[k][i]);
		free(s->v[k]);
		s->v[k] = NULL;
		s->n[k] = s->cap[k] = 0;
	}
}

/* Append g to s (which owns it from now on). */
static void
sign_push(struct signs *s, enum kind k, const struct sign *g)
{
	if (s->n[k] == s->cap[k]) {
		s->cap[k] = s->cap[k] ? 2 * s->cap[k] : 32;
		s->v[k] = xrealloc(s->v[k], s->cap[k] * sizeof(*s->v[k]));
	}
	s->v[k][s->n[k]++] = *g;
}

/*
 * A host value: lowercase, without a leading "*." or "." and trailing
 * dots; NULL if it holds anything but letters, digits, . - _ and the
 * brackets and colons of an IPv6 literal.
 */
static char *
host_value(const char *v)
{
	char	*h;
	size_t	 n, i;

	if (v[0] == '*' && v[1] == '.')
		v += 2;
	while (*v == '.')
		v++;
	for (n = strlen(v); n > 0 && v[n - 1] == '.'; n--)
		;
	if (n == 0)
		return NULL;
	h = xstrndup(v, n);
	for (i = 0; i < n; i++) {
		if (!is_alnum((unsigned char)h[i]) &&
		    strchr(".-_:[]", h[i]) == NULL) {
			free(h);
			return NULL;
		}
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] + 32);
	}
	return h;
}

/* Build the signature for kind k and value v, or give the error. */
static const char *
make_sign(enum kind k, const char *v, struct sign *g)
{
	char	*t;
	size_t	 n;

	memset(g, 0, sizeof(*g));
	if (k == K_HOST) {
		if ((g->val = host_value(v)) == NULL)
			return "bad host";
		g->why[0] = xasprintf("redirects to parking host %s", g->val);
		g->why[1] = xasprintf("page loads content from parking host %s",
		    g->val);
		g->why[2] = xasprintf("page links to parking host %s", g->val);
		return NULL;
	}
	g->val = norm(v, strlen(v));
	if (strcmp(g->val, " ") == 0) {
		free(g->val);
		g->val = NULL;
		return "value has no letters or digits";
	}
	n = strlen(g->val);
	t = xstrndup(g->val + 1, n - 2);
	g->why[0] = xasprintf(k == K_TITLE ? "title says '%s'" :
	    "page says '%s'", t);
	free(t);
	return NULL;
}

static void
parse_error(FILE *err, int *errors, const char *path, unsigned line,
    const char *msg, const char *what)
{
	(*errors)++;
	if (err == NULL)
		return;
	if (what != NULL)
		fprintf(err, "%s:%u: %s '%s'\n", path, line, msg, what);
	else
		fprintf(err, "%s:%u: %s\n", path, line, msg);
}

/*
 * Parse a signature file data[0..len) into s.  All or nothing: on an
 * error every line is still checked (and reported), then nothing is
 * kept.
 */
static int
signs_parse(struct signs *s, const char *data, size_t len, const char *path,
    FILE *err)
{
	struct signs	 tmp;
	struct sign	 g;
	const char	*p = data, *end = data + len, *eol, *b, *e, *w, *msg;
	char		*kind, *val;
	unsigned	 line = 0;
	int		 errors = 0;
	size_t		 k, i;

	memset(&tmp, 0, sizeof(tmp));
	for (; p < end; p = eol + 1) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		for (b = p; b < eol && is_blank((unsigned char)*b); b++)
			;
		for (e = eol; e > b && (is_blank((unsigned char)e[-1]) ||
		    e[-1] == '\r'); e--)
			;
		if (b == e || *b == '#')
			continue;
		if (memchr(b, '\0', (size_t)(e - b)) != NULL) {
			parse_error(err, &errors, path, line, "NUL byte", NULL);
			continue;
		}
		for (w = b; w < e && !is_blank((unsigned char)*w); w++)
			;
		kind = xstrndup(b, (size_t)(w - b) > 40 ? 40 : (size_t)(w - b));
		for (k = 0; k < K_COUNT; k++)
			if ((size_t)(w - b) == strlen(kind_names[k]) &&
			    strncasecmp(b, kind_names[k], (size_t)(w - b)) == 0)
				break;
		while (w < e && is_blank((unsigned char)*w))
			w++;
		if (k == K_COUNT)
			parse_error(err, &errors, path, line, "unknown kind",
			    kind);
		else if (w == e)
			parse_error(err, &errors, path, line, "missing value",
			    NULL);
		else if (e - w > VALUE_MAX)
			parse_error(err, &errors, path, line,
			    "value over 200 bytes", NULL);
		else {
			val = xstrndup(w, (size_t)(e - w));
			if ((msg = make_sign((enum kind)k, val, &g)) != NULL)
				parse_error(err, &errors, path, line, msg, val);
			else
				sign_push(&tmp, (enum kind)k, &g);
			free(val);
		}
		free(kind);
		if (eol == end)
			break;
	}
	if (errors > 0) {
		signs_clear(&tmp);
		return -1;
	}
	for (k = 0; k < K_COUNT; k++) {
		for (i = 0; i < tmp.n[k]; i++)
			sign_push(s, (enum kind)k, &tmp.v[k][i]);
		free(tmp.v[k]);
		if (k == K_HOST)
			continue;
		pset_free(&s->ps[k]);
		for (i = 0; i < s->n[k]; i++)
			pset_add(&s->ps[k], s->v[k][i].val, s->v[k][i].why[0]);
	}
	return 0;
}

struct signs *
signs_new(void)
{
	struct signs	*s = xcalloc(1, sizeof(*s));

	if (signs_parse(s, parked_data, strlen(parked_data),
	    "parked.txt (built in)", stderr) != 0) {
		fputs("rotwatch: the built-in parked.txt is broken\n", stderr);
		abort();
	}
	return s;
}

int
signs_load(struct signs *s, const char *path, FILE *err)
{
	FILE	*fp;
	char	*data = NULL;
	size_t	 len = 0, cap = 0, r;
	int	 rc, e;

	if ((fp = fopen(path, "rb")) == NULL) {
		if (err != NULL)
			fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			data = xrealloc(data, cap);
		}
		if ((r = fread(data + len, 1, cap - len, fp)) == 0)
			break;
		len += r;
	}
	e = ferror(fp) ? errno : 0;
	fclose(fp);
	if (e != 0) {
		if (err != NULL)
			fprintf(err, "%s: %s\n", path, strerror(e));
		free(data);
		return -1;
	}
	rc = signs_parse(s, data, len, path, err);
	free(data);
	return rc;
}

void
signs_free(struct signs *s)
{
	if (s == NULL)
		return;
	signs_clear(s);
	free(s);
}

/* ---- parked ---------------------------------------------------------- */

/* An IP literal value matches only itself. */
static int
is_ip(const char *v)
{
	for (; *v != '\0'; v++)
		if (!(*v >= '0' && *v <= '9') && *v != '.')
			return strchr(v, ':') != NULL || strchr(v, '[') != NULL;
	return 1;
}

/* The host signature that host is, or is a subdomain of; or NULL. */
static const struct sign *
host_sign(const struct signs *s, const char *host)
{
	const struct sign	*g;
	size_t			 hl, vl, i;

	if (host == NULL)
		return NULL;
	for (hl = strlen(host); hl > 0 && host[hl - 1] == '.'; hl--)
		;
	for (i = 0; i < s->n[K_HOST]; i++) {
		g = &s->v[K_HOST][i];
		vl = strlen(g->val);
		if (hl == vl && strncasecmp(host, g->val, vl) == 0)
			return g;
		if (hl > vl && host[hl - vl - 1] == '.' && !is_ip(g->val) &&
		    strncasecmp(host + hl - vl, g->val, vl) == 0)
			return g;
	}
	return NULL;
}

const char *
signs_parked(const struct signs *s, const struct text_doc *doc,
    const char *const *hops, size_t nhops)
{
	const struct sign	*g;
	const char		*why = NULL;
	char			*title, *text;
	size_t			 i;

	/* A page on a marketplace itself (a listing cited as such). */
	if (nhops > 0 && host_sign(s, hops[0]) != NULL)
		return NULL;
	for (i = 1; i < nhops; i++)
		if ((g = host_sign(s, hops[i])) != NULL)
			return g->why[0];
	if (doc == NULL)
		return NULL;
	for (i = 0; i < doc->nres && i < doc->nhosts; i++)
		if ((g = host_sign(s, doc->hosts[i])) != NULL)
			return g->why[1];
	if (doc->words >= SHORT_WORDS)
		return NULL;
	for (i = doc->nres; i < doc->nhosts; i++)
		if ((g = host_sign(s, doc->hosts[i])) != NULL)
			return g->why[2];

	title = norm(doc->title, strlen(doc->title));
	if ((why = pset_find(&s->ps[K_TITLE], title, NULL, NULL)) == NULL)
		why = pset_find(&s->ps[K_TEXT], title, NULL, NULL);
	free(title);
	if (why == NULL && doc->words < PARKED_WORDS) {
		text = norm(doc->text, doc->len);
		why = pset_find(&s->ps[K_TEXT], text, NULL, NULL);
		free(text);
	}
	return why;
}

/* ---- not found ------------------------------------------------------- */

/*
 * Phrases that say "this page is not here" wherever they appear in a
 * title or h1 (normal form, without the outer spaces).
 */
#define NF(p)	{ " " p " ", "title says '" p "'", "heading says '" p "'" }

struct phrase {
	const char	*p;
	const char	*title_why;
	const char	*h1_why;
};

static const struct phrase nf_strong[] = {
	/* en */
	NF("page not found"), NF("page cannot be found"),
	NF("page can t be found"), NF("page could not be found"),
	NF("page you requested could not be found"),
	NF("page you are looking for"), NF("page you were looking for"),
	NF("page does not exist"), NF("page doesn t exist"),
	NF("page no longer exists"), NF("error 404"), NF("404 error"),
	NF("404 not found"), NF("404 page not found"), NF("http 404"),
	NF("404 page"),
	/* es */
	NF("pagina no encontrada"), NF("pagina no existe"),
	NF("la pagina no existe"), NF("no se ha encontrado la pagina"),
	NF("no se encontro la pagina"), NF("pagina que buscas no existe"),
	NF("la pagina que buscas"), NF("la pagina solicitada no existe"),
	/* pt */
	NF("pagina nao encontrada"), NF("pagina nao existe"),
	NF("pagina nao foi encontrada"), NF("erro 404"),
	/* fr */
	NF("page introuvable"), NF("page non trouvee"), NF("page non trouve"),
	NF("erreur 404"), NF("cette page n existe pas"),
	NF("la page n existe pas"), NF("page demandee est introuvable"),
	/* de */
	NF("seite nicht gefunden"), NF("seite wurde nicht gefunden"),
	NF("seite existiert nicht"), NF("seite konnte nicht gefunden werden"),
	NF("fehler 404"),
	/* it */
	NF("pagina non trovata"), NF("pagina non esiste"),
	NF("pagina non e stata trovata"), NF("errore 404")
};

/* Phrases that count only as a whole part of a title, or a whole h1. */
static const struct phrase nf_weak[] = {
	NF("404"), NF("not found"), NF("nothing was found"),
	NF("nothing found"), NF("oops 404"),
	NF("no encontrado"), NF("no encontrada"), NF("no se ha encontrado"),
	NF("no existe"), NF("error 404 no encontrado"),
	NF("nao encontrado"), NF("nao encontrada"),
	NF("introuvable"), NF("non trouve"), NF("non trouvee"),
	NF("nicht gefunden"), NF("non trovato"), NF("non trovata")
};

/*
 * The parts of a title or h1: split at | : · » « • :: and dashes with a
 * space before them; each part normalised.  Returns how many (<= max).
 */
static size_t
title_parts(const char *t, char **parts, size_t max)
{
	const unsigned char	*s = (const unsigned char *)t;
	size_t			 i = 0, b = 0, n = 0, k, len = strlen(t);

	for (;;) {
		k = 0;
		if (i == len)
			k = 0;
		else if (s[i] == '|' || s[i] == ':')
			k = 1;
		else if (s[i] == 0xc2 && i + 1 < len && (s[i + 1] == 0xb7 ||
		    s[i + 1] == 0xbb || s[i + 1] == 0xab))
			k = 2;
		else if (s[i] == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
		    s[i + 2] == 0xa2)
			k = 3;
		else if (i > 0 && s[i - 1] == ' ' && s[i] == '-')
			k = 1;
		else if (i > 0 && s[i - 1] == ' ' && s[i] == 0xe2 &&
		    i + 2 < len && s[i + 1] == 0x80 && (s[i + 2] == 0x93 ||
		    s[i + 2] == 0x94))
			k = 3;
		if (i < len && k == 0) {
			i++;
			continue;
		}
		if (n < max)
			parts[n++] = norm(t + b, i - b);
		if (i == len)
			return n;
		i += k;
		b = i;
	}
}

#define PARTS_MAX	8

/* The built-in phrase sets, made once. */
static struct pset	nf_ps, chal_ps, vendor_ps;
static pthread_once_t	builtin_once = PTHREAD_ONCE_INIT;

static void	builtin_init(void);

/* The not-found phrase in title or h1 t, as a reason; or NULL. */
static const char *
notfound_in(const char *t, int h1)
{
	const struct phrase	*ph;
	char			*parts[PARTS_MAX], *whole;
	const char		*why = NULL;
	size_t			 n, i, j;

	if (t == NULL || *t == '\0')
		return NULL;
	pthread_once(&builtin_once, builtin_init);
	whole = norm(t, strlen(t));
	ph = pset_find(&nf_ps, whole, NULL, NULL);
	free(whole);
	if (ph != NULL)
		return h1 ? ph->h1_why : ph->title_why;
	n = title_parts(t, parts, PARTS_MAX);
	for (j = 0; j < n; j++) {
		for (i = 0; why == NULL &&
		    i < sizeof(nf_weak) / sizeof(nf_weak[0]); i++)
			if (strcmp(parts[j], nf_weak[i].p) == 0)
				why = h1 ? nf_weak[i].h1_why :
				    nf_weak[i].title_why;
		free(parts[j]);
	}
	return why;
}

const char *
signs_notfound(const struct text_doc *doc)
{
	const char	*why;

	if (doc == NULL || doc->words >= SHORT_WORDS)
		return NULL;
	if ((why = notfound_in(doc->title, 0)) != NULL)
		return why;
	return notfound_in(doc->h1, 1);
}

/* ---- challenges ------------------------------------------------------ */

enum {
	IN_TITLE	= 1 << 0,
	IN_H1		= 1 << 1,
	IN_TEXT		= 1 << 2,
	NEEDS_VENDOR	= 1 << 3	/* and a vendor marker somewhere */
};

struct chal {
	const char	*p;		/* normal form */
	int		 where;
	const char	*why;
};

static const struct chal chals[] = {
	{ " just a moment ", IN_TITLE | IN_H1,
	    "challenge page 'Just a moment...'" },
	{ " attention required ", IN_TITLE | NEEDS_VENDOR,
	    "Cloudflare 'Attention Required!' page" },
	{ " sorry you have been blocked ", IN_TITLE | IN_H1 | IN_TEXT |
	    NEEDS_VENDOR,
	    "Cloudflare block page 'Sorry, you have been blocked'" },
	{ " checking your browser ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'Checking your browser'" },
	{ " ddos protection by ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'DDoS protection by'" },
	{ " ddos guard ", IN_TITLE | IN_H1, "DDoS-Guard challenge page" },
	{ " please verify you are a human ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'Please verify you are a human'" },
	{ " verify you are human ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'Verify you are human'" },
	{ " verifying you are human ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'Verifying you are human'" },
	{ " to confirm you are a human ", IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'confirm you are a human'" },
	{ " are you a robot ", IN_TITLE | IN_H1,
	    "page asks 'Are you a robot?'" },
	{ " human verification ", IN_TITLE | IN_H1,
	    "human verification page" },
	{ " pardon our interruption ", IN_TITLE | IN_H1,
	    "bot block page 'Pardon Our Interruption'" },
	{ " enable javascript and cookies to continue ",
	    IN_TITLE | IN_H1 | IN_TEXT,
	    "page says 'Enable JavaScript and cookies to continue'" },
	{ " incapsula incident id ", IN_TEXT,
	    "Imperva (Incapsula) block page" },
	{ " sucuri website firewall ", IN_TITLE | IN_H1,
	    "Sucuri firewall block page" },
	{ " captcha ", IN_TITLE | IN_H1, "captcha page" },
	{ " recaptcha ", IN_TITLE | IN_H1, "captcha page" },
	{ " hcaptcha ", IN_TITLE | IN_H1, "captcha page" },
	{ " access denied ", IN_TITLE | IN_H1 | NEEDS_VENDOR,
	    "'Access denied' from bot protection" }
};

/* Bot-protection vendors, as the block pages name them. */
static const char *const vendors[] = {
	" cloudflare ", " ray id ", " akamai ", " edgesuite ", " reference ",
	" incapsula ", " imperva ", " sucuri ", " ddos guard ",
	" perimeterx ", " datadome "
};

/*
 * Hosts that serve challenges.  Captcha widgets also sit in ordinary
 * forms: strict ones count only with a blocking status, the others also
 * on a page with almost no text.
 */
#define CH(h, strict)	{ h, strict, "page loads a challenge from " h }

static const struct {
	const char	*host;
	int		 strict;
	const char	*why;
} chal_hosts[] = {
	CH("challenges.cloudflare.com", 0),
	CH("captcha-delivery.com", 0),
	CH("hcaptcha.com", 1),
	CH("recaptcha.net", 1)
};

static int
host_is(const char *h, const char *d)
{
	size_t	hl = strlen(h), dl = strlen(d);

	return (hl == dl && strcasecmp(h, d) == 0) || (hl > dl &&
	    h[hl - dl - 1] == '.' && strcasecmp(h + hl - dl, d) == 0);
}

static void
builtin_init(void)
{
	size_t	i;

	for (i = 0; i < sizeof(nf_strong) / sizeof(nf_strong[0]); i++)
		pset_add(&nf_ps, nf_strong[i].p, &nf_strong[i]);
	for (i = 0; i < sizeof(chals) / sizeof(chals[0]); i++)
		pset_add(&chal_ps, chals[i].p, &chals[i]);
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		pset_add(&vendor_ps, vendors[i], vendors[i]);
}

struct chal_at {
	int	where;		/* IN_TITLE, IN_H1 or IN_TEXT */
	int	vendor;		/* a vendor is named */
};

static int
chal_ok(const void *data, void *arg)
{
	const struct chal	*c = data;
	const struct chal_at	*at = arg;

	return (c->where & at->where) &&
	    (!(c->where & NEEDS_VENDOR) || at->vendor);
}

const char *
signs_challenge(const struct text_doc *doc, long status)
{
	const struct chal	*c = NULL;
	struct chal_at		 at;
	char			*s[3];
	size_t			 i, j;
	int			 blocking;

	if (doc == NULL)
		return NULL;
	pthread_once(&builtin_once, builtin_init);
	blocking = status == 403 || status == 429 || status == 503;
	if (doc->words < SHORT_WORDS) {
		s[0] = norm(doc->title, strlen(doc->title));
		s[1] = norm(doc->h1, strlen(doc->h1));
		s[2] = doc->words < CHAL_WORDS ? norm(doc->text, doc->len) :
		    NULL;
		at.vendor = 0;
		for (i = 0; i < 3; i++)
			if (pset_find(&vendor_ps, s[i], NULL, NULL) != NULL)
				at.vendor = 1;
		for (i = 0; i < 3 && c == NULL; i++) {
			at.where = i == 0 ? IN_TITLE : i == 1 ? IN_H1 : IN_TEXT;
			c = pset_find(&chal_ps, s[i], chal_ok, &at);
		}
		for (i = 0; i < 3; i++)
			free(s[i]);
		if (c != NULL)
			return c->why;
	}
	for (i = 0; i < doc->nres && i < doc->nhosts; i++)
		for (j = 0; j < sizeof(chal_hosts) / sizeof(chal_hosts[0]); j++)
			if (host_is(doc->hosts[i], chal_hosts[j].host) &&
			    (blocking || (!chal_hosts[j].strict &&
			    doc->words < TINY_WORDS)))
				return chal_hosts[j].why;
	return NULL;
}

/* ---- URLs ------------------------------------------------------------ */

/* The path and query of a URL (absolute, scheme-relative or a path). */
struct url_parts {
	const char	*path, *query;
	size_t		 plen, qlen;
};

static void
url_parts(const char *url, struct url_parts *u)
{
	const char	*s = url, *p;

	for (p = s; *p != '\0' && *p != '/' && *p != '?' && *p != '#'; p++)
		if (p[0] == ':' && p[1] == '/' && p[2] == '/')
			break;
	if (p[0] == ':' && p[1] == '/' && p[2] == '/')
		s = p + 3;
	else if (s[0] == '/' && s[1] == '/')
		s += 2;
	else
		s = NULL;
	if (s != NULL)
		while (*s != '\0' && *s != '/' && *s != '?' && *s != '#')
			s++;
	else
		s = url;
	u->path = s;
	u->plen = strcspn(s, "?#");
	if (s[u->plen] == '?') {
		u->query = s + u->plen + 1;
		u->qlen = strcspn(u->query, "#");
	} else {
		u->query = "";
		u->qlen = 0;
	}
}

/* Whether t[0..n) is w, any case. */
static int
word_is(const char *t, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(t, w, n) == 0;
}

static int
in_list(const char *t, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (word_is(t, n, *list))
			return 1;
	return 0;
}

static const char *const page_exts[] = {
	"php", "html", "htm", "shtml", "xhtml", "asp", "aspx", "jsp", "jspx",
	"do", "action", "cgi", "pl", "cfm", NULL
};

/* The length of segment t[0..n) without a page extension. */
static size_t
strip_ext(const char *t, size_t n)
{
	size_t	d;

	for (d = n; d > 0 && t[d - 1] != '.'; d--)
		;
	if (d > 1 && in_list(t + d, n - d, page_exts))
		return d - 1;
	return n;
}

/* Calls f on each path segment (and its successor) until f returns 1. */
static int
any_segment(const struct url_parts *u,
    int (*f)(const char *, size_t, const char *, size_t))
{
	const char	*p = u->path, *end = u->path + u->plen, *e, *nx, *ne;

	while (p < end) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		for (e = p; e < end && *e != '/'; e++)
			;
		for (nx = e; nx < end && *nx == '/'; nx++)
			;
		for (ne = nx; ne < end && *ne != '/'; ne++)
			;
		if (f(p, (size_t)(e - p), nx, (size_t)(ne - nx)))
			return 1;
		p = e;
	}
	return 0;
}

static const char *const login_words[] = {
	"login", "log-in", "log_in", "logon", "log-on", "signin", "sign-in",
	"sign_in", "signon", "sign-on", "wp-login", "auth", "sso", "acceder",
	"iniciar-sesion", "iniciar_sesion", "iniciarsesion", "entrar",
	"connexion", "anmelden", "anmeldung", "accedi", "userlogin",
	"servicelogin", NULL
};

static int
login_segment(const char *t, size_t n, const char *next, size_t nn)
{
	if (in_list(t, strip_ext(t, n), login_words))
		return 1;
	return (word_is(t, n, "session") || word_is(t, n, "sessions")) &&
	    word_is(next, strip_ext(next, nn), "new");
}

/*
 * Calls f on each query parameter's name and value until f returns 1.
 */
static int
any_param(const struct url_parts *u,
    int (*f)(const char *, size_t, const char *, size_t))
{
	const char	*p = u->query, *end = u->query + u->qlen, *e, *eq;

	while (p < end) {
		for (e = p; e < end && *e != '&' && *e != ';'; e++)
			;
		for (eq = p; eq < e && *eq != '='; eq++)
			;
		if (e > p && f(p, (size_t)(eq - p), eq < e ? eq + 1 : e,
		    eq < e ? (size_t)(e - eq - 1) : 0))
			return 1;
		p = e + 1;
	}
	return 0;
}

/* Parameters that name what a script does: ?action=login, ?do=login. */
static const char *const action_params[] = {
	"action", "act", "do", "mode", "page", "task", "op", "cmd", "view",
	"module", "mod", "option", "controller", "route", "r", "title", NULL
};

/*
 * A bare login word ("?login"), an action parameter naming one, or
 * MediaWiki's Special:UserLogin; not ?q=login, a search for the word.
 */
static int
login_param(const char *name, size_t nl, const char *v, size_t vl)
{
	static const char	ul[] = ":userlogin";
	size_t			k = sizeof(ul) - 1;

	if (vl == 0)
		return in_list(name, nl, login_words);
	if (!in_list(name, nl, action_params))
		return 0;
	if (in_list(v, vl, login_words))
		return 1;
	return vl > k && strncasecmp(v + vl - k, ul, k) == 0;
}

int
signs_login_url(const char *url)
{
	struct url_parts	u;

	if (url == NULL)
		return 0;
	url_parts(url, &u);
	return any_segment(&u, login_segment) || any_param(&u, login_param);
}

static const char *const search_words[] = {
	"search", "buscar", "busca", "busqueda", "pesquisa", "recherche",
	"suche", "ricerca", NULL
};

static int
search_segment(const char *t, size_t n, const char *next, size_t nn)
{
	return in_list(t, strip_ext(t, n), search_words);
}

static int
search_param(const char *name, size_t nl, const char *v, size_t vl)
{
	return word_is(name, nl, "s") || word_is(name, nl, "q") ||
	    word_is(name, nl, "query");
}

int
signs_search_url(const char *url)
{
	struct url_parts	u;
	int			path;

	if (url == NULL)
		return 0;
	url_parts(url, &u);
	if ((path = any_segment(&u, search_segment)))
		return 1;
	return signs_root_url(url) && any_param(&u, search_param);
}

/* ISO 639-1 codes, for /en/, /pt-br/ home pages. */
static const char iso639[] =
	"aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs "
	"ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff "
	"fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id "
	"ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku "
	"kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my "
	"na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu "
	"rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv "
	"sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo "
	"wa wo xh yi yo za zh zu ";	/* 3 bytes each */

/* "en", "pt-br", "pt_BR", "zh-hans", "es-419". */
static int
lang_segment(const char *t, size_t n)
{
	const char	*c;
	char		 code[3];
	size_t		 i;

	if (n < 2 || (n > 2 && t[2] != '-' && t[2] != '_') ||
	    (n > 2 && (n - 3 < 2 || n - 3 > 4)))
		return 0;
	for (i = 3; i < n; i++)
		if (!is_alnum((unsigned char)t[i]))
			return 0;
	code[0] = (char)(t[0] | 0x20);
	code[1] = (char)(t[1] | 0x20);
	code[2] = '\0';
	if (code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z')
		return 0;
	for (c = iso639; *c != '\0'; c += 3)
		if (c[0] == code[0] && c[1] == code[1])
			return 1;
	return 0;
}

static const char *const home_pages[] = {
	"index", "default", "home", "inicio", "accueil", "startseite", NULL
};

int
signs_root_url(const char *url)
{
	struct url_parts	 u;
	const char		*seg[3];
	size_t			 len[3], n = 0, b;
	const char		*p, *end, *e;

	if (url == NULL)
		return 0;
	url_parts(url, &u);
	p = u.path;
	end = u.path + u.plen;
	while (p < end) {
		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		for (e = p; e < end && *e != '/'; e++)
			;
		if (n == 3)
			return 0;
		seg[n] = p;
		len[n++] = (size_t)(e - p);
		p = e;
	}
	b = 0;
	if (n > 0 && lang_segment(seg[0], len[0]))
		b = 1;
	if (n == b)
		return 1;
	if (n - b > 1)
		return 0;
	/* "home" and "inicio" may end with a slash; index.html not. */
	if (in_list(seg[b], len[b], home_pages) &&
	    !word_is(seg[b], len[b], "default"))
		return 1;
	if (u.plen > 0 && u.path[u.plen - 1] == '/')
		return 0;
	return strip_ext(seg[b], len[b]) < len[b] &&
	    in_list(seg[b], strip_ext(seg[b], len[b]), home_pages);
}
