#!/bin/bash
# Signals.  SIGHUP (even with a broken configuration file) does not stop a
# running daemon.  SIGTERM while 50 transfers are in flight: the daemon
# exits 0 promptly (in-flight checks get a 5 s grace); the transfers it
# aborted are not recorded as failures (no check rows, no state change,
# still due), while a check that finishes within the grace and the checks
# finished before are kept.
. "$(dirname "$0")/lib.sh"
setup

N=50
GRACE_MS=5000                       # documented in rotwatch(1)
BOUND_MS=${BOUND_MS:-$((GRACE_MS + 3000))}

# Slow peers stay in flight for a minute unless the daemon stops them.
C_TIMEOUT=60s C_LOW_SPEED_LIMIT=1 C_LOW_SPEED_TIME=60s \
	C_CHECK_EXTRA="per_host = 64
concurrency = 100" write_conf
start_web main
B="http://127.0.0.1:$WEB_PORT"
hits() { fetch "$B/hits/$1" | tr -d '[:space:]'; }

for i in $(seq 1 $N); do echo "$B/slowdrip?n=$i"; done >"$T/urls.txt"
rw import "$T/urls.txt" >"$T/import.log" 2>&1
assert_rc "import $N slow URLs" 0 $?
rw add "$B/count/sig-done" >"$T/add.log" 2>&1
assert_rc "add a fast URL" 0 $?
rw add "$B/count/sig-tick" --every 1s >"$T/add.log" 2>&1
assert_rc "add a URL checked every second" 0 $?

start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID

active() { fetch "$B/active/$1" | tr -d '[:space:]'; }
all_in_flight() { [ "$(active slowdrip)" = "$N" ]; }
fast_done() { [ "$(q "SELECT count(*) FROM checks WHERE class = 'ok'")" -ge 2 ] 2>/dev/null; }
wait_for 15 all_in_flight
assert_eq "$N transfers in flight" "$N" "$(active slowdrip)"
wait_for 5 fast_done
assert_eq "the fast URL was checked and stored" ok \
	"$(latest class "$B/count/sig-done")"

# --- SIGHUP, with the configuration file broken meanwhile ------------------
cp "$CONF" "$T/good.conf"
printf '[check]\nbogus_key = 1\n' >>"$CONF"
ticks=$(hits sig-tick)
kill -HUP "$DPID"
ticked() { [ "$(hits sig-tick)" -ge $((ticks + 2)) ] 2>/dev/null; }
sleep 1
wait_for 4 ticked
if kill -0 "$DPID" 2>/dev/null; then
	pass "the daemon survives SIGHUP with a broken configuration file"
else
	fail "the daemon exited on SIGHUP"
fi
assert_ge "checks go on after SIGHUP" $((ticks + 2)) "$(hits sig-tick)"
assert_eq "the slow transfers are still in flight after SIGHUP" "$N" "$(active slowdrip)"
cp "$T/good.conf" "$CONF"

# --- SIGTERM ------------------------------------------------------------------
# A URL that answers 3 s after the request: in flight at SIGTERM, done
# within the grace.
rw add "$B/delay?ms=3000" >"$T/add.log" 2>&1
assert_rc "add a URL that answers after 3 s" 0 $?
delay_active() { [ "$(active delay)" = 1 ]; }
wait_for 5 delay_active
assert_eq "the 3 s check is in flight when SIGTERM comes" 1 "$(active delay)"
start=$(now_ms)
kill -TERM "$DPID"
exited() { ! kill -0 "$DPID" 2>/dev/null; }
wait_for $((BOUND_MS / 1000 + 1)) exited
elapsed=$(($(now_ms) - start))
if exited; then
	wait "$DPID"
	rc=$?
	assert_rc "daemon after SIGTERM" 0 "$rc"
	assert_le "exit within the ${GRACE_MS} ms grace + 3 s (ms)" "$BOUND_MS" "$elapsed"
	echo "  (exited after $elapsed ms)"
else
	fail "daemon still running $elapsed ms after SIGTERM"
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
fi
[ "${rc:-0}" -ne 0 ] && grep -v '^\s*$' "$T/daemon.log" | sed 's/^/  daemon: /' | head -30

wait_for 3 test "$(active slowdrip)" = 0
assert_eq "the server saw every transfer closed" 0 "$(active slowdrip)"

slow="(SELECT id FROM sources WHERE url LIKE '%/slowdrip?%')"
assert_eq "no check recorded for the aborted transfers" 0 \
	"$(q "SELECT count(*) FROM checks WHERE source_id IN $slow")"
assert_eq "the aborted sources are still new" new \
	"$(q "SELECT DISTINCT state FROM sources WHERE id IN $slow")"
assert_eq "the aborted sources have no failures counted" 0 \
	"$(q "SELECT max(fails) FROM sources WHERE id IN $slow")"
assert_eq "no events for the aborted sources" 0 \
	"$(q "SELECT count(*) FROM events WHERE source_id IN $slow")"
# They were not checked, so they stay due: not pushed back by an interval.
now=$(now_ms)
assert_le "the aborted sources are still due (next_due - now, ms)" 300000 \
	$(($(q "SELECT max(next_due) FROM sources WHERE id IN $slow") - now))
assert_eq "the check finished before SIGTERM is kept" 1 \
	"$(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id WHERE s.url = '$B/count/sig-done'")"
assert_eq "the check finished within the grace is kept" ok "$(latest class "$B/delay?ms=3000")"
assert_eq "every request of the 1 s source is recorded" "$(hits sig-tick)" \
	"$(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id WHERE s.url = '$B/count/sig-tick'")"
assert_eq "integrity after SIGTERM" ok "$(q 'PRAGMA integrity_check')"

finish
