#!/usr/bin/env bash
# bench/archive-backlog.sh -- what a backlog of queued archive jobs costs the
# daemon: JOBS sources (tests/fake/web.py), all checked once, then
# `rotwatch archive --all` with per_minute = 1, so that the jobs stay queued;
# the daemon runs DURATION seconds against tests/fake/spn2.py, next to a
# baseline daemon on a copy of the same database without jobs (archiving
# off).  Prints, as key=value lines:
#   queued          what `archive --all` said it queued
#   open_jobs       jobs still open at the end
#   submits         submissions the fake archive saw
#   hwm_base_kib hwm_jobs_kib hwm_growth_kib      VmHWM (peak RSS)
#   rss_base_kib rss_jobs_kib rss_growth_kib      VmRSS at the end
#   cpu_jobs_ms cpu_base_ms     CPU time (user + system) over the last WINDOW s
#
# Knobs: JOBS (10000), DURATION (60), WINDOW (30), ROTWATCH (./rotwatch),
# KEEP=1 keeps the work directory.  Everything is on 127.0.0.1 and bounded.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JOBS=${JOBS:-10000}
DURATION=${DURATION:-60}
WINDOW=${WINDOW:-30}
[ "$WINDOW" -lt "$DURATION" ] || { echo "WINDOW must be less than DURATION" >&2; exit 2; }
export WEB_LIFETIME=$((DURATION + 300))
# shellcheck source=../tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
setup

start_web main
B="http://127.0.0.1:$WEB_PORT"
start_spn2 archive --keys "$SENTINEL_PAIR"
SPN=$FAKE_URL
write_keys "$T/ia-keys"

# jobs/: the measured daemon; base/: the same sources, archiving off
EXTRA="C_CHECK_EXTRA=per_host = 64
concurrency = 64"
conf_in "$T/jobs" A_ENABLED=yes A_ENDPOINT="$SPN" A_KEYS_FILE="$T/ia-keys" \
	A_CONCURRENCY=2 A_PER_MINUTE=1 A_POLL=5s C_LEVEL=warn "$EXTRA"
conf_in "$T/base" A_ENABLED=no C_LEVEL=warn "$EXTRA"

for i in $(seq 1 "$JOBS"); do echo "$B/ok?n=$i"; done >"$T/urls.txt"
if ! rwd "$T/base" import "$T/urls.txt" >"$T/import.out" 2>&1; then
	echo "FATAL: import failed:"; cat "$T/import.out"; exit 1
fi
# check every source once, so that neither daemon has a check due
if ! timeout -k 5 300 "${RW[@]}" -c "$T/base/rotwatch.conf" daemon --once >"$T/once.log" 2>&1; then
	echo "FATAL: daemon --once failed:"; tail -5 "$T/once.log"; exit 1
fi
sqlite3 "$T/base/db.sqlite" ".backup '$T/jobs/db.sqlite'"
out=$(rwd "$T/jobs" archive --all 2>&1)
queued=$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9]*\) queued.*/\1/p' | head -1)

start_bg "$T/jobs/daemon.log" "${RW[@]}" -c "$T/jobs/rotwatch.conf" daemon
JPID=$BG_PID
start_bg "$T/base/daemon.log" "${RW[@]}" -c "$T/base/rotwatch.conf" daemon
BPID=$BG_PID

sleep $((DURATION - WINDOW))
cj0=$(proc_cpu_ms "$JPID")
cb0=$(proc_cpu_ms "$BPID")
sleep "$WINDOW"
cj1=$(proc_cpu_ms "$JPID")
cb1=$(proc_cpu_ms "$BPID")
hj=$(proc_kib "$JPID" VmHWM)
hb=$(proc_kib "$BPID" VmHWM)
rj=$(proc_kib "$JPID" VmRSS)
rb=$(proc_kib "$BPID" VmRSS)
alive=1
kill -0 "$JPID" 2>/dev/null && kill -0 "$BPID" 2>/dev/null || alive=0
kill -TERM "$JPID" "$BPID" 2>/dev/null
wait_for 10 eval '! kill -0 $JPID 2>/dev/null && ! kill -0 $BPID 2>/dev/null'
submits=$(fake_stats "$SPN" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["submits"])')

echo "jobs=$JOBS duration_s=$DURATION window_s=$WINDOW"
echo "alive=$alive"
echo "queued=${queued:-none} ($out)"
echo "open_jobs=$(qd "$T/jobs" "SELECT count(*) FROM archive_jobs WHERE state NOT IN ('done','failed')")"
echo "submits=$submits"
echo "hwm_base_kib=${hb:-?} hwm_jobs_kib=${hj:-?} hwm_growth_kib=$(( ${hj:-0} - ${hb:-0} ))"
echo "rss_base_kib=${rb:-?} rss_jobs_kib=${rj:-?} rss_growth_kib=$(( ${rj:-0} - ${rb:-0} ))"
echo "cpu_jobs_ms=$(( ${cj1:-0} - ${cj0:-0} )) cpu_base_ms=$(( ${cb1:-0} - ${cb0:-0} ))"
if [ "${KEEP:-0}" = 1 ]; then echo "workdir=$T"; fi
