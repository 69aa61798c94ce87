#!/bin/bash
# Archiving 500 sources through Save Page Now 2 (tests/fake/spn2.py), with
# every failure the service is known for: every source ends with a snapshot
# or a failed job that says why, each outcome is the one the handling rules
# give (settled through CDX where the capture happened, resubmitted where it
# did not, given up after max_attempts, permanent codes failed at once), the
# limits hold (captures in flight, pacing, polls), sources with a recent
# capture are not submitted, and the key reaches nothing but the archive.
. "$(dirname "$0")/lib.sh"
setup

WAIT=${ARCHIVE_WAIT:-120}       # seconds for every job to settle
NSRC=500

# Sources: a recording web server, so that what the daemon sends to the
# sources can be searched for the key.  A second one is where the archive's
# redirect points: nothing may ever reach it.
start_spn2 web --role web
W=$FAKE_URL
WEB=$FAKE_URL
start_spn2 elsewhere --role web
ELSEWHERE=$FAKE_URL

# --- the sources and what must become of each ----------------------------------
# expect.tsv: URL, category, outcome (spn | cdx | failed), submits, detail
# (failed: ERE the job's error or status_ext must match; cdx-recent: the
# preloaded timestamp)
PERMANENT="blocked-url filesize-limit invalid-url-syntax bad-request not-found
no-access unauthorized method-not-allowed not-implemented
http-version-not-supported network-authentication-required blocked
blocked-client-ip invalid-host-resolution too-many-redirects ftp-access-denied"
RETRY="celery job-failed internal-server-error proxy-error no-browsers-available
browsing-timeout capture-location-error cannot-fetch soft-time-limit-exceeded
redis-error bad-gateway gateway-timeout service-unavailable read-timeout
protocol-error invalid-server-response too-many-requests
bandwidth-limit-exceeded no-captures user-session-limit frobnication-failed"
GAVE_UP='gave up after 3 attempts'

n=0
: >"$T/expect.tsv"
: >"$T/preload.txt"
src() {  # src CATEGORY OUTCOME SUBMITS DETAIL QUERY
	n=$((n + 1))
	printf '%s\t%s\t%s\t%s\t%s\n' "$W/ok?n=$n&$5" "$1" "$2" "$3" "$4" >>"$T/expect.tsv"
	LAST_URL="$W/ok?n=$n&$5"
}
for c in $PERMANENT; do
	src "permanent at submit" failed 1 "$c" "spn=submit-error-$c"
	src "permanent at status" failed 1 "$c" "spn=status-error-$c"
done
for c in $RETRY; do
	src "retry-later at status, once" spn 2 "" "spn=status-error-$c&spnn=1"
done
for c in celery user-session-limit internal-server-error frobnication-failed; do
	src "retry-later at submit, once" spn 2 "" "spn=submit-error-$c&spnn=1"
done
src "retry-later every time" failed 3 "$GAVE_UP" "spn=status-error-proxy-error"
src "retry-later every time" failed 3 "$GAVE_UP" "spn=status-error-frobnication-failed"
src "retry-later every time" failed 3 "$GAVE_UP" "spn=submit-error-cannot-fetch"
for i in 1 2 3 4; do
	src "already captured today (submit)" cdx 1 "" "spn=submit-error-too-many-daily-captures"
done
for i in 1 2; do
	src "already captured today (status)" cdx 1 "" "spn=status-error-too-many-daily-captures"
done
for code in 502 503 520; do
	for i in 1 2 3 4 5; do
		src "HTTP $code at submit, captured" cdx 1 "" "spn=submit-$code"
	done
done
for i in 1 2 3 4 5; do
	src "HTML reply once" spn 2 "" "spn=submit-html&spnn=1"
	src "truncated JSON, captured" cdx 1 "" "spn=submit-truncated"
	src "no job_id once" spn 2 "" "spn=submit-nojobid&spnn=1"
	src "HTTP 429 once" spn 2 "" "spn=submit-429"
	src "status vanishes, captured" cdx 1 "" "spn=vanish"
	src "job-failed but captured" cdx 1 "" "spn=failed-but-done"
	src "same snapshot 12 minutes ago" spn 1 "" "spn=same-snapshot"
