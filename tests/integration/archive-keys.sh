#!/bin/bash
# The archive's keys: a keys file others can read, or that belongs to
# someone else, is a configuration error; keys the archive refuses stop the
# archiving (one operator error line) but not the checks; no keys at all is
# a warning; keys come from $CREDENTIALS_DIRECTORY/ia-keys; the key never
# follows a redirect; a storm of HTTP 429 makes the daemon wait longer and
# longer.
. "$(dirname "$0")/lib.sh"
setup

if [ "$(id -u)" != 0 ]; then
	echo "FATAL: this test needs root (chown of a keys file to another user)"
	exit 1
fi

start_web main
B="http://127.0.0.1:$WEB_PORT"

# --- keys files the configuration must refuse ----------------------------------
A_ENABLED=yes A_ENDPOINT="http://127.0.0.1:$(free_port)" A_KEYS_FILE="$T/ia-keys" \
	write_archive_conf
refused() {  # refused DESC: config-check and daemon exit 78, naming the file
	local out rc
	rw config-check >/dev/null 2>"$T/cc.err"
	rc=$?
	out=$(cat "$T/cc.err")
	assert_rc "$1: config-check" 78 "$rc"
	assert_contains "$1: config-check's error names the file" "$T/ia-keys" "$out"
	assert_not_match "$1: config-check's error does not show the key" \
		"$SENTINEL_KEY|$SENTINEL_SECRET" "$out"
	out=$(timeout -k 2 5 "${RW[@]}" -c "$CONF" daemon 2>&1)
	rc=$?
	assert_rc "$1: daemon" 78 "$rc"
	assert_contains "$1: the daemon's error names the file" "$T/ia-keys" "$out"
	assert_not_match "$1: the daemon's error does not show the key" \
		"$SENTINEL_KEY|$SENTINEL_SECRET" "$out"
	LAST_OUT=$out
}
write_keys "$T/ia-keys" "$SENTINEL_PAIR" 0644
refused "keys file mode 0644"
assert_match "keys file mode 0644: the daemon's error names the mode" \
	'0?644' "$LAST_OUT"
write_keys "$T/ia-keys" "$SENTINEL_PAIR" 0640
refused "keys file mode 0640"
write_keys "$T/ia-keys" "$SENTINEL_PAIR" 0604
refused "keys file mode 0604"
write_keys "$T/ia-keys" "$SENTINEL_PAIR" 0600
chown nobody "$T/ia-keys"
refused "keys file (mode 0600) owned by nobody"
assert_match "keys file owned by nobody: the daemon's error says whose it is" \
	'[Oo]wn|nobody|uid|65534' "$LAST_OUT"
chown root "$T/ia-keys"
rm -f "$T/ia-keys"
refused "keys file that does not exist"
write_keys "$T/ia-keys" "$SENTINEL_KEY$SENTINEL_SECRET" 0600
refused "keys file without ACCESS:SECRET"

write_keys "$T/ia-keys" "$SENTINEL_PAIR" 0600
out=$(rw config-check 2>&1)
assert_rc "keys file mode 0600, ours: config-check" 0 $?
assert_not_match "config-check does not print the key" \
	"$SENTINEL_KEY|$SENTINEL_SECRET" "$out"
chmod 0400 "$T/ia-keys"
out=$(rw config-check 2>&1)
assert_rc "keys file mode 0400 (no group/other bits): config-check" 0 $?

# --- daemons, side by side ----------------------------------------------------------
COMMON="A_ENABLED=yes A_CONCURRENCY=2 A_PER_MINUTE=600 A_POLL=200ms
A_PENDING_TIMEOUT=3s A_BACKOFF_429=1s A_OLDER=30d A_MAX_ATTEMPTS=3 C_LEVEL=info"

# (1) keys the archive refuses
start_spn2 refuse --keys "$SENTINEL_PAIR"
REFUSE=$FAKE_URL
fake_control "$REFUSE" '{"keys_ok": false}'
write_keys "$T/keys-ok" "$SENTINEL_PAIR" 0600
# shellcheck disable=SC2086
conf_in "$T/refuse" $COMMON A_ENDPOINT="$REFUSE" A_KEYS_FILE="$T/keys-ok"
for i in 1 2 3; do rwd "$T/refuse" add "$B/ok?n=$i&k=refuse" --every 1s >/dev/null 2>&1; done
start_bg "$T/refuse/daemon.log" "${RW[@]}" -c "$T/refuse/rotwatch.conf" daemon
REFUSE_PID=$BG_PID

