#!/bin/bash
# Alerts (issue 5): events become alert rows (in the transaction of the
# event), and only the daemon delivers them to webhooks (tests/fake/hook.py):
# JSON POSTs signed with HMAC-SHA256, retried with a doubling backoff, at
# least once across kill -9.
#   (a) every kind: check --all passes give dead, moved, blocked, changed and
#       recovered events; the daemon delivers each alert once, signed, as
#       JSON with the contract's fields; a second channel with an events and
#       a tags filter gets only what it asked for
#   (b) the receiver is down (503) while 40 alerts wait: nothing is marked
#       sent, retries are spaced (doubling, no hammering) and on time (no
#       wait longer than due, none longer than retry_max); back up: all
#       delivered
#   (c) kill -9 the daemon again and again while 150 alerts are delivered to
#       a slow receiver: in the end every row is sent, the receiver saw every
#       uid, and every delivery a kill cut off was made again
#   (d) a citation with CR/LF, quotes, <script>, ]]> and JSON-looking text
#       round-trips through the alert body; bad [channel] sections are
#       refused by config-check (exit 78, FILE:LINE)
#   (e) the monitor going offline and online: two "monitor" alerts, source
#       null, not dropped by a channel's tags filter
. "$(dirname "$0")/lib.sh"
setup

WEB_LIFETIME=${WEB_LIFETIME:-600}
SECRET=rw-hook-secret-5b1e9d0c
NARROW_SECRET=narrow-secret-77aa01
RETRY_MS=1000
RETRY_MAX_MS=4000
DOWN_S=${DOWN_S:-10}
KILLS=${KILLS:-6}
NB=40
NC=150
DELAY_MS=400

# -- servers -------------------------------------------------------------------
start_fake hook-main hook.py --secret "$SECRET"
HP=$STARTED_PORT
HOOK="http://127.0.0.1:$HP"
printf '%s\n' "$NARROW_SECRET" >"$T/narrow.secret"
chmod 600 "$T/narrow.secret"
start_fake hook-narrow hook.py --secret-file "$T/narrow.secret"
HP2=$STARTED_PORT
HOOK2="http://127.0.0.1:$HP2"
start_web one
W1="http://127.0.0.1:$WEB_PORT"
# the second web server: down for the first passes, then up on this port
W2PORT=$(free_port)
W2="http://127.0.0.1:$W2PORT"
start_fake corpus corpus.py --passes 3
CP=$STARTED_PORT

C_CHECK_EXTRA="per_host = 16" write_conf
cat >>"$CONF" <<EOF

[verdict]
confirm_checks = 2
confirm_span = 1s

[archive]
enabled = no

[alerts]
retry = ${RETRY_MS}ms
retry_max = ${RETRY_MAX_MS}ms

[channel main]
type = webhook
url = $HOOK/hook
secret = $SECRET

[channel narrow]
type = webhook
url = $HOOK2/narrow
secret_file = $T/narrow.secret
events = dead recovered
tags = watched
EOF

out=$(rw config-check 2>&1)
rc=$?
assert_rc "config-check accepts [alerts] and two [channel NAME] sections" 0 $rc
if [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out" | sed 's/^/  config-check: /' | head -5
	echo "FATAL: the config is refused; nothing to test"
	finish
fi

hook_stats() { curl -s --max-time 10 --noproxy '*' "$1/__stats${2:+?$2}"; }
hook_control() {
	curl -s --max-time 5 --noproxy '*' -X POST -H 'Content-Type: application/json' \
		--data "$2" "$1/__control" >/dev/null
}
# hook_n URL: deliveries the receiver has recorded
hook_n() {
	hook_stats "$1" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))' 2>/dev/null
}


pending() { q "SELECT count(*) FROM alerts WHERE state != 'sent'"; }
no_pending() { [ "$(pending 2>/dev/null)" = 0 ]; }

# --- (a) every kind ----------------------------------------------------------------
# W2 is down for passes 1 and 2 (connection refused), up for pass 3:
#   D  W1 404                      new>suspect>dead               dead
#   R  W2 /ok                      new>suspect>dead>alive         dead, recovered
#   M  W2 301 (added after pass 1) new>suspect>moved              moved
#   B  W2 403 (added after pass 1) new>suspect>blocked            blocked
#   C  corpus, rewritten after its first request: alive, changed  changed
#   I  W1 410, imported with the injected citation                dead
#   A  W1 200, F W1 403: first verdicts only                      none
# D, R, M and B are tagged "watched"; channel narrow wants dead and
# recovered of watched sources: D dead, R dead and recovered.
# (Only 2 hosts are checked, below offline_min_hosts: no monitor event.)
D_URL="$W1/notfound"
R_URL="$W2/ok"
M_URL="$W2/redirect"
B_URL="$W2/forbidden"
C_URL="http://127.0.5.1:$CP/reports/rewritten"
A_URL="$W1/ok"
F_URL="$W1/forbidden?first=1"
I_URL="$W1/gone?inj=1"

