#!/usr/bin/env python3
"""Labelled verdict corpus: many small fake "sites" on loopback addresses.

One site per address 127.0.5.1 ... 127.0.5.N, all on the SAME port (--port 0
picks a free one on the first address and binds it on the others, retrying
with another port if one is taken).  127.0.5.250 and 127.0.5.251 are never
bound: a connection there is refused.  --labels FILE writes one line
"URL<TAB>label<TAB>what" per labelled URL (labels: alive, moved, dead,
blocked, soft404, parked, suspect), with the real port, before --portfile.

Every answer depends only on (site, path, k) where k is the number of GET
requests for that site and path so far, this one included (the query string
is not part of the path; HEAD is answered as the next GET would be, and does
not count).  --passes P says how many checks of each source the test makes:
pages whose answer changes over time are laid out so that the P-th check
gets the labelled answer (flapping pages end on a 200, "suspect" pages fail
only in the last one or two checks).

What an unknown path gets depends on the site's kind: a real 404 (news
sites), the homepage (homepage site), a 200 "not found" template with
non-standard wording (template site), a redirect to "/" (root site), to a
login page, to a search page, a parking page, a bot challenge, ...

Every request is logged on stdout as one line "REQ {json}" with the keys
t, site, known, path, query, method, k, status, ua, inm (If-None-Match),
ims (If-Modified-Since); known is false for a path that is neither a route,
a labelled URL nor one of /, /login, /search, /lander (a probe, say).
GET /__stats on any site: {"requests": [those]}.

--plain: every address (see --addrs) is an ordinary news site; labels are
its "/" and two articles, all alive.  --addrs A,B,...: bind these addresses
instead of 127.0.5.x (plain mode, or with the full corpus: sites in order).

Python 3.11, standard library only; loopback (or a private namespace) only.
The server exits by itself after --lifetime seconds.
"""

import argparse
import email.utils
import hashlib
import http.server
import json
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import zlib

# -- text generation ----------------------------------------------------------

WORDS = {
    "en": """the a of and to in that for on with as by from at which was were
    has have been their its this between after before under against during
    report reports committee commission council ministry police army forces
    soldiers officers detainees detention prison prisoners torture abuse
    killing killings execution disappearance disappeared families witnesses
    witness testimony interview interviews evidence documents document
    records satellite imagery village villages district province region
    border camp camps refugees displaced people civilians children women
    men journalists lawyers activists defenders protest protesters march
    court trial judge hearing sentence charges arrested arrests raid raids
    night morning week month year years since until later earlier recent
    government authorities officials spokesperson statement denied confirmed
    alleged investigation inquiry findings recommendations access water food
    medical hospital clinic school schools homes houses destroyed burned
    demolished land eviction evictions company companies mine mining river
    forest farmers workers wages union strike contract migrants route boats
    coast guard sea drowned rescue smuggling network checkpoint roadblock
    curfew emergency decree law laws article articles constitution rights
    freedom expression assembly association press media broadcast internet
    shutdown censorship surveillance phones spyware data privacy election
    elections vote ballot observers fraud violence attack attacks shelling
    airstrike airstrikes drone munitions weapons fragments crater casualties
    wounded dead injured survivors victims perpetrators accountability
    justice reparations memorial archive archives photographs video footage
    verified geolocated analysis researchers researcher field mission visited
    described told said explained recalled according several many few some
    most least dozens hundreds thousands two three four five six seven""",
    "es": """el la los las de del y en que por con para una un como sobre entre
    desde hasta durante contra sin según informe comisión ministerio policía
    ejército fuerzas soldados detenidos detención cárcel tortura abusos
    desaparición desaparecidos familias testigos testimonio entrevistas
    pruebas documentos registros aldea pueblo distrito provincia región
    frontera campamento refugiados desplazados personas civiles niños
    mujeres hombres periodistas abogados activistas defensores protesta
    manifestantes marcha tribunal juicio juez audiencia sentencia cargos
    detenido redada noche mañana semana mes año años gobierno autoridades
    funcionarios portavoz declaración negó confirmó presunto investigación
    hallazgos recomendaciones acceso agua alimentos hospital escuela casas
    destruidas quemadas desalojo empresa minería río bosque campesinos
    trabajadores salarios sindicato huelga migrantes ruta costa mar rescate
    retén toque queda emergencia decreto ley derechos libertad expresión
    reunión prensa medios internet censura vigilancia teléfonos datos
    elecciones voto observadores fraude violencia ataque ataques víctimas
    heridos muertos sobrevivientes justicia reparación memoria archivo
    fotografías video verificado análisis investigadores misión visitó
    describió dijo explicó recordó varios muchos pocos algunos decenas
    cientos miles dos tres cuatro cinco""",
    "pt": """o a os as de do da dos das e em que por com para uma um como sobre
    entre desde até durante contra sem segundo relatório comissão ministério
    polícia exército forças soldados detidos detenção prisão tortura abusos
    desaparecimento desaparecidos famílias testemunhas depoimento entrevistas
    provas documentos registros aldeia vila distrito província região
    fronteira acampamento refugiados deslocados pessoas civis crianças
    mulheres homens jornalistas advogados ativistas defensores protesto
    manifestantes marcha tribunal julgamento juiz audiência sentença
    acusações preso operação noite manhã semana mês ano anos governo
    autoridades funcionários porta-voz declaração negou confirmou suposto
    investigação conclusões recomendações acesso água alimentos hospital
    escola casas destruídas queimadas despejo empresa mineração rio floresta
    agricultores trabalhadores salários sindicato greve migrantes rota costa
    mar resgate bloqueio toque recolher emergência decreto lei direitos
    liberdade expressão reunião imprensa mídia internet censura vigilância
    telefones dados eleições voto observadores fraude violência ataque
    ataques vítimas feridos mortos sobreviventes justiça reparação memória
    arquivo fotografias vídeo verificado análise pesquisadores missão
    visitou descreveu disse explicou lembrou vários muitos poucos alguns
    dezenas centenas milhares dois três quatro cinco""",
}
WORDS = {k: v.split() for k, v in WORDS.items()}