done
src "HTML reply every time" failed 3 "$GAVE_UP" "spn=submit-html"
src "HTML reply every time" failed 3 "$GAVE_UP" "spn=submit-html"
for i in 1 2 3; do
	src "302 from the archive every time" failed 3 "$GAVE_UP" "spn=redirect"
done
for i in 1 2 3 4; do
	src "pending forever" failed 3 "$GAVE_UP" "spn=pending-forever"
done
for i in $(seq 1 10); do
	src "pending 2 polls" spn 1 "" "spn=pending-2"
	src "pending 3 polls" spn 1 "" "spn=pending-3"
done
RECENT=$(date -u -d '2 days ago' +%Y%m%d%H%M%S)
OLD=$(date -u -d '90 days ago' +%Y%m%d%H%M%S)
for i in $(seq 1 40); do
	src "captured 2 days ago (not submitted)" cdx 0 "$RECENT" "spn=ok"
	echo "$LAST_URL $RECENT" >>"$T/preload.txt"
done
for i in $(seq 1 20); do
	src "captured 90 days ago" spn 1 "" "spn=ok"
	echo "$LAST_URL $OLD" >>"$T/preload.txt"
done
while [ "$n" -lt "$NSRC" ]; do
	src "plain" spn 1 "" "spn=ok"
done
cut -f1 "$T/expect.tsv" >"$T/urls.txt"

start_spn2 archive --keys "$SENTINEL_PAIR" --preload-cdx "$T/preload.txt" \
	--redirect-to "$ELSEWHERE/save" --pending-polls "${ARCHIVE_PENDING_POLLS:-0}"
SPN=$FAKE_URL
SPN_PORT=$FAKE_PORT

write_keys "$T/ia-keys"
A_ENABLED=yes A_ENDPOINT=$SPN A_KEYS_FILE="$T/ia-keys" A_CONCURRENCY=4 \
	A_PER_MINUTE=600 A_POLL=200ms A_PENDING_TIMEOUT=3s A_BACKOFF_429=1s \
	A_OLDER=30d A_MAX_ATTEMPTS=3 C_LEVEL=debug \
	C_CHECK_EXTRA="per_host = 16" write_archive_conf

rw config-check >"$T/config-check.out" 2>&1
rc=$?
assert_rc "config-check with an [archive] section" 0 "$rc"
[ "$rc" -ne 0 ] && sed 's/^/  config-check: /' "$T/config-check.out" | head -5
assert_not_match "config-check does not print the secret" "$SENTINEL_SECRET" \
	"$(cat "$T/config-check.out")"

out=$(rw import "$T/urls.txt" 2>&1)
assert_rc "import $NSRC URLs" 0 $?
assert_eq "sources stored" "$NSRC" "$(q 'SELECT count(*) FROM sources')"
# the sources are stored as given (the fake keys its behaviour on the URL)
assert_eq "source URLs stored as given" "" \
	"$(q 'SELECT url FROM sources' | sort | comm -3 - <(sort "$T/urls.txt") | head -3)"

# --- run the daemon until every job is settled -----------------------------------
start=$(now_ms)
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
all_settled() {
	[ "$(settled_sources 2>/dev/null)" = "$NSRC" ] && [ "$(open_jobs 2>/dev/null)" = 0 ]
}
wait_for "$WAIT" all_settled
elapsed=$(($(now_ms) - start))
if all_settled; then
	pass "every source settled (snapshot or failed job) within ${WAIT}s (took ${elapsed} ms)"
else
	fail "after ${WAIT}s: $(settled_sources) of $NSRC sources settled, $(open_jobs) jobs open"
	q "SELECT state, reason, count(*), min(attempts), max(attempts),
	   group_concat(DISTINCT status_ext)
	   FROM archive_jobs WHERE state NOT IN ('done','failed')
	   GROUP BY state, reason" | sed 's/^/  open jobs: /' | head -10
	q "SELECT url, state, attempts, (next_at - $(now_ms)) AS next_in_ms, status_ext, error
	   FROM archive_jobs WHERE state NOT IN ('done','failed') LIMIT 8" |
		sed 's/^/  open job: /'
