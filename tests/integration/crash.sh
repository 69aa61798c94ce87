#!/bin/bash
# kill -9 at random moments while the daemon checks ~300 sources every
# second.  After every kill: the database passes integrity_check, no
# committed check is lost or altered, and what a source says about its
# latest check agrees with the history (no half-written batch).
. "$(dirname "$0")/lib.sh"
setup

KILLS=${KILLS:-22}
NSRC=300

C_INTERVAL=1s C_CHECK_EXTRA="per_host = 50" write_conf
start_web main
B="http://127.0.0.1:$WEB_PORT"

# A mix of outcomes, so that checks, state changes and events are written.
{
	for i in $(seq 1 200); do echo "$B/ok?n=$i"; done
	for i in $(seq 1 40); do echo "$B/change?n=$i"; done
	for i in $(seq 1 30); do echo "$B/notfound?n=$i"; done
	for i in $(seq 1 20); do echo "$B/redirect?n=$i"; done
	for i in $(seq 1 10); do echo "$B/error?n=$i"; done
} >"$T/urls.txt"
out=$(rw import "$T/urls.txt" 2>&1)
assert_rc "import $NSRC URLs" 0 $?
assert_eq "sources" "$NSRC" "$(q 'SELECT count(*) FROM sources')"

snapshot() {
	# every check row, one per line, exactly as stored
	sqlite3 -batch -cmd ".timeout 5000" -cmd ".mode quote" "$DB" \
		"SELECT * FROM checks ORDER BY id" | sort >"$1"
}

: >"$T/snap.prev"
prev_count=0
first_count=
grew=0
for k in $(seq 1 "$KILLS"); do
	start_bg "$T/daemon.$k.log" "${RW[@]}" -c "$CONF" daemon
	pid=$BG_PID
	# 0.3 .. 1.8 s: startup, a batch in flight, a commit, ...
	sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
	sleep 0.3
	sleep "$(printf '0.%03d' $((RANDOM % 500)))"
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		fail "kill $k: the daemon had already exited (status $?) before the kill"
		sed 's/^/  daemon: /' "$T/daemon.$k.log" | head -10
		continue
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null

	ic=$(q 'PRAGMA integrity_check')
	[ "$ic" = ok ] || fail "kill $k: integrity_check: expected [ok], got [$ic]"
	count=$(q 'SELECT count(*) FROM checks')
	[ -z "$first_count" ] && first_count=$count
	if ! [ "$count" -ge "$prev_count" ] 2>/dev/null; then
		fail "kill $k: checks rows went from $prev_count to [$count]"
	fi
	[ "$count" -gt "$prev_count" ] && grew=$((grew + 1))
	snapshot "$T/snap.cur"
	lost=$(comm -23 "$T/snap.prev" "$T/snap.cur" | head -3)
	[ -z "$lost" ] || fail "kill $k: committed check rows lost or changed, e.g. [$lost]"
	fk=$(q 'PRAGMA foreign_key_check')
	[ -z "$fk" ] || fail "kill $k: foreign_key_check: [$fk]"
	bad=$(q 'SELECT count(*) FROM sources s WHERE last_check IS NOT
	         (SELECT max(id) FROM checks WHERE source_id = s.id)')
	[ "$bad" = 0 ] || fail "kill $k: $bad sources whose last_check is not their latest check"
	bad=$(q "SELECT count(*) FROM sources s JOIN checks c ON c.id = s.last_check
	         WHERE (c.class IN ('ok','redirect')) !=
	         (s.state IN ('alive', 'moved'))")
	[ "$bad" = 0 ] || fail "kill $k: $bad sources whose state disagrees with their latest check"
	bad=$(q 'SELECT count(*) FROM checks WHERE source_id NOT IN (SELECT id FROM sources)')
	[ "$bad" = 0 ] || fail "kill $k: $bad checks of unknown sources"
	bad=$(q 'SELECT count(*) FROM events WHERE check_id IS NOT NULL
	         AND check_id NOT IN (SELECT id FROM checks)')
	[ "$bad" = 0 ] || fail "kill $k: $bad events pointing at missing checks"
	echo "kill $k: $count checks, integrity $ic"
	mv "$T/snap.cur" "$T/snap.prev"
	prev_count=$count
done

[ "$FAILS" -eq 0 ] && pass "$KILLS kills: integrity ok, no committed check lost or changed, sources consistent"
# Progress: checks were committed between kills, so the kills did hit a
# working daemon (not one stuck at startup).
assert_ge "checks committed overall" $((NSRC * 2)) "$prev_count"
assert_ge "kills after which there were new checks" $((KILLS / 2)) "$grew"

# After all that, a normal run still works on the same database.
timeout -k 2 30 "${RW[@]}" -c "$CONF" daemon --once >"$T/final.log" 2>&1
assert_rc "daemon --once after the kills" 0 $?
assert_ge "daemon --once after the kills checked sources" $((prev_count + 1)) \
	"$(q 'SELECT count(*) FROM checks')"
assert_eq "integrity at the end" ok "$(q 'PRAGMA integrity_check')"

finish
