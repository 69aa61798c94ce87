#!/usr/bin/env python3
"""Counting listener for the SSRF tests: a place no request may reach.

Listens on every --listen ADDR, ADDR:PORT or [ADDR]:PORT (IPv6; "::" is
dual-stack, so it also takes every IPv4 address of the host; a bare ADDR
gets --port), accepts any connection, logs it on stdout as "accept LISTEN
PEER" (flushed at once), answers a tiny HTTP 200 whose body says "leaked",
and closes.  Port 0 picks a free port for the first listener; later ones
with port 0 share it.  That port is written to --portfile.  Exits by
itself after --lifetime seconds.  Python 3.11, standard library only.
"""

import argparse
import os
import selectors
import socket
import sys
import time

BODY = b"leaked: this listener must never be reached\n"
REPLY = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
         + str(len(BODY)).encode() + b"\r\nConnection: close\r\n\r\n" + BODY)


def split(spec, default_port):
    """(family, addr, port) of "A", "A:P", "V6" or "[V6]:P"."""
    if spec.startswith("["):
        addr, _, port = spec[1:].partition("]:")
        return socket.AF_INET6, addr, int(port)
    if spec.count(":") == 1:
        addr, _, port = spec.partition(":")
        return socket.AF_INET, addr, int(port)
    if ":" in spec:
        return socket.AF_INET6, spec, default_port
    return socket.AF_INET, spec, default_port


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", action="append", required=True,
                    metavar="ADDR:PORT")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    first = 0
    for spec in args.listen:
        fam, addr, port = split(spec, args.port)
        if port == 0 and first:
            port = first
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                         0 if addr == "::" else 1)
        s.bind((addr, port))
        s.listen(128)
        s.setblocking(False)
        if not first:
            first = s.getsockname()[1]
        label = f"[{addr}]:{s.getsockname()[1]}" \
            if fam == socket.AF_INET6 else f"{addr}:{s.getsockname()[1]}"
        sel.register(s, selectors.EVENT_READ, label)
    if args.portfile:
        tmp = args.portfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{first}\n")
        os.replace(tmp, args.portfile)
    print(f"listening {first}", flush=True)

    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=0.25):
            try:
                conn, peer = key.fileobj.accept()
            except OSError:
                continue
            print(f"accept {key.data} {peer[0]}:{peer[1]}", flush=True)
            try:
                conn.settimeout(1.0)
                try:
                    conn.recv(4096)
                except OSError:
                    pass
                conn.sendall(REPLY)
            except OSError:
                pass
            finally:
                conn.close()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
