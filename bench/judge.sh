#!/usr/bin/env bash
# bench/judge.sh -- CPU cost of the judgement layer (issue 4): a baseline
# rotwatch built from a git revision against the current ./rotwatch, on the
# shared loopback fake web, cold and warm pass over the same list.
# See "Judgement cost" in bench/README.md.
#
#   bench/judge.sh            build BASE, start the fake web if it is not up,
#                             REPS x (base, after) cold+warm passes, report
#   bench/judge.sh report TAG the report of an earlier run again (SIZE, MAX_CPU_RATIO
#                             as then), from $BENCH_RESULTS/judge/TAG/
#
# Knobs: BASE (a8ea7c5), REPS (5), SIZE (10000), MAX_CPU_RATIO (1.20),
# ROTWATCH (./rotwatch: the "after" binary), AFTER_REV (build the "after"
# binary from this revision instead, e.g. AFTER_REV=a8ea7c5 for an A/A run),
# WARMUP (1: one untimed base pass first), KEEP_DB (0), CAP (300 s per
# command), BENCH_WORK (/tmp/rotwatch-bench), BENCH_RESULTS, BENCH_TAG,
# and run.sh's config knobs CONC (100), PER_HOST (100), TIMEOUT (10),
# LOG_LEVEL (info).
# Exit: 0 ok, 1 cold CPU ratio above MAX_CPU_RATIO, 2 the measurement itself
# failed (build, config, a pass that did not check every source ...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"

SHARED="${BENCH_SHARED:-$ROOT/../shared/bench}"
export BENCH_SHARED="$SHARED"
export BENCH_WORK="${BENCH_WORK:-/tmp/rotwatch-bench}"
export BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_WORK/results}"
export BENCH_TAG="${BENCH_TAG:-judge-$(date +%Y%m%d-%H%M%S)}"
BASE="${BASE:-a8ea7c5}"
AFTER_REV="${AFTER_REV:-}"
REPS="${REPS:-5}"
SIZE="${SIZE:-10000}"
MAX_CPU_RATIO="${MAX_CPU_RATIO:-1.20}"
WARMUP="${WARMUP:-1}"
KEEP_DB="${KEEP_DB:-0}"
CAP="${CAP:-300}"
# the config knobs of run.sh, same defaults: write_conf below is run.sh's own
CONC="${CONC:-100}"
PER_HOST="${PER_HOST:-100}"
TIMEOUT="${TIMEOUT:-10}"
LOG_LEVEL="${LOG_LEVEL:-info}"
ROTWATCH="${ROTWATCH:-$ROOT/rotwatch}"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
LISTS="$BENCH_WORK/www/lists"
OUT="$BENCH_RESULTS/judge/$BENCH_TAG"

die() { echo "judge.sh: $*" >&2; exit 2; }
say() { echo "judge.sh: $*" >&2; }   # progress on stderr; stdout is the report

[ -r "$SHARED/bench.sh" ] || die "no shared harness at $SHARED (set BENCH_SHARED)"
command -v sqlite3 >/dev/null || die "sqlite3 not installed"
[ -x /usr/bin/time ] || die "/usr/bin/time not installed (apt-get install time)"

# The config is the one bench/run.sh writes: take its write_conf verbatim, so
# both scripts always measure the same settings.
eval "$(sed -n '/^write_conf() {/,/^}/p' "$HERE/run.sh")"
declare -F write_conf >/dev/null || die "cannot find write_conf in $HERE/run.sh"

# --- binaries
build_rev() {  # build_rev REV DIR -> DIR/rotwatch, built once per commit
    local rev="$1" dir="$2" sha
    sha="$(git -C "$ROOT" rev-parse --verify -q "$rev^{commit}")" || die "no such revision: $rev"
    if [ -x "$dir/rotwatch" ] && [ "$(cat "$dir/.commit" 2>/dev/null)" = "$sha" ]; then
        say "$rev ($sha): using the build in $dir"
        return
    fi
    say "building $rev ($sha) in $dir"
    rm -rf "$dir"; mkdir -p "$dir"
    git -C "$ROOT" archive "$sha" | tar -x -C "$dir"
    make -C "$dir" -j"$(nproc)" rotwatch >"$dir.build.log" 2>&1 || {
        tail -n 30 "$dir.build.log" >&2; die "build of $rev failed (log: $dir.build.log)"; }
    echo "$sha" >"$dir/.commit"
}

# --- server-side request count, as run.sh takes it (nginx access log delta)
log_lines() { wc -l <"$BENCH_WORK/access.log"; }

