#!/bin/bash
# Another process holds the database's write lock for a few seconds (as a
# long CLI transaction or a backup would) while the daemon is checking: the
# daemon keeps running, loses no result (every request the server saw is
# stored once the lock is gone) and records nothing as a local failure.
. "$(dirname "$0")/lib.sh"
setup

HOLD=${HOLD:-4}
N=20

C_INTERVAL=1s C_CHECK_EXTRA="per_host = 32" C_SCHEDULE_EXTRA="jitter = 0%" write_conf
start_web main
B="http://127.0.0.1:$WEB_PORT"
hits() { fetch "$B/hits/$1" | tr -d '[:space:]'; }
total_hits() {
	local i s=0
	for i in $(seq 1 $N); do s=$((s + $(hits "lk-$i"))); done
	echo "$s"
}

for i in $(seq 1 $N); do echo "$B/count/lk-$i"; done >"$T/urls.txt"
rw import "$T/urls.txt" >"$T/import.log" 2>&1
assert_rc "import $N URLs" 0 $?

start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
all_checked() { [ "$(q 'SELECT count(DISTINCT source_id) FROM checks')" = "$N" ]; }
wait_for 5 all_checked
assert_eq "every source checked once the daemon runs" "$N" \
	"$(q 'SELECT count(DISTINCT source_id) FROM checks')"

# Hold the write lock.
start_bg "$T/locker.log" "$PY" -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
c.execute("COMMIT")
' "$DB" "$T/locked" "$HOLD"
LPID=$BG_PID
wait_for 5 test -e "$T/locked" || fail "could not take the write lock"
rows_at_lock=$(q 'SELECT count(*) FROM checks')
hits_at_lock=$(total_hits)
sleep "$HOLD"
wait "$LPID"
assert_rc "the lock holder committed" 0 $?
hits_in_lock=$(($(total_hits) - hits_at_lock))
assert_ge "the daemon went on checking during the lock (requests)" "$N" "$hits_in_lock"

if kill -0 "$DPID" 2>/dev/null; then
	pass "the daemon is still running after the lock"
else
	fail "the daemon exited while the database was locked"
	sed 's/^/  daemon: /' "$T/daemon.log" | tail -10
fi

# Stop the daemon: in-flight checks finish within the grace and are stored.
kill -TERM "$DPID"
exited() { ! kill -0 "$DPID" 2>/dev/null; }
wait_for 10 exited
if exited; then
	wait "$DPID"
	assert_rc "daemon after SIGTERM" 0 $?
else
	fail "daemon still running 10 s after SIGTERM"
fi

assert_eq "every request the server saw is stored as a check" \
	"$(total_hits)" "$(q 'SELECT count(*) FROM checks')"
assert_ge "results of the locked period were stored afterwards" \
	$((rows_at_lock + hits_in_lock)) "$(q 'SELECT count(*) FROM checks')"
assert_eq "nothing recorded as local_error or other failure" "ok" \
	"$(q 'SELECT DISTINCT class FROM checks')"
assert_eq "integrity" ok "$(q 'PRAGMA integrity_check')"

# The CLI works again at once.
rw add "$B/count/lk-after" >"$T/add.log" 2>&1
assert_rc "add after the lock" 0 $?

finish