NAMES = ["Amina Diallo", "Carlos Mendoza", "Lucía Ferreira", "Oleksandr Koval",
         "Priya Raman", "Tomás Oliveira", "Hana Yusuf", "Mateo Rojas",
         "Fatima Haddad", "João Pereira", "Elena Costa", "Samuel Okoye"]
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
           "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
           "agosto", "setembro", "outubro", "novembro", "dezembro"],
}
UI = {
    "en": {"home": "Home", "reports": "Reports", "news": "News",
           "about": "About us", "donate": "Donate", "contact": "Contact",
           "by": "By", "published": "Published", "rights": "All rights reserved.",
           "privacy": "Privacy policy", "terms": "Terms of use",
           "subscribe": "Subscribe to our newsletter", "latest": "Latest"},
    "es": {"home": "Inicio", "reports": "Informes", "news": "Noticias",
           "about": "Quiénes somos", "donate": "Donar", "contact": "Contacto",
           "by": "Por", "published": "Publicado el",
           "rights": "Todos los derechos reservados.",
           "privacy": "Política de privacidad", "terms": "Términos de uso",
           "subscribe": "Suscríbase a nuestro boletín", "latest": "Lo último"},
    "pt": {"home": "Início", "reports": "Relatórios", "news": "Notícias",
           "about": "Quem somos", "donate": "Doar", "contact": "Contato",
           "by": "Por", "published": "Publicado em",
           "rights": "Todos os direitos reservados.",
           "privacy": "Política de privacidade", "terms": "Termos de uso",
           "subscribe": "Assine nossa newsletter", "latest": "Últimas"},
}


def rng_for(*parts):
    """A random generator seeded by the parts (stable across runs)."""
    h = hashlib.sha256("\x00".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def sentence(r, lang):
    words = [r.choice(WORDS[lang]) for _ in range(r.randint(8, 22))]
    s = " ".join(words)
    if r.random() < 0.25:
        s += f", {r.randint(2, 480)}"
    return s[0].upper() + s[1:] + "."


def paragraphs(r, lang, nwords):
    """Paragraphs of about nwords words in all."""
    out, count = [], 0
    while count < nwords:
        p = " ".join(sentence(r, lang) for _ in range(r.randint(2, 5)))
        out.append(p)
        count += len(p.split())
    return out


def headline(r, lang):
    words = [r.choice(WORDS[lang]) for _ in range(r.randint(5, 9))]
    s = " ".join(words)
    return s[0].upper() + s[1:]


def date_str(r, lang):
    d, m, y = r.randint(1, 28), r.randrange(12), r.randint(2012, 2024)
    if lang == "en":
        return f"{d} {MONTHS['en'][m]} {y}"
    return f"{d} de {MONTHS[lang][m]} de {y}"


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


# -- page templates -------------------------------------------------------------

def layout(site, title, main_html, head_extra="", body_extra=""):
    """A whole HTML page with the site's header, nav and footer."""
    ui = UI[site.lang]
    nav = "".join(f'<li><a href="{href}">{esc(text)}</a></li>' for href, text in [
        ("/", ui["home"]), ("/reports/", ui["reports"]), ("/news/", ui["news"]),
        ("/about", ui["about"]), ("/contact", ui["contact"]),
        ("/donate", ui["donate"])])
    return f"""<!doctype html>
<html lang="{site.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/static/css/site.css?v=3">
{head_extra}
</head>
<body>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
<div class="logo"><a href="/">{esc(site.title)}</a></div>
<nav class="main-nav" role="navigation"><ul>{nav}</ul></nav>
</header>
<div id="content">
{main_html}
</div>
<aside class="sidebar"><h3>{esc(ui["subscribe"])}</h3>
<form action="/subscribe" method="post"><input type="email" name="email">
<button type="submit">OK</button></form></aside>
<footer class="site-footer">
<p>&copy; 2024 {esc(site.title)}. {esc(ui["rights"])}
<a href="/privacy">{esc(ui["privacy"])}</a> &middot;
<a href="/terms">{esc(ui["terms"])}</a></p>
</footer>
{body_extra}
</body>
</html>
""".encode()


def article(site, path, nwords=None, title=None, seed_extra=""):
    """A news article: its text is generated from (site, path)."""
    r = rng_for(site.name, path, seed_extra)
    lang = site.lang
    ui = UI[lang]
    nwords = nwords or r.randint(180, 650)
    title = title or headline(r, lang)
    paras = paragraphs(r, lang, nwords)
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
    main = (f'<main><article><h1>{esc(title)}</h1>\n'
            f'<p class="byline">{ui["by"]} {r.choice(NAMES)} &middot; '
            f'{ui["published"]} {date_str(r, lang)}</p>\n{body}\n'
            f'</article></main>')
    return layout(site, f"{title} | {site.title}", main)


def homepage(site):
    r = rng_for(site.name, "/ (home)")
    lang = site.lang
    items = []
    for i in range(8):
        h = headline(r, lang)
        items.append(f'<li><h2><a href="/reports/{i}">{esc(h)}</a></h2>'
                     f'<p>{esc(sentence(r, lang))} {esc(sentence(r, lang))}</p></li>')
    main = (f'<main><h1>{esc(site.title)}</h1>\n'
            f'<p>{esc(" ".join(paragraphs(r, lang, 60)))}</p>\n'
            f'<ul class="stories">{"".join(items)}</ul></main>')
    return layout(site, site.title, main)


def error_page(site, status):
    """The body of a real error answer (404, 500, ...)."""
    msgs = {"en": "The page you requested could not be found.",
            "es": "La página que busca no existe.",
            "pt": "A página que você procura não existe."}
    titles = {404: "404 Not Found", 410: "410 Gone",
              500: "500 Internal Server Error", 502: "502 Bad Gateway",
              503: "503 Service Unavailable", 400: "400 Bad Request",
              418: "418 I'm a teapot", 401: "401 Unauthorized",
              403: "403 Forbidden", 407: "407 Proxy Authentication Required",
              429: "429 Too Many Requests",
              451: "451 Unavailable For Legal Reasons"}
    t = titles.get(status, f"{status} Error")
    main = f"<main><h1>{t}</h1><p>{msgs[site.lang]}</p></main>"
    return layout(site, f"{t} | {site.title}", main)


def notfound_page(site, title, h1, text):
    """A short 200 page that says "not found" in its title / h1."""
    r = rng_for(site.name, title)
    links = "".join(f'<li><a href="/reports/{i}">{esc(headline(r, site.lang))}</a></li>'
                    for i in range(4))
    main = (f"<main><h1>{esc(h1)}</h1><p>{esc(text)}</p>"
            f"<ul>{links}</ul></main>")
    return layout(site, title, main)


def challenge_page():
    """Cloudflare-style "Just a moment..." interstitial (stands alone)."""
    return b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15}</style>
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">Verifying you are human. This may take a few seconds.</h1>
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and
cookies to continue</span></div></noscript>
<div id="challenge-body-text" class="core-msg spacer">
This site needs to review the security of your connection before proceeding.</div>
</div></div>
<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'example',cType: 'managed',
cRay: '8a1b2c3d4e5f6789',cH: 'Qk2n9xYpL0aZ7vR3tW8sD1fG4hJ6kM5b',
cUPMDTk: "\\/?__cf_chl_tk=Zx81mPq2Lk-1733054400-0.0.1.1-4321"};
var cpo = document.createElement('script');
cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a1b2c3d4e5f6789';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner">
<div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID:
<code>8a1b2c3d4e5f6789</code></div></div>
<div class="text-center" id="footer-text">Performance &amp; security by
<a rel="noopener noreferrer" href="https://www.cloudflare.com?utm_source=challenge"
target="_blank">Cloudflare</a></div></div></div></body></html>
"""


def checking_browser_page(site):
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{esc(site.title)}</title>
<meta http-equiv="refresh" content="5">
</head><body><table width="100%" height="100%"><tr><td align="center">
<h1>Checking your browser before accessing {esc(site.title.lower())}.</h1>
<p>This process is automatic. Your browser will redirect to your requested
content shortly.</p><p>Please allow up to 5 seconds&hellip;</p>
<p>DDoS protection by <a href="https://www.cloudflare.com/">Cloudflare</a></p>
</td></tr></table></body></html>
""".encode()


