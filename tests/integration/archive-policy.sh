#!/bin/bash
# When a job is queued: a new source (once), a changed body, a redirect to
# another URL (the final URL too), archive_every, `rotwatch archive`; a tag
# can turn archiving off or set archive_every; the capture options are sent
# as configured.
. "$(dirname "$0")/lib.sh"
setup

start_web main
B="http://127.0.0.1:$WEB_PORT"
start_spn2 archive --keys "$SENTINEL_PAIR" --pending-polls 0
SPN=$FAKE_URL
write_keys "$T/ia-keys"
A_ENABLED=yes A_ENDPOINT=$SPN A_KEYS_FILE="$T/ia-keys" A_CONCURRENCY=4 \
	A_PER_MINUTE=600 A_POLL=200ms A_PENDING_TIMEOUT=3s A_BACKOFF_429=1s \
	A_OLDER=30d A_MAX_ATTEMPTS=3 A_CAPTURE_ALL=yes A_NOT_WITHIN=3h C_LEVEL=info \
	A_EXTRA="
[tag private]
archive = no

[tag often]
archive_every = 2s" write_archive_conf

out=$(rw config-check 2>&1)
assert_rc "config-check with [tag NAME] archive overrides" 0 $?

STEADY="$B/ok?n=1"          # same body every time
CHANGING="$B/change?n=2"    # a new body every time
MOVED="$B/redirect?n=3"     # 301 -> $B/ok
PRIVATE="$B/ok?n=4"
OFTEN="$B/ok?n=5"
rw add "$STEADY" "$CHANGING" --every 1s >/dev/null 2>&1
rw add "$MOVED" >/dev/null 2>&1
rw add "$PRIVATE" --tag private --every 1s >/dev/null 2>&1
rw add "$OFTEN" --tag often --every 1s >/dev/null 2>&1
assert_eq "5 sources" 5 "$(q 'SELECT count(*) FROM sources')"

start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
sid() { q "SELECT id FROM sources WHERE url = $(sql_str "$1")"; }
nsnap() { q "SELECT count(*) FROM snapshots WHERE source_id = $(sid "$1")"; }
steady_archived() { [ "$(nsnap "$STEADY")" -ge 1 ] 2>/dev/null; }
wait_for 10 steady_archived

# `rotwatch archive URL`: a manual job, even though nothing changed
out=$(rw archive "$STEADY" 2>&1)
assert_rc "archive URL" 0 $?
assert_match "archive URL prints 'N queued'" '^1 queued' "$out"
twice() { [ "$(nsnap "$STEADY")" -ge 2 ] 2>/dev/null; }
wait_for 10 twice
sleep 6
kill -TERM "$DPID"
wait_for 10 eval '! kill -0 $DPID 2>/dev/null'
wait "$DPID" 2>/dev/null
assert_rc "daemon after SIGTERM" 0 $?

reasons() {  # reasons URL: the reasons of the jobs for URL, in order
	q "SELECT group_concat(reason, ' ') FROM (SELECT reason FROM archive_jobs
	   WHERE url = $(sql_str "$1") ORDER BY id)"
}
checks() { q "SELECT count(*) FROM checks WHERE source_id = $(sid "$1")"; }

assert_ge "the steady source was checked several times" 5 "$(checks "$STEADY")"
assert_eq "steady body: archived when new, again only on request" "new manual" \
	"$(reasons "$STEADY")"
assert_eq "steady body: two snapshots" 2 "$(nsnap "$STEADY")"

r=$(reasons "$CHANGING")
assert_match "changing body: new, then changed" '^new( changed)+$' "$r"
assert_ge "changing body: archived again on change" 2 "$(nsnap "$CHANGING")"

assert_eq "redirected source: archived as new" new "$(reasons "$MOVED")"
assert_eq "redirected source: its final URL archived too, reason moved" moved \
	"$(reasons "$B/ok")"
assert_eq "redirected source: the final URL's snapshot belongs to the source" 1 \
	"$(q "SELECT count(*) FROM snapshots WHERE source_id = $(sid "$MOVED")
	      AND original_url = $(sql_str "$B/ok")")"

assert_ge "[tag private] archive = no: checked" 3 "$(checks "$PRIVATE")"
assert_eq "[tag private] archive = no: no job" "" "$(reasons "$PRIVATE")"
assert_eq "[tag private] archive = no: never submitted" 0 \
	"$(fake_stats "$SPN" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["submits_per_url"].get(sys.argv[1], 0))' "$PRIVATE")"

assert_match "[tag often] archive_every = 2s: new, then every" '^new( every)+$' \
	"$(reasons "$OFTEN")"

fake_stats "$SPN" >"$T/stats.json"
assert_eq "capture_all = yes, if_not_archived_within = 3h: sent with every submission" ok \
	"$("$PY" - "$T/stats.json" <<'PYEOF'
import json, sys, urllib.parse
r = [x for x in json.load(open(sys.argv[1]))["requests"]
     if x["method"] == "POST" and x["path"] == "/save"]
bad = []
for x in r:
    f = urllib.parse.parse_qs(x["body"])
    if (f.get("capture_all") or [""])[0] not in ("1", "on") or \
            f.get("if_not_archived_within") != ["3h"]:
        bad.append(x["body"])
print("ok" if r and not bad else f"{len(bad)} of {len(r)}: {bad[:2]}")
PYEOF
)"
assert_eq "no failed job" 0 "$(q "SELECT count(*) FROM archive_jobs WHERE state = 'failed'")"

finish
