#!/usr/bin/env python3
"""Fake RFC 3161 timestamping authority (TSA) for the tests (loopback only).

The signing is real: every timestamp request goes to `openssl ts -reply`
with the keys and configuration in --dir, which are made there when absent
(an ECDSA P-256 CA and TSA, the TSA's certificate with the critical
extendedKeyUsage timeStamping, valid for ten years from its making):
  DIR/ca.pem   the CA certificate: the trust anchor a verifier is given
  DIR/tsa.pem  the TSA's certificate (also carried by every token)
  DIR/ca.key, DIR/tsa.key, DIR/tsa.cnf ([tsa] section), DIR/tsa.srl
Several servers may share a DIR (a lock file, DIR/.lock, guards it).

Under http://127.0.0.1:PORT:
  POST <any path but those below>
                      a TimeStampReq, Content-Type
                      application/timestamp-query -> 200
                      application/timestamp-reply, a TimeStampResp, as the
                      current mode says.  A body openssl cannot read is
                      answered as openssl answers it: a TimeStampResp with
                      status rejection, failInfo badDataFormat.  Another
                      Content-Type: 415 (counted, and listed as an anomaly).
  GET  /mode?m=MODE[&n=N][&s=SECONDS]
                      sets the mode; with n, for the next N timestamp
                      requests only (then "ok" again); s: the wait of
                      "slow".  -> 200 text/plain "MODE\\n"
  POST /__control     JSON: {"mode": MODE, "n": N, "slow_seconds": S},
                      {"reset": true} (forget the counts and the log)
  GET  /count         text/plain "N\\n": timestamp requests received so far
                      (every POST to the TSA, whatever the mode answered)
  GET  /__stats       {"count", "granted", "mode", "mode_left",
                      "requests": [{"t", "path", "mode", "status",
                      "content_type", "length"}], "anomalies"}
                      (t: unix time in ms, float)
  GET  /ca.pem, /tsa.pem   the certificates

Modes:
  ok       a granted reply, signed now (the default)
  down     503 text/plain, no reply
  garbage  200 application/timestamp-reply whose body is not DER
  reject   200 application/timestamp-reply: a TimeStampResp with status
           rejection, statusString "fake TSA: rejected on purpose",
           failInfo systemFailure
  slow     waits --slow-seconds (30) before a granted reply; a client that
           hangs up meanwhile gets nothing
  replay   200, the granted reply of an earlier request (valid and signed,
           but for another nonce and maybe another digest)

--mode sets the mode at start.  The port is printed on stdout's first line
(and written to --portfile).  Python 3.11, standard library only, and the
openssl command.  The server exits by itself after --lifetime seconds.
Request bodies are never written to stdout or stderr.
"""

import argparse
import fcntl
import http.server
import json
import os
import select
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
MODES = ("ok", "down", "garbage", "reject", "slow", "replay")
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found",
           415: "Unsupported Media Type", 500: "Internal Server Error",
           503: "Service Unavailable"}

