#!/bin/bash
# The judgement rules over time, on the labelled corpus (tests/fake/corpus.py):
#  (a) failures spanning less than confirm_span confirm nothing;
#  (b) a confirmation event carries its proof: >= confirm_checks failing
#      checks of that source spanning >= confirm_span;
#  (c) a flapping page is never dead, and every change of its state is one
#      event (counted from what the server answered);
#  (d) a page whose timestamp / token / counter changes on every request has
#      no 'changed' event; a rewritten article has exactly one, substantial;
#  (e) a conditional request answered 304 is not_modified, alive, no change;
#  (f) `diff URL` and `history URL --format json` on the rewritten article.
# Runs in a private network namespace when it can (root), else on loopback.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" = 0 ] && unshare -m -n true 2>/dev/null; then
	in_netns "$@"
fi
setup

# conf_verdict FILE SPAN: the test config with [verdict] and no archive
conf_verdict() {
	write_conf "$1"
	cat >>"$1" <<EOF

[verdict]
confirm_checks = 3
confirm_span = $2
parked_file = $T/parked.txt

[archive]
enabled = no
EOF
}
printf 'host 127.0.5.9\ntitle registrar express\n' >"$T/parked.txt"

# run_pass CONF NAME: one `check --all`
run_pass() {
	timeout -k 2 120 "${RW[@]}" -c "$1" check --all --format json \
		>"$T/$2.json" 2>"$T/$2.err"
	local rc=$?
	assert_rc "check --all ($2)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/  stderr: /' "$T/$2.err" | head -10
	PASS_END=$(now_ms)
}

# sleep_until MS: sleep until the clock reads MS (epoch milliseconds)
sleep_until() {
	local w=$(($1 - $(now_ms)))
	[ "$w" -gt 0 ] && sleep "$(printf '%d.%03d' $((w / 1000)) $((w % 1000)))"
	return 0
}

# === (a) confirm_span = 60s: four quick passes confirm nothing ================
mkdir -p "$T/a"
CONF="$T/a/rotwatch.conf" DB="$T/a/db.sqlite"
conf_verdict "$CONF" 60s
start_fake corpus-a corpus.py --labels "$T/a/labels.tsv" --passes 4
cut -f1 "$T/a/labels.tsv" >"$T/a/urls.txt"
rw import "$T/a/urls.txt" >/dev/null 2>&1
assert_rc "(a) import" 0 $? || true
rw config-check >"$T/a/config-check.log" 2>&1 ||
	{ echo "FATAL: the config is refused:"; cat "$T/a/config-check.log"; exit 1; }
start=$(now_ms)
for i in 1 2 3 4; do
	run_pass "$CONF" "a-pass$i"
done
took=$(($(now_ms) - start))
assert_le "(a) the four passes took < 50 s (ms), well inside confirm_span" 50000 "$took"
assert_eq "(a) no source dead, soft404 or parked" 0 \
	"$(q "SELECT count(*) FROM sources WHERE state IN ('dead','soft404','parked')")"
assert_eq "(a) no event into dead, soft404 or parked" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state'
	      AND to_state IN ('dead','soft404','parked')")"
# the sources whose every check was a failing observation
failing="SELECT s.id FROM sources s WHERE NOT EXISTS (SELECT 1 FROM checks c
	 WHERE c.source_id = s.id AND c.observed NOT IN ('fail','soft404','parked'))
	 AND (SELECT count(*) FROM checks c WHERE c.source_id = s.id) = 4"
nfail=$(q "SELECT count(*) FROM ($failing)")
assert_ge "(a) sources failing in all 4 checks (dead/soft404/parked labels: $(grep -cE $'\t(dead|soft404|parked)\t' "$T/a/labels.tsv"))" 60 "$nfail"
assert_eq "(a) every source failing in all 4 checks is suspect" "$nfail" \
	"$(q "SELECT count(*) FROM sources WHERE id IN ($failing) AND state = 'suspect'")"
assert_eq "(a) ... with exactly one state event (new -> suspect)" "$nfail" \
	"$(q "SELECT count(*) FROM sources s WHERE s.id IN ($failing) AND
	      (SELECT group_concat(from_state || '>' || to_state) FROM events e
	       WHERE e.source_id = s.id AND e.type = 'state') IS 'new>suspect'")"