fi
if kill -0 "$DPID" 2>/dev/null; then
	pass "daemon still running"
	kill -TERM "$DPID"
	wait_for 10 eval '! kill -0 $DPID 2>/dev/null'
	wait "$DPID" 2>/dev/null
	assert_rc "daemon after SIGTERM" 0 $?
else
	wait "$DPID"
	fail "daemon exited by itself (status $?)"
	tail -20 "$T/daemon.log" | sed 's/^/  daemon: /'
fi

fake_stats "$SPN" >"$T/spn-stats.json"
fake_stats "$WEB" >"$T/web-stats.json"
fake_stats "$ELSEWHERE" >"$T/elsewhere-stats.json"
rw status --format json >"$T/status.json" 2>"$T/status.err"
assert_rc "status --format json" 0 $?

# --- outcomes, limits, requests ------------------------------------------------------
cat >"$T/check.py" <<'PYEOF'
import calendar, json, re, sqlite3, sys, time, urllib.parse
from collections import defaultdict

expect_tsv, db, stats_f, status_f, spn, pair = sys.argv[1:7]

def ok(desc):
    print(f"ok\t{desc}")

def bad(desc, detail):
    print(f"FAIL\t{desc}\t{detail}")

def check(desc, good, detail=""):
    ok(desc) if good else bad(desc, detail)

exp = []
for line in open(expect_tsv):
    url, cat, outcome, submits, detail = line.rstrip("\n").split("\t")
    exp.append((url, cat, outcome, int(submits), detail))

con = sqlite3.connect(db)
con.row_factory = sqlite3.Row
src = {r["url"]: r["id"] for r in con.execute("SELECT id, url FROM sources")}
snaps = defaultdict(list)
for r in con.execute("SELECT * FROM snapshots ORDER BY id"):
    snaps[r["source_id"]].append(dict(r))
jobs = defaultdict(list)
for r in con.execute("SELECT * FROM archive_jobs ORDER BY id"):
    jobs[r["source_id"]].append(dict(r))
stats = json.load(open(stats_f))
per_url = stats["submits_per_url"]
caps = stats["captures"]

def actual(url):
    sid = src.get(url)
    s = snaps.get(sid, [])
    j = jobs.get(sid, [])
    desc = []
    if s:
        desc.append("snapshots " + ",".join(f"{x['origin']}@{x['timestamp']}" for x in s))
    for x in j:
        desc.append(f"job {x['state']} reason={x['reason']} attempts={x['attempts']} "
                    f"status_ext={x['status_ext']} error={x['error']!r}")
    desc.append(f"submits={per_url.get(url, 0)}")
    return "; ".join(desc) or "nothing"

# one verdict per category
bycat = defaultdict(list)
for e in exp:
    bycat[e[1]].append(e)
settled = 0
for cat, items in bycat.items():
    wrong = []
    for url, _, outcome, submits, detail in items:
        sid = src.get(url)
        s = snaps.get(sid, [])
        j = jobs.get(sid, [])
        n = per_url.get(url, 0)
        good = True
        if outcome in ("spn", "cdx"):
            good = (len(s) == 1 and s[-1]["origin"] == outcome
                    and not any(x["state"] == "failed" for x in j))
            if good and cat.startswith("captured 2 days ago"):
                good = s[-1]["timestamp"] == detail
        else:
            f = [x for x in j if x["state"] == "failed"]
            good = (not s and len(f) == 1 and (f[0]["error"] or "").strip() != ""
                    and (re.search(detail, f[0]["error"] or "")
                         or re.search(r"(^|:)" + re.escape(detail) + "$",
                                      f[0]["status_ext"] or "")))
        good = good and n == submits
        if good:
            settled += 1
        else:
            wrong.append(url)
    o = items[0]
    want = (f"{o[2]} snapshot" if o[2] != "failed" else f"failed job ({o[4]})") \
        + f", {o[3]} submit(s)"
    check(f"{cat} ({len(items)} sources): {want}", not wrong,
          f"{len(wrong)} wrong, e.g. " + " | ".join(
              f"{u} -> {actual(u)}" for u in wrong[:3]))