rw add "$D_URL" "$R_URL" --tag watched >"$T/add.log" 2>&1
assert_rc "add the watched sources" 0 $?
rw add "$C_URL" "$A_URL" "$F_URL" >>"$T/add.log" 2>&1
assert_rc "add the other sources" 0 $?
# (d) the injection: one endnote over two lines (CRLF), with quotes, a
# backslash, <script>, ]]>, text that looks like JSON, control characters,
# non-ASCII letters and U+2028
printf -- '- 7 O'"'"'Brien, "Quoted" <script>alert("x")</script> ]]> "},"kind":"fake","x":{"\r\n' >"$T/inj.txt"
printf -- '  continued \\ back\\slash\\n, tab\there, ctl\001\037 caf\303\251 \342\200\250 & <![CDATA[ x ]]> %s.\r\n' "$I_URL" >>"$T/inj.txt"
printf -- '- 8 Another note. %s\r\n' "$W1/ok?other=1" >>"$T/inj.txt"
rw import "$T/inj.txt" >"$T/import.log" 2>&1
assert_rc "(d) import the endnotes with the injection" 0 $?
INJ_CIT=$(q "SELECT citation FROM source_notes n JOIN sources s ON s.id = n.source_id
	WHERE s.url = $(sql_str "$I_URL")")
assert_contains "(d) the stored citation keeps the quotes, <script> and ]]>" \
	'"Quoted" <script>alert("x")</script> ]]> "},"kind":"fake"' "$INJ_CIT"
assert_contains "(d) the stored citation keeps the backslash" 'back\slash\n' "$INJ_CIT"

check_pass pass1               # W2 down: R new->suspect; D, I suspect
sleep 1.3
rw add "$M_URL" "$B_URL" --tag watched >>"$T/add.log" 2>&1
assert_rc "add the sources that will move and block" 0 $?
check_pass pass2               # D, R, I dead; M, B suspect; C changed
start_web two --port "$W2PORT"
sleep 0.3
check_pass pass3               # R recovered; M moved; B blocked

# the scenario itself (not the alerts): the events we built on
ev() {
	q "SELECT group_concat(coalesce(e.from_state, '') || '>' || coalesce(e.to_state, e.type), ' ')
	   FROM (SELECT * FROM events WHERE source_id =
	         (SELECT id FROM sources WHERE url = $(sql_str "$1")) ORDER BY id) e"
}
assert_eq "setup: D's events" "new>suspect suspect>dead" "$(ev "$D_URL")"
assert_eq "setup: R's events" "new>suspect suspect>dead dead>alive" "$(ev "$R_URL")"
assert_eq "setup: M's events" "new>suspect suspect>moved" "$(ev "$M_URL")"
assert_eq "setup: B's events" "new>suspect suspect>blocked" "$(ev "$B_URL")"
assert_eq "setup: C's events" "new>alive >changed" "$(ev "$C_URL")"
assert_eq "setup: I's events" "new>suspect suspect>dead" "$(ev "$I_URL")"
assert_eq "setup: F's events (first verdict blocked)" "new>blocked" "$(ev "$F_URL")"

assert_eq "(a) only the daemon delivers: nothing reached the receivers during check" \
	"0 0" "$(hook_n "$HOOK") $(hook_n "$HOOK2")"
assert_eq "(a) only the daemon delivers: every alert row pending after check" \
	"$(q 'SELECT count(*) FROM alerts')" "$(q "SELECT count(*) FROM alerts WHERE state = 'pending'")"

assert_eq "(a) alert rows queued by check: 7 for main, 3 for narrow" "7 3" \
	"$(q "SELECT coalesce(sum(channel = 'main'), 0) || ' ' || coalesce(sum(channel = 'narrow'), 0) FROM alerts")"
start_daemon a
wait_for 30 no_pending
assert_eq "(a) every alert sent within 30 s" 0 "$(pending)"
sleep 2                        # room for a duplicate, if any
stop_daemon "(a)"

hook_stats "$HOOK" bodies=1 >"$T/a-main.json"
hook_stats "$HOOK2" bodies=1 >"$T/a-narrow.json"

cat >"$T/check_a.py" <<'PYEOF'
import json, re, sqlite3, sys

db, main_f, narrow_f = sys.argv[1:4]
urls = dict(a.split("=", 1) for a in sys.argv[4:])
con = sqlite3.connect(db)
con.row_factory = sqlite3.Row

def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
ROT = {"dead", "moved", "blocked", "soft404", "parked"}

def kind_of(e):
    """The contract's alert kind of an event, or None."""
    if e["type"] == "state":
        if e["from_state"] == "new":
            return None
        if e["to_state"] in ROT:
            return e["to_state"]
        if e["to_state"] == "alive" and e["from_state"] in ROT:
            return "recovered"
        return None
    if e["type"] == "changed":
        return "changed"
    if e["type"] in ("monitor_offline", "monitor_online"):
        return "monitor"
    return None

tags = {}
for sid, t in con.execute("SELECT source_id, tag FROM source_tags"):
    tags.setdefault(sid, set()).add(t)
events = {e["id"]: e for e in con.execute("SELECT * FROM events")}
chans = {"main": (None, None), "narrow": ({"dead", "recovered"}, {"watched"})}
want = {}
for e in events.values():
    k = kind_of(e)
    if k is None:
        continue
    for ch, (kinds, tg) in chans.items():
        if kinds is not None and k not in kinds:
            continue
        if tg is not None and k != "monitor" and not (tags.get(e["source_id"], set()) & tg):
            continue
        want[(e["id"], ch)] = k
rows = [dict(r) for r in con.execute("SELECT * FROM alerts")]
have = {(r["event_id"], r["channel"]): r["kind"] for r in rows}
check(f"(a) alert rows are exactly the contract's (event, channel) pairs ({len(want)})",
      set(have) == set(want),
      f"missing {sorted(set(want) - set(have))}, extra {sorted(set(have) - set(want))}")
badk = {k: (v, want[k]) for k, v in have.items() if k in want and want[k] != v}
check("(a) alerts.kind is the event's kind", not badk, badk)
check("(a) no alert for a first verdict or a move to suspect",
      not [r for r in rows if events[r["event_id"]]["from_state"] == "new"
           or events[r["event_id"]]["to_state"] == "suspect"], "")

# the scenario's alerts, by source
sid = {u: con.execute("SELECT id FROM sources WHERE url = ?", (u,)).fetchone()[0]
       for u in urls.values()}
def kinds_for(ch, key):
    return sorted(r["kind"] for r in rows if r["channel"] == ch and
                  events[r["event_id"]]["source_id"] == sid[urls[key]])
exp = {"D": ["dead"], "R": ["dead", "recovered"], "M": ["moved"],
       "B": ["blocked"], "C": ["changed"], "I": ["dead"], "A": [], "F": []}
for key, k in exp.items():
    check(f"(a) main: alerts of {key} ({urls[key]}): {k}", kinds_for("main", key) == k,
          kinds_for("main", key))
expn = {"D": ["dead"], "R": ["dead", "recovered"], "M": [], "B": [], "C": [],
        "I": [], "A": [], "F": []}
for key, k in expn.items():
    if kinds_for("narrow", key) != k:
        check(f"(a) narrow: alerts of {key}: {k}", False, kinds_for("narrow", key))
check("(a) narrow (events = dead recovered, tags = watched): D dead, R dead and recovered only",
      all(kinds_for("narrow", key) == k for key, k in expn.items()), "")

check("(a) every alert row sent, with sent_at and attempts >= 1",
      all(r["state"] == "sent" and r["sent_at"] and r["attempts"] >= 1 for r in rows),
      [(r["uid"], r["state"], r["sent_at"], r["attempts"]) for r in rows
       if not (r["state"] == "sent" and r["sent_at"] and r["attempts"] >= 1)][:5])
check("(a) uids are distinct and non-empty",
      len({r["uid"] for r in rows}) == len(rows) and all(r["uid"] for r in rows), "")

checks = {c["id"]: c for c in con.execute("SELECT * FROM checks")}
sources = {s["id"]: s for s in con.execute("SELECT * FROM sources")}
notes = {}
for n in con.execute("SELECT * FROM source_notes"):
    notes.setdefault(n["source_id"], []).append({"note": n["note"], "citation": n["citation"]})

for ch, f, secret_name in (("main", main_f, "main"), ("narrow", narrow_f, "narrow")):
    st = json.load(open(f))
    dl = st["deliveries"]
    mine = {r["uid"]: r for r in rows if r["channel"] == ch}
    uids = [d["uid"] for d in dl]
    dup = sorted({u for u in uids if uids.count(u) > 1})
    check(f"(a) {ch}: each alert delivered exactly once ({len(mine)} rows, {len(dl)} deliveries)",
          sorted(uids) == sorted(mine), f"duplicates {dup[:5]}, never "
          f"{sorted(set(mine) - set(uids))[:5]}, unknown {sorted(set(uids) - set(mine))[:5]}")
    check(f"(a) {ch}: every delivery verifies with the channel's secret",
          all(d["verified"] for d in dl),
          [(d["uid"], d["signature"]) for d in dl if not d["verified"]][:3])
    check(f"(a) {ch}: every body is strict JSON (UTF-8, an object)",
          all(d["json_ok"] for d in dl), [(d["uid"], d["error"]) for d in dl if not d["json_ok"]][:3])
    check(f"(a) {ch}: Content-Type: application/json",
          all((d["content_type"] or "").split(";")[0].strip().lower() == "application/json"
              for d in dl), sorted({d["content_type"] for d in dl}))
    check(f"(a) {ch}: X-Rotwatch-Alert is the body's id",
          all(d["uid"] and d["uid"] == d["id"] for d in dl),
          [(d["uid"], d["id"]) for d in dl if d["uid"] != d["id"]][:3])
    check(f"(a) {ch}: POSTed to the channel's path",
          all(d["path"] == ("/hook" if ch == "main" else "/narrow") for d in dl),
          sorted({d["path"] for d in dl}))
    check(f"(a) {ch}: no other request", not st["anomalies"] and st["refused"] == 0,
          st["anomalies"][:3])
    if ch == "main":
        kinds = sorted({d["kind"] for d in dl})
        check("(a) main: every kind arrived: dead moved blocked changed recovered",
              {"dead", "moved", "blocked", "changed", "recovered"} <= set(kinds), kinds)
    problems = []
    for d in dl:
        if not d["json_ok"] or d["uid"] not in mine:
            continue
        b = json.loads(d["body"])
        r = mine[d["uid"]]
        e = events[r["event_id"]]
        p = []
        def eq(name, got, exp):
            if got != exp:
                p.append(f"{name}: {got!r} != {exp!r}")
        eq("id", b.get("id"), r["uid"])
        eq("kind", b.get("kind"), r["kind"])
        t = b.get("text")
        if not (isinstance(t, str) and t.strip() and "\n" not in t and "\r" not in t):
            p.append(f"text not one non-empty line: {t!r}")
        if not (isinstance(b.get("at"), str) and RFC3339.match(b["at"])):
            p.append(f"at not RFC3339: {b.get('at')!r}")
        s = b.get("source")
        if r["kind"] == "monitor":
            eq("source", s, None)
        elif not isinstance(s, dict):
            p.append(f"source: {s!r}")
        else:
            so = sources[e["source_id"]]
            eq("source.id", s.get("id"), so["id"])
            eq("source.url", s.get("url"), so["url"])
            eq("source.tags", sorted(s.get("tags") or []) if isinstance(s.get("tags"), list)
               else s.get("tags"), sorted(tags.get(so["id"], set())))
            sn = s.get("notes")
            eq("source.notes", sorted(sn, key=lambda n: n.get("note", "")) if isinstance(sn, list)
               else sn, sorted(notes.get(so["id"], []), key=lambda n: n["note"]))
            for k in ("state", "state_since", "confirmed_at"):
                if k not in s:
                    p.append(f"source.{k} missing")
        ev = b.get("event")
        if not isinstance(ev, dict):
            p.append(f"event: {ev!r}")
        else:
            eq("event.id", ev.get("id"), e["id"])
            eq("event.from", ev.get("from"), e["from_state"])
            eq("event.to", ev.get("to"), e["to_state"])
            eq("event.detail", ev.get("detail"), e["detail"])
            eq("event.proof", ev.get("proof"), json.loads(e["proof"]) if e["proof"] else [])
            eq("event.change", ev.get("change"), e["change"])
            sim = ev.get("similarity")
            if e["similarity"] is None:
                eq("event.similarity", sim, None)
            elif not (isinstance(sim, (int, float)) and abs(sim - e["similarity"]) < 1e-3):
                p.append(f"event.similarity: {sim!r} != {e['similarity']!r}")
        evd = b.get("evidence")
        if r["kind"] == "monitor":
            pass
        elif not isinstance(evd, dict):
            p.append(f"evidence: {evd!r}")
        else:
            c = checks[e["check_id"]]
            eq("evidence.check_id", evd.get("check_id"), c["id"])
            eq("evidence.class", evd.get("class"), c["class"])
            eq("evidence.http_status", evd.get("http_status"), c["http_status"])
            eq("evidence.final_url", evd.get("final_url"), c["final_url"])
            eq("evidence.sha256", evd.get("sha256"), c["sha256"])
        if "archive" not in b:
            p.append("archive missing")
        else:
            eq("archive (no archive configured)", b.get("archive"), None)
        if r["kind"] == "changed":
            eq("changed: event.change", (ev or {}).get("change"), "substantial")
        if p:
            problems.append((r["uid"], r["kind"], p))
    check(f"(a) {ch}: every body has the contract's fields, matching the database",
          not problems, problems[:3])

# (d) the injection round-trips
st = json.load(open(main_f))
inj = sid[urls["I"]]
cit = [n["citation"] for n in notes.get(inj, [])]
got = []
for d in st["deliveries"]:
    if not d["json_ok"]:
        continue
    b = json.loads(d["body"])
    if isinstance(b.get("source"), dict) and b["source"].get("id") == inj:
        got.append([n.get("citation") for n in b["source"].get("notes") or []])
check("(d) the injected source's alert arrived as JSON", len(got) == 1, got)
check("(d) its citation round-trips exactly (alert body == database)",
      got and got[0] == cit, f"body {got[:1]!r} db {cit!r}")
check("(d) ... and still carries the quotes, <script> and ]]>",
      cit and '"Quoted" <script>alert("x")</script> ]]>' in cit[0], cit)
PYEOF
py_asserts "$PY" "$T/check_a.py" "$DB" "$T/a-main.json" "$T/a-narrow.json" \
	"D=$D_URL" "R=$R_URL" "M=$M_URL" "B=$B_URL" "C=$C_URL" "I=$I_URL" "A=$A_URL" "F=$F_URL"

# --- (b) the receiver is down ---------------------------------------------------------
hook_control "$HOOK" '{"reset": true, "down": true}'
for i in $(seq 1 $NB); do echo "$W1/notfound?b=$i"; done >"$T/b-urls.txt"
rw import "$T/b-urls.txt" >"$T/b-import.log" 2>&1
assert_rc "(b) import $NB URLs" 0 $?
check_pass b1
sleep 1.3
check_pass b2
B_UIDS="SELECT a.uid FROM alerts a JOIN events e ON e.id = a.event_id
	JOIN sources s ON s.id = e.source_id WHERE s.url LIKE '%/notfound?b=%'
	AND a.channel = 'main'"
assert_eq "(b) no alert for the narrow channel (untagged sources)" 0 \
	"$(q "SELECT count(*) FROM alerts a JOIN events e ON e.id = a.event_id
	      JOIN sources s ON s.id = e.source_id WHERE s.url LIKE '%/notfound?b=%'
	      AND a.channel != 'main'")"
assert_eq "(b) $NB dead alerts waiting" "$NB" \
	"$(q "SELECT count(*) FROM alerts WHERE state = 'pending' AND uid IN ($B_UIDS)")"

start_daemon b
T_DOWN=$(now_ms)
max_sent=0
while [ $(($(now_ms) - T_DOWN)) -lt $((DOWN_S * 1000)) ]; do
	n=$(q "SELECT count(*) FROM alerts WHERE state = 'sent' AND uid IN ($B_UIDS)")
	[ "${n:-0}" -gt "$max_sent" ] && max_sent=$n
	sleep 0.25
done
T_UP=$(now_ms)
assert_eq "(b) no alert marked sent while the receiver answers 503 (${DOWN_S} s)" 0 "$max_sent"
assert_eq "(b) the daemon is still running while the receiver is down" 0 \
	"$(kill -0 "$DPID" 2>/dev/null; echo $?)"
hook_stats "$HOOK" >"$T/b-down.json"
hook_control "$HOOK" '{"down": false}'
b_all_sent() {
	[ "$(q "SELECT count(*) FROM alerts WHERE state = 'sent' AND uid IN ($B_UIDS)" 2>/dev/null)" = "$NB" ]
}
wait_for 30 b_all_sent
T_DONE=$(now_ms)
if b_all_sent; then
	pass "(b) all $NB alerts sent after the receiver came back ($((T_DONE - T_UP)) ms)"
else
	fail "(b) 30 s after the receiver came back: $(q "SELECT count(*) FROM alerts WHERE state = 'sent' AND uid IN ($B_UIDS)") of $NB sent"
fi
assert_le "(b) ... within retry_max + 5 s of its return" $((RETRY_MAX_MS + 5000)) $((T_DONE - T_UP))
sleep 1
stop_daemon "(b)"
hook_stats "$HOOK" >"$T/b-up.json"
q "SELECT uid, attempts, state, sent_at FROM alerts WHERE uid IN ($B_UIDS)" >"$T/b-rows.txt"
py_asserts "$PY" - "$T/b-down.json" "$T/b-up.json" "$T/b-rows.txt" "$NB" "$RETRY_MS" \
	"$RETRY_MAX_MS" "$T_DOWN" "$T_UP" <<'PYEOF'
import json, sys
down_f, up_f, rows_f = sys.argv[1:4]
nb, retry, rmax, t_down, t_up = map(int, sys.argv[4:9])
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")
rows = {}
for line in open(rows_f):
    uid, att, state, sent = line.rstrip("\n").split("|")
    rows[uid] = (int(att), state, int(sent or 0))
down = json.load(open(down_f))
up = json.load(open(up_f))
log = [r for r in up["refused_log"] if r["uid"] in rows]
check("(b) nothing was accepted while down", not [d for d in down["deliveries"]],
      down["deliveries"][:3])
check("(b) only these alerts were refused", len(log) == len(up["refused_log"]),
      [r["uid"] for r in up["refused_log"] if r["uid"] not in rows][:3])
per = {}
for r in log:
    per.setdefault(r["uid"], []).append(r["t"])
# the most tries one alert can make in the down period: at 0, then after
# retry, 2 retry, ... (at most retry_max), with 20 % leeway on every wait
span = (t_up - t_down) + 500
def most(span):
    n, t, w = 1, 0.0, float(retry)
    while t + 0.8 * w <= span:
        t += 0.8 * w
        n += 1
        w = min(2 * w, rmax)
    return n
cap = most(span)
print(f"info\t(b) {len(log)} refused tries of {len(per)} alerts in {t_up - t_down} ms "
      f"(at most {cap} per alert allowed); per alert: "
      f"{sorted({len(v) for v in per.values()})}")
print(f"info\t(b) {len(per)} of {nb} waiting alerts were tried while down")
check("(b) the daemon tried to deliver while the receiver was down", len(log) >= 1, 0)
check(f"(b) no hammering: refused tries <= {nb} x {cap}", len(log) <= nb * cap, len(log))
over = {u: len(v) for u, v in per.items() if len(v) > cap}
check(f"(b) no alert tried more than {cap} times while down", not over, over)
bad = []
for u, ts in per.items():
    ts.sort()
    w = float(retry)
    for a, b in zip(ts, ts[1:]):
        if b - a < 0.8 * w:
            bad.append((u, round(b - a), round(w)))
        w = min(2 * w, rmax)
check("(b) retries spaced: the k-th wait >= 0.8 x min(retry x 2^(k-1), retry_max)",
      not bad, bad[:5])
# ... and made when due: "retried after retry", "retry_max: the longest
# wait between tries" (the receiver answers at once; 500 ms of leeway)
late = []
for u, ts in per.items():
    w = float(retry)
    for a, b in zip(ts, ts[1:]):
        if b - a > w + 500:
            late.append((u, round(b - a), round(w)))
        w = min(2 * w, rmax)
gaps = sorted({tuple(round((b - a) / 100) * 100 for a, b in zip(ts, ts[1:]))
               for ts in per.values()})
print(f"info\t(b) waits between tries (ms, rounded): {gaps[:4]}")
check("(b) retries on time: the k-th wait <= min(retry x 2^(k-1), retry_max) + 500 ms",
      not late, f"{len(late)} late, e.g. (uid, wait, due) {late[:4]}")
dl = [d for d in up["deliveries"] if d["uid"] in rows]
seen = {d["uid"] for d in dl}
check("(b) back up: the receiver accepted every uid at least once",
      seen == set(rows), f"missing {sorted(set(rows) - seen)[:5]}")
check("(b) every delivery verifies and is JSON",
      all(d["verified"] and d["json_ok"] for d in dl), "")
check("(b) every row sent", all(v[1] == "sent" for v in rows.values()), "")
check("(b) attempts >= the refused tries of each alert",
      all(rows[u][0] >= len(per.get(u, [])) for u in rows),
      [(u, rows[u][0], len(per.get(u, []))) for u in rows if rows[u][0] < len(per.get(u, []))][:5])
check("(b) no row marked sent before the receiver came back",
      all(v[2] >= t_up - 50 for v in rows.values()),
      [(u, v[2]) for u, v in rows.items() if v[2] < t_up - 50][:3])
dups = len(dl) - len(seen)
print(f"info\t(b) {dups} repeated deliveries")
PYEOF

# --- (c) kill -9 during deliveries -------------------------------------------------------
hook_control "$HOOK" "{\"reset\": true, \"down\": false, \"delay_ms\": $DELAY_MS}"
for i in $(seq 1 $NC); do echo "$W1/notfound?c=$i"; done >"$T/c-urls.txt"
rw import "$T/c-urls.txt" >"$T/c-import.log" 2>&1
assert_rc "(c) import $NC URLs" 0 $?
check_pass c1
sleep 1.3
check_pass c2
C_UIDS="SELECT a.uid FROM alerts a JOIN events e ON e.id = a.event_id
	JOIN sources s ON s.id = e.source_id WHERE s.url LIKE '%/notfound?c=%'
	AND a.channel = 'main'"
assert_eq "(c) $NC dead alerts waiting" "$NC" \
	"$(q "SELECT count(*) FROM alerts WHERE state = 'pending' AND uid IN ($C_UIDS)")"
assert_ge "(c) >= 100 alerts pending when the kills start" 100 "$(pending)"

inflight() {
	hook_stats "$HOOK" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["inflight"])' 2>/dev/null
}
busy() { [ "$(inflight)" -gt 0 ] 2>/dev/null; }
: >"$T/kills.txt"
prev_sent=$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")
hits=0
for k in $(seq 1 "$KILLS"); do
	no_pending && break
	start_daemon "c$k"
	wait_for 10 busy
	sleep "$(printf '0.%03d' $((200 + RANDOM % 700)))"
	if ! kill -0 "$DPID" 2>/dev/null; then
		wait "$DPID"
		fail "(c) kill $k: the daemon had already exited (status $?)"
		sed 's/^/  daemon: /' "$T/daemon-c$k.log" | head -10
		continue
	fi
	n_in=$(inflight)
	kb=$(now_ms)
	kill -9 "$DPID"
	ka=$(now_ms)
	wait "$DPID" 2>/dev/null
	echo "$k $kb $ka" >>"$T/kills.txt"
	[ "${n_in:-0}" -gt 0 ] && hits=$((hits + 1))
	ic=$(q 'PRAGMA integrity_check')
	[ "$ic" = ok ] || fail "(c) kill $k: integrity_check: expected [ok], got [$ic]"
	sent=$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")
	[ "$sent" -ge "$prev_sent" ] 2>/dev/null ||
		fail "(c) kill $k: sent rows went from $prev_sent to [$sent]"
	echo "kill $k: $n_in deliveries in flight, $sent alerts sent, $(pending) pending"
	prev_sent=$sent
