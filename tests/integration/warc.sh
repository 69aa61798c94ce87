#!/bin/bash
# Local WARC capture ([warc] capture): each check's request and response
# records, one gzip member each, found from the captures table (file,
# offset, length) and checked here by reading them alone: the record id,
# the block and payload digests, the body the server sent.
#   all:     a body seen before becomes a revisit record of the first
#   changes: a body seen before is not written again
#   off:     nothing is written
# A 304 answer has no body: nothing is written for it.
. "$(dirname "$0")/lib.sh"
setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
conf() {
	C_MAX_BODY=${C_MAX_BODY:-1MiB} write_conf
	printf '\n[archive]\nenabled = no\n\n[warc]\ncapture = %s\n' "$1" >>"$CONF"
	rm -rf "$T/warc" "$DB" "$DB-wal" "$DB-shm"
	rw add "$B/ok" "$B/change" "$B/etag" >/dev/null 2>&1
}
# verify: every captures row read alone from its file; prints "fine" or why
verify() {
	"$PY" - "$DB" "$T/warc" "$B/ok" <<'PY'
import base64, hashlib, sqlite3, sys, urllib.request, zlib
db, wdir = sys.argv[1], sys.argv[2]
okbody = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[3]).read()
bad = []
def member(f, off, ln):
    data = open(wdir + "/" + f, "rb").read()
    d = zlib.decompressobj(31)
    rec = d.decompress(data[off:off + ln])
    if not d.eof or d.unused_data:
        bad.append("%s@%d: not exactly one gzip member" % (f, off))
    return rec
def parse(rec):
    head, _, rest = rec.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    h = dict(l.split(": ", 1) for l in lines[1:])
    n = int(h["Content-Length"])
    block = rest[:n]
    if rest[n:] != b"\r\n\r\n":
        bad.append("record does not end with CRLF CRLF")
    return lines[0], h, block
def b32(b):
    return "sha256:" + base64.b32encode(hashlib.sha256(b).digest()).decode()
rows = sqlite3.connect(db).execute(
    "SELECT kind, file, offset, length, record_id, req_file, req_offset, "
    "req_length, payload_digest, uri FROM captures").fetchall()
for kind, f, off, ln, rid, rf, ro, rl, pd, uri in rows:
    first, h, block = parse(member(f, off, ln))
    if first != "WARC/1.1": bad.append("version %r" % first)
    if h["WARC-Type"] != kind: bad.append("type %s != %s" % (h["WARC-Type"], kind))
    if h["WARC-Record-ID"] != rid: bad.append("record id")
    if h["WARC-Target-URI"] != uri: bad.append("target uri")
    if h["WARC-Block-Digest"] != b32(block): bad.append("block digest of %s" % uri)
    if h["WARC-Payload-Digest"] != pd: bad.append("payload digest field")
    httphead, _, payload = block.partition(b"\r\n\r\n")
    if kind == "response":
        if b32(payload) != pd: bad.append("payload digest of %s" % uri)
        if uri.endswith("/ok") and payload != okbody: bad.append("body of /ok")
    else:
        if payload != b"": bad.append("a revisit with a payload")
        if "WARC-Refers-To" not in h: bad.append("revisit refers to nothing")
        # a revisit is written alone: no request record, nothing concurrent
        if rf is not None or "WARC-Concurrent-To" in h: bad.append("revisit with a request")
        continue
    rfirst, rh, rblock = parse(member(rf, ro, rl))
    if rh["WARC-Type"] != "request" or not rblock.startswith(b"GET "):
        bad.append("request record")
    if h.get("WARC-Concurrent-To") != rh["WARC-Record-ID"]: bad.append("concurrent-to")
print("fine (%d)" % len(rows) if not bad else "; ".join(sorted(set(bad))))
PY
}
kinds() { q "SELECT group_concat(k, ' ') FROM (SELECT substr(uri, length('$B') + 1) || ':' || kind AS k FROM captures ORDER BY uri, check_id)"; }

conf all
check_pass pass1
check_pass pass2
assert_eq "all: records per check (304 and unchanged bodies)" \
	"/change:response /change:response /etag:response /ok:response /ok:revisit" "$(kinds)"
assert_eq "all: every record reads alone and verifies" "fine (5)" "$(verify)"
nf=$(ls "$T/warc" | grep -c '\.warc\.gz$')
assert_eq "all: files in the WARC folder, beside the database" yes "$([ "$nf" -ge 1 ] && echo yes || echo no)"

