# Helpers for the integration tests; sourced by every tests/integration/*.sh.
#
# Every test: `. "$(dirname "$0")/lib.sh"`, then `setup`, then assertions,
# then `finish`.  Everything started through start_web/start_bg is stopped on
# exit; the temporary directory is removed unless KEEP=1.

set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
FAKE="$ROOT/tests/fake"
# the binary: $ROTWATCH (as `make integration` sets it), else ./rotwatch;
# $ROTWATCH_WRAP (e.g. "valgrind -q") is put in front of every invocation
RW_BIN=${ROTWATCH:-${RW_BIN:-"$ROOT/rotwatch"}}
read -r -a RW <<<"${ROTWATCH_WRAP:-}"
RW+=("$RW_BIN")
PY=${PYTHON:-python3}
TEST_NAME=$(basename "$0" .sh)

FAILS=0
PASSES=0
BG_PIDS=()

# -- lifecycle --------------------------------------------------------------

cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		# bounded: give each 2 s, then SIGKILL
		for _ in $(seq 20); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "${T:-}" ] && [ -d "$T" ] && [ "${KEEP:-0}" != 1 ]; then
		rm -rf "$T"
	fi
}

# setup: temp dir $T, config $CONF, database $DB; writes the default config.
setup() {
	if [ ! -x "$RW_BIN" ]; then
		echo "FATAL: $RW_BIN does not exist (run make first)"
		exit 1
	fi
	T=$(mktemp -d "/tmp/rotwatch-$TEST_NAME.XXXXXX")
	CONF="$T/rotwatch.conf"
	DB="$T/db.sqlite"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	write_conf
}

# write_conf [FILE]: the test configuration.  Overridable through variables:
# C_CONNECT_TIMEOUT C_TIMEOUT C_LOW_SPEED_LIMIT C_LOW_SPEED_TIME C_MAX_BODY
# C_MAX_REDIRECTS C_INTERVAL C_LEVEL; C_CHECK_EXTRA / C_SCHEDULE_EXTRA are
# appended verbatim to [check] / [schedule].  The SSRF guard lets the fake
# servers on loopback through: [network] allow = $C_ALLOW (default
# "127.0.0.0/8 ::1/128"); C_GUARD, when set, is written as guard = ...
write_conf() {
	local f=${1:-$CONF}
	cat >"$f" <<EOF
[storage]
database = db.sqlite

[check]
connect_timeout = ${C_CONNECT_TIMEOUT:-2s}
timeout = ${C_TIMEOUT:-8s}
low_speed_limit = ${C_LOW_SPEED_LIMIT:-100}
low_speed_time = ${C_LOW_SPEED_TIME:-3s}
max_body = ${C_MAX_BODY:-1MiB}
max_redirects = ${C_MAX_REDIRECTS:-5}
${C_CHECK_EXTRA:-}

[network]
${C_GUARD:+guard = $C_GUARD}
allow = ${C_ALLOW-127.0.0.0/8 ::1/128}

[schedule]
interval = ${C_INTERVAL:-1h}
${C_SCHEDULE_EXTRA:-}

[log]
level = ${C_LEVEL:-warn}
EOF
}

# rw ARGS...: run rotwatch with the test config.
rw() {
	"${RW[@]}" -c "$CONF" "$@"
}

# q SQL: one query against the test database (waits up to 5 s for locks).
q() {
	sqlite3 -batch -noheader -cmd ".timeout 5000" "$DB" "$1"
}

# start_bg LOGFILE CMD...: run CMD in the background, remembered for cleanup.
# Sets BG_PID.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# start_fake PREFIX SCRIPT [args...]: start one of tests/fake/*.py on a free
# port, wait for it.  Its output goes to $T/PREFIX.log.  Sets BG_PID and
# STARTED_PORT.
start_fake() {
	local prefix=$1 script=$2
	shift 2
	local pf="$T/$prefix.port"
	rm -f "$pf"
	start_bg "$T/$prefix.log" "$PY" "$FAKE/$script" --port 0 \
		--portfile "$pf" --lifetime "${WEB_LIFETIME:-300}" "$@"
	for _ in $(seq 100); do
		[ -s "$pf" ] && break
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$pf" ]; then
		echo "FATAL: $script ($prefix) did not start:"
		cat "$T/$prefix.log"
		exit 1
	fi
	STARTED_PORT=$(cat "$pf")
}