# === (b)-(f): confirm_span = 4s, five passes =================================
mkdir -p "$T/b"
CONF="$T/b/rotwatch.conf" DB="$T/b/db.sqlite"
conf_verdict "$CONF" 4s
start_fake corpus-b corpus.py --labels "$T/b/labels.tsv" --passes 5
P=$STARTED_PORT
B="http://127.0.5.1:$P"
cut -f1 "$T/b/labels.tsv" >"$T/b/urls.txt"
rw import "$T/b/urls.txt" >/dev/null 2>&1
assert_rc "(b) import" 0 $?
run_pass "$CONF" b-pass1
END1=$PASS_END
sleep 1
run_pass "$CONF" b-pass2
sleep_until $((END1 + 4500))
run_pass "$CONF" b-pass3
sleep 0.5
run_pass "$CONF" b-pass4
sleep 0.5
run_pass "$CONF" b-pass5

# --- (b) proof -------------------------------------------------------------------
ndead=$(q "SELECT count(*) FROM events WHERE type = 'state' AND to_state = 'dead'")
assert_ge "(b) dead events recorded" 20 "$ndead"
cat >"$T/proof.py" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
span_ms, need = int(sys.argv[2]), int(sys.argv[3])
rows = db.execute("""SELECT e.id, e.source_id, e.to_state, e.check_id, e.proof,
    s.url FROM events e JOIN sources s ON s.id = e.source_id
    WHERE e.type = 'state' AND e.to_state IN ('dead','soft404','parked')""").fetchall()
bad = {"proof": [], "count": [], "source": [], "failing": [], "span": [],
       "latest": [], "run": []}
for eid, sid, to, check_id, proof, url in rows:
    try:
        ids = json.loads(proof or "")
        assert isinstance(ids, list) and all(isinstance(i, int) for i in ids)
    except Exception:
        bad["proof"].append(f"{url}: proof={proof!r}")
        continue
    if len(ids) < need:
        bad["count"].append(f"{url}: {len(ids)} ids")
        continue
    q = ",".join("?" * len(ids))
    chk = db.execute(f"SELECT id, source_id, observed, started_at FROM checks "
                     f"WHERE id IN ({q}) ORDER BY id", ids).fetchall()
    if len(chk) != len(set(ids)) or any(c[1] != sid for c in chk):
        bad["source"].append(f"{url}: proof {ids} is not {len(ids)} checks of it")
        continue
    if any(c[2] not in ("fail", "soft404", "parked") for c in chk):
        bad["failing"].append(f"{url}: observed {[c[2] for c in chk]}")
    span = chk[-1][3] - chk[0][3]
    if span < span_ms:
        bad["span"].append(f"{url}: {span} ms")
    if check_id not in ids or check_id != chk[-1][0]:
        bad["latest"].append(f"{url}: event check {check_id}, proof {ids}")
    # the proof is a consecutive run: no other check of the source between
    between = db.execute("SELECT count(*) FROM checks WHERE source_id = ? AND "
                         "id BETWEEN ? AND ?", (sid, chk[0][0], chk[-1][0])).fetchone()[0]
    if between != len(chk):
        bad["run"].append(f"{url}: {between} checks between the first and last of {ids}")
desc = {"proof": "proof is a JSON array of check ids",
        "count": f"proof has >= {need} check ids",
        "source": "proof ids are checks of that source",
        "failing": "every proof check is a failing observation (fail/soft404/parked)",
        "span": f"proof checks span >= {span_ms} ms",
        "latest": "the event's check is the latest check of its proof",
        "run": "the proof is a consecutive run of the source's checks"}
for k, v in bad.items():
    print("FAIL" if v else "ok", f"(b) {len(rows)} confirmation events: {desc[k]}",
          "; ".join(v[:3]), sep="\t")
EOF
py_asserts "$PY" "$T/proof.py" "$DB" 4000 3

# --- (c) flapping ------------------------------------------------------------------
for sp in 127.0.5.1/reports/flapping 127.0.5.2/noticias/intermitente; do
	site=${sp%%/*} path=/${sp#*/}
	url="http://$site:$P$path"
	cat >"$T/flap.py" <<'EOF'
import json, sys
log, site, path = sys.argv[1], sys.argv[2], sys.argv[3]
ans = [json.loads(l[4:]) for l in open(log) if l.startswith("REQ ")]
ans = [a for a in ans if a["site"] == site and a["path"] == path and a["method"] == "GET"]
# the state machine of the contract (confirm_checks 3) on what was answered
state, run, changes, seq = "new", 0, 0, []
for a in ans:
    if 200 <= a["status"] < 300:
        new, run = "alive", 0
    else:
        run += 1
        new = "suspect" if run < 3 else state
    seq.append(a["status"])
    if new != state:
        changes += 1
        state = new