TSA_CNF = """\
# made by tests/fake/tsa.py
[ tsa ]
default_tsa = tsa1

[ tsa1 ]
dir = {dir}
serial = $dir/tsa.srl
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256

[ tsa_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def der(tag, body):
    """A DER TLV."""
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + body


def rejection(text, bit):
    """A TimeStampResp: status rejection (2), one statusString, the
    failInfo bit (RFC 3161 PKIFailureInfo, e.g. 25 systemFailure)."""
    nbytes = bit // 8 + 1
    bits = bytearray(nbytes)
    bits[bit // 8] = 0x80 >> (bit % 8)
    unused = 7 - bit % 8            # DER: no trailing zero bits
    status = (der(0x02, b"\x02")
              + der(0x30, der(0x0c, text.encode()))
              + der(0x03, bytes([unused]) + bytes(bits)))
    return der(0x30, der(0x30, status))


def granted(reply):
    """Whether a DER TimeStampResp's status is granted (0) or
    grantedWithMods (1)."""
    def header(b, i):
        # (tag, start of the value, its length) of the TLV at i
        tag, n = b[i], b[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(b[i:i + k], "big")
            i += k
        return tag, i, n
    try:
        tag, i, _ = header(reply, 0)
        tag2, i, _ = header(reply, i)
        tag3, i, n = header(reply, i)
        return (tag, tag2, tag3, n) == (0x30, 0x30, 0x02, 1) and \
            reply[i] in (0, 1)
    except IndexError:
        return False


REJECT = rejection("fake TSA: rejected on purpose", 25)
GARBAGE = b"this is not a TimeStampResp\n"


class Keys:
    """The CA, the TSA and the configuration in one directory."""

    def __init__(self, d, openssl):
        self.dir = os.path.abspath(d)
        self.openssl = openssl
        self.cnf = os.path.join(self.dir, "tsa.cnf")
        os.makedirs(self.dir, exist_ok=True)
        self.lockfile = os.path.join(self.dir, ".lock")

    def locked(self):
        f = open(self.lockfile, "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def run(self, *args, stdin=None):
        return subprocess.run([self.openssl, *args], cwd=self.dir,
                              input=stdin, capture_output=True, timeout=60)

    def ensure(self):
        names = ("ca.pem", "ca.key", "tsa.pem", "tsa.key", "tsa.cnf")
        with self.locked():
            if all(os.path.exists(os.path.join(self.dir, n)) for n in names):
                return
            # made aside, then moved in: a half-made set is never used
            with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
                with open(os.path.join(tmp, "tsa.cnf"), "w") as f:
                    f.write(TSA_CNF.format(dir=self.dir))
                steps = [
                    ["req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
                     "-subj", "/CN=rotwatch fake TSA CA",
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                    ["req", "-new", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "tsa.key", "-out", "tsa.csr",
                     "-subj", "/CN=rotwatch fake TSA"],
                    ["x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem",
                     "-CAkey", "ca.key", "-set_serial",
                     str(int(time.time() * 1000)), "-days", "3650",
                     "-extfile", "tsa.cnf", "-extensions", "tsa_ext",
                     "-out", "tsa.pem"],
                ]
                for args in steps:
                    p = subprocess.run([self.openssl, *args], cwd=tmp,
                                       capture_output=True, timeout=60)
                    if p.returncode != 0:
                        raise SystemExit("tsa.py: openssl %s failed: %s" % (
                            args[0], p.stderr.decode(errors="replace")))
                for n in names:
                    os.replace(os.path.join(tmp, n),
                               os.path.join(self.dir, n))

    def reply(self, query):
        """(status, body) of openssl ts -reply for a request body."""
        with self.locked(), tempfile.TemporaryDirectory(dir=self.dir) as t:
            q = os.path.join(t, "q.tsq")
            r = os.path.join(t, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run([self.openssl, "ts", "-reply", "-config",
                                self.cnf, "-queryfile", q, "-out", r],
                               cwd=self.dir, capture_output=True, timeout=60)
            try:
                with open(r, "rb") as f:
                    body = f.read()
            except OSError:
                body = b""
        if p.returncode != 0 or not body:
            return 500, None
        return 200, body


class State:
    def __init__(self, args, keys):
        self.args = args
        self.keys = keys
        self.lock = threading.Lock()
        self.mode = args.mode
        self.mode_left = None           # requests left in mode; None: all
        self.slow_seconds = args.slow_seconds
        self.last_granted = None
        self.reset()

    def reset(self):
        self.count = 0
        self.granted = 0
        self.requests = []
        self.anomalies = []

    def take_mode(self):
        """The mode of one timestamp request (counting it down)."""
        with self.lock:
            mode = self.mode
            if self.mode_left is not None:
                self.mode_left -= 1
                if self.mode_left <= 0:
                    self.mode, self.mode_left = "ok", None
            return mode

    def set_mode(self, mode, n=None, slow=None):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self.lock:
            self.mode = mode
            self.mode_left = n if n and n > 0 else None
            if slow is not None:
                self.slow_seconds = float(slow)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rotwatch-test-tsa"
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

    def send(self, status, body, ctype="text/plain"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = "application/json"
        elif isinstance(body, str):
            body = body.encode()
        try:
            self.send_response(status, REASONS.get(status))
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
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
        q = urllib.parse.parse_qs(parts.query)
        st = self.server.state
        if self.command in ("GET", "HEAD"):
            if path == "/count":
                with st.lock:
                    return self.send(200, f"{st.count}\n")
            if path == "/mode":
                try:
                    st.set_mode((q.get("m") or ["ok"])[0],
                                int((q.get("n") or ["0"])[0]),
                                (q.get("s") or [None])[0])
                except ValueError as exc:
                    return self.send(400, f"{exc}\n")
                return self.send(200, f"{st.mode}\n")
            if path == "/__stats":
                return self.stats()
            if path in ("/ca.pem", "/tsa.pem"):
                with open(os.path.join(st.keys.dir, path[1:]), "rb") as f:
                    return self.send(200, f.read(),
                                     "application/x-pem-file")
            return self.send(404, "not found\n")
        if path == "/__control":
            return self.control(body)
        if self.command != "POST":
            with st.lock:
                st.anomalies.append(f"{self.command} {path}")
            return self.send(405, "POST a TimeStampReq\n")
        return self.stamp(path, body, t)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any

    def control(self, body):
        st = self.server.state
        try:
            req = json.loads(body or b"{}")
            if req.get("reset"):
                with st.lock:
                    st.reset()
            if "mode" in req:
                st.set_mode(req["mode"], req.get("n"),
                            req.get("slow_seconds"))
            elif "slow_seconds" in req:
                with st.lock:
                    st.slow_seconds = float(req["slow_seconds"])
        except (ValueError, TypeError, AttributeError) as exc:
            return self.send(400, {"error": str(exc)})
        return self.send(200, {"ok": True, "mode": st.mode})

    def stats(self):
        st = self.server.state
        with st.lock:
            out = {"count": st.count, "granted": st.granted,
                   "mode": st.mode, "mode_left": st.mode_left,
                   "slow_seconds": st.slow_seconds,
                   "requests": [dict(r) for r in st.requests],
                   "anomalies": list(st.anomalies)}
        return self.send(200, out)

    # -- the TSA -----------------------------------------------------------
    def stamp(self, path, body, t):
        st = self.server.state
        ctype = self.headers.get("Content-Type")
        rec = {"t": t, "path": path, "mode": None, "status": None,
               "content_type": ctype, "length": len(body)}
        with st.lock:
            st.count += 1
            st.requests.append(rec)
        if (ctype or "").split(";")[0].strip().lower() != QUERY_TYPE:
            with st.lock:
                st.anomalies.append(f"POST {path} with Content-Type {ctype}")
            rec["status"] = 415
            return self.send(415, f"Content-Type must be {QUERY_TYPE}\n")
        mode = st.take_mode()
        rec["mode"] = mode
        if mode == "down":
            rec["status"] = 503
            return self.send(503, "down\n")
        if mode == "garbage":
            rec["status"] = 200
            return self.send(200, GARBAGE, REPLY_TYPE)
        if mode == "reject":
            rec["status"] = 200
            return self.send(200, REJECT, REPLY_TYPE)
        if mode == "replay":
            with st.lock:
                old = st.last_granted
            if old is None:
                # none yet: make one for a request of our own
                p = st.keys.run("ts", "-query", "-digest", "00" * 32,
                                "-sha256", "-cert")
                status, old = st.keys.reply(p.stdout)
                if status != 200:
                    rec["status"] = 500
                    return self.send(500, "openssl failed\n")
            rec["status"] = 200
            return self.send(200, old, REPLY_TYPE)
        if mode == "slow":
            with st.lock:
                wait = st.slow_seconds
            if self.wait_or_peer_gone(wait):
                rec["status"] = "gone"
                self.close_connection = True
                return
        status, reply = st.keys.reply(body)
        rec["status"] = status
        if status != 200:
            return self.send(status, "openssl ts -reply failed\n")
        # only replies that grant are worth replaying
        if granted(reply):
            with st.lock:
                st.granted += 1
                st.last_granted = reply
        return self.send(200, reply, REPLY_TYPE)

    def wait_or_peer_gone(self, seconds):
        """Waits `seconds`; True as soon as the peer closes."""
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
            time.sleep(max(0.0, end - time.monotonic()))
            return False


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True,
                    help="keys, certificates and openssl configuration "
                         "(made when absent)")
    ap.add_argument("--port", type=int, default=0,
                    help="port on 127.0.0.1; 0 picks a free one (printed)")
    ap.add_argument("--addr", default=HOST,
                    help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--portfile", help="write the port number to this file")
    ap.add_argument("--lifetime", type=float, default=600,
                    help="exit after this many seconds (default 600)")
    ap.add_argument("--mode", choices=MODES, default="ok",
                    help="the mode at start (default ok)")
    ap.add_argument("--slow-seconds", type=float, default=30.0,
                    help="the wait of mode slow (default 30)")
    ap.add_argument("--openssl", default="openssl",
                    help="the openssl command (default: from PATH)")
    args = ap.parse_args()

    keys = Keys(args.dir, args.openssl)
    keys.ensure()
    srv = Server((args.addr, args.port), Handler)
    srv.state = State(args, keys)
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
