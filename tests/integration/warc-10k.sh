#!/bin/bash
# A 10,000-source run with [warc] capture = all, read back by a real WARC
# reader: warcio (npm), in warcio-check.mjs, reads every record of every
# file and recomputes every block digest and every response's payload
# digest.  Two passes: 9,000 pages that do not change (a response, then a
# revisit each) and 1,000 that change at every request (two responses).
# The counts of records warcio finds must be those the database lists, and
# `rotwatch verify --all` must agree.
. "$(dirname "$0")/lib.sh"
setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
C_CHECK_EXTRA="concurrency = 64
per_host = 64" write_conf
printf '\n[archive]\nenabled = no\n\n[warc]\ncapture = all\nmax_file = 4MiB\n' >>"$CONF"
{
	for i in $(seq 1 9000); do echo "$B/ok?n=$i"; done
	for i in $(seq 1 1000); do echo "$B/change?n=$i"; done
} >"$T/list.txt"
rw import "$T/list.txt" >"$T/import.log" 2>&1
assert_eq "10,000 sources" 10000 "$(q 'SELECT count(*) FROM sources')"

for pass in 1 2; do
	start=$(now_ms)
	timeout -k 2 300 "${RW[@]}" -c "$CONF" daemon --once >"$T/pass$pass.log" 2>&1
	assert_rc "pass $pass: daemon --once" 0 $?
	echo "pass $pass: $(($(now_ms) - start)) ms"
	# the next pass is due now
	q "UPDATE sources SET next_due = 0" >/dev/null
done
assert_eq "checks stored" 20000 "$(q 'SELECT count(*) FROM checks')"
assert_eq "captures: responses and revisits" "response|11000 revisit|9000" \
	"$(q "SELECT kind, count(*) FROM captures GROUP BY kind ORDER BY kind" | xargs)"

files=("$T"/warc/*.warc.gz)
out=$(cd "$ROOT/tests" && node integration/warcio-check.mjs "${files[@]}")
echo "warcio: $out"
field() { "$PY" -c "import json,sys; print(json.loads(sys.argv[1])$1)" "$out"; }
assert_eq "warcio: no digest or length mismatch" "[]" "$(field "['bad'][:5]")"
assert_eq "warcio: every file read" "${#files[@]}" "$(field "['files']")"
assert_eq "warcio: responses (as in the database)" 11000 "$(field "['responses']")"
assert_eq "warcio: revisits (as in the database)" 9000 "$(field "['revisits']")"
assert_eq "warcio: requests, one per response" 11000 "$(field "['types'].get('request', 0)")"
assert_eq "warcio: a warcinfo opening each file" "${#files[@]}" "$(field "['types'].get('warcinfo', 0)")"
assert_eq "warcio: every revisit's payload is held by a response" 9000 \
	"$(field "['revisit_payloads_known']")"
assert_ge "files rotated at 4 MiB" 2 "${#files[@]}"

v=$(rw verify --all 2>&1)
assert_rc "rotwatch verify --all" 0 $?
assert_contains "verify: every record and capture" "20000 captures in the database" "$v"

# the negative control: one byte changed in one response's body, the record
# written back as a valid gzip member, is found by warcio-check
read -r f off len <<<"$(q "SELECT file, offset, length FROM captures WHERE kind = 'response' ORDER BY check_id DESC LIMIT 1" | tr '|' ' ')"
cp "$T/warc/$f" "$T/tampered.warc.gz"
rid=$("$PY" "$ROOT/tests/integration/tamper.py" "$T/tampered.warc.gz" "$off" "$len")
out=$(cd "$ROOT/tests" && node integration/warcio-check.mjs "$T/tampered.warc.gz")
assert_contains "warcio-check finds the changed record" "$rid" "$out"
finish
