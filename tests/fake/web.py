#!/usr/bin/env python3
"""Misbehaving HTTP/1.1 server for the integration tests (loopback only).

Behaviour by path (the query string is ignored unless noted):
  /ok               200 text/html, fixed body (also /ok?n=K: same body)
  /redirect         301 -> /ok            /chain  302 -> 301 -> 301 -> /ok
  /notfound 404  /gone 410  /forbidden 403  /unauthorized 401
  /ratelimit 429 (Retry-After: 120)  /legal 451  /teapot 418  /error 500
  /unavailable      503 (Retry-After: an HTTP date)
  /slowdrip         200, headers, then 1 byte every 2 s until the peer goes
  /hang             reads the request, never answers
  /slowheaders      the status line, then nothing
  /delay?ms=N       200 /ok body after N ms (default 2000)
  /reset            RST before any reply (SO_LINGER 0, close)
  /midreset         Content-Length 100000, 1000 bytes, RST
  /short            Content-Length 5000, 100 bytes, clean close
  /empty            clean close without a byte
  /garbage          "NOT HTTP" and close
  /chunked-huge     endless 64 KiB chunks (stops at 200 MB per connection)
  /cl-huge          Content-Length 209715200, then that many bytes
  /gzip-bomb        gzip of 1 GiB of zeros (~1 MiB, with Content-Length);
                    ?mib=N: N MiB of zeros, chunked, no length
  /loop             302 -> /loop2 -> /loop
  /to-file          302 file:///etc/passwd    /to-ftp  302 ftp://127.0.0.1/x
  /goto?to=URL      302 to URL (percent-decoded)
  /etag             200 with ETag, Last-Modified, Content-Length (304 on a
                    matching If-None-Match / If-Modified-Since)
  /change           200, a different body on every request
  /count/NAME       200, counts requests per NAME; /hits/NAME: that count
  /active/NAME      responses to /NAME in progress (/active/slowdrip, ...)
  /stats            all counters as JSON
  anything else     404

Every connection has a hard lifetime cap (--conn-lifetime) and the server
exits by itself after --lifetime seconds.  --addr binds another loopback
address than 127.0.0.1.  With --tls CERT KEY the same
paths are served over HTTPS.  A client that does not speak HTTP at all (a
TLS ClientHello sent to the plain listener) gets "NOT HTTP" and a close.

Python 3.11, standard library only.
"""

import argparse
import email.utils
import json
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import zlib

HOST = "127.0.0.1"
OK_BODY = (b"<!doctype html>\n<html><head><title>rotwatch test page</title>"
           b"</head>\n<body><p>This page is fine.</p></body></html>\n")
ETAG = '"rw-etag-1"'
LAST_MODIFIED = "Tue, 01 Sep 2020 10:00:00 GMT"
UNAVAILABLE_RETRY_AFTER = "Fri, 31 Dec 2038 23:59:59 GMT"
BLOCK = b"a" * 65536
HUGE_CAP = 200 * 1024 * 1024    # bytes per connection for the endless bodies
CL_HUGE = 209715200

REASONS = {
    200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone",
    418: "I'm a teapot", 429: "Too Many Requests",
    451: "Unavailable For Legal Reasons", 500: "Internal Server Error",
    503: "Service Unavailable",
}

# Simple status answers: path -> (status, extra headers)
STATUS_PATHS = {
    "/notfound": (404, []),
    "/gone": (410, []),
    "/forbidden": (403, []),
    "/unauthorized": (401, [("WWW-Authenticate", 'Basic realm="test"')]),
    "/ratelimit": (429, [("Retry-After", "120")]),
    "/legal": (451, []),
    "/teapot": (418, []),
    "/error": (500, []),
    "/unavailable": (503, [("Retry-After", UNAVAILABLE_RETRY_AFTER)]),
}

# Simple redirects: path -> (status, Location; "ABS:" = absolute on this server)
REDIRECTS = {
    "/redirect": (301, "ABS:/ok"),
    "/chain": (302, "/chain/2"),
    "/chain/2": (301, "/chain/3"),
    "/chain/3": (301, "ABS:/ok"),
    "/loop": (302, "/loop2"),
    "/loop2": (302, "/loop"),
    "/to-file": (302, "file:///etc/passwd"),
    "/to-ftp": (302, "ftp://127.0.0.1/x"),
}


