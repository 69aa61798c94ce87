#!/bin/bash
# 10,000 queued archive jobs cost the daemon little memory and no CPU while
# they wait (bench/archive-backlog.sh, in short: 20 s, the last 15 s
# measured).
. "$(dirname "$0")/lib.sh"
setup

JOBS=${JOBS:-10000}
out=$(JOBS=$JOBS DURATION=20 WINDOW=15 timeout -k 5 120 bash "$ROOT/bench/archive-backlog.sh" 2>&1)
rc=$?
echo "$out" | sed 's/^/  bench: /'
assert_rc "bench/archive-backlog.sh" 0 "$rc"
val() { printf '%s\n' "$out" | grep -o "\\b$1=[-0-9]*" | head -1 | cut -d= -f2; }

assert_eq "archive --all queued every source" "$JOBS" "$(val queued)"
assert_eq "both daemons ran to the end" 1 "$(val alive)"
assert_ge "the jobs are still open (per_minute = 1)" $((JOBS - 2)) "$(val open_jobs)"
assert_le "at most one submission a minute" 1 "$(val submits)"
# An AddressSanitizer build (make sanitize) pads and quarantines every
# allocation: its bound is four times the plain build's.
LIMIT_KIB=8191
[ "${ROTWATCH_SANITIZED:-0}" = 1 ] && LIMIT_KIB=$((LIMIT_KIB * 4))
assert_le "peak RSS with $JOBS queued jobs over the baseline < $((LIMIT_KIB / 1024 + 1)) MiB (KiB)" "$LIMIT_KIB" "$(val hwm_growth_kib)"
assert_le "CPU time over 15 s with $JOBS queued jobs < 0.5 s (ms)" 499 "$(val cpu_jobs_ms)"

finish