timed() {  # timed PREFIX cmd... -> exit code; PREFIX.time gets "wall user sys maxrss_kb",
    local p="$1" rc=0; shift  # PREFIX.out and PREFIX.err the command's output
    /usr/bin/time -f '%e %U %S %M' -o "$p.time" timeout -k 5 "$CAP" "$@" >"$p.out" 2>"$p.err" || rc=$?
    echo "$rc"
}

cpu_ticks() { awk 'NR == 1 { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t }' /proc/stat; }  # steal, all

checks_after() {  # checks_after DB ID -> rows of checks with a higher id, their distinct sources, the last id
    sqlite3 -batch -noheader -separator ' ' "$1" \
        "SELECT count(*), count(DISTINCT source_id), coalesce(max(id), $2) FROM checks WHERE id > $2"
}

one() {  # one WHO REP BIN: fresh db, import, cold pass, all due again, warm pass
    local who="$1" rep="$2" bin="$3" d db rc l0 l1 s0 s1 crows csrc wrows wsrc last
    d="$OUT/$who/r$rep"; rm -rf "$d"; mkdir -p "$d" "$BENCH_WORK/tmp"
    db="$(mktemp -d "$BENCH_WORK/tmp/judge-db.XXXXXX")"
    write_conf "$d/rotwatch.conf" "$db"
    rc=0; timeout 30 "$bin" -c "$d/rotwatch.conf" config-check >"$d/config-check.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] || { cat "$d/config-check.out" >&2; die "$who: config-check exit $rc"; }
    rc="$(timed "$d/import" "$bin" -c "$d/rotwatch.conf" import "$LISTS/urls-$SIZE.txt")"
    [ "$rc" = 0 ] || die "$who r$rep: import exit $rc ($d/import.err)"

    l0="$(log_lines)"
    s0="$(cpu_ticks)"
    rc="$(timed "$d/cold" "$bin" -c "$d/rotwatch.conf" daemon --once)"
    s1="$(cpu_ticks)"; echo "$s0 $s1" >"$d/cold.steal"   # host steal over the pass, from /proc/stat
    [ "$rc" = 0 ] || die "$who r$rep: cold pass exit $rc ($d/cold.err)"
    sleep 1.3   # nginx flushes its access log every second (and the box settles)
    l1="$(log_lines)"; echo "$((l1 - l0))" >"$d/cold.requests"
    read -r crows csrc last <<<"$(checks_after "$db/rotwatch.db" 0)"; echo "$crows" >"$d/cold.checks"

    sqlite3 -batch "$db/rotwatch.db" 'UPDATE sources SET next_due = 0' || die "$who r$rep: cannot make the sources due"
    l0="$(log_lines)"
    s0="$(cpu_ticks)"
    rc="$(timed "$d/warm" "$bin" -c "$d/rotwatch.conf" daemon --once)"
    s1="$(cpu_ticks)"; echo "$s0 $s1" >"$d/warm.steal"   # host steal over the pass, from /proc/stat
    [ "$rc" = 0 ] || die "$who r$rep: warm pass exit $rc ($d/warm.err)"
    sleep 1.3
    l1="$(log_lines)"; echo "$((l1 - l0))" >"$d/warm.requests"
    read -r wrows wsrc last <<<"$(checks_after "$db/rotwatch.db" "$last")"; echo "$wrows" >"$d/warm.checks"
    echo "$crows $csrc $wrows $wsrc $(du -sk "$db" | cut -f1)" >"$d/counts"

    # every source checked in each pass, or the CPU figures compare different work
    # (more rows than sources is allowed and shows in the report's checks column)
    if [ "$csrc" != "$SIZE" ] || [ "$wsrc" != "$SIZE" ]; then
        die "$who r$rep: sources checked in the cold/warm pass: $csrc/$wsrc of $SIZE (checks rows $crows/$wrows)"
    fi
    say "$(printf '%-5s r%d  cold %s  warm %s  (wall user sys rss_kb)' "$who" "$rep" "$(cat "$d/cold.time")" "$(cat "$d/warm.time")")"
    if [ "$KEEP_DB" = 1 ]; then echo "$db" >"$d/db.path"; else rm -rf "$db"; fi
}

