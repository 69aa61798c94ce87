#!/usr/bin/env python3
"""A service manager's notification socket for the tests (sd_notify(3)):
binds an AF_UNIX datagram socket at --socket and appends every message to
--out as one JSON line {"t": unix time in ms, "msg": the datagram}.
Exits by itself after --lifetime seconds.
"""
import argparse
import json
import os
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    try:
        os.unlink(a.socket)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(a.socket)
    end = time.time() + a.lifetime
    with open(a.out, "a") as f:
        while time.time() < end:
            s.settimeout(max(0.1, end - time.time()))
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            f.write(json.dumps({"t": time.time() * 1000,
                                "msg": data.decode("utf-8", "replace")}) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
