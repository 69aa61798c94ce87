#!/usr/bin/env python3
"""Tiny DNS stub for the integration tests (UDP, 127.0.0.1:53 by default).

  *.nx.test      NXDOMAIN
  *.ok.test      A 127.0.0.1 (TTL 0); other types: no data (NOERROR, empty)
  *.silent.test  no answer at all (the resolver times out)
  *.rebind.test  A 127.0.0.2, then 127.0.0.1, then 127.0.0.2 ... (one per A
                 query, TTL 0: DNS rebinding); other types: no data
  anything else  REFUSED

Meant to run inside `unshare -m -n` with a bind-mounted resolv.conf, so no
real resolver is ever involved.  Each query is logged on stdout as
"QNAME QTYPE ANSWER".  Exits by itself after --lifetime seconds.
Python 3.11, standard library only.
"""

import argparse
import os
import socket
import struct
import sys
import time

QTYPES = {1: "A", 28: "AAAA", 5: "CNAME", 15: "MX", 16: "TXT", 65: "HTTPS"}
REBIND_ADDRS = ("127.0.0.2", "127.0.0.1")
REBINDS = 0     # A queries answered under rebind.test


def parse_question(pkt):
    """Returns (id, flags, qname, qtype, end of question) or None."""
    if len(pkt) < 12:
        return None
    tid, flags, qdcount = struct.unpack(">HHH", pkt[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels = []
    i = 12
    while True:
        if i >= len(pkt):
            return None
        n = pkt[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0 or i + 1 + n > len(pkt):
            return None
        labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 4 > len(pkt):
        return None
    qtype, _qclass = struct.unpack(">HH", pkt[i:i + 4])
    return tid, flags, ".".join(labels).lower(), qtype, i + 4


def answer(pkt):
    """Returns (reply bytes or None, description)."""
    q = parse_question(pkt)
    if q is None:
        return None, "malformed"
    tid, flags, name, qtype, end = q
    question = pkt[12:end]
    rd = flags & 0x0100

    def reply(rcode, answers=b"", ancount=0, aa=True):
        f = 0x8000 | rd | 0x0080 | (0x0400 if aa else 0) | rcode
        return struct.pack(">HHHHHH", tid, f, 1, ancount, 0, 0) + question \
            + answers

    def under(zone):
        return name == zone or name.endswith("." + zone)

    if under("silent.test"):
        return None, "(no answer)"
    if under("nx.test"):
        return reply(3), "NXDOMAIN"
    if under("ok.test"):
        if qtype == 1:
            rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) \
                + socket.inet_aton("127.0.0.1")
            return reply(0, rr, 1), "127.0.0.1"
        return reply(0), "NODATA"
    if under("rebind.test"):
        if qtype == 1:
            global REBINDS
            addr = REBIND_ADDRS[REBINDS % len(REBIND_ADDRS)]
            REBINDS += 1
            rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) \
                + socket.inet_aton(addr)
            return reply(0, rr, 1), addr
        return reply(0), "NODATA"
    return reply(5, aa=False), "REFUSED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--lifetime", type=float, default=600)
    ap.add_argument("--readyfile", help="created once the socket is bound")
    args = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    s.settimeout(0.25)
    if args.readyfile:
        with open(args.readyfile, "w") as f:
            f.write(f"{s.getsockname()[1]}\n")
    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        try:
            pkt, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        except OSError:
            continue
        out, desc = answer(pkt)
        q = parse_question(pkt)
        if q:
            print(q[2], QTYPES.get(q[3], str(q[3])), desc, flush=True)
        if out is not None:
            try:
                s.sendto(out, peer)
            except OSError:
                pass
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