class Stats:
    """Counters shared by all connections."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hits = {}          # /count/NAME -> requests
        self.requests = {}      # first path segment -> requests
        self.active = {}        # first path segment -> responses in progress
        self.change = 0

    def bump(self, table, key, delta=1):
        with self.lock:
            table[key] = table.get(key, 0) + delta
            return table[key]

    def get(self, table, key):
        with self.lock:
            return table.get(key, 0)

    def next_change(self):
        with self.lock:
            self.change += 1
            return self.change


STATS = Stats()


class Bomb:
    """A gzip member holding N MiB of zeros, built without N MiB in memory.

    Deflate output for a MiB of zeros followed by a full flush does not
    depend on what came before, so one compressed segment is repeated.
    """

    _lock = threading.Lock()
    _cache = {}

    @classmethod
    def get(cls, mib):
        with cls._lock:
            if mib not in cls._cache:
                cls._cache[mib] = cls._build(mib)
            return cls._cache[mib]

    @staticmethod
    def _build(mib):
        zeros = bytes(1 << 20)
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        comp.compress(zeros)
        comp.flush(zlib.Z_FULL_FLUSH)
        seg = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
        tail = comp.flush()
        crc = 0
        for _ in range(mib):
            crc = zlib.crc32(zeros, crc)
        head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        trailer = struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)
        return head + seg * mib + tail + trailer


class Closed(Exception):
    """The peer went away or the connection's lifetime is over."""