# start_web NAME [web.py args...]: start a fake web server, wait for its
# port.  Sets WEB_PORT and WEB_PID.
start_web() {
	local name=$1
	shift
	start_fake "web-$name" web.py "$@"
	WEB_PID=$BG_PID
	WEB_PORT=$STARTED_PORT
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	"$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# fetch URL: body of a request to one of our own fake servers.
fetch() {
	curl -s --max-time 5 --noproxy '*' "$1"
}

now_ms() {
	date +%s%3N
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; returns 1
# if it never does within SECONDS.
wait_for() {
	local limit=$1
	shift
	local end=$(($(now_ms) + limit * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# check_pass NAME [URL...]: one `check` (of --all without URLs), its JSON in
# $T/NAME.json, its exit status asserted
check_pass() {
	local name=$1
	shift
	[ $# -eq 0 ] && set -- --all
	timeout -k 2 120 "${RW[@]}" -c "$CONF" check "$@" --format json \
		>"$T/$name.json" 2>"$T/$name.err"
	local rc=$?
	assert_rc "check ($name)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/  stderr: /' "$T/$name.err" | head -10
}

# start_daemon NAME: the daemon in the background (log $T/daemon-NAME.log);
# sets DPID
start_daemon() {
	start_bg "$T/daemon-$1.log" "${RW[@]}" -c "$CONF" daemon
	DPID=$BG_PID
}

# stop_daemon DESC: SIGTERM, the exit status asserted
stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	wait_for 15 eval '! kill -0 $DPID 2>/dev/null'
	wait "$DPID" 2>/dev/null
	assert_rc "$1: daemon after SIGTERM" 0 $?
}

# config_refused DESC TEXT EXPECTED: a config file holding TEXT (printf
# escapes) is refused by config-check with exit 78 and an error that
# contains EXPECTED, where @F@ stands for the file's name
config_refused() {
	local f="$T/refused.conf" err rc
	printf "$2" >"$f"
	err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
	rc=$?
	assert_rc "$1: config-check" 78 "$rc"
	assert_contains "$1: the error says where and why" "${3//@F@/$f}" "$err"
}

# -- assertions --------------------------------------------------------------
# Each prints "ok: ..." or "FAIL: ..." with what was expected and what came;
# a failure does not stop the test, `finish` sets the exit status.

pass() {
	PASSES=$((PASSES + 1))
	echo "ok: $1"
}

fail() {
	FAILS=$((FAILS + 1))
	echo "FAIL: $1"
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1: expected [$2], got [$3]"
	fi
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne() {
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1: expected anything but [$2]"
	fi
}

# assert_match DESC ERE ACTUAL
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1: expected to match /$2/, got [$(printf '%s' "$3" | head -c 2000)]"
	fi
}

# assert_not_match DESC ERE ACTUAL
assert_not_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		fail "$1: expected no match for /$2/, got [$(printf '%s' "$3" | head -c 2000)]"
	else
		pass "$1"
	fi
}

# assert_contains DESC FIXED-STRING ACTUAL
assert_contains() {
	if printf '%s' "$3" | grep -Fq -- "$2"; then
		pass "$1"
	else
		fail "$1: expected to contain [$2], got [$(printf '%s' "$3" | head -c 2000)]"
	fi
}

# assert_le DESC LIMIT ACTUAL   (integers: ACTUAL <= LIMIT)
assert_le() {
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -le "$2" ]; then
		pass "$1"
	else
		fail "$1: expected <= $2, got [$3]"
	fi
}

# assert_ge DESC LIMIT ACTUAL   (integers: ACTUAL >= LIMIT)
assert_ge() {
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		pass "$1"
	else
		fail "$1: expected >= $2, got [$3]"
	fi
}

# assert_between DESC LOW HIGH ACTUAL
assert_between() {
	if [[ "$4" =~ ^-?[0-9]+$ ]] && [ "$4" -ge "$2" ] && [ "$4" -le "$3" ]; then
		pass "$1"
	else
		fail "$1: expected between $2 and $3, got [$4]"
	fi
}

# assert_rc DESC EXPECTED-RC ACTUAL-RC
assert_rc() {
	assert_eq "$1 (exit status)" "$2" "$3"
}

finish() {
	echo "$TEST_NAME: $PASSES assertions passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}

# -- queries on the contract's schema ----------------------------------------

# sql_str TEXT: TEXT as an SQL string literal
sql_str() {
	printf "'%s'" "${1//\'/\'\'}"
}

# latest COLUMN URL: a column of the latest check of the source with URL
latest() {
	q "SELECT $1 FROM checks WHERE source_id =
	   (SELECT id FROM sources WHERE url = $(sql_str "$2"))
	   ORDER BY id DESC LIMIT 1"
}

# latest_is_null COLUMN URL: prints 1 if the column is NULL, 0 if not, and
# nothing if there is no check at all
latest_is_null() {
	q "SELECT $1 IS NULL FROM checks WHERE source_id =
	   (SELECT id FROM sources WHERE url = $(sql_str "$2"))
	   ORDER BY id DESC LIMIT 1"
}

# in_netns ARGS: re-run the calling script inside a fresh mount + network
# namespace (only `lo`, brought up).  Fails loudly if that is not permitted.
in_netns() {
	if [ "${ROTWATCH_TEST_NETNS:-}" = 1 ]; then
		ip link set lo up || {
			echo "FATAL: cannot bring lo up in the network namespace"
			exit 1
		}
		return 0
	fi
	if ! unshare -m -n true 2>"/tmp/rotwatch-unshare.$$"; then
		echo "FATAL: 'unshare -m -n' is not permitted here:"
		cat "/tmp/rotwatch-unshare.$$"
		rm -f "/tmp/rotwatch-unshare.$$"
		exit 1
	fi
	rm -f "/tmp/rotwatch-unshare.$$"
	ROTWATCH_TEST_NETNS=1 exec unshare -m -n bash "$0" "$@"
}

# -- archive (Save Page Now 2) -------------------------------------------------
# The fake archive is tests/fake/spn2.py; with --role web the same script is
# a web server that records every request with its headers.

SENTINEL_KEY=SENTINELKEY123
SENTINEL_SECRET=SENTINELSECRET456
SENTINEL_PAIR="$SENTINEL_KEY:$SENTINEL_SECRET"

# start_spn2 NAME [spn2.py args...]: start a fake archive (or, with
# --role web, a recording web server), wait for its port.  Sets FAKE_PORT,
# FAKE_PID and FAKE_URL (http://127.0.0.1:PORT); its output goes to
# $T/spn2-NAME.log.
start_spn2() {
	local name=$1
	shift
	start_fake "spn2-$name" spn2.py "$@"
	FAKE_PID=$BG_PID
	FAKE_PORT=$STARTED_PORT
	FAKE_URL="http://127.0.0.1:$FAKE_PORT"
}

# fake_stats URL: the /__stats JSON of a fake started by start_spn2
fake_stats() {
	curl -s --max-time 10 --noproxy '*' "$1/__stats"
}

# fake_control URL JSON: inject a behaviour into a fake archive
fake_control() {
	curl -s --max-time 5 --noproxy '*' -X POST \
		-H 'Content-Type: application/json' --data "$2" "$1/__control" >/dev/null
}

# write_keys FILE [ACCESS:SECRET] [MODE]: a keys file (default: the
# sentinel pair, mode 0600)
write_keys() {
	printf '%s\n' "${2:-$SENTINEL_PAIR}" >"$1"
	chmod "${3:-0600}" "$1"
}

# write_archive_conf [FILE]: write_conf, then an [archive] section.  Keys are
# written only when their variable is set: A_ENABLED A_ENDPOINT A_KEYS_FILE
# A_CONCURRENCY A_PER_MINUTE A_OLDER (archive_if_older_than) A_EVERY
# A_POLL (poll_interval) A_PENDING_TIMEOUT A_BACKOFF_429 A_MAX_ATTEMPTS
# A_CAPTURE_ALL A_SKIP_FIRST A_NOT_WITHIN; A_EXTRA is appended verbatim.
write_archive_conf() {
	local f=${1:-$CONF} kv
	write_conf "$f"
	{
		echo
		echo "[archive]"
		for kv in enabled:A_ENABLED endpoint:A_ENDPOINT \
			keys_file:A_KEYS_FILE concurrency:A_CONCURRENCY \
			per_minute:A_PER_MINUTE archive_if_older_than:A_OLDER \
			archive_every:A_EVERY poll_interval:A_POLL \
			pending_timeout:A_PENDING_TIMEOUT backoff_429:A_BACKOFF_429 \
			max_attempts:A_MAX_ATTEMPTS capture_all:A_CAPTURE_ALL \
			skip_first_archive:A_SKIP_FIRST \
			if_not_archived_within:A_NOT_WITHIN; do
			local var=${kv#*:}
			if [ -n "${!var+set}" ]; then
				echo "${kv%%:*} = ${!var}"
			fi
		done
		echo "${A_EXTRA:-}"
	} >>"$f"
}

# py_asserts CMD...: run CMD (a checker printing one line per assertion,
# "ok<TAB>description" or "FAIL<TAB>description<TAB>detail") and count its
# lines as assertions.  Any other line is printed as it is.
py_asserts() {
	local r d x
	while IFS=$'\t' read -r r d x; do
		case $r in
		ok) pass "$d" ;;
		FAIL) fail "$d${x:+: $x}" ;;
		__exit) [ "$d" = 0 ] || fail "checker $1 ${2:-} exited with status $d" ;;
		*) printf '%s\t%s\t%s\n' "$r" "$d" "$x" | sed 's/\t*$//' ;;
		esac
	done < <("$@" 2>&1; printf '__exit\t%s\n' "$?")
}

# open_jobs: archive jobs not yet settled (state other than done/failed)
open_jobs() {
	q "SELECT count(*) FROM archive_jobs WHERE state NOT IN ('done','failed')"
}

# settled_sources: sources with a snapshot or a failed archive job
settled_sources() {
	q "SELECT count(*) FROM sources s WHERE
	   EXISTS (SELECT 1 FROM snapshots WHERE source_id = s.id) OR
	   EXISTS (SELECT 1 FROM archive_jobs WHERE source_id = s.id
	           AND state = 'failed')"
}

# proc_cpu_ms PID: user + system CPU time of PID so far, in milliseconds
proc_cpu_ms() {
	local tck
	tck=$(getconf CLK_TCK)
	awk -v t="$tck" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / t) }' \
		"/proc/$1/stat" 2>/dev/null
}

# proc_kib PID FIELD: a /proc/PID/status field in KiB (VmRSS, VmHWM, ...)
proc_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# conf_in DIR [VAR=VALUE...]: DIR/rotwatch.conf written by write_archive_conf
# with those variables (database DIR/db.sqlite), for a second daemon.
conf_in() {
	local d=$1
	shift
	mkdir -p "$d"
	env "$@" bash -c ". '$TESTS_DIR/lib.sh'; CONF='$d/rotwatch.conf'; write_archive_conf" \
		>/dev/null 2>&1
	if [ ! -s "$d/rotwatch.conf" ]; then
		echo "FATAL: no config in $d"
		exit 1
	fi
}

# qd DIR SQL: one query against DIR/db.sqlite
qd() {
	sqlite3 -batch -noheader -cmd ".timeout 5000" "$1/db.sqlite" "$2"
}

# rwd DIR ARGS...: rotwatch with DIR/rotwatch.conf
rwd() {
	local d=$1
	shift
	"${RW[@]}" -c "$d/rotwatch.conf" "$@"
}