print(changes, len(ans), "/".join(map(str, seq)))
EOF
	read -r want nreq seq < <("$PY" "$T/flap.py" "$T/corpus-b.log" "$site" "$path")
	assert_eq "(c) $path: one GET per check (answers $seq)" \
		"$(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id
		      WHERE s.url = $(sql_str "$url")")" "$nreq"
	assert_eq "(c) $path: state events = state changes from the answers" "$want" \
		"$(q "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id
		      WHERE s.url = $(sql_str "$url") AND e.type = 'state'")"
	assert_eq "(c) $path: never dead" 0 \
		"$(q "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id
		      WHERE s.url = $(sql_str "$url") AND e.to_state = 'dead'")"
	assert_eq "(c) $path: ends alive" alive \
		"$(q "SELECT state FROM sources WHERE url = $(sql_str "$url")")"
done

# --- (d) noise and rewrite -------------------------------------------------------------
NOISE="$B/live/noise"
REWR="$B/reports/rewritten"
changed() {
	q "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id
	   WHERE s.url = $(sql_str "$1") AND e.type = 'changed'"
}
assert_eq "(d) noise page: 5 checks" 5 \
	"$(q "SELECT count(*) FROM checks WHERE source_id =
	      (SELECT id FROM sources WHERE url = $(sql_str "$NOISE"))")"
assert_eq "(d) noise page: distinct bodies on every check (the test works)" 5 \
	"$(q "SELECT count(DISTINCT sha256) FROM checks WHERE source_id =
	      (SELECT id FROM sources WHERE url = $(sql_str "$NOISE"))")"
assert_eq "(d) noise page: one text_hash over 5 checks" 1 \
	"$(q "SELECT count(DISTINCT text_hash) FROM checks WHERE source_id =
	      (SELECT id FROM sources WHERE url = $(sql_str "$NOISE"))")"
assert_eq "(d) noise page: no 'changed' event" 0 "$(changed "$NOISE")"
assert_eq "(d) noise page: alive" alive \
	"$(q "SELECT state FROM sources WHERE url = $(sql_str "$NOISE")")"
assert_eq "(d) rewritten article: exactly one 'changed' event" 1 "$(changed "$REWR")"
assert_eq "(d) rewritten article: the change is substantial, similarity < 0.9" \
	"substantial 1" \
	"$(q "SELECT e.change || ' ' || (e.similarity < 0.9) FROM events e
	      JOIN sources s ON s.id = e.source_id
	      WHERE s.url = $(sql_str "$REWR") AND e.type = 'changed'")"
assert_eq "(d) rewritten article: the change is at its second check" \
	"$(q "SELECT id FROM checks WHERE source_id =
	      (SELECT id FROM sources WHERE url = $(sql_str "$REWR")) ORDER BY id LIMIT 1 OFFSET 1")" \
	"$(q "SELECT e.check_id FROM events e JOIN sources s ON s.id = e.source_id
	      WHERE s.url = $(sql_str "$REWR") AND e.type = 'changed'")"
assert_eq "(d) status: last_change of the rewritten article" "substantial" \
	"$(rw status "$REWR" --format json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
lc = d.get("last_change") or {}
print(lc.get("kind"))' 2>&1)"
assert_eq "(d) no other source has a 'changed' event" "" \
	"$(q "SELECT DISTINCT s.url FROM events e JOIN sources s ON s.id = e.source_id
	      WHERE e.type = 'changed' AND s.url != $(sql_str "$REWR")
	      AND s.state IN ('alive','moved') LIMIT 5")"

# --- (e) 304 -----------------------------------------------------------------------------
COND="$B/reports/conditional"
classes=$(q "SELECT group_concat(class, ' ') FROM (SELECT class FROM checks
	WHERE source_id = (SELECT id FROM sources WHERE url = $(sql_str "$COND")) ORDER BY id)")
assert_match "(e) conditional page: first check ok, then not_modified" \
	'^ok not_modified( not_modified)*$' "$classes"
assert_eq "(e) conditional page: alive" alive \
	"$(q "SELECT state FROM sources WHERE url = $(sql_str "$COND")")"
assert_eq "(e) conditional page: no 'changed' event" 0 "$(changed "$COND")"
assert_eq "(e) conditional page: one state event (new -> alive)" "new>alive" \
	"$(q "SELECT group_concat(from_state || '>' || to_state) FROM events e
	      JOIN sources s ON s.id = e.source_id WHERE s.url = $(sql_str "$COND")
	      AND e.type = 'state'")"
cat >"$T/inm.py" <<'EOF'
import json, sys
reqs = [json.loads(l[4:]) for l in open(sys.argv[1]) if l.startswith("REQ ")]
reqs = [r for r in reqs if r["path"] == "/reports/conditional" and r["method"] == "GET"]
print(" ".join(f"{r['status']}:{r['inm'] or '-'}" for r in reqs))
EOF
inm=$("$PY" "$T/inm.py" "$T/corpus-b.log")
assert_match "(e) the server saw If-None-Match from the second request on and answered 304" \
	'^200:- 304:"corpus-cond-7"( 304:"corpus-cond-7")*$' "$inm"

