#!/bin/bash
# The health and metrics endpoint ([metrics] listen, issue 6):
#   (a) /healthz answers 200 "ok"; after the daemon checked a few sources
#       and archived them (tests/fake/spn2.py; one is refused for good, an
#       alert written to an Atom channel), /metrics is accepted by promtool
#       and its numbers match the database (checks by class, durations,
#       sources by state, archive jobs and outcomes, alerts and deliveries,
#       the monitor); a check made by the CLI and its alert move what they
#       should
#   (b) HEAD, 404, 405, a request head over 8 KiB (431)
#   (c) a silent client and one that sends half a head do not block others,
#       and are dropped after 10 s; 20 scrapes opened at once are all
#       answered; while 16 connections are open a 17th waits and is answered
#       once one closes
#   (d) a second daemon whose port is taken logs it and goes on checking
#   (e) /healthz says 503 "stopping" while in-flight checks get their grace
#   (f) config-check refuses a listen address that is not loopback, with
#       FILE:LINE (exit 78)
. "$(dirname "$0")/lib.sh"
setup
PROMTOOL=${PROMTOOL:-$ROOT/build/tools/promtool}	# make build/tools/promtool
[ -x "$PROMTOOL" ] ||
	{ echo "FATAL: $PROMTOOL missing (make build/tools/promtool)"; exit 1; }

start_web main
B="http://127.0.0.1:$WEB_PORT"
start_spn2 archive --keys "$SENTINEL_PAIR" --pending-polls 0
write_keys "$T/ia-keys"
MP=$(free_port)
M="http://127.0.0.1:$MP"
A_ENABLED=yes A_ENDPOINT=$FAKE_URL A_KEYS_FILE="$T/ia-keys" A_PER_MINUTE=600 \
	A_POLL=200ms write_archive_conf
cat >>"$CONF" <<EOF

[verdict]
confirm_checks = 2
confirm_span = 0s

[channel feed]
type = atom
path = feed.atom

[metrics]
listen = 127.0.0.1:$MP
EOF
for p in ok notfound forbidden redirect error gone 'delay?ms=300' \
	'ok?spn=submit-error-blocked-url'; do
	rw add "$B/$p" >/dev/null 2>&1
done
NSRC=8
T0=$(date +%s)
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID

mget() {	# mget PATH [curl args...]: the body
	local p=$1
	shift
	curl -s --max-time 10 --noproxy '*' "$@" "$M$p"
}
mcode() {	# mcode PATH [curl args...]: the status
	local p=$1
	shift
	curl -s --max-time 10 --noproxy '*' -o /dev/null -w '%{http_code}' "$@" "$M$p"
}
healthy() { [ "$(mget /healthz)" = ok ]; }
wait_for 30 healthy

# -- (a) health and numbers ------------------------------------------------------
assert_eq "/healthz: 200" 200 "$(mcode /healthz)"
assert_eq "/healthz: ok" ok "$(mget /healthz)"
all_checked() { [ "$(q "SELECT count(*) FROM sources WHERE last_check IS NOT NULL")" = "$NSRC" ]; }
wait_for 60 all_checked
assert_eq "the daemon checked every source" "$NSRC" \
	"$(q "SELECT count(*) FROM sources WHERE last_check IS NOT NULL")"
settled() {
	[ "$(q "SELECT count(*) FROM archive_jobs")" -ge 3 ] && [ "$(open_jobs)" = 0 ] &&
		[ "$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")" = 1 ]
}
wait_for 60 settled
assert_eq "archive jobs settled" 0 "$(open_jobs)"
assert_eq "the refusal's alert is in the feed" 1 "$(grep -c '<entry' "$T/feed.atom")"

# (c) starts here: two idle clients, kept open while the rest goes on
"$PY" - "$MP" >"$T/idle.out" 2>&1 <<'PY' &
import socket, sys, threading, time
port = int(sys.argv[1])
def idle(name, send):
    s = socket.create_connection(("127.0.0.1", port))
    if send:
        s.sendall(send)
    t0 = time.monotonic()
    print(name, "connected", flush=True)
    s.settimeout(60)
    try:
        data = s.recv(100)
    except OSError as e:
        data = ("error %s" % e).encode()
    print(name, "closed after %.1f s, got %r" % (time.monotonic() - t0, data), flush=True)