done
assert_ge "(c) kills that hit deliveries in flight" $((KILLS / 2)) "$hits"

start_daemon c-final
wait_for 90 no_pending
assert_eq "(c) every alert row sent after the kills" 0 "$(pending)"
sleep 1
stop_daemon "(c)"
hook_stats "$HOOK" >"$T/c-stats.json"
q "SELECT uid, state FROM alerts WHERE uid IN ($C_UIDS)" >"$T/c-rows.txt"
py_asserts "$PY" - "$T/c-stats.json" "$T/c-rows.txt" "$T/kills.txt" "$DELAY_MS" <<'PYEOF'
import json, sys
stats_f, rows_f, kills_f = sys.argv[1:4]
delay = int(sys.argv[4])
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")
rows = dict(l.rstrip("\n").split("|") for l in open(rows_f))
st = json.load(open(stats_f))
dl = [d for d in st["deliveries"] if d["uid"] in rows]
seen = {d["uid"] for d in dl}
check(f"(c) the receiver saw every uid at least once ({len(rows)} alerts, {len(dl)} deliveries)",
      seen == set(rows), f"missing {sorted(set(rows) - seen)[:5]}")
check("(c) only these alerts were delivered",
      len(dl) == len(st["deliveries"]),
      sorted({d["uid"] for d in st["deliveries"]} - set(rows))[:3])
