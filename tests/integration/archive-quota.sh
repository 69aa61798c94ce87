#!/bin/bash
# The archive's allowances, each against its own fake archive and daemon,
# side by side: an account out of daily captures (/save/status/user) or out
# of bandwidth (error:max-daily-bandwidth*) submits nothing more until
# 00:00 UTC; a URL already captured too often today with no capture to show
# in CDX waits for the next UTC day without holding the others back; no
# free capture slot (available 0) waits, and goes on once there is one.
. "$(dirname "$0")/lib.sh"
setup

start_web main
B="http://127.0.0.1:$WEB_PORT"
write_keys "$T/keys" "$SENTINEL_PAIR" 0600
COMMON="A_ENABLED=yes A_CONCURRENCY=2 A_PER_MINUTE=600 A_POLL=200ms
A_PENDING_TIMEOUT=3s A_BACKOFF_429=1s A_OLDER=30d A_MAX_ATTEMPTS=3 C_LEVEL=info
A_KEYS_FILE=$T/keys"
MIDNIGHT_MS=$(( ($(date -u +%s) / 86400 + 1) * 86400 * 1000 ))

# scenario NAME [spn2.py args...]: a fake archive and a config in $T/NAME;
# sets S_URL
scenario() {
	local name=$1
	shift
	start_spn2 "$name" --keys "$SENTINEL_PAIR" "$@"
	S_URL=$FAKE_URL
	# shellcheck disable=SC2086
	conf_in "$T/$name" $COMMON A_ENDPOINT="$S_URL"
}
run_daemon() {  # run_daemon NAME
	start_bg "$T/$1/daemon.log" "${RW[@]}" -c "$T/$1/rotwatch.conf" daemon
}
submits() {  # submits URL: POST /save the fake archive saw
	fake_stats "$1" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["submits"])'
}
timeline() {  # timeline URL: the first requests the fake archive saw
	fake_stats "$1" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["requests"]
for x in r[:8]:
    t = x["t"] - r[0]["t"]
    print("  +%7.1f ms %s %s -> %s" % (t, x["method"], x["path"][:60], x["status"]))'
}

# (1) /save/status/user: 5 of 5 daily captures used
scenario daily --daily-limit 5 --daily-captures 5
DAILY=$S_URL
for i in 1 2 3; do rwd "$T/daily" add "$B/ok?n=$i&q=daily" --every 1s >/dev/null 2>&1; done
run_daemon daily

# (2..4) bandwidth quotas: at submit, and at status time (two codes)
declare -A BW_URL
for s in submit-error-max-daily-bandwidth status-error-max-daily-bandwidth-host \
	status-error-max-daily-bandwidth-from-ip; do
	scenario "$s"
	BW_URL[$s]=$S_URL
	# the quota URL first (jobs go in order), then four ordinary ones
	rwd "$T/$s" add "$B/ok?n=0&spn=$s" >/dev/null 2>&1
	for i in 1 2 3 4; do
		rwd "$T/$s" add "$B/ok?n=$i&q=bw" >/dev/null 2>&1
	done
	run_daemon "$s"
done

# (5) captured too often today, and CDX does not show it
scenario today
TODAY=$S_URL
rwd "$T/today" add "$B/ok?n=0&spn=submit-error-too-many-daily-captures&spncdx=no" >/dev/null 2>&1
for i in 1 2 3; do rwd "$T/today" add "$B/ok?n=$i&q=today" >/dev/null 2>&1; done
run_daemon today

# (6) no capture slot free
scenario busy --conc-limit 0
BUSY=$S_URL
rwd "$T/busy" add "$B/ok?n=1&q=busy" >/dev/null 2>&1
run_daemon busy

# --- let them run ----------------------------------------------------------------
sleep 8

# (1)
n=$(submits "$DAILY")
assert_eq "daily captures used up: nothing submitted" 0 "$n"
[ "$n" = 0 ] || timeline "$DAILY"
assert_eq "daily captures used up: the jobs wait (none failed, none done)" "3 0" \
	"$(qd "$T/daily" "SELECT count(*) FROM archive_jobs WHERE state = 'queued'") $(qd "$T/daily" \
	"SELECT count(*) FROM archive_jobs WHERE state IN ('failed','done')")"
assert_ge "daily captures used up: checks go on" 6 "$(qd "$T/daily" 'SELECT count(*) FROM checks')"
assert_ge "daily captures used up: /save/status/user was read" 1 \
	"$(fake_stats "$DAILY" | "$PY" -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["path"].startswith("/save/status/user")))')"
assert_eq "daily captures used up: one warning" 1 \
	"$(grep -E '^[^ ]+ warn: ' "$T/daily/daemon.log" | grep -ci 'daily')"