check("nothing dropped: every source has its expected outcome", settled == len(exp),
      f"{settled} of {len(exp)}")

# snapshot rows
badrows = []
for sid, rows in snaps.items():
    for r in rows:
        orig = r["original_url"]
        ts = r["timestamp"] or ""
        if not re.fullmatch(r"\d{14}", ts) \
                or r["url"] != f"{spn}/web/{ts}/{orig}" \
                or orig not in src or src[orig] != sid \
                or ts not in caps.get(orig, []) \
                or r["origin"] not in ("spn", "cdx") \
                or (r["origin"] == "spn" and not (r["job_id"] or "")) \
                or not r["found_at"]:
            badrows.append(r)
check("every snapshot: url = ENDPOINT/web/<14 digits>/<original>, a capture "
      "the archive has, spn ones with their job_id", not badrows,
      f"{len(badrows)} bad, e.g. {badrows[:2]}")
first_submit = {}
for r in stats["requests"]:
    if r["method"] == "POST" and r["path"] == "/save":
        u = (urllib.parse.parse_qs(r["body"]).get("url") or [""])[0]
        first_submit.setdefault(u, r["t"])
same = [e[0] for e in exp if e[1].startswith("same snapshot")]
stale = []
for u in same:
    s = snaps.get(src.get(u), [])
    if not s or u not in first_submit:
        continue
    t = calendar.timegm(time.strptime(s[-1]["timestamp"], "%Y%m%d%H%M%S"))
    if not (600 <= first_submit[u] / 1000 - t <= 900):
        stale.append((u, s[-1]["timestamp"]))
check("same-snapshot: the snapshot is the one of 12 minutes before", not stale,
      str(stale[:3]))

# jobs
openj = con.execute("SELECT count(*) FROM archive_jobs WHERE state NOT IN "
                    "('done','failed')").fetchone()[0]
check("no job left open", openj == 0, f"{openj} open")
badj = con.execute("SELECT url, state, error FROM archive_jobs WHERE state = "
                   "'failed' AND (error IS NULL OR trim(error) = '')").fetchall()
check("every failed job has an error", not badj, str([tuple(r) for r in badj[:3]]))
badj = con.execute("SELECT url, state, snapshot_id FROM archive_jobs WHERE "
                   "state = 'done' AND snapshot_id NOT IN "
                   "(SELECT id FROM snapshots)").fetchall()
check("every done job points at its snapshot", not badj,
      str([tuple(r) for r in badj[:3]]))
dup = con.execute("SELECT url, count(*) FROM archive_jobs WHERE state NOT IN "
                  "('done','failed') GROUP BY url HAVING count(*) > 1").fetchall()
check("at most one open job per URL", not dup, str(dup[:3]))

# the archive's view: limits
mc = stats.get("max_concurrent_at") or {}
check(f"captures in flight at once <= 4", stats["max_concurrent"] <= 4,
      f"max_concurrent = {stats['max_concurrent']}; at its peak: " + ", ".join(
          f"{u.split('?')[-1]} (submitted {round(mc['t'] - t0)} ms before, "
          f"{p} polls)" for u, _, t0, p in mc.get("open", [])))
gap = stats["min_gap_ms"]
check("submissions paced >= 100 ms apart (80 ms with tolerance)",
      gap is not None and gap >= 80, f"min_gap_ms = {gap}")
check("at most 600 submissions in any 60 s", stats["max_per_minute"] <= 600,
      f"max_per_minute = {stats['max_per_minute']}")
check("submissions are well-formed (form-encoded url, known options, "
      "Accept: application/json)", not stats["anomalies"],
      str(stats["anomalies"][:3]))