check("(c) every delivery verifies and is JSON",
      all(d["verified"] and d["json_ok"] for d in dl),
      [(d["uid"], d["error"]) for d in dl if not (d["verified"] and d["json_ok"])][:3])
check("(c) every row sent", all(v == "sent" for v in rows.values()), "")
mx = st["max_inflight_by_path"].get("/hook", 0)
check(f"(c) at most 4 deliveries in flight on the channel (max seen: {mx})", mx <= 4, mx)
# a delivery the receiver read less than delay_ms before a kill was never
# answered to that daemon: it must have been made again after the kill
kills = [tuple(map(int, l.split()))[1:] for l in open(kills_f) if l.strip()]
cut, lost = [], []
for kb, ka in kills:
    for d in dl:
        if ka + 50 - delay < d["t"] < kb:
            cut.append(d["uid"])
            if not [x for x in dl if x["uid"] == d["uid"] and x["t"] > ka]:
                lost.append(d["uid"])
print(f"info\t(c) {len(cut)} deliveries cut off by the kills; "
      f"{len(dl) - len(seen)} repeated deliveries in all")
check("(c) the kills cut off deliveries in flight", len(cut) >= 1, "none")
check("(c) every delivery a kill cut off was made again after it",
      not lost, sorted(set(lost))[:5])