def forsale_page(site, lang):
    dom = site.domain
    if lang == "en":
        title = f"{dom} - This domain is for sale"
        lines = [f"This domain is for sale!", f"{dom}",
                 "Buy this domain today with a secure transfer.",
                 "Make an offer or buy it now. Payment plans available."]
    elif lang == "es":
        title = f"{dom} está a la venta"
        lines = ["¡Este dominio está a la venta!", dom,
                 "Compre este dominio hoy mismo con una transferencia segura.",
                 "Haga una oferta. Dominio en venta por su propietario."]
    else:
        title = f"{dom} está à venda"
        lines = ["Este domínio está à venda!", dom,
                 "Compre este domínio hoje com uma transferência segura.",
                 "Faça uma oferta. Domínio à venda pelo proprietário."]
    body = "".join(f"<p>{esc(x)}</p>" for x in lines)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>{esc(title)}</title></head><body>
<div class="container"><h1>{esc(lines[0])}</h1>{body}
<form action="/offer" method="post"><input type="text" name="offer">
<button>Submit</button></form>
<p class="small">&copy; 2024 {esc(dom)}</p></div></body></html>
""".encode()


def ads_page(site, script_host):
    """A parking "related searches" page whose ads come from a parking host."""
    r = rng_for(site.name, "ads")
    links = "".join(
        f'<li><a href="/search?q={urllib.parse.quote(w)}">{esc(w.title())}</a></li>'
        for w in r.sample(["human rights lawyer", "travel insurance",
                           "cheap flights", "online degree", "web hosting",
                           "car loans", "legal advice", "news today",
                           "credit cards", "hotel deals"], 6))
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{esc(site.domain)}</title>
<script src="https://{script_host}/js/parking.2.js"></script>
</head><body><div id="wrap"><h1>{esc(site.domain)}</h1>
<h2>Related Searches</h2><ul>{links}</ul>
<iframe src="https://{script_host}/frame/ads?d={esc(site.domain)}" width="100%"
height="400"></iframe>
<p><a href="/privacy">Privacy Policy</a></p></div></body></html>
""".encode()