reqs = stats["requests"]
want_auth = "LOW " + pair
noauth = [r["method"] + " " + r["path"] for r in reqs
          if r["headers"].get("Authorization") != want_auth]
check("every request to the archive carries Authorization: LOW KEY:SECRET",
      not noauth, f"{len(noauth)} without, e.g. {noauth[:3]}")
noacc = [r["method"] + " " + r["path"] for r in reqs
         if "application/json" not in (r["headers"].get("Accept") or "")]
check("every request to the archive carries Accept: application/json",
      not noacc, f"{len(noacc)} without, e.g. {noacc[:3]}")
leak = [r["method"] + " " + r["path"] for r in reqs
        if pair.split(":")[1] in r["path"] + r["body"]
        or pair.split(":")[0] in r["path"] + r["body"]]
check("the key is never in a URL or a body sent to the archive", not leak,
      str(leak[:3]))

subs = [r for r in reqs if r["method"] == "POST" and r["path"] == "/save"]
opts_bad = []
for r in subs:
    f = urllib.parse.parse_qs(r["body"], keep_blank_values=True)
    if (f.get("skip_first_archive") or [""])[0] not in ("1", "on") \
            or (f.get("capture_all") or ["0"])[0] in ("1", "on") \
            or "if_not_archived_within" in f:
        opts_bad.append(r["body"])
check("options as configured: skip_first_archive=1, no capture_all, no "
      "if_not_archived_within", not opts_bad, str(opts_bad[:2]))

users = [r["t"] for r in reqs if r["path"].split("?")[0] == "/save/status/user"]
span = (reqs[-1]["t"] - reqs[0]["t"]) / 1000 if reqs else 0
check("/save/status/user read before submitting", bool(users) and
      (not subs or users[0] <= subs[0]["t"]),
      f"{len(users)} reads, first at {users[:1]}, first submit at "
      f"{[s['t'] for s in subs[:1]]}")
check("/save/status/user read at most once a minute",
      len(users) <= int(span / 60) + 1,
      f"{len(users)} reads in {span:.0f} s")

# polls: never sooner than poll_interval, never closer together over time
submit_t = {r["job_id"]: r["t"] for r in subs if r.get("job_id")}
polls = defaultdict(list)
for r in reqs:
    p = r["path"].split("?")[0]
    if r["method"] == "GET" and p.startswith("/save/status/") and \
            p not in ("/save/status/user", "/save/status/system"):
        polls[p[len("/save/status/"):]].append(r["t"])
    elif r["method"] == "POST" and p == "/save/status":
        jid = (urllib.parse.parse_qs(r["body"]).get("job_id") or [""])[0]
        polls[jid].append(r["t"])
early, late, unknown = [], [], []
t429 = [r["t"] for r in reqs if r["status"] == 429]
for jid, ts in polls.items():
    if jid not in submit_t:
        unknown.append(jid)
        continue
    seq = [submit_t[jid]] + ts
    g = [b - a for a, b in zip(seq, seq[1:])]
    # nominal: 200 ms, then x1.5 (up to 60 s)
    nom = [min(200 * 1.5 ** k, 60000) for k in range(len(g))]
    if any(x < 0.9 * y - 10 for x, y in zip(g, nom)):
        early.append([round(x) for x in g])
    # late is fine in the life of a job that saw an HTTP 429 (the whole
    # client waits backoff_429, and the next waits grow with the job's age)
    if any(seq[0] <= t <= seq[-1] for t in t429):
        continue
    if any(x > 1.5 * y + 500 for x, y in zip(g, nom)):
        late.append([round(x) for x in g])
check("status polled only for job ids the archive gave", not unknown,
      str(unknown[:3]))
check("polls of a job no sooner than 200 ms after the submit, then x1.5",
      not early, f"{len(early)} jobs, e.g. gaps (ms) {early[:3]}")
check("polls of a job not later than 1.5 x that schedule + 500 ms (jobs "
      "that lived through an HTTP 429 aside)",
      not late, f"{len(late)} of {len(polls)} jobs, e.g. gaps (ms) {late[:3]}")