class Conn:
    def __init__(self, sock, args, tls_ctx):
        self.sock = sock
        self.args = args
        self.tls_ctx = tls_ctx
        self.deadline = time.monotonic() + args.conn_lifetime
        self.buf = b""
        self.scheme = "https" if tls_ctx else "http"

    # -- low level ------------------------------------------------------
    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Closed()
        return left

    def send(self, data):
        self.sock.settimeout(self.remaining())
        try:
            self.sock.sendall(data)
        except (OSError, ValueError) as exc:
            raise Closed() from exc

    def recv(self, timeout):
        self.sock.settimeout(min(timeout, self.remaining()))
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return None
        except (OSError, ValueError) as exc:
            raise Closed() from exc

    def wait_peer_close(self, seconds=None):
        """Read and discard until the peer closes, the cap, or `seconds`."""
        end = time.monotonic() + (seconds if seconds is not None
                                  else self.args.conn_lifetime)
        while True:
            left = min(end - time.monotonic(), self.remaining())
            if left <= 0:
                return
            data = self.recv(left)
            if data == b"":
                return

    def peer_closed(self, wait):
        """Sleep up to `wait` seconds; True if the peer closed meanwhile."""
        wait = min(wait, self.remaining())
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return False
        data = self.recv(0.01)
        return data == b""

    def rst(self):
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
        except OSError:
            pass
        if isinstance(self.sock, ssl.SSLSocket):
            # close the TCP socket under TLS without a close_notify
            raw = socket.socket(fileno=self.sock.detach())
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                           struct.pack("ii", 1, 0))
            raw.close()
        else:
            self.sock.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def fin(self):
        """Clean close: FIN after everything sent."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except (OSError, ValueError):
            pass
        try:
            self.wait_peer_close(2)
        except Closed:
            pass

    # -- HTTP -----------------------------------------------------------
    def read_request(self):
        """Returns (method, target, version, headers) or None at EOF.

        Returns "garbage" if the bytes do not look like HTTP.
        """
        while b"\r\n\r\n" not in self.buf:
            if self.buf and not self.buf[:1].isalpha():
                return "garbage"
            if len(self.buf) > 65536:
                return "garbage"
            data = self.recv(self.remaining())
            if data is None:
                raise Closed()
            if data == b"":
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return "garbage"
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(self.buf) < length:
            data = self.recv(self.remaining())
            if not data:
                raise Closed()
            self.buf += data
        self.buf = self.buf[length:]
        return parts[0], parts[1], parts[2], headers

    def head(self, status, headers, reason=None):
        reason = reason or REASONS.get(status, "Status")
        out = [f"HTTP/1.1 {status} {reason}",
               "Date: " + email.utils.formatdate(usegmt=True),
               "Server: rotwatch-test"]
        out += [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")

    def respond(self, status, headers, body, method, close):
        headers = list(headers)
        headers.append(("Content-Length", str(len(body))))
        if close:
            headers.append(("Connection", "close"))
        data = self.head(status, headers)
        if method != "HEAD":
            data += body
        self.send(data)

    # -- dispatch -------------------------------------------------------
    def serve(self):
        try:
            if self.tls_ctx:
                self.sock.settimeout(min(10, self.remaining()))
                try:
                    self.sock = self.tls_ctx.wrap_socket(self.sock,
                                                         server_side=True)
                except (OSError, ValueError):
                    return
            while True:
                req = self.read_request()
                if req is None:
                    return
                if req == "garbage":
                    STATS.bump(STATS.requests, "(not http)")
                    self.send(b"NOT HTTP\r\n\r\n")
                    return
                if not self.handle(*req):
                    return
        except Closed:
            pass
        except Exception as exc:  # keep serving other connections
            print(f"web.py: handler error: {exc!r}", file=sys.stderr,
                  flush=True)
        finally:
            self.close()

    def absolute(self, headers, path):
        host = headers.get("host", f"{self.args.addr}:{self.args.port}")
        return f"{self.scheme}://{host}{path}"

    def handle(self, method, target, version, headers):
        """Serve one request; return True to keep the connection."""
        path, _, query = target.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        seg = "/" + path.split("/")[1] if path.startswith("/") else path
        STATS.bump(STATS.requests, seg)
        close = (headers.get("connection", "").lower() == "close"
                 or version == "HTTP/1.0")
        html = [("Content-Type", "text/html; charset=utf-8")]
        text = [("Content-Type", "text/plain; charset=utf-8")]

        if path == "/ok":
            self.respond(200, html, OK_BODY, method, close)
            return not close
        if path in STATUS_PATHS:
            status, extra = STATUS_PATHS[path]
            body = f"<html><body>{status}</body></html>\n".encode()
            self.respond(status, html + extra, body, method, close)
            return not close
        if path in REDIRECTS:
            status, loc = REDIRECTS[path]
            if loc.startswith("ABS:"):
                loc = self.absolute(headers, loc[4:])
            self.respond(status, [("Location", loc)], b"", method, close)
            return not close
        if path == "/goto":
            loc = urllib.parse.unquote(params.get("to", ""))
            self.respond(302, [("Location", loc)], b"", method, close)
            return not close
        if path.startswith("/count/"):
            STATS.bump(STATS.hits, path[len("/count/"):])
            self.respond(200, html, OK_BODY, method, close)
            return not close
        if path.startswith("/hits/"):
            n = STATS.get(STATS.hits, path[len("/hits/"):])
            self.respond(200, text, f"{n}\n".encode(), method, True)
            return False
        if path.startswith("/active/"):
            n = STATS.get(STATS.active, "/" + path[len("/active/"):])
            self.respond(200, text, f"{n}\n".encode(), method, True)
            return False
        if path == "/stats":
            with STATS.lock:
                body = json.dumps({"hits": STATS.hits,
                                   "requests": STATS.requests,
                                   "active": STATS.active}).encode()
            self.respond(200, [("Content-Type", "application/json")], body,
                         method, True)
            return False
        if path == "/etag":
            cond = [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)]
            if (headers.get("if-none-match") == ETAG
                    or headers.get("if-modified-since") == LAST_MODIFIED):
                self.send(self.head(304, cond))
                return not close
            self.respond(200, html + cond, OK_BODY, method, close)
            return not close
        if path == "/change":
            n = STATS.next_change()
            body = (f"<html><body><p>version {n} at {time.time_ns()}</p>"
                    f"</body></html>\n").encode()
            self.respond(200, html + [("Cache-Control", "no-store")], body,
                         method, close)
            return not close

        # Misbehaving answers: each ends the connection.
        STATS.bump(STATS.active, seg)
        try:
            self.misbehave(path, params, method)
        finally:
            STATS.bump(STATS.active, seg, -1)
        return False

    def misbehave(self, path, params, method):
        html = [("Content-Type", "text/html; charset=utf-8")]
        if path == "/delay":
            # 200 /ok after ?ms=N milliseconds (default 2000)
            wait = int(params.get("ms", "2000") or 2000) / 1000.0
            if self.peer_closed(wait):
                return
            self.respond(200, html, OK_BODY, method, True)
        elif path == "/slowdrip":
            self.send(self.head(200, html + [("Content-Length", "1000000")]))
            while not self.peer_closed(2):
                self.send(b"a")
        elif path in ("/hang", "/slowheaders"):
            if path == "/slowheaders":
                self.send(b"HTTP/1.1 200 OK\r\n")
            self.wait_peer_close()
        elif path == "/reset":
            self.rst()
        elif path == "/midreset":
            self.send(self.head(200, html + [("Content-Length", "100000")])
                      + b"x" * 1000)
            time.sleep(0.05)
            self.rst()
        elif path == "/short":
            self.send(self.head(200, html + [("Content-Length", "5000")])
                      + b"y" * 100)
            self.fin()
        elif path == "/empty":
            self.fin()
        elif path == "/garbage":
            self.send(b"NOT HTTP\r\n\r\n")
            self.fin()
        elif path == "/chunked-huge":
            self.send(self.head(200, html + [("Transfer-Encoding", "chunked"),
                                             ("Connection", "close")]))
            chunk = b"%x\r\n" % len(BLOCK) + BLOCK + b"\r\n"
            sent = 0
            while sent < HUGE_CAP:
                self.send(chunk)
                sent += len(BLOCK)
            self.send(b"0\r\n\r\n")
            self.fin()
        elif path == "/cl-huge":
            self.send(self.head(200, html + [("Content-Length", str(CL_HUGE)),
                                             ("Connection", "close")]))
            sent = 0
            while sent < CL_HUGE:
                n = min(len(BLOCK), CL_HUGE - sent)
                self.send(BLOCK[:n])
                sent += n
            self.fin()
        elif path == "/gzip-bomb":
            # Default: 1 GiB of zeros, ~1 MiB on the wire, with a
            # Content-Length.  ?mib=N: N MiB, sent chunked (no length), so
            # only a cap on the decompressed bytes can stop it.
            mib = int(params.get("mib", "1024") or 1024)
            mib = max(1, min(mib, 4096))
            bomb = Bomb.get(mib)
            hdrs = html + [("Content-Encoding", "gzip"), ("Connection", "close")]
            if "mib" in params:
                self.send(self.head(200, hdrs + [("Transfer-Encoding",
                                                  "chunked")]))
                for i in range(0, len(bomb), 16384):
                    piece = bomb[i:i + 16384]
                    self.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
                self.send(b"0\r\n\r\n")
            else:
                self.send(self.head(200, hdrs + [("Content-Length",
                                                  str(len(bomb)))]))
                if method != "HEAD":
                    for i in range(0, len(bomb), 65536):
                        self.send(bomb[i:i + 65536])
            self.fin()
        else:
            body = b"<html><body>no such test path</body></html>\n"
            self.respond(404, html, body, method, True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1; 0 picks a free one (printed)")
    ap.add_argument("--addr", default=HOST,
                    help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--portfile", help="write the port number to this file")
    ap.add_argument("--lifetime", type=float, default=600,
                    help="exit after this many seconds (default 600)")
    ap.add_argument("--conn-lifetime", type=float, default=120,
                    help="hard cap on one connection, seconds (default 120)")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                    help="serve HTTPS with this certificate and key")
    args = ap.parse_args()

    tls_ctx = None
    if args.tls:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(args.tls[0], args.tls[1])

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.addr, args.port))
    srv.listen(1024)
    args.port = srv.getsockname()[1]
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{args.port}\n")
        os.replace(tmp, args.portfile)
    print(args.port, flush=True)

    # Build the default bomb in the background so the first request for it
    # does not wait long and startup stays fast.
    threading.Thread(target=Bomb.get, args=(1024,), daemon=True).start()

    end = time.monotonic() + args.lifetime
    srv.settimeout(0.25)
    while time.monotonic() < end:
        try:
            sock, _ = srv.accept()
        except socket.timeout:
            continue
        except OSError:
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=Conn(sock, args, tls_ctx).serve,
                         daemon=True).start()
    os._exit(0)


if __name__ == "__main__":
    main()
