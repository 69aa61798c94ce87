#!/bin/bash
# The labelled corpus (tests/fake/corpus.py): ~160 URLs on 18 loopback
# "sites", each labelled alive, moved, dead, blocked, soft404, parked or
# suspect.  Three `check --all` passes, the third >= confirm_span (4 s) after
# the first, then `status --format json` against the labels: confusion
# matrix, and precision and recall of every state >= 0.98.
# Runs in a private network namespace when it can (root), else on loopback.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" = 0 ] && unshare -m -n true 2>/dev/null; then
	in_netns "$@"
fi
setup

SPAN_MS=4000
write_conf
cat >"$T/parked.txt" <<'EOF'
# the test's own parking service: a loopback address as an IP-literal host
host 127.0.5.9
title registrar express
text this registration has lapsed
EOF
cat >>"$CONF" <<EOF

[verdict]
confirm_checks = 3
confirm_span = 4s
parked_file = $T/parked.txt

[archive]
enabled = no
EOF

out=$(rw config-check 2>&1)
assert_rc "config-check accepts [verdict] confirm_checks, confirm_span, parked_file" 0 $?
[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  config-check: /' | head -5
[ "$FAILS" -gt 0 ] && { echo "FATAL: the config is refused; nothing to test"; finish; }

start_fake corpus corpus.py --labels "$T/labels.tsv" --passes 3
P=$STARTED_PORT
NLAB=$(wc -l <"$T/labels.tsv")
cut -f1 "$T/labels.tsv" >"$T/urls.txt"
echo "corpus on port $P: $NLAB labelled URLs:" $(cut -f2 "$T/labels.tsv" | sort | uniq -c | awk '{print $2 "=" $1}')

rw import "$T/urls.txt" >"$T/import.log" 2>&1
assert_rc "import the corpus" 0 $?
assert_eq "one source per labelled URL" "$NLAB" "$(q 'SELECT count(*) FROM sources')"

# run_pass PASS-NUMBER: one `check --all`, timed
run_pass() {
	local s e
	s=$(now_ms)
	timeout -k 2 120 "${RW[@]}" -c "$CONF" check --all --format json \
		>"$T/pass$1.json" 2>"$T/pass$1.err"
	local rc=$?
	e=$(now_ms)
	assert_rc "check --all, pass $1 ($((e - s)) ms)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/  stderr: /' "$T/pass$1.err" | head -10
	PASS_END=$e
}

run_pass 1
END1=$PASS_END
sleep 1
run_pass 2
# the third check of every source starts >= confirm_span + 0.5 s after the
# first pass ended, so a run of 3 failing checks spans >= confirm_span
wait_ms=$((END1 + SPAN_MS + 500 - $(now_ms)))
[ "$wait_ms" -gt 0 ] && sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
run_pass 3

assert_eq "every source checked exactly 3 times" "$NLAB" \
	"$(q 'SELECT count(*) FROM (SELECT s.id FROM sources s
	      JOIN checks c ON c.source_id = s.id
	      GROUP BY s.id HAVING count(c.id) = 3)')"
assert_eq "no monitor_offline event (2 of 19 hosts refuse, the rest answer)" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'monitor_offline'")"

rw status --format json >"$T/status.json" 2>"$T/status.err"
assert_rc "status --format json" 0 $?
py_asserts "$PY" "$TESTS_DIR/confusion.py" "$T/labels.tsv" "$T/status.json" --asserts

# --- what the server saw ------------------------------------------------------
cat >"$T/seen.py" <<'EOF'
import json, sys
reqs = [json.loads(l[4:]) for l in open(sys.argv[1]) if l.startswith("REQ ")]
print("ok" if reqs else "FAIL", "the corpus logged requests", len(reqs), sep="\t")
bad = sorted({r["ua"] for r in reqs if "rotwatch" not in r["ua"].lower()})
print("ok" if not bad else "FAIL",
      "every request's User-Agent contains 'rotwatch'", bad[:3], sep="\t")
probes = {}
for r in reqs:
    if not r["known"]:
        probes.setdefault(r["site"], set()).add(r["path"])
many = {s: sorted(p)[:4] for s, p in probes.items() if len(p) > 1}
print("ok" if not many else "FAIL",
      f"at most one probe URL per host over 3 passes ({len(probes)} hosts probed)",
      many, sep="\t")
EOF
py_asserts "$PY" "$T/seen.py" "$T/corpus.log"

# --- events -------------------------------------------------------------------
assert_eq "every source has a first state event from 'new'" "$NLAB" \
	"$(q "SELECT count(DISTINCT source_id) FROM events
	      WHERE type = 'state' AND from_state = 'new'")"
assert_eq "state events chain: each from_state is the previous to_state" 0 \
	"$(q "SELECT count(*) FROM events e WHERE e.type = 'state' AND e.from_state !=
	      coalesce((SELECT p.to_state FROM events p WHERE p.type = 'state'
	        AND p.source_id = e.source_id AND p.id < e.id
	        ORDER BY p.id DESC LIMIT 1), 'new')")"
assert_eq "sources' state is the to_state of their latest state event" 0 \
	"$(q "SELECT count(*) FROM sources s WHERE s.state IS NOT
	      (SELECT to_state FROM events e WHERE e.source_id = s.id
	       AND e.type = 'state' ORDER BY e.id DESC LIMIT 1)")"
assert_eq "no state event without a change (from = to)" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state' AND from_state = to_state")"
# (sources that end suspect are left out: whether the page that replaced an
# article in the last check counts as a change is not the point here)
assert_eq "changed events: only the rewritten article (one, substantial)" \
	"http://127.0.5.1:$P/reports/rewritten substantial" \
	"$(q "SELECT s.url || ' ' || e.change FROM events e JOIN sources s
	      ON s.id = e.source_id WHERE e.type = 'changed'
	      AND s.state != 'suspect'")"

[ "${KEEP:-0}" = 1 ] && echo "kept: $T"
finish
