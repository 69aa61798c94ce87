#!/usr/bin/python3
"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd),
on 127.0.0.1 only.  Every message accepted is appended to --out as one JSON
line: {"from": ..., "rcpt": [...], "data": the raw message, "t": unix time
in ms (float) when it was read}.  --down makes it answer 451 (try later) to
every DATA while the file named by --down exists.  --delay SECONDS holds the
answer to every accepted DATA that long (other sessions go on meanwhile);
the message is recorded when it has been read, before the wait, so one whose
client is killed while it waits for the answer counts as received, although
the client never saw "250".  Exits by itself after --lifetime seconds.
"""
import argparse
import asyncio
import json
import os
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out, down, delay=0.0):
        self.out, self.down, self.lock = out, down, threading.Lock()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.down and os.path.exists(self.down):
            return "451 4.3.0 try again later"
        rec = {"from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
               "data": envelope.original_content.decode("utf-8", "replace"),
               "t": time.time() * 1000.0}
        with self.lock, open(self.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    ap.add_argument("--out", required=True)
    ap.add_argument("--down")
    ap.add_argument("--lifetime", type=float, default=300)
    ap.add_argument("--delay", type=float, default=0.0,
                    help="seconds before answering an accepted DATA (0)")
    a = ap.parse_args()
    port = a.port
    if port == 0:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
    c = Controller(Handler(a.out, a.down, a.delay), hostname="127.0.0.1",
                   port=port)
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