def lander_page(site):
    """The page of the test's own parking host: no for-sale wording at all."""
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Welcome</title></head><body><h1>Welcome</h1>
<p>Sponsored listings that may interest you.</p>
<ul><li><a href="/l?c=1">Insurance quotes</a></li>
<li><a href="/l?c=2">Online courses</a></li>
<li><a href="/l?c=3">Holiday rentals</a></li></ul>
</body></html>
""".encode()


# -- sites ------------------------------------------------------------------------

class Site:
    def __init__(self, idx, name, title, lang, kind, domain=""):
        self.idx = idx
        self.addr = f"127.0.5.{idx}"
        self.name = name
        self.title = title
        self.lang = lang
        self.kind = kind
        self.domain = domain or name
        self.routes = {}        # path -> function(ctx) -> answer


class Answer:
    def __init__(self, status, body=b"", headers=(), reset=False):
        self.status = status
        self.body = body
        self.headers = list(headers)
        self.reset = reset


HTML = ("Content-Type", "text/html; charset=utf-8")


def ok(body, *headers):
    return Answer(200, body, [HTML, *headers])


def redirect(status, location):
    return Answer(status, b"", [("Location", location)])


class Corpus:
    """Builds the sites, their routes and the labels."""

    def __init__(self, port, passes):
        self.port = port
        self.passes = passes
        self.sites = {}
        self.labels = []        # (url, label, what)
        self.known = set()      # (address, path) of labelled URLs

    def base(self, idx):
        return f"http://127.0.5.{idx}:{self.port}"

    def site(self, idx, *args, **kw):
        s = Site(idx, *args, **kw)
        self.sites[s.addr] = s
        return s

    def label(self, site_or_idx, path, label, what):
        idx = site_or_idx if isinstance(site_or_idx, int) else site_or_idx.idx
        self.labels.append((self.base(idx) + path, label, what))
        self.known.add((f"127.0.5.{idx}", path.partition("?")[0]))

    def build(self):
        P = self.passes
        news = self.site(1, "rights-monitor", "Rights Monitor", "en", "news")
        es = self.site(2, "observatorio", "Observatorio de Derechos", "es", "news")
        pt = self.site(3, "observatorio-pt", "Observatório de Direitos", "pt", "news")
        home = self.site(4, "homepage-everything", "Border Watch", "en", "home")
        tmpl = self.site(5, "template-404", "Field Notes", "en", "template")
        rootr = self.site(6, "root-redirect", "Coastal Voices", "en", "rootredir")
        cf = self.site(7, "challenge", "Protected Daily", "en", "challenge")
        uab = self.site(8, "ua-block", "Picky Gazette", "en", "uablock")
        lander = self.site(9, "lander", "Welcome", "en", "lander")
        p_en = self.site(10, "parked-en", "parked", "en", "parked-text",
                         domain="justice-archive.org")
        p_es = self.site(11, "parked-es", "parked", "es", "parked-text",
                         domain="memoria-viva.org")
        p_pt = self.site(12, "parked-pt", "parked", "pt", "parked-text",
                         domain="direitos-agora.org")
        p_crew = self.site(13, "parked-crew", "parked", "en", "parked-script",
                           domain="conflict-tracker.net")
        p_sedo = self.site(14, "parked-sedo", "parked", "en", "parked-script",
                           domain="witness-files.info")
        p_red = self.site(15, "parked-redirect", "parked", "en",
                          "parked-redirect", domain="old-ngo-site.org")
        login = self.site(16, "login-wall", "Members Bulletin", "en", "login")
        search = self.site(17, "search-redirect", "Civic Ledger", "en", "search")
        p_title = self.site(18, "parked-usertitle", "parked", "en",
                            "parked-usertitle", domain="expired-report.org")
        R = news.routes

        def art(site, path, **kw):
            site.routes[path] = lambda c, s=site, p=path: ok(article(s, p, **kw))

        def status(site, path, code, *headers):
            site.routes[path] = lambda c, s=site: Answer(
                code, error_page(s, code), [HTML, *headers])

        # ---- alive ------------------------------------------------------------
        for s in (news, es, pt, home, tmpl, rootr, login, search):
            self.label(s, "/", "alive", f"homepage of a {s.kind} site")
        for s in (news, es, pt, login, search, rootr):
            s.routes["/"] = lambda c, s=s: ok(homepage(s))
        for k in range(1, 6):
            p = f"/reports/2019/article-{k}"
            art(news, p)
            self.label(news, p, "alive", "English article")
        for k in range(1, 4):
            p = f"/noticias/2021/informe-{k}"
            art(es, p)
            self.label(es, p, "alive", "Spanish article")
            p = f"/noticias/2020/relatorio-{k}"
            art(pt, p)
            self.label(pt, p, "alive", "Portuguese article")
        for k in range(1, 3):
            p = f"/articles/field-report-{k}"
            art(tmpl, p)
            self.label(tmpl, p, "alive", "real article on the 200-template site")
        art(news, "/reports/2020/target-temp")
        for code in (302, 303, 307):
            p = f"/go/temp-{code}"
            R[p] = lambda c, code=code: redirect(
                code, self.base(1) + "/reports/2020/target-temp")
            self.label(news, p, "alive", f"{code} to an article (temporary)")
        art(news, "/reports/archive/")
        R["/reports/archive"] = lambda c: redirect(301, "/reports/archive/")
        self.label(news, "/reports/archive", "alive",
                   "301 adds a trailing slash only")
        art(news, "/section/index.html")
        R["/section/"] = lambda c: redirect(301, "/section/index.html")
        self.label(news, "/section/", "alive", "301 to index.html only")
        R["/live/noise"] = self.noise_page
        self.label(news, "/live/noise", "alive",
                   "timestamp, CSRF token and view counter change on every request")
        R["/reports/rewritten"] = self.rewrite_page
        self.label(news, "/reports/rewritten", "alive",
                   "rewritten after the first request (one substantial change)")
        R["/reports/conditional"] = self.conditional_page
        self.label(news, "/reports/conditional", "alive",
                   "ETag/Last-Modified, 304 to a conditional request")
        R["/reports/flapping"] = lambda c: self.flap(news, "/reports/flapping", c)
        self.label(news, "/reports/flapping", "alive",
                   f"200/503 alternating, request {P} gets 200")
        es.routes["/noticias/intermitente"] = lambda c: self.flap(
            es, "/noticias/intermitente", c)
        self.label(es, "/noticias/intermitente", "alive",
                   f"200/503 alternating, request {P} gets 200")
        art(news, "/analysis/page-not-found-how-link-rot-erases-the-record",
            nwords=900,
            title="Page not found: how link rot erases the human rights record")
        self.label(news, "/analysis/page-not-found-how-link-rot-erases-the-record",
                   "alive", "long article titled with 'Page not found' words")
        R["/analysis/cdn-outage"] = lambda c: ok(article(
            news, "/analysis/cdn-outage", nwords=420,
            title="When Cloudflare went down: just a moment of silence for the web"))
        self.label(news, "/analysis/cdn-outage", "alive",
                   "article that mentions Cloudflare and 'just a moment'")
        R["/resources/links"] = lambda c: ok(layout(
            news, "Related searches and resources | Rights Monitor",
            "<main><h1>Related searches</h1><p>"
            + esc(" ".join(paragraphs(rng_for("links"), "en", 250)))
            + "</p><p>Read our privacy policy before using these resources.</p></main>"))
        self.label(news, "/resources/links", "alive",
                   "'related searches' and 'privacy policy' on a real page")

        # ---- moved ------------------------------------------------------------
        for k in range(1, 7):
            old, new = f"/old/{k}", f"/reports/2023/moved-{k}"
            art(news, new)
            R[old] = lambda c, new=new: redirect(301, new)
            self.label(news, old, "moved", f"301 -> {self.base(1)}{new}")
        for k in range(1, 4):
            old, new = f"/old308/{k}", f"/reports/2024/renamed-{k}"
            art(news, new)
            R[old] = lambda c, new=new: redirect(308, self.base(1) + new)
            self.label(news, old, "moved", f"308 -> {self.base(1)}{new}")
        for k in range(1, 4):
            old, new = f"/antiguo/{k}", f"/noticias/2024/nueva-{k}"
            art(es, new)
            es.routes[old] = lambda c, new=new: redirect(301, new)
            self.label(es, old, "moved", f"301 -> {self.base(2)}{new}")
            old, new = f"/antigo/{k}", f"/noticias/2024/nova-{k}"
            art(pt, new)
            pt.routes[old] = lambda c, new=new: redirect(301, new)
            self.label(pt, old, "moved", f"301 -> {self.base(3)}{new}")
        for k in range(1, 4):
            old, new = f"/cross/{k}", f"/noticias/2022/migrado-{k}"
            art(es, new)
            R[old] = lambda c, new=new: redirect(301, self.base(2) + new)
            self.label(news, old, "moved", f"301 -> {self.base(2)}{new}")
        art(news, "/reports/2023/chain-final")
        R["/chain/start"] = lambda c: redirect(302, "/chain/middle")
        R["/chain/middle"] = lambda c: redirect(301, "/reports/2023/chain-final")
        self.label(news, "/chain/start", "moved",
                   f"302 -> 301 -> {self.base(1)}/reports/2023/chain-final")
        art(news, "/reports/2023/double-final")
        R["/double/start"] = lambda c: redirect(301, "/double/middle")
        R["/double/middle"] = lambda c: redirect(301, "/reports/2023/double-final")
        self.label(news, "/double/start", "moved",
                   f"301 -> 301 -> {self.base(1)}/reports/2023/double-final")
        art(news, "/reports/2023/query-final")
        R["/item"] = lambda c: redirect(301, "/reports/2023/query-final?ref=old")
        self.label(news, "/item?id=17", "moved",
                   f"301 -> {self.base(1)}/reports/2023/query-final?ref=old")

        # ---- dead -------------------------------------------------------------
        for code, n in ((404, 4), (410, 3), (500, 3), (502, 3), (503, 3),
                        (400, 1), (418, 1)):
            for k in range(1, n + 1):
                p = f"/dead/{code}/{k}"
                status(news, p, code)
                self.label(news, p, "dead", f"{code} on every request")
        for k in range(1, 3):
            p = f"/noticias/borrado-{k}"
            status(es, p, 404)
            self.label(es, p, "dead", "404 (Spanish error page)")
            p = f"/noticias/removido-{k}"
            status(pt, p, 410 if k == 2 else 404)
            self.label(pt, p, "dead", "404/410 (Portuguese error page)")
        for k in range(1, 3):
            p = f"/to-missing/{k}"
            R[p] = lambda c, k=k: redirect(301, f"/dead/404/{k}")
            self.label(news, p, "dead", "301 to a 404")
        R["/loop/a"] = lambda c: redirect(302, "/loop/b")
        R["/loop/b"] = lambda c: redirect(302, "/loop/a")
        self.label(news, "/loop/a", "dead", "redirect loop (too many redirects)")
        R["/reset"] = lambda c: Answer(0, reset=True)
        self.label(news, "/reset", "dead", "connection reset before any reply")
        for idx, p in ((250, "/reports/1"), (250, "/reports/2"), (251, "/")):
            self.label(idx, p, "dead", "connection refused (nothing listens)")

        # ---- blocked ----------------------------------------------------------
        for code, n, hdr in ((401, 2, [("WWW-Authenticate", 'Basic realm="staff"')]),
                             (403, 4, []), (407, 1, [("Proxy-Authenticate", "Basic")]),
                             (429, 3, [("Retry-After", "3600")]), (451, 2, [])):
            for k in range(1, n + 1):
                p = f"/blocked/{code}/{k}"
                status(news, p, code, *hdr)
                self.label(news, p, "blocked", f"{code} on every request")
        for p in ("/", "/news/2024/story-1", "/news/2024/story-2",
                  "/reports/annual"):
            self.label(cf, p, "blocked",
                       "503 + cf-mitigated: challenge + 'Just a moment...'")
        R["/protected/cf403"] = lambda c: Answer(
            403, challenge_page(), [HTML, ("cf-mitigated", "challenge"),
                                    ("Server", "cloudflare")])
        self.label(news, "/protected/cf403", "blocked",
                   "403 + cf-mitigated challenge page")
        for k in range(1, 3):
            p = f"/protected/checking-{k}"
            R[p] = lambda c: ok(checking_browser_page(news))
            self.label(news, p, "blocked",
                       "200 'Checking your browser before accessing' interstitial")
        for p in ("/", "/reports/2022/report-1", "/reports/2022/report-2"):
            self.label(uab, p, "blocked",
                       "403 only for a user agent containing 'rotwatch'")

        # ---- soft404 ----------------------------------------------------------
        for k in range(1, 5):
            self.label(home, f"/reports/2018/deep-link-{k}", "soft404",
                       "site serves its homepage for every path (probe)")
        for k in range(1, 5):
            self.label(tmpl, f"/articles/withdrawn-report-{k}", "soft404",
                       "200 custom not-found template, non-standard wording (probe)")
        for k in range(1, 4):
            self.label(rootr, f"/news/2017/story-{k}", "soft404",
                       "302 to the site root")
        for k in range(1, 3):
            p = f"/to-root/{k}"
            R[p] = lambda c: redirect(301, self.base(1) + "/")
            self.label(news, p, "soft404", "301 to the site root")
        for k in range(1, 4):
            self.label(login, f"/members/briefing-{k}", "soft404",
                       "302 to a login page")
        for k in range(1, 4):
            self.label(search, f"/archive/2016/item-{k}", "soft404",
                       "301 to a search page")
        nf = [
            (news, "/reports/2015/missing-en", "Page not found | Rights Monitor",
             "Page not found", "Sorry, we could not find that page."),
            (es, "/noticias/2015/perdida", "Página no encontrada | Observatorio",
             "Página no encontrada", "Lo sentimos, no pudimos encontrar esa página."),
            (pt, "/noticias/2015/perdida", "Página não encontrada | Observatório",
             "Página não encontrada", "Desculpe, não encontramos essa página."),
            (news, "/fr/rapport-2015", "Page introuvable",
             "Page introuvable", "Désolé, cette page n'existe pas ou plus."),
            (news, "/de/bericht-2015", "Seite nicht gefunden",
             "Seite nicht gefunden", "Die angeforderte Seite existiert nicht."),
            (news, "/reports/2015/oops", "Rights Monitor",
             "Oops! That page can’t be found.",
             "It looks like nothing was found at this location."),
            (news, "/reports/2015/error-404", "Error 404 | Rights Monitor",
             "404", "The page you requested could not be found."),
        ]
        for s, p, title, h1, text in nf:
            s.routes[p] = lambda c, s=s, t=title, h=h1, x=text: ok(
                notfound_page(s, t, h, x))
            self.label(s, p, "soft404", f"200, title/h1 '{h1}'")

        # ---- parked -----------------------------------------------------------
        for s, paths in ((p_en, ["/", "/reports/2019/a", "/reports/2019/b",
                                 "/about"]),
                         (p_es, ["/", "/noticias/2020/x", "/informes"]),
                         (p_pt, ["/", "/noticias/2020/y", "/relatorios"]),
                         (p_crew, ["/", "/tracker/2021", "/data/map"]),
                         (p_sedo, ["/", "/files/2018/1", "/files/2018/2"]),
                         (p_red, ["/", "/programs/2019", "/contact",
                                  "/reports/2019/annual"]),
                         (p_title, ["/", "/reports/2020/c"])):
            what = {"parked-text": f"for-sale page ({s.lang})",
                    "parked-script": "scripts/iframe from a parking host",
                    "parked-redirect": "302 to the test parking host 127.0.5.9",
                    "parked-usertitle": "title from the test parked_file"}[s.kind]
            for p in paths:
                self.label(s, p, "parked", what)
        for k in range(1, 3):
            p = f"/sold/{k}"
            R[p] = lambda c, k=k: redirect(
                301, f"{self.base(9)}/lander?domain=rights-monitor-{k}.org")
            self.label(news, p, "parked",
                       "301 to the test parking host 127.0.5.9 (not 'moved')")

        # ---- suspect ----------------------------------------------------------
        for k in range(1, 3):
            p = f"/reports/2022/late-{k}"
            R[p] = lambda c, p=p: (ok(article(news, p)) if c.k < P
                                   else Answer(404, error_page(news, 404), [HTML]))
            self.label(news, p, "suspect",
                       f"200, then 404 from request {P} (one failing check)")
        for k in range(1, 3):
            p = f"/noticias/2022/tarde-{k}"
            es.routes[p] = lambda c, p=p: (
                ok(article(es, p)) if c.k < P - 1
                else Answer(500, error_page(es, 500), [HTML]))
            self.label(es, p, "suspect",
                       f"200, then 500 from request {P - 1} (two failing checks)")
        p = "/reports/2022/late-soft"
        R[p] = lambda c: (ok(article(news, "/reports/2022/late-soft")) if c.k < P
                          else ok(notfound_page(news, "Page not found", "Page not found",
                                                "Sorry, we could not find that page.")))
        self.label(news, p, "suspect", f"200, then 'Page not found' from request {P}")
        p = "/reports/2022/late-reset"
        R[p] = lambda c: (ok(article(news, "/reports/2022/late-reset")) if c.k < P
                          else Answer(0, reset=True))
        self.label(news, p, "suspect", f"200, then reset from request {P}")
        p = "/reports/2022/late-gone"
        pt.routes[p] = lambda c: (ok(article(pt, "/reports/2022/late-gone")) if c.k < P
                                  else Answer(410, error_page(pt, 410), [HTML]))
        self.label(pt, p, "suspect", f"200, then 410 from request {P}")

    # -- special pages ------------------------------------------------------------
    def flap(self, site, path, c):
        """200 when (passes - k) is even: the passes-th request gets 200."""
        if (self.passes - c.k) % 2 == 0:
            return ok(article(site, path))
        return Answer(503, error_page(site, 503), [HTML, ("Retry-After", "60")])

    def noise_page(self, c):
        site = self.sites["127.0.5.1"]
        r = rng_for(time.time_ns(), c.k)
        token = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                        for _ in range(31)) + str(r.randint(0, 9))
        now = time.gmtime()
        stamp = time.strftime("%H:%M:%S", now)
        date = time.strftime("%d %B %Y", now)
        views = f"{1000 + 37 * c.k + r.randint(0, 30):,}"
        base = article(site, "/live/noise", nwords=300).decode()
        extra = (f'<p class="meta">Updated {stamp} UTC, {date} &middot; '
                 f'{views} views &middot; session {token}</p>'
                 f'<form method="post" action="/comment">'
                 f'<input type="hidden" name="csrf_token" value="{token}">'
                 f'<textarea name="c"></textarea></form>')
        base = base.replace("</article>", extra + "</article>", 1)
        return ok(base.encode(), ("Cache-Control", "no-store"),
                  ("Set-Cookie", f"sid={token}; Path=/"))

    def rewrite_page(self, c):
        site = self.sites["127.0.5.1"]
        title = "Detention centre report: what the inspectors found"
        if c.k == 1:
            return ok(article(site, "/reports/rewritten", nwords=450, title=title))
        return ok(article(site, "/reports/rewritten", nwords=450, title=title,
                          seed_extra="second version"))

    ETAG = '"corpus-cond-7"'
    LASTMOD = "Wed, 02 Sep 2020 08:30:00 GMT"

    def conditional_page(self, c):
        site = self.sites["127.0.5.1"]
        cond = [("ETag", self.ETAG), ("Last-Modified", self.LASTMOD)]
        if (c.headers.get("if-none-match") == self.ETAG
                or c.headers.get("if-modified-since") == self.LASTMOD):
            return Answer(304, b"", cond)
        return ok(article(site, "/reports/conditional", nwords=350), *cond)

    # -- unknown paths by site kind -----------------------------------------------
    def fallback(self, site, c):
        kind = site.kind
        path = c.path
        if kind == "news":
            return Answer(404, error_page(site, 404), [HTML])
        if kind == "home":
            return ok(homepage(site))
        if kind == "template":
            if path == "/":
                return ok(homepage(site))
            r = rng_for(site.name, "template")
            popular = "".join(
                f'<li><a href="/articles/{i}">{esc(headline(r, "en"))}</a> '
                f'{esc(sentence(r, "en"))}</li>' for i in range(12))
            main = (f'<main><h1>Hmm. We looked everywhere for that.</h1>'
                    f'<p>Nothing turned up at <code>{esc(path)}</code>. Perhaps it '
                    f'wandered off. Try one of these instead:</p>'
                    f'<ul class="popular">{popular}</ul></main>')
            return ok(layout(site, f"{site.title}", main))
        if kind == "rootredir":
            return redirect(302, "/")
        if kind == "challenge":
            return Answer(503, challenge_page(),
                          [HTML, ("cf-mitigated", "challenge"),
                           ("Server", "cloudflare"), ("Cache-Control", "no-store")])
        if kind == "uablock":
            if "rotwatch" in c.ua.lower():
                return Answer(403, b"<html><head><title>403 Forbidden</title></head>"
                                   b"<body><h1>Forbidden</h1></body></html>\n", [HTML])
            if path == "/":
                return ok(homepage(site))
            return ok(article(site, path))
        if kind == "lander":
            return ok(lander_page(site))
        if kind == "parked-text":
            return ok(forsale_page(site, site.lang))
        if kind == "parked-script":
            host = ("www.parkingcrew.net" if site.idx == 13
                    else "img.sedoparking.com")
            return ok(ads_page(site, host))
        if kind == "parked-redirect":
            return redirect(302, f"{self.base(9)}/lander?domain={site.domain}")
        if kind == "parked-usertitle":
            return ok(f"""<!doctype html><html><head><meta charset="utf-8">
