#!/bin/bash
# SIGTERM while 50 transfers are in flight: the daemon exits 0 promptly, and
# the transfers it aborted are not recorded as failures (no check rows, no
# state change, still due), while the checks it had finished are kept.
. "$(dirname "$0")/lib.sh"
setup

N=50
BOUND_MS=${BOUND_MS:-20000}

# Slow peers stay in flight for a minute unless the daemon stops them.
C_TIMEOUT=60s C_LOW_SPEED_LIMIT=1 C_LOW_SPEED_TIME=60s \
	C_CHECK_EXTRA="per_host = 64
concurrency = 100" write_conf
start_web main
B="http://127.0.0.1:$WEB_PORT"

for i in $(seq 1 $N); do echo "$B/slowdrip?n=$i"; done >"$T/urls.txt"
rw import "$T/urls.txt" >"$T/import.log" 2>&1
assert_rc "import $N slow URLs" 0 $?
rw add "$B/count/sig-done" >"$T/add.log" 2>&1
assert_rc "add a fast URL" 0 $?

start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID

active() { fetch "$B/active/slowdrip"; }
all_in_flight() { [ "$(active)" = "$N" ]; }
fast_done() { [ "$(q "SELECT count(*) FROM checks")" -ge 1 ] 2>/dev/null; }
wait_for 15 all_in_flight
assert_eq "$N transfers in flight" "$N" "$(active)"
wait_for 5 fast_done
assert_eq "the fast URL was checked and stored" ok \
	"$(latest class "$B/count/sig-done")"

start=$(now_ms)
kill -TERM "$DPID"
exited() { ! kill -0 "$DPID" 2>/dev/null; }
wait_for $((BOUND_MS / 1000)) exited
elapsed=$(($(now_ms) - start))
if exited; then
	wait "$DPID"
	rc=$?
	assert_rc "daemon after SIGTERM" 0 "$rc"
	assert_le "exit within ${BOUND_MS} ms of SIGTERM (ms)" "$BOUND_MS" "$elapsed"
	echo "  (exited after $elapsed ms)"
else
	fail "daemon still running ${BOUND_MS} ms after SIGTERM"
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
fi
[ -s "$T/daemon.log" ] && sed 's/^/  daemon: /' "$T/daemon.log" | tail -5

wait_for 3 test "$(active)" = 0
assert_eq "the server saw every transfer closed" 0 "$(active)"

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
assert_eq "the finished check is kept" 1 \
	"$(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id WHERE s.url = '$B/count/sig-done'")"
assert_eq "integrity after SIGTERM" ok "$(q 'PRAGMA integrity_check')"

finish
