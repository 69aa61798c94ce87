#!/bin/bash
# kill -9 while archive jobs are submitted and pending: 200 sources whose
# captures stay pending for 3 polls, the daemon killed several times and
# restarted.  In the end every source has its snapshot, and the archive saw
# each URL submitted exactly once (no job lost, none submitted twice).
. "$(dirname "$0")/lib.sh"
setup

KILLS=${KILLS:-8}
NSRC=200
WAIT=${ARCHIVE_WAIT:-60}

start_web main
B="http://127.0.0.1:$WEB_PORT"
# every reply to a submit takes 0.3 s: kills land between a submission and
# its reply, when only the archive knows the job
start_spn2 archive --keys "$SENTINEL_PAIR" --pending-polls 3 --submit-delay 0.3 \
	--conc-limit 64
SPN=$FAKE_URL
write_keys "$T/ia-keys"
A_ENABLED=yes A_ENDPOINT=$SPN A_KEYS_FILE="$T/ia-keys" A_CONCURRENCY=16 \
	A_PER_MINUTE=600 A_POLL=200ms A_PENDING_TIMEOUT=5s A_BACKOFF_429=1s \
	A_OLDER=30d A_MAX_ATTEMPTS=3 C_LEVEL=info \
	C_CHECK_EXTRA="per_host = 16" write_archive_conf

for i in $(seq 1 $NSRC); do echo "$B/ok?n=$i&spn=pending-3"; done >"$T/urls.txt"
out=$(rw import "$T/urls.txt" 2>&1)
assert_rc "import $NSRC URLs" 0 $?

submitted() { [ "$(q "SELECT count(*) FROM archive_jobs WHERE state = 'submitted'" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
all_done() {
	[ "$(q 'SELECT count(DISTINCT source_id) FROM snapshots' 2>/dev/null)" = "$NSRC" ] &&
		[ "$(open_jobs 2>/dev/null)" = 0 ]
}

prev_snaps=0
hits=0
for k in $(seq 1 "$KILLS"); do
	all_done && break
	start_bg "$T/daemon.$k.log" "${RW[@]}" -c "$CONF" daemon
	pid=$BG_PID
	# wait until captures are in flight, then a little more (0 .. 1.5 s)
	wait_for 10 submitted
	sleep "$(printf '%d.%03d' $((RANDOM % 2)) $((RANDOM % 500)))"
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		fail "kill $k: the daemon had already exited (status $?)"
		sed 's/^/  daemon: /' "$T/daemon.$k.log" | head -10
		continue
	fi
	inflight=$(q "SELECT count(*) FROM archive_jobs WHERE state = 'submitted'")
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	[ "${inflight:-0}" -gt 0 ] && hits=$((hits + 1))

	ic=$(q 'PRAGMA integrity_check')
	[ "$ic" = ok ] || fail "kill $k: integrity_check: expected [ok], got [$ic]"
	snaps=$(q 'SELECT count(*) FROM snapshots')
	[ "$snaps" -ge "$prev_snaps" ] 2>/dev/null ||
		fail "kill $k: snapshots went from $prev_snaps to [$snaps]"
	dup=$(q "SELECT url FROM archive_jobs WHERE state NOT IN ('done','failed')
	         GROUP BY url HAVING count(*) > 1 LIMIT 3")
	[ -z "$dup" ] || fail "kill $k: more than one open job for [$dup]"
	echo "kill $k: $inflight captures in flight, $snaps snapshots, integrity $ic"
	prev_snaps=$snaps
done
assert_ge "kills that hit captures in flight" $((KILLS / 2)) "$hits"

# the last start runs to the end
start_bg "$T/daemon.final.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
wait_for "$WAIT" all_done
if all_done; then
	pass "every source archived after the kills"
else
	fail "after ${WAIT}s: $(q 'SELECT count(DISTINCT source_id) FROM snapshots') of $NSRC sources have a snapshot, $(open_jobs) jobs open"
	q "SELECT url, state, attempts, job_id, status_ext, error FROM archive_jobs
	   WHERE state != 'done' LIMIT 5" | sed 's/^/  job: /'
fi
kill -TERM "$DPID"
wait_for 10 eval '! kill -0 $DPID 2>/dev/null'
wait "$DPID" 2>/dev/null
assert_rc "daemon after SIGTERM" 0 $?

fake_stats "$SPN" >"$T/spn-stats.json"
py_asserts "$PY" - "$T/urls.txt" "$DB" "$T/spn-stats.json" "$SPN" <<'PYEOF'
import json, sqlite3, sys
urls_f, db, stats_f, spn = sys.argv[1:5]
urls = [l.strip() for l in open(urls_f) if l.strip()]
st = json.load(open(stats_f))
per = st["submits_per_url"]
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{detail}")
twice = {u: n for u, n in per.items() if n != 1}
never = [u for u in urls if u not in per]
check("every URL submitted exactly once", not twice and not never,
      f"{len(twice)} more than once (e.g. {list(twice.items())[:3]}), "
      f"{len(never)} never (e.g. {never[:3]})")
check("nothing but the sources submitted", set(per) <= set(urls),
      str(sorted(set(per) - set(urls))[:3]))
# jobs the daemon never polled: their submit was cut off by a kill
polled = {r["path"].rsplit("/", 1)[-1] for r in st["requests"]
          if r["path"].startswith("/save/status/spn2-")}
lost = [r for r in st["requests"] if r.get("job_id") and r["job_id"] not in polled]
print(f"info\t{len(lost)} submissions whose reply a kill cut off")
check("kills cut off submissions in flight (settled without a resubmission)",
      len(lost) >= 1, "none: the kills missed every submission")
con = sqlite3.connect(db)
rows = con.execute("SELECT s.url, n.url, n.timestamp, n.origin FROM snapshots n "
                   "JOIN sources s ON s.id = n.source_id").fetchall()
per_src = {}
for u, m, ts, o in rows:
    per_src.setdefault(u, []).append((m, ts, o))
multi = {u: v for u, v in per_src.items() if len(v) != 1}
check("exactly one snapshot per source", len(per_src) == len(urls) and not multi,
      f"{len(per_src)} sources with snapshots; several: {list(multi.items())[:2]}")
caps = st["captures"]
badm = [(u, v) for u, v in per_src.items()
        for m, ts, o in v
        if m != f"{spn}/web/{ts}/{u}" or ts not in caps.get(u, [])]
check("each snapshot is the capture the archive made", not badm, str(badm[:2]))
bad = con.execute("SELECT url, state, error FROM archive_jobs "
                  "WHERE state != 'done'").fetchall()
check("every job done", not bad, str(bad[:3]))
PYEOF
assert_eq "integrity at the end" ok "$(q 'PRAGMA integrity_check')"
assert_eq "no log line with the key" 0 \
	"$(cat "$T"/daemon.*.log | grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET")"

finish
