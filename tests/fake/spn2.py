#!/usr/bin/env python3
"""Fake Save Page Now 2 / CDX service for the integration tests (loopback).

Role "spn2" (the default) serves, under http://127.0.0.1:PORT:
  POST /save                 form url=...&options; needs the header
                             "Authorization: LOW KEY:SECRET" (--keys), else
                             401 HTML "You need to be logged in ...".
                             -> {"url": ..., "job_id": "spn2-<40 hex>"}
  GET  /save/status/<id>     (or POST /save/status job_id=<id>, or
                             job_ids=<id>,<id>: a list) -> pending, then
                             {"status":"success","job_id","original_url",
                             "timestamp","duration_sec","resources"}.
                             An unknown job id reads "pending" with empty
                             resources, as on the real service.
  GET  /save/status/user     {"available","processing","daily_captures",
                             "daily_captures_limit"}
  GET  /cdx/search/cdx       url= (exact match), output=json, fl=, from=,
                             to=, limit=[-]N, filter=[!]field:regex
  GET  /wayback/available    url=[&timestamp=]: archived_snapshots.closest
  POST /__control            JSON: {"keys_ok": false} (every request 401),
                             {"all_429": N} (the next N requests 429),
                             {"down": true} (every request 503),
                             {"conc_limit": N}, {"daily_captures": N},
                             {"daily_limit": N}, {"error_message": TEXT}
                             (the "message" of every error reply of
                             submit-error-CODE and status-error-CODE from
                             then on, any text; null: the default again)
  GET  /__stats              {"submits", "submits_per_url", "max_concurrent",
                             "max_per_minute", "min_gap_ms", "captures",
                             "anomalies", "requests": [{"t", "method", "path",
                             "headers", "body", "status"}]}
                             (t: unix time in ms, float)

Behaviour per submitted URL: its query parameter spn=MODE.
  ok (default)        a job, pending for --pending-polls polls, then success
  pending-N           pending for N polls, then success
  pending-Ss          (e.g. pending-2.5s) pending for S seconds
  pending-forever     always pending; the capture never happens
  vanish              one poll answers pending with resources, then pending
                      with empty resources forever; the capture DID happen
                      (it is in CDX from the submit on)
  submit-429          429 HTML, no Retry-After
  submit-502, submit-503, submit-520
                      that status with an HTML body; the capture DID happen
  submit-html         200 text/html; no capture
  submit-truncated    200, the JSON reply cut in half; the job was created
                      and the capture DID happen
  submit-nojobid      200 {"url": ...}; no capture
  submit-error-CODE   200 {"status":"error","status_ext":"error:CODE",
                      "message":...}, no job_id; no capture
  status-error-CODE   a job, whose status poll answers status "error",
                      status_ext "error:CODE"; no capture
  failed-but-done     a job whose status says error:job-failed; the capture
                      DID happen
  same-snapshot       the reply has a job_id and the message "The same
                      snapshot had been made 12 minutes ago. ..."; the job
                      succeeds with the timestamp of 12 minutes ago
  redirect            302 to --redirect-to
A submit while --conc-limit captures are in flight gets error:user-session-limit;
one past the daily limit gets "You cannot make more than N captures per day".
The failure of submit-429 and submit-502/503/520 happens on the first submit
of that URL only; every other mode fails on every submit.  spnn=K in the URL
sets how many submits of it fail (then it behaves as ok).
For CODE too-many-daily-captures the service also lists a capture made today
in CDX (as other users made it), unless the URL has spncdx=no.
A capture whose job is pending for a finite time is complete (in CDX)
--settle-after seconds after the submit at the latest, even if its status
is never polled (only the status view needs the polls).
--submit-delay S holds every reply to a submit for S seconds; the job
exists (and its capture goes on) from the moment the request arrived.

Intervals from a job's submit to its final status (as seen by a poll), or
to a CDX query or a resubmit of its URL, give "max_concurrent".  Request
bodies are never written to stdout or stderr; they are served by /__stats
only.

Role "web" (--role web): a recording web server: GET/HEAD of /ok (any
query) answers 200 text/html, of any other path 404 (a real site's answer
to a page that does not exist), every other method 200 text/plain, and
every request (with its headers and body) is listed by GET /__stats.

Python 3.11, standard library only.  The server exits by itself after
--lifetime seconds.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import secrets
import socketserver
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
WEB_BODY = (b"<!doctype html>\n<html><head><title>rotwatch archive test page"
            b"</title></head>\n<body><p>Archive me.</p></body></html>\n")
NOT_FOUND_HTML = (b"<!doctype html>\n<html><head><title>404 Not Found</title>"
                  b"</head><body><h1>Not Found</h1></body></html>\n")
LOGIN_HTML = (b"<!DOCTYPE html>\n<html><head><title>Wayback Machine</title>"
              b"</head><body><p>You need to be logged in to use Save Page "
              b"Now.</p></body></html>\n")
SPN_HTML = (b"<!DOCTYPE html>\n<html><head><title>Save Page Now</title>"
            b"</head><body><p>Saving page now... please wait.</p>"
            b"</body></html>\n")
TOO_MANY_HTML = (b"<html><head><title>Too Many Requests</title></head><body>"
                 b"<h1>Too Many Requests</h1><p>We are limiting the number "
                 b"of requests.</p></body></html>\n")
STATUS_HTML = b"<html><body><h1>%d</h1><p>%s</p></body></html>\n"

CAPTURE_OPTIONS = {
    "url", "capture_all", "capture_outlinks", "capture_screenshot",
    "delay_wb_availability", "force_get", "skip_first_archive",
    "if_not_archived_within", "outlinks_availability", "email_result",
    "js_behavior_timeout", "capture_cookie", "use_user_agent",
    "target_username", "target_password",
}
CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode",
              "digest", "length"]
FIRST_ONLY = {"submit-429", "submit-502", "submit-503", "submit-520"}
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
           404: "Not Found", 429: "Too Many Requests",
           502: "Bad Gateway", 503: "Service Unavailable",
           520: "Unknown Error"}
PENDING_RE = re.compile(r"pending-(\d+|\d+(?:\.\d+)?s)")


def ts14(t):
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


def surt(url):
    """A SURT-like urlkey: host labels reversed, ')', path and query."""
    p = urllib.parse.urlsplit(url)
    host = (p.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    key = ",".join(reversed(host.split("."))) if host else ""
    if p.port:
        key += f":{p.port}"
    key += ")" + (p.path or "/").lower()
    if p.query:
        key += "?" + p.query.lower()
    return key


class Job:
    def __init__(self, jid, url, mode, created, failing):
        self.id = jid
        self.url = url
        self.mode = mode
        self.created = created
        self.failing = failing  # this submission's job fails per its mode
        self.polls = 0
        self.pending_polls = 0
        self.pending_until = None   # time-based pending
        self.forever = False
        self.capture_ts = None      # 14 digits, once captured
        self.final_seen = False
        self.open = True            # counted in the concurrency


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.keys = set(args.keys or [])
        self.keys_ok = True
        self.down = False
        self.all_429 = 0
        self.conc_limit = args.conc_limit
        self.daily_limit = args.daily_limit
        self.daily_captures = args.daily_captures
        self.error_message = None   # overrides message_for() when set
        self.jobs = {}
        self.cdx = {}               # url -> list of (ts14, statuscode)
        self.submits = []           # times (s)
        self.submits_per_url = {}
        self.open_jobs = 0
        self.max_concurrent = 0
        self.max_concurrent_at = None
        self.requests = []
        self.anomalies = []

    # -- CDX -------------------------------------------------------------
    def add_capture(self, url, ts, status="200"):
        rows = self.cdx.setdefault(url, [])
        if (ts, status) not in rows:
            rows.append((ts, status))
            rows.sort()

    # -- concurrency bookkeeping -------------------------------------------
    def close_job(self, job):
        if job.open:
            job.open = False
            self.open_jobs -= 1

    def close_url(self, url):
        for job in self.jobs.values():
            if job.open and job.url == url:
                self.close_job(job)

    def new_job(self, url, mode, now, failing, counted=True):
        jid = "spn2-" + secrets.token_hex(20)
        job = Job(jid, url, mode, now, failing)
        self.jobs[jid] = job
        if counted:
            self.open_jobs += 1
            if self.open_jobs > self.max_concurrent:
                self.max_concurrent = self.open_jobs
                self.max_concurrent_at = {
                    "t": now * 1000.0,
                    "open": [[j.url, j.id, j.created * 1000.0, j.polls]
                             for j in self.jobs.values() if j.open]}
        else:
            job.open = False
        return job

    def settle(self, now):
        """Complete captures whose finite pending time is over."""
        limit = self.args.settle_after
        for job in self.jobs.values():
            if (job.capture_ts is None and not job.forever
                    and not job.failing and job.mode not in ("vanish",)
                    and now - job.created >= limit):
                job.capture_ts = ts14(job.created + limit)
                self.add_capture(job.url, job.capture_ts)
                self.daily_captures += 1


def parse_mode(url):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    mode = (q.get("spn") or ["ok"])[0]
    spnn = q.get("spnn")
    nfail = None
    if spnn:
        try:
            nfail = int(spnn[0])
        except ValueError:
            nfail = None
    if nfail is None:
        nfail = 1 if mode in FIRST_ONLY else 1 << 30
    cdx = (q.get("spncdx") or ["yes"])[0] != "no"
    return mode, nfail, cdx


def today_ts(now):
    """A timestamp earlier today (UTC), at most an hour ago."""
    midnight = (now // 86400) * 86400
    return ts14(max(midnight, now - 3600))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rotwatch-test-spn2"
    sys_version = ""

    def log_message(self, format, *args):  # never log requests
        pass

    # -- plumbing ----------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te == "chunked":
            out = b""
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    break
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    self.rfile.readline(1024)
                    break
                out += self.rfile.read(n)
                self.rfile.readline(1024)
            return out
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.record_status(status)
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def record(self, body):
        st = self.server.state
        rec = {"t": self.t * 1000.0, "method": self.command,
               "path": self.path,
               "headers": {k: v for k, v in self.headers.items()},
               "body": body.decode("latin-1"), "status": None}
        with st.lock:
            st.requests.append(rec)
        self.rec = rec

    def record_status(self, status):
        if getattr(self, "rec", None) is not None:
            self.rec["status"] = status

    def handle_any(self):
        self.t = time.time()
        self.rec = None
        body = self.read_body()
        path = urllib.parse.urlsplit(self.path).path
        if path == "/__stats":
            return self.stats()
        if path == "/__control":
            return self.control(body)
        self.record(body)
        if self.server.role == "web":
            if self.command in ("GET", "HEAD"):
                if path != "/ok":
                    return self.send(404, NOT_FOUND_HTML,
                                     "text/html; charset=utf-8")
                return self.send(200, WEB_BODY, "text/html; charset=utf-8")
            return self.send(200, b"ok\n", "text/plain")
        return self.spn2(path, body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any

    # -- control and stats ---------------------------------------------------
    def control(self, body):
        st = self.server.state
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send(400, {"error": "bad json"})
        with st.lock:
            if "keys_ok" in req:
                st.keys_ok = bool(req["keys_ok"])
            if "all_429" in req:
                st.all_429 = int(req["all_429"])
            if "down" in req:
                st.down = bool(req["down"])
            if "conc_limit" in req:
                st.conc_limit = int(req["conc_limit"])
            if "daily_captures" in req:
                st.daily_captures = int(req["daily_captures"])
            if "daily_limit" in req:
                st.daily_limit = int(req["daily_limit"])
            if "error_message" in req:
                m = req["error_message"]
                st.error_message = None if m is None else str(m)
        return self.send(200, {"ok": True})

    def stats(self):
        st = self.server.state
        with st.lock:
            times = sorted(st.submits)
            gaps = [b - a for a, b in zip(times, times[1:])]
            per_min = 0
            j = 0
            for i, t in enumerate(times):
                while times[j] <= t - 60.0:
                    j += 1
                per_min = max(per_min, i - j + 1)
            out = {
                "submits": len(times),
                "submits_per_url": dict(st.submits_per_url),
                "max_concurrent": st.max_concurrent,
                "max_concurrent_at": st.max_concurrent_at,
                "processing": st.open_jobs,
                "max_per_minute": per_min,
                "min_gap_ms": (round(min(gaps) * 1000.0, 3) if gaps
                               else None),
                "captures": {u: [r[0] for r in rows]
                             for u, rows in st.cdx.items()},
                "anomalies": list(st.anomalies),
                "requests": list(st.requests),
            }
        return self.send(200, out)

    # -- the service -----------------------------------------------------------
    def endpoint(self):
        return "http://" + (self.headers.get("Host")
                            or f"{HOST}:{self.server.server_port}")

    def spn2(self, path, body):
        st = self.server.state
        args = st.args
        is_submit = path == "/save" and self.command == "POST"
        with st.lock:
            if is_submit:
                url, form = self.count_submit(body)
            if st.down:
                return self.send(503, STATUS_HTML % (503, b"Service "
                                 b"Unavailable"), "text/html")
            if not st.keys_ok:
                return self.send(401, LOGIN_HTML, "text/html")
            if st.all_429 > 0:
                st.all_429 -= 1
                return self.send(429, TOO_MANY_HTML, "text/html")
        if path.startswith("/save"):
            auth = self.headers.get("Authorization") or ""
            if not (auth.startswith("LOW ") and auth[4:] in st.keys):
                return self.send(401, LOGIN_HTML, "text/html")
        if is_submit:
            return self.submit(url)
        if path == "/save/status/user":
            return self.user_status()
        if path == "/save/status" and self.command == "POST":
            form = urllib.parse.parse_qs(body.decode("latin-1"))
            if "job_ids" in form:
                ids = [i for v in form["job_ids"] for i in v.split(",") if i]
                return self.send(200, [self.job_status(i) for i in ids])
            jid = (form.get("job_id") or [""])[0]
            res = self.job_status(jid)
            if self.rec is not None:
                self.rec["result"] = res.get("status")
            return self.send(200, res)
        if path.startswith("/save/status/") and self.command == "GET":
            res = self.job_status(path[len("/save/status/"):])
            if self.rec is not None:
                self.rec["result"] = res.get("status")
            return self.send(200, res)
        if path == "/cdx/search/cdx" and self.command == "GET":
            return self.cdx_search()
        if path == "/wayback/available" and self.command == "GET":
            return self.available()
        return self.send(404, STATUS_HTML % (404, b"Not Found"), "text/html")

    def count_submit(self, body):
        """Caller holds the lock."""
        st = self.server.state
        st.submits.append(self.t)
        form = urllib.parse.parse_qs(body.decode("latin-1"),
                                     keep_blank_values=True)
        url = (form.get("url") or [""])[0]
        st.submits_per_url[url] = st.submits_per_url.get(url, 0) + 1
        for k in form:
            if k not in CAPTURE_OPTIONS:
                st.anomalies.append(f"submit of {url!r}: unknown field {k!r}")
        if not re.match(r"^https?://", url):
            st.anomalies.append(f"submit with url {url!r}")
        if "json" not in (self.headers.get("Accept") or ""):
            st.anomalies.append(f"submit of {url!r} without Accept: "
                                "application/json")
        ctype = self.headers.get("Content-Type") or ""
        if not ctype.startswith("application/x-www-form-urlencoded"):
            st.anomalies.append(f"submit of {url!r} with Content-Type "
                                f"{ctype!r}")
        return url, form

    def submit(self, url):
        reply = self._submit(url)
        delay = self.server.state.args.submit_delay
        if delay > 0:
            time.sleep(delay)
        return self.send(*reply)

    def _submit(self, url):
        """The reply to a submit, as arguments of send()."""
        st = self.server.state
        args = st.args
        now = self.t
        with st.lock:
            if not url:
                return (400, {"status": "error",
                              "status_ext": "error:bad-request",
                              "message": "url is required"})
            st.close_url(url)
            n = st.submits_per_url[url]
            mode, nfail, cdx_today = parse_mode(url)
            if n > nfail and not PENDING_RE.fullmatch(mode):
                mode = "ok"
            failing = (mode.startswith("status-error-")
                       or mode == "failed-but-done")
            if st.daily_captures >= st.daily_limit:
                return (200, {
                    "status": "error", "status_ext": "error:user-daily-limit",
                    "message": f"You cannot make more than "
                               f"{st.daily_limit} captures per day"})

            if st.open_jobs >= st.conc_limit:
                return (200, {
                    "status": "error", "status_ext": "error:user-session-limit",
                    "message": "You have already reached the limit of active "
                               "sessions"})
            if mode == "submit-429":
                return (429, TOO_MANY_HTML, "text/html")
            if mode in ("submit-502", "submit-503", "submit-520"):
                code = int(mode[-3:])
                st.add_capture(url, ts14(now))
                st.daily_captures += 1
                return (code, STATUS_HTML % (code, REASONS[code].encode()),
                        "text/html")
            if mode == "submit-html":
                return (200, SPN_HTML, "text/html; charset=utf-8")
            if mode == "submit-nojobid":
                return (200, {"url": url})
            if mode == "redirect":
                loc = args.redirect_to or (self.endpoint() + "/elsewhere")
                return (302, b"", "text/html", [("Location", loc)])
            if mode.startswith("submit-error-"):
                code = mode[len("submit-error-"):]
                if code == "too-many-daily-captures" and cdx_today:
                    st.add_capture(url, today_ts(now))
                return (200, {
                    "status": "error", "status_ext": "error:" + code,
                    "message": (message_for(code) if st.error_message
                                is None else st.error_message)})
            if mode == "submit-truncated":
                job = st.new_job(url, mode, now, False, counted=False)
                job.capture_ts = ts14(now)
                st.add_capture(url, job.capture_ts)
                st.daily_captures += 1
                if self.rec is not None:
                    self.rec["job_id"] = job.id
                whole = json.dumps({"url": url, "job_id": job.id}).encode()
                return (200, whole[:len(whole) // 2])

            job = st.new_job(url, mode, now, failing)
            job.pending_polls = args.pending_polls
            if args.pending_seconds is not None:
                job.pending_until = now + args.pending_seconds
                job.pending_polls = 0
            reply = {"url": url, "job_id": job.id}
            if self.rec is not None:
                self.rec["job_id"] = job.id
            m = re.fullmatch(r"pending-(\d+)", mode)
            ms = re.fullmatch(r"pending-(\d+(?:\.\d+)?)s", mode)
            if m:
                job.pending_polls = int(m.group(1))
                job.pending_until = None
            elif ms:
                job.pending_until = now + float(ms.group(1))
                job.pending_polls = 0
            elif mode == "pending-forever":
                job.forever = True
            elif mode == "vanish":
                job.capture_ts = ts14(now)
                st.add_capture(url, job.capture_ts)
                st.daily_captures += 1
            elif mode == "failed-but-done":
                job.capture_ts = ts14(now)
                st.add_capture(url, job.capture_ts)
                st.daily_captures += 1
            elif mode == "same-snapshot":
                job.capture_ts = ts14(now - 12 * 60)
                reply["message"] = ("The same snapshot had been made 12 "
                                    "minutes ago. You can make new capture "
                                    "of this URL after 1 hour.")
            elif mode == "ok" or mode.startswith("status-error-"):
                pass
            else:
                st.anomalies.append(f"unknown mode {mode!r} in {url!r}")
            return (200, reply)

    def job_status(self, jid):
        st = self.server.state
        now = self.t
        with st.lock:
            st.settle(now)
            job = st.jobs.get(jid)
            if job is None:
                return {"status": "pending", "job_id": jid, "resources": []}
            job.polls += 1
            pending = {"status": "pending", "job_id": jid,
                       "resources": [job.url]}
            if job.mode == "vanish":
                if job.polls == 1:
                    return pending
                return {"status": "pending", "job_id": jid, "resources": []}
            if job.forever:
                return pending
            if job.polls <= job.pending_polls:
                return pending
            if job.pending_until is not None and now < job.pending_until:
                return pending
            # final
            job.final_seen = True
            st.close_job(job)
            if job.failing and (job.mode.startswith("status-error-")
                                or job.mode == "failed-but-done"):
                code = ("job-failed" if job.mode == "failed-but-done"
                        else job.mode[len("status-error-"):])
                _, _, cdx_today = parse_mode(job.url)
                if code == "too-many-daily-captures" and cdx_today:
                    st.add_capture(job.url, today_ts(job.created))
                return {"status": "error", "job_id": jid,
                        "status_ext": "error:" + code,
                        "exception": "",
                        "message": (message_for(code) if st.error_message is None
                                    else st.error_message),
                        "resources": []}
            if job.capture_ts is None:
                job.capture_ts = ts14(now)
                st.add_capture(job.url, job.capture_ts)
                st.daily_captures += 1
            elif job.mode == "same-snapshot":
                st.add_capture(job.url, job.capture_ts)
            return {"status": "success", "job_id": jid,
                    "original_url": job.url, "timestamp": job.capture_ts,
                    "duration_sec": 1, "resources": [job.url],
                    "outlinks": [], "http_status": 200,
                    "counters": {"outlinks": 0, "embeds": 0}}

    def user_status(self):
        st = self.server.state
        with st.lock:
            st.settle(self.t)
            return self.send(200, {
                "available": max(0, st.conc_limit - st.open_jobs),
                "processing": st.open_jobs,
                "daily_captures": st.daily_captures,
                "daily_captures_limit": st.daily_limit})

    def cdx_search(self):
        st = self.server.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                  keep_blank_values=True)
        url = (q.get("url") or [""])[0]
        fl = (q.get("fl") or [""])[0]
        fields = [f for f in fl.split(",") if f] or CDX_FIELDS
        for f in fields:
            if f not in CDX_FIELDS:
                return self.send(400, b"bad fl\n", "text/plain")
        frm = (q.get("from") or [""])[0]
        to = (q.get("to") or [""])[0]
        lo = (frm + "00000000000000")[:14] if frm else "0" * 14
        hi = (to + "99999999999999")[:14] if to else "9" * 14
        filters = []
        for f in q.get("filter", []):
            neg = f.startswith("!")
            name, _, rx = f.lstrip("!").partition(":")
            try:
                filters.append((neg, name, re.compile(rx)))
            except re.error:
                return self.send(400, b"bad filter\n", "text/plain")
        with st.lock:
            st.settle(self.t)
            st.close_url(url)
            rows = list(st.cdx.get(url, []))
        out = []
        for ts, status in rows:
            if not (lo <= ts <= hi):
                continue
            digest = base64.b32encode(hashlib.sha1(
                (url + ts).encode()).digest()).decode()
            rec = {"urlkey": surt(url), "timestamp": ts, "original": url,
                   "mimetype": "text/html", "statuscode": status,
                   "digest": digest, "length": str(len(WEB_BODY) + 300)}
            if all((rx.fullmatch(rec.get(name, "")) is None) == neg
                   for neg, name, rx in filters):
                out.append([rec[f] for f in fields])
        lim = (q.get("limit") or [""])[0]
        if lim:
            try:
                n = int(lim)
                out = out[:n] if n >= 0 else out[n:]
            except ValueError:
                pass
        if (q.get("output") or [""])[0] == "json":
            return self.send(200, [fields] + out if out else [])
        return self.send(200, "".join(" ".join(r) + "\n" for r in out),
                         "text/plain")

    def available(self):
        st = self.server.state
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        url = (q.get("url") or [""])[0]
        want = (q.get("timestamp") or [""])[0]
        with st.lock:
            st.settle(self.t)
            rows = [r for r in st.cdx.get(url, []) if r[1] == "200"]
        if not rows:
            return self.send(200, {"url": url, "archived_snapshots": {}})
        if want:
            w = int((want + "00000000000000")[:14])
            ts = min(rows, key=lambda r: abs(int(r[0]) - w))[0]
        else:
            ts = rows[-1][0]
        return self.send(200, {"url": url, "archived_snapshots": {"closest": {
            "available": True, "url": f"{self.endpoint()}/web/{ts}/{url}",
            "timestamp": ts, "status": "200"}}})


def message_for(code):
    if code == "too-many-daily-captures":
        return ("This URL has been already captured 5 times today. Please "
                "try again tomorrow.")
    if code.startswith("max-daily-bandwidth"):
        return "You have reached your daily bandwidth limit."
    return f"Job failed: {code}."


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--role", choices=("spn2", "web"), default="spn2")
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1; 0 picks a free one (printed)")
    ap.add_argument("--addr", default=HOST,
                    help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--portfile", help="write the port number to this file")
    ap.add_argument("--lifetime", type=float, default=600,
                    help="exit after this many seconds (default 600)")
    ap.add_argument("--keys", action="append", metavar="KEY:SECRET",
                    help="accepted key pair (repeatable)")
    ap.add_argument("--pending-polls", type=int, default=1,
                    help="polls a job reads pending by default (1)")
    ap.add_argument("--pending-seconds", type=float, default=None,
                    help="instead: seconds a job reads pending by default")
    ap.add_argument("--settle-after", type=float, default=2.0,
                    help="a finitely pending capture is in CDX this many "
                         "seconds after its submit at the latest (2)")
    ap.add_argument("--submit-delay", type=float, default=0.0,
                    help="seconds before the reply to a submit (the job is "
                         "created at once)")
    ap.add_argument("--conc-limit", type=int, default=10,
                    help="concurrent captures allowed (/save/status/user)")
    ap.add_argument("--daily-limit", type=int, default=100000)
    ap.add_argument("--daily-captures", type=int, default=0,
                    help="captures already made today")
    ap.add_argument("--preload-cdx", metavar="FILE",
                    help='lines "URL TIMESTAMP [STATUS]": existing captures')
    ap.add_argument("--redirect-to", metavar="URL",
                    help="Location of the 302 of mode redirect")
    args = ap.parse_args()

    state = State(args)
    if args.preload_cdx:
        with open(args.preload_cdx) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and not parts[0].startswith("#"):
                    state.add_capture(parts[0], parts[1],
                                      parts[2] if len(parts) > 2 else "200")

    srv = Server((args.addr, args.port), Handler)
    srv.state = state
    srv.role = args.role
    port = srv.server_address[1]
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.portfile)
    print(port, flush=True)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                     daemon=True).start()
    time.sleep(args.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
