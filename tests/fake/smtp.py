#!/usr/bin/python3
"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd),
on 127.0.0.1 only.  Every message accepted is appended to --out as one JSON
line: {"from": ..., "rcpt": [...], "data": the raw message}.  --down makes
it answer 451 (try later) to every DATA while the file named by --down
exists.  Exits by itself after --lifetime seconds.
"""
import argparse
import json
import os
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, down):
        self.out, self.down, self.lock = out, down, threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.down and os.path.exists(self.down):
            return "451 4.3.0 try again later"
        rec = {"from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
               "data": envelope.original_content.decode("utf-8", "replace")}
        with self.lock, open(self.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--out", required=True)
    ap.add_argument("--down")
    ap.add_argument("--lifetime", type=float, default=300)
    a = ap.parse_args()
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    c = Controller(Handler(a.out, a.down), hostname="127.0.0.1", port=port)
    c.start()
    if a.portfile:
        with open(a.portfile + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.portfile + ".tmp", a.portfile)
    try:
        time.sleep(a.lifetime)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
