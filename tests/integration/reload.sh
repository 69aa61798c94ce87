#!/bin/bash
# Running under a service manager (sd_notify(3), as systemd's Type=notify
# unit does) and reloading on SIGHUP:
#   - READY=1 once started; WATCHDOG=1 about every WATCHDOG_USEC/2
#   - SIGHUP with a broken config: RELOADING=1, then READY=1 with a STATUS
#     that says the reload failed and names FILE:LINE; the log names it too;
#     the process stays up and the old config stays in force
#   - SIGHUP with a good config: it applies (a channel added by it gets its
#     alerts) without dropping in-flight work (a slow check begun before the
#     reload is recorded whole, once)
#   - SIGTERM: STOPPING=1, exit 0
. "$(dirname "$0")/lib.sh"
setup
start_web main
B="http://127.0.0.1:$WEB_PORT"
start_fake hook-one hook.py --secret secret-one
H1="http://127.0.0.1:$STARTED_PORT"
start_fake hook-two hook.py --secret secret-two
H2="http://127.0.0.1:$STARTED_PORT"
hook_n() {
	curl -s --max-time 5 --noproxy '*' "$1/__stats" |
		"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))' 2>/dev/null
}

C_LEVEL=info C_LOW_SPEED_TIME=10s C_TIMEOUT=20s write_conf "$T/base.conf"
cat >>"$T/base.conf" <<EOF2

[verdict]
confirm_checks = 2
confirm_span = 0s

[archive]
enabled = no

[alerts]
retry = 200ms
retry_max = 1s

[channel one]
type = webhook
url = $H1/hook
secret = secret-one
EOF2
TWO="
[channel two]
type = webhook
url = $H2/hook
secret = secret-two"
# the alerts are queued for both channels by `check` runs under a config
# that has both; the daemon starts with channel one only
{ cat "$T/base.conf"; echo "$TWO"; } >"$CONF"
rw add "$B/notfound" "$B/gone" >/dev/null 2>&1
rw check --all >/dev/null 2>&1
rw check --all >/dev/null 2>&1
assert_eq "two alerts queued for each channel" "2 2" \
	"$(q "SELECT (SELECT count(*) FROM alerts WHERE channel = 'one') || ' ' ||
	             (SELECT count(*) FROM alerts WHERE channel = 'two')")"
cp "$T/base.conf" "$CONF"

N="$T/notify.jsonl"
start_bg "$T/notify.log" "$PY" "$FAKE/notify.py" --socket "$T/notify.sock" --out "$N" --lifetime 120
wait_for 5 test -S "$T/notify.sock"
msgs() { "$PY" -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["msg"].replace("\n", "|"))' "$N" 2>/dev/null; }
has() { msgs | grep -q -- "$1"; }

NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=1000000 start_bg "$T/daemon.log" \
	"${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
wait_for 10 has 'READY=1'
assert_contains "READY=1 once started" "READY=1" "$(msgs | head -1)"
assert_contains "... with the main pid" "MAINPID=$DPID" "$(msgs | head -1)"
wait_for 10 eval '[ "$(hook_n "$H1")" = 2 ]'
assert_eq "channel one delivers its 2 alerts" 2 "$(hook_n "$H1")"
sleep 2.5
wd=$(msgs | grep -c '^WATCHDOG=1$')
assert_eq "the watchdog is fed (>= 4 pings in the first ~3 s at 500 ms)" yes \
	"$([ "$wd" -ge 4 ] && echo yes || echo "no ($wd)")"
assert_eq "channel two is not in the running config: nothing delivered" 0 "$(hook_n "$H2")"

# a slow check in flight across both reloads
rw add "$B/delay?ms=6000" >/dev/null 2>&1
SLOW=$(q "SELECT id FROM sources WHERE url LIKE '%delay%'")
wait_for 10 eval '[ "$(fetch "$B/active/delay")" = 1 ]'
assert_eq "the slow check is in flight" 1 "$(fetch "$B/active/delay")"

# -- a broken config -----------------------------------------------------------
{ cat "$T/base.conf"; echo "$TWO"; printf '\n[check]\nconcurrency = lots\n'; } >"$CONF"
BADLINE=$(grep -n '^concurrency = lots' "$CONF" | cut -d: -f1)
before=$(msgs | wc -l)
kill -HUP "$DPID"
wait_for 10 has 'reload failed'
after=$(msgs | tail -n +$((before + 1)) | grep -v '^WATCHDOG=1$')
assert_contains "SIGHUP: RELOADING=1 first" "RELOADING=1" "$(printf '%s\n' "$after" | head -1)"
failed=$(printf '%s\n' "$after" | grep 'reload failed' | head -1)
assert_contains "then READY=1 ..." "READY=1" "$failed"
assert_contains "... with a STATUS naming FILE:LINE" "STATUS=reload failed ($CONF:$BADLINE:" "$failed"
assert_contains "the log names FILE:LINE" "$CONF:$BADLINE:" "$(cat "$T/daemon.log")"
assert_contains "the log says the old config stays" "the previous one stays in force" "$(cat "$T/daemon.log")"
sleep 1.5
assert_eq "the daemon is still running" yes "$(kill -0 "$DPID" 2>/dev/null && echo yes || echo no)"
assert_eq "the old config is in force: channel two still gets nothing" 0 "$(hook_n "$H2")"
wait_for 15 has 'STATUS=reload failed (.*checks since start'
assert_match "the periodic STATUS keeps saying the reload failed" \
	"STATUS=reload failed \($CONF:$BADLINE:.*\); .* checks since start" "$(msgs | grep "checks since start" | tail -1)"

# -- a good config ---------------------------------------------------------------
{ cat "$T/base.conf"; echo "$TWO"; } >"$CONF"
before=$(msgs | wc -l)
kill -HUP "$DPID"
wait_for 10 has 'configuration reloaded'
after=$(msgs | tail -n +$((before + 1)) | grep -v '^WATCHDOG=1$')
assert_contains "SIGHUP: RELOADING=1" "RELOADING=1" "$(printf '%s\n' "$after" | head -1)"
assert_contains "then READY=1 and the STATUS says reloaded" "READY=1|STATUS=configuration reloaded" "$after"
wait_for 10 eval '[ "$(hook_n "$H2")" = 2 ]'
assert_eq "the new channel two delivers its 2 alerts" 2 "$(hook_n "$H2")"
assert_eq "channel one delivered nothing twice" 2 "$(hook_n "$H1")"
wait_for 15 eval '[ "$(q "SELECT count(*) FROM checks WHERE source_id = $SLOW")" -ge 1 ]'
assert_eq "the slow check begun before the reloads is recorded once, whole" "1 ok 1" \
	"$(q "SELECT count(*) || ' ' || min(class) || ' ' || (min(duration_ms) >= 5500) FROM checks WHERE source_id = $SLOW")"
assert_not_match "no check was aborted" "aborted" "$(cat "$T/daemon.log")"

kill -TERM "$DPID"
wait_for 15 eval '! kill -0 $DPID 2>/dev/null'
wait "$DPID"
assert_rc "SIGTERM: exit status" 0 $?
assert_contains "STOPPING=1 was sent" "STOPPING=1" "$(msgs | tail -3)"
finish
