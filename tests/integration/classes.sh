#!/bin/bash
# Every misbehaviour of tests/fake/web.py ends in the class the contract
# gives it, one `daemon --once` checks each source exactly once, hanging
# peers cannot stall the run, and what is stored about a check (status,
# final URL, hops, body hash, Retry-After, validators) is what the server sent.
. "$(dirname "$0")/lib.sh"
setup

# Enough transfers per host that the slow cases do not queue behind each
# other: the time bound below is about timeouts, not about scheduling.
C_CHECK_EXTRA="per_host = 16" write_conf
start_web main
P=$WEB_PORT
B="http://127.0.0.1:$P"
CLOSED=$(free_port)

# path -> expected class
declare -A EXPECT=(
	[/ok]=ok [/ok?n=1]=ok [/etag]=ok [/change]=ok
	[/redirect]=redirect [/chain]=redirect
	[/notfound]=not_found [/gone]=not_found
	[/forbidden]=blocked [/unauthorized]=blocked [/ratelimit]=blocked
	[/legal]=blocked
	[/teapot]=client_error
	[/error]=server_error [/unavailable]=server_error
	[/slowdrip]=timeout [/hang]=timeout [/slowheaders]=timeout
	[/reset]=reset [/midreset]=reset [/short]=reset [/empty]=reset
	[/chunked-huge]=too_large [/cl-huge]=too_large [/gzip-bomb]=too_large
	[/gzip-bomb?mib=64]=too_large
	[/loop]=too_many_redirects
	[/to-file]=bad_scheme [/to-ftp]=bad_scheme
	[/garbage]=bad_response
)
REFUSED_URL="http://127.0.0.1:$CLOSED/ok"

urls=()
for p in "${!EXPECT[@]}"; do
	urls+=("$B$p")
