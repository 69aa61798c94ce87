#!/bin/bash
# Evidence: RFC 3161 timestamps of new content from a time-stamping
# authority (tests/fake/tsa.py, which signs with `openssl ts -reply`),
# `rotwatch export` (a bundle: one WARC file) and `rotwatch verify`, which
# must name the record a one-byte change spoils.
#   1. The TSA first refuses (a "rejection" reply) and answers garbage: the
#      stamps stay pending with the reason, and are granted on a retry.
#   2. Each token verifies with `openssl ts -verify` against the TSA's CA,
#      for the SHA-256 of the body the check stored.
#   3. verify --all: every record, every capture row, every token.
#   4. export: the bundle holds the capture, its content, its token and the
#      manifest, and verifies on its own.
#   5. One byte changed (a) in a response's body, the gzip member rebuilt,
#      (b) in the compressed bytes, (c) in a stored token, (d) in the
#      bundle: verify exits 1 and names the record (or the check).
. "$(dirname "$0")/lib.sh"
setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
start_fake tsa tsa.py --dir "$T/tsa"
TSA="http://127.0.0.1:$STARTED_PORT"
write_conf
printf '\n[archive]\nenabled = no\n\n[warc]\ntsa = %s/\ntsa_ca = %s\n' "$TSA" "$T/tsa/ca.pem" >>"$CONF"
rw add "$B/ok" "$B/change" >/dev/null 2>&1
fetch "$TSA/mode?m=reject&n=1" >/dev/null
stamps() { q "SELECT group_concat(state || ':' || attempts, ' ') FROM stamps"; }

# 1. refused, then garbage, then granted
start_daemon main
wait_for 20 eval '[ "$(q "SELECT count(*) FROM stamps WHERE attempts >= 1")" = 2 ]'
errs=$(q "SELECT group_concat(coalesce(error, 'granted'), ' | ') FROM stamps")
assert_contains "a refusing TSA: the stamp keeps its reason" "rejection" "$errs"
assert_contains "... and says which TSA" "$TSA/" "$errs"
fetch "$TSA/mode?m=garbage&n=1" >/dev/null
wait_for 40 eval '[ "$(q "SELECT count(*) FROM stamps WHERE state = '"'done'"'")" = 2 ]'
assert_eq "both stamps granted after the TSA recovers" "done done" \
	"$(q "SELECT state FROM stamps ORDER BY check_id" | xargs)"
assert_ge "requests the TSA received (refused, garbage, granted)" 4 "$(fetch "$TSA/count")"
stop_daemon main
assert_eq "one stamp per new content, none for a revisit" 2 \
	"$(q "SELECT count(*) FROM stamps s JOIN captures c USING (check_id) WHERE c.kind = 'response'")"

# 2. each token, checked by openssl for the body's SHA-256
n=0
while IFS='|' read -r cid sha; do
	q "SELECT hex(token) FROM stamps WHERE check_id = $cid" | xxd -r -p >"$T/tok$cid.der"
	if openssl ts -verify -digest "$sha" -in "$T/tok$cid.der" -token_in \
	    -CAfile "$T/tsa/ca.pem" -untrusted "$T/tsa/tsa.pem" >/dev/null 2>&1; then
		n=$((n + 1))
	fi
done < <(q "SELECT s.check_id, k.sha256 FROM stamps s JOIN checks k ON k.id = s.check_id")
assert_eq "openssl ts -verify accepts every token for the body's SHA-256" 2 "$n"
gen=$(q "SELECT gen_time FROM stamps ORDER BY check_id LIMIT 1")
at=$(q "SELECT started_at FROM checks ORDER BY id LIMIT 1")
assert_between "the token's time is after the check (ms)" 0 120000 $((gen - at))

# 3. the whole store
out=$(rw verify --all 2>&1)
assert_rc "verify --all" 0 $?
assert_contains "verify --all: captures and timestamps" "2 captures in the database, 2 timestamps" "$out"

# 4. an evidence bundle
out=$(rw export "$B/ok" -o "$T/ok.warc.gz" 2>&1)
assert_rc "export" 0 $?
assert_contains "export says what it wrote" "its trusted timestamp" "$out"
out=$("$PY" - "$T/ok.warc.gz" <<'PY'
import json, sys, zlib
data = open(sys.argv[1], "rb").read()
kinds, manifest = [], None
while data:
    d = zlib.decompressobj(31)
    rec = d.decompress(data)
    data = d.unused_data
    head, _, block = rec.partition(b"\r\n\r\n")
    h = dict(l.split(": ", 1) for l in head.decode().split("\r\n")[1:])
    kinds.append(h["WARC-Type"] + ("(" + h["Content-Type"] + ")" if h["WARC-Type"] == "metadata" else ""))
    if h.get("Content-Type") == "application/json":
        manifest = json.loads(block[:int(h["Content-Length"])])
print(" ".join(kinds))
c = manifest["checks"][0]
print(manifest["source"]["url"], len(manifest["checks"]), c["class"], c["http_status"],
      c["sha256"] is not None, c["warc"]["kind"], c["timestamp"]["tsa"])
PY
)
assert_eq "the bundle: warcinfo, the capture, its token, the manifest" \
	"warcinfo warcinfo request response metadata(application/timestamp-token) metadata(application/json)" \
	"$(head -1 <<<"$out")"