report() {  # markdown on stdout; exit status 1 when the cold CPU ratio is over the limit
    python3 - "$OUT" "$REPS" "$MAX_CPU_RATIO" "$SIZE" <<'PY'
import os, statistics as st, sys
out, reps, limit, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
def rd(who, r, what):
    f = "%s/%s/r%d/%s." % (out, who, r, what)
    w, u, s, m = open(f + "time").read().split()[:4]
    st0, t0, st1, t1 = map(int, open(f + "steal").read().split())
    return {"wall": float(w), "cpu": float(u) + float(s), "user": float(u), "sys": float(s),
            "rss": int(m) / 1024, "req": int(open(f + "requests").read()), "checks": int(open(f + "checks").read()),
            "steal": 100 * (st1 - st0) / max(1, t1 - t0)}
R = {(who, p): [rd(who, r, p) for r in range(1, reps + 1)] for who in ("base", "after") for p in ("cold", "warm")}
med = lambda who, p, k: st.median(x[k] for x in R[(who, p)])
print("## Judgement cost: %d sources, medians of %d alternating repetitions\n" % (size, reps))
print("| pass | binary | wall s | CPU s (user+sys) | peak RSS MB | checks stored | server requests |")
print("|---|---|---:|---:|---:|---:|---:|")
for p in ("cold", "warm"):
    for who in ("base", "after"):
        print("| %s | %s | %.2f | %.2f | %.1f | %d | %d |" % (p, who, med(who, p, "wall"), med(who, p, "cpu"),
              med(who, p, "rss"), med(who, p, "checks"), med(who, p, "req")))
print("\n| pass | CPU after/base | wall after/base | RSS after/base |")
print("|---|---:|---:|---:|")
ratio = {}
for p in ("cold", "warm"):
    ratio[p] = med("after", p, "cpu") / med("base", p, "cpu")
    print("| %s | **%.3f** | %.3f | %.3f |" % (p, ratio[p], med("after", p, "wall") / med("base", p, "wall"),
          med("after", p, "rss") / med("base", p, "rss")))
print("\nPer repetition (CPU s user+sys / wall s; the pair ratio is after/base CPU of the same repetition):\n")
print("| rep | order | cold base | cold after | cold CPU ratio | warm base | warm after | warm CPU ratio |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for i in range(reps):
    c = lambda who, p: R[(who, p)][i]
    print("| %d | %s | %.2f / %.2f | %.2f / %.2f | %.3f | %.2f / %.2f | %.2f / %.2f | %.3f |" % (
        i + 1, "base, after" if i % 2 == 0 else "after, base",
        c("base", "cold")["cpu"], c("base", "cold")["wall"], c("after", "cold")["cpu"], c("after", "cold")["wall"],
        c("after", "cold")["cpu"] / c("base", "cold")["cpu"],
        c("base", "warm")["cpu"], c("base", "warm")["wall"], c("after", "warm")["cpu"], c("after", "warm")["wall"],
        c("after", "warm")["cpu"] / c("base", "warm")["cpu"]))
print("\nNoise: CPU spread (max-min)/median over the repetitions of one binary; the CPU ratio with its 95 %")
print("interval (from the spread of this run's passes); the host's steal time during the passes:\n")
ci = {}
for p in ("cold", "warm"):
    parts = []
    for who in ("base", "after"):
        xs = [x["cpu"] for x in R[(who, p)]]
        parts.append("%s %.2f–%.2f s (%.1f %%)" % (who, min(xs), max(xs), 100 * (max(xs) - min(xs)) / st.median(xs)))
    # 95 % interval of the ratio of medians: the passes' spread around their binary's median
    # (pooled over both binaries), SE of a median = 1.2533 sd / sqrt(n), two medians per ratio
    res = [x["cpu"] / med(who, p, "cpu") - 1 for who in ("base", "after") for x in R[(who, p)]]
    se = 1.2533 * (st.stdev(res) if len(res) > 2 else 0.0) * (2.0 / reps) ** 0.5
    ci[p] = (ratio[p] * (1 - 1.96 * se), ratio[p] * (1 + 1.96 * se))
    parts.append("ratio %.3f [%.3f–%.3f]" % (ratio[p], ci[p][0], ci[p][1]))
    stl = [x["steal"] for who in ("base", "after") for x in R[(who, p)]]
    parts.append("steal median %.1f %%, max %.1f %%" % (st.median(stl), max(stl)))
    print("- %s: %s" % (p, "; ".join(parts)))
ok = ratio["cold"] <= limit
print("\n**%s**: cold-pass CPU after/base = %.3f (limit %.2f); warm pass %.3f." % (
    "PASS" if ok else "FAIL", ratio["cold"], limit, ratio["warm"]))
if ci["cold"][0] <= limit < ci["cold"][1]:
    print("\nNot conclusive: the limit %.2f lies inside the 95 %% interval %.3f–%.3f of the cold ratio;"
          " run again with more repetitions (REPS=10 or 20)." % (limit, ci["cold"][0], ci["cold"][1]))
sys.exit(0 if ok else 1)
PY
}

main() {
    [ "$REPS" -ge 1 ] 2>/dev/null || die "REPS must be a positive number"
    build_rev "$BASE" "$BENCH_WORK/judge-base"
    BASE_BIN="$BENCH_WORK/judge-base/rotwatch"
    mkdir -p "$OUT"
    if [ -n "$AFTER_REV" ]; then
        build_rev "$AFTER_REV" "$BENCH_WORK/judge-after"
        cp "$BENCH_WORK/judge-after/rotwatch" "$OUT/rotwatch-after"
        after_what="revision $AFTER_REV"
    else
        [ -x "$ROTWATCH" ] || die "$ROTWATCH not built (run make in $ROOT)"
        if [ "$ROTWATCH" = "$ROOT/rotwatch" ] &&
            [ -n "$(find "$ROOT/daemon" "$ROOT/Makefile" -newer "$ROTWATCH" -print -quit 2>/dev/null)" ]; then
            say "WARNING: sources in $ROOT are newer than $ROTWATCH: run make first, or this measures an old build"
        fi
        # one binary for the whole run, even if ./rotwatch is rebuilt meanwhile
        cp "$ROTWATCH" "$OUT/rotwatch-after"
        after_what="$ROTWATCH"
    fi
    cp "$BASE_BIN" "$OUT/rotwatch-base"
    BASE_BIN="$OUT/rotwatch-base"; AFTER_BIN="$OUT/rotwatch-after"

    [ -f "$LISTS/urls-$SIZE.txt" ] || { say "no URL lists yet: generating"; bash "$HERE/run.sh" gen >&2; }
    [ -f "$LISTS/urls-$SIZE.txt" ] || die "no list $LISTS/urls-$SIZE.txt"
    ulimit -n 16384 2>/dev/null || true
    if bash "$SHARED/fakeweb.sh" status >/dev/null 2>&1; then
        say "fake web already running: using it, leaving it running"
    else
        bash "$HERE/run.sh" start >&2
        trap 'bash "$HERE/run.sh" stop >&2 || true' EXIT
    fi

    local t0=$SECONDS rep
    {
        echo "# rotwatch judgement cost, tag $BENCH_TAG"
        echo
        echo "- base:  $BASE ($(git -C "$ROOT" rev-parse --short "$BASE^{commit}")), sha256 $(sha256sum "$BASE_BIN" | cut -c1-16)"
        echo "- after: $after_what, sha256 $(sha256sum "$AFTER_BIN" | cut -c1-16)"
        echo "- list: urls-$SIZE.txt; config as bench/run.sh (concurrency $CONC, per_host $PER_HOST, timeout ${TIMEOUT}s, log $LOG_LEVEL)"
        echo "- cold: fresh database, import (not timed), \`daemon --once\`; warm: \`UPDATE sources SET next_due = 0\`, \`daemon --once\` again"
        echo "- $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo
    } >"$OUT/report.md"
    if [ "$WARMUP" = 1 ]; then
        say "warm-up pass (not counted)"
        one warmup 0 "$BASE_BIN"
    fi
    for rep in $(seq 1 "$REPS"); do   # base first on odd repetitions, after first on even ones
        if [ $((rep % 2)) = 1 ]; then
            one base "$rep" "$BASE_BIN"; one after "$rep" "$AFTER_BIN"
        else
            one after "$rep" "$AFTER_BIN"; one base "$rep" "$BASE_BIN"
        fi
    done
    local rc=0
    report >>"$OUT/report.md" || rc=$?
    [ "$rc" -le 1 ] || die "report failed"
    echo "- load after: $(cut -d' ' -f1-3 /proc/loadavg); measuring took $((SECONDS - t0)) s" >>"$OUT/report.md"
    cat "$OUT/report.md"
    say "raw: $OUT/{base,after}/rN/ (cold|warm).time = wall user sys rss_kb; report: $OUT/report.md"
    if [ "$rc" = 1 ]; then
        echo "judge.sh: FAIL: cold-pass CPU after/base is above $MAX_CPU_RATIO (see the table)" >&2
    fi
    return "$rc"
}

cmd_report() {  # cmd_report TAG: the report again, from the raw files of an earlier run
    local n
    OUT="$BENCH_RESULTS/judge/$1"
    [ -d "$OUT/base/r1" ] || die "no run $OUT"
    n="$(find "$OUT/base" -maxdepth 1 -name 'r[1-9]*' | wc -l)"
    REPS="$n"
    [ ! -f "$OUT/report.md" ] || sed -n '/^## /q;p' "$OUT/report.md"
    report
}

case "${1:-}" in
    ""|run) main ;;
    report) [ -n "${2:-}" ] || die "usage: judge.sh report TAG"; cmd_report "$2" ;;
    -h|--help|help) sed -n '2,20p' "$0" ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