PYEOF
assert_eq "(c) integrity at the end" ok "$(q 'PRAGMA integrity_check')"

# --- (d) bad [channel] sections ---------------------------------------------------------
# bad_conf NAME KEYS...: a config whose last section is [channel NAME] with
# these lines; prints the file name
bad_conf() {
	local f="$T/bad-$1.conf" name=$1
	shift
	write_conf "$f"
	printf '\n[channel %s]\n' "$name" >>"$f"
	printf '%s\n' "$@" >>"$f"
	echo "$f"
}
# line_of FILE TEXT: the number of the first line of FILE containing TEXT
line_of() { grep -nF -- "$2" "$1" | head -1 | cut -d: -f1; }
bad_case() {
	local desc=$1 f=$2 needle=$3 out rc
	out=$("${RW[@]}" -c "$f" config-check 2>&1)
	rc=$?
	assert_rc "(d) config-check refuses $desc" 78 "$rc"
	assert_contains "(d) $desc: the error names $f:$(line_of "$f" "$needle")" \
		"$f:$(line_of "$f" "$needle")" "$out"
}
f=$(bad_conf typo "type = carrier-pigeon" "url = $HOOK/hook" "secret = x")
bad_case "an unknown channel type" "$f" "type = carrier-pigeon"
f=$(bad_conf nourl "type = webhook" "secret = x")
bad_case "a channel without url" "$f" "[channel nourl]"
f=$(bad_conf badev "type = webhook" "url = $HOOK/hook" "secret = x" "events = dead bogus recovered")
bad_case "an unknown events word" "$f" "events = dead bogus"
assert_contains "(d) ... and names the word" "bogus" "$("${RW[@]}" -c "$f" config-check 2>&1)"
printf 'x\n' >"$T/open.secret"
chmod 644 "$T/open.secret"
f=$(bad_conf opensecret "type = webhook" "url = $HOOK/hook" "secret_file = $T/open.secret")
bad_case "a secret_file others can read" "$f" "secret_file ="