# HTTP 429: the next submission waits backoff_429 (1 s)
short = []
for i, r in enumerate(subs):
    if r["status"] == 429 and i + 1 < len(subs):
        g = subs[i + 1]["t"] - r["t"]
        if g < 950:
            short.append(round(g))
n429 = sum(1 for r in subs if r["status"] == 429)
check(f"after each HTTP 429 ({n429}) the next submission waits >= 1 s",
      n429 > 0 and not short, f"gaps (ms): {short[:5]}")

# status --format json: the latest snapshot of each archived source
try:
    st = json.load(open(status_f))
except Exception as e:
    st = None
    bad("status --format json parses", str(e))
if st is not None:
    latest = {}
    for sid, rows in snaps.items():
        latest[sid] = rows[-1]
    badst = []
    for el in st:
        sid = el.get("id")
        sn = el.get("snapshot")
        if sid in latest:
            want = latest[sid]
            ts = re.sub(r"\D", "", str((sn or {}).get("timestamp", "")))[:14]
            if not isinstance(sn, dict) or sn.get("url") != want["url"] \
                    or ts != want["timestamp"]:
                badst.append((el.get("url"), sn))
        elif sn not in (None, {}):
            badst.append((el.get("url"), sn))
    check("status --format json: \"snapshot\": {url, timestamp} of the latest "
          "snapshot (null without one)", not badst and len(st) == len(src),
          f"{len(st)} elements; {len(badst)} wrong, e.g. {badst[:2]}")
PYEOF
py_asserts "$PY" "$T/check.py" "$T/expect.tsv" "$DB" "$T/spn-stats.json" \
	"$T/status.json" "$SPN" "$SENTINEL_PAIR"

# --- rotwatch snapshots URL ------------------------------------------------------------
for origin in spn cdx; do
	row=$(q "SELECT s.url, n.url FROM snapshots n JOIN sources s ON s.id = n.source_id
	         WHERE n.origin = '$origin' ORDER BY n.id LIMIT 1")
	u=${row%%|*}
	m=${row#*|}
	if [ -z "$row" ]; then
		fail "a snapshot of origin $origin to list"
		continue
	fi
	out=$(rw snapshots "$u" 2>&1)
	assert_rc "snapshots URL (an $origin snapshot)" 0 $?
	assert_contains "snapshots URL lists the memento ($origin)" "$m" "$out"
done

# --- the key goes nowhere but to the archive --------------------------------------------
for s in "$SENTINEL_KEY" "$SENTINEL_SECRET"; do
	assert_eq "$s in no daemon log line" 0 "$(grep -c -- "$s" "$T/daemon.log")"
	assert_eq "$s in no database row" 0 \
		"$(sqlite3 "$DB" .dump | grep -c -- "$s")"
	assert_eq "$s in no database file (db, -wal)" "" \
		"$(grep -l -a -- "$s" "$DB" "$DB-wal" 2>/dev/null)"
	assert_eq "$s in no request to the sources" 0 \
		"$(grep -c -- "$s" "$T/web-stats.json")"
	assert_eq "$s not in the status output" 0 "$(grep -c -- "$s" "$T/status.json")"
done
assert_eq "no Authorization header sent to a source" 0 \
	"$(grep -ci '"authorization"' "$T/web-stats.json")"
assert_eq "every source fetched from the web server" "$NSRC" \
	"$("$PY" -c 'import json,sys
print(len({r["path"] for r in json.load(open(sys.argv[1]))["requests"]}))' "$T/web-stats.json")"
assert_eq "the archive's redirect target got no request (redirects not followed)" 0 \
	"$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["requests"]))' \
		"$T/elsewhere-stats.json")"
assert_eq "the fake archive wrote nothing about requests" "" \
	"$(grep -v "^$SPN_PORT\$" "$T/spn2-archive.log")"

# checks went on as usual
assert_eq "every source checked ok" "$NSRC" \
	"$(q "SELECT count(DISTINCT source_id) FROM checks WHERE class = 'ok'")"
assert_eq "integrity" ok "$(q 'PRAGMA integrity_check')"

finish
