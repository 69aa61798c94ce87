#!/usr/bin/env python3
"""Fake webhook receiver for the alert tests (loopback only).

Under http://127.0.0.1:PORT:
  POST /<anything but /__*>  one alert delivery: the raw body and the
                             headers are recorded, with whether the
                             signature header "X-Rotwatch-Signature:
                             sha256=<hex>" is the HMAC-SHA256 of the raw body
                             with --secret (hmac.compare_digest against the
                             lowercase hex digest), and whether the body is
                             strict JSON (UTF-8, an object, no NaN, no
                             duplicate keys).  Answers 200 {"ok": true}, or
                             503 while "down" (a refused delivery, counted
                             but not listed as a delivery), or --status.
                             Any other method on such a path: 405, counted
                             as an anomaly.
  POST /__control            JSON: {"down": true|false} (answer 503),
                             {"delay_ms": N} (hold every answer N ms, down
                             or not), {"status": N} (the answer when not
                             down, default 200), {"reset": true} (forget
                             every record)
  GET  /__stats              {"deliveries": [{"uid", "id", "verified",
                             "json_ok", "kind", "t", "path", "status",
                             "content_type", "signature", "error",
                             "peer_gone"}...],
                             "refused": N, "refused_log": [{"uid", "t"}],
                             "inflight": N, "inflight_uids": [...],
                             "max_inflight": N,
                             "max_inflight_by_path": {path: N},
                             "anomalies": [...]}
                             uid: the X-Rotwatch-Alert header (null when
                             absent); id: the body's "id"; t: unix time in
                             ms (float) when the request was read; error:
                             why json_ok is false.  ?bodies=1 adds "body"
                             (the raw body, UTF-8 decoded with surrogate
                             escapes as \\udcXX) and "headers" to each
                             delivery.
A delivery is listed when its request has been read, before the answer
(held by delay_ms) is written: a client killed while it waits still counts
as seen.  "inflight" counts requests read and not yet answered whose
client is still connected: a client that closes its connection while its
answer is held is dropped from it at once (peer_gone: true).

--addr binds another loopback address than 127.0.0.1; --location URL adds
a Location header to every answer with a 3xx --status (a redirect).

Python 3.11, standard library only.  The server exits by itself after
--lifetime seconds.  Bodies are never written to stdout or stderr.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import select
import socket
import socketserver
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
REASONS = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed",
           503: "Service Unavailable"}


class State:
    def __init__(self, args):
        self.args = args
        self.secret = args.secret.encode() if args.secret is not None else None
        self.lock = threading.Lock()
        self.down = args.down
        self.delay_ms = args.delay_ms
        self.status = args.status
        self.inflight = 0
        self.inflight_uids = {}     # request number -> uid
        self.inflight_by_path = {}
        self.nreq = 0
        self.reset()

    def reset(self):
        """Forgets the records; requests in progress stay in flight."""
        self.deliveries = []
        self.refused = 0
        self.refused_log = []
        self.max_inflight = self.inflight
        self.max_inflight_by_path = {p: n for p, n in
                                     self.inflight_by_path.items() if n}
        self.anomalies = []


def strict_json(body):
    """(ok, parsed or None, why)."""
    def no_constant(name):
        raise ValueError(f"non-standard constant {name}")

    def no_dups(pairs):
        seen = {}
        for k, v in pairs:
            if k in seen:
                raise ValueError(f"duplicate key {k!r}")
            seen[k] = v
        return seen

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return False, None, f"not UTF-8: {exc}"
    try:
        doc = json.loads(text, parse_constant=no_constant,
                         object_pairs_hook=no_dups)
    except ValueError as exc:
        return False, None, f"not JSON: {exc}"
    if not isinstance(doc, dict):
        return False, doc, "not a JSON object"
    return True, doc, None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rotwatch-test-hook"
    sys_version = ""

    def log_message(self, format, *args):  # never log requests
        pass

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
                    # trailers, up to the empty line
                    while True:
                        t = self.rfile.readline(1024)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                out += self.rfile.read(n)
                self.rfile.readline(1024)
            return out
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        try:
            self.send_response(status, REASONS.get(status))
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            loc = self.server.state.args.location
            if loc and 300 <= status < 400:
                self.send_header("Location", loc)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def handle_any(self):
        t = time.time() * 1000.0
        try:
            body = self.read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        if path == "/__stats":
            q = urllib.parse.parse_qs(parts.query)
            return self.stats((q.get("bodies") or ["0"])[0] == "1")
        if path == "/__control":
            return self.control(body)
        return self.hook(path, body, t)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any

    # -- control and stats ---------------------------------------------------
    def control(self, body):
        st = self.server.state
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send(400, {"error": "bad json"})
        with st.lock:
            if req.get("reset"):
                st.reset()
            if "down" in req:
                st.down = bool(req["down"])
            if "delay_ms" in req:
                st.delay_ms = int(req["delay_ms"])
            if "status" in req:
                st.status = int(req["status"])
        return self.send(200, {"ok": True})

    def stats(self, bodies):
        st = self.server.state
        with st.lock:
            dl = []
            for d in st.deliveries:
                d = dict(d)
                if not bodies:
                    d.pop("body", None)
                    d.pop("headers", None)
                dl.append(d)
            out = {"deliveries": dl, "refused": st.refused,
                   "refused_log": list(st.refused_log),
                   "inflight": st.inflight,
                   "inflight_uids": list(st.inflight_uids.values()),
                   "max_inflight": st.max_inflight,
                   "max_inflight_by_path": dict(st.max_inflight_by_path),
                   "down": st.down, "delay_ms": st.delay_ms,
                   "anomalies": list(st.anomalies)}
        return self.send(200, out)

    # -- the receiver ------------------------------------------------------------
    def hook(self, path, body, t):
        st = self.server.state
        uid = self.headers.get("X-Rotwatch-Alert")
        if self.command != "POST":
            with st.lock:
                st.anomalies.append(f"{self.command} {path} (uid {uid})")
            return self.send(405, {"error": "POST only"})
        sig = self.headers.get("X-Rotwatch-Signature")
        verified = False
        if st.secret is not None and sig is not None and \
                sig.startswith("sha256="):
            want = hmac.new(st.secret, body, hashlib.sha256).hexdigest()
            verified = hmac.compare_digest(sig[len("sha256="):].encode(
                "latin-1", "replace"), want.encode())
        ok, doc, why = strict_json(body)
        rec = None
        with st.lock:
            down = st.down
            delay = st.delay_ms
            status = 503 if down else st.status
            if down:
                st.refused += 1
                st.refused_log.append({"uid": uid, "t": t})
            else:
                rec = {
                    "uid": uid,
                    "id": doc.get("id") if ok else None,
                    "verified": verified,
                    "json_ok": ok,
                    "kind": doc.get("kind") if ok else None,
                    "t": t,
                    "path": path,
                    "status": status,
                    "content_type": self.headers.get("Content-Type"),
                    "signature": sig,
                    "error": why,
                    "peer_gone": False,
                    "body": body.decode("utf-8", "surrogateescape"),
                    "headers": {k: v for k, v in self.headers.items()},
                }
                st.deliveries.append(rec)
            st.nreq += 1
            me = st.nreq
            st.inflight += 1
            st.inflight_uids[me] = uid
            st.max_inflight = max(st.max_inflight, st.inflight)
            n = st.inflight_by_path.get(path, 0) + 1
            st.inflight_by_path[path] = n
            st.max_inflight_by_path[path] = max(
                st.max_inflight_by_path.get(path, 0), n)
        try:
            gone = delay > 0 and self.wait_or_peer_gone(delay / 1000.0)
            if gone:
                # the client went away (killed): nobody reads an answer
                self.close_connection = True
                if rec is not None:
                    with st.lock:
                        rec["peer_gone"] = True
            elif status == 503:
                self.send(503, {"error": "down"})
            else:
                self.send(status, {"ok": True})
        finally:
            with st.lock:
                st.inflight -= 1
                st.inflight_by_path[path] -= 1
                st.inflight_uids.pop(me, None)

    def wait_or_peer_gone(self, seconds):
        """Waits `seconds`; True as soon as the peer closes the connection
        (so "inflight" counts only clients still waiting)."""
        end = time.monotonic() + seconds
        sock = self.connection
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                r, _, _ = select.select([sock], [], [], left)
            except (OSError, ValueError):
                return True
            if not r:
                return False
            try:
                data = sock.recv(1, socket.MSG_PEEK)
            except OSError:
                return True
            if data == b"":
                return True
            # the next request of a pipelining client: wait out the rest
            time.sleep(max(0.0, end - time.monotonic()))
            return False


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1; 0 picks a free one (printed)")
    ap.add_argument("--addr", default=HOST,
                    help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--location", metavar="URL",
                    help="Location header of 3xx answers")
    ap.add_argument("--portfile", help="write the port number to this file")
    ap.add_argument("--lifetime", type=float, default=600,
                    help="exit after this many seconds (default 600)")
    ap.add_argument("--secret", help="the HMAC-SHA256 key of the channel")
    ap.add_argument("--secret-file",
                    help="read the key from this file (first line)")
    ap.add_argument("--delay-ms", type=int, default=0,
                    help="hold every answer this long (default 0)")
    ap.add_argument("--down", action="store_true",
                    help="start down: answer 503")
    ap.add_argument("--status", type=int, default=200,
                    help="the answer when not down (default 200)")
    args = ap.parse_args()
    if args.secret_file:
        with open(args.secret_file) as f:
            args.secret = f.readline().rstrip("\r\n")

    srv = Server((args.addr, args.port), Handler)
    srv.state = State(args)
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