# --- (e) the monitor's own health -------------------------------------------------------
# Its own database: six sources on addresses where nothing listens, checked
# alone, take the monitor offline; five that answer bring it back.  The
# channel's tags filter matches no source: monitor alerts pass it anyway.
start_fake hook-mon hook.py --secret "$SECRET"
HOOK3="http://127.0.0.1:$STARTED_PORT"
MD="$T/mon"
mkdir -p "$MD"
MCONF="$MD/rotwatch.conf"
write_conf "$MCONF"
cat >>"$MCONF" <<EOF

[archive]
enabled = no

[alerts]
retry = ${RETRY_MS}ms
retry_max = ${RETRY_MAX_MS}ms

[channel mon]
type = webhook
url = $HOOK3/mon
secret = $SECRET
tags = watched
EOF
mq() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$MD/db.sqlite" "$1"; }
for k in 1 2 3 4 5 6; do echo "http://127.0.6.$k:$CP/reports/$k"; done >"$MD/off.txt"
for k in 1 2 3 4 5; do echo "http://127.0.5.$k:$CP/"; done >"$MD/on.txt"
"${RW[@]}" -c "$MCONF" import "$MD/off.txt" >"$MD/import.log" 2>&1 &&
	"${RW[@]}" -c "$MCONF" import "$MD/on.txt" >>"$MD/import.log" 2>&1