done
urls+=("$REFUSED_URL")
NSRC=${#urls[@]}

out=$(rw add "${urls[@]}" 2>&1)
assert_rc "add $NSRC URLs" 0 $?
assert_eq "sources stored" "$NSRC" "$(q 'SELECT count(*) FROM sources')"
assert_eq "no check before the daemon runs" 0 "$(q 'SELECT count(*) FROM checks')"

# Memory baseline: the same daemon checking a single /ok source.
mkdir -p "$T/base"
C_CHECK_EXTRA="per_host = 16" write_conf "$T/base/rotwatch.conf"
"${RW[@]}" -c "$T/base/rotwatch.conf" add "$B/ok" >/dev/null 2>&1
/usr/bin/time -f %M -o "$T/base.rss" \
	timeout -k 2 20 "${RW[@]}" -c "$T/base/rotwatch.conf" daemon --once >/dev/null 2>&1

# --- one pass -------------------------------------------------------------
start=$(now_ms)
/usr/bin/time -f %M -o "$T/once.rss" \
	timeout -k 2 40 "${RW[@]}" -c "$CONF" daemon --once >"$T/once.log" 2>&1
rc=$?
elapsed=$(($(now_ms) - start))
assert_rc "daemon --once" 0 "$rc"
[ "$rc" -ne 0 ] && sed 's/^/  once: /' "$T/once.log" | head -20
# timeout is 8 s; the hanging peers must not hold the run beyond it
assert_le "daemon --once finished within timeout + 4 s (ms)" 12000 "$elapsed"

# 1 GiB bombs, 200 MB bodies: the daemon's memory stays flat.
base_rss=$(tail -1 "$T/base.rss")
once_rss=$(tail -1 "$T/once.rss")
assert_le "peak RSS over the one-source baseline ($base_rss KiB), KiB" \
	$((base_rss + 30 * 1024)) "$once_rss"

assert_eq "exactly one check per source" "$NSRC" "$(q 'SELECT count(*) FROM checks')"
assert_eq "no source checked twice" "" \
	"$(q 'SELECT source_id FROM checks GROUP BY source_id HAVING count(*) > 1')"

for p in "${!EXPECT[@]}"; do
	got=$(latest class "$B$p")
	assert_eq "class of $p" "${EXPECT[$p]}" "$got"
	[ "$got" != "${EXPECT[$p]}" ] &&
		echo "  ($p: curl_code=$(latest curl_code "$B$p") http_status=$(latest http_status "$B$p") error=$(latest error "$B$p"))"
done
assert_eq "class of a closed port" connect_refused "$(latest class "$REFUSED_URL")"

# --- stored facts -----------------------------------------------------------
for p in /notfound:404 /gone:410 /forbidden:403 /unauthorized:401 \
	/ratelimit:429 /legal:451 /teapot:418 /error:500 /unavailable:503 \
	/ok:200; do
	assert_eq "http_status of ${p%%:*}" "${p##*:}" "$(latest http_status "$B${p%%:*}")"
done

# The whole-body hash of /ok is the hash of what the server sends.
want=$(fetch "$B/ok" | sha256sum | cut -d' ' -f1)
assert_eq "sha256 of /ok" "$want" "$(latest sha256 "$B/ok")"
assert_eq "sha256 of /ok?n=1 (same body)" "$want" "$(latest sha256 "$B/ok?n=1")"
assert_eq "sha256 of /redirect (body of the final page)" "$want" "$(latest sha256 "$B/redirect")"
assert_eq "body_bytes of /ok" "$(fetch "$B/ok" | wc -c)" "$(latest body_bytes "$B/ok")"
assert_match "content_type of /ok" '^text/html' "$(latest content_type "$B/ok")"

# No hash for a body that was not read whole.
for p in /midreset /short /slowdrip /chunked-huge /cl-huge /gzip-bomb \
	'/gzip-bomb?mib=64'; do
	assert_eq "sha256 is NULL for $p" 1 "$(latest_is_null sha256 "$B$p")"
done

# Redirects: final URL, count and every hop.
assert_eq "final_url of /redirect" "$B/ok" "$(latest final_url "$B/redirect")"
assert_eq "redirects of /redirect" 1 "$(latest redirects "$B/redirect")"
assert_eq "final_url of /chain" "$B/ok" "$(latest final_url "$B/chain")"
assert_eq "redirects of /chain" 3 "$(latest redirects "$B/chain")"
assert_eq "redirects of /ok" 0 "$(latest redirects "$B/ok")"
hops=$(latest hops "$B/chain")
assert_eq "hops of /chain: 4 entries, statuses 302,301,301,200" \
	"4 302,301,301,200" \
	"$(printf '%s' "$hops" | "$PY" -c '
import json, sys
try:
    h = json.load(sys.stdin)
    print(len(h), ",".join(str(x["status"]) for x in h))
except Exception as e:
    print("unparseable:", e)')"
assert_eq "hop URLs of /chain" \
	"$B/chain $B/chain/2 $B/chain/3 $B/ok" \
	"$(printf '%s' "$hops" | "$PY" -c '
import json, sys
try:
    print(" ".join(x["url"] for x in json.load(sys.stdin)))
except Exception as e:
    print("unparseable:", e)')"

# Retry-After and validators as sent.
assert_eq "retry_after of /ratelimit" 120 "$(latest retry_after "$B/ratelimit")"
assert_eq "retry_after of /unavailable is stored" 0 "$(latest_is_null retry_after "$B/unavailable")"
assert_eq "etag of /etag" '"rw-etag-1"' "$(latest etag "$B/etag")"
assert_eq "last_modified of /etag" "Tue, 01 Sep 2020 10:00:00 GMT" "$(latest last_modified "$B/etag")"
assert_eq "content_length of /etag" "$(fetch "$B/etag" | wc -c)" "$(latest content_length "$B/etag")"

# Timeouts end at the configured limits, not later.
for p in /slowdrip /hang /slowheaders; do
	assert_le "duration_ms of $p within timeout + 1 s" 9000 "$(latest duration_ms "$B$p")"
done
# The too-large bodies are cut at the cap, not read to the end.
for p in /chunked-huge /cl-huge /gzip-bomb '/gzip-bomb?mib=64'; do
	bb=$(latest body_bytes "$B$p")
	[ -z "$bb" ] && bb=0
	assert_le "body_bytes of $p at most max_body + 64 KiB" $((1048576 + 65536)) "$bb"
done

# States follow the classes: one failure is only suspect; a refusal is
# blocked at once; a 301 to another page is moved.
assert_eq "state of the ok/redirect sources" "alive moved" \
	"$(q "SELECT group_concat(state, ' ') FROM (SELECT DISTINCT state FROM
	      sources WHERE id IN (SELECT source_id FROM checks WHERE class IN
	      ('ok','redirect')) ORDER BY state)")"
assert_eq "moved: the 301, and the 302 -> 301 -> 301 chain, to another page" \
	"$B/chain>$B/ok $B/redirect>$B/ok" \
	"$(q "SELECT group_concat(x, ' ') FROM (SELECT url || '>' || moved_to
	      AS x FROM sources WHERE state = 'moved' ORDER BY url)")"
assert_eq "state of the failing sources" suspect \
	"$(q "SELECT DISTINCT state FROM sources WHERE id IN
	      (SELECT source_id FROM checks WHERE class NOT IN ('ok','redirect',
	      'local_error','blocked'))")"
assert_eq "state of the refusing sources" blocked \
	"$(q "SELECT DISTINCT state FROM sources WHERE id IN
	      (SELECT source_id FROM checks WHERE class = 'blocked')")"
assert_eq "sources.last_check is their latest check" "" \
	"$(q 'SELECT id FROM sources s WHERE last_check IS NOT
	      (SELECT max(id) FROM checks WHERE source_id = s.id)')"
assert_eq "one event per source: new -> its state, with its check and class" "$NSRC" \
	"$(q "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id
	      JOIN checks c ON c.id = e.check_id
	      WHERE e.from_state = 'new' AND e.to_state = s.state
	      AND e.check_id = s.last_check AND e.class = c.class")"
assert_eq "no other events" "$NSRC" "$(q 'SELECT count(*) FROM events')"
assert_eq "failures counted: 1 for failing sources, 0 for alive ones" "" \
	"$(q "SELECT url FROM sources WHERE fails !=
	      (state IN ('suspect', 'blocked'))")"
assert_eq "every check is timed (started_at, duration_ms >= 0)" 0 \
	"$(q 'SELECT count(*) FROM checks WHERE started_at IS NULL
	      OR duration_ms IS NULL OR duration_ms < 0')"

# --- status --format json ---------------------------------------------------
rw status --format json >"$T/status.json" 2>"$T/status.err"
assert_rc "status --format json" 0 $?
res=$("$PY" - "$T/status.json" "$NSRC" "$B" "$want" <<'EOF'
import json, re, sys
path, n, base, sha = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
try:
    data = json.load(open(path))
except Exception as e:
    print("does not parse:", e); sys.exit()
errs = []
if not isinstance(data, list):
    print("not an array"); sys.exit()
if len(data) != n:
    errs.append(f"{len(data)} elements, want {n}")
top = {"id": int, "url": str, "tags": list, "notes": list, "state": str}
lc = {"checked_at": str, "class": str, "http_status": (int, type(None)),
      "final_url": (str, type(None)), "redirects": (int, type(None)),
      "duration_ms": int, "sha256": (str, type(None)),
      "error": (str, type(None))}
for e in data:
    for k, t in top.items():
        if not isinstance(e.get(k), t):
            errs.append(f"{e.get('url')}: {k}={e.get(k)!r}")
    c = e.get("last_check")
    if not isinstance(c, dict):
        errs.append(f"{e.get('url')}: last_check={c!r}"); continue
    for k, t in lc.items():
        if k not in c or not isinstance(c[k], t) or isinstance(c[k], bool):
            errs.append(f"{e.get('url')}: last_check.{k}={c.get(k, 'MISSING')!r}")
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
                        str(c.get("checked_at"))):
        errs.append(f"checked_at={c.get('checked_at')!r}")
ok = [e for e in data if e.get("url") == base + "/ok"]
if not ok:
    errs.append("no element for /ok")
else:
    c = ok[0].get("last_check") or {}
    if (ok[0].get("state"), c.get("class"), c.get("http_status"),
            c.get("sha256"), c.get("redirects")) != ("alive", "ok", 200, sha, 0):
        errs.append(f"/ok element: {ok[0]!r}")
nf = [e for e in data if e.get("url") == base + "/notfound"]
if not nf or (nf[0].get("state"), (nf[0].get("last_check") or {}).get("class")) \
        != ("suspect", "not_found"):
    errs.append(f"/notfound element: {nf!r}")
print("; ".join(errs[:10]) if errs else "fine")
EOF
)
assert_eq "status --format json has the contract's fields and values" fine "$res"

rw list --format json >"$T/list.json" 2>&1
assert_rc "list --format json" 0 $?
assert_eq "list --format json parses, one element per source" "$NSRC" \
	"$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/list.json" 2>&1)"

# --- check URL: check now, store, print ----------------------------------------
rw check "$B/notfound?via=check" --format json >"$T/check.json" 2>"$T/check.err"
rc=$?
assert_between "check of a new 404 URL: exit status 0 or 1" 0 1 "$rc"
assert_eq "check: the URL was added and its check stored" not_found \
	"$(latest class "$B/notfound?via=check")"
assert_eq "check --format json prints the result" "not_found 404" \
	"$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
if isinstance(d, list):
    d = d[0]
c = d.get("last_check", d)
print(c.get("class"), c.get("http_status"))' "$T/check.json" 2>&1)"
NSRC=$((NSRC + 1))

# --- a second pass checks nothing: every source is due again only in 1 h ----
timeout -k 2 30 "${RW[@]}" -c "$CONF" daemon --once >"$T/once2.log" 2>&1
assert_rc "second daemon --once" 0 $?
assert_eq "second --once checks nothing (interval 1h)" "$NSRC" "$(q 'SELECT count(*) FROM checks')"

finish
