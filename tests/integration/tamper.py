#!/usr/bin/env python3
"""Changes one byte of one WARC record and writes it back as a valid gzip
member, so that only the digests can tell (a byte flipped in the gzip data
itself is caught by gzip's own CRC before any digest is computed).

    tamper.py FILE OFFSET LENGTH [raw]

The record is the gzip member at OFFSET, LENGTH bytes long.  The byte
changed is the last byte of the block (the payload of a response).  With
"raw", one byte of the compressed member is flipped instead.  Prints the
record's WARC-Record-ID."""
import sys
import zlib

path, off, ln = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = len(sys.argv) > 4 and sys.argv[4] == "raw"
data = bytearray(open(path, "rb").read())
member = bytes(data[off:off + ln])
rec = zlib.decompress(member, 31)
rid = [l for l in rec.split(b"\r\n") if l.startswith(b"WARC-Record-ID:")][0]
if raw:
    data[off + ln // 2] ^= 0x01
    new = bytes(data)
else:
    head, sep, rest = rec.partition(b"\r\n\r\n")
    block = bytearray(rest[:-4])
    block[-1] = (block[-1] + 1) % 256
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    m = c.compress(head + sep + bytes(block) + b"\r\n\r\n") + c.flush()
    new = bytes(data[:off]) + m + bytes(data[off + ln:])
open(path, "wb").write(new)
print(rid.split(b":", 1)[1].strip().decode())