conf changes
check_pass pass3
check_pass pass4
assert_eq "changes: only bodies the source never had" \
	"/change:response /change:response /etag:response /ok:response" "$(kinds)"
assert_eq "changes: every record reads alone and verifies" "fine (4)" "$(verify)"

conf off
check_pass pass5
assert_eq "off: no capture, no WARC folder" "0 no" \
	"$(q "SELECT count(*) FROM captures") $([ -e "$T/warc" ] && echo yes || echo no)"

# a 2 MiB body (gzip on the wire, kept decoded, through a temporary file)
C_MAX_BODY=4MiB conf all
rw add "$B/gzip-bomb?mib=2" >/dev/null 2>&1
check_pass big
assert_eq "a 2 MiB body is kept whole, decoded" "response 2097152" \
	"$(q "SELECT c.kind || ' ' || k.body_bytes FROM captures c JOIN checks k ON k.id = c.check_id
	      WHERE c.uri LIKE '%gzip-bomb%'")"
assert_eq "... and reads back and verifies with the others" "fine (4)" "$(verify)"
hdr=$("$PY" - "$DB" "$T/warc" <<'PY'
import sqlite3, sys, zlib
f, off, ln = sqlite3.connect(sys.argv[1]).execute(
    "SELECT file, offset, length FROM captures WHERE uri LIKE '%gzip-bomb%'").fetchone()
rec = zlib.decompress(open(sys.argv[2] + "/" + f, "rb").read()[off:off + ln], 31)
print(rec.split(b"\r\n\r\n")[1].decode().replace("\r\n", "|"))
PY
)
assert_contains "the server's encoding is kept as X-Rotwatch-Original-Content-Encoding" \
	"X-Rotwatch-Original-Content-Encoding: gzip" "$hdr"
assert_contains "... and Content-Length is the stored length" "Content-Length: 2097152" "$hdr"

# a redirect chain (302, 301, 301, then 200): each hop's request and
# response (head only) before the final records, in one span of the file
conf changes
rw add "$B/chain" >/dev/null 2>&1
check_pass chain
hops=$("$PY" - "$DB" "$T/warc" "$B" <<'PY'
import base64, hashlib, sqlite3, sys, zlib
db, wdir, base = sys.argv[1:4]
f, off, ln, hoff, hlen, roff = sqlite3.connect(db).execute(
    "SELECT file, offset, length, hops_offset, hops_length, req_offset FROM captures "
    "WHERE source_id = (SELECT id FROM sources WHERE url = ?)", (base + "/chain",)).fetchone()
data = open(wdir + "/" + f, "rb").read()
out, pos = [], hoff
while pos < hoff + hlen:
    d = zlib.decompressobj(31)
    rec = d.decompress(data[pos:])
    pos = len(data) - len(d.unused_data)
    head, _, rest = rec.partition(b"\r\n\r\n")
    h = dict(l.split(": ", 1) for l in head.decode().split("\r\n")[1:])
    block = rest[:int(h["Content-Length"])]
    ok = h["WARC-Block-Digest"] == "sha256:" + base64.b32encode(hashlib.sha256(block).digest()).decode()
    first = block.split(b"\r\n")[0].decode()
    out.append("%s %s %s %s" % (h["WARC-Type"], h["WARC-Target-URI"].replace(base, ""),
               first.split(" ")[1] if h["WARC-Type"] == "response" else first.split(" ")[0],
               "ok" if ok else "BAD"))
print("; ".join(out))
print("ends at the final request" if pos == roff else "ends at %d, final request at %d" % (pos, roff))
PY
)
assert_eq "redirects: each hop's request and response, with its URL and status" \
	"request /chain GET ok; response /chain 302 ok; request /chain/2 GET ok; response /chain/2 301 ok; request /chain/3 GET ok; response /chain/3 301 ok" \
	"$(head -1 <<<"$hops")"
assert_eq "... right before the final request" "ends at the final request" "$(tail -1 <<<"$hops")"
out=$(rw export "$B/chain" -o "$T/chain.warc.gz" 2>&1)
assert_rc "export of a redirected source" 0 $?
assert_contains "... holds the hops: 2 warcinfo, 6 + 2 records, the manifest" ": 11 records:" "$out"
assert_eq "... and verifies" 0 "$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/chain.warc.gz" >/dev/null 2>&1; echo $?)"

f="$T/bad.conf"
printf '[storage]\ndatabase = db.sqlite\n[warc]\ncapture = some\n' >"$f"
err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
assert_rc "capture = some: config-check" 78 $?
assert_contains "... FILE:LINE" "$f:4:" "$err"
finish
