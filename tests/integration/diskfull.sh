#!/bin/bash
# Disk full (reliability plan item 34), with the database on a 2 MB tmpfs:
#   (a) the disk is full when the daemon starts: it does not exit into a
#       restart loop but says so once and waits; space freed, it opens the
#       database and checks every source
#   (b) the disk fills while 30 checks are in flight: the daemon does not
#       crash, says once that it cannot store the results, keeps them and
#       retries; space freed, every one is committed within seconds, each
#       source checked once, and the database passes integrity_check
# Runs in a private mount and network namespace (root).
. "$(dirname "$0")/lib.sh"
in_netns "$@"
setup
mkdir -p "$T/disk"
mount -t tmpfs -o size=2m tmpfs "$T/disk" || { echo "FATAL: cannot mount a tmpfs"; exit 1; }
trap 'umount -l "$T/disk" 2>/dev/null; cleanup' EXIT
start_web main
B="http://127.0.0.1:$WEB_PORT"
C_LEVEL=info C_CHECK_EXTRA="per_host = 32" write_conf
sed -i "s#^database = .*#database = $T/disk/db.sqlite#" "$CONF"
DB="$T/disk/db.sqlite"
printf '[archive]\nenabled = no\n' >>"$CONF"
fill() { dd if=/dev/zero of="$T/disk/fill" bs=4k 2>/dev/null; }
full() { [ "$(df --output=avail "$T/disk" | tail -1)" -lt 8 ]; }
hits() { fetch "$B/stats" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["hits"]))'; }

# -- (a) full at start ---------------------------------------------------------
for i in $(seq 60); do echo "$B/count/s$i"; done >"$T/list.txt"
rw import "$T/list.txt" >/dev/null 2>&1
assert_eq "60 sources imported" 60 "$(q "SELECT count(*) FROM sources")"
fill
assert_eq "(a) the disk is full" yes "$(full && echo yes || echo no)"
start_daemon full
sleep 5
assert_eq "(a) the daemon waits, running" yes "$(kill -0 "$DPID" 2>/dev/null && echo yes || echo no)"
assert_eq "(a) it says once that it waits for the database" 1 \
	"$(grep -c 'waiting for it' "$T/daemon-full.log")"
assert_eq "(a) no check is made meanwhile" 0 "$(hits)"
rm -f "$T/disk/fill"
stored() { [ "$(q "SELECT count(DISTINCT source_id) FROM checks" 2>/dev/null)" = "$1" ]; }
wait_for 40 stored 60
assert_eq "(a) space freed: every source checked and stored" 60 \
	"$(q "SELECT count(DISTINCT source_id) FROM checks")"
assert_eq "(a) the server saw each source" 60 "$(hits)"

# -- (b) full while checks are in flight --------------------------------------
for i in $(seq 30); do echo "$B/delay?ms=4000&n=$i"; done >"$T/slow.txt"
rw import "$T/slow.txt" >/dev/null 2>&1
inflight() { [ "$(fetch "$B/active/delay")" -ge 20 ] 2>/dev/null; }
wait_for 10 inflight
fill
assert_eq "(b) the disk is full with checks in flight" yes "$(full && echo yes || echo no)"
sleep 6
assert_eq "(b) the daemon is still running" yes "$(kill -0 "$DPID" 2>/dev/null && echo yes || echo no)"
assert_eq "(b) the slow checks have ended, none could be stored" "0 0" \
	"$(fetch "$B/active/delay") $(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id WHERE s.url LIKE '%delay%'")"
assert_eq "(b) it says once (not every retry) that the results cannot be stored" 1 \
	"$(grep -c 'cannot store .* results (they are kept and retried)' "$T/daemon-full.log")"
rm -f "$T/disk/fill"
wait_for 15 stored 90
assert_eq "(b) space freed: every result committed" 90 "$(q "SELECT count(DISTINCT source_id) FROM checks")"
assert_eq "(b) each slow source checked once" 30 \
	"$(q "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id WHERE s.url LIKE '%delay%'")"
assert_contains "(b) the log says it is writable again" "database writable again" "$(cat "$T/daemon-full.log")"
stop_daemon "after the disk was full"
assert_eq "integrity_check" ok "$(q "PRAGMA integrity_check")"
finish