<title>Renew {site.domain} now | Registrar Express</title></head>
<body><h1>{site.domain}</h1><p>This registration has lapsed.</p>
<p>Contact the registrar to restore the service.</p></body></html>
""".encode())
        if kind == "login":
            if path == "/login":
                main = ('<main><h1>Sign in</h1><form method="post" action="/login">'
                        '<label>Email <input type="email" name="user"></label>'
                        '<label>Password <input type="password" name="pw"></label>'
                        '<button>Sign in</button></form>'
                        '<p>Members only. Forgot your password?</p></main>')
                return ok(layout(site, f"Sign in | {site.title}", main))
            return redirect(302, "/login?next=" + urllib.parse.quote(path, safe=""))
        if kind == "search":
            if path == "/search":
                q = urllib.parse.parse_qs(c.query).get("q", [""])[0]
                main = (f'<main><h1>Search</h1><form action="/search">'
                        f'<input type="search" name="q" value="{esc(q)}"></form>'
                        f'<p>No results for “{esc(q)}”.</p></main>')
                return ok(layout(site, f"Search | {site.title}", main))
            words = " ".join(x for x in path.replace("-", "/").split("/") if x)
            return redirect(301, "/search?q=" + urllib.parse.quote_plus(words))
        return Answer(404, b"unknown site kind\n", [HTML])


# -- HTTP -------------------------------------------------------------------------

class Ctx:
    pass


class State:
    def __init__(self, corpus):
        self.corpus = corpus
        self.lock = threading.Lock()
        self.counts = {}
        self.log = []


def make_handler(state, site):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "corpus"
        sys_version = ""

        def log_message(self, *a):
            pass

        def do_HEAD(self):
            self.serve("HEAD")

        def do_GET(self):
            self.serve("GET")

        def serve(self, method):
            path, _, query = self.path.partition("?")
            if path.startswith("http://") or path.startswith("https://"):
                path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
            if path == "/__stats":
                with state.lock:
                    body = json.dumps({"requests": state.log}).encode()
                self.reply(Answer(200, body, [("Content-Type", "application/json")]),
                           method)
                return
            key = (site.addr, path)
            with state.lock:
                k = state.counts.get(key, 0) + 1
                if method == "GET":
                    state.counts[key] = k
            c = Ctx()
            c.path, c.query, c.k, c.method = path, query, k, method
            c.headers = {h.lower(): v for h, v in self.headers.items()}
            c.ua = c.headers.get("user-agent", "")
            fn = site.routes.get(path)
            try:
                ans = fn(c) if fn else state.corpus.fallback(site, c)
            except Exception as exc:        # a bug here must be visible
                print(f"corpus.py: handler error {site.addr}{path}: {exc!r}",
                      file=sys.stderr, flush=True)
                ans = Answer(599, b"corpus.py bug\n")
            known = (fn is not None or (site.addr, path) in state.corpus.known
                     or path in ("/", "/login", "/search", "/lander"))
            rec = {"t": round(time.time() * 1000, 1), "site": site.addr,
                   "known": known,
                   "path": path, "query": query, "method": method, "k": k,
                   "status": 0 if ans.reset else ans.status, "ua": c.ua,
                   "inm": c.headers.get("if-none-match"),
                   "ims": c.headers.get("if-modified-since")}
            with state.lock:        # one write per line: no interleaving
                state.log.append(rec)
                sys.stdout.write("REQ " + json.dumps(rec) + "\n")
                sys.stdout.flush()
            if ans.reset:
                self.rst()
                return
            self.reply(ans, method)

        def rst(self):
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_connection = True
            try:
                self.connection.close()
            except OSError:
                pass

        def reply(self, ans, method):
            self.send_response_only(ans.status)
            self.send_header("Date", self.date_time_string())
            if not any(k.lower() == "server" for k, _ in ans.headers):
                self.send_header("Server", "corpus")
            for k, v in ans.headers:
                self.send_header(k, v)
            if ans.status != 304:
                self.send_header("Content-Length", str(len(ans.body)))
            self.end_headers()
            if method != "HEAD" and ans.status != 304:
                self.wfile.write(ans.body)

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 256


def bind_all(addrs, port, tries=50):
    """Servers on every address with the same port; returns (port, socks)."""
    for _ in range(tries):
        socks = []
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((addrs[0], port))
            socks.append(s)
            p = s.getsockname()[1]
            for a in addrs[1:]:
                t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(t)
                t.bind((a, p))
            return p, socks
        except OSError:
            for s in socks:
                s.close()
            if port:
                raise
    raise SystemExit("corpus.py: no port free on every address")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--labels", help="write URL<TAB>label<TAB>what lines here")
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--passes", type=int, default=3,
                    help="checks per source the test makes (default 3)")
    ap.add_argument("--plain", action="store_true",
                    help="every address is an ordinary news site")
    ap.add_argument("--addrs", help="comma-separated addresses to bind")
    args = ap.parse_args()

    if args.plain:
        addrs = (args.addrs or "127.0.5.1").split(",")
    else:
        probe = Corpus(0, args.passes)
        probe.build()
        addrs = sorted(probe.sites, key=lambda a: int(a.rsplit(".", 1)[1]))
        if args.addrs:
            addrs = args.addrs.split(",")
    port, socks = bind_all(addrs, args.port)

    corpus = Corpus(port, args.passes)
    if args.plain:
        for i, a in enumerate(addrs):
            s = Site(i + 1, f"plain-{i + 1}", f"Plain Site {i + 1}", "en", "news")
            s.addr = a
            corpus.sites[a] = s
            s.routes["/"] = lambda c, s=s: ok(homepage(s))
            for k in (1, 2):
                p = f"/reports/article-{k}"
                s.routes[p] = lambda c, s=s, p=p: ok(article(s, p))
            for p in ("/", "/reports/article-1", "/reports/article-2"):
                corpus.labels.append((f"http://{a}:{port}{p}", "alive",
                                      "plain site page"))
    else:
        corpus.build()
        if args.addrs:      # rename the sites to the given addresses
            moved = {}
            for a, s in zip(addrs, sorted(corpus.sites.values(),
                                          key=lambda s: s.idx)):
                s.addr = a
                moved[a] = s
            corpus.sites = moved
    state = State(corpus)

    servers = []
    for sock, a in zip(socks, addrs):
        # the bound socket itself, so no other process can take the port
        srv = Server((a, port), make_handler(state, corpus.sites[a]),
                     bind_and_activate=False)
        srv.socket.close()
        srv.socket = sock
        srv.server_address = sock.getsockname()
        srv.server_name, srv.server_port = a, port
        srv.server_activate()
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                         daemon=True).start()

    if args.labels:
        tmp = args.labels + ".tmp"
        with open(tmp, "w") as f:
            for url, label, what in corpus.labels:
                f.write(f"{url}\t{label}\t{what}\n")
        os.replace(tmp, args.labels)
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.portfile)
    print(port, flush=True)
    time.sleep(args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