# (2..4)
for s in "${!BW_URL[@]}"; do
	fake_stats "${BW_URL[$s]}" >"$T/$s/stats.json"
	res=$("$PY" - "$T/$s/stats.json" <<'PYEOF'
import json, sys, urllib.parse
r = json.load(open(sys.argv[1]))["requests"]
subs = [x for x in r if x["method"] == "POST" and x["path"] == "/save"]
urls = [urllib.parse.parse_qs(x["body"]).get("url", [""])[0] for x in subs]
quota = [i for i, u in enumerate(urls) if "max-daily-bandwidth" in u]
if not quota:
    print("the quota URL was never submitted:", urls)
else:
    # the quota shows in the submit reply, or in the status poll that
    # answered the error: the job's last poll (no poll follows an error)
    first = quota[0]
    jid = subs[first].get("job_id")
    t = subs[first]["t"]
    if jid:
        polls = [x["t"] for x in r if x["path"].endswith("/" + jid)]
        t = polls[-1] if polls else t
    # a submission that left before the quota answer arrived is no fault:
    # allow 50 ms for the answer to reach the daemon
    later = [(urls[i], round(x["t"] - t)) for i, x in enumerate(subs)
             if x["t"] > t + 50]
    print("none" if not later else f"{len(later)} submitted after the quota "
          f"(URL, ms after the quota answer): {later[:3]}")
PYEOF
)
	assert_eq "$s: no submission after the quota error" none "$res"
	assert_eq "$s: no job failed (they wait for 00:00 UTC)" 0 \
		"$(qd "$T/$s" "SELECT count(*) FROM archive_jobs WHERE state = 'failed'")"
	assert_eq "$s: the quota URL's job waits" 1 \
		"$(qd "$T/$s" "SELECT count(*) FROM archive_jobs WHERE url LIKE '%max-daily-bandwidth%'
		               AND state IN ('queued','submitting','submitted')")"
done

# (5)
u0="$B/ok?n=0&spn=submit-error-too-many-daily-captures&spncdx=no"
assert_eq "too many captures today, none in CDX: not failed, no snapshot" "0 0" \
	"$(qd "$T/today" "SELECT count(*) FROM archive_jobs WHERE state = 'failed'") $(qd "$T/today" \
	"SELECT count(*) FROM snapshots WHERE original_url = $(sql_str "$u0")")"
assert_ge "too many captures today: retried on the next UTC day (next_at >= 00:00 UTC, ms)" \
	"$MIDNIGHT_MS" "$(qd "$T/today" "SELECT max(next_at) FROM archive_jobs WHERE url = $(sql_str "$u0")
	                  AND state = 'queued'")"
assert_eq "too many captures today: submitted once" 1 \
	"$(fake_stats "$TODAY" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["submits_per_url"].get(sys.argv[1], 0))' "$u0")"
assert_eq "too many captures today: the other sources are archived meanwhile" 3 \
	"$(qd "$T/today" "SELECT count(*) FROM snapshots")"

# (6) past the 10 s wait: the allowance is read again, and still nothing
# is submitted while no slot is free
user_reads() { fake_stats "$BUSY" | "$PY" -c 'import json, sys
print(sum(1 for x in json.load(sys.stdin)["requests"] if x["path"] == "/save/status/user"))'; }
wait_for 20 eval '[ "$(user_reads)" -ge 2 ]'
assert_ge "available 0: the allowance is read again after 10 s" 2 "$(user_reads)"
n=$(submits "$BUSY")
assert_eq "available 0: nothing submitted" 0 "$n"
[ "$n" = 0 ] || timeline "$BUSY"
assert_eq "available 0: the job waits" 0 \
	"$(qd "$T/busy" "SELECT count(*) FROM archive_jobs WHERE state = 'failed'")"
t_free=$(now_ms)
fake_control "$BUSY" '{"conc_limit": 4}'
busy_done() { [ "$(qd "$T/busy" 'SELECT count(*) FROM snapshots' 2>/dev/null)" = 1 ]; }
# /save/status/user is read at most once a minute
wait_for 70 busy_done
assert_eq "available again: the source is archived (within 70 s)" 1 \
	"$(qd "$T/busy" 'SELECT count(*) FROM snapshots')"
assert_eq "available again: submitted only once a slot was free" ok \
	"$(fake_stats "$BUSY" | "$PY" -c '
import json, sys
r = [x for x in json.load(sys.stdin)["requests"] if x["method"] == "POST" and x["path"] == "/save"]
print("ok" if r and r[0]["t"] >= float(sys.argv[1]) else
      "submitted %.0f ms before" % (float(sys.argv[1]) - r[0]["t"]) if r else "never")' "$t_free")"

for d in daily today busy "${!BW_URL[@]}"; do
	assert_eq "$d: no log line with the key" 0 \
		"$(grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" "$T/$d/daemon.log")"
done

finish
