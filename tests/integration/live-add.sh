#!/bin/bash
# `rotwatch add` while the daemon runs: the new source is checked within a
# few seconds (rotwatch(1): "picked up within a second"), exactly once per interval (counted on the server side with
# /count/NAME), and the sources already there are not checked again.
. "$(dirname "$0")/lib.sh"
setup

C_SCHEDULE_EXTRA="jitter = 0%" write_conf
start_web main
B="http://127.0.0.1:$WEB_PORT"
hits() { fetch "$B/hits/$1" | tr -d '[:space:]'; }
hit_once() { [ "$(hits "$1")" -ge 1 ] 2>/dev/null; }

rw add "$B/count/la-base" >"$T/add0.log" 2>&1
assert_rc "add the first source" 0 $?
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
wait_for 5 hit_once la-base
assert_eq "the source present at start is checked" 1 "$(hits la-base)"

# A source added while the daemon runs (interval 1h).
start=$(now_ms)
rw add "$B/count/la-new" >"$T/add1.log" 2>&1
assert_rc "add while the daemon runs" 0 $?
wait_for 5 hit_once la-new
lat=$(($(now_ms) - start))
assert_eq "the new source is checked" 1 "$(hits la-new)"
assert_le "... within 3 s of the add (ms)" 3000 "$lat"
echo "  (checked $lat ms after the add)"

# A source with its own short interval.
rw add "$B/count/la-fast" --every 2s >"$T/add2.log" 2>&1
assert_rc "add --every 2s while the daemon runs" 0 $?
wait_for 5 hit_once la-fast
t0=$(now_ms)
assert_eq "the 2 s source is checked" 1 "$(hits la-fast)"

# 6.5 s later: la-fast at 0, 2, 4, 6 s; the 1 h sources not again.
sleep 6.5
assert_eq "the 1 h source added live was checked exactly once" 1 "$(hits la-new)"
assert_eq "the source present at start was checked exactly once" 1 "$(hits la-base)"
n=$(hits la-fast)
assert_between "the 2 s source was checked once per 2 s ($n times in $(($(now_ms) - t0)) ms)" 3 5 "$n"
assert_eq "the checks are stored, one per request received" \
	"$(($(hits la-base) + $(hits la-new) + $(hits la-fast)))" \
	"$(q 'SELECT count(*) FROM checks')"
assert_eq "the live-added source is alive" alive \
	"$(q "SELECT state FROM sources WHERE url = '$B/count/la-new'")"

kill -TERM "$DPID"
exited() { ! kill -0 "$DPID" 2>/dev/null; }
wait_for 10 exited
if exited; then
	wait "$DPID"
	assert_rc "daemon after SIGTERM" 0 $?
else
	fail "daemon still running 10 s after SIGTERM"
fi

finish