# --- (f) diff and history ---------------------------------------------------------------
# the two versions' first paragraphs, from a server of our own
start_fake corpus-ref corpus.py
RP=$STARTED_PORT
v1=$(fetch "http://127.0.5.1:$RP/reports/rewritten" | grep -o '<p>[^<]*' | head -1 | cut -c4-)
v2=$(fetch "http://127.0.5.1:$RP/reports/rewritten" | grep -o '<p>[^<]*' | head -1 | cut -c4-)
[ -n "$v1" ] && [ "$v1" != "$v2" ] || echo "FATAL: test setup: versions of /reports/rewritten"
rw diff "$REWR" >"$T/diff.out" 2>"$T/diff.err"
assert_rc "(f) diff URL" 0 $?
d=$(cat "$T/diff.out")
assert_match "(f) diff: '--- ' header line" '^--- ' "$(sed -n 1p "$T/diff.out")"
assert_match "(f) diff: '+++ ' header line" '^\+\+\+ ' "$(sed -n 2p "$T/diff.out")"
assert_match "(f) diff: a hunk header" '^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@' "$d"
assert_contains "(f) diff: a line of the first version, removed" "-${v1:0:60}" "$d"
assert_contains "(f) diff: a line of the second version, added" "+${v2:0:60}" "$d"

rw history "$REWR" --format json >"$T/history.json" 2>"$T/history.err"
assert_rc "(f) history URL --format json" 0 $?
cat >"$T/hist.py" <<'EOF'
import json, sqlite3, sys
path, db, url = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    h = json.load(open(path))
except Exception as e:
    print("FAIL", "(f) history JSON parses", e, sep="\t"); sys.exit()
print("ok", "(f) history JSON parses", sep="\t")
db = sqlite3.connect(db)
sid = db.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()[0]
ev = db.execute("SELECT id, type, from_state, to_state, check_id FROM events "
                "WHERE source_id = ? ORDER BY id", (sid,)).fetchall()
ch = db.execute("SELECT id, class FROM checks WHERE source_id = ? ORDER BY id",
                (sid,)).fetchall()
def t(cond, desc, detail=""):
    print("ok" if cond else "FAIL", "(f) history: " + desc, detail, sep="\t")
t(h.get("url") == url and h.get("id") == sid and h.get("state") == "alive",
  "url, id, state", {k: h.get(k) for k in ("url", "id", "state")})
hev = h.get("events") or []
t([e.get("id") for e in hev] == [e[0] for e in ev] or
  [e.get("id") for e in hev] == [e[0] for e in reversed(ev)],
  f"lists the {len(ev)} events", [e.get("id") for e in hev])
types = sorted(e.get("type") for e in hev)
t(types == ["changed", "state"], "one state and one changed event", types)
keys = {"id", "at", "type", "from", "to", "class", "check_id", "proof",
        "change", "similarity", "detail"}
miss = [sorted(keys - set(e)) for e in hev if keys - set(e)]
t(not miss, "every event has the contract's keys", miss[:2])
c = [e for e in hev if e.get("type") == "changed"]
t(c and c[0].get("change") == "substantial" and
  isinstance(c[0].get("similarity"), (int, float)) and c[0]["similarity"] < 0.9,
  "the changed event: substantial, similarity < 0.9", c)
hch = h.get("checks") or []
t(sorted(x.get("id") for x in hch) == [x[0] for x in ch],
  f"lists the {len(ch)} checks", [x.get("id") for x in hch])
ck = {"id", "at", "class", "http_status", "observed", "why"}
miss = [sorted(ck - set(x)) for x in hch if ck - set(x)]
t(not miss, "every check has the contract's keys", miss[:2])
t(all(x.get("observed") == "alive" for x in hch), "every check observed alive",
  [x.get("observed") for x in hch])
EOF
py_asserts "$PY" "$T/hist.py" "$T/history.json" "$DB" "$REWR"

# history of a dead source shows its proof
DEADURL="$B/dead/404/1"
rw history "$DEADURL" --format json >"$T/history-dead.json" 2>&1
assert_eq "(f) history of a dead source: the dead event with >= 3 proof ids" "dead 1" \
	"$("$PY" -c '
import json, sys
h = json.load(open(sys.argv[1]))
d = [e for e in h.get("events", []) if e.get("to") == "dead"]
print(h.get("state"), int(bool(d) and len(d[0].get("proof") or []) >= 3))' \
	"$T/history-dead.json" 2>&1 | tail -1)"

[ "${KEEP:-0}" = 1 ] && echo "kept: $T"
finish