assert_rc "(e) import 11 URLs" 0 $?
timeout -k 2 60 "${RW[@]}" -c "$MCONF" check $(cat "$MD/off.txt") >"$MD/off.out" 2>&1
timeout -k 2 60 "${RW[@]}" -c "$MCONF" check $(cat "$MD/on.txt") >"$MD/on.out" 2>&1
assert_eq "(e) setup: the monitor went offline, then online" "monitor_offline monitor_online" \
	"$(mq "SELECT group_concat(type, ' ') FROM (SELECT type FROM events
	       WHERE type LIKE 'monitor%' ORDER BY id)")"
assert_eq "(e) two monitor alerts queued for the channel with a tags filter" "monitor monitor" \
	"$(mq "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM alerts ORDER BY id)")"
start_bg "$MD/daemon.log" "${RW[@]}" -c "$MCONF" daemon
DPID=$BG_PID
mon_done() { [ "$(mq "SELECT count(*) FROM alerts WHERE state != 'sent'" 2>/dev/null)" = 0 ]; }
wait_for 20 mon_done
sleep 1
stop_daemon "(e)"
hook_stats "$HOOK3" bodies=1 >"$MD/stats.json"
py_asserts "$PY" - "$MD/db.sqlite" "$MD/stats.json" <<'PYEOF'
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.row_factory = sqlite3.Row
st = json.load(open(sys.argv[2]))
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")
rows = {r["uid"]: dict(r) for r in con.execute("SELECT * FROM alerts")}
ev = {e["id"]: dict(e) for e in con.execute("SELECT * FROM events")}
dl = st["deliveries"]
check("(e) every monitor alert sent", rows and all(r["state"] == "sent" for r in rows.values()),
      [(u, r["state"]) for u, r in rows.items()])