# (2) no keys at all
start_spn2 nokeys --keys "$SENTINEL_PAIR"
NOKEYS=$FAKE_URL
# shellcheck disable=SC2086
conf_in "$T/nokeys" $COMMON A_ENDPOINT="$NOKEYS" A_KEYS_FILE=
for i in 1 2 3; do rwd "$T/nokeys" add "$B/ok?n=$i&k=nokeys" --every 1s >/dev/null 2>&1; done
out=$(env -u CREDENTIALS_DIRECTORY "${RW[@]}" -c "$T/nokeys/rotwatch.conf" config-check 2>&1)
assert_rc "no keys: config-check" 0 $?
env -u CREDENTIALS_DIRECTORY "${RW[@]}" -c "$T/nokeys/rotwatch.conf" daemon \
	>"$T/nokeys/daemon.log" 2>&1 &
NOKEYS_PID=$!
BG_PIDS+=("$NOKEYS_PID")

# (3) keys from $CREDENTIALS_DIRECTORY/ia-keys
CRED_PAIR=CREDKEY789:CREDSECRET012
start_spn2 cred --keys "$CRED_PAIR"
CRED=$FAKE_URL
mkdir -p "$T/creds"
write_keys "$T/creds/ia-keys" "$CRED_PAIR" 0600
# shellcheck disable=SC2086
conf_in "$T/cred" $COMMON A_ENDPOINT="$CRED" A_KEYS_FILE=
rwd "$T/cred" add "$B/ok?n=1&k=cred" >/dev/null 2>&1
CREDENTIALS_DIRECTORY="$T/creds" "${RW[@]}" -c "$T/cred/rotwatch.conf" daemon \
	>"$T/cred/daemon.log" 2>&1 &
CRED_PID=$!
BG_PIDS+=("$CRED_PID")

# (4) the archive answers 302 to somewhere else
start_spn2 elsewhere --role web
ELSEWHERE=$FAKE_URL
start_spn2 redirect --keys "$SENTINEL_PAIR" --redirect-to "$ELSEWHERE/save"
REDIR=$FAKE_URL
# shellcheck disable=SC2086
conf_in "$T/redirect" $COMMON A_ENDPOINT="$REDIR" A_KEYS_FILE="$T/keys-ok"
for i in 1 2; do rwd "$T/redirect" add "$B/ok?n=$i&spn=redirect" >/dev/null 2>&1; done
start_bg "$T/redirect/daemon.log" "${RW[@]}" -c "$T/redirect/rotwatch.conf" daemon
REDIR_PID=$BG_PID

# (5) a storm of HTTP 429: the next 3 requests
start_spn2 storm --keys "$SENTINEL_PAIR"
STORM=$FAKE_URL
fake_control "$STORM" '{"all_429": 3}'
# shellcheck disable=SC2086
conf_in "$T/storm" $COMMON A_ENDPOINT="$STORM" A_KEYS_FILE="$T/keys-ok"
rwd "$T/storm" add "$B/ok?n=1&k=storm" >/dev/null 2>&1
start_bg "$T/storm/daemon.log" "${RW[@]}" -c "$T/storm/rotwatch.conf" daemon
STORM_PID=$BG_PID

# --- (1) refused keys -----------------------------------------------------------------
refused_line() { grep -q 'refused our keys' "$T/refuse/daemon.log"; }
wait_for 10 refused_line
checks0=$(qd "$T/refuse" 'SELECT count(*) FROM checks')
sleep 6
checks1=$(qd "$T/refuse" 'SELECT count(*) FROM checks')
assert_eq "refused keys: exactly one log line 'refused our keys' in 6 s and more" 1 \
	"$(grep -c 'refused our keys' "$T/refuse/daemon.log")"
assert_match "refused keys: it is an error line naming HTTP 401" \
	'error: .*refused our keys.*401' "$(grep 'refused our keys' "$T/refuse/daemon.log")"
fake_stats "$REFUSE" >"$T/refuse/stats.json"
assert_eq "refused keys: no submission after the first refusal" 0 \
	"$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["requests"]
first = next((x["t"] for x in r if x["status"] == 401), None)
print(-1 if first is None else
      sum(1 for x in r if x["t"] > first and x["method"] == "POST" and x["path"] == "/save"))' \
		"$T/refuse/stats.json")"
assert_ge "refused keys: checks go on (checks rows grow)" $((checks0 + 6)) "$checks1"
kill -0 "$REFUSE_PID" 2>/dev/null && pass "refused keys: the daemon runs on" ||
	fail "refused keys: the daemon exited"
assert_eq "refused keys: no snapshot" 0 "$(qd "$T/refuse" 'SELECT count(*) FROM snapshots')"