ts = [threading.Thread(target=idle, args=("silent", b"")),
      threading.Thread(target=idle, args=("half", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"))]
for t in ts: t.start()
for t in ts: t.join()
PY
IDLE_PID=$!
both_connected() { [ "$(grep -c connected "$T/idle.out")" = 2 ]; }
wait_for 10 both_connected
assert_eq "idle clients connected" 2 "$(grep -c connected "$T/idle.out")"
assert_eq "another client is served while two idle" ok "$(mget /healthz)"

# numbers CLI_CHECKS DELIVERIES: scrape, lint, compare with the database
# (CLI_CHECKS checks were made by another process: the daemon did not count
# them)
numbers() {
	curl -s -D "$T/m.head" -o "$T/m.txt" --max-time 10 --noproxy '*' "$M/metrics"
	assert_contains "/metrics: 200" "HTTP/1.1 200 OK" "$(cat "$T/m.head")"
	assert_contains "/metrics: the Prometheus text type" \
		"Content-Type: text/plain; version=0.0.4; charset=utf-8" "$(cat "$T/m.head")"
	out=$("$PROMTOOL" check metrics <"$T/m.txt" 2>&1)
	assert_rc "promtool check metrics" 0 $?
	assert_eq "promtool finds no problem" "" "$out"
	res=$("$PY" - "$T/m.txt" "$DB" "$T0" "$1" "$2" "$ROOT/daemon/classify.c" <<'PY'
import re, sqlite3, sys, time
text, dbpath, t0 = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(dbpath, timeout=5)
m, types = {}, {}
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, typ = line.split()
        types[name] = typ
    elif line and not line.startswith("#"):
        key, val = line.rsplit(" ", 1)
        m[key] = float(val)
def series(name, label):
    out = {}
    for k, v in m.items():
        mm = re.fullmatch(r'%s\{%s="([^"]*)"\}' % (name, label), k)
        if mm:
            out[mm.group(1)] = v
    return out
def check(desc, ok, detail=""):
    print("ok\t%s" % desc if ok else "FAIL\t%s\t%s" % (desc, detail))

# every class the daemon knows: its name table in the source
classes = re.findall(r'\[CC_[A-Z0-9_]+\]\s*=\s*"([a-z0-9_]+)"',
                     open(sys.argv[6]).read())
check("class names read from the source", len(classes) >= 20, classes)
ct = series("rotwatch_checks_total", "class")
check("checks_total: every class, 0 included", sorted(ct) == sorted(classes), sorted(ct))
cli = int(sys.argv[4])
last = "SELECT max(id) - %d FROM checks" % cli
nchecks = db.execute("SELECT count(*) FROM checks WHERE id <= (%s)" % last).fetchone()[0]
check("checks_total sums to the daemon's checks in the database", sum(ct.values()) == nchecks,
      "%s vs %s" % (sum(ct.values()), nchecks))
bycls = dict(db.execute("SELECT class, count(*) FROM checks WHERE id <= (%s) GROUP BY class" % last))
check("checks_total by class == the database", all(ct.get(c, 0) == n for c, n in bycls.items()) and
      sum(1 for v in ct.values() if v) == len(bycls), "%r vs %r" % (ct, bycls))
check("several classes seen", len(bycls) >= 4, bycls)
h = "rotwatch_check_duration_seconds"
check("histogram type", types.get(h) == "histogram", types.get(h))
check("histogram count == checks", m.get(h + "_count") == nchecks, m.get(h + "_count"))
buckets = [(k, v) for k, v in m.items() if k.startswith(h + "_bucket")]
check("histogram: 10 buckets, cumulative, +Inf == count",
      len(buckets) == 10 and all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
      and m.get(h + '_bucket{le="+Inf"}') == nchecks, buckets)
ms = db.execute("SELECT coalesce(sum(duration_ms), 0) FROM checks WHERE id <= (%s)" % last).fetchone()[0]
check("histogram sum == the durations in the database", abs(m.get(h + "_sum", -1) - ms / 1000) < 1e-6,
      "%s vs %s" % (m.get(h + "_sum"), ms / 1000))
slow = db.execute("SELECT count(*) FROM checks WHERE duration_ms <= 250 AND id <= (%s)" % last).fetchone()[0]
check("bucket le=0.25 == checks of 250 ms or less", m.get(h + '_bucket{le="0.25"}') == slow,
      "%s vs %s" % (m.get(h + '_bucket{le="0.25"}'), slow))
st = series("rotwatch_sources", "state")
check("sources: every state, 0 included", sorted(st) == sorted(
    ["new", "alive", "moved", "suspect", "dead", "blocked", "soft404", "parked"]), sorted(st))
dbst = dict(db.execute("SELECT state, count(*) FROM sources GROUP BY state"))
check("sources by state == the database", all(st.get(s, -1) == n for s, n in dbst.items())
      and sum(st.values()) == sum(dbst.values()), "%r vs %r" % (st, dbst))
aj = series("rotwatch_archive_jobs", "state")
dbaj = dict(db.execute("SELECT state, count(*) FROM archive_jobs GROUP BY state"))
check("archive_jobs: the five states == the database", aj == {s: dbaj.get(s, 0) for s in
      ["queued", "submitting", "submitted", "done", "failed"]}, "%r vs %r" % (aj, dbaj))
ao = series("rotwatch_archive_outcomes_total", "outcome")
check("archive outcomes == the jobs that ended (some done, one failed)",
      ao == {"done": dbaj.get("done", 0), "failed": dbaj.get("failed", 0)}
      and ao["done"] >= 2 and ao["failed"] == 1, "%r vs %r" % (ao, dbaj))
al = series("rotwatch_alerts", "state")
dbal = dict(db.execute("SELECT state, count(*) FROM alerts GROUP BY state"))
check("alerts by state == the database", al == {"pending": dbal.get("pending", 0),
      "sent": dbal.get("sent", 0)} and al["sent"] == int(sys.argv[5]), "%r vs %r" % (al, dbal))
ad = series("rotwatch_alert_deliveries_total", "result")
check("alert deliveries: each feed write", ad == {"ok": int(sys.argv[5]), "failed": 0}, ad)
check("monitor_offline 0", m.get("rotwatch_monitor_offline") == 0, m.get("rotwatch_monitor_offline"))
stt = m.get("rotwatch_start_time_seconds", 0)
check("start_time_seconds: when the daemon started", t0 - 1 <= stt <= time.time() + 1, stt)
check("build_info", any(k.startswith('rotwatch_build_info{version="') and v == 1 for k, v in m.items()))
for name, typ in types.items():
    if not name.startswith("rotwatch_") or ("# HELP %s " % name) not in text:
        check("HELP and a rotwatch_ name for " + name, False)
check("every family has HELP and TYPE", len(types) == 10, sorted(types))
PY
)
	py_asserts printf '%s\n' "$res"
}
numbers 0 1
# A check by the CLI confirms a failing source dead: the daemon did not
# make that check, but it writes the alert to the feed.
rw check "$B/gone" >/dev/null 2>&1
two_sent() { [ "$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")" = 2 ]; }
wait_for 20 two_sent
assert_eq "the dead source's alert is in the feed" 2 "$(grep -c '<entry' "$T/feed.atom")"
numbers 1 2

# -- (b) methods, paths, sizes -----------------------------------------------------
hd=$(curl -s -I --max-time 10 --noproxy '*' "$M/metrics")
assert_match "HEAD /metrics: 200 with a length" 'Content-Length: [1-9][0-9]*' "$hd"
assert_eq "HEAD /healthz: no body" "" "$(curl -s --max-time 10 --noproxy '*' -X HEAD "$M/healthz" 2>/dev/null)"
assert_eq "GET /nope: 404" 404 "$(mcode /nope)"
assert_eq "GET /: 404" 404 "$(mcode /)"
assert_eq "POST /metrics: 405" 405 "$(mcode /metrics -X POST -d x=1)"
assert_eq "DELETE /healthz: 405" 405 "$(mcode /healthz -X DELETE)"
big=$(head -c 9000 /dev/zero | tr '\0' a)
assert_eq "a 9 KB header: 431" 431 "$(mcode /metrics -H "X-Big: $big")"
assert_eq "still healthy after that" ok "$(mget /healthz)"

# -- (c) many at once ------------------------------------------------------------
res=$("$PY" - "$MP" <<'PY'
import socket, sys, threading
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(20)]
for s in socks:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
got = [None] * 20
def read(i):
    data = b""
    try:
        while True:
            d = socks[i].recv(65536)
            if not d:
                break
            data += d
    except OSError as e:
        data += b"error " + str(e).encode()
    socks[i].close()
    got[i] = data
ts = [threading.Thread(target=read, args=(i,)) for i in range(20)]
for t in ts: t.start()
for t in ts: t.join()
good = sum(1 for d in got if d.startswith(b"HTTP/1.1 200 ") and b"rotwatch_build_info{" in d)
print("ok\t20 scrapes opened at once: all answered" if good == 20 else
      "FAIL\t20 scrapes opened at once: all answered\t%d answered" % good)
PY
)
py_asserts printf '%s\n' "$res"

wait "$IDLE_PID"
assert_match "a silent client is dropped after 10 s" "silent closed after (9\.[5-9]|[1-9][0-9]\.[0-9]) s, got b''" "$(cat "$T/idle.out")"
assert_match "half a head: dropped after 10 s too" "half closed after (9\.[5-9]|[1-9][0-9]\.[0-9]) s, got b''" "$(cat "$T/idle.out")"

res=$("$PY" - "$MP" <<'PY'
import socket, sys
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
s.settimeout(1.5)
try:
    early = s.recv(100)
except socket.timeout:
    early = None
print("ok\twhile 16 are open, a 17th waits" if early is None else
      "FAIL\twhile 16 are open, a 17th waits\tgot %r" % early)
idle.pop(0).close()
s.settimeout(20)
data = b""
try:
    while True:
        d = s.recv(1000)
        if not d:
            break
        data += d
except OSError as e:
    data += b"error " + str(e).encode()
print("ok\tone closes: the 17th is answered" if data.startswith(b"HTTP/1.1 200 ") and
      data.endswith(b"\r\n\r\nok\n") else "FAIL\tone closes: the 17th is answered\t%r" % data)
for i in idle:
    i.close()
PY
)
py_asserts printf '%s\n' "$res"
assert_eq "healthy after all that" ok "$(mget /healthz)"

# -- (d) the port is taken: a second daemon goes on without the endpoint -----------
mkdir -p "$T/two"
write_conf "$T/two/rotwatch.conf"
printf '\n[archive]\nenabled = no\n\n[metrics]\nlisten = 127.0.0.1:%s\n' "$MP" >>"$T/two/rotwatch.conf"
"${RW[@]}" -c "$T/two/rotwatch.conf" add "$B/ok?second" >/dev/null 2>&1
start_bg "$T/two.log" "${RW[@]}" -c "$T/two/rotwatch.conf" daemon
TWO=$BG_PID
two_checked() { [ "$(sqlite3 -cmd '.timeout 5000' "$T/two/db.sqlite" "SELECT count(*) FROM checks")" -ge 1 ] 2>/dev/null; }
wait_for 30 two_checked
assert_eq "port taken: the second daemon checks all the same" 1 \
	"$(sqlite3 -cmd '.timeout 5000' "$T/two/db.sqlite" "SELECT count(*) FROM checks")"
assert_contains "port taken: the error is logged" \
	"metrics: cannot listen on 127.0.0.1:$MP: address already in use" "$(cat "$T/two.log")"
kill -0 "$TWO" 2>/dev/null
assert_rc "port taken: the second daemon runs on" 0 $?
assert_eq "the first daemon still answers" ok "$(mget /healthz)"
kill -TERM "$TWO"
wait "$TWO"
assert_rc "the second daemon stops cleanly" 0 $?

# -- (e) stopping ------------------------------------------------------------------
rw add "$B/hang" >/dev/null 2>&1
hanging() { [ "$(fetch "$B/active/hang")" = 1 ]; }
wait_for 30 hanging
assert_eq "a check hangs in flight" 1 "$(fetch "$B/active/hang")"
kill -TERM "$DPID"
stopping() { [ "$(mcode /healthz)" = 503 ]; }
wait_for 4 stopping
assert_eq "during the grace period: /healthz 503" 503 "$(mcode /healthz)"
assert_eq "... saying why" stopping "$(mget /healthz)"
wait "$DPID"
assert_rc "the daemon stops cleanly" 0 $?
assert_eq "the port is free again" 000 "$(mcode /healthz)"
assert_not_match "no error in the daemon's log" ' error: ' "$(cat "$T/daemon.log")"

# -- (f) config-check --------------------------------------------------------------
for bad in 0.0.0.0:9464 192.0.2.1:9464 '[::]:9464' localhost:9464 127.0.0.1:0 127.0.0.1; do
	f="$T/bad.conf"
	printf '[storage]\ndatabase = db.sqlite\n\n[metrics]\nlisten = %s\n' "$bad" >"$f"
	err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
	assert_rc "listen = $bad: refused" 78 $?
	assert_contains "listen = $bad: FILE:LINE" "$f:5: metrics: listen: \"$bad\": " "$err"
done
assert_contains "0.0.0.0 is not loopback, and it says so" "not a loopback address" \
	"$(printf '[metrics]\nlisten = 0.0.0.0:1\n' >"$T/b2.conf"; "${RW[@]}" -c "$T/b2.conf" config-check 2>&1)"
printf '[storage]\ndatabase = db.sqlite\n\n[metrics]\nlisten = [::1]:9464\n' >"$T/v6.conf"
"${RW[@]}" -c "$T/v6.conf" config-check >/dev/null 2>&1
assert_rc "listen = [::1]:9464 is accepted" 0 $?
finish
