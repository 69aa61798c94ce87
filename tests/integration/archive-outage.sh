#!/bin/bash
# The archive is down (every request 503) while a backlog waits: no job
# fails for it and no try is counted, the daemon sends only a few probes
# with growing waits instead of hammering, and once the archive is back the
# backlog drains in queue order, each URL captured once.
. "$(dirname "$0")/lib.sh"
setup

N=30
start_spn2 web --role web
WEB=$FAKE_URL
start_spn2 archive --keys "$SENTINEL_PAIR" --pending-polls 0
SPN=$FAKE_URL
write_keys "$T/ia-keys"
A_ENABLED=yes A_ENDPOINT=$SPN A_KEYS_FILE="$T/ia-keys" A_CONCURRENCY=4 \
	A_PER_MINUTE=600 A_POLL=200ms A_PENDING_TIMEOUT=3s A_BACKOFF_429=1s \
	A_OLDER=0 A_MAX_ATTEMPTS=2 C_LEVEL=info write_archive_conf

for i in $(seq 1 $N); do echo "$WEB/ok?n=$i"; done >"$T/urls.txt"
rw import "$T/urls.txt" >/dev/null 2>&1
assert_eq "$N sources" "$N" "$(q 'SELECT count(*) FROM sources')"

fake_control "$SPN" '{"down": true}'
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
queued() { [ "$(q 'SELECT count(*) FROM archive_jobs')" = "$N" ] 2>/dev/null; }
wait_for 10 queued
assert_eq "a job per source" "$N" "$(q 'SELECT count(*) FROM archive_jobs')"
sleep 8
down_requests=$(fake_stats "$SPN" | "$PY" -c 'import json,sys
print(sum(1 for r in json.load(sys.stdin)["requests"] if not r["path"].startswith("/__")))')
# 8 s of outage with a 1 s first wait, doubling: a handful of probes, not
# a request every 100 ms (80 at this pace)
assert_le "requests to the archive while it is down" 20 "$down_requests"
assert_eq "no job failed during the outage" 0 \
	"$(q "SELECT count(*) FROM archive_jobs WHERE state = 'failed'")"
assert_eq "no try counted against a URL during the outage" 0 \
	"$(q "SELECT count(*) FROM archive_jobs WHERE attempts > 1")"
assert_eq "one warning that the archive is not answering" 1 \
	"$(grep -c 'archive is not answering' "$T/daemon.log")"

fake_control "$SPN" '{"down": false}'
drained() { [ "$(open_jobs)" = 0 ] 2>/dev/null; }
wait_for 60 drained
assert_eq "the backlog drained after the outage" 0 "$(open_jobs)"
assert_eq "every source archived" "$N" \
	"$(q 'SELECT count(DISTINCT source_id) FROM snapshots')"
assert_eq "no job failed" 0 \
	"$(q "SELECT count(*) FROM archive_jobs WHERE state = 'failed'")"
assert_contains "the daemon saw the archive come back" \
	"archive answers again" "$(cat "$T/daemon.log")"

fake_stats "$SPN" >"$T/stats.json"
q 'SELECT url FROM archive_jobs ORDER BY id' >"$T/queue.txt"
py_asserts "$PY" - "$T/stats.json" "$T/queue.txt" <<'PYEOF'
import json, sys, urllib.parse
r = json.load(open(sys.argv[1]))["requests"]
queue = open(sys.argv[2]).read().split()
ok = sorted((x for x in r if x["method"] == "POST" and x["path"] == "/save"
             and x["status"] == 200), key=lambda x: x["t"])
urls = [urllib.parse.parse_qs(x["body"]).get("url", [""])[0] for x in ok]
n = {u: urls.count(u) for u in urls}
twice = [u for u, c in n.items() if c > 1]
print(("ok" if not twice else "FAIL") + "\teach URL captured once after the "
      "outage" + ("" if not twice else "\t%s" % twice[:3]))
# The jobs submitted while the archive went down wait for the index; the
# others are submitted in the order they were queued.
first = [u for x, u in zip(ok, urls)]
met = [u for u in first if queue.index(u) < 4]
rest = [queue.index(u) for u in first if queue.index(u) >= 4]
print(("ok" if rest == sorted(rest) and len(rest) == len(queue) - len(met)
       else "FAIL") + "\tthe backlog drains in queue order\t%s" % rest)
print(("ok" if len(met) <= 4 else "FAIL") + "\tat most the jobs sent as "
      "the archive went down wait for the index\t%s" % met)
PYEOF

kill -TERM "$DPID"
wait_for 10 eval '! kill -0 $DPID 2>/dev/null'
wait "$DPID" 2>/dev/null
assert_rc "daemon after SIGTERM" 0 $?
finish