assert_eq "the manifest: the source, its checks, hashes, the record and the token" \
	"$B/ok 1 ok 200 True response $TSA/" "$(tail -1 <<<"$out")"
# on any machine: no configuration file at all
out=$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/ok.warc.gz" --ca "$T/tsa/ca.pem" 2>&1)
assert_rc "verify FILE: the bundle alone" 0 $?
assert_contains "verify FILE: its records and its token" "6 records in 1 files, 1 timestamps" "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/other.key" \
	-out "$T/other.pem" -days 2 -subj "/CN=another CA" 2>/dev/null
out=$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/ok.warc.gz" --ca "$T/other.pem" 2>&1)
assert_rc "verify FILE with a CA that is not the TSA's" 1 $?
assert_contains "... says the token does not chain to it" "does not verify against the CA file" "$out"
out=$(rw export "$B/ok" --at 2001-01-01 -o "$T/none.warc.gz" 2>&1)
assert_rc "export --at before any capture" 1 $?
assert_contains "... says so" "no WARC capture at or before --at" "$out"
assert_eq "... and writes nothing" no "$([ -e "$T/none.warc.gz" ] && echo yes || echo no)"
out=$(rw export "$B/nosuch" -o "$T/x.warc.gz" 2>&1)
assert_contains "export of an unknown source names it" "no source '$B/nosuch'" "$out"
out=$(rw verify 2>&1)
assert_rc "verify without files or --all" 2 $?
# a file that holds no WARC record is not "verified"
: >"$T/empty.warc.gz"
printf 'not a WARC file\n' >"$T/text.warc.gz"
out=$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/empty.warc.gz" 2>&1)
assert_rc "verify of an empty file fails" 1 $?
assert_contains "... naming it" "$T/empty.warc.gz: no WARC record in it" "$out"
out=$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/text.warc.gz" 2>&1)
assert_rc "verify of a text file fails" 1 $?
assert_contains "... naming it and the offset" "$T/text.warc.gz at offset 0: not gzip" "$out"

# 5a. one byte of a body, the member rebuilt: only the digests can tell
read -r f off len rid0 <<<"$(q "SELECT file, offset, length, record_id FROM captures WHERE uri = '$B/change'" | tr '|' ' ')"
cp "$T/warc/$f" "$T/keep.warc.gz"
rid=$("$PY" "$ROOT/tests/integration/tamper.py" "$T/warc/$f" "$off" "$len")
assert_eq "tamper.py changed the /change response" "$rid0" "$rid"
out=$(rw verify --all 2>&1)
assert_rc "a changed body: verify --all fails" 1 $?
assert_contains "... naming the record" "record $rid (response $B/change" "$out"
assert_contains "... and which digests" "block digest does not match (recorded sha256:" "$out"
assert_contains "... both" "; payload digest does not match (recorded sha256:" "$out"
cp "$T/keep.warc.gz" "$T/warc/$f"
# 5b. one byte of the compressed member
"$PY" "$ROOT/tests/integration/tamper.py" "$T/warc/$f" "$off" "$len" raw >/dev/null
out=$(rw verify --all 2>&1)
assert_rc "a flipped compressed byte: verify --all fails" 1 $?
assert_contains "... naming the record, from the database" "the response record $rid of $B/change is damaged" "$out"
cp "$T/keep.warc.gz" "$T/warc/$f"
assert_rc "the file restored: verify --all passes" 0 "$(rw verify --all >/dev/null 2>&1; echo $?)"
# 5c. one byte of a stored token
cid=$(q "SELECT check_id FROM captures WHERE uri = '$B/ok'")
q "UPDATE stamps SET token = CAST(substr(token, 1, 60) || X'00' || substr(token, 62) AS BLOB) WHERE check_id = $cid" >/dev/null
out=$(rw verify --all 2>&1)
assert_rc "a changed token: verify --all fails" 1 $?
assert_contains "... naming the check and its record" "the timestamp of check $cid (record" "$out"
# 5d. the bundle
read -r boff blen <<<"$("$PY" - "$T/ok.warc.gz" <<'PY'
import sys, zlib
data = open(sys.argv[1], "rb").read()
off = 0
while off < len(data):
    d = zlib.decompressobj(31)
    rec = d.decompress(data[off:])
    n = len(data) - off - len(d.unused_data)
    if b"WARC-Type: response" in rec[:200]:
        print(off, n)
    off += n
PY
)"
rid=$("$PY" "$ROOT/tests/integration/tamper.py" "$T/ok.warc.gz" "$boff" "$blen")
out=$(ROTWATCH_CONFIG= "${RW[@]}" verify "$T/ok.warc.gz" 2>&1)
assert_rc "a changed bundle: verify FILE fails" 1 $?
assert_contains "... naming the record" "offset $boff: record $rid (response $B/ok" "$out"
assert_contains "... and its token no longer matches" "timestamp token of $rid" "$out"
finish