check("(e) each delivered exactly once", sorted(d["uid"] for d in dl) == sorted(rows),
      [d["uid"] for d in dl])
check("(e) every delivery verifies and is JSON", all(d["verified"] and d["json_ok"] for d in dl), "")
bad = []
for d in dl:
    b = json.loads(d["body"]) if d["json_ok"] else {}
    r = rows.get(d["uid"])
    if r is None:
        continue
    e = ev[r["event_id"]]
    p = []
    if b.get("kind") != "monitor":
        p.append(f"kind {b.get('kind')!r}")
    if "source" not in b or b["source"] is not None:
        p.append(f"source {b.get('source', 'missing')!r}")
    t = b.get("text")
    if not (isinstance(t, str) and t.strip() and "\n" not in t and "\r" not in t):
        p.append(f"text {t!r}")
    evo = b.get("event") if isinstance(b.get("event"), dict) else {}
    if evo.get("id") != e["id"]:
        p.append(f"event.id {evo.get('id')!r} != {e['id']}")
    if evo.get("detail") != e["detail"]:
        p.append(f"event.detail {evo.get('detail')!r} != {e['detail']!r}")
    if p:
        bad.append((d["uid"], e["type"], p))
check("(e) monitor bodies: kind monitor, source null, one-line text, their event",
      not bad, bad)
PYEOF

[ "${KEEP:-0}" = 1 ] && echo "kept: $T"
finish