# --- (2) no keys ------------------------------------------------------------------------
checks0=$(qd "$T/nokeys" 'SELECT count(*) FROM checks')
sleep 2
checks1=$(qd "$T/nokeys" 'SELECT count(*) FROM checks')
assert_ge "no keys: checks go on" $((checks0 + 2)) "$checks1"
assert_eq "no keys: one warning about archiving without credentials" 1 \
	"$(grep -E '^[^ ]+ warn: ' "$T/nokeys/daemon.log" | grep -ci 'archiv')"
assert_eq "no keys: not a single request to the archive" 0 \
	"$(fake_stats "$NOKEYS" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')"
kill -0 "$NOKEYS_PID" 2>/dev/null && pass "no keys: the daemon runs on" ||
	fail "no keys: the daemon exited"

# --- (3) $CREDENTIALS_DIRECTORY -----------------------------------------------------------
cred_done() { [ "$(qd "$T/cred" 'SELECT count(*) FROM snapshots' 2>/dev/null)" = 1 ]; }
wait_for 15 cred_done
assert_eq "\$CREDENTIALS_DIRECTORY/ia-keys: the source is archived" 1 \
	"$(qd "$T/cred" 'SELECT count(*) FROM snapshots')"
assert_eq "\$CREDENTIALS_DIRECTORY/ia-keys: every request carries that key" "" \
	"$(fake_stats "$CRED" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["requests"]
bad = [x["path"] for x in r if x["headers"].get("Authorization") != "LOW " + sys.argv[1]]
print(bad[:3] if bad or not r else "")' "$CRED_PAIR")"

# --- (4) redirect ------------------------------------------------------------------------------
redir_twice() {
	[ "$(fake_stats "$REDIR" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["submits"])')" -ge 2 ] 2>/dev/null
}
wait_for 20 redir_twice
fake_stats "$REDIR" >"$T/redirect/stats.json"
assert_ge "redirect: the archive answered 302 to submissions" 2 \
	"$("$PY" -c 'import json,sys
print(sum(1 for x in json.load(open(sys.argv[1]))["requests"] if x["status"] == 302))' \
		"$T/redirect/stats.json")"
assert_eq "redirect: the redirect target got no request" 0 \
	"$(fake_stats "$ELSEWHERE" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')"
assert_eq "redirect: no snapshot made up" 0 "$(qd "$T/redirect" 'SELECT count(*) FROM snapshots')"

# --- (5) 429 storm ----------------------------------------------------------------------------------
storm_done() { [ "$(qd "$T/storm" 'SELECT count(*) FROM snapshots' 2>/dev/null)" = 1 ]; }
wait_for 30 storm_done
assert_eq "429 storm: the source is archived once it is over" 1 \
	"$(qd "$T/storm" 'SELECT count(*) FROM snapshots')"
fake_stats "$STORM" >"$T/storm/stats.json"
py_asserts "$PY" - "$T/storm/stats.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["requests"]
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{detail}")
# waves: requests starting within 200 ms of each other went out together
n429 = [x for x in r if x["status"] == 429]
check("429 storm: 3 requests answered 429", len(n429) == 3, str(len(n429)))
last = n429[-1]["t"] if n429 else 0
after = [x for x in r if x["t"] > last]
waves = []
for x in n429 + after[:1]:
    if not waves or x["t"] - waves[-1] > 200:
        waves.append(x["t"])
gaps = [round(b - a) for a, b in zip(waves, waves[1:])]
want = [1000, 2000, 4000]
check("429 storm: the waits after each 429 are >= 1 s, 2 s, 4 s (backoff_429 "
      "1s, doubling)", len(gaps) == 3 and all(g >= 0.9 * w for g, w in zip(gaps, want)),
      f"gaps (ms): {gaps}")
check("429 storm: ... and not much longer (< 2x each)",
      len(gaps) == 3 and all(g <= 2 * w + 500 for g, w in zip(gaps, want)),
      f"gaps (ms): {gaps}")
PYEOF
assert_eq "429 storm: one warning per 429 at most" "" \
	"$(n=$(grep -c 'HTTP 429' "$T/storm/daemon.log"); [ "$n" -le 3 ] || echo "$n lines")"

# --- the key goes nowhere but to the archive ---------------------------------------------------------
for d in refuse nokeys cred redirect storm; do
	assert_eq "$d: no log line with a key" 0 \
		"$(grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" -e CREDKEY789 -e CREDSECRET012 "$T/$d/daemon.log")"
	assert_eq "$d: no database row with a key" 0 \
		"$(sqlite3 "$T/$d/db.sqlite" .dump | grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" -e CREDKEY789 -e CREDSECRET012)"
done
assert_eq "the key in no request to the redirect target" 0 \
	"$(fake_stats "$ELSEWHERE" | grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET")"

finish
