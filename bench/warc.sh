#!/usr/bin/env bash
# bench/warc.sh -- what local WARC capture costs: a 10,000-source pass over
# the shared fake web with [warc] capture = all against capture = off, and
# the WARC bytes an unchanged check adds (a revisit record).
#
#   bench/run.sh start && bench/warc.sh && bench/run.sh stop
#
# Each repetition runs both modes, alternating which goes first, each on a
# fresh database: import the list, a cold pass (daemon --once: every page
# new), then, with every source due again, a warm pass (the same pages:
# revisits, but for the /dyn/ pages, which change at every request).
# Printed: wall and CPU time of each pass (median of REPS), their ratio
# all/off, and for capture = all the WARC bytes of the records each pass
# wrote, and per unchanged check (the revisit records of the warm pass).
#
# Knobs: MODES ("off all"; "off changes all" adds the default mode), SIZE
# (10000), REPS (3), CONC (100), PER_HOST (100), TIMEOUT (10),
# CAP (300 s per pass), BENCH_WORK (/tmp/rotwatch-bench), ROTWATCH
# (./rotwatch).  Everything stays on 127.0.0.0/8; every pass runs under
# `timeout`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BENCH_WORK="${BENCH_WORK:-/tmp/rotwatch-bench}"
SIZE="${SIZE:-10000}"
REPS="${REPS:-3}"
CONC="${CONC:-100}"
PER_HOST="${PER_HOST:-100}"
TIMEOUT="${TIMEOUT:-10}"
CAP="${CAP:-300}"
ROTWATCH="${ROTWATCH:-$ROOT/rotwatch}"
MODES="${MODES:-off all}"	# "off" first: the others are compared to it
LIST="$BENCH_WORK/www/lists/urls-$SIZE.txt"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

[ -r "$LIST" ] || { echo "warc.sh: no $LIST (bench/run.sh gen)" >&2; exit 1; }
curl -s -m 2 -o /dev/null "http://127.0.0.1:${BENCH_PORT:-38080}/" ||
	{ echo "warc.sh: the fake web is not running (bench/run.sh start)" >&2; exit 1; }
ulimit -n 16384 2>/dev/null || true
OUT="$(mktemp -d "$BENCH_WORK/warc-bench.XXXXXX")"
BIN="$OUT/rotwatch"
cp "$ROTWATCH" "$BIN"
echo "rotwatch: $("$BIN" -V) sha256 $(sha256sum "$BIN" | cut -c1-16)"
echo "results: $OUT/results.jsonl"

conf() {  # conf FILE DIR MODE
	cat >"$1" <<CONF
[storage]
database = $2/rotwatch.db
[check]
concurrency = $CONC
per_host = $PER_HOST
host_delay = 0ms
connect_timeout = ${TIMEOUT}s
timeout = ${TIMEOUT}s
max_redirects = 10
[network]
allow = 127.0.0.0/8 ::1/128
[archive]
enabled = no
[warc]
capture = $3
[log]
level = warn
CONF
}

# one_pass DIR NAME: wall s, user+sys s, max RSS KiB of daemon --once
one_pass() {
	/usr/bin/time -f '%e %U %S %M' -o "$1/$2.time" timeout -k 5 "$CAP" \
		"$BIN" -c "$1/rotwatch.conf" daemon --once >"$1/$2.out" 2>"$1/$2.err"
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$1/$2.time"
}

warc_bytes() { du -sb "$1/warc" 2>/dev/null | cut -f1 || echo 0; }

run() {  # run MODE REP
	local d="$OUT/$1-r$2" c w bytes0 bytes1 bytes2
	mkdir -p "$d"
	conf "$d/rotwatch.conf" "$d" "$1"
	"$BIN" -c "$d/rotwatch.conf" import "$LIST" >/dev/null 2>&1
	bytes0=0
	read -r cw cc cr <<<"$(one_pass "$d" cold)"
	bytes1=$(warc_bytes "$d")
	sqlite3 "$d/rotwatch.db" "UPDATE sources SET next_due = 0"
	read -r ww wc wr <<<"$(one_pass "$d" warm)"
	bytes2=$(warc_bytes "$d")
	local stats
	stats=$(sqlite3 -separator ' ' "$d/rotwatch.db" "
		SELECT (SELECT count(*) FROM checks),
		  (SELECT count(*) FROM captures WHERE kind = 'response'),
		  (SELECT count(*) FROM captures WHERE kind = 'revisit'),
		  (SELECT coalesce(sum(length), 0) FROM captures WHERE kind = 'revisit'),
		  (SELECT count(*) FROM checks WHERE sha256 IS NOT NULL)")
	read -r checks resp rev revbytes bodies <<<"$stats"
	printf '{"mode":"%s","rep":%d,"cold_wall":%s,"cold_cpu":%s,"cold_rss_kib":%s,"warm_wall":%s,"warm_cpu":%s,"warm_rss_kib":%s,"checks":%s,"responses":%s,"revisits":%s,"revisit_bytes":%s,"bodies":%s,"warc_bytes_cold":%s,"warc_bytes_warm":%s}\n' \
		"$1" "$2" "$cw" "$cc" "$cr" "$ww" "$wc" "$wr" "$checks" "$resp" "$rev" "$revbytes" \
		"$bodies" "$((bytes1 - bytes0))" "$((bytes2 - bytes1))" >>"$OUT/results.jsonl"
	tail -1 "$OUT/results.jsonl"
	rm -rf "$d/warc" "$d/rotwatch.db"*
}

for rep in $(seq 1 "$REPS"); do
	# alternate the order of the modes from one repetition to the next
	order=$MODES
	[ $((rep % 2)) = 0 ] && order=$(tr ' ' '\n' <<<"$MODES" | tac | xargs)
	for m in $order; do run "$m" "$rep"; done
done

python3 - "$OUT/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
modes = list(dict.fromkeys(r["mode"] for r in rows))
med = lambda mode, k: statistics.median(r[k] for r in rows if r["mode"] == mode)
print("\n| pass | mode | wall s | ratio to off | CPU s | ratio to off | max RSS MiB | WARC bytes |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for p in ("cold", "warm"):
    for m in modes:
        w, c = med(m, p + "_wall"), med(m, p + "_cpu")
        print(f"| {p} | {m} | {w:.2f} | {w / med('off', p + '_wall'):.2f} | {c:.2f} | "
              f"{c / med('off', p + '_cpu'):.2f} | {med(m, p + '_rss_kib') / 1024:.0f} | "
              f"{med(m, 'warc_bytes_' + p):,.0f} |")
for m in modes:
    a = [r for r in rows if r["mode"] == m and r["revisits"]]
    if a:
        print(f"\ncapture = {m}: WARC bytes per unchanged check (revisit record, gzip member): "
              f"{statistics.median(x['revisit_bytes'] / x['revisits'] for x in a):.0f} "
              f"({a[0]['revisits']} revisits, {a[0]['responses']} responses)")
PY
